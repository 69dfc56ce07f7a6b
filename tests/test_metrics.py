import faiss
import numpy as np
import pytest

from helpers.metrics import (faiss_threads, k_recall_at_n, loglog_slope, loglog_slope_band, median_time,
                             one_recall_at, recall_at_k, same_invlists, same_knn, share_in_visited,
                             single_query_latency, timed)

GT = np.array([[0, 1, 2, 3], [4, 5, 6, 7]])


def test_recall_at_k_hand_made():
    I = np.array([[2, 0, 9, 9], [7, 9, 9, 4]])
    assert recall_at_k(I, GT, 1) == 0.0          # neither first answer is the true nearest
    assert recall_at_k(I, GT, 2) == 0.25          # {2,0}&{0,1} -> 1, {7,9}&{4,5} -> 0: 1/4
    assert recall_at_k(I, GT, 4) == 0.5           # row 0 finds {0, 2}, row 1 finds {4, 7}: 4 of 8
    assert recall_at_k(GT, GT, 4) == 1.0
    assert recall_at_k(np.full_like(GT, -1), GT, 4) == 0.0


def test_one_recall_at_hand_made():
    I = np.array([[2, 0, 9], [9, 9, 4]])
    assert one_recall_at(I, GT, 1) == 0.0
    assert one_recall_at(I, GT, 2) == 0.5
    assert one_recall_at(I, GT, 3) == 1.0


def test_k_recall_at_n_hand_made():
    I = np.array([[9, 1, 8, 0, 2, 3], [-1, -1, 4, 5, 6, 7]])
    assert k_recall_at_n(I, GT, 2, 2) == 0.25     # row 0 finds 1 of {0, 1}, row 1 none of {4, 5}
    assert k_recall_at_n(I, GT, 2, 3) == 0.5      # row 0 finds {1}, row 1 finds {4}
    assert k_recall_at_n(I, GT, 4, 6) == 1.0
    with pytest.raises(ValueError, match="n=7"):
        k_recall_at_n(I, GT, 2, 7)


@pytest.mark.parametrize("I, gt, k, msg", [
    (np.zeros((2, 4), "float32"), GT, 1, "I must be a 2-D integer array"),
    (np.zeros(4, "int64"), GT, 1, "I must be a 2-D integer array"),
    (GT, [[0, 1]], 1, "gt must be a 2-D integer array"),
    (GT[:1], GT, 1, "I has 1 queries but gt has 2"),
    (GT, GT, 5, "k=5 must be between 1"),
    (GT, GT, 0, "k=0 must be between 1"),
])
def test_recall_rejects_bad_input(I, gt, k, msg):
    with pytest.raises(ValueError, match=msg):
        recall_at_k(I, gt, k)


def test_one_recall_rejects_bad_r():
    with pytest.raises(ValueError, match="r=9"):
        one_recall_at(GT, GT, 9)


def test_faiss_threads_restores():
    before = faiss.omp_get_max_threads()
    with faiss_threads(1):
        assert faiss.omp_get_max_threads() == 1
    assert faiss.omp_get_max_threads() == before
    with pytest.raises(RuntimeError):
        with faiss_threads(1):
            raise RuntimeError
    assert faiss.omp_get_max_threads() == before


def test_single_query_latency_calls_one_query_at_a_time():
    index = faiss.IndexFlatL2(4)
    index.add(np.random.default_rng(0).random((100, 4), dtype="float32"))
    shapes = []
    lat = single_query_latency(lambda q: shapes.append(q.shape) or index.search(q, 5),
                               np.zeros((3, 4), "float32"), n_calls=50, warmup=2)
    assert set(shapes) == {(1, 4)} and len(shapes) == 52
    assert lat.n_calls == 50 and 0 < lat.p50_ms <= lat.p99_ms
    with pytest.raises(ValueError, match="non-empty"):
        single_query_latency(lambda q: None, np.zeros((0, 4)), n_calls=1)


def test_timed_returns_the_last_result():
    calls = []
    out, t = timed(lambda: calls.append(1) or len(calls), repeats=3, warmup=2)
    assert out == 5 and len(calls) == 5 and t >= 0


def test_median_time_counts_calls():
    calls = []
    assert median_time(lambda: calls.append(1), repeats=3, warmup=1) >= 0
    assert len(calls) == 4


def test_same_knn_tolerates_ties_only():
    D = np.array([[0.1, 0.2, 0.2, 0.5]], "float32")
    I = np.array([[4, 7, 9, 1]])
    assert same_knn(D, I, D, I[:, [0, 2, 1, 3]])   # tie swapped: same
    assert not same_knn(D, I, D, I[:, [1, 0, 2, 3]])  # different nearest neighbor
    assert not same_knn(D, I, D + 1e-3, I)
    assert same_knn(D, I, D + 1e-3, I, atol=2e-3)     # within an absolute tolerance
    assert same_knn(D[None], I[None], D[None], I[None, :, [0, 2, 1, 3]])  # any leading shape


def test_same_invlists_compares_ids_and_codes():
    x = np.random.default_rng(0).random((500, 8), dtype="float32")
    a = faiss.index_factory(8, "IVF4,PQ2")
    a.train(x)
    b = faiss.clone_index(a)
    a.add(x)
    b.add(x)
    assert same_invlists(a, b)
    b.add(x[:1])
    assert not same_invlists(a, b)


def test_share_in_visited_hand_made():
    visit_order = np.array([[3, 1, 2], [0, 2, 1]])        # each query's lists in visit order
    true_lists = np.array([[1, 2], [1, 1]])               # the list of each of its true items
    assert [share_in_visited(visit_order, true_lists, p) for p in (1, 2, 3)] == [0.0, 0.25, 1.0]


def test_loglog_slope_band_recovers_the_exponent():
    x = np.array([1e3, 1e4, 1e5])
    rng = np.random.default_rng(0)
    times = (x[:, None] ** 0.5) * rng.uniform(0.9, 1.1, (3, 7))     # y ~ x^0.5, 10% noise
    slope, low, high = loglog_slope_band(x, times)
    assert abs(slope - 0.5) < 0.05 and low <= slope <= high and high - low < 0.1
    assert loglog_slope(x, x ** 2) == pytest.approx(2.0)

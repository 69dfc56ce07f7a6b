"""helpers.sweeps: one-user measurements against exact search, the skip line of a missing peer, and the
latency read off a Pareto front."""

import math

import faiss
import numpy as np
import pandas as pd
import pytest

from helpers import peers, sweeps
from helpers.datasets import load_dataset

K = 10


@pytest.fixture(scope="module")
def data():
    ds = load_dataset("synthetic", d=16, nt=2_000, nb=3_000, nq=40)
    xb, xq = ds.get_database(), ds.get_queries()
    return xb, xq, faiss.knn(xq, xb, K)[1]


def test_sweep_measures_each_setting_against_the_ground_truth(data):
    xb, xq, gt = data
    index = faiss.index_factory(xb.shape[1], "IVF16,Flat")
    index.train(xb)
    index.add(xb)
    sweep = sweeps.Sweep(xq, gt, K, n_calls=30, warmup=3)
    sweep.sweep(peers.FaissIndex("IVF16,Flat", "nprobe", index=index), [1, 16], build_s=0.5)
    table = sweep.table()
    assert list(table.setting) == ["nprobe=1", "nprobe=16"] and set(table.method) == {"IVF16,Flat"}
    assert table.recall.iloc[1] == 1.0 > table.recall.iloc[0]        # every list visited: exact
    assert (table.p99_ms >= table.p50_ms).all() and (table.build_s == 0.5).all()
    answers = sweep.answers["IVF16,Flat", "nprobe=16"]
    assert answers.shape == (30, K) and np.array_equal(np.sort(answers, 1), np.sort(gt[:30], 1))


def test_sweep_refuses_more_calls_than_queries(data):
    _, xq, gt = data
    with pytest.raises(ValueError, match="n_calls"):
        sweeps.Sweep(xq, gt, K, n_calls=len(xq) + 1)


def test_build_skips_a_missing_peer_in_one_line(monkeypatch, capsys, data):
    monkeypatch.setattr(peers, "hnswlib", None)
    assert sweeps.build(peers.Hnswlib(m=8), data[0], "L2") is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "hnswlib" in out and "skipped" in out


def test_build_times_a_faiss_peer(data):
    xb = data[0]
    built = sweeps.build(peers.FaissIndex("Flat", "", make=lambda x, m: faiss.IndexFlatL2(x.shape[1])), xb, "L2")
    assert built >= 0


FRONT = pd.DataFrame(dict(method="m", recall=[0.90, 0.99, 0.80, 0.95], p99_ms=[1.0, 10.0, 5.0, 20.0]))


def test_latency_at_recall_interpolates_in_log_latency_on_the_front():
    # (0.80, 5 ms) and (0.95, 20 ms) are dominated: the front is (0.90, 1 ms), (0.99, 10 ms)
    assert sweeps.latency_at_recall(FRONT, 0.945) == pytest.approx(math.sqrt(10))
    assert sweeps.latency_at_recall(FRONT, 0.5) == 1.0                # the fastest point already gets there
    assert math.isnan(sweeps.latency_at_recall(FRONT, 0.995))         # the front never does


def test_ratios_between_fronts():
    table = pd.concat([FRONT, FRONT.assign(method="slow", p99_ms=FRONT.p99_ms * 2, p50_ms=1.0)]).assign(
        p50_ms=1.0)
    at = sweeps.latencies_at(table, [0.9, 0.999])
    assert at.loc["slow", "p99_ms at 0.9"] == 2.0 and math.isnan(at.loc["m", "p99_ms at 0.999"])
    ratios = sweeps.ratios_at_recall(table, ["m"], ["slow"], 0.945)
    assert ratios.loc["slow", "p99_ms ratio"] == pytest.approx(2.0)
    assert ratios.loc["slow", "p50_ms ratio"] == pytest.approx(1.0)


def test_scann_with_reorder_shares_the_build_and_names_the_setting():
    scann = peers.ScaNN(leaves=10, reorder=100)
    scann.searcher = object()                                        # as if built
    other = scann.with_reorder(20)
    assert other.searcher is scann.searcher and (scann.reorder, other.reorder) == (100, 20)
    assert other.setting(5) == "leaves_to_search=5,reorder=20" and other.name == "ScaNN"


def test_ranking_recall_counts_the_true_items_among_the_first_n(data):
    xb, xq, gt = data
    exact = faiss.IndexFlatL2(xb.shape[1])
    exact.add(xb)
    shifted = faiss.IndexIDMap(faiss.IndexFlatL2(xb.shape[1]))
    shifted.add_with_ids(xb, np.arange(len(xb)) + 1)       # every id off by one: finds nothing
    frame = sweeps.ranking_recall({"exact": exact, "off by one": shifted}, xq, gt, K, [5, 10, 20])
    assert list(frame.columns) == ["n=5", "n=10", "n=20", "ms/query"]
    assert frame.loc["exact", "n=5"] == 0.5 and frame.loc["exact", "n=10"] == 1.0 == frame.loc["exact", "n=20"]
    assert frame.loc["off by one", "n=20"] < 0.1


def test_best_under_takes_the_most_accurate_within_the_limit():
    frame = pd.DataFrame(dict(setting=["a", "b", "c", "d"], recall=[0.9, 0.95, 0.95, 0.99],
                              p99_ms=[0.5, 2.0, 1.5, 6.0]))
    row, met = sweeps.best_under(frame, 5.0)
    assert met and row.setting == "c"                       # b and c tie on recall: the faster
    row, met = sweeps.best_under(frame, 0.1)
    assert not met and row.setting == "a"                   # none under: the fastest

"""Recall measures, timing (median of repeats, single-query latency) and Faiss thread control."""

import time
from contextlib import contextmanager
from dataclasses import dataclass

import faiss
import numpy as np
from faiss.contrib.evaluation import check_ref_knn_with_draws
from faiss.contrib.inspect_tools import get_invlist


def _check_results(I, gt, k):
    for name, a in (("I", I), ("gt", gt)):
        if not isinstance(a, np.ndarray) or a.ndim != 2 or not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"{name} must be a 2-D integer array of ids, got "
                             f"{type(a).__name__} {getattr(a, 'shape', '')} {getattr(a, 'dtype', '')}")
    if len(I) != len(gt):
        raise ValueError(f"I has {len(I)} queries but gt has {len(gt)}")
    if not 1 <= k <= min(I.shape[1], gt.shape[1]):
        raise ValueError(f"k={k} must be between 1 and the number of columns of I ({I.shape[1]}) "
                         f"and gt ({gt.shape[1]})")


def _check_count(n, I, name):
    if not 1 <= n <= I.shape[1]:
        raise ValueError(f"{name}={n} must be between 1 and the number of columns of I ({I.shape[1]})")


def k_recall_at_n(I, gt, k, n):
    """k-recall@n: the fraction of the true k nearest neighbors found among the first n returned
    (e.g. among the candidates a refine stage re-ranks). Counted by faiss.eval_intersection."""
    _check_results(I, gt, k)
    _check_count(n, I, "n")
    return faiss.eval_intersection(I[:, :n], gt[:, :k]) / (len(gt) * k)


def share_in_visited(visit_order, true_lists, p):
    """The share of the true items whose inverted list is among the first p lists their query visits:
    visit_order (nq, >= p) list ids in visit order, true_lists (nq, k) the list of each true item. The
    recall ceiling of any IVF search at nprobe = p over those lists."""
    return float((visit_order[:, None, :p] == true_lists[:, :, None]).any(axis=2).mean())


def recall_at_k(I, gt, k):
    """k-recall@k: the fraction of the true k nearest neighbors found among the k returned."""
    return k_recall_at_n(I, gt, k, k)


def one_recall_at(I, gt, r):
    """1-recall@r: the fraction of queries whose true nearest neighbor is among the r returned."""
    _check_results(I, gt, 1)
    _check_count(r, I, "r")
    return k_recall_at_n(I, gt, 1, r)


def same_knn(D_ref, I_ref, D, I, rtol=1e-5, atol=0):
    """True when (D, I) equal the reference results: distances to rtol (+ atol), ids identical up to
    ties (faiss.contrib.evaluation.check_ref_knn_with_draws). Arrays of any shape (..., k)."""
    two_d = [np.reshape(a, (-1, np.shape(a)[-1])) for a in (D_ref, I_ref, D, I)]
    try:
        check_ref_knn_with_draws(*two_d, rtol=rtol, atol=atol)
        return True
    except AssertionError:
        return False


def same_invlists(ivf1, ivf2):
    """True when two IVF indexes hold the same ids and the same codes in every inverted list."""
    return ivf1.nlist == ivf2.nlist and all(
        all(np.array_equal(a, b) for a, b in zip(get_invlist(ivf1.invlists, l), get_invlist(ivf2.invlists, l)))
        for l in range(ivf1.nlist))


@contextmanager
def faiss_threads(n):
    """Run the block with n OpenMP threads in Faiss, then restore the previous count."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(int(n))
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def timed(fn, repeats=5, warmup=0):
    """(what the last call of fn() returned, median wall time of fn() in seconds over `repeats` calls
    after `warmup` untimed calls)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, float(np.median(times))


def median_time(fn, repeats=5, warmup=0):
    """Median wall time of fn() in seconds over `repeats` calls (after `warmup` untimed calls)."""
    return timed(fn, repeats, warmup)[1]


@dataclass
class Latency:
    p50_ms: float
    p99_ms: float
    mean_ms: float
    n_calls: int

    def __str__(self):
        return f"p50 {self.p50_ms:.3f} ms, p99 {self.p99_ms:.3f} ms over {self.n_calls} calls"


def single_query_latency(search, xq, n_calls=1000, warmup=20, threads=1):
    """Latency of one-query calls, the way a service sees it: search(xq[i:i+1]) for n_calls queries
    (cycling over xq), on `threads` Faiss threads. `search` is an index's search bound to k, e.g.
    `lambda q: index.search(q, 10)`. Returns a Latency with p50/p99/mean in ms."""
    xq = np.ascontiguousarray(xq, dtype="float32")
    if xq.ndim != 2 or len(xq) == 0:
        raise ValueError(f"xq must be a non-empty (n, d) array, got shape {xq.shape}")
    times = np.empty(n_calls)
    with faiss_threads(threads):
        for i in range(warmup):
            search(xq[i % len(xq)][None])
        for i in range(n_calls):
            q = xq[i % len(xq)][None]
            t0 = time.perf_counter()
            search(q)
            times[i] = time.perf_counter() - t0
    times *= 1000
    return Latency(float(np.percentile(times, 50)), float(np.percentile(times, 99)), float(times.mean()), n_calls)


def loglog_slope(x, y):
    """Slope of the least-squares line through (log x, log y): the exponent of y ~ x^slope."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def loglog_slope_band(x, times, seed=0, n_resamples=1000):
    """(slope through the medians of times (len(x), repeats), and the 5th and 95th percentiles of that
    slope when the repeats at every x are resampled with replacement): an exponent with its noise band."""
    times = np.asarray(times, dtype=float)
    logx = np.log(x) - np.mean(np.log(x))
    picks = np.random.default_rng(seed).integers(0, times.shape[1], (n_resamples, *times.shape))
    medians = np.median(np.take_along_axis(np.broadcast_to(times, picks.shape), picks, axis=2), axis=2)
    resampled = np.log(medians) @ logx / (logx @ logx)          # least-squares slope of each resample
    low, high = np.percentile(resampled, [5, 95])
    return loglog_slope(x, np.median(times, axis=1)), float(low), float(high)

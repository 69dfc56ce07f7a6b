"""Every peer behind helpers.peers' interface agrees with exact search on tiny data, batch and one query."""

import faiss
import numpy as np
import pytest

from helpers import peers
from helpers.datasets import load_dataset
from helpers.metrics import recall_at_k

K = 10


@pytest.fixture(scope="module")
def data():
    ds = load_dataset("synthetic", d=16, nt=2_000, nb=3_000, nq=50)
    xb, xq = ds.get_database(), ds.get_queries()
    gt = {metric: faiss.knn(xq, xb, K, metric=getattr(faiss, f"METRIC_{m}"))[1]
          for metric, m in (("L2", "L2"), ("IP", "INNER_PRODUCT"))}
    return xb, xq, gt


def _ivf_flat(xb, metric):
    index = faiss.index_factory(xb.shape[1], "IVF16,Flat",
                                faiss.METRIC_L2 if metric == "L2" else faiss.METRIC_INNER_PRODUCT)
    index.train(xb)
    index.add(xb)
    return index


CASES = [
    (lambda: peers.FaissIndex("IVF16,Flat", "nprobe", make=_ivf_flat), 16, 1.0),   # every list: exact
    (lambda: peers.FaissIndex("HNSW16,Flat", "efSearch", make=lambda xb, m: _hnsw(xb, m)), 200, 0.95),
    (lambda: peers.Hnswlib(m=16, ef_construction=100), 200, 0.95),
    (lambda: peers.ScaNN(leaves=20, reorder=200), 20, 0.95),
]


def _hnsw(xb, metric):
    index = faiss.IndexHNSWFlat(xb.shape[1], 16, faiss.METRIC_L2 if metric == "L2" else faiss.METRIC_INNER_PRODUCT)
    index.add(xb)
    return index


@pytest.mark.parametrize("metric", ["L2", "IP"])
@pytest.mark.parametrize("make,knob,min_recall", CASES, ids=["faiss-ivf", "faiss-hnsw", "hnswlib", "scann"])
def test_peer_matches_exact_search(data, make, knob, min_recall, metric):
    xb, xq, gt = data
    peer = make()
    if not peers.available(type(peer)):
        pytest.skip(f"{peer.library} is not installed")
    peer.build(xb, metric)
    (value,) = peer.knob_values([knob])
    peer.set(value)
    I = peer.search(xq, K)
    assert I.dtype == np.int64 and I.shape == (len(xq), K)
    assert recall_at_k(I, gt[metric], K) >= min_recall, peer.setting(value)
    one = peer.search_one(xq[:1], K)
    assert one.shape == (1, K) and recall_at_k(one, gt[metric][:1], K) >= min_recall - 0.1


def test_faiss_setting_strings():
    assert peers.FaissIndex("x", "nprobe").setting(8) == "nprobe=8"
    assert peers.FaissIndex("x", "").setting("nprobe=8,k_factor_rf=10") == "nprobe=8,k_factor_rf=10"
    assert peers.ScaNN(leaves=10, reorder=5).knob_values([5, 10, 20]) == [5, 10]

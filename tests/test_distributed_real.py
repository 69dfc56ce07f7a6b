"""notebook 10 on real vectors: each worker shards a real data set itself; the merge stays exact."""

import numpy as np
import pytest

from helpers import distributed as hd
from helpers.datasets import dataset_available, load_dataset

glove = pytest.mark.skipif(not dataset_available("glove50"), reason="needs the `real` extra (GloVe)")


@glove
def test_real_shards_are_blocks_of_the_database_and_queries_held_out():
    cfg = hd.Config(d=50, nb_per_worker=(2_000,), nq=8, k=5, n_iters=3, dataset="glove50")
    ds = load_dataset("glove50", nb=6_000, nq=72)
    np.testing.assert_array_equal(hd.database(cfg, 3, 1_000)[1_000:2_000], ds.get_database()[2_000:3_000])
    xq = hd.all_queries(cfg, 3)
    assert xq.shape == (3, 3, 8, 50)
    np.testing.assert_array_equal(xq[1, 2], ds.get_queries()[(1 * 3 + 2) * 8:(1 * 3 + 2) * 8 + 8])
    with pytest.raises(ValueError, match="d=50"):
        hd.shard_vectors(hd.Config(d=64, dataset="glove50"), 0, 2)
    with pytest.raises(ValueError, match="metric IP"):
        hd.shard_vectors(hd.Config(d=50, dataset="glove50-ip"), 0, 2)


@glove
def test_real_data_run_merges_to_exact():
    cfg = hd.Config(d=50, nb_per_worker=(3_000,), nq=8, k=5, n_iters=3, indexes=("Flat",), dataset="glove50")
    r = hd.check_results(hd.launch(cfg, 2, timeout_s=60))["Flat", 3_000]
    assert r["merged_equals_exact"] and r["misrouted"] == 0

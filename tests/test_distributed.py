import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import faiss
import numpy as np
import pytest
import torch

from helpers import distributed as hd

SMALL = dict(d=16, nb_per_worker=(3_000,), nq=8, k=5, n_iters=3)


def test_merge_topk_matches_brute_force():
    rs = np.random.RandomState(0)
    D = np.sort(rs.rand(3, 20, 7).astype("float32"), axis=2)
    I = rs.randint(0, 10**6, size=D.shape).astype("int64")
    flatD = D.transpose(1, 0, 2).reshape(20, -1)
    order = np.argsort(flatD, axis=1)[:, :7]
    refD = np.take_along_axis(flatD, order, 1)
    refI = np.take_along_axis(I.transpose(1, 0, 2).reshape(20, -1), order, 1)
    for merge in (hd.merge_topk, hd.merge_topk_torch):
        Dm, Im = merge(torch.from_numpy(D), torch.from_numpy(I))
        np.testing.assert_array_equal(Dm.numpy(), refD)
        np.testing.assert_array_equal(Im.numpy(), refI)


def test_shards_and_queries_are_deterministic_and_distinct():
    cfg = hd.Config(**SMALL)
    xb = hd.database(cfg, 3, 2_000)
    assert xb.shape == (6_000, 16)
    np.testing.assert_array_equal(xb[2_000:4_000], hd.shard_vectors(cfg, 1, 3, 2_000))
    xq = hd.all_queries(cfg, 3)
    assert xq.shape == (3, 3, 8, 16)
    np.testing.assert_array_equal(xq[:, 2], hd.query_batches(cfg, 2, 3))
    flat = xq.reshape(-1, 16)
    assert len(np.unique(flat, axis=0)) == len(flat)  # every worker issues new queries at every iteration
    D, _ = faiss.knn(flat, xb, 1)
    assert D.min() > 0  # no query is a database vector


def test_two_concurrent_runs_merge_to_exact():
    """Two runs at once on one machine (ports from the OS: no collision), each equal to one exact search."""
    cfgs = [hd.Config(**SMALL, indexes=("Flat", "IVF16,Flat"), seed=1), hd.Config(**SMALL, seed=2)]
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda c: hd.launch(c, 2, timeout_s=60), cfgs))
    for cfg, res in zip(cfgs, runs):
        Dref, Iref = hd.exact_search(cfg, 2, 3_000)
        r = res["Flat", 3_000]
        assert r["I"].shape == (3, 2, 8, 5) and r["misrouted"] == 0
        assert hd.same_knn(Dref, Iref, r["D"], r["I"])
        assert {m["backend"] for m in res["meta"]} == {"gloo"}
    assert runs[0]["IVF16,Flat", 3_000]["misrouted"] == 0


def test_failing_worker_stops_the_run_with_its_error():
    cfg = hd.Config(**SMALL, fail_rank=1, fail_iter=1)
    t0 = time.monotonic()
    with pytest.raises(hd.WorkerError, match="worker 1 failed: RuntimeError: simulated failure") as e:
        hd.launch(cfg, 2, timeout_s=60)
    assert e.value.rank == 1 and "run_worker" in e.value.traceback
    assert time.monotonic() - t0 < 40


def test_hanging_worker_is_stopped_at_the_timeout():
    cfg = hd.Config(**SMALL, fail_rank=0, fail_mode="hang")
    t0 = time.monotonic()
    with pytest.raises(TimeoutError, match="did not finish within 4 s"):
        hd.launch(cfg, 2, timeout_s=4)
    assert time.monotonic() - t0 < 15


def test_torchrun_two_processes_merge_to_exact(tmp_path):
    """The module runs unchanged under torchrun (env:// rendezvous), as documented in notebook 10."""
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
           "-m", "helpers.distributed", "--out", str(out), "--dim", "16", "--nb-per-worker", "3000",
           "--nq", "8", "--topk", "5", "--iters", "3", "--index", "Flat"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert p.returncode == 0, p.stderr[-2000:]
    ((key, size), r), = hd.check(out).items()
    assert (key, size) == ("Flat", 3000)
    assert r["merged_equals_exact"] and r["misrouted"] == 0
    c = subprocess.run([sys.executable, "-m", "helpers.distributed", "--check", str(out)],
                       capture_output=True, text=True, timeout=60)
    assert c.returncode == 0 and "merged_equals_exact=True" in c.stdout

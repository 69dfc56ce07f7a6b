"""Sharded k-NN search on torch.distributed, for notebook 10: one process per worker, each holding a shard
of the database (a torch tensor) in a Faiss index and issuing its own batch of queries at every iteration.

At every iteration each worker all_gathers the queries of all workers, searches them in its shard, sends
every issuer the partial results of its queries with all_to_all, and merges what it receives into the
global top-k. The backend is picked from the machine: gloo with Faiss CPU indexes, or NCCL with Faiss GPU
indexes and CUDA tensors (faiss.contrib.torch_utils), one process per GPU. The code path is the same.

Three ways to start the workers:
- `launch(cfg, n_workers)` from Python (a notebook): spawned processes, a rendezvous store on a free port,
  the first worker error re-raised as WorkerError, everything stopped after `timeout_s`;
- `torchrun --standalone --nproc-per-node 2 -m helpers.distributed --out DIR` (env:// rendezvous; add
  `--nnodes`, `--rdzv-endpoint` for several machines);
- `python -m helpers.distributed --check DIR` then compares what the workers wrote with one exact search.

Each worker writes DIR/rank<r>.npz (merged results and per-iteration timings) and rank 0 writes
DIR/config.json; `load_results(DIR)` reads them back.
"""

import argparse
import dataclasses
import functools
import itertools
import json
import multiprocessing.connection
import os
import sys
import tempfile
import time
import traceback
from datetime import timedelta
from pathlib import Path

import faiss
import faiss.contrib.torch_utils  # noqa: F401  (Faiss indexes accept torch tensors, CPU or CUDA)
import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from .datasets import load_dataset, synthetic_chunks
from .metrics import recall_at_k, same_knn

# ms, one row per iteration: wall times of the steps, then the CPU time of the search (all threads of the
# worker process; on CPU it is the search work whether or not the worker had a core to itself)
TIMING_COLUMNS = ("gather", "search", "wait", "all_to_all", "merge", "search_cpu")


@dataclasses.dataclass
class Config:
    """What every worker does; the same on all of them."""
    d: int = 64                       # dimension of the synthetic vectors
    nb_per_worker: tuple = (50_000,)  # shard sizes to run, largest last (each a prefix of the worker's shard)
    nq: int = 64                      # queries issued by each worker at each iteration
    k: int = 10                       # neighbors per query
    n_iters: int = 10                 # iterations (the first is a warm-up, left out of the timings)
    indexes: tuple = ("Flat",)        # Faiss factory strings, e.g. ("Flat", "IVF256,Flat")
    nprobe: int = 16                  # for IVF indexes
    seed: int = 1338                  # data seed: shards and queries are functions of (seed, rank, iteration)
    threads: int = 0                  # Faiss threads per worker; 0: the node's cores / workers on the node
    timeout_s: float = 60.0           # collective and rendezvous timeout inside the workers
    backend: str = "auto"             # "auto", "gloo" or "nccl"
    fail_rank: int = -1               # for demonstrations: this worker fails...
    fail_iter: int = 0                # ...at this iteration...
    fail_mode: str = "raise"          # ...by raising, or by hanging ("hang")
    dataset: str = "synthetic"        # or an L2 data set of helpers.datasets (glove50, glove50-angular...), which
                                      # every worker loads itself; d must then be the data set's dimension

    def __post_init__(self):
        self.nb_per_worker = tuple(sorted(int(s) for s in np.atleast_1d(self.nb_per_worker)))
        self.indexes = (self.indexes,) if isinstance(self.indexes, str) else tuple(self.indexes)


class WorkerError(RuntimeError):
    """A worker failed: .rank, .message (one line) and .traceback (the worker's own)."""

    def __init__(self, rank, message, tb=""):
        super().__init__(f"worker {rank} failed: {message}")
        self.rank, self.message, self.traceback = rank, message, tb


# ---------------------------------------------------------------- data (the same on every process)

def pick_backend(requested="auto"):
    """("nccl", "cuda") when torch and Faiss both see GPUs, else ("gloo", "cpu")."""
    gpus = torch.cuda.is_available() and hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0
    if requested == "nccl" or (requested == "auto" and gpus and dist.is_nccl_available()):
        return "nccl", "cuda"
    return "gloo", "cpu"


@functools.lru_cache(maxsize=2)
def _real_data(name, nb, nq):
    """(database, queries) of a data set of helpers.datasets, its first nb and nq vectors; loaded once per process."""
    ds = load_dataset(name, nb=nb, nq=nq)
    if ds.metric != "L2":
        raise ValueError(f"data set {name!r} has metric {ds.metric}: the workers search and merge by L2 "
                         f"(use an L2 data set, e.g. glove50 or glove50-angular)")
    xb, xq = ds.get_database(), ds.get_queries()
    if len(xb) < nb or len(xq) < nq:
        raise ValueError(f"data set {name!r}: {len(xb):,} database vectors and {len(xq):,} queries, the run needs "
                         f"{nb:,} (workers x largest shard) and {nq:,} (workers x iterations x nq)")
    return xb, xq


def real_data(cfg, world_size):
    """(database, queries) of cfg.dataset for a run of world_size workers: shard r is database rows
    [r * S, (r + 1) * S) with S = the largest shard size; the queries of worker r at iteration it are rows
    [(it * world_size + r) * nq, ... + nq) of the data set's queries (held out: never database vectors)."""
    xb, xq = _real_data(cfg.dataset, world_size * cfg.nb_per_worker[-1], world_size * cfg.n_iters * cfg.nq)
    if xb.shape[1] != cfg.d:
        raise ValueError(f"data set {cfg.dataset!r} has d={xb.shape[1]}, the config says d={cfg.d}")
    return xb, xq


def shard_vectors(cfg, rank, world_size, size=None):
    """Database shard of worker `rank`: the first `size` rows of chunk `rank` of synthetic_chunks (numpy),
    or of the rank-th block of a real data set's database (cfg.dataset)."""
    size = size or cfg.nb_per_worker[-1]
    if cfg.dataset != "synthetic":
        start = rank * cfg.nb_per_worker[-1]
        return real_data(cfg, world_size)[0][start:start + size]
    chunks = synthetic_chunks(world_size * cfg.nb_per_worker[-1], cfg.d, chunk=cfg.nb_per_worker[-1],
                              seed=cfg.seed, first_chunk=rank)
    return next(chunks)[:size]


def database(cfg, world_size, size):
    """The concatenation of all shards of a given size: global id of row j of shard r is r * size + j."""
    if cfg.dataset != "synthetic":
        return np.vstack([shard_vectors(cfg, r, world_size, size) for r in range(world_size)])
    chunks = synthetic_chunks(world_size * cfg.nb_per_worker[-1], cfg.d, chunk=cfg.nb_per_worker[-1], seed=cfg.seed)
    return np.vstack([c[:size] for c in chunks])


def query_batches(cfg, rank, world_size):
    """Queries of worker `rank`, one (nq, d) batch per iteration: (n_iters, nq, d), numpy. Same generative
    process as the database, chunks numbered after the database's so that no query is a database vector
    (a real data set: its held-out queries, see real_data)."""
    if cfg.dataset != "synthetic":
        xq = real_data(cfg, world_size)[1]
        return np.ascontiguousarray(xq.reshape(cfg.n_iters, world_size, cfg.nq, cfg.d)[:, rank])
    n_chunks = world_size * (cfg.n_iters + 1)
    chunks = synthetic_chunks(n_chunks * cfg.nq, cfg.d, chunk=cfg.nq, seed=cfg.seed,
                              first_chunk=world_size + rank)
    return np.stack(list(itertools.islice(chunks, 0, None, world_size)))


def all_queries(cfg, world_size):
    """Queries of all workers: (n_iters, world_size, nq, d)."""
    return np.stack([query_batches(cfg, r, world_size) for r in range(world_size)], axis=1)


# ---------------------------------------------------------------- one worker

def train_index(key, xt, cfg):
    """An empty CPU Faiss index for the factory string `key`, trained (when it needs it) on the first
    40 vectors per inverted list of xt, a torch tensor: enough for k-means, which wants 39 per centroid."""
    index = faiss.index_factory(cfg.d, key)
    if not index.is_trained:
        index.train(xt[:40 * getattr(index, "nlist", 1)].cpu())
    if hasattr(index, "nprobe"):
        index.nprobe = cfg.nprobe
    return index


def fill_index(trained, xb, device):
    """A copy of the trained index holding the shard xb (a torch tensor on `device`), moved to the GPU
    first when device is CUDA."""
    index = faiss.clone_index(trained)
    if device.type == "cuda":
        fill_index.res = getattr(fill_index, "res", None) or faiss.StandardGpuResources()
        index = faiss.index_cpu_to_gpu(fill_index.res, device.index, index)
    index.add(xb)
    return index


def merge_topk(D, I):
    """Global top-k (smallest L2) from per-shard results D, I of shape (n_shards, nq, k), torch tensors.
    CPU: faiss.merge_knn_results; CUDA: torch.topk over the concatenated lists."""
    if D.device.type == "cpu":
        Dm, Im = faiss.merge_knn_results(np.ascontiguousarray(D.numpy()), np.ascontiguousarray(I.numpy()))
        return torch.from_numpy(Dm), torch.from_numpy(Im)
    return merge_topk_torch(D, I)


def merge_topk_torch(D, I):
    """merge_topk in torch alone (any device): top-k of the concatenated per-shard lists."""
    n_shards, nq, k = D.shape
    Dc = D.permute(1, 0, 2).reshape(nq, n_shards * k)
    Ic = I.permute(1, 0, 2).reshape(nq, n_shards * k)
    Dm, pos = torch.topk(Dc, k, dim=1, largest=False, sorted=True)
    return Dm, torch.gather(Ic, 1, pos)


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _barrier(device):
    """dist.barrier(), on the worker's own GPU under NCCL."""
    dist.barrier(device_ids=[device.index]) if device.type == "cuda" else dist.barrier()


def search_iteration(index, xq, it, offset, cfg, device):
    """One iteration on one worker. xq: this worker's (nq, d) queries. Returns merged D, I (nq, k), the
    number of received rows that were not for this worker's queries, and the timings in ms."""
    rank, world = dist.get_rank(), dist.get_world_size()
    nq, k = xq.shape[0], cfg.k
    t = [time.perf_counter()]

    def tick():
        _sync(device)
        t.append(time.perf_counter())

    # 1. every worker gets the queries of all workers, in rank order
    allq = torch.empty(world * nq, cfg.d, dtype=xq.dtype, device=device)
    dist.all_gather(list(allq.chunk(world)), xq)
    tick()
    # 2. search them in the local shard; local ids become global ids
    cpu0 = time.process_time()
    D, I = index.search(allq, k)
    I = torch.where(I >= 0, I + offset, I)
    tick()
    search_cpu = time.process_time() - cpu0
    # (time spent waiting for the slowest worker, kept out of the communication time)
    _barrier(device)
    tick()
    # 3. rows [j * nq, (j + 1) * nq) go back to worker j; column 0 of the ids tags each row with the
    #    global number of its query, so that the issuer can check it received its own queries' results
    tag = it * world * nq + torch.arange(world * nq, device=device)
    send_I = torch.cat([tag[:, None], I], dim=1)
    recv_D, recv_I = torch.empty_like(D), torch.empty_like(send_I)
    dist.all_to_all_single(recv_D, D.contiguous())
    dist.all_to_all_single(recv_I, send_I)
    tick()
    # 4. merge the world partial lists of this worker's queries into its global top-k
    mine = it * world * nq + rank * nq + torch.arange(nq, device=device)
    misrouted = int((recv_I[:, 0].reshape(world, nq) != mine).sum())
    Dm, Im = merge_topk(recv_D.reshape(world, nq, k), recv_I[:, 1:].reshape(world, nq, k).contiguous())
    tick()
    return Dm, Im, misrouted, np.append(np.diff(t), search_cpu) * 1000


def run_worker(rank, world_size, cfg, out, local_rank=0, local_world_size=1):
    """The body of one worker, once the process group is up: search every (index, shard size) for
    cfg.n_iters iterations and write out/rank<rank>.npz."""
    backend, kind = pick_backend(cfg.backend)
    device = torch.device(kind, local_rank % torch.cuda.device_count()) if kind == "cuda" else torch.device("cpu")
    if kind == "cuda":
        torch.cuda.set_device(device)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = cfg.threads or max(1, cores // local_world_size)
    faiss.omp_set_num_threads(threads)
    torch.set_num_threads(threads)

    shard = torch.from_numpy(shard_vectors(cfg, rank, world_size)).to(device)  # this worker's database
    queries = torch.from_numpy(query_batches(cfg, rank, world_size)).to(device)
    trained = [train_index(key, shard, cfg) for key in cfg.indexes]  # once, on the largest shard
    saved = {}
    for s in cfg.nb_per_worker:
        for i, trained_index in enumerate(trained):
            index = fill_index(trained_index, shard[:s], device)
            D = np.empty((cfg.n_iters, cfg.nq, cfg.k), "float32")
            I = np.empty((cfg.n_iters, cfg.nq, cfg.k), "int64")
            times = np.empty((cfg.n_iters, len(TIMING_COLUMNS)))
            misrouted = 0
            for it in range(cfg.n_iters):
                if rank == cfg.fail_rank and it == cfg.fail_iter:
                    if cfg.fail_mode == "hang":
                        time.sleep(10 ** 6)
                    raise RuntimeError(f"simulated failure in worker {rank} at iteration {it}")
                Dm, Im, bad, times[it] = search_iteration(index, queries[it], it, rank * s, cfg, device)
                D[it], I[it] = Dm.cpu().numpy(), Im.cpu().numpy()
                misrouted += bad
            saved.update({f"D_{i}_{s}": D, f"I_{i}_{s}": I, f"times_{i}_{s}": times,
                          f"misrouted_{i}_{s}": np.int64(misrouted)})
            del index
    out = Path(out)
    meta = dict(rank=rank, world_size=world_size, backend=backend, device=str(device), threads=threads)
    np.savez(out / f"rank{rank}.npz", meta=json.dumps(meta), **saved)
    _barrier(device)


def _spawned_worker(rank, world_size, cfg, out, port):
    """Entry point of a process started by launch(): join the store on `port`, run, record any error.
    The process's own output goes to out/worker<rank>.log, not to the launching notebook."""
    log = open(Path(out) / f"worker{rank}.log", "w")
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    try:
        backend, _ = pick_backend(cfg.backend)
        store = dist.TCPStore("127.0.0.1", port, None, is_master=False,
                              timeout=timedelta(seconds=cfg.timeout_s))
        dist.init_process_group(backend, store=store, rank=rank, world_size=world_size,
                                timeout=timedelta(seconds=cfg.timeout_s))
        run_worker(rank, world_size, cfg, out, local_rank=rank, local_world_size=world_size)
        dist.destroy_process_group()
    except BaseException as e:
        err = dict(rank=rank, time=time.time(), type=type(e).__name__, message=str(e).strip().splitlines()[-1:],
                   traceback=traceback.format_exc())
        (Path(out) / f"error{rank}.json").write_text(json.dumps(err))
        raise


# ---------------------------------------------------------------- launching from Python

def free_store():
    """A rendezvous store listening on a port the OS picked (port 0): two runs never share a port."""
    store = dist.TCPStore("127.0.0.1", 0, None, is_master=True, wait_for_workers=False,
                          timeout=timedelta(seconds=60))
    return store, store.port


def _first_error(out):
    """The error of the worker that failed first (the others usually fail because it left)."""
    errors = [json.loads(p.read_text()) for p in Path(out).glob("error*.json")]
    if not errors:
        return None
    e = min(errors, key=lambda e: e["time"])
    return WorkerError(e["rank"], f"{e['type']}: {' '.join(e['message'])}", e["traceback"])


def _prepare_out(out, cfg):
    """Create the results folder, clear what an earlier run left in it, write config.json."""
    out.mkdir(parents=True, exist_ok=True)
    for p in itertools.chain(out.glob("rank*.npz"), out.glob("error*.json")):
        p.unlink()
    (out / "config.json").write_text(json.dumps(dataclasses.asdict(cfg)))


def launch(cfg, n_workers, out=None, timeout_s=120, start_method=None):
    """Run n_workers spawned worker processes on this machine and return load_results(out).

    out: folder for the workers' files (a temporary one when None). If a worker raises, the others are
    stopped and WorkerError carries the first worker's error; after timeout_s seconds everything is
    stopped and TimeoutError raised. Never waits longer than timeout_s plus a few seconds.
    start_method: "forkserver" (default on CPU: torch and Faiss are imported once, in the server, so a run
    starts in a fraction of a second) or "spawn" (default when the workers use CUDA: a fresh interpreter
    per worker, about 3 s each)."""
    tmp = None
    if out is None:
        tmp = tempfile.TemporaryDirectory(prefix="faiss-dist-")
        out = tmp.name
    out = Path(out)
    _prepare_out(out, cfg)
    store, port = free_store()
    start_method = start_method or ("spawn" if pick_backend(cfg.backend)[0] == "nccl" else "forkserver")
    ctx = mp.get_context(start_method)
    if start_method == "forkserver":  # the server imports torch and Faiss once; workers are forked from it
        ctx.set_forkserver_preload(["helpers.distributed"])
    procs = [ctx.Process(target=_spawned_worker, args=(r, n_workers, cfg, str(out), port), daemon=True)
             for r in range(n_workers)]
    deadline, timed_out = time.monotonic() + timeout_s, False
    try:
        for p in procs:
            p.start()
        while True:
            alive = [p for p in procs if p.exitcode is None]
            timed_out = time.monotonic() > deadline
            if not alive or any(p.exitcode for p in procs) or timed_out:
                break
            multiprocessing.connection.wait([p.sentinel for p in alive], timeout=0.2)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            if p.pid is None:  # never started
                continue
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join()
        del store
    try:
        failed = [r for r, p in enumerate(procs) if p.exitcode]
        error = _first_error(out)
        if timed_out and error is None:
            raise TimeoutError(f"the {n_workers} workers did not finish within {timeout_s} s: stopped")
        if failed:
            raise error or WorkerError(failed[0], f"exit code {procs[failed[0]].exitcode}")
        if len(list(out.glob("rank*.npz"))) < n_workers:
            raise WorkerError(-1, "workers exited without writing their results")
        return load_results(out)
    finally:
        if tmp is not None:
            tmp.cleanup()


# ---------------------------------------------------------------- results and checks

def load_results(out):
    """{"cfg", "world_size", "meta": [per rank], (index key, size): {"D", "I": (n_iters, world, nq, k),
    "times": (n_iters, world, len(TIMING_COLUMNS)) ms, "misrouted": total over workers}}."""
    out = Path(out)
    cfg = Config(**json.loads((out / "config.json").read_text()))
    files = sorted(out.glob("rank*.npz"), key=lambda p: int(p.stem[4:]))
    ranks = [dict(np.load(p)) for p in files]
    res = {"cfg": cfg, "world_size": len(ranks), "meta": [json.loads(str(r["meta"])) for r in ranks]}
    for s in cfg.nb_per_worker:
        for i, key in enumerate(cfg.indexes):
            res[key, s] = {name: np.stack([r[f"{name}_{i}_{s}"] for r in ranks], axis=1)
                           for name in ("D", "I", "times")}
            res[key, s]["misrouted"] = int(sum(r[f"misrouted_{i}_{s}"] for r in ranks))
    return res


def exact_search(cfg, world_size, size):
    """One exact search of every worker's queries over the concatenated shards: D, I (n_iters, world, nq, k)."""
    xq = all_queries(cfg, world_size).reshape(-1, cfg.d)
    D, I = faiss.knn(xq, database(cfg, world_size, size), cfg.k)
    shape = (cfg.n_iters, world_size, cfg.nq, cfg.k)
    return D.reshape(shape), I.reshape(shape)


def timing_summary(r):
    """Per-iteration times in ms of one (index, size) result: the median over iterations (the first left
    out) of the slowest worker's time; comm = gather + all_to_all."""
    t = r["times"][1:] if len(r["times"]) > 1 else r["times"]
    slowest = t.max(axis=1)  # (iterations, columns)
    out = {c: float(np.median(slowest[:, j])) for j, c in enumerate(TIMING_COLUMNS)}
    out["comm"] = float(np.median((t[:, :, 0] + t[:, :, 3]).max(axis=1)))
    return out


def check_results(res):
    """Compare every worker's merged results with one exact search over the concatenated shards:
    {(index key, size): {"merged_equals_exact", "per_worker": [bool], "recall", "misrouted", timings}}."""
    cfg, world = res["cfg"], res["world_size"]
    report = {}
    for s in cfg.nb_per_worker:
        Dref, Iref = exact_search(cfg, world, s)
        for key in cfg.indexes:
            r = res[key, s]
            per_worker = [same_knn(Dref[:, w], Iref[:, w], r["D"][:, w], r["I"][:, w]) for w in range(world)]
            recall = recall_at_k(r["I"].reshape(-1, cfg.k), Iref.reshape(-1, cfg.k), cfg.k)
            report[key, s] = dict(merged_equals_exact=all(per_worker), per_worker=per_worker,
                                  recall=recall, misrouted=r["misrouted"], **timing_summary(r))
    return report


def check(out):
    """check_results() of what torchrun (or launch) workers wrote in `out`."""
    return check_results(load_results(out))


# ---------------------------------------------------------------- command line (torchrun)

def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Sharded k-NN search with simultaneous queries. Run under torchrun, e.g. "
                    "`torchrun --standalone --nproc-per-node 2 -m helpers.distributed --out DIR`, "
                    "then `python -m helpers.distributed --check DIR`.")
    ap.add_argument("--out", help="folder where every worker writes rank<r>.npz")
    ap.add_argument("--check", metavar="DIR", help="compare the results in DIR with one exact search")
    defaults = Config()
    ap.add_argument("--dim", type=int, default=defaults.d)
    ap.add_argument("--nb-per-worker", type=int, nargs="+", default=list(defaults.nb_per_worker))
    ap.add_argument("--nq", type=int, default=defaults.nq)
    ap.add_argument("--topk", type=int, default=defaults.k)
    ap.add_argument("--iters", type=int, default=defaults.n_iters)
    ap.add_argument("--index", action="append", help="Faiss factory string (repeat for several); default Flat")
    ap.add_argument("--nprobe", type=int, default=defaults.nprobe)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--backend", default="auto", choices=["auto", "gloo", "nccl"])
    ap.add_argument("--timeout", type=float, default=defaults.timeout_s)
    ap.add_argument("--dataset", default=defaults.dataset,
                    help="synthetic (generated by every worker) or an L2 data set of helpers.datasets, e.g. glove50 "
                         "(every worker loads its shard; --dim must be its dimension)")
    args = ap.parse_args(argv)

    if args.check:
        ok = True
        for (key, s), r in check(args.check).items():
            ok &= r["misrouted"] == 0 and (r["merged_equals_exact"] or "Flat" != key)
            print(f"{key} nb_per_worker={s}: merged_equals_exact={r['merged_equals_exact']} "
                  f"recall={r['recall']:.4f} misrouted={r['misrouted']} search={r['search']:.2f} ms "
                  f"comm={r['comm']:.2f} ms")
        return 0 if ok else 1
    if not args.out:
        ap.error("--out is required (or --check DIR)")

    cfg = Config(d=args.dim, nb_per_worker=args.nb_per_worker, nq=args.nq, k=args.topk, n_iters=args.iters,
                 indexes=args.index or ("Flat",), nprobe=args.nprobe, threads=args.threads,
                 backend=args.backend, timeout_s=args.timeout, dataset=args.dataset)
    backend, _ = pick_backend(cfg.backend)
    dist.init_process_group(backend, init_method="env://", timeout=timedelta(seconds=cfg.timeout_s))
    rank, world = dist.get_rank(), dist.get_world_size()
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if backend == "nccl":
        torch.cuda.set_device(local_rank % torch.cuda.device_count())
    out = Path(args.out)
    if rank == 0:
        _prepare_out(out, cfg)
    dist.barrier()
    run_worker(rank, world, cfg, out, local_rank=local_rank,
               local_world_size=int(os.environ.get("LOCAL_WORLD_SIZE", 1)))
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())

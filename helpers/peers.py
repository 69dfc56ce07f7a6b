"""One small interface for the libraries a notebook compares (in the manner of ann-benchmarks' BaseANN):
build on the database, set one search-time knob, search one query or a batch; ids come back as int64.

    peer = ScaNN(leaves=2000, reorder=1000)          # or Hnswlib(m=32, ef_construction=40), FaissIndex(...)
    peer.build(xb, "IP")                             # metric "IP" or "L2"
    for value in peer.knob_values([50, 100, 200]):
        peer.set(value)
        I = peer.search(xq, k)                       # (n, k) int64; peer.search_one(xq[:1], k) for one query

Adding a peer is one class here and one pin in pyproject.toml's `peers` extra. `available(Class)` says
whether its library is installed; a notebook skips a missing peer with one line.
"""

import copy
import os
from contextlib import contextmanager

import faiss
import numpy as np

try:                        # the `peers` extra; a notebook skips a missing one with one line
    import scann
except ImportError:
    scann = None
try:
    import hnswlib
except ImportError:
    hnswlib = None


@contextmanager
def native_stderr_silenced():
    """Silence what C++ code writes to file descriptor 2 (ScaNN's build logs) for the block."""
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


class Peer:
    """The interface. name: for tables and plots; knob: the name of the search-time parameter."""
    name = "peer"
    knob = ""
    library = None          # the name of the module a peer needs (None: always available)

    def build(self, xb, metric):
        raise NotImplementedError

    def set(self, value):
        raise NotImplementedError

    def search(self, xq, k):
        raise NotImplementedError

    def search_one(self, q, k):
        return self.search(q, k)

    def knob_values(self, values):
        """The values of `values` this peer, as built, can take."""
        return list(values)

    def setting(self, value):
        """How a setting reads in a table (`knob=value`)."""
        return f"{self.knob}={value}"


def available(peer_class):
    """True when the library a peer needs is installed."""
    return peer_class.library is None or globals()[peer_class.library] is not None


class FaissIndex(Peer):
    """A Faiss index, built by a function or given trained and filled; the knob is any ParameterSpace
    parameter (nprobe, efSearch, k_factor_rf, quantizer_efSearch, ...), or several joined: set() takes
    a ParameterSpace string such as "nprobe=64,k_factor_rf=100" when knob is "" ."""

    def __init__(self, name, knob, index=None, make=None):
        self.name, self.knob, self.index, self.make = name, knob, index, make
        self.params = faiss.ParameterSpace()

    def build(self, xb, metric):
        if self.make is not None:
            self.index = self.make(xb, metric)
        return self

    def set(self, value):
        self.params.set_index_parameters(self.index, self.setting(value))

    def setting(self, value):
        return f"{self.knob}={value}" if self.knob else str(value)

    def search(self, xq, k):
        return self.index.search(xq, k)[1]


class ScaNN(Peer):
    """ScaNN: a k-means tree, anisotropic hashing (score_ah, 2-d blocks), exact re-ordering of `reorder`
    candidates; the knob is the number of leaves searched (a setting reads with its reorder)."""
    name, knob, library = "ScaNN", "leaves_to_search", "scann"

    def __init__(self, leaves, reorder, training_size=None, threshold=0.2, name="ScaNN"):
        self.leaves, self.reorder, self.training_size, self.threshold = leaves, reorder, training_size, threshold
        self.name = name
        self.leaves_to_search = 1

    def with_reorder(self, reorder):
        """The same built searcher, re-ordering `reorder` candidates: one build serves several reorders."""
        other = copy.copy(self)
        other.reorder = reorder
        return other

    def setting(self, value):
        return f"{self.knob}={value},reorder={self.reorder}"

    def build(self, xb, metric):
        distance = {"IP": "dot_product", "L2": "squared_l2"}[metric]
        with native_stderr_silenced():
            self.searcher = (scann.scann_ops_pybind.builder(xb, 10, distance)
                             .tree(num_leaves=self.leaves, num_leaves_to_search=1,
                                   training_sample_size=self.training_size or len(xb))
                             .score_ah(2, anisotropic_quantization_threshold=self.threshold)
                             .reorder(self.reorder).build())
        return self

    def knob_values(self, values):
        return [v for v in values if v <= self.leaves]

    def set(self, value):
        self.leaves_to_search = int(value)

    def search(self, xq, k):
        I, _ = self.searcher.search_batched_parallel(xq, k, self.reorder, self.leaves_to_search)
        return np.asarray(I, dtype="int64")

    def search_one(self, q, k):
        return np.asarray(self.searcher.search(q[0], k, self.reorder, self.leaves_to_search)[0], dtype="int64")[None]


class Hnswlib(Peer):
    """hnswlib: an HNSW graph (M links per node, ef_construction at build); the knob is ef (at least k)."""
    name, knob, library = "hnswlib", "ef", "hnswlib"

    def __init__(self, m=32, ef_construction=40, seed=100, threads=None):
        self.m, self.ef_construction, self.seed = m, ef_construction, seed
        self.threads = threads or faiss.omp_get_max_threads()

    def build(self, xb, metric):
        self.graph = hnswlib.Index(space={"IP": "ip", "L2": "l2"}[metric], dim=xb.shape[1])
        self.graph.init_index(max_elements=len(xb), M=self.m, ef_construction=self.ef_construction,
                              random_seed=self.seed)
        self.graph.add_items(xb, num_threads=self.threads)
        return self

    def set(self, value):
        self.graph.set_ef(int(value))

    def search(self, xq, k):
        return self.graph.knn_query(xq, k, num_threads=self.threads)[0].astype("int64")

    def search_one(self, q, k):
        return self.graph.knn_query(q, k, num_threads=1)[0].astype("int64")

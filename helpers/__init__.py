"""Plumbing shared by the Faiss Case Studies notebooks: datasets, metrics, plotting, report, run."""

try:
    import faiss  # noqa: F401
except ImportError as e:  # pragma: no cover
    raise ImportError("faiss is not installed: `make install` picks faiss-cpu or faiss-gpu for this machine "
                      "(or: pip install -e '.[cpu]')") from e

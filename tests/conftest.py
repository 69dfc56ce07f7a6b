import pytest

from helpers import datasets, report


@pytest.fixture
def tmp_cache(tmp_path, monkeypatch):
    """Ground truth cache in a temporary folder."""
    monkeypatch.setattr(datasets, "CACHE_DIR", tmp_path / "cache")
    return tmp_path / "cache"


@pytest.fixture
def tmp_build(tmp_path, monkeypatch):
    """build/ in a temporary folder, for the report."""
    for name, sub in (("BUILD", ""), ("RESULTS_DIR", "results"), ("EXECUTED_DIR", "executed"),
                      ("REPORT_DIR", "report")):
        monkeypatch.setattr(report, name, tmp_path / "build" / sub)
    return tmp_path / "build"

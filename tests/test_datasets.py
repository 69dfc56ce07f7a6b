import numpy as np
import pytest

from helpers import datasets
from helpers.datasets import (
    cached_groundtruth,
    load_dataset,
    read_bvecs,
    read_fvecs,
    read_ivecs,
    write_fvecs,
    write_ivecs,
)


def test_fvecs_ivecs_round_trip(tmp_path):
    x = np.random.default_rng(0).random((17, 5), dtype="float32")
    write_fvecs(tmp_path / "x.fvecs", x)
    y = read_fvecs(tmp_path / "x.fvecs")
    assert isinstance(y.base, np.memmap) or isinstance(y, np.memmap)
    np.testing.assert_array_equal(y, x)
    ids = np.arange(30, dtype="int32").reshape(3, 10)
    write_ivecs(tmp_path / "i.ivecs", ids)
    np.testing.assert_array_equal(read_ivecs(tmp_path / "i.ivecs", expected_d=10), ids)


def test_bvecs_read(tmp_path):
    x = np.arange(24, dtype=np.uint8).reshape(3, 8)
    rec = np.hstack([np.full((3, 1), 8, "<i4").view(np.uint8), x])
    rec.tofile(tmp_path / "x.bvecs")
    np.testing.assert_array_equal(read_bvecs(tmp_path / "x.bvecs"), x)


def _write(tmp_path, data):
    p = tmp_path / "bad.fvecs"
    p.write_bytes(data)
    return p


def test_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.fvecs"):
        read_fvecs(tmp_path / "nope.fvecs")


def test_empty_file(tmp_path):
    with pytest.raises(ValueError, match="bad.fvecs.*empty"):
        read_fvecs(_write(tmp_path, b""))


def test_truncated_file(tmp_path):
    write_fvecs(tmp_path / "ok.fvecs", np.ones((4, 8), "float32"))
    data = (tmp_path / "ok.fvecs").read_bytes()
    with pytest.raises(ValueError, match="bad.fvecs.*truncated"):
        read_fvecs(_write(tmp_path, data[:-3]))


def test_wrong_expected_dimension(tmp_path):
    write_fvecs(tmp_path / "x.fvecs", np.ones((4, 8), "float32"))
    with pytest.raises(ValueError, match="x.fvecs.*dimension 8, expected 128"):
        read_fvecs(tmp_path / "x.fvecs", expected_d=128)


def test_mixed_dimensions(tmp_path):
    # two records of d=2 (12 bytes each), the second one claiming d=3
    def rec(d):
        return np.array([d], "<i4").tobytes() + np.ones(2, "<f4").tobytes()

    with pytest.raises(ValueError, match="bad.fvecs.*record 1 says dimension 3"):
        read_fvecs(_write(tmp_path, rec(2) + rec(3)))


def test_garbage_header(tmp_path):
    with pytest.raises(ValueError, match="bad.fvecs.*dimension -1"):
        read_fvecs(_write(tmp_path, np.array([-1, 0, 0], "<i4").tobytes()))


def test_unknown_dataset_lists_known():
    with pytest.raises(ValueError, match="known: synthetic, sift1m, deep1m, music100"):
        load_dataset("sift2m")


def test_missing_real_dataset_says_where(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "DATA_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"sift_base.fvecs.*data/README.md"):
        load_dataset("sift1m")


def test_real_dataset_from_files(tmp_path, monkeypatch, tmp_cache):
    monkeypatch.setattr(datasets, "DATA_DIR", tmp_path)
    rng = np.random.default_rng(1)
    (tmp_path / "sift1M").mkdir()
    xb, xq, xt = (rng.random((n, 128), dtype="float32") for n in (500, 10, 50))
    for name, x in (("base", xb), ("query", xq), ("learn", xt)):
        write_fvecs(tmp_path / "sift1M" / f"sift_{name}.fvecs", x)
    gt = np.argsort(((xq[:, None] - xb[None]) ** 2).sum(-1), axis=1)[:, :100]
    write_ivecs(tmp_path / "sift1M" / "sift_groundtruth.ivecs", gt)
    ds = load_dataset("sift1m")
    assert (ds.d, ds.metric, ds.nb, ds.nq, ds.nt) == (128, "L2", 500, 10, 50)
    np.testing.assert_array_equal(ds.get_groundtruth(10), gt[:, :10])
    small = load_dataset("sift1m", d=16, nb=100, nq=5)  # d (synthetic only) ignored; ground truth recomputed
    assert small.d == 128
    expect = np.argsort(((xq[:5, None] - xb[None, :100]) ** 2).sum(-1), axis=1)[:, :10]
    np.testing.assert_array_equal(small.get_groundtruth(10), expect)


def test_synthetic_is_deterministic(tmp_cache):
    a = load_dataset("synthetic", d=16, nt=100, nb=1000, nq=20)
    b = load_dataset("synthetic", d=16, nt=100, nb=1000, nq=20)
    np.testing.assert_array_equal(a.get_database(), b.get_database())
    assert a.get_train().shape == (100, 16) and a.get_queries().shape == (20, 16)
    assert a.get_groundtruth(10).shape == (20, 10)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((30, 8), dtype="float32"), rng.random((400, 8), dtype="float32")


def test_synthetic_chunks_first_chunk_skips_without_changing_the_rest():
    whole = list(datasets.synthetic_chunks(2500, 8, chunk=1000, seed=3))
    assert [len(c) for c in whole] == [1000, 1000, 500]
    tail = list(datasets.synthetic_chunks(2500, 8, chunk=1000, seed=3, first_chunk=1))
    assert len(tail) == 2 and all(np.array_equal(a, b) for a, b in zip(whole[1:], tail))


def test_groundtruth_is_exact_and_cached(tmp_cache):
    xq, xb = _data()
    D, I = cached_groundtruth(xq, xb, 5)
    brute = np.argsort(((xq[:, None] - xb[None]) ** 2).sum(-1), axis=1)[:, :5]
    np.testing.assert_array_equal(I, brute)
    files = list(tmp_cache.glob("gt-*.npz"))
    assert len(files) == 1 and not list(tmp_cache.glob(".*tmp"))
    mtime = files[0].stat().st_mtime_ns
    D2, I2 = cached_groundtruth(xq, xb, 3)  # smaller k: served from the cache
    assert files[0].stat().st_mtime_ns == mtime
    np.testing.assert_array_equal(I2, I[:, :3])
    _, I3 = cached_groundtruth(*_data(1), 5)  # other data: another key
    assert len(list(tmp_cache.glob("gt-*.npz"))) == 2 and not np.array_equal(I3, I)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "tamper"])
def test_corrupt_cache_is_recomputed(tmp_cache, damage):
    xq, xb = _data()
    _, I = cached_groundtruth(xq, xb, 5)
    (path,) = tmp_cache.glob("gt-*.npz")
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "garbage":
        path.write_bytes(b"not a zip file at all")
    else:  # a valid file whose ids do not match its checksum
        with np.load(path) as f:
            D, I_bad, check = f["D"], f["I"].copy(), f["check"]
        I_bad[0, 0] += 1
        np.savez(open(path, "wb"), D=D, I=I_bad, check=check)
    _, I_again = cached_groundtruth(xq, xb, 5)
    np.testing.assert_array_equal(I_again, I)
    with np.load(path) as f:  # and the cache file was repaired
        np.testing.assert_array_equal(f["I"][:, :5], I)


def test_interrupted_write_leaves_no_cache(tmp_cache, monkeypatch):
    xq, xb = _data()

    def crash(f, **arrays):
        f.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        cached_groundtruth(xq, xb, 5)
    assert not tmp_cache.exists() or not list(tmp_cache.iterdir())


def test_dataset_available_tells_absent_from_broken(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "DATA_DIR", tmp_path)
    assert datasets.dataset_available("synthetic")
    assert not datasets.dataset_available("music100")               # no folder
    (tmp_path / "music100").mkdir()
    assert not datasets.dataset_available("music100")               # an empty folder
    (tmp_path / "music100" / "database_music100.bin").write_bytes(b"\0" * 4000)
    with pytest.raises(FileNotFoundError, match="query_music100.bin"):
        datasets.dataset_available("music100")                      # half there: say what is missing
    (tmp_path / "music100" / "query_music100.bin").write_bytes(b"\0" * 401)
    with pytest.raises(ValueError, match="query_music100.bin: 401 bytes"):
        datasets.dataset_available("music100")                      # broken: the loader's message
    (tmp_path / "music100" / "query_music100.bin").write_bytes(b"\0" * 400)
    assert datasets.dataset_available("music100")

import json
import re

import nbformat
import numpy as np
import pytest

from helpers import report, run
from helpers.plotting import pareto_front


def test_record_writes_results_file(tmp_build):
    report.start("99_demo", "full")
    report.record("ratio", 1.5, "x")
    report.record("ok", True)
    import numpy as np
    report.record("count", np.int64(7))
    data = json.loads((tmp_build / "results" / "synthetic" / "99_demo.json").read_text())
    assert data.pop("date")[:2] == "20" and data.pop("dataset") == "synthetic"
    assert data == {"notebook": "99_demo", "profile": "full", "results": {
        "ratio": {"value": 1.5, "unit": "x"}, "ok": {"value": 1, "unit": ""}, "count": {"value": 7, "unit": ""}}}
    assert report.record("x", 1.0) is None   # no stray Out[] value in a notebook
    with pytest.raises(ValueError, match="finite number"):
        report.record("bad", float("nan"))
    report.start("99_demo", "quick")  # a new run starts afresh
    assert json.loads((tmp_build / "results" / "synthetic" / "99_demo.json").read_text())["results"] == {}


def test_claims_print_record_and_assert(tmp_build, capsys):
    report.start("99_demo", "full")
    report.claims({"a_holds": True, "b_holds": np.bool_(True)}, headline=["b_holds"])
    assert capsys.readouterr().out.endswith("PASS  a_holds\nPASS  b_holds\n")
    with pytest.raises(AssertionError, match="1 claim\\(s\\) failed: c_fails"):
        report.claims({"c_fails": False, "d_holds": True})
    assert "FAIL  c_fails" in capsys.readouterr().out
    results = json.loads((tmp_build / "results" / "synthetic" / "99_demo.json").read_text())["results"]
    assert {n: r["value"] for n, r in results.items()} == {"a_holds": 1, "b_holds": 1, "c_fails": 0, "d_holds": 1}
    assert [n for n, r in results.items() if r.get("headline")] == ["b_holds"]
    with pytest.raises(TypeError, match="must be a boolean"):
        report.claims({"a_ratio": 0.97})          # a number is not a claim: compare it with something
    report.claims({"timing": False}, when=False, why_not="full profile only")
    assert capsys.readouterr().out == "not checked  timing  (full profile only)\n"
    assert "timing" not in json.loads((tmp_build / "results" / "synthetic" / "99_demo.json").read_text())["results"]


def test_start_applies_a_profile_set_by_hand(tmp_build, monkeypatch, capsys):
    monkeypatch.delenv(report.INJECTED_ENV, raising=False)
    stem = "02_mips_recommendation"
    quick = report.profile_parameters(stem, "quick")
    namespace = {name: None for name in quick}
    report.start(stem, "quick", namespace)
    assert namespace == quick and "set here: " in capsys.readouterr().out
    monkeypatch.setenv(report.INJECTED_ENV, "1")      # under helpers.run papermill injected them already
    namespace = {name: None for name in quick}
    report.start(stem, "quick", namespace)
    assert set(namespace.values()) == {None}
    monkeypatch.delenv(report.INJECTED_ENV)
    with pytest.raises(ValueError, match="does not have"):
        report.start(stem, "quick", {})
    report.start(stem, "full", namespace)             # full: the parameters cell's own values
    assert set(namespace.values()) == {None} and "profile full (the case study's scale)" in capsys.readouterr().out


def test_report_and_readme(tmp_build, tmp_path):
    report.start("98_demo", "quick")
    report.record("recall", 0.9871, "", headline=True, label="10-recall@10")
    report.record("other", 3.0, "")
    report.start("98_demo", "glove", {"dataset": "glove50-ip"})   # a second data set: kept beside the first
    report.record("recall", 0.75, "", headline=True, label="10-recall@10")
    report.build_report()
    md = (tmp_build / "report" / "results.md").read_text()
    assert "| 98_demo | synthetic | quick | `recall` | 0.9871 |  |" in md
    assert "| 98_demo | glove50-ip | glove | `recall` | 0.75 |  |" in md
    assert "| notebook | synthetic (profile quick) | glove50 (profile glove) |" in md
    assert "| [98_demo](notebooks/98_demo.ipynb) | 10-recall@10: 0.9871 | (glove50-ip) 10-recall@10: 0.75 |" in md
    assert "other" not in md.split("All results")[0]   # not a headline
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{report.README_START}\nold\n{report.README_END}\nend\n")
    report.update_readme(readme)
    text = readme.read_text()
    assert "old" not in text and "10-recall@10: 0.9871" in text and "Faiss 1." in text
    assert text.startswith("intro") and text.endswith("end\n")


def test_find_notebooks():
    every = run.find_notebooks([])
    assert every and all(p.name[:2].isdigit() for p in every)
    assert run.find_notebooks(["01"]) == [every[0]]
    with pytest.raises(SystemExit, match="known: 01_"):
        run.find_notebooks(["nope"])


def test_profiles_name_real_notebooks_and_parameters():
    notebooks = {p.stem: p for p in run.find_notebooks([])}
    for stem, nb_path in notebooks.items():
        assert report.profile_parameters(stem, "full") == {}     # the parameters cell is the full profile
        quick = run.notebook_parameters(nb_path, "quick", {})    # exits on a name the notebook lacks
        assert quick["profile"] == "quick" and len(quick) > 1, f"{stem}: no quick sizes in profiles.yaml"
        nb = nbformat.read(nb_path, as_version=4)
        (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert re.search(r'^profile = "full"', cell.source, re.M), stem
    with pytest.raises(SystemExit, match="unknown profile"):
        run.notebook_parameters(notebooks["01_rolling_ivf"], "huge", {})


def test_runner_refuses_an_unknown_parameter(tmp_path):
    nb = _tiny_notebook(tmp_path / "93_params.ipynb", "print(x)")
    with pytest.raises(SystemExit, match="no parameter 'xx': did you mean 'x'"):
        run.main(["--no-report", "-p", "xx", "3", str(nb)])


def test_prepare_only_injects_and_keeps_outputs(tmp_path):
    src = run.find_notebooks(["09"])[0]
    run.main(["--profile", "quick", "--prepare-only", str(tmp_path), str(src)])
    prepared = nbformat.read(tmp_path / src.name, as_version=4)
    injected = [c for c in prepared.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'profile = "quick"' in injected[0].source
    committed = nbformat.read(src, as_version=4)
    assert [c.get("outputs") for c in committed.cells] == [
        c.get("outputs") for c in prepared.cells if c not in injected]


def test_pareto_front():
    recall = [0.5, 0.9, 0.8, 0.95, 0.7]
    latency = [1.0, 2.0, 3.0, 5.0, 0.5]
    assert list(pareto_front(recall, latency)) == [4, 1, 3]  # (1.0, 0.5) and (3.0, 0.8) are beaten


def _tiny_notebook(path, body):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('profile = "full"\nx = 1', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_run_executes_and_reports_failures(tmp_build, tmp_path, capsys):
    good = _tiny_notebook(tmp_path / "91_good.ipynb", "print(x * 2)")
    bad = _tiny_notebook(tmp_path / "92_bad.ipynb", "y = x / 0")
    assert run.main(["--no-report", "-p", "x", "21", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "FAILED 92_bad: cell" in err and "ZeroDivisionError" in err and "FAILED 91_good" not in err
    executed = nbformat.read(tmp_build / "executed" / "synthetic" / "91_good.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0]["text"] == "42\n"   # the -p override reached the notebook


def test_readme_refreshed_only_when_every_notebook_passed(tmp_build, tmp_path, monkeypatch):
    refreshed = []
    monkeypatch.setattr(report, "update_readme", lambda: refreshed.append(True))
    good = _tiny_notebook(tmp_path / "91_good.ipynb", "print(x * 2)")
    bad = _tiny_notebook(tmp_path / "92_bad.ipynb", "y = x / 0")
    assert run.main(["--update-readme", "-p", "x", "21", str(good), str(bad)]) == 1
    assert refreshed == []
    assert run.main(["--update-readme", "-p", "x", "21", str(good)]) == 0
    assert refreshed == [True]


def test_sweep_tables_are_kept_with_their_parameters(tmp_build):
    import pandas as pd
    report.start("97_demo", "full")
    report.save_table("sweep", [dict(method="HNSW", setting="ef 16", recall=np.float64(0.5)),
                                dict(method="IVF, PQ", setting="nprobe 8", recall=0.25, p99_ms=1.5)],
                      parameters=dict(n_items=1000))
    table = report.load_table("97_demo", "sweep")
    assert table["parameters"] == {"n_items": 1000} and table["profile"] == "full" and "Faiss" in table["machine"]
    assert table["rows"][1] == dict(method="IVF, PQ", setting="nprobe 8", recall=0.25, p99_ms=1.5)
    csv = (tmp_build / "results" / "synthetic" / "97_demo" / "sweep.csv").read_text().splitlines()
    assert csv == ["method,setting,recall,p99_ms", "HNSW,ef 16,0.5,", '"IVF, PQ",nprobe 8,0.25,1.5']
    report.save_table("frame", pd.DataFrame({"n": [1, 2]}))
    assert report.load_table("97_demo", "frame")["rows"] == [{"n": 1}, {"n": 2}]


def test_check_parameters_names_the_parameter_and_the_fix():
    nt, nlist = 1000, 64
    report.check_parameters(nt=(nt > 0, "must be positive"))
    with pytest.raises(report.ParameterError, match=r"^parameter nlist: at most nt / 39 = 25$"):
        report.check_parameters(nt=(nt > 0, "must be positive"),
                                nlist=(nt >= 39 * nlist, f"at most nt / 39 = {nt // 39}"))

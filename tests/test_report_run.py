import json
import re

import nbformat

import pytest

from helpers import report, run
from helpers.plotting import pareto_front


def test_record_writes_results_file(tmp_build):
    report.start("99_demo", "full")
    report.record("ratio", 1.5, "x")
    report.record("ok", True)
    import numpy as np
    report.record("count", np.int64(7))
    data = json.loads((tmp_build / "results" / "99_demo.json").read_text())
    assert data == {"notebook": "99_demo", "profile": "full", "results": {
        "ratio": {"value": 1.5, "unit": "x"}, "ok": {"value": 1, "unit": ""}, "count": {"value": 7, "unit": ""}}}
    with pytest.raises(ValueError, match="finite number"):
        report.record("bad", float("nan"))
    report.start("99_demo", "quick")  # a new run starts afresh
    assert json.loads((tmp_build / "results" / "99_demo.json").read_text())["results"] == {}


def test_report_and_readme(tmp_build, tmp_path):
    report.start("98_demo")
    report.record("recall", 0.9871, "")
    index = report.build_report()
    assert "98_demo" in index.read_text() and "0.9871" in index.read_text()
    md = (tmp_build / "report" / "results.md").read_text()
    assert "| 98_demo | quick | `recall` | 0.9871 |  |" in md and "| [98_demo](notebooks/98_demo.ipynb) | quick | `recall` 0.9871 |" in md
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{report.README_START}\nold\n{report.README_END}\nend\n")
    report.update_readme(readme)
    text = readme.read_text()
    assert "old" not in text and "`recall` 0.9871" in text and "Faiss 1." in text
    assert text.startswith("intro") and text.endswith("end\n")


def test_find_notebooks():
    every = run.find_notebooks([])
    assert every and all(p.name[:2].isdigit() for p in every)
    assert run.find_notebooks(["01"]) == [every[0]]
    with pytest.raises(SystemExit, match="known: 01_"):
        run.find_notebooks(["nope"])


def test_profiles_name_real_notebooks_and_parameters():
    notebooks = {p.stem: p for p in run.find_notebooks([])}
    full = run.load_profile("full")
    assert set(full) <= set(notebooks)
    for stem, params in full.items():
        nb = nbformat.read(notebooks[stem], as_version=4)
        (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assigned = set(re.findall(r"^(\w+)\s*=", cell.source, re.M))
        assert "profile" in assigned, stem
        assert set(params) <= assigned, f"{stem}: {set(params) - assigned} are not parameters"
    assert run.load_profile("quick") == {}
    with pytest.raises(SystemExit, match="unknown profile"):
        run.load_profile("huge")


def test_pareto_front():
    recall = [0.5, 0.9, 0.8, 0.95, 0.7]
    latency = [1.0, 2.0, 3.0, 5.0, 0.5]
    assert list(pareto_front(recall, latency)) == [4, 1, 3]  # (1.0, 0.5) and (3.0, 0.8) are beaten


def _tiny_notebook(path, body):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('profile = "quick"\nx = 1', metadata={"tags": ["parameters"]}),
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
    executed = nbformat.read(tmp_build / "executed" / "91_good.ipynb", as_version=4)
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

"""The conventions of CONTRIBUTING.md, checked on every committed notebook."""

import ast
import re

import nbformat
import papermill
import pytest

from helpers import navigation, report
from helpers.run import find_notebooks

NOTEBOOKS = find_notebooks([])
FORBIDDEN = {"absolute path": re.compile(r"/(work|tmp|root|home)/|site-packages"),
             "memory address": re.compile(r" at 0x[0-9a-f]{6,}")}


def _outputs_text(cell):
    for out in cell.get("outputs", []):
        if "text" in out:
            yield out["text"]
        for mime, data in out.get("data", {}).items():
            if mime.startswith("text/"):
                yield data if isinstance(data, str) else "".join(data)
        if out.get("output_type") == "error":
            yield "\n".join(out.get("traceback", []))


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_small(notebook):
    path, _ = notebook
    assert path.stat().st_size < 1_000_000, f"{path.name} is {path.stat().st_size:,} bytes"


def test_shape(notebook):
    path, nb = notebook
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {path.stem[:2]} "), "title cell"
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and re.search(r"^profile\s*=", params[0].source, re.M), "parameters cell"
    assert f'report.start("{path.stem}", profile, globals())' in "".join(c.source for c in nb.cells)
    assert any(c.cell_type == "markdown" and "## What we measured" in c.source for c in nb.cells)
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert "# NBVAL_CHECK_OUTPUT" in last.source and "report.claims(" in last.source, "the claims come last"


def test_no_cell_ends_on_a_value(notebook):
    """report.claims returns the checked booleans: a cell ending on the bare call shows them as Out[]."""
    path, nb = notebook
    for c in nb.cells:
        if c.cell_type == "code" and c.source.strip():
            tail = ast.parse(c.source).body[-1]
            bare_claims = (isinstance(tail, ast.Expr) and isinstance(tail.value, ast.Call)
                           and ast.unparse(tail.value.func) == "report.claims")
            assert not bare_claims, f"cell {c.execution_count}: assign it (checked = report.claims(...))"


def test_parameters_visible_to_papermill(notebook):
    """papermill reads `name = value  # comment` lines only: an '=' inside the comment hides the name."""
    path, nb = notebook
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    names = {t.id for node in ast.parse(cell.source).body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)}
    hidden = names - set(papermill.inspect_notebook(str(path)))
    assert not hidden, f"papermill cannot see {sorted(hidden)}: no '=' in their comments"


def test_every_profile_lists_the_notebook_and_it_takes_a_dataset(notebook):
    """make test runs the quick profile and make run the glove one: each must say what it changes."""
    path, _ = notebook
    assert "dataset" in papermill.inspect_notebook(str(path)), "a `dataset` parameter (default synthetic)"
    for profile in ("quick", "glove"):
        assert report.profile_parameters(path.stem, profile), f"no {profile} entry in profiles.yaml"
    assert str(report.profile_parameters(path.stem, "glove").get("dataset", "")).startswith("glove")


def test_committed_with_clean_outputs(notebook):
    path, nb = notebook
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "every code cell executed (commit the outputs)"
    assert not any(o.get("output_type") == "error" for c in code for o in c.outputs)
    for c in code:
        for text in _outputs_text(c):
            for what, pattern in FORBIDDEN.items():
                m = pattern.search(text)
                where = text[max(0, m.start() - 60):m.end() + 20] if m else ""
                assert not m, f"{what} in the output of cell {c.execution_count}: ...{where}"


def test_navigation_cells_are_generated_and_current():
    """The previous / contents / next cells come from helpers.navigation (run it after renaming a title)."""
    assert navigation.refresh(check=True) == [], "run `python -m helpers.navigation`"


def test_committed_outputs_are_the_full_run(notebook):
    """What a reader sees is the case study at its real scale: the outputs of the full profile, with the
    parameters cell that produced them (no injected cell), no progress bars, no stray Out[] values."""
    path, nb = notebook
    assert not [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])], "injected cell"
    start = next(c for c in nb.cells if c.cell_type == "code" and "report.start(" in c.source)
    assert any(f"{path.stem}: profile full " in t for t in _outputs_text(start)), "outputs of a full run"
    for c in nb.cells:
        for out in c.get("outputs", []):
            assert out["output_type"] != "execute_result", f"stray Out[] value: {c.source[-80:]!r}"
            text = out.get("text", "")
            assert not re.search(r"\d+%\|", text), f"progress bar in the output of: {c.source[:60]!r}"


def test_first_cell_links_the_case_study():
    for path in NOTEBOOKS:
        first = nbformat.read(path, as_version=4).cells[0].source
        assert "wiki/Case-studies" in first or "Case-studies" in first, path.name
        assert re.search(r"https://(gist\.github\.com/mdouze/[0-9a-f]{32}|github\.com/facebookresearch/faiss/blob/"
                         r"main/contrib/clustering\.py)", first), f"{path.name}: no link to the original gist"

"""Every import of a notebook or a helpers module is declared in pyproject.toml: in the dependencies or
the `cpu` extra when unguarded, in any extra when inside a `try: ... except ImportError` (an optional
peer the notebook skips in one line). `pip install -e '.[cpu]'` alone must run every notebook."""

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import nbformat
import pytest
import tomllib

from helpers.run import NOTEBOOKS_DIR, find_notebooks

ROOT = NOTEBOOKS_DIR.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# the `faiss` module comes from faiss-cpu or faiss-gpu (never both installed): either one declares it
SAME_MODULE = {"faiss-gpu": "faiss-cpu"}


def _names(requirements):
    return {SAME_MODULE.get(n, n) for n in (re.split(r"[\s=<>!~\[;]", r, maxsplit=1)[0].lower().replace("_", "-")
                                             for r in requirements)}


REQUIRED = _names(PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["cpu"])
OPTIONAL = _names(r for extra in PYPROJECT["optional-dependencies"].values() for r in extra)
DISTRIBUTIONS = packages_distributions()


def _guarded(node, parents):
    """True when the import sits in the body of a try whose handlers catch ImportError."""
    for parent in parents:
        if isinstance(parent, ast.Try) and node in ast.walk(ast.Module(body=parent.body, type_ignores=[])):
            for h in parent.handlers:
                caught = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]
                if any(isinstance(c, ast.Name) and c.id in ("ImportError", "ModuleNotFoundError") for c in caught):
                    return True
    return False


def imports(source):
    """(top-level module, guarded) for every absolute import in the source."""
    tree = ast.parse(source)
    parents = [n for n in ast.walk(tree) if isinstance(n, ast.Try)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            mods = [node.module]
        else:
            continue
        for mod in mods:
            yield mod.split(".")[0], _guarded(node, parents)


def _sources():
    for path in sorted((ROOT / "helpers").glob("*.py")):
        yield path.relative_to(ROOT), path.read_text()
    for path in find_notebooks([]):
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(re.sub(r"^[%!].*$", "", c.source, flags=re.M) for c in nb.cells if c.cell_type == "code")
        yield path.relative_to(ROOT), code


def distribution(module):
    """The declared distribution name that provides a module, or None for the standard library / helpers."""
    if module in sys.stdlib_module_names or module == "helpers":
        return None
    dists = {SAME_MODULE.get(d.lower(), d.lower()).replace("_", "-") for d in DISTRIBUTIONS.get(module, [module])}
    return dists


@pytest.mark.parametrize("where,source", list(_sources()), ids=lambda v: str(v) if isinstance(v, Path) else "")
def test_imports_are_declared(where, source):
    problems = []
    for module, guarded in imports(source):
        dists = distribution(module)
        if dists is None:
            continue
        declared = OPTIONAL if guarded else REQUIRED
        if not dists & declared:
            where_ok = "any extra of pyproject.toml" if guarded else "[project] dependencies or the cpu extra"
            problems.append(f"import {module} ({'/'.join(sorted(dists))}) is not in {where_ok}")
    assert not problems, f"{where}: " + "; ".join(problems)


def test_guard_detection():
    src = "import os\ntry:\n    import scann\nexcept ImportError:\n    scann = None\nimport numpy\n"
    assert dict(imports(src)) == {"os": False, "scann": True, "numpy": False}

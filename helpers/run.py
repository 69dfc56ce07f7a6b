"""Execute notebooks headless with papermill, in a profile, then write the report.

    python -m helpers.run [--profile full|quick] [-p NAME VALUE ...] [--in-place] [NOTEBOOK ...]
    python -m helpers.run --profile quick --prepare-only DIR [NOTEBOOK ...]

NOTEBOOK is a path, a stem (01_rolling_ivf) or a number prefix (01); default: all of notebooks/.
A notebook's parameters cell holds the case study's scale (profile full); the other profiles live in
notebooks/profiles.yaml (glove: every notebook on the GloVe vectors). --in-place also rewrites the notebooks
themselves with the outputs of their full run (what is committed). Executed copies go to
build/executed/<data set>/ (synthetic unless the profile or -p sets `dataset`). --prepare-only writes copies with
the profile's parameters injected, unexecuted, committed outputs kept (what `make test` runs under nbval).
-p sets a parameter of every notebook run on top of the profile (VALUE is read as YAML: 3, [1, 2], sift1m);
a name that a notebook's parameters cell does not have is refused before anything runs.
"""

import argparse
import difflib
import os
import shutil
import sys
import time
from pathlib import Path

import nbformat
import papermill
import yaml
from tqdm.auto import tqdm

from . import report

NOTEBOOKS_DIR = report.ROOT / "notebooks"
# the kernel's own log (e.g. ipykernel's "running over TCP without encryption" on a local kernel) stays quiet
KERNEL_QUIET = ["--IPKernelApp.log_level=ERROR"]


def find_notebooks(names):
    """Notebook paths for names given as paths, stems or number prefixes (all of them if none)."""
    every = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return every
    found = []
    for name in names:
        p = Path(name)
        if p.suffix == ".ipynb" and p.exists():
            found.append(p.resolve())
            continue
        matches = [nb for nb in every if nb.stem == name or nb.stem.startswith(f"{name}_")]
        if len(matches) != 1:
            known = ", ".join(nb.stem for nb in every)
            raise SystemExit(f"no single notebook matches {name!r}; known: {known}")
        found.append(matches[0])
    return found


def notebook_parameters(nb, profile, overrides):
    """The parameters to inject into one notebook: the profile's, the overrides on top, and the profile
    name. Exits with a clear message on a name the notebook's parameters cell does not have."""
    try:
        params = {**report.profile_parameters(nb.stem, profile), **overrides}
    except ValueError as e:
        raise SystemExit(str(e)) from None
    known = set(papermill.inspect_notebook(str(nb)))
    for name in params:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise SystemExit(f"{nb.stem} has no parameter {name!r}: {hint}its parameters are "
                             f"{', '.join(sorted(known))}")
    return {**params, "profile": profile} if profile != "full" or params else {}


def strip_run_metadata(path):
    """Drop papermill's per-run metadata (timestamps, durations, paths) so that diffs show content only."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def execute(nb, parameters, in_place=False):
    """Run one notebook; return None on success, else a one-line description of the failure."""
    copy = report.executed_path(nb.stem, parameters.get("dataset", "synthetic"))
    out = nb if in_place else copy
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(str(nb), str(out), parameters=parameters or None, kernel_name="python3",
                                   cwd=str(nb.parent),
                                   progress_bar=dict(leave=False, desc=nb.stem) if sys.stderr.isatty() else False,
                                   log_output=False, extra_arguments=KERNEL_QUIET)
    except papermill.PapermillExecutionError as e:
        return f"cell {e.cell_index} (execution count {e.exec_count}): {e.ename}: {e.evalue}"
    except Exception as e:  # kernel died, bad parameters, missing notebook...
        return f"{type(e).__name__}: {e}"
    finally:
        if in_place and out.exists():
            strip_run_metadata(out)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(out, copy)
    return None


def prepare(nb, parameters, out_dir):
    """Write a copy of the notebook with the parameters injected, unexecuted (committed outputs kept)."""
    out = Path(out_dir) / nb.name
    out.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(str(nb), str(out), parameters=parameters or None, prepare_only=True,
                               kernel_name="python3", log_output=False, progress_bar=False)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="full",
                    help="full (the notebooks' own parameters: the case study's scale) or a profile of "
                         "profiles.yaml such as quick (default: full)")
    ap.add_argument("-p", "--param", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                    help="override a parameter (VALUE parsed as YAML)")
    ap.add_argument("--in-place", action="store_true", help="write outputs into the notebooks themselves")
    ap.add_argument("--prepare-only", metavar="DIR", help="write unexecuted, parameterised copies to DIR")
    ap.add_argument("--no-report", action="store_true", help="skip writing build/report/")
    ap.add_argument("--update-readme", action="store_true", help="refresh the README's results table")
    ap.add_argument("notebooks", nargs="*")
    args = ap.parse_args(argv)
    if args.in_place and (args.profile != "full" or args.param):
        raise SystemExit("--in-place commits the outputs of the full run only: no --profile, no -p")
    overrides = {name: yaml.safe_load(value) for name, value in args.param}

    notebooks = find_notebooks(args.notebooks)
    parameters = {nb: notebook_parameters(nb, args.profile, overrides) for nb in notebooks}
    if args.prepare_only:
        for nb in notebooks:
            prepare(nb, parameters[nb], args.prepare_only)
        print(f"{len(notebooks)} notebook(s) prepared in {args.prepare_only} (profile {args.profile})")
        return 0
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    os.environ[report.INJECTED_ENV] = "1"   # the kernels must not apply the profile a second time
    os.environ["TQDM_DISABLE"] = "1"        # no progress bars in the outputs (the runner shows its own)
    failures, t_all = {}, time.perf_counter()
    bar = tqdm(notebooks, desc=f"profile {args.profile}", unit="notebook", disable=not sys.stderr.isatty())
    for nb in bar:
        bar.set_postfix_str(nb.stem)
        t0 = time.perf_counter()
        error = execute(nb, parameters[nb], args.in_place)
        status = "ok" if error is None else "FAILED"
        tqdm.write(f"{status:6} {nb.stem}  {time.perf_counter() - t0:7.1f} s")
        if error:
            failures[nb.stem] = error
    tqdm.write(f"total {time.perf_counter() - t_all:.1f} s for {len(notebooks)} notebook(s)")

    if not args.no_report:
        report.main(["--update-readme"] if args.update_readme and not failures else [])
        if args.update_readme and failures:
            print("README.md: results table NOT refreshed (a notebook failed)", file=sys.stderr)
    for stem, error in failures.items():
        print(f"FAILED {stem}: {error}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

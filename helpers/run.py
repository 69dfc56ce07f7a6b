"""Execute notebooks headless with papermill, in a profile, then write the report.

    python -m helpers.run [--profile quick|full] [-p NAME VALUE ...] [--in-place] [NOTEBOOK ...]

NOTEBOOK is a path, a stem (01_rolling_ivf) or a number prefix (01); default: all of notebooks/.
Profiles live in notebooks/profiles.yaml. Executed copies go to build/executed/; --in-place instead
rewrites the notebooks themselves with the outputs of their default run (what is committed).
-p sets a parameter of every notebook run on top of the profile (VALUE is read as YAML: 3, [1, 2], sift1m).
"""

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
import papermill
import yaml
from tqdm.auto import tqdm

from . import report

NOTEBOOKS_DIR = report.ROOT / "notebooks"
PROFILES_FILE = NOTEBOOKS_DIR / "profiles.yaml"


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


def load_profile(profile):
    """{notebook stem: {parameter: value}} for a profile."""
    profiles = yaml.safe_load(PROFILES_FILE.read_text())
    if profile not in profiles:
        raise SystemExit(f"unknown profile {profile!r} in {PROFILES_FILE.name}; known: {', '.join(profiles)}")
    return profiles[profile] or {}


def strip_run_metadata(path):
    """Drop papermill's per-run metadata (timestamps, durations, paths) so that diffs show content only."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def execute(nb, profile, params, in_place=False):
    """Run one notebook; return None on success, else a one-line description of the failure."""
    out = nb if in_place else report.EXECUTED_DIR / nb.name
    out.parent.mkdir(parents=True, exist_ok=True)
    parameters = dict(params)
    if profile != "quick":
        parameters["profile"] = profile
    try:
        papermill.execute_notebook(str(nb), str(out), parameters=parameters or None, kernel_name="python3",
                                   cwd=str(nb.parent),
                                   progress_bar=dict(leave=False, desc=nb.stem) if sys.stderr.isatty() else False,
                                   log_output=False)
    except papermill.PapermillExecutionError as e:
        return f"cell {e.cell_index} (execution count {e.exec_count}): {e.ename}: {e.evalue}"
    except Exception as e:  # kernel died, bad parameters, missing notebook...
        return f"{type(e).__name__}: {e}"
    finally:
        if in_place and out.exists():
            strip_run_metadata(out)
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="quick", help="quick (the notebooks' defaults) or full (default: quick)")
    ap.add_argument("-p", "--param", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                    help="override a parameter (VALUE parsed as YAML)")
    ap.add_argument("--in-place", action="store_true", help="write outputs into the notebooks themselves")
    ap.add_argument("--no-report", action="store_true", help="skip writing build/report/")
    ap.add_argument("--update-readme", action="store_true", help="refresh the README's results table")
    ap.add_argument("notebooks", nargs="*")
    args = ap.parse_args(argv)
    if args.in_place and (args.profile != "quick" or args.param):
        raise SystemExit("--in-place keeps the outputs of the default run only: no --profile, no -p")
    overrides = {name: yaml.safe_load(value) for name, value in args.param}

    notebooks = find_notebooks(args.notebooks)
    profile = load_profile(args.profile)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    failures, t_all = {}, time.perf_counter()
    bar = tqdm(notebooks, desc=f"profile {args.profile}", unit="notebook")
    for nb in bar:
        bar.set_postfix_str(nb.stem)
        t0 = time.perf_counter()
        error = execute(nb, args.profile, {**profile.get(nb.stem, {}), **overrides}, args.in_place)
        status = "ok" if error is None else "FAILED"
        tqdm.write(f"{status:6} {nb.stem}  {time.perf_counter() - t0:7.1f} s")
        if error:
            failures[nb.stem] = error
    tqdm.write(f"total {time.perf_counter() - t_all:.1f} s for {len(notebooks)} notebook(s)")

    if not args.no_report and not args.in_place:
        report.main(["--update-readme"] if args.update_readme and not failures else [])
        if args.update_readme and failures:
            print("README.md: results table NOT refreshed (a notebook failed)", file=sys.stderr)
    for stem, error in failures.items():
        print(f"FAILED {stem}: {error}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

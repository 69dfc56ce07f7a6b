"""Results and claims: notebooks record() numbers and claims() their checked claims into
build/results/<data set>/<notebook>.json (one per notebook and data set: synthetic, glove50, ...);
`python -m helpers.report` turns the executed notebooks and those files into
build/report/ (index.html, one HTML page per notebook, results.md) and, with --update-readme, refreshes the
README's table of measured results (the results each notebook marked as headlines)."""

import argparse
import html
import json
import math
import os
import platform
import re
import time
from pathlib import Path

import faiss
import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("FAISS_CASE_STUDIES_BUILD", ROOT / "build"))
RESULTS_DIR = BUILD / "results"
EXECUTED_DIR = BUILD / "executed"
REPORT_DIR = BUILD / "report"
PROFILES_FILE = ROOT / "notebooks" / "profiles.yaml"
README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"
# set by helpers.run for the kernels it starts: the profile's parameters are already injected by papermill
INJECTED_ENV = "FAISS_CASE_STUDIES_INJECTED"

_current = {"notebook": None, "profile": None, "dataset": "synthetic"}


def dataset_key(dataset):
    """The folder name of a data set's results: its name, or the last part of a folder of the user's files."""
    return Path(str(dataset)).name or "synthetic"


def _results_path(notebook, dataset=None):
    return RESULTS_DIR / dataset_key(dataset or _current["dataset"]) / f"{notebook}.json"


def _write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj, indent=1) + "\n")
    os.replace(tmp, path)


def profile_parameters(notebook, profile):
    """{parameter: value} that a profile of notebooks/profiles.yaml sets for a notebook ({} for "full":
    the parameters cell holds the case study's scale)."""
    profiles = yaml.safe_load(PROFILES_FILE.read_text()) or {}
    if profile not in profiles:
        raise ValueError(f"unknown profile {profile!r}: {PROFILES_FILE.name} has {', '.join(profiles)}")
    return dict((profiles[profile] or {}).get(notebook) or {})


def start(notebook, profile="full", namespace=None):
    """Begin the results of one notebook run (clears what an earlier run of it recorded).

    Given the notebook's namespace (`globals()`), a profile other than "full" set by hand in the parameters
    cell (e.g. `profile = "quick"` in JupyterLab) replaces the case-study sizes there with that profile's
    values from profiles.yaml; under helpers.run, papermill has injected them already."""
    applied = {}
    if namespace is not None and profile != "full" and not os.environ.get(INJECTED_ENV):
        applied = profile_parameters(notebook, profile)
        unknown = sorted(set(applied) - set(namespace))
        if unknown:
            raise ValueError(f"{PROFILES_FILE.name}: {profile}.{notebook} sets {unknown}, which the "
                             f"parameters cell does not have")
        namespace.update(applied)
    dataset = str((namespace or {}).get("dataset", "synthetic"))
    _current.update(notebook=notebook, profile=profile, dataset=dataset)
    _write_json(_results_path(notebook), {"notebook": notebook, "profile": profile, "dataset": dataset,
                                          "date": time.strftime("%Y-%m-%d"), "results": {}})
    scale = "the case study's scale" if profile == "full" else f"reduced sizes from {PROFILES_FILE.name}"
    print(f"{notebook}: profile {profile} ({scale}), data {dataset_key(dataset)}; Faiss {faiss.__version__}, "
          f"{faiss.omp_get_max_threads()} threads, {faiss.get_num_gpus()} GPU(s)")
    if applied:
        print("  set here: " + ", ".join(f"{k} = {v!r}" for k, v in applied.items()))


class ParameterError(ValueError):
    """A parameter of the notebook that cannot work, said in one line with the fix."""


def check_parameters(**conditions):
    """Check the notebook's sizes and knobs before any work: each keyword is a parameter's name, its
    value (ok, fix) a boolean and the one line that says what to change. Raises ParameterError on the
    first that fails, e.g. check_parameters(nlist=(nt >= 39 * nlist, f"at most nt / 39 = {nt // 39}"))."""
    for name, (ok, fix) in conditions.items():
        if not ok:
            raise ParameterError(f"parameter {name}: {fix}")


def record(name, value, unit="", headline=False, label=None):
    """Record a result of the current notebook (booleans as 1/0); headline=True puts it in the README's
    one-line summary of the notebook and on its gallery card, under `label` (words for a reader, e.g.
    "recall at p99 under 1 ms"; default: the name)."""
    if _current["notebook"] is None:
        raise RuntimeError("call helpers.report.start(notebook, profile) before record()")
    v = value.item() if isinstance(value, np.generic) else value
    if isinstance(v, bool):
        v = int(v)
    if not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"record({name!r}): need a finite number, got {value!r}")
    path = _results_path(_current["notebook"])
    data = json.loads(path.read_text())
    extra = {"headline": True, "label": label or name.replace("_", " ")} if headline else {}
    data["results"][name] = {"value": v, "unit": unit, **extra}
    _write_json(path, data)


def save_table(name, rows, parameters=None):
    """Keep a sweep table of the current notebook (a list of dicts, or a pandas DataFrame) with the
    parameters that made it and the machine: build/results/<data set>/<notebook>/<name>.csv and .json, so that
    plots and comparisons can be redone without re-running."""
    if _current["notebook"] is None:
        raise RuntimeError("call helpers.report.start(notebook, profile) before save_table()")
    if hasattr(rows, "to_dict"):
        rows = rows.reset_index().to_dict("records") if rows.index.name else rows.to_dict("records")
    rows = [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()} for r in rows]
    columns = list(dict.fromkeys(k for r in rows for k in r))
    folder = _results_path(_current["notebook"]).with_suffix("")
    _write_json(folder / f"{name}.json", {
        "notebook": _current["notebook"], "profile": _current["profile"], "dataset": _current["dataset"],
        "table": name,
        "parameters": parameters or {}, "machine": machine_line().strip(), "rows": rows})
    lines = [",".join(columns)] + [",".join(_csv_cell(r.get(c, "")) for c in columns) for r in rows]
    (folder / f"{name}.csv").write_text("\n".join(lines) + "\n")


def _csv_cell(v):
    text = str(v)
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(ch in text for ch in ',"\n') else text


def load_table(notebook, name, dataset="synthetic"):
    """A table saved by save_table(): {"parameters", "machine", "rows", ...}."""
    return json.loads((_results_path(notebook, dataset).with_suffix("") / f"{name}.json").read_text())


def claims(named, when=True, why_not="", headline=()):
    """Check a notebook's claims: print each named claim as PASS or FAIL, record it (1/0; the names in
    `headline` as headlines: a list, or a dict of name to label), then assert that all hold. Each value
    must be a boolean computed from the run. when=False (e.g. a timing claim outside the full profile)
    prints that the claims were not checked, and why, and records nothing."""
    if not named:
        raise ValueError("claims(): no claim given")
    bad = {n: type(v).__name__ for n, v in named.items() if not isinstance(v, (bool, np.bool_))}
    if bad:
        raise TypeError(f"claims(): each claim must be a boolean, got {bad}")
    if not when:
        for name in named:
            print(f"not checked  {name}" + (f"  ({why_not})" if why_not else ""))
        return {}
    for name, ok in named.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
        label = headline.get(name) if isinstance(headline, dict) else None
        record(name, bool(ok), "claim", headline=name in headline, label=label)
    failed = [name for name, ok in named.items() if not ok]
    if failed:
        raise AssertionError(f"{len(failed)} claim(s) failed: {', '.join(failed)}")
    return {name: bool(ok) for name, ok in named.items()}


def short_error(e):
    """An exception as one line for a notebook's output: the type and Faiss's own message, without the
    C++ function signature and source path that Faiss puts in front of it."""
    msg = str(e).strip().splitlines()[-1] if str(e).strip() else ""
    msg = re.sub(r"^Error in .*? at \S+:\d+: ", "", msg)
    msg = re.sub(r"^Error: '.*?' failed: ", "", msg)
    return f"{type(e).__name__}: {msg}"


def load_results():
    """{notebook: {data set: {"profile": ..., "dataset": ..., "results": {...}}}} for every results file under
    build/results/<data set>/."""
    out = {}
    for p in sorted(RESULTS_DIR.glob("*/*.json")):
        data = json.loads(p.read_text())
        out.setdefault(data["notebook"], {})[p.parent.name] = data
    return dict(sorted(out.items()))


def dataset_columns(results):
    """The data-set columns of the results tables: synthetic first, then each family (glove50-ip and
    glove50-angular go under glove50)."""
    families = {key.split("-")[0] for runs in results.values() for key in runs}
    return sorted(families, key=lambda f: (f != "synthetic", f))


def _fmt(v):
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:.4g}"


def headline_text(data):
    """The results a run marked as headlines, as one line: "label: value unit; ..."."""
    res = data["results"]
    names = [n for n, r in res.items() if r.get("headline")] or list(res)[:4]
    return "; ".join(f"{res[n].get('label', n)}: " + (("holds" if res[n]["value"] else "FAILS")
                     if res[n]["unit"] == "claim" else f"{_fmt(res[n]['value'])}"
                     f"{' ' + res[n]['unit'] if res[n]['unit'] else ''}") for n in names)


def _runs_of(runs, family):
    return [(key, runs[key]) for key in sorted(runs) if key.split("-")[0] == family]


def results_markdown(results):
    """The table of every result, as Markdown."""
    lines = ["| notebook | data | profile | result | value | unit |", "|---|---|---|---|---|---|"]
    for nb, runs in results.items():
        for key, data in sorted(runs.items(), key=lambda kv: (kv[0] != "synthetic", kv[0])):
            for name, r in data["results"].items():
                lines.append(f"| {nb} | {key} | {data['profile']} | `{name}` | {_fmt(r['value'])} | {r['unit']} |")
    return "\n".join(lines) + "\n"


def headlines_markdown(results):
    """One line per notebook with its headline results, one column per data set (its profiles in the
    header), as Markdown."""
    columns = dataset_columns(results)
    profiles = {family: sorted({d["profile"] for runs in results.values() for _, d in _runs_of(runs, family)})
                for family in columns}
    header = [f"{family} (profile {', '.join(profiles[family])})" for family in columns]
    lines = ["| notebook | " + " | ".join(header) + " |", "|---" * (len(columns) + 1) + "|"]
    for nb, runs in results.items():
        cells = ["<br>".join((f"({key}) " if key != family else "") + headline_text(data)
                             for key, data in _runs_of(runs, family)) or "-" for family in columns]
        lines.append(f"| [{nb}](notebooks/{nb}.ipynb) | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def machine_line():
    """Where the numbers were measured: cores, Faiss version and build, GPUs."""
    return (f"Measured on {os.cpu_count()} CPU cores ({platform.machine()}), {faiss.get_num_gpus()} GPU(s), "
            f"Faiss {faiss.__version__} ({faiss.get_compile_options().strip()}).\n")


def executed_path(notebook, dataset="synthetic"):
    """Where helpers.run keeps the executed copy of a notebook run on a data set."""
    return EXECUTED_DIR / dataset_key(dataset) / f"{notebook}.ipynb"


def build_report():
    """Write build/report/: index.html (one card per notebook), <data set>/<notebook>.html (each executed
    notebook, rendered offline), figures/<notebook>.png (its key figure) and results.md; return the index."""
    import nbformat
    from nbconvert import HTMLExporter

    from . import gallery
    (REPORT_DIR / "figures").mkdir(parents=True, exist_ok=True)
    results = load_results()
    executed = {}                        # {notebook: {data set: executed notebook}}, synthetic first
    for path in sorted(EXECUTED_DIR.glob("*/*.ipynb"), key=lambda p: (p.parent.name != "synthetic", str(p))):
        executed.setdefault(path.stem, {})[path.parent.name] = path
    cards, dates = [], set()
    for stem in sorted(executed):
        runs, figure, shown = [], None, None
        for key, path in executed[stem].items():
            nb = nbformat.read(path, as_version=4)
            body, _ = HTMLExporter().from_notebook_node(nb)
            page = Path(key) / f"{stem}.html"
            (REPORT_DIR / page).parent.mkdir(parents=True, exist_ok=True)
            (REPORT_DIR / page).write_text(gallery.offline_html(body))
            png = gallery.key_figure(nb)
            if shown is None:
                shown = nb
                if png:
                    figure = f"figures/{stem}.png"
                    (REPORT_DIR / figure).write_bytes(png)
            data = results.get(stem, {}).get(key, {})
            dates.add(data.get("date", "-"))
            runs.append((key, data, page.as_posix()))
        cards.append(gallery.card(stem, shown, runs, figure))
    (REPORT_DIR / "results.md").write_text(f"{headlines_markdown(results)}\n{machine_line()}\n"
                                           f"All results:\n\n{results_markdown(results)}")
    index = REPORT_DIR / "index.html"
    index.write_text(gallery.PAGE.format(machine=html.escape(machine_line().strip()),
                                         date=", ".join(sorted(dates)) or "-", cards="\n".join(cards)))
    return index


def update_readme(readme=ROOT / "README.md"):
    """Replace the README's block between the results markers with the current results table."""
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        raise ValueError(f"{readme}: no {README_START} ... {README_END} block to refresh")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    table = headlines_markdown(load_results())
    readme.write_text(f"{head}{README_START}\n{table}\n{machine_line()}{README_END}{tail}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--update-readme", action="store_true", help="refresh the README's results table")
    args = ap.parse_args(argv)
    index = build_report()
    print(f"report: {index.relative_to(ROOT) if index.is_relative_to(ROOT) else index}")
    if args.update_readme:
        update_readme()
        print("README.md: results table refreshed")


if __name__ == "__main__":
    main()

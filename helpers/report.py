"""Headline results: notebooks record() them into build/results/<notebook>.json; `python -m helpers.report`
turns the executed notebooks and those files into build/report/ (index.html, one HTML page per notebook,
results.md) and, with --update-readme, refreshes the README's table of measured results."""

import argparse
import html
import json
import math
import os
import platform
import re
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("FAISS_CASE_STUDIES_BUILD", ROOT / "build"))
RESULTS_DIR = BUILD / "results"
EXECUTED_DIR = BUILD / "executed"
REPORT_DIR = BUILD / "report"
README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"

_current = {"notebook": None, "profile": None}

# the results of each notebook that the README's one-line summary shows
HEADLINES = {
    "01_rolling_ivf": ["ntotal_max", "removal_ratio_hashtable", "removal_ratio_nomap_array",
                       "removal_count_slope_hashtable", "window_matches_fresh"],
    "02_mips_recommendation": ["n_items", "chosen_recall_at_10", "chosen_p99_ms", "best_recall_under_1ms",
                               "flat_p99_ms", "hnswlib_latency_ratio_at_095"],
    "03_limited_size_kmeans": ["n_points", "cap", "max_cluster_size", "mse_ratio_vs_kmeans",
                               "speedup_vs_kmeans_constrained"],
    "04_asymmetric_binary_search": ["min_recall_gain_asym_vs_hamming", "asym_recall_at_10", "rabitq_recall_at_10",
                                    "fast_speedup_vs_slow"],
    "05_manual_opq_ivfpq_training": ["manual_equals_automatic", "recall_automatic_at_nprobe_max"],
    "06_two_level_ivf_training": ["nlist", "train_speedup_2level", "recall_delta_2level", "ip_2level_checked"],
    "07_sparse_dense_kmeans": ["n_points", "d2", "peak_memory_mb", "dense_size_mb",
                               "objective_ratio_vs_dense_kmeans"],
    "08_separate_coarse_quantizer": ["manual_equals_builtin", "best_recall_gain"],
    "09_manual_ivfpq_search": ["ids_equal_fraction", "max_rel_distance_error", "numpy_slowdown_vs_faiss"],
    "10_sharded_torch_distributed": ["n_workers", "merged_equals_exact", "search_ms_per_iter", "comm_ms_per_iter"],
}


def _results_path(notebook):
    return RESULTS_DIR / f"{notebook}.json"


def _write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj, indent=1) + "\n")
    os.replace(tmp, path)


def start(notebook, profile="quick"):
    """Begin the results of one notebook run (clears what an earlier run of it recorded)."""
    _current.update(notebook=notebook, profile=profile)
    _write_json(_results_path(notebook), {"notebook": notebook, "profile": profile, "results": {}})


def record(name, value, unit=""):
    """Record a headline result of the current notebook; booleans are stored as 1/0. Returns value."""
    if _current["notebook"] is None:
        raise RuntimeError("call helpers.report.start(notebook, profile) before record()")
    v = value.item() if isinstance(value, np.generic) else value
    if isinstance(v, bool):
        v = int(v)
    if not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"record({name!r}): need a finite number, got {value!r}")
    path = _results_path(_current["notebook"])
    data = json.loads(path.read_text())
    data["results"][name] = {"value": v, "unit": unit}
    _write_json(path, data)
    return value


def short_error(e):
    """An exception as one line for a notebook's output: the type and Faiss's own message, without the
    C++ function signature and source path that Faiss puts in front of it."""
    msg = str(e).strip().splitlines()[-1] if str(e).strip() else ""
    msg = re.sub(r"^Error in .*? at \S+:\d+: ", "", msg)
    msg = re.sub(r"^Error: '.*?' failed: ", "", msg)
    return f"{type(e).__name__}: {msg}"


def load_results():
    """{notebook: {"profile": ..., "results": {...}}} for every results file under build/results/."""
    out = {}
    for p in sorted(RESULTS_DIR.glob("*.json")):
        data = json.loads(p.read_text())
        out[data["notebook"]] = data
    return out


def _fmt(v):
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:.4g}"


def results_markdown(results):
    """The table of every headline result, as Markdown."""
    lines = ["| notebook | profile | result | value | unit |", "|---|---|---|---|---|"]
    for nb, data in results.items():
        for name, r in data["results"].items():
            lines.append(f"| {nb} | {data['profile']} | `{name}` | {_fmt(r['value'])} | {r['unit']} |")
    return "\n".join(lines) + "\n"


def headlines_markdown(results):
    """One line per notebook with its headline results (HEADLINES), as Markdown."""
    lines = ["| notebook | profile | headline results |", "|---|---|---|"]
    for nb, data in results.items():
        res = data["results"]
        names = [n for n in HEADLINES.get(nb, []) if n in res] or list(res)[:4]
        cells = "; ".join(f"`{n}` {_fmt(res[n]['value'])}{' ' + res[n]['unit'] if res[n]['unit'] else ''}"
                          for n in names)
        lines.append(f"| [{nb}](notebooks/{nb}.ipynb) | {data['profile']} | {cells} |")
    return "\n".join(lines) + "\n"


def machine_line():
    """Where the numbers were measured: cores, Faiss version and build, GPUs."""
    return (f"Measured on {os.cpu_count()} CPU cores ({platform.machine()}), {faiss.get_num_gpus()} GPU(s), "
            f"Faiss {faiss.__version__} ({faiss.get_compile_options().strip()}).\n")


def _notebook_html(src, dst):
    from nbconvert import HTMLExporter
    body, _ = HTMLExporter().from_filename(str(src))
    dst.write_text(body)


def build_report():
    """Write build/report/{index.html, results.md, <notebook>.html}; return the index path."""
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    results = load_results()
    executed = {p.stem: p for p in sorted(EXECUTED_DIR.glob("*.ipynb"))}
    for stem, p in executed.items():
        _notebook_html(p, REPORT_DIR / f"{stem}.html")
    (REPORT_DIR / "results.md").write_text(f"{headlines_markdown(results)}\n{machine_line()}\n"
                                           f"All results:\n\n{results_markdown(results)}")
    rows = []
    for nb in sorted(set(results) | set(executed)):
        link = f'<a href="{nb}.html">{nb}</a>' if nb in executed else nb
        data = results.get(nb, {"profile": "-", "results": {}})
        items = data["results"].items() or [("(no results recorded)", {"value": "", "unit": ""})]
        for name, r in items:
            value = _fmt(r["value"]) if r["value"] != "" else ""
            rows.append(f"<tr><td>{link}</td><td>{data['profile']}</td><td><code>{html.escape(name)}</code></td>"
                        f"<td class=num>{value}</td><td>{html.escape(r['unit'])}</td></tr>")
    index = REPORT_DIR / "index.html"
    index.write_text(f"""<!doctype html><html><head><meta charset="utf-8"><title>Faiss Case Studies: results</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left}}td.num{{text-align:right}}</style></head>
<body><h1>Faiss Case Studies: measured results</h1>
<p>Each notebook links to its executed copy, plots in place. Values come from <code>build/results/</code>.</p>
<table><tr><th>notebook</th><th>profile</th><th>result</th><th>value</th><th>unit</th></tr>
{chr(10).join(rows)}
</table></body></html>
""")
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

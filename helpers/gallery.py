"""The report's index page: one card per notebook (title, lesson, key figure, headline results, link to
the rendered notebook), built from the executed notebooks and their results files. Offline: figures are
files beside the page, the rendered notebooks load nothing from the network."""

import base64
import html
import re

LESSON_MARK = "**In one sentence:**"
KEY_FIGURE_TAG = "key-figure"
# nbconvert's template loads MathJax and require.js from a CDN: the notebooks need neither
_CDN_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\s*')


def title(nb):
    """The heading of the notebook's first cell, without the '# '."""
    return nb.cells[0].source.splitlines()[0].lstrip("# ").strip()


def lesson(nb):
    """The notebook's lesson: the text after LESSON_MARK in its first cell, else its first sentence."""
    text = nb.cells[0].source
    if LESSON_MARK in text:
        return text.split(LESSON_MARK, 1)[1].strip().split("\n\n")[0].replace("\n", " ")
    body = " ".join(text.split("\n\n")[1:2]).replace("\n", " ")
    return body.split(". ")[0].rstrip(".") + "." if body else ""


def key_figure(nb):
    """PNG bytes of the figure of the cell tagged KEY_FIGURE_TAG, else of the last figure; None if none."""
    pngs = [(KEY_FIGURE_TAG in c.metadata.get("tags", []), o["data"]["image/png"])
            for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    if not pngs:
        return None
    tagged = [png for is_key, png in pngs if is_key]
    return base64.b64decode((tagged or [pngs[-1][1]])[0])


def offline_html(body):
    """A rendered notebook without the scripts its template would fetch from the network."""
    return _CDN_SCRIPT.sub("", body)


def _value(r):
    v = r["value"]
    if r["unit"] == "claim":
        return "holds" if v else "FAILS"
    text = f"{v:,}" if isinstance(v, int) else f"{v:.4g}"
    return f"{text} {html.escape(r['unit'])}".strip()


def _headlines(data):
    heads = [r for r in data.get("results", {}).values() if r.get("headline")][:3]
    return "".join(f"<li><span>{html.escape(r['label'])}</span> <b>{_value(r)}</b></li>" for r in heads)


def card(stem, nb, runs, figure_name):
    """The HTML of one notebook's card; runs: [(data set, its results, its rendered page)], the first
    being the one whose figure and link lead the card (the synthetic run when there is one)."""
    first_page = runs[0][2]
    figure = (f'<img src="{figure_name}" alt="key figure of {html.escape(stem)}">' if figure_name
              else '<div class="nofig">no figure</div>')
    sections = "".join(
        f'<p class="meta"><a href="{page}">data: {html.escape(key)}</a> · profile '
        f'{html.escape(data.get("profile", "-"))}</p><ul>{_headlines(data)}</ul>' for key, data, page in runs)
    return (f'<article class="card"><a href="{first_page}">{figure}</a>'
            f'<h2><a href="{first_page}">{html.escape(title(nb))}</a></h2>'
            f'<p class="lesson">{html.escape(lesson(nb))}</p>{sections}</article>')


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Faiss Case Studies</title>
<style>
body{{font-family:system-ui,sans-serif;margin:2em auto;max-width:80em;padding:0 1em;color:#222}}
.grid{{display:grid;grid-template-columns:repeat(auto-fill,minmax(22em,1fr));gap:1.2em}}
.card{{border:1px solid #ddd;border-radius:8px;padding:.8em;background:#fff}}
.card img{{width:100%;height:11em;object-fit:contain;background:#fafafa}}
.card h2{{font-size:1.05em;margin:.5em 0 .3em}} .card a{{color:#1a5fb4;text-decoration:none}}
.lesson{{font-size:.92em;margin:.2em 0 .5em}} ul{{padding-left:1.1em;margin:.3em 0;font-size:.9em}}
li span{{color:#555}} .meta,.machine{{color:#777;font-size:.8em}} .nofig{{height:11em;background:#f3f3f3}}
</style></head><body>
<h1>Faiss Case Studies</h1>
<p>Ten executable notebooks on the advanced techniques of the Faiss wiki's case studies. Each card shows
the notebook's key figure and three of its measured results; click through for the whole notebook, plots in
place. All results: <a href="results.md">results.md</a>.</p>
<p class="machine">{machine} Run date: {date}.</p>
<div class="grid">
{cards}
</div></body></html>
"""

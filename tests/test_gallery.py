"""The report's gallery (build/report/index.html): one card per notebook, offline, checked in a real
browser (headless Chromium: every figure decodes, every local link opens)."""

import base64
import io
import json
import os
import re
import shutil
import subprocess

import matplotlib
import nbformat
import pytest

from helpers import gallery, report

matplotlib.use("Agg")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _png():
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _executed(path, stem, figure_cells):
    cells = [nbformat.v4.new_markdown_cell(f"# {stem[:2]} · Demo {stem}\n\nFirst sentence. Second one.\n\n"
                                           f"{gallery.LESSON_MARK} a lesson for {stem}.")]
    for tags in figure_cells:
        cells.append(nbformat.v4.new_code_cell("plot()", metadata={"tags": tags}, outputs=[
            nbformat.v4.new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"})]))
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path / f"{stem}.ipynb")


@pytest.fixture
def gallery_dir(tmp_build):
    runs = [("synthetic", "01_first", [[], [gallery.KEY_FIGURE_TAG]]), ("synthetic", "02_second", [[]]),
            ("synthetic", "03_third", []), ("glove50", "02_second", [[]])]
    for dataset, stem, figures in runs:
        (tmp_build / "executed" / dataset).mkdir(parents=True, exist_ok=True)
        _executed(tmp_build / "executed" / dataset, stem, figures)
        report.start(stem, "full", {"dataset": dataset})
        report.record("recall", 0.9871 if dataset == "synthetic" else 0.75, "", headline=True, label="10-recall@10")
        report.record("p99_ms", 0.812, "ms", headline=True, label="p99 latency")
        report.record("hidden", 3.0)
    report.build_report()
    return tmp_build / "report"


def test_cards(gallery_dir):
    page = (gallery_dir / "index.html").read_text()
    assert page.count('<article class="card">') == 3
    assert "a lesson for 01_first." in page and "10-recall@10</span> <b>0.9871</b>" in page
    assert "p99 latency</span> <b>0.812 ms</b>" in page and "hidden" not in page
    assert "data: glove50" in page and "data: synthetic" in page and "<b>0.75</b>" in page   # side by side
    figures = gallery_dir / "figures"
    assert (figures / "01_first.png").exists() and not (figures / "03_third.png").exists()
    rendered = (gallery_dir / "synthetic" / "01_first.html").read_text()
    assert not re.search(r'<script[^>]*src="https?:', rendered)   # nothing fetched at view time


def test_key_figure_is_the_tagged_one():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 · T\n\nx")] + [
        nbformat.v4.new_code_cell("", metadata={"tags": tags}, outputs=[
            nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(b).decode()})])
        for tags, b in (([], b"first"), ([gallery.KEY_FIGURE_TAG], b"key"), ([], b"last"))])
    assert gallery.key_figure(nb) == b"key"
    nb.cells[2].metadata["tags"] = []
    assert gallery.key_figure(nb) == b"last"


CHECK = """<!doctype html><html><body><pre id="out">pending</pre>
<script>
const f = document.createElement("iframe");   // created here so that onload is set before it can fire
f.onload = async () => {
  const d = f.contentDocument;
  const imgs = [...d.images];
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute("src"));
  const links = [...new Set([...d.querySelectorAll("a[href]")].map(a => a.getAttribute("href")))]
    .filter(h => !/^[a-z]+:/.test(h));
  const dead = [];
  for (const href of links) {
    const frame = document.createElement("iframe");
    document.body.appendChild(frame);
    await Promise.race([new Promise(ok => { frame.onload = ok; frame.onerror = ok; frame.src = href; }),
                        new Promise(ok => setTimeout(ok, 5000))]);   // a link that never loads is dead
    let body = "";
    try { body = frame.contentDocument.body.innerText; } catch (e) {}
    if (!body.trim()) dead.push(href);
  }
  document.getElementById("out").textContent = JSON.stringify({images: imgs.length, broken, links, dead});
};
f.src = "index.html";
document.body.appendChild(f);
</script></body></html>"""


def test_gallery_in_a_real_browser(gallery_dir):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must check the gallery in a browser: .ci/run installs Debian's chromium")
        pytest.skip("headless Chromium is not installed (Debian package chromium)")
    (gallery_dir / "check.html").write_text(CHECK)
    browser = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
               f"--user-data-dir={gallery_dir.parent / 'chromium-profile'}", "--virtual-time-budget=60000",
               "--dump-dom"]
    # a first start builds the profile and font caches (seconds on a fresh machine): not part of the check
    subprocess.run(browser + ["about:blank"], capture_output=True, timeout=120)
    for _ in range(3):   # on a loaded machine the dump can come before the page's script ends ("pending")
        out = subprocess.run(browser + [(gallery_dir / "check.html").as_uri()], capture_output=True, text=True,
                             timeout=120).stdout
        text = out.split('<pre id="out">', 1)[1].split("</pre>", 1)[0] if '<pre id="out">' in out else "no page"
        if text != "pending":
            break
    assert text.startswith("{"), f"the check page did not finish in the browser: {text!r}"
    result = json.loads(text)
    assert result["images"] == 2 and result["broken"] == [], result
    assert set(result["links"]) >= {"synthetic/01_first.html", "glove50/02_second.html", "results.md"}, result
    assert result["dead"] == [], result

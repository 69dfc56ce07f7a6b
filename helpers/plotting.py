"""Shared figure styles, so that notebooks stay short and their plots look alike."""

import matplotlib.pyplot as plt
import numpy as np

plt.rcParams.update({
    "figure.figsize": (7, 4.2), "figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3,
    "axes.spines.top": False, "axes.spines.right": False, "legend.frameon": False,
})


def figure(ncols=1, width=7, height=4.2):
    """A figure with ncols side-by-side axes (a single Axes when ncols == 1)."""
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols if ncols > 1 else width, height))
    return fig, axes


def pareto_front(recall, latency):
    """Indices of the points no other point beats on both recall (higher) and latency (lower),
    sorted by latency."""
    recall, latency = np.asarray(recall), np.asarray(latency)
    order = np.lexsort((-recall, latency))
    front, best = [], -np.inf
    for i in order:
        if recall[i] > best:
            front.append(i)
            best = recall[i]
    return np.array(front, dtype=int)


def plot_pareto(ax, curves, budget_ms=None, xlabel="p99 latency of one query (ms)", ylabel="10-recall@10"):
    """Recall against latency: every measured point faint, each curve's Pareto front bold.

    curves: {name: (recalls, latencies_ms)}. budget_ms draws the latency budget as a vertical line.
    """
    for name, (rec, lat) in curves.items():
        rec, lat = np.asarray(rec), np.asarray(lat)
        (line,) = ax.plot(lat, rec, ".", alpha=0.35)
        f = pareto_front(rec, lat)
        ax.plot(lat[f], rec[f], "-o", ms=4, color=line.get_color(), label=name)
    if budget_ms is not None:
        ax.axvline(budget_ms, color="crimson", ls="--", lw=1, label=f"budget {budget_ms:g} ms")
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def plot_loglog(ax, x, series, xlabel, ylabel, title=None):
    """Several y(x) series on log-log axes, with markers. series: {name: ys}."""
    for name, ys in series.items():
        ax.loglog(x, ys, "-o", ms=4, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_histograms(ax, samples, cap=None, bins=50, xlabel="cluster size", ylabel="number of clusters"):
    """Overlaid step histograms of several samples (e.g. cluster sizes); cap draws a vertical limit."""
    lo = min(np.min(s) for s in samples.values())
    hi = max(np.max(s) for s in samples.values())
    edges = np.linspace(lo, hi + 1, bins + 1)
    for name, s in samples.items():
        ax.hist(s, bins=edges, histtype="step", lw=1.5, label=name)
    if cap is not None:
        ax.axvline(cap, color="crimson", ls="--", lw=1, label=f"cap {cap:g}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def plot_recall_vs_nprobe(ax, nprobes, curves, ylabel="1-recall@1", title=None):
    """Recall against nprobe (log2 axis) for several indexes. curves: {name: recalls}."""
    for (name, rec), style in zip(curves.items(), ["-o", "--x", ":s", "-.d"] * 4):
        ax.plot(nprobes, rec, style, ms=5, label=name)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("nprobe")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax

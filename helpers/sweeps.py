"""The plumbing of a recall / latency sweep, measured the way a recommendation service sees it: one user
per call on one thread (p50, p99, and the recall of the answers those timed calls returned), every setting
of every peer (helpers.peers) through one measure function, latency read off Pareto fronts.

    sweep = Sweep(xq, gt, k=10, n_calls=500)
    for peer, values, build_s in candidates:         # peers built beforehand (build(): timed, or skipped)
        sweep.sweep(peer, values, build_s)
    table = sweep.table()                            # one row per setting: method, setting, build_s, recall, p50, p99
    latencies_at(table, [0.95, 0.99])                # each method's p99 at those recalls, on its Pareto front
"""

import numpy as np
import pandas as pd
from tqdm import tqdm

from .metrics import k_recall_at_n, recall_at_k, single_query_latency, timed
from .peers import available
from .plotting import pareto_front


class Sweep:
    """The measured settings: one row per setting, and the ids each setting returned to the timed users
    (`answers[method, setting]`, users 0 .. n - 1 in order)."""

    def __init__(self, xq, gt, k, n_calls, warmup=20):
        if not 1 <= n_calls <= min(len(xq), len(gt)):
            raise ValueError(f"n_calls={n_calls} must be between 1 and the number of queries ({len(xq)})")
        self.xq, self.gt, self.k, self.n_calls, self.warmup = xq, gt, k, n_calls, warmup
        self.rows, self.answers = [], {}

    def measure(self, method, setting, search_one, build_s, n_calls=None):
        """Time search_one(xq[i:i+1]) -> (1, k) ids for users 0 .. n - 1, one call each on one thread after
        `warmup` untimed calls; record p50, p99 and the k-recall@k of the answers the timed calls returned."""
        n = n_calls or self.n_calls
        found = []
        lat = single_query_latency(lambda q: found.append(search_one(q)), self.xq, n_calls=n, warmup=self.warmup)
        ids = np.vstack(found[-n:]).astype("int64")          # the warm-up calls came first
        self.answers[method, setting] = ids
        self.rows.append(dict(method=method, setting=setting, build_s=build_s,
                              recall=recall_at_k(ids, self.gt[:n], self.k), p50_ms=lat.p50_ms, p99_ms=lat.p99_ms))
        return self.rows[-1]

    def sweep(self, peer, values, build_s):
        """Measure a peer at each of `values` it can take (rows named peer.name and peer.setting(value))."""
        for value in tqdm(peer.knob_values(values), desc=peer.name):
            peer.set(value)
            self.measure(peer.name, peer.setting(value), lambda q: peer.search_one(q, self.k), build_s)

    def table(self):
        return pd.DataFrame(self.rows)


def build(peer, xb, metric):
    """Build a peer on xb and return the build time (timed once, in s); None, with one printed line, when
    the library it needs is not installed."""
    if not available(type(peer)):
        print(f"{peer.name} skipped: {peer.library} is not installed (pip install -e '.[peers]')")
        return None
    return timed(lambda: peer.build(xb, metric), repeats=1)[1]


def ranking_recall(indexes, xq, gt, k, counts):
    """How well each index ranks on its own: the k-recall@n of its first n results for each n in counts
    (one batch search of xq for max(counts) results, timed once) and its search time per query, one row
    per index (named by the keys of `indexes`)."""
    rows = {}
    for name, index in indexes.items():
        I, seconds = timed(lambda: index.search(xq, max(counts))[1], repeats=1)
        rows[name] = {**{f"n={n}": k_recall_at_n(I, gt, k, n) for n in counts}, "ms/query": seconds * 1000 / len(xq)}
    frame = pd.DataFrame(rows).T
    frame.index.name = "index"
    return frame


def best_under(frame, limit, col="p99_ms"):
    """(row, met): the setting of highest recall among those whose latency `col` is under `limit` (the
    faster on a tie) and True; the fastest setting and False when none is under the limit."""
    under = frame[frame[col] < limit]
    if len(under):
        return under.sort_values(["recall", col], ascending=[False, True]).iloc[0], True
    return frame.sort_values(col).iloc[0], False


def curves(table, col="p99_ms"):
    """{method: (recalls, latencies)} for helpers.plotting.plot_pareto, in the table's order."""
    return {m: (g.recall.to_numpy(), g[col].to_numpy()) for m, g in table.groupby("method", sort=False)}


def latency_at_recall(frame, target, col="p99_ms"):
    """Latency (column col) at `target` recall, interpolated in log latency along the Pareto front of the
    frame's settings; nan where the front never reaches it."""
    rec, lat = frame.recall.to_numpy(), frame[col].to_numpy()
    front = pareto_front(rec, lat)                           # by latency, recall rising
    rec, lat = rec[front], lat[front]
    if len(rec) == 0 or rec.max() < target:
        return float("nan")
    if rec[0] >= target:
        return float(lat[0])
    return float(np.exp(np.interp(target, rec, np.log(lat))))


def latencies_at(table, targets, col="p99_ms"):
    """One row per method, one column per target recall: the latency at that recall on the method's front."""
    by_method = table.groupby("method", sort=False)
    frame = pd.DataFrame({f"{col} at {t:g}": {m: latency_at_recall(g, t, col) for m, g in by_method}
                          for t in targets})
    frame.index.name = "method"
    return frame


def ratio_at_recall(theirs, ours, target, col="p99_ms"):
    """Their latency over ours at `target` recall, each on its own front (above 1: ours is faster);
    nan where a front never reaches the target."""
    return latency_at_recall(theirs, target, col) / latency_at_recall(ours, target, col)


def ratios_at_recall(table, ours, theirs, target, cols=("p99_ms", "p50_ms")):
    """One row per method of `theirs`: its latency over that of all `ours` methods' settings together (one
    front), at `target` recall, one column per latency column (above 1: ours is faster; NaN where a front
    never gets there)."""
    mine = table[table.method.isin(list(ours))]
    frame = pd.DataFrame({f"{col} ratio": {m: ratio_at_recall(table[table.method == m], mine, target, col)
                                           for m in theirs} for col in cols})
    frame.index.name = "method"
    return frame


def show(table, columns=None):
    """Print a table whole, numbers to 4 significant digits (a named index as the first column)."""
    frame = table if columns is None else table[columns]
    frame = frame.reset_index() if frame.index.name is not None else frame
    with pd.option_context("display.width", 200, "display.max_rows", 500, "display.max_columns", 50):
        print(frame.to_string(index=False, float_format=lambda v: f"{v:.4g}"))

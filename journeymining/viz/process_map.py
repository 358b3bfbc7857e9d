"""The process map: which activities and paths a directly-follows map shows, and how it looks.

:func:`process_map_data` decides what a map shows (Disco-style ``activities=`` and ``paths=``
sliders that keep the map connected) and returns its nodes and edges with their **true** counts
from the log; :func:`process_map_source` turns a directly-follows graph into graphviz source
drawn top to bottom in a sans-serif font, sized to its content, edge width by frequency and
colours by quantile (rare paths pale). :func:`format_duration` is the one duration formatter of
the drawings (``"45 s"``, ``"20 min"``, ``"1.5 h"``, ``"3.2 d"``).

How the thresholds work
-----------------------
1. ``activities`` (0..1): the share of activities kept, most frequent first (ties by name);
   at least one is kept.
2. ``paths`` (0..1): the share of the edges between kept activities (start and end arcs
   included) kept, most frequent first.
3. Connectivity: every kept activity must be reachable from the start and must reach the end.
   For each one that is not, the strongest path (the one whose weakest edge is most frequent)
   is added back: first through kept activities only, else through hidden ones, which are
   then shown again (marked ``added``). Every case's trace is a path from start to end, so
   this always succeeds.

Counts are never recomputed from the kept edges: a node shows how often its activity occurs
in the log, an edge how often its two activities directly follow each other in the log.

Examples
--------
>>> format_duration(pd.Timedelta(minutes=90)), format_duration(pd.Timedelta(days=400))
('1.5 h', '400 d')
"""

from __future__ import annotations

import heapq
import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from journeymining.core.docs import fill_docstrings
from journeymining.core import columns as C
from journeymining.core.errors import EventLogError, JourneyMiningError

__all__ = ["format_duration", "process_map_data", "ProcessMapData", "process_map_source",
           "FONT"]

#: Font list used by every drawing (the first one installed wins).
FONT = "Helvetica,Arial,sans-serif"

_DFG_COLUMNS = ("source", "target", "frequency", "mean_duration", "median_duration")

# palettes, pale to strong (ColorBrewer Blues / Greys / Reds)
_NODE_FILL = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd")
_EDGE_FREQ = ("#cfcfcf", "#a8a8a8", "#858585", "#5e5e5e", "#3b3b3b", "#1a1a1a")
_EDGE_PERF = ("#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d")


# --------------------------------------------------------------------------------------------
# durations
# --------------------------------------------------------------------------------------------
def _strip(number, decimals):
    text = f"{number:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_duration(td) -> str:
    """A duration in the largest sensible unit: ``"45 s"``, ``"20 min"``, ``"1.5 h"``, ``"3.2 d"``.

    Seconds below a minute, minutes below an hour, hours (one decimal below 10) below a day,
    days (one decimal below 10) beyond; never months (a month is not a fixed length) and never
    nanoseconds (``"0 s"`` for zero, ``"< 1 s"`` below a second).

    Parameters
    ----------
    td : pandas.Timedelta, datetime.timedelta, numpy.timedelta64, number of seconds, or None
        The duration.

    Returns
    -------
    str
        The text; ``""`` for a missing duration (``None``, ``NaT``, ``NaN``).

    Examples
    --------
    >>> import pandas as pd
    >>> [format_duration(pd.Timedelta(x)) for x in ("0s", "0.2s", "44s", "20min", "59min50s",
    ...                                               "2h", "13h30min", "36h", "9d", "31d")]
    ['0 s', '< 1 s', '44 s', '20 min', '1 h', '2 h', '14 h', '1.5 d', '9 d', '31 d']
    >>> format_duration(None), format_duration(-3600)
    ('', '-1 h')
    """
    if td is None:
        return ""
    if isinstance(td, (int, float, np.integer, np.floating)) and not isinstance(td, bool):
        if math.isnan(float(td)):
            return ""
        seconds = float(td)
    else:
        try:
            td = pd.Timedelta(td)
        except (TypeError, ValueError):
            raise JourneyMiningError(f"format_duration: {td!r} is not a duration; pass a "
                                     "pandas Timedelta or a number of seconds.") from None
        if td is pd.NaT:
            return ""
        seconds = td.total_seconds()
    if seconds < 0:
        return "-" + format_duration(-seconds)
    if seconds == 0:
        return "0 s"
    if seconds < 1:
        return "< 1 s"
    if seconds < 59.5:
        return f"{round(seconds):.0f} s"
    minutes = seconds / 60
    if minutes < 59.5:
        return f"{round(minutes):.0f} min"
    hours = minutes / 60
    if hours < 23.95:
        return f"{_strip(hours, 1 if hours < 9.95 else 0)} h"
    days = hours / 24
    return f"{_strip(days, 1 if days < 9.95 else 0)} d"


# --------------------------------------------------------------------------------------------
# what the map shows
# --------------------------------------------------------------------------------------------
class ProcessMapData(NamedTuple):
    """Nodes and edges of a process map, with true counts and what the thresholds keep.

    ``nodes``: one row per activity, most frequent first, with ``activity``, ``frequency``
    (events in the log), ``cases`` (cases with the activity; missing when only a DFG was
    given), ``starts`` and ``ends`` (cases starting / ending with it), ``kept`` (shown) and
    ``added`` (hidden by ``activities=`` but shown again to keep the map connected).
    ``edges``: the rows of :func:`journeymining.discover_dfg` (``source``, ``target``,
    ``frequency``, ``cases``, ``mean_duration``, ``median_duration``; start arcs have source
    ``"▶"``, end arcs target ``"■"``) plus ``kept`` and ``added`` (added back for
    connectivity).
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame


def _check_share(value, name):
    try:
        value = float(value)
    except (TypeError, ValueError):
        value = math.nan
    if not 0 <= value <= 1:
        raise JourneyMiningError(f"process map: {name}={value!r} must be a share between 0 and 1 "
                                 f"(1 shows every {name[:-1] if name.endswith('s') else name}, "
                                 "0 the fewest that keep the map connected).")
    return value


def _check_dfg(dfg, verb):
    missing = [c for c in _DFG_COLUMNS if c not in dfg.columns]
    if missing:
        raise JourneyMiningError(
            f"{verb}: the DataFrame is not a directly-follows graph (missing columns {missing}; "
            f"columns present: {list(dfg.columns)}). Pass the result of "
            "journeymining.discover_dfg(log), or an event log with its case/activity/timestamp "
            "columns."
        )


def _nodes_of_dfg(dfg):
    from journeymining.discover import END, START

    inner_or_start = dfg[dfg["target"] != END]
    freq = inner_or_start.groupby("target", sort=False)["frequency"].sum()
    starts = dfg[dfg["source"] == START].set_index("target")["frequency"]
    ends = dfg[dfg["target"] == END].set_index("source")["frequency"]
    names = list(dict.fromkeys([*freq.index, *ends.index]))
    nodes = pd.DataFrame({"activity": pd.Series(names, dtype=object)})
    nodes["frequency"] = nodes["activity"].map(freq).fillna(0).astype(np.int64)
    nodes["cases"] = pd.array([pd.NA] * len(nodes), dtype="Int64")
    nodes["starts"] = nodes["activity"].map(starts).fillna(0).astype(np.int64)
    nodes["ends"] = nodes["activity"].map(ends).fillna(0).astype(np.int64)
    nodes["_name"] = nodes["activity"].astype(str)
    nodes = nodes.sort_values(["frequency", "_name"], ascending=[False, True], kind="stable")
    return nodes.drop(columns="_name").reset_index(drop=True)


def _widest_path(sources, goal_set, adjacency, allowed):
    """Edges of the path from any of ``sources`` to a node of ``goal_set`` whose weakest edge is
    strongest (ties: fewer edges); intermediate nodes must be in ``allowed``. None if no path."""
    best = {}
    heap = []
    counter = 0
    for s in sources:
        best[s] = (math.inf, 0)
        heap.append((-math.inf, 0, counter, s, None))
        counter += 1
    heapq.heapify(heap)
    parent = {}
    done = set()
    while heap:
        neg_width, hops, _, node, prev = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        if prev is not None:
            parent[node] = prev
        if node in goal_set and prev is not None:
            path = []
            while node in parent:
                path.append((parent[node], node))
                node = parent[node]
            return path[::-1]
        if prev is not None and node not in allowed:
            continue
        for nxt, weight in adjacency.get(node, ()):
            if nxt in done:
                continue
            width = min(-neg_width, weight)
            key = (width, -(hops + 1))
            if nxt not in best or key > best[nxt]:
                best[nxt] = key
                counter += 1
                heapq.heappush(heap, (-width, hops + 1, counter, nxt, node))
    return None


def _reach(starts, adjacency):
    seen, stack = set(starts), list(starts)
    while stack:
        node = stack.pop()
        for nxt, _ in adjacency.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _select(dfg, nodes, activities, paths, max_edges=None):
    """Kept / added flags for nodes and edges (see the module docstring)."""
    from journeymining.discover import END, START

    activities = _check_share(activities, "activities")
    paths = _check_share(paths, "paths")
    names = list(nodes["activity"])
    if max_edges is not None:
        inner = dfg[(dfg["source"] != START) & (dfg["target"] != END)]
        top = inner.sort_values("frequency", ascending=False, kind="stable").head(int(max_edges))
        kept_nodes = set(top["source"]) | set(top["target"])
        if not kept_nodes:
            kept_nodes = set(names[:1])
    else:
        n_keep = max(1, math.ceil(activities * len(names) - 1e-9))
        kept_nodes = set(names[:n_keep])
    shown = kept_nodes | {START, END}
    candidate = dfg["source"].isin(shown) & dfg["target"].isin(shown)
    kept_edge = np.zeros(len(dfg), dtype=bool)
    order = dfg.index[candidate.to_numpy()]  # dfg is sorted by frequency already
    if max_edges is not None:
        chosen = set(top.index)
        arcs = candidate & ((dfg["source"] == START) | (dfg["target"] == END))
        kept_edge[np.isin(dfg.index, list(chosen))] = True
        kept_edge |= arcs.to_numpy()
    else:
        n_paths = math.ceil(paths * len(order) - 1e-9)
        kept_edge[dfg.index.get_indexer(order[:n_paths])] = True
    added_edge = np.zeros(len(dfg), dtype=bool)
    added_nodes = set()
    position = {(s, t): i for i, (s, t) in enumerate(zip(dfg["source"], dfg["target"]))}
    forward, backward = {}, {}
    for s, t, f in zip(dfg["source"], dfg["target"], dfg["frequency"]):
        forward.setdefault(s, []).append((t, int(f)))
        backward.setdefault(t, []).append((s, int(f)))

    sources, targets = dfg["source"].tolist(), dfg["target"].tolist()

    def kept_adjacency(reverse):
        adjacency = {}
        for i in np.flatnonzero(kept_edge):
            s, t = sources[i], targets[i]
            if reverse:
                s, t = t, s
            adjacency.setdefault(s, []).append((t, 0))
        return adjacency

    frequency = dict(zip(nodes["activity"], nodes["frequency"]))
    for anchor, adjacency, reverse in ((START, backward, True), (END, forward, False)):
        # forward pass: nodes not reachable from START get the widest path from the reached
        # set (searched backwards from the node); backward pass: nodes not reaching END get
        # the widest path to the set that reaches END
        while True:
            reached = _reach([anchor], kept_adjacency(reverse=not reverse))
            missing = [n for n in kept_nodes if n not in reached]
            if not missing:
                break
            target = max(missing, key=lambda n: (frequency.get(n, 0), str(n)))
            path = (_widest_path([target], reached, adjacency, kept_nodes)
                    or _widest_path([target], reached, adjacency, set(names)))
            if path is None:  # cannot happen for a DFG of a log; never loop forever
                break
            for a, b in path:
                s, t = (b, a) if reverse else (a, b)
                i = position[(s, t)]
                if not kept_edge[i]:
                    kept_edge[i] = added_edge[i] = True
                for n in (s, t):
                    if n not in (START, END) and n not in kept_nodes:
                        kept_nodes.add(n)
                        added_nodes.add(n)
    edges = dfg.copy()
    edges["kept"] = kept_edge
    edges["added"] = added_edge
    nodes = nodes.copy()
    nodes["kept"] = nodes["activity"].isin(kept_nodes).to_numpy()
    nodes["added"] = nodes["activity"].isin(added_nodes).to_numpy()
    return nodes, edges


def process_map_data(log, *, activities=1.0, paths=1.0, case_id_key=C.CASE,
                     activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP) -> ProcessMapData:
    """The nodes and edges of a process map of ``log``, with true counts and the kept flags.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event (or a directly-follows graph from
        :func:`journeymining.discover_dfg`; node ``cases`` are then missing).
    activities : float, default 1.0
        Share of the activities shown, most frequent first (see the module docstring).
    paths : float, default 1.0
        Share of the edges between shown activities drawn, most frequent first.
    {keys}

    Returns
    -------
    ProcessMapData
        ``(nodes, edges)`` DataFrames; see :class:`ProcessMapData`.

    Raises
    ------
    EventLogError
        If ``log`` is not an event log (as :func:`journeymining.discover_dfg`).
    JourneyMiningError
        If ``activities`` or ``paths`` is not between 0 and 1.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a", "a", "b", "b"],
    ...     "concept:name": ["Open", "Wait", "Close", "Open", "Close"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03",
    ...                                       "2024-01-04", "2024-01-05"], utc=True)})
    >>> nodes, edges = process_map_data(log, activities=0.5)
    >>> nodes[["activity", "frequency", "cases", "kept"]]
      activity  frequency  cases   kept
    0    Close          2      2   True
    1     Open          2      2   True
    2     Wait          1      1  False
    >>> edges.loc[edges["kept"], ["source", "target", "frequency", "added"]]
      source target  frequency  added
    0      ▶   Open          2  False
    1  Close      ■          2  False
    2   Open  Close          1  False
    >>> _, edges = process_map_data(log, activities=0.5, paths=0.0)  # fewest edges, connected
    >>> edges.loc[edges["kept"], ["source", "target", "added"]]
      source target  added
    0      ▶   Open   True
    1  Close      ■   True
    2   Open  Close   True
    """
    from journeymining.discover import discover_dfg

    if isinstance(log, pd.DataFrame) and all(c in log.columns for c in _DFG_COLUMNS) \
            and case_id_key not in log.columns:
        dfg = log.reset_index(drop=True)
        nodes = _nodes_of_dfg(dfg)
    else:
        dfg = discover_dfg(log, case_id_key=case_id_key, activity_key=activity_key,
                           timestamp_key=timestamp_key)
        nodes = _nodes_of_dfg(dfg)
        cases = log.groupby(activity_key, sort=False)[case_id_key].nunique()
        nodes["cases"] = nodes["activity"].map(cases).astype("Int64")
    nodes, edges = _select(dfg, nodes, activities, paths)
    return ProcessMapData(nodes, edges)


# --------------------------------------------------------------------------------------------
# drawing
# --------------------------------------------------------------------------------------------
def graphviz_label(text):
    """Text made safe as a graphviz label: never HTML-like, backslashes and quotes literal."""
    import graphviz

    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("&", "&amp;")  # graphviz reads entities (&amp; ...) in plain labels too
    lines = [graphviz.escape(line) for line in text.split("\n")]
    return graphviz.nohtml("\\n".join(lines))


def _quantile_bucket(values, n_buckets):
    """Palette index of every value by its rank among ``values``: the lowest gets 0, the
    highest ``n_buckets - 1``, the rest spread by rank (quantile), not by value."""
    values = pd.Series(values, dtype=float).reset_index(drop=True)
    if values.empty:
        return np.zeros(0, dtype=int)
    if values.nunique() <= 1:
        return np.full(len(values), n_buckets - 1, dtype=int)
    ranks = values.rank(method="average")
    low, high = ranks.min(), ranks.max()
    scaled = ((ranks - low) / (high - low)).fillna(0).to_numpy()
    return np.clip(np.round(scaled * (n_buckets - 1)).astype(int), 0, n_buckets - 1)


def _flow_order(edges):
    """A linear order of the activities (start first, end last) that puts few and rare edges
    backwards: the greedy feedback-arc-set heuristic of Eades, Lin and Smyth (1993), weighted by
    edge frequency (peel sinks to the back and sources to the front; otherwise move forward
    the activity whose outgoing frequency most exceeds its incoming)."""
    out_w, in_w, succ, pred = {}, {}, {}, {}
    nodes = set(edges["source"]) | set(edges["target"])
    for n in nodes:
        out_w[n] = in_w[n] = 0
        succ[n], pred[n] = {}, {}
    for s, t, f in zip(edges["source"], edges["target"], edges["frequency"]):
        if s == t:
            continue
        f = int(f)
        succ[s][t] = succ[s].get(t, 0) + f
        pred[t][s] = pred[t].get(s, 0) + f
        out_w[s] += f
        in_w[t] += f
    alive = set(nodes)
    front, back = [], []

    def remove(n):
        alive.discard(n)
        for t, f in succ[n].items():
            if t in alive:
                in_w[t] -= f
                del pred[t][n]
        for u, f in pred[n].items():
            if u in alive:
                out_w[u] -= f
                del succ[u][n]

    def key(n):
        return str(n)

    while alive:
        progress = True
        while progress:
            progress = False
            sinks = sorted((n for n in alive if not any(t in alive for t in succ[n])), key=key)
            for n in sinks:
                back.insert(0, n)
                remove(n)
                progress = True
            sources = sorted((n for n in alive if not any(u in alive for u in pred[n])), key=key)
            for n in sources:
                front.append(n)
                remove(n)
                progress = True
        if alive:
            best = max(sorted(alive, key=key), key=lambda n: out_w[n] - in_w[n])
            front.append(best)
            remove(best)
    return _sift(front + back, edges)


def _sift(order, edges, passes=8):
    """Improve a linear order by moving one activity at a time to the place where the
    frequency of the edges it has running backwards is smallest (start and end stay put)."""
    from journeymining.discover import END, START

    weight = {}
    for s, t, f in zip(edges["source"], edges["target"], edges["frequency"]):
        if s != t:
            weight[(s, t)] = weight.get((s, t), 0) + int(f)
    succ, pred = {}, {}
    for (s, t), w in weight.items():
        succ.setdefault(s, {})[t] = w
        pred.setdefault(t, {})[s] = w
    order = list(order)
    for _ in range(passes):
        improved = False
        for n in sorted((m for m in order if m not in (START, END)), key=str):
            rest = [m for m in order if m != n]
            # cost of putting n before rest[p]: predecessors at or after p and successors
            # before p are backward edges
            cost = sum(pred.get(n, {}).get(m, 0) for m in rest)  # p = 0: every predecessor after n
            lo = 1 if rest and rest[0] == START else 0
            hi = len(rest) - (1 if rest and rest[-1] == END else 0)
            for m in rest[:lo]:
                cost += succ.get(n, {}).get(m, 0) - pred.get(n, {}).get(m, 0)
            best_cost, best_p = None, None
            current = order.index(n)
            for p in range(lo, hi + 1):
                if best_cost is None or cost < best_cost or (cost == best_cost and p == current):
                    best_cost, best_p = cost, p
                if p < hi:
                    m = rest[p]
                    cost += succ.get(n, {}).get(m, 0) - pred.get(n, {}).get(m, 0)
            old_cost = None
            # cost of the current place, for comparison
            before, after = order[:current], order[current + 1:]
            old_cost = (sum(succ.get(n, {}).get(m, 0) for m in before)
                        + sum(pred.get(n, {}).get(m, 0) for m in after))
            if best_cost < old_cost:
                order = rest[:best_p] + [n] + rest[best_p:]
                improved = True
        if not improved:
            break
    return {n: i for i, n in enumerate(order)}


def _back_edges(edges):
    """Edges that run against :func:`_flow_order`: drawn without ranking constraint, so that
    the main flow runs top to bottom (graphviz would otherwise break cycles in the order the
    edges happen to be declared)."""
    order = _flow_order(edges)
    return {(s, t) for s, t in zip(edges["source"], edges["target"])
            if s != t and order[t] < order[s]}


def _count(n):
    return f"{int(n):,}"


def process_map_source(dfg, *, measure="frequency", statistic="mean", title=None, rankdir="TB",
                       activities=1.0, paths=1.0, max_edges=None, nodes=None,
                       layout_order=True, selection=None):
    """Graphviz source of a process map drawn from a directly-follows graph.

    Parameters
    ----------
    dfg : pandas.DataFrame
        From :func:`journeymining.discover_dfg` (all edges: counts come from it).
    measure : {"frequency", "performance"}, default "frequency"
        Label and colour the edges by how often they occur, or by their duration.
    statistic : {"mean", "median"}, default "mean"
        Which duration the performance view shows.
    title : str, optional
        Drawn above the map.
    rankdir : {"TB", "LR"}, default "TB"
        Top to bottom (readable on a page) or left to right.
    activities, paths : float, default 1.0
        Thresholds (see the module docstring).
    max_edges : int, optional
        Show the activities touched by the ``max_edges`` most frequent edges (instead of
        ``activities``/``paths``), connected as above.
    nodes : pandas.DataFrame, optional
        True node counts (from :func:`process_map_data`); computed from ``dfg`` otherwise.
    selection : ProcessMapData, optional
        What to draw, from :func:`process_map_data` of the same ``dfg``: drawn as it is, so a
        caller that already selected (for a caption) does not select again; ``activities``,
        ``paths``, ``max_edges`` and ``nodes`` are then not used.
    layout_order : bool, default True
        Rank activities along the main flow: the edges that run backwards in a flow order
        chosen to make them few and rare (a weighted greedy feedback-arc-set heuristic) do not
        constrain the layout.

    Returns
    -------
    str
        The graphviz source.

    Raises
    ------
    JourneyMiningError
        If ``dfg`` misses a DFG column or a threshold is not in [0, 1].
    JourneyMiningError (a ValueError)
        If ``measure``, ``statistic`` or ``rankdir`` is not one of the listed values.
    """
    import graphviz

    from journeymining.discover import END, START

    _check_dfg(dfg, "render")
    if measure not in ("frequency", "performance"):
        raise JourneyMiningError(f"render: measure={measure!r} must be 'frequency' or 'performance'.")
    if statistic not in ("mean", "median"):
        raise JourneyMiningError(f"render: statistic={statistic!r} must be 'mean' or 'median'.")
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise JourneyMiningError(f"render: rankdir={rankdir!r} must be 'TB' (top to bottom) or 'LR'.")
    dfg = dfg.reset_index(drop=True)
    if selection is None:
        if nodes is None:
            nodes = _nodes_of_dfg(dfg)
        nodes, edges = _select(dfg, nodes, activities, paths, max_edges=max_edges)
    else:
        nodes, edges = selection
    shown = nodes[nodes["kept"]].reset_index(drop=True)
    drawn = edges[edges["kept"]].reset_index(drop=True)

    g = graphviz.Digraph("process_map", format="svg")
    g.attr(rankdir=rankdir, fontname=FONT, fontsize="16", bgcolor="white", nodesep="0.35",
           ranksep="0.45", pad="0.2", newrank="true")
    if title:
        g.attr(label=graphviz_label(title), labelloc="t", labeljust="l")
    g.attr("node", shape="box", style="rounded,filled", fontname=FONT, fontsize="12",
           color="#6b7b8c", penwidth="1", margin="0.15,0.06")
    g.attr("edge", fontname=FONT, fontsize="11", arrowsize="0.7", fontcolor="#333333")

    ids = {name: f"a{i}" for i, name in enumerate(shown["activity"])}
    n_cases = int(dfg.loc[dfg["source"] == START, "frequency"].sum())
    fill = _quantile_bucket(shown["frequency"], len(_NODE_FILL))
    for (name, freq), bucket in zip(zip(shown["activity"], shown["frequency"]), fill):
        colour = _NODE_FILL[bucket]
        g.node(ids[name], label=graphviz_label(f"{name}\n{_count(freq)}"), fillcolor=colour,
               fontcolor="white" if bucket == len(_NODE_FILL) - 1 else "black",
               tooltip=graphviz_label(f"{name}: {_count(freq)} events"))
    g.node("start", label=graphviz_label(f"Start\n{_count(n_cases)}"), shape="ellipse",
           style="filled", fillcolor="#e5f5e0", color="#41ab5d", fontsize="11")
    g.node("end", label="End", shape="ellipse", style="filled", fillcolor="#fee0d2",
           color="#cb181d", fontsize="11")
    ids[START], ids[END] = "start", "end"
    with g.subgraph() as first:
        first.attr(rank="source")
        first.node("start")
    with g.subgraph() as last:
        last.attr(rank="sink")
        last.node("end")

    inner = (drawn["source"] != START) & (drawn["target"] != END)
    max_freq = max(int(drawn["frequency"].max()) if len(drawn) else 1, 1)
    freq_bucket = np.full(len(drawn), len(_EDGE_FREQ) - 1, dtype=int)
    if inner.any():
        freq_bucket[inner.to_numpy()] = _quantile_bucket(drawn.loc[inner, "frequency"],
                                                         len(_EDGE_FREQ))
    column = f"{statistic}_duration"
    seconds = drawn[column].dt.total_seconds() if len(drawn) else pd.Series(dtype=float)
    perf_bucket = np.zeros(len(drawn), dtype=int)
    if inner.any():
        perf_bucket[inner.to_numpy()] = _quantile_bucket(seconds[inner], len(_EDGE_PERF))
    back = _back_edges(drawn) if layout_order else set()
    for i, row in enumerate(drawn.itertuples(index=False)):
        width = 0.8 + 4.2 * math.sqrt(row.frequency / max_freq)
        attrs = {"penwidth": f"{width:.2f}"}
        tip = (f"{row.source} → {row.target}: {_count(row.frequency)} "
               f"time{'' if row.frequency == 1 else 's'}")
        if not inner.iat[i]:
            attrs.update(style="dashed", color="#9e9e9e", label=_count(row.frequency))
        elif measure == "frequency":
            attrs.update(color=_EDGE_FREQ[freq_bucket[i]], label=_count(row.frequency))
        else:
            # colour by the duration's quantile, faded for rare paths so they stay pale
            alpha = ("55", "77", "99", "bb", "dd", "ff")[freq_bucket[i]]
            attrs.update(color=_EDGE_PERF[perf_bucket[i]] + alpha,
                         label=graphviz_label(format_duration(getattr(row, column))))
            tip += f", {statistic} {format_duration(getattr(row, column))}"
        if getattr(row, "added", False):
            attrs["style"] = "dotted" if inner.iat[i] else attrs.get("style", "solid")
        attrs["tooltip"] = graphviz_label(tip)
        if (row.source, row.target) in back:
            attrs["constraint"] = "false"
        g.edge(ids[row.source], ids[row.target], **attrs)
    return g.source


fill_docstrings(process_map_data)
_ = EventLogError  # re-exported for type checkers: raised through discover_dfg

"""Charts people read: a dotted chart of the log and the handover-of-work network.

Every ``plot_*`` function returns a :class:`matplotlib.figure.Figure` that is *not* registered
with pyplot (no global state, nothing pops up, nothing leaks between notebook cells); display
it by leaving it as the last expression of a cell, or ``fig.savefig(path)``.

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({
...     "case:concept:name": ["a", "a", "b", "b"],
...     "concept:name": ["Open", "Close", "Open", "Close"],
...     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03",
...                                       "2024-01-05"], utc=True),
...     "org:group": ["desk", "backoffice", "desk", "desk"],
... })
>>> handover_table(log)
  source      target  handovers  cases
0   desk  backoffice          1      1
>>> type(plot_dotted_chart(log)).__name__
'Figure'
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from journeymining.core import columns as C
from journeymining.core.eventlog import check_log
from journeymining.core.errors import EventLogError, JourneyMiningError

__all__ = ["plot_dotted_chart", "handover_table", "plot_handover_network", "plot_channel_flow",
           "new_figure", "shorten"]

_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf")


def check_top(top, verb):
    """``top`` as a whole number >= 1, or a JourneyMiningError naming ``verb``."""
    if not isinstance(top, int) or isinstance(top, bool) or top < 1:
        raise JourneyMiningError(f"{verb}: top must be a whole number >= 1; got {top!r}.")
    return top


def new_figure(figsize):
    """A constrained-layout :class:`matplotlib.figure.Figure` that pyplot does not know about
    (nothing pops up, nothing leaks between notebook cells): the canvas of every chart here."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def shorten(text, limit):
    """``text`` cut to ``limit`` characters with "…".

    >>> shorten("Take in charge ticket", 10)
    'Take in c…'
    """
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sorted(log, keys):
    case_id_key, _, timestamp_key = keys
    codes, _ = pd.factorize(log[case_id_key], sort=False)
    order = pd.DataFrame({"c": codes, "t": log[timestamp_key].to_numpy(),
                          "p": np.arange(len(log))}).sort_values(["c", "t", "p"], kind="stable")
    return log.iloc[order["p"].to_numpy()]


def plot_dotted_chart(log, *, color_key=None, relative=False, max_colors=9,
                      case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                      figsize=(9, 5)):
    """Dotted chart: one row per case (earliest start at the top), one dot per event.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    color_key : str, optional
        Column that colours the dots (default: the activity). The ``max_colors`` most frequent
        values get their own colour, the rest are grey ("other").
    relative : bool, default False
        x axis in days since the case's first event instead of calendar time.
    max_colors : int, default 9
        How many values get a colour of their own.
    {keys}
    figsize : tuple, default (9, 5)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    EventLogError
        If the log is not an event log, is empty, or has no column ``color_key``.
    """
    keys = (case_id_key, activity_key, timestamp_key)
    color_key = activity_key if color_key is None else color_key
    check_log(log, case_id_key=case_id_key, activity_key=activity_key,
              timestamp_key=timestamp_key, extra=(color_key,), verb="plot_dotted_chart")
    if len(log) == 0:
        raise EventLogError("plot_dotted_chart: the event log is empty (0 rows); there is "
                            "nothing to draw. Check the filters applied before.")
    events = _sorted(log, keys)
    first = events.groupby(case_id_key, sort=False)[timestamp_key].transform("min")
    case_order = (events.assign(_first=first).groupby(case_id_key, sort=False)["_first"].first()
                  .sort_values(kind="stable"))
    row = events[case_id_key].map(pd.Series(np.arange(len(case_order)), index=case_order.index))
    if relative:
        x = (events[timestamp_key] - first).dt.total_seconds() / 86400
    else:
        x = events[timestamp_key]
        if getattr(x.dt, "tz", None) is not None:
            x = x.dt.tz_convert("UTC").dt.tz_localize(None)
    values = events[color_key].astype("string").fillna("(missing)")
    top = list(values.value_counts().index[:max_colors])
    fig = new_figure(figsize)
    ax = fig.add_subplot()
    size = max(2.0, min(25.0, 4000.0 / max(len(events), 1)))
    for i, value in enumerate(top + ["other"]):
        mask = (values == value) if value != "other" else ~values.isin(top)
        if not mask.any():
            continue
        colour = _PALETTE[i % len(_PALETTE)] if value != "other" else "#c7c7c7"
        ax.scatter(x[mask], row[mask], s=size, color=colour, label=str(value), linewidths=0)
    ax.invert_yaxis()
    ax.set_ylabel(f"case (n = {len(case_order):,}, earliest first)")
    ax.set_xlabel("days since the case's first event" if relative else "time (UTC)")
    ax.set_title(f"Dotted chart, coloured by {color_key}", loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9,
              markerscale=max(1.0, 20 / size))
    ax.grid(axis="x", alpha=0.3)
    return fig


def handover_table(log, *, resource_key=C.GROUP, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                   timestamp_key=C.TIMESTAMP):
    """Handovers of work: how often work passes from one resource (team/agent) to another.

    A handover is a pair of consecutive events of a case (in time order) whose resources differ;
    events without a resource are skipped (the work is handed from the last known resource to
    the next known one).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    resource_key : str, default "org:group"
        Column holding the team (``"org:group"``) or agent (``"org:resource"``).
    {keys}

    Returns
    -------
    pandas.DataFrame
        Columns ``source``, ``target``, ``handovers`` (times) and ``cases`` (cases with that
        handover), most handovers first (ties by source, target).

    Raises
    ------
    EventLogError
        If the log is not an event log or has no column ``resource_key``.
    """
    keys = (case_id_key, activity_key, timestamp_key)
    check_log(log, case_id_key=case_id_key, activity_key=activity_key,
              timestamp_key=timestamp_key, extra=(resource_key,), verb="handover_table")
    events = _sorted(log, keys)
    events = events[events[resource_key].notna()]
    cases = events[case_id_key].to_numpy()
    res = events[resource_key].to_numpy()
    same = cases[1:] == cases[:-1]
    moved = same & (res[1:] != res[:-1])
    pairs = pd.DataFrame({"source": res[:-1][moved], "target": res[1:][moved],
                          "case": cases[1:][moved]})
    table = (pairs.groupby(["source", "target"], sort=False)
             .agg(handovers=("case", "size"), cases=("case", "nunique")).reset_index())
    table["_s"], table["_t"] = table["source"].astype(str), table["target"].astype(str)
    table = table.sort_values(["handovers", "_s", "_t"], ascending=[False, True, True],
                              kind="stable").drop(columns=["_s", "_t"])
    table[["handovers", "cases"]] = table[["handovers", "cases"]].astype(np.int64)
    return table.reset_index(drop=True)


def plot_handover_network(log, *, resource_key=C.GROUP, min_handovers=1, max_resources=20,
                          case_id_key=C.CASE, activity_key=C.ACTIVITY,
                          timestamp_key=C.TIMESTAMP, figsize=(7, 7)):
    """The handover-of-work network between teams or agents (see :func:`handover_table`).

    Resources sit on a circle, sized by their number of events; an arrow per handover pair,
    as wide as it is frequent and labelled with its count.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    resource_key : str, default "org:group"
        Column holding the team or agent.
    min_handovers : int, default 1
        Hide pairs with fewer handovers.
    max_resources : int, default 20
        Draw only the resources with the most events.
    {keys}
    figsize : tuple, default (7, 7)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    EventLogError
        As :func:`handover_table`.
    """
    from matplotlib.patches import FancyArrowPatch

    table = handover_table(log, resource_key=resource_key, case_id_key=case_id_key,
                           activity_key=activity_key, timestamp_key=timestamp_key)
    events = log[resource_key].dropna().value_counts()
    shown = list(events.index[:max_resources])
    table = table[(table["handovers"] >= min_handovers) & table["source"].isin(shown)
                  & table["target"].isin(shown)]
    fig = new_figure(figsize)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_aspect("equal")
    n = max(len(shown), 1)
    pos = {r: (math.cos(math.pi / 2 - 2 * math.pi * i / n), math.sin(math.pi / 2 - 2 * math.pi * i / n))
           for i, r in enumerate(shown)}
    top = max(int(table["handovers"].max()) if len(table) else 1, 1)
    for s, t, h in zip(table["source"], table["target"], table["handovers"]):
        arrow = FancyArrowPatch(pos[s], pos[t], arrowstyle="-|>", mutation_scale=12,
                                connectionstyle="arc3,rad=0.15", shrinkA=14, shrinkB=14,
                                linewidth=0.6 + 5 * math.sqrt(h / top),
                                color="#3b3b3b", alpha=0.25 + 0.6 * math.sqrt(h / top))
        ax.add_patch(arrow)
        (x0, y0), (x1, y1) = pos[s], pos[t]
        mx, my = (x0 + x1) / 2 + 0.08 * (y1 - y0), (y0 + y1) / 2 - 0.08 * (x1 - x0)
        ax.annotate(f"{h:,}", (mx, my), fontsize=9, ha="center", va="center", color="#333333")
    biggest = max(int(events.max()) if len(events) else 1, 1)
    for r in shown:
        x, y = pos[r]
        ax.scatter([x], [y], s=200 + 1400 * events[r] / biggest, color="#9ecae1",
                   edgecolors="#3182bd", zorder=3)
        ax.annotate(f"{r}\n{int(events[r]):,} events", (x * 1.18, y * 1.18), ha="center",
                    va="center", fontsize=10)
    ax.set_xlim(-1.45, 1.45)
    ax.set_ylim(-1.45, 1.45)
    ax.set_title(f"Handover of work between {resource_key} values "
                 f"({int(table['handovers'].sum()):,} handovers shown)", loc="left", fontsize=11)
    return fig


def plot_channel_flow(log, *, channel_key=C.CHANNEL, max_channels=8, case_id_key=C.CASE,
                      activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP, figsize=(8, 5)):
    """Channel flow: how customers move from one contact channel to the next (an alluvial chart).

    The switches are :func:`handover_table` over ``channel_key``: consecutive events of a case
    whose channels differ (events without a channel are skipped). Left: the channel a customer
    leaves; right: the channel they use next; each band is as thick as its number of switches.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    channel_key : str, default "channel"
        Column holding the contact channel.
    max_channels : int, default 8
        The channels with the most switches keep their name, the rest become "other".
    {keys}
    figsize : tuple, default (8, 5)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    EventLogError
        If the log is not an event log or has no column ``channel_key``.
    """
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    table = handover_table(log, resource_key=channel_key, case_id_key=case_id_key,
                           activity_key=activity_key, timestamp_key=timestamp_key)
    totals = pd.concat([table.groupby("source")["handovers"].sum(),
                        table.groupby("target")["handovers"].sum()]).groupby(level=0).sum()
    keep = set(totals.sort_values(ascending=False, kind="stable").index[:max_channels])
    table = table.assign(source=table["source"].where(table["source"].isin(keep), "other"),
                         target=table["target"].where(table["target"].isin(keep), "other"))
    table = table.groupby(["source", "target"], sort=False)["handovers"].sum().reset_index()
    fig = new_figure(figsize)
    ax = fig.add_subplot()
    ax.set_axis_off()
    total = int(table["handovers"].sum())
    ax.set_title(f"Contact channel \u2192 next contact channel ({total:,} switches)", loc="left",
                 fontsize=11)
    if total == 0:
        ax.text(0.5, 0.5, f"no case changes {channel_key}", ha="center", va="center")
        return fig
    gap = 0.02
    left = table.groupby("source")["handovers"].sum().sort_values(ascending=False, kind="stable")
    right = table.groupby("target")["handovers"].sum().sort_values(ascending=False, kind="stable")
    colours = {c: _PALETTE[i % len(_PALETTE)] for i, c in
               enumerate(dict.fromkeys([*left.index, *right.index]))}

    def stack(sizes):
        scale = (1 - gap * (len(sizes) - 1)) / total
        spans, y = {}, 1.0
        for name, size in sizes.items():
            spans[name] = [y, y - size * scale]
            y -= size * scale + gap
        return spans, scale

    lspan, scale = stack(left)
    rspan, _ = stack(right)
    lcur = {k: v[0] for k, v in lspan.items()}
    rcur = {k: v[0] for k, v in rspan.items()}
    x0, x1 = 0.15, 0.85
    for s, t, h in table.sort_values("handovers", ascending=False, kind="stable").itertuples(
            index=False):
        height = h * scale
        ys0, ys1 = lcur[s], rcur[t]
        lcur[s] -= height
        rcur[t] -= height
        xm = (x0 + x1) / 2
        verts = [(x0, ys0), (xm, ys0), (xm, ys1), (x1, ys1), (x1, ys1 - height),
                 (xm, ys1 - height), (xm, ys0 - height), (x0, ys0 - height), (x0, ys0)]
        codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.LINETO,
                 MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
        ax.add_patch(PathPatch(MplPath(verts, codes), facecolor=colours[s], alpha=0.45,
                               edgecolor="none"))
    for spans, sizes, x, ha in ((lspan, left, x0, "right"), (rspan, right, x1, "left")):
        for name, (top, bottom) in spans.items():
            ax.add_patch(PathPatch(MplPath([(x - 0.01, top), (x + 0.01, top), (x + 0.01, bottom),
                                            (x - 0.01, bottom), (x - 0.01, top)]),
                                   facecolor=colours[name], edgecolor="none"))
            ax.text(x + (-0.02 if ha == "right" else 0.02), (top + bottom) / 2,
                    f"{name}\n{int(sizes[name]):,}", ha=ha, va="center", fontsize=10)
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.02, 1.02)
    return fig


for _f in (plot_dotted_chart, handover_table, plot_handover_network, plot_channel_flow):
    if _f.__doc__:
        _f.__doc__ = _f.__doc__.replace("{keys}", C.KEYS_DOC)
del _f

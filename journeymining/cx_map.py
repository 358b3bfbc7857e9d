"""The customer-experience (CX) map: satisfaction along the journey's stages, actual vs intended.

Stages
    The ``stage`` column when the log has one; otherwise, with a ``journey_map``, the map's stage
    of each activity; otherwise every activity is its own stage. With a journey map the stages
    follow the map's order (stages nobody visited stay on the axis with no score); without one
    they are ordered by the mean relative position of their events in the case (0 = first event,
    1 = last). Events outside every stage are left out of the map.

Score (y axis, 1-5)
    The mean ``csat`` answer of the stage's events when the stage has at least ``min_responses``
    answers. Otherwise a **proxy** built from what the log shows, on the same scale::

        proxy = clip(5 - 2 * min(1, wait / wait_scale) - rework - min(1, handoffs), 1, 5)

    where ``wait`` is the median waiting time before the stage's events (gap to the case's
    previous event), ``rework`` the share of the stage's cases in which an activity of the stage
    occurs more than once, and ``handoffs`` the mean number of ``org:group`` changes into events of
    the stage per case visiting it. A stage with no waiting, rework or handoffs scores 5; waiting
    ``wait_scale`` or longer costs two points, always repeating a step one point, a handoff per
    case one point.

Intended curve
    ``target`` per stage: a number (the same level at every stage; default 4.0, the usual
    "satisfied" answer of a 1-5 CSAT survey: the best-practice line) or a dict ``{stage: level}``
    (stages missing from the dict get 4.0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _columns as C
from .errors import EventLogError
from .core.eventlog import HOUR_NS as _HOUR_NS
from .core.eventlog import SortedLog as _Prepared
from .measure.kpis import parse_duration_hours as parse_duration

__all__ = ["cx_map_table", "plot_cx_map"]

DEFAULT_TARGET = 4.0


def _stages(p, journey_map, stage_key):
    """Stage code of every sorted event (-1 outside every stage), the stage labels, and the
    order of the stages on the x axis (list of labels)."""
    cl = p.codes_of(stage_key)
    if cl is not None:
        codes, labels = cl
        labels = [str(x) for x in labels]
    elif journey_map is not None:
        per_act = [journey_map.stage_of(a) for a in p.act_labels]
        labels = list(dict.fromkeys(x for x in per_act if x is not None))
        index = {x: i for i, x in enumerate(labels)}
        lookup = np.array([index.get(x, -1) if x is not None else -1 for x in per_act], dtype="int64")
        codes = lookup[p.acode] if len(lookup) else np.zeros(0, dtype="int64")
    else:
        codes, labels = p.acode, [str(x) for x in p.act_labels]
    present = [labels[i] for i in np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(labels)))]
    if journey_map is not None:
        order = list(journey_map.stage_names)
        seen = [x for x in present if x not in order]
        return codes, labels, order + _by_position(p, codes, labels, seen)
    return codes, labels, _by_position(p, codes, labels, present)


def _by_position(p, codes, labels, names):
    if not names:
        return []
    n = np.bincount(p.codes)
    pos = np.arange(len(p.codes)) - np.flatnonzero(p.first)[p.codes]
    rel = np.where(n[p.codes] > 1, pos / np.maximum(n[p.codes] - 1, 1), 0.0)
    ok = codes >= 0
    sums = np.bincount(codes[ok], weights=rel[ok], minlength=len(labels))
    cnt = np.bincount(codes[ok], minlength=len(labels))
    mean = {labels[i]: sums[i] / cnt[i] for i in range(len(labels)) if cnt[i]}
    return sorted(names, key=lambda x: (mean.get(x, 1.0), str(x)))


def _top(codes, labels, limit=4):
    codes = codes[codes >= 0]
    if not len(codes):
        return ""
    counts = np.bincount(codes, minlength=len(labels))
    order = np.lexsort((np.arange(len(counts)), -counts))
    names = [str(labels[i]) for i in order if counts[i] > 0]
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" (+{more})" if more > 0 else "")


def _table(p, *, journey_map, stage_key, csat_key, group_key, channel_key, touchpoint_key,
           target, wait_scale, min_responses):
    scale = parse_duration(wait_scale, parameter="wait_scale").value / _HOUR_NS
    stage, labels, order = _stages(p, journey_map, stage_key)
    if not order:
        raise EventLogError(
            f"cx_map_table: no event has a stage (column {stage_key!r} is empty). Fill stages from "
            "the mapping's touchpoints or pass journey_map=."
        )
    if isinstance(target, dict):
        targets = {x: float(target.get(x, DEFAULT_TARGET)) for x in order}
    elif isinstance(target, (int, float)) and 1 <= target <= 5:
        targets = {x: float(target) for x in order}
    else:
        raise EventLogError(
            f"cx_map_table: target={target!r} is not a satisfaction level. Pass a number between 1 "
            "and 5 (e.g. 4.0) or a dict {stage: level}."
        )
    csat = p.column(csat_key)
    csat = (pd.to_numeric(csat, errors="coerce").to_numpy(dtype="float64") if csat is not None
            else np.full(p.n, np.nan))
    group = p.codes_of(group_key)
    if group is not None:
        g = group[0]
        prev = np.full(p.n, -1, dtype="int64")
        prev[1:] = g[:-1]
        handoff = (~p.first) & (g >= 0) & (prev >= 0) & (g != prev)
    else:
        handoff = np.zeros(p.n, dtype=bool)
    tp = p.codes_of(touchpoint_key)
    tp_codes, tp_labels = tp if tp is not None else (p.acode, p.act_labels)
    ch = p.codes_of(channel_key)
    ch_codes, ch_labels = ch if ch is not None else (np.full(p.n, -1), np.array([], dtype=object))
    wait = p.gap_before / _HOUR_NS
    k = max(len(p.act_labels), 1)
    rows = []
    index = {x: i for i, x in enumerate(labels)}
    for name in order:
        code = index.get(name, -3)
        sel = np.flatnonzero(stage == code)
        if not len(sel):
            rows.append({"stage": name, "cases": 0, "events": 0, "touchpoints": "", "channels": "",
                         "wait_median_h": np.nan, "rework_rate": np.nan, "handoffs_per_case": np.nan,
                         "csat_mean": np.nan, "csat_answers": 0, "proxy_score": np.nan,
                         "score": np.nan, "source": "none", "intended": targets[name]})
            continue
        case_codes = p.codes[sel]                     # sorted by case
        cases = int(1 + np.count_nonzero(case_codes[1:] != case_codes[:-1]))
        w = wait[sel]
        w = w[~np.isnan(w)]
        wait_med = float(np.median(w)) if len(w) else 0.0
        pair = case_codes.astype("int64") * k + p.acode[sel]
        inv, uniq = pd.factorize(pair, sort=False)
        cnt = np.bincount(inv, minlength=len(uniq))
        rework = len(pd.unique(uniq[cnt > 1] // k)) / cases
        handoffs = float(handoff[sel].sum() / cases)
        cs = csat[sel]
        answers = int((~np.isnan(cs)).sum())
        csat_mean = float(np.nanmean(cs)) if answers else np.nan
        proxy = float(np.clip(5 - 2 * min(1.0, wait_med / scale) - rework - min(1.0, handoffs), 1, 5))
        use_csat = answers >= min_responses
        rows.append({"stage": name, "cases": int(cases), "events": len(sel),
                     "touchpoints": _top(tp_codes[sel], tp_labels),
                     "channels": _top(ch_codes[sel], ch_labels),
                     "wait_median_h": wait_med, "rework_rate": rework, "handoffs_per_case": handoffs,
                     "csat_mean": csat_mean, "csat_answers": answers, "proxy_score": proxy,
                     "score": csat_mean if use_csat else proxy,
                     "source": "csat" if use_csat else "proxy", "intended": targets[name]})
    out = pd.DataFrame(rows)
    out["gap"] = out["score"] - out["intended"]
    return out


_PARAMS = """log : pandas.DataFrame
        Event log.
    {keys}
    journey_map : journeymining.journey_map.JourneyMap, optional
        Intended map: gives the stage order (and the stages when the log has no stage column).
    target : float or dict, default 4.0
        Intended satisfaction per stage (module docstring).
    wait_scale : str or Timedelta, default "2d"
        Waiting time that costs the proxy its full two points.
    min_responses : int, default 5
        CSAT answers a stage needs before its score is the CSAT mean instead of the proxy.
    stage_key, csat_key, group_key, channel_key, touchpoint_key : str
        Optional columns (shared names by default)."""


def cx_map_table(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                 journey_map=None, target=DEFAULT_TARGET, wait_scale="2d", min_responses=5,
                 stage_key=C.STAGE, csat_key=C.CSAT, group_key=C.GROUP, channel_key=C.CHANNEL,
                 touchpoint_key=C.TOUCHPOINT):
    """The numbers behind the CX map: one row per stage, in journey order.

    Parameters
    ----------
    {params}

    Returns
    -------
    pandas.DataFrame
        Columns ``stage``, ``cases``, ``events``, ``touchpoints`` and ``channels`` (most frequent
        first), ``wait_median_h``, ``rework_rate``, ``handoffs_per_case``, ``csat_mean``,
        ``csat_answers``, ``proxy_score``, ``score`` (CSAT or proxy), ``source``
        (``csat``/``proxy``/``none``), ``intended`` and ``gap`` (score - intended).

    Raises
    ------
    EventLogError
        When no event has a stage, ``target`` is not in 1-5 or the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a", "a"],
    ...     "concept:name": ["Start chat", "Resolve", "Resolve"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-03 09:00",
    ...                                       "2024-01-05 09:00"], utc=True),
    ...     "stage": ["Contact", "Resolve", "Resolve"]})
    >>> cx_map_table(log)[["stage", "wait_median_h", "rework_rate", "score", "source"]]
         stage  wait_median_h  rework_rate  score source
    0  Contact            0.0          0.0    5.0  proxy
    1  Resolve           48.0          1.0    2.0  proxy
    """
    p = _Prepared(log, case_id_key=case_id_key, activity_key=activity_key,
                  timestamp_key=timestamp_key, verb="cx_map_table")
    return _table(p, journey_map=journey_map, stage_key=stage_key, csat_key=csat_key,
                  group_key=group_key, channel_key=channel_key, touchpoint_key=touchpoint_key,
                  target=target, wait_scale=wait_scale, min_responses=min_responses)


def plot_cx_map(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                journey_map=None, target=DEFAULT_TARGET, wait_scale="2d", min_responses=5,
                stage_key=C.STAGE, csat_key=C.CSAT, group_key=C.GROUP, channel_key=C.CHANNEL,
                touchpoint_key=C.TOUCHPOINT, title="Customer experience along the journey",
                figsize=None):
    """Plot the CX map: stages on x, satisfaction (1-5) on y, actual against intended.

    Filled markers are CSAT means, hollow markers the proxy score; the dashed line is the
    intended level; the shaded band marks where the actual curve falls below it. Under every
    stage the main touchpoints and channels are written.

    Parameters
    ----------
    {params}
    title : str
        Figure title.
    figsize : tuple, optional
        Figure size in inches (default grows with the number of stages).

    Returns
    -------
    matplotlib.figure.Figure
        A figure not registered with pyplot (no global state; save it with ``fig.savefig``).

    Raises
    ------
    EventLogError
        As :func:`cx_map_table`.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a"],
    ...     "concept:name": ["Start chat", "Resolve"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 10:00"], utc=True),
    ...     "stage": ["Contact", "Resolve"]})
    >>> fig = plot_cx_map(log)
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['Contact', 'Resolve']
    """
    table = cx_map_table(log, case_id_key=case_id_key, activity_key=activity_key,
                         timestamp_key=timestamp_key, journey_map=journey_map, target=target,
                         wait_scale=wait_scale, min_responses=min_responses, stage_key=stage_key,
                         csat_key=csat_key, group_key=group_key, channel_key=channel_key,
                         touchpoint_key=touchpoint_key)
    return _draw(table, title=title, figsize=figsize)


def _draw(table, *, title, figsize=None):
    """Draw a :func:`cx_map_table` frame (see :func:`plot_cx_map`)."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    n = len(table)
    fig = Figure(figsize=figsize or (max(6.0, 1.9 * n + 1.5), 4.8), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(n)
    score = table["score"].to_numpy(dtype="float64")
    intended = table["intended"].to_numpy(dtype="float64")
    ax.plot(x, intended, linestyle="--", color="#4c72b0", linewidth=1.6, label="intended")
    ax.plot(x, score, color="#c44e52", linewidth=2.2, label="actual")
    ax.fill_between(x, score, intended, where=np.nan_to_num(score, nan=5) < intended,
                    interpolate=True, color="#c44e52", alpha=0.12)
    for i, row in table.iterrows():
        if np.isnan(row["score"]):
            continue
        filled = row["source"] == "csat"
        ax.plot([i], [row["score"]], marker="o", markersize=10, color="#c44e52",
                markerfacecolor="#c44e52" if filled else "white", markeredgewidth=2)
        ax.annotate(f"{row['score']:.1f}", (i, row["score"]), textcoords="offset points",
                    xytext=(0, 10), ha="center", fontsize=9)
    for i, row in table.iterrows():
        lines = [s for s in (row["touchpoints"], f"[{row['channels']}]" if row["channels"] else "")
                 if s]
        label = "\n".join(_wrap(s, 26) for s in lines)
        ax.text(i, 0.85, label, ha="center", va="top", fontsize=7.5, color="#333333")
    ax.set_xticks(x, table["stage"].astype(str).tolist())
    ax.set_ylim(0.0 if n else 1, 5.5)
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_xlim(-0.6, max(n - 0.4, 0.6))
    ax.set_ylabel("satisfaction (1-5)")
    ax.axhspan(0.0, 0.9, color="#f4f4f4", zorder=-1)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(title)
    handles = [Line2D([], [], color="#c44e52", lw=2.2, label="actual"),
               Line2D([], [], color="#4c72b0", lw=1.6, ls="--", label="intended"),
               Line2D([], [], color="#c44e52", marker="o", ls="", markerfacecolor="#c44e52",
                      label="CSAT"),
               Line2D([], [], color="#c44e52", marker="o", ls="", markerfacecolor="white",
                      label="proxy (wait, rework, handoffs)")]
    ax.legend(handles=handles, loc="upper right", fontsize=8, frameon=False, ncols=2)
    return fig


def _wrap(text, width):
    words, lines, cur = text.split(" "), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    if cur:
        lines.append(cur)
    return "\n".join(lines)


cx_map_table.__doc__ = cx_map_table.__doc__.replace("{params}", _PARAMS.replace("{keys}", C.KEYS_DOC))
plot_cx_map.__doc__ = plot_cx_map.__doc__.replace("{params}", _PARAMS.replace("{keys}", C.KEYS_DOC))

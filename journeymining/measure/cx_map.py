"""The customer-experience (CX) map: what customers said, and where the journey creaks, per stage.

Two separate readings, never mixed:

Satisfaction (CSAT, 1-5)
    The mean of the ``csat`` answers of the stage: an answer belongs to the stage of the event
    that carries it (its stage, else the last stage of the case before it). A stage with fewer
    than ``min_responses`` answers has no satisfaction score. The intended level (default 4.0, the
    usual "satisfied" answer of a 1-5 survey, or a dict per stage) is drawn beside it.

Friction index (0-1, a separate axis)
    What the log shows of effort, not what customers said:
    ``friction = (min(1, wait / wait_scale) + rework + min(1, handoffs)) / 3`` where ``wait`` is the
    median wait before the stage's steps (the gap to the previous event; waits before automatic
    steps, e.g. closure timers, are left out), ``rework`` the share of the stage's cases that repeat
    one of its activities, and ``handoffs`` the handoffs into the stage's events per case (the
    definitions of :mod:`journeymining.measure.definitions`). 0 = no waiting, rework or handoff.

Stages follow the journey map's order (with a map), else their mean relative position in the
cases. Events outside every stage are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeymining.core.docs import fill_docstrings
from journeymining.core import columns as C
from journeymining.core.durations import format_hours
from journeymining.core.errors import EventLogError
from journeymining.measure.kpis import measures_for, parse_duration_hours

__all__ = ["cx_map_table", "plot_cx_map", "draw_cx_map", "DEFAULT_TARGET"]

DEFAULT_TARGET = 4.0


def _order(ev, stages, journey_map):
    codes = stages.cat.codes.to_numpy()
    names = np.asarray(stages.cat.categories, dtype=object)
    seen = np.unique(codes[codes >= 0], return_index=True)
    present = [names[k] for k in seen[0][np.argsort(seen[1])]]          # in order of first appearance
    if journey_map is not None:
        order = list(journey_map.stage_names)
        return order + [s for s in present if s not in order]
    n = ev.groupby("case")["pos"].transform("max").to_numpy(dtype="float64")
    rel = np.where(n > 0, ev["pos"].to_numpy(dtype="float64") / np.maximum(n, 1), 0.0)
    ok = codes >= 0
    mean = pd.Series(rel[ok]).groupby(codes[ok]).mean()
    position = {names[k]: v for k, v in mean.items()}
    return sorted(present, key=lambda s: (position.get(s, 1.0), str(s)))


def cx_map_table(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                 journey_map=None, target=DEFAULT_TARGET, wait_scale="2d", min_responses=5,
                 settings=None, measures=None):
    """The numbers behind the CX map: one row per stage, in journey order.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log with a ``stage`` column (or a ``journey_map`` that gives the stages).
    {keys}
    journey_map : JourneyMap, optional
        Stage order, stages of activities, automatic steps.
    target : float or dict, default 4.0
        Intended satisfaction per stage (1-5).
    wait_scale : str, default "2d"
        The median wait that counts as full friction.
    min_responses : int, default 5
        Answers a stage needs before it gets a satisfaction score.
    settings : JourneySettings, optional
    measures : CaseMeasures, optional
        Case measures of ``log`` already computed (the pipeline passes them).

    Returns
    -------
    pandas.DataFrame
        Columns ``stage``, ``cases`` (passed through the stage), ``events``, ``touchpoints`` and
        ``channels`` (most frequent first), ``time_in_stage_median_h``, ``wait_median_h``,
        ``rework_rate``, ``handoffs_per_case``, ``friction`` (0-1), ``csat_mean``,
        ``csat_answers``, ``csat`` (the score, NaN below ``min_responses``), ``intended`` and
        ``gap`` (csat - intended).

    Raises
    ------
    EventLogError
        When no event has a stage, or ``target`` is not within 1-5.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({{
    ...     "case:concept:name": ["a", "a", "a"],
    ...     "concept:name": ["Start chat", "Resolve", "Resolve"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-03 09:00",
    ...                                       "2024-01-05 09:00"], utc=True),
    ...     "stage": ["Contact", "Resolve", "Resolve"]}})
    >>> cx_map_table(log)[["stage", "wait_median_h", "rework_rate", "friction", "csat"]]
         stage  wait_median_h  rework_rate  friction  csat
    0  Contact            NaN          0.0  0.000000   NaN
    1  Resolve           48.0          1.0  0.666667   NaN
    """
    scale = parse_duration_hours(wait_scale, parameter="wait_scale").value / 3.6e12
    if journey_map is not None and measures is None:
        log = journey_map.annotate(log, activity_key=activity_key)
    if C.STAGE not in log.columns or not log[C.STAGE].notna().any():
        raise EventLogError(
            f"cx_map_table: no event has a stage (column {C.STAGE!r}). Fill stages from the mapping's "
            "touchpoints (activities: touchpoints:) or pass journey_map=."
        )
    m = measures if measures is not None else measures_for(
        log, case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key,
        journey_map=journey_map, settings=settings)
    ev = m.events
    stage = ev["stage"].astype("category")
    context = ev["stage_context"].astype("category")
    order = _order(ev, stage, journey_map)
    if isinstance(target, dict):
        targets = {x: float(target.get(x, DEFAULT_TARGET)) for x in order}
    elif isinstance(target, (int, float)) and not isinstance(target, bool) and 1 <= target <= 5:
        targets = {x: float(target) for x in order}
    else:
        raise EventLogError(
            f"cx_map_table: target={target!r} is not a satisfaction level. Pass a number between 1 "
            "and 5 (e.g. 4.0) or a dict {stage: level}."
        )
    stage_time = m.stage_times.groupby("stage", observed=True)["hours"].median()
    rows = []
    case = ev["case"].to_numpy()
    act_cat = ev["act"].astype("category")
    act, act_names = act_cat.cat.codes.to_numpy(), np.asarray(act_cat.cat.categories, dtype=object)
    wait = ev["wait_h"].to_numpy(dtype="float64")
    timer = ev["timer"].to_numpy(dtype=bool)
    handoff = ev["handoff"].to_numpy(dtype=bool)
    csat = ev["csat"].to_numpy(dtype="float64")
    ch_cat = ev["contact_channel"].astype("category")
    channel, channel_names = ch_cat.cat.codes.to_numpy(), np.asarray(ch_cat.cat.categories, dtype=object)
    stage_cat, context_cat = stage.astype("category"), context.astype("category")
    for name in order:
        sel = (stage_cat == name).to_numpy()
        in_ctx = (context_cat == name).to_numpy()
        if not sel.any():
            rows.append({"stage": name, "cases": 0, "events": 0, "touchpoints": "", "channels": "",
                         "time_in_stage_median_h": np.nan, "wait_median_h": np.nan, "rework_rate": np.nan,
                         "handoffs_per_case": np.nan, "friction": np.nan, "csat_mean": np.nan,
                         "csat_answers": 0, "csat": np.nan, "intended": targets[name]})
            continue
        cases = np.unique(case[sel])
        w = wait[sel & ~timer & ~np.isnan(wait)]
        wait_med = float(np.median(w)) if len(w) else np.nan
        pair = case[sel].astype(np.int64) * (len(act_names) + 1) + act[sel]
        uniq_pairs, counts = np.unique(pair, return_counts=True)
        rework = len(np.unique(uniq_pairs[counts > 1] // (len(act_names) + 1))) / len(cases)
        handoffs = float(handoff[sel].sum() / len(cases))
        answers = csat[in_ctx & ~np.isnan(csat)]
        friction = (min(1.0, (0.0 if np.isnan(wait_med) else wait_med) / scale) + rework + min(1.0, handoffs)) / 3
        csat_mean = float(answers.mean()) if len(answers) else np.nan
        rows.append({"stage": name, "cases": int(len(cases)), "events": int(sel.sum()),
                     "touchpoints": _top(act[sel], act_names), "channels": _top(channel[sel], channel_names),
                     "time_in_stage_median_h": float(stage_time.get(name, np.nan)),
                     "wait_median_h": wait_med, "rework_rate": rework, "handoffs_per_case": handoffs,
                     "friction": friction, "csat_mean": csat_mean, "csat_answers": int(len(answers)),
                     "csat": csat_mean if len(answers) >= min_responses else np.nan,
                     "intended": targets[name]})
    out = pd.DataFrame(rows)
    out["gap"] = out["csat"] - out["intended"]
    return out


def _top(codes, names, limit=4):
    """The most frequent labels of integer ``codes`` (-1 = missing), most frequent first."""
    codes = codes[codes >= 0]
    if not len(codes):
        return ""
    counts = np.bincount(codes, minlength=len(names))
    order = np.lexsort((np.arange(len(counts)), -counts))
    found = [str(names[i]) for i in order if counts[i] > 0]
    more = len(found) - limit
    return ", ".join(found[:limit]) + (f" (+{more})" if more > 0 else "")


def plot_cx_map(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                journey_map=None, target=DEFAULT_TARGET, wait_scale="2d", min_responses=5, settings=None,
                measures=None, title="Customer experience along the journey", figsize=None):
    """Plot the CX map: CSAT (1-5) per stage against the intended level, and the friction index
    (0-1) on its own panel below; the two are never joined.

    Parameters
    ----------
    log : pandas.DataFrame
    {keys}
    journey_map, target, wait_scale, min_responses, settings, measures
        As :func:`cx_map_table`.
    title : str
    figsize : tuple, optional

    Returns
    -------
    matplotlib.figure.Figure
        Not registered with pyplot.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({{
    ...     "case:concept:name": ["a", "a"],
    ...     "concept:name": ["Start chat", "Resolve"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 10:00"], utc=True),
    ...     "stage": ["Contact", "Resolve"]}})
    >>> fig = plot_cx_map(log)
    >>> [t.get_text() for t in fig.axes[1].get_xticklabels()]
    ['Contact', 'Resolve']
    """
    table = cx_map_table(log, case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key,
                         journey_map=journey_map, target=target, wait_scale=wait_scale,
                         min_responses=min_responses, settings=settings, measures=measures)
    return draw_cx_map(table, title=title, figsize=figsize)


def draw_cx_map(table, *, title="Customer experience along the journey", figsize=None):
    """Draw a :func:`cx_map_table` frame (see :func:`plot_cx_map`)."""
    from matplotlib.figure import Figure

    n = len(table)
    fig = Figure(figsize=figsize or (max(6.0, 1.9 * n + 1.5), 6.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    x = np.arange(n)
    csat = table["csat"].to_numpy(dtype="float64")
    intended = table["intended"].to_numpy(dtype="float64")
    top.plot(x, intended, linestyle="--", color="#4c72b0", linewidth=1.6, label="intended level")
    if np.isnan(csat).all():
        top.text(0.5, 0.5, "no stage has enough CSAT answers in this log", transform=top.transAxes,
                 ha="center", va="center", color="#555555")
    else:
        top.plot(x, csat, color="#c44e52", linewidth=2.2, marker="o", markersize=9, label="CSAT (answers)")
        for i, row in table.iterrows():
            if not np.isnan(row["csat"]):
                top.annotate(f"{row['csat']:.1f} (n={int(row['csat_answers'])})", (i, row["csat"]),
                             textcoords="offset points", xytext=(0, 10), ha="center", fontsize=8.5)
    top.set_ylim(1, 5.5)
    top.set_yticks([1, 2, 3, 4, 5])
    top.set_ylabel("CSAT (1-5)")
    top.grid(axis="y", alpha=0.3)
    top.legend(loc="lower left", fontsize=8, frameon=False)
    top.set_title(title)
    top.spines[["top", "right"]].set_visible(False)
    friction = table["friction"].to_numpy(dtype="float64")
    bottom.bar(x, np.nan_to_num(friction), color="#dd8452", width=0.55)
    for i, row in table.iterrows():
        if np.isnan(row["friction"]):
            continue
        bottom.text(i, row["friction"] + 0.03, f"wait {format_hours(row['wait_median_h'])}\n"
                    f"rework {row['rework_rate']:.0%} · handoffs {row['handoffs_per_case']:.2f}",
                    ha="center", va="bottom", fontsize=7.5, color="#333333")
    bottom.set_ylim(0, 1.35)
    bottom.set_ylabel("friction index (0-1)\nwaits, rework, handoffs")
    bottom.set_xticks(x, table["stage"].astype(str).tolist())
    bottom.spines[["top", "right"]].set_visible(False)
    bottom.grid(axis="y", alpha=0.3)
    return fig


fill_docstrings(cx_map_table, plot_cx_map, unescape_braces=True)

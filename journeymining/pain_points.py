"""Pain points: deviations, waits and drop-offs ranked by impact, each with its evidence.

Every pain point is measured in the same unit, **case-hours lost** (cases affected × hours lost
per affected case), so a rare long wait and a frequent small detour can be ranked together:

``wait``
    a slow directly-follows edge ``A → B`` (customers wait between two consecutive steps). Only
    edges whose median duration is at least the ``slow_quantile`` (default 75 %) of all waiting
    times of the log are listed. Waits before a step the customer performs
    (``org:resource == "customer"``, e.g. answering a survey) are the customer's own time and
    are left out. Hours lost per case = the edge's median duration.
``drop_off``
    cases that end without a goal activity, grouped by their last activity ("dropped after X").
    Hours lost per case = the median throughput time of these cases (time invested in a journey
    that did not reach its goal).
deviation kinds (``skipped_touchpoint``, ``unplanned_step``, ``rework``, ...)
    the rows of a conformance result (:func:`journeymining.conformance.compare_to_map`), grouped
    by kind and place (touchpoint, else stage). Hours lost per case = median throughput time of
    the affected cases minus that of the other cases (0 when the affected cases are not slower).
    Without a conformance result or journey map, ``rework`` (an activity repeated in a case) is
    derived from the log alone, with the same measure.

With a ``csat`` column, ``csat_lost`` adds the satisfaction side: mean CSAT of the unaffected
cases minus that of the affected cases (NaN without answers on both sides).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _columns as C
from .errors import EventLogError
from .core.eventlog import HOUR_NS as _HOUR_NS
from .core.eventlog import SortedLog as _Prepared

__all__ = ["pain_points"]

COLUMNS = ["rank", "kind", "where", "cases", "share", "hours_lost_per_case", "impact_case_hours",
           "median_wait_h", "csat_lost", "example_cases", "evidence"]


def _examples(case_names, limit):
    return ", ".join(str(c) for c in list(case_names)[:limit])  # noqa: C416


class _Context:
    def __init__(self, p, csat_key, examples):
        self.p = p
        self.th = (p.end - p.start) / _HOUR_NS
        col = p.column(csat_key)
        if col is not None:
            vals = pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64")
            ok = ~np.isnan(vals)
            total = np.bincount(p.codes[ok], weights=vals[ok], minlength=p.n_cases)
            n = np.bincount(p.codes[ok], minlength=p.n_cases)
            self.csat = np.where(n > 0, total / np.maximum(n, 1), np.nan)
        else:
            self.csat = np.full(p.n_cases, np.nan)
        self.examples = examples

    def excess(self, affected_codes):
        mask = np.zeros(self.p.n_cases, dtype=bool)
        mask[affected_codes] = True
        if mask.all():
            return 0.0, self._csat_lost(mask)
        lost = float(np.median(self.th[mask]) - np.median(self.th[~mask]))
        return max(lost, 0.0), self._csat_lost(mask)

    def _csat_lost(self, mask):
        a, b = self.csat[mask], self.csat[~mask]
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        return float(b.mean() - a.mean()) if len(a) and len(b) else np.nan

    def row(self, kind, where, codes, hours, *, median_wait=np.nan, evidence="", csat_lost=np.nan):
        codes = np.sort(pd.unique(np.asarray(codes)))
        n = len(codes)
        names = list(self.p.cases[codes[:self.examples]])
        text = f"{n} cases ({n / self.p.n_cases:.0%})"
        if not np.isnan(median_wait):
            text += f"; median wait {median_wait:.1f} h"
        text += f"; {hours:.1f} h lost per case"
        if not np.isnan(csat_lost):
            text += f"; CSAT {abs(csat_lost):.2f} {'lower' if csat_lost >= 0 else 'higher'} than other cases"
        if evidence:
            text += f"; {evidence}"
        text += f"; e.g. {_examples(names, self.examples)}"
        return {"kind": kind, "where": where, "cases": n, "share": n / self.p.n_cases,
                "hours_lost_per_case": hours, "impact_case_hours": n * hours,
                "median_wait_h": median_wait, "csat_lost": csat_lost,
                "example_cases": _examples(names, self.examples), "evidence": text}


def _waits(ctx, slow_quantile, min_cases, resource_key):
    p = ctx.p
    inner = ~p.first
    if not inner.any():
        return []
    threshold = float(np.quantile(p.gap_before[inner] / _HOUR_NS, slow_quantile))
    code = p.label_code(resource_key, "customer")
    if code >= 0:
        inner = inner & (p.codes_of(resource_key)[0] != code)
    idx = np.flatnonzero(inner)
    if not len(idx):
        return []
    k = len(p.act_labels)
    edge = p.acode[idx - 1].astype("int64") * k + p.acode[idx]
    frame = pd.DataFrame({"e": edge, "c": p.codes[idx], "w": p.gap_before[idx] / _HOUR_NS})
    grp = frame.groupby("e", sort=False)
    stats = pd.DataFrame({"median": grp["w"].median(), "n": grp.size(), "cases": grp["c"].nunique()})
    stats = stats[(stats["median"] >= threshold) & (stats["median"] > 0) & (stats["cases"] >= min_cases)]
    rows = []
    if stats.empty:
        return rows
    sub = frame[frame["e"].isin(stats.index)]
    for e, g in sub.groupby("e", sort=False):
        med = float(stats.loc[e, "median"])
        where = f"{p.act_labels[e // k]} → {p.act_labels[e % k]}"
        rows.append(ctx.row("wait", where, g["c"].to_numpy(), med, median_wait=med,
                            evidence=f"{int(stats.loc[e, 'n'])} occurrences, slow = median ≥ {threshold:.1f} h"))
    return rows


def _drop_offs(ctx, goals, min_cases):
    p = ctx.p
    reached = p.per_case(p.is_act(goals), "sum") > 0
    dropped = np.flatnonzero(~reached)
    if not len(dropped):
        return []
    last = p.acode[p.last][dropped]
    rows = []
    for act in pd.unique(last):
        codes = dropped[last == act]
        if len(codes) < min_cases:
            continue
        hours = float(np.median(ctx.th[codes]))
        mask = np.zeros(p.n_cases, dtype=bool)
        mask[codes] = True
        rows.append(ctx.row("drop_off", f"after {p.act_labels[act]}", codes, hours,
                            csat_lost=ctx._csat_lost(mask),
                            evidence=f"ended without {' / '.join(goals)}"))
    return rows


def _rework_from_log(ctx, min_cases):
    p = ctx.p
    k = len(p.act_labels)
    pair = p.codes.astype("int64") * k + p.acode
    inv, uniq = pd.factorize(pair, sort=False)
    cnt = np.bincount(inv, minlength=len(uniq))
    rep, extra = uniq[cnt > 1], cnt[cnt > 1] - 1
    rows = []
    acts = rep % k
    for act in pd.unique(acts):
        sel = acts == act
        codes = rep[sel] // k
        if len(codes) < min_cases:
            continue
        hours, csat_lost = ctx.excess(codes)
        rows.append(ctx.row("rework", str(p.act_labels[act]), codes, hours, csat_lost=csat_lost,
                            evidence=f"repeated {int(extra[sel].sum())} extra times"))
    return rows


def _deviations(ctx, deviations, case_id_key, min_cases):
    frame = deviations
    case_col = case_id_key if case_id_key in frame.columns else "case"
    missing = [c for c in (case_col, "kind") if c not in frame.columns]
    if missing:
        raise EventLogError(
            f"pain_points: the conformance deviations have no column {missing[0]!r}. Columns "
            f"present: {list(frame.columns)}. Pass the result of compare_to_map(log, journey_map)."
        )
    frame = frame[frame["kind"] != "drop_off"]  # drop-offs are measured from the log itself
    where = pd.Series("", index=frame.index, dtype=object)
    for col in ("stage", "touchpoint"):
        if col in frame.columns:
            vals = frame[col].astype(object)
            where = where.where(vals.isna(), vals.astype(str))
    codes = pd.Index(ctx.p.cases).get_indexer(frame[case_col].astype(str))
    frame = frame.assign(_where=where.to_numpy(), _code=codes)
    frame = frame[frame["_code"] >= 0]
    rows = []
    for (kind, place), grp in frame.groupby(["kind", "_where"], sort=False):
        codes = grp["_code"].to_numpy(dtype="int64")
        if len(np.unique(codes)) < min_cases:
            continue
        hours, csat_lost = ctx.excess(codes)
        detail = ""
        if "detail" in grp.columns and grp["detail"].notna().any():
            detail = str(grp["detail"].dropna().value_counts().index[0])
        rows.append(ctx.row(kind, place or "(whole journey)", codes, hours, csat_lost=csat_lost,
                            evidence=f"{len(grp)} occurrences" + (f", most common: {detail}" if detail else "")))
    return rows


def pain_points(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                journey_map=None, conformance=None, goal=None, top=None, min_cases=1,
                slow_quantile=0.75, examples=3, csat_key=C.CSAT, resource_key=C.RESOURCE):
    """Deviations, waits and drop-offs ranked by impact (case-hours lost), with evidence.

    Definitions are in the module docstring (:mod:`journeymining.pain_points`).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log.
    {keys}
    journey_map : journeymining.journey_map.JourneyMap, optional
        Intended map: its goal is the default ``goal``; without ``conformance`` the log is
        compared to it with :func:`journeymining.conformance.compare_to_map`.
    conformance : object with a ``deviations`` DataFrame, or that DataFrame, optional
        A conformance result already computed for ``log``.
    goal : str or list of str, optional
        Goal activities (default: the map's goal, else the log's most frequent last activity).
    top : int, optional
        Keep the ``top`` pain points.
    min_cases : int, default 1
        Leave out pain points affecting fewer cases.
    slow_quantile : float, default 0.75
        Quantile of all waiting times above which an edge's median wait counts as slow.
    examples : int, default 3
        Example cases listed per pain point.
    csat_key : str, default "csat"
        Satisfaction column (optional).
    resource_key : str, default "org:resource"
        Performer column (optional): waits before the customer's own steps are not pain points.

    Returns
    -------
    pandas.DataFrame
        One row per pain point, most impact first: ``rank`` (1 = worst), ``kind``, ``where``,
        ``cases``, ``share``, ``hours_lost_per_case``, ``impact_case_hours``, ``median_wait_h``
        (waits), ``csat_lost``, ``example_cases`` and ``evidence`` (one readable sentence).

    Raises
    ------
    EventLogError
        When the log is not an event log, ``slow_quantile`` is outside 0-1, or the conformance
        result has no case/kind columns.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a", "a", "b", "b", "b", "c"],
    ...     "concept:name": ["Open", "Fix", "Close", "Open", "Fix", "Close", "Open"],
    ...     "time:timestamp": pd.to_datetime([
    ...         "2024-01-01 09:00", "2024-01-01 10:00", "2024-01-01 20:00",
    ...         "2024-01-02 09:00", "2024-01-02 10:00", "2024-01-02 12:00",
    ...         "2024-01-03 09:00"], utc=True)})
    >>> pain_points(log, goal="Close")[["rank", "kind", "where", "cases", "impact_case_hours"]]
       rank      kind        where  cases  impact_case_hours
    0     1      wait  Fix → Close      2               12.0
    1     2  drop_off   after Open      1                0.0
    """
    if not 0 <= slow_quantile <= 1:
        raise EventLogError(f"pain_points: slow_quantile={slow_quantile!r} must be between 0 and 1 (e.g. 0.75).")
    p = _Prepared(log, case_id_key=case_id_key, activity_key=activity_key,
                  timestamp_key=timestamp_key, verb="pain_points")
    return _pain_points(p, log, journey_map=journey_map, conformance=conformance, goal=goal,
                        top=top, min_cases=min_cases, slow_quantile=slow_quantile,
                        examples=examples, csat_key=csat_key, resource_key=resource_key)


def _pain_points(p, log, *, journey_map, conformance, goal, top, min_cases, slow_quantile,
                 examples, csat_key, resource_key):
    case_id_key, activity_key, timestamp_key = p.keys
    if goal is None and journey_map is not None:
        goal = list(journey_map.goal)
    goals = _goal_list(goal, p)
    ctx = _Context(p, csat_key, examples)
    rows = _waits(ctx, slow_quantile, min_cases, resource_key) + _drop_offs(ctx, goals, min_cases)
    if conformance is None and journey_map is not None:
        from .conformance import compare_to_map

        conformance = compare_to_map(log, journey_map, case_id_key=case_id_key,
                                     activity_key=activity_key, timestamp_key=timestamp_key)
    if conformance is not None:
        deviations = conformance if isinstance(conformance, pd.DataFrame) else conformance.deviations
        rows += _deviations(ctx, deviations, case_id_key, min_cases)
    else:
        rows += _rework_from_log(ctx, min_cases)
    out = pd.DataFrame(rows, columns=COLUMNS[1:])
    out = out.sort_values(["impact_case_hours", "cases", "kind", "where"],
                          ascending=[False, False, True, True], kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    if top is not None:
        out = out.head(top)
    return out


pain_points.__doc__ = pain_points.__doc__.replace("{keys}", C.KEYS_DOC)

"""Pain points: waits, drop-offs and deviations ranked by impact, each with its evidence.

Every pain point is measured in **case-hours lost** (cases affected × hours lost per affected case),
so a rare long wait and a frequent small detour rank together:

``wait``
    a slow step-to-step wait ``A → B`` (the gap between two consecutive events of a case). Listed
    when its median is at least the ``slow_quantile`` (default 75 %) of all waits. Left out: waits
    before a step the map marks ``automatic`` (a closure timer is no customer wait; it is shown in
    the stage table as timer time) and waits before the customer's own steps
    (``org:resource == "customer"``). Hours lost per case = the edge's median wait.
``drop_off``
    cases whose outcome is *dropped* (the definitions: not at the goal and silent longer than the
    open window; cases still open are not drop-offs), by last activity. Hours lost per case = their
    median throughput time.
deviation kinds
    the primary deviation of each event of a conformance result (one event behind a problem gives
    one pain point), grouped by kind and place. Hours lost per case = median throughput time of the
    affected cases minus that of the others (0 when they are not slower).
``rework`` / ``reopen`` without a map
    an activity repeated in a case; a case reopened after its resolution (the definitions).

With CSAT answers, ``csat_lost`` = mean CSAT of the other cases minus that of the affected ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeymining.core.docs import fill_docstrings
from journeymining.core import columns as C
from journeymining.core.errors import EventLogError
from journeymining.measure.kpis import measures_for

__all__ = ["pain_points", "COLUMNS"]

COLUMNS = ["rank", "kind", "where", "cases", "share", "hours_lost_per_case", "impact_case_hours",
           "median_wait_h", "csat_lost", "example_cases", "evidence"]


class _Context:
    def __init__(self, m, examples):
        self.m = m
        self.cases = m.cases
        self.labels = m.cases[m.keys[0] if m.keys[0] in m.cases else C.CASE].astype(str).to_numpy(dtype=object)
        self.n = len(self.cases)
        self.th = self.cases["throughput_h"].to_numpy(dtype="float64")
        self.csat = self.cases["csat"].to_numpy(dtype="float64")
        self.examples = examples

    def excess(self, codes):
        mask = np.zeros(self.n, dtype=bool)
        mask[codes] = True
        if mask.all():
            return 0.0, self.csat_lost(mask)
        return max(float(np.median(self.th[mask]) - np.median(self.th[~mask])), 0.0), self.csat_lost(mask)

    def csat_lost(self, mask):
        a, b = self.csat[mask], self.csat[~mask]
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        return float(b.mean() - a.mean()) if len(a) and len(b) else np.nan

    def row(self, kind, where, codes, hours, *, median_wait=np.nan, evidence="", csat_lost=np.nan):
        codes = np.sort(pd.unique(np.asarray(codes, dtype=np.int64)))
        n = len(codes)
        names = ", ".join(str(c) for c in self.labels[codes[:self.examples]])
        text = f"{n} cases ({n / self.n:.0%})"
        if not np.isnan(median_wait):
            text += f"; median wait {median_wait / 24:.1f} d" if median_wait >= 48 else f"; median wait {median_wait:.1f} h"
        text += f"; {hours:.1f} h lost per case"
        if not np.isnan(csat_lost):
            text += f"; CSAT {abs(csat_lost):.2f} {'lower' if csat_lost >= 0 else 'higher'} than other cases"
        if evidence:
            text += f"; {evidence}"
        text += f"; e.g. {names}"
        return {"kind": kind, "where": where, "cases": n, "share": n / self.n, "hours_lost_per_case": hours,
                "impact_case_hours": n * hours, "median_wait_h": median_wait, "csat_lost": csat_lost,
                "example_cases": names, "evidence": text}


def _waits(ctx, slow_quantile, min_cases):
    ev = ctx.m.events
    inner = ev["wait_h"].notna().to_numpy()
    if not inner.any():
        return []
    wait = ev["wait_h"].to_numpy(dtype="float64")
    threshold = float(np.quantile(wait[inner], slow_quantile))
    keep = inner & ~ev["timer"].to_numpy(dtype=bool)
    if "res" in ev:
        res = ev["res"].astype("category")
        customer = np.array([str(x).lower() == "customer" for x in res.cat.categories] + [False])
        keep &= ~customer[res.cat.codes.to_numpy()]
    idx = np.flatnonzero(keep)
    if not len(idx):
        return []
    act = ev["act"].astype("category")
    codes, names = act.cat.codes.to_numpy(), np.asarray(act.cat.categories, dtype=object)
    k = len(names) + 1
    frame = pd.DataFrame({"e": codes[idx - 1].astype(np.int64) * k + codes[idx], "c": ev["case"].to_numpy()[idx],
                          "w": wait[idx]})
    grp = frame.groupby("e", sort=False)
    stats = pd.DataFrame({"median": grp["w"].median(), "n": grp.size(), "cases": grp["c"].nunique()})
    stats = stats[(stats["median"] >= threshold) & (stats["median"] > 0) & (stats["cases"] >= min_cases)]
    rows = []
    slow = frame[frame["e"].isin(stats.index)]
    for e, g in slow.groupby("e", sort=False):
        st = stats.loc[e]
        rows.append(ctx.row("wait", f"{names[e // k]} → {names[e % k]}", g["c"].to_numpy(), float(st["median"]),
                            median_wait=float(st["median"]),
                            evidence=f"{int(st['n'])} occurrences, slow = median ≥ {threshold:.1f} h"))
    return rows


def _drop_offs(ctx, min_cases):
    outcome = ctx.cases["outcome"].to_numpy(dtype=object)
    dropped = np.flatnonzero(outcome == "dropped")
    if not len(dropped):
        return []
    ev = ctx.m.events
    last = ev.groupby("case", sort=True)["act"].last().reindex(dropped).astype(object).to_numpy()
    goal = " / ".join(ctx.m.settings.goal or ())
    rows = []
    for act in pd.unique(last):
        codes = dropped[last == act]
        if len(codes) < min_cases:
            continue
        mask = np.zeros(ctx.n, dtype=bool)
        mask[codes] = True
        rows.append(ctx.row("drop_off", f"after {act}", codes, float(np.median(ctx.th[codes])),
                            csat_lost=ctx.csat_lost(mask),
                            evidence=f"ended without {goal}, silent longer than the open window"))
    return rows


def _from_log(ctx, min_cases):
    """Rework and reopens straight from the definitions, when there is no conformance result."""
    ev = ctx.m.events
    rows = []
    pairs = pd.DataFrame({"case": ev["case"].to_numpy(), "act": ev["act"].astype(object).to_numpy()})
    again = pairs[pairs.duplicated() & ev["step"].to_numpy(dtype=bool) & ~ev["reopen"].to_numpy(dtype=bool)]
    groups = [("rework", again, lambda act, g: f"repeated {len(g)} extra times")]
    if "reopens" not in ctx.m.na:
        groups.append(("reopen", ev[ev["reopen"].to_numpy(dtype=bool)],
                       lambda act, g: f"{len(g)} reopens: {act} after the case was resolved"))
    for kind, frame, evidence in groups:
        for act, g in frame.groupby("act", sort=False, observed=True):
            codes = g["case"].unique()
            if len(codes) < min_cases:
                continue
            hours, lost = ctx.excess(codes)
            rows.append(ctx.row(kind, str(act), codes, hours, csat_lost=lost, evidence=evidence(act, g)))
    return rows


def _deviations(ctx, deviations, min_cases):
    frame = deviations
    missing = [c for c in ("case", "kind") if c not in frame.columns]
    if missing:
        raise EventLogError(
            f"pain_points: the conformance deviations have no column {missing[0]!r}. Columns present: "
            f"{list(frame.columns)}. Pass the result of compare_to_map(log, journey_map)."
        )
    frame = frame[frame["kind"] != "drop_off"]  # drop-offs come from the outcome
    if "primary" in frame.columns:
        frame = frame[frame["primary"].astype(bool)]
    where = pd.Series("", index=frame.index, dtype=object)
    for col in ("stage", "touchpoint"):
        if col in frame.columns:
            vals = frame[col].astype(object)
            where = where.where(vals.isna(), vals.astype(str))
    codes = pd.Index(ctx.labels).get_indexer(frame["case"].astype(str))
    frame = frame.assign(_where=where.to_numpy(), _code=codes)
    frame = frame[frame["_code"] >= 0]
    rows = []
    for (kind, place), grp in frame.groupby(["kind", "_where"], sort=False):
        codes = grp["_code"].to_numpy(dtype="int64")
        if len(np.unique(codes)) < min_cases:
            continue
        hours, lost = ctx.excess(codes)
        detail = ""
        if "detail" in grp.columns and grp["detail"].notna().any():
            detail = str(grp["detail"].dropna().value_counts().index[0])
        rows.append(ctx.row(kind, place or "(whole journey)", codes, hours, csat_lost=lost,
                            evidence=f"{len(grp)} occurrences" + (f", most common: {detail}" if detail else "")))
    return rows


def pain_points(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                journey_map=None, conformance=None, goal=None, top=None, min_cases=1, slow_quantile=0.75,
                examples=3, settings=None, measures=None):
    """Waits, drop-offs and deviations ranked by impact (case-hours lost), with evidence.

    Definitions are in the module docstring (:mod:`journeymining.measure.pain_points`).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log.
    {keys}
    journey_map : JourneyMap, optional
        Gives the goal and the automatic steps; without ``conformance`` the log is compared to it.
    conformance : Conformance or its deviations DataFrame, optional
        A conformance result already computed for ``log``.
    goal : str or list of str, optional
        Goal activities (without a map). Without any goal there are no drop-offs.
    top : int, optional
        Keep the ``top`` pain points.
    min_cases : int, default 1
        Leave out pain points affecting fewer cases.
    slow_quantile : float, default 0.75
        Quantile of all waits above which an edge's median wait counts as slow.
    examples : int, default 3
        Example cases listed per pain point.
    settings : JourneySettings, optional
    measures : CaseMeasures, optional
        Case measures of ``log`` already computed.

    Returns
    -------
    pandas.DataFrame
        One row per pain point, most impact first: ``rank``, ``kind``, ``where``, ``cases``,
        ``share``, ``hours_lost_per_case``, ``impact_case_hours``, ``median_wait_h``,
        ``csat_lost``, ``example_cases``, ``evidence``.

    Raises
    ------
    EventLogError
        When the log is not an event log, ``slow_quantile`` is outside 0-1, or the conformance
        result has no case/kind columns.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({{
    ...     "case:concept:name": ["a", "a", "a", "b", "b", "b", "c", "d"],
    ...     "concept:name": ["Open", "Fix", "Close", "Open", "Fix", "Close", "Open", "Open"],
    ...     "time:timestamp": pd.to_datetime([
    ...         "2024-01-01 09:00", "2024-01-01 10:00", "2024-01-01 20:00",
    ...         "2024-01-02 09:00", "2024-01-02 10:00", "2024-01-02 12:00",
    ...         "2024-01-03 09:00", "2024-01-09 09:00"], utc=True)}})
    >>> pain_points(log, goal="Close")[["rank", "kind", "where", "cases", "impact_case_hours"]]
       rank      kind        where  cases  impact_case_hours
    0     1      wait  Fix → Close      2               12.0
    1     2  drop_off   after Open      1                0.0
    """
    if not 0 <= slow_quantile <= 1:
        raise EventLogError(f"pain_points: slow_quantile={slow_quantile!r} must be between 0 and 1 (e.g. 0.75).")
    m = measures if measures is not None else measures_for(
        log, case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key,
        journey_map=journey_map, goal=goal, settings=settings)
    ctx = _Context(m, examples)
    rows = _waits(ctx, slow_quantile, min_cases) + _drop_offs(ctx, min_cases)
    if conformance is None and journey_map is not None:
        from journeymining.conform import compare_to_map

        conformance = compare_to_map(log, journey_map, case_id_key=case_id_key, activity_key=activity_key,
                                     timestamp_key=timestamp_key, settings=m.settings, measures=m,
                                     alignments=False)
    if conformance is not None:
        deviations = conformance if isinstance(conformance, pd.DataFrame) else conformance.deviations
        rows += _deviations(ctx, deviations, min_cases)
    else:
        rows += _from_log(ctx, min_cases)
    out = pd.DataFrame(rows, columns=COLUMNS[1:])
    out = out.sort_values(["impact_case_hours", "cases", "kind", "where"],
                          ascending=[False, False, True, True], kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    if top is not None:
        out = out.head(top)
    return out


fill_docstrings(pain_points, unescape_braces=True)

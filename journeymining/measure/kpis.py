"""Journey KPIs: the per-case measures of :mod:`journeymining.measure.definitions`, aggregated.

Nothing is defined here: every KPI is a share, mean, median or percentile of a column of
:attr:`CaseMeasures.cases` (one row per case), over all cases of a group (or over the cases that
have the measure). :data:`KPIS` says which column and which aggregate each KPI is, so the
report can print the definition next to the number, and a KPI whose measure is n/a for the log
is NaN with the reason (``journey_kpis(...).attrs["na"]``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeymining.core.docs import fill_docstrings
from journeymining.core import columns as C
from journeymining.core.durations import parse_duration
from journeymining.core.errors import EventLogError
from journeymining.measure.definitions import DEFINITIONS, CaseMeasures, case_measures
from journeymining.measure.settings import JourneySettings

__all__ = ["KPIS", "case_kpis", "journey_kpis", "stage_times", "kpi_definitions", "parse_duration_hours",
           "measures_for", "aggregate", "shape_kpi_table", "PERIODS"]

#: periods of the case start a KPI table can be grouped by (pandas period aliases)
PERIODS = ("D", "W", "M", "Q", "Y")

#: KPI column -> (measure column, aggregate, label). Aggregates: share (of cases where True),
#: mean, median, p90, share_gt0 (share of cases with a count above 0).
KPIS = {
    "throughput_median_h": ("throughput_h", "median", "median throughput time (h)"),
    "throughput_mean_h": ("throughput_h", "mean", "mean throughput time (h)"),
    "throughput_p90_h": ("throughput_h", "p90", "90th percentile of throughput time (h)"),
    "time_to_resolution_median_h": ("time_to_resolution_h", "median", "median time to resolution (h)"),
    "goal_rate": ("goal_reached", "share", "goal reached"),
    "open_rate": ("outcome", "open", "still open at the log end"),
    "dropped_rate": ("outcome", "dropped", "dropped off before the goal"),
    "resolution_rate": ("resolved", "share", "resolved"),
    "fcr_rate": ("fcr", "share", "first-contact resolution"),
    "contacts_per_case": ("contacts", "mean", "customer contacts per case"),
    "repeat_contact_rate": ("repeat_contacts", "share_gt0", "cases with a repeat contact"),
    "recontact_rate": ("recontact", "share", "customer came back within the repeat window"),
    "reopen_rate": ("reopens", "share_gt0", "cases reopened at least once"),
    "reopens_per_case": ("reopens", "mean", "reopens per case"),
    "handoffs_per_case": ("handoffs", "mean", "handoffs (team changes) per case"),
    "unplanned_handoffs_per_case": ("unplanned_handoffs", "mean", "unplanned handoffs per case"),
    "ping_pong_rate": ("ping_pongs", "share_gt0", "cases with ping-pong between teams"),
    "handovers_per_case": ("handovers", "mean", "handovers of work (agent changes) per case"),
    "channel_switches_per_case": ("channel_switches", "mean", "channel switches per case"),
    "sla_breach_rate": ("sla_breaches", "share_gt0", "cases with an SLA breach"),
    "csat_mean": ("csat", "answers", "mean CSAT (1-5) over the answers"),
    "csat_response_rate": ("csat_answers", "share_gt0", "cases with a CSAT answer"),
}


def parse_duration_hours(value, *, parameter="duration"):
    """A duration (``"2d"``, a Timedelta, or a number of hours) as a :class:`pandas.Timedelta`.

    >>> parse_duration_hours(1.5)
    Timedelta('0 days 01:30:00')
    """
    if isinstance(value, (np.integer, np.floating)):
        value = float(value)
    return parse_duration(value, subject=f"{parameter}={value!r}", error=EventLogError, numbers_are_hours=True)


def measures_for(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                 journey_map=None, goal=None, resolution=None, contacts=None, sla=None,
                 repeat_window="7d", open_window=None, settings=None):
    """:func:`case_measures` with settings from a journey map and/or explicit overrides."""
    if settings is None:
        settings = JourneySettings.from_map(journey_map, goal=goal, resolution=resolution, contacts=contacts,
                                            sla=_sla_arg(sla), repeat_window=repeat_window, open_window=open_window)
    return case_measures(log, settings, case_id_key=case_id_key, activity_key=activity_key,
                         timestamp_key=timestamp_key)


def _sla_arg(sla):
    if sla is None:
        return None
    if isinstance(sla, (str, pd.Timedelta)):
        raise EventLogError(
            f"sla={sla!r}: give SLA rules, e.g. [{{'from': 'Call', 'to': 'Resolved', 'within': '1d'}}] or "
            "[{'stage': 'Resolve', 'within': '2d'}] (one limit on the whole journey is the throughput time: "
            "filter with journeymining.filter_throughput_time instead)."
        )
    return sla


_MEASURE_DOC = """journey_map : JourneyMap, optional
        Gives goal, resolution, contacts, team plan, automatic steps and SLAs.
    goal, resolution, contacts : str or list of str, optional
        Override the map (or stand in for it). Without a goal, goal-based KPIs are n/a.
    sla : list of dict, optional
        SLA rules ``{"from": A, "to": B, "within": "4h"}`` / ``{"stage": S, "within": "2d"}``.
    repeat_window : str, default "7d"
        Window of the recontact measure.
    open_window : str, optional
        Cases silent for at most this long before the log's end are still open (default: the
        95th percentile of the gaps between consecutive events).
    settings : JourneySettings, optional
        All of the above at once (then the other settings are ignored)."""


def case_kpis(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
              journey_map=None, goal=None, resolution=None, contacts=None, sla=None, repeat_window="7d",
              open_window=None, settings=None):
    """One row per case with every journey measure (``case_measures(...).cases``).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log.
    {keys}
    {measure_doc}

    Returns
    -------
    pandas.DataFrame
        The columns of :attr:`journeymining.measure.definitions.CaseMeasures.cases`; n/a
        measures are NaN and ``.attrs["na"]`` says why.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({{
    ...     "case:concept:name": ["a", "a", "b"],
    ...     "concept:name": ["Open", "Close", "Open"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 12:00",
    ...                                       "2024-01-20 09:00"], utc=True)}})
    >>> case_kpis(log, goal="Close")[["case:concept:name", "throughput_h", "outcome"]]
      case:concept:name  throughput_h outcome
    0                 a           3.0    goal
    1                 b           0.0    open
    """
    m = measures_for(log, case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key,
                     journey_map=journey_map, goal=goal, resolution=resolution, contacts=contacts, sla=sla,
                     repeat_window=repeat_window, open_window=open_window, settings=settings)
    out = m.cases.copy()
    out.attrs["na"] = dict(m.na)
    return out


def stage_times(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                journey_map=None, settings=None):
    """Time each case spends in each stage, long form (the "time in stage" definition).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log with a ``stage`` column.
    {keys}
    journey_map : JourneyMap, optional
        Marks automatic steps (their wait is timer time, not stage time).
    settings : JourneySettings, optional

    Returns
    -------
    pandas.DataFrame
        Columns: the case id, ``stage``, ``hours``.

    Raises
    ------
    EventLogError
        When the log has no stage column.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({{
    ...     "case:concept:name": ["a", "a", "a", "a"],
    ...     "concept:name": ["Open", "Fix", "Open", "Close"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 10:00",
    ...                                       "2024-01-03 09:00", "2024-01-03 10:00"], utc=True),
    ...     "stage": ["Contact", "Resolve", "Contact", "Resolve"]}})
    >>> stage_times(log)
      case:concept:name    stage  hours
    0                 a  Contact    2.0
    1                 a  Resolve   47.0
    """
    if C.STAGE not in log.columns:
        raise EventLogError(
            f"stage_times: the event log has no {C.STAGE!r} column. Columns present: {list(log.columns)}. "
            "Map activities to stages in the ticket mapping (activities: touchpoints:) or annotate the log "
            "with a journey map (JourneyMap.annotate)."
        )
    m = measures_for(log, case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key,
                     journey_map=journey_map, settings=settings)
    return m.stage_times.rename(columns={C.CASE: case_id_key}).reset_index(drop=True)


def _case_groups(m, by, log, case_id_key):
    """Group label per case (None = no group) and the output column name."""
    cases = m.cases[case_id_key if case_id_key in m.cases else C.CASE].astype(str)
    if by is None:
        return pd.Series("all", index=cases.index, dtype=object), "group"
    if isinstance(by, pd.Series):
        keyed = pd.Series(by.to_numpy(dtype=object), index=by.index.astype(str))
        keyed = keyed[~keyed.index.duplicated()]
        return pd.Series(keyed.reindex(cases.to_numpy()).to_numpy(dtype=object), index=cases.index), by.name or "group"
    if isinstance(by, str) and by in log.columns:
        first = (log[[case_id_key, by]].dropna().drop_duplicates(case_id_key)
                 .set_index(case_id_key)[by])
        first.index = first.index.astype(str)
        return pd.Series(first.reindex(cases.to_numpy()).to_numpy(dtype=object), index=cases.index), by
    if isinstance(by, str) and by in PERIODS:
        start = m.cases["start"].dt.tz_convert("UTC").dt.tz_localize(None)
        return pd.Series(start.dt.to_period(by).astype(str).to_numpy(dtype=object), index=cases.index), "period"
    raise EventLogError(
        f"journey_kpis: by={by!r} is neither a column of the log nor a period. Columns present: "
        f"{list(log.columns)}. Pass a column (e.g. by='channel'), a period of the case start "
        f"({', '.join(repr(k) for k in PERIODS)}), or a Series mapping case ids to labels."
    )


def _agg(grouped_frame, column, how, keys):
    """One KPI per group: the aggregate ``how`` of a measure column over the group's cases."""
    v = grouped_frame[column]
    g = grouped_frame["_g"]
    if how in ("open", "dropped"):
        x = (v == how).astype("float64").where(v.notna())
    else:
        x = pd.to_numeric(v, errors="coerce").astype("float64")
        if how == "share_gt0":
            x = (x > 0).astype("float64").where(x.notna())
    grp = x.groupby(g, sort=False)
    if how in ("share", "open", "dropped", "share_gt0", "mean"):
        out = grp.mean()
    elif how == "median":
        out = grp.median()
    elif how == "p90":
        out = grp.quantile(0.9)
    else:
        raise AssertionError(how)
    return out.reindex(keys)


def aggregate(m, *, by=None, log=None, case_id_key=C.CASE):
    """KPIs of a :class:`CaseMeasures` per group (see :func:`journey_kpis`)."""
    groups, name = _case_groups(m, by, log if log is not None else pd.DataFrame(), case_id_key)
    cases = m.cases
    codes, uniq = pd.factorize(groups.to_numpy(dtype=object), sort=False)   # groups by first appearance
    labels = list(uniq)
    code = pd.Series(codes, index=cases.index)
    keys = np.arange(len(labels))
    t = cases.assign(_g=code.to_numpy())
    t = t[t["_g"] >= 0]
    out = pd.DataFrame({name: labels, "cases": t.groupby("_g").size().reindex(keys).fillna(0).astype("int64").to_numpy()})
    for kpi, (col, how, _) in KPIS.items():
        if col == "csat" and how == "answers":
            n = t.groupby("_g")["csat_answers"].sum().reindex(keys)
            total = (t["csat"].fillna(0) * t["csat_answers"]).groupby(t["_g"]).sum().reindex(keys)
            out[kpi] = (total / n).where(n > 0).to_numpy()
        else:
            out[kpi] = _agg(t, col, how, keys).to_numpy()
    ev = m.events
    wait_ok = ~ev["timer"].to_numpy(dtype=bool) & ev["wait_h"].notna().to_numpy()
    wg = code.to_numpy()[ev["case"].to_numpy()[wait_ok]]
    waits = pd.Series(ev["wait_h"].to_numpy()[wait_ok]).groupby(wg)
    out["wait_median_h"] = waits.median().reindex(keys).to_numpy()
    out["wait_mean_h"] = waits.mean().reindex(keys).to_numpy()
    stages = {}
    stage = m.stage_times
    if len(stage):
        sg = code.to_numpy()[m.stage_case]
        keep = sg >= 0
        st = pd.Categorical(stage["stage"])
        med = pd.Series(stage["hours"].to_numpy()[keep]).groupby(
            [sg[keep], st.codes[keep]], sort=False).median().unstack()
        seen = np.unique(st.codes[st.codes >= 0], return_index=True)
        for k in seen[0][np.argsort(seen[1])]:       # stages in order of first visit
            stages[st.categories[k]] = med[k].reindex(keys).to_numpy() if k in med else np.nan
    return shape_kpi_table(out, name, stages, by=by, na=m.na)


def shape_kpi_table(out, name, stages, *, by, na):
    """The KPI table as :func:`journey_kpis` returns it, from one row per group.

    ``out`` holds the group column ``name``, ``cases``, the KPIs of :data:`KPIS`, ``wait_median_h``
    and ``wait_mean_h``; ``stages`` maps each stage, in order of first visit, to its median hours
    per group. Both pandas (:func:`aggregate`) and the engines
    (:class:`journeymining.engine.EngineMeasures`) shape their KPIs here.
    """
    for stage_name, values in stages.items():
        out[f"stage_median_h[{stage_name}]"] = values
    first = [name, "cases", "throughput_median_h", "throughput_mean_h", "throughput_p90_h",
             "time_to_resolution_median_h", "wait_median_h", "wait_mean_h"]
    stage_cols = [c for c in out.columns if c.startswith("stage_median_h[")]
    out = out.reindex(columns=first + [k for k in KPIS if k not in first] + stage_cols)
    if len(out) and by is not None:
        try:
            out = out.sort_values(name, kind="stable").reset_index(drop=True)
        except TypeError:
            out = out.iloc[np.argsort(out[name].astype(str).to_numpy(), kind="stable")].reset_index(drop=True)
    out.attrs["na"] = {k: na[KPIS[k][0]] for k in KPIS if KPIS[k][0] in na}
    return out


def journey_kpis(log, *, by=None, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                 journey_map=None, goal=None, resolution=None, contacts=None, sla=None, repeat_window="7d",
                 open_window=None, settings=None):
    """Journey KPIs overall or per group (channel, cluster, period, any case attribute).

    Every KPI aggregates one measure of :mod:`journeymining.measure.definitions`
    (:data:`KPIS` says which); :func:`kpi_definitions` gives the definitions as a table.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log.
    by : str or pandas.Series, optional
        None: one row (group ``"all"``). A column: the case's first non-missing value. ``"D"``,
        ``"W"``, ``"M"``, ``"Q"``, ``"Y"``: the period of the case start (UTC). A Series: labels
        indexed by case id (e.g. cluster labels). Cases without a group are left out.
    {keys}
    {measure_doc}

    Returns
    -------
    pandas.DataFrame
        One row per group: the group column, ``cases``, the KPIs of :data:`KPIS`, ``wait_median_h``
        and ``wait_mean_h`` (gaps between consecutive events, timer waits excluded) and
        ``stage_median_h[<stage>]`` per stage. ``.attrs["na"]``: KPI -> why it is n/a.

    Raises
    ------
    EventLogError
        When a needed column is missing, ``by`` names nothing, or a setting is malformed.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({{
    ...     "case:concept:name": ["a", "a", "b", "b", "b"],
    ...     "concept:name": ["Open", "Close", "Open", "Wait", "Close"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 12:00",
    ...         "2024-01-02 09:00", "2024-01-02 10:00", "2024-01-02 16:00"], utc=True)}})
    >>> journey_kpis(log, goal="Close")[["cases", "throughput_median_h", "wait_median_h", "goal_rate"]]
       cases  throughput_median_h  wait_median_h  goal_rate
    0      2                  5.0            3.0        1.0
    """
    m = measures_for(log, case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key,
                     journey_map=journey_map, goal=goal, resolution=resolution, contacts=contacts, sla=sla,
                     repeat_window=repeat_window, open_window=open_window, settings=settings)
    return aggregate(m, by=by, log=log, case_id_key=case_id_key)


def kpi_definitions(measures=None):
    """One row per KPI: its label, the measure it aggregates, the definition and, given a
    :class:`CaseMeasures`, why it is n/a for that log."""
    rows = []
    for kpi, (col, how, label) in KPIS.items():
        d = DEFINITIONS.get(col) or DEFINITIONS.get({"csat_answers": "csat", "outcome": "outcome"}.get(col, col))
        rows.append({"kpi": kpi, "label": label, "measure": col,
                     "definition": d.text if d else "", "source": d.source if d else "",
                     "n/a because": (measures.na.get(col, "") if isinstance(measures, CaseMeasures) else "")})
    return pd.DataFrame(rows)


fill_docstrings(case_kpis, stage_times, journey_kpis, measure_doc=_MEASURE_DOC, unescape_braces=True)

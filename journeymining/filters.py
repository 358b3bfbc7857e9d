"""Filtering verbs over event logs, bupaR/Disco-style: each returns a smaller log and says what it removed.

Every verb takes an event log (pm4py columns) first, returns a **new** DataFrame holding a subset
of the input's rows (the input is never modified; row labels are kept), and appends one entry to
``result.attrs["journeymining_filters"]``: a dict with the filter's ``name``, its ``parameters``,
``cases_before``, ``cases_after``, ``events_before``, ``events_after`` and a one-line ``text``::

    filter_time_frame(contained, 2024-01-01..2024-03-31): kept 812 of 1,000 cases (81.2 %), 5,300 of 6,900 events

Verbs chain (``filter_case_size(filter_time_frame(log, ...), min_events=3)``) and the account
accumulates; :func:`filter_account` lists the lines. :func:`parse_filter` turns a command-line
expression (``"variant_coverage:0.8"``, ``"not activity:Reopen"``, ...) into a callable and
:func:`apply_filters` applies a list of them.

Case-level filters keep or drop whole cases; ``filter_time_frame(..., mode="trim")`` is the one
event-level filter (it cuts events outside the window). Events are ordered by case, then time,
keeping the input order for ties, before "first", "last" or "follows" are decided.

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({
...     "case:concept:name": ["a", "a", "b", "b", "b"],
...     "concept:name": ["Open", "Close", "Open", "Reopen", "Close"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 10:00",
...                                       "2024-01-02 09:00", "2024-01-03 09:00",
...                                       "2024-01-04 09:00"], utc=True),
... })
>>> kept = filter_activity_presence(log, ["Reopen"], how="none")
>>> sorted(kept["case:concept:name"].unique())
['a']
>>> filter_account(kept)
['filter_activity_presence(none of Reopen): kept 1 of 2 cases (50.0 %), 2 of 5 events']
>>> filter_account(apply_filters(log, ["events:>=3", "end:Close"]))
... # doctest: +NORMALIZE_WHITESPACE
['filter_case_size(>= 3 events): kept 1 of 2 cases (50.0 %), 3 of 5 events',
 'filter_end_activities(Close): kept 1 of 1 cases (100.0 %), 3 of 3 events']
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from journeymining.core import columns as C
from journeymining.core.durations import parse_duration
from journeymining.core.eventlog import check_log
from journeymining.core.errors import EventLogError, preview

__all__ = [
    "ACCOUNT_KEY",
    "filter_case_attribute",
    "filter_time_frame",
    "filter_start_activities",
    "filter_end_activities",
    "filter_variant_coverage",
    "filter_activity_presence",
    "filter_follows",
    "filter_throughput_time",
    "filter_case_size",
    "filter_account",
    "parse_filter",
    "apply_filters",
    "FILTER_FORMS",
]

#: Key of ``DataFrame.attrs`` under which the filters applied to a log are recorded.
ACCOUNT_KEY = "journeymining_filters"

TIME_FRAME_MODES = ("contained", "intersecting", "started", "completed", "trim")
PRESENCE_MODES = ("any", "all", "none")


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------
def _check(log, keys, verb, extra=()):
    case_id_key, activity_key, timestamp_key = keys
    check_log(log, case_id_key=case_id_key, activity_key=activity_key,
              timestamp_key=timestamp_key, extra=extra, verb=verb)
    missing = log[case_id_key].isna()
    if missing.any():
        raise EventLogError(
            f"{verb}: column {case_id_key!r} has {int(missing.sum())} missing case ids "
            f"(rows {preview(log.index[missing].tolist())}). Drop or fill those rows first."
        )


def _ordered(log, keys):
    """Positions of the rows of ``log`` sorted by case (first appearance) then time, stably."""
    case_id_key, _, timestamp_key = keys
    codes, _ = pd.factorize(log[case_id_key], sort=False)
    frame = pd.DataFrame({"c": codes, "t": log[timestamp_key].to_numpy(),
                          "p": np.arange(len(log))})
    return frame.sort_values(["c", "t", "p"], kind="stable")["p"].to_numpy()


def _cases(log, keys):
    """Per-case facts: first/last activity and time, number of events (index = case id)."""
    case_id_key, activity_key, timestamp_key = keys
    sorted_log = log.iloc[_ordered(log, keys)]
    groups = sorted_log.groupby(case_id_key, sort=False)
    return pd.DataFrame({
        "first_activity": groups[activity_key].first(),
        "last_activity": groups[activity_key].last(),
        "start": groups[timestamp_key].min(),
        "end": groups[timestamp_key].max(),
        "events": groups.size(),
    })


def _as_list(values, parameter, verb):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        values = [values]
    values = list(values)
    if not values:
        raise EventLogError(f"{verb}: {parameter}= is empty; give at least one value, "
                            f"e.g. {parameter}=['Closed'].")
    return values


def _names(values):
    return ", ".join(str(v) for v in values)


def _unknown(values, present, what="activity"):
    """A note for the account when some asked-for values never occur in the log."""
    present = set(present)
    absent = [v for v in values if v not in present]
    if not absent:
        return ""
    return f"; {preview(absent)} does not occur in the log" if len(absent) == 1 else \
        f"; {preview(absent)} do not occur in the log"


def _percent(part, whole):
    return f" ({100 * part / whole:.1f} %)" if whole else ""


def _finish(log, mask, name, parameters, label, keys, note=""):
    """The rows of ``log`` where ``mask`` holds, with this filter's account appended."""
    case_id_key = keys[0]
    mask = np.asarray(mask, dtype=bool)
    result = log.loc[mask].copy()
    cases_before = int(log[case_id_key].nunique())
    cases_after = int(result[case_id_key].nunique())
    text = (f"{name}({label}): kept {cases_after:,} of {cases_before:,} cases"
            f"{_percent(cases_after, cases_before)}, {len(result):,} of {len(log):,} events{note}")
    entry = {"name": name, "parameters": dict(parameters), "cases_before": cases_before,
             "cases_after": cases_after, "events_before": int(len(log)),
             "events_after": int(len(result)), "text": text}
    result.attrs = {**{k: v for k, v in log.attrs.items() if k != ACCOUNT_KEY},
                    ACCOUNT_KEY: [dict(e) for e in log.attrs.get(ACCOUNT_KEY, [])] + [entry]}
    return result


def _case_mask(log, kept_cases, keys):
    return log[keys[0]].isin(kept_cases).to_numpy()


def filter_account(log) -> list:
    """The one-line accounts of the filters applied to ``log``, oldest first.

    Parameters
    ----------
    log : pandas.DataFrame
        A log returned by one of the ``filter_*`` verbs (any DataFrame works; an unfiltered one
        gives ``[]``).

    Returns
    -------
    list of str

    Examples
    --------
    >>> import pandas as pd
    >>> filter_account(pd.DataFrame())
    []
    """
    return [entry["text"] for entry in getattr(log, "attrs", {}).get(ACCOUNT_KEY, [])]


# --------------------------------------------------------------------------------------------
# the verbs
# --------------------------------------------------------------------------------------------
def filter_case_attribute(log, column, values, *, keep=True, case_id_key=C.CASE,
                          activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Keep (or drop) the cases whose attribute ``column`` is one of ``values``.

    The case's value is the first non-missing value of ``column`` in the case (in time order),
    so this works for ``case:*`` columns (the same on every event) and for event attributes
    (the value the case started with). A case with no value never matches.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    column : str
        Column holding the attribute, e.g. ``"case:product"``.
    values : scalar or list
        Values to match. Strings also match numbers written the same way (``"3"`` matches 3).
    keep : bool, default True
        Keep the matching cases (True) or drop them (False).
    {keys}

    Returns
    -------
    pandas.DataFrame
        The kept events, with the account in ``attrs["journeymining_filters"]``.

    Raises
    ------
    EventLogError
        If ``column`` is not a column of the log, ``values`` is empty, or the log is not an
        event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...                     "concept:name": ["Open", "Close", "Open"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03"], utc=True),
    ...                     "case:product": ["X", "X", "Y"]})
    >>> filter_account(filter_case_attribute(log, "case:product", "Y"))
    ['filter_case_attribute(case:product = Y): kept 1 of 2 cases (50.0 %), 1 of 3 events']
    """
    verb = "filter_case_attribute"
    keys = (case_id_key, activity_key, timestamp_key)
    check_log(log, case_id_key=case_id_key, activity_key=activity_key,
              timestamp_key=timestamp_key, verb=verb)
    if column not in log.columns:
        raise EventLogError(
            f"{verb}: the event log has no column {column!r}. Columns present: "
            f"{list(log.columns)}. Pass one of them as column= (case attributes are usually "
            "named 'case:...')."
        )
    _check(log, keys, verb)
    values = _as_list(values, "values", verb)
    ordered = log.iloc[_ordered(log, keys)]
    attribute = ordered.groupby(case_id_key, sort=False)[column].first()
    text = attribute.astype("string")
    wanted = {str(v) for v in values}
    hit = attribute.isin(values) | text.isin(wanted).fillna(False).astype(bool)
    hit = hit & attribute.notna()
    kept = attribute.index[hit if keep else ~hit]
    op = "=" if keep else "!="
    note = _unknown([str(v) for v in values], text.dropna().unique(), "value")
    return _finish(log, _case_mask(log, kept, keys), verb,
                   {"column": column, "values": values, "keep": keep},
                   f"{column} {op} {_names(values)}", keys, note)


def _timestamp(value, parameter, log_dtype, verb):
    """``value`` as a Timestamp comparable with the log's (UTC unless the log is naive)."""
    if value is None:
        return None, False
    date_only = isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value) is not None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise EventLogError(
            f"{verb}: {parameter}={value!r} is not a date or time ({exc}). Write it as "
            "'2024-03-31' or '2024-03-31 17:00' (UTC), or pass a pandas Timestamp."
        ) from None
    if ts is pd.NaT:
        raise EventLogError(f"{verb}: {parameter}={value!r} is not a date or time; write it as "
                            "'2024-03-31'.")
    aware = getattr(log_dtype, "tz", None) is not None
    if aware and ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    elif not aware and ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts, date_only


def _show_time(value, ts):
    if isinstance(value, str):
        return value.strip()
    if ts.hour == ts.minute == ts.second == ts.microsecond == ts.nanosecond == 0:
        return ts.strftime("%Y-%m-%d")
    return ts.strftime("%Y-%m-%d %H:%M")


def filter_time_frame(log, start=None, end=None, *, mode="contained", case_id_key=C.CASE,
                      activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Keep the cases (or events) that fall in the window from ``start`` to ``end``.

    The window includes both ends; an ``end`` written as a date alone (``"2024-03-31"``) covers
    that whole day. Dates without a timezone are read as UTC (the log's timezone).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    start, end : str, datetime or pandas.Timestamp, optional
        The window; ``None`` leaves that side open.
    mode : {"contained", "intersecting", "started", "completed", "trim"}, default "contained"
        ``"contained"``: the whole case lies in the window. ``"intersecting"``: the case's span
        overlaps it. ``"started"`` / ``"completed"``: the case's first / last event lies in it.
        ``"trim"``: keep only the events in the window (cases left with no event disappear).
    {keys}

    Returns
    -------
    pandas.DataFrame
        The kept events, with the account in ``attrs["journeymining_filters"]``.

    Raises
    ------
    EventLogError
        If ``mode`` is unknown, ``start``/``end`` is not a date, ``start`` is after ``end``, or
        the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b", "b"],
    ...                     "concept:name": ["Open", "Close", "Open", "Close"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-30", "2024-02-02",
    ...                                                       "2024-02-10", "2024-02-11"], utc=True)})
    >>> filter_account(filter_time_frame(log, "2024-02-01", "2024-02-29", mode="intersecting"))
    ['filter_time_frame(intersecting, 2024-02-01..2024-02-29): kept 2 of 2 cases (100.0 %), 4 of 4 events']
    """
    verb = "filter_time_frame"
    keys = (case_id_key, activity_key, timestamp_key)
    _check(log, keys, verb)
    if mode not in TIME_FRAME_MODES:
        raise EventLogError(f"{verb}: mode={mode!r} is not one of {list(TIME_FRAME_MODES)}; "
                            "e.g. mode='contained' keeps cases that lie wholly in the window.")
    dtype = log[timestamp_key].dtype
    lo, _ = _timestamp(start, "start", dtype, verb)
    hi, hi_date = _timestamp(end, "end", dtype, verb)
    hi_excl = hi + pd.Timedelta(days=1) if hi is not None and hi_date else None
    if lo is not None and hi is not None and lo > hi:
        raise EventLogError(f"{verb}: start={start!r} is after end={end!r}; swap them.")

    def inside(times):
        ok = pd.Series(True, index=times.index)
        if lo is not None:
            ok &= times >= lo
        if hi_excl is not None:
            ok &= times < hi_excl
        elif hi is not None:
            ok &= times <= hi
        return ok.fillna(False).astype(bool)

    label = (f"{mode}, {'' if lo is None else _show_time(start, lo)}.."
             f"{'' if hi is None else _show_time(end, hi)}")
    params = {"start": start, "end": end, "mode": mode}
    if mode == "trim":
        return _finish(log, inside(log[timestamp_key]).to_numpy(), verb, params, label, keys)
    cases = _cases(log, keys)
    if mode == "contained":
        ok = inside(cases["start"]) & inside(cases["end"])
    elif mode == "started":
        ok = inside(cases["start"])
    elif mode == "completed":
        ok = inside(cases["end"])
    else:  # intersecting: the case's span [start, end] meets the window
        ok = pd.Series(True, index=cases.index)
        if lo is not None:
            ok &= cases["end"] >= lo
        if hi_excl is not None:
            ok &= cases["start"] < hi_excl
        elif hi is not None:
            ok &= cases["start"] <= hi
    return _finish(log, _case_mask(log, cases.index[ok.to_numpy()], keys), verb, params, label,
                   keys)


def _endpoint_filter(log, activities, keep, keys, verb, column):
    _check(log, keys, verb)
    activities = _as_list(activities, "activities", verb)
    cases = _cases(log, keys)
    hit = cases[column].isin(activities)
    kept = cases.index[(hit if keep else ~hit).to_numpy()]
    label = ("" if keep else "not ") + _names(activities)
    return _finish(log, _case_mask(log, kept, keys), verb,
                   {"activities": activities, "keep": keep}, label, keys,
                   _unknown(activities, log[keys[1]].unique()))


def filter_start_activities(log, activities, *, keep=True, case_id_key=C.CASE,
                            activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Keep (or drop) the cases whose first activity is one of ``activities``.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    activities : str or list of str
        Start activities to match.
    keep : bool, default True
        Keep the matching cases (True) or drop them (False).
    {keys}

    Returns
    -------
    pandas.DataFrame
        The kept events, with the account in ``attrs["journeymining_filters"]``.

    Raises
    ------
    EventLogError
        If ``activities`` is empty or the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...                     "concept:name": ["Open", "Close", "Close"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03"], utc=True)})
    >>> filter_account(filter_start_activities(log, "Open", keep=False))
    ['filter_start_activities(not Open): kept 1 of 2 cases (50.0 %), 1 of 3 events']
    """
    return _endpoint_filter(log, activities, keep, (case_id_key, activity_key, timestamp_key),
                            "filter_start_activities", "first_activity")


def filter_end_activities(log, activities, *, keep=True, case_id_key=C.CASE,
                          activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Keep (or drop) the cases whose last activity is one of ``activities``.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    activities : str or list of str
        End activities to match.
    keep : bool, default True
        Keep the matching cases (True) or drop them (False).
    {keys}

    Returns
    -------
    pandas.DataFrame
        The kept events, with the account in ``attrs["journeymining_filters"]``.

    Raises
    ------
    EventLogError
        If ``activities`` is empty or the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...                     "concept:name": ["Open", "Close", "Open"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03"], utc=True)})
    >>> filter_account(filter_end_activities(log, "Close"))
    ['filter_end_activities(Close): kept 1 of 2 cases (50.0 %), 2 of 3 events']
    """
    return _endpoint_filter(log, activities, keep, (case_id_key, activity_key, timestamp_key),
                            "filter_end_activities", "last_activity")


def filter_variant_coverage(log, share, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                            timestamp_key=C.TIMESTAMP):
    """Keep the cases of the most frequent variants that together cover at least ``share`` of cases.

    Variants are taken most frequent first, ties by the variant text (the order of
    :func:`journeymining.variant_table`), until their cases reach ``share`` of all cases.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    share : float
        Between 0 (exclusive) and 1 (inclusive), e.g. 0.8 for the top variants covering 80 %
        of the cases.
    {keys}

    Returns
    -------
    pandas.DataFrame
        The kept events, with the account in ``attrs["journeymining_filters"]``.

    Raises
    ------
    EventLogError
        If ``share`` is not in (0, 1] or the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "b", "c", "c"],
    ...                     "concept:name": ["Open", "Open", "Open", "Close"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03", "2024-01-04"], utc=True)})
    >>> filter_account(filter_variant_coverage(log, 0.5))
    ['filter_variant_coverage(50 %, 1 of 2 variants): kept 2 of 3 cases (66.7 %), 2 of 4 events']
    """
    from journeymining.discover import case_variants, variant_table

    verb = "filter_variant_coverage"
    keys = (case_id_key, activity_key, timestamp_key)
    _check(log, keys, verb)
    try:
        share = float(share)
    except (TypeError, ValueError):
        share = math.nan
    if not 0 < share <= 1:
        raise EventLogError(f"{verb}: share={share!r} must be a fraction in (0, 1], e.g. 0.8 "
                            "for the top variants covering 80 % of the cases.")
    label_share = f"{100 * share:g} %"
    if len(log) == 0:
        return _finish(log, np.zeros(0, bool), verb, {"share": share}, f"{label_share}", keys)
    kw = dict(case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key)
    table = variant_table(log, **kw)
    cumulative = table["cases"].cumsum().to_numpy() / table["cases"].sum()
    n_keep = int(np.searchsorted(cumulative, share - 1e-12, side="left")) + 1
    n_keep = min(n_keep, len(table))
    kept_ids = set(table.index[:n_keep])
    per_case = case_variants(log, **kw)
    kept = per_case.loc[per_case["variant_id"].isin(kept_ids), case_id_key]
    return _finish(log, _case_mask(log, kept, keys), verb, {"share": share},
                   f"{label_share}, {n_keep:,} of {len(table):,} variants", keys)


def filter_activity_presence(log, activities, *, how="any", case_id_key=C.CASE,
                             activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Keep the cases that contain any, all, or none of ``activities``.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    activities : str or list of str
        Activities to look for.
    how : {"any", "all", "none"}, default "any"
        Keep cases with at least one of them, with every one of them, or with none of them.
    {keys}

    Returns
    -------
    pandas.DataFrame
        The kept events, with the account in ``attrs["journeymining_filters"]``.

    Raises
    ------
    EventLogError
        If ``how`` is unknown, ``activities`` is empty or the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...                     "concept:name": ["Open", "Close", "Open"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03"], utc=True)})
    >>> filter_account(filter_activity_presence(log, ["Open", "Close"], how="all"))
    ['filter_activity_presence(all of Open, Close): kept 1 of 2 cases (50.0 %), 2 of 3 events']
    """
    verb = "filter_activity_presence"
    keys = (case_id_key, activity_key, timestamp_key)
    _check(log, keys, verb)
    if how not in PRESENCE_MODES:
        raise EventLogError(f"{verb}: how={how!r} is not one of {list(PRESENCE_MODES)}; "
                            "how='none' keeps the cases without the activities.")
    activities = list(dict.fromkeys(_as_list(activities, "activities", verb)))
    hits = log.loc[log[activity_key].isin(activities), [case_id_key, activity_key]]
    found = hits.groupby(case_id_key, sort=False)[activity_key].nunique()
    all_cases = pd.Index(log[case_id_key].unique())
    if how == "any":
        kept = found.index
    elif how == "all":
        kept = found.index[found.to_numpy() == len(activities)]
    else:
        kept = all_cases.difference(found.index, sort=False)
    return _finish(log, _case_mask(log, kept, keys), verb,
                   {"activities": activities, "how": how},
                   f"{how} of {_names(activities)}", keys,
                   _unknown(activities, log[activity_key].unique()))


def filter_follows(log, a, b, *, directly=False, keep=True, case_id_key=C.CASE,
                   activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Keep (or drop) the cases in which ``a`` is followed by ``b``, eventually or directly.

    "Eventually" means some ``a`` event comes before some later ``b`` event of the same case
    (bupaR's and Disco's *precedence* / *follower* filter); "directly" means ``b`` is the very
    next event after an ``a``. With ``a == b`` the activity must occur twice (in a row, if
    ``directly``).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    a, b : str
        The earlier and the later activity.
    directly : bool, default False
        Require ``b`` to directly follow ``a``.
    keep : bool, default True
        Keep the matching cases (True) or drop them (False).
    {keys}

    Returns
    -------
    pandas.DataFrame
        The kept events, with the account in ``attrs["journeymining_filters"]``.

    Raises
    ------
    EventLogError
        If the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "a", "b", "b"],
    ...                     "concept:name": ["Open", "Wait", "Close", "Close", "Open"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03", "2024-01-04",
    ...                                                       "2024-01-05"], utc=True)})
    >>> filter_account(filter_follows(log, "Open", "Close"))
    ['filter_follows(Open >> Close): kept 1 of 2 cases (50.0 %), 3 of 5 events']
    >>> filter_account(filter_follows(log, "Open", "Close", directly=True))
    ['filter_follows(Open > Close): kept 0 of 2 cases (0.0 %), 0 of 5 events']
    """
    verb = "filter_follows"
    keys = (case_id_key, activity_key, timestamp_key)
    _check(log, keys, verb)
    order = _ordered(log, keys)
    cases = log[case_id_key].to_numpy()[order]
    acts = log[activity_key].to_numpy()[order]
    same_case = np.zeros(len(cases), dtype=bool)
    if len(cases) > 1:
        same_case[1:] = cases[1:] == cases[:-1]
    if directly:
        is_pair = np.zeros(len(cases), dtype=bool)
        if len(cases) > 1:
            is_pair[1:] = same_case[1:] & (acts[:-1] == a) & (acts[1:] == b)
        matched = pd.unique(cases[is_pair])
    else:
        position = pd.Series(np.arange(len(cases)))
        frame = pd.DataFrame({"case": cases, "pos": position})
        first_a = frame[acts == a].groupby("case", sort=False)["pos"].min()
        last_b = frame[acts == b].groupby("case", sort=False)["pos"].max()
        both = pd.concat([first_a.rename("a"), last_b.rename("b")], axis=1, join="inner")
        matched = both.index[(both["a"] < both["b"]).to_numpy()]
    mask = np.isin(log[case_id_key].to_numpy(), np.asarray(matched, dtype=object))
    if not keep:
        mask = ~mask
    arrow = ">" if directly else ">>"
    label = ("" if keep else "not ") + f"{a} {arrow} {b}"
    return _finish(log, mask, verb, {"a": a, "b": b, "directly": directly, "keep": keep}, label,
                   keys, _unknown(list(dict.fromkeys([a, b])), log[activity_key].unique()))


def _duration(value, parameter, verb):
    if value is None:
        return None
    return parse_duration(value, subject=f"{verb}: {parameter}={value!r}", error=EventLogError)


def _short_duration(value, td):
    from journeymining.viz import format_duration

    return value.strip() if isinstance(value, str) else format_duration(td)


def _range_label(lo, hi, show_lo, show_hi, unit=""):
    if lo is not None and hi is not None:
        return f"{show_lo}..{show_hi}{unit}"
    if lo is not None:
        return f">= {show_lo}{unit}"
    return f"<= {show_hi}{unit}"


def filter_throughput_time(log, min=None, max=None, *, case_id_key=C.CASE,  # noqa: A002
                           activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Keep the cases whose throughput time (first to last event) lies between ``min`` and ``max``.

    Both bounds are inclusive; leave one out for an open range.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    min, max : str or pandas.Timedelta, optional
        Durations such as ``"30m"``, ``"4h"``, ``"2d"``, ``"1w"``, ``"1d12h"``.
    {keys}

    Returns
    -------
    pandas.DataFrame
        The kept events, with the account in ``attrs["journeymining_filters"]``.

    Raises
    ------
    EventLogError
        If neither bound is given, a bound is not a positive duration, ``min > max``, or the
        log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b", "b"],
    ...                     "concept:name": ["Open", "Close", "Open", "Close"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-01", "2024-01-11"], utc=True)})
    >>> filter_account(filter_throughput_time(log, max="7d"))
    ['filter_throughput_time(<= 7d): kept 1 of 2 cases (50.0 %), 2 of 4 events']
    """
    verb = "filter_throughput_time"
    keys = (case_id_key, activity_key, timestamp_key)
    _check(log, keys, verb)
    if min is None and max is None:
        raise EventLogError(f"{verb}: give min= or max= (or both), e.g. max='7d'.")
    lo, hi = _duration(min, "min", verb), _duration(max, "max", verb)
    if lo is not None and hi is not None and lo > hi:
        raise EventLogError(f"{verb}: min={min!r} is longer than max={max!r}; swap them.")
    cases = _cases(log, keys)
    throughput = cases["end"] - cases["start"]
    ok = pd.Series(True, index=cases.index)
    if lo is not None:
        ok &= throughput >= lo
    if hi is not None:
        ok &= throughput <= hi
    label = _range_label(lo, hi, lo is not None and _short_duration(min, lo),
                         hi is not None and _short_duration(max, hi))
    return _finish(log, _case_mask(log, cases.index[ok.to_numpy()], keys), verb,
                   {"min": min, "max": max}, label, keys)


def filter_case_size(log, min_events=None, max_events=None, *, case_id_key=C.CASE,
                     activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Keep the cases with at least ``min_events`` and at most ``max_events`` events.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    min_events, max_events : int, optional
        Inclusive bounds; leave one out for an open range.
    {keys}

    Returns
    -------
    pandas.DataFrame
        The kept events, with the account in ``attrs["journeymining_filters"]``.

    Raises
    ------
    EventLogError
        If neither bound is given, a bound is not a whole number >= 1, ``min_events >
        max_events``, or the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...                     "concept:name": ["Open", "Close", "Open"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03"], utc=True)})
    >>> filter_account(filter_case_size(log, min_events=2))
    ['filter_case_size(>= 2 events): kept 1 of 2 cases (50.0 %), 2 of 3 events']
    """
    verb = "filter_case_size"
    keys = (case_id_key, activity_key, timestamp_key)
    _check(log, keys, verb)
    if min_events is None and max_events is None:
        raise EventLogError(f"{verb}: give min_events= or max_events= (or both), "
                            "e.g. min_events=3.")
    bounds = {}
    for name, value in (("min_events", min_events), ("max_events", max_events)):
        if value is None:
            bounds[name] = None
            continue
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1
        if not ok:
            raise EventLogError(f"{verb}: {name}={value!r} must be a whole number of events "
                                ">= 1, e.g. {name}=3.".replace("{name}", name))
        bounds[name] = int(value)
    lo, hi = bounds["min_events"], bounds["max_events"]
    if lo is not None and hi is not None and lo > hi:
        raise EventLogError(f"{verb}: min_events={lo} is larger than max_events={hi}; swap them.")
    sizes = log.groupby(case_id_key, sort=False).size()
    ok = pd.Series(True, index=sizes.index)
    if lo is not None:
        ok &= sizes >= lo
    if hi is not None:
        ok &= sizes <= hi
    label = _range_label(lo, hi, lo, hi, " events")
    return _finish(log, _case_mask(log, sizes.index[ok.to_numpy()], keys), verb,
                   {"min_events": lo, "max_events": hi}, label, keys)


# --------------------------------------------------------------------------------------------
# command-line expressions
# --------------------------------------------------------------------------------------------
#: The accepted ``--filter`` expression forms, shown in error messages and in docs/FILTERS.md.
FILTER_FORMS = (
    "time_frame:START..END[:contained|intersecting|started|completed|trim]  "
    "(either side may be empty)",
    "variant_coverage:0.8   (or 80%)",
    "activity:A[,B...]      (cases with any of them; 'activity_all:A,B' for all)",
    "not activity:A[,B...]  (cases with none of them)",
    "case:COLUMN=V1[,V2...] (or case:COLUMN!=V1,... to drop; 'attr:COLUMN=...' for any column)",
    "throughput:<=7d | throughput:>=1h | throughput:1h..7d",
    "events:>=3 | events:<=10 | events:3..10 | events:=3",
    "start:A[,B...] | end:A[,B...]   (prefix 'not ' to drop those cases)",
    "follows:A>>B (eventually) | follows:A>B (directly)   (prefix 'not ' to drop)",
)


class _Filter:
    """A parsed ``--filter`` expression: call it on a log to apply it."""

    def __init__(self, expression, verb, args, kwargs):
        self.expression = expression
        self._verb, self._args, self._kwargs = verb, args, kwargs

    def __call__(self, log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                 timestamp_key=C.TIMESTAMP):
        return self._verb(log, *self._args, **self._kwargs, case_id_key=case_id_key,
                          activity_key=activity_key, timestamp_key=timestamp_key)

    def __repr__(self):
        return f"parse_filter({self.expression!r})"


def _bad(expression, why):
    forms = "\n  ".join(FILTER_FORMS)
    return EventLogError(f"parse_filter: cannot read the filter expression {expression!r}: {why}. "
                         f"Accepted forms:\n  {forms}")


def _split_list(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def _range(text, expression, parse):
    """``<=X``, ``>=X``, ``=X``, ``X..Y`` -> (lo, hi) with ``parse`` applied to each bound."""
    text = text.strip()
    try:
        if text.startswith("<="):
            return None, parse(text[2:].strip())
        if text.startswith(">="):
            return parse(text[2:].strip()), None
        if ".." in text:
            lo, hi = (t.strip() for t in text.split("..", 1))
            return (parse(lo) if lo else None), (parse(hi) if hi else None)
        if text.startswith("="):
            value = parse(text[1:].strip())
            return value, value
    except ValueError as exc:
        raise _bad(expression, f"{text!r} is not a valid bound ({exc})") from None
    raise _bad(expression, f"{text!r} is not a range; write <=X, >=X or X..Y")


def _int(text):
    if not re.fullmatch(r"\d+", text):
        raise ValueError(f"{text!r} is not a whole number")
    return int(text)


def parse_filter(text):
    """Turn a command-line filter expression into a callable ``log -> log``.

    Parameters
    ----------
    text : str
        One expression; the forms are listed in :data:`FILTER_FORMS` and ``docs/FILTERS.md``:
        ``"time_frame:2024-01-01..2024-03-31:contained"``, ``"variant_coverage:0.8"``,
        ``"activity:Closed"``, ``"not activity:Reopen"``, ``"case:product=Value 1,Value 2"``,
        ``"throughput:<=7d"``, ``"events:>=3"``, ``"start:Insert ticket"``, ``"end:Closed"``,
        ``"follows:A>>B"`` (eventually), ``"follows:A>B"`` (directly).

    Returns
    -------
    callable
        ``f(log, *, case_id_key=..., activity_key=..., timestamp_key=...)`` returning the
        filtered log (its ``expression`` attribute holds ``text``).

    Raises
    ------
    EventLogError
        If the expression is not one of the accepted forms (the message lists them).

    Examples
    --------
    >>> parse_filter("not activity:Reopen")
    parse_filter('not activity:Reopen')
    """
    if not isinstance(text, str) or not text.strip():
        raise _bad(text, "it is empty or not text")
    expression = text
    body = text.strip()
    negate = False
    if body.lower().startswith("not "):
        negate, body = True, body[4:].strip()
    kind, sep, rest = body.partition(":")
    kind = kind.strip().lower()
    if not sep:
        raise _bad(expression, "it has no 'kind:' prefix")
    rest = rest.strip()

    def make(verb, *args, **kwargs):
        return _Filter(expression, verb, args, kwargs)

    def no_negation():
        if negate:
            raise _bad(expression, f"'not' cannot be used with {kind}:")

    if kind == "time_frame":
        no_negation()
        mode = "contained"
        head, colon, tail = rest.rpartition(":")
        if colon and tail.strip().lower() in TIME_FRAME_MODES:
            rest, mode = head, tail.strip().lower()
        if ".." not in rest:
            raise _bad(expression, "the window must be written START..END")
        start, end = (t.strip() or None for t in rest.split("..", 1))
        if start is None and end is None:
            raise _bad(expression, "both ends of the window are empty")
        for value in (start, end):
            if value is not None:
                try:
                    pd.Timestamp(value)
                except (ValueError, TypeError):
                    raise _bad(expression, f"{value!r} is not a date") from None
        return make(filter_time_frame, start, end, mode=mode)
    if kind == "variant_coverage":
        no_negation()
        value = rest[:-1].strip() if rest.endswith("%") else rest
        try:
            share = float(value) / (100 if rest.endswith("%") else 1)
        except ValueError:
            raise _bad(expression, f"{rest!r} is not a share such as 0.8 or 80%") from None
        if not 0 < share <= 1:
            raise _bad(expression, f"{rest!r} is not a share in (0, 1]")
        return make(filter_variant_coverage, share)
    if kind in ("activity", "activity_all"):
        names = _split_list(rest)
        if not names:
            raise _bad(expression, "no activity is named")
        if kind == "activity_all" and negate:
            raise _bad(expression, "'not activity_all:' is ambiguous; use 'not activity:'")
        how = "none" if negate else ("all" if kind == "activity_all" else "any")
        return make(filter_activity_presence, names, how=how)
    if kind in ("case", "attr"):
        match = re.fullmatch(r"([^=!]+?)\s*(!=|=)\s*(.+)", rest)
        if not match:
            raise _bad(expression, "write case:COLUMN=VALUE[,VALUE...]")
        column, op, values = match.group(1).strip(), match.group(2), _split_list(match.group(3))
        if not values:
            raise _bad(expression, "no value is given")
        keep = (op == "=") != negate
        return _Filter(expression, _case_attribute_by_name,
                       (column, values, kind == "case"), {"keep": keep})
    if kind == "throughput":
        no_negation()

        def parse(value):
            return parse_duration(value, subject=repr(value), error=ValueError)

        _range(rest, expression, parse)  # validate now, keep the bounds as written
        lo, hi = _raw_range(rest)
        return make(filter_throughput_time, lo, hi)
    if kind == "events":
        no_negation()
        lo, hi = _range(rest, expression, _int)
        if (lo is not None and lo < 1) or (hi is not None and hi < 1):
            raise _bad(expression, "the number of events must be >= 1")
        if lo is None and hi is None:
            raise _bad(expression, "give at least one bound")
        return make(filter_case_size, lo, hi)
    if kind in ("start", "end"):
        names = _split_list(rest)
        if not names:
            raise _bad(expression, "no activity is named")
        verb = filter_start_activities if kind == "start" else filter_end_activities
        return make(verb, names, keep=not negate)
    if kind == "follows":
        directly = ">>" not in rest
        a, arrow, b = rest.partition(">>" if not directly else ">")
        if not arrow or not a.strip() or not b.strip():
            raise _bad(expression, "write follows:A>>B (eventually) or follows:A>B (directly)")
        return make(filter_follows, a.strip(), b.strip(), directly=directly, keep=not negate)
    raise _bad(expression, f"unknown kind {kind!r}")


def _raw_range(text):
    """The bound texts of an already validated range expression (kept as written)."""
    text = text.strip()
    if text.startswith("<="):
        return None, text[2:].strip()
    if text.startswith(">="):
        return text[2:].strip(), None
    if ".." in text:
        lo, hi = (t.strip() for t in text.split("..", 1))
        return lo or None, hi or None
    value = text[1:].strip()
    return value, value


def _case_attribute_by_name(log, column, values, case_prefix, *, keep, **keys):
    """``case:product=...`` names the column ``case:product`` (or ``product`` if only that exists)."""
    full = column if not case_prefix or column.startswith("case:") else f"case:{column}"
    if case_prefix and full not in log.columns and column in log.columns:
        full = column
    return filter_case_attribute(log, full, values, keep=keep, **keys)


def apply_filters(log, expressions, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                  timestamp_key=C.TIMESTAMP):
    """Apply filter expressions (strings for :func:`parse_filter`, or callables) in order.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    expressions : iterable of str or callable
        The filters, applied left to right; a single string is one expression.
    {keys}

    Returns
    -------
    pandas.DataFrame
        The filtered log; :func:`filter_account` lists one line per filter.

    Raises
    ------
    EventLogError
        If an expression cannot be parsed (nothing is applied then) or the log is not an
        event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...                     "concept:name": ["Open", "Close", "Open"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03"], utc=True)})
    >>> len(apply_filters(log, ["end:Close"]))
    2
    """
    if isinstance(expressions, str) or callable(expressions):
        expressions = [expressions]
    filters = [e if callable(e) else parse_filter(e) for e in expressions]
    check_log(log, case_id_key=case_id_key, activity_key=activity_key,
              timestamp_key=timestamp_key, verb="apply_filters")
    log = log.copy()
    for f in filters:
        log = f(log, case_id_key=case_id_key, activity_key=activity_key,
                timestamp_key=timestamp_key)
    return log


for _f in (filter_case_attribute, filter_time_frame, filter_start_activities,
           filter_end_activities, filter_variant_coverage, filter_activity_presence,
           filter_follows, filter_throughput_time, filter_case_size, apply_filters):
    if _f.__doc__:
        _f.__doc__ = _f.__doc__.replace("{keys}", C.KEYS_DOC)
del _f

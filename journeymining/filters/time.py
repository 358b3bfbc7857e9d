"""Filters on time: the window a case (or event) falls in, and the case's throughput time.

:func:`filter_time_frame` keeps the cases contained in, intersecting, started or completed in a
window, or trims the events outside it (the one event-level filter); :func:`filter_throughput_time`
keeps the cases whose first-to-last-event time lies between two durations. Dates without a time
zone are read as UTC, and an end written as a date alone covers that whole day.
"""

from __future__ import annotations

import re

import pandas as pd

from journeymining.core import columns as C
from journeymining.core.docs import fill_docstrings
from journeymining.core.durations import parse_duration
from journeymining.core.errors import EventLogError
from journeymining.filters.account import filter_account, filtered  # noqa: F401 (filter_account: doctests)
from journeymining.filters.common import case_facts, case_mask, check_filter_log, range_label

__all__ = ["TIME_FRAME_MODES", "filter_time_frame", "filter_throughput_time"]

TIME_FRAME_MODES = ("contained", "intersecting", "started", "completed", "trim")


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
    check_filter_log(log, keys, verb)
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
        return filtered(log, inside(log[timestamp_key]).to_numpy(), verb, params, label, keys)
    cases = case_facts(log, keys)
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
    return filtered(log, case_mask(log, cases.index[ok.to_numpy()], keys), verb, params, label,
                    keys)


def _duration(value, parameter, verb):
    if value is None:
        return None
    return parse_duration(value, subject=f"{verb}: {parameter}={value!r}", error=EventLogError)


def _short_duration(value, td):
    from journeymining.viz import format_duration

    return value.strip() if isinstance(value, str) else format_duration(td)


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
    check_filter_log(log, keys, verb)
    if min is None and max is None:
        raise EventLogError(f"{verb}: give min= or max= (or both), e.g. max='7d'.")
    lo, hi = _duration(min, "min", verb), _duration(max, "max", verb)
    if lo is not None and hi is not None and lo > hi:
        raise EventLogError(f"{verb}: min={min!r} is longer than max={max!r}; swap them.")
    cases = case_facts(log, keys)
    throughput = cases["end"] - cases["start"]
    ok = pd.Series(True, index=cases.index)
    if lo is not None:
        ok &= throughput >= lo
    if hi is not None:
        ok &= throughput <= hi
    label = range_label(lo, hi, lo is not None and _short_duration(min, lo),
                        hi is not None and _short_duration(max, hi))
    return filtered(log, case_mask(log, cases.index[ok.to_numpy()], keys), verb,
                    {"min": min, "max": max}, label, keys)


fill_docstrings(filter_time_frame, filter_throughput_time)

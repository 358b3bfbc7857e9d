"""The directly-follows graph of the actual journeys, with frequency and durations per edge.

:func:`discover_dfg` counts, over the integer codes of :func:`journeymining.core.eventlog.code_log`,
how often one activity directly follows another within a case, in how many cases, and how long
the step took (mean and median); extra rows from :data:`START` and to :data:`END` count how cases
start and end. Vectorised numpy, no per-case Python loop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeymining.core.docs import fill_docstrings
from journeymining.core import columns as C
from journeymining.core.eventlog import code_log
from journeymining.discover.arrays import group_median, to_timedelta, unique_sorted

__all__ = ["START", "END", "discover_dfg", "shape_dfg"]

#: Pseudo-activity used as ``source`` of the DFG rows that count how cases start.
START = "▶"
#: Pseudo-activity used as ``target`` of the DFG rows that count how cases end.
END = "■"


def discover_dfg(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Directly-follows graph with frequency and performance (duration) of every edge.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    {keys}

    Returns
    -------
    pandas.DataFrame
        One row per edge with columns ``source``, ``target``, ``frequency`` (times the target
        directly follows the source within a case), ``cases`` (cases with the edge at least once),
        ``mean_duration`` and ``median_duration`` (Timedelta between the two events).
        How cases start and end is given by extra rows whose ``source`` is ``"▶"``
        (:data:`START`; ``target`` = first activity) or whose ``target`` is ``"■"``
        (:data:`END`; ``source`` = last activity); their durations are ``NaT``. Rows are sorted
        by ``frequency`` (descending), then ``source`` and ``target`` (``"▶"`` first, ``"■"`` last).

    Raises
    ------
    EventLogError
        As :func:`variant_table`.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a", "a", "b", "b"],
    ...     "concept:name": ["Chat", "Resolve", "Resolve", "Chat", "Resolve"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01 08:00", "2024-05-01 09:00",
    ...                                       "2024-05-01 09:30", "2024-05-02 08:00",
    ...                                       "2024-05-02 11:00"], utc=True),
    ... })
    >>> discover_dfg(log)[["source", "target", "frequency", "cases", "median_duration"]]
        source   target  frequency  cases median_duration
    0        ▶     Chat          2      2             NaT
    1     Chat  Resolve          2      2 0 days 02:00:00
    2  Resolve        ■          2      2             NaT
    3  Resolve  Resolve          1      1 0 days 00:30:00
    """
    s = code_log(log, case_id_key, activity_key, timestamp_key, "discover_dfg")
    k = len(s.activity_labels)
    n_cases = len(s.starts)
    case_of_event = np.repeat(np.arange(n_cases, dtype=np.int64), s.lengths)
    inner = case_of_event[1:] == case_of_event[:-1]
    src = s.acodes[:-1][inner]
    tgt = s.acodes[1:][inner]
    dur = (s.times[1:] - s.times[:-1])[inner]
    edge_case = case_of_event[1:][inner]
    key = src * k + tgt

    if k * k <= 4_000_000:
        present = np.bincount(key, minlength=k * k)
        edges = np.flatnonzero(present)
        remap = np.zeros(k * k, dtype=np.int64)
        remap[edges] = np.arange(len(edges))
        edge_id = remap[key]
    else:
        edges = unique_sorted(key)
        edge_id = np.searchsorted(edges, key)
    n_edges = len(edges)
    frequency = np.bincount(edge_id, minlength=n_edges)
    # cases with the edge: distinct (case, edge) pairs
    if n_edges and n_cases * n_edges < 2**62:
        pair = unique_sorted(edge_case * n_edges + edge_id)
        cases = np.bincount(pair % n_edges, minlength=n_edges)
    elif n_edges:
        order = np.lexsort((edge_case, edge_id))
        e, c = edge_id[order], edge_case[order]
        first = np.concatenate(([True], (e[1:] != e[:-1]) | (c[1:] != c[:-1])))
        cases = np.bincount(e[first], minlength=n_edges)
    else:
        cases = np.zeros(0, dtype=np.int64)
    mean = (np.bincount(edge_id, weights=dur.astype(float), minlength=n_edges) / frequency
            if n_edges else np.zeros(0))
    median = group_median(edge_id, dur, n_edges) if n_edges else np.zeros(0)

    first_acts = np.bincount(s.acodes[s.starts], minlength=k)
    last_acts = np.bincount(s.acodes[s.starts + s.lengths - 1], minlength=k)
    labels = s.activity_labels
    starts_at = np.flatnonzero(first_acts)
    ends_at = np.flatnonzero(last_acts)
    return shape_dfg(labels[edges // k] if n_edges else [], labels[edges % k] if n_edges else [],
                     frequency, cases, mean, median, s.unit,
                     starts=dict(zip(labels[starts_at], first_acts[starts_at])),
                     ends=dict(zip(labels[ends_at], last_acts[ends_at])))


def shape_dfg(source, target, frequency, cases, mean, median, unit, *, starts, ends):
    """The DFG frame from its edges (in any order) and the start/end counts {activity: cases}.

    Durations are numbers in ``unit``; rows are sorted by frequency (descending), then source
    (``"▶"`` first) and target (``"■"`` last). The numpy core and the engines
    (:mod:`journeymining.engine`) shape their DFGs here, so the frames are equal.
    """
    n_edges = len(frequency)
    start_acts, start_n = list(starts), [int(v) for v in starts.values()]
    end_acts, end_n = list(ends), [int(v) for v in ends.values()]
    nat = np.full(len(start_acts) + len(end_acts), np.nan)
    frame = pd.DataFrame({
        "source": pd.Series(np.concatenate([np.asarray(source, dtype=object), np.asarray([START] * len(start_acts),
                                            dtype=object), np.asarray(end_acts, dtype=object)]), dtype=object),
        "target": pd.Series(np.concatenate([np.asarray(target, dtype=object), np.asarray(start_acts, dtype=object),
                                            np.asarray([END] * len(end_acts), dtype=object)]), dtype=object),
        "frequency": np.concatenate([np.asarray(frequency, dtype=np.int64), start_n, end_n]).astype(np.int64),
        "cases": np.concatenate([np.asarray(cases, dtype=np.int64), start_n, end_n]).astype(np.int64),
        "mean_duration": to_timedelta(np.concatenate([np.asarray(mean, dtype=float) if n_edges else [], nat]), unit),
        "median_duration": to_timedelta(np.concatenate([np.asarray(median, dtype=float) if n_edges else [], nat]),
                                        unit),
    })
    # start rows sort before any activity and end rows after the edges of the same source
    frame["_s"] = frame["source"].astype(str).where(frame["source"] != START, "")
    frame["_t"] = frame["target"].astype(str).where(frame["target"] != END, "\U0010ffff")
    frame = frame.sort_values(["frequency", "_s", "_t"], ascending=[False, True, True],
                              kind="stable").drop(columns=["_s", "_t"])
    return frame.reset_index(drop=True)


fill_docstrings(discover_dfg, unescape_braces=True)

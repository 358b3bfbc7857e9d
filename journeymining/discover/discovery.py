"""Actual journeys: path variants, directly-follows graphs and discovered process models.

Every verb takes an event log in the contract form (see ``docs/ARCHITECTURE.md``) first and the
three keys keyword-only. The variant table and the directly-follows graph are computed with
vectorised numpy over integer codes (one stable sort of the log, no per-case Python loop), so a
log of a million cases takes seconds. Process models are discovered by pm4py on the
*variant-level* log (one trace per variant with its count), so their cost grows with the number of
variants, not with the number of cases.

Examples
--------
>>> import pandas as pd
>>> from journeymining.discover.discovery import variant_table
>>> log = pd.DataFrame({
...     "case:concept:name": ["t1", "t1", "t2", "t2", "t3"],
...     "concept:name": ["Open", "Close", "Open", "Close", "Open"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 10:00",
...                                       "2024-01-02 09:00", "2024-01-02 12:00",
...                                       "2024-01-03 09:00"], utc=True),
... })
>>> variant_table(log)[["variant", "cases", "share"]]  # doctest: +NORMALIZE_WHITESPACE
                 variant  cases     share
variant_id
0           Open → Close      2  0.666667
1                   Open      1  0.333333
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from journeymining.core.docs import fill_docstrings
from journeymining.core import columns as C
from journeymining.core.eventlog import check_log
from journeymining.core.errors import EventLogError, preview

__all__ = [
    "ARROW",
    "START",
    "END",
    "JourneyModel",
    "variant_table",
    "case_variants",
    "discover_dfg",
    "discover_journey",
    "discover_bpmn",
]

#: Separator between activities in the ``variant`` column.
ARROW = " → "
#: Pseudo-activity used as ``source`` of the DFG rows that count how cases start.
START = "▶"
#: Pseudo-activity used as ``target`` of the DFG rows that count how cases end.
END = "■"

# Two independent polynomial hashes (Mersenne prime 2**31-1 and the largest prime below 2**31)
# with different bases identify a case's activity sequence; collisions are then ruled out by an
# exact element-wise comparison with the variant's example case, so the result is always exact.
_HASHES = ((2147483647, 1000003), (2147483629, 911382323))


# --------------------------------------------------------------------------------------------
# shared preparation: one stable sort, integer codes, case boundaries
# --------------------------------------------------------------------------------------------
class _Sorted(NamedTuple):
    case_labels: Any        # case id of each case (case order = order of first appearance)
    activity_labels: Any    # activity name of each activity code
    acodes: np.ndarray      # activity code of each event, events sorted by case then time
    times: np.ndarray       # int64 time of each sorted event (in ``unit``)
    unit: str               # numpy datetime unit of ``times`` ("ns", "us", ...)
    starts: np.ndarray      # index of the first event of each case
    lengths: np.ndarray     # number of events of each case


def _bad_rows(mask, log):
    """Index labels of the offending rows, for error messages."""
    return preview(log.index[np.asarray(mask)].tolist())


def _prepare(log, case_id_key, activity_key, timestamp_key, verb):
    check_log(log, case_id_key=case_id_key, activity_key=activity_key,
              timestamp_key=timestamp_key, verb=verb)
    if len(log) == 0:
        raise EventLogError(
            f"{verb}: the event log is empty (0 rows). Check the filters applied before, or the "
            "conversion with journeymining.tickets_to_event_log(...)."
        )
    ccodes, case_labels = pd.factorize(log[case_id_key], sort=False)
    if (ccodes < 0).any():
        raise EventLogError(
            f"{verb}: column {case_id_key!r} has {int((ccodes < 0).sum())} missing case ids "
            f"(rows {_bad_rows(ccodes < 0, log)}). Drop or fill those rows first."
        )
    acodes, activity_labels = pd.factorize(log[activity_key], sort=False)
    if (acodes < 0).any():
        raise EventLogError(
            f"{verb}: column {activity_key!r} has {int((acodes < 0).sum())} missing activities "
            f"(rows {_bad_rows(acodes < 0, log)}). Drop or fill those rows first."
        )
    stamps = log[timestamp_key]
    nat = stamps.isna().to_numpy()
    if nat.any():
        raise EventLogError(
            f"{verb}: column {timestamp_key!r} has {int(nat.sum())} missing timestamps "
            f"(rows {_bad_rows(nat, log)}). Drop or fill those rows first."
        )
    values = stamps.values  # numpy datetime64, UTC for timezone-aware columns
    unit = np.datetime_data(values.dtype)[0]
    times = values.view("int64")
    ccodes = ccodes.astype(np.int64, copy=False)
    acodes = acodes.astype(np.int64, copy=False)

    # Sort by case (order of first appearance) then time, stably; skip the sort when the log is
    # already in the contract order (the usual case).
    same = ccodes[1:] == ccodes[:-1]
    already = bool(np.all(ccodes[1:] >= ccodes[:-1]) and np.all(times[1:][same] >= times[:-1][same]))
    if not already:
        # stable order by (case, time): rank events by time (ties by position), then sort the
        # unique keys case * n + rank -- two argsorts, much faster than lexsort on two keys
        n = len(ccodes)
        rank = np.empty(n, dtype=np.int64)
        rank[np.argsort(times, kind="stable")] = np.arange(n, dtype=np.int64)
        order = np.argsort(ccodes * n + rank)
        ccodes, acodes, times = ccodes[order], acodes[order], times[order]
    n = len(ccodes)
    starts = np.flatnonzero(np.concatenate(([True], ccodes[1:] != ccodes[:-1])))
    lengths = np.diff(np.append(starts, n))
    return _Sorted(np.asarray(case_labels, dtype=object), np.asarray(activity_labels, dtype=object),
                   acodes, times, unit, starts, lengths)


def _to_timedelta(values, unit):
    """float or int array in ``unit`` -> TimedeltaIndex (NaN -> NaT)."""
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.iinfo(np.int64).min, dtype=np.int64)
    ok = ~np.isnan(values)
    out[ok] = np.rint(values[ok]).astype(np.int64)
    return pd.to_timedelta(out.view(f"timedelta64[{unit}]"))


def _group_median(groups, values, n_groups):
    """Median of ``values`` per group id in ``groups`` (0..n_groups-1, every group non-empty)."""
    counts = np.bincount(groups, minlength=n_groups)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    if n_groups <= 4096:
        # few groups (DFG edges): radix-sort by group, then a linear-time median per group
        v = values[np.argsort(groups.astype(np.uint16), kind="stable")]
        return np.array([np.median(v[a:a + c]) for a, c in zip(first, counts)], dtype=float)
    order = np.lexsort((values, groups))
    v = values[order].astype(float)
    lo = first + (counts - 1) // 2
    hi = first + counts // 2
    return (v[lo] + v[hi]) / 2.0


def _unique_sorted(values):
    """Sorted distinct values (sort-based; faster than numpy's hash-based unique on int64)."""
    v = np.sort(values)
    return v[np.concatenate(([True], v[1:] != v[:-1]))] if len(v) else v


def _variant_ids(s: _Sorted, hashes=None):
    """Variant id of each case (by first appearance) and the example (first) case of each variant."""
    hashes = _HASHES if hashes is None else hashes
    n = len(s.acodes)
    n_cases = len(s.starts)
    pos = np.arange(n, dtype=np.int64) - np.repeat(s.starts, s.lengths)
    max_len = int(s.lengths.max())
    symbols = s.acodes + 1
    keys = [s.lengths.astype(np.int64)]
    for prime, base in hashes:
        powers = np.empty(max_len, dtype=np.int64)
        p = 1
        for j in range(max_len):  # loop over positions (the longest case), not over events
            powers[j] = p
            p = (p * base) % prime
        terms = (symbols % prime) * powers[pos] % prime
        # reduceat sums < max_len * prime < 2**63 for any case shorter than 4e9 events
        keys.append(np.add.reduceat(terms, s.starts) % prime)
    # one key per case: (length, hash1, hash2); order cases by key, stably, to group them
    order = np.lexsort(tuple(reversed(keys)))
    sorted_keys = np.stack([k[order] for k in keys])
    new = np.concatenate(([True], np.any(sorted_keys[:, 1:] != sorted_keys[:, :-1], axis=0)))
    group_sorted = np.cumsum(new) - 1
    group = np.empty(n_cases, dtype=np.int64)
    group[order] = group_sorted
    # example case of each group: first case in case order (stable sort keeps it first)
    example = order[new]

    # exact check: every event equals the event at the same position of its group's example
    ex_start = s.starts[example[group]]
    same = s.acodes == s.acodes[np.repeat(ex_start, s.lengths) + pos]
    if not same.all():
        group, example = _split_collisions(s, group, same)
    # renumber groups by order of first appearance of their example case
    first_order = np.argsort(example, kind="stable")
    rank = np.empty_like(first_order)
    rank[first_order] = np.arange(len(first_order))
    return rank[group], example[first_order]


def _split_collisions(s: _Sorted, group, same_event):
    """Exact fallback for hash collisions: regroup the colliding cases by their activity tuples."""
    case_of_event = np.repeat(np.arange(len(s.starts)), s.lengths)
    bad_cases = np.unique(case_of_event[~same_event])
    bad_groups = np.unique(group[bad_cases])
    in_bad = np.isin(group, bad_groups)
    next_id = int(group.max()) + 1
    group = group.copy()
    table = {}
    for case in np.flatnonzero(in_bad):
        start = s.starts[case]
        key = tuple(s.acodes[start:start + s.lengths[case]].tolist())
        if key not in table:
            table[key] = next_id
            next_id += 1
        group[case] = table[key]
    _, group = np.unique(group, return_inverse=True)
    example = np.full(group.max() + 1, len(group), dtype=np.int64)
    np.minimum.at(example, group, np.arange(len(group)))
    return group, example


def _activities_of(s: _Sorted, case):
    start = s.starts[case]
    return tuple(s.activity_labels[s.acodes[start:start + s.lengths[case]]].tolist())


def _variant_frame(s: _Sorted, variant_of_case, examples):
    """Build the variant table (rows ordered most frequent first) and the old->new id map."""
    n_var = len(examples)
    counts = np.bincount(variant_of_case, minlength=n_var)
    through = (s.times[s.starts + s.lengths - 1] - s.times[s.starts]).astype(np.int64)
    mean = np.bincount(variant_of_case, weights=through.astype(float), minlength=n_var) / counts
    median = _group_median(variant_of_case, through, n_var)
    activities = [_activities_of(s, case) for case in examples]
    text = [ARROW.join(map(str, acts)) for acts in activities]
    frame = pd.DataFrame({
        "variant": pd.Series(text, dtype=object),
        "activities": pd.Series(activities, dtype=object),
        "length": s.lengths[examples].astype(np.int64),
        "cases": counts.astype(np.int64),
    })
    frame["share"] = frame["cases"] / len(variant_of_case)
    frame["example_case"] = pd.Series(s.case_labels[examples], dtype=object)
    frame["median_throughput"] = _to_timedelta(median, s.unit)
    frame["mean_throughput"] = _to_timedelta(mean, s.unit)
    frame = frame.sort_values(["cases", "variant"], ascending=[False, True], kind="stable")
    old_ids = frame.index.to_numpy()
    frame = frame.reset_index(drop=True)
    frame.insert(frame.columns.get_loc("share") + 1, "cumulative_share",
                 frame["cases"].cumsum() / len(variant_of_case))
    frame.index.name = "variant_id"
    new_of_old = np.empty(n_var, dtype=np.int64)
    new_of_old[old_ids] = np.arange(n_var)
    return frame, new_of_old


# --------------------------------------------------------------------------------------------
# variants
# --------------------------------------------------------------------------------------------
def variant_table(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """One row per path variant (distinct activity sequence of a case), most frequent first.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event (need not be sorted: events are ordered by case, then time,
        keeping the input order for ties).
    {keys}

    Returns
    -------
    pandas.DataFrame
        Indexed by ``variant_id`` (0 = most frequent; ties ordered by the variant text), with
        columns ``variant`` (activities joined with ``" → "``), ``activities`` (tuple),
        ``length`` (events), ``cases``, ``share`` (of all cases), ``cumulative_share``,
        ``example_case`` (the first case of the variant in the log), ``median_throughput`` and
        ``mean_throughput`` (Timedelta from the first to the last event of the case).

    Raises
    ------
    EventLogError
        If ``log`` is not a DataFrame, misses a key column, is empty, has missing case ids,
        activities or timestamps, or its timestamp column does not hold datetimes.

    See Also
    --------
    case_variants : the variant id of every case (same ids as this table).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a", "b", "b", "c"],
    ...     "concept:name": ["Chat", "Resolve", "Chat", "Resolve", "Mail"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01 08:00", "2024-05-01 09:00",
    ...                                       "2024-05-02 08:00", "2024-05-02 11:00",
    ...                                       "2024-05-03 08:00"], utc=True),
    ... })
    >>> table = variant_table(log)
    >>> table[["variant", "cases", "cumulative_share", "median_throughput"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                       variant  cases  cumulative_share median_throughput
    variant_id
    0           Chat → Resolve      2          0.666667   0 days 02:00:00
    1                     Mail      1          1.000000   0 days 00:00:00
    >>> table.loc[0, "activities"]
    ('Chat', 'Resolve')
    """
    s = _prepare(log, case_id_key, activity_key, timestamp_key, "variant_table")
    variant_of_case, examples = _variant_ids(s)
    frame, _ = _variant_frame(s, variant_of_case, examples)
    return frame


def case_variants(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """The path variant of every case, with the ids of :func:`variant_table`.

    Use it to do per-variant work once (clustering, conformance) and map the result back to the
    cases with a merge on ``variant_id``.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    {keys}

    Returns
    -------
    pandas.DataFrame
        One row per case, in order of first appearance in ``log``, with columns ``case_id_key``
        and ``variant_id`` (the index of the matching row of ``variant_table(log)``).

    Raises
    ------
    EventLogError
        As :func:`variant_table`.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "b", "b", "c", "c"],
    ...     "concept:name": ["Mail", "Chat", "Resolve", "Chat", "Resolve"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01", "2024-05-02", "2024-05-03",
    ...                                       "2024-05-04", "2024-05-05"], utc=True),
    ... })
    >>> case_variants(log)
      case:concept:name  variant_id
    0                 a           1
    1                 b           0
    2                 c           0
    """
    s = _prepare(log, case_id_key, activity_key, timestamp_key, "case_variants")
    variant_of_case, examples = _variant_ids(s)
    _, new_of_old = _variant_frame(s, variant_of_case, examples)
    return pd.DataFrame({
        case_id_key: pd.Series(s.case_labels, dtype=object),
        "variant_id": new_of_old[variant_of_case],
    })


# --------------------------------------------------------------------------------------------
# directly-follows graph
# --------------------------------------------------------------------------------------------
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
    s = _prepare(log, case_id_key, activity_key, timestamp_key, "discover_dfg")
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
        edges = _unique_sorted(key)
        edge_id = np.searchsorted(edges, key)
    n_edges = len(edges)
    frequency = np.bincount(edge_id, minlength=n_edges)
    # cases with the edge: distinct (case, edge) pairs
    if n_edges and n_cases * n_edges < 2**62:
        pair = _unique_sorted(edge_case * n_edges + edge_id)
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
    median = _group_median(edge_id, dur, n_edges) if n_edges else np.zeros(0)

    first_acts = np.bincount(s.acodes[s.starts], minlength=k)
    last_acts = np.bincount(s.acodes[s.starts + s.lengths - 1], minlength=k)
    starts_at = np.flatnonzero(first_acts)
    ends_at = np.flatnonzero(last_acts)
    labels = s.activity_labels
    nat = np.full(len(starts_at) + len(ends_at), np.nan)
    frame = pd.DataFrame({
        "source": pd.Series(np.concatenate([labels[edges // k] if n_edges else [],
                                            [START] * len(starts_at), labels[ends_at]]),
                            dtype=object),
        "target": pd.Series(np.concatenate([labels[edges % k] if n_edges else [],
                                            labels[starts_at], [END] * len(ends_at)]),
                            dtype=object),
        "frequency": np.concatenate([frequency, first_acts[starts_at],
                                     last_acts[ends_at]]).astype(np.int64),
        "cases": np.concatenate([cases, first_acts[starts_at], last_acts[ends_at]]).astype(np.int64),
        "mean_duration": _to_timedelta(np.concatenate([mean, nat]), s.unit),
        "median_duration": _to_timedelta(np.concatenate([median, nat]), s.unit),
    })
    # start rows sort before any activity and end rows after the edges of the same source
    frame["_s"] = frame["source"].astype(str).where(frame["source"] != START, "")
    frame["_t"] = frame["target"].astype(str).where(frame["target"] != END, "\U0010ffff")
    frame = frame.sort_values(["frequency", "_s", "_t"], ascending=[False, True, True],
                              kind="stable").drop(columns=["_s", "_t"])
    return frame.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# process models
# --------------------------------------------------------------------------------------------
@dataclass
class JourneyModel:
    """A process model of the actual journeys, discovered by :func:`discover_journey`.

    Attributes
    ----------
    algorithm : str
        ``"inductive"`` or ``"heuristics"``.
    net, initial_marking, final_marking
        The accepting Petri net (pm4py objects); for the heuristics miner, the net converted
        from the heuristics net.
    process_tree : pm4py.objects.process_tree.obj.ProcessTree or None
        The process tree (inductive miner only).
    heuristics_net : pm4py.objects.heuristics_net.obj.HeuristicsNet or None
        The heuristics net (heuristics miner only).
    parameters : dict
        The thresholds used.
    n_variants, n_cases : int
        Size of the variant-level log the model was discovered from.
    """

    algorithm: str
    net: Any
    initial_marking: Any
    final_marking: Any
    process_tree: Any = None
    heuristics_net: Any = None
    parameters: dict = field(default_factory=dict)
    n_variants: int = 0
    n_cases: int = 0

    def to_bpmn(self):
        """The model as a pm4py BPMN object (from the process tree, else from the Petri net)."""
        import pm4py

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.process_tree is not None:
                return pm4py.convert_to_bpmn(self.process_tree)
            return pm4py.convert_to_bpmn(self.net, self.initial_marking, self.final_marking)

    def __repr__(self):
        n_t = len(self.net.transitions) if self.net is not None else 0
        n_p = len(self.net.places) if self.net is not None else 0
        return (f"JourneyModel(algorithm={self.algorithm!r}, parameters={self.parameters}, "
                f"{self.n_variants} variants / {self.n_cases} cases, "
                f"Petri net with {n_p} places and {n_t} transitions)")

    def _repr_mimebundle_(self, include=None, exclude=None):
        from journeymining.viz import GraphvizNotFoundError, render

        try:
            return render(self)._repr_mimebundle_(include, exclude)
        except GraphvizNotFoundError:
            return None


def _variant_log(log, case_id_key, activity_key, timestamp_key, verb):
    """Counter {activity tuple: number of cases} (pm4py's UVCL) of the log, one entry per variant."""
    s = _prepare(log, case_id_key, activity_key, timestamp_key, verb)
    variant_of_case, examples = _variant_ids(s)
    counts = np.bincount(variant_of_case, minlength=len(examples))
    return Counter({_activities_of(s, case): int(c) for case, c in zip(examples, counts)})


def _heuristics_inputs(uvcl):
    """The counts pm4py's heuristics miner needs, computed once per variant, weighted by cases."""
    dfg, dfg2, triples = Counter(), Counter(), Counter()
    acts, start, end = Counter(), Counter(), Counter()
    for trace, count in uvcl.items():
        if not trace:
            continue
        start[trace[0]] += count
        end[trace[-1]] += count
        for a in trace:
            acts[a] += count
        for a, b in zip(trace, trace[1:]):
            dfg[(a, b)] += count
        for a, b in zip(trace, trace[2:]):
            dfg2[(a, b)] += count
        for a, b, c in zip(trace, trace[1:], trace[2:]):
            triples[(a, b, c)] += count
    return dict(dfg=dict(dfg), dfg_window_2=dict(dfg2), freq_triples=dict(triples),
                activities=list(acts), activities_occurrences=dict(acts),
                start_activities=dict(start), end_activities=dict(end))


_ALGORITHMS = ("inductive", "heuristics")


def discover_journey(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                     timestamp_key=C.TIMESTAMP, algorithm="inductive", noise_threshold=0.2,
                     dependency_threshold=0.5, and_threshold=0.65, loop_two_threshold=0.5):
    """Discover a process model of the actual journeys with pm4py.

    pm4py runs on the variant-level log (each distinct path once, with its number of cases), so
    the cost grows with the number of variants, not of cases. For the inductive miner the result
    is the same tree pm4py's ``discover_process_tree_inductive`` finds on the full log.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    {keys}
    algorithm : {{"inductive", "heuristics"}}, default "inductive"
        Inductive miner (infrequent variant, IMf, when ``noise_threshold > 0``) giving a sound
        process tree, or heuristics miner giving a heuristics net.
    noise_threshold : float, default 0.2
        Inductive miner: share of infrequent behaviour filtered out (0 keeps everything).
    dependency_threshold, and_threshold, loop_two_threshold : float
        Heuristics miner thresholds (pm4py's defaults 0.5, 0.65, 0.5).

    Returns
    -------
    JourneyModel
        With the Petri net, and the process tree or the heuristics net; ``.to_bpmn()`` converts
        it; :func:`journeymining.viz.rendering.render` draws it.

    Raises
    ------
    EventLogError
        As :func:`variant_table`.
    ValueError
        If ``algorithm`` is unknown or a threshold is outside [0, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a", "b", "b", "b"],
    ...     "concept:name": ["Chat", "Resolve", "Chat", "Escalate", "Resolve"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01", "2024-05-02", "2024-05-03",
    ...                                       "2024-05-04", "2024-05-05"], utc=True),
    ... })
    >>> model = discover_journey(log, noise_threshold=0.0)
    >>> print(model.process_tree)
    ->( 'Chat', X( tau, 'Escalate' ), 'Resolve' )
    """
    if algorithm not in _ALGORITHMS:
        raise ValueError(f"discover_journey: algorithm={algorithm!r} is not one of {_ALGORITHMS}.")
    for name, value in (("noise_threshold", noise_threshold),
                        ("dependency_threshold", dependency_threshold),
                        ("and_threshold", and_threshold),
                        ("loop_two_threshold", loop_two_threshold)):
        if not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"discover_journey: {name}={value!r} must be a number in [0, 1].")
    uvcl = _variant_log(log, case_id_key, activity_key, timestamp_key, "discover_journey")
    n_cases = sum(uvcl.values())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if algorithm == "inductive":
            from pm4py.algo.discovery.inductive import algorithm as inductive_miner
            from pm4py.objects.conversion.process_tree import converter as pt_converter

            from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
            from pm4py.objects.process_tree.utils import generic as pt_util

            # what inductive_miner.apply does after computing the variants of a log
            parameters = {"noise_threshold": noise_threshold, "multiprocessing": False,
                          "disable_fallthroughs": False}
            miner = (inductive_miner.IMFUVCL if noise_threshold > 0
                     else inductive_miner.IMUVCL)(parameters)
            tree = miner.apply(IMDataStructureUVCL(uvcl), parameters)
            tree = pt_util.fold(tree)
            pt_util.tree_sort(tree)
            net, im, fm = pt_converter.apply(tree)
            return JourneyModel("inductive", net, im, fm, process_tree=tree,
                                parameters={"noise_threshold": noise_threshold},
                                n_variants=len(uvcl), n_cases=n_cases)
        from pm4py.algo.discovery.heuristics.variants import classic as heuristics_miner
        from pm4py.objects.conversion.heuristics_net import converter as hn_converter

        inputs = _heuristics_inputs(uvcl)
        heu_params = {heuristics_miner.Parameters.DEPENDENCY_THRESH: dependency_threshold,
                      heuristics_miner.Parameters.AND_MEASURE_THRESH: and_threshold,
                      heuristics_miner.Parameters.LOOP_LENGTH_TWO_THRESH: loop_two_threshold}
        heu_net = heuristics_miner.apply_heu_dfg(inputs.pop("dfg"), parameters=heu_params,
                                                 **inputs)
        net, im, fm = hn_converter.apply(heu_net, parameters=heu_params)
        return JourneyModel("heuristics", net, im, fm, heuristics_net=heu_net,
                            parameters={"dependency_threshold": dependency_threshold,
                                        "and_threshold": and_threshold,
                                        "loop_two_threshold": loop_two_threshold},
                            n_variants=len(uvcl), n_cases=n_cases)


def discover_bpmn(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                  algorithm="inductive", noise_threshold=0.2, dependency_threshold=0.5):
    """Discover a BPMN model of the actual journeys (``discover_journey(...).to_bpmn()``).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    {keys}
    algorithm, noise_threshold, dependency_threshold
        As :func:`discover_journey`.

    Returns
    -------
    pm4py.objects.bpmn.obj.BPMN
        The BPMN diagram (render it with :func:`journeymining.viz.rendering.render`).

    Raises
    ------
    EventLogError, ValueError
        As :func:`discover_journey`.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a"],
    ...     "concept:name": ["Chat", "Resolve"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01", "2024-05-02"], utc=True),
    ... })
    >>> bpmn = discover_bpmn(log)
    >>> sorted(n.get_name() for n in bpmn.get_nodes() if n.get_name() in ("Chat", "Resolve"))
    ['Chat', 'Resolve']
    """
    model = discover_journey(log, case_id_key=case_id_key, activity_key=activity_key,
                             timestamp_key=timestamp_key, algorithm=algorithm,
                             noise_threshold=noise_threshold,
                             dependency_threshold=dependency_threshold)
    return model.to_bpmn()


fill_docstrings(variant_table, case_variants, discover_dfg, discover_journey, discover_bpmn, unescape_braces=True)

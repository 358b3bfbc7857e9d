"""Path variants: the variant table, the variant of every case, and the variant ids behind them.

A variant is the distinct activity sequence of a case. Variant ids are found with vectorised
numpy over the integer codes of :func:`journeymining.core.eventlog.code_log` (two polynomial
hashes per case, then an exact check against the variant's example case), so a log of a million
cases takes seconds. :func:`variant_ids`, :func:`variant_frame` and :func:`variant_log` are the
building blocks that conformance and the process-model miners reuse on the same coded log.

Examples
--------
>>> import pandas as pd
>>> from journeymining.discover import variant_table
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

from collections import Counter

import numpy as np
import pandas as pd

from journeymining.core.docs import fill_docstrings
from journeymining.core import columns as C
from journeymining.core.eventlog import CodedLog, code_log, memoized
from journeymining.discover.arrays import group_median, to_timedelta

__all__ = ["ARROW", "variant_table", "case_variants", "variant_ids", "variant_frame", "variant_log",
           "activities_of", "shape_variant_table"]

#: Separator between activities in the ``variant`` column.
ARROW = " → "

# Two independent polynomial hashes (Mersenne prime 2**31-1 and the largest prime below 2**31)
# with different bases identify a case's activity sequence; collisions are then ruled out by an
# exact element-wise comparison with the variant's example case, so the result is always exact.
_HASHES = ((2147483647, 1000003), (2147483629, 911382323))


def variant_ids(s: CodedLog, hashes=None):
    """Variant id of each case (by first appearance) and the example (first) case of each variant."""
    if hashes is None:   # computed once per coded log inside the pipeline (core.eventlog.coded_once)
        return memoized(s, "variant_ids", lambda: _variant_ids(s, _HASHES))
    return _variant_ids(s, hashes)


def _variant_ids(s, hashes):
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


def _split_collisions(s: CodedLog, group, same_event):
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


def activities_of(s: CodedLog, case):
    """The activity names of case number ``case`` of the coded log, as a tuple."""
    start = s.starts[case]
    return tuple(s.activity_labels[s.acodes[start:start + s.lengths[case]]].tolist())


def variant_frame(s: CodedLog, variant_of_case, examples):
    """Build the variant table (rows ordered most frequent first) and the old->new id map."""
    n_var = len(examples)
    counts = np.bincount(variant_of_case, minlength=n_var)
    through = (s.times[s.starts + s.lengths - 1] - s.times[s.starts]).astype(np.int64)
    mean = np.bincount(variant_of_case, weights=through.astype(float), minlength=n_var) / counts
    median = group_median(variant_of_case, through, n_var)
    activities = [activities_of(s, case) for case in examples]
    return shape_variant_table(activities, counts, s.case_labels[examples], median, mean, s.unit)


def shape_variant_table(activities, cases, example_case, median, mean, unit):
    """The variant table from one entry per variant, in any order, and the old->new id map.

    ``activities`` holds one tuple of activity names per variant, ``cases`` its number of cases,
    ``example_case`` its first case, ``median`` and ``mean`` its throughput times as numbers in
    ``unit`` (``"ns"``, ``"us"``, ...). Rows are ordered by cases (descending), then variant text;
    ``new_of_old[i]`` is the ``variant_id`` of input entry ``i``. Both the numpy core and the
    engines (:mod:`journeymining.engine`) shape their variants here, so the tables are equal.
    """
    counts = np.asarray(cases, dtype=np.int64)
    n_var = len(counts)
    n_cases = int(counts.sum())
    text = [ARROW.join(map(str, acts)) for acts in activities]
    frame = pd.DataFrame({
        "variant": pd.Series(text, dtype=object),
        "activities": pd.Series(list(activities), dtype=object),
        "length": np.array([len(a) for a in activities], dtype=np.int64),
        "cases": counts,
    })
    frame["share"] = frame["cases"] / n_cases
    frame["example_case"] = pd.Series(np.asarray(example_case, dtype=object), dtype=object)
    frame["median_throughput"] = to_timedelta(median, unit)
    frame["mean_throughput"] = to_timedelta(mean, unit)
    frame = frame.sort_values(["cases", "variant"], ascending=[False, True], kind="stable")
    old_ids = frame.index.to_numpy()
    frame = frame.reset_index(drop=True)
    frame.insert(frame.columns.get_loc("share") + 1, "cumulative_share",
                 frame["cases"].cumsum() / n_cases)
    frame.index.name = "variant_id"
    new_of_old = np.empty(n_var, dtype=np.int64)
    new_of_old[old_ids] = np.arange(n_var)
    return frame, new_of_old


def variant_log(log, case_id_key, activity_key, timestamp_key, verb):
    """Counter {activity tuple: number of cases} (pm4py's UVCL) of the log, one entry per variant."""
    s = code_log(log, case_id_key, activity_key, timestamp_key, verb)
    variant_of_case, examples = variant_ids(s)
    counts = np.bincount(variant_of_case, minlength=len(examples))
    return Counter({activities_of(s, case): int(c) for case, c in zip(examples, counts)})



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
    s = code_log(log, case_id_key, activity_key, timestamp_key, "variant_table")
    variant_of_case, examples = variant_ids(s)
    frame, _ = variant_frame(s, variant_of_case, examples)
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
    s = code_log(log, case_id_key, activity_key, timestamp_key, "case_variants")
    variant_of_case, examples = variant_ids(s)
    _, new_of_old = variant_frame(s, variant_of_case, examples)
    return pd.DataFrame({
        case_id_key: pd.Series(s.case_labels, dtype=object),
        "variant_id": new_of_old[variant_of_case],
    })


fill_docstrings(variant_table, case_variants, unescape_braces=True)

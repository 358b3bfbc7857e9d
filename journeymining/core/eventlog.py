"""The event log as every verb sees it: checked, sorted and coded once.

This is THE event-log core. :func:`code_log` sorts a log once (cases in order of first
appearance, events by time, ties in input order: a unique order) and turns it into integer codes:
a :class:`CodedLog` with activity codes, int64 times and case boundaries. Discovery
(:mod:`journeymining.discover`: variants, directly-follows graph, models) and conformance
(:mod:`journeymining.conform`) work on it and never sort again; :func:`event_order` gives the
same permutation for attaching other columns. :class:`SortedLog` is the same order with the
per-event helpers the journey measures need (first/last event of a case, gaps, categorical codes).
"""

import contextlib
import contextvars
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from journeymining.core import columns as C
from journeymining.core.errors import EventLogError, preview

__all__ = ["CodedLog", "SortedLog", "HOUR_NS", "check_log", "code_log", "coded_once", "event_order",
           "memoized", "sort_log"]

#: the memo of :func:`coded_once` (None outside such a block)
_MEMO = contextvars.ContextVar("journeymining_coded_once", default=None)


@contextlib.contextmanager
def coded_once():
    """Inside the block, :func:`code_log` codes each log object once (and :func:`memoized` keeps
    what is derived from a coded log, e.g. its variant ids).

    The pipeline (:func:`journeymining.pipeline.analyze`) runs its steps inside one such block:
    variants, discovery, conformance, clustering and the report all read the same log, which
    none of them modifies, so the sort and the integer coding are done once instead of once
    per step. The memoized arrays are read-only, so a step that tried to change them in place
    would fail loudly rather than corrupt the next step. Outside a block nothing is kept.
    """
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def memoized(owner, name, compute):
    """``compute()``, kept for the object ``owner`` under ``name`` inside a :func:`coded_once`
    block (computed each time outside one). Arrays in the result are made read-only."""
    memo = _MEMO.get()
    if memo is None:
        return compute()
    key = (id(owner), name)
    hit = memo.get(key)
    if hit is not None and hit[0] is owner:
        return hit[1]
    value = compute()
    for item in (value if isinstance(value, tuple) else (value,)):
        if isinstance(item, np.ndarray):
            item.flags.writeable = False
    memo[key] = (owner, value)      # the owner is held, so its id is not reused meanwhile
    return value

#: Nanoseconds in an hour (durations are int64 nanoseconds in the engine).
HOUR_NS = 3_600_000_000_000


def _ns(series):
    """Timestamps as int64 nanoseconds since the epoch (UTC), whatever the unit or zone."""
    s = pd.Series(series)
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    return s.astype("datetime64[ns]").to_numpy().view("int64")


class SortedLog:
    """An event log sorted and coded once: cases by first appearance, events by time (ties in input
    order), integer codes for cases, activities and any categorical column, and the per-event
    helpers every measure needs (first/last event of a case, gaps). Never the caller's frame."""

    def __init__(self, log, *, case_id_key, activity_key, timestamp_key, verb):
        check_log(log, case_id_key=case_id_key, activity_key=activity_key,
                  timestamp_key=timestamp_key, verb=verb)
        if log[timestamp_key].isna().any():
            rows = [int(i) for i in np.flatnonzero(log[timestamp_key].isna().to_numpy())[:5]]
            raise EventLogError(
                f"{verb}: column {timestamp_key!r} has {int(log[timestamp_key].isna().sum())} missing "
                f"timestamps (rows {rows}). Drop or repair those events first."
            )
        for key in (case_id_key, activity_key):
            if log[key].isna().any():
                rows = [int(i) for i in np.flatnonzero(log[key].isna().to_numpy())[:5]]
                raise EventLogError(
                    f"{verb}: column {key!r} has {int(log[key].isna().sum())} missing values "
                    f"(rows {rows}). Drop or repair those events first."
                )
        self.keys = (case_id_key, activity_key, timestamp_key)
        self._log = log
        self.columns = list(log.columns)
        self._cache = {}
        codes, cases = pd.factorize(log[case_id_key], sort=False)
        ts = _ns(log[timestamp_key])
        # already grouped by case (cases contiguous, in first-appearance order) and time-sorted?
        same = codes[1:] == codes[:-1]
        if len(codes) and (np.all(codes[1:] >= codes[:-1]) and np.all(ts[1:][same] >= ts[:-1][same])):
            self.order = None
        else:
            self.order = np.lexsort((ts, codes))
            codes, ts = codes[self.order], ts[self.order]
        self.codes = codes
        self.cases = pd.Index(cases).astype(str) if len(cases) else pd.Index([], dtype=object)
        self.n_cases = len(self.cases)
        self.n = len(codes)
        self.ts = ts
        acode, labels = pd.factorize(self._log[activity_key], sort=False)
        self.acode = acode if self.order is None else acode[self.order]
        self.act_labels = np.asarray(pd.Index(labels).astype(str), dtype=object)
        self._activity = None
        n = self.n
        self.first = np.ones(n, dtype=bool)
        self.first[1:] = codes[1:] != codes[:-1]
        self.last = np.ones(n, dtype=bool)
        self.last[:-1] = codes[1:] != codes[:-1]
        # gap to the previous event of the same case (ns; NaN at a case's first event)
        gap = np.empty(n, dtype="float64")
        gap[0:1] = np.nan
        gap[1:] = (self.ts[1:] - self.ts[:-1]).astype("float64")
        gap[self.first] = np.nan
        self.gap_before = gap
        after = np.empty(n, dtype="float64")
        after[:-1] = gap[1:]
        after[-1:] = np.nan
        after[self.last] = np.nan
        self.gap_after = after
        self.start = self.ts[self.first]
        self.end = self.ts[self.last]

    @property
    def activity(self):
        """Activity names of the sorted events (object array; prefer ``acode`` in hot paths)."""
        if self._activity is None:
            self._activity = self.act_labels[self.acode]
        return self._activity

    def act_codes(self, names):
        """Codes of the activities ``names`` (names absent from the log are ignored)."""
        index = {a: i for i, a in enumerate(self.act_labels)}
        return np.array([index[a] for a in names if a in index], dtype="int64")

    def is_act(self, names):
        return np.isin(self.acode, self.act_codes(names))

    def codes_of(self, name):
        """``(codes, labels)`` of a categorical column in sorted order (-1 = missing), or None."""
        key = ("codes", name)
        if key not in self._cache:
            if name not in self.columns or not self._log[name].notna().any():
                self._cache[key] = None
            else:
                codes, labels = pd.factorize(self._log[name], sort=False)
                if self.order is not None:
                    codes = codes[self.order]
                self._cache[key] = (codes, np.asarray(pd.Index(labels), dtype=object))
        return self._cache[key]

    def label_code(self, name, value):
        """Code of ``value`` in column ``name`` (-2 when the value never occurs)."""
        cl = self.codes_of(name)
        if cl is None:
            return -2
        hits = np.flatnonzero(cl[1] == value)
        return int(hits[0]) if len(hits) else -2

    def first_per_case(self, name):
        """Per case: the code of the column's first non-missing value (-1 when none)."""
        cl = self.codes_of(name)
        if cl is None:
            return None
        codes = cl[0]
        ok = codes >= 0
        out = np.full(self.n_cases, -1, dtype="int64")
        idx = np.flatnonzero(ok)
        if len(idx):
            cases = self.codes[idx]
            first = np.ones(len(idx), dtype=bool)
            first[1:] = cases[1:] != cases[:-1]
            out[cases[first]] = codes[idx[first]]
        return out

    def column(self, name):
        """The column ``name`` in sorted order as a Series with a 0..n-1 index (None if absent)."""
        if name not in self._cache:
            if name not in self.columns:
                self._cache[name] = None
            else:
                col = self._log[name]
                if self.order is not None:
                    col = col.take(self.order)
                self._cache[name] = col.reset_index(drop=True)
        return self._cache[name]

    def per_case(self, values, how):
        """Aggregate a per-row numeric array to one value per case (``sum`` only)."""
        if how != "sum":
            raise ValueError(how)
        return np.bincount(self.codes, weights=np.asarray(values, dtype="float64"),
                           minlength=self.n_cases)

    def changes(self, values, mask):
        """Per case: how often integer ``values`` (-1 = missing) change between consecutive rows
        selected by ``mask``."""
        idx = np.flatnonzero(mask & (np.asarray(values) >= 0))
        counts = np.zeros(self.n_cases, dtype="int64")
        if len(idx) < 2:
            return counts
        vals = np.asarray(values)[idx]
        cod = self.codes[idx]
        change = (cod[1:] == cod[:-1]) & (vals[1:] != vals[:-1])
        np.add.at(counts, cod[1:][change], 1)
        return counts


def check_log(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
              extra=(), verb="this function"):
    """Raise :class:`EventLogError` unless ``log`` is a DataFrame with the named columns."""
    if not isinstance(log, pd.DataFrame):
        raise EventLogError(
            f"{verb} needs an event log as a pandas DataFrame; got {type(log).__name__}. "
            "Convert tickets with journeymining.tickets_to_event_log(...) or read a log with "
            "journeymining.read_event_log(path)."
        )
    needed = [case_id_key, activity_key, timestamp_key, *extra]
    missing = [c for c in needed if c not in log.columns]
    if missing:
        raise EventLogError(
            f"{verb}: the event log has no column {missing[0]!r} "
            f"(missing: {missing}). Columns present: {list(log.columns)}. "
            "Pass case_id_key=/activity_key=/timestamp_key= to name your columns, or convert the "
            "tickets with journeymining.tickets_to_event_log(...)."
        )
    if not pd.api.types.is_datetime64_any_dtype(log[timestamp_key]):
        raise EventLogError(
            f"{verb}: column {timestamp_key!r} holds {log[timestamp_key].dtype}, not timestamps. "
            f"Parse it first, e.g. log[{timestamp_key!r}] = pd.to_datetime(log[{timestamp_key!r}], utc=True)."
        )
    return log


def sort_log(log, *, case_id_key=C.CASE, timestamp_key=C.TIMESTAMP):
    """Return a copy of ``log`` sorted by case then time, keeping file order for ties (stable)."""
    return log.sort_values([case_id_key, timestamp_key], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# the coded log: one stable sort, integer codes, case boundaries
# --------------------------------------------------------------------------------------------
class CodedLog(NamedTuple):
    """An event log sorted once and coded as integers (the result of :func:`code_log`).

    Cases are numbered in order of first appearance, events sorted by case then time (ties in
    input order); the arrays hold one entry per sorted event, or per case.
    """

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


def _sort_order(ccodes, times):
    """Stable order by (case code, time), or None when the events are already in that order."""
    same = ccodes[1:] == ccodes[:-1]
    if bool(np.all(ccodes[1:] >= ccodes[:-1]) and np.all(times[1:][same] >= times[:-1][same])):
        return None
    # stable order by (case, time): rank events by time (ties by position), then sort the
    # unique keys case * n + rank -- two argsorts, much faster than lexsort on two keys
    n = len(ccodes)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(times, kind="stable")] = np.arange(n, dtype=np.int64)
    return np.argsort(ccodes * n + rank)


def event_order(log, case_id_key=C.CASE, timestamp_key=C.TIMESTAMP):
    """The permutation that :func:`code_log` applies to the rows of ``log`` (None: already sorted).

    Cases in order of first appearance, events by time, ties in input order: a unique order, so
    ``log.iloc[event_order(log)]`` lists the events in the order of :func:`code_log`'s arrays.
    """
    ccodes = pd.factorize(log[case_id_key], sort=False)[0].astype(np.int64, copy=False)
    times = log[timestamp_key].values.view("int64")
    return _sort_order(ccodes, times)


def code_log(log, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
             verb="this function"):
    """Check ``log``, sort it once and code it as integers.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event (not modified; need not be sorted).
    case_id_key, activity_key, timestamp_key : str
        The key columns.
    verb : str
        Name of the calling verb, for error messages.

    Returns
    -------
    CodedLog
        Events sorted by case (order of first appearance) then time, ties in input order; the
        sort is skipped when the log is already in that order.

    Raises
    ------
    EventLogError
        If ``log`` is not a DataFrame, misses a key column, is empty, has missing case ids,
        activities or timestamps, or its timestamp column does not hold datetimes.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["b", "a", "b"],
    ...     "concept:name": ["Close", "Open", "Open"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-02", "2024-01-01", "2024-01-01"], utc=True),
    ... })
    >>> coded = code_log(log)
    >>> coded.case_labels.tolist(), coded.starts.tolist(), coded.lengths.tolist()
    (['b', 'a'], [0, 2], [2, 1])
    >>> coded.activity_labels[coded.acodes].tolist()
    ['Open', 'Close', 'Open']
    """
    check_log(log, case_id_key=case_id_key, activity_key=activity_key,
              timestamp_key=timestamp_key, verb=verb)
    return memoized(log, ("code_log", case_id_key, activity_key, timestamp_key),
                    lambda: _code_log(log, case_id_key, activity_key, timestamp_key, verb))


def _code_log(log, case_id_key, activity_key, timestamp_key, verb):
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
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):  # numpy datetime64 in UTC
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    values = stamps.to_numpy()
    unit = np.datetime_data(values.dtype)[0]
    times = values.view("int64")
    ccodes = ccodes.astype(np.int64, copy=False)
    acodes = acodes.astype(np.int64, copy=False)

    # Sort by case (order of first appearance) then time, stably; skip the sort when the log is
    # already in the contract order (the usual case).
    order = _sort_order(ccodes, times)
    if order is not None:
        ccodes, acodes, times = ccodes[order], acodes[order], times[order]
    n = len(ccodes)
    starts = np.flatnonzero(np.concatenate(([True], ccodes[1:] != ccodes[:-1])))
    lengths = np.diff(np.append(starts, n))
    return CodedLog(np.asarray(case_labels, dtype=object), np.asarray(activity_labels, dtype=object),
                    acodes, times, unit, starts, lengths)

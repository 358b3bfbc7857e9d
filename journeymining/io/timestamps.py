"""Timestamps of ticket exports: parsing to UTC, local-time localisation, epochs, implausible dates.

:func:`parse_timestamps` reads a column of times (ISO 8601, a strftime pattern, ``mixed``, or
seconds / milliseconds / microseconds since the epoch) to a ``datetime64[ns, UTC]`` Series. Naive
times are localised in the mapping's time zone, with daylight-saving gaps and overlaps repaired and
reported; times outside 1980-2100 (or beyond what nanoseconds can hold) are quarantined as
implausible. Every missing, bad or repaired value is recorded in the quality ledger.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from journeymining.io.cells import as_text, pick

__all__ = ["parse_timestamps"]

_MIN_YEAR, _MAX_YEAR = 1980, 2100
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")

_NAT = np.iinfo(np.int64).min
#: ``timestamp.format`` values for numbers since 1970-01-01 UTC, with nanoseconds per unit
_EPOCH_UNITS = {"epoch_s": 10**9, "epoch_ms": 10**6, "epoch_us": 10**3}


def _utc_series(ns):
    """int64 nanoseconds since the epoch (NaT = int64 min) -> ``datetime64[ns, UTC]`` Series."""
    return pd.Series(pd.DatetimeIndex(ns.view("datetime64[ns]"), tz="UTC"))


#: a time outside what nanoseconds can hold (before 1678 or after 2261): kept as "implausible"
_FAR = _NAT + 1
_NS_LO, _NS_HI = np.datetime64("1678-01-01", "s"), np.datetime64("2261-12-31", "s")


def _ns(values):
    """A datetime Series (naive or aware) as int64 nanoseconds (aware values converted to UTC).

    Times nanoseconds cannot hold (``9999-12-31``, year 1600) become ``_FAR``, which the
    plausibility check quarantines, instead of an ``OutOfBoundsDatetime`` error.
    """
    values = pd.Series(values)
    if values.dt.tz is not None:
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    arr = values.to_numpy()
    if arr.dtype == np.dtype("datetime64[ns]"):
        return arr.view("int64").copy()
    out = np.full(len(arr), _NAT, dtype=np.int64)
    nat = np.isnat(arr)
    inside = ~nat & (arr >= _NS_LO) & (arr <= _NS_HI)
    out[inside] = arr[inside].astype("datetime64[ns]").view("int64")
    out[~nat & ~inside] = _FAR
    return out


def parse_timestamps(values, *, fmt=None, timezone="UTC", dayfirst=False, column="timestamp",
                     ledger=None, rows=None, missing_check="missing_timestamp", missing_outcome="quarantined"):
    """Parse a column of times to UTC, recording every value that is missing, bad or repaired.

    Naive values are read in ``timezone``; values with an offset keep it. Returns a
    ``datetime64[ns, UTC]`` Series (0-based index) with NaT where the row cannot be used.
    """
    values = values.reset_index(drop=True)
    rows = np.arange(len(values)) if rows is None else rows
    utc = np.full(len(values), _NAT, dtype=np.int64)
    if pd.api.types.is_datetime64_any_dtype(values):
        blank = values.isna().to_numpy()
        bad = np.zeros(len(values), dtype=bool)
        ns = _ns(values)
        if values.dt.tz is not None:
            utc[~blank] = ns[~blank]
        elif (~blank).any():
            where = np.flatnonzero(~blank & (ns != _FAR))
            utc[ns == _FAR] = _FAR
            utc[where] = _localize(ns[where], timezone, column, ledger, rows[where], values, where)
    elif fmt in _EPOCH_UNITS:
        text, _ = as_text(values)
        blank = text.isna().to_numpy()
        number = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")
        ok = ~np.isnan(number)
        with np.errstate(invalid="ignore", over="ignore"):
            scaled = number * _EPOCH_UNITS[fmt]
            fits = ok & np.isfinite(scaled) & (np.abs(scaled) < 9.2e18)
        utc[fits] = scaled[fits].astype(np.int64)
        utc[ok & ~fits] = _FAR  # 1e10 s, inf, -1e12 s: far outside the plausible years
        bad = ~blank & ~ok
    else:
        text, _ = as_text(values)
        blank = text.isna().to_numpy()
        has_offset = text.str.contains(_OFFSET, regex=True).fillna(False).to_numpy(dtype=bool)
        if fmt and "%z" in fmt:
            has_offset = ~blank
        repaired_fmt = np.zeros(len(values), dtype=bool)
        for offset in (True, False):
            sel = has_offset & ~blank if offset else (~has_offset & ~blank)
            if not sel.any():
                continue
            sub = text[sel]
            kwargs = {"utc": True} if offset else {}
            if fmt in (None, "ISO8601", "iso8601"):
                got = pd.to_datetime(sub, format="ISO8601", errors="coerce", **kwargs)
            elif fmt == "mixed":
                got = pd.to_datetime(sub, format="mixed", dayfirst=dayfirst, errors="coerce", **kwargs)
            else:
                got = pd.to_datetime(sub, format=fmt, errors="coerce", **kwargs)
            ns = _ns(got)
            retry = ns == _NAT
            if fmt not in (None, "ISO8601", "iso8601") and retry.any():
                again = _ns(pd.to_datetime(sub[retry], format="ISO8601", errors="coerce", **kwargs))
                ns[retry] = again
                fixed = np.flatnonzero(sel)[np.flatnonzero(retry)[again != _NAT]]
                repaired_fmt[fixed] = True
            far = ns == _FAR
            ok = (ns != _NAT) & ~far
            idx = np.flatnonzero(sel)
            utc[idx[far]] = _FAR
            if offset:
                utc[idx[ok]] = ns[ok]
            elif ok.any():
                utc[idx[ok]] = _localize(ns[ok], timezone, column, ledger, rows[idx[ok]], values, idx[ok])
        bad = ~blank & (utc == _NAT)
        if ledger is not None and repaired_fmt.any():
            ledger.add(rows[repaired_fmt], column=column, check="timestamp_format", values=pick(values, repaired_fmt),
                       outcome="repaired", action=f"read as ISO 8601 (format {fmt!r} did not match)")
    lo = pd.Timestamp(f"{_MIN_YEAR}-01-01").value
    hi = pd.Timestamp(f"{_MAX_YEAR + 1}-01-01").value
    implausible = (utc != _NAT) & ((utc < lo) | (utc >= hi))
    bad = bad & ~implausible
    if ledger is not None:
        ledger.add(rows[blank], column=column, check=missing_check, values=pick(values, blank),
                   outcome=missing_outcome, action=missing_outcome)
        ledger.add(rows[bad], column=column, check="unparseable_timestamp", values=pick(values, bad),
                   outcome="quarantined", action="quarantined: not ISO 8601" if fmt in (None, "ISO8601", "iso8601") else f"quarantined: not {fmt} nor ISO 8601")
        ledger.add(rows[implausible], column=column, check="implausible_timestamp", values=pick(values, implausible),
                   outcome="quarantined", action=f"quarantined: outside {_MIN_YEAR}-{_MAX_YEAR}")
    utc[implausible] = _NAT
    return _utc_series(utc)


def _localize(naive_ns, timezone, column, ledger, rows, values, positions):
    """Local wall-clock times (int64 ns) in ``timezone`` -> UTC int64 ns, repairing DST problems.

    ``values``/``positions`` give the raw input value of each time, for the ledger.
    """
    if timezone in (None, "UTC"):
        return naive_ns
    naive = pd.DatetimeIndex(naive_ns.view("datetime64[ns]"))
    local = naive.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    out = local.tz_convert("UTC").tz_localize(None).to_numpy().view("int64").copy()
    trouble = np.flatnonzero(local.isna())
    if trouble.size:
        sub = naive[trouble]
        std = np.zeros(len(sub), dtype=bool)
        nonexistent = np.asarray(sub.tz_localize(timezone, ambiguous=std, nonexistent="NaT").isna())
        fixed = sub.tz_localize(timezone, ambiguous=std, nonexistent="shift_forward")
        out[trouble] = fixed.tz_convert("UTC").tz_localize(None).to_numpy().view("int64")
        if ledger is not None:
            t_rows, t_raw = rows[trouble], pick(values, positions[trouble])
            ledger.add(t_rows[nonexistent], column=column, check="nonexistent_local_time", values=t_raw[nonexistent],
                       outcome="repaired", action=f"shifted forward past the daylight-saving gap in {timezone}")
            ledger.add(t_rows[~nonexistent], column=column, check="ambiguous_local_time",
                       values=t_raw[~nonexistent], outcome="repaired",
                       action=f"read as standard time (the later occurrence) in {timezone}")
    return out

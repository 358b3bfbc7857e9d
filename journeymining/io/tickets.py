"""Where tickets become events.

:func:`tickets_to_event_log` reads a ticket export in one of three shapes and, driven by a
declarative mapping (:mod:`journeymining.io.mapping`), returns a pm4py-standard event log plus a
:class:`~journeymining.io.quality.QualityReport` accounting for every input row.

* ``events``  -- one row per activity or status change (an activity history);
* ``updates`` -- one row per ticket update holding the whole ticket state (audit snapshots); the
  events are the changes between consecutive rows of a ticket;
* ``wide``    -- one row per ticket with timestamp columns, melted into one event per column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journeymining.core import columns as C
from journeymining.core.progress import step
from journeymining.core.columns import CHANGED_FIELD, EVENT_KIND
from journeymining.core.errors import MappingError
from journeymining.io.mapping import Mapping, load_mapping
from journeymining.io.mapping_schema import suggest
from journeymining.io.templates import fill_template, template_fields
from journeymining.io.pseudonymize import load_key, pseudonymize
from journeymining.io.quality import Ledger, QualityReport
from journeymining.io.readers import read_table

_MIN_YEAR, _MAX_YEAR = 1980, 2100
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


@dataclass(frozen=True)
class Conversion:
    """The result of :func:`tickets_to_event_log`.

    Attributes
    ----------
    log : pandas.DataFrame
        The event log (pm4py column names; see docs/ARCHITECTURE.md).
    report : QualityReport
        What happened to every input row.
    mapping : Mapping
        The validated mapping that was applied.
    """

    log: pd.DataFrame
    report: QualityReport
    mapping: Mapping

    def _repr_html_(self):
        return (f"<p>Event log: {len(self.log):,} events, {self.log[C.CASE].nunique():,} cases</p>"
                + self.report._repr_html_())


def tickets_to_event_log(source, mapping, *, source_name=None) -> Conversion:
    """Turn a ticket export into a pm4py-standard event log, accounting for every input row.

    Parameters
    ----------
    source : str, path or pandas.DataFrame
        The export: CSV (any delimiter/encoding the mapping names), Parquet, Excel, JSON lines, XES,
        or a DataFrame (never modified).
    mapping : str, path, dict or Mapping
        The declarative mapping (YAML file or dict; format in README.md).
    source_name : str, optional
        Name used in messages and the report (default: the path, or ``<DataFrame>``).

    Returns
    -------
    Conversion
        ``.log`` (sorted by case then time, ties in input order), ``.report``, ``.mapping``.

    Raises
    ------
    MappingError
        The mapping is malformed or names a column the input does not have.
    InputFileError
        The input cannot be read.

    Examples
    --------
    >>> import pandas as pd
    >>> tickets = pd.DataFrame({
    ...     "ticket": ["T1", "T1", "T2", "T2", ""],
    ...     "status": ["New", "Solved", "New", "New", "New"],
    ...     "at": ["2024-03-01 09:00", "2024-03-01 10:30", "2024-03-02 08:00",
    ...            "2024-03-02 08:00", "2024-03-02 09:00"]})
    >>> conv = tickets_to_event_log(tickets, {"case": {"id": "ticket"}, "activity": "status",
    ...                                       "timestamp": {"column": "at", "timezone": "Europe/Rome"}})
    >>> conv.log[["case:concept:name", "concept:name", "time:timestamp"]]
      case:concept:name concept:name            time:timestamp
    0                T1          New 2024-03-01 08:00:00+00:00
    1                T1       Solved 2024-03-01 09:30:00+00:00
    2                T2          New 2024-03-02 07:00:00+00:00
    >>> conv.report.summary["rows"].to_dict()
    {'kept': 3, 'repaired': 0, 'quarantined': 2, 'total': 5}
    """
    m = load_mapping(mapping)
    name = source_name or ("<DataFrame>" if isinstance(source, pd.DataFrame) else str(source))
    src = m.source
    step(f"reading {name}")
    raw = read_table(
        source, format=src.get("format"), delimiter=src.get("delimiter"),
        encoding=src.get("encoding", "utf-8"), sheet=src.get("sheet"), skip_rows=src.get("skip_rows", 0),
    )
    notes = _read_notes(raw, m, name)
    raw = raw.reset_index(drop=True)
    _check_columns(raw, m, name)
    ledger = Ledger(len(raw))
    # markers and ids are checked on the values as read, then identifiers are pseudonymised (the
    # ledger shows no raw value of a pseudonymised column)
    work, na_counts = _blank_na_values(raw, m)
    work = _check_ids(work, m, ledger)
    work = _pseudonymized(work, m)
    work, m = _joined_activity(work, m)
    step(f"converting {len(raw):,} rows ({m.shape} shape)")
    builder = {"events": _from_events, "updates": _from_updates, "wide": _from_wide}[m.shape]
    events = builder(work, m, ledger)
    events = _attributes_at(events, m)
    events = _apply_activity_dictionary(events, m)
    events = _case_attributes(events, work, m, ledger)
    if m.notion == "customer":
        events = _customer_journeys(events, m, ledger)
    log = _finish(events)

    outcome = ledger.outcomes()
    row_events = np.bincount(log[C.SOURCE_ROW].to_numpy(), minlength=len(raw)).astype(np.int64)
    q_rows = np.flatnonzero(outcome == 2)
    issues = ledger.frame()
    reasons = issues[issues["outcome"] == "quarantined"].groupby("row")["check"].agg(", ".join)
    # quarantined rows as read, except that pseudonymised columns carry the log's pseudonyms
    quarantined = raw.iloc[q_rows].copy()
    for col, _ in m.pseudonymize_columns:
        quarantined[col] = work[col].iloc[q_rows].to_numpy()
    quarantined.insert(0, "reason", reasons.reindex(q_rows).to_numpy())
    quarantined.insert(0, "row", q_rows)
    report = QualityReport(
        source=name, shape=m.shape, n_rows=len(raw), issues=issues,
        quarantined=quarantined.reset_index(drop=True), row_outcome=outcome, row_events=row_events,
        na_values=na_counts, notes=tuple(notes),
    )
    return Conversion(log=log, report=report, mapping=m)


# ---------------------------------------------------------------------------------------------
# checks shared by the three shapes

def _read_notes(raw, m, name):
    """What the reader repaired (renamed duplicate columns, XES events outside traces), as sentences.

    A mapping that names a duplicated column is refused: it cannot say which of the two it means.
    """
    notes = []
    used = {col for _, col in m.input_columns()}
    for col, renamed in (raw.attrs.get("duplicate_columns") or {}).items():
        if col in used:
            raise MappingError(
                f"{name}: the header holds {col!r} {len(renamed)} times (read as {renamed}) and the mapping "
                f"{m.origin} names {col!r}, so it is not clear which one is meant. Rename the duplicates in "
                f"the export, or name one of {renamed[1:]} in the mapping.")
        notes.append(f"column {col!r} appears {len(renamed)} times in the header; read as {renamed} (not used "
                     "by the mapping)")
    declared = raw.attrs.get("classifiers") or {}
    chosen = list(m.activity_columns) or ([m.activity] if m.activity else [])
    # ambiguous: a declared classifier refines the chosen activity (e.g. adds lifecycle:transition)
    multi = {n: keys for n, keys in declared.items() if len(keys) > len(chosen) and set(chosen) < set(keys)}
    if chosen and multi:
        listed = "; ".join(f"{n!r}: [{', '.join(k)}]" for n, k in declared.items())
        example = next(iter(multi.values()))
        notes.append(f"the XES file declares the classifiers {listed}; the activity is {chosen}. To use one, write "
                     f"activity: {{columns: [{', '.join(example)}], join: '+'}}")
    outside = raw.attrs.get("outside_trace", 0)
    if outside:
        notes.append(f"{outside} XES <event> element(s) outside any <trace> (quarantined: they have no case)")
    return notes


def _check_columns(raw, m, name):
    present = [str(c) for c in raw.columns]
    missing = [(key, col) for key, col in m.input_columns() if col not in raw.columns]
    if missing:
        listed = "; ".join(f"{col!r} (at '{key}'){suggest(col, present)}" for key, col in missing)
        raise MappingError(
            f"The mapping {m.origin} names {len(missing)} column(s) that {name} does not have: {listed} "
            f"Columns present: {present}. Fix the mapping or the export."
        )


def _pseudonymized(raw, m):
    if not m.pseudonymize_columns:
        return raw
    key = load_key(key_env=m.key_env, key_file=m.key_file)
    work = raw.copy()
    for col, domain in m.pseudonymize_columns:
        text, _ = _as_text(work[col])
        work[col] = pseudonymize(text, key, domain=domain)
    return work


def _blank_na_values(frame, m):
    """Cells equal to a ``source.na_values`` marker (surrounding spaces ignored) become missing.

    Returns the new frame and a table (marker, column, cells) of what was blanked.
    """
    counts = []
    if not m.na_values:
        return frame, pd.DataFrame(columns=["marker", "column", "cells"])
    markers = list(m.na_values)
    frame = frame.copy()
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_datetime64_any_dtype(series.dtype):
            continue
        text = series.astype("str").str.strip()
        hit = text.isin(markers).to_numpy(dtype=bool, na_value=False)
        if not hit.any():
            continue
        for marker, cells in text[hit].value_counts(sort=False).items():
            counts.append((marker, str(col), int(cells)))
        frame[col] = series.where(~hit, None)
    table = pd.DataFrame(counts, columns=["marker", "column", "cells"])
    return frame, table.sort_values(["marker", "column"], kind="stable").reset_index(drop=True)


def _joined_activity(frame, m):
    """``activity: {columns: [a, b], join: '+'}``: one activity column ``a+b`` joining the values."""
    if not m.activity_columns:
        return frame, m
    label = m.activity_label
    parts = [_as_text(frame[c])[0].astype("str") for c in m.activity_columns]
    joined = parts[0]
    for part in parts[1:]:  # missing parts are left out: a, b -> "a+b"; a, - -> "a"
        joined = joined.str.cat(part, sep=m.activity_join).fillna(joined).fillna(part)
    frame = frame.copy()
    frame[label] = joined
    return frame, m.replace(activity=label, activity_columns=())


#: values that stand for "no id" in exports; reported when they appear as ids
ID_PLACEHOLDERS = ("NULL", "null", "Null", "N/A", "n/a", "NA", "?", "-", "none", "None", "nil", "(empty)", "#N/A")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00a0\u00ad]")


def _check_ids(frame, m, ledger):
    """Ids made of invisible characters are cleaned (repaired); placeholder ids are reported.

    Zero-width characters, no-break spaces and soft hyphens are removed from case and customer ids
    (so ``T1\u200b`` and ``T1`` are one ticket). A placeholder such as ``NULL`` that the mapping did
    not declare in ``source.na_values`` is reported as ``placeholder_id`` (kept for the ticket id; for
    customer journeys it is quarantined: two unrelated ``NULL`` customers are never one journey).
    """
    hidden = {c for c, _ in m.pseudonymize_columns}
    copied = False
    for key, col in (("case.id", m.case_id), ("case.customer", m.customer)):
        if not col or col not in frame:
            continue
        series = frame[col]
        if pd.api.types.is_numeric_dtype(series.dtype):
            continue
        text = series.astype("str")

        def shown(mask):
            return "(pseudonymised)" if col in hidden else text[mask].map(ascii).to_numpy(dtype=object)

        invisible = text.str.contains(_INVISIBLE, regex=True).to_numpy(dtype=bool, na_value=False)
        if invisible.any():
            ledger.add(np.flatnonzero(invisible), column=col, check="invisible_characters", values=shown(invisible),
                       outcome="repaired", action="removed zero-width / no-break characters from the id")
            if not copied:
                frame, copied = frame.copy(), True
            frame[col] = series.where(~invisible, text.str.replace(_INVISIBLE, "", regex=True))
            text = frame[col].astype("str")
        if key == "case.customer" or col in hidden:  # the case id's own spaces are reported by the shape
            spaced = (text.str.strip() != text).to_numpy(dtype=bool, na_value=False) & \
                (text.str.strip() != "").to_numpy(dtype=bool, na_value=False) & text.notna().to_numpy()
            ledger.add(np.flatnonzero(spaced), column=col, check="whitespace", values=shown(spaced),
                       outcome="repaired", action="stripped surrounding spaces")
        placeholder = text.str.strip().isin(ID_PLACEHOLDERS).to_numpy(dtype=bool, na_value=False)
        if placeholder.any():
            rows = np.flatnonzero(placeholder)
            if key == "case.customer" and m.notion == "customer":
                ledger.add(rows, column=col, check="placeholder_id", values=shown(placeholder), outcome="quarantined",
                           action="quarantined: a placeholder is no customer (add it to source.na_values)")
            else:
                ledger.add(rows, column=col, check="placeholder_id", values=shown(placeholder), outcome="kept",
                           action="kept as an id; add it to source.na_values if it means 'none'")
    return frame


def _attributes_at(events, m):
    """``attributes: {x: {column: c, at: A}}``: ``x`` only on the events whose activity is ``A``."""
    for name, at in m.attributes_at.items():
        if name in events:
            events[name] = events[name].where(events[C.ACTIVITY] == at)
    return events


def _pick(series, mask):
    """Values of ``series`` at a boolean mask or positions, as objects (converts only those rows)."""
    series = series.reset_index(drop=True)
    if isinstance(mask, np.ndarray) and mask.dtype == bool:
        if not mask.any():
            return np.empty(0, dtype=object)
        return series[mask].to_numpy(dtype=object)
    return series.iloc[mask].to_numpy(dtype=object)


def _as_text(series):
    """Text with surrounding spaces stripped and blanks missing; also which values were stripped."""
    if pd.api.types.is_float_dtype(series.dtype):
        finite = series.dropna()
        if len(finite) and np.all(np.isfinite(finite.to_numpy())) and np.all(finite.to_numpy() % 1 == 0) \
                and np.all(np.abs(finite.to_numpy()) < 2**53):
            series = series.astype("Int64")  # Parquet integer ids with gaps arrive as floats: 7, not 7.0
    text = series if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object else series.astype("str")
    stripped = text.str.strip()
    changed = (stripped != text).to_numpy(dtype=bool, na_value=False)
    stripped = stripped.mask(stripped == "")
    return stripped, changed


def _required_text(frame, column, check, ledger, rows=None, *, whitespace=True):
    """Text of ``column``; empty values are quarantined with ``check``; stripped ones repaired."""
    text, changed = _as_text(frame[column])
    rows = np.arange(len(frame)) if rows is None else rows
    missing = text.isna().to_numpy()
    ledger.add(rows[missing], column=column, check=check, values=_pick(frame[column], missing),
               outcome="quarantined", action="quarantined")
    if whitespace:
        fix = changed & ~missing
        ledger.add(rows[fix], column=column, check="whitespace", values=_pick(frame[column], fix),
                   outcome="repaired", action="stripped surrounding spaces")
    return text


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
        text, _ = _as_text(values)
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
        text, _ = _as_text(values)
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
            ledger.add(rows[repaired_fmt], column=column, check="timestamp_format", values=_pick(values, repaired_fmt),
                       outcome="repaired", action=f"read as ISO 8601 (format {fmt!r} did not match)")
    lo = pd.Timestamp(f"{_MIN_YEAR}-01-01").value
    hi = pd.Timestamp(f"{_MAX_YEAR + 1}-01-01").value
    implausible = (utc != _NAT) & ((utc < lo) | (utc >= hi))
    bad = bad & ~implausible
    if ledger is not None:
        ledger.add(rows[blank], column=column, check=missing_check, values=_pick(values, blank),
                   outcome=missing_outcome, action=missing_outcome)
        ledger.add(rows[bad], column=column, check="unparseable_timestamp", values=_pick(values, bad),
                   outcome="quarantined", action="quarantined: not ISO 8601" if fmt in (None, "ISO8601", "iso8601") else f"quarantined: not {fmt} nor ISO 8601")
        ledger.add(rows[implausible], column=column, check="implausible_timestamp", values=_pick(values, implausible),
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
            t_rows, t_raw = rows[trouble], _pick(values, positions[trouble])
            ledger.add(t_rows[nonexistent], column=column, check="nonexistent_local_time", values=t_raw[nonexistent],
                       outcome="repaired", action=f"shifted forward past the daylight-saving gap in {timezone}")
            ledger.add(t_rows[~nonexistent], column=column, check="ambiguous_local_time",
                       values=t_raw[~nonexistent], outcome="repaired",
                       action=f"read as standard time (the later occurrence) in {timezone}")
    return out


def _duplicates(raw, ledger, m, *, codes=None, ts_ns=None):
    """Flag rows that repeat an earlier row in every column.

    An exact duplicate shares its case and time with the row it repeats, so when those are known
    only rows sharing both are compared in full (work grows with the candidates, not the rows).
    """
    if codes is not None and ts_ns is not None:
        key = pd.DataFrame({"c": codes, "t": ts_ns})
        candidates = np.flatnonzero(key.duplicated(keep=False).to_numpy())
    else:
        candidates = np.arange(len(raw))
    dup = np.zeros(len(raw), dtype=bool)
    if candidates.size == 0:
        return dup
    sub = raw.iloc[candidates]
    sub_dup = sub.duplicated(keep="first").to_numpy()
    if not sub_dup.any():
        return dup
    dup[candidates[sub_dup]] = True
    firsts = sub[~sub_dup]
    lookup = pd.Series(candidates[~sub_dup], index=pd.MultiIndex.from_frame(firsts.astype(str)))
    originals = lookup.reindex(pd.MultiIndex.from_frame(sub[sub_dup].astype(str))).to_numpy()
    keep = m.duplicates != "quarantine"
    ledger.add(np.flatnonzero(dup), column="*", check="exact_duplicate",
               values=[f"same as row {int(o)}" for o in originals],
               outcome="kept" if keep else "quarantined",
               action="kept (duplicates: keep)" if keep else "quarantined (duplicates: quarantine)")
    return np.zeros(len(raw), dtype=bool) if keep else dup


def _optional_text(frame, column):
    if column is None:
        return None
    text, _ = _as_text(frame[column])
    return text


def _base_columns(frame, m):
    """Event attributes that come straight from the row (resource, group, channel, attributes)."""
    cols = {}
    if m.resource:
        cols[C.RESOURCE] = _optional_text(frame, m.resource)
    if m.group:
        cols[C.GROUP] = _optional_text(frame, m.group)
    if m.channel:
        cols[C.CHANNEL] = _optional_text(frame, m.channel)
    elif m.channel_value:
        cols[C.CHANNEL] = pd.Series(m.channel_value, index=frame.index, dtype="string")
    for out, col in m.attributes.items():
        cols[out] = frame[col].reset_index(drop=True)
    if m.customer:
        cols[C.CUSTOMER] = _optional_text(frame, m.customer)
    return {k: v.reset_index(drop=True) for k, v in cols.items()}


def _numeric_attributes(events, ledger, m):
    if C.CSAT in events:
        raw = events[C.CSAT]
        if not pd.api.types.is_numeric_dtype(raw):
            text, _ = _as_text(raw)
            num = pd.to_numeric(text, errors="coerce")
            bad = (text.notna() & num.isna()).to_numpy()
            ledger.add(events[C.SOURCE_ROW].to_numpy()[bad], column=m.attributes.get(C.CSAT, C.CSAT),
                       check="not_a_number", values=raw.to_numpy()[bad], outcome="repaired",
                       action="csat set to missing")
            events[C.CSAT] = num.astype("float64")
    return events


# ---------------------------------------------------------------------------------------------
# shape: events

def _from_events(raw, m, ledger):
    n = len(raw)
    rows = np.arange(n)
    case = _required_text(raw, m.case_id, "missing_case_id", ledger)
    activity = _required_text(raw, m.activity, "missing_activity", ledger)
    ts = parse_timestamps(raw[m.timestamp], fmt=m.timestamp_format, timezone=m.timezone, dayfirst=m.dayfirst,
                          column=m.timestamp, ledger=ledger, rows=rows)
    activity = activity.replace(m.rename) if m.rename else activity
    if m.allowed is not None:
        unknown = (activity.notna() & ~activity.isin(m.allowed)).to_numpy()
        if unknown.any():
            outcome = "quarantined" if m.unknown == "quarantine" else "kept"
            ledger.add(rows[unknown], column=m.activity, check="unknown_activity",
                       values=_pick(activity, unknown), outcome=outcome,
                       action=f"{outcome} (activities.unknown: {m.unknown})")
    codes = pd.factorize(case, sort=True)[0]  # once: duplicates, order checks, sorting, case attributes
    ts_ns = ts.array.asi8
    _duplicates(raw, ledger, m, codes=codes, ts_ns=ts_ns)
    kept = np.flatnonzero(~ledger.quarantined_rows())
    _flag_out_of_order(codes[kept], ts_ns[kept], kept, ledger, m.timestamp)
    # the events are built once, directly in their final order: case, then time, then input row
    sel = kept[np.lexsort((kept, ts_ns[kept], codes[kept]))]
    columns = {C.CASE: case, C.ACTIVITY: activity, C.TIMESTAMP: ts, **_base_columns(raw, m)}
    events = pd.DataFrame({k: v.array.take(sel) for k, v in columns.items()})
    events[C.TICKET] = events[C.CASE]
    events[C.SOURCE_ROW] = sel
    events["__case"] = codes[sel]
    return _numeric_attributes(events, ledger, m)


def _flag_out_of_order(codes, ts_ns, rows, ledger, column):
    """Rows earlier than an earlier row of their case (in input order) are repaired by sorting.

    ``codes``, ``ts_ns`` and ``rows`` describe the usable rows in input order.
    """
    if len(rows) == 0:
        return
    ts = pd.Series(ts_ns)
    prev_max = ts.groupby(codes, sort=False).cummax().groupby(codes, sort=False).shift()
    late = (ts < prev_max).to_numpy()
    if late.any():
        shown = pd.DatetimeIndex(ts_ns[late].view("datetime64[ns]"), tz="UTC").astype(str)
        ledger.add(rows[late], column=column, check="out_of_order", values=np.asarray(shown, dtype=object),
                   outcome="repaired", action="moved into time order")


# ---------------------------------------------------------------------------------------------
# shape: updates (audit snapshots)


def _status_columns(m):
    """The tracked columns whose changes are status changes (``event_kind`` "status").

    Those flagged ``status: true``; when none is, every tracked column that is not flagged
    ``group``, ``channel`` or ``resource``.
    """
    flagged = {t.column for t in m.track if t.status}
    if flagged:
        return flagged
    return {t.column for t in m.track if not (t.group or t.channel or t.resource)}


def _from_updates(raw, m, ledger):
    n = len(raw)
    rows = np.arange(n)
    case = _required_text(raw, m.case_id, "missing_case_id", ledger)
    ts = parse_timestamps(raw[m.timestamp], fmt=m.timestamp_format, timezone=m.timezone, dayfirst=m.dayfirst,
                          column=m.timestamp, ledger=ledger, rows=rows)
    codes = pd.factorize(case, sort=True)[0]
    _duplicates(raw, ledger, m, codes=codes, ts_ns=ts.array.asi8)
    keep = ~ledger.quarantined_rows()
    snap = pd.DataFrame({C.CASE: case, C.TIMESTAMP: ts, C.SOURCE_ROW: rows})
    base = _base_columns(raw, m)
    for k, v in base.items():
        snap[k] = v
    tracked = {}
    for t in m.track:
        tracked[t.column], _ = _as_text(raw[t.column])
        snap["__t_" + t.column] = tracked[t.column]
    templates = [m.first_activity] + [t.activity for t in m.track]
    for name in {f for tpl in templates for f in template_fields(tpl)}:
        if name in raw.columns and "__c_" + name not in snap:
            snap["__c_" + name] = _as_text(raw[name])[0].reset_index(drop=True)
    snap["__case"] = codes
    snap = snap[keep]
    _flag_out_of_order(snap["__case"].to_numpy(), snap[C.TIMESTAMP].array.asi8, snap[C.SOURCE_ROW].to_numpy(),
                       ledger, m.timestamp)
    order = np.lexsort((snap[C.SOURCE_ROW].to_numpy(), snap[C.TIMESTAMP].array.asi8, snap["__case"].to_numpy()))
    snap = snap.iloc[order].reset_index(drop=True)
    first = (snap[C.CASE] != snap[C.CASE].shift()).fillna(True).to_numpy(dtype=bool)
    status = _status_columns(m)

    pieces = []
    created = snap[first].copy()
    created[C.ACTIVITY] = fill_template(m.first_activity, created).to_numpy()
    created[EVENT_KIND] = "status"
    created[CHANGED_FIELD] = "(first)"
    created["__order"] = -1
    pieces.append(created)
    for i, t in enumerate(m.track):
        cur = snap["__t_" + t.column]
        prev = cur.shift()
        changed = ((cur.fillna("\0") != prev.fillna("\0")).to_numpy()) & ~first
        if not changed.any():
            continue
        ev = snap[changed].copy()
        ev[C.ACTIVITY] = fill_template(t.activity, ev, new=cur[changed], old=prev[changed], column=t.column).to_numpy()
        ev[EVENT_KIND] = "status" if t.column in status else "change"
        ev[CHANGED_FIELD] = t.column
        ev["__order"] = i
        pieces.append(ev)
    events = pd.concat(pieces, ignore_index=True)
    # a tracked team / channel / agent column describes every event of its snapshot
    for t in m.track:
        for flag, col in ((t.group, C.GROUP), (t.channel, C.CHANNEL), (t.resource, C.RESOURCE)):
            if flag and col not in base:
                events[col] = events["__t_" + t.column]
    events = events.sort_values([C.SOURCE_ROW, "__order"], kind="stable")
    events[C.TICKET] = events[C.CASE]
    drop = [c for c in events.columns if c.startswith("__") and c != "__case"]
    return _numeric_attributes(events.drop(columns=drop).reset_index(drop=True), ledger, m)


# ---------------------------------------------------------------------------------------------
# shape: wide (one row per ticket)

def _from_wide(raw, m, ledger):
    n = len(raw)
    rows = np.arange(n)
    case = _required_text(raw, m.case_id, "missing_case_id", ledger)
    dup = _duplicates(raw, ledger, m)
    again = (case.duplicated(keep="first") & case.notna()).to_numpy() & ~dup
    if again.any():
        ledger.add(rows[again], column=m.case_id, check="duplicate_case_id", values=case.to_numpy()[again],
                   outcome="quarantined", action="quarantined: the first row of this ticket was used")
    base = _base_columns(raw, m)
    times = {}
    for col in m.events:
        times[col] = parse_timestamps(raw[col], fmt=m.timestamp_format, timezone=m.timezone,
                                      dayfirst=m.dayfirst, column=col, ledger=None, rows=rows)
    # per-cell problems: a bad cell loses one event of the row, which is otherwise kept
    for col in m.events:
        text, _ = _as_text(raw[col])
        bad = (text.notna() & times[col].isna()).to_numpy()
        ledger.add(rows[bad], column=col, check="unparseable_timestamp", values=raw[col].to_numpy()[bad],
                   outcome="repaired", action=f"event '{m.events[col]}' left out")
    any_time = np.zeros(n, dtype=bool)
    for col in m.events:
        any_time |= times[col].notna().to_numpy()
    ledger.add(rows[~any_time & case.notna().to_numpy()], column=", ".join(m.events), check="no_event_timestamps",
               values="", outcome="quarantined", action="quarantined: no event can be made")
    keep = ~ledger.quarantined_rows()
    pieces = []
    previous = None
    disorder = np.zeros(n, dtype=bool)
    for i, (col, activity) in enumerate(m.events.items()):
        t = times[col]
        if previous is not None:
            disorder |= (t < previous).fillna(False).to_numpy(dtype=bool)
            previous = previous.where(previous.notna() & (previous > t).fillna(True) | t.isna(), t)
            previous = previous.where(previous.notna(), t)
        else:
            previous = t
        sel = t.notna().to_numpy() & keep
        if not sel.any():
            continue
        ev = pd.DataFrame({C.CASE: case[sel].to_numpy(), C.ACTIVITY: activity, C.TIMESTAMP: t[sel].to_numpy(),
                           C.SOURCE_ROW: rows[sel], "__order": i})
        for k, v in base.items():
            ev[k] = v[sel].to_numpy()
        if col in m.resources:
            ev[C.RESOURCE] = _optional_text(raw, m.resources[col])[sel].to_numpy()
        pieces.append(ev)
    disorder &= keep
    ledger.add(rows[disorder], column=", ".join(m.events), check="out_of_order", values="", outcome="repaired",
               action="events ordered by time, not by column order")
    if not pieces:
        events = pd.DataFrame(columns=[C.CASE, C.ACTIVITY, C.TIMESTAMP, C.SOURCE_ROW])
        events[C.TIMESTAMP] = pd.Series(dtype="datetime64[ns, UTC]")
    else:
        events = pd.concat(pieces, ignore_index=True)
        events = events.sort_values([C.SOURCE_ROW, C.TIMESTAMP, "__order"], kind="stable").drop(columns="__order")
    events[C.TICKET] = events[C.CASE]
    return _numeric_attributes(events.reset_index(drop=True), ledger, m)


# ---------------------------------------------------------------------------------------------
# after the shape: dictionary, case attributes, customer journeys, final order

def _apply_activity_dictionary(events, m):
    if m.rename and m.shape != "events":
        events[C.ACTIVITY] = events[C.ACTIVITY].replace(m.rename)
    if not m.touchpoints:
        return events
    codes, uniques = pd.factorize(events[C.ACTIVITY])
    for key, col in (("touchpoint", C.TOUCHPOINT), ("stage", C.STAGE), ("actor", C.ACTOR), ("channel", C.CHANNEL)):
        lookup = {a: spec[key] for a, spec in m.touchpoints.items() if key in spec}
        if not lookup:
            continue
        table = np.array([lookup.get(u) for u in uniques] + [None], dtype=object)
        mapped = pd.Series(table[codes], index=events.index, dtype="str")
        if col in events:
            events[col] = events[col].where(events[col].notna(), mapped)
        else:
            events[col] = mapped.astype("string")
    return events


def _case_codes(events):
    if "__case" in events:
        return events["__case"].to_numpy()
    return pd.factorize(events[C.CASE], sort=True)[0]


def _case_attributes(events, raw, m, ledger):
    """``case:<name>`` columns: the case's first value in time; other values are reported as repaired."""
    case_attributes = dict(m.case_attributes)
    if m.customer:
        case_attributes["customer"] = m.customer
    if not case_attributes or events.empty:
        return events
    cc = _case_codes(events)
    order = np.lexsort((np.arange(len(events)), events[C.TIMESTAMP].array.asi8, cc))
    first_pos = np.empty(cc.max() + 1, dtype=np.int64)
    first_pos[cc[order[::-1]]] = order[::-1]  # the earliest event of each case wins
    src = events[C.SOURCE_ROW].to_numpy()
    for name, col in case_attributes.items():
        text, _ = _as_text(raw[col])
        vcodes, uniques = pd.factorize(text)
        ev = vcodes[src]
        first = ev[first_pos[cc]]
        differs = ev != first
        if differs.any():
            firsts = np.asarray(uniques, dtype=object)[first[differs]] if len(uniques) else first[differs]
            ledger.add(src[differs], column=col, check="case_attribute_varies",
                       values=_pick(text, src[differs]), outcome="repaired",
                       action=[f"case:{name} set to the case's first value {v!r}" for v in firsts])
        events["case:" + name] = pd.Categorical.from_codes(first, categories=uniques).astype("str") \
            if len(uniques) else pd.Series(np.nan, index=events.index, dtype="str")
    return events


def _customer_journeys(events, m, ledger):
    """Cases become customers' journeys: a customer's tickets, split where they were inactive > gap."""
    customer = events[C.CUSTOMER]
    missing = customer.isna().to_numpy()
    if missing.any():
        ledger.add(np.unique(events[C.SOURCE_ROW].to_numpy()[missing]), column=m.customer, check="missing_customer",
                   values="", outcome="quarantined", action="quarantined: cases are customers")
        events = events[~missing].reset_index(drop=True)
    if events.empty:
        return events
    tickets = events.groupby(C.TICKET, sort=False).agg(
        customer=(C.CUSTOMER, "first"), start=(C.TIMESTAMP, "min"), end=(C.TIMESTAMP, "max"))
    tickets = tickets.reset_index().sort_values(["customer", "start", C.TICKET], kind="stable")
    end_ns = tickets["end"].astype("int64")
    prev_end = end_ns.groupby(tickets["customer"].to_numpy(), sort=False).cummax()
    prev_end = prev_end.groupby(tickets["customer"].to_numpy(), sort=False).shift()
    gap_ns = m.gap.value
    new = (prev_end.isna() | ((tickets["start"].astype("int64") - prev_end) > gap_ns)).to_numpy()
    journey = pd.Series(new.astype(np.int64), index=tickets.index).groupby(tickets["customer"].to_numpy()).cumsum()
    tickets["journey"] = tickets["customer"].astype(str) + "#" + journey.astype(str)
    events[C.CASE] = events[C.TICKET].map(dict(zip(tickets[C.TICKET], tickets["journey"]))).astype("str")
    return events.drop(columns="__case", errors="ignore")


def _finish(events):
    """Sort by case then time (ties keep their order) and set the output dtypes."""
    if events.empty:
        cols = [C.CASE, C.ACTIVITY, C.TIMESTAMP, C.TICKET, C.SOURCE_ROW]
        out = pd.DataFrame({c: pd.Series(dtype="str") for c in cols})
        out[C.TIMESTAMP] = pd.Series(dtype="datetime64[ns, UTC]")
        out[C.SOURCE_ROW] = pd.Series(dtype="int64")
        return out
    cc = _case_codes(events)
    events = events.drop(columns="__case", errors="ignore")
    events[C.TIMESTAMP] = events[C.TIMESTAMP].astype("datetime64[ns, UTC]")
    t = events[C.TIMESTAMP].array.asi8
    dc, dt = np.diff(cc), np.diff(t)
    if not np.all((dc > 0) | ((dc == 0) & (dt >= 0))):
        order = np.lexsort((np.arange(len(events)), t, cc))
        events = events.iloc[order]
    out = events.reset_index(drop=True)
    out[C.SOURCE_ROW] = out[C.SOURCE_ROW].astype("int64")
    for col in out.columns:  # one text dtype throughout: pandas' default str (missing = NaN)
        if out[col].dtype == object or (isinstance(out[col].dtype, pd.StringDtype) and out[col].dtype != "str"):
            out[col] = out[col].astype("str")
    first = [C.CASE, C.ACTIVITY, C.TIMESTAMP]
    return out[first + [c for c in out.columns if c not in first]]


__all__ = ["Conversion", "tickets_to_event_log", "parse_timestamps"]

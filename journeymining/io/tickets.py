"""Where tickets become events.

:func:`tickets_to_event_log` reads a ticket export in one of three shapes and, driven by a
declarative mapping (:mod:`journeymining.io.mapping`), returns a pm4py-standard event log plus a
:class:`~journeymining.io.quality.QualityReport` accounting for every input row.

* ``events``  -- one row per activity or status change (an activity history);
* ``updates`` -- one row per ticket update holding the whole ticket state (audit snapshots); the
  events are the changes between consecutive rows of a ticket;
* ``wide``    -- one row per ticket with timestamp columns, melted into one event per column.

The shapes' events are built in :mod:`journeymining.io.shapes` (times parsed by
:mod:`journeymining.io.timestamps`, ids checked by :mod:`journeymining.io.ids`); this module reads
the input and holds the steps before and after the shape: notes of the reader, column checks,
``na_values``, pseudonymisation, joined activities, the activity dictionary, case attributes,
customer journeys and the final order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from journeymining.core import columns as C
from journeymining.core.progress import step
from journeymining.core.columns import CHANGED_FIELD, EVENT_KIND  # noqa: F401
from journeymining.core.errors import MappingError
from journeymining.io.cells import as_text, pick
from journeymining.io.ids import ID_PLACEHOLDERS, check_ids  # noqa: F401
from journeymining.io.mapping import Mapping, load_mapping
from journeymining.io.mapping_schema import suggest
from journeymining.io.pseudonymize import load_key, pseudonymize
from journeymining.io.quality import Ledger, QualityReport
from journeymining.io.readers import read_table
from journeymining.io.shapes import SHAPE_BUILDERS
from journeymining.io.timestamps import parse_timestamps



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
    work = check_ids(work, m, ledger)
    work = _pseudonymized(work, m)
    work, m = _joined_activity(work, m)
    step(f"converting {len(raw):,} rows ({m.shape} shape)")
    builder = SHAPE_BUILDERS[m.shape]
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
        text, _ = as_text(work[col])
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
    parts = [as_text(frame[c])[0].astype("str") for c in m.activity_columns]
    joined = parts[0]
    for part in parts[1:]:  # missing parts are left out: a, b -> "a+b"; a, - -> "a"
        joined = joined.str.cat(part, sep=m.activity_join).fillna(joined).fillna(part)
    frame = frame.copy()
    frame[label] = joined
    return frame, m.replace(activity=label, activity_columns=())


def _attributes_at(events, m):
    """``attributes: {x: {column: c, at: A}}``: ``x`` only on the events whose activity is ``A``."""
    for name, at in m.attributes_at.items():
        if name in events:
            events[name] = events[name].where(events[C.ACTIVITY] == at)
    return events


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
        text, _ = as_text(raw[col])
        vcodes, uniques = pd.factorize(text)
        ev = vcodes[src]
        first = ev[first_pos[cc]]
        differs = ev != first
        if differs.any():
            firsts = np.asarray(uniques, dtype=object)[first[differs]] if len(uniques) else first[differs]
            ledger.add(src[differs], column=col, check="case_attribute_varies",
                       values=pick(text, src[differs]), outcome="repaired",
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

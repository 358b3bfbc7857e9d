"""The three ticket-export shapes, each turned into events: ``events``, ``updates``, ``wide``.

* :func:`from_events`  -- one row per activity or status change (an activity history);
* :func:`from_updates` -- one row per ticket update holding the whole ticket state (audit
  snapshots); the events are the changes of the tracked columns between consecutive rows of a
  ticket (``event_kind`` and ``changed_field`` say which);
* :func:`from_wide`    -- one row per ticket with timestamp columns, melted into one event per column.

Each builder takes the input (after id checks and pseudonymisation), the validated mapping and the
quality ledger, records exact duplicates, bad timestamps and out-of-order rows, and returns the
events before the steps shared by every shape (:mod:`journeymining.io.tickets`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeymining.core import columns as C
from journeymining.core.columns import CHANGED_FIELD, EVENT_KIND
from journeymining.io.cells import as_text, optional_text, pick, required_text
from journeymining.io.templates import fill_template, template_fields
from journeymining.io.timestamps import parse_timestamps

__all__ = ["from_events", "from_updates", "from_wide", "SHAPE_BUILDERS"]


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


def _base_columns(frame, m):
    """Event attributes that come straight from the row (resource, group, channel, attributes)."""
    cols = {}
    if m.resource:
        cols[C.RESOURCE] = optional_text(frame, m.resource)
    if m.group:
        cols[C.GROUP] = optional_text(frame, m.group)
    if m.channel:
        cols[C.CHANNEL] = optional_text(frame, m.channel)
    elif m.channel_value:
        cols[C.CHANNEL] = pd.Series(m.channel_value, index=frame.index, dtype="string")
    for out, col in m.attributes.items():
        cols[out] = frame[col].reset_index(drop=True)
    if m.customer:
        cols[C.CUSTOMER] = optional_text(frame, m.customer)
    return {k: v.reset_index(drop=True) for k, v in cols.items()}


def _numeric_attributes(events, ledger, m):
    if C.CSAT in events:
        raw = events[C.CSAT]
        if not pd.api.types.is_numeric_dtype(raw):
            text, _ = as_text(raw)
            num = pd.to_numeric(text, errors="coerce")
            bad = (text.notna() & num.isna()).to_numpy()
            ledger.add(events[C.SOURCE_ROW].to_numpy()[bad], column=m.attributes.get(C.CSAT, C.CSAT),
                       check="not_a_number", values=raw.to_numpy()[bad], outcome="repaired",
                       action="csat set to missing")
            events[C.CSAT] = num.astype("float64")
    return events


# ---------------------------------------------------------------------------------------------
# shape: events

def from_events(raw, m, ledger):
    n = len(raw)
    rows = np.arange(n)
    case = required_text(raw, m.case_id, "missing_case_id", ledger)
    activity = required_text(raw, m.activity, "missing_activity", ledger)
    ts = parse_timestamps(raw[m.timestamp], fmt=m.timestamp_format, timezone=m.timezone, dayfirst=m.dayfirst,
                          column=m.timestamp, ledger=ledger, rows=rows)
    activity = activity.replace(m.rename) if m.rename else activity
    if m.allowed is not None:
        unknown = (activity.notna() & ~activity.isin(m.allowed)).to_numpy()
        if unknown.any():
            outcome = "quarantined" if m.unknown == "quarantine" else "kept"
            ledger.add(rows[unknown], column=m.activity, check="unknown_activity",
                       values=pick(activity, unknown), outcome=outcome,
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


def from_updates(raw, m, ledger):
    n = len(raw)
    rows = np.arange(n)
    case = required_text(raw, m.case_id, "missing_case_id", ledger)
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
        tracked[t.column], _ = as_text(raw[t.column])
        snap["__t_" + t.column] = tracked[t.column]
    templates = [m.first_activity] + [t.activity for t in m.track]
    for name in {f for tpl in templates for f in template_fields(tpl)}:
        if name in raw.columns and "__c_" + name not in snap:
            snap["__c_" + name] = as_text(raw[name])[0].reset_index(drop=True)
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

def from_wide(raw, m, ledger):
    n = len(raw)
    rows = np.arange(n)
    case = required_text(raw, m.case_id, "missing_case_id", ledger)
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
        text, _ = as_text(raw[col])
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
            ev[C.RESOURCE] = optional_text(raw, m.resources[col])[sel].to_numpy()
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


#: shape name -> the builder of its events
SHAPE_BUILDERS = {"events": from_events, "updates": from_updates, "wide": from_wide}

"""Tickets -> event log, on hand-written tables whose expected events are written out here."""

import io

import numpy as np
import pandas as pd
import pytest

from journeymining import _columns as C
from journeymining.errors import MappingError
from journeymining.tickets import tickets_to_event_log

SAMPLES = "data/samples"


def _csv(text):
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _events(log, *cols):
    cols = cols or (C.CASE, C.ACTIVITY, C.TIMESTAMP)
    out = log[list(cols)].copy()
    if C.TIMESTAMP in cols:
        out[C.TIMESTAMP] = out[C.TIMESTAMP].dt.strftime("%Y-%m-%d %H:%M")
    return [tuple(r) for r in out.itertuples(index=False)]


# --------------------------------------------------------------------------- events shape

EVENTS = _csv("""ticket,status,at,agent
T1,New,2024-03-01 10:00,ann
T1, Solved ,2024-03-01 11:30,bob
T2,New,2024-03-01 09:00,ann
T2,Assigned,2024-03-01 08:59,ann
T1,Closed,2024-03-01 11:30,bob
T2,New,2024-03-01 09:00,ann
,New,2024-03-01 09:00,ann
T3,New,31/02/2024,ann
""")
EVENTS_MAP = {"case": {"id": "ticket"}, "activity": "status", "resource": "agent",
              "timestamp": {"column": "at", "format": "%Y-%m-%d %H:%M", "timezone": "Europe/Rome"}}


def test_events_shape_converts_sorts_and_accounts_for_every_row():
    conv = tickets_to_event_log(EVENTS, EVENTS_MAP)
    # Rome is UTC+1 in March 2024; T2's "Assigned" (08:59) came after "New" (09:00) in the
    # file, so it is moved before it; T1's "Solved" and "Closed" tie at 11:30: file order.
    assert _events(conv.log) == [
        ("T1", "New", "2024-03-01 09:00"),
        ("T1", "Solved", "2024-03-01 10:30"),
        ("T1", "Closed", "2024-03-01 10:30"),
        ("T2", "Assigned", "2024-03-01 07:59"),
        ("T2", "New", "2024-03-01 08:00"),
    ]
    assert str(conv.log[C.TIMESTAMP].dtype) == "datetime64[ns, UTC]"
    assert conv.log[C.SOURCE_ROW].tolist() == [0, 1, 4, 3, 2]
    assert conv.log[C.RESOURCE].tolist() == ["ann", "bob", "bob", "ann", "ann"]
    summary = conv.report.summary["rows"].to_dict()
    assert summary == {"kept": 3, "repaired": 2, "quarantined": 3, "total": 8}
    issues = conv.report.issues
    assert issues[["row", "check", "outcome"]].values.tolist() == [
        [1, "whitespace", "repaired"],
        [3, "out_of_order", "repaired"],
        [5, "exact_duplicate", "quarantined"],
        [6, "missing_case_id", "quarantined"],
        [7, "unparseable_timestamp", "quarantined"],
    ]
    assert issues.loc[issues["row"] == 5, "value"].item() == "same as row 2"
    q = conv.report.quarantined
    assert q["row"].tolist() == [5, 6, 7]
    assert q["reason"].tolist() == ["exact_duplicate", "missing_case_id", "unparseable_timestamp"]
    assert q["at"].tolist() == ["2024-03-01 09:00", "2024-03-01 09:00", "31/02/2024"]  # raw, unchanged
    assert conv.report.row_events.tolist() == [1, 1, 1, 1, 1, 0, 0, 0]


def test_input_frame_is_not_modified():
    before = EVENTS.copy()
    tickets_to_event_log(EVENTS, EVENTS_MAP)
    pd.testing.assert_frame_equal(EVENTS, before)


def test_duplicates_keep_is_reported_not_silent():
    conv = tickets_to_event_log(EVENTS, {**EVENTS_MAP, "duplicates": "keep"})
    assert len(conv.log) == 6
    dup = conv.report.issues[conv.report.issues["check"] == "exact_duplicate"]
    assert dup[["row", "outcome"]].values.tolist() == [[5, "kept"]]


def test_iso_fallback_is_a_repair_and_offsets_are_respected():
    frame = _csv("""ticket,status,at
T1,New,2024-03-01 10:00
T1,Done,2024-03-01T12:00:00+05:00
""")
    conv = tickets_to_event_log(frame, {"case": {"id": "ticket"}, "activity": "status",
                                        "timestamp": {"column": "at", "format": "%Y-%m-%d %H:%M"}})
    assert _events(conv.log) == [("T1", "Done", "2024-03-01 07:00"), ("T1", "New", "2024-03-01 10:00")]
    checks = conv.report.issues[["row", "check", "outcome"]].values.tolist()
    assert [1, "timestamp_format", "repaired"] in checks


def test_daylight_saving_gaps_and_overlaps_are_repaired_and_reported():
    frame = _csv("""ticket,status,at
T1,a,2024-03-31 02:30
T1,b,2024-10-27 02:30
T1,c,2024-10-27 04:00
""")
    conv = tickets_to_event_log(frame, {"case": {"id": "ticket"}, "activity": "status",
                                        "timestamp": {"column": "at", "timezone": "Europe/Rome"}})
    # 02:30 on 31 March does not exist in Rome (clocks jump 02:00 -> 03:00): shifted to 03:00 CEST
    # = 01:00 UTC. 02:30 on 27 October happens twice: read as standard time (CET) = 01:30 UTC.
    assert _events(conv.log) == [("T1", "a", "2024-03-31 01:00"), ("T1", "b", "2024-10-27 01:30"),
                                 ("T1", "c", "2024-10-27 03:00")]
    assert conv.report.issues[["row", "check"]].values.tolist() == [
        [0, "nonexistent_local_time"], [1, "ambiguous_local_time"]]


def test_activity_dictionary_and_unknown_activities():
    mapping = {**EVENTS_MAP, "activities": {
        "rename": {"New": "Open ticket"}, "allowed": ["Open ticket", "Solved"], "unknown": "quarantine",
        "touchpoints": {"Open ticket": {"stage": "Contact", "actor": "frontstage", "channel": "web"}}}}
    conv = tickets_to_event_log(EVENTS, mapping)
    assert _events(conv.log, C.CASE, C.ACTIVITY, C.STAGE) == [
        ("T1", "Open ticket", "Contact"), ("T1", "Solved", np.nan), ("T2", "Open ticket", "Contact")]
    unknown = conv.report.issues[conv.report.issues["check"] == "unknown_activity"]
    assert unknown[["row", "value"]].values.tolist() == [[3, "Assigned"], [4, "Closed"]]


# --------------------------------------------------------------------------- updates shape

AUDIT = _csv("""number,sys_updated_on,sys_updated_by,state,assignment_group,contact_type,priority
INC1,2024-03-01 09:00:00,alice,New,Service Desk,phone,3
INC1,2024-03-01 09:05:00,alice,In Progress,Service Desk,phone,3
INC1,2024-03-01 10:00:00,bob,In Progress,Network,phone,2
INC1,2024-03-01 10:30:00,bob,In Progress,Network,phone,2
INC1,2024-03-01 11:00:00,carol,Resolved,Network,email,2
INC2,2024-03-02 08:30:00,dave,In Progress,Service Desk,chat,4
INC2,2024-03-02 08:00:00,dave,New,Service Desk,chat,4
INC2,,dave,Closed,Service Desk,chat,4
""")
AUDIT_MAP = {
    "shape": "updates", "case": {"id": "number"}, "resource": "sys_updated_by",
    "timestamp": {"column": "sys_updated_on"},
    "track": {"state": {"activity": "{new}"},
              "assignment_group": {"activity": "Handoff to {new}", "group": True},
              "contact_type": {"activity": "Channel switch to {new}", "channel": True},
              "priority": {"activity": "Priority {old} -> {new}"}},
    "first": {"activity": "Ticket created"},
}


def test_update_snapshots_become_the_changes_between_rows():
    conv = tickets_to_event_log(AUDIT, AUDIT_MAP)
    got = _events(conv.log, C.CASE, C.ACTIVITY, C.TIMESTAMP, C.RESOURCE, C.GROUP, C.CHANNEL)
    assert got == [
        ("INC1", "Ticket created", "2024-03-01 09:00", "alice", "Service Desk", "phone"),
        ("INC1", "In Progress", "2024-03-01 09:05", "alice", "Service Desk", "phone"),
        ("INC1", "Handoff to Network", "2024-03-01 10:00", "bob", "Network", "phone"),
        ("INC1", "Priority 3 -> 2", "2024-03-01 10:00", "bob", "Network", "phone"),
        ("INC1", "Resolved", "2024-03-01 11:00", "carol", "Network", "email"),
        ("INC1", "Channel switch to email", "2024-03-01 11:00", "carol", "Network", "email"),
        # INC2's rows are out of file order: sorted by time, "New" is the first snapshot
        ("INC2", "Ticket created", "2024-03-02 08:00", "dave", "Service Desk", "chat"),
        ("INC2", "In Progress", "2024-03-02 08:30", "dave", "Service Desk", "chat"),
    ]
    # row 3 changed nothing: kept, no event; row 7 has no time: quarantined; row 6 repaired
    assert conv.report.row_events.tolist() == [1, 1, 2, 0, 2, 1, 1, 0]
    assert conv.report.summary["rows"].to_dict() == {"kept": 6, "repaired": 1, "quarantined": 1, "total": 8}
    assert conv.report.issues[["row", "check"]].values.tolist() == [[6, "out_of_order"], [7, "missing_timestamp"]]


def test_updates_mapping_without_track_is_refused():
    with pytest.raises(MappingError, match="needs 'track:'"):
        tickets_to_event_log(AUDIT, {k: v for k, v in AUDIT_MAP.items() if k != "track"})


def test_shipped_servicenow_mapping_converts_the_audit_example():
    conv = tickets_to_event_log(f"{SAMPLES}/servicenow_audit_example.csv",
                                f"{SAMPLES}/mappings/servicenow_audit.yaml")
    assert conv.report.summary.at["total", "rows"] == len(pd.read_csv(f"{SAMPLES}/servicenow_audit_example.csv"))
    assert conv.log[C.ACTIVITY].iloc[0] == "Ticket created"
    assert conv.log[C.CASE].nunique() == 3


# --------------------------------------------------------------------------- wide shape

WIDE = _csv("""ticket_id,customer,channel,created_at,first_response_at,resolved_at,closed_at,csat
T1,C1,chat,2024-03-01 09:00,2024-03-01 09:10,2024-03-01 12:00,2024-03-02 12:00,5
T2,C2,e-mail,2024-03-01 10:00,,2024-03-03 10:00,,n/a
T3,C1,phone,2024-03-05 08:00,2024-03-05 07:00,,,
T4,C3,chat,not a date,,,,
T1,C1,chat,2024-03-01 09:00,2024-03-01 09:10,2024-03-01 12:00,2024-03-02 12:00,5
T2,C9,chat,2024-03-09 10:00,,,,
""")
WIDE_MAP = {"shape": "wide", "case": {"id": "ticket_id", "customer": "customer"}, "channel": "channel",
            "attributes": {"csat": "csat"},
            "events": {"created_at": "Ticket created", "first_response_at": "First response",
                       "resolved_at": "Resolved", "closed_at": "Closed"}}


def test_wide_tickets_melt_into_events():
    conv = tickets_to_event_log(WIDE, WIDE_MAP)
    assert _events(conv.log, C.CASE, C.ACTIVITY, C.TIMESTAMP, C.CHANNEL) == [
        ("T1", "Ticket created", "2024-03-01 09:00", "chat"),
        ("T1", "First response", "2024-03-01 09:10", "chat"),
        ("T1", "Resolved", "2024-03-01 12:00", "chat"),
        ("T1", "Closed", "2024-03-02 12:00", "chat"),
        ("T2", "Ticket created", "2024-03-01 10:00", "e-mail"),
        ("T2", "Resolved", "2024-03-03 10:00", "e-mail"),
        ("T3", "First response", "2024-03-05 07:00", "phone"),  # before creation: time order wins
        ("T3", "Ticket created", "2024-03-05 08:00", "phone"),
    ]
    assert conv.log[C.CUSTOMER].tolist() == ["C1"] * 4 + ["C2"] * 2 + ["C1"] * 2
    assert conv.log[C.CSAT].iloc[0] == 5.0 and np.isnan(conv.log[C.CSAT].iloc[4])
    issues = conv.report.issues[["row", "check", "outcome"]].values.tolist()
    assert issues == [
        [1, "not_a_number", "repaired"], [1, "not_a_number", "repaired"],
        [2, "out_of_order", "repaired"],
        [3, "unparseable_timestamp", "repaired"], [3, "no_event_timestamps", "quarantined"],
        [4, "exact_duplicate", "quarantined"],
        [5, "duplicate_case_id", "quarantined"],
    ]
    assert conv.report.summary["rows"].to_dict() == {"kept": 1, "repaired": 2, "quarantined": 3, "total": 6}


# --------------------------------------------------------------------------- customer journeys

JOURNEYS = _csv("""ticket,customer,status,at
T1,C1,open,2024-03-01 09:00
T1,C1,solved,2024-03-01 12:00
T3,C1,open,2024-03-02 10:00
T3,C1,solved,2024-03-02 11:00
T5,C1,open,2024-03-10 10:00
T2,C2,open,2024-03-01 08:00
T6,C3,open,2024-03-01 08:00
T6,C3,solved,2024-03-20 08:00
T7,C3,open,2024-03-05 08:00
T8,,open,2024-03-05 08:00
""")


def test_customer_journeys_split_by_inactivity_gap():
    mapping = {"case": {"id": "ticket", "notion": "customer", "customer": "customer", "gap": "2d"},
               "activity": "status", "timestamp": {"column": "at"}}
    conv = tickets_to_event_log(JOURNEYS, mapping)
    cases = conv.log.groupby(C.CASE, sort=True)[C.TICKET].agg(lambda t: sorted(set(t))).to_dict()
    # C1: T3 starts 22 h after T1 ends (< 2 d) -> same journey; T5 starts 8 days later -> new.
    # C3: T7 opens while T6 is still open -> same journey.
    assert cases == {"C1#1": ["T1", "T3"], "C1#2": ["T5"], "C2#1": ["T2"], "C3#1": ["T6", "T7"]}
    assert _events(conv.log, C.CASE, C.ACTIVITY)[:4] == [
        ("C1#1", "open"), ("C1#1", "solved"), ("C1#1", "open"), ("C1#1", "solved")]
    miss = conv.report.issues[conv.report.issues["check"] == "missing_customer"]
    assert miss["row"].tolist() == [9]
    assert conv.report.summary.at["total", "rows"] == 10


def test_customer_notion_needs_the_customer_column():
    with pytest.raises(MappingError, match="case.customer"):
        tickets_to_event_log(JOURNEYS, {"case": {"id": "ticket", "notion": "customer"}, "activity": "status",
                                        "timestamp": {"column": "at"}})


# --------------------------------------------------------------------------- pseudonymisation

def test_pseudonyms_are_stable_keyed_and_not_the_input(monkeypatch):
    mapping = {"case": {"id": "ticket", "customer": "customer"}, "activity": "status",
               "timestamp": {"column": "at"},
               "pseudonymize": {"columns": ["customer"], "key_env": "JM_TEST_KEY"}}
    monkeypatch.setenv("JM_TEST_KEY", "secret-1-0123456789abcdef")
    a = tickets_to_event_log(JOURNEYS, mapping).log
    b = tickets_to_event_log(JOURNEYS, mapping).log
    assert a[C.CUSTOMER].tolist() == b[C.CUSTOMER].tolist()
    assert not set(a[C.CUSTOMER].dropna()) & {"C1", "C2", "C3"}
    assert a.groupby(C.CUSTOMER)[C.TICKET].nunique().sort_values().tolist() == [1, 2, 3]
    monkeypatch.setenv("JM_TEST_KEY", "secret-2-0123456789abcdef")
    c = tickets_to_event_log(JOURNEYS, mapping).log
    assert not set(a[C.CUSTOMER].dropna()) & set(c[C.CUSTOMER].dropna())
    monkeypatch.delenv("JM_TEST_KEY")
    with pytest.raises(MappingError, match="JM_TEST_KEY"):
        tickets_to_event_log(JOURNEYS, mapping)


def test_pseudonym_domains_separate_or_link_columns(tmp_path):
    frame = pd.DataFrame({"ticket": ["T1", "T2"], "status": ["New", "New"], "at": ["2024-03-01"] * 2,
                          "customer": ["Value 1", "Value 2"], "agent": ["Value 1", "Value 1"]})
    key = tmp_path / "key"
    key.write_text("secret-0123456789abcdef")
    base = {"case": {"id": "ticket", "customer": "customer"}, "activity": "status", "resource": "agent",
            "timestamp": {"column": "at"}}
    apart = tickets_to_event_log(frame, {**base, "pseudonymize": {"columns": ["customer", "agent"],
                                                                  "key_file": str(key)}}).log
    assert apart[C.CUSTOMER].iloc[0] != apart[C.RESOURCE].iloc[0]  # same raw value, other column
    linked = tickets_to_event_log(frame, {**base, "pseudonymize": {
        "columns": {"customer": "person", "agent": "person"}, "key_file": str(key)}}).log
    assert linked[C.CUSTOMER].iloc[0] == linked[C.RESOURCE].iloc[0]


# --------------------------------------------------------------------------- the real help-desk log

def test_helpdesk_log_converts_with_the_shipped_mapping():
    conv = tickets_to_event_log(f"{SAMPLES}/helpdesk.csv.gz", f"{SAMPLES}/mappings/helpdesk.yaml")
    summary = conv.report.summary
    assert summary.at["total", "rows"] == 21348  # the README's measured row count
    assert summary.loc[["kept", "repaired", "quarantined"], "rows"].sum() == 21348
    dups = conv.report.issues[conv.report.issues["check"] == "exact_duplicate"]
    assert len(dups) == 127 and (dups["outcome"] == "quarantined").all()
    assert summary.at["quarantined", "rows"] == 127
    assert len(conv.log) == 21348 - 127
    assert conv.log[C.CASE].nunique() == 4580
    assert conv.log[C.ACTIVITY].nunique() == 14
    # the duplicates are set aside unchanged, with the row they repeat
    assert len(conv.report.quarantined) == 127
    assert conv.report.quarantined["reason"].eq("exact_duplicate").all()


def test_epoch_timestamps():
    frame = pd.DataFrame({"t": ["A", "A", "A"], "a": ["x", "y", "z"],
                          "ms": ["1709283600000", "1709287200500", "soon"]})
    conv = tickets_to_event_log(frame, {"case": {"id": "t"}, "activity": "a",
                                        "timestamp": {"column": "ms", "format": "epoch_ms"}})
    assert conv.log[C.TIMESTAMP].tolist() == [pd.Timestamp("2024-03-01 09:00:00", tz="UTC"),
                                              pd.Timestamp("2024-03-01 10:00:00.5", tz="UTC")]
    assert conv.report.issues[["row", "check"]].values.tolist() == [[2, "unparseable_timestamp"]]


def test_allowed_activities_only_for_the_events_shape():
    with pytest.raises(MappingError, match="activities.allowed applies to shape 'events'"):
        tickets_to_event_log(AUDIT, {**AUDIT_MAP, "activities": {"allowed": ["New"]}})

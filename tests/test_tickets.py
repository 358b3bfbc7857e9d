"""Tickets -> event log, on hand-written tables whose expected events are written out here."""

import io

import numpy as np
import pandas as pd
import pytest

from journeymining.core import columns as C
from journeymining.core.errors import MappingError
from journeymining.io.tickets import tickets_to_event_log

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
    # issue 9: the first snapshot's own state (first: {activity: "{state}"}), '?' is no value
    assert conv.log[C.ACTIVITY].iloc[0] == "New"
    assert conv.log[C.CASE].nunique() == 5
    # "?" by hand: assigned_to on 2 + 1 + 4 + 2 + 1 snapshots of INC1..INC5, caller_id on INC0010005's 4
    assert conv.report.na_values.groupby("column")["cells"].sum().to_dict() == {"assigned_to": 10, "caller_id": 4}
    assert "Handoff to ?" not in set(conv.log[C.ACTIVITY])
    assert conv.log.loc[conv.log[C.CASE] == "INC0010005", C.CUSTOMER].isna().all()


def test_updates_events_carry_their_kind_and_changed_field():
    conv = tickets_to_event_log(AUDIT, AUDIT_MAP)
    # no column flagged status: state and priority are status columns; group and channel are not
    assert _events(conv.log, C.ACTIVITY, "event_kind", "changed_field") == [
        ("Ticket created", "status", "(first)"),
        ("In Progress", "status", "state"),
        ("Handoff to Network", "change", "assignment_group"),
        ("Priority 3 -> 2", "status", "priority"),
        ("Resolved", "status", "state"),
        ("Channel switch to email", "change", "contact_type"),
        ("Ticket created", "status", "(first)"),
        ("In Progress", "status", "state"),
    ]
    flagged = {**AUDIT_MAP, "track": {**AUDIT_MAP["track"], "state": {"activity": "{new}", "status": True}}}
    kinds = tickets_to_event_log(AUDIT, flagged).log["event_kind"].tolist()
    assert kinds == ["status", "status", "change", "change", "status", "change", "status", "status"]
    assert str(tickets_to_event_log(AUDIT, flagged).log["event_kind"].dtype) == "str"
    assert "event_kind" not in tickets_to_event_log(EVENTS, EVENTS_MAP).log
    assert "changed_field" not in tickets_to_event_log(WIDE, WIDE_MAP).log


def test_templates_reference_any_column():
    mapping = {**AUDIT_MAP, "first": {"activity": "{state} via {contact_type}"},
               "track": {"state": "{new} (was {old}, {column}) by {sys_updated_by}", "assignment_group": None}}
    got = _events(tickets_to_event_log(AUDIT, mapping).log, C.CASE, C.ACTIVITY)
    assert got == [("INC1", "New via phone"), ("INC1", "In Progress (was New, state) by alice"),
                   ("INC1", "assignment_group: Network"), ("INC1", "Resolved (was In Progress, state) by carol"),
                   ("INC2", "New via chat"), ("INC2", "In Progress (was New, state) by dave")]
    braces = {**AUDIT_MAP, "first": "{{{state}}}", "track": {"state": "{{x}} {new}"}}
    assert tickets_to_event_log(AUDIT, braces).log[C.ACTIVITY].tolist()[:2] == ["{New}", "{x} In Progress"]
    with pytest.raises(MappingError, match=r"first.activity 'Opened: \{new\}' uses \{new\}"):
        tickets_to_event_log(AUDIT, {**AUDIT_MAP, "first": {"activity": "Opened: {new}"}})
    with pytest.raises(MappingError, match=r"'incident_state' \(at 'first.activity placeholder"):
        tickets_to_event_log(AUDIT, {**AUDIT_MAP, "first": {"activity": "{incident_state}"}})
    with pytest.raises(MappingError, match="empty placeholder"):
        tickets_to_event_log(AUDIT, {**AUDIT_MAP, "first": {"activity": "Opened {}"}})
    with pytest.raises(MappingError, match="apply to shape 'updates' only"):
        tickets_to_event_log(EVENTS, {**EVENTS_MAP, "first": {"activity": "{status}"}})
    column_form = {**AUDIT_MAP, "first": {"activity": {"column": "state"}}}
    assert tickets_to_event_log(AUDIT, column_form).log[C.ACTIVITY].iloc[0] == "New"


def test_na_values_blank_cells_and_are_counted():
    frame = _csv("""ticket,status,at,agent,customer
T1,New,2024-03-01 10:00,?,C1
T1,Done,2024-03-01 11:00, NULL ,C1
?,New,2024-03-01 10:00,ann,C2
T2,N/A,2024-03-01 10:00,bob,?
""")
    mapping = {"source": {"na_values": ["?", "NULL", "N/A"]}, "case": {"id": "ticket", "customer": "customer"},
               "activity": "status", "resource": "agent", "timestamp": "at"}
    conv = tickets_to_event_log(frame, mapping)
    assert conv.report.na_values.values.tolist() == [
        ["?", "agent", 1], ["?", "customer", 1], ["?", "ticket", 1], ["N/A", "status", 1], ["NULL", "agent", 1]]
    assert conv.report.issues[["row", "check"]].values.tolist() == [[2, "missing_case_id"], [3, "missing_activity"]]
    assert conv.log[C.RESOURCE].isna().tolist() == [True, True]
    assert "na_values blanked 5 cells ('?': 3, 'N/A': 1, 'NULL': 1)" in str(conv.report)
    assert conv.report.quarantined["ticket"].tolist() == ["?", "T2"]  # quarantined rows as read
    with pytest.raises(MappingError, match="source.na_values"):
        tickets_to_event_log(frame, {**mapping, "source": {"na_values": {"?": 1}}})


def test_placeholder_and_invisible_ids_are_reported():
    frame = _csv("""ticket,status,at,customer
T1,New,2024-03-01 10:00,NULL
T1​,Done,2024-03-01 11:00,NULL
T2,New,2024-03-05 10:00,NULL
T3,New,2024-03-05 10:00, C7
NULL,New,2024-03-05 10:00,C7
""")
    ticket = tickets_to_event_log(frame, {"case": {"id": "ticket", "customer": "customer"}, "activity": "status",
                                          "timestamp": "at"})
    issues = ticket.report.issues[["row", "column", "check", "outcome"]].values.tolist()
    assert issues == [[0, "customer", "placeholder_id", "kept"], [1, "customer", "placeholder_id", "kept"],
                      [1, "ticket", "invisible_characters", "repaired"], [2, "customer", "placeholder_id", "kept"],
                      [3, "customer", "whitespace", "repaired"], [4, "ticket", "placeholder_id", "kept"]]
    assert ticket.log[C.CASE].tolist() == ["NULL", "T1", "T1", "T2", "T3"]
    # as customer journeys, the NULL customers are quarantined: T1 and T2 never become one journey
    journeys = tickets_to_event_log(frame, {"case": {"id": "ticket", "notion": "customer", "customer": "customer"},
                                            "activity": "status", "timestamp": "at"})
    assert journeys.log[C.TICKET].tolist() == ["NULL", "T3"]
    assert journeys.log[C.CASE].tolist() == ["C7#1", "C7#1"]
    assert journeys.report.quarantined["reason"].tolist() == ["placeholder_id"] * 3


def test_activity_from_several_columns():
    frame = _csv("""case,name,life,at
C1,Review,start,2024-03-01 10:00
C1,Review,complete,2024-03-01 11:00
C1,Approve,,2024-03-01 12:00
""")
    mapping = {"case": "case", "activity": {"columns": ["name", "life"], "join": "+"}, "timestamp": "at"}
    conv = tickets_to_event_log(frame, mapping)
    assert conv.log[C.ACTIVITY].tolist() == ["Review+start", "Review+complete", "Approve"]
    with pytest.raises(MappingError, match="'activity' is a list"):
        tickets_to_event_log(frame, {**mapping, "activity": ["name", "life"]})
    with pytest.raises(MappingError, match=r"'lifecycle' \(at 'activity.columns'\)"):
        tickets_to_event_log(frame, {**mapping, "activity": {"columns": ["name", "lifecycle"]}})
    with pytest.raises(MappingError, match="exactly one of 'column' and 'columns'"):
        tickets_to_event_log(frame, {**mapping, "activity": {"join": "+"}})


def test_an_attribute_at_one_event_of_the_wide_shape():
    mapping = {**WIDE_MAP, "attributes": {"csat": {"column": "csat", "at": "Closed"}}}
    log = tickets_to_event_log(WIDE, mapping).log
    t1 = log[log[C.CASE] == "T1"]
    assert t1[C.CSAT].isna().tolist() == [True, True, True, False]
    assert t1[C.CSAT].iloc[3] == 5.0
    with pytest.raises(MappingError, match=r"attributes.csat.at is 'Closd'.*Did you mean 'Closed'"):
        tickets_to_event_log(WIDE, {**WIDE_MAP, "attributes": {"csat": {"column": "csat", "at": "Closd"}}})


def test_parquet_integer_ids_stay_integers(tmp_path):
    frame = pd.DataFrame({"ticket": pd.array([7, 7, None], dtype="Int64"), "status": ["New", "Done", "New"],
                          "at": ["2024-03-01 10:00", "2024-03-01 11:00", "2024-03-01 12:00"]})
    frame.to_parquet(tmp_path / "t.parquet")
    conv = tickets_to_event_log(tmp_path / "t.parquet", {"case": "ticket", "activity": "status", "timestamp": "at"})
    assert conv.log[C.CASE].tolist() == ["7", "7"]
    assert conv.report.issues["check"].tolist() == ["missing_case_id"]


def test_placeholder_and_overflowing_times_are_implausible():
    frame = _csv("""ticket,status,at
T1,New,2024-03-01 10:00
T1,Done,9999-12-31 00:00
T2,New,1600-01-01 00:00
T3,New,1901-01-01 00:00
""")
    conv = tickets_to_event_log(frame, {"case": "ticket", "activity": "status",
                                        "timestamp": {"column": "at", "timezone": "Europe/Rome"}})
    assert conv.report.issues[["row", "check"]].values.tolist() == [
        [1, "implausible_timestamp"], [2, "implausible_timestamp"], [3, "implausible_timestamp"]]
    epoch = pd.DataFrame({"ticket": ["T1"] * 4, "status": list("ABCD"), "at": ["1709287200", "1e10", "inf", "-1e12"]})
    conv = tickets_to_event_log(epoch, {"case": "ticket", "activity": "status",
                                        "timestamp": {"column": "at", "format": "epoch_s"}})
    assert conv.report.issues[["row", "check"]].values.tolist() == [
        [1, "implausible_timestamp"], [2, "implausible_timestamp"], [3, "implausible_timestamp"]]
    assert conv.log[C.TIMESTAMP].dt.strftime("%Y-%m-%d %H:%M").tolist() == ["2024-03-01 10:00"]


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


def test_short_or_blank_pseudonymisation_keys_are_refused(tmp_path, monkeypatch):
    mapping = {"case": {"id": "ticket", "customer": "customer"}, "activity": "status", "timestamp": {"column": "at"},
               "pseudonymize": {"columns": ["customer"], "key_file": str(tmp_path / "key")}}
    (tmp_path / "key").write_text("fifteen-bytes!!")
    with pytest.raises(MappingError, match=r"key file .* is 15 bytes; at least 16 are needed"):
        tickets_to_event_log(JOURNEYS, mapping)
    (tmp_path / "key").write_text("sixteen-bytes!!!")
    assert len(tickets_to_event_log(JOURNEYS, mapping).log) == 10  # all 10 rows of JOURNEYS
    monkeypatch.setenv("JM_TEST_KEY", "\t" * 32)
    with pytest.raises(MappingError, match="'JM_TEST_KEY' is only whitespace"):
        tickets_to_event_log(JOURNEYS, {**mapping, "pseudonymize": {"columns": ["customer"], "key_env": "JM_TEST_KEY"}})
    (tmp_path / "key").write_text("secret-key-abcdefghij")
    quarantined = tickets_to_event_log(JOURNEYS, {**mapping, "case": {"id": "ticket", "customer": "customer",
                                                                      "notion": "customer"}}).report.quarantined
    assert quarantined["row"].tolist() == [9]  # T8 has no customer; its row carries no raw value either way


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

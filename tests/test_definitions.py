"""The journey definitions on hand-written journeys (the expert-labelled scenario suite).

Every expected value below was worked out by hand from the events written in the scenario and the
definitions in journeymining/measure/definitions.py; none is computed by the code under test.
The map: contact by Call/Chat/Mail (L1), Triage (L1), an optional escalation L1 -> L2 -> L1
(Escalate, Investigate, Answer), Resolved (L1, the resolution), Closed (L1, automatic, the goal),
an optional Survey. SLAs: Call -> Resolved within 1 day; stage Triage within 4 hours.
The log ends at 2024-02-01 00:00 (the last event of case "zz_end"); cases silent for at most
2 days before that and not at the goal are still open.
"""

import math

import numpy as np
import pandas as pd
import pytest

from journeymining.core.errors import EventLogError
from journeymining.journeymap.model import JourneyMap
from journeymining.measure.definitions import DEFINITIONS, case_measures, combine_case_measures
from journeymining.measure.settings import JourneySettings

MAP = JourneyMap.from_dict({
    "name": "Scenario support map",
    "goal": ["Closed"],
    "resolution": ["Resolved"],
    "stages": [
        {"name": "Contact", "order": "choice", "touchpoints": [
            {"activity": "Call", "channel": "phone", "actor": "frontstage", "team": "L1", "contact": True},
            {"activity": "Chat", "channel": "chat", "actor": "frontstage", "team": "L1", "contact": True},
            {"activity": "Mail", "channel": "e-mail", "actor": "frontstage", "team": "L1", "contact": True}]},
        {"name": "Triage", "touchpoints": [{"activity": "Triage", "actor": "backstage", "team": "L1"}]},
        {"name": "Resolve", "touchpoints": [
            {"order": "sequence", "optional": True, "touchpoints": [
                {"activity": "Escalate", "actor": "backstage", "team": "L1"},
                {"activity": "Investigate", "actor": "backstage", "team": "L2", "repeatable": True},
                {"activity": "Answer", "actor": "frontstage", "team": "L1", "channel": "e-mail"}]},
            {"activity": "Resolved", "actor": "backstage", "team": "L1"}]},
        {"name": "Close", "touchpoints": [
            {"activity": "Closed", "actor": "backstage", "team": "L1", "automatic": True},
            {"activity": "Survey", "actor": "frontstage", "optional": True}]}],
    "sla": [{"from": "Call", "to": "Resolved", "within": "1d"}, {"stage": "Triage", "within": "4h"}],
})
SETTINGS = JourneySettings.from_map(MAP, open_window="2d")
STAGE = {"Call": "Contact", "Chat": "Contact", "Mail": "Contact", "Triage": "Triage",
         "Escalate": "Resolve", "Investigate": "Resolve", "Answer": "Resolve", "Resolved": "Resolve",
         "Closed": "Close", "Survey": "Close"}
CHANNEL = {"Call": "phone", "Chat": "chat", "Mail": "e-mail", "Answer": "e-mail"}


def T(text):
    return pd.Timestamp(text, tz="UTC")


# name -> (customer, [(activity, time, team, resource, extra)]) ; extra: dict of other columns
SCENARIOS = {
    "happy": ("c1", [("Call", "2024-01-02 09:00", "L1", "customer"), ("Triage", "2024-01-02 09:10", "L1", "ann"),
                     ("Resolved", "2024-01-02 11:00", "L1", "ann"), ("Closed", "2024-01-05 09:00", "L1", "system")]),
    "reopened_left_open": ("c2", [("Call", "2024-01-29 09:00", "L1", None), ("Triage", "2024-01-29 09:10", "L1", None),
                                  ("Resolved", "2024-01-29 10:00", "L1", None), ("Closed", "2024-01-29 11:00", "L1", None),
                                  ("Triage", "2024-01-31 12:00", "L1", None)]),
    "reopened_two_days_later": ("c3", [("Call", "2024-01-03 09:00", "L1", None), ("Triage", "2024-01-03 09:10", "L1", None),
                                       ("Resolved", "2024-01-03 10:00", "L1", None), ("Closed", "2024-01-03 11:00", "L1", None),
                                       ("Triage", "2024-01-05 11:00", "L1", None), ("Resolved", "2024-01-05 12:00", "L1", None),
                                       ("Closed", "2024-01-05 13:00", "L1", None)]),
    "resolved_twice": ("c4", [("Call", "2024-01-04 09:00", "L1", None), ("Triage", "2024-01-04 09:10", "L1", None),
                              ("Resolved", "2024-01-04 10:00", "L1", None), ("Resolved", "2024-01-04 15:00", "L1", None),
                              ("Closed", "2024-01-04 16:00", "L1", None)]),
    "recontact_other_channel": ("c5", [("Chat", "2024-01-05 09:00", "L1", None), ("Triage", "2024-01-05 09:10", "L1", None),
                                       ("Call", "2024-01-05 10:10", "L1", None), ("Resolved", "2024-01-05 11:00", "L1", None),
                                       ("Closed", "2024-01-05 12:00", "L1", None)]),
    "two_contacts_same_channel": ("c6", [("Call", "2024-01-06 09:00", "L1", None), ("Triage", "2024-01-06 09:10", "L1", None),
                                         ("Call", "2024-01-06 10:10", "L1", None), ("Resolved", "2024-01-06 11:00", "L1", None),
                                         ("Closed", "2024-01-06 12:00", "L1", None)]),
    "unplanned_step_beside_planned_change": ("c7", [
        ("Call", "2024-01-07 09:00", "L1", None), ("Triage", "2024-01-07 09:10", "L1", None),
        ("Escalate", "2024-01-07 09:20", "L1", None), ("Note", "2024-01-07 09:30", "L1", None),
        ("Investigate", "2024-01-07 10:00", "L2", None), ("Answer", "2024-01-07 11:00", "L1", None),
        ("Resolved", "2024-01-07 11:10", "L1", None), ("Closed", "2024-01-07 12:00", "L1", None)]),
    "team_change_across_teamless_event": ("c8", [
        ("Call", "2024-01-08 09:00", "L1", None), ("Triage", "2024-01-08 09:10", "L1", None),
        ("Hold", "2024-01-08 09:20", None, None), ("Resolved", "2024-01-08 10:00", "L2", None),
        ("Closed", "2024-01-08 11:00", "L2", None)]),
    "ping_pong": ("c9", [
        ("Call", "2024-01-09 09:00", "L1", None), ("Triage", "2024-01-09 09:10", "L1", None),
        ("Escalate", "2024-01-09 09:20", "L1", None), ("Investigate", "2024-01-09 10:00", "L2", None),
        ("Triage", "2024-01-09 11:00", "L1", None), ("Investigate", "2024-01-09 12:00", "L2", None),
        ("Answer", "2024-01-09 13:00", "L1", None), ("Resolved", "2024-01-09 13:10", "L1", None),
        ("Closed", "2024-01-09 14:00", "L1", None)]),
    "missing_contact_stage": ("c10", [("Triage", "2024-01-10 09:00", "L1", None),
                                      ("Resolved", "2024-01-10 10:00", "L1", None),
                                      ("Closed", "2024-01-10 11:00", "L1", None)]),
    "moved_step": ("c11", [("Call", "2024-01-11 09:00", None, None), ("Answer", "2024-01-11 09:10", None, None),
                           ("Triage", "2024-01-11 09:20", None, None), ("Escalate", "2024-01-11 09:30", None, None),
                           ("Investigate", "2024-01-11 09:40", None, None), ("Resolved", "2024-01-11 09:50", None, None),
                           ("Closed", "2024-01-11 10:00", None, None)]),
    "retriage_two_days_later": ("c12", [
        ("Call", "2024-01-12 09:00", None, None), ("Triage", "2024-01-12 09:10", None, None),
        ("Escalate", "2024-01-12 10:00", None, None), ("Triage", "2024-01-14 10:00", None, None),
        ("Investigate", "2024-01-14 11:00", None, None), ("Answer", "2024-01-14 12:00", None, None),
        ("Resolved", "2024-01-14 13:00", None, None), ("Closed", "2024-01-17 13:00", None, None)]),
    "sla_open_at_case_end": ("c13", [("Call", "2024-01-13 09:00", "L1", None), ("Triage", "2024-01-13 09:10", "L1", None),
                                     ("Escalate", "2024-01-14 11:00", "L1", None)]),
    "sla_open_at_log_end": ("c14", [("Call", "2024-01-30 10:00", "L1", None), ("Triage", "2024-01-30 10:10", "L1", None)]),
    "automatic_closure_timer": ("c15", [("Call", "2024-01-15 09:00", "L1", None), ("Triage", "2024-01-15 09:10", "L1", None),
                                        ("Resolved", "2024-01-15 09:40", "L1", None), ("Closed", "2024-01-25 09:40", "L1", None)]),
    "still_open_at_log_end": ("c16", [("Chat", "2024-01-31 08:00", "L1", None), ("Triage", "2024-01-31 09:00", "L1", None)]),
    "dropped": ("c17", [("Mail", "2024-01-05 08:00", "L1", None), ("Triage", "2024-01-05 09:00", "L1", None)]),
    "handover_of_work": ("c18", [("Call", "2024-01-18 09:00", "L1", "customer"), ("Triage", "2024-01-18 09:10", "L1", "ann"),
                                 ("Resolved", "2024-01-18 10:00", "L1", "bob"), ("Closed", "2024-01-18 11:00", "L1", "system")]),
    "change_events_are_not_steps": ("c19", [
        ("Call", "2024-01-19 09:00", "L1", None, {"event_kind": "status"}),
        ("Triage", "2024-01-19 09:10", "L1", None, {"event_kind": "status"}),
        ("Resolved", "2024-01-19 10:00", "L1", None, {"event_kind": "status"}),
        ("Priority 2", "2024-01-19 10:30", "L1", None, {"event_kind": "change"}),
        ("Closed", "2024-01-19 11:00", "L1", None, {"event_kind": "status"})]),
    "survey_after_close": ("c20", [("Call", "2024-01-20 09:00", "L1", None), ("Triage", "2024-01-20 09:10", "L1", None),
                                   ("Resolved", "2024-01-20 10:00", "L1", None), ("Closed", "2024-01-20 11:00", "L1", None),
                                   ("Survey", "2024-01-20 12:00", None, "customer", {"csat": 2.0})]),
    "recontact_first": ("c21", [("Call", "2024-01-21 09:00", "L1", None), ("Triage", "2024-01-21 09:10", "L1", None),
                                ("Resolved", "2024-01-21 10:00", "L1", None), ("Closed", "2024-01-21 11:00", "L1", None)]),
    "recontact_second": ("c21", [("Call", "2024-01-24 09:00", "L1", None), ("Triage", "2024-01-24 09:10", "L1", None),
                                 ("Resolved", "2024-01-24 10:00", "L1", None), ("Closed", "2024-01-24 11:00", "L1", None)]),
    "recontact_outside_window_first": ("c22", [("Call", "2024-01-01 09:00", "L1", None),
                                               ("Triage", "2024-01-01 09:10", "L1", None),
                                               ("Resolved", "2024-01-01 10:00", "L1", None),
                                               ("Closed", "2024-01-01 11:00", "L1", None)]),
    "recontact_outside_window_second": ("c22", [("Call", "2024-01-20 09:00", "L1", None),
                                                ("Triage", "2024-01-20 09:10", "L1", None),
                                                ("Resolved", "2024-01-20 10:00", "L1", None),
                                                ("Closed", "2024-01-20 11:00", "L1", None)]),
    "no_customer": (None, [("Call", "2024-01-23 09:00", "L1", None), ("Triage", "2024-01-23 09:10", "L1", None),
                           ("Resolved", "2024-01-23 10:00", "L1", None), ("Closed", "2024-01-23 11:00", "L1", None)]),
    "goal_then_new_mail": ("c24", [("Call", "2024-01-10 09:00", "L1", None), ("Triage", "2024-01-10 09:10", "L1", None),
                                   ("Resolved", "2024-01-10 10:00", "L1", None), ("Closed", "2024-01-10 11:00", "L1", None),
                                   ("Mail", "2024-01-12 09:00", "L1", None)]),
    "contact_after_opening": ("c25", [("Triage", "2024-01-25 09:00", "L1", None), ("Call", "2024-01-25 09:30", "L1", None),
                                      ("Resolved", "2024-01-25 10:00", "L1", None), ("Closed", "2024-01-25 11:00", "L1", None)]),
    "zz_end": ("c99", [("Call", "2024-01-31 20:00", "L1", None), ("Triage", "2024-01-31 20:10", "L1", None),
                       ("Resolved", "2024-01-31 21:00", "L1", None), ("Closed", "2024-02-01 00:00", "L1", None)]),
}


def _log(scenarios=SCENARIOS):
    rows = []
    for case, (customer, events) in scenarios.items():
        for ev in events:
            act, at, team, res = ev[:4]
            extra = ev[4] if len(ev) > 4 else {}
            rows.append({"case:concept:name": case, "concept:name": act, "time:timestamp": T(at),
                         "org:group": team, "org:resource": res, "channel": CHANNEL.get(act),
                         "stage": STAGE.get(act), "case:customer": customer,
                         "csat": extra.get("csat", np.nan), "event_kind": extra.get("event_kind", "status")})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def measures():
    return case_measures(_log(), SETTINGS)


def row(measures, case):
    c = measures.cases.set_index("case:concept:name")
    return c.loc[case]


# (case, {measure: value}) -- every value worked out by hand
EXPECTED = [
    ("happy", dict(contacts=1, repeat_contacts=0, channel_switches=0, reopens=0, resolved=True,
                   goal_reached=True, outcome="goal", handoffs=0, unplanned_handoffs=0, ping_pongs=0,
                   handovers=0, recontact=0, fcr=1, sla_breaches=0, time_to_resolution_h=2.0,
                   throughput_h=72.0, timer_h=70.0)),
    ("reopened_left_open", dict(reopens=1, reopened=True, resolved=False, goal_reached=False, outcome="open",
                                fcr=0)),
    ("reopened_two_days_later", dict(reopens=1, resolved=True, goal_reached=True, outcome="goal", fcr=0,
                                     time_to_resolution_h=51.0)),
    ("resolved_twice", dict(reopens=1, resolved=True, goal_reached=True, fcr=0)),
    ("recontact_other_channel", dict(contacts=2, repeat_contacts=1, channel_switches=1, reopens=0, fcr=0)),
    ("two_contacts_same_channel", dict(contacts=2, repeat_contacts=1, channel_switches=0, fcr=0)),
    ("unplanned_step_beside_planned_change", dict(handoffs=2, unplanned_handoffs=0, ping_pongs=0, fcr=0,
                                                  goal_reached=True)),
    ("team_change_across_teamless_event", dict(handoffs=1, unplanned_handoffs=1, ping_pongs=0)),
    ("ping_pong", dict(handoffs=4, unplanned_handoffs=2, ping_pongs=3)),
    ("missing_contact_stage", dict(contacts=1, repeat_contacts=0, fcr=1, goal_reached=True)),
    ("retriage_two_days_later", dict(sla_breaches=1, reopens=0, goal_reached=True)),
    ("sla_open_at_case_end", dict(sla_breaches=2, outcome="dropped", goal_reached=False, resolved=False)),
    ("sla_open_at_log_end", dict(sla_breaches=2, outcome="open")),
    ("automatic_closure_timer", dict(timer_h=240.0, throughput_h=240 + 40 / 60, goal_reached=True, sla_breaches=0)),
    ("still_open_at_log_end", dict(outcome="open", goal_reached=False)),
    ("dropped", dict(outcome="dropped", goal_reached=False, contacts=1)),
    ("handover_of_work", dict(handovers=1, handoffs=0)),
    ("change_events_are_not_steps", dict(reopens=0, goal_reached=True, resolved=True)),
    ("survey_after_close", dict(reopens=0, goal_reached=True, csat=2.0, csat_answers=1)),
    ("recontact_first", dict(recontact=1, fcr=0)),
    ("recontact_second", dict(recontact=0, fcr=1)),
    ("recontact_outside_window_first", dict(recontact=0, fcr=1)),
    ("no_customer", dict(fcr=math.nan, recontact=math.nan, goal_reached=True)),
    ("goal_then_new_mail", dict(reopens=1, goal_reached=False, outcome="dropped", contacts=2,
                                repeat_contacts=1, channel_switches=1)),
    ("contact_after_opening", dict(contacts=2, repeat_contacts=1, fcr=0)),
]


def measured_in_parts(log, settings):
    """The measures of ``log`` one case per part, each part measured with the whole log's end,
    open window and columns, then combined (as an engine does for a log larger than memory)."""
    whole = case_measures(log, settings)
    present = {c for c in log.columns if log[c].notna().any()}
    parts = []
    for _, rows in log.groupby("case:concept:name", sort=False):
        m = case_measures(rows.reset_index(drop=True), settings, log_end=whole.log_end,
                          window=whole.open_window, present=present)
        for table in (m.events, m.sla):
            if len(table):
                table["row"] = rows.index.to_numpy()[table["row"].to_numpy(dtype=np.int64)]
        parts.append(m)
    return combine_case_measures(parts)


@pytest.fixture(scope="module", params=["whole", "in parts", "engine"])
def any_measures(request):
    """The same measures three ways: the whole log, one case per part, the DuckDB engine in parts of
    three events (so recontact_first and recontact_second lie in different parts)."""
    if request.param == "whole":
        return case_measures(_log(), SETTINGS)
    if request.param == "in parts":
        return measured_in_parts(_log(), SETTINGS)
    from journeymining.engine import connect, scan

    return scan(_log(), connect("duckdb", threads=1, memory_limit="512MB")).case_measures(SETTINGS, part_events=3)


@pytest.mark.parametrize("case,expected", EXPECTED, ids=[c for c, _ in EXPECTED])
def test_scenario(any_measures, case, expected):
    r = row(any_measures, case)
    for key, value in expected.items():
        got = r[key]
        if isinstance(value, float) and math.isnan(value):
            assert pd.isna(got), (case, key, got)
        elif isinstance(value, str):
            assert got == value, (case, key, got)
        else:
            assert got == pytest.approx(value), (case, key, got)


def test_the_suite_has_at_least_25_scenarios():
    assert len(EXPECTED) >= 25 and len(SCENARIOS) >= 25


def _stage(measures, case):
    st = measures.stage_times
    return st[st["case:concept:name"] == case].set_index("stage")["hours"].to_dict()


def test_time_in_stage_is_the_sum_of_its_intervals(measures):
    # Triage 09:10 -> Escalate 10:00 (50 min) and again 2 days later 10:00 -> 11:00 (60 min)
    st = _stage(measures, "retriage_two_days_later")
    assert st["Triage"] == pytest.approx(110 / 60)
    # Escalate 10:00 -> Triage (2 d later) is time in Resolve, then Investigate -> Answer -> Resolved 2 h;
    # Resolved -> Closed is the wait before an automatic step: timer time, not stage time
    assert st["Resolve"] == pytest.approx(48 + 2)
    assert st["Contact"] == pytest.approx(10 / 60)


def test_timer_wait_is_not_stage_time(measures):
    st = _stage(measures, "automatic_closure_timer")
    assert st["Resolve"] == 0.0 and st["Triage"] == pytest.approx(0.5)


def test_open_case_accrues_stage_time_to_the_log_end(measures):
    # Triage at 2024-01-30 10:10, log end 2024-02-01 00:00: 37 h 50 min
    assert _stage(measures, "sla_open_at_log_end")["Triage"] == pytest.approx(37 + 50 / 60)


def test_sla_rows(measures):
    sla = measures.sla
    cases = measures.cases["case:concept:name"].tolist()
    got = {(cases[r.case], r.rule_index): (round(r.took_h, 4), bool(r.completed), bool(r.breached))
           for r in sla.itertuples()}
    # re-triage: Call 09:00 -> Resolved 2 days 4 h later (breached); Triage stage 110 min (kept)
    assert got[("retriage_two_days_later", 0)] == (52.0, True, True)
    assert got[("retriage_two_days_later", 1)] == (round(110 / 60, 4), True, False)
    # no Resolved: the rule runs to the case end (26 h) and is breached
    assert got[("sla_open_at_case_end", 0)] == (26.0, False, True)
    # still open: the rule runs to the log end (1 d 14 h)
    assert got[("sla_open_at_log_end", 0)] == (38.0, False, True)


def test_event_marks(measures):
    ev = measures.events
    cases = measures.cases["case:concept:name"].to_numpy()
    ev = ev.assign(name=cases[ev["case"].to_numpy()])
    pp = ev[ev["name"] == "ping_pong"]
    assert pp["handoff"].tolist() == [False, False, False, True, True, True, True, False, False]
    assert pp["ping_pong"].tolist() == [False, False, False, False, True, True, True, False, False]
    assert pp["handoff_planned"].fillna(False).tolist() == [False] * 3 + [True, False, False, True] + [False] * 2
    ro = ev[ev["name"] == "reopened_two_days_later"]
    assert ro["reopen"].tolist() == [False, False, False, False, True, False, False]
    sw = ev[ev["name"] == "recontact_other_channel"]
    assert sw["channel_switch"].tolist() == [False, False, True, False, False]
    assert sw["contact"].tolist() == [True, False, True, False, False]


def test_without_settings_goal_based_measures_are_na():
    m = case_measures(_log())
    for key in ("goal_reached", "outcome", "fcr", "reopens", "resolved", "contacts", "sla_breaches"):
        assert key in m.na, key
    assert m.cases["goal_reached"].isna().all()
    assert m.cases["outcome"].isna().all()
    # handoffs need no map; ping-pong without a map is every return to the previous team
    c = m.cases.set_index("case:concept:name")
    assert c.loc["ping_pong", "handoffs"] == 4 and c.loc["ping_pong", "ping_pongs"] == 3
    assert c["unplanned_handoffs"].isna().all()
    assert "no journey map" in m.na["unplanned_handoffs"]


def test_default_open_window_is_the_95th_percentile_of_gaps():
    log = _log()
    m = case_measures(log, JourneySettings.from_map(MAP))
    gaps = []
    for _, g in log.sort_values(["case:concept:name", "time:timestamp"], kind="stable").groupby("case:concept:name"):
        t = g["time:timestamp"].tolist()
        acts = g["concept:name"].tolist()
        gaps += [(t[i] - t[i - 1]).value for i in range(1, len(t)) if acts[i] != "Closed"]  # Closed is automatic
    assert m.open_window.value == int(np.quantile(np.array(gaps, dtype=float), 0.95))


def test_parts_combine_to_the_whole(measures):
    combined = measured_in_parts(_log(), SETTINGS)
    pd.testing.assert_frame_equal(combined.cases, measures.cases)
    pd.testing.assert_frame_equal(combined.sla, measures.sla)
    pd.testing.assert_frame_equal(combined.stage_times, measures.stage_times)
    assert combined.na == measures.na


def test_a_part_measured_alone_differs_where_the_whole_log_matters():
    # one case alone: its own last event is the log end (so it looks still open) and its customer's
    # other case is not there (no recontact); given the whole log's values it is measured as inside it
    log = _log()
    alone = log[log["case:concept:name"] == "recontact_first"].reset_index(drop=True)
    r = case_measures(alone, SETTINGS).cases.iloc[0]
    assert r["recontact"] == 0
    whole = case_measures(log, SETTINGS)
    inside = case_measures(alone, SETTINGS, log_end=whole.log_end, window=whole.open_window).cases.iloc[0]
    assert inside["still_open"] == row(whole, "recontact_first")["still_open"]


def test_combine_needs_parts():
    with pytest.raises(EventLogError, match="no parts to combine"):
        combine_case_measures([])


def test_every_definition_is_documented():
    for key, d in DEFINITIONS.items():
        assert d.label and len(d.text) > 20 and d.source, key


def test_missing_values_are_refused():
    log = _log().astype({"concept:name": object})
    log.loc[3, "concept:name"] = None
    with pytest.raises(EventLogError, match="'concept:name' has 1 missing values"):
        case_measures(log, SETTINGS)


def test_bad_settings_are_refused():
    with pytest.raises(EventLogError, match="repeat_window"):
        JourneySettings.from_map(MAP, repeat_window="soon")
    with pytest.raises(EventLogError, match="names no activity"):
        JourneySettings.from_map(goal=[])


def test_docs_definitions_md_is_generated_from_the_module():
    from pathlib import Path

    from journeymining.measure.definitions import definitions_reference

    doc = Path(__file__).resolve().parents[1] / "docs" / "DEFINITIONS.md"
    assert doc.read_text(encoding="utf-8") == definitions_reference() + "\n"

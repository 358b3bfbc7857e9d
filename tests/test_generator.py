"""The seeded ticket generator: determinism, agreeing shapes, and ground truth that is observable.

The observable deviation kinds are recomputed here from the event log and the map dict alone
(with :class:`journeymining.journeymap.model.JourneyMap` for the map's order, required touchpoints,
contacts, closure and team plan), following the journey definitions of
journeymining/measure/definitions.py (written out again here, not imported), and must equal the
planted truth case by case: every planted kind shows, and no kind shows that was not planted
(nor a reopen, which is never planted).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journeymining.core import columns as C
from journeymining.core.errors import JourneyMiningError
from journeymining.synth import KINDS, PERSONAS, generate_tickets
from journeymining.synth.observe import observed_kinds as template_kinds
from journeymining.journeymap.model import JourneyMap

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


@pytest.fixture(scope="module")
def gen():
    return generate_tickets(1500, random_state=11)


# --------------------------------------------------------------------------- the definitions

def observed_kinds(log, journey_map):
    """case -> set of deviation kinds (plus "reopen"), from the log and the map, per the definitions.

    Contacts are the events of contact touchpoints plus the case's first event (its opening
    contact); contact touchpoints after the first event are re-contacts, not judged for rework,
    order or skipped touchpoints. Handoffs are judged on the team sequence against the map's team
    plan; SLAs use the single reading (first A to the first B at or after it, else to the case
    end; a stage rule sums the intervals whose earlier event is in the stage).
    """
    jm = JourneyMap.from_dict(journey_map)
    tps = set(jm.activities)
    goal, contacts = set(jm.goal), set(jm.contacts)
    resolution, closure = set(jm.resolution), set(jm.closure)
    plan = jm.team_plan()
    hops, planned_team = plan["hops"], plan["teams"]
    out = {}
    for case, ev in log.groupby(C.CASE, sort=False):
        acts = ev[C.ACTIVITY].tolist()
        groups = ev[C.GROUP].tolist()
        chans = ev[C.CHANNEL].tolist()
        times = ev[C.TIMESTAMP].tolist()
        stages = [None if pd.isna(s) else s for s in ev[C.STAGE].tolist()]
        n = len(acts)
        kinds = set()
        judged = [i for i in range(n) if i == 0 or acts[i] not in contacts]
        pos = {}
        for i in judged:
            pos.setdefault(acts[i], []).append(i)
        present = [a for a in pos if a in tps]
        if any(a not in tps for a in acts):
            kinds.add("unplanned_step")
        if any(len(p) > 1 and a in tps and not jm.is_repeatable(a) for a, p in pos.items()):
            kinds.add("rework")
        if not goal & set(acts):
            kinds.add("drop_off")
        # absent although required, and not because the case ended early (something later is there)
        if any(any(jm.must_precede(r, a) for a in present) for r in jm.missing_required(present)):
            kinds.add("skipped_touchpoint")
        if any(jm.must_precede(a, b) and pos[b][0] < pos[a][-1] for a in present for b in present if a != b):
            kinds.add("out_of_order")
        # reopen: a step outside the closure whose last preceding non-closure step is a resolution
        work = [a for a in acts if a in resolution or a not in closure]
        if any(a in resolution for a in work[:-1]):
            kinds.add("reopen")
        # team changes between consecutive events, planned when the map's team plan has them there
        on_map = [i for i in range(n) if acts[i] in tps]
        for i in range(1, n):
            if groups[i] == groups[i - 1]:
                continue
            before = [j for j in on_map if j < i]
            after = [j for j in on_map if j >= i]
            ok = bool(before and after)
            if ok:
                x, y = before[-1], after[0]
                ok = (groups[x] == planned_team.get(acts[x]) == groups[i - 1]
                      and groups[y] == planned_team.get(acts[y]) == groups[i]
                      and (acts[x], acts[y]) in hops)
            if not ok:
                kinds.add("unplanned_handoff")
        # channel switch: a contact on another channel than the previous contact
        cch = [chans[i] if isinstance(chans[i], str) else jm.touchpoint(acts[i]).channel
               for i in range(n) if i == 0 or acts[i] in contacts]
        if any(a and b and a != b for a, b in zip(cch, cch[1:])):
            kinds.add("channel_switch")
        context, last = [], None
        for st in stages:
            last = st or last
            context.append(last)
        for sla in jm.sla:
            if sla.stage is None:
                if sla.from_activity not in acts:
                    continue
                f = acts.index(sla.from_activity)
                ends = [times[j] for j in range(n)
                        if j != f and acts[j] == sla.to_activity and times[j] >= times[f]]
                took = (min(ends) if ends else max(times)) - times[f]
            else:
                took = sum((times[i + 1] - times[i] for i in range(n - 1) if context[i] == sla.stage),
                           pd.Timedelta(0))
            if took > sla.within:
                kinds.add("sla_breach")
        out[case] = kinds
    return out


def truth_kinds(truth):
    return {r.case: {k for k in KINDS if getattr(r, k)} for r in truth.itertuples(index=False)}


# --------------------------------------------------------------------------- ground truth

@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_observed_kinds_equal_planted_kinds_case_by_case(seed):
    g = generate_tickets(1200, random_state=seed, deviation_rate=0.5)
    observed = observed_kinds(g.log, g.journey_map)
    planted = truth_kinds(g.truth)
    wrong = {c: (planted[c], observed[c]) for c in planted if planted[c] != observed[c]}
    assert not wrong, f"{len(wrong)} cases differ, e.g. {list(wrong.items())[:3]}"


def test_every_kind_is_planted_in_every_persona_that_allows_it(gen):
    per_kind = gen.truth[list(KINDS)].sum()
    assert (per_kind >= 20).all(), per_kind
    # self-service paths have no touchpoint whose removal is unambiguous, and no swap of two steps
    # that is not also a reopen or an unplanned handoff (Read article -> Close ticket is no planned
    # hop); all others have each kind
    by_persona = gen.truth.groupby("persona")[list(KINDS)].sum()
    assert (by_persona.drop(index="self_service") > 0).all().all()
    assert (by_persona.loc["self_service"].drop(["skipped_touchpoint", "out_of_order"]) > 0).all()


def test_truth_flags_match_the_deviations_frame(gen):
    from_frame = gen.deviations.groupby("case")["kind"].agg(set).to_dict()
    planted = truth_kinds(gen.truth)
    assert {c: k for c, k in planted.items() if k} == from_frame
    assert gen.deviations["kind"].isin(KINDS).all()
    assert not gen.deviations.duplicated(["case", "kind"]).any()
    assert gen.deviations["detail"].str.len().gt(0).all()


@pytest.mark.parametrize("rate", [0.0, 0.3, 1.0])
def test_deviation_rate_is_the_share_of_deviating_cases(rate):
    g = generate_tickets(400, random_state=5, deviation_rate=rate)
    deviating = g.truth[list(KINDS)].any(axis=1)
    assert deviating.sum() == round(rate * 400)
    n_kinds = g.truth[list(KINDS)].sum(axis=1)
    assert n_kinds.max() <= 2
    if rate == 1.0:
        assert 0.1 < (n_kinds == 2).mean() < 0.3          # about a fifth carry two kinds


def test_goal_reached_is_the_presence_of_a_goal_activity(gen):
    has_goal = gen.log.groupby(C.CASE)[C.ACTIVITY].agg(lambda s: "Close ticket" in set(s))
    truth = gen.truth.set_index("case")
    assert (truth["goal_reached"] == has_goal.reindex(truth.index)).all()
    assert (truth["drop_off"] == ~truth["goal_reached"]).all()


def test_template_kinds_on_hand_written_paths():
    chat = [("Start chat", "L1", "chat", 0, 0), ("Log ticket", "L1", "chat", 60, 240),
            ("Check account", "L1", "chat", 120, 600), ("Solve in chat", "L1", "chat", 120, 900),
            ("Confirm solution", "L1", "chat", 60, 900), ("Close ticket", "L1", "chat", 60, 3600)]
    assert template_kinds(chat) == (set(), set())
    swapped = chat[:2] + [("Solve in chat",) + chat[2][1:], ("Check account",) + chat[3][1:]] + chat[4:]
    # Check account after the resolution is also a return to work (a reopen, never planted)
    assert template_kinds(swapped) == ({"out_of_order", "reopen"},) * 2
    closing = chat[:4] + [("Close ticket",) + chat[4][1:], ("Confirm solution",) + chat[5][1:]]
    assert template_kinds(closing) == ({"out_of_order"},) * 2
    assert template_kinds(chat[:2] + chat[3:]) == ({"skipped_touchpoint"},) * 2
    assert template_kinds(chat[:3])[0] == {"drop_off"}
    # Billing does Check account: L1 -> Billing and Billing -> L1, neither planned
    handoff = chat[:2] + [("Check account", "Billing", "chat", 120, 600)] + chat[3:]
    assert template_kinds(handoff)[0] == {"unplanned_handoff"}
    # the customer calls after starting the chat: a re-contact on another channel, nothing else
    switched = chat[:2] + [("Call hotline", "L1", "phone", 60, 600)] + chat[2:]
    assert template_kinds(switched) == ({"channel_switch"},) * 2
    # ... on the same channel it is only a repeat contact (not rework)
    again = chat[:2] + [("Start chat", "L1", "chat", 60, 600)] + chat[2:]
    assert template_kinds(again) == (set(), set())
    # a channel attribute that changes on a step that is not a contact is no channel switch
    relabelled = chat[:4] + [s[:2] + ("phone",) + s[3:] for s in chat[4:]]
    assert template_kinds(relabelled) == (set(), set())
    assert template_kinds(chat[:3] + [chat[2]] + chat[3:])[0] == {"rework"}
    unplanned = chat[:2] + [("Check warranty", "L1", "chat", 60, 60)] + chat[2:]
    assert template_kinds(unplanned)[0] == {"unplanned_step"}
    # an unplanned step after the resolution is a return to work (reopen)
    after = chat[:4] + [("Check warranty", "L1", "chat", 60, 60)] + chat[4:]
    assert template_kinds(after)[0] == {"unplanned_step", "reopen"}
    # Start chat -> Solve in chat within 1h: gaps of at least 30 min + 20 min + 15 min break it for sure
    slow = chat[:1] + [("Log ticket", "L1", "chat", 1800, 1800), ("Check account", "L1", "chat", 1200, 1200),
                       ("Solve in chat", "L1", "chat", 900, 900)] + chat[4:]
    assert template_kinds(slow) == ({"sla_breach"}, {"sla_breach"})
    # ... while 10-23 min + 20 min + 20 min (50 to 63 min) may or may not: ambiguous, never planted
    maybe = chat[:1] + [("Log ticket", "L1", "chat", 600, 1400), ("Check account", "L1", "chat", 1200, 1200),
                        ("Solve in chat", "L1", "chat", 1200, 1200)] + chat[4:]
    assert template_kinds(maybe) == (set(), {"sla_breach"})
    phone = [("Call hotline", "L1", "phone", 0, 0), ("Log ticket", "L1", "phone", 60, 300),
             ("Schedule call-back", "L1", "phone", 60, 600), ("Research issue", "L1", "phone", 1800, 21600),
             ("Call back customer", "L1", "phone", 600, 14400), ("Confirm solution", "L1", "phone", 60, 1800),
             ("Close ticket", "L1", "phone", 60, 3600)]
    assert template_kinds(phone) == (set(), set())
    # a chat started without a "Solve in chat" after it: the 1h rule runs to the case end (12 min
    # to 5.5 h here), so it may or may not be breached
    chatted = phone[:4] + [("Start chat", "L1", "chat", 60, 600)] + phone[4:]
    assert template_kinds(chatted) == ({"channel_switch"}, {"channel_switch", "sla_breach"})
    email = [("Send e-mail", "L1", "e-mail", 0, 0), ("Log ticket", "L1", "e-mail", 600, 600),
             ("Escalate to L2", "L1", "e-mail", 600, 600), ("Investigate at L2", "L2", "e-mail", 3600, 3600),
             ("Resolve at L2", "L2", "e-mail", 1800, 1800), ("Send solution e-mail", "L1", "e-mail", 600, 600),
             ("Confirm solution", "L1", "e-mail", 1800, 1800), ("Close ticket", "L1", "e-mail", 300, 300)]
    assert template_kinds(email) == (set(), set())       # L1 -> L2 -> L1 is the planned escalation
    # a team change across an unplanned step is judged on the touchpoints around it: still planned
    noted = email[:3] + [("Check warranty", "L2", "e-mail", 60, 60)] + email[3:]
    assert template_kinds(noted)[0] == {"unplanned_step"}
    # stage Resolve within 2d: the wait after "Send solution e-mail" (the last Resolve step) until
    # "Confirm solution" is time in Resolve, although no Resolve event comes after it
    waited = email[:6] + [("Confirm solution", "L1", "e-mail", 2 * 86400, 2 * 86400)] + email[7:]
    assert template_kinds(waited) == ({"sla_breach"},) * 2


# --------------------------------------------------------------------------- personas

def test_personas_have_structurally_distinct_paths(gen):
    plain = gen.truth[~gen.truth[list(KINDS)].any(axis=1)].set_index("case")["persona"]
    log = gen.log[gen.log[C.CASE].isin(plain.index)]
    acts = log.groupby(C.CASE)[C.ACTIVITY].agg(lambda s: frozenset(s) - {"Answer survey", "Send auto-reply"})
    persona_sets = acts.groupby(plain.reindex(acts.index)).agg(set)
    assert set(persona_sets.index) == set(PERSONAS)
    # without optional steps, each persona has one activity set, and no two personas share it
    assert all(len(s) == 1 for s in persona_sets)
    sets = [next(iter(s)) for s in persona_sets]
    assert len(set(sets)) == len(sets)
    for a in range(len(sets)):
        for b in range(a + 1, len(sets)):
            assert len(sets[a] ^ sets[b]) >= 4          # not just a different channel attribute
    # every case, deviating or not, starts with its persona's own contact activity
    first = gen.log.groupby(C.CASE)[C.ACTIVITY].first()
    persona = gen.truth.set_index("case")["persona"].reindex(first.index)
    assert (first.groupby(persona).nunique() == 1).all()


def test_persona_weights_are_honoured():
    g = generate_tickets(300, random_state=3, persona_weights={"chat_quick_fix": 1, "phone_callback": 0})
    assert set(g.truth["persona"]) == {"chat_quick_fix"}


# --------------------------------------------------------------------------- determinism

def test_same_seed_gives_identical_frames_and_other_seeds_differ():
    a = generate_tickets(300, random_state=42)
    b = generate_tickets(300, random_state=42)
    for name in ("log", "events", "updates", "wide", "truth", "deviations"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.journey_map == b.journey_map
    c = generate_tickets(300, random_state=43)
    assert not a.log[C.ACTIVITY].equals(c.log[C.ACTIVITY]) or not a.log[C.TIMESTAMP].equals(c.log[C.TIMESTAMP])
    assert not a.truth["persona"].equals(c.truth["persona"])


def test_only_the_requested_shapes_are_built_and_the_log_does_not_depend_on_it():
    full = generate_tickets(200, random_state=9)
    only = generate_tickets(200, random_state=9, shapes=("log",))
    assert only.events is None and only.updates is None and only.wide is None
    pd.testing.assert_frame_equal(only.log, full.log)
    pd.testing.assert_frame_equal(only.truth, full.truth)
    assert generate_tickets(50, random_state=9, shapes="wide").log is None


def test_journey_map_is_a_fresh_valid_map():
    g = generate_tickets(20, random_state=0)
    jm = JourneyMap.from_dict(g.journey_map)
    assert jm.goal == ("Close ticket",)
    assert [s.name for s in jm.stages] == ["Contact", "Triage", "Resolve", "Close", "Feedback"]
    g.journey_map["goal"].append("Answer survey")
    assert generate_tickets(20, random_state=0).journey_map["goal"] == ["Close ticket"]


# --------------------------------------------------------------------------- the log and the shapes

def test_log_follows_the_contract(gen):
    log = gen.log
    assert list(log.columns) == [C.CASE, C.ACTIVITY, C.TIMESTAMP, C.RESOURCE, C.GROUP, C.CHANNEL, C.TOUCHPOINT,
                                 C.STAGE, C.ACTOR, C.CSAT, C.CUSTOMER, C.TICKET, C.SOURCE_ROW]
    assert str(log[C.TIMESTAMP].dtype) == "datetime64[ns, UTC]"
    key = pd.DataFrame({"c": log[C.CASE], "t": log[C.TIMESTAMP]})
    assert key.equals(key.sort_values(["c", "t"], kind="stable"))
    gaps = log.groupby(C.CASE)[C.TIMESTAMP].diff().dropna()
    assert (gaps >= pd.Timedelta("1min")).all()                  # strictly increasing within a case
    assert (log[C.CASE] == log[C.TICKET]).all()
    assert set(log[C.ACTOR]) == {C.FRONTSTAGE, C.BACKSTAGE}
    assert log[C.GROUP].notna().all() and log[C.CHANNEL].isin(C.CHANNELS).all()
    customer_steps = log[C.RESOURCE] == "customer"
    assert (log.loc[customer_steps, C.ACTOR] == C.FRONTSTAGE).all()
    unplanned = log[C.TOUCHPOINT].isna()
    assert (log.loc[~unplanned, C.TOUCHPOINT] == log.loc[~unplanned, C.ACTIVITY]).all()
    assert log.loc[unplanned, C.STAGE].isna().all()


def test_csat_on_survey_events_of_resolved_tickets_lower_when_deviating():
    g = generate_tickets(3000, random_state=4)
    log = g.log
    survey = log[C.ACTIVITY] == "Answer survey"
    assert log.loc[~survey, C.CSAT].isna().all()
    assert log.loc[survey, C.CSAT].isin([1.0, 2.0, 3.0, 4.0, 5.0]).all()
    surveyed = log.loc[survey, [C.CASE, C.CSAT]].set_index(C.CASE)[C.CSAT]
    truth = g.truth.set_index("case").reindex(surveyed.index)
    assert truth["goal_reached"].all()
    assert 0.25 < len(surveyed) / g.truth["goal_reached"].sum() < 0.55
    deviating = truth[list(KINDS)].any(axis=1)
    assert surveyed[deviating].mean() < surveyed[~deviating].mean() - 0.8


def test_the_four_shapes_hold_the_same_tickets_and_events(gen):
    log, events, updates, wide = gen.log, gen.events, gen.updates, gen.wide
    cases = set(gen.truth["case"])
    assert set(log[C.CASE]) == set(events["ticket_id"]) == set(updates["number"]) == cases
    assert wide["ticket_id"].tolist() == gen.truth["case"].tolist()
    per_case = log.groupby(C.CASE).size()
    assert events.groupby("ticket_id").size().reindex(per_case.index).equals(per_case)
    assert updates.groupby("number").size().reindex(per_case.index).equals(per_case)
    # the log's source_row is the row of the events export holding the same event
    row = events.iloc[log[C.SOURCE_ROW].to_numpy()]
    assert (row["ticket_id"].to_numpy() == log[C.CASE].to_numpy()).all()
    assert (row["activity"].to_numpy() == log[C.ACTIVITY].to_numpy()).all()
    local = pd.to_datetime(row["timestamp"]).dt.tz_localize("Europe/Amsterdam").dt.tz_convert("UTC")
    assert (local.to_numpy() == log[C.TIMESTAMP].to_numpy()).all()
    assert (row["agent"].to_numpy() == log[C.RESOURCE].to_numpy()).all()
    # the updates: one snapshot per event, state after it, UTC time
    snap = updates.sort_values(["number", "sys_updated_on"], kind="stable")
    assert (pd.to_datetime(snap["sys_updated_on"], utc=True).to_numpy() == log[C.TIMESTAMP].to_numpy()).all()
    assert (snap["assignment_group"].to_numpy() == log[C.GROUP].to_numpy()).all()
    assert (snap["contact_type"].to_numpy() == log[C.CHANNEL].to_numpy()).all()
    # the wide table: one row per ticket, a timestamp per milestone reached
    w = wide.set_index("ticket_id").reindex(per_case.index)
    stamps = ["created_at", "first_response_at", "escalated_at", "resolved_at", "closed_at", "survey_at"]
    assert (w[stamps].notna().sum(axis=1) <= per_case).all()
    first = log.groupby(C.CASE)[C.TIMESTAMP].first()
    assert (pd.to_datetime(w["created_at"], utc=True) == first).all()
    closed = log[log[C.ACTIVITY] == "Close ticket"].groupby(C.CASE)[C.TIMESTAMP].max()
    closed_at = pd.to_datetime(w["closed_at"], utc=True).dropna()
    assert (closed_at == closed.reindex(closed_at.index)).all()
    truth = gen.truth.set_index("case").reindex(w.index)
    assert (w["closed_at"].notna() == truth["goal_reached"]).all()
    escalated = log.groupby(C.CASE)[C.ACTIVITY].agg(lambda a: "Escalate to L2" in set(a))
    assert (w["escalated_at"].notna() == escalated.reindex(w.index)).all()
    assert (w["channel"] == log.groupby(C.CASE)[C.CHANNEL].first().reindex(w.index)).all()


def test_no_event_falls_in_a_repeated_local_hour():
    # October 27, 2024: 02:00-03:00 happens twice in Amsterdam; the export must still read back
    g = generate_tickets(600, random_state=1, start="2024-10-26", days=2)
    local = pd.to_datetime(g.events["timestamp"]).dt.tz_localize("Europe/Amsterdam", ambiguous="NaT")
    assert local.notna().all()
    row = g.events.iloc[g.log[C.SOURCE_ROW].to_numpy()]
    back = pd.to_datetime(row["timestamp"]).dt.tz_localize("Europe/Amsterdam").dt.tz_convert("UTC")
    assert (back.to_numpy() == g.log[C.TIMESTAMP].to_numpy()).all()


def test_customers_and_repeat_contacts():
    g = generate_tickets(1000, random_state=6, customers=500, repeat_rate=0.2)
    truth = g.truth.set_index("case")
    assert truth["customer"].nunique() == 500
    repeats = truth[truth["repeat_of"].notna()]
    assert len(repeats) == 200
    assert (repeats["customer"] == truth.loc[repeats["repeat_of"], "customer"].to_numpy()).all()
    span = g.log.groupby(C.CASE)[C.TIMESTAMP].agg(["min", "max"])
    back = span.loc[repeats.index, "min"].to_numpy() - span.loc[repeats["repeat_of"], "max"].to_numpy()
    assert (back >= pd.Timedelta("1h")).all() and (back <= pd.Timedelta("5D")).all()


# --------------------------------------------------------------------------- samples and mappings

def test_sample_mappings_convert_the_sample_exports():
    from journeymining.io.tickets import tickets_to_event_log

    truth = pd.read_csv(SAMPLES / "generated" / "truth.csv", dtype={"repeat_of": "str"})
    g = generate_tickets(len(truth), random_state=2024)
    # the committed samples are what scripts/make_samples.py writes with the current generator
    pd.testing.assert_frame_equal(truth, g.truth, check_dtype=False)
    deviations = pd.read_csv(SAMPLES / "generated" / "deviations.csv")
    pd.testing.assert_frame_equal(deviations, g.deviations, check_dtype=False)
    conv = {s: tickets_to_event_log(SAMPLES / "generated" / f"tickets_{s}.csv",
                                    SAMPLES / "mappings" / f"generated_{s}.yaml")
            for s in ("events", "updates", "wide")}
    for c in conv.values():
        assert c.report.summary["rows"].to_dict()["quarantined"] == 0
        assert c.log[C.CASE].nunique() == len(truth)
    ev = conv["events"].log
    cols = list(g.log.columns)
    pd.testing.assert_frame_equal(ev[cols], g.log, check_dtype=False)
    # updates: a snapshot per event; the first is "Ticket created", then state changes, handoffs
    up = conv["updates"].log
    planned = g.log.groupby(C.CASE)[C.ACTIVITY].agg(list)
    got = up[~up[C.ACTIVITY].str.startswith(("Handoff to", "Channel switch to"))]
    got = got.groupby(C.CASE)[C.ACTIVITY].agg(list)
    expect = planned.map(lambda acts: ["Ticket created"] + [b for a, b in zip(acts, acts[1:]) if a != b])
    assert got.reindex(expect.index).equals(expect)
    wide = pd.read_csv(SAMPLES / "generated" / "tickets_wide.csv")
    n_stamps = wide.filter(like="_at").notna().sum(axis=1).sum()
    assert len(conv["wide"].log) == n_stamps


# --------------------------------------------------------------------------- bad parameters

@pytest.mark.parametrize("kwargs, match", [
    ({"n_tickets": 0}, "n_tickets=0"),
    ({"n_tickets": 2.5}, "whole number of tickets"),
    ({"deviation_rate": 1.5}, "deviation_rate=1.5 .*between 0 and 1"),
    ({"survey_rate": -0.1}, "survey_rate"),
    ({"repeat_rate": 0.95}, "repeat_rate"),
    ({"customers": 0}, "customers=0 .*between 1 and n_tickets"),
    ({"customers": 11}, "customers=11"),
    ({"start": "not a date"}, "start='not a date'"),
    ({"days": 0}, "days=0"),
    ({"timezone": "Mars/Olympus"}, "IANA zone"),
    ({"shapes": ("log", "xes")}, "choose among .*'xes'"),
    ({"persona_weights": {"walk_in": 1}}, "unknown: 'walk_in'"),
    ({"persona_weights": {"chat_quick_fix": 0}}, "positive sum"),
    ({"persona_weights": [1, 2]}, "dict persona -> share"),
])
def test_bad_parameters_raise_a_named_error(kwargs, match):
    args = {"n_tickets": 10, **kwargs}
    with pytest.raises(JourneyMiningError, match=match):
        generate_tickets(args.pop("n_tickets"), **args)


def test_large_runs_report_progress(capsys, monkeypatch):
    monkeypatch.setenv("JOURNEYMINING_PROGRESS", "1")
    g = generate_tickets(100_000, random_state=0, shapes=("log",))
    err = capsys.readouterr().err
    assert "[journeymining] generating 100,000 tickets" in err
    assert "building the event log" in err
    assert len(g.truth) == 100_000
    assert np.isclose(g.truth[list(KINDS)].any(axis=1).mean(), 0.3)


def test_the_definitions_above_catch_an_edit_of_an_intended_journey(gen):
    plain = gen.truth[(gen.truth["persona"] == "chat_quick_fix") & ~gen.truth[list(KINDS)].any(axis=1)]
    case = plain["case"].iloc[0]
    ev = gen.log[gen.log[C.CASE] == case].reset_index(drop=True)
    assert observed_kinds(ev, gen.journey_map) == {case: set()}
    moved = ev.copy()
    moved.loc[moved[C.ACTIVITY] == "Check account", C.GROUP] = "Billing"
    assert observed_kinds(moved, gen.journey_map) == {case: {"unplanned_handoff"}}
    late = ev.copy()
    late.loc[late.index[3:], C.TIMESTAMP] += pd.Timedelta("2h")     # Solve in chat 2h later
    assert observed_kinds(late, gen.journey_map) == {case: {"sla_breach"}}
    assert observed_kinds(ev.iloc[[0, 2, 1, 3, 4, 5]], gen.journey_map) == {case: {"out_of_order"}}


# -- block by block ------------------------------------------------------------------------------
def test_stream_of_one_block_writes_the_files_of_write_generated(tmp_path):
    from journeymining.synth import write_generated, write_generated_stream

    write_generated(generate_tickets(800, random_state=4), tmp_path / "ref")
    write_generated_stream(800, tmp_path / "one", random_state=4, block=1000)
    for name in ("tickets_events.csv", "tickets_updates.csv", "tickets_wide.csv", "truth.csv", "deviations.csv",
                 "intended_journey.yaml", "mappings/generated_events.yaml", "mappings/generated_updates.yaml"):
        assert (tmp_path / "ref" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    from journeymining.synth import write_generated_stream

    out = tmp_path_factory.mktemp("stream")
    write_generated_stream(1000, out, random_state=2, block=300, shapes=("events", "updates", "wide", "log"))
    return out


def test_stream_of_blocks_holds_every_ticket_once_with_ids_of_its_own(streamed):
    truth = pd.read_csv(streamed / "truth.csv")
    assert len(truth) == 1000 and truth["case"].is_unique
    assert truth["case"].iloc[[0, -1]].tolist() == ["T0000001", "T0001000"]
    # blocks of 300, 300, 300, 100 tickets; a customer belongs to one block (repeat contacts inside it)
    block = (truth["case"].str[1:].astype(int) - 1) // 300
    assert truth.groupby("customer")[[]].size().size == truth["customer"].nunique()
    assert (truth.assign(block=block).groupby("customer")["block"].nunique() == 1).all()
    repeats = truth.dropna(subset=["repeat_of"])
    assert ((repeats["repeat_of"].str[1:].astype(int) - 1) // 300 == (repeats["case"].str[1:].astype(int) - 1) // 300).all()
    ev = pd.read_csv(streamed / "tickets_events.csv")
    wide = pd.read_csv(streamed / "tickets_wide.csv")
    assert set(ev["ticket_id"]) == set(wide["ticket_id"]) == set(truth["case"])


def test_stream_exports_are_in_time_order_across_blocks(streamed):
    up = pd.read_csv(streamed / "tickets_updates.csv")           # UTC text
    t = pd.to_datetime(up["sys_updated_on"], utc=True)
    assert (t.diff().dropna() >= pd.Timedelta(0)).all()
    ev = pd.read_csv(streamed / "tickets_events.csv")            # local wall-clock (no repeated hour)
    local = pd.to_datetime(ev["timestamp"]).dt.tz_localize("Europe/Amsterdam").dt.tz_convert("UTC")
    assert (local.diff().dropna() >= pd.Timedelta(0)).all()
    # rows interleave the blocks (every block covers the whole period)
    first_block = ev["ticket_id"].str[1:].astype(int) <= 300
    assert 0 < first_block.head(200).mean() < 1


def test_stream_event_log_equals_the_converted_events_export(streamed):
    from journeymining import read_event_log, tickets_to_event_log
    from journeymining.discover import variant_table

    log = read_event_log(streamed / "event_log.csv")
    assert C.SOURCE_ROW not in log.columns
    conv = tickets_to_event_log(streamed / "tickets_events.csv", streamed / "mappings" / "generated_events.yaml")
    assert conv.report.n_rows == len(log)
    a, b = variant_table(conv.log), variant_table(log)
    pd.testing.assert_frame_equal(a[["variant", "cases", "example_case"]], b[["variant", "cases", "example_case"]])
    assert (a["median_throughput"].astype("timedelta64[ns]") == b["median_throughput"].astype("timedelta64[ns]")).all()
    raw = pd.read_csv(streamed / "tickets_events.csv")
    assert log.groupby(C.CASE).size().sort_index().tolist() == raw.groupby("ticket_id").size().sort_index().tolist()


@pytest.mark.parametrize("kwargs, match", [
    ({"block": 0}, "block=0 is not allowed"),
    ({"shapes": ("events", "excel")}, "shapes=.* is not allowed; choose among"),
    ({"customers": 10}, "customers= and shapes= are not per-block parameters"),
    ({"deviation_rate": 2.0}, "deviation_rate=2.0 is not allowed"),
])
def test_stream_bad_parameters_raise_a_named_error(tmp_path, kwargs, match):
    from journeymining.synth import write_generated_stream

    with pytest.raises(JourneyMiningError, match=match):
        write_generated_stream(10, tmp_path, **kwargs)


def test_cli_generate_block_by_block(tmp_path, capsys):
    from journeymining.cli import main

    assert main(["generate", "--tickets", "500", "--block", "200", "--shapes", "log", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "journeymining discover" in printed and "event_log.csv" in printed
    log = pd.read_csv(tmp_path / "event_log.csv")
    assert log[C.CASE].nunique() == 500
    assert not (tmp_path / "tickets_events.csv").exists()

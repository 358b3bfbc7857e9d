"""Seeded synthetic support tickets with ground truth.

:func:`generate_tickets` samples customer-support journeys from the intended journey map
(:data:`JOURNEY_MAP`, in the YAML structure of ``docs/ARCHITECTURE.md``), plants deviations of
the eight kinds of the contract in a known share of the cases, and returns the same journeys in
every shape the package reads: the event log itself, a raw event-history export, a
ServiceNow-style audit table, a one-row-per-ticket table, plus the ground truth (persona,
goal reached, planted deviation kinds) to score discovery, clustering and conformance against.

How it works
------------
Each persona (:data:`PERSONAS`) is one path through the map: one alternative of every ``choice``
stage, with the optional touchpoints kept or left out and the repeatable ones done 1-3 times.
Every such *base variant* becomes a template: a list of steps (activity, team, channel and the
bounds of the time gap since the previous step). Deviations are planted in copies of the
templates, and every planted template is checked against the journey definitions
(``journeymining/measure/definitions.py``, restated on templates in :func:`_observed_kinds`) --
for the SLAs with the bounds of the gaps, so that every ticket drawn from the template breaches
exactly the planted SLA and no other kind (nor a reopen) shows up by accident. A channel switch is
a re-contact: the customer gets in touch again on another channel before the resolution. Drop-offs
are placed so that they fall silent well before the log's last event (otherwise they would be
"still open", not dropped). Tickets then draw a template, a start time, agents and gaps with
numpy, and the templates are "exploded" into events in one vectorised pass, which makes a
million tickets (about seven million events) a matter of seconds.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import yaml as _yaml

from journeymining.core import columns as C
from journeymining.core.progress import step
from journeymining.core.errors import JourneyMiningError, preview

__all__ = ["generate_tickets", "GeneratedTickets", "JOURNEY_MAP", "PERSONAS", "KINDS", "SHAPES"]

#: The deviation kinds of the contract, in the order of the truth columns.
KINDS = ("skipped_touchpoint", "unplanned_step", "out_of_order", "rework", "unplanned_handoff",
         "channel_switch", "sla_breach", "drop_off")

#: The frames :func:`generate_tickets` can build (``truth``/``deviations`` are always built).
SHAPES = ("log", "events", "updates", "wide")


def _tp(activity, actor, team, channel=None, **flags):
    d = {"activity": activity}
    if channel is not None:
        d["channel"] = channel
    d["actor"] = actor
    d["team"] = team
    d.update(flags)
    return d


#: The intended support journey, in the YAML structure of docs/ARCHITECTURE.md.
JOURNEY_MAP = {
    "name": "Customer support, as intended",
    "goal": ["Close ticket"],
    "resolution": ["Read article", "Solve in chat", "Resolve at L2", "Call back customer"],
    "stages": [
        {"name": "Contact", "order": "choice", "touchpoints": [
            _tp("Search FAQ", "frontstage", "Self-service", "self-service", contact=True),
            _tp("Start chat", "frontstage", "L1", "chat", contact=True),
            {"order": "sequence", "touchpoints": [
                _tp("Send e-mail", "frontstage", "L1", "e-mail", contact=True),
                _tp("Send auto-reply", "backstage", "L1", "e-mail", optional=True),
            ]},
            _tp("Call hotline", "frontstage", "L1", "phone", contact=True),
        ]},
        {"name": "Triage", "order": "choice", "touchpoints": [
            _tp("Suggest article", "backstage", "Self-service"),
            _tp("Log ticket", "backstage", "L1"),
        ]},
        {"name": "Resolve", "order": "choice", "touchpoints": [
            _tp("Read article", "frontstage", "Self-service", "self-service"),
            {"order": "sequence", "touchpoints": [
                _tp("Check account", "backstage", "L1"),
                _tp("Solve in chat", "frontstage", "L1", "chat"),
            ]},
            {"order": "sequence", "touchpoints": [
                _tp("Escalate to L2", "backstage", "L1"),
                _tp("Investigate at L2", "backstage", "L2", repeatable=True),
                _tp("Resolve at L2", "backstage", "L2"),
                _tp("Send solution e-mail", "frontstage", "L1", "e-mail"),
            ]},
            {"order": "sequence", "touchpoints": [
                _tp("Schedule call-back", "backstage", "L1"),
                _tp("Research issue", "backstage", "L1"),
                _tp("Call back customer", "frontstage", "L1", "phone"),
            ]},
        ]},
        {"name": "Close", "touchpoints": [
            _tp("Confirm solution", "frontstage", "L1"),
            _tp("Close ticket", "backstage", "L1"),
        ]},
        {"name": "Feedback", "touchpoints": [
            _tp("Answer survey", "frontstage", "L1", optional=True),
        ]},
    ],
    "sla": [
        {"from": "Start chat", "to": "Solve in chat", "within": "1h"},
        {"from": "Send e-mail", "to": "Log ticket", "within": "4h"},
        {"from": "Call hotline", "to": "Call back customer", "within": "1d"},
        {"from": "Search FAQ", "to": "Close ticket", "within": "1d"},
        {"stage": "Resolve", "within": "2d"},
    ],
}

#: Personas: one path through :data:`JOURNEY_MAP` each, with the bounds (seconds) of the time
#: gap before every step and the share of tickets. Optional touchpoints of the path are kept with
#: probability ``keep`` (the survey uses ``survey_rate``), repeatable ones run 1-3 times.
PERSONAS = {
    "self_service": {
        "label": "self-service that works", "channel": "self-service", "weight": 0.3,
        "path": [("Search FAQ", 0, 0), ("Suggest article", 60, 300), ("Read article", 60, 1200),
                 ("Confirm solution", 120, 7200), ("Close ticket", 60, 3600),
                 ("Answer survey", 300, 86400)],
    },
    "chat_quick_fix": {
        "label": "chat quick fix", "channel": "chat", "weight": 0.3,
        "path": [("Start chat", 0, 0), ("Log ticket", 60, 240), ("Check account", 120, 600),
                 ("Solve in chat", 120, 900), ("Confirm solution", 60, 900),
                 ("Close ticket", 60, 3600), ("Answer survey", 60, 7200)],
    },
    "email_escalated": {
        "label": "e-mail escalated to L2", "channel": "e-mail", "weight": 0.2,
        "path": [("Send e-mail", 0, 0), ("Send auto-reply", 60, 120), ("Log ticket", 600, 10800),
                 ("Escalate to L2", 600, 7200), ("Investigate at L2", 3600, 28800),
                 ("Resolve at L2", 1800, 14400), ("Send solution e-mail", 600, 7200),
                 ("Confirm solution", 1800, 43200), ("Close ticket", 300, 7200),
                 ("Answer survey", 3600, 172800)],
    },
    "phone_callback": {
        "label": "phone with call-back", "channel": "phone", "weight": 0.2,
        "path": [("Call hotline", 0, 0), ("Log ticket", 60, 300), ("Schedule call-back", 60, 600),
                 ("Research issue", 1800, 21600), ("Call back customer", 600, 14400),
                 ("Confirm solution", 60, 1800), ("Close ticket", 60, 3600),
                 ("Answer survey", 300, 86400)],
    },
}

# who performs a touchpoint: the customer, a bot, or an agent of the event's team
_CUSTOMER_STEPS = {"Search FAQ", "Read article", "Start chat", "Send e-mail", "Call hotline",
                   "Confirm solution", "Answer survey"}
_BOT_STEPS = {"Suggest article", "Send auto-reply"}
_SURVEY = "Answer survey"
_ESCALATION = "Escalate to L2"
_RESOLUTION = set(JOURNEY_MAP["resolution"])

#: Activities outside the map that unplanned steps insert (always backstage, by an agent).
UNPLANNED_ACTIVITIES = ("Add internal note", "Request supervisor approval", "Update contact details",
                        "Merge duplicate ticket", "Check warranty")

# ServiceNow-style status of each activity (the ``state`` column of the ``updates`` shape)
STATUS = {
    "Search FAQ": "FAQ searched", "Start chat": "Chat started", "Send e-mail": "E-mail received",
    "Send auto-reply": "Auto-reply sent", "Call hotline": "Call received",
    "Suggest article": "Article suggested", "Log ticket": "Logged", "Read article": "Article read",
    "Check account": "Account checked", "Solve in chat": "Solved in chat",
    "Escalate to L2": "Escalated", "Investigate at L2": "Under investigation",
    "Resolve at L2": "Resolved by L2", "Send solution e-mail": "Solution sent",
    "Schedule call-back": "Call-back scheduled", "Research issue": "Researching",
    "Call back customer": "Called back", "Confirm solution": "Solution confirmed",
    "Close ticket": "Closed", "Answer survey": "Survey answered",
    "Add internal note": "Note added", "Request supervisor approval": "Awaiting approval",
    "Update contact details": "Contact details updated", "Merge duplicate ticket": "Duplicate merged",
    "Check warranty": "Warranty checked",
}

_STAFFED = ("L1", "L2", "Billing")           # teams with human agents (handoff targets)
_AGENTS = {"L1": 30, "L2": 10, "Billing": 6}  # agents per staffed team
_SWITCH_CHANNELS = ("phone", "e-mail", "chat", "social")
_PRIORITIES = ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low")
_PRIORITY_P = (0.05, 0.2, 0.5, 0.25)
_CSAT_OK = (0.03, 0.05, 0.12, 0.35, 0.45)      # P(csat = 1..5) of intended journeys
_CSAT_DEVIATING = (0.2, 0.25, 0.25, 0.2, 0.1)
_HOUR_WEIGHT = np.array([.5] * 7 + [2, 3] + [4] * 9 + [3, 2, 2, 1] + [1, .5], dtype=float)
_UNPLANNED_GAP = (60, 1800)
_PAIR_SHARE = 0.2          # share of deviating cases that carry two kinds
_PLANTINGS = 4             # distinct plantings kept per (base variant, kinds)
_DURATIONS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
_OPEN_MARGIN = 30 * 86400  # drop-offs end at least this long before the log's last event


@dataclass(frozen=True)
class GeneratedTickets:
    """What :func:`generate_tickets` returns: the same tickets in every shape, plus ground truth.

    Attributes
    ----------
    log : pandas.DataFrame or None
        The event log in the contract's form, sorted by case then time (None unless ``"log"`` is
        in ``shapes``).
    events : pandas.DataFrame or None
        Raw event-history export, one row per event in time order: ``ticket_id, customer_id,
        activity, timestamp`` (local wall-clock text in ``timezone``), ``channel, agent, team,
        csat``. The log's ``source_row`` is the row of this table.
    updates : pandas.DataFrame or None
        ServiceNow-style audit snapshots, one row per event holding the whole ticket state after
        it: ``number, sys_updated_on`` (UTC text), ``sys_updated_by, state, assignment_group,
        assigned_to, contact_type, priority, customer``.
    wide : pandas.DataFrame or None
        One row per ticket: ``ticket_id, customer_id, channel, created_at, first_response_at,
        escalated_at, resolved_at, closed_at, survey_at`` (ISO 8601 UTC text, empty where the
        ticket never got there), ``csat, team, agent``.
    truth : pandas.DataFrame
        One row per case: ``case, customer, persona, goal_reached``, one bool column per
        deviation kind, and ``repeat_of`` (the earlier ticket a repeat contact is about).
    deviations : pandas.DataFrame
        One row per planted deviation: ``case, kind, stage, touchpoint, detail``.
    journey_map : dict
        The intended map the tickets were sampled from (YAML structure of the contract).
    """

    log: pd.DataFrame | None = field(repr=False)
    events: pd.DataFrame | None = field(repr=False)
    updates: pd.DataFrame | None = field(repr=False)
    wide: pd.DataFrame | None = field(repr=False)
    truth: pd.DataFrame = field(repr=False)
    deviations: pd.DataFrame = field(repr=False)
    journey_map: dict = field(repr=False)

    def __repr__(self):
        built = [s for s in SHAPES if getattr(self, s) is not None]
        n_events = None if self.log is None else len(self.log)
        events = "not built" if n_events is None else f"{n_events:,}"
        return (f"GeneratedTickets(tickets={len(self.truth):,}, events={events}, "
                f"deviating={int(self.truth[list(KINDS)].any(axis=1).sum()):,}, shapes={built})")


# ================================================================================ the map, indexed

def _seconds(text):
    total, num = 0, ""
    for ch in str(text):
        if ch.isdigit():
            num += ch
        else:
            total += int(num) * _DURATIONS[ch]
            num = ""
    return total


class _Map:
    """The facts about :data:`JOURNEY_MAP` that planting and checking need."""

    def __init__(self, jm):
        self.tp = {}  # activity -> stage, stage_idx, branch, pos, channel, actor, team, optional, ...
        self.goal = set(jm["goal"])
        self.branch_members = {}
        for si, stage in enumerate(jm["stages"]):
            choice = stage.get("order", "sequence") == "choice"
            for bi, child in enumerate(stage["touchpoints"]):
                members = child["touchpoints"] if "touchpoints" in child else [child]
                branch = (si, bi if choice else 0)
                for k, t in enumerate(members):
                    pos = k if choice else bi
                    self.tp[t["activity"]] = dict(
                        stage=stage["name"], stage_idx=si, branch=branch, pos=pos, choice=choice,
                        channel=t.get("channel"), actor=t.get("actor"), team=t.get("team"),
                        optional=bool(t.get("optional") or child.get("optional")),
                        contact=bool(t.get("contact")),
                        repeatable=bool(t.get("repeatable") or child.get("repeatable")))
                    self.branch_members.setdefault(branch, []).append(t["activity"])
        self.stages = [s["name"] for s in jm["stages"]]
        self.choice_stages = {si for si, s in enumerate(jm["stages"]) if s.get("order") == "choice"}
        self.sla = []
        for s in jm.get("sla", []):
            self.sla.append((s.get("from"), s.get("to"), s.get("stage"), _seconds(s["within"])))
        self.sla_endpoints = {a for f, t, _, _ in self.sla for a in (f, t) if a}
        self.sla_from = {f for f, _, _, _ in self.sla if f}
        self.contacts = {a for a, t in self.tp.items() if t["contact"]}
        self.resolution = set(jm.get("resolution") or jm["goal"])
        self._jm = jm
        self._plan = None

    def _journey_map(self):
        if self._plan is None:
            from journeymining.journeymap import JourneyMap

            jm = JourneyMap.from_dict(self._jm)
            self._plan = (set(jm.team_plan()["hops"]), set(jm.closure))
        return self._plan

    @property
    def hops(self):
        """Touchpoint pairs ``(x, y)`` between which the map plans a change of team."""
        return self._journey_map()[0]

    @property
    def closure(self):
        """Steps that may follow a resolution without reopening the case (the map's default)."""
        return self._journey_map()[1]

    def precedes(self, a, b):
        """The map requires ``a`` before ``b`` (both touchpoints on one path)."""
        ta, tb = self.tp[a], self.tp[b]
        if ta["stage_idx"] != tb["stage_idx"]:
            return ta["stage_idx"] < tb["stage_idx"]
        return ta["branch"] == tb["branch"] and ta["pos"] < tb["pos"]

    def actor(self, a):
        return self.tp[a]["actor"] if a in self.tp else C.BACKSTAGE

    def stage(self, a):
        return self.tp[a]["stage"] if a in self.tp else None


_M = _Map(JOURNEY_MAP)


# ================================================================================ observable kinds

def _recontacts(acts, m=_M):
    """Per step: a re-contact, i.e. a contact touchpoint after the case's first contact (step 0)."""
    return [i > 0 and a in m.contacts for i, a in enumerate(acts)]


def _has_reopen(acts, m=_M):
    """A step other than a closure step whose last non-closure step before it is a resolution."""
    work = [a for a in acts if not (a in m.closure and a not in m.resolution)]
    return any(a in m.resolution for a in work[:-1])


def _observed_kinds(steps, m=_M):
    """Deviation kinds a template shows: ``(certain, possible)`` sets.

    ``steps`` are ``(activity, group, channel, gap_lo, gap_hi)``. The kinds follow the journey
    definitions (written out here on the template, independently of
    ``journeymining.measure.definitions``):

    * re-contacts (contact touchpoints after the case's first step, its opening contact) are not
      judged for rework, order or skips;
    * ``unplanned_handoff``: a team change between consecutive steps that the map does not plan
      there (the last touchpoint step before it done by its planned team, that team the team
      before the change; the first touchpoint step from the change on done by its planned team,
      that team the team after it; the pair a planned hop of the map's team plan);
    * ``channel_switch``: a contact on another channel than the previous contact;
    * ``sla_breach``: rule ``A -> B``: first A to the first B after it, or to the case end when no
      B follows; stage rule: the sum of the gaps whose earlier step's stage context is the stage;
    * ``reopen`` (never planted, so templates showing it are refused): a non-closure step after a
      resolution.

    Kinds other than SLA breaches do not depend on time, so they are either in both sets or in
    neither; an SLA is certainly breached when even the shortest gaps exceed it, and possibly
    breached when the longest gaps do.
    """
    acts = [s[0] for s in steps]
    groups = [s[1] for s in steps]
    n = len(steps)
    kinds = set()
    if any(a not in m.tp for a in acts):
        kinds.add("unplanned_step")
    recontact = _recontacts(acts, m)
    seen = {}
    for i, a in enumerate(acts):
        if not recontact[i]:
            seen.setdefault(a, []).append(i)
    if any(len(p) > 1 and a in m.tp and not m.tp[a]["repeatable"] for a, p in seen.items()):
        kinds.add("rework")
    if not any(a in m.goal for a in acts):
        kinds.add("drop_off")
    present = [a for a in seen if a in m.tp]
    # skipped: a required touchpoint of the case's path is absent while a later one is present
    chosen = {}
    for a in present:
        t = m.tp[a]
        if t["choice"]:
            chosen.setdefault(t["stage_idx"], set()).add(t["branch"])
    required = [a for a, t in m.tp.items() if not t["optional"] and (
        not t["choice"] or t["branch"] in chosen.get(t["stage_idx"], ()))]
    last_stage = max((m.tp[a]["stage_idx"] for a in present), default=-1)
    skipped = any(r not in seen and any(m.precedes(r, a) for a in present) for r in required)
    skipped |= any(si not in chosen and si < last_stage for si in m.choice_stages)
    if skipped:
        kinds.add("skipped_touchpoint")
    if any(m.precedes(a, b) and seen[b][0] < seen[a][-1] for a in present for b in present if a != b):
        kinds.add("out_of_order")
    if _has_reopen(acts, m):
        kinds.add("reopen")
    # handoffs on the team sequence (every generated step has a team)
    tps = [i for i, a in enumerate(acts) if a in m.tp]
    for i in range(1, n):
        if groups[i - 1] == groups[i]:
            continue
        x = max((j for j in tps if j <= i - 1), default=None)
        y = min((j for j in tps if j >= i), default=None)
        planned = (x is not None and y is not None
                   and groups[x] == m.tp[acts[x]]["team"] == groups[i - 1]
                   and groups[y] == m.tp[acts[y]]["team"] == groups[i]
                   and (acts[x], acts[y]) in m.hops)
        if not planned:
            kinds.add("unplanned_handoff")
    # channel switch: consecutive contacts (the opening step and contact touchpoints) on different channels
    contact_ch = [steps[i][2] or (m.tp[acts[i]]["channel"] if acts[i] in m.tp else None)
                  for i in range(n) if i == 0 or acts[i] in m.contacts]
    if any(a is not None and b is not None and a != b for a, b in zip(contact_ch, contact_ch[1:])):
        kinds.add("channel_switch")
    certain, possible = set(kinds), set(kinds)
    # earliest / latest time of every step since the case start
    lo = np.cumsum([0] + [s[3] for s in steps[1:]]) if n else np.zeros(0)
    hi = np.cumsum([0] + [s[4] for s in steps[1:]]) if n else np.zeros(0)
    context, last = [], None
    for a in acts:
        last = m.stage(a) or last
        context.append(last)
    sla_certain = sla_possible = False
    for frm, to, stage, within in m.sla:
        if stage is None:
            if frm not in acts:
                continue
            f = acts.index(frm)
            end = next((j for j in range(f + 1, n) if acts[j] == to), n - 1)
            t_min, t_max = lo[end] - lo[f], hi[end] - hi[f]
        else:
            gaps = [j for j in range(1, n) if context[j - 1] == stage]
            t_min = sum(steps[j][3] for j in gaps)
            t_max = sum(steps[j][4] for j in gaps)
        sla_certain |= t_min > within
        sla_possible |= t_max > within
    if sla_certain:
        certain.add("sla_breach")
    if sla_possible:
        possible.add("sla_breach")
    return certain, possible


# ================================================================================ planting

def _dev(kind, activity, detail, m=_M):
    return (kind, m.stage(activity), activity, detail)


def _plant(kind, steps, rng, m=_M):
    """Plant one deviation of ``kind`` in a copy of ``steps``; ``(steps, record)`` or None."""
    n = len(steps)
    acts = [s[0] for s in steps]
    groups = [s[1] for s in steps]

    def pick(cands):
        return None if not cands else cands[int(rng.integers(len(cands)))]

    if kind == "skipped_touchpoint":
        cands = []
        for i in range(1, n - 1):
            a = acts[i]
            t = m.tp.get(a)
            if (t is None or t["optional"] or a in m.goal or a in m.sla_endpoints
                    or not (groups[i - 1] == groups[i] == groups[i + 1])):
                continue
            if t["choice"] and not any(b in acts and b != a for b in m.branch_members[t["branch"]]):
                continue
            cands.append(i)
        i = pick(cands)
        if i is None:
            return None
        return steps[:i] + steps[i + 1:], _dev(kind, acts[i], f"'{acts[i]}' left out")
    if kind == "out_of_order":
        cands = [i for i in range(1, n - 1)
                 if acts[i] in m.tp and acts[i + 1] in m.tp and groups[i] == groups[i + 1]
                 and not any(m.tp[x]["optional"] or m.tp[x]["repeatable"] for x in acts[i:i + 2])
                 and m.precedes(acts[i], acts[i + 1])
                 and not _has_reopen(acts[:i] + [acts[i + 1], acts[i]] + acts[i + 2:], m)]
        i = pick(cands)
        if i is None:
            return None
        a, b = steps[i], steps[i + 1]
        new = list(steps)
        new[i] = (b[0],) + a[1:]
        new[i + 1] = (a[0],) + b[1:]
        return new, _dev(kind, b[0], f"'{b[0]}' before '{a[0]}'")
    if kind == "rework":
        cands = [i for i in range(n) if acts[i] in m.tp and not m.tp[acts[i]]["repeatable"]
                 and acts[i] not in m.contacts and acts[i] not in m.resolution
                 and not _has_reopen(acts[:i + 1] + acts[i:], m)]
        i = pick(cands)
        if i is None:
            return None
        a, g, ch, lo, hi = steps[i]
        return steps[:i + 1] + [(a, g, ch, lo, hi)] + steps[i + 1:], _dev(kind, a, f"'{a}' done again")
    if kind == "unplanned_step":
        res_at = min((j for j, a in enumerate(acts) if a in m.resolution), default=n)
        cands = [i for i in range(min(n - 1, res_at)) if groups[i] == groups[i + 1]]
        i = pick(cands)
        if i is None:
            return None
        new_act = UNPLANNED_ACTIVITIES[int(rng.integers(len(UNPLANNED_ACTIVITIES)))]
        ins = (new_act, groups[i], steps[i][2]) + _UNPLANNED_GAP
        rec = (kind, m.stage(acts[i]), new_act, f"'{new_act}' (not in the map) after '{acts[i]}'")
        return steps[:i + 1] + [ins] + steps[i + 1:], rec
    if kind == "unplanned_handoff":
        cands = [i for i in range(1, n)
                 if acts[i] in m.tp and m.tp[acts[i]]["actor"] == C.BACKSTAGE
                 and acts[i] not in _CUSTOMER_STEPS | _BOT_STEPS
                 and groups[i - 1] == groups[i] == m.tp[acts[i]]["team"]
                 and (acts[i - 1] not in m.tp or m.tp[acts[i - 1]]["team"] == groups[i])]
        i = pick(cands)
        if i is None:
            return None
        others = [t for t in _STAFFED if t != groups[i]]
        team = others[int(rng.integers(len(others)))]
        new = list(steps)
        new[i] = (acts[i], team) + steps[i][2:]
        return new, _dev(kind, acts[i], f"'{acts[i]}' handled by {team} instead of {groups[i]}")
    if kind == "channel_switch":
        cands = _recontact_candidates(tuple(steps), m)
        c = pick(cands)
        if c is None:
            return None
        k, ins, old = c
        return (steps[:k] + [ins] + steps[k:],
                _dev(kind, ins[0], f"{old} -> {ins[2]}: the customer comes back by '{ins[0]}'"))
    if kind == "sla_breach":
        options = []
        first = {}
        for i, a in enumerate(acts):
            first.setdefault(a, i)
        for frm, to, stage, within in m.sla:
            if stage is None and frm in first and to in first and first[to] > first[frm]:
                label = f"{frm} -> {to} within {_fmt(within)}"
                options += [(k, within, label) for k in range(first[frm] + 1, first[to] + 1)]
            elif stage is not None:
                context, last = [], None
                for a in acts:
                    last = m.stage(a) or last
                    context.append(last)
                label = f"stage {stage} within {_fmt(within)}"
                options += [(k, within, label) for k in range(1, n) if context[k - 1] == stage]
        choice = pick(options)
        if choice is None:
            return None
        k, within, label = choice
        lo = within + 3600
        new = list(steps)
        new[k] = steps[k][:3] + (lo, lo + max(within, 86400))
        return new, _dev(kind, acts[k], f"wait before '{acts[k]}' breaks SLA {label}")
    if kind == "drop_off":
        goal_at = min((i for i, a in enumerate(acts) if a in m.goal), default=n)
        cands = list(range(2, goal_at))
        c = pick(cands)
        if c is None:
            return None
        return steps[:c], _dev(kind, acts[c - 1], f"ends after '{acts[c - 1]}', goal not reached")
    raise AssertionError(kind)


_RECONTACT_GAP = (60, 900)
_RECONTACT_CACHE = {}


def _recontact_candidates(steps, m=_M):
    """Re-contacts that plant exactly one channel switch in ``steps`` (a tuple of steps).

    A contact touchpoint of another channel than the previous contact, by the customer, inserted
    after the first step and before the first resolution, in the team of the step before it; kept
    when the template then shows exactly its former kinds plus ``channel_switch`` (the inserted
    contact may be the ``from`` of an SLA rule that then runs to the case end, or sit beside a
    team change: those are refused). Deterministic, so cached per template.
    """
    key = (id(m), steps)
    if key in _RECONTACT_CACHE:
        return _RECONTACT_CACHE[key]
    steps = list(steps)
    acts = [s[0] for s in steps]
    n = len(steps)
    before_c, before_p = _observed_kinds(steps, m)
    want = (before_c | {"channel_switch"}, before_p | {"channel_switch"})
    res_at = min((j for j, a in enumerate(acts) if a in m.resolution), default=n)
    out = []
    for k in range(1, res_at + 1):
        prev = [steps[i][2] for i in range(k) if i == 0 or acts[i] in m.contacts][-1]
        for a in sorted(m.contacts):
            ch = m.tp[a]["channel"]
            if ch == prev:
                continue
            ins = (a, steps[k - 1][1], ch) + _RECONTACT_GAP
            if _observed_kinds(steps[:k] + [ins] + steps[k:], m) == want:
                out.append((k, ins, prev))
    _RECONTACT_CACHE[key] = out
    return out


def _fmt(seconds):
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _base_variants(name, survey_rate, m=_M):
    """All paths of a persona with their probabilities: ``[(steps, p), ...]``."""
    spec = PERSONAS[name]
    options = []
    for act, lo, hi in spec["path"]:
        t = m.tp[act]
        if t["repeatable"]:
            opts = [(k, p) for k, p in ((1, 0.6), (2, 0.3), (3, 0.1))]
        else:
            opts = [(1, 1.0)]
        if t["optional"]:
            keep = survey_rate if act == _SURVEY else 0.7
            opts = [(k, p * keep) for k, p in opts] + [(0, 1.0 - keep)]
        options.append([(k, p) for k, p in opts if p > 0])
    variants = []
    for combo in itertools.product(*options):
        steps, p = [], 1.0
        for (act, lo, hi), (k, pk) in zip(spec["path"], combo):
            p *= pk
            steps += [(act, m.tp[act]["team"], spec["channel"], lo, hi)] * k
        variants.append((steps, p))
    return variants


@dataclass
class _Templates:
    steps: list          # list of step lists
    persona: list        # persona index per template
    kinds: list          # frozenset of planted kinds
    records: list        # planted deviation records
    base: list           # base-variant index per template


def _build_templates(survey_rate, rng):
    names = list(PERSONAS)
    tpl = _Templates([], [], [], [], [])
    bases = []                               # (persona index, probability, template id)
    for pi, name in enumerate(names):
        for steps, p in _base_variants(name, survey_rate):
            certain, possible = _observed_kinds(steps)
            if certain or possible:          # the map and the personas must agree
                raise AssertionError(f"persona {name} path {steps} shows {possible}")
            bases.append((pi, p, len(tpl.steps)))
            tpl.steps.append(steps)
            tpl.persona.append(pi)
            tpl.kinds.append(frozenset())
            tpl.records.append(())
            tpl.base.append(len(bases) - 1)
    combos = [(k,) for k in KINDS] + list(itertools.combinations(KINDS, 2))
    # planted[base index][combo] = list of template ids
    planted = []
    for bi, (pi, _, t0) in enumerate(bases):
        per_combo = {}
        for combo in combos:
            found, keys = [], set()
            for _attempt in range(4 * _PLANTINGS):
                steps, recs = tpl.steps[t0], []
                for kind in combo:
                    out = _plant(kind, steps, rng)
                    if out is None:
                        break
                    steps, rec = out
                    recs.append(rec)
                else:
                    certain, possible = _observed_kinds(steps)
                    key = tuple(steps)
                    if certain == possible == set(combo) and key not in keys:
                        keys.add(key)
                        found.append(len(tpl.steps))
                        tpl.steps.append(steps)
                        tpl.persona.append(pi)
                        tpl.kinds.append(frozenset(combo))
                        tpl.records.append(tuple(recs))
                        tpl.base.append(bi)
                        if len(found) == _PLANTINGS:
                            break
                    continue
                break                                  # a kind has no candidate: give up on combo
            if found:
                per_combo[combo] = found
        planted.append(per_combo)
    return tpl, bases, planted


# ================================================================================ text helpers

def _text(codes, labels):
    """A pandas ``str`` Series from integer codes into ``labels`` (None = missing), fast."""
    import pyarrow as pa

    labels = labels if isinstance(labels, np.ndarray) else list(labels)
    arr = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)),
                                         pa.array(labels, type=pa.string()))
    return pd.Series(pd.array(arr.cast(pa.string()), dtype="str"))


def _ids(prefix, numbers, width):
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0")
    return np.asarray(pc.binary_join_element_wise(prefix, digits, "").to_numpy(zero_copy_only=False), dtype=object)


_CLOCK = None


def _clock_labels():
    global _CLOCK
    if _CLOCK is None:
        s = np.arange(86400)
        _CLOCK = [f"{h:02d}:{mi:02d}:{se:02d}" for h, mi, se in zip(s // 3600, s // 60 % 60, s % 60)]
    return _CLOCK


def _format_times(local_secs, sep=" ", suffix="", missing=None):
    """Wall-clock seconds since the epoch as ``YYYY-MM-DD<sep>HH:MM:SS<suffix>`` text (fast)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    local_secs = np.asarray(local_secs, dtype=np.int64)
    valid = np.ones(len(local_secs), dtype=bool) if missing is None else ~missing
    days = local_secs // 86400
    d0 = int(days[valid].min()) if valid.any() else 0
    d1 = int(days[valid].max()) if valid.any() else 0
    day_labels = np.datetime_as_string(np.arange(d0, d1 + 1).astype("M8[D]")).tolist()
    day_codes = np.where(valid, days - d0, 0).astype(np.int32)
    sod = np.where(valid, local_secs % 86400, 0).astype(np.int32)
    mask = np.asarray(~valid) if missing is not None else None
    day = pa.DictionaryArray.from_arrays(pa.array(day_codes, mask=mask), pa.array(day_labels)).cast(pa.string())
    clock = pa.DictionaryArray.from_arrays(pa.array(sod), pa.array(_clock_labels())).cast(pa.string())
    if suffix:
        clock = pc.binary_join_element_wise(clock, pa.scalar(suffix), "")
    out = pc.binary_join_element_wise(day, clock, sep)
    return pd.Series(pd.array(out, dtype="str"))


def _tz_grid(t_min, t_max, timezone):
    """Offsets (s) and ambiguous flags of ``timezone`` on a 15-minute UTC grid over the span."""
    g0 = (t_min // 900 - 96) * 900
    grid = np.arange(g0, t_max + 96 * 900, 900, dtype=np.int64)
    utc = pd.DatetimeIndex(grid.astype("M8[s]")).tz_localize("UTC")
    local = utc.tz_convert(timezone).tz_localize(None)
    offset = np.asarray(local.values.astype("M8[s]").astype(np.int64)) - grid
    back = local.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    return g0, offset, np.asarray(back.isna())


# ================================================================================ the verb

def generate_tickets(n_tickets=2000, *, random_state=0, deviation_rate=0.3, customers=None,
                     start="2024-01-01", days=365, repeat_rate=0.1, survey_rate=0.4,
                     persona_weights=None, timezone="Europe/Amsterdam", shapes=None):
    """Generate seeded support tickets with planted deviations and their ground truth.

    Tickets follow one of the personas of :data:`PERSONAS` through the intended map
    :data:`JOURNEY_MAP` ("self-service that works", "chat quick fix", "e-mail escalated to L2",
    "phone with call-back"); ``deviation_rate`` of them carry one or two planted deviations of the
    kinds of the contract (skipped touchpoint, unplanned step, out of order, rework, unplanned
    handoff, channel switch, SLA breach, drop-off). Every planted deviation is observable under
    the contract's definition, and no case shows a kind that was not planted. Some customers come
    back within days about the same problem (``repeat_rate``); a share of resolved tickets ends
    with a survey answer (CSAT 1-5, lower on deviating journeys).

    Parameters
    ----------
    n_tickets : int, default 2000
        Number of tickets (= cases).
    random_state : int, default 0
        Seed: the same seed gives identical frames.
    deviation_rate : float, default 0.3
        Share of cases with at least one planted deviation (rounded to whole cases); a deviating
        case carries one kind (80 %) or two.
    customers : int, optional
        Number of distinct customers, each with at least one ticket (default: about 0.75 per
        ticket that is not a repeat contact).
    start : str or timestamp, default "2024-01-01"
        First day (UTC) of the period over which tickets are opened.
    days : int, default 365
        Length of that period.
    repeat_rate : float, default 0.1
        Share of tickets that are repeat contacts: the customer of an earlier ticket comes back
        1 hour to 5 days after that ticket ended (``truth.repeat_of`` names it).
    survey_rate : float, default 0.4
        Share of resolved journeys that end with an answered survey.
    persona_weights : dict, optional
        Share of each persona (keys of :data:`PERSONAS`; default their ``weight``).
    timezone : str, default "Europe/Amsterdam"
        Zone of the wall-clock times of the ``events`` export. Tickets are nudged so that no
        event falls in a repeated (ambiguous) local hour, so the export reads back exactly.
    shapes : iterable of str, optional
        Which frames to build, among ``"log"``, ``"events"``, ``"updates"``, ``"wide"`` (default:
        all). The others are None; e.g. ``shapes=("log",)`` skips the text exports, which matters
        for a million tickets. ``truth``, ``deviations`` and ``journey_map`` are always built.

    Returns
    -------
    GeneratedTickets
        ``log``, ``events``, ``updates``, ``wide``, ``truth``, ``deviations``, ``journey_map``.

    Raises
    ------
    JourneyMiningError
        A parameter is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> from journeymining.synth.generator import generate_tickets
    >>> gen = generate_tickets(500, random_state=7)
    >>> len(gen.truth), gen.truth["case"].is_unique
    (500, True)
    >>> gen.truth[["skipped_touchpoint", "unplanned_step", "out_of_order", "rework",
    ...            "unplanned_handoff", "channel_switch", "sla_breach", "drop_off"]].any(axis=1).mean()
    np.float64(0.3)
    >>> sorted(gen.truth["persona"].unique())
    ['chat_quick_fix', 'email_escalated', 'phone_callback', 'self_service']
    >>> list(gen.log.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['case:concept:name', 'concept:name', 'time:timestamp', 'org:resource', 'org:group', 'channel',
     'touchpoint', 'stage', 'actor', 'csat', 'case:customer', 'ticket', 'source_row']
    >>> first = gen.log[gen.log["case:concept:name"] == gen.log["case:concept:name"].iloc[0]]
    >>> str(first["time:timestamp"].dtype)
    'datetime64[ns, UTC]'
    """
    n, rate, n_cust, t0, span, shapes, weights = _check_params(
        n_tickets, deviation_rate, customers, start, days, repeat_rate, survey_rate, persona_weights,
        timezone, shapes)
    big = n >= 100_000
    rng = np.random.default_rng(random_state)
    if big:
        step(f"generating {n:,} tickets: building journey templates")
    tpl, bases, planted = _build_templates(survey_rate, rng)
    names = list(PERSONAS)

    # ---------------------------------------------------------------- per ticket: which template
    persona = rng.choice(len(names), size=n, p=weights)
    base_of = np.empty(n, dtype=np.int64)
    for pi in range(len(names)):
        sel = np.flatnonzero(persona == pi)
        ids = [bi for bi, b in enumerate(bases) if b[0] == pi]
        p = np.array([bases[bi][1] for bi in ids])
        base_of[sel] = np.asarray(ids)[rng.choice(len(ids), size=len(sel), p=p / p.sum())]
    template = np.array([bases[bi][2] for bi in range(len(bases))])[base_of]
    n_dev = int(round(rate * n))
    deviating = np.zeros(n, dtype=bool)
    deviating[rng.choice(n, size=n_dev, replace=False)] = True
    two = rng.random(n) < _PAIR_SHARE
    for bi in range(len(bases)):
        for size in (1, 2):
            sel = np.flatnonzero(deviating & (base_of == bi) & (two == (size == 2)))
            combos = [c for c in planted[bi] if len(c) == size] or [c for c in planted[bi] if len(c) == 1]
            if not len(sel):
                continue
            counts = np.array([len(planted[bi][c]) for c in combos])
            flat = np.array([t for c in combos for t in planted[bi][c]])
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            ci = rng.integers(len(combos), size=len(sel))
            pick = (rng.random(len(sel)) * counts[ci]).astype(np.int64)
            template[sel] = flat[starts[ci] + pick]

    # ---------------------------------------------------------------- flat template tables
    acts = sorted({s[0] for st in tpl.steps for s in st}, key=lambda a: (a not in _M.tp, a))
    act_code = {a: i for i, a in enumerate(acts)}
    teams = ["Self-service", *_STAFFED]
    team_code = {t: i for i, t in enumerate(teams)}
    channels = list(dict.fromkeys([PERSONAS[p]["channel"] for p in names] + list(_SWITCH_CHANNELS)))
    chan_code = {c: i for i, c in enumerate(channels)}
    t_len = np.array([len(s) for s in tpl.steps], dtype=np.int64)
    t_off = np.concatenate([[0], np.cumsum(t_len)[:-1]])
    flat_steps = [s for st in tpl.steps for s in st]
    f_act = np.array([act_code[s[0]] for s in flat_steps], dtype=np.int32)
    f_team = np.array([team_code[s[1]] for s in flat_steps], dtype=np.int32)
    f_chan = np.array([chan_code[s[2]] for s in flat_steps], dtype=np.int32)
    f_lo = np.array([s[3] for s in flat_steps], dtype=np.int64)
    f_hi = np.array([s[4] for s in flat_steps], dtype=np.int64)
    a_perf = np.array([0 if a in _CUSTOMER_STEPS else 1 if a in _BOT_STEPS else 2 for a in acts], dtype=np.int8)
    t_kinds = np.array([[k in ks for k in KINDS] for ks in tpl.kinds], dtype=bool)
    t_goal = np.array([any(s[0] in _M.goal for s in st) for st in tpl.steps])

    # ---------------------------------------------------------------- explode to events
    if big:
        step(f"exploding {n:,} tickets into events")
    lengths = t_len[template]
    n_events = int(lengths.sum())
    ev_ticket = np.repeat(np.arange(n), lengths)
    ev_start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    ev_flat = np.arange(n_events) - np.repeat(ev_start, lengths) + np.repeat(t_off[template], lengths)
    lo, hi = f_lo[ev_flat], f_hi[ev_flat]
    u = rng.random(n_events)
    gap = lo + (u * u * (hi - lo + 1)).astype(np.int64)
    cum = np.cumsum(gap)
    offset = cum - np.repeat(cum[ev_start] - gap[ev_start], lengths)   # seconds since ticket start
    duration = offset[ev_start + lengths - 1]
    del lo, hi, u, gap, cum

    # ---------------------------------------------------------------- customers and start times
    if big:
        step("placing tickets in time")
    n_rep = min(int(round(repeat_rate * n)), n - n_cust)
    order = rng.permutation(n)
    is_rep = np.zeros(n, dtype=bool)
    is_rep[order[:n_rep]] = True
    primary = np.flatnonzero(~is_rep)
    customer = np.empty(n, dtype=np.int64)
    cust_order = rng.permutation(len(primary))
    customer[primary[cust_order[:n_cust]]] = np.arange(n_cust)
    customer[primary[cust_order[n_cust:]]] = rng.integers(n_cust, size=len(primary) - n_cust)
    hour_p = _HOUR_WEIGHT / _HOUR_WEIGHT.sum()
    start = np.zeros(n, dtype=np.int64)
    start[primary] = (t0 + rng.integers(span // 86400, size=len(primary)) * 86400
                      + rng.choice(24, size=len(primary), p=hour_p) * 3600 + rng.integers(3600, size=len(primary)))
    parent = np.full(n, -1, dtype=np.int64)
    rep = np.flatnonzero(is_rep)
    parent[rep] = primary[rng.integers(len(primary), size=len(rep))]
    back_after = rng.integers(3600, 5 * 86400, size=len(rep))
    customer[rep] = customer[parent[rep]]
    tmax = t0 + span + 30 * 86400 + int(duration.max()) * 3 + 5 * 86400
    g0, tz_off, ambiguous = _tz_grid(t0, tmax, timezone)
    start[primary] = _avoid_ambiguous(start, primary, ev_start, lengths, offset, g0, ambiguous)

    def place_repeats():
        start[rep] = start[parent[rep]] + duration[parent[rep]] + back_after
        start[rep] = _avoid_ambiguous(start, rep, ev_start, lengths, offset, g0, ambiguous)

    place_repeats()
    # a case without its goal that falls silent within the open window of the log's end is "still
    # open" (censored), not dropped: move such drop-offs (with the customer's repeat tickets) whole
    # weeks earlier, so that they end at least _OPEN_MARGIN before the last event of the log
    dropped = ~t_goal[template]
    week = 7 * 86400
    for _ in range(5):
        end = start + duration
        cutoff = int(end.max()) - _OPEN_MARGIN
        late = np.flatnonzero(dropped & (end > cutoff))
        if not len(late):
            break
        family = np.where(parent[late] >= 0, parent[late], late)
        need = np.zeros(n, dtype=np.int64)
        np.maximum.at(need, family, -(-(end[late] - cutoff) // week) * week)
        fam = np.flatnonzero(need)
        fam = fam[start[fam] - need[fam] >= t0]
        if not len(fam):
            break
        start[fam] -= need[fam]
        start[fam] = _avoid_ambiguous(start, fam, ev_start, lengths, offset, g0, ambiguous)
        place_repeats()

    # ---------------------------------------------------------------- ticket ids in time order
    perm = np.lexsort((np.arange(n), start))
    rank = np.empty(n, dtype=np.int64)
    rank[perm] = np.arange(n)
    template, start, customer, persona = template[perm], start[perm], customer[perm], persona[perm]
    parent = np.where(parent[perm] >= 0, rank[np.maximum(parent[perm], 0)], -1)
    deviating = deviating[perm]
    lengths_new = lengths[perm]
    new_start = np.concatenate([[0], np.cumsum(lengths_new)[:-1]])
    gather = np.arange(n_events) - np.repeat(new_start, lengths_new) + np.repeat(ev_start[perm], lengths_new)
    ev_flat, offset = ev_flat[gather], offset[gather]
    del gather
    lengths, ev_start = lengths_new, new_start
    ev_ticket = np.repeat(np.arange(n), lengths)
    ev_time = start[ev_ticket] + offset                                    # UTC seconds
    del offset

    # ---------------------------------------------------------------- per ticket attributes
    width = max(7, len(str(n)))
    ticket_ids = _ids("T", np.arange(1, n + 1), width)
    customer_ids = _ids("C", np.arange(1, n_cust + 1), max(6, len(str(n_cust))))
    agent_idx = np.stack([rng.integers(_AGENTS[t], size=n) for t in _STAFFED], axis=1)
    csat_ticket = np.where(
        deviating,
        rng.choice(5, size=n, p=_CSAT_DEVIATING),
        rng.choice(5, size=n, p=_CSAT_OK)) + 1.0
    priority = rng.choice(len(_PRIORITIES), size=n, p=_PRIORITY_P)

    ev_act = f_act[ev_flat]
    ev_team = f_team[ev_flat]
    ev_chan = f_chan[ev_flat]
    ev_perf = a_perf[ev_act]
    resources = ["customer", "bot"] + [f"{t.lower()}.{k + 1:02d}" for t in _STAFFED for k in range(_AGENTS[t])]
    staffed_off = np.array([0] + [2 + sum(_AGENTS[x] for x in _STAFFED[:i]) for i in range(len(_STAFFED))])
    # the agent of the event's team for this ticket (Self-service has the bot)
    team_agent = np.where(
        ev_team == 0, 1,
        staffed_off[ev_team] + agent_idx[ev_ticket, np.maximum(ev_team - 1, 0)])
    ev_res = np.where(ev_perf == 0, 0, np.where(ev_perf == 1, 1, team_agent))
    survey_code = act_code.get(_SURVEY, -1)
    is_survey = ev_act == survey_code
    ev_csat = np.where(is_survey, csat_ticket[ev_ticket], np.nan)

    # ---------------------------------------------------------------- truth and deviations
    if big:
        step("writing ground truth")
    truth = pd.DataFrame({"case": _text(np.arange(n), ticket_ids),
                          "customer": _text(customer, customer_ids),
                          "persona": _text(persona, names),
                          "goal_reached": t_goal[template]})
    kinds = t_kinds[template]
    for j, k in enumerate(KINDS):
        truth[k] = kinds[:, j]
    truth["repeat_of"] = _text(np.where(parent >= 0, parent, n), np.append(ticket_ids, None))

    rec_list = sorted({r for recs in tpl.records for r in recs},
                      key=lambda r: tuple("" if x is None else x for x in r))
    rec_code = {r: i for i, r in enumerate(rec_list)}
    t_nrec = np.array([len(r) for r in tpl.records], dtype=np.int64)
    t_roff = np.concatenate([[0], np.cumsum(t_nrec)[:-1]])
    flat_rec = np.array([rec_code[r] for recs in tpl.records for r in recs] or [0], dtype=np.int64)
    d_n = t_nrec[template]
    d_ticket = np.repeat(np.arange(n), d_n)
    d_first = np.concatenate([[0], np.cumsum(d_n)[:-1]])
    d_rec = flat_rec[np.arange(len(d_ticket)) - np.repeat(d_first, d_n) + np.repeat(t_roff[template], d_n)] \
        if len(d_ticket) else np.zeros(0, dtype=np.int64)
    deviations = pd.DataFrame({
        "case": _text(d_ticket, ticket_ids),
        "kind": _text(d_rec, [r[0] for r in rec_list]),
        "stage": _text(d_rec, [r[1] for r in rec_list]),
        "touchpoint": _text(d_rec, [r[2] for r in rec_list]),
        "detail": _text(d_rec, [r[3] for r in rec_list]),
    })

    out = {s: None for s in SHAPES}
    # ---------------------------------------------------------------- log
    time_order = np.lexsort((np.arange(n_events), ev_time))            # the export's row order
    source_row = np.empty(n_events, dtype=np.int64)
    source_row[time_order] = np.arange(n_events)
    if "log" in shapes:
        if big:
            step(f"building the event log ({n_events:,} events)")
        tp_labels = [a if a in _M.tp else None for a in acts]
        log = pd.DataFrame({
            C.CASE: _text(ev_ticket, ticket_ids),
            C.ACTIVITY: _text(ev_act, acts),
            C.TIMESTAMP: pd.Series((ev_time * 10**9).view("M8[ns]")).dt.tz_localize("UTC"),
            C.RESOURCE: _text(ev_res, resources),
            C.GROUP: _text(ev_team, teams),
            C.CHANNEL: _text(ev_chan, channels),
            C.TOUCHPOINT: _text(ev_act, tp_labels),
            C.STAGE: _text(ev_act, [_M.stage(a) for a in acts]),
            C.ACTOR: _text(ev_act, [_M.actor(a) for a in acts]),
            C.CSAT: ev_csat,
            C.CUSTOMER: _text(customer[ev_ticket], customer_ids),
            C.TICKET: _text(ev_ticket, ticket_ids),
            C.SOURCE_ROW: source_row,
        })
        out["log"] = log
    if "events" in shapes or "updates" in shapes:
        o = time_order
        tk = ev_ticket[o]
    if "events" in shapes:
        if big:
            step("building the event-history export")
        grid_idx = (ev_time[o] - g0) // 900
        out["events"] = pd.DataFrame({
            "ticket_id": _text(tk, ticket_ids),
            "customer_id": _text(customer[tk], customer_ids),
            "activity": _text(ev_act[o], acts),
            "timestamp": _format_times(ev_time[o] + tz_off[grid_idx]),
            "channel": _text(ev_chan[o], channels),
            "agent": _text(ev_res[o], resources),
            "team": _text(ev_team[o], teams),
            "csat": ev_csat[o],
        })
    if "updates" in shapes:
        if big:
            step("building the audit-snapshot export")
        out["updates"] = pd.DataFrame({
            "number": _text(tk, ticket_ids),
            "sys_updated_on": _format_times(ev_time[o]),
            "sys_updated_by": _text(ev_res[o], resources),
            "state": _text(ev_act[o], [STATUS[a] for a in acts]),
            "assignment_group": _text(ev_team[o], teams),
            "assigned_to": _text(team_agent[o], resources),
            "contact_type": _text(ev_chan[o], channels),
            "priority": _text(priority[tk], _PRIORITIES),
            "customer": _text(customer[tk], customer_ids),
        })
    if "wide" in shapes:
        if big:
            step("building the one-row-per-ticket export")
        out["wide"] = _wide(n, ticket_ids, customer_ids, customer, ev_start, lengths, ev_time, ev_act, ev_perf,
                            ev_team, ev_chan, ev_res, acts, teams, channels, resources, csat_ticket, is_survey)
    if big:
        step("done")
    return GeneratedTickets(log=out["log"], events=out["events"], updates=out["updates"], wide=out["wide"],
                            truth=truth, deviations=deviations, journey_map=copy.deepcopy(JOURNEY_MAP))


def _avoid_ambiguous(start, which, ev_start, lengths, offset, g0, ambiguous):
    """Start times of tickets ``which``, moved 3 h later until no event is in an ambiguous hour."""
    s = start[which].copy()
    todo = np.arange(len(which))
    for _ in range(50):
        if not len(todo):
            break
        t = which[todo]
        ln = lengths[t]
        idx = np.repeat(ev_start[t], ln) + (np.arange(int(ln.sum())) - np.repeat(np.cumsum(ln) - ln, ln))
        times = np.repeat(s[todo], ln) + offset[idx]
        bad_ev = ambiguous[(times - g0) // 900]
        bad = np.zeros(len(todo), dtype=bool)
        bad[np.repeat(np.arange(len(todo)), ln)[bad_ev]] = True
        todo = todo[bad]
        s[todo] += 3 * 3600
    return s


def _wide(n, ticket_ids, customer_ids, customer, ev_start, lengths, ev_time, ev_act, ev_perf, ev_team, ev_chan,
          ev_res, acts, teams, channels, resources, csat_ticket, is_survey):
    big_t = np.iinfo(np.int64).max

    def first(mask):
        v = np.minimum.reduceat(np.where(mask, ev_time, big_t), ev_start)
        return v, v == big_t

    def last(mask):
        v = np.maximum.reduceat(np.where(mask, ev_time, -1), ev_start)
        return v, v == -1

    code = {a: i for i, a in enumerate(acts)}
    is_code = lambda names: np.isin(ev_act, [code[a] for a in names if a in code])  # noqa: E731
    cols = {
        "created_at": first(np.ones(len(ev_time), dtype=bool)),
        "first_response_at": first(ev_perf != 0),
        "escalated_at": first(is_code([_ESCALATION])),
        "resolved_at": last(is_code(_RESOLUTION)),
        "closed_at": last(is_code(_M.goal)),
        "survey_at": last(is_survey),
    }
    last_ev = ev_start + lengths - 1
    staff_idx = np.maximum.reduceat(np.where(ev_perf != 0, np.arange(len(ev_time)), -1), ev_start)
    surveyed = ~cols["survey_at"][1]
    frame = {
        "ticket_id": _text(np.arange(n), ticket_ids),
        "customer_id": _text(customer, customer_ids),
        "channel": _text(ev_chan[ev_start], channels),
    }
    for name, (v, missing) in cols.items():
        frame[name] = _format_times(np.where(missing, 0, v), sep="T", suffix="Z", missing=missing)
    frame["csat"] = np.where(surveyed, csat_ticket, np.nan)
    frame["team"] = _text(ev_team[last_ev], teams)
    frame["agent"] = _text(np.where(staff_idx >= 0, ev_res[np.maximum(staff_idx, 0)], len(resources)),
                           resources + [None])
    return pd.DataFrame(frame)


def _check_params(n_tickets, deviation_rate, customers, start, days, repeat_rate, survey_rate, persona_weights,
                  timezone, shapes):
    def bad(name, value, need):
        raise JourneyMiningError(f"generate_tickets: {name}={value!r} is not allowed; {need}.")

    if isinstance(n_tickets, bool) or not isinstance(n_tickets, (int, np.integer)) or n_tickets < 1:
        bad("n_tickets", n_tickets, "pass a whole number of tickets >= 1, e.g. n_tickets=2000")
    n = int(n_tickets)
    for name, value, upper in (("deviation_rate", deviation_rate, 1.0), ("survey_rate", survey_rate, 1.0),
                               ("repeat_rate", repeat_rate, 0.9)):
        if not isinstance(value, (int, float, np.floating)) or isinstance(value, bool) or not 0 <= value <= upper:
            bad(name, value, f"pass a share between 0 and {upper}")
    if customers is None:
        n_cust = max(1, int(round(0.75 * (n - int(round(repeat_rate * n))))))
    else:
        if isinstance(customers, bool) or not isinstance(customers, (int, np.integer)) or not 1 <= customers <= n:
            bad("customers", customers, f"pass a number of customers between 1 and n_tickets ({n}); "
                                        "every customer has at least one ticket")
        n_cust = int(customers)
    try:
        ts = pd.Timestamp(start)
    except (ValueError, TypeError):
        ts = None
    if ts is None or ts is pd.NaT:
        bad("start", start, "pass a date such as '2024-01-01'")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 1:
        bad("days", days, "pass a whole number of days >= 1")
    try:
        pd.Timestamp("2024-01-01").tz_localize(timezone)
    except Exception:
        bad("timezone", timezone, "pass an IANA zone name such as 'Europe/Amsterdam' or 'UTC'")
    if shapes is None:
        shapes = SHAPES
    if isinstance(shapes, str):
        shapes = (shapes,)
    shapes = tuple(shapes)
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown:
        bad("shapes", shapes, f"choose among {list(SHAPES)} (unknown: {preview(unknown)})")
    names = list(PERSONAS)
    if persona_weights is None:
        w = np.array([PERSONAS[p]["weight"] for p in names], dtype=float)
    else:
        if not isinstance(persona_weights, dict):
            bad("persona_weights", persona_weights, f"pass a dict persona -> share with keys among {names}")
        unknown = [k for k in persona_weights if k not in PERSONAS]
        if unknown:
            bad("persona_weights", persona_weights, f"personas are {names} (unknown: {preview(unknown)})")
        w = np.array([float(persona_weights.get(p, 0.0)) for p in names])
        if (w < 0).any() or w.sum() <= 0:
            bad("persona_weights", persona_weights, "give non-negative shares with a positive sum")
    return n, float(deviation_rate), n_cust, int(ts.value // 10**9), int(days) * 86400, shapes, w / w.sum()


# ================================================================================ files

def _touchpoints():
    """Activity dictionary (touchpoint / stage / actor) for every activity the generator emits."""
    out = {}
    for stage in JOURNEY_MAP["stages"]:
        todo = list(stage["touchpoints"])
        while todo:
            t = todo.pop(0)
            if "touchpoints" in t:
                todo = list(t["touchpoints"]) + todo
                continue
            out[t["activity"]] = {"touchpoint": t["activity"], "stage": stage["name"], "actor": t["actor"]}
    for act in UNPLANNED_ACTIVITIES:
        out[act] = {"actor": "backstage"}
    return out


def ticket_mappings(*, timezone="Europe/Amsterdam"):
    """The ticket mappings of the three generated exports (events, updates, wide), as dicts.

    ``timezone`` must be the one the tickets were generated with (the events export is local time).
    """
    touchpoints = _touchpoints()
    events = {
        "name": "Generated support tickets: event-history export",
        "source": {"format": "csv", "delimiter": ",", "encoding": "utf-8"},
        "shape": "events",
        "case": {"id": "ticket_id", "notion": "ticket", "customer": "customer_id", "gap": "30d"},
        "timestamp": {"column": "timestamp", "format": "%Y-%m-%d %H:%M:%S", "timezone": timezone},
        "activity": "activity",
        "resource": "agent",
        "group": "team",
        "channel": "channel",
        "attributes": {"csat": "csat"},
        "activities": {"touchpoints": touchpoints},
    }
    updates = {
        "name": "Generated support tickets: audit snapshots (ServiceNow style)",
        "source": {"format": "csv", "delimiter": ",", "encoding": "utf-8"},
        "shape": "updates",
        "case": {"id": "number", "notion": "ticket", "customer": "customer", "gap": "30d"},
        "timestamp": {"column": "sys_updated_on", "format": "%Y-%m-%d %H:%M:%S", "timezone": "UTC"},
        "resource": "sys_updated_by",
        "first": {"activity": "Ticket created"},
        "track": {
            "state": {"activity": "{new}"},
            "assignment_group": {"activity": "Handoff to {new}", "group": True},
            "contact_type": {"activity": "Channel switch to {new}", "channel": True},
        },
        "activities": {"rename": {status: act for act, status in STATUS.items()},
                       "touchpoints": touchpoints},
    }
    wide = {
        "name": "Generated support tickets: one row per ticket",
        "source": {"format": "csv", "delimiter": ",", "encoding": "utf-8"},
        "shape": "wide",
        "case": {"id": "ticket_id", "notion": "ticket", "customer": "customer_id", "gap": "30d"},
        "timestamp": {"format": "ISO8601", "timezone": "UTC"},
        "channel": "channel",
        "group": "team",
        "events": {
            "created_at": "Ticket created",
            "first_response_at": "First response",
            "escalated_at": "Escalated to L2",
            "resolved_at": "Ticket resolved",
            "closed_at": "Close ticket",
            "survey_at": "Answer survey",
        },
        "resources": {"closed_at": "agent"},
    }
    return {"events": events, "updates": updates, "wide": wide}


class _Dumper(_yaml.SafeDumper):
    """Short mappings of plain values on one line (touchpoints), everything else as blocks."""

    def represent_dict(self, data):
        flat = all(not isinstance(v, (dict, list)) for v in data.values()) and len(str(data)) < 100
        return self.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flat)

    def represent_list(self, data):
        flat = all(not isinstance(v, (dict, list)) for v in data)
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(dict, _Dumper.represent_dict)
_Dumper.add_representer(list, _Dumper.represent_list)


def _dump(data, path, header):
    text = _yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    path.write_text(header + text, encoding="utf-8")


def write_generated(gen, out_dir, *, data_dir=None, map_path=None, mapping_dir=None, note="",
                    timezone="Europe/Amsterdam"):
    """Write generated tickets as files a user can analyse: the three exports, the ground truth,
    the intended map and the three ticket mappings.

    Parameters
    ----------
    gen : GeneratedTickets
        With all three export shapes built.
    out_dir : str or pathlib.Path
        Folder for everything not placed elsewhere by the options below.
    data_dir, map_path, mapping_dir : optional
        Where the CSV files, ``intended_journey.yaml`` and the ``generated_*.yaml`` mappings go
        (default: ``out_dir``, ``out_dir/intended_journey.yaml``, ``out_dir/mappings``).
    note : str
        Comment lines (``# ...``) put on top of the YAML files.
    timezone : str
        The zone the tickets were generated with.

    Returns
    -------
    list of pathlib.Path
    """
    from pathlib import Path

    if gen.events is None or gen.updates is None or gen.wide is None:
        raise JourneyMiningError("write_generated needs all export shapes: generate_tickets(..., shapes=None).")
    out = Path(out_dir)
    data_dir = Path(data_dir) if data_dir else out
    map_path = Path(map_path) if map_path else out / "intended_journey.yaml"
    mapping_dir = Path(mapping_dir) if mapping_dir else out / "mappings"
    for folder in (data_dir, map_path.parent, mapping_dir):
        folder.mkdir(parents=True, exist_ok=True)
    csat = {"csat": lambda f: f["csat"].astype("Int64")}
    written = []
    for name, frame in (("tickets_events", gen.events.assign(**csat)), ("tickets_updates", gen.updates),
                        ("tickets_wide", gen.wide.assign(**csat)), ("truth", gen.truth),
                        ("deviations", gen.deviations)):
        frame.to_csv(data_dir / f"{name}.csv", index=False)
        written.append(data_dir / f"{name}.csv")
    _dump(gen.journey_map, map_path,
          "# The intended customer-support journey the generated tickets were sampled from.\n" + note)
    written.append(map_path)
    for shape, mapping in ticket_mappings(timezone=timezone).items():
        path = mapping_dir / f"generated_{shape}.yaml"
        _dump(mapping, path, f"# Ticket mapping for tickets_{shape}.csv ({shape} shape).\n" + note)
        written.append(path)
    return written

"""The intended support journey the generator samples from, and its personas.

:data:`JOURNEY_MAP` is the intended map in the YAML structure of ``docs/ARCHITECTURE.md``;
:data:`PERSONAS` are the paths through it that tickets follow, with the bounds of the time gaps
between their steps and their share of tickets. Alongside are the facts about who performs each
activity (customer, bot, agent), the activities outside the map that unplanned steps insert, the
ServiceNow-style status of every activity, and :class:`MapIndex` (with its instance
:data:`MAP_INDEX`): the map indexed by activity for planting deviations and observing them on
templates.
"""

from __future__ import annotations

from journeymining.core import columns as C

__all__ = ["JOURNEY_MAP", "PERSONAS", "CUSTOMER_STEPS", "BOT_STEPS", "SURVEY", "ESCALATION", "RESOLUTION",
           "UNPLANNED_ACTIVITIES", "STATUS", "STAFFED", "MapIndex", "MAP_INDEX"]


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

#: Who performs a touchpoint: the customer, a bot, or an agent of the event's team.
CUSTOMER_STEPS = {"Search FAQ", "Read article", "Start chat", "Send e-mail", "Call hotline",
                  "Confirm solution", "Answer survey"}
BOT_STEPS = {"Suggest article", "Send auto-reply"}
SURVEY = "Answer survey"
ESCALATION = "Escalate to L2"
RESOLUTION = set(JOURNEY_MAP["resolution"])

#: Activities outside the map that unplanned steps insert (always backstage, by an agent).
UNPLANNED_ACTIVITIES = ("Add internal note", "Request supervisor approval", "Update contact details",
                        "Merge duplicate ticket", "Check warranty")

#: ServiceNow-style status of each activity (the ``state`` column of the ``updates`` shape).
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

#: Teams with human agents (the targets of unplanned handoffs).
STAFFED = ("L1", "L2", "Billing")
_DURATIONS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def _seconds(text):
    total, num = 0, ""
    for ch in str(text):
        if ch.isdigit():
            num += ch
        else:
            total += int(num) * _DURATIONS[ch]
            num = ""
    return total


class MapIndex:
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


MAP_INDEX = MapIndex(JOURNEY_MAP)

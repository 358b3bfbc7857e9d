"""What the journey measures need to know beyond the events: goal, resolution, contacts, teams.

:class:`JourneySettings` gathers the facts a journey map states (or the user passes on the
command line) that the definitions in :mod:`journeymining.measure.definitions` read. Each setting
remembers where it came from, so the report can say "goal: Closed (the journey map)". A setting
that nobody gave stays empty and the measures that need it are "n/a", never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from journeymining.core.durations import format_duration, parse_duration
from journeymining.core.errors import EventLogError

__all__ = ["JourneySettings"]

_DEFAULT_NON_AGENTS = ("customer", "system", "bot")


def _names(value, what):
    if value is None:
        return None
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")] if "," in value else [value]
    try:
        out = tuple(str(v) for v in value if str(v).strip())
    except TypeError:
        raise EventLogError(f"{what}={value!r} is not a list of activity names. Pass e.g. "
                            f"{what}=['Closed'] or {what}='Closed'.") from None
    if not out:
        raise EventLogError(f"{what}={value!r} names no activity. Pass e.g. {what}=['Closed'].")
    return out


def _sla_rules(sla):
    """SLA rules as dicts ``{kind, from, to, stage, within, label}`` from map SLAs or dicts."""
    out = []
    for i, rule in enumerate(sla or ()):
        if hasattr(rule, "within") and not isinstance(rule, dict):   # journey_map.SLA
            rule = ({"stage": rule.stage, "within": rule.within} if rule.stage is not None
                    else {"from": rule.from_activity, "to": rule.to_activity, "within": rule.within})
        if not isinstance(rule, dict) or "within" not in rule or not (
                ("from" in rule and "to" in rule) or "stage" in rule):
            raise EventLogError(
                f"sla[{i}]={rule!r} is not an SLA rule. Write {{'from': A, 'to': B, 'within': '4h'}} "
                "or {'stage': S, 'within': '2d'}."
            )
        within = parse_duration(rule["within"], subject=f"sla[{i}].within={rule['within']!r}",
                                error=EventLogError)
        if "stage" in rule:
            out.append({"kind": "stage", "from": None, "to": None, "stage": str(rule["stage"]),
                        "within": within, "label": f"stage {rule['stage']} within {format_duration(within)}"})
        else:
            out.append({"kind": "between", "from": str(rule["from"]), "to": str(rule["to"]), "stage": None,
                        "within": within,
                        "label": f"{rule['from']} → {rule['to']} within {format_duration(within)}"})
    return tuple(out)


@dataclass(frozen=True)
class JourneySettings:
    """The settings behind the journey measures (build it with :meth:`from_map`).

    Attributes
    ----------
    goal : tuple of str or None
        Activities that mean the journey succeeded (e.g. "Closed"). None: goal-based measures
        are n/a.
    resolution : tuple of str or None
        Activities that resolve the customer's request (default: the goal).
    closure : tuple of str
        Steps that may follow a resolution without reopening the case (the goal is always one).
    contacts : tuple of str or None
        Customer-initiated touchpoints (a call, chat, e-mail, FAQ search). None: contact-based
        measures (FCR, repeat contact, channel switch) are n/a unless the log has a ``contact``
        column.
    automatic : tuple of str
        Steps done by the system on a timer (automatic closure, reminders).
    touchpoint_channels : dict
        Channel of each touchpoint in the map (used when an event has no channel).
    touchpoint_teams : dict
        Planned team of each touchpoint.
    team_hops, team_returns : frozenset or None
        Planned changes of team (pairs of touchpoints) and planned round trips (triples), from
        :meth:`journeymining.journeymap.model.JourneyMap.team_plan`; None without a map.
    touchpoints : frozenset
        The map's touchpoints (empty without a map).
    sla : tuple of dict
        SLA rules (``kind``, ``from``, ``to``, ``stage``, ``within``, ``label``).
    repeat_window : pandas.Timedelta
        A customer's new case starting within this time after a case ended is a repeat contact.
    open_window : pandas.Timedelta or None
        A case that has not reached the goal and whose last event is this close to the end of
        the log is still open (censored), not dropped. None: the 95th percentile of the log's
        gaps between consecutive events of a case.
    non_agents : tuple of str
        ``org:resource`` values that are not agents (no handover of work between them).
    origin : dict
        Where each setting came from, for the report.
    """

    goal: tuple | None = None
    resolution: tuple | None = None
    closure: tuple = ()
    contacts: tuple | None = None
    automatic: tuple = ()
    touchpoint_channels: dict = field(default_factory=dict)
    touchpoint_teams: dict = field(default_factory=dict)
    team_hops: frozenset | None = None
    team_returns: frozenset = frozenset()
    touchpoints: frozenset = frozenset()
    sla: tuple = ()
    repeat_window: pd.Timedelta = pd.Timedelta(days=7)
    open_window: pd.Timedelta | None = None
    non_agents: tuple = _DEFAULT_NON_AGENTS
    origin: dict = field(default_factory=dict)

    @classmethod
    def from_map(cls, journey_map=None, *, goal=None, resolution=None, closure=None, contacts=None,
                 automatic=None, sla=None, repeat_window="7d", open_window=None, non_agents=None):
        """Settings from a journey map, each overridable by an explicit argument.

        Parameters
        ----------
        journey_map : JourneyMap, optional
            Gives the goal, resolution, closure steps, contacts (``contact: true``), automatic
            steps (``automatic: true``), the team plan, channels and SLAs.
        goal, resolution, closure, contacts, automatic : str or list of str, optional
            Override the map (or stand in for it).
        sla : list of dict or journey-map SLAs, optional
            Override the map's SLAs.
        repeat_window, open_window : str or Timedelta
            ``"7d"``, ``"30d"`` ...; ``open_window=None`` derives it from the log.
        non_agents : list of str, optional
            Resource names that are not agents (default: customer, system, bot).

        Examples
        --------
        >>> s = JourneySettings.from_map(goal="Closed", resolution="Resolve ticket")
        >>> s.goal, s.resolution, s.closure, s.origin["goal"]
        (('Closed',), ('Resolve ticket',), ('Closed',), 'given')
        """
        origin = {}
        jm = journey_map
        g = _names(goal, "goal")
        if g is not None:
            origin["goal"] = "given"
        elif jm is not None:
            g = tuple(jm.goal)
            origin["goal"] = f"journey map {jm.name!r}"
        r = _names(resolution, "resolution")
        if r is not None:
            origin["resolution"] = "given"
        elif jm is not None:
            r = tuple(jm.resolution)
            origin["resolution"] = f"journey map {jm.name!r}" + ("" if r != tuple(jm.goal) else " (its goal)")
        elif g is not None:
            r = g
            origin["resolution"] = "the goal"
        cl = _names(closure, "closure")
        if cl is None and jm is not None and (r is None or tuple(jm.resolution) == r):
            cl = tuple(jm.closure)
        cl = tuple(dict.fromkeys((cl or ()) + (g or ())))
        c = _names(contacts, "contacts")
        if c is not None:
            origin["contacts"] = "given"
        elif jm is not None and jm.contacts:
            c = tuple(jm.contacts)
            origin["contacts"] = f"journey map {jm.name!r} (contact: true)"
        au = _names(automatic, "automatic")
        if au is None and jm is not None:
            au = tuple(jm.automatic)
        rules = _sla_rules(sla if sla is not None else (jm.sla if jm is not None else ()))
        if rules:
            origin["sla"] = "given" if sla is not None else f"journey map {jm.name!r}"
        hops = returns = None
        teams, channels, tps = {}, {}, frozenset()
        if jm is not None:
            plan = jm.team_plan()
            hops, returns, teams = frozenset(plan["hops"]), frozenset(plan["returns"]), dict(plan["teams"])
            channels = {a: jm.touchpoint(a).channel for a in jm.activities if jm.touchpoint(a).channel}
            tps = frozenset(jm.activities)
            origin["teams"] = (f"journey map {jm.name!r}" if teams else
                               f"journey map {jm.name!r} (it plans no team, so every team change is unplanned)")
        window = parse_duration(repeat_window, subject=f"repeat_window={repeat_window!r}", error=EventLogError)
        ow = None if open_window is None else parse_duration(
            open_window, subject=f"open_window={open_window!r}", error=EventLogError)
        return cls(goal=g, resolution=r, closure=cl, contacts=c, automatic=tuple(au or ()),
                   touchpoint_channels=channels, touchpoint_teams=teams, team_hops=hops,
                   team_returns=returns if returns is not None else frozenset(), touchpoints=tps,
                   sla=rules, repeat_window=window, open_window=ow,
                   non_agents=tuple(non_agents) if non_agents is not None else _DEFAULT_NON_AGENTS,
                   origin=origin)

    def describe(self):
        """One line per setting, for reports: ``goal: Closed (journey map 'Help desk')``."""
        def show(v):
            return ", ".join(v) if v else "none"

        lines = []
        for key, value in (("goal", self.goal), ("resolution", self.resolution),
                           ("closure steps", self.closure), ("customer contacts", self.contacts),
                           ("automatic steps", self.automatic)):
            src = self.origin.get(key.split()[0].rstrip("s") if key != "customer contacts" else "contacts")
            if key == "closure steps":
                src = None
            text = "not given" if value is None else show(value)
            lines.append(f"{key}: {text}" + (f" ({src})" if src and value is not None else ""))
        lines.append(f"repeat-contact window: {format_duration(self.repeat_window)}")
        if self.sla:
            lines.append("SLAs: " + "; ".join(r["label"] for r in self.sla))
        return lines


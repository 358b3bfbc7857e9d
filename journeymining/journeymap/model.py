"""The intended journey map: stages, touchpoints, their order, the goal and the SLA targets.

A :class:`JourneyMap` is what the organisation *intends* a customer journey to look like. It is
written in YAML (see ``docs/ARCHITECTURE.md``), built from a dict, or imported from a BPMN 2.0 file,
and converts to pm4py's process tree, Petri net and BPMN so that actual journeys can be compared with
it (:func:`journeymining.conform.conformance.compare_to_map`).

Examples
--------
>>> from journeymining.journeymap.model import JourneyMap
>>> jm = JourneyMap.from_dict({
...     "name": "Support",
...     "goal": ["Close ticket"],
...     "stages": [
...         {"name": "Contact", "order": "choice", "touchpoints": [
...             {"activity": "Start chat", "channel": "chat", "actor": "frontstage", "team": "L1"},
...             {"activity": "Send e-mail", "channel": "e-mail", "actor": "frontstage", "team": "L1"}]},
...         {"name": "Resolve", "touchpoints": [
...             {"activity": "Resolve", "actor": "backstage", "team": "L1"},
...             {"activity": "Close ticket", "actor": "frontstage", "team": "L1"}]}],
...     "sla": [{"from": "Start chat", "to": "Resolve", "within": "4h"}],
... })
>>> jm.activities
['Start chat', 'Send e-mail', 'Resolve', 'Close ticket']
>>> jm.stage_of("Resolve")
'Resolve'
>>> jm.sla_table()[["from", "to", "within"]].to_dict("records")
[{'from': 'Start chat', 'to': 'Resolve', 'within': Timedelta('0 days 04:00:00')}]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from journeymining.core import columns as C
from journeymining.core import durations as _durations
from journeymining.core.errors import InputFileError, JourneyMapError, preview

ORDERS = ("sequence", "choice", "parallel", "loop")
ACTORS = (C.FRONTSTAGE, C.BACKSTAGE)
_TOUCHPOINT_KEYS = ("activity", "channel", "actor", "team", "optional", "repeatable", "contact", "automatic")
_GROUP_KEYS = ("name", "order", "touchpoints", "optional", "repeatable")
_MAP_KEYS = ("name", "goal", "resolution", "closure", "stages", "sla", "description")
_SLA_KEYS = ("from", "to", "stage", "within", "name")


def parse_duration(value, *, where="duration"):
    """Parse ``30m``, ``4h``, ``2d``, ``1w`` (or ``1d12h``) into a :class:`pandas.Timedelta`.

    Examples
    --------
    >>> parse_duration("1d12h")
    Timedelta('1 days 12:00:00')
    """
    return _durations.parse_duration(value, subject=f"{where}: {value!r}", error=JourneyMapError)


@dataclass(frozen=True)
class Touchpoint:
    """One step of the intended journey (an activity of the event log)."""

    activity: str
    stage: str
    channel: str | None = None
    actor: str | None = None
    team: str | None = None
    optional: bool = False
    repeatable: bool = False
    contact: bool = False    #: customer-initiated touchpoint (a call, chat, e-mail, FAQ search ...)
    automatic: bool = False  #: done by the system on a timer (auto-close, reminders): its wait is no pain point


@dataclass(frozen=True)
class Group:
    """Touchpoints (or nested groups) with an order between them; a stage is a named group."""

    order: str
    children: tuple
    optional: bool = False
    repeatable: bool = False
    name: str | None = None


@dataclass(frozen=True)
class SLA:
    """A time target: between two touchpoints (``from``/``to``) or for a whole ``stage``."""

    within: object  # pandas.Timedelta
    from_activity: str | None = None
    to_activity: str | None = None
    stage: str | None = None

    @property
    def label(self):
        if self.stage is not None:
            return f"stage {self.stage} within {_fmt_td(self.within)}"
        return f"{self.from_activity} -> {self.to_activity} within {_fmt_td(self.within)}"


def _fmt_td(td):
    secs = int(td.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if secs % size == 0 and secs >= size:
            return f"{secs // size}{unit}"
    return f"{secs}s"


def _bool(value, where, key):
    if isinstance(value, bool):
        return value
    raise JourneyMapError(f"{where}: '{key}' must be true or false; got {value!r}.")


class JourneyMap:
    """The intended customer journey.

    Build it with :meth:`from_yaml`, :meth:`from_dict` or :meth:`from_bpmn`. Stages are in order;
    each stage is a group of touchpoints with an ``order`` (``sequence``, ``choice``, ``parallel``
    or ``loop``); touchpoints and groups may be ``optional`` or ``repeatable``. Reaching any
    ``goal`` activity means the journey succeeded.

    Attributes
    ----------
    name : str
    stages : tuple of Group
        One named :class:`Group` per stage, in order.
    goal : tuple of str
    sla : tuple of SLA
    """

    def __init__(self, name, stages, goal, sla=(), resolution=None, closure=None):
        self.name = name
        self.stages = tuple(stages)
        self.goal = tuple(goal)
        self.sla = tuple(sla)
        #: activities that resolve the customer's request (default: the goal)
        self.resolution = tuple(resolution) if resolution else self.goal
        self._closure = tuple(closure) if closure else None
        self._root = Group("sequence", self.stages)
        self._touchpoints = {}
        self._parents = {}
        for stage in self.stages:
            self._index(stage, (stage,))

    def _index(self, group, ancestors):
        for child in group.children:
            if isinstance(child, Touchpoint):
                self._touchpoints[child.activity] = child
                self._parents[child.activity] = ancestors
            else:
                self._index(child, ancestors + (child,))

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_yaml(cls, path):
        """Load a journey map from a YAML file (format: ``docs/ARCHITECTURE.md``)."""
        import yaml

        p = Path(path)
        if not p.is_file():
            raise InputFileError(f"Journey map file {str(p)!r} does not exist. Check the path.")
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise JourneyMapError(f"Journey map {p.name}: not valid YAML ({exc}).") from exc
        if isinstance(data, dict) and "stages" not in data and {"case", "shape"} & set(data):
            raise JourneyMapError(
                f"{p} is a ticket mapping (it has 'case'/'shape'), not an intended journey map. Pass it "
                "as --mapping; --map takes a journey map with 'stages' and 'goal' (README, 'Intended vs actual')."
            )
        return cls.from_dict(data, source=p.name)

    @classmethod
    def from_file(cls, path):
        """Load a journey map from YAML, or from BPMN 2.0 when the file ends in ``.bpmn``/``.xml``."""
        if str(path).lower().endswith((".bpmn", ".xml")):
            return cls.from_bpmn(path)
        return cls.from_yaml(path)

    @classmethod
    def from_dict(cls, data, *, source="journey map"):
        """Build and validate a journey map from a dict with the YAML structure.

        Raises
        ------
        JourneyMapError
            Naming the stage or touchpoint and what is wrong.
        """
        if not isinstance(data, dict):
            raise JourneyMapError(
                f"{source}: expected a mapping with keys 'name', 'goal', 'stages'; got "
                f"{type(data).__name__}."
            )
        unknown = [k for k in data if k not in _MAP_KEYS]
        if unknown:
            raise JourneyMapError(
                f"{source}: unknown key(s) {unknown}; allowed keys are {list(_MAP_KEYS)}."
            )
        stages_in = data.get("stages")
        if not isinstance(stages_in, list) or not stages_in:
            raise JourneyMapError(
                f"{source}: 'stages' must be a non-empty list of stages "
                "(each {name: ..., touchpoints: [...]}); got "
                f"{stages_in!r}."
            )
        seen = {}
        stages = []
        for i, st in enumerate(stages_in):
            if not isinstance(st, dict) or not isinstance(st.get("name"), str) or not st.get("name"):
                raise JourneyMapError(
                    f"{source}: stage #{i + 1} has no 'name' (each stage needs "
                    "{name: ..., touchpoints: [...]}); got "
                    f"{st!r}."
                )
            sname = st["name"]
            if sname in [s.name for s in stages]:
                raise JourneyMapError(f"{source}: stage {sname!r} appears twice; stage names must be unique.")
            stages.append(cls._parse_group(st, f"stage {sname!r}", sname, seen, stage=True))
        goal = data.get("goal")
        if isinstance(goal, str):
            goal = [goal]
        if not goal:
            raise JourneyMapError(
                f"{source}: missing 'goal': list the activities that mean the journey succeeded, "
                f"e.g. goal: [{next(iter(seen))!r}]."
            )
        if not isinstance(goal, list):
            raise JourneyMapError(f"{source}: 'goal' must be a list of activities; got {goal!r}.")
        bad = [g for g in goal if g not in seen]
        if bad:
            raise JourneyMapError(
                f"{source}: goal activity {bad[0]!r} is not a touchpoint of the map. "
                f"Touchpoints: {preview(seen, 10)}."
            )
        sla = []
        for j, item in enumerate(data.get("sla") or []):
            sla.append(cls._parse_sla(item, j, source, seen, [s.name for s in stages]))
        lists = {}
        for key in ("resolution", "closure"):
            value = data.get(key)
            if value is None:
                continue
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
                raise JourneyMapError(f"{source}: '{key}' must be a list of touchpoint activities; got {value!r}.")
            bad = [v for v in value if v not in seen]
            if bad:
                raise JourneyMapError(
                    f"{source}: {key} activity {bad[0]!r} is not a touchpoint of the map. "
                    f"Touchpoints: {preview(seen, 10)}."
                )
            lists[key] = value
        name = data.get("name") or "journey map"
        return cls(str(name), stages, goal, sla, resolution=lists.get("resolution"),
                   closure=lists.get("closure"))

    @classmethod
    def _parse_group(cls, node, where, stage_name, seen, stage=False):
        allowed = _GROUP_KEYS
        unknown = [k for k in node if k not in allowed]
        if unknown:
            raise JourneyMapError(f"{where}: unknown key(s) {unknown}; a group allows {list(allowed)}.")
        order = node.get("order", "sequence")
        if order not in ORDERS:
            raise JourneyMapError(f"{where}: unknown order {order!r}; use one of {list(ORDERS)}.")
        items = node.get("touchpoints")
        if not isinstance(items, list) or not items:
            raise JourneyMapError(
                f"{where} is empty: give it a non-empty 'touchpoints' list "
                "(e.g. touchpoints: [{activity: ...}])."
            )
        children = []
        for k, item in enumerate(items):
            if not isinstance(item, dict):
                raise JourneyMapError(
                    f"{where}: touchpoint #{k + 1} must be a mapping such as "
                    "{activity: ..., channel: ...}; got "
                    f"{item!r}."
                )
            if "touchpoints" in item:
                children.append(cls._parse_group(item, f"{where}, group #{k + 1}", stage_name, seen))
            else:
                children.append(cls._parse_touchpoint(item, f"{where}, touchpoint #{k + 1}", stage_name, seen))
        return Group(
            order=order,
            children=tuple(children),
            optional=_bool(node.get("optional", False), where, "optional"),
            repeatable=_bool(node.get("repeatable", False), where, "repeatable"),
            name=stage_name if stage else node.get("name"),
        )

    @staticmethod
    def _parse_touchpoint(item, where, stage_name, seen):
        act = item.get("activity")
        if not isinstance(act, str) or not act.strip():
            raise JourneyMapError(f"{where} has no 'activity' (the activity name in the event log); got {item!r}.")
        where = f"stage {stage_name!r}, touchpoint {act!r}"
        unknown = [k for k in item if k not in _TOUCHPOINT_KEYS]
        if unknown:
            raise JourneyMapError(
                f"{where}: unknown key(s) {unknown}; a touchpoint allows {list(_TOUCHPOINT_KEYS)}."
            )
        if act in seen:
            raise JourneyMapError(
                f"{where}: duplicate activity, already a touchpoint of stage {seen[act]!r}. "
                "Each activity may appear once; use 'repeatable: true' for loops."
            )
        actor = item.get("actor")
        if actor is not None and actor not in ACTORS:
            raise JourneyMapError(f"{where}: actor {actor!r} is not one of {list(ACTORS)}.")
        for key in ("channel", "team"):
            v = item.get(key)
            if v is not None and (not isinstance(v, str) or not v):
                raise JourneyMapError(f"{where}: '{key}' must be a non-empty string; got {v!r}.")
        seen[act] = stage_name
        return Touchpoint(
            activity=act, stage=stage_name, channel=item.get("channel"), actor=actor,
            team=item.get("team"),
            optional=_bool(item.get("optional", False), where, "optional"),
            repeatable=_bool(item.get("repeatable", False), where, "repeatable"),
            contact=_bool(item.get("contact", False), where, "contact"),
            automatic=_bool(item.get("automatic", False), where, "automatic"),
        )

    @staticmethod
    def _parse_sla(item, j, source, seen, stage_names):
        where = f"{source}: sla #{j + 1}"
        if not isinstance(item, dict):
            raise JourneyMapError(f"{where} must be a mapping such as {{from: A, to: B, within: 4h}}; got {item!r}.")
        unknown = [k for k in item if k not in _SLA_KEYS]
        if unknown:
            raise JourneyMapError(f"{where}: unknown key(s) {unknown}; an SLA allows {list(_SLA_KEYS)}.")
        if "within" not in item:
            raise JourneyMapError(f"{where}: missing 'within' (the target, e.g. within: 4h).")
        within = parse_duration(item["within"], where=f"{where} 'within'")
        if "stage" in item:
            if "from" in item or "to" in item:
                raise JourneyMapError(f"{where}: give either 'stage' or 'from'/'to', not both.")
            if item["stage"] not in stage_names:
                raise JourneyMapError(
                    f"{where}: unknown stage {item['stage']!r}. Stages: {stage_names}."
                )
            return SLA(within=within, stage=item["stage"])
        for key in ("from", "to"):
            if key not in item:
                raise JourneyMapError(f"{where}: missing '{key}' (a touchpoint) or use 'stage: ...'.")
            if item[key] not in seen:
                raise JourneyMapError(
                    f"{where}: '{key}' names unknown touchpoint {item[key]!r}. "
                    f"Touchpoints: {preview(seen, 10)}."
                )
        if item["from"] == item["to"]:
            raise JourneyMapError(f"{where}: 'from' and 'to' are both {item['from']!r}; name two touchpoints.")
        return SLA(within=within, from_activity=item["from"], to_activity=item["to"])

    @classmethod
    def from_bpmn(cls, path, *, name=None, goal=None, stages=None):
        """Import a BPMN 2.0 file (block-structured) as an intended journey map.

        The BPMN is converted to a process tree with pm4py. Every element of the top-level
        sequence becomes a stage (``Stage 1``, ``Stage 2``...) unless ``stages`` maps activities to
        stage names (elements not in ``stages`` continue the previous stage). ``goal`` defaults to the
        activities that can end the process. BPMN carries no channel, actor or team: add them in
        YAML if needed (``to_dict()`` gives the structure to edit).

        Raises
        ------
        JourneyMapError
            When the BPMN cannot be read or is not block-structured.
        """
        import warnings

        import pm4py

        p = Path(path)
        if not p.is_file():
            raise InputFileError(f"BPMN file {str(p)!r} does not exist. Check the path.")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                bpmn = pm4py.read_bpmn(str(p))
                tree = pm4py.convert_to_process_tree(bpmn)
        except Exception as exc:  # pm4py raises bare Exceptions here
            raise JourneyMapError(
                f"{p.name}: cannot import as a journey map ({type(exc).__name__}: {exc}). "
                "The BPMN must be block-structured (matching split/join gateways)."
            ) from exc
        return cls._from_tree(tree, name=name or p.stem, goal=goal, stages=stages, source=p.name)

    @classmethod
    def _from_tree(cls, tree, *, name, goal, stages, source):
        from pm4py.objects.process_tree.obj import Operator

        def node(t):
            op = t.operator
            if op is None:
                return None if t.label is None else {"activity": t.label}
            kids = list(t.children)
            if op == Operator.XOR:
                real = [node(k) for k in kids]
                taus = sum(r is None for r in real)
                real = [r for r in real if r is not None]
                if not real:
                    return None
                g = real[0] if len(real) == 1 else {"order": "choice", "touchpoints": real}
                if taus:
                    g = dict(g, optional=True)
                return g
            if op == Operator.LOOP:
                do, redo = node(kids[0]), node(kids[1]) if len(kids) > 1 else None
                if redo is None and do is not None:
                    return dict(do, repeatable=True)
                if do is None and redo is not None:
                    return dict(redo, repeatable=True, optional=True)
                raise JourneyMapError(
                    f"{source}: a loop with a non-empty redo part ({t}) has no journey-map equivalent; "
                    "redraw it as a repeatable group."
                )
            order = {Operator.SEQUENCE: "sequence", Operator.PARALLEL: "parallel"}.get(op)
            if order is None:
                raise JourneyMapError(f"{source}: operator {op} is not supported in a journey map.")
            real = [r for r in (node(k) for k in kids) if r is not None]
            if not real:
                return None
            return real[0] if len(real) == 1 else {"order": order, "touchpoints": real}

        top = node(tree)
        if top is None:
            raise JourneyMapError(f"{source}: the BPMN has no labelled task.")
        parts = top["touchpoints"] if top.get("order", "sequence") == "sequence" and "touchpoints" in top \
            and not top.get("optional") and not top.get("repeatable") else [top]

        def first_activity(d):
            return d["activity"] if "activity" in d else first_activity(d["touchpoints"][0])

        stage_list = []
        for i, part in enumerate(parts):
            if stages:  # unmapped elements continue the previous stage
                sname = stages.get(first_activity(part),
                                   stage_list[-1]["name"] if stage_list else f"Stage {i + 1}")
            else:
                sname = f"Stage {i + 1}"
            if stage_list and stage_list[-1]["name"] == sname and stages:
                stage_list[-1]["touchpoints"].append(part)
            else:
                stage_list.append({"name": sname, "touchpoints": [part]})
        if goal is None:
            import pm4py

            goal = sorted(pm4py.discover_footprints(tree)["end_activities"])
        return cls.from_dict({"name": name, "goal": list(goal), "stages": stage_list}, source=source)

    def to_dict(self):
        """The map as a dict in the YAML structure (``from_dict(to_dict())`` round-trips)."""

        def group(g, stage=False):
            d = {"name": g.name} if stage else {}
            if g.order != "sequence":
                d["order"] = g.order
            if g.optional:
                d["optional"] = True
            if g.repeatable:
                d["repeatable"] = True
            d["touchpoints"] = [group(c) if isinstance(c, Group) else tp(c) for c in g.children]
            return d

        def tp(t):
            d = {"activity": t.activity}
            for k in ("channel", "actor", "team"):
                if getattr(t, k) is not None:
                    d[k] = getattr(t, k)
            for k in ("optional", "repeatable", "contact", "automatic"):
                if getattr(t, k):
                    d[k] = True
            return d

        sla = []
        for s in self.sla:
            d = {"stage": s.stage} if s.stage is not None else {"from": s.from_activity, "to": s.to_activity}
            d["within"] = _fmt_td(s.within)
            sla.append(d)
        out = {"name": self.name, "goal": list(self.goal)}
        if self.resolution != self.goal:
            out["resolution"] = list(self.resolution)
        if self._closure is not None:
            out["closure"] = list(self._closure)
        out["stages"] = [group(s, True) for s in self.stages]
        if sla:
            out["sla"] = sla
        return out

    def __repr__(self):
        return (f"JourneyMap({self.name!r}, stages={[s.name for s in self.stages]}, "
                f"touchpoints={len(self._touchpoints)}, goal={list(self.goal)})")

    # ------------------------------------------------------------------ lookups
    @property
    def activities(self):
        """Touchpoint activities in map order."""
        return list(self._touchpoints)

    @property
    def stage_names(self):
        return [s.name for s in self.stages]

    @property
    def goal_set(self):
        return frozenset(self.goal)

    @property
    def contacts(self):
        """Touchpoints marked ``contact: true`` (customer-initiated), in map order."""
        return [a for a, t in self._touchpoints.items() if t.contact]

    @property
    def automatic(self):
        """Touchpoints marked ``automatic: true`` (system timers), in map order."""
        return [a for a, t in self._touchpoints.items() if t.automatic]

    @property
    def closure(self):
        """Steps that may follow a resolution without reopening the case.

        The map's ``closure:`` list when given; otherwise the goal plus every touchpoint the map
        places after a resolution touchpoint (e.g. "Confirm solution", "Close ticket", "Answer
        survey" after "Solve in chat"), resolution touchpoints themselves excluded.
        """
        if self._closure is not None:
            return list(dict.fromkeys(self._closure + self.goal))
        res = set(self.resolution)
        after = [a for a in self._touchpoints if a not in res
                 and any(self.must_precede(r, a) for r in res)]
        return list(dict.fromkeys(list(self.goal) + after))

    def team_plan(self):
        """Where the map plans a change of team, from its touchpoints' teams.

        Returns
        -------
        dict
            ``hops``: set of touchpoint pairs ``(x, y)`` with different teams where ``y`` may come
            after ``x`` with only team-less touchpoints between them (in the map's directly-follows
            relation); ``returns``: set of ``(x, y, z)`` hops where the case comes back to the team
            of ``x`` (a planned round trip such as L1 -> L2 -> L1); ``teams``: planned team of
            every touchpoint that has one.
        """
        teams = {a: t.team for a, t in self._touchpoints.items() if t.team}
        edges = self.intended_edges()["edges"]
        succ = {}
        for x, y in edges:
            succ.setdefault(x, set()).add(y)
        hops = set()
        for x in teams:
            seen, stack = set(), list(succ.get(x, ()))
            while stack:
                y = stack.pop()
                if y in seen:
                    continue
                seen.add(y)
                if y in teams:
                    if teams[y] != teams[x]:
                        hops.add((x, y))
                    continue
                stack.extend(succ.get(y, ()))
        # a round trip: hop x -> y, then (within y's team) a hop w -> z back to x's team
        same_team_reach = {}
        for y in teams:
            seen, stack = {y}, [y]
            while stack:
                u = stack.pop()
                for v in succ.get(u, ()):
                    if v not in seen and (v not in teams or teams[v] == teams[y]):
                        seen.add(v)
                        stack.append(v)
            same_team_reach[y] = seen
        returns = set()
        for x, y in hops:
            for w, z in hops:
                if w in same_team_reach[y] and teams[z] == teams[x]:
                    returns.add((x, y, z))
        return {"hops": hops, "returns": returns, "teams": teams}

    def touchpoint(self, activity):
        """The :class:`Touchpoint` of ``activity`` (``JourneyMapError`` if it is not in the map)."""
        try:
            return self._touchpoints[activity]
        except KeyError:
            raise JourneyMapError(
                f"{activity!r} is not a touchpoint of the journey map {self.name!r}. "
                f"Touchpoints: {preview(self._touchpoints, 10)}."
            ) from None

    def coverage(self, log, *, activity_key=C.ACTIVITY):
        """Share of the log's events whose activity is a touchpoint of this map (0 to 1).

        A low value usually means the log and the map do not speak the same activity names
        (wrong map, or a mapping whose activities were not renamed to the map's touchpoints).
        """
        if len(log) == 0:
            return 0.0
        return float(log[activity_key].isin(self.activities).mean())

    def annotate(self, log, *, activity_key=C.ACTIVITY):
        """A copy of ``log`` whose missing ``stage``, ``touchpoint`` and ``actor`` come from the map.

        Values already in the log are kept; events whose activity is not a touchpoint stay empty.
        """
        out = log.copy()
        table = self.touchpoint_table().set_index("activity")
        for col, source in ((C.STAGE, "stage"), (C.ACTOR, "actor")):
            mapped = out[activity_key].map(table[source].dropna())
            out[col] = out[col].fillna(mapped) if col in out else mapped
        mapped = out[activity_key].where(out[activity_key].isin(self.activities))
        out[C.TOUCHPOINT] = out[C.TOUCHPOINT].fillna(mapped) if C.TOUCHPOINT in out else mapped
        return out

    def stage_of(self, activity):
        """Name of the stage holding ``activity``, or None if it is not a touchpoint."""
        tp = self._touchpoints.get(activity)
        return None if tp is None else tp.stage

    def is_repeatable(self, activity):
        """True when the touchpoint or one of its groups may repeat."""
        tp = self._touchpoints[activity]
        return tp.repeatable or any(g.repeatable or g.order == "loop" for g in self._parents[activity])

    def is_optional(self, activity):
        """True when the touchpoint or one of its groups is optional."""
        tp = self._touchpoints[activity]
        return tp.optional or any(g.optional for g in self._parents[activity])

    def touchpoint_table(self):
        """One row per touchpoint: activity, stage, channel, actor, team, optional, repeatable, goal.

        ``optional`` and ``repeatable`` are effective (inherited from enclosing groups).
        """
        import pandas as pd

        rows = [{
            "activity": a, "stage": t.stage, "channel": t.channel, "actor": t.actor, "team": t.team,
            "optional": self.is_optional(a), "repeatable": self.is_repeatable(a), "goal": a in self.goal,
            "contact": t.contact, "automatic": t.automatic, "resolution": a in self.resolution,
        } for a, t in self._touchpoints.items()]
        return pd.DataFrame(rows, columns=["activity", "stage", "channel", "actor", "team",
                                           "optional", "repeatable", "goal", "contact", "automatic",
                                           "resolution"])

    def sla_table(self):
        """The SLAs as a DataFrame: name, kind (``between``/``stage``), from, to, stage, within."""
        import pandas as pd

        rows = [{"name": s.label, "kind": "stage" if s.stage else "between", "from": s.from_activity,
                 "to": s.to_activity, "stage": s.stage, "within": s.within} for s in self.sla]
        return pd.DataFrame(rows, columns=["name", "kind", "from", "to", "stage", "within"])

    # ---------------------------------------------------------------- relations
    def _path_to(self, activity):
        """(group, child index) pairs from the root sequence of stages down to ``activity``."""
        root = self._root
        path = []

        def walk(g):
            for i, c in enumerate(g.children):
                if isinstance(c, Touchpoint):
                    if c.activity == activity:
                        path.append((g, i))
                        return True
                elif walk(c):
                    path.append((g, i))
                    return True
            return False

        walk(root)
        return path[::-1]

    def must_precede(self, a, b):
        """True when the map requires every ``a`` to come before every ``b`` (both touchpoints).

        That holds when their closest common group is a sequence with ``a``'s branch first and no
        group from there up to the root may repeat.
        """
        pa, pb = self._path_to(a), self._path_to(b)
        k = 0
        while k < min(len(pa), len(pb)) and pa[k][0] is pb[k][0] and pa[k][1] == pb[k][1]:
            k += 1
        if k >= min(len(pa), len(pb)) or pa[k][0] is not pb[k][0]:
            return False
        lca = pa[k][0]
        if lca.order not in ("sequence",) or pa[k][1] >= pb[k][1]:
            return False
        return not any(g.repeatable or g.order == "loop" for g, _ in pa[: k + 1])

    def exclusive(self, a, b):
        """True when ``a`` and ``b`` are alternatives of a choice (a path takes only one of them)."""
        pa, pb = self._path_to(a), self._path_to(b)
        k = 0
        while k < min(len(pa), len(pb)) and pa[k][0] is pb[k][0] and pa[k][1] == pb[k][1]:
            k += 1
        if k >= min(len(pa), len(pb)):
            return False
        lca = pa[k][0]
        return lca.order == "choice" and not any(g.repeatable or g.order == "loop" for g, _ in pa[: k + 1])

    def missing_required(self, present):
        """Touchpoints the path of a case through the map requires but that are absent.

        ``present`` is the set of activities the case has. For a choice, the path follows the
        alternative with the most present touchpoints; a choice none of whose alternatives occurs
        is reported through its first alternative.
        """
        present = set(present)

        def acts(node):
            if isinstance(node, Touchpoint):
                return [node.activity]
            return [a for c in node.children for a in acts(c)]

        def missing(node):
            if node.optional and not any(a in present for a in acts(node)):
                return []  # an optional part the case did not enter
            if isinstance(node, Touchpoint):
                return [] if node.activity in present else [node.activity]
            if node.order == "choice":
                scores = [sum(a in present for a in acts(c)) for c in node.children]
                if any(getattr(c, "optional", False) for c in node.children) and max(scores) == 0:
                    return []
                best = scores.index(max(scores))
                return missing(node.children[best])
            return [m for c in node.children for m in missing(c)]

        return [m for s in self.stages for m in missing(s)]

    def missing_parts(self, present):
        """Like :meth:`missing_required`, but a choice none of whose alternatives occurs is one
        missing *part* (not its first alternative): a list of ``(label, stage, activities)``.

        The label of a missing touchpoint is its activity; of a missing choice, ``"any of A / B"``,
        or ``"<stage> contact (any of A / B)"`` when every alternative is a contact touchpoint.
        """
        present = set(present)

        def acts(node):
            if isinstance(node, Touchpoint):
                return [node.activity]
            return [a for c in node.children for a in acts(c)]

        def firsts(node):
            return [acts(c)[0] for c in node.children]

        def missing(node, stage):
            if node.optional and not any(a in present for a in acts(node)):
                return []
            if isinstance(node, Touchpoint):
                return [] if node.activity in present else [(node.activity, stage, [node.activity])]
            if node.order == "choice":
                scores = [sum(a in present for a in acts(c)) for c in node.children]
                if max(scores) == 0:
                    if any(getattr(c, "optional", False) for c in node.children):
                        return []
                    alts = firsts(node)
                    everything = acts(node)
                    label = " / ".join(alts)
                    if all(self._touchpoints[a].contact for a in alts):
                        label = f"customer contact (any of {label})"
                    else:
                        label = f"any of {label}"
                    return [(label, stage, everything)]
                return missing(node.children[scores.index(max(scores))], stage)
            return [m for c in node.children for m in missing(c, stage)]

        return [m for s in self.stages for m in missing(s, s.name)]

    # -------------------------------------------------------------- conversions
    def to_process_tree(self):
        """The map as a pm4py :class:`~pm4py.objects.process_tree.obj.ProcessTree`.

        sequence/choice/parallel become ``->``/``X``/``+``; optional is ``X(node, tau)``; repeatable
        is ``*(node, tau)`` (``*(tau, node)`` when also optional).
        """
        from pm4py.objects.process_tree.obj import Operator, ProcessTree

        ops = {"sequence": Operator.SEQUENCE, "choice": Operator.XOR, "parallel": Operator.PARALLEL,
               "loop": Operator.SEQUENCE}

        def attach(parent, kids):
            parent.children = kids
            for k in kids:
                k.parent = parent
            return parent

        def wrap(t, optional, repeatable):
            if repeatable and optional:
                return attach(ProcessTree(operator=Operator.LOOP), [ProcessTree(), t])
            if repeatable:
                return attach(ProcessTree(operator=Operator.LOOP), [t, ProcessTree()])
            if optional:
                return attach(ProcessTree(operator=Operator.XOR), [t, ProcessTree()])
            return t

        def build(n):
            if isinstance(n, Touchpoint):
                return wrap(ProcessTree(label=n.activity), n.optional, n.repeatable)
            kids = [build(c) for c in n.children]
            t = kids[0] if len(kids) == 1 else attach(ProcessTree(operator=ops[n.order]), kids)
            return wrap(t, n.optional, n.repeatable or n.order == "loop")

        kids = [build(s) for s in self.stages]
        return kids[0] if len(kids) == 1 else attach(ProcessTree(operator=Operator.SEQUENCE), kids)

    def to_petri_net(self):
        """The map as a pm4py accepting Petri net ``(net, initial_marking, final_marking)``."""
        import pm4py

        return pm4py.convert_to_petri_net(self.to_process_tree())

    def to_bpmn(self):
        """The map as a pm4py BPMN object (write it with ``pm4py.write_bpmn``)."""
        import pm4py

        return pm4py.convert_to_bpmn(self.to_process_tree())

    def write_bpmn(self, path):
        """Write the map as a BPMN 2.0 file (readable by :meth:`from_bpmn`); returns the path."""
        import pm4py

        pm4py.write_bpmn(self.to_bpmn(), str(path))
        return Path(path)

    def intended_edges(self):
        """Directly-follows pairs the map allows, plus its start and end activities.

        Returns
        -------
        dict with keys ``edges`` (set of (a, b)), ``start`` and ``end`` (sets of activities).
        """
        import pm4py

        fp = pm4py.discover_footprints(self.to_process_tree())
        return {"edges": set(fp["sequence"]) | set(fp["parallel"]),
                "start": set(fp["start_activities"]), "end": set(fp["end_activities"])}

    # ------------------------------------------------------------------ drawing
    def plot(self, *, ax=None, overlay=None, overlay_label="cases with a deviation", cmap="Reds"):
        """Draw the map as a journey map: stages as columns, lanes for customer touchpoints per
        channel, then frontstage steps without channel, then backstage steps.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        overlay : mapping activity -> float in [0, 1], optional
            Shares drawn as box colour and percentage (e.g. the share of cases with a deviation at
            the touchpoint). Extra keys ``("stage", name)`` colour a stage header.
        overlay_label : str
            Colour-bar label of the overlay.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt
        from matplotlib import colormaps
        from matplotlib.patches import FancyBboxPatch

        tps = list(self._touchpoints.values())
        channels = []
        for t in tps:
            if t.actor != C.BACKSTAGE and t.channel and t.channel not in channels:
                channels.append(t.channel)
        lanes = [f"customer · {c}" for c in channels]
        if any(t.actor != C.BACKSTAGE and not t.channel for t in tps):
            lanes.append("frontstage")
        if any(t.actor == C.BACKSTAGE for t in tps):
            lanes.append("backstage")

        def lane_of(t):
            if t.actor == C.BACKSTAGE:
                return lanes.index("backstage")
            if t.channel:
                return lanes.index(f"customer · {t.channel}")
            return lanes.index("frontstage")

        cells = {}
        for t in tps:
            cells.setdefault((self.stage_names.index(t.stage), lane_of(t)), []).append(t)
        per_lane = [max([len(v) for (s, l), v in cells.items() if l == li] or [1]) for li in range(len(lanes))]
        lane_y = []
        y = 0.0
        for h in per_lane:
            lane_y.append(y)
            y += h
        total_h = y
        ns = len(self.stages)
        own_figure = ax is None
        if own_figure:
            fig, ax = plt.subplots(figsize=(max(6, 2.6 * ns + 1.5), 1.0 + 0.75 * total_h + 0.6))
        else:
            fig = ax.figure
        cm = colormaps[cmap]
        col_w, box_w, box_h = 1.0, 0.86, 0.62
        for li, name in enumerate(lanes):
            top = lane_y[li]
            ax.axhspan(-top, -(top + per_lane[li]), color="0.96" if li % 2 == 0 else "white", zorder=0)
            ax.text(-0.08, -(top + per_lane[li] / 2), name, ha="right", va="center", fontsize=9)
        for si, stage in enumerate(self.stages):
            ax.text(si * col_w + 0.5, 0.35, stage.name, ha="center", va="bottom", fontsize=10,
                    fontweight="bold")
            if si:
                ax.axvline(si * col_w, color="0.75", lw=0.8, zorder=1)
        for (si, li), items in cells.items():
            for k, t in enumerate(items):
                cx = si * col_w + 0.5
                cy = -(lane_y[li] + k + 0.5)
                share = None if overlay is None else overlay.get(t.activity)
                face = "white" if share is None or share != share else cm(min(max(share, 0), 1))
                style = "--" if self.is_optional(t.activity) else "-"
                box = FancyBboxPatch((cx - box_w / 2, cy - box_h / 2), box_w, box_h,
                                     boxstyle="round,pad=0.02", linestyle=style,
                                     linewidth=2.2 if t.activity in self.goal else 1.0,
                                     edgecolor="black", facecolor=face, zorder=2)
                ax.add_patch(box)
                label = t.activity + (" ↻" if self.is_repeatable(t.activity) else "")
                if t.activity in self.goal:
                    label = "★ " + label
                ax.text(cx, cy + (0.08 if share is not None else 0), label, ha="center", va="center",
                        fontsize=8, zorder=3, wrap=True)
                sub = " · ".join(x for x in (t.team,) if x)
                if share is not None and share == share:
                    sub = (sub + "  " if sub else "") + f"{share:.0%}"
                if sub:
                    ax.text(cx, cy - 0.17, sub, ha="center", va="center", fontsize=7, color="0.25", zorder=3)
        if overlay is not None:
            import matplotlib as mpl

            sm = mpl.cm.ScalarMappable(cmap=cm, norm=mpl.colors.Normalize(0, 1))
            fig.colorbar(sm, ax=ax, fraction=0.03, pad=0.01, label=overlay_label)
        ax.set_xlim(-0.05, ns * col_w + 0.05)
        ax.set_ylim(-total_h - 0.1, 0.8)
        ax.set_xticks([])
        ax.set_yticks([])
        for sp in ax.spines.values():
            sp.set_visible(False)
        ax.set_title(self.name, loc="left", fontsize=11)
        if own_figure:
            plt.close(fig)  # the returned Figure displays once in Jupyter (not also as pyplot's)
        return fig

"""The intended journey map: stages, touchpoints, their order, the goal and the SLA targets.

A :class:`JourneyMap` is what the organisation *intends* a customer journey to look like. It is
written in YAML (see ``docs/ARCHITECTURE.md``), built from a dict, or imported from a BPMN 2.0 file,
and converts to pm4py's process tree, Petri net and BPMN so that actual journeys can be compared with
it (:func:`journeymining.conform.compare_to_map`).

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

from pathlib import Path

from journeymining.core import columns as C
from journeymining.core import durations as _durations
from journeymining.core.errors import InputFileError, JourneyMapError, preview
from journeymining.journeymap.bpmn import JourneyBPMN
from journeymining.journeymap.parts import SLA, Group, Touchpoint, format_duration
from journeymining.journeymap.plot import JourneyPlot
from journeymining.journeymap.relations import JourneyRelations
from journeymining.journeymap.schema import (
    GroupSpec,
    JourneyMapSpec,
    SLASpec,
    StageSpec,
    TouchpointSpec,
    choices,
    validation_message,
)

ORDERS = tuple(choices(GroupSpec, "order"))
ACTORS = tuple(choices(TouchpointSpec, "actor"))


def parse_duration(value, *, where="duration"):
    """Parse ``30m``, ``4h``, ``2d``, ``1w`` (or ``1d12h``) into a :class:`pandas.Timedelta`.

    Examples
    --------
    >>> parse_duration("1d12h")
    Timedelta('1 days 12:00:00')
    """
    return _durations.parse_duration(value, subject=f"{where}: {value!r}", error=JourneyMapError)


def _validate(model, node, where):
    """``node`` checked against its schema ``model`` (:mod:`journeymining.journeymap.schema`)."""
    from pydantic import ValidationError

    try:
        return model.model_validate(node)
    except ValidationError as exc:
        raise JourneyMapError(validation_message(exc, where, model)) from None


class JourneyMap(JourneyRelations, JourneyBPMN, JourneyPlot):
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
        spec = _validate(JourneyMapSpec, data, source)
        seen = {}
        stages = []
        for i, st in enumerate(spec.stages):
            if not isinstance(st, dict) or not isinstance(st.get("name"), str) or not st.get("name"):
                raise JourneyMapError(
                    f"{source}: stage #{i + 1} has no 'name' (each stage needs "
                    "{name: ..., touchpoints: [...]}); got "
                    f"{st!r}."
                )
            sname = st["name"]
            if sname in [s.name for s in stages]:
                raise JourneyMapError(f"{source}: stage {sname!r} appears twice; stage names must be unique.")
            try:
                stages.append(cls._parse_group(st, f"stage {sname!r}", sname, seen, stage=True))
            except JourneyMapError as exc:  # name the file too: the stage's messages know only the stage
                raise JourneyMapError(f"{source}: {exc}") from None
        for key in ("goal", "resolution", "closure"):
            bad = [v for v in getattr(spec, key) or () if v not in seen]
            if bad:
                raise JourneyMapError(
                    f"{source}: {key} activity {bad[0]!r} is not a touchpoint of the map. "
                    f"Touchpoints: {preview(seen, 10)}."
                )
        sla = [cls._parse_sla(item, j, source, seen, [s.name for s in stages])
               for j, item in enumerate(spec.sla)]
        name = spec.name if spec.name is not None else "journey map"
        return cls(str(name), stages, spec.goal, sla, resolution=spec.resolution, closure=spec.closure)

    @classmethod
    def _parse_group(cls, node, where, stage_name, seen, stage=False):
        spec = _validate(StageSpec if stage else GroupSpec, node, where)
        children = []
        for k, item in enumerate(spec.touchpoints):
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
            order=spec.order,
            children=tuple(children),
            optional=spec.optional,
            repeatable=spec.repeatable,
            name=stage_name if stage else spec.name,
        )

    @staticmethod
    def _parse_touchpoint(item, where, stage_name, seen):
        act = item.get("activity")
        if not isinstance(act, str) or not act.strip():
            raise JourneyMapError(f"{where} has no 'activity' (the activity name in the event log); got {item!r}.")
        where = f"stage {stage_name!r}, touchpoint {act!r}"
        spec = _validate(TouchpointSpec, item, where)
        if act in seen:
            raise JourneyMapError(
                f"{where}: duplicate activity, already a touchpoint of stage {seen[act]!r}. "
                "Each activity may appear once; use 'repeatable: true' for loops."
            )
        seen[act] = stage_name
        return Touchpoint(
            activity=act, stage=stage_name, channel=spec.channel, actor=spec.actor, team=spec.team,
            optional=spec.optional, repeatable=spec.repeatable, contact=spec.contact,
            automatic=spec.automatic,
        )

    @staticmethod
    def _parse_sla(item, j, source, seen, stage_names):
        where = f"{source}: sla #{j + 1}"
        if not isinstance(item, dict):
            raise JourneyMapError(f"{where} must be a mapping such as {{from: A, to: B, within: 4h}}; got {item!r}.")
        spec = _validate(SLASpec, item, where)
        within = parse_duration(spec.within, where=f"{where} 'within'")
        if spec.stage is not None:
            if spec.from_ is not None or spec.to is not None:
                raise JourneyMapError(f"{where}: give either 'stage' or 'from'/'to', not both.")
            if spec.stage not in stage_names:
                raise JourneyMapError(
                    f"{where}: unknown stage {spec.stage!r}. Stages: {stage_names}."
                )
            return SLA(within=within, stage=spec.stage)
        for key, value in (("from", spec.from_), ("to", spec.to)):
            if value is None:
                raise JourneyMapError(f"{where}: missing '{key}' (a touchpoint) or use 'stage: ...'.")
            if value not in seen:
                raise JourneyMapError(
                    f"{where}: '{key}' names unknown touchpoint {value!r}. "
                    f"Touchpoints: {preview(seen, 10)}."
                )
        if spec.from_ == spec.to:
            raise JourneyMapError(f"{where}: 'from' and 'to' are both {spec.from_!r}; name two touchpoints.")
        return SLA(within=within, from_activity=spec.from_, to_activity=spec.to)

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
            d["within"] = format_duration(s.within)
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
        import numpy as np
        import pandas as pd

        out = log.copy(deep=False)            # new columns only; the caller's frame is untouched
        codes, uniq = pd.factorize(out[activity_key], sort=False)
        table = self.touchpoint_table().set_index("activity")
        known = set(self.activities)
        for col, source in ((C.STAGE, "stage"), (C.ACTOR, "actor"), (C.TOUCHPOINT, None)):
            if col in out and not out[col].isna().any():
                continue                      # nothing to fill (a mapping gave every event one)
            values = table[source].dropna() if source else None
            per = [(u if u in known else None) if source is None else values.get(u) for u in uniq]
            mapped = pd.Series(np.array(per + [None], dtype=object)[codes], index=out.index)
            out[col] = out[col].fillna(mapped) if col in out else mapped.astype("str")
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

"""The journey-map schema: pydantic models of every key of an intended journey map.

Each level of a journey map (the map itself, a stage, a nested group, a touchpoint, an SLA) is a
frozen pydantic model. The models hold the accepted keys, their types, defaults and descriptions
once: :meth:`journeymining.journeymap.JourneyMap.from_dict` validates each node with them (unknown
keys, wrong types, unknown ``order`` or ``actor``), :func:`validation_message` turns a pydantic
error into a sentence naming the stage or touchpoint, and :func:`journey_map_reference` writes
``docs/JOURNEYMAP.md`` from them.

The checks that need the whole map (unique activities, a goal that names a touchpoint, an SLA
between two known touchpoints) stay in :mod:`journeymining.journeymap.model`, because they compare
nodes with each other.

Examples
--------
>>> from journeymining.journeymap.schema import TouchpointSpec, validation_message
>>> from pydantic import ValidationError
>>> try:
...     TouchpointSpec.model_validate({"activity": "Call", "actor": "customer"})
... except ValidationError as exc:
...     print(validation_message(exc, "touchpoint 'Call'", TouchpointSpec))
touchpoint 'Call': 'actor' is 'customer'; it must be one of ['frontstage', 'backstage'].
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=False)]


def _is_text_list(value):
    if isinstance(value, str):
        return [value]
    return value


TextList = Annotated[list[NonEmpty], BeforeValidator(_is_text_list)]


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _flag(meaning):
    return Field(False, strict=True, description=meaning, json_schema_extra={"accepted": "true or false"})


class TouchpointSpec(_Node):
    """One step of the intended journey: an activity of the event log."""

    activity: NonEmpty = Field(
        description="the activity name exactly as in the event log",
        json_schema_extra={"accepted": "non-empty text"})
    channel: Optional[NonEmpty] = Field(
        None, description="where the customer meets it: phone, e-mail, chat, social, self-service, office ...",
        json_schema_extra={"accepted": "non-empty text"})
    actor: Optional[Literal["frontstage", "backstage"]] = Field(
        None, description="frontstage (the customer sees it) or backstage (internal work)",
        json_schema_extra={"accepted": "frontstage or backstage"})
    team: Optional[NonEmpty] = Field(
        None, description="the team meant to do it; consecutive different teams are a planned handoff",
        json_schema_extra={"accepted": "non-empty text"})
    optional: bool = _flag("the journey may skip it")
    repeatable: bool = _flag("it may happen more than once (a loop on this step)")
    contact: bool = _flag("a customer-initiated contact (call, chat, e-mail, FAQ search); contacts "
                          "drive FCR, repeat contact and channel switch")
    automatic: bool = _flag("done by the system on a timer (auto-close, reminders); the wait before it "
                            "is timer time, not a pain point")


class GroupSpec(_Node):
    """Touchpoints or nested groups with an order between them (a stage is a named group)."""

    name: Optional[NonEmpty] = Field(
        None, description="a label for the group (required for a stage)",
        json_schema_extra={"accepted": "non-empty text"})
    order: Literal["sequence", "choice", "parallel", "loop"] = Field(
        "sequence", description="sequence: in the listed order; choice: exactly one; parallel: all, any "
                                "order; loop: in the listed order, and the whole group may repeat",
        json_schema_extra={"accepted": "sequence, choice, parallel or loop"})
    touchpoints: list[Any] = Field(
        min_length=1, description="the steps: touchpoints, or nested groups (a mapping with its own "
                                  "'touchpoints')",
        json_schema_extra={"accepted": "a non-empty list of touchpoints or groups"})
    optional: bool = _flag("the whole group may be skipped")
    repeatable: bool = _flag("the whole group may happen more than once")


class StageSpec(GroupSpec):
    """A stage of the journey: a named group; stages follow each other in the listed order."""

    name: NonEmpty = Field(
        description="the stage name, unique in the map", json_schema_extra={"accepted": "non-empty text"})


class SLASpec(_Node):
    """A time target between two touchpoints, or for a whole stage."""

    from_: Optional[NonEmpty] = Field(
        None, alias="from", description="the touchpoint that starts the clock (with 'to')",
        json_schema_extra={"accepted": "a touchpoint activity"})
    to: Optional[NonEmpty] = Field(
        None, description="the touchpoint that stops the clock (with 'from')",
        json_schema_extra={"accepted": "a touchpoint activity"})
    stage: Optional[NonEmpty] = Field(
        None, description="instead of from/to: the time spent in this stage",
        json_schema_extra={"accepted": "a stage name"})
    within: Union[NonEmpty, int, float] = Field(
        description="the target: 30m, 4h, 2d, 1w, or a combination such as 1d12h",
        json_schema_extra={"accepted": "a duration such as 4h"})
    name: Optional[NonEmpty] = Field(
        None, description="a label for the target", json_schema_extra={"accepted": "non-empty text"})


class JourneyMapSpec(_Node):
    """The intended journey: its stages in order, the goal, and what resolves or closes a request."""

    name: Optional[Union[NonEmpty, int, float]] = Field(
        None, description="the map's title (default: 'journey map')",
        json_schema_extra={"accepted": "text"})
    description: Optional[str] = Field(
        None, description="free text, kept for the reader", json_schema_extra={"accepted": "text"})
    goal: TextList = Field(
        min_length=1, description="the touchpoints that mean the journey succeeded",
        json_schema_extra={"accepted": "a touchpoint activity or a non-empty list of them"})
    resolution: Optional[TextList] = Field(
        None, description="the touchpoints that resolve the request (default: the goal); a step after "
                          "a resolution that is not closure is a reopen",
        json_schema_extra={"accepted": "a touchpoint activity or a non-empty list of them"})
    closure: Optional[TextList] = Field(
        None, description="steps that may follow a resolution without reopening the case; the goal is "
                          "always one (default: the goal and every touchpoint the map places after a "
                          "resolution touchpoint)",
        json_schema_extra={"accepted": "a touchpoint activity or a non-empty list of them"})
    stages: list[Any] = Field(
        min_length=1, description="the stages in journey order",
        json_schema_extra={"accepted": "a non-empty list of stages, each {name: ..., touchpoints: [...]}"})
    sla: list[Any] = Field(
        default_factory=list, description="time targets; a case past a target is an SLA breach",
        json_schema_extra={"accepted": "a list of {from, to, within} or {stage, within}"})


SECTIONS = (
    ("Map", JourneyMapSpec),
    ("Stage (an item of `stages`)", StageSpec),
    ("Group (an item of `touchpoints` that has its own `touchpoints`)", GroupSpec),
    ("Touchpoint (an item of `touchpoints`)", TouchpointSpec),
    ("SLA (an item of `sla`)", SLASpec),
)


def keys(model):
    """The YAML keys a node of ``model`` accepts, in schema order (aliases where given).

    >>> keys(SLASpec)
    ['from', 'to', 'stage', 'within', 'name']
    """
    return [info.alias or name for name, info in model.model_fields.items()]


def accepted(model, key):
    """What ``key`` of ``model`` accepts, in words."""
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return (info.json_schema_extra or {}).get("accepted", "")
    return ""


def validation_message(exc, where, model):
    """A pydantic ``ValidationError`` on one node as one sentence naming ``where`` and the fix.

    Unknown keys are listed together with the accepted ones; any other problem names the key, the
    value given and what the schema accepts.
    """
    errors = exc.errors()
    extra = [e["loc"][0] for e in errors if e["type"] == "extra_forbidden" and len(e["loc"]) == 1]
    if extra:
        return f"{where}: unknown key(s) {extra}; allowed keys are {keys(model)}."
    err = errors[0]
    key = err["loc"][0] if err["loc"] else None
    if err["type"] == "missing":
        return f"{where}: missing '{key}' ({accepted(model, key)})."
    given = err.get("input")
    what = accepted(model, key)
    if err["type"] == "literal_error":
        return f"{where}: '{key}' is {given!r}; it must be one of {choices(model, key)}."
    if err["type"].startswith("bool"):
        return f"{where}: '{key}' must be true or false; got {given!r}."
    return f"{where}: '{key}' must be {what}; got {given!r}."


def choices(model, key):
    """The values a ``Literal`` key of ``model`` accepts.

    >>> choices(GroupSpec, "order")
    ['sequence', 'choice', 'parallel', 'loop']
    """
    annotation = model.model_fields[key].annotation
    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is Literal:
            return list(typing.get_args(arg))
    return []


def _default(info):
    if info.is_required():
        return "required"
    if info.default_factory is not None:
        return "empty"
    return "none" if info.default is None else f"`{info.default!r}`".replace("`False`", "`false`")


def journey_map_reference() -> str:
    """The journey-map key reference as Markdown (the text of docs/JOURNEYMAP.md), from the schema.

    >>> "| `automatic` |" in journey_map_reference()
    True
    """
    out = [
        "# The intended journey map: key reference",
        "",
        "Generated from the schema in `journeymining/journeymap/schema.py` by",
        "`journeymining.journeymap.schema.journey_map_reference()`; do not edit by hand",
        "(`python -c \"from journeymining.journeymap.schema import journey_map_reference as r; print(r())\"",
        "> docs/JOURNEYMAP.md`).",
        "",
        "A journey map is YAML (or a BPMN 2.0 file, see `JourneyMap.from_bpmn`). Checks across nodes:",
        "every activity is a touchpoint once; stage names are unique; `goal`, `resolution`, `closure`",
        "and the SLA's `from`/`to` name touchpoints and `stage` names a stage; an SLA has either `stage`",
        "or both `from` and `to`, and `from` differs from `to`. Measures that use these keys are defined",
        "in [DEFINITIONS.md](DEFINITIONS.md).",
        "",
        "## Example",
        "",
        "```yaml",
        "name: Support journey",
        "goal: [Close ticket]",
        "resolution: [Send answer]",
        "stages:",
        "  - name: Contact",
        "    order: choice",
        "    touchpoints:",
        "      - {activity: Start chat, channel: chat, actor: frontstage, team: L1, contact: true}",
        "      - {activity: Send e-mail, channel: e-mail, actor: frontstage, team: L1, contact: true}",
        "  - name: Resolve",
        "    touchpoints:",
        "      - {activity: Investigate, actor: backstage, team: L2, optional: true, repeatable: true}",
        "      - {activity: Send answer, channel: e-mail, actor: frontstage, team: L1}",
        "      - {activity: Close ticket, actor: backstage, team: L1, automatic: true}",
        "sla:",
        "  - {from: Start chat, to: Send answer, within: 4h}",
        "  - {stage: Resolve, within: 1d}",
        "```",
        "",
    ]
    for title, model in SECTIONS:
        out += [f"## {title}", "", model.__doc__.strip(), "",
                "| key | accepts | default | meaning |", "|---|---|---|---|"]
        for name, info in model.model_fields.items():
            extra = info.json_schema_extra or {}
            out.append(f"| `{info.alias or name}` | {extra.get('accepted', '')} | {_default(info)} | "
                       f"{info.description or ''} |")
        out.append("")
    return "\n".join(out).rstrip("\n")

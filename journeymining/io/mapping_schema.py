"""The mapping schema: pydantic models of every mapping key, and their errors as sentences.

Each section of a mapping (``source``, ``case``, ``timestamp``, ``activity``, ``track``, ...) is a
frozen pydantic model whose field descriptions list the accepted forms (they are also the text of
docs/MAPPING.md, see :func:`journeymining.io.mapping.mapping_reference`). :func:`raise_schema_error`
turns a pydantic ``ValidationError`` into a :class:`~journeymining.core.errors.MappingError` naming
the key path, what was given and what is accepted, with the closest known key (:func:`suggest`).
"""

from __future__ import annotations

import codecs
import difflib
import re
import typing
from typing import Annotated, Literal, Optional, Union

import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from journeymining.core.errors import MappingError

#: ``timestamp.format`` values that are not strftime patterns.
SPECIAL_FORMATS = ("ISO8601", "iso8601", "mixed", "epoch_s", "epoch_ms", "epoch_us")
_STRFTIME = set("aAwdbBmyYHIpMSfzZjUWcxXGuVeklnPrsTtDFRhCgLNsEO%:")
_DIRECTIVE = re.compile(r"%[-#_^0]?(.)", re.DOTALL)


# ---------------------------------------------------------------------------------------------
# the schema: every key, its accepted forms (the field description) and its default


def _column(value):
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict, tuple, set)):
        raise ValueError("must be a column name (text)")
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("must be a column name (text)")
    if not value.strip():
        raise ValueError("must be a column name, not empty")
    return value


def _text(value):
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict, tuple, set)):
        raise ValueError("must be text")
    return str(value) if isinstance(value, (int, float)) else value


def _listify(value):
    return [value] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else value


Column = Annotated[str, BeforeValidator(_column)]
Text = Annotated[str, BeforeValidator(_text)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSpec(_Section):
    """How the export file is read."""

    format: Optional[Literal["csv", "parquet", "excel", "jsonl", "xes"]] = Field(
        None, description="one of csv, parquet, excel, jsonl, xes (default: from the file extension)")
    delimiter: Optional[str] = Field(
        None, description="one character separating CSV fields, e.g. ',' ';' '|' or '\\t' (default: sniffed)")
    encoding: str = Field("utf-8", description="a Python codec name, e.g. utf-8, latin-1, cp1252, utf-16")
    sheet: Optional[Union[int, str]] = Field(None, description="Excel sheet name or 0-based number (default: first)")
    skip_rows: int = Field(0, ge=0, strict=True, description="a whole number >= 0: lines before the CSV header")
    na_values: list[Text] = Field(
        default_factory=list,
        description="a list of markers meaning 'empty' in every column, e.g. ['?', 'NULL', 'N/A'] "
                    "(each blanked cell is counted in the quality report)")

    @field_validator("delimiter", mode="before")
    @classmethod
    def _delimiter(cls, value):
        if value is None:
            return None
        if value in ("\\t", "tab", "TAB"):
            return "\t"
        if not isinstance(value, str) or len(value) != 1 or value in "\"\r\n":
            raise ValueError("must be one character other than a quote or newline")
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value):
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError("is not a known encoding") from None
        return value

    @field_validator("na_values", mode="before")
    @classmethod
    def _na(cls, value):
        return _listify(value)


class CaseSpec(_Section):
    """What a case (journey) is."""

    id: Column = Field(description="the ticket id column (required)")
    notion: Literal["ticket", "customer"] = Field(
        "ticket", description="'ticket' (a case is a ticket) or 'customer' (a case is a customer's tickets)")
    customer: Optional[Column] = Field(None, description="the customer id column (needed for notion 'customer')")
    gap: Text = Field(
        "30d", description="a duration such as 30m, 4h, 2d, 1w: inactivity that starts a new customer journey")

    @model_validator(mode="after")
    def _customer_needed(self):
        if self.notion == "customer" and not self.customer:
            raise ValueError("case.notion is 'customer' but case.customer (the customer id column) is not set. "
                             "Add e.g. 'customer: customer_id' under 'case'")
        return self


class TimestampSpec(_Section):
    """Which column holds the time and how to read it."""

    column: Optional[Column] = Field(None, description="the time column (required for shapes events and updates)")
    format: Optional[Text] = Field(
        None, description="a strftime pattern such as '%Y-%m-%d %H:%M:%S', or ISO8601, mixed, epoch_s, epoch_ms, "
                          "epoch_us (default: ISO 8601)")
    timezone: Text = Field("UTC", description="an IANA time zone for times without an offset, e.g. Europe/Rome")
    dayfirst: bool = Field(False, strict=True, description="true or false: with format 'mixed', 01/02 is 1 February")

    @field_validator("format")
    @classmethod
    def _format(cls, value):
        if value is None or value in SPECIAL_FORMATS:
            return value
        directives = _DIRECTIVE.findall(value)
        if not directives:
            raise ValueError("is neither a strftime pattern (with % directives such as %Y) nor one of "
                             + ", ".join(SPECIAL_FORMATS))
        unknown = sorted({d for d in directives if d not in _STRFTIME})
        if unknown:
            raise ValueError(f"has unknown directive(s) {', '.join('%' + d for d in unknown)}; use %Y %m %d %H %M "
                             "%S %f %z %b ... (Python strftime)")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value):
        try:
            pd.Timestamp("2024-01-01").tz_localize(value)
        except Exception:
            raise ValueError("is not a known time zone. Use an IANA name such as 'Europe/Rome' or 'UTC'") from None
        return value


class ActivitySpec(_Section):
    """The activity of an event: one column, or several joined."""

    column: Optional[Column] = Field(None, description="the activity / status column")
    columns: Optional[list[Column]] = Field(
        None, min_length=1, description="several columns joined into one activity, e.g. [concept:name, "
                                        "lifecycle:transition]")
    join: Text = Field(" ", description="text put between the values of 'columns' (default: a space)")

    @model_validator(mode="after")
    def _one(self):
        if (self.column is None) == (self.columns is None):
            raise ValueError("needs exactly one of 'column' and 'columns'")
        return self


class ValueOrColumn(_Section):
    """A column, or a constant value for every event."""

    column: Optional[Column] = Field(None, description="the column")
    value: Optional[Text] = Field(None, description="a constant for every event, e.g. e-mail")

    @model_validator(mode="after")
    def _one(self):
        if (self.column is None) == (self.value is None):
            raise ValueError("needs exactly one of 'column' and 'value'")
        return self


class AttributeSpec(_Section):
    """An event attribute from a column, optionally only on the events of one activity."""

    column: Column = Field(description="the input column")
    at: Optional[Text] = Field(None, description="an activity: the value is put only on that activity's events")


class TouchpointSpec(_Section):
    """What an activity means in the customer journey."""

    touchpoint: Optional[Text] = Field(None, description="the touchpoint name")
    stage: Optional[Text] = Field(None, description="the journey stage")
    actor: Optional[Literal["frontstage", "backstage"]] = Field(None, description="'frontstage' or 'backstage'")
    channel: Optional[Text] = Field(None, description="the channel of the touchpoint")


class ActivitiesSpec(_Section):
    """The activity dictionary."""

    rename: dict[Text, Text] = Field(default_factory=dict, description="input activity -> output activity")
    allowed: Optional[list[Text]] = Field(None, description="the activities expected (shape events only)")
    unknown: Literal["quarantine", "keep"] = Field(
        "quarantine", description="'quarantine' or 'keep': what happens to activities not in 'allowed'")
    touchpoints: dict[Text, TouchpointSpec] = Field(
        default_factory=dict, description="activity -> {touchpoint, stage, actor, channel}")


class PseudonymizeSpec(_Section):
    """Keyed pseudonymisation (HMAC-SHA256) of identifier columns."""

    columns: Union[list[Column], dict[Column, Text]] = Field(
        default_factory=list, description="a list of columns, or {column: domain} so that columns holding the "
                                          "same kind of id share pseudonyms")
    key_env: Optional[Text] = Field(None, description="an environment variable holding the key (>= 16 bytes)")
    key_file: Optional[Text] = Field(None, description="a file holding the key (>= 16 bytes)")

    @field_validator("columns", mode="before")
    @classmethod
    def _cols(cls, value):
        return [] if value is None else _listify(value)

    @model_validator(mode="after")
    def _key(self):
        if self.columns and not (self.key_env or self.key_file):
            raise ValueError("pseudonymize.columns is set but no key: add 'key_env: JOURNEYMINING_KEY' "
                             "(an environment variable holding a secret) or 'key_file: path/to/key'")
        return self


class TrackSpec(_Section):
    """A column of an update snapshot whose change between two rows of a ticket is an event."""

    activity: Text = Field("{column}: {new}", description="a template using {new}, {old}, {column} and any "
                                                          "input column, e.g. 'Handoff to {new}'")
    group: bool = Field(False, strict=True, description="true: the column holds the team (a change is a handoff)")
    channel: bool = Field(False, strict=True, description="true: the column holds the channel")
    resource: bool = Field(False, strict=True, description="true: the column holds the agent")
    status: bool = Field(False, strict=True, description="true: a change is a status change (event_kind 'status')")


class FirstSpec(_Section):
    """The event of a ticket's first snapshot (shape updates)."""

    activity: Text = Field("Ticket created", description="a template using any input column, e.g. '{state}'; "
                                                         "{new}/{old} do not exist here")

    @field_validator("activity", mode="before")
    @classmethod
    def _column_form(cls, value):
        if isinstance(value, dict) and set(value) == {"column"} and isinstance(value["column"], str):
            return "{" + value["column"] + "}"
        return value


def _shorthand(key, value, into):
    """``timestamp: at`` is ``timestamp: {column: at}`` (and so on for other keys)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return {into: value}
    return value


class MappingSpec(_Section):
    """The whole mapping (top-level keys)."""

    name: Optional[Text] = Field(None, description="a title for the mapping")
    description: Optional[Text] = Field(None, description="free text")
    source: SourceSpec = Field(default_factory=SourceSpec, description="a mapping such as {format: csv, "
                                 "delimiter: ',', encoding: utf-8, na_values: ['?']} (see 'source')")
    shape: Literal["events", "updates", "wide"] = Field(
        "events", description="'events' (a row per activity), 'updates' (a row per ticket snapshot) or "
                              "'wide' (a row per ticket)")
    case: CaseSpec = Field(description="the ticket id column, or {id, notion, customer, gap} (required)")
    timestamp: TimestampSpec = Field(default_factory=TimestampSpec,
                                     description="the time column, or {column, format, timezone, dayfirst}")
    activity: Optional[ActivitySpec] = Field(
        None, description="the activity column, or {column: ...}, or {columns: [...], join: '+'} (required "
                          "for shape events)")
    resource: Optional[Column] = Field(None, description="the agent column")
    group: Optional[Column] = Field(None, description="the team / assignment group column")
    channel: Optional[ValueOrColumn] = Field(None, description="the channel column, or {value: <constant>}")
    attributes: dict[Text, AttributeSpec] = Field(
        default_factory=dict, description="output name -> input column, or {column, at: <activity>}")
    case_attributes: dict[Text, Column] = Field(default_factory=dict, description="output name -> input column "
                                                                                  "(the case's first value)")
    activities: ActivitiesSpec = Field(default_factory=ActivitiesSpec, description="the activity dictionary")
    duplicates: Literal["quarantine", "keep"] = Field(
        "quarantine", description="'quarantine' or 'keep': rows repeating an earlier row in every column")
    pseudonymize: PseudonymizeSpec = Field(default_factory=PseudonymizeSpec,
                                           description="{columns, key_env or key_file}")
    track: dict[Column, TrackSpec] = Field(
        default_factory=dict, description="shape updates: column -> template, or {activity, group, channel, "
                                          "resource, status}")
    first: FirstSpec = Field(default_factory=FirstSpec, description="shape updates: a template, or {activity: ...}")
    events: dict[Column, Text] = Field(default_factory=dict,
                                       description="shape wide: timestamp column -> activity")
    resources: dict[Column, Column] = Field(
        default_factory=dict, description="shape wide: timestamp column -> the agent column of that event")

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data):
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key, into in (("case", "id"), ("timestamp", "column"), ("activity", "column"),
                          ("channel", "column"), ("first", "activity")):
            if key in data:
                data[key] = _shorthand(key, data[key], into)
        if isinstance(data.get("activity"), list):
            raise ValueError("ACTIVITY_LIST")
        for key in ("source", "timestamp", "activities", "pseudonymize", "first"):
            if key in data and data[key] is None:
                del data[key]
        if isinstance(data.get("attributes"), dict):
            data["attributes"] = {k: ({"column": v} if isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                      else v) for k, v in data["attributes"].items()}
        if isinstance(data.get("track"), dict):
            data["track"] = {k: ({} if v is None else {"activity": v} if isinstance(v, str) else v)
                             for k, v in data["track"].items()}
        return data


# ---------------------------------------------------------------------------------------------
# errors: a pydantic error becomes a sentence naming the key path and the accepted forms


def suggest(word, choices):
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def _model_of(annotation):
    """The pydantic model inside an annotation, and whether it sits in a dict (keys come first)."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if origin is dict and args:
        inner, _ = _model_of(args[1])
        return inner, True
    for arg in args:
        inner, in_dict = _model_of(arg)
        if inner is not None:
            return inner, in_dict
    return None, False


def _locate(loc):
    """(dotted key path, FieldInfo of the last field, model at the end) for a pydantic error ``loc``."""
    model, expect_key, info, path = MappingSpec, False, None, []
    for part in loc:
        if expect_key:
            path.append(str(part))
            expect_key = False
            continue
        if model is not None and isinstance(part, str) and part in model.model_fields:
            info = model.model_fields[part]
            path.append(part)
            model, expect_key = _model_of(info.annotation)
            continue
        if isinstance(part, int):
            path[-1:] = [f"{path[-1]}[{part}]"] if path else [f"[{part}]"]
    return ".".join(path) or "mapping", info, model


def _describe(error):
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        where, _, section = _locate(loc[:-1])
        allowed = sorted(section.model_fields) if section is not None else []
        key = loc[-1]
        return f"unknown key {key!r} in '{where}'.{suggest(key, allowed)} Allowed keys: {allowed}."
    path, info, _ = _locate(loc)
    accepted = f" Accepted: {info.description}." if info is not None and info.description else ""
    msg = error["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    msg = re.sub(r" or instance of \w+", "", msg)
    if kind == "missing":
        return f"'{path}' is required.{accepted}"
    if kind.startswith("value_error") and msg.startswith(("case.", "pseudonymize.")):
        return msg + "."
    given = error.get("input")
    shown = repr(given) if len(repr(given)) < 80 else type(given).__name__
    hint = ""
    if kind == "literal_error" and isinstance(given, str):
        hint = suggest(given, re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", ""))))
    return f"'{path}' is {shown}: {msg}.{hint}{accepted}"


def raise_schema_error(exc, origin):
    errors = exc.errors(include_url=False)
    for e in errors:
        if "ACTIVITY_LIST" in e.get("msg", ""):
            raise MappingError(
                f"{origin}: 'activity' is a list. Accepted: the activity column, or {{column: ...}}, or several "
                "columns joined: activity: {columns: [concept:name, lifecycle:transition], join: '+'}.") from None
    # one problem per key path, unknown keys first (they explain the others)
    seen, lines = set(), []
    for e in sorted(errors, key=lambda e: e["type"] != "extra_forbidden"):
        text = _describe(e)
        key = _locate(tuple(e["loc"]))[0]
        if key in seen:
            continue
        seen.add(key)
        lines.append(text)
    more = f" (+{len(lines) - 3} more problems)" if len(lines) > 3 else ""
    raise MappingError(f"{origin}: " + " ".join(lines[:3]) + more) from None

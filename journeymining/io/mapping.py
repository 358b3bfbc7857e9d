"""The declarative ticket mapping: how an export's columns become an event log.

A mapping is a YAML file or a dict (key reference in docs/MAPPING.md, generated from the schema
below by :func:`mapping_reference`). Its structure is validated with pydantic models, so every wrong
type or value is a :class:`~journeymining.core.errors.MappingError` naming the key and its accepted
forms; the columns it names are checked against the input in :mod:`journeymining.io.tickets`, where
the input is known.
"""

from __future__ import annotations

import codecs
import difflib
import os
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from journeymining.core import durations as _durations
from journeymining.core.errors import MappingError

SHAPES = ("events", "updates", "wide")
NOTIONS = ("ticket", "customer")
FORMATS = ("csv", "parquet", "excel", "jsonl", "xes")

#: A mapping file larger than this is refused before YAML parsing (a mapping is a few KiB).
MAX_MAPPING_BYTES = 1 << 20
#: A YAML document that expands (aliases followed) to more nodes than this is refused.
MAX_YAML_NODES = 100_000

#: ``timestamp.format`` values that are not strftime patterns.
SPECIAL_FORMATS = ("ISO8601", "iso8601", "mixed", "epoch_s", "epoch_ms", "epoch_us")
_STRFTIME = set("aAwdbBmyYHIpMSfzZjUWcxXGuVeklnPrsTtDFRhCgLNsEO%:")
_DIRECTIVE = re.compile(r"%[-#_^0]?(.)", re.DOTALL)
#: placeholders of templates: ``{column}``; ``{{`` and ``}}`` are literal braces
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
#: placeholders a tracked change can use besides input columns
CHANGE_PLACEHOLDERS = ("new", "old", "column")


def parse_duration(value, *, where):
    """Parse ``30m``, ``4h``, ``2d``, ``1w`` (or a Timedelta) into a :class:`pandas.Timedelta`.

    >>> parse_duration("36h", where="case.gap")
    Timedelta('1 days 12:00:00')
    """
    return _durations.parse_duration(value, subject=f"{where}: {value!r}", error=MappingError)


def template_fields(template):
    """The placeholder names of a template, in order (``{{``/``}}`` are literal braces).

    >>> template_fields("Handoff to {new} ({assignment_group}) {{not}}")
    ['new', 'assignment_group']
    """
    return [m.group(1) for m in PLACEHOLDER.finditer(str(template)) if m.group(1) is not None]


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
# the validated mapping used by tickets.py


@dataclass(frozen=True)
class TrackedColumn:
    """A column of an update-snapshot table whose change between two rows is an event."""

    column: str
    activity: str = "{column}: {new}"
    group: bool = False      #: the column holds the team: its change is a handoff
    channel: bool = False    #: the column holds the channel
    resource: bool = False   #: the column holds the agent
    status: bool = False     #: a change of the column is a status change (``event_kind`` "status")


@dataclass(frozen=True)
class Mapping:
    """A validated ticket mapping. Build it with :func:`load_mapping`."""

    shape: str
    case_id: str
    timestamp: str | None = None
    timestamp_format: str | None = None
    timezone: str = "UTC"
    dayfirst: bool = False
    activity: str | None = None
    resource: str | None = None
    group: str | None = None
    channel: str | None = None
    channel_value: str | None = None
    notion: str = "ticket"
    customer: str | None = None
    gap: pd.Timedelta = pd.Timedelta(days=30)
    attributes: dict = field(default_factory=dict)
    case_attributes: dict = field(default_factory=dict)
    rename: dict = field(default_factory=dict)
    allowed: tuple | None = None
    unknown: str = "quarantine"
    touchpoints: dict = field(default_factory=dict)
    duplicates: str = "quarantine"
    pseudonymize_columns: tuple = ()
    key_env: str | None = None
    key_file: str | None = None
    track: tuple = ()
    first_activity: str = "Ticket created"
    events: dict = field(default_factory=dict)
    resources: dict = field(default_factory=dict)
    source: dict = field(default_factory=dict)
    origin: str = "<dict>"
    #: markers meaning "empty" in every column (``source.na_values``)
    na_values: tuple = ()
    #: several activity columns joined by ``activity_join`` (``activity: {columns: [...]}``)
    activity_columns: tuple = ()
    activity_join: str = " "
    #: attribute name -> the activity whose events alone carry it (``attributes: {x: {at: ...}}``)
    attributes_at: dict = field(default_factory=dict)

    def replace(self, **changes) -> "Mapping":
        """A copy with some settings changed, e.g. ``m.replace(notion="customer", gap="14d")``.

        >>> m = load_mapping({"case": {"id": "t", "customer": "c"}, "activity": "a", "timestamp": "ts"})
        >>> m.replace(notion="customer", gap="14d").gap
        Timedelta('14 days 00:00:00')
        """
        import dataclasses

        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise MappingError(f"Mapping.replace: unknown setting(s) {sorted(unknown)}.")
        if "gap" in changes:
            changes["gap"] = parse_duration(changes["gap"], where="Mapping.replace(gap=...)")
        if changes.get("notion", self.notion) not in NOTIONS:
            raise MappingError(f"notion must be one of {list(NOTIONS)}, got {changes['notion']!r}.")
        new = dataclasses.replace(self, **changes)
        if new.notion == "customer" and not new.customer:
            raise MappingError("notion 'customer' needs the customer column: replace(customer=...).")
        return new

    @property
    def activity_label(self):
        """The name used for the activity column in messages (joined columns as ``a+b``)."""
        return self.activity or self.activity_join.join(self.activity_columns) or None

    def input_columns(self):
        """Every input column the mapping names, with the mapping key that names it."""
        cols = [("case.id", self.case_id)]
        for key in ("timestamp", "activity", "resource", "group", "channel"):
            if getattr(self, key):
                cols.append((key if key != "timestamp" else "timestamp.column", getattr(self, key)))
        cols += [("activity.columns", c) for c in self.activity_columns]
        if self.customer:
            cols.append(("case.customer", self.customer))
        cols += [(f"attributes.{k}", v) for k, v in self.attributes.items()]
        cols += [(f"case_attributes.{k}", v) for k, v in self.case_attributes.items()]
        cols += [(f"track.{t.column}", t.column) for t in self.track]
        for t in self.track:
            cols += [(f"track.{t.column}.activity placeholder {{{f}}}", f)
                     for f in template_fields(t.activity) if f not in CHANGE_PLACEHOLDERS]
        if self.shape == "updates":
            cols += [(f"first.activity placeholder {{{f}}}", f) for f in template_fields(self.first_activity)]
        cols += [(f"events.{c}", c) for c in self.events]
        cols += [(f"resources.{c}", v) for c, v in self.resources.items()]
        cols += [("pseudonymize.columns", c) for c, _ in self.pseudonymize_columns]
        return cols


# ---------------------------------------------------------------------------------------------
# errors: a pydantic error becomes a sentence naming the key path and the accepted forms


def _suggest(word, choices):
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
        return f"unknown key {key!r} in '{where}'.{_suggest(key, allowed)} Allowed keys: {allowed}."
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
        hint = _suggest(given, re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", ""))))
    return f"'{path}' is {shown}: {msg}.{hint}{accepted}"


def _raise_schema_error(exc, origin):
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


# ---------------------------------------------------------------------------------------------
# reading YAML safely


def _read_yaml(path, origin):
    import yaml

    size = path.stat().st_size
    if size > MAX_MAPPING_BYTES:
        raise MappingError(f"Mapping file {origin} is {size:,} bytes; a mapping is a few KiB (limit "
                           f"{MAX_MAPPING_BYTES:,}). Is it the export instead of the mapping?")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise MappingError(
            f"Mapping file {origin} is not UTF-8 (byte {data[exc.start:exc.start + 1]!r} on line {line}). "
            "Save the mapping as UTF-8 (the export's own encoding goes in 'source: {encoding: ...}')."
        ) from None
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise MappingError(f"Mapping file {origin} is not valid YAML: {exc}") from None
        if node is None:
            return None
        _check_expansion(node, origin)
        try:
            return loader.construct_document(node)
        except yaml.YAMLError as exc:
            raise MappingError(f"Mapping file {origin} is not valid YAML: {exc}") from None
    finally:
        loader.dispose()


def _check_expansion(root, origin):
    """Refuse a YAML document whose aliases expand to more than MAX_YAML_NODES nodes (alias bombs)."""
    import yaml

    sizes, active = {}, set()

    def size(node):
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise MappingError(f"Mapping file {origin} has a YAML alias that refers to itself. Remove the "
                               "&anchor / *alias pair.")
        active.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child)
                if total > MAX_YAML_NODES:
                    break
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
                if total > MAX_YAML_NODES:
                    break
        active.discard(key)
        sizes[key] = total
        if total > MAX_YAML_NODES:
            raise MappingError(
                f"Mapping file {origin} expands to more than {MAX_YAML_NODES:,} values through YAML aliases "
                "(&anchor / *alias), which looks like an alias bomb. Write the mapping without aliases.")
        return total

    import sys

    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, 5000))
        size(root)
    except RecursionError:
        raise MappingError(f"Mapping file {origin} is nested too deeply to be a mapping.") from None
    finally:
        sys.setrecursionlimit(limit)


# ---------------------------------------------------------------------------------------------


def load_mapping(mapping) -> Mapping:
    """Read and validate a ticket mapping.

    Parameters
    ----------
    mapping : str, path, dict or Mapping
        A YAML file (UTF-8), a dict of the same structure, or an already loaded :class:`Mapping`.

    Returns
    -------
    Mapping

    Raises
    ------
    MappingError
        Unknown keys (with the closest known key), missing required keys, wrong types or values
        (naming the key and its accepted forms), a file that is not UTF-8 YAML or expands through
        aliases beyond :data:`MAX_YAML_NODES` values.

    Examples
    --------
    >>> m = load_mapping({"shape": "events", "case": {"id": "ticket"}, "activity": "status",
    ...                   "timestamp": {"column": "at", "timezone": "Europe/Rome"}})
    >>> m.shape, m.case_id, m.timezone
    ('events', 'ticket', 'Europe/Rome')
    >>> load_mapping({"case": "t", "activity": "a", "timestamp": {"column": "at", "format": "%Q"}})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    journeymining.core.errors.MappingError: <dict>: 'timestamp.format' is '%Q': has unknown directive(s) %Q; ...
    """
    if isinstance(mapping, Mapping):
        return mapping
    origin = "<dict>"
    if isinstance(mapping, (str, os.PathLike)):
        path = Path(mapping)
        origin = str(path)
        if not path.exists():
            raise MappingError(f"Mapping file {origin} does not exist. Check the path (cwd: {os.getcwd()}).")
        if path.is_dir():
            raise MappingError(f"Mapping {origin} is a folder; give the mapping's .yaml file.")
        try:
            mapping = _read_yaml(path, origin)
        except RecursionError:
            raise MappingError(f"Mapping file {origin} is nested too deeply to be a mapping (brackets or "
                               "indentation thousands of levels deep). Check that it is the mapping file.") from None
    if not isinstance(mapping, dict):
        raise MappingError(f"{origin}: a mapping must be a dict (YAML mapping), got {type(mapping).__name__}.")
    try:
        spec = MappingSpec.model_validate(mapping)
    except ValidationError as exc:
        _raise_schema_error(exc, origin)
    except RecursionError:
        raise MappingError(f"{origin}: the mapping is nested too deeply to be a mapping.") from None
    return _build(spec, origin)


def _build(spec: MappingSpec, origin) -> Mapping:
    shape = spec.shape
    gap = parse_duration(spec.case.gap, where=f"{origin}: case.gap")
    ts = spec.timestamp
    if shape in ("events", "updates") and not ts.column:
        raise MappingError(f"{origin}: shape '{shape}' needs 'timestamp: {{column: <time column>}}'.")
    if shape == "events" and spec.activity is None:
        raise MappingError(f"{origin}: shape 'events' needs 'activity: <activity or status column>'.")
    acts = spec.activities
    if acts.allowed and shape != "events":
        raise MappingError(
            f"{origin}: activities.allowed applies to shape 'events' (an activity column); shape '{shape}' "
            "derives its activities from the mapping itself. Remove it, or use activities.rename."
        )
    track = []
    if shape == "updates":
        if not spec.track:
            raise MappingError(
                f"{origin}: shape 'updates' needs 'track:', the columns whose change between two "
                "snapshots of a ticket is an event, e.g. track: {state: {activity: '{new}'}}."
            )
        for col, t in spec.track.items():
            track.append(TrackedColumn(column=col, activity=t.activity, group=t.group, channel=t.channel,
                                       resource=t.resource, status=t.status))
        wrong = [f for f in template_fields(spec.first.activity) if f in ("new", "old", "column")]
        if wrong:
            raise MappingError(
                f"{origin}: first.activity {spec.first.activity!r} uses {{{wrong[0]}}}, which exists only for "
                "tracked changes (track.<column>.activity). Use an input column instead, e.g. "
                "first: {activity: '{state}'}, or a fixed text such as 'Ticket created'.")
        empty = [f for t in track for f in template_fields(t.activity) if not f.strip()] + \
            [f for f in template_fields(spec.first.activity) if not f.strip()]
        if empty:
            raise MappingError(f"{origin}: a template has an empty placeholder '{{}}'. Name a column, e.g. "
                               "'{state}', or write literal braces as '{{' and '}}'.")
    elif spec.track or "first" in spec.model_fields_set:
        raise MappingError(f"{origin}: 'track' and 'first' apply to shape 'updates' only (shape is '{shape}'). "
                           "Remove them or set 'shape: updates'.")
    if shape == "wide":
        if not spec.events:
            raise MappingError(
                f"{origin}: shape 'wide' needs 'events:', timestamp column -> activity, e.g. "
                "events: {created_at: Ticket created, resolved_at: Ticket resolved}."
            )
    elif spec.events or spec.resources:
        raise MappingError(f"{origin}: 'events' and 'resources' apply to shape 'wide' only (shape is '{shape}').")
    attributes_at = {k: a.at for k, a in spec.attributes.items() if a.at is not None}
    if shape == "wide":
        known = list(spec.events.values())
        for k, at in attributes_at.items():
            if at not in known:
                raise MappingError(
                    f"{origin}: attributes.{k}.at is {at!r}, which is not an activity of 'events'.{_suggest(at, known)} "
                    f"Activities: {known}.")
    pseudo = spec.pseudonymize
    columns = pseudo.columns
    domains = {c: d for c, d in columns.items()} if isinstance(columns, dict) else {c: c for c in columns}
    channel_col = spec.channel.column if spec.channel else None
    channel_value = spec.channel.value if spec.channel else None
    activity = spec.activity
    source = spec.source.model_dump(exclude_unset=True)
    source.pop("na_values", None)
    return Mapping(
        shape=shape,
        case_id=spec.case.id,
        timestamp=ts.column,
        timestamp_format=ts.format,
        timezone=ts.timezone,
        dayfirst=ts.dayfirst,
        activity=activity.column if activity else None,
        activity_columns=tuple(activity.columns) if activity and activity.columns else (),
        activity_join=activity.join if activity else " ",
        resource=spec.resource,
        group=spec.group,
        channel=channel_col,
        channel_value=channel_value,
        notion=spec.case.notion,
        customer=spec.case.customer,
        gap=gap,
        attributes={k: a.column for k, a in spec.attributes.items()},
        attributes_at=attributes_at,
        case_attributes=dict(spec.case_attributes),
        rename=dict(acts.rename),
        allowed=tuple(acts.allowed) if acts.allowed else None,
        unknown=acts.unknown,
        touchpoints={k: v.model_dump(exclude_none=True) for k, v in acts.touchpoints.items()},
        duplicates=spec.duplicates,
        pseudonymize_columns=tuple(domains.items()),
        key_env=pseudo.key_env,
        key_file=pseudo.key_file,
        track=tuple(track),
        first_activity=spec.first.activity,
        events=dict(spec.events),
        resources=dict(spec.resources),
        source=source,
        na_values=tuple(spec.source.na_values),
        origin=origin,
    )


# ---------------------------------------------------------------------------------------------
# the key reference (docs/MAPPING.md)

_SECTIONS = [("mapping", MappingSpec), ("source", SourceSpec), ("case", CaseSpec), ("timestamp", TimestampSpec),
             ("activity", ActivitySpec), ("channel", ValueOrColumn), ("attributes.<name>", AttributeSpec),
             ("activities", ActivitiesSpec), ("activities.touchpoints.<activity>", TouchpointSpec),
             ("pseudonymize", PseudonymizeSpec), ("track.<column>", TrackSpec), ("first", FirstSpec)]


def _default(info):
    if info.is_required():
        return "required"
    if info.default_factory is not None:
        value = info.default_factory()
        return "empty" if not value or isinstance(value, BaseModel) else repr(value)
    return "none" if info.default is None else f"`{info.default!r}`"


def mapping_reference() -> str:
    """The mapping key reference as Markdown (the text of docs/MAPPING.md), generated from the schema.

    >>> "| `na_values` |" in mapping_reference()
    True
    """
    out = [
        "# The ticket mapping: key reference",
        "",
        "Generated from the schema in `journeymining/mapping.py` by `journeymining.io.mapping.mapping_reference()`;",
        "do not edit by hand (`python -c \"from journeymining.io.mapping import mapping_reference as r; "
        "print(r())\" > docs/MAPPING.md`).",
        "",
        "Short forms: `case: ticket_id` is `case: {id: ticket_id}`; `timestamp: at` is `timestamp: {column: at}`;",
        "`activity: status` is `activity: {column: status}`; `channel: chat_channel` is",
        "`channel: {column: chat_channel}`; `attributes: {csat: score}` is `attributes: {csat: {column: score}}`;",
        "`track: {state: '{new}'}` is `track: {state: {activity: '{new}'}}`; `first: '{state}'` is",
        "`first: {activity: '{state}'}`.",
        "",
        "## Templates",
        "",
        "`track.<column>.activity` and `first.activity` are templates: `{new}` and `{old}` are the tracked",
        "column's value after and before the change, `{column}` its name, and `{any input column}` that",
        "column's value in the same snapshot (`first` has no `{new}`/`{old}`: use `{state}`). `{{` and `}}`",
        "are literal braces. A placeholder naming no column is an error.",
        "",
        "## Event kinds (shape updates)",
        "",
        "Each event of an updates-shape log has `event_kind` (`status` or `change`) and `changed_field`",
        "(the tracked column, `(first)` for the first snapshot). The first snapshot and changes of columns",
        "flagged `status: true` are `status`; when no column is flagged, every tracked column not flagged",
        "`group`, `channel` or `resource` counts as a status column.",
        "",
    ]
    out += [
        "## Example",
        "",
        "A ServiceNow-style audit table (`data/samples/mappings/servicenow_audit.yaml`, trimmed):",
        "",
        "```yaml",
        "source: {format: csv, na_values: ['?']}",
        "shape: updates",
        "case: {id: number, customer: caller_id}",
        "timestamp: {column: sys_updated_on, format: '%Y-%m-%d %H:%M:%S'}",
        "resource: sys_updated_by",
        "first: {activity: '{state}'}",
        "track:",
        "  state: {activity: '{new}', status: true}",
        "  assignment_group: {activity: 'Handoff to {new}', group: true}",
        "attributes: {reopen_count: reopen_count}",
        "```",
        "",
        "```python",
        "import journeymining as jm",
        "conv = jm.tickets_to_event_log('data/samples/servicenow_audit_example.csv',",
        "                               'data/samples/mappings/servicenow_audit.yaml')",
        "print(conv.report)",
        "```",
        "",
    ]
    for title, model in _SECTIONS:
        out += [f"## `{title}`", "", (model.__doc__ or "").strip(), "", "| key | accepted | default |",
                "|---|---|---|"]
        for name, info in model.model_fields.items():
            desc = (info.description or "").replace("|", "\\|")
            out.append(f"| `{name}` | {desc} | {_default(info).replace('|', chr(92) + '|')} |")
        out.append("")
    return "\n".join(out)

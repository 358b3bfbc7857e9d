"""The declarative ticket mapping: how an export's columns become an event log.

A mapping is a YAML file or a dict (key reference in docs/MAPPING.md, generated from the schema
in :mod:`journeymining.io.mapping_schema` by :func:`mapping_reference`). Its structure is validated with pydantic models, so every wrong
type or value is a :class:`~journeymining.core.errors.MappingError` naming the key and its accepted
forms; the columns it names are checked against the input in :mod:`journeymining.io.tickets`, where
the input is known.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ValidationError

from journeymining.core import durations as _durations
from journeymining.core.errors import MappingError
# the schema's public names stay importable from here
from journeymining.io.mapping_schema import (  # noqa: F401
    SPECIAL_FORMATS,
    ActivitiesSpec,
    ActivitySpec,
    AttributeSpec,
    CaseSpec,
    Column,
    FirstSpec,
    MappingSpec,
    PseudonymizeSpec,
    SourceSpec,
    Text,
    TimestampSpec,
    TouchpointSpec,
    TrackSpec,
    ValueOrColumn,
    raise_schema_error,
    suggest,
)
from journeymining.io.templates import CHANGE_PLACEHOLDERS, PLACEHOLDER, template_fields  # noqa: F401

SHAPES = ("events", "updates", "wide")
NOTIONS = ("ticket", "customer")
FORMATS = ("csv", "parquet", "excel", "jsonl", "xes")

#: A mapping file larger than this is refused before YAML parsing (a mapping is a few KiB).
MAX_MAPPING_BYTES = 1 << 20
#: A YAML document that expands (aliases followed) to more nodes than this is refused.
MAX_YAML_NODES = 100_000


def parse_duration(value, *, where):
    """Parse ``30m``, ``4h``, ``2d``, ``1w`` (or a Timedelta) into a :class:`pandas.Timedelta`.

    >>> parse_duration("36h", where="case.gap")
    Timedelta('1 days 12:00:00')
    """
    return _durations.parse_duration(value, subject=f"{where}: {value!r}", error=MappingError)


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
        raise_schema_error(exc, origin)
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
                    f"{origin}: attributes.{k}.at is {at!r}, which is not an activity of 'events'.{suggest(at, known)} "
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

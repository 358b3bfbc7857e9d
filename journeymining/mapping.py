"""The declarative ticket mapping: how an export's columns become an event log.

A mapping is a YAML file or a dict (format in README.md, "The mapping format"). It is checked
here on its own (unknown keys, bad values); the columns it names are checked against the input in
:mod:`journeymining.tickets`, where the input is known.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import _durations
from .errors import MappingError

SHAPES = ("events", "updates", "wide")
NOTIONS = ("ticket", "customer")
FORMATS = ("csv", "parquet", "excel", "jsonl", "xes")

_TOP_KEYS = {
    "name", "description", "source", "shape", "case", "timestamp", "activity", "resource", "group",
    "channel", "attributes", "case_attributes", "activities", "duplicates", "pseudonymize", "track",
    "first", "events", "resources",
}
_SECTION_KEYS = {
    "source": {"format", "delimiter", "encoding", "sheet", "skip_rows"},
    "case": {"id", "notion", "customer", "gap"},
    "timestamp": {"column", "format", "timezone", "dayfirst"},
    "activities": {"rename", "allowed", "unknown", "touchpoints"},
    "pseudonymize": {"columns", "key_env", "key_file"},
    "first": {"activity"},
}
_TOUCHPOINT_KEYS = {"touchpoint", "stage", "actor", "channel"}
_TRACK_KEYS = {"activity", "group", "channel", "resource"}



def parse_duration(value, *, where):
    """Parse ``30m``, ``4h``, ``2d``, ``1w`` (or a Timedelta) into a :class:`pandas.Timedelta`.

    >>> parse_duration("36h", where="case.gap")
    Timedelta('1 days 12:00:00')
    """
    return _durations.parse_duration(value, subject=f"{where}: {value!r}", error=MappingError)


@dataclass(frozen=True)
class TrackedColumn:
    """A column of an update-snapshot table whose change between two rows is an event."""

    column: str
    activity: str = "{column}: {new}"
    group: bool = False      #: the column holds the team: its change is a handoff
    channel: bool = False    #: the column holds the channel
    resource: bool = False   #: the column holds the agent


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

    def input_columns(self):
        """Every input column the mapping names, with the mapping key that names it."""
        cols = [("case.id", self.case_id)]
        for key in ("timestamp", "activity", "resource", "group", "channel"):
            if getattr(self, key):
                cols.append((key if key != "timestamp" else "timestamp.column", getattr(self, key)))
        if self.customer:
            cols.append(("case.customer", self.customer))
        cols += [(f"attributes.{k}", v) for k, v in self.attributes.items()]
        cols += [(f"case_attributes.{k}", v) for k, v in self.case_attributes.items()]
        cols += [(f"track.{t.column}", t.column) for t in self.track]
        cols += [(f"events.{c}", c) for c in self.events]
        cols += [(f"resources.{c}", v) for c, v in self.resources.items()]
        cols += [("pseudonymize.columns", c) for c, _ in self.pseudonymize_columns]
        return cols


def _suggest(word, choices):
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def _check_keys(section, given, allowed, origin):
    if not isinstance(given, dict):
        raise MappingError(f"{origin}: '{section}' must be a mapping of keys, got {given!r}.")
    for key in given:
        if key not in allowed:
            raise MappingError(
                f"{origin}: unknown key {key!r} in '{section}'.{_suggest(key, allowed)} "
                f"Allowed keys: {sorted(allowed)}."
            )


def _column_or_value(spec, key, origin):
    """``channel: chat_channel`` names a column; ``channel: {value: e-mail}`` is a constant."""
    if spec is None:
        return None, None
    if isinstance(spec, dict):
        _check_keys(key, spec, {"value", "column"}, origin)
        return spec.get("column"), spec.get("value")
    return str(spec), None


def load_mapping(mapping) -> Mapping:
    """Read and validate a ticket mapping.

    Parameters
    ----------
    mapping : str, path, dict or Mapping
        A YAML file, a dict of the same structure, or an already loaded :class:`Mapping`.

    Returns
    -------
    Mapping

    Raises
    ------
    MappingError
        Unknown keys (with the closest known key), missing required keys, bad values.

    Examples
    --------
    >>> m = load_mapping({"shape": "events", "case": {"id": "ticket"}, "activity": "status",
    ...                   "timestamp": {"column": "at", "timezone": "Europe/Rome"}})
    >>> m.shape, m.case_id, m.timezone
    ('events', 'ticket', 'Europe/Rome')
    """
    if isinstance(mapping, Mapping):
        return mapping
    origin = "<dict>"
    if isinstance(mapping, (str, os.PathLike)):
        path = Path(mapping)
        origin = str(path)
        if not path.exists():
            raise MappingError(f"Mapping file {origin} does not exist. Check the path (cwd: {os.getcwd()}).")
        import yaml

        try:
            mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise MappingError(f"Mapping file {origin} is not valid YAML: {exc}") from None
    if not isinstance(mapping, dict):
        raise MappingError(f"{origin}: a mapping must be a dict (YAML mapping), got {type(mapping).__name__}.")
    _check_keys("mapping", mapping, _TOP_KEYS, origin)
    for section, allowed in _SECTION_KEYS.items():
        if section in mapping and isinstance(mapping[section], dict):
            _check_keys(section, mapping[section], allowed, origin)

    shape = mapping.get("shape", "events")
    if shape not in SHAPES:
        raise MappingError(f"{origin}: shape {shape!r} is not one of {list(SHAPES)}.{_suggest(shape, SHAPES)}")

    case = mapping.get("case")
    if isinstance(case, str):
        case = {"id": case}
    if not isinstance(case, dict) or not case.get("id"):
        raise MappingError(f"{origin}: 'case: {{id: <ticket id column>}}' is required.")
    notion = case.get("notion", "ticket")
    if notion not in NOTIONS:
        raise MappingError(f"{origin}: case.notion {notion!r} must be 'ticket' or 'customer'.")
    if notion == "customer" and not case.get("customer"):
        raise MappingError(
            f"{origin}: case.notion is 'customer' but case.customer (the customer id column) is not set. "
            "Add e.g. 'customer: customer_id' under 'case'."
        )
    gap = parse_duration(case.get("gap", "30d"), where=f"{origin}: case.gap")
    if gap <= pd.Timedelta(0):
        raise MappingError(f"{origin}: case.gap must be positive, got {case.get('gap')!r}.")

    ts = mapping.get("timestamp", {})
    if isinstance(ts, str):
        ts = {"column": ts}
    if not isinstance(ts, dict):
        raise MappingError(f"{origin}: 'timestamp' must be a column name or a mapping, got {ts!r}.")
    timezone = ts.get("timezone", "UTC")
    try:
        pd.Timestamp("2024-01-01").tz_localize(timezone)
    except Exception:
        raise MappingError(
            f"{origin}: timestamp.timezone {timezone!r} is not a known time zone. "
            "Use an IANA name such as 'Europe/Rome' or 'UTC'."
        ) from None

    if shape in ("events", "updates") and not ts.get("column"):
        raise MappingError(f"{origin}: shape '{shape}' needs 'timestamp: {{column: <time column>}}'.")
    if shape == "events" and not mapping.get("activity"):
        raise MappingError(f"{origin}: shape 'events' needs 'activity: <activity or status column>'.")

    acts = mapping.get("activities", {}) or {}
    unknown = acts.get("unknown", "quarantine")
    if unknown not in ("quarantine", "keep"):
        raise MappingError(f"{origin}: activities.unknown must be 'quarantine' or 'keep', got {unknown!r}.")
    touchpoints = acts.get("touchpoints", {}) or {}
    for act, spec in touchpoints.items():
        _check_keys(f"activities.touchpoints.{act}", spec, _TOUCHPOINT_KEYS, origin)
        actor = spec.get("actor")
        if actor is not None and actor not in ("frontstage", "backstage"):
            raise MappingError(
                f"{origin}: activities.touchpoints.{act}.actor is {actor!r}; use 'frontstage' or 'backstage'."
            )
    if acts.get("allowed") and shape != "events":
        raise MappingError(
            f"{origin}: activities.allowed applies to shape 'events' (an activity column); shape '{shape}' "
            "derives its activities from the mapping itself. Remove it, or use activities.rename."
        )
    duplicates = mapping.get("duplicates", "quarantine")
    if duplicates not in ("quarantine", "keep"):
        raise MappingError(f"{origin}: duplicates must be 'quarantine' or 'keep', got {duplicates!r}.")

    track = []
    if shape == "updates":
        raw_track = mapping.get("track")
        if not isinstance(raw_track, dict) or not raw_track:
            raise MappingError(
                f"{origin}: shape 'updates' needs 'track:', the columns whose change between two "
                "snapshots of a ticket is an event, e.g. track: {state: {activity: '{new}'}}."
            )
        for col, spec in raw_track.items():
            spec = {} if spec is None else ({"activity": spec} if isinstance(spec, str) else spec)
            _check_keys(f"track.{col}", spec, _TRACK_KEYS, origin)
            track.append(TrackedColumn(column=str(col), **spec))
    events = {}
    if shape == "wide":
        events = mapping.get("events")
        if not isinstance(events, dict) or not events:
            raise MappingError(
                f"{origin}: shape 'wide' needs 'events:', timestamp column -> activity, e.g. "
                "events: {created_at: Ticket created, resolved_at: Ticket resolved}."
            )
        events = {str(k): str(v) for k, v in events.items()}

    pseudo = mapping.get("pseudonymize", {}) or {}
    columns = pseudo.get("columns", []) or []
    if isinstance(columns, str):
        columns = [columns]
    # a list pseudonymises each column in its own domain; a dict {column: domain} lets columns that
    # hold the same kind of identifier (customer, caller_id) share pseudonyms
    domains = {str(c): str(d) for c, d in columns.items()} if isinstance(columns, dict) else {
        str(c): str(c) for c in columns}
    if columns and not (pseudo.get("key_env") or pseudo.get("key_file")):
        raise MappingError(
            f"{origin}: pseudonymize.columns is set but no key: add 'key_env: JOURNEYMINING_KEY' "
            "(an environment variable holding a secret) or 'key_file: path/to/key'."
        )

    source = mapping.get("source", {}) or {}
    fmt = source.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise MappingError(f"{origin}: source.format {fmt!r} is not one of {list(FORMATS)}.{_suggest(fmt, FORMATS)}")
    channel_col, channel_value = _column_or_value(mapping.get("channel"), "channel", origin)
    for key in ("attributes", "case_attributes", "resources"):
        if not isinstance(mapping.get(key, {}) or {}, dict):
            raise MappingError(f"{origin}: '{key}' must map output names to input columns.")

    return Mapping(
        shape=shape,
        case_id=str(case["id"]),
        timestamp=ts.get("column"),
        timestamp_format=ts.get("format"),
        timezone=timezone,
        dayfirst=bool(ts.get("dayfirst", False)),
        activity=mapping.get("activity"),
        resource=mapping.get("resource"),
        group=mapping.get("group"),
        channel=channel_col,
        channel_value=channel_value,
        notion=notion,
        customer=case.get("customer"),
        gap=gap,
        attributes={str(k): str(v) for k, v in (mapping.get("attributes") or {}).items()},
        case_attributes={str(k): str(v) for k, v in (mapping.get("case_attributes") or {}).items()},
        rename={str(k): str(v) for k, v in (acts.get("rename") or {}).items()},
        allowed=tuple(acts["allowed"]) if acts.get("allowed") else None,
        unknown=unknown,
        touchpoints={str(k): dict(v) for k, v in touchpoints.items()},
        duplicates=duplicates,
        pseudonymize_columns=tuple(domains.items()),
        key_env=pseudo.get("key_env"),
        key_file=pseudo.get("key_file"),
        track=tuple(track),
        first_activity=(mapping.get("first") or {}).get("activity", "Ticket created"),
        events=events,
        resources={str(k): str(v) for k, v in (mapping.get("resources") or {}).items()},
        source=dict(source),
        origin=origin,
    )

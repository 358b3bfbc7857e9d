"""Writing generated tickets as files a user can analyse, with their ticket mappings.

:func:`write_generated` writes the three exports, the ground truth and the intended map
(``intended_journey.yaml``), and the ticket mappings of the three exports
(:func:`ticket_mappings`, ``generated_{events,updates,wide}.yaml``); the YAML is dumped with short
mappings of plain values on one line so that the files read like hand-written ones.
"""

from __future__ import annotations

import yaml as _yaml

from journeymining.core.errors import JourneyMiningError
from journeymining.synth.journey import JOURNEY_MAP, STATUS, UNPLANNED_ACTIVITIES

__all__ = ["write_generated", "write_maps", "ticket_mappings"]


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
    return written + write_maps(map_path, mapping_dir, note=note, timezone=timezone, journey_map=gen.journey_map)


def write_maps(map_path, mapping_dir, *, note="", timezone="Europe/Amsterdam", journey_map=None):
    """Write the intended map (default: the generator's) and the three ticket mappings
    (``generated_{events,updates,wide}.yaml``); returns the paths written."""
    from pathlib import Path

    map_path, mapping_dir = Path(map_path), Path(mapping_dir)
    for folder in (map_path.parent, mapping_dir):
        folder.mkdir(parents=True, exist_ok=True)
    _dump(journey_map if journey_map is not None else JOURNEY_MAP, map_path,
          "# The intended customer-support journey the generated tickets were sampled from.\n" + note)
    written = [map_path]
    for shape, mapping in ticket_mappings(timezone=timezone).items():
        path = mapping_dir / f"generated_{shape}.yaml"
        _dump(mapping, path, f"# Ticket mapping for tickets_{shape}.csv ({shape} shape).\n" + note)
        written.append(path)
    return written

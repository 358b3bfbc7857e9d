"""Write the generated sample data set (deterministic: the seed is fixed).

    python scripts/make_samples.py [--out data/samples] [--tickets 2000] [--seed 2024]

Writes, under ``--out``:

* ``generated/tickets_events.csv``   -- event-history export (one row per event, local time)
* ``generated/tickets_updates.csv``  -- ServiceNow-style audit snapshots (one row per update, UTC)
* ``generated/tickets_wide.csv``     -- one row per ticket with milestone timestamps
* ``generated/truth.csv``            -- per case: persona, goal reached, planted deviation kinds
* ``generated/deviations.csv``       -- one row per planted deviation
* ``intended_journey.yaml``          -- the intended journey map the tickets were sampled from
* ``mappings/generated_{events,updates,wide}.yaml`` -- ticket mappings for the three exports
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from journeymining.generator import JOURNEY_MAP, STATUS, UNPLANNED_ACTIVITIES, generate_tickets

SEED = 2024
N_TICKETS = 2000
TIMEZONE = "Europe/Amsterdam"


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


def mappings():
    """The three ticket mappings, as dicts in the format of docs/ARCHITECTURE.md."""
    touchpoints = _touchpoints()
    events = {
        "name": "Generated support tickets: event-history export",
        "source": {"format": "csv", "delimiter": ",", "encoding": "utf-8"},
        "shape": "events",
        "case": {"id": "ticket_id", "notion": "ticket", "customer": "customer_id", "gap": "30d"},
        "timestamp": {"column": "timestamp", "format": "%Y-%m-%d %H:%M:%S", "timezone": TIMEZONE},
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


class _Dumper(yaml.SafeDumper):
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
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    path.write_text(header + text, encoding="utf-8")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "data" / "samples"))
    ap.add_argument("--tickets", type=int, default=N_TICKETS)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    out = Path(args.out)
    gen_dir = out / "generated"
    map_dir = out / "mappings"
    gen_dir.mkdir(parents=True, exist_ok=True)
    map_dir.mkdir(parents=True, exist_ok=True)

    gen = generate_tickets(args.tickets, random_state=args.seed, timezone=TIMEZONE)
    csat = {"csat": lambda f: f["csat"].astype("Int64")}
    gen.events.assign(**csat).to_csv(gen_dir / "tickets_events.csv", index=False)
    gen.updates.to_csv(gen_dir / "tickets_updates.csv", index=False)
    gen.wide.assign(**csat).to_csv(gen_dir / "tickets_wide.csv", index=False)
    gen.truth.to_csv(gen_dir / "truth.csv", index=False)
    gen.deviations.to_csv(gen_dir / "deviations.csv", index=False)

    note = (f"# Written by scripts/make_samples.py (generate_tickets({args.tickets}, random_state={args.seed})).\n"
            "# Do not edit by hand: change journeymining/generator.py and run the script again.\n")
    _dump(gen.journey_map, out / "intended_journey.yaml",
          "# The intended customer-support journey the generated tickets were sampled from.\n" + note)
    for shape, mapping in mappings().items():
        _dump(mapping, map_dir / f"generated_{shape}.yaml",
              f"# Ticket mapping for data/samples/generated/tickets_{shape}.csv ({shape} shape).\n" + note)
    for p in sorted(gen_dir.iterdir()):
        print(f"{p}  {p.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

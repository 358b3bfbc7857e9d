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

from journeymining.synth import generate_tickets, write_generated

SEED = 2024
N_TICKETS = 2000
TIMEZONE = "Europe/Amsterdam"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "data" / "samples"))
    ap.add_argument("--tickets", type=int, default=N_TICKETS)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    out = Path(args.out)
    gen = generate_tickets(args.tickets, random_state=args.seed, timezone=TIMEZONE)
    note = (f"# Written by scripts/make_samples.py (generate_tickets({args.tickets}, random_state={args.seed})).\n"
            "# Do not edit by hand: change journeymining/generator.py and run the script again.\n")
    written = write_generated(gen, out, data_dir=out / "generated", note=note, timezone=TIMEZONE)
    for p in written:
        print(f"{p}  {p.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

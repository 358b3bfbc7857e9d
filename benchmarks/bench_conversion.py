"""Benchmark: tickets -> event log -> variant table -> DFG, next to pm4py on the same log.

For each size (default 100,000 and 1,000,000 generated tickets) the raw event-history export is
generated once (not timed) and written to Parquet, then two child processes are timed, each on a
fresh interpreter so that peak memory (ru_maxrss) belongs to one pipeline only:

* journeymining: ``tickets_to_event_log`` (parse, validate, account for every row, UTC)
  + ``variant_table`` + ``discover_dfg``;
* pm4py: ``pd.to_datetime`` + ``pm4py.format_dataframe`` + ``pm4py.get_variants``
  + ``pm4py.discover_dfg`` on the same export (pm4py does no row-level validation).

Usage: python benchmarks/bench_conversion.py [--sizes 100000 1000000] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _peak_gb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB -> GiB


def run_ours(export, mapping):
    import pandas as pd

    from journeymining import discover_dfg, variant_table
    from journeymining import tickets_to_event_log

    raw = pd.read_parquet(export)
    t0 = time.perf_counter()
    conv = tickets_to_event_log(raw, mapping)
    t1 = time.perf_counter()
    variants = variant_table(conv.log)
    t2 = time.perf_counter()
    dfg = discover_dfg(conv.log)
    t3 = time.perf_counter()
    return {"convert_s": t1 - t0, "variants_s": t2 - t1, "dfg_s": t3 - t2, "total_s": t3 - t0,
            "events": len(conv.log), "variants": len(variants), "dfg_edges": len(dfg),
            "quarantined": int(conv.report.summary.at["quarantined", "rows"]), "peak_gb": _peak_gb()}


def run_pm4py(export, mapping):
    import pandas as pd
    import pm4py

    from journeymining import load_mapping

    m = load_mapping(mapping)
    raw = pd.read_parquet(export)
    t0 = time.perf_counter()
    raw[m.timestamp] = pd.to_datetime(raw[m.timestamp], format=m.timestamp_format)
    log = pm4py.format_dataframe(raw, case_id=m.case_id, activity_key=m.activity, timestamp_key=m.timestamp)
    t1 = time.perf_counter()
    variants = pm4py.get_variants(log)
    t2 = time.perf_counter()
    dfg, _, _ = pm4py.discover_dfg(log)
    t3 = time.perf_counter()
    return {"convert_s": t1 - t0, "variants_s": t2 - t1, "dfg_s": t3 - t2, "total_s": t3 - t0,
            "events": len(log), "variants": len(variants), "dfg_edges": len(dfg), "peak_gb": _peak_gb()}


def _child(which, export, mapping):
    cmd = [sys.executable, __file__, "--child", which, "--export", str(export), "--mapping", str(mapping)]
    env = {**os.environ, "JOURNEYMINING_PROGRESS": "0", "PM4PY_SHOW_PROGRESS_BAR": "False"}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{which} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-pm4py", action="store_true")
    parser.add_argument("--child", choices=["ours", "pm4py"])
    parser.add_argument("--export")
    parser.add_argument("--mapping")
    args = parser.parse_args()
    if args.child:
        result = (run_ours if args.child == "ours" else run_pm4py)(args.export, args.mapping)
        print(json.dumps(result))
        return

    from journeymining import generate_tickets

    mapping = ROOT / "data" / "samples" / "mappings" / "generated_events.yaml"
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            t = time.perf_counter()
            gen = generate_tickets(n, random_state=args.seed, shapes=("events",))
            export = Path(tmp) / f"tickets_{n}.parquet"
            gen.events.to_parquet(export)
            print(f"\n{n:,} tickets -> {len(gen.events):,} export rows (generated in {time.perf_counter() - t:.1f} s)")
            del gen
            ours = _child("ours", export, mapping)
            print(f"  journeymining  convert {ours['convert_s']:6.1f} s  variants {ours['variants_s']:5.1f} s  "
                  f"dfg {ours['dfg_s']:5.1f} s  total {ours['total_s']:6.1f} s  peak {ours['peak_gb']:.2f} GiB  "
                  f"({ours['events']:,} events, {ours['variants']:,} variants, {ours['quarantined']:,} rows quarantined)")
            if not args.skip_pm4py:
                theirs = _child("pm4py", export, mapping)
                print(f"  pm4py          convert {theirs['convert_s']:6.1f} s  variants {theirs['variants_s']:5.1f} s  "
                      f"dfg {theirs['dfg_s']:5.1f} s  total {theirs['total_s']:6.1f} s  peak {theirs['peak_gb']:.2f} GiB  "
                      f"({theirs['events']:,} events, {theirs['variants']:,} variants)")
                print(f"  ratio pm4py / journeymining total time: {theirs['total_s'] / ours['total_s']:.2f}x")


if __name__ == "__main__":
    main()

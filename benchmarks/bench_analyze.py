"""Benchmark of the main job: ``analyze`` on generated tickets, next to a hand-written pm4py pipeline.

Usage::

    .venv/bin/python benchmarks/bench_analyze.py                    # 1,000,000 tickets; pm4py on 100,000
    .venv/bin/python benchmarks/bench_analyze.py --tickets 100000 --pm4py-tickets 20000
    .venv/bin/python benchmarks/bench_analyze.py --skip-pm4py

    # against an earlier commit, on the same file, alternating (old, new) for 2 rounds:
    git worktree add /tmp/baseline b6e13c1
    .venv/bin/python benchmarks/bench_analyze.py --skip-pm4py --baseline /tmp/baseline --rounds 2

The tickets are generated first (not timed) and written as a Parquet event export with its
mapping. Each measured run is a fresh Python process that reads that file, so its wall time and
peak resident memory (``ru_maxrss`` of the child) are those of the job alone:

* ``analyze``: :func:`journeymining.pipeline.analyze` with the intended journey map (conversion,
  variants, discovery, conformance, clusters, KPIs, CX map, pain points, HTML report). Target:
  1,000,000 tickets in under 60 s and under 6 GB.
* ``--baseline DIR``: the same ``analyze`` run from another checkout of journeymining (an
  earlier commit) on the same file, alternating with the current one for ``--rounds`` rounds,
  since figures from different sittings on this machine differ by up to a third. The
  baseline gets the intended map without the keys it may not know (``resolution``, and the
  touchpoints' ``contact`` and ``automatic``).
* ``pm4py``: what one writes by hand with pm4py's simplified interface (no alignments): format
  the dataframe, variants, DFG with performance, inductive miner, token-based replay fitness
  and precision against the discovered net, case durations, and a DFG and BPMN drawing.
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


def _mapping(journey_map, path):
    from journeymining import JourneyMap

    jm = JourneyMap.from_dict(journey_map)
    touchpoints = {r.activity: {"stage": r.stage, "actor": r.actor}
                   for r in jm.touchpoint_table().itertuples()}
    return {"source": {"format": "parquet"}, "shape": "events",
            "case": {"id": "ticket_id", "customer": "customer_id"}, "activity": "activity",
            "timestamp": {"column": "timestamp", "timezone": "Europe/Amsterdam"},
            "resource": "agent", "group": "team", "channel": "channel",
            "attributes": {"csat": "csat"}, "activities": {"touchpoints": touchpoints}}


def prepare(n, folder, seed=0):
    """Generate ``n`` tickets and write events.parquet, mapping.json and map.json to ``folder``."""
    from journeymining import generate_tickets

    gen = generate_tickets(n, random_state=seed, shapes=("events",))
    folder.mkdir(parents=True, exist_ok=True)
    gen.events.to_parquet(folder / "events.parquet", index=False)
    (folder / "mapping.json").write_text(json.dumps(_mapping(gen.journey_map, folder)))
    (folder / "map.json").write_text(json.dumps(gen.journey_map))
    return len(gen.events)


def _child_analyze(folder, out, alignments=True):
    from journeymining import analyze

    mapping = json.loads((folder / "mapping.json").read_text())
    jm = json.loads((folder / "map.json").read_text())
    t = time.perf_counter()
    result = analyze(folder / "events.parquet", mapping, journey_map=jm, out_dir=out,
                     alignments=alignments)
    wall = time.perf_counter() - t
    return {"seconds": wall, "timings": result.timings, "events": len(result.log),
            "cases": int(result.log["case:concept:name"].nunique()), "notes": result.notes}


def _child_pm4py(folder, out):
    import warnings

    import pandas as pd
    import pm4py

    warnings.filterwarnings("ignore")
    t = time.perf_counter()
    timings = {}

    def lap(name, t0):
        timings[name] = time.perf_counter() - t0
        return time.perf_counter()

    t0 = time.perf_counter()
    raw = pd.read_parquet(folder / "events.parquet")
    raw["timestamp"] = pd.to_datetime(raw["timestamp"]).dt.tz_localize(
        "Europe/Amsterdam", ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert("UTC")
    log = pm4py.format_dataframe(raw, case_id="ticket_id", activity_key="activity",
                                 timestamp_key="timestamp")
    t0 = lap("read + format", t0)
    variants = pm4py.get_variants(log)
    t0 = lap("variants", t0)
    dfg, sa, ea = pm4py.discover_dfg(log)
    perf = pm4py.discover_performance_dfg(log)
    t0 = lap("dfg", t0)
    net, im, fm = pm4py.discover_petri_net_inductive(log, noise_threshold=0.2)
    t0 = lap("inductive miner", t0)
    fitness = pm4py.fitness_token_based_replay(log, net, im, fm)
    t0 = lap("token replay fitness", t0)
    precision = pm4py.precision_token_based_replay(log, net, im, fm)
    t0 = lap("token replay precision", t0)
    durations = pm4py.get_all_case_durations(log)
    t0 = lap("case durations", t0)
    pm4py.save_vis_dfg(dfg, sa, ea, str(out / "dfg.svg"))
    pm4py.save_vis_bpmn(pm4py.convert_to_bpmn(net, im, fm), str(out / "bpmn.svg"))
    lap("drawings", t0)
    wall = time.perf_counter() - t
    del perf, durations
    return {"seconds": wall, "timings": timings, "variants": len(variants),
            "fitness": fitness.get("log_fitness"), "precision": precision}


def child(kind, folder, out):
    out.mkdir(parents=True, exist_ok=True)
    if kind.startswith("analyze"):
        res = _child_analyze(folder, out, alignments=kind != "analyze-no-alignments")
    else:
        res = _child_pm4py(folder, out)
    res["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    print("RESULT " + json.dumps(res))


def baseline_input(folder, base):
    """A folder for the baseline run: the same events and mapping, the map without newer keys."""
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("resolution", "contact", "automatic")}
        return [strip(v) for v in x] if isinstance(x, list) else x

    base.mkdir(parents=True, exist_ok=True)
    for name in ("events.parquet", "mapping.json"):
        target = base / name
        if not target.exists():
            target.symlink_to((folder / name).resolve())
    (base / "map.json").write_text(json.dumps(strip(json.loads((folder / "map.json").read_text()))))
    return base


def run(kind, folder, out, tree=ROOT):
    """One measured child process; ``tree`` is the journeymining checkout it imports."""
    env = dict(os.environ, JOURNEYMINING_PROGRESS=os.environ.get("JOURNEYMINING_PROGRESS", "1"),
               PYTHONPATH=str(tree))
    script = Path(tree) / "benchmarks" / "bench_analyze.py"
    proc = subprocess.run([sys.executable, str(script), "--child", kind, str(folder), str(out)],
                          capture_output=True, text=True, env=env, cwd=tree)
    sys.stderr.write(proc.stderr[-4000:] if proc.returncode else "")
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit(f"{kind} run failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--pm4py-tickets", type=int, default=100_000)
    ap.add_argument("--skip-pm4py", action="store_true")
    ap.add_argument("--no-alignments", action="store_true",
                    help="run analyze(..., alignments=False) (conformance without alignment fitness)")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--baseline", type=Path, default=None,
                    help="a checkout of an earlier commit to run analyze from too, on the same file")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of (baseline, current) runs")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kind, folder, out = args.child
        return child(kind, Path(folder), Path(out))
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        t = time.perf_counter()
        events = prepare(args.tickets, work / "analyze")
        print(f"generated {args.tickets:,} tickets ({events:,} events) in "
              f"{time.perf_counter() - t:.1f} s (not timed)", flush=True)
        kind = "analyze-no-alignments" if args.no_alignments else "analyze"
        runs = [("current", ROOT, work / "analyze")]
        if args.baseline is not None:
            runs.insert(0, ("baseline", args.baseline.resolve(), baseline_input(work / "analyze", work / "baseline")))
        for round_ in range(1, args.rounds + 1):
            for label, tree, folder in runs:
                res = run(kind, folder, work / f"{label}-report-{round_}", tree=tree)
                print(f"{kind} ({label}, round {round_}): {res['cases']:,} tickets, {res['events']:,} events: "
                      f"{res['seconds']:.1f} s, peak RSS {res['peak_rss_gb']:.2f} GB", flush=True)
                print("    " + ", ".join(f"{name} {sec:.1f}" for name, sec in res["timings"].items()))
                if res["notes"]:
                    print("    notes:", "; ".join(res["notes"]))
        if not args.skip_pm4py:
            prepare(args.pm4py_tickets, work / "pm4py")
            ref = run("pm4py", work / "pm4py", work / "pm4py-out")
            print(f"pm4py by hand (no alignments): {args.pm4py_tickets:,} tickets: "
                  f"{ref['seconds']:.1f} s, peak RSS {ref['peak_rss_gb']:.2f} GB")
            for name, sec in ref["timings"].items():
                print(f"    {name:<24} {sec:6.1f} s")


if __name__ == "__main__":
    main()

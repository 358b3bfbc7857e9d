"""Benchmark of the engine path: ingest + variant table + DFG from an event-log CSV, side by side.

Usage::

    .venv/bin/python benchmarks/bench_engine.py                     # 1,000,000 tickets
    .venv/bin/python benchmarks/bench_engine.py --tickets 100000 --spark
    .venv/bin/python benchmarks/bench_engine.py --log events.csv    # an event log you have

Not timed: generating the tickets and converting them (``tickets_to_event_log``) into the event
log CSV a user gets from ``journeymining convert`` (pm4py columns, ISO 8601 UTC times). Then, in
one run and one process tree, each of these is a fresh child process on that same file; its wall
time and its peak resident memory (``ru_maxrss`` from ``wait4``, which covers the child and what
it started, such as Spark's JVM) are those of the job alone:

* ``duckdb floor``: hand-written DuckDB SQL, the least any tool on DuckDB can do: load the CSV,
  the variant table (``string_agg`` ordered by time, per case, grouped) and the DFG (``lead``
  window, grouped) with counts and mean / median durations;
* ``journeymining engine (duckdb)``: ``scan`` + ``variants()`` + ``dfg()`` (with the checks and
  the results shaped as the pandas verbs return them), then ``case_variants()`` timed apart;
* ``journeymining discover --engine duckdb``: the CLI: the same plus the inductive miner on the
  variant table, BPMN and four drawings;
* ``journeymining pandas``: ``read_event_log`` + ``variant_table`` + ``discover_dfg``;
* ``pm4py by hand``: ``pandas.read_csv``, ``to_datetime``, ``format_dataframe``,
  ``get_variants``, ``discover_dfg``, ``discover_performance_dfg``;
* ``journeymining engine (spark)`` with ``--spark``: the engine path on local Spark;
* ``journey measures``: every journey measure per case (``case_measures`` with the generator's
  intended map) on the engine (``EngineLog.case_measures(events=False)``, one group of cases
  at a time) and in pandas (``read_event_log`` + ``case_measures``); Spark with ``--spark``;
* ``journey KPIs``: the measures kept in the engine (``EngineLog.measures``: one group of
  customers at a time, written to Parquet) and the KPI tables overall, by month and by channel
  aggregated there (``EngineMeasures.kpis``), against pandas (``read_event_log`` +
  ``case_measures`` + ``aggregate``); Spark with ``--spark``.

The target of issue 10 is engine ≤ 2 × floor.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE, ACT, TS = "case:concept:name", "concept:name", "time:timestamp"


def prepare(n, path, seed=0):
    """Generate ``n`` tickets, convert them with the generator's mapping, write the event log CSV."""
    from journeymining import generate_tickets, tickets_to_event_log
    from journeymining.io.writers import write_log

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_analyze import _mapping

    gen = generate_tickets(n, random_state=seed, shapes=("events",))
    mapping = {k: v for k, v in _mapping(gen.journey_map, None).items() if k != "source"}
    conv = tickets_to_event_log(gen.events, mapping)
    write_log(conv.log, path)
    return len(conv.log), conv.log[CASE].nunique()


def _memory_limit():
    return os.environ.get("JM_BENCH_MEMORY_LIMIT") or None


def _floor(path):
    import duckdb

    con = duckdb.connect()
    if _memory_limit():
        con.execute(f"SET memory_limit = '{_memory_limit()}'")
    where = "'" + str(path).replace("'", "''") + "'"
    con.execute(f"""CREATE TEMP TABLE ev AS SELECT "{CASE}" AS c, "{ACT}" AS a,
                    epoch_ns(CAST("{TS}" AS TIMESTAMPTZ)) AS t FROM read_csv({where}, header = true,
                    all_varchar = true)""")
    variants = con.execute("""SELECT path, count(*) AS cases, min(c) AS example, median(d), avg(d) FROM (
        SELECT c, string_agg(a, '|' ORDER BY t) AS path, max(t) - min(t) AS d FROM ev GROUP BY c)
        GROUP BY path""").df()
    dfg = con.execute("""SELECT a, n, count(*), count(DISTINCT c), avg(d), median(d) FROM (
        SELECT c, a, lead(a) OVER w AS n, lead(t) OVER w - t AS d FROM ev
        WINDOW w AS (PARTITION BY c ORDER BY t)) WHERE n IS NOT NULL GROUP BY a, n""").df()
    return {"variants": len(variants), "edges": len(dfg)}


def _edges(dfg):
    """Activity-to-activity edges of a DFG frame (not its start ▶ and end ■ rows)."""
    return int(((dfg["source"] != "▶") & (dfg["target"] != "■")).sum())


def _engine(path, name):
    from journeymining.engine import connect, scan

    engine = connect(name, memory_limit=_memory_limit())
    log = scan(path, engine, measures=False)
    variants = log.variants()
    dfg = log.dfg()
    t = time.perf_counter()
    cv = log.case_variants()
    return {"variants": len(variants), "edges": _edges(dfg), "case_variants_seconds": time.perf_counter() - t, "cases": len(cv)}


def _settings():
    from journeymining.journeymap import JourneyMap
    from journeymining.measure import JourneySettings

    return JourneySettings.from_map(JourneyMap.from_file(ROOT / "data" / "samples" / "intended_journey.yaml"))


def _engine_measures(path, name):
    from journeymining.engine import connect, scan

    m = scan(path, connect(name, memory_limit=_memory_limit())).case_measures(_settings(), events=False)
    return {"cases": len(m.cases), "goal_reached": float(m.cases["goal_reached"].mean())}


def _engine_kpis(path, name):
    """Measures kept in the engine (one group of customers at a time), KPIs aggregated there."""
    from journeymining.engine import connect, scan

    em = scan(path, connect(name, memory_limit=_memory_limit())).measures(_settings())
    overall = em.kpis()
    by_month, by_channel = em.kpis(by="M"), em.kpis(by="channel")
    return {"cases": int(overall["cases"].iloc[0]), "goal_rate": round(float(overall["goal_rate"].iloc[0]), 6),
            "fcr_rate": round(float(overall["fcr_rate"].iloc[0]), 6), "months": len(by_month),
            "channels": len(by_channel)}


def _pandas_kpis(path):
    from journeymining import read_event_log
    from journeymining.measure import case_measures
    from journeymining.measure.kpis import aggregate

    log = read_event_log(path)
    m = case_measures(log, _settings())
    overall = aggregate(m)
    by_month, by_channel = aggregate(m, by="M"), aggregate(m, by="channel", log=log)
    return {"cases": int(overall["cases"].iloc[0]), "goal_rate": round(float(overall["goal_rate"].iloc[0]), 6),
            "fcr_rate": round(float(overall["fcr_rate"].iloc[0]), 6), "months": len(by_month),
            "channels": len(by_channel)}


def _pandas_measures(path):
    from journeymining import read_event_log
    from journeymining.measure import case_measures

    m = case_measures(read_event_log(path), _settings())
    return {"cases": len(m.cases), "goal_reached": float(m.cases["goal_reached"].mean())}


def _discover_cli(path, out):
    proc = subprocess.run([sys.executable, "-m", "journeymining", "discover", str(path), "--engine", "duckdb",
                           "--out", str(out)], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    return {"printed": proc.stdout.splitlines()[0]}


def _pandas(path):
    from journeymining import read_event_log
    from journeymining.discover import discover_dfg, variant_table

    log = read_event_log(path)
    return {"variants": len(variant_table(log)), "edges": _edges(discover_dfg(log))}


def _pm4py(path):
    import warnings

    import pandas as pd
    import pm4py

    warnings.filterwarnings("ignore")
    raw = pd.read_csv(path, usecols=[CASE, ACT, TS], dtype=str)
    raw[TS] = pd.to_datetime(raw[TS], utc=True, format="ISO8601")
    log = pm4py.format_dataframe(raw, case_id=CASE, activity_key=ACT, timestamp_key=TS)
    variants = pm4py.get_variants(log)
    dfg, _, _ = pm4py.discover_dfg(log)
    pm4py.discover_performance_dfg(log)
    return {"variants": len(variants), "edges": len(dfg)}


KINDS = {
    "duckdb floor": lambda p, o: _floor(p),
    "journeymining engine (duckdb)": lambda p, o: _engine(p, "duckdb"),
    "journeymining discover --engine duckdb": _discover_cli,
    "journeymining pandas": lambda p, o: _pandas(p),
    "pm4py by hand": lambda p, o: _pm4py(p),
    "journeymining engine (spark)": lambda p, o: _engine(p, "spark"),
    "journey measures: engine (duckdb)": lambda p, o: _engine_measures(p, "duckdb"),
    "journey measures: pandas": lambda p, o: _pandas_measures(p),
    "journey measures: engine (spark)": lambda p, o: _engine_measures(p, "spark"),
    "journey KPIs: engine (duckdb)": lambda p, o: _engine_kpis(p, "duckdb"),
    "journey KPIs: pandas": lambda p, o: _pandas_kpis(p),
    "journey KPIs: engine (spark)": lambda p, o: _engine_kpis(p, "spark"),
}


def child(kind, path, out):
    t = time.perf_counter()
    res = KINDS[kind](Path(path), Path(out))
    res["seconds"] = time.perf_counter() - t
    print("RESULT " + json.dumps(res), flush=True)


def run(kind, path, out, memory_limit=None):
    env = dict(os.environ, JOURNEYMINING_PROGRESS="0")
    if memory_limit:
        env["JM_BENCH_MEMORY_LIMIT"] = memory_limit
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        proc = subprocess.Popen([sys.executable, __file__, "--child", kind, str(path), str(out)],
                                stdout=stdout, stderr=stderr, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        text, err = stdout.read(), stderr.read()
    for line in text.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
            res["peak_gib"] = usage.ru_maxrss / 2**20  # KiB -> GiB
            return res
    last = [line for line in err.strip().splitlines() if line.strip()][-1:] or [""]
    return {"failed": f"exit {proc.returncode}: {last[0][:300]}", "seconds": float("nan"),
            "peak_gib": usage.ru_maxrss / 2**20}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--log", type=Path, help="an event-log CSV in pm4py columns instead of generated tickets")
    ap.add_argument("--spark", action="store_true", help="also run the engine on local Spark (needs Java)")
    ap.add_argument("--skip", action="append", default=[], help="a run to leave out (repeatable)")
    ap.add_argument("--only", action="append", default=[], help="run only this one (repeatable)")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--memory-limit", help="DuckDB's (and Spark's) memory limit in the floor and engine runs, e.g. 3GB "
                    "(default: the engine's, 60 %% of the machine)")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--prepare", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(*args.child)
    if args.prepare:
        return prepare(int(args.prepare[0]), Path(args.prepare[1]))
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        path = args.log
        if path is None:
            path = work / f"events_{args.tickets}.csv"
            if not path.exists():
                # in a child: a forked child's ru_maxrss starts at its parent's, so the parent stays small
                t = time.perf_counter()
                subprocess.run([sys.executable, __file__, "--prepare", str(args.tickets), str(path)], check=True)
                print(f"generated and converted {args.tickets:,} tickets ({path.stat().st_size / 1e6:,.0f} MB CSV) "
                      f"in {time.perf_counter() - t:.1f} s (not timed)", flush=True)
        print(f"input: {path} ({path.stat().st_size / 1e6:,.0f} MB)")
        kinds = [k for k in KINDS if (args.spark or "spark" not in k) and k not in args.skip
                 and (not args.only or k in args.only)]
        floor = None
        print(f"{'run':<42} {'seconds':>8} {'× floor':>8} {'peak GiB':>9}  result")
        for kind in kinds:
            res = run(kind, path, work / "discover-out", args.memory_limit)
            floor = floor or (res["seconds"] if kind == "duckdb floor" and "failed" not in res else None)
            ratio = f"{res['seconds'] / floor:.2f}" if floor else "-"
            extra = {k: v for k, v in res.items() if k not in ("seconds", "peak_gib")}
            print(f"{kind:<42} {res['seconds']:8.1f} {ratio:>8} {res['peak_gib']:9.2f}  {extra}", flush=True)


if __name__ == "__main__":
    main()

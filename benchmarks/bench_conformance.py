"""Benchmark: generated tickets against the intended map, alignments included.

Times ``journeymining.conform.compare_to_map`` (alignments once per variant in a process pool,
token replay, precision, generalisation, simplicity and every deviation table) on generated
tickets of each size. At 100,000 tickets (or fewer) it also times pm4py's
``conformance_diagnostics_alignments`` and ``fitness_alignments`` on the same log and the same
Petri net, in the same run. Above 100,000 tickets pm4py is not run (it returns one diagnostics
dict per case, a million Python dicts at 1,000,000 tickets; we have not timed it there), so
larger sizes are timed for journeymining only.

Targets on this machine (2 cores, shared): 100,000 tickets well under 30 s; 1,000,000 tickets
(about 6.9 million events) at most 15 s, so that ``analyze`` on a million tickets fits in 60 s
with the conversion.

Run::

    .venv/bin/python benchmarks/bench_conformance.py                          # 100,000 tickets
    .venv/bin/python benchmarks/bench_conformance.py --sizes 100000 1000000
    .venv/bin/python benchmarks/bench_conformance.py 20000                    # one size, positional
"""

import argparse
import gc
import os
import time
import warnings

os.environ.setdefault("JOURNEYMINING_PROGRESS", "0")

TARGETS = {100_000: 30.0, 1_000_000: 15.0}
PM4PY_MAX = 100_000


def run(n, seed=7, pm4py_too=True, alignments=True):
    from journeymining import compare_to_map
    from journeymining import generate_tickets
    from journeymining import JourneyMap

    t = time.perf_counter()
    g = generate_tickets(n, random_state=seed, shapes=["log"])
    log = g.log
    jm = JourneyMap.from_dict(g.journey_map)
    print(f"generated {n:,} tickets, {len(log):,} events in {time.perf_counter() - t:.1f} s (not timed)",
          flush=True)
    del g

    t = time.perf_counter()
    res = compare_to_map(log, jm, alignments=alignments)
    ours = time.perf_counter() - t
    print(f"compare_to_map{'' if alignments else ' (alignments=False)'}: {ours:.1f} s  "
          f"({len(res.variants):,} variants, {len(res.budget_exceeded)} over budget, "
          f"{len(res.deviations):,} deviations, {os.cpu_count()} cores)", flush=True)
    print("  metrics:", {k: round(v, 4) for k, v in res.metrics().items()})
    target = TARGETS.get(n)
    if target is not None:
        print(f"  target < {target:g} s: {'met' if ours < target else 'NOT met'}")

    if not pm4py_too:
        return ours
    if n > PM4PY_MAX:
        print(f"pm4py: not run at {n:,} tickets (not timed at this size; one diagnostics dict per "
              f"case); it is compared at {PM4PY_MAX:,} tickets")
        return ours
    import pm4py
    from pm4py.util import constants

    constants.SHOW_PROGRESS_BAR = False  # keep pm4py's tqdm bars out of the printed figures
    net, im, fm = jm.to_petri_net()
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        diag = pm4py.conformance_diagnostics_alignments(log, net, im, fm)
    theirs = time.perf_counter() - t
    print(f"pm4py.conformance_diagnostics_alignments: {theirs:.1f} s ({len(diag):,} alignments)")
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pm4py.fitness_alignments(log, net, im, fm)["log_fitness"]
    print(f"pm4py.fitness_alignments: {time.perf_counter() - t:.1f} s, log fitness {fit:.6f} "
          f"(ours {res.fitness_alignments:.6f})")
    return ours


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", nargs="*", type=int, help="ticket counts (same as --sizes)")
    ap.add_argument("--sizes", nargs="+", type=int, default=None,
                    help="ticket counts to run, e.g. --sizes 100000 1000000 (default 100000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-pm4py", action="store_true", help="time journeymining only")
    ap.add_argument("--no-alignments", action="store_true", help="compare_to_map(..., alignments=False)")
    args = ap.parse_args(argv)
    sizes = (args.sizes or []) + args.n or [100_000]
    for i, n in enumerate(sizes):
        if i:
            print()
        run(n, seed=args.seed, pm4py_too=not args.skip_pm4py, alignments=not args.no_alignments)
        gc.collect()


if __name__ == "__main__":
    main()

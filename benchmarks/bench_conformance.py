"""Benchmark: 100,000 generated tickets against the intended map, alignments included.

Times ``journeymining.conformance.compare_to_map`` (alignments once per variant in a process pool,
token replay, precision, generalisation, simplicity and every deviation table) next to pm4py's
``conformance_diagnostics_alignments`` on the same log and the same Petri net, in the same run.
Target: under 30 s for compare_to_map on this machine.

Run: ``.venv/bin/python benchmarks/bench_conformance.py [n_tickets]``
"""

import os
import sys
import time
import warnings

os.environ.setdefault("JOURNEYMINING_PROGRESS", "0")


def main(n=100_000, seed=7):
    from journeymining.conformance import compare_to_map
    from journeymining.generator import generate_tickets
    from journeymining.journey_map import JourneyMap

    t = time.perf_counter()
    g = generate_tickets(n, random_state=seed, shapes=["log"])
    log = g.log
    jm = JourneyMap.from_dict(g.journey_map)
    print(f"generated {n:,} tickets, {len(log):,} events in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    res = compare_to_map(log, jm)
    ours = time.perf_counter() - t
    print(f"compare_to_map: {ours:.1f} s  ({len(res.variants):,} variants, "
          f"{len(res.budget_exceeded)} over budget, {len(res.deviations):,} deviations, "
          f"{os.cpu_count()} cores)")
    print("  metrics:", {k: round(v, 4) for k, v in res.metrics().items()})

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
    print(f"target < 30 s: {'met' if ours < 30 else 'NOT met'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)

"""Benchmark: cluster 1,000,000 generated tickets by path variant (target: under 20 s).

The clustering works on the variant table weighted by case counts, so its cost grows with the
number of distinct variants, not with the number of cases. For reference the same run clusters
100,000 tickets with ``pm4py.cluster_log`` (k-means on per-case profiles), in a child process
capped at ``--pm4py-cap`` seconds; a capped run is reported as such.

Run:  .venv/bin/python benchmarks/bench_clustering.py [--tickets 1000000] [--pm4py-tickets 100000]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time

os.environ.setdefault("JOURNEYMINING_PROGRESS", "0")


def _pm4py_run(n_tickets, k, queue):
    from journeymining import pm4py_cluster_labels
    from journeymining import generate_tickets

    log = generate_tickets(n_tickets, random_state=1, shapes=("log",)).log
    t = time.perf_counter()
    labels = pm4py_cluster_labels(log, k, random_state=0)
    queue.put((time.perf_counter() - t, int(labels.nunique())))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--pm4py-tickets", type=int, default=100_000)
    parser.add_argument("--pm4py-cap", type=float, default=300.0,
                        help="seconds allowed for the pm4py child (log generation included)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from sklearn.metrics import adjusted_rand_score

    from journeymining import VariantClusterer
    from journeymining import generate_tickets

    t = time.perf_counter()
    gen = generate_tickets(args.tickets, random_state=args.seed, shapes=("log",))
    t_gen = time.perf_counter() - t
    log = gen.log
    print(f"generated {args.tickets:,} tickets / {len(log):,} events in {t_gen:.1f} s")

    results = {}
    for name, params in (("profile + k-means, k auto (2..8)", dict()),
                         ("transitions + k-means, k auto", dict(encoding="transitions")),
                         ("edit distance + agglomerative, k auto", dict(encoding="edit_distance",
                                                                        method="agglomerative"))):
        t = time.perf_counter()
        model = VariantClusterer(random_state=args.seed, **params).fit(log)
        elapsed = time.perf_counter() - t
        truth = gen.truth.set_index("case")["persona"]
        ari = adjusted_rand_score(truth.loc[model.labels_.index], model.labels_)
        results[name] = elapsed
        print(f"{name:40s} {elapsed:6.1f} s  ({len(model.variant_table_):,} variants, "
              f"{model.n_clusters_} clusters, ARI vs personas {ari:.3f})"
              f"{'  OK (< 20 s)' if elapsed < 20 else '  SLOW (>= 20 s)'}")
    del log, gen

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_pm4py_run, args=(args.pm4py_tickets, 4, queue))
    t = time.perf_counter()
    proc.start()
    proc.join(args.pm4py_cap)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        print(f"pm4py.cluster_log on {args.pm4py_tickets:,} tickets: capped, not finished after "
              f"{time.perf_counter() - t:.0f} s (log generation included)")
    else:
        elapsed, k = queue.get()
        print(f"pm4py.cluster_log on {args.pm4py_tickets:,} tickets (k-means, k=4): {elapsed:.1f} s")


if __name__ == "__main__":
    main()

"""pm4py's quality dimensions computed from the variants, and the alignment process pool.

Token-replay fitness, ETConformance precision and token-based generalisation are computed once
per path variant and weighted by its number of cases, giving the figures pm4py's own functions
give on the full log. Alignments run once per variant in a process pool (:func:`run_alignments`),
each with a time budget; a variant over budget comes back without moves (the comparison then
diagnoses it by the fallback).
"""

from __future__ import annotations

import os
import time
import warnings
from collections import Counter

import numpy as np

from journeymining.core import columns as C
from journeymining.core.progress import progress
from journeymining.journeymap import JourneyMap

__all__ = ["run_alignments", "replay_variants", "replay_fitness", "replay_generalization", "etc_precision"]


# ------------------------------------------------------------------------------------------
# per-variant alignments (process pool)
# ------------------------------------------------------------------------------------------
_WORKER = {}


def _net_state(map_dict):
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments

    jm = JourneyMap.from_dict(map_dict)
    net, im, fm = jm.to_petri_net()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # the default variant module's public get_best_worst_cost (what pm4py's apply computes once per log)
        bwc = alignments.DEFAULT_VARIANT.value.get_best_worst_cost(net, im, fm, parameters={})
    return {"net": net, "im": im, "fm": fm, "bwc": bwc}


def _init_worker(map_dict):
    _WORKER.clear()
    _WORKER.update(_net_state(map_dict))


def _align_variants(items, budget, state=None):
    """Align ``items`` [(variant_id, activities)] on the worker's net; one dict per variant."""
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments
    from pm4py.objects.log.obj import Event, Trace

    st = state or _WORKER
    P = alignments.Parameters
    out = []
    for vid, acts in items:
        params = {P.PARAM_MAX_ALIGN_TIME_TRACE: budget, P.BEST_WORST_COST_INTERNAL: st["bwc"],
                  P.ACTIVITY_KEY: C.ACTIVITY, P.SHOW_PROGRESS_BAR: False}
        trace = Trace([Event({C.ACTIVITY: a}) for a in acts])
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ali = alignments.apply_trace(trace, st["net"], st["im"], st["fm"], parameters=params)
        secs = time.perf_counter() - t0
        if ali is None:
            out.append({"variant_id": vid, "moves": None, "cost": np.nan, "fitness": np.nan,
                        "bwc": np.nan, "seconds": secs})
        else:
            out.append({"variant_id": vid, "moves": [tuple(m) for m in ali["alignment"]],
                        "cost": ali["cost"], "fitness": ali.get("fitness", np.nan),
                        "bwc": ali.get("bwc", np.nan), "seconds": secs})
    return out


def run_alignments(variants, jm, budget, n_jobs):
    """Alignments of every variant; serial for few variants, else a process pool."""
    items = list(variants)
    if not items:
        return []
    n_jobs = os.cpu_count() or 1 if n_jobs is None else max(1, int(n_jobs))
    if n_jobs == 1 or len(items) < 64:
        state = _net_state(jm.to_dict())
        results = []
        for chunk in progress(_chunks(items, 16), desc="alignments (batches of 16 variants)", unit="batch"):
            results.extend(_align_variants(chunk, budget, state))
        return results
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # longest first, dealt round-robin so that chunks have similar work
    items.sort(key=lambda x: -len(x[1]))
    n_chunks = min(len(items), n_jobs * 8)
    chunks = [items[i::n_chunks] for i in range(n_chunks)]
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    results = []
    with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(jm.to_dict(),)) as pool:
        futures = [pool.submit(_align_variants, ch, budget) for ch in chunks]
        for fut in progress(futures, desc=f"alignments ({len(items)} variants in {len(chunks)} batches)",
                            unit="batch"):
            results.extend(fut.result())
    return results


def _chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


# ------------------------------------------------------------------------------------------
# pm4py metrics from variants (identical to pm4py's own functions, counted per case)
# ------------------------------------------------------------------------------------------
def replay_variants(variant_acts, net, im, fm):
    """pm4py token replay of each variant (one trace per variant), with the parameters of
    pm4py's ``fitness_token_based_replay``; one replay result dict per variant."""
    from pm4py.algo.conformance.tokenreplay import algorithm as token_replay
    from pm4py.algo.conformance.tokenreplay.variants.token_replay import Parameters as P
    from pm4py.objects.log.obj import Event, EventLog, Trace

    log = EventLog([Trace([Event({C.ACTIVITY: a}) for a in acts]) for acts in variant_acts])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # the parameters of pm4py's fitness_token_based_replay
        return token_replay.apply(log, net, im, fm, variant=token_replay.Variants.TOKEN_REPLAY, parameters={
            P.ACTIVITY_KEY: C.ACTIVITY, P.CONSIDER_REMAINING_IN_FITNESS: True,
            P.CLEANING_TOKEN_FLOOD: False, P.SHOW_PROGRESS_BAR: False})


def replay_fitness(replays, counts):
    """pm4py's log fitness by token replay, from the variants' replays weighted by their cases."""
    w = np.asarray(counts, dtype=float)
    tm = sum(r["missing_tokens"] * c for r, c in zip(replays, w))
    tc = sum(r["consumed_tokens"] * c for r, c in zip(replays, w))
    tr = sum(r["remaining_tokens"] * c for r, c in zip(replays, w))
    tp = sum(r["produced_tokens"] * c for r, c in zip(replays, w))
    if tc > 0 and tp > 0 and w.sum() > 0:
        return 0.5 * (1 - tm / tc) + 0.5 * (1 - tr / tp)
    return 0.0


def replay_generalization(replays, counts, net):
    """pm4py's token-based generalisation, from the variants' replays weighted by their cases."""
    occ = Counter()
    for r, c in zip(replays, counts):
        for t in r["activated_transitions"]:
            occ[t] += c
    s = sum(1.0 / np.sqrt(v) for v in occ.values()) + sum(1 for t in net.transitions if t not in occ)
    return 1.0 - s / len(net.transitions) if net.transitions else 1.0


def etc_precision(variant_acts, counts, net, im, fm):
    """pm4py's ETConformance token-based precision, computed from variants and their counts."""
    from pm4py.algo.conformance.tokenreplay import algorithm as token_replay
    from pm4py.algo.conformance.tokenreplay.variants.token_replay import Parameters as P
    from pm4py.objects.log.obj import Event, EventLog, Trace
    from pm4py.objects.petri_net.utils.align_utils import get_visible_transitions_eventually_enabled_by_marking

    prefixes, prefix_count = {}, Counter()
    for acts, c in zip(variant_acts, counts):
        for i in range(1, len(acts)):
            p = tuple(acts[:i])
            prefixes.setdefault(p, set()).add(acts[i])
            prefix_count[p] += c
    keys = list(prefixes)
    fake = EventLog([Trace([Event({C.ACTIVITY: a}) for a in k]) for k in keys])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        replays = token_replay.apply(fake, net, im, fm, variant=token_replay.Variants.TOKEN_REPLAY, parameters={
            P.SHOW_PROGRESS_BAR: False, P.CONSIDER_REMAINING_IN_FITNESS: False,
            P.TRY_TO_REACH_FINAL_MARKING_THROUGH_HIDDEN: False, P.STOP_IMMEDIATELY_UNFIT: True,
            P.WALK_THROUGH_HIDDEN_TRANS: True, P.CLEANING_TOKEN_FLOOD: False,
            P.ACTIVITY_KEY: C.ACTIVITY})
    starts = {acts[0] for acts in variant_acts if len(acts)}
    enabled = {t.label for t in get_visible_transitions_eventually_enabled_by_marking(net, im)}
    n_traces = int(sum(counts))
    sum_at = n_traces * len(enabled)
    sum_ee = n_traces * len(enabled - starts)
    for k, r in zip(keys, replays):
        if r["trace_is_fit"]:
            act = {t.label for t in r["enabled_transitions_in_marking"] if t.label is not None}
            sum_at += len(act) * prefix_count[k]
            sum_ee += len(act - prefixes[k]) * prefix_count[k]
    return 1 - sum_ee / sum_at if sum_at > 0 else 1.0

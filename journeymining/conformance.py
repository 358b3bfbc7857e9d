"""Actual journeys against the intended journey map, in journey words.

:func:`compare_to_map` replays an event log on a :class:`~journeymining.journey_map.JourneyMap`
and returns a :class:`Conformance`: pm4py's fitness (token replay and alignments), precision,
generalisation and simplicity, plus a deviations frame whose kinds are those of
``docs/ARCHITECTURE.md``:

=====================  ==========================================================================
kind                   how it is found (the observable definitions of ``docs/ARCHITECTURE.md``)
=====================  ==========================================================================
skipped_touchpoint     a touchpoint the case's path through the map requires is absent while a
                       touchpoint the map puts after it is present (so not because it ended early)
unplanned_step         an event whose activity is not a touchpoint of the map
out_of_order           the first occurrences of two touchpoints come in an order the map forbids
                       (or the case has two alternatives of one choice)
rework                 a second occurrence of a touchpoint that is not repeatable
unplanned_handoff      consecutive events change ``org:group`` where the map plans no change of team
channel_switch         a frontstage event on another channel than the previous frontstage event,
                       not planned by the map
sla_breach             an SLA of the map is exceeded
drop_off               the case ends without any goal activity
=====================  ==========================================================================

The activity sequence of a case decides the first five kinds, so they are computed once per path
*variant*. Alignments also run once per variant, in a process pool, each with a time budget: they
give pm4py's alignment fitness and the evidence of every variant (its log moves and model moves,
in ``Conformance.variants``). A variant whose alignment runs out of budget is listed there with
``diagnosis == "fallback"`` (never dropped): its fitness is the token-replay fitness and its
deviations come from the map's structure alone. (The kinds are not read off the alignment
because an optimal alignment picks arbitrarily between equally cheap explanations, e.g. "skipped
A" vs "B out of order" around a choice, or "skipped" for a case that simply ended.) Handoffs,
channel switches and SLA breaches depend on the event attributes and are computed per event,
vectorised.

Examples
--------
>>> import pandas as pd
>>> from journeymining.journey_map import JourneyMap
>>> from journeymining.conformance import compare_to_map
>>> jm = JourneyMap.from_dict({"name": "Support", "goal": ["Close"], "stages": [
...     {"name": "Contact", "touchpoints": [{"activity": "Open"}]},
...     {"name": "Resolve", "touchpoints": [{"activity": "Fix"}, {"activity": "Close"}]}]})
>>> log = pd.DataFrame({
...     "case:concept:name": ["a", "a", "a", "b", "b", "c"],
...     "concept:name": ["Open", "Fix", "Close", "Open", "Close", "Open"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 10:00",
...         "2024-01-01 11:00", "2024-01-02 09:00", "2024-01-02 10:00", "2024-01-03 09:00"],
...         utc=True)})
>>> result = compare_to_map(log, jm)
>>> result.deviations[["case", "stage", "touchpoint", "kind"]]
  case    stage touchpoint                kind
0    b  Resolve        Fix  skipped_touchpoint
1    c  Contact       Open            drop_off
>>> round(result.fitness_alignments, 3)
0.8
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import _columns as C
from ._eventlog import check_log
from ._progress import progress, step
from .errors import EventLogError, JourneyMapError
from .journey_map import JourneyMap

__all__ = ["KINDS", "KIND_LABELS", "Conformance", "compare_to_map", "compare_main"]

KINDS = ("skipped_touchpoint", "unplanned_step", "out_of_order", "rework", "unplanned_handoff",
         "channel_switch", "sla_breach", "drop_off")
KIND_LABELS = {
    "skipped_touchpoint": "skipped touchpoint", "unplanned_step": "unplanned step",
    "out_of_order": "out of order", "rework": "rework/repeat", "unplanned_handoff": "unplanned handoff",
    "channel_switch": "channel switch", "sla_breach": "SLA breach", "drop_off": "drop-off before goal",
}
DEVIATION_COLUMNS = ["case", "stage", "touchpoint", "kind", "detail", "time_lost", "position", "diagnosis"]
_ZERO = pd.Timedelta(0)


# ------------------------------------------------------------------------------------------
# result
# ------------------------------------------------------------------------------------------
@dataclass
class Conformance:
    """What :func:`compare_to_map` found.

    Attributes
    ----------
    journey_map : JourneyMap
    fitness_token_replay, fitness_alignments, precision, generalization, simplicity : float
        pm4py's log fitness by token replay and by alignments (alignments over the variants that
        finished within budget), ETConformance precision, token-based generalisation and arc-degree
        simplicity of the map's Petri net.
    deviations : DataFrame
        One row per deviation: ``case``, ``stage``, ``touchpoint``, ``kind`` (see :data:`KINDS`),
        ``detail``, ``time_lost`` (Timedelta; the time since the previous event for event-level
        deviations, the excess over the target for SLA breaches, zero for skipped touchpoints and
        drop-offs), ``position`` (0-based event index in the case, -1 when no event) and
        ``diagnosis`` (``alignment``: the variant's alignment finished within budget,
        ``fallback``: it did not, ``attributes``: found from org:group/channel/timestamps).
    cases : DataFrame
        One row per case: ``case``, ``variant_id``, ``events``, ``reached_goal``, ``last_stage``,
        ``last_touchpoint``, ``diagnosis`` and one bool column per kind.
    variants : DataFrame
        One row per variant: ``variant``, ``cases``, ``diagnosis`` (``alignment`` or
        ``fallback``: the alignment ran out of its time budget), ``align_seconds``,
        ``alignment_cost``, ``fitness_alignment``, ``log_moves`` and ``model_moves`` (the
        alignment's moves, comma-separated; None over budget), ``fitness_token_replay``.
    by_touchpoint, by_stage : DataFrame
        Cases affected, share of all cases, deviations, time lost and cases per kind.
    funnel : DataFrame
        Cases reaching each stage (any touchpoint of it) and the goal.
    break_points : DataFrame
        Cases that ended before the goal, by last stage and last touchpoint.
    dfg_diff : DataFrame
        Directly-follows edges with ``status``: ``intended and taken``, ``taken, not intended``,
        ``intended, never taken`` (``▶``/``■`` mark start and end).
    not_assessed : dict
        Kinds that could not be checked, with the reason (e.g. no ``org:group`` column).
    """

    journey_map: JourneyMap
    fitness_token_replay: float
    fitness_alignments: float
    precision: float
    generalization: float
    simplicity: float
    deviations: pd.DataFrame
    cases: pd.DataFrame
    variants: pd.DataFrame
    by_touchpoint: pd.DataFrame
    by_stage: pd.DataFrame
    funnel: pd.DataFrame
    break_points: pd.DataFrame
    dfg_diff: pd.DataFrame
    not_assessed: dict = field(default_factory=dict)

    @property
    def budget_exceeded(self):
        """Variants whose alignment ran out of its time budget (diagnosed by the fallback)."""
        return self.variants[self.variants["diagnosis"] == "fallback"]

    def metrics(self):
        """The five quality dimensions as a dict of floats."""
        return {k: float(getattr(self, k)) for k in
                ("fitness_token_replay", "fitness_alignments", "precision", "generalization", "simplicity")}

    def kind_table(self):
        """Cases with each deviation kind and their share of all cases (one row per kind)."""
        n = len(self.cases)
        counts = [int(self.cases[k].sum()) for k in KINDS]
        return pd.DataFrame({"kind": list(KINDS), "label": [KIND_LABELS[k] for k in KINDS],
                             "cases": counts, "share": [c / n if n else 0.0 for c in counts]})

    def summary(self):
        """A JSON-serialisable summary (the ``summary.json`` of the CLI)."""
        n = len(self.cases)
        kt = self.kind_table()
        return {
            "journey_map": self.journey_map.name,
            "cases": n,
            "events": int(self.cases["events"].sum()),
            "variants": int(len(self.variants)),
            "metrics": {k: round(v, 6) for k, v in self.metrics().items()},
            "reached_goal": round(float(self.cases["reached_goal"].mean()) if n else 0.0, 6),
            "conforming_cases": int((~self.cases[list(KINDS)].any(axis=1)).sum()),
            "deviations": {r.kind: {"cases": int(r.cases), "share": round(float(r.share), 6)}
                           for r in kt.itertuples()},
            "budget_exceeded_variants": int(len(self.budget_exceeded)),
            "budget_exceeded_cases": int(self.budget_exceeded["cases"].sum()),
            "not_assessed": dict(self.not_assessed),
        }

    def plot_map(self, *, ax=None):
        """The journey map with the share of cases deviating at each touchpoint as overlay.

        Returns
        -------
        matplotlib.figure.Figure
        """
        bt = self.by_touchpoint
        overlay = {a: float(bt.loc[a, "share"]) if a in bt.index else 0.0
                   for a in self.journey_map.activities}
        fig = self.journey_map.plot(ax=ax, overlay=overlay, overlay_label="share of cases deviating here")
        ax = fig.axes[0]
        unplanned = bt[~bt.index.isin(self.journey_map.activities)].sort_values("cases", ascending=False)
        lines = [f"{KIND_LABELS[r.kind]}: {r.share:.0%}" for r in self.kind_table().itertuples() if r.cases]
        if len(unplanned):
            lines.append("unplanned: " + ", ".join(f"{a} ({s:.0%})" for a, s in unplanned["share"].head(4).items()))
        if lines:
            ax.text(0.0, -0.02, "cases with: " + " · ".join(lines), transform=ax.transAxes, va="top",
                    fontsize=7, wrap=True)
        return fig

    def plot_dfg_diff(self, *, ax=None, min_cases=1):
        """The actual directly-follows graph against the intended map.

        Grey: intended and taken (width ~ cases); red: taken but not intended; blue dashed:
        intended but never taken. Touchpoints sit in their stage column; unplanned activities
        in a bottom row.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return _plot_dfg_diff(self, ax=ax, min_cases=min_cases)


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
        bwc = alignments.__dict__["__get_best_worst_cost"](net, im, fm, alignments.DEFAULT_VARIANT, {})
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


def _run_alignments(variants, jm, budget, n_jobs):
    """Alignments of every variant; serial for few variants, else a process pool."""
    items = list(variants)
    if not items:
        return []
    n_jobs = os.cpu_count() or 1 if n_jobs is None else max(1, int(n_jobs))
    if n_jobs == 1 or len(items) < 64:
        state = _net_state(jm.to_dict())
        results = []
        for chunk in progress(_chunks(items, 16), desc="alignments"):
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
        for fut in progress(futures, desc="alignments"):
            results.extend(fut.result())
    return results


def _chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


# ------------------------------------------------------------------------------------------
# per-variant diagnosis
# ------------------------------------------------------------------------------------------
class _MapInfo:
    """Cached lookups on the map used by the per-variant diagnosis."""

    def __init__(self, jm):
        self.jm = jm
        self.known = set(jm.activities)
        self.order = {a: i for i, a in enumerate(jm.activities)}
        self.repeatable = {a for a in jm.activities if jm.is_repeatable(a)}
        self.goal = set(jm.goal)
        self._prec = {}
        self._excl = {}

    def precede(self, a, b):
        key = (a, b)
        if key not in self._prec:
            self._prec[key] = a != b and self.jm.must_precede(a, b)
        return self._prec[key]

    def exclusive(self, a, b):
        key = (a, b)
        if key not in self._excl:
            self._excl[key] = a != b and self.jm.exclusive(a, b)
        return self._excl[key]

    def stage(self, a):
        return self.jm.stage_of(a)


def _context_stages(trace, info):
    """Stage of each position: the touchpoint's stage, else the last stage seen (else the first)."""
    out = []
    last = None
    for a in trace:
        s = info.stage(a)
        if s is not None:
            last = s
        out.append(s if s is not None else last)
    first = next((s for s in out if s is not None), info.jm.stage_names[0])
    return [s if s is not None else first for s in out]


def _order_detail(trace, i, info):
    a = trace[i]
    for b in trace[:i]:
        if b in info.known and info.precede(a, b):
            return f"{a} after {b}; the map has {a} first"
    for b in trace[i + 1:]:
        if b in info.known and info.precede(b, a):
            return f"{a} before {b}; the map has {b} first"
    for b in trace:
        if b in info.known and info.exclusive(a, b):
            return f"{a} and {b} are alternatives; the case has both"
    return f"{a} where the map does not allow it"


def _first_occurrences(trace, info):
    firsts, done = [], set()
    for i, a in enumerate(trace):
        if a in info.known and a not in done:
            firsts.append((i, a))
            done.add(a)
    return firsts


def _diagnose(trace, info):
    """Deviations of one variant: list of (kind, touchpoint, stage, detail, position).

    The kinds follow the observable definitions of the contract, on the map's structure: out of
    order = the first occurrences of two touchpoints in an order the map forbids (or two
    alternatives of one choice); skipped = a touchpoint required by the case's path through the
    map that is absent while a touchpoint the map puts after it is present.
    """
    devs = []
    stages = _context_stages(trace, info)
    n = len(trace)
    seen = Counter()
    rework_pos = set()
    for i, a in enumerate(trace):
        seen[a] += 1
        if a not in info.known:
            prev = next((b for b in reversed(trace[:i]) if b in info.known), None)
            where = f" after {prev}" if prev else " before any touchpoint"
            devs.append(("unplanned_step", a, stages[i], f"{a} is not in the map{where}", i))
        elif seen[a] > 1 and a not in info.repeatable:
            rework_pos.add(i)
            devs.append(("rework", a, stages[i], f"{a} again (occurrence {seen[a]})", i))
    reached = any(a in info.goal for a in trace)
    present = set(trace)

    firsts = _first_occurrences(trace, info)
    for j, (pj, b) in enumerate(firsts):
        if any(info.precede(b, a) or info.exclusive(b, a) for _, a in firsts[:j]):
            devs.append(("out_of_order", b, stages[pj], _order_detail(trace, pj, info), pj))
    for m in info.jm.missing_required(present):
        later = next((a for a in trace if a in info.known and info.precede(m, a)), None)
        if later is None:
            continue  # nothing the map puts after it happened: the case ended before it
        devs.append(("skipped_touchpoint", m, info.stage(m), f"{m} skipped ({later} happened without it)", -1))

    if not reached:
        idx = next((k for k in range(n - 1, -1, -1) if trace[k] in info.known), n - 1)
        goal = " or ".join(info.jm.goal)
        devs.append(("drop_off", trace[idx], stages[idx],
                     f"ended after {trace[-1]} without reaching {goal}", n - 1))
    return devs


# ------------------------------------------------------------------------------------------
# pm4py metrics from variants (identical to pm4py's own functions, counted per case)
# ------------------------------------------------------------------------------------------
def _token_replay(variant_acts, net, im, fm):
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


def _tbr_fitness(replays, counts):
    w = np.asarray(counts, dtype=float)
    tm = sum(r["missing_tokens"] * c for r, c in zip(replays, w))
    tc = sum(r["consumed_tokens"] * c for r, c in zip(replays, w))
    tr = sum(r["remaining_tokens"] * c for r, c in zip(replays, w))
    tp = sum(r["produced_tokens"] * c for r, c in zip(replays, w))
    if tc > 0 and tp > 0 and w.sum() > 0:
        return 0.5 * (1 - tm / tc) + 0.5 * (1 - tr / tp)
    return 0.0


def _generalization(replays, counts, net):
    occ = Counter()
    for r, c in zip(replays, counts):
        for t in r["activated_transitions"]:
            occ[t] += c
    s = sum(1.0 / np.sqrt(v) for v in occ.values()) + sum(1 for t in net.transitions if t not in occ)
    return 1.0 - s / len(net.transitions) if net.transitions else 1.0


def _precision(variant_acts, counts, net, im, fm):
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


# ------------------------------------------------------------------------------------------
# attribute-level deviations (vectorised over events)
# ------------------------------------------------------------------------------------------
def _handoffs(ev, jm, group_key):
    g = ev[group_key]
    same_case = ~ev["_new_case"]
    prev_g = g.shift()
    change = same_case & g.notna() & prev_g.notna() & (g != prev_g)
    team = {a: jm.touchpoint(a).team for a in jm.activities}
    t_cur = ev["_act"].map(team)
    t_prev = ev["_act"].shift().map(team)
    planned = t_cur.notna() & t_prev.notna() & (t_cur != t_prev) & (g == t_cur) & (prev_g == t_prev)
    hit = ev[change & ~planned]
    return pd.DataFrame({
        "_row": hit.index, "kind": "unplanned_handoff", "touchpoint": hit["_act"].to_numpy(),
        "detail": (prev_g[hit.index].astype(str) + " → " + hit[group_key].astype(str) + " at "
                   + hit["_act"].astype(str)).to_numpy(),
    })


def _channel_switches(ev, jm, channel_key, actor_key):
    tp = {a: jm.touchpoint(a) for a in jm.activities}
    map_channel = ev["_act"].map({a: t.channel for a, t in tp.items()})
    map_actor = ev["_act"].map({a: t.actor for a, t in tp.items()})
    ch = ev[channel_key] if channel_key in ev else map_channel
    actor = ev[actor_key].where(ev[actor_key].notna(), map_actor) if actor_key in ev else map_actor
    front = ev[(actor == C.FRONTSTAGE) & ch.notna()]
    if front.empty:
        return pd.DataFrame(columns=["_row", "kind", "touchpoint", "detail"])
    fch = ch[front.index]
    fmap = map_channel[front.index]
    same = front["_case_code"].to_numpy()[1:] == front["_case_code"].to_numpy()[:-1]
    c_prev, c_cur = fch.to_numpy()[:-1], fch.to_numpy()[1:]
    m_prev, m_cur = fmap.to_numpy()[:-1], fmap.to_numpy()[1:]
    planned = (pd.notna(m_prev) & pd.notna(m_cur) & (m_prev != m_cur) & (c_cur == m_cur)
               & (c_prev == m_prev))
    switch = same & (c_prev != c_cur) & ~planned
    rows = front.index[1:][switch]
    return pd.DataFrame({
        "_row": rows, "kind": "channel_switch", "touchpoint": ev.loc[rows, "_act"].to_numpy(),
        "detail": [f"{p} → {c} at {a}" for p, c, a in
                   zip(c_prev[switch], c_cur[switch], ev.loc[rows, "_act"])],
    })


def _sla_breaches(ev, jm):
    out = []
    for s in jm.sla:
        if s.stage is None:
            first_from = ev[ev["_act"] == s.from_activity].groupby("_case_code", sort=False)["_ts"].min()
            to = ev[ev["_act"] == s.to_activity][["_case_code", "_ts"]].copy()
            to = to[to["_case_code"].isin(first_from.index)]
            if to.empty:
                continue
            to["_from"] = first_from.reindex(to["_case_code"].to_numpy()).to_numpy()
            to = to[to["_ts"] >= to["_from"]]
            idx = to.groupby("_case_code", sort=False)["_ts"].idxmin()
            hit = to.loc[idx]
            took = hit["_ts"] - hit["_from"]
            bad = hit[took > s.within]
            took = took[bad.index]
            out.append(pd.DataFrame({
                "_row": bad.index, "kind": "sla_breach", "touchpoint": s.to_activity,
                "detail": [f"{s.from_activity} → {s.to_activity} took {_fmt(t)} > {_fmt(s.within)}"
                           for t in took],
                "_lost": (took - s.within).to_numpy(),
            }))
        else:
            acts = [a for a in jm.activities if jm.stage_of(a) == s.stage]
            sub = ev[ev["_act"].isin(acts)]
            g = sub.groupby("_case_code", sort=False)["_ts"]
            span = g.max() - g.min()
            last_row = sub.reset_index().groupby("_case_code", sort=False)["index"].max()
            bad = span[span > s.within]
            rows = last_row[bad.index].to_numpy()
            out.append(pd.DataFrame({
                "_row": rows, "kind": "sla_breach", "touchpoint": ev.loc[rows, "_act"].to_numpy(),
                "detail": [f"stage {s.stage} took {_fmt(t)} > {_fmt(s.within)}" for t in bad],
                "_lost": (bad - s.within).to_numpy(),
            }))
    if not out:
        return pd.DataFrame(columns=["_row", "kind", "touchpoint", "detail", "_lost"])
    return pd.concat(out, ignore_index=True)


def _fmt(td):
    secs = int(round(td.total_seconds()))
    d, rest = divmod(secs, 86400)
    h, rest = divmod(rest, 3600)
    m = rest // 60
    parts = [f"{d}d" if d else "", f"{h}h" if h else "", f"{m}m" if m else ""]
    return "".join(parts) or f"{secs}s"


# ------------------------------------------------------------------------------------------
# the verb
# ------------------------------------------------------------------------------------------
def compare_to_map(log, journey_map, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                   timestamp_key=C.TIMESTAMP, group_key=C.GROUP, channel_key=C.CHANNEL,
                   actor_key=C.ACTOR, time_budget=5.0, n_jobs=None, alignments=True):
    """Compare actual journeys with the intended journey map.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event (not modified).
    journey_map : JourneyMap, dict or path
        The intended map (a dict or a YAML path is loaded with ``JourneyMap``).
    {keys}
    group_key : str, default "org:group"
        Team column for handoffs (not assessed when absent).
    channel_key : str, default "channel"
        Channel column for channel switches (the map's channels are used when absent).
    actor_key : str, default "actor"
        frontstage/backstage column (the map's actors are used when absent or missing).
    time_budget : float, default 5.0
        Seconds allowed for the alignment of one variant. A variant over budget is listed in
        ``Conformance.variants`` with ``diagnosis == "fallback"``, diagnosed structurally, and left
        out of ``fitness_alignments`` (as pm4py does with alignments that time out).
    n_jobs : int, optional
        Worker processes for the alignments (default: all cores).
    alignments : bool, default True
        False diagnoses every variant with the fallback (``fitness_alignments`` is then NaN).

    Returns
    -------
    Conformance

    Raises
    ------
    EventLogError
        If ``log`` is not an event log with the named columns.
    JourneyMapError
        If ``journey_map`` is not a valid map.
    """
    from .discovery import case_variants, discover_dfg, variant_table

    jm = _as_map(journey_map)
    check_log(log, case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key,
              verb="compare_to_map")
    if log.empty:
        raise EventLogError("compare_to_map: the event log is empty; there are no journeys to compare.")
    step(f"comparing {log[case_id_key].nunique():,} cases with the journey map {jm.name!r}")
    cols = [c for c in dict.fromkeys([case_id_key, activity_key, timestamp_key, group_key,
                                      channel_key, actor_key]) if c in log.columns]
    ev = log[cols].sort_values([case_id_key, timestamp_key], kind="stable").reset_index(drop=True)
    ev["_act"] = ev[activity_key].astype(str)
    ev["_ts"] = ev[timestamp_key]
    ev["_case_code"] = pd.factorize(ev[case_id_key])[0]
    ev["_new_case"] = ev["_case_code"].ne(ev["_case_code"].shift())
    ev["_pos"] = ev.groupby("_case_code", sort=False).cumcount()
    delta = ev["_ts"].diff()
    delta[ev["_new_case"]] = _ZERO
    ev["_delta"] = delta

    kv = dict(case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key)
    vt = variant_table(log, **kv)
    cv = case_variants(log, **kv)
    counts = vt["cases"].to_numpy()
    variant_acts = [tuple(map(str, a)) for a in vt["activities"]]
    info = _MapInfo(jm)
    net, im, fm = jm.to_petri_net()

    # alignments per variant
    n_var = len(vt)
    align = {}
    if alignments:
        step(f"aligning {n_var:,} variants (budget {time_budget:g}s each)")
        for r in _run_alignments(list(zip(vt.index, variant_acts)), jm, time_budget, n_jobs):
            align[r["variant_id"]] = r
    step("token replay, precision, generalisation")
    replays = _token_replay(variant_acts, net, im, fm)
    fitness_tbr = _tbr_fitness(replays, counts)
    precision = _precision(variant_acts, counts, net, im, fm)
    generalization = _generalization(replays, counts, net)
    from pm4py.algo.evaluation.simplicity import algorithm as simplicity_alg

    simplicity = float(simplicity_alg.apply(net))

    diag, cost, fit, bwc, secs, vdevs, lm, mm = [], [], [], [], [], [], [], []
    for vid, acts in zip(vt.index, variant_acts):
        r = align.get(vid)
        moves = None if r is None else r["moves"]
        diag.append("alignment" if moves is not None else "fallback")
        cost.append(np.nan if r is None else r["cost"])
        fit.append(np.nan if r is None else r["fitness"])
        bwc.append(np.nan if r is None else r["bwc"])
        secs.append(np.nan if r is None else r["seconds"])
        lm.append(", ".join(l for l, m in moves if m == ">>") if moves is not None else None)
        mm.append(", ".join(m for l, m in moves if l == ">>" and m is not None) if moves is not None else None)
        for kind, tp, stage, detail, pos in _diagnose(acts, info):
            vdevs.append((vid, kind, tp, stage, detail, pos, diag[-1]))
    variants = pd.DataFrame({
        "variant": vt["variant"], "cases": vt["cases"], "diagnosis": diag, "align_seconds": secs,
        "alignment_cost": cost, "fitness_alignment": fit, "log_moves": lm, "model_moves": mm,
        "fitness_token_replay": [r["trace_fitness"] for r in replays],
    }, index=vt.index)
    ok = variants["diagnosis"].eq("alignment").to_numpy()
    if alignments and ok.any():
        # pm4py: log fitness = 1 - sum(cost) / sum(bwc) over the aligned traces
        c_ok = np.asarray(cost, dtype=float)[ok] * counts[ok]
        b_ok = np.asarray(bwc, dtype=float)[ok] * counts[ok]
        fitness_ali = 1.0 - float(c_ok.sum() / b_ok.sum()) if b_ok.sum() > 0 else 0.0
    else:
        fitness_ali = float("nan")
    if (~ok).any() and alignments:
        step(f"{int((~ok).sum())} variants ran out of the alignment budget; diagnosed by the fallback")

    # cases
    case_first = ev.loc[ev["_new_case"], [case_id_key, "_case_code"]]
    row_of_case = pd.Series(case_first.index.to_numpy(), index=case_first[case_id_key].to_numpy())
    cases = cv.rename(columns={case_id_key: "case"})
    cases["_start"] = row_of_case.reindex(cases["case"].to_numpy()).to_numpy()
    cases["events"] = vt["length"].reindex(cases["variant_id"]).to_numpy()

    vdev = pd.DataFrame(vdevs, columns=["variant_id", "kind", "touchpoint", "stage", "detail", "position",
                                        "diagnosis"])
    dev = cases[["case", "variant_id", "_start"]].merge(vdev, on="variant_id", how="inner")
    rows = dev["_start"].to_numpy() + dev["position"].clip(lower=0).to_numpy()
    lost = ev["_delta"].to_numpy()[rows]
    no_time = dev["kind"].isin(["skipped_touchpoint", "drop_off"]).to_numpy() | (dev["position"] < 0).to_numpy()
    dev["time_lost"] = pd.Series(lost).where(~no_time, _ZERO).to_numpy()
    dev = dev.drop(columns=["variant_id", "_start"])

    # attribute-level kinds
    not_assessed = {}
    stage_ctx = _event_stages(ev, info)
    att = []
    if group_key in ev and ev[group_key].notna().any():
        att.append(_handoffs(ev, jm, group_key))
    else:
        not_assessed["unplanned_handoff"] = f"the log has no {group_key!r} values"
    has_channel = channel_key in ev and ev[channel_key].notna().any()
    if has_channel or any(jm.touchpoint(a).channel for a in jm.activities):
        att.append(_channel_switches(ev, jm, channel_key if has_channel else "_no_channel_", actor_key))
    if not has_channel:
        not_assessed["channel_switch"] = (f"the log has no {channel_key!r} values; only the map's "
                                          "channels were used, so switches cannot be observed")
    if jm.sla:
        att.append(_sla_breaches(ev, jm))
    else:
        not_assessed["sla_breach"] = "the journey map has no SLA"
    att = [a for a in att if len(a)]
    if att:
        a = pd.concat(att, ignore_index=True)
        r = a["_row"].to_numpy(dtype=np.int64)
        lost = ev["_delta"].to_numpy()[r]
        if "_lost" in a:
            lost = np.where(a["_lost"].notna().to_numpy(), a["_lost"].to_numpy(), lost)
        adev = pd.DataFrame({
            "case": ev[case_id_key].to_numpy()[r], "kind": a["kind"].to_numpy(),
            "touchpoint": a["touchpoint"].to_numpy(), "stage": stage_ctx[r],
            "detail": a["detail"].to_numpy(), "position": ev["_pos"].to_numpy()[r],
            "diagnosis": "attributes", "time_lost": pd.to_timedelta(lost),
        })
        dev = pd.concat([dev, adev], ignore_index=True)
    order = {c: i for i, c in enumerate(cases["case"])}
    dev["_k"] = dev["kind"].map({k: i for i, k in enumerate(KINDS)})
    dev["_c"] = dev["case"].map(order)
    dev = dev.sort_values(["_c", "position", "_k"], kind="stable").drop(columns=["_c", "_k"])
    dev = dev[DEVIATION_COLUMNS].reset_index(drop=True)
    dev["time_lost"] = pd.to_timedelta(dev["time_lost"])
    dev["position"] = dev["position"].astype(np.int64)

    # per-case table
    flags = pd.crosstab(dev["case"], dev["kind"]).reindex(columns=list(KINDS), fill_value=0) > 0
    for k in KINDS:
        cases[k] = cases["case"].map(flags[k]).fillna(False).astype(bool) if len(flags) else False
    cases["reached_goal"] = ~cases["drop_off"]
    last_known = _last_known(ev, info, case_id_key)
    cases["last_touchpoint"] = cases["case"].map(last_known["touchpoint"])
    cases["last_stage"] = cases["case"].map(last_known["stage"])
    cases["diagnosis"] = variants["diagnosis"].reindex(cases["variant_id"]).to_numpy()
    cases = cases[["case", "variant_id", "events", "reached_goal", "last_stage", "last_touchpoint",
                   "diagnosis", *KINDS]]

    n_cases = len(cases)
    result = Conformance(
        journey_map=jm, fitness_token_replay=float(fitness_tbr), fitness_alignments=float(fitness_ali),
        precision=float(precision), generalization=float(generalization), simplicity=simplicity,
        deviations=dev, cases=cases, variants=variants,
        by_touchpoint=_by(dev, "touchpoint", n_cases, jm),
        by_stage=_by(dev, "stage", n_cases, jm),
        funnel=_funnel(ev, cases, info, case_id_key),
        break_points=_break_points(cases),
        dfg_diff=_dfg_diff(discover_dfg(log, **kv), jm),
        not_assessed=not_assessed,
    )
    return result


compare_to_map.__doc__ = compare_to_map.__doc__.replace("{keys}", C.KEYS_DOC)


def _as_map(journey_map):
    if isinstance(journey_map, JourneyMap):
        return journey_map
    if isinstance(journey_map, dict):
        return JourneyMap.from_dict(journey_map)
    if isinstance(journey_map, (str, os.PathLike)):
        return JourneyMap.from_yaml(journey_map)
    raise JourneyMapError(
        f"compare_to_map: journey_map must be a JourneyMap, a dict or a YAML path; got "
        f"{type(journey_map).__name__}. Load it with JourneyMap.from_yaml(path)."
    )


def _event_stages(ev, info):
    """Stage context of every event (its touchpoint's stage, else the last stage seen in the case)."""
    s = ev["_act"].map({a: info.stage(a) for a in info.known})
    s = s.groupby(ev["_case_code"], sort=False).ffill()
    return s.fillna(info.jm.stage_names[0]).to_numpy(dtype=object)


def _last_known(ev, info, case_id_key):
    known = ev[ev["_act"].isin(info.known)]
    last = known.groupby(case_id_key, sort=False)["_act"].last()
    return pd.DataFrame({"touchpoint": last, "stage": last.map(info.stage)})


def _by(dev, key, n_cases, jm):
    index = jm.activities if key == "touchpoint" else jm.stage_names
    if dev.empty:
        g = pd.DataFrame(index=pd.Index(index, name=key))
    else:
        grp = dev.groupby(key, sort=False)
        g = pd.DataFrame({"cases": grp["case"].nunique(), "deviations": grp.size(),
                          "time_lost": grp["time_lost"].sum()})
        per_kind = dev.groupby([key, "kind"])["case"].nunique().unstack(fill_value=0)
        g = g.join(per_kind.reindex(columns=list(KINDS), fill_value=0))
        extra = [i for i in g.index if i not in index]
        g = g.reindex(list(index) + sorted(extra, key=lambda i: -g.loc[i, "cases"]))
    for c in ("cases", "deviations", *KINDS):
        g[c] = g[c].fillna(0).astype(np.int64) if c in g else 0
    g["time_lost"] = pd.to_timedelta(g["time_lost"]).fillna(_ZERO) if "time_lost" in g else _ZERO
    g["share"] = g["cases"] / n_cases if n_cases else 0.0
    g["mean_time_lost_per_case"] = [tl / c if c else _ZERO for tl, c in zip(g["time_lost"], g["cases"])]
    g.index.name = key
    if key == "touchpoint":
        g.insert(0, "stage", [jm.stage_of(a) for a in g.index])
        g.insert(1, "in_map", [a in set(jm.activities) for a in g.index])
    return g[[c for c in g.columns if c not in KINDS] + list(KINDS)]


def _funnel(ev, cases, info, case_id_key):
    n = len(cases)
    st = ev["_act"].map({a: info.stage(a) for a in info.known})
    reached = pd.crosstab(ev[case_id_key], st).gt(0)
    rows = []
    prev = n
    for s in info.jm.stage_names:
        c = int(reached[s].sum()) if s in reached else 0
        rows.append({"step": s, "cases": c, "share": c / n if n else 0.0,
                     "of_previous": c / prev if prev else 0.0})
        prev = c
    g = int(cases["reached_goal"].sum())
    rows.append({"step": "goal: " + " / ".join(info.jm.goal), "cases": g, "share": g / n if n else 0.0,
                 "of_previous": g / prev if prev else 0.0})
    return pd.DataFrame(rows)


def _break_points(cases):
    drop = cases[~cases["reached_goal"]]
    n_all, n_drop = len(cases), len(drop)
    if not n_drop:
        return pd.DataFrame(columns=["last_stage", "last_touchpoint", "cases", "share_of_drop_offs",
                                     "share_of_cases", "median_events"])
    g = drop.fillna({"last_stage": "(no touchpoint)", "last_touchpoint": "(no touchpoint)"}).groupby(
        ["last_stage", "last_touchpoint"], sort=False)
    t = pd.DataFrame({"cases": g.size(), "median_events": g["events"].median()}).reset_index()
    t["share_of_drop_offs"] = t["cases"] / n_drop
    t["share_of_cases"] = t["cases"] / n_all
    t = t.sort_values(["cases", "last_stage", "last_touchpoint"], ascending=[False, True, True],
                      kind="stable").reset_index(drop=True)
    return t[["last_stage", "last_touchpoint", "cases", "share_of_drop_offs", "share_of_cases",
              "median_events"]]


def _dfg_diff(dfg, jm):
    from .discovery import END, START

    ie = jm.intended_edges()
    intended = set(ie["edges"]) | {(START, a) for a in ie["start"]} | {(a, END) for a in ie["end"]}
    d = dfg[["source", "target", "frequency", "cases"]].copy()
    taken = set(zip(d["source"], d["target"]))
    d["intended"] = [e in intended for e in zip(d["source"], d["target"])]
    missing = sorted(intended - taken, key=lambda e: (e[0] != START, e[0], e[1] == END, e[1]))
    m = pd.DataFrame({"source": [e[0] for e in missing], "target": [e[1] for e in missing],
                      "frequency": 0, "cases": 0, "intended": True})
    d = pd.concat([d, m], ignore_index=True) if len(m) else d
    d["status"] = np.where(d["frequency"] == 0, "intended, never taken",
                           np.where(d["intended"], "intended and taken", "taken, not intended"))
    d["frequency"] = d["frequency"].astype(np.int64)
    d["cases"] = d["cases"].astype(np.int64)
    return d[["source", "target", "status", "intended", "frequency", "cases"]].reset_index(drop=True)


def _plot_dfg_diff(res, *, ax=None, min_cases=1):
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.lines import Line2D

    from .discovery import END, START

    jm = res.journey_map
    d = res.dfg_diff[(res.dfg_diff["cases"] >= min_cases) | (res.dfg_diff["frequency"] == 0)]
    pos = {}
    per_stage = {}
    for a in jm.activities:
        s = jm.stage_names.index(jm.stage_of(a))
        k = per_stage.get(s, 0)
        per_stage[s] = k + 1
        pos[a] = (1.0 + 2.0 * s + (0.9 if k % 2 else 0.0), -1.1 * k)
    depth = max(per_stage.values())
    others = [a for a in pd.unique(pd.concat([d["source"], d["target"]])) if a not in pos and a not in (START, END)]
    width = 2.0 * len(jm.stage_names) + 1.0
    for i, a in enumerate(others):
        pos[a] = (1.0 + i * (width - 1.0) / max(1, len(others)), -1.1 * depth - 0.8)
    pos[START] = (0.0, 0.0)
    pos[END] = (width + 0.2, 0.0)
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(7, 1.5 * width), 2.2 + 0.9 * (depth + (1 if others else 0))))
    else:
        fig = ax.figure
    style = {"intended and taken": ("0.45", "-"), "taken, not intended": ("tab:red", "-"),
             "intended, never taken": ("tab:blue", "--")}
    maxc = max(1, int(d["cases"].max()) if len(d) else 1)
    for r in d.itertuples():
        if r.source not in pos or r.target not in pos:
            continue
        color, ls = style[r.status]
        lw = 0.8 if r.cases == 0 else 0.8 + 3.5 * np.sqrt(r.cases / maxc)
        if r.source == r.target:
            x, y = pos[r.source]
            ax.add_patch(FancyArrowPatch((x - 0.15, y + 0.25), (x + 0.15, y + 0.25),
                                         connectionstyle="arc3,rad=-1.5", arrowstyle="-|>",
                                         mutation_scale=9, color=color, lw=lw, ls=ls, zorder=1))
            continue
        ax.add_patch(FancyArrowPatch(pos[r.source], pos[r.target], connectionstyle="arc3,rad=0.15",
                                     arrowstyle="-|>", mutation_scale=10, color=color, lw=lw,
                                     ls=ls, shrinkA=16, shrinkB=16, zorder=1, alpha=0.85))
    for a, (x, y) in pos.items():
        in_map = a in jm.activities or a in (START, END)
        ax.text(x, y, a, ha="center", va="center", fontsize=8, zorder=3,
                bbox=dict(boxstyle="round,pad=0.3", fc="white" if in_map else "#fde0dd",
                          ec="black" if in_map else "tab:red", lw=1.5 if a in jm.goal else 0.8))
    for s, name in enumerate(jm.stage_names):
        ax.text(1.45 + 2.0 * s, 0.8, name, ha="center", fontsize=9, fontweight="bold")
    ax.legend(handles=[Line2D([], [], color=c, ls=l, label=k) for k, (c, l) in style.items()],
              loc="lower right", fontsize=7, frameon=False)
    ax.set_xlim(-0.6, width + 0.8)
    ax.set_ylim(min(y for _, y in pos.values()) - 0.8, 1.3)
    ax.axis("off")
    ax.set_title(f"Actual directly-follows graph vs {jm.name}", loc="left", fontsize=10)
    return fig


# ------------------------------------------------------------------------------------------
# command line
# ------------------------------------------------------------------------------------------
def compare_main(events_path, map_path, out_dir, *, time_budget=5.0, n_jobs=None):
    """``journeymining compare EVENTS --map MAP.yaml --out DIR``.

    Reads the event log (CSV, Parquet or XES, via :func:`journeymining.readers.read_event_log`)
    and the map, runs :func:`compare_to_map` and writes ``summary.json``, ``deviations.csv``,
    ``cases.csv``, ``variants.csv``, ``by_touchpoint.csv``, ``by_stage.csv``, ``funnel.csv``,
    ``break_points.csv``, ``dfg_diff.csv`` and the figures ``journey_map.{png,svg}`` and
    ``dfg_diff.{png,svg}``.

    Returns
    -------
    dict
        File name -> written path.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .readers import read_event_log

    jm = JourneyMap.from_yaml(map_path)
    log = read_event_log(events_path)
    res = compare_to_map(log, jm, time_budget=time_budget, n_jobs=n_jobs)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    p = out / "summary.json"
    p.write_text(json.dumps(res.summary(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written[p.name] = p
    tables = {"deviations": res.deviations, "cases": res.cases, "variants": res.variants,
              "by_touchpoint": res.by_touchpoint, "by_stage": res.by_stage, "funnel": res.funnel,
              "break_points": res.break_points, "dfg_diff": res.dfg_diff}
    for name, t in tables.items():
        p = out / f"{name}.csv"
        t.to_csv(p, index=name in ("variants", "by_touchpoint", "by_stage"))
        written[p.name] = p
    for name, fig in (("journey_map", res.plot_map()), ("dfg_diff", res.plot_dfg_diff())):
        for ext in ("png", "svg"):
            p = out / f"{name}.{ext}"
            fig.savefig(p, dpi=130, bbox_inches="tight")
            written[p.name] = p
        plt.close(fig)
    step(f"wrote {len(written)} files to {out}")
    return written

"""Actual journeys against the intended journey map, in journey words.

:func:`compare_to_map` replays an event log on a :class:`~journeymining.journeymap.model.JourneyMap`
and returns a :class:`Conformance`: pm4py's fitness (token replay and alignments), precision,
generalisation and simplicity, plus a deviations frame whose kinds are those of
``docs/ARCHITECTURE.md``:

the kinds and their definitions are :data:`KIND_DEFINITIONS` (``docs/ARCHITECTURE.md``). The
sequence of steps decides the structural kinds (skipped touchpoint, unplanned step, out of order,
rework), so they are computed once per path *variant*; the kinds that depend on contacts,
resolutions, teams, channels and times (repeat contact, channel switch, reopen, unplanned
handoff, ping-pong, SLA breach, drop-off) come from the journey definitions
(:mod:`journeymining.measure.definitions`), computed once per case by the engine. When one event
carries several kinds, ``primary`` marks the first in :data:`PRECEDENCE` (one event, one pain point).

Alignments run once per variant, in a process pool, each with a time budget: they give pm4py's
alignment fitness and the evidence of every variant (its log moves and model moves, in
``Conformance.variants``). A variant whose alignment runs out of budget is listed there with
``diagnosis == "fallback"`` (never dropped): its fitness is the token-replay fitness and its
deviations come from the map's structure alone. (The kinds are not read off the alignment
because an optimal alignment picks arbitrarily between equally cheap explanations, e.g. "skipped
A" vs "B out of order" around a choice, or "skipped" for a case that simply ended.)

Cost: the log is sorted once and turned into integer codes (the same preparation as
:func:`journeymining.discover.discovery.variant_table`). Everything the activity sequence decides (the
structural kinds, the last touchpoint, the stages reached for the funnel, the stage context of an
event, the directly-follows counts) is computed once per variant and copied to the cases with
integer indexing; time lost, SLA breaches, handoffs and channel switches are numpy passes over the
events. No step loops over cases in Python, so a million tickets take seconds plus the alignments
of their variants.

Examples
--------
>>> import pandas as pd
>>> from journeymining.journeymap import JourneyMap
>>> from journeymining.conform.conformance import compare_to_map
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
>>> result.cases["outcome"].tolist()   # c's last event is the log's last: it may still go on
['goal', 'goal', 'open']
>>> round(result.fitness_alignments, 3)
0.8
"""

from __future__ import annotations

import os
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from journeymining.core.docs import fill_docstrings
from journeymining.core import columns as C
from journeymining.core.eventlog import check_log
from journeymining.core.progress import progress, step
from journeymining.core.errors import EventLogError, JourneyMapError
from journeymining.journeymap import JourneyMap

__all__ = ["KINDS", "KIND_LABELS", "PRECEDENCE", "Conformance", "compare_to_map"]

KINDS = ("skipped_touchpoint", "unplanned_step", "out_of_order", "rework", "repeat_contact",
         "channel_switch", "reopen", "unplanned_handoff", "ping_pong", "sla_breach", "drop_off")
KIND_LABELS = {
    "skipped_touchpoint": "skipped touchpoint", "unplanned_step": "unplanned step",
    "out_of_order": "out of order", "rework": "rework/repeat", "repeat_contact": "repeat contact",
    "channel_switch": "channel switch", "reopen": "reopened", "unplanned_handoff": "unplanned handoff",
    "ping_pong": "ping-pong between teams", "sla_breach": "SLA breach", "drop_off": "drop-off before goal",
}
#: The observable definition of every kind (the attribute kinds are those of the journey
#: definitions, journeymining.measure.definitions).
KIND_DEFINITIONS = {
    "skipped_touchpoint": "a part of the case's path through the map (a touchpoint, or a whole choice such as "
                          "the contact) is absent while a touchpoint the map puts after it happened",
    "unplanned_step": "a step whose activity is not a touchpoint of the map",
    "out_of_order": "the fewest moved steps that explain every pair of first occurrences in an order the map "
                    "forbids, reported at the step that moved",
    "rework": "a non-repeatable touchpoint again in the same cycle (a reopen starts a new cycle)",
    "repeat_contact": "the customer gets in touch again on the same channel",
    "channel_switch": "a contact on another channel than the previous contact",
    "reopen": "a step other than a closure step after a resolution",
    "unplanned_handoff": "a change of team the map does not plan there (on the team sequence)",
    "ping_pong": "a handoff back to the team the case just came from that the map does not plan",
    "sla_breach": "a rule that completed late, or was still open past its limit at the case end (log end if "
                  "open); stage rules on the time spent in the stage",
    "drop_off": "the case did not reach the goal and has been silent longer than the open window",
}

#: When one event carries several kinds, the first of this order is its primary kind (one event
#: behind a problem gives one pain point).
PRECEDENCE = ("unplanned_step", "reopen", "repeat_contact", "channel_switch", "rework", "out_of_order",
              "unplanned_handoff", "ping_pong", "sla_breach", "skipped_touchpoint", "drop_off")
DEVIATION_COLUMNS = ["case", "stage", "touchpoint", "kind", "detail", "time_lost", "position", "diagnosis",
                     "primary"]
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
        Per stage (and the goal, after its stage): ``cases`` with an event in the stage,
        ``reached`` (got to the stage or a later one; never grows), ``share`` and ``of_previous``
        of ``reached``.
    break_points : DataFrame
        Cases that ended before the goal, by last stage and last touchpoint.
    dfg_diff : DataFrame
        Directly-follows edges with ``status``: ``intended and taken``, ``taken, not intended``,
        ``intended, never taken`` (``▶``/``■`` mark start and end).
    not_assessed : dict
        Kinds that could not be checked, with the reason (e.g. no ``org:group`` column).
    map_coverage : float
        Share of the log's events whose activity is a touchpoint of the map; a low value means
        the log and the map do not speak the same activity names (wrong map or mapping).
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
    map_coverage: float = float("nan")

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
            "metrics": {k: round(v, 6) if v == v else None for k, v in self.metrics().items()},
            "map_coverage": round(self.map_coverage, 6) if self.map_coverage == self.map_coverage else None,
            "reached_goal": round(float(self.cases["reached_goal"].mean()) if n else 0.0, 6),
            "conforming_cases": int((~self.cases[list(KINDS)].any(axis=1)).sum()),
            "deviations": {r.kind: {"cases": int(r.cases), "share": round(float(r.share), 6)}
                           for r in kt.itertuples()},
            "budget_exceeded_variants": int(len(self.budget_exceeded)),
            "budget_exceeded_cases": int(self.budget_exceeded["cases"].sum()),
            "not_assessed": dict(self.not_assessed),
            "definitions": {k: f"{KIND_LABELS[k]}: {KIND_DEFINITIONS[k]}" for k in KINDS},
        }

    def plot_map(self, *, ax=None):
        """The journey map with the share of cases deviating at each touchpoint as overlay.

        Returns
        -------
        matplotlib.figure.Figure
            Detached from pyplot when ``ax`` is None, so a notebook shows it once (as the value
            of the cell), not a second time when pyplot flushes its open figures.
        """
        bt = self.by_touchpoint
        overlay = {a: float(bt.loc[a, "share"]) if a in bt.index else 0.0
                   for a in self.journey_map.activities}
        own = ax is None
        fig = self.journey_map.plot(ax=ax, overlay=overlay, overlay_label="share of cases deviating here")
        ax = fig.axes[0]
        unplanned = bt[~bt.index.isin(self.journey_map.activities)].sort_values("cases", ascending=False)
        lines = [f"{KIND_LABELS[r.kind]}: {r.share:.0%}" for r in self.kind_table().itertuples() if r.cases]
        if len(unplanned):
            lines.append("unplanned: " + ", ".join(f"{a} ({s:.0%})" for a, s in unplanned["share"].head(4).items()))
        if lines:
            ax.text(0.0, -0.02, "cases with: " + " · ".join(lines), transform=ax.transAxes, va="top",
                    fontsize=7, wrap=True)
        if own:
            _detach(fig)
        return fig

    def plot_dfg_diff(self, *, ax=None, min_cases=1):
        """The actual directly-follows graph against the intended map.

        Grey: intended and taken (width ~ cases); red: taken but not intended; blue dashed:
        intended but never taken. Touchpoints sit in their stage column; unplanned activities
        in a bottom row.

        Returns
        -------
        matplotlib.figure.Figure
            A figure not registered with pyplot when ``ax`` is None (shown once in a notebook).
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


def _run_alignments(variants, jm, budget, n_jobs):
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
# per-variant diagnosis
# ------------------------------------------------------------------------------------------
class _MapInfo:
    """Cached lookups on the map used by the per-variant diagnosis."""

    def __init__(self, jm, settings=None):
        self.jm = jm
        self.resolution = set(settings.resolution or ()) if settings is not None else set(jm.resolution)
        self.closure = (set(settings.closure) if settings is not None else set(jm.closure)) | set(jm.goal)
        self.known = set(jm.activities)
        self.order = {a: i for i, a in enumerate(jm.activities)}
        self.repeatable = {a for a in jm.activities if jm.is_repeatable(a)}
        self.goal = set(jm.goal)
        self.contacts = set(jm.contacts)
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


def _first_occurrences(trace, info, judged):
    firsts, done = [], set()
    for i in judged:
        a = trace[i]
        if a in info.known and a not in done:
            firsts.append((i, a))
            done.add(a)
    return firsts


def _moved_steps(firsts, info):
    """The fewest steps whose move explains every order conflict among the first occurrences.

    Two first occurrences conflict when the map wants the later one first (or they are
    alternatives of one choice). Greedy vertex cover of the conflict graph: repeatedly the step in
    the most conflicts is reported as moved (ties: the later one), so one step that jumped over two
    others is reported once, at the step that moved. Written by hand: the conflict graphs are a
    handful of touchpoints per variant, and no library offers this reading of "out of order".
    """
    conflicts = set()
    for j, (pj, b) in enumerate(firsts):
        for k in range(j):
            pa, a = firsts[k]
            if info.precede(b, a) or info.exclusive(b, a):
                conflicts.add((k, j))
    moved = []
    while conflicts:
        count = Counter(x for pair in conflicts for x in pair)
        worst = max(count, key=lambda x: (count[x], x))
        moved.append(firsts[worst])
        conflicts = {pair for pair in conflicts if worst not in pair}
    return sorted(moved)


def _diagnose(trace, info):
    """Structural deviations of one variant: list of (kind, touchpoint, stage, detail, position).

    The kinds follow the observable definitions of ``docs/ARCHITECTURE.md`` on the map's
    structure: out of order = the fewest moved steps that explain every pair of first occurrences
    in an order the map forbids (or two alternatives of one choice); skipped = a part of the
    case's path through the map (a touchpoint, or a whole choice such as the contact stage) that is
    absent while a touchpoint the map puts after it is present. Contact touchpoints after the
    case's first contact are re-contacts (repeat contact / channel switch, from the definitions)
    and are not judged for order, rework or skips. Drop-off, reopen and the attribute kinds come
    from :mod:`journeymining.measure.definitions`.
    """
    devs = []
    stages = _context_stages(trace, info)
    # a contact touchpoint is the journey's opening only as the case's first event; later ones
    # are the customer getting in touch again
    judged = [i for i, a in enumerate(trace) if not (a in info.contacts and i > 0)]
    seen = Counter()
    last_work_resolved = False
    for i in judged:
        a = trace[i]
        closure_only = a in info.closure and a not in info.resolution
        if not closure_only:
            if last_work_resolved:
                seen = Counter()   # a reopen starts a new cycle: resolving and closing again is no rework
            last_work_resolved = a in info.resolution
        seen[a] += 1
        if a not in info.known:
            prev = next((b for b in reversed(trace[:i]) if b in info.known), None)
            where = f" after {prev}" if prev else " before any touchpoint"
            devs.append(("unplanned_step", a, stages[i], f"{a} is not in the map{where}", i))
        elif seen[a] > 1 and a not in info.repeatable:
            devs.append(("rework", a, stages[i], f"{a} again (occurrence {seen[a]})", i))
    present = {trace[i] for i in judged}
    for pj, b in _moved_steps(_first_occurrences(trace, info, judged), info):
        devs.append(("out_of_order", b, stages[pj], _order_detail(trace, pj, info), pj))
    for label, stage, acts in info.jm.missing_parts(present):
        later = next((a for a in trace if a in info.known and any(info.precede(m, a) for m in acts)), None)
        if later is None:
            continue  # nothing the map puts after it happened: the case ended before it
        what = f"{label} skipped" if len(acts) == 1 else f"{label} missing"
        devs.append(("skipped_touchpoint", label, stage, f"{what} ({later} happened without it)", -1))
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
# the log as integer codes (one stable sort, shared with discovery's variant table)
# ------------------------------------------------------------------------------------------
class _Events:
    """The events sorted by case (first appearance) then time, as numpy arrays.

    ``s`` is :func:`journeymining.discover.discovery._prepare`'s result (activity codes, int64 times,
    case boundaries); the attribute columns are factorised in the same event order.
    """

    def __init__(self, log, case_id_key, activity_key, timestamp_key, columns):
        from journeymining.core.eventlog import code_log

        self.s = s = code_log(log, case_id_key, activity_key, timestamp_key, "compare_to_map")
        self.n_cases = len(s.starts)
        self.n = n = len(s.acodes)
        self.acodes = s.acodes
        self.times = s.times
        self.unit = s.unit
        self.case_of = np.repeat(np.arange(self.n_cases, dtype=np.int64), s.lengths)
        self.pos = np.arange(n, dtype=np.int64) - np.repeat(s.starts, s.lengths)
        self.new_case = np.zeros(n, dtype=bool)
        self.new_case[s.starts] = True
        delta = np.zeros(n, dtype=np.int64)
        delta[1:] = s.times[1:] - s.times[:-1]
        delta[s.starts] = 0
        self.delta = delta
        # activity of each code as the string the map is matched against
        self.act = np.array([str(a) for a in s.activity_labels], dtype=object)
        self._order = _event_order(log, case_id_key, timestamp_key) if columns else None
        self.codes, self.labels = {}, {}
        for col in columns:
            codes, labels = pd.factorize(log[col], sort=False)
            codes = codes.astype(np.int64, copy=False)
            self.codes[col] = codes if self._order is None else codes[self._order]
            self.labels[col] = np.asarray(labels, dtype=object)

    def acts_where(self, predicate):
        """Boolean per activity code: ``predicate(activity string)``."""
        return np.array([bool(predicate(a)) for a in self.act], dtype=bool)

    def per_code(self, values, default=None):
        """Object array per activity code from a dict activity string -> value."""
        return np.array([values.get(a, default) for a in self.act], dtype=object)

    def timedelta_ns(self, values):
        """int64 durations in the log's time unit -> int64 nanoseconds."""
        return np.asarray(values, dtype=np.int64) * _NS_PER[self.unit]


_NS_PER = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}


def _event_order(log, case_id_key, timestamp_key):
    """The permutation that :func:`journeymining.discover.discovery._prepare` applies (None: already sorted).

    Cases in order of first appearance, events by time, ties in input order: a unique order, so
    this equals the order of ``_prepare``'s arrays.
    """
    ccodes = pd.factorize(log[case_id_key], sort=False)[0].astype(np.int64, copy=False)
    times = log[timestamp_key].values.view("int64")
    same = ccodes[1:] == ccodes[:-1]
    if bool(np.all(ccodes[1:] >= ccodes[:-1]) and np.all(times[1:][same] >= times[:-1][same])):
        return None
    n = len(ccodes)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(times, kind="stable")] = np.arange(n, dtype=np.int64)
    return np.argsort(ccodes * n + rank)


def _first_of_run(keys):
    """True at the first element of every run of equal values in ``keys``."""
    out = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        out[1:] = keys[1:] != keys[:-1]
    return out


def _last_of_run(keys):
    out = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        out[:-1] = keys[1:] != keys[:-1]
    return out


def _format_combos(fmt, *codes):
    """``[fmt(*combo) for combo in zip(*codes)]`` for non-negative int arrays, formatting each
    distinct combination once."""
    if not len(codes[0]):
        return np.array([], dtype=object)
    arrays = [np.asarray(c, dtype=np.int64) for c in codes]
    key = np.zeros(len(arrays[0]), dtype=np.int64)
    radix = [int(a.max()) + 1 for a in arrays]
    if float(np.prod([float(r) for r in radix])) < 2.0 ** 62:
        for a, r in zip(arrays, radix):
            key = key * r + a
        uniq, inverse = np.unique(key, return_inverse=True)
        combos = []
        for k in uniq.tolist():
            combo = []
            for r in reversed(radix):
                k, v = divmod(k, r)
                combo.append(v)
            combos.append(combo[::-1])
    else:
        uniq, inverse = np.unique(np.stack(arrays), axis=1, return_inverse=True)
        combos = uniq.T.tolist()
    texts = np.array([fmt(*c) for c in combos], dtype=object)
    return texts[np.asarray(inverse).reshape(-1)]


def _fmt(td):
    secs = int(round(td.total_seconds()))
    d, rest = divmod(secs, 86400)
    h, rest = divmod(rest, 3600)
    m = rest // 60
    parts = [f"{d}d" if d else "", f"{h}h" if h else "", f"{m}m" if m else ""]
    return "".join(parts) or f"{secs}s"


# ------------------------------------------------------------------------------------------
# per-variant tables, mapped back to the cases with integer indexing
# ------------------------------------------------------------------------------------------
def _event_context(trace, info):
    """Stage context of each event of a trace as the attribute-level kinds report it: the
    touchpoint's stage, else the last stage seen in the case, else the map's first stage."""
    out, last = [], info.jm.stage_names[0]
    for a in trace:
        s = info.stage(a)
        if s is not None:
            last = s
        out.append(last)
    return out


def _expand(per_variant_counts, variant_of_case):
    """For variant-level rows grouped by variant (``per_variant_counts`` rows per variant):
    (case, row) of every case-level copy, cases in order, a variant's rows in their order."""
    n_var = len(per_variant_counts)
    vstart = np.zeros(n_var, dtype=np.int64)
    vstart[1:] = np.cumsum(per_variant_counts)[:-1]
    per_case = per_variant_counts[variant_of_case]
    total = int(per_case.sum())
    case = np.repeat(np.arange(len(variant_of_case), dtype=np.int64), per_case)
    case_start = np.zeros(len(per_case), dtype=np.int64)
    case_start[1:] = np.cumsum(per_case)[:-1]
    row = np.repeat(vstart[variant_of_case] - case_start, per_case) + np.arange(total, dtype=np.int64)
    return case, row


def _variant_codes(s, examples_new, lengths):
    """Activity codes of every variant, concatenated (variant v at ``offset[v]``)."""
    offset = np.zeros(len(lengths), dtype=np.int64)
    offset[1:] = np.cumsum(lengths)[:-1]
    total = int(lengths.sum())
    idx = np.repeat(s.starts[examples_new] - offset, lengths) + np.arange(total, dtype=np.int64)
    return s.acodes[idx], offset


def _dfg_from_variants(vcodes, offset, lengths, counts, labels):
    """Directly-follows counts (``source``, ``target``, ``frequency``, ``cases``) from the
    variants and their case counts, rows and order as in
    :func:`journeymining.discover.discovery.discover_dfg`."""
    from journeymining.discover import END, START

    k = len(labels)
    n_var = len(lengths)
    var = np.repeat(np.arange(n_var, dtype=np.int64), lengths)
    inner = var[1:] == var[:-1]
    key = vcodes[:-1][inner] * k + vcodes[1:][inner]
    evar = var[1:][inner]
    edges, eid = np.unique(key, return_inverse=True)
    eid = np.asarray(eid).reshape(-1)
    n_edges = len(edges)
    frequency = np.bincount(eid, weights=counts[evar], minlength=n_edges)
    pair = np.unique(evar * max(n_edges, 1) + eid)
    cases = np.bincount(pair % max(n_edges, 1), weights=counts[pair // max(n_edges, 1)], minlength=n_edges)
    has = lengths > 0
    first = np.bincount(vcodes[offset[has]], weights=counts[has], minlength=k)
    last = np.bincount(vcodes[offset[has] + lengths[has] - 1], weights=counts[has], minlength=k)
    starts_at, ends_at = np.flatnonzero(first), np.flatnonzero(last)
    frame = pd.DataFrame({
        "source": pd.Series(np.concatenate([labels[edges // k] if n_edges else [],
                                            [START] * len(starts_at), labels[ends_at]]), dtype=object),
        "target": pd.Series(np.concatenate([labels[edges % k] if n_edges else [],
                                            labels[starts_at], [END] * len(ends_at)]), dtype=object),
        "frequency": np.concatenate([frequency, first[starts_at], last[ends_at]]).astype(np.int64),
        "cases": np.concatenate([cases, first[starts_at], last[ends_at]]).astype(np.int64),
    })
    frame["_s"] = frame["source"].astype(str).where(frame["source"] != START, "")
    frame["_t"] = frame["target"].astype(str).where(frame["target"] != END, "\U0010ffff")
    frame = frame.sort_values(["frequency", "_s", "_t"], ascending=[False, True, True],
                              kind="stable").drop(columns=["_s", "_t"])
    return frame.reset_index(drop=True)


def _str_series(values):
    return pd.Series(np.asarray(values, dtype=object), dtype="str")


# ------------------------------------------------------------------------------------------
# the verb
# ------------------------------------------------------------------------------------------
def compare_to_map(log, journey_map, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                   timestamp_key=C.TIMESTAMP, time_budget=5.0, n_jobs=None, alignments=True,
                   settings=None, measures=None):
    """Compare actual journeys with the intended journey map.

    Every diagnosis that depends only on a case's sequence of steps (the structural kinds, the
    last touchpoint, the stages reached) is computed once per path variant; the kinds that depend
    on teams, channels, contacts, resolutions and times (unplanned handoff, ping-pong, channel
    switch, repeat contact, reopen, SLA breach, drop-off) come from the journey definitions
    (:mod:`journeymining.measure.definitions`), computed once per case by the engine. Events of
    kind ``"change"`` (update-snapshot logs: a team, channel or field change) are not steps of the
    journey: they are judged by the attribute kinds only.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event (not modified).
    journey_map : JourneyMap, dict or path
        The intended map (a dict or a YAML path is loaded with ``JourneyMap``).
    {keys}
    time_budget : float, default 5.0
        Seconds allowed for the alignment of one variant. A variant over budget is listed in
        ``Conformance.variants`` with ``diagnosis == "fallback"``, diagnosed structurally, and left
        out of ``fitness_alignments`` (as pm4py does with alignments that time out).
    n_jobs : int, optional
        Worker processes for the alignments (default: all cores).
    alignments : bool, default True
        False diagnoses every variant with the fallback (``fitness_alignments`` is then NaN).
    settings : JourneySettings, optional
        Goal, contacts, SLAs ... (default: from the map).
    measures : CaseMeasures, optional
        The case measures of ``log`` already computed with the same settings (the pipeline passes
        them so they are computed once).

    Returns
    -------
    Conformance

    Raises
    ------
    EventLogError
        If ``log`` is not an event log with the named columns, or has missing case ids,
        activities or timestamps.
    JourneyMapError
        If ``journey_map`` is not a valid map.
    """
    from journeymining.discover import variant_frame as _variant_frame, variant_ids as _variant_ids
    from journeymining.measure import case_measures
    from journeymining.measure import JourneySettings

    jm = _as_map(journey_map)
    check_log(log, case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key,
              verb="compare_to_map")
    if log.empty:
        raise EventLogError("compare_to_map: the event log is empty; there are no journeys to compare.")
    if settings is None:
        settings = JourneySettings.from_map(jm)
    step_mask = (~(log["event_kind"].astype("string").fillna("") == "change")).to_numpy(dtype=bool) \
        if "event_kind" in log.columns else np.ones(len(log), dtype=bool)
    steps_log = log if step_mask.all() else log[step_mask]
    E = _Events(steps_log, case_id_key, activity_key, timestamp_key, [])
    m = measures if measures is not None else case_measures(
        jm.annotate(log, activity_key=activity_key), settings, case_id_key=case_id_key,
        activity_key=activity_key, timestamp_key=timestamp_key)
    s = E.s
    n_cases = E.n_cases
    step(f"comparing {n_cases:,} cases with the journey map {jm.name!r}")

    # variants: the same table and ids as discovery.variant_table / case_variants (of the steps)
    vof, examples = _variant_ids(s)
    vt, new_of_old = _variant_frame(s, vof, examples)
    variant_of_case = new_of_old[vof]
    examples_new = np.empty(len(examples), dtype=np.int64)
    examples_new[new_of_old] = examples
    counts = vt["cases"].to_numpy()
    vlengths = vt["length"].to_numpy()
    vcodes, var_offset = _variant_codes(s, examples_new, vlengths)
    variant_acts = [tuple(map(str, a)) for a in vt["activities"]]
    info = _MapInfo(jm, settings)
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

    # per variant: alignment evidence, structural deviations, last touchpoint, stages reached
    diag, cost, fit, bwc, secs, vdevs, lm, mm = [], [], [], [], [], [], [], []
    last_tp, reached_stages = [], []
    for vid, acts in zip(vt.index, variant_acts):
        r = align.get(vid)
        moves = None if r is None else r["moves"]
        diag.append("alignment" if moves is not None else "fallback")
        cost.append(np.nan if r is None else r["cost"])
        fit.append(np.nan if r is None else r["fitness"])
        bwc.append(np.nan if r is None else r["bwc"])
        secs.append(np.nan if r is None else r["seconds"])
        lm.append(", ".join(l for l, m_ in moves if m_ == ">>") if moves is not None else None)
        mm.append(", ".join(m_ for l, m_ in moves if l == ">>" and m_ is not None) if moves is not None else None)
        for kind, tp, stage, detail, pos in _diagnose(acts, info):
            vdevs.append((vid, _KIND_INDEX[kind], tp, stage, detail, pos, diag[-1]))
        known = [a for a in acts if a in info.known]
        last_tp.append(known[-1] if known else None)
        reached_stages.append({info.stage(a) for a in known})
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

    # the events of the full log in case order, as the definitions see them
    ev = m.events
    n_full = len(log)
    pos_by_row = np.zeros(n_full, dtype=np.int64)
    pos_by_row[ev["row"].to_numpy()] = ev["pos"].to_numpy()
    wait_by_row = np.zeros(n_full, dtype=np.int64)
    wait_by_row[ev["row"].to_numpy()] = np.nan_to_num(ev["wait_h"].to_numpy(dtype="float64") * 3.6e12).astype(np.int64)
    order = _event_order(steps_log, case_id_key, timestamp_key)
    step_rows = np.flatnonzero(step_mask)
    e_rows = step_rows if order is None else step_rows[order]     # full-log row of each step event
    labels_e = pd.Index(pd.Series(s.case_labels, dtype=object).astype(str))
    case_col = m.keys[0] if m.keys[0] in m.cases.columns else C.CASE
    labels_m = m.cases[case_col].astype(str).to_numpy(dtype=object)
    e_of_m = labels_e.get_indexer(labels_m)                         # E case of each measured case

    # structural deviations: one copy of the variant's rows per case of the variant
    v_var = np.array([d[0] for d in vdevs], dtype=np.int64)
    v_cols = [np.array([d[k] for d in vdevs], dtype=object) for k in range(1, 7)]
    v_kind, v_tp, v_stage, v_detail, v_pos, v_diag = v_cols
    v_kind, v_pos = v_kind.astype(np.int64), v_pos.astype(np.int64)
    d_case, d_row = _expand(np.bincount(v_var, minlength=n_var), variant_of_case)
    d_kind, d_pos = v_kind[d_row], v_pos[d_row]
    at = e_rows[s.starts[d_case] + np.maximum(d_pos, 0)] if len(d_case) else np.zeros(0, dtype=np.int64)
    full_pos = np.where(d_pos >= 0, pos_by_row[at], -1)
    d_lost = np.where(d_pos >= 0, wait_by_row[at], 0)
    parts = [(d_case, d_kind, v_tp[d_row], v_stage[d_row], v_detail[d_row], full_pos, v_diag[d_row], d_lost)]
    parts.extend(_definition_rows(m, jm, e_of_m, n_cases))
    not_assessed = {kind: m.na[key] for kind, key in (
        ("unplanned_handoff", "unplanned_handoffs"), ("ping_pong", "ping_pongs"),
        ("channel_switch", "channel_switches"), ("repeat_contact", "repeat_contacts"),
        ("reopen", "reopens"), ("sla_breach", "sla_breaches")) if key in m.na}

    # all deviations, ordered by case, position, kind (stable: ties keep the order found)
    cols = [np.concatenate([np.asarray(p[k]) for p in parts]) for k in range(8)]
    keep = cols[0] >= 0
    cols = [c[keep] for c in cols]
    o = np.lexsort((cols[1], cols[5], cols[0]))
    dev_case, dev_kind, tp, stage, detail, position, dgn, lost = (c[o] for c in cols)
    dev_kind = dev_kind.astype(np.int64)
    kinds = np.array(KINDS, dtype=object)
    rank = np.array([PRECEDENCE.index(k) for k in KINDS], dtype=np.int64)[dev_kind]
    key = pd.DataFrame({"c": dev_case, "p": position, "r": rank, "i": np.arange(len(rank))})
    primary = np.zeros(len(rank), dtype=bool)
    primary[key.sort_values(["c", "p", "r", "i"]).drop_duplicates(["c", "p"])["i"].to_numpy()] = True
    primary |= (position < 0) | (dev_kind == _KIND_INDEX["drop_off"])
    dev = pd.DataFrame({
        "case": pd.Series(s.case_labels[dev_case.astype(np.int64)], dtype=object),
        "stage": _str_series(stage), "touchpoint": _str_series(tp), "kind": _str_series(kinds[dev_kind]),
        "detail": _str_series(detail), "time_lost": pd.to_timedelta(lost.astype(np.int64).astype("timedelta64[ns]")),
        "position": position.astype(np.int64), "diagnosis": _str_series(dgn), "primary": primary,
    })

    # per-case table
    flags = np.zeros((n_cases, len(KINDS)), dtype=bool)
    flags[dev_case.astype(np.int64), dev_kind] = True
    last_tp = np.array(last_tp, dtype=object)
    last_stage = np.array([info.stage(a) if a is not None else None for a in last_tp], dtype=object)
    m_of_e = np.full(n_cases, -1, dtype=np.int64)
    m_of_e[e_of_m[e_of_m >= 0]] = np.flatnonzero(e_of_m >= 0)
    mc = m.cases.iloc[m_of_e]
    cases = pd.DataFrame({
        "case": pd.Series(s.case_labels, dtype=object),
        "variant_id": variant_of_case.astype(np.int64),
        "events": mc["events"].to_numpy(dtype=np.int64),
        "reached_goal": mc["goal_reached"].astype(bool).to_numpy(),
        "outcome": mc["outcome"].to_numpy(dtype=object),
        "last_stage": _str_series(last_stage[variant_of_case]),
        "last_touchpoint": _str_series(last_tp[variant_of_case]),
        "diagnosis": _str_series(np.asarray(diag, dtype=object)[variant_of_case]),
        **{k: flags[:, i] for i, k in enumerate(KINDS)},
    })

    return Conformance(
        journey_map=jm, fitness_token_replay=float(fitness_tbr), fitness_alignments=float(fitness_ali),
        precision=float(precision), generalization=float(generalization), simplicity=simplicity,
        deviations=dev, cases=cases, variants=variants,
        by_touchpoint=_by(dev, dev_case.astype(np.int64), "touchpoint", n_cases, jm),
        by_stage=_by(dev, dev_case.astype(np.int64), "stage", n_cases, jm),
        funnel=_funnel(reached_stages, counts, cases, jm),
        break_points=_break_points(cases),
        dfg_diff=_dfg_diff(_dfg_from_variants(vcodes, var_offset, vlengths, counts, s.activity_labels), jm),
        not_assessed=not_assessed,
        map_coverage=_map_coverage(vcodes, vlengths, counts, s.activity_labels, jm),
    )


def _definition_rows(m, jm, e_of_m, n_cases):
    """Deviation rows of the kinds the journey definitions decide, per event of the full log."""
    from journeymining.core.durations import format_duration

    ev = m.events
    case_e = e_of_m[ev["case"].to_numpy(dtype=np.int64)]
    act = ev["act"].astype(object).to_numpy()
    stage_of = {a: jm.stage_of(a) for a in jm.activities}
    ctx = pd.Series([stage_of.get(a) for a in act], dtype=object)
    ctx = ctx.groupby(ev["case"].to_numpy()).ffill().fillna(jm.stage_names[0]).to_numpy(dtype=object)
    pos = ev["pos"].to_numpy(dtype=np.int64)
    lost = np.nan_to_num(ev["wait_h"].to_numpy(dtype="float64") * 3.6e12).astype(np.int64)
    rows = []

    def add(kind, mask, detail):
        idx = np.flatnonzero(mask)
        if len(idx):
            rows.append((case_e[idx], np.full(len(idx), _KIND_INDEX[kind], dtype=np.int64), act[idx], ctx[idx],
                         np.asarray(detail, dtype=object)[idx] if not isinstance(detail, str) else
                         np.full(len(idx), detail, dtype=object),
                         pos[idx], np.full(len(idx), "attributes", dtype=object), lost[idx]))

    def col(name):
        return ev[name].astype(object).where(ev[name].notna(), "?").to_numpy(dtype=object)

    if "unplanned_handoffs" not in m.na:
        mask = ev["handoff"].to_numpy(dtype=bool) & ~ev["handoff_planned"].fillna(False).to_numpy(dtype=bool)
        add("unplanned_handoff", mask, [f"{a} → {b} at {x}" for a, b, x in zip(col("from_team"), col("to_team"), act)])
    if "ping_pongs" not in m.na:
        add("ping_pong", ev["ping_pong"].to_numpy(dtype=bool),
            [f"back to {b}, the team it came from ({a} → {b}) at {x}" for a, b, x in
             zip(col("from_team"), col("to_team"), act)])
    if "channel_switches" not in m.na:
        add("channel_switch", ev["channel_switch"].to_numpy(dtype=bool),
            [f"contact on {b} after a contact on {a}, at {x}" for a, b, x in
             zip(col("prev_contact_channel"), col("contact_channel"), act)])
    if "repeat_contacts" not in m.na:
        mask = ev["repeat_contact"].to_numpy(dtype=bool) & ~ev["channel_switch"].to_numpy(dtype=bool)
        add("repeat_contact", mask, [f"the customer got in touch again ({x}, {c})" for x, c in
                                     zip(act, col("contact_channel"))])
    if "reopens" not in m.na:
        add("reopen", ev["reopen"].to_numpy(dtype=bool), [f"{x} after the case was resolved" for x in act])
    if "sla_breaches" not in m.na and len(m.sla):
        b = m.sla[m.sla["breached"].astype(bool)]
        if len(b):
            row_pos = np.zeros(len(ev), dtype=np.int64)
            order = np.argsort(ev["row"].to_numpy())
            where = order[np.searchsorted(ev["row"].to_numpy()[order], b["row"].to_numpy(dtype=np.int64))]
            took = b["took_h"].to_numpy(dtype="float64")
            within = b["within_h"].to_numpy(dtype="float64")
            detail = [f"{r} took {format_duration(pd.Timedelta(hours=t))}" + ("" if done else " (not completed)")
                      for r, t, done in zip(b["rule"], took, b["completed"])]
            rows.append((case_e[where], np.full(len(b), _KIND_INDEX["sla_breach"], dtype=np.int64), act[where],
                         ctx[where], np.asarray(detail, dtype=object), pos[where],
                         np.full(len(b), "attributes", dtype=object),
                         ((took - within) * 3.6e12).astype(np.int64)))
            del row_pos
    if "outcome" not in m.na:
        dropped = np.flatnonzero(m.cases["outcome"].to_numpy(dtype=object) == "dropped")
        if len(dropped):
            last = ev.groupby("case", sort=True).tail(1).set_index("case")
            known = ev[ev["act"].isin(jm.activities)].groupby("case", sort=True).tail(1).set_index("case")
            last_act = last["act"].reindex(dropped).astype(object).to_numpy()
            tp = known["act"].reindex(dropped).astype(object).where(lambda x: x.notna(), None).to_numpy()
            tp = np.where(pd.isna(tp), last_act, tp)
            goal = " or ".join(jm.goal)
            rows.append((e_of_m[dropped], np.full(len(dropped), _KIND_INDEX["drop_off"], dtype=np.int64),
                         tp.astype(object), np.array([jm.stage_of(t) or jm.stage_names[0] for t in tp], dtype=object),
                         np.array([f"ended after {a} without reaching {goal}" for a in last_act], dtype=object),
                         last["pos"].reindex(dropped).to_numpy(dtype=np.int64),
                         np.full(len(dropped), "attributes", dtype=object), np.zeros(len(dropped), dtype=np.int64)))
    return rows


fill_docstrings(compare_to_map)
_KIND_INDEX = {k: i for i, k in enumerate(KINDS)}


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


def _by(dev, dev_case, key, n_cases, jm):
    index = jm.activities if key == "touchpoint" else jm.stage_names
    if dev.empty:
        g = pd.DataFrame(index=pd.Index(index, name=key))
    else:
        # cases counted by their integer index (faster than hashing the labels)
        # summed in seconds: thousands of long gaps overflow nanosecond Timedeltas (292 years)
        # time lost counted once per event: on its primary deviation
        primary = dev["primary"].to_numpy(dtype=bool) if "primary" in dev else np.ones(len(dev), dtype=bool)
        d = pd.DataFrame({key: dev[key], "kind": dev["kind"], "case": dev_case,
                          "lost_s": dev["time_lost"].dt.total_seconds().fillna(0.0).where(primary, 0.0)})
        grp = d.groupby(key, sort=False)
        lost = grp["lost_s"].sum()
        g = pd.DataFrame({"cases": grp["case"].nunique(), "deviations": grp.size(),
                          "time_lost": pd.Series(np.round(lost.to_numpy()).astype(np.int64).astype("timedelta64[s]"),
                                                 index=lost.index)})
        per_kind = d.groupby([key, "kind"])["case"].nunique().unstack(fill_value=0)
        g = g.join(per_kind.reindex(columns=list(KINDS), fill_value=0))
        extra = [i for i in g.index if i not in index]
        g = g.reindex(list(index) + sorted(extra, key=lambda i: -g.loc[i, "cases"]))
    for c in ("cases", "deviations", *KINDS):
        g[c] = g[c].fillna(0).astype(np.int64) if c in g else 0
    g["time_lost"] = (g["time_lost"].fillna(pd.Timedelta(0)).astype("timedelta64[s]") if "time_lost" in g
                      else pd.Series(pd.Timedelta(0), index=g.index).astype("timedelta64[s]"))
    g["share"] = g["cases"] / n_cases if n_cases else 0.0
    g["mean_time_lost_per_case"] = [tl / c if c else _ZERO for tl, c in zip(g["time_lost"], g["cases"])]
    g.index.name = key
    if key == "touchpoint":
        g.insert(0, "stage", [jm.stage_of(a) for a in g.index])
        g.insert(1, "in_map", [a in set(jm.activities) for a in g.index])
    return g[[c for c in g.columns if c not in KINDS] + list(KINDS)]


def _map_coverage(vcodes, vlengths, counts, labels, jm):
    """Share of events (variant sequences weighted by their cases) whose activity is a touchpoint."""
    if len(vcodes) == 0:
        return float("nan")
    in_map = np.isin(np.asarray(labels, dtype=object), list(jm.activities))
    weights = np.repeat(np.asarray(counts, dtype=np.int64), np.asarray(vlengths, dtype=np.int64))
    return float(np.dot(in_map[vcodes], weights) / weights.sum())


def _funnel(reached_stages, counts, cases, jm):
    """The stage funnel, summed over variants.

    Per stage: ``cases`` that passed through it (had an event of one of its touchpoints) and their
    ``share``; ``reached`` the cases that got to it *or a later stage*, ``share_reached``, and
    ``skipped`` = reached - passed through (cases that went past the stage without it); the goal
    row (after the stage holding the goal) counts the cases whose outcome is the goal.
    ``of_previous`` is ``cases`` relative to the previous row.
    """
    n = len(cases)
    names = jm.stage_names
    index = {name: i for i, name in enumerate(names)}
    furthest = [max((index[s] for s in st if s in index), default=-1) for st in reached_stages]
    goal_stage = max((index.get(jm.stage_of(a), -1) for a in jm.goal), default=len(names) - 1)
    steps = []
    for i, name in enumerate(names):
        visited = int(sum(int(k) for st, k in zip(reached_stages, counts) if name in st))
        reached = int(sum(int(k) for f, k in zip(furthest, counts) if f >= i))
        steps.append((name, visited, max(reached, visited)))
        if i == goal_stage:
            g = int(cases["reached_goal"].sum())
            steps.append(("goal: " + " / ".join(jm.goal), g, g))
    rows, prev = [], n
    for step_name, visited, reached in steps:
        rows.append({"step": step_name, "cases": visited, "share": visited / n if n else 0.0,
                     "reached": reached, "share_reached": reached / n if n else 0.0,
                     "skipped": reached - visited, "of_previous": visited / prev if prev else 0.0})
        prev = visited
    return pd.DataFrame(rows)


def _break_points(cases):
    """Cases that dropped off (not the ones still open), by last stage and touchpoint."""
    drop = cases[cases["outcome"] == "dropped"] if "outcome" in cases else cases[~cases["reached_goal"]]
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
    from journeymining.discover import END, START

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


def _detach(fig):
    """Unregister a figure that pyplot created: it stays a working Figure (drawing, savefig,
    notebook display as a cell's value) but pyplot no longer shows it again at the end of the
    cell, and it does not pile up in ``plt.get_fignums()``."""
    import matplotlib.pyplot as plt

    plt.close(fig)


def _plot_dfg_diff(res, *, ax=None, min_cases=1):
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.lines import Line2D

    from journeymining.discover import END, START

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
        fig = Figure(figsize=(max(7, 1.5 * width), 2.2 + 0.9 * (depth + (1 if others else 0))))
        ax = fig.subplots()
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

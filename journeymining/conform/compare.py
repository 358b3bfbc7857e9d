"""The comparison verb: actual journeys against the intended journey map, in journey words.

This module holds :func:`compare_to_map` and the deviation rows it takes from the journey
definitions; the kinds, the diagnosis, the pm4py metrics, the result and its figures live in
the sibling modules of :mod:`journeymining.conform`. :func:`compare_to_map` replays an event log on a :class:`~journeymining.journeymap.model.JourneyMap`
and returns a :class:`~journeymining.conform.result.Conformance`: pm4py's fitness (token replay and alignments), precision,
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

Cost: the log is sorted once and turned into integer codes by
:func:`journeymining.core.eventlog.code_log` (the same preparation as
:func:`journeymining.discover.variant_table`). Everything the activity sequence decides (the
structural kinds, the last touchpoint, the stages reached for the funnel, the stage context of an
event, the directly-follows counts) is computed once per variant and copied to the cases with
integer indexing; time lost, SLA breaches, handoffs and channel switches are numpy passes over the
events. No step loops over cases in Python, so a million tickets take seconds plus the alignments
of their variants.

Examples
--------
>>> import pandas as pd
>>> from journeymining.journeymap import JourneyMap
>>> from journeymining.conform import compare_to_map
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

import numpy as np
import pandas as pd

from journeymining.conform.diagnosis import MapInfo, diagnose
from journeymining.conform.kinds import KIND_INDEX, KINDS, PRECEDENCE
from journeymining.conform.metrics import (
    etc_precision,
    replay_fitness,
    replay_generalization,
    replay_variants,
    run_alignments,
)
from journeymining.conform.result import (
    Conformance,
    break_point_table,
    deviation_summary,
    dfg_diff_table,
    dfg_from_variants,
    funnel_table,
    map_coverage_of,
)
from journeymining.core.docs import fill_docstrings
from journeymining.core import columns as C
from journeymining.core.eventlog import check_log, code_log, event_order
from journeymining.core.progress import step
from journeymining.core.errors import EventLogError, JourneyMapError
from journeymining.journeymap import JourneyMap

__all__ = ["compare_to_map"]


# ------------------------------------------------------------------------------------------
# per-variant tables, mapped back to the cases with integer indexing
# ------------------------------------------------------------------------------------------
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
    from journeymining.discover import variant_frame, variant_ids
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
    s = code_log(steps_log, case_id_key, activity_key, timestamp_key, "compare_to_map")
    m = measures if measures is not None else case_measures(
        jm.annotate(log, activity_key=activity_key), settings, case_id_key=case_id_key,
        activity_key=activity_key, timestamp_key=timestamp_key)
    n_cases = len(s.starts)
    step(f"comparing {n_cases:,} cases with the journey map {jm.name!r}")

    # variants: the same table and ids as discovery.variant_table / case_variants (of the steps)
    vof, examples = variant_ids(s)
    vt, new_of_old = variant_frame(s, vof, examples)
    variant_of_case = new_of_old[vof]
    examples_new = np.empty(len(examples), dtype=np.int64)
    examples_new[new_of_old] = examples
    counts = vt["cases"].to_numpy()
    vlengths = vt["length"].to_numpy()
    vcodes, var_offset = _variant_codes(s, examples_new, vlengths)
    variant_acts = [tuple(map(str, a)) for a in vt["activities"]]
    info = MapInfo(jm, settings)
    net, im, fm = jm.to_petri_net()

    # alignments per variant
    n_var = len(vt)
    align = {}
    if alignments:
        step(f"aligning {n_var:,} variants (budget {time_budget:g}s each)")
        for r in run_alignments(list(zip(vt.index, variant_acts)), jm, time_budget, n_jobs):
            align[r["variant_id"]] = r
    step("token replay, precision, generalisation")
    replays = replay_variants(variant_acts, net, im, fm)
    fitness_tbr = replay_fitness(replays, counts)
    precision = etc_precision(variant_acts, counts, net, im, fm)
    generalization = replay_generalization(replays, counts, net)
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
        for kind, tp, stage, detail, pos in diagnose(acts, info):
            vdevs.append((vid, KIND_INDEX[kind], tp, stage, detail, pos, diag[-1]))
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
    order = event_order(steps_log, case_id_key, timestamp_key)
    step_rows = np.flatnonzero(step_mask)
    e_rows = step_rows if order is None else step_rows[order]     # full-log row of each step event
    labels_e = pd.Index(pd.Series(s.case_labels, dtype=object).astype(str))
    case_col = m.keys[0] if m.keys[0] in m.cases.columns else C.CASE
    labels_m = m.cases[case_col].astype(str).to_numpy(dtype=object)
    e_of_m = labels_e.get_indexer(labels_m)                         # coded case of each measured case

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
    primary |= (position < 0) | (dev_kind == KIND_INDEX["drop_off"])
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
        by_touchpoint=deviation_summary(dev, dev_case.astype(np.int64), "touchpoint", n_cases, jm),
        by_stage=deviation_summary(dev, dev_case.astype(np.int64), "stage", n_cases, jm),
        funnel=funnel_table(reached_stages, counts, cases, jm),
        break_points=break_point_table(cases),
        dfg_diff=dfg_diff_table(dfg_from_variants(vcodes, var_offset, vlengths, counts, s.activity_labels), jm),
        not_assessed=not_assessed,
        map_coverage=map_coverage_of(vcodes, vlengths, counts, s.activity_labels, jm),
    )


def _texts(fmt, *columns):
    """``fmt(*values)`` for every row of the columns, formatting each distinct combination once."""
    frame = pd.DataFrame({str(i): pd.Series(c, dtype=object).fillna("?").astype(str) for i, c in enumerate(columns)})
    if frame.empty:
        return np.zeros(0, dtype=object)
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(frame), sort=False)
    texts = np.array([fmt(*u) for u in uniques], dtype=object)
    return texts[codes]


def _definition_rows(m, jm, e_of_m, n_cases):
    """Deviation rows of the kinds the journey definitions decide, per flagged event of the full log."""
    from journeymining.core.durations import format_duration

    ev = m.events
    case_e = e_of_m[ev["case"].to_numpy(dtype=np.int64)]
    act = ev["act"]
    # stage context from the map: the touchpoint's stage, else the last one seen in the case
    stage_codes = {s_: i for i, s_ in enumerate(jm.stage_names)}
    per_act = np.array([stage_codes.get(jm.stage_of(str(a)), -1) for a in act.cat.categories] + [-1], dtype=np.int64)
    st = per_act[act.cat.codes.to_numpy()]
    c = ev["case"].to_numpy()
    first = np.ones(len(c), dtype=bool)
    first[1:] = c[1:] != c[:-1]
    case_start = np.maximum.accumulate(np.where(first, np.arange(len(c)), 0))
    at = np.maximum.accumulate(np.where(st >= 0, np.arange(len(c)), -1))
    ctx_code = np.where(at >= case_start, st[np.maximum(at, 0)], 0)
    stage_names = np.array(jm.stage_names, dtype=object)
    pos = ev["pos"].to_numpy(dtype=np.int64)
    lost = np.nan_to_num(ev["wait_h"].to_numpy(dtype="float64") * 3.6e12).astype(np.int64)
    rows = []

    act_codes, act_names = act.cat.codes.to_numpy(), np.asarray(act.cat.categories, dtype=object)

    def labels(name, idx):
        col = act if name == "act" else ev[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes = col.cat.codes.to_numpy()[idx]
            return np.where(codes >= 0, np.asarray(col.cat.categories, dtype=object)[np.maximum(codes, 0)], None)
        return col.to_numpy(dtype=object)[idx]

    def add(kind, mask, fmt, *names):
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        cols = [labels(n, idx) for n in names]
        rows.append((case_e[idx], np.full(len(idx), KIND_INDEX[kind], dtype=np.int64),
                     act_names[act_codes[idx]], stage_names[ctx_code[idx]], _texts(fmt, *cols), pos[idx],
                     np.full(len(idx), "attributes", dtype=object), lost[idx]))

    if "unplanned_handoffs" not in m.na:
        mask = ev["handoff"].to_numpy(dtype=bool) & ~ev["handoff_planned"].fillna(False).to_numpy(dtype=bool)
        add("unplanned_handoff", mask, lambda a, b, x: f"{a} → {b} at {x}", "from_team", "to_team", "act")
    if "ping_pongs" not in m.na:
        add("ping_pong", ev["ping_pong"].to_numpy(dtype=bool),
            lambda a, b, x: f"back to {b}, the team it came from ({a} → {b}) at {x}", "from_team", "to_team", "act")
    if "channel_switches" not in m.na:
        add("channel_switch", ev["channel_switch"].to_numpy(dtype=bool),
            lambda a, b, x: f"contact on {b} after a contact on {a}, at {x}",
            "prev_contact_channel", "contact_channel", "act")
    if "repeat_contacts" not in m.na:
        mask = ev["repeat_contact"].to_numpy(dtype=bool) & ~ev["channel_switch"].to_numpy(dtype=bool)
        add("repeat_contact", mask, lambda x, ch: f"the customer got in touch again ({x}, {ch})", "act",
            "contact_channel")
    if "reopens" not in m.na:
        add("reopen", ev["reopen"].to_numpy(dtype=bool), lambda x: f"{x} after the case was resolved", "act")
    if "sla_breaches" not in m.na and len(m.sla):
        b = m.sla[m.sla["breached"].astype(bool)]
        if len(b):
            order = np.argsort(ev["row"].to_numpy())
            where = order[np.searchsorted(ev["row"].to_numpy()[order], b["row"].to_numpy(dtype=np.int64))]
            took = b["took_h"].to_numpy(dtype="float64")
            within = b["within_h"].to_numpy(dtype="float64")
            detail = _texts(lambda r, t, done: f"{r} took {format_duration(pd.Timedelta(hours=float(t)))}"
                            + ("" if done == "True" else " (not completed)"),
                            b["rule"].to_numpy(dtype=object), np.round(took, 4), b["completed"].to_numpy())
            rows.append((case_e[where], np.full(len(b), KIND_INDEX["sla_breach"], dtype=np.int64),
                         act_names[act_codes[where]], stage_names[ctx_code[where]], detail, pos[where],
                         np.full(len(b), "attributes", dtype=object), ((took - within) * 3.6e12).astype(np.int64)))
    if "outcome" not in m.na:
        dropped = np.flatnonzero(m.cases["outcome"].to_numpy(dtype=object) == "dropped")
        if len(dropped):
            # the case's last event and its last touchpoint event (events are in case order)
            case_end = np.flatnonzero(np.r_[c[1:] != c[:-1], True])
            in_map = np.isin(act_names, list(jm.activities))[act_codes] & (act_codes >= 0)
            tp_at = np.maximum.accumulate(np.where(in_map, np.arange(len(c)), -1))[case_end]
            tp_at = np.where(tp_at >= case_start[case_end], tp_at, -1)
            last_idx = case_end[dropped]
            last_act = act_names[act_codes[last_idx]]
            tp = np.where(tp_at[dropped] >= 0, act_names[act_codes[np.maximum(tp_at[dropped], 0)]], last_act)
            goal = " or ".join(jm.goal)
            rows.append((e_of_m[dropped], np.full(len(dropped), KIND_INDEX["drop_off"], dtype=np.int64),
                         tp.astype(object), np.array([jm.stage_of(t) or jm.stage_names[0] for t in tp], dtype=object),
                         _texts(lambda a: f"ended after {a} without reaching {goal}", last_act),
                         pos[last_idx],
                         np.full(len(dropped), "attributes", dtype=object), np.zeros(len(dropped), dtype=np.int64)))
    return rows


fill_docstrings(compare_to_map)


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

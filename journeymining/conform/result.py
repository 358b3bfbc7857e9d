"""The result of a comparison with the journey map: :class:`Conformance` and the tables in it.

:class:`Conformance` holds pm4py's quality dimensions, the deviations, the per-case and
per-variant tables, and summaries for the report. The functions here build its derived tables
from the deviations and the variants: deviations by touchpoint and by stage
(:func:`deviation_summary`), the stage funnel (:func:`funnel_table`), where dropped-off cases
stopped (:func:`break_point_table`), the actual directly-follows graph against the intended edges
(:func:`dfg_from_variants`, :func:`dfg_diff_table`) and how much of the log the map covers
(:func:`map_coverage_of`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from journeymining.conform.kinds import KIND_DEFINITIONS, KIND_LABELS, KINDS
from journeymining.conform.plots import plot_conformance_map, plot_dfg_diff
from journeymining.journeymap import JourneyMap

__all__ = ["Conformance", "deviation_summary", "map_coverage_of", "funnel_table", "break_point_table",
           "dfg_from_variants", "dfg_diff_table"]

_ZERO = pd.Timedelta(0)


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
        return plot_conformance_map(self, ax=ax)

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
        return plot_dfg_diff(self, ax=ax, min_cases=min_cases)


def deviation_summary(dev, dev_case, key, n_cases, jm):
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


def map_coverage_of(vcodes, vlengths, counts, labels, jm):
    """Share of events (variant sequences weighted by their cases) whose activity is a touchpoint."""
    if len(vcodes) == 0:
        return float("nan")
    in_map = np.isin(np.asarray(labels, dtype=object), list(jm.activities))
    weights = np.repeat(np.asarray(counts, dtype=np.int64), np.asarray(vlengths, dtype=np.int64))
    return float(np.dot(in_map[vcodes], weights) / weights.sum())


def funnel_table(reached_stages, counts, cases, jm):
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


def break_point_table(cases):
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


def dfg_diff_table(dfg, jm):
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



def dfg_from_variants(vcodes, offset, lengths, counts, labels):
    """Directly-follows counts (``source``, ``target``, ``frequency``, ``cases``) from the
    variants and their case counts, rows and order as in
    :func:`journeymining.discover.discover_dfg`."""
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


"""Profiles of clusters: the representative journey and the journey measures of each cluster.

:func:`profile_clusters` describes each cluster of cases in journey words: its medoid path
(:func:`medoid_index`, under normalised edit distance), channels, throughput, handoffs, reopen,
rework, goal reached and CSAT, all from the journey definitions of
:mod:`journeymining.measure.definitions` gathered once per case by :class:`CaseMeasures`, and,
given an intended map, conformance columns (:func:`conformance_by_case`,
:func:`conformance_table`). :func:`profile_table` is the shared worker that
:class:`journeymining.cluster.estimator.VariantClusterer` calls on its fitted log.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeymining.cluster.distances import edit_distance_matrix
from journeymining.cluster.errors import ClusteringError
from journeymining.cluster.variants import aligned_labels, path_text, variants_of
from journeymining.core import columns as C
from journeymining.core.docs import fill_docstrings

__all__ = ["profile_clusters", "profile_table", "CaseMeasures", "medoid_index", "top_share",
           "conformance_by_case", "conformance_table"]


def medoid_index(variants, weights, limit=300):
    """Index of the variant with the smallest case-weighted edit distance to the others."""
    if len(variants) == 1:
        return 0
    cand = np.argsort(-weights, kind="stable")[:limit]
    members = np.argsort(-weights, kind="stable")[:2000]
    d = edit_distance_matrix([variants[i] for i in cand], [variants[i] for i in members])
    return int(cand[np.argmin(d @ weights[members])])


def top_share(values, counts, k=3):
    """The ``k`` most frequent ``values`` with their share of ``counts``, e.g. ``"chat 60%, mail 40%"``."""
    total = counts.sum()
    if total == 0:
        return ""
    order = np.lexsort((values, -counts))[:k]
    return ", ".join(f"{values[i]} {counts[i] / total:.0%}" for i in order if counts[i] > 0)


def conformance_by_case(log, journey_map, keys):
    """Per case: conforming (no deviation) flag, from conformance.compare_to_map (guarded)."""
    try:
        from journeymining.conform import KINDS, compare_to_map
    except ImportError as exc:  # pragma: no cover - conformance is part of the package
        raise ClusteringError("journey_map= needs journeymining.conform, which is not "
                              "available in this installation.") from exc
    return compare_to_map(log, journey_map, **keys), KINDS


def profile_clusters(log, labels, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                     timestamp_key=C.TIMESTAMP, medoids=None, journey_map=None, settings=None, measures=None):
    """Describe each cluster of cases in journey words.

    Parameters
    ----------
    log : DataFrame
        Event log.
    labels : Series
        Cluster of each case, indexed by case id (``VariantClusterer.labels_``); ``-1`` = noise.
    {keys}
    medoids : dict, optional
        ``{cluster: activity tuple}`` representative per cluster. By default the medoid under
        normalised edit distance: the variant of the cluster with the smallest case-weighted
        distance to the cluster's cases (among its 300 most frequent variants).
    journey_map : JourneyMap, optional
        Intended map: adds ``conforming`` (share of cases without any deviation),
        ``deviations_per_case`` and ``top_deviation`` (the deviation kind most cases of the
        cluster show, with that share) from :func:`journeymining.conform.compare_to_map`.

    Returns
    -------
    DataFrame
        Indexed by ``cluster`` (largest first, noise ``-1`` last), with ``cases``, ``share``,
        ``customers`` (distinct ``case:customer``, NaN without the column), ``variants``,
        ``representative`` (medoid path), ``representative_share`` (share of the cluster's cases
        that follow it exactly), ``events_mean``, ``channels`` (top three channels by share of
        events), ``throughput_h_median``, ``throughput_h_mean``, ``handoffs_mean`` (org:group
        changes between consecutive events, events without a group skipped; NaN without the
        column), ``reopened`` (share of cases reopened after a resolution), ``rework`` (share of
        cases repeating an activity), ``goal_reached`` (share of cases at the goal), ``csat_mean``
        (mean of the cases' mean answer, NaN without answers) and ``csat_answered`` (share of
        cases with an answer). The definitions are those of
        :mod:`journeymining.measure.definitions`; without a goal (``settings`` or ``journey_map``)
        ``goal_reached`` and ``reopened`` are NaN, never a guess.
    settings : JourneySettings, optional
        Goal, resolution ... (default: from ``journey_map``, else none).
    measures : CaseMeasures, optional
        The case measures of ``log`` already computed (the pipeline passes them).

    Raises
    ------
    EventLogError
        As :func:`journeymining.discover.variant_table`.
    ClusteringError
        ``labels`` is not a Series or misses cases of the log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a", "b", "b", "c"],
    ...     "concept:name": ["Chat", "Resolve", "Chat", "Resolve", "Mail"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01 08:00", "2024-05-01 10:00",
    ...                                       "2024-05-02 08:00", "2024-05-02 09:00",
    ...                                       "2024-05-03 08:00"], utc=True)})
    >>> labels = pd.Series({"a": 0, "b": 0, "c": 1})
    >>> profile_clusters(log, labels)[["cases", "representative", "throughput_h_median"]]
    ... # doctest: +NORMALIZE_WHITESPACE
             cases    representative  throughput_h_median
    cluster
    0            2  Chat → Resolve                  1.5
    1            1            Mail                  0.0
    """
    keys = dict(case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key)
    var = variants_of(log, **keys, verb="profile_clusters")
    lab = aligned_labels(labels, var.cases, "profile_clusters")
    if settings is None and journey_map is not None:
        from journeymining.measure import JourneySettings

        settings = JourneySettings.from_map(journey_map)
    cm = CaseMeasures(log, var, keys, settings=settings, measures=measures)
    return profile_table(log, var, lab, keys, medoids=medoids, journey_map=journey_map, measures=cm)


class CaseMeasures:
    """Per-case measures in ``var.cases`` order, from the journey definitions
    (:func:`journeymining.measure.definitions.case_measures`, with the same settings as the rest
    of the analysis: one goal, one reopen, one handoff), plus rework per variant."""

    def __init__(self, log, var, keys, settings=None, measures=None):
        from journeymining.measure import case_measures

        self.codes = var.case_codes_of_events()
        m = measures if measures is not None else case_measures(log, settings, **keys)
        case_col = keys["case_id_key"] if keys["case_id_key"] in m.cases else C.CASE
        ck = m.cases.set_index(m.cases[case_col].astype(str)).reindex(pd.Index(var.cases).astype(str))
        self.events = ck["events"].to_numpy(dtype=np.int64)
        self.throughput_h = ck["throughput_h"].to_numpy(dtype=float)
        self.goal_reached = ck["goal_reached"].to_numpy(dtype=float)
        self.reopened = ck["reopened"].to_numpy(dtype=float)
        self.handoffs = ck["handoffs"].to_numpy(dtype=float)
        self.csat = ck["csat"].to_numpy(dtype=float)
        # rework (an activity repeated in the case) depends on the path only: once per variant
        self.rework = np.array([len(set(v)) < len(v) for v in var.variants])[var.case_variant]
        self.customer = (ck[C.CUSTOMER].to_numpy(dtype=object)
                         if C.CUSTOMER in log.columns and C.CUSTOMER in ck else None)


def profile_table(log, var, lab, keys, *, medoids=None, journey_map=None, measures=None):
    """The :func:`profile_clusters` table from the variants ``var`` of ``log`` and the case labels
    ``lab`` (in ``var.cases`` order); ``measures`` is a :class:`CaseMeasures` of the same log."""
    m_ = measures if measures is not None else CaseMeasures(log, var, keys)
    cv = var.case_variant
    chan = None
    if C.CHANNEL in log.columns:
        ch_codes, ch_names = pd.factorize(log[C.CHANNEL], sort=True)
        ok = ch_codes >= 0
        if ok.any():
            ev_lab = lab[m_.codes[ok]]
            found_l = np.unique(ev_lab)
            pos = np.searchsorted(found_l, ev_lab)
            flat = np.bincount(pos * len(ch_names) + ch_codes[ok], minlength=len(found_l) * len(ch_names))
            counts = flat.reshape(len(found_l), len(ch_names))
            chan = pd.DataFrame(counts, index=found_l, columns=[str(x) for x in ch_names])
    conf = None
    if journey_map is not None:
        res, kinds = conformance_by_case(log, journey_map, keys)
        conf = conformance_table(res, var.cases, kinds)
    found = sorted(set(lab.tolist()), key=lambda c: (c < 0, c))
    rows = []
    total = len(lab)
    for c in found:
        m = lab == c
        n = int(m.sum())
        vc = np.bincount(cv[m], minlength=len(var.variants))
        present = np.flatnonzero(vc)
        if medoids is not None and c in medoids:
            rep = tuple(medoids[c])
        else:
            rep = var.variants[present[medoid_index([var.variants[i] for i in present], vc[present].astype(float))]]
        rep_id = next((i for i in present if var.variants[i] == rep), None)
        csat = m_.csat[m]
        answered = np.isfinite(csat)
        row = {
            "cluster": c,
            "cases": n,
            "share": n / total,
            "customers": (pd.unique(m_.customer[m][pd.notna(m_.customer[m])]).size
                          if m_.customer is not None else np.nan),
            "variants": len(present),
            "representative": path_text(rep),
            "representative_share": (vc[rep_id] / n) if rep_id is not None else 0.0,
            "events_mean": float(m_.events[m].mean()),
            "channels": (top_share(np.asarray(chan.columns, object), chan.loc[c].to_numpy())
                         if chan is not None and c in chan.index else ""),
            "throughput_h_median": float(np.median(m_.throughput_h[m])),
            "throughput_h_mean": float(np.mean(m_.throughput_h[m])),
            "handoffs_mean": float(np.mean(m_.handoffs[m])),
            "reopened": float(np.mean(m_.reopened[m])),
            "rework": float(m_.rework[m].mean()),
            "goal_reached": float(np.mean(m_.goal_reached[m])),
            "csat_mean": float(csat[answered].mean()) if answered.any() else np.nan,
            "csat_answered": float(answered.mean()),
        }
        if conf is not None:
            row["conforming"] = float(conf["conforming"].to_numpy()[m].mean())
            row["deviations_per_case"] = float(conf["deviations"].to_numpy()[m].mean())
            shares = {k: float(conf[k].to_numpy()[m].mean()) for k in conf.columns[2:]}
            top = max(shares, key=lambda k: (shares[k], -list(shares).index(k)), default=None)
            row["top_deviation"] = f"{top} {shares[top]:.0%}" if top and shares[top] > 0 else ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("cluster")


def conformance_table(result, cases, kinds):
    """Per case (in ``cases`` order): ``conforming``, ``deviations`` and one bool column per kind."""
    per_case = result.cases.set_index("case")
    idx = pd.Index(cases)
    out = pd.DataFrame(index=idx)
    kinds = [k for k in kinds if k in per_case.columns]
    flags = per_case[kinds].reindex(idx).fillna(False).astype(bool)
    out["conforming"] = ~flags.any(axis=1)
    counts = result.deviations["case"].value_counts() if len(result.deviations) else pd.Series(dtype=int)
    out["deviations"] = counts.reindex(idx).fillna(0).to_numpy(float)
    for k in kinds:
        out[k] = flags[k].to_numpy()
    return out


fill_docstrings(profile_clusters)

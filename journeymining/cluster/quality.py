"""Per-cluster process models as a criterion for k: weighted fitness, precision and total size.

For a partition of the variants, :func:`partition_quality` discovers one inductive-miner model
per cluster from the cluster's variants weighted by their cases (:func:`variant_model`, the
model :func:`journeymining.discover.discover_journey` finds on the cluster's cases) and scores it
on the same cases with pm4py's token-replay fitness and ETConformance precision, computed once
per variant (:mod:`journeymining.conform.metrics`), so the cost grows with the variants, not the
cases. ``VariantClusterer(n_clusters="auto", quality_criterion=True)`` reports the figures of
every k, and their gain over k = 1 (one model of the whole log), in ``selection_table_``. The
models are scored *in sample* here (discovered and measured on the same cases): a cheap
criterion to compare k; the held-out scoring of a chosen partition is
:func:`journeymining.cluster.scoring.score_clusters`.
"""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np

from journeymining.conform.metrics import etc_precision, replay_fitness, replay_variants

__all__ = ["NOISE_THRESHOLD", "variant_model", "model_scores", "partition_quality", "QualityCache"]

NOISE_THRESHOLD = 0.2
"""Inductive-miner noise threshold of the per-cluster models (``discover_journey``'s default)."""


def variant_model(variants, counts, noise_threshold=NOISE_THRESHOLD):
    """Inductive-miner Petri net ``(net, initial_marking, final_marking)`` of weighted variants.

    The variant-level log (pm4py's UVCL: each variant once with its number of cases) goes to
    pm4py's inductive miner exactly as :func:`journeymining.discover.discover_journey` gives it
    (IMf when ``noise_threshold > 0``, tree folded and sorted), so the net is the one
    ``discover_journey`` finds on a log with these cases.

    Parameters
    ----------
    variants : sequence of tuple of str
        Activity sequences.
    counts : sequence of int
        Cases per variant (variants with 0 cases are left out).
    noise_threshold : float, default 0.2
        Share of infrequent behaviour the inductive miner filters out.
    """
    from pm4py.algo.discovery.inductive import algorithm as inductive_miner
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
    from pm4py.objects.conversion.process_tree import converter as pt_converter
    from pm4py.objects.process_tree.utils import generic as pt_util

    uvcl = Counter()
    for v, c in zip(variants, counts):
        if c > 0:
            uvcl[tuple(v)] += int(round(c))
    parameters = {"noise_threshold": noise_threshold, "multiprocessing": False,
                  "disable_fallthroughs": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        miner = (inductive_miner.IMFUVCL if noise_threshold > 0 else inductive_miner.IMUVCL)(parameters)
        tree = miner.apply(IMDataStructureUVCL(uvcl), parameters)
        tree = pt_util.fold(tree)
        pt_util.tree_sort(tree)
        return pt_converter.apply(tree)


def model_scores(variants, counts, noise_threshold=NOISE_THRESHOLD):
    """``{"fitness", "precision", "model_size", "cases"}`` of the model of weighted variants,
    scored on the same cases (in sample).

    ``fitness``: pm4py's token-replay log fitness (``fitness_token_based_replay``'s
    ``log_fitness``); ``precision``: pm4py's ETConformance token-based precision
    (``precision_token_based_replay``); both from one replay per variant weighted by its
    cases. ``model_size``: places + transitions of the Petri net.
    """
    keep = [i for i, c in enumerate(counts) if c > 0]
    acts = [tuple(variants[i]) for i in keep]
    w = np.asarray([counts[i] for i in keep], float)
    net, im, fm = variant_model(acts, w, noise_threshold)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitness = float(replay_fitness(replay_variants(acts, net, im, fm), w))
        precision = float(etc_precision(acts, w, net, im, fm))
    return {"fitness": fitness, "precision": precision,
            "model_size": len(net.places) + len(net.transitions), "cases": float(w.sum())}


class QualityCache:
    """Scores of clusters already modelled, keyed by their set of variants (clusters that stay
    the same from one k to the next, common with average linkage, are modelled once)."""

    def __init__(self, variants, counts, noise_threshold=NOISE_THRESHOLD):
        self.variants = list(variants)
        self.counts = np.asarray(counts, float)
        self.noise_threshold = noise_threshold
        self._scores = {}

    def scores(self, members):
        key = tuple(int(i) for i in members)
        if key not in self._scores:
            self._scores[key] = model_scores([self.variants[i] for i in key], self.counts[list(key)],
                                             self.noise_threshold)
        return self._scores[key]


def partition_quality(variants, counts, labels, noise_threshold=NOISE_THRESHOLD, *, cache=None):
    """Case-weighted fitness and precision of per-cluster models, and their total size.

    For every cluster of ``labels`` (``-1``, noise, is left out) one model is discovered from
    the cluster's variants weighted by their cases (:func:`variant_model`) and scored on the
    same cases (:func:`model_scores`, in sample). ``fitness`` and ``precision`` are the means
    of the clusters' figures weighted by their number of cases; ``model_size`` is the **sum**
    of the clusters' places + transitions. All labels equal gives the figures of one model of
    the whole log (k = 1).

    Parameters
    ----------
    variants : sequence of tuple of str
        Activity sequences.
    counts : array-like of float
        Cases per variant.
    labels : array-like of int
        Cluster of each variant.
    noise_threshold : float, default 0.2
        Inductive-miner noise threshold of every model.
    cache : QualityCache, optional
        Reuses the scores of clusters met before (built on the same ``variants`` and ``counts``).

    Returns
    -------
    dict
        ``fitness``, ``precision``, ``model_size`` and ``clusters`` (models discovered).

    Examples
    --------
    One model of a-b-c-e and a-c-b-f also allows a-b-c-f and a-c-b-e; one model per path does not:

    >>> variants = [("a", "b", "c", "e"), ("a", "c", "b", "f")]
    >>> one = partition_quality(variants, [3, 2], [0, 0])
    >>> two = partition_quality(variants, [3, 2], [0, 1])
    >>> one["fitness"], round(one["precision"], 4), one["model_size"]
    (1.0, 0.8333, 13)
    >>> two["fitness"], two["precision"], two["model_size"]
    (1.0, 1.0, 18)
    """
    counts = np.asarray(counts, float)
    labels = np.asarray(labels)
    cache = cache or QualityCache(variants, counts, noise_threshold)
    found = [c for c in np.unique(labels) if c >= 0]
    members = [np.flatnonzero((labels == c) & (counts > 0)) for c in found]
    rows = [cache.scores(m) for m in members if len(m)]
    if not rows:
        return {"fitness": float("nan"), "precision": float("nan"), "model_size": 0, "clusters": 0}
    n = np.array([r["cases"] for r in rows])
    return {"fitness": float(np.sum(n * [r["fitness"] for r in rows]) / n.sum()),
            "precision": float(np.sum(n * [r["precision"] for r in rows]) / n.sum()),
            "model_size": int(sum(r["model_size"] for r in rows)), "clusters": len(rows)}

"""Choosing the number of clusters: silhouettes, bootstrap stability, model quality and the table.

``VariantClusterer(n_clusters="auto")`` scores every k with these criteria:
:func:`case_silhouette` (the standard silhouette of the cases, computed from distances between
variants), :func:`weighted_silhouette` (the silhouette of the distinct points, weighted by cases),
the bootstrap stability of the partition (mean case-weighted adjusted Rand index,
:func:`weighted_ari`, over resamples of the cases) and, with ``quality_criterion=True``, the
case-weighted fitness and precision of per-cluster models and their gain over one model of the
whole log (:func:`journeymining.cluster.quality.partition_quality`). :func:`select_k` applies
the rule that picks k from them and returns the rows of ``selection_table_``;
:func:`selection_sentence` states the outcome in one sentence. The figure of the table is
:func:`journeymining.cluster.plots.plot_k_selection`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["weighted_silhouette", "case_silhouette", "silhouette_values", "distinct_point_silhouette",
           "weighted_ari", "select_k", "selection_sentence", "SELECTION_COLUMNS", "SILHOUETTE_TIE"]

SELECTION_COLUMNS = ["k", "silhouette", "silhouette_variants", "stability", "stable", "chosen",
                     "fitness", "precision", "fitness_gain", "precision_gain", "model_size"]
"""The columns of ``selection_table_``, in order (the rows of :func:`select_k`)."""

SILHOUETTE_TIE = 0.01
"""Two k whose mean silhouette differs by at most this much have the same silhouette standing
(the model-quality veto of :func:`select_k` applies between them)."""


def weighted_silhouette(D, labels, weights):
    """Silhouette of variants, averaged with case weights (the criterion behind ``n_clusters="auto"``).

    For a variant *i* in cluster *A*, ``a(i)`` is the case-weighted mean distance to the *other*
    variants of *A* and ``b(i)`` the smallest case-weighted mean distance to the variants of
    another cluster; ``s(i) = (b - a) / max(a, b)``, and ``s(i) = 0`` when *i* is alone in its
    cluster (scikit-learn's convention). The score is the mean of ``s(i)`` weighted by the number of
    cases of each variant. Each variant is one point: the many identical copies of a path do not
    make its cluster look tight, so putting every variant in its own cluster scores 0, not 1.
    Labels ``-1`` (noise of DBSCAN/HDBSCAN) are left out.

    Parameters
    ----------
    D : ndarray of shape (n_variants, n_variants)
        Distances between variants.
    labels : array-like of int
        Cluster of each variant.
    weights : array-like of float
        Cases per variant.

    Returns
    -------
    float
        In [-1, 1]; ``nan`` when fewer than two clusters remain.

    Examples
    --------
    >>> D = [[0, 1, 4, 4], [1, 0, 4, 4], [4, 4, 0, 1], [4, 4, 1, 0]]
    >>> round(weighted_silhouette(D, [0, 0, 1, 1], [1, 1, 1, 1]), 4)
    0.75
    """
    D = np.asarray(D, float)
    labels = np.asarray(labels)
    w = np.asarray(weights, float)
    keep = labels >= 0
    D, labels, w = D[np.ix_(keep, keep)], labels[keep], w[keep]
    if len(np.unique(labels)) < 2:
        return float("nan")
    s = silhouette_values(D, labels, w)
    return float(np.sum(w * s) / np.sum(w))


def case_silhouette(D, labels, weights):
    """The standard silhouette of the *cases*, computed from distances between their variants.

    This is scikit-learn's :func:`sklearn.metrics.silhouette_score` on the cases (each variant
    repeated as many times as it has cases), without building the case-by-case matrix: for a
    case of variant *i* in cluster *A*, ``a = sum_{j in A} w_j D_ij / (W_A - 1)`` (the other
    cases of *A*, the ``w_i - 1`` copies of *i* at distance 0 included), ``b = min_B sum_{j in B}
    w_j D_ij / W_B``, ``s = (b - a) / max(a, b)``, 0 for a case alone in its cluster or when
    ``a = b = 0``; the score is the mean over the cases. Identical cases do count: a cluster of
    many cases following one path is tight. Labels ``-1`` (noise) are left out.

    Parameters
    ----------
    D : ndarray of shape (n_variants, n_variants)
        Distances between variants.
    labels : array-like of int
        Cluster of each variant.
    weights : array-like of int
        Cases per variant.

    Returns
    -------
    float
        In [-1, 1]; ``nan`` with fewer than two clusters.

    Examples
    --------
    >>> D = [[0, 1, 4, 4], [1, 0, 4, 4], [4, 4, 0, 1], [4, 4, 1, 0]]
    >>> round(case_silhouette(D, [0, 0, 1, 1], [1, 1, 1, 1]), 4)   # as weighted_silhouette
    0.75
    >>> round(case_silhouette(D, [0, 0, 1, 1], [3, 1, 1, 1]), 4)   # (3 * 11/12 + 3 * 3/4) / 6
    0.8333
    """
    D = np.asarray(D, float)
    labels = np.asarray(labels)
    w = np.asarray(weights, float)
    keep = (labels >= 0) & (w > 0)
    D, labels, w = D[np.ix_(keep, keep)], labels[keep], w[keep]
    if len(np.unique(labels)) < 2:
        return float("nan")
    s = silhouette_values(D, labels, w, standard=True)
    return float(np.sum(w * s) / np.sum(w))


def weighted_ari(a, b, w):
    """Adjusted Rand index of two labelings of points that stand for ``w`` cases each
    (equals :func:`sklearn.metrics.adjusted_rand_score` on the expanded cases)."""
    a_codes = pd.factorize(np.asarray(a))[0]
    b_codes = pd.factorize(np.asarray(b))[0]
    w = np.asarray(w, float)
    table = np.zeros((a_codes.max() + 1, b_codes.max() + 1))
    np.add.at(table, (a_codes, b_codes), w)

    def pairs(x):
        return (x * (x - 1) / 2).sum()

    n = w.sum()
    index = pairs(table)
    ra, rb = pairs(table.sum(1)), pairs(table.sum(0))
    expected = ra * rb / (n * (n - 1) / 2) if n > 1 else 0.0
    top = (ra + rb) / 2 - expected
    if top == 0:
        return 1.0
    return float((index - expected) / top)



def silhouette_values(D, labels, w, standard=False):
    """s(i) per point; ``standard``: each point stands for ``w`` identical cases (sklearn's
    silhouette of the cases), otherwise a point is one unit weighing ``w`` (variant silhouette)."""
    uniq = np.unique(labels)
    onehot = (labels[:, None] == uniq[None, :]).astype(float)
    sums = D @ (onehot * w[:, None])
    tot = onehot.T @ w
    own = np.searchsorted(uniq, labels)
    n = len(labels)
    own_tot = tot[own] - (1.0 if standard else w)
    a = np.divide(sums[np.arange(n), own], own_tot, out=np.zeros(n), where=own_tot > 0)
    other = sums / tot[None, :]
    other[np.arange(n), own] = np.inf
    b = other.min(axis=1)
    s = np.where(own_tot > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    s[(a == 0) & (b == 0)] = 0.0
    return s


def distinct_point_silhouette(D, labels, w, points):
    """:func:`weighted_silhouette` over the distinct points of an encoding.

    ``points = (first, inverse)``: ``first`` indexes one row per distinct point, ``inverse`` maps
    every row to its point; the cases ``w`` of rows sharing a point are summed, so duplicates of
    one encoding do not make a cluster look tight.
    """
    first, inverse = points
    return weighted_silhouette(D[np.ix_(first, first)], np.asarray(labels)[first],
                               np.bincount(inverse, weights=w, minlength=len(first)))


def select_k(ks, full, D, w, resample, *, points, n_bootstrap, random_state, min_stability,
             min_silhouette, quality=None):
    """Standard case silhouette, variant silhouette, bootstrap stability and model quality of every k.

    Stability of k: the mean, over ``n_bootstrap`` resamples of the cases (multinomial
    counts per variant, seeded by ``random_state``), of the case-weighted adjusted Rand index
    between the k-partition of the data and the k-partition re-fitted on the resample (all
    variants labelled: absent ones by nearest centroid / smallest mean distance). Among the
    k with stability >= ``min_stability`` the chosen k has the highest mean of the standard
    case-level silhouette (:func:`case_silhouette`) and the variant silhouette
    (:func:`weighted_silhouette` on distinct points); ties go to the smaller k. The standard
    silhouette alone rewards splitting off clusters of identical cases (copies of one path
    are at distance 0), the variant silhouette alone ignores how many cases a path has;
    their mean guards against both. Without a stable k the best mean is kept and
    ``no_clear_groups_`` is set, as it is when the standard silhouette of the chosen k is
    below ``min_silhouette``.

    Model quality (``quality`` given): for every k, and for k = 1 (all variants in one
    cluster), ``quality(labels)`` returns the case-weighted mean token-replay fitness and
    ETConformance precision of one inductive-miner model per cluster, discovered and scored on
    the cluster's own cases (in sample), and the total model size (places + transitions summed
    over the clusters), see :func:`journeymining.cluster.quality.partition_quality`. The
    gains are the differences to k = 1. The precision gain is used **only as a veto**: a k
    whose precision gain is not positive is never chosen over a smaller stable k with the same
    silhouette standing (mean silhouette at most :data:`SILHOUETTE_TIE` lower); the best of
    those smaller k (highest mean silhouette, then smaller k) is taken instead, and the check
    is repeated on it. A k with a clearly higher silhouette is kept whatever its gain.

    Parameters
    ----------
    ks : list of int
        The k tried.
    full : dict
        ``{k: labels}`` of the variants for every k.
    D : ndarray of shape (n_variants, n_variants)
        Distances between the variants.
    w : ndarray of float
        Cases per variant.
    resample : callable or None
        ``resample(w_star, ks, seed) -> {k: labels}``: the k-partitions re-fitted on resampled
        case counts ``w_star``; None skips the stability criterion.
    points : tuple of ndarray
        Distinct points of the encoding, as :func:`distinct_point_silhouette`.
    n_bootstrap, random_state, min_stability, min_silhouette
        As :class:`journeymining.cluster.estimator.VariantClusterer`.
    quality : callable or None
        ``quality(labels) -> {"fitness", "precision", "model_size", ...}`` for labels of the
        variants; None (default) skips the model-quality criterion (its columns are NaN).

    Returns
    -------
    best : int
        The chosen k.
    rows : list of tuple
        One tuple per k in the order of :data:`SELECTION_COLUMNS`: ``(k, silhouette,
        silhouette_variants, stability, stable, chosen, fitness, precision, fitness_gain,
        precision_gain, model_size)`` (the rows of ``selection_table_``).
    selection : dict
        What :func:`selection_sentence` reports: ``k``, ``no_clear``, ``any_stable``,
        ``silhouette``, ``stability``, ``B`` (resamples), ``quality`` (the chosen k's row of
        model figures, None without ``quality``), ``baseline`` (k = 1's) and ``vetoed`` (the k
        set aside by the veto).
    """
    from sklearn.utils import check_random_state

    sil = {k: case_silhouette(D, full[k], w) for k in ks}
    sil_var = {k: distinct_point_silhouette(D, full[k], w, points) for k in ks}
    stab = {k: np.nan for k in ks}
    B = int(n_bootstrap)
    if B and resample is not None:
        rs = check_random_state(random_state)
        n = int(round(w.sum()))
        acc = {k: [] for k in ks}
        for _ in range(B):
            w_star = rs.multinomial(n, w / w.sum()).astype(float)
            seed = int(rs.randint(0, 2**31 - 1))
            got = resample(w_star, ks, seed)
            for k in ks:
                acc[k].append(weighted_ari(full[k], got[k], w))
        stab = {k: float(np.mean(v)) for k, v in acc.items()}
    stable = {k: (not B or resample is None or stab[k] >= min_stability) for k in ks}
    pool = [k for k in ks if stable[k]] or ks

    nan_q = {"fitness": np.nan, "precision": np.nan, "fitness_gain": np.nan,
             "precision_gain": np.nan, "model_size": np.nan}
    qual, baseline = {k: dict(nan_q) for k in ks}, None
    if quality is not None:
        baseline = quality(np.zeros(len(w), int))
        for k in ks:
            q = quality(np.asarray(full[k]))
            qual[k] = {"fitness": q["fitness"], "precision": q["precision"],
                       "fitness_gain": q["fitness"] - baseline["fitness"],
                       "precision_gain": q["precision"] - baseline["precision"],
                       "model_size": q["model_size"]}

    def score(k):   # the two silhouettes together (see the docstring)
        vals = [v for v in (sil[k], sil_var[k]) if not np.isnan(v)]
        return float(np.mean(vals)) if vals else -np.inf

    best = pool[0]
    for k in pool[1:]:  # strictly better to move to a larger k
        if score(k) > score(best) + 1e-9:
            best = k
    vetoed = []
    while quality is not None and not qual[best]["precision_gain"] > 1e-9:
        near = [k for k in pool if k < best and score(k) >= score(best) - SILHOUETTE_TIE]
        if not near:
            break
        vetoed.append(best)
        best = max(near, key=lambda k: (score(k), -k))
    no_clear = (not any(stable.values())) or not (sil[best] >= min_silhouette)
    selection = dict(k=best, no_clear=no_clear, any_stable=any(stable.values()),
                     silhouette=sil[best], stability=stab[best], B=B,
                     quality=qual[best] if quality is not None else None, baseline=baseline,
                     vetoed=vetoed)
    rows = [(k, sil[k], sil_var[k], stab[k], stable[k], k == best, qual[k]["fitness"],
             qual[k]["precision"], qual[k]["fitness_gain"], qual[k]["precision_gain"],
             qual[k]["model_size"]) for k in ks]
    return best, rows, selection


def selection_sentence(selection, *, n_clusters, method, min_stability, min_silhouette):
    """``(no_clear_groups, sentence)``: one sentence on the chosen k and whether the groups convince.

    ``selection`` is the third result of :func:`select_k`, or None when no k was selected (k
    fixed, too few distinct paths, or a density method).

    Examples
    --------
    >>> selection_sentence(None, n_clusters=3, method="kmeans", min_stability=0.8, min_silhouette=0.25)
    (False, 'k fixed by n_clusters; no k-selection criteria computed.')
    """
    sel = selection
    if sel is None:
        how = ("k fixed by n_clusters" if n_clusters != "auto" else
               "too few distinct paths to choose k" if method in ("kmeans", "agglomerative")
               else f"{method} finds its own number of clusters")
        return False, f"{how}; no k-selection criteria computed."
    stab = ("stability not computed (n_bootstrap=0)" if not sel["B"] else
            f"bootstrap stability (mean ARI over {sel['B']} resamples) {sel['stability']:.3f}")
    text = (f"k={sel['k']} chosen: standard case-level silhouette {sel['silhouette']:.3f}, {stab}.")
    q, base = sel.get("quality"), sel.get("baseline")
    if q is not None:
        text += (f" Per-cluster models (in sample): precision {q['precision']:.3f} "
                 f"({q['precision_gain']:+.3f} over one model of the log), fitness {q['fitness']:.3f} "
                 f"({q['fitness_gain']:+.3f}), total size {int(q['model_size'])} nodes "
                 f"(one model: {int(base['model_size'])}).")
        if sel.get("vetoed"):
            text += (f" k={', '.join(map(str, sel['vetoed']))} set aside: no precision gain at "
                     "the same silhouette standing.")
    if not sel["any_stable"]:
        text += (f" No k is stable (stability >= {min_stability}): the journeys do not form "
                 "clear groups; the k with the highest silhouette is shown.")
    elif not (sel["silhouette"] >= min_silhouette):
        text += (f" The silhouette is below {min_silhouette}: no convincing groups "
                 "(Kaufman & Rousseeuw: no substantial structure).")
    return bool(sel["no_clear"]), text

"""Customers grouped by path variant: scored clustering, representative journeys, cluster profiles.

The unit of work is the **path variant** (the sequence of activities of a case), weighted by how
many cases follow it, so the cost grows with the number of distinct variants, not with cases.
:class:`VariantClusterer` encodes variants (activity profile, transitions, n-grams or normalised
edit distance), clusters them with scikit-learn, and maps labels back to cases and customers.
:func:`score_clusters` discovers one model per cluster and compares the case-weighted fitness,
precision and size with no clustering and with ``pm4py.cluster_log``. :func:`profile_clusters`
describes each cluster in journey words (medoid path, channels, throughput, handoffs, reopen,
CSAT, conformance to an intended map). Three figures and :func:`cluster_main` (the
``journeymining cluster`` command) complete the module.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from journeymining.core import columns as C
from journeymining import discover as discovery
from journeymining.core.eventlog import check_log
from journeymining.core.progress import progress, step
from journeymining.core.errors import JourneyMiningError, preview

__all__ = [
    "ClusteringError",
    "VariantClusterer",
    "edit_distance_matrix",
    "weighted_silhouette",
    "case_silhouette",
    "plot_k_selection",
    "profile_clusters",
    "score_clusters",
    "plot_cluster_sizes",
    "plot_cluster_maps",
    "plot_variant_embedding",
    "pm4py_cluster_labels",
]

ENCODINGS = ("profile", "transitions", "ngrams", "edit_distance")
METHODS = ("kmeans", "agglomerative", "hdbscan", "dbscan")
_BLOCKS = ("activities", "channels", "durations")
_START, _END = discovery.START, discovery.END
ARROW = discovery.ARROW


class ClusteringError(JourneyMiningError):
    """A clustering parameter is invalid or the log cannot be clustered as asked."""


# --------------------------------------------------------------------------------------------
# variants of a log (vectorised: one pass over the events, work then grows with variants)
# --------------------------------------------------------------------------------------------

class _Variants:
    """Case -> variant assignment of one log (private container)."""

    __slots__ = ("table", "cases", "case_variant", "variants", "counts", "_codes", "_log", "_key")

    def case_codes_of_events(self):
        """Case number (order of first appearance, as ``cases``) of every event, in log order."""
        if self._codes is None:
            self._codes = pd.factorize(self._log[self._key], sort=False)[0]
        return self._codes


def _variants(log, *, case_id_key, activity_key, timestamp_key, verb):
    """Variant table and per-case variant ids, from :mod:`journeymining.discover.discovery`.

    Variants are numbered as in :func:`journeymining.discover.discovery.variant_table` (most frequent
    first, ties by the variant text); events of a case are ordered by time, ties in input order.
    """
    keys = dict(case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key)
    check_log(log, **keys, verb=verb)
    table = discovery.variant_table(log, **keys)
    per_case = discovery.case_variants(log, **keys)
    out = _Variants()
    out.table = table
    out.cases = per_case[case_id_key].to_numpy(dtype=object)
    out.case_variant = per_case["variant_id"].to_numpy(np.int64)
    out.variants = list(table["activities"])
    out.counts = table["cases"].to_numpy(np.int64)
    out._codes, out._log, out._key = None, log, case_id_key
    return out


def _path(variant):
    return ARROW.join(variant) if variant else "(empty)"


# --------------------------------------------------------------------------------------------
# distances
# --------------------------------------------------------------------------------------------

def edit_distance_matrix(variants, others=None):
    """Normalised Levenshtein distance between activity sequences.

    The distance is the minimum number of inserted, deleted or substituted activities that turns
    one sequence into the other, divided by the length of the longer sequence (0 for two empty
    sequences), so it lies in [0, 1]. The dynamic programme runs vectorised over all pairs.

    Parameters
    ----------
    variants : sequence of sequences of hashable
        Activity sequences (for instance ``VariantClusterer().fit(log).variant_table_["variant"]``).
    others : sequence of sequences, optional
        Second set; by default the distances among ``variants`` (a symmetric matrix).

    Returns
    -------
    numpy.ndarray
        ``len(variants) x len(others)`` matrix of floats.

    Examples
    --------
    >>> edit_distance_matrix([("a", "b", "c"), ("a", "c"), ("x",)]).round(3)
    array([[0.   , 0.333, 1.   ],
           [0.333, 0.   , 1.   ],
           [1.   , 1.   , 0.   ]])
    """
    symmetric = others is None
    others = variants if symmetric else others
    vocab = {}
    enc_a = [np.array([vocab.setdefault(x, len(vocab)) for x in s], np.int32) for s in variants]
    enc_b = enc_a if symmetric else [np.array([vocab.setdefault(x, len(vocab)) for x in s], np.int32) for s in others]
    na, nb = len(enc_a), len(enc_b)
    out = np.zeros((na, nb))
    if na == 0 or nb == 0:
        return out
    if symmetric:
        pa, pb = np.triu_indices(na, k=1)
    else:
        pa, pb = np.repeat(np.arange(na), nb), np.tile(np.arange(nb), na)
    if len(pa) == 0:
        return out
    la = np.array([len(s) for s in enc_a])
    lb = np.array([len(s) for s in enc_b])
    ma, mb = max(1, la.max()), max(1, lb.max())
    A = np.full((na, ma), -1, np.int32)
    B = np.full((nb, mb), -2, np.int32)
    for i, s in enumerate(enc_a):
        A[i, : len(s)] = s
    for i, s in enumerate(enc_b):
        B[i, : len(s)] = s
    # chunks of pairs of similar lengths keep the DP tables small
    key = np.maximum(la[pa], lb[pb])
    order = np.argsort(key, kind="stable")
    pa, pb = pa[order], pb[order]
    chunk = 200_000
    dist = np.empty(len(pa))
    for lo in range(0, len(pa), chunk):
        ia, ib = pa[lo: lo + chunk], pb[lo: lo + chunk]
        a_len, b_len = la[ia], lb[ib]
        Ma, Mb = int(a_len.max()), int(b_len.max())
        a, b = A[ia, :max(Ma, 1)], B[ib, :max(Mb, 1)]
        m = len(ia)
        prev = np.tile(np.arange(Mb + 1, dtype=np.int32), (m, 1))
        res = np.where(a_len == 0, b_len, 0).astype(np.int32)
        cur = np.empty_like(prev)
        for i in range(1, Ma + 1):
            cur[:, 0] = i
            ai = a[:, i - 1]
            for j in range(1, Mb + 1):
                cost = (ai != b[:, j - 1]).astype(np.int32)
                np.minimum(np.minimum(prev[:, j], cur[:, j - 1]) + 1, prev[:, j - 1] + cost, out=cur[:, j])
            sel = np.flatnonzero(a_len == i)
            if len(sel):
                res[sel] = cur[sel, b_len[sel]]
            prev, cur = cur, prev
        denom = np.maximum(np.maximum(a_len, b_len), 1)
        dist[lo: lo + chunk] = res / denom
    out[pa, pb] = dist
    if symmetric:
        out[pb, pa] = dist
    return out


def _euclidean(X, Y=None):
    from sklearn.metrics import pairwise_distances

    return pairwise_distances(X, X if Y is None else Y, metric="euclidean")


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
    s = _silhouette_values(D, labels, w)
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
    s = _silhouette_values(D, labels, w, standard=True)
    return float(np.sum(w * s) / np.sum(w))


def _weighted_ari(a, b, w):
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


def _assign_by_average(D, labels, w, missing):
    """Labels of the ``missing`` points: the cluster with the smallest case-weighted mean
    distance (average linkage's criterion)."""
    uniq = np.unique(labels[~missing])
    onehot = (labels[~missing][:, None] == uniq[None, :]) * w[~missing][:, None]
    mean = D[np.ix_(missing, ~missing)] @ onehot / onehot.sum(0)[None, :]
    out = labels.copy()
    out[missing] = uniq[mean.argmin(axis=1)]
    return out


def _weighted_average_linkage(D, w):
    """Average linkage (UPGMA) on variants that start with ``w`` cases each.

    This is exactly average linkage on the cases (identical cases merge first at distance 0), at
    the cost of the variants. Returns the merges as (kept, absorbed, distance) rows.
    """
    n = len(w)
    D = np.array(D, float, copy=True)
    np.fill_diagonal(D, np.inf)
    size = np.asarray(w, float).copy()
    active = np.ones(n, bool)
    merges = []
    if n < 2:
        return merges
    arg = D.argmin(axis=1)
    mins = D[np.arange(n), arg]
    for _ in range(n - 1):
        i = int(np.argmin(mins))
        j = int(arg[i])
        d = float(mins[i])
        if i > j:
            i, j = j, i
        new = (size[i] * D[i] + size[j] * D[j]) / (size[i] + size[j])
        new[i] = new[j] = np.inf
        new[~active] = np.inf
        D[i, :] = new
        D[:, i] = new
        D[j, :] = np.inf
        D[:, j] = np.inf
        size[i] += size[j]
        active[j] = False
        mins[j] = np.inf
        merges.append((i, j, d))
        # after a UPGMA merge no row's minimum can drop, so only rows that pointed at i or j change
        need = np.flatnonzero(active & ((arg == i) | (arg == j)))
        need = np.union1d(need, [i])
        arg[need] = D[need].argmin(axis=1)
        mins[need] = D[need, arg[need]]
    return merges


def _cut(merges, n, k):
    parent = np.arange(n)

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, _ in merges[: max(0, n - k)]:
        parent[root(j)] = root(i)
    roots = np.array([root(x) for x in range(n)])
    return pd.factorize(roots, sort=True)[0]


def _robust_cut(merges, n, k, w, D, min_share):
    """k clusters from an average-linkage tree, ignoring outlier groups.

    The tree is cut at m = k, k + 1, ... clusters until k of them hold at least
    ``max(2, ceil(min_share * cases))`` cases; those k are the clusters and the points of the
    smaller ones join the cluster with the smallest case-weighted mean distance (average
    linkage's own criterion). Without such an m the plain k-cut is returned. Average linkage
    isolates noisy, one-off paths first; counting them as clusters would use up k on outliers.
    """
    min_size = max(2, math.ceil(min_share * float(np.sum(w))))
    for m in range(k, n + 1):
        lab = _cut(merges, n, m)
        big = np.flatnonzero(np.bincount(lab, weights=w) >= min_size)
        if len(big) >= k:
            keep = np.isin(lab, big)
            if keep.all():
                return lab
            out = _assign_by_average(D, np.where(keep, lab, -1), np.asarray(w, float), ~keep)
            return np.unique(out, return_inverse=True)[1]
    return _cut(merges, n, k)


# --------------------------------------------------------------------------------------------
# the estimator
# --------------------------------------------------------------------------------------------

class VariantClusterer(ClusterMixin, BaseEstimator):
    """Cluster the cases of an event log by their path variant.

    The log is reduced to its variant table (distinct activity sequences with their number of
    cases); each variant is encoded, the variants are clustered with their case counts as weights,
    and the labels are mapped back to cases (and customers).

    Parameters
    ----------
    encoding : {"profile", "transitions", "ngrams", "edit_distance"}, default "profile"
        How a variant becomes comparable: ``"profile"`` counts each activity (Song et al.'s
        activity profile), ``"transitions"`` counts directly-follows pairs including start ``▶``
        and end ``■``, ``"ngrams"`` counts runs of ``ngram`` activities (padded with ``▶``/``■``),
        ``"edit_distance"`` compares variants by normalised Levenshtein distance (see
        :func:`edit_distance_matrix`). Vector encodings use Euclidean distance.
    ngram : int, default 2
        Length of the n-grams of ``encoding="ngrams"``.
    binary : bool, default True
        Vector encodings: 1 when an activity / n-gram occurs in the variant, 0 otherwise (as
        pm4py's trace profiles); ``False`` counts the occurrences, so that how many times a loop
        was taken separates variants too.
    include : tuple of str, default ("activities",)
        Feature blocks: ``"activities"`` (the encoding above), ``"channels"`` (share of the case's
        events per channel), ``"durations"`` (log10 of 1 + throughput hours, standardised), and
        any ``case:`` attribute column (categorical: one-hot; numeric: standardised). Extra
        blocks are averaged over the cases of a variant, so the cases of a variant always share a
        cluster. ``"edit_distance"`` takes ``("activities",)`` only.
    method : {"kmeans", "agglomerative", "hdbscan", "dbscan"}, default "kmeans"
        ``"kmeans"``: scikit-learn k-means with ``sample_weight`` = cases per variant (vector
        encodings only). ``"agglomerative"``: average linkage on the distance matrix, starting from
        variants that weigh their case counts, which equals average linkage on the cases.
        ``"dbscan"``: DBSCAN with ``sample_weight`` = cases, ``min_samples = min_cluster_size``
        cases, ``eps`` on the distance. ``"hdbscan"``: scikit-learn HDBSCAN on the distinct
        variants (it takes no weights: ``min_cluster_size`` counts variants). Density methods
        label noise ``-1`` and ignore ``n_clusters``.
    n_clusters : "auto" or int, default "auto"
        Number of clusters. ``"auto"`` tries k = 2 .. ``max_clusters`` (k - 1 below the number
        of distinct points of the encoding; with fewer than 3 distinct points each point is its
        own cluster) and chooses k with three criteria, all reported per k in
        ``selection_table_`` (see :meth:`_select_k` and :func:`plot_k_selection`): the standard
        case-level silhouette (:func:`case_silhouette`), the variant silhouette on distinct points
        (:func:`weighted_silhouette`) and the bootstrap stability of the partition (mean
        case-weighted adjusted Rand index over ``n_bootstrap`` resamples of the cases). Among the
        k with stability >= ``min_stability`` the k with the highest mean of the two silhouettes
        wins (ties: smaller k); ``no_clear_groups_`` says when no k is convincing.
    max_clusters : int, default 8
        Largest k tried by ``n_clusters="auto"``.
    eps : float, default 0.3
        DBSCAN neighbourhood radius (in the encoding's distance).
    min_cluster_size : int, default 5
        DBSCAN: cases needed around a core variant; HDBSCAN: variants in a cluster.
    max_variants : int, default 2000
        Pairwise work (distance matrices, the silhouette of ``"auto"``, agglomerative and density
        methods) uses the ``max_variants`` most frequent variants; rarer variants are assigned to
        the nearest centroid/medoid, as :meth:`predict` does.
    min_cluster_share : float, default 0.02
        ``"agglomerative"``: a tree cluster holding fewer than this share of the cases (and
        always fewer than 2 cases) is an outlier group, joined to the nearest cluster by mean
        distance; the k clusters are the first k tree clusters above that size.
    n_bootstrap : int, default 10
        Resamples of the stability criterion of ``n_clusters="auto"`` (0: not computed, every
        k eligible).
    min_stability : float, default 0.8
        Smallest mean bootstrap ARI for a k to count as stable.
    min_silhouette : float, default 0.25
        Below this standard silhouette of the chosen k, ``no_clear_groups_`` is set (Kaufman &
        Rousseeuw: no substantial structure).
    random_state : int, RandomState or None, default None
        Seed of k-means and of the stability resamples (the other steps are deterministic).
    case_id_key, activity_key, timestamp_key : str
        Columns of the log (pm4py names by default).

    Attributes
    ----------
    variant_table_ : DataFrame
        One row per variant (``variant`` tuple, ``path`` text, ``cases``, ``share``, ``length``,
        ``cluster``), most frequent first.
    variant_labels_ : ndarray of int
        Cluster of each row of ``variant_table_``.
    labels_ : Series
        Cluster of each case, indexed by case id (order of first appearance).
    customer_labels_ : Series
        Only when the log has ``case:customer``: per customer, the cluster holding most of its
        cases (ties: smaller label).
    cluster_profiles_ : DataFrame
        :func:`profile_clusters` of the fitted log.
    n_clusters_ : int
        Number of clusters found (noise excluded).
    selection_table_ : DataFrame
        One row per k tried by ``"auto"`` (empty otherwise): ``k``, ``silhouette`` (standard,
        case level), ``silhouette_variants`` (distinct points), ``stability`` (mean bootstrap
        ARI, NaN with ``n_bootstrap=0``), ``stable``, ``chosen``.
    criterion_ : DataFrame
        The same table (kept for callers of earlier versions).
    no_clear_groups_ : bool
        ``"auto"`` found no convincing k: no stable k, or the chosen k's standard silhouette is
        below ``min_silhouette``. False when k was not chosen automatically.
    selection_note_ : str
        One sentence stating the chosen k, its criteria and whether the groups convince.
    cluster_centers_ : ndarray
        k-means centroids in the encoding space (k-means only).
    medoids_ : ndarray of int
        Row of ``variant_table_`` of each cluster's medoid (the variant with the smallest
        case-weighted distance to its cluster).
    feature_names_ : list of str
        Names of the encoding's columns (vector encodings).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [(c, a) for c, path in [("t1", "ab"), ("t2", "ab"), ("t3", "abc"), ("t4", "xy"),
    ...         ("t5", "xy"), ("t6", "xyz")] for a in path]
    >>> log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name"])
    >>> log["time:timestamp"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(range(len(log)), "h")
    >>> model = VariantClusterer(n_clusters=2, random_state=0).fit(log)
    >>> model.labels_.tolist()
    [0, 0, 0, 1, 1, 1]
    >>> model.variant_table_[["variant", "cases", "cluster"]]  # doctest: +NORMALIZE_WHITESPACE
                  variant  cases  cluster
    variant_id
    0               a → b      2        0
    1               x → y      2        1
    2           a → b → c      1        0
    3           x → y → z      1        1
    """

    def __init__(self, encoding="profile", *, ngram=2, binary=True, include=("activities",), method="kmeans",
                 n_clusters="auto", max_clusters=8, eps=0.3, min_cluster_size=5,
                 max_variants=2000, min_cluster_share=0.02, n_bootstrap=10, min_stability=0.8,
                 min_silhouette=0.25,
                 random_state=None, case_id_key=C.CASE,
                 activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP, settings=None):
        self.settings = settings
        self.encoding = encoding
        self.ngram = ngram
        self.binary = binary
        self.include = include
        self.method = method
        self.n_clusters = n_clusters
        self.max_clusters = max_clusters
        self.eps = eps
        self.min_cluster_size = min_cluster_size
        self.max_variants = max_variants
        self.min_cluster_share = min_cluster_share
        self.n_bootstrap = n_bootstrap
        self.min_stability = min_stability
        self.min_silhouette = min_silhouette
        self.random_state = random_state
        self.case_id_key = case_id_key
        self.activity_key = activity_key
        self.timestamp_key = timestamp_key

    # ---- parameters ------------------------------------------------------------------------
    def _validate(self):
        if self.encoding not in ENCODINGS:
            raise ClusteringError(
                f"encoding={self.encoding!r} is not known; choose one of {list(ENCODINGS)}.")
        if self.method not in METHODS:
            raise ClusteringError(f"method={self.method!r} is not known; choose one of {list(METHODS)}.")
        if not isinstance(self.ngram, (int, np.integer)) or isinstance(self.ngram, bool) or self.ngram < 1:
            raise ClusteringError(f"ngram={self.ngram!r} must be an integer >= 1 (2 = transitions).")
        include = (self.include,) if isinstance(self.include, str) else tuple(self.include)
        if not include:
            raise ClusteringError(
                "include=() selects no features; pass e.g. include=('activities',) or "
                "('activities', 'channels', 'durations').")
        bad = [b for b in include if b not in _BLOCKS and not str(b).startswith("case:")]
        if bad:
            raise ClusteringError(
                f"include has unknown block(s) {bad}; use {list(_BLOCKS)} or 'case:' attribute "
                "columns of the log (e.g. 'case:product').")
        if self.encoding == "edit_distance" and include != ("activities",):
            raise ClusteringError(
                f"encoding='edit_distance' compares activity sequences only; include={include!r} "
                "mixes in other blocks. Use include=('activities',) or a vector encoding "
                "('profile', 'transitions', 'ngrams') to add channels, durations or attributes.")
        if self.method == "kmeans" and self.encoding == "edit_distance":
            raise ClusteringError(
                "method='kmeans' needs vectors but encoding='edit_distance' gives distances; use "
                "method='agglomerative' (or 'dbscan'/'hdbscan') with edit distance, or a vector "
                "encoding with k-means.")
        k = self.n_clusters
        if not (k == "auto" or (isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k >= 1)):
            raise ClusteringError(f"n_clusters={k!r} must be 'auto' or an integer >= 1.")
        if not isinstance(self.max_clusters, (int, np.integer)) or self.max_clusters < 2:
            raise ClusteringError(f"max_clusters={self.max_clusters!r} must be an integer >= 2.")
        if not isinstance(self.max_variants, (int, np.integer)) or self.max_variants < 2:
            raise ClusteringError(f"max_variants={self.max_variants!r} must be an integer >= 2.")
        if not (isinstance(self.n_bootstrap, (int, np.integer)) and not isinstance(self.n_bootstrap, bool)
                and self.n_bootstrap >= 0):
            raise ClusteringError(f"n_bootstrap={self.n_bootstrap!r} must be an integer >= 0 "
                                  "(bootstrap resamples of the stability criterion; 0 skips it).")
        v = self.min_cluster_share
        if not (isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 0.5):
            raise ClusteringError(f"min_cluster_share={v!r} must be a number in [0, 0.5), e.g. 0.02 "
                                  "(agglomerative: smaller tree clusters are outliers).")
        for name in ("min_stability", "min_silhouette"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and not isinstance(v, bool) and -1 <= v <= 1):
                raise ClusteringError(f"{name}={v!r} must be a number between -1 and 1 "
                                      f"(e.g. {0.8 if name == 'min_stability' else 0.25}).")
        if not (isinstance(self.eps, (int, float)) and self.eps > 0):
            raise ClusteringError(f"eps={self.eps!r} must be a positive number.")
        if not isinstance(self.min_cluster_size, (int, np.integer)) or self.min_cluster_size < 1:
            raise ClusteringError(f"min_cluster_size={self.min_cluster_size!r} must be an integer >= 1.")
        return include

    # ---- encoding -----------------------------------------------------------------------------
    def _grams(self, variant):
        if self.encoding == "profile":
            return list(variant)
        n = 2 if self.encoding == "transitions" else int(self.ngram)
        if n == 1:
            return list(variant)
        padded = [_START] * (n - 1) + list(variant) + [_END]
        return [ARROW.join(padded[i: i + n]) for i in range(len(padded) - n + 1)]

    def _activity_block(self, variants, fit):
        grams = [self._grams(v) for v in variants]
        if fit:
            vocab = sorted({g for gs in grams for g in gs})
            self._vocab = {g: i for i, g in enumerate(vocab)}
        X = np.zeros((len(variants), len(self._vocab)))
        for r, gs in enumerate(grams):
            for g in gs:
                c = self._vocab.get(g)
                if c is not None:
                    X[r, c] += 1
        if self.binary:
            X = np.minimum(X, 1.0)
        return X, [f"{'activity' if self.encoding == 'profile' else 'gram'}: {g}" for g in self._vocab]

    def _case_frame(self, log, var, include):
        """Per-case extra features (channels, durations, case attributes), in var.cases order."""
        blocks = [b for b in include if b != "activities"]
        missing = [b for b in blocks if b.startswith("case:") and b not in log.columns]
        if "channels" in blocks and C.CHANNEL not in log.columns:
            missing.insert(0, C.CHANNEL)
        if missing:
            raise ClusteringError(
                f"include asks for column {missing[0]!r}, which the log does not have. "
                f"Columns present: {list(log.columns)}. Drop it from include or add the column.")
        codes = var.case_codes_of_events()
        n_cases = len(var.cases)
        frame = {}
        if "channels" in blocks:
            ch = log[C.CHANNEL].astype("string").fillna("(none)").to_numpy(dtype=object)
            ch_codes, ch_names = pd.factorize(ch, sort=True)
            counts = np.zeros((n_cases, len(ch_names)))
            np.add.at(counts, (codes, ch_codes), 1)
            counts /= np.maximum(counts.sum(1, keepdims=True), 1)
            for i, name in enumerate(ch_names):
                frame[f"channel: {name}"] = counts[:, i]
        if "durations" in blocks:
            ts = log[self.timestamp_key]
            g = pd.Series(ts.to_numpy()).groupby(codes)
            hours = (g.max() - g.min()).dt.total_seconds().to_numpy() / 3600
            frame["durations"] = np.log10(1 + np.clip(hours, 0, None))
        for b in blocks:
            if b.startswith("case:"):
                first = pd.Series(log[b].to_numpy()).groupby(codes).first()
                if pd.api.types.is_numeric_dtype(log[b]):
                    frame[b] = first.astype(float).to_numpy()
                else:
                    for val in sorted(first.dropna().astype(str).unique()):
                        frame[f"{b}={val}"] = (first.astype("string") == val).fillna(False).to_numpy(float)
        return pd.DataFrame(frame, index=range(n_cases))

    def _encode(self, log, var, include, fit):
        parts, names = [], []
        if "activities" in include and self.encoding != "edit_distance":
            X, nm = self._activity_block(var.variants, fit)
            parts.append(X)
            names += nm
        extra = [b for b in include if b != "activities"]
        if extra:
            cf = self._case_frame(log, var, include)
            per_var = cf.groupby(var.case_variant).mean().sort_index()
            if fit:
                self._extra_columns = list(per_var.columns)
                self._scale = {}
                w = var.counts.astype(float)
                for c in per_var.columns:
                    if c == "durations" or (c in include and c.startswith("case:")):
                        x = per_var[c].to_numpy(float)
                        mu = np.nansum(w * x) / w.sum()
                        sd = math.sqrt(np.nansum(w * (x - mu) ** 2) / w.sum()) or 1.0
                        self._scale[c] = (mu, sd)
            per_var = per_var.reindex(columns=self._extra_columns, fill_value=0.0)
            for c, (mu, sd) in self._scale.items():
                per_var[c] = (per_var[c] - mu) / sd
            parts.append(per_var.fillna(0.0).to_numpy(float))
            names += self._extra_columns
        if fit:
            self.feature_names_ = names
        return np.hstack(parts) if parts else np.zeros((len(var.variants), 0))

    def _distances(self, rows_a, rows_b=None):
        """Distance between variants given as feature rows (vectors) or sequences."""
        if self.encoding == "edit_distance":
            return edit_distance_matrix(rows_a, rows_b)
        return _euclidean(np.asarray(rows_a), None if rows_b is None else np.asarray(rows_b))

    # ---- fitting ---------------------------------------------------------------------------------
    def fit(self, log, y=None, *, measures=None):
        """Cluster the variants of ``log``; returns ``self``.

        Parameters
        ----------
        log : DataFrame
            Event log with the case, activity and timestamp columns.
        y : None
            Ignored (scikit-learn convention).

        Returns
        -------
        VariantClusterer

        Raises
        ------
        EventLogError
            ``log`` is not a DataFrame, misses a key column, is empty or has missing ids,
            activities or timestamps.
        ClusteringError
            A parameter is invalid, or an ``include`` column is missing.
        """
        include = self._validate()
        check_log(log, case_id_key=self.case_id_key, activity_key=self.activity_key,
                  timestamp_key=self.timestamp_key, verb="VariantClusterer.fit")
        keys = dict(case_id_key=self.case_id_key, activity_key=self.activity_key,
                    timestamp_key=self.timestamp_key)
        step("clustering: variants")
        var = _variants(log, **keys, verb="VariantClusterer.fit")
        V = len(var.variants)
        w = var.counts.astype(float)
        X = self._encode(log, var, include, fit=True)
        top = np.arange(min(V, int(self.max_variants)))  # most frequent first
        rows = var.variants if self.encoding == "edit_distance" else X
        pick = (lambda idx: [rows[i] for i in idx]) if self.encoding == "edit_distance" else (lambda idx: rows[idx])
        D_top = None
        needs_pairwise = self.method != "kmeans" or self.n_clusters == "auto"
        if needs_pairwise and len(top) >= 2:
            step(f"clustering: distances between {len(top)} variants")
            D_top = self._distances(pick(top))
        # the criterion counts each distinct point of the encoding once (variants with the same
        # encoding merged, their cases summed): duplicates must not make a cluster look tight
        if self.encoding == "edit_distance":
            first, inverse = top, top
        else:
            _, first, inverse = np.unique(X[top], axis=0, return_index=True, return_inverse=True)
            inverse = inverse.reshape(-1)
        self._points = (first, inverse)
        criterion = []
        centers = None
        step(f"clustering: {self.method} on {V} variants")
        if V == 1:
            labels_top = np.zeros(len(top), int)
        elif self.method == "kmeans":
            labels_all, centers, criterion = self._fit_kmeans(X, w, D_top, top)
            labels_top = labels_all[top]
        elif self.method == "agglomerative":
            merges = _weighted_average_linkage(D_top, w[top])
            share = float(self.min_cluster_share)
            if self.n_clusters == "auto":
                labels_top, criterion = self._choose_k(
                    lambda k: _robust_cut(merges, len(top), k, w[top], D_top, share), D_top, w[top],
                    self._resample_agglomerative(D_top, len(top)))
            else:
                labels_top = _robust_cut(merges, len(top), min(int(self.n_clusters), len(top)),
                                         w[top], D_top, share)
        elif self.method == "dbscan":
            from sklearn.cluster import DBSCAN

            labels_top = DBSCAN(eps=float(self.eps), min_samples=int(self.min_cluster_size),
                                metric="precomputed").fit(D_top, sample_weight=w[top]).labels_
        else:
            from sklearn.cluster import HDBSCAN

            if len(top) < 2:
                labels_top = np.zeros(len(top), int)
            else:
                labels_top = HDBSCAN(min_cluster_size=max(2, int(self.min_cluster_size)),
                                     metric="precomputed", copy=True).fit(D_top).labels_
        labels_top = np.asarray(labels_top, int)
        # medoids of the clusters among the top variants
        uniq = [c for c in np.unique(labels_top) if c >= 0]
        medoids = {}
        for c in uniq:
            members = top[labels_top == c]
            if D_top is not None:
                sub = D_top[np.ix_(members, members)]
            else:
                sub = self._distances(pick(members)) if len(members) <= 3000 else None
            if sub is None:  # huge k-means cluster without pairwise work: closest to the centroid
                d = _euclidean(X[members], centers[[c]]).ravel()
                medoids[c] = int(members[np.argmin(d)])
            else:
                medoids[c] = int(members[np.argmin(sub @ w[members])])
        # rare variants beyond max_variants: nearest centroid / medoid
        labels = np.empty(V, int)
        labels[top] = labels_top
        rest = np.arange(len(top), V)
        if len(rest) and self.method == "kmeans":
            labels[rest] = labels_all[rest]
        elif len(rest) and uniq:
            med = [medoids[c] for c in uniq]
            d = self._distances(pick(rest), pick(med))
            labels[rest] = np.asarray(uniq)[d.argmin(axis=1)]
        elif len(rest):
            labels[rest] = -1
        # relabel: 0 = most cases, ties by the first (most frequent) variant of the cluster
        found = [c for c in np.unique(labels) if c >= 0]
        size = {c: w[labels == c].sum() for c in found}
        first_variant = {c: int(np.flatnonzero(labels == c)[0]) for c in found}
        order = sorted(found, key=lambda c: (-size[c], first_variant[c]))
        remap = {old: new for new, old in enumerate(order)}
        remap[-1] = -1
        labels = np.array([remap[c] for c in labels], int)
        if centers is not None:
            self.cluster_centers_ = centers[order]
        self.medoids_ = np.array([medoids[c] for c in order], int)
        self._X = X
        self._variant_seqs = var.variants
        self.variant_labels_ = labels
        self.n_clusters_ = len(order)
        self.selection_table_ = pd.DataFrame(
            criterion, columns=["k", "silhouette", "silhouette_variants", "stability", "stable", "chosen"])
        self.criterion_ = self.selection_table_
        sel = getattr(self, "_selection", None) if criterion else None
        self.no_clear_groups_, self.selection_note_ = self._selection_sentence(sel)
        table = var.table.copy()
        table["cluster"] = labels
        self.variant_table_ = table
        self.labels_ = pd.Series(labels[var.case_variant], index=pd.Index(var.cases, name=self.case_id_key),
                                 name="cluster")
        measures = _CaseMeasures(log, var, keys, settings=self.settings, measures=measures)
        if measures.customer is not None:
            frame = pd.DataFrame({"customer": measures.customer, "cluster": self.labels_.to_numpy()}).dropna()
            counts = frame.groupby(["customer", "cluster"]).size().reset_index(name="n")
            counts = counts.sort_values(["customer", "n", "cluster"], ascending=[True, False, True])
            top_c = counts.drop_duplicates("customer").set_index("customer")["cluster"]
            top_c.index.name = C.CUSTOMER
            self.customer_labels_ = top_c.rename("cluster")
        step("clustering: profiles")
        self.cluster_profiles_ = _profiles(log, var, labels[var.case_variant], keys,
                                           medoids=self._medoid_paths(), measures=measures)
        return self

    def _medoid_paths(self):
        return {c: self.variant_table_["activities"].iloc[m] for c, m in enumerate(self.medoids_)}

    def _silhouette(self, D, labels, w):
        """weighted_silhouette over the distinct points of the encoding (see fit)."""
        first, inverse = self._points
        return weighted_silhouette(D[np.ix_(first, first)], np.asarray(labels)[first],
                                   np.bincount(inverse, weights=w, minlength=len(first)))

    def _choose_k(self, labels_for_k, D, w, resample=None):
        """k by three criteria per k (``selection_table_``); returns (labels, rows)."""
        ks = list(range(2, min(int(self.max_clusters), len(self._points[0]) - 1) + 1))
        if not ks:
            n = len(w)
            self._selection = None
            return labels_for_k(min(n, len(self._points[0]))), []
        full = {k: np.asarray(labels_for_k(k)) for k in ks}
        k_best, table = self._select_k(ks, full, D, w, resample)
        return full[k_best], table

    def _selection_sentence(self, sel):
        if sel is None:
            how = ("k fixed by n_clusters" if self.n_clusters != "auto" else
                   "too few distinct paths to choose k" if self.method in ("kmeans", "agglomerative")
                   else f"{self.method} finds its own number of clusters")
            return False, f"{how}; no k-selection criteria computed."
        stab = ("stability not computed (n_bootstrap=0)" if not sel["B"] else
                f"bootstrap stability (mean ARI over {sel['B']} resamples) {sel['stability']:.3f}")
        text = (f"k={sel['k']} chosen: standard case-level silhouette {sel['silhouette']:.3f}, {stab}.")
        if not sel["any_stable"]:
            text += (f" No k is stable (stability >= {self.min_stability}): the journeys do not form "
                     "clear groups; the k with the highest silhouette is shown.")
        elif not (sel["silhouette"] >= self.min_silhouette):
            text += (f" The silhouette is below {self.min_silhouette}: no convincing groups "
                     "(Kaufman & Rousseeuw: no substantial structure).")
        return bool(sel["no_clear"]), text

    def _select_k(self, ks, full, D, w, resample):
        """Standard case silhouette, variant silhouette and bootstrap stability of every k.

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
        """
        from sklearn.utils import check_random_state

        sil = {k: case_silhouette(D, full[k], w) for k in ks}
        sil_var = {k: self._silhouette(D, full[k], w) for k in ks}
        stab = {k: np.nan for k in ks}
        B = int(self.n_bootstrap)
        if B and resample is not None:
            rs = check_random_state(self.random_state)
            n = int(round(w.sum()))
            acc = {k: [] for k in ks}
            for _ in range(B):
                w_star = rs.multinomial(n, w / w.sum()).astype(float)
                seed = int(rs.randint(0, 2**31 - 1))
                got = resample(w_star, ks, seed)
                for k in ks:
                    acc[k].append(_weighted_ari(full[k], got[k], w))
            stab = {k: float(np.mean(v)) for k, v in acc.items()}
        stable = {k: (not B or resample is None or stab[k] >= self.min_stability) for k in ks}
        pool = [k for k in ks if stable[k]] or ks

        def score(k):   # the two silhouettes together (see the docstring)
            vals = [v for v in (sil[k], sil_var[k]) if not np.isnan(v)]
            return float(np.mean(vals)) if vals else -np.inf

        best = pool[0]
        for k in pool[1:]:  # strictly better to move to a larger k
            if score(k) > score(best) + 1e-9:
                best = k
        no_clear = (not any(stable.values())) or not (sil[best] >= self.min_silhouette)
        self._selection = dict(k=best, no_clear=no_clear, any_stable=any(stable.values()),
                               silhouette=sil[best], stability=stab[best], B=B)
        rows = [(k, sil[k], sil_var[k], stab[k], stable[k], k == best) for k in ks]
        return best, rows

    def _resample_agglomerative(self, D, top_n):
        def resample(w_star, ks, seed):
            sub = w_star[:top_n] > 0
            idx = np.flatnonzero(sub)
            merges = _weighted_average_linkage(D[np.ix_(idx, idx)], w_star[idx])
            out = {}
            for k in ks:
                lab = np.full(top_n, -1)
                lab[idx] = _robust_cut(merges, len(idx), min(k, len(idx)), w_star[idx],
                                       D[np.ix_(idx, idx)], float(self.min_cluster_share))
                out[k] = _assign_by_average(D, lab, w_star, ~sub) if (~sub).any() else lab
            return out
        return resample

    def _fit_kmeans(self, X, w, D_top, top):
        from sklearn.cluster import KMeans

        n_distinct = len(np.unique(X, axis=0))

        def run(k, weights=w, data=X, n_init=10, seed=None):
            km = KMeans(n_clusters=k, n_init=n_init,
                        random_state=self.random_state if seed is None else seed)
            # one thread: on a few thousand variants OpenMP start-up costs more than it saves
            with threadpool_limits(1), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ConvergenceWarning when k > distinct points
                km.fit(data, sample_weight=weights)
            return km

        if self.n_clusters != "auto":
            km = run(min(int(self.n_clusters), n_distinct))
            return km.labels_, km.cluster_centers_, []
        self._selection = None
        if n_distinct < 3 or len(top) < 3:
            km = run(max(1, min(n_distinct, 2)))
            return km.labels_, km.cluster_centers_, []
        ks_max = min(int(self.max_clusters), len(self._points[0]) - 1)
        if ks_max < 2:
            km = run(min(n_distinct, 2))
            return km.labels_, km.cluster_centers_, []
        ks = list(range(2, ks_max + 1))
        fitted = {k: run(k) for k in ks}
        full = {k: fitted[k].labels_[top] for k in ks}
        Xt = X[top]

        def resample(w_star, ks_, seed):
            sub = w_star > 0
            distinct = len(np.unique(Xt[sub], axis=0))
            out = {}
            for k in ks_:
                km = run(min(k, distinct), weights=w_star[sub], data=Xt[sub], n_init=3, seed=seed)
                out[k] = km.predict(Xt)
            return out

        best_k, rows = self._select_k(ks, full, D_top, w[top], resample)
        km = fitted[best_k]
        return km.labels_, km.cluster_centers_, rows

    def fit_predict(self, log, y=None):
        """Fit and return :attr:`labels_` (cluster per case, a Series indexed by case id)."""
        return self.fit(log).labels_

    def predict(self, log):
        """Cluster of each case of a new log: nearest centroid (k-means) or medoid (other methods).

        Activities, n-grams and attribute values unseen during ``fit`` are ignored; noise (-1)
        is never predicted.

        Parameters
        ----------
        log : DataFrame
            Event log with the same key columns as the fitted one.

        Returns
        -------
        Series
            Cluster per case, indexed by case id (order of first appearance).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            ``fit`` was not called.
        EventLogError
            ``log`` misses a key column.
        """
        check_is_fitted(self, "labels_")
        include = self._validate()
        check_log(log, case_id_key=self.case_id_key, activity_key=self.activity_key,
                  timestamp_key=self.timestamp_key, verb="VariantClusterer.predict")
        if len(log) == 0:
            return pd.Series([], index=pd.Index([], name=self.case_id_key), name="cluster", dtype=int)
        var = _variants(log, case_id_key=self.case_id_key, activity_key=self.activity_key,
                        timestamp_key=self.timestamp_key, verb="VariantClusterer.predict")
        if self.n_clusters_ == 0:
            lab = np.full(len(var.variants), -1)
        elif self.encoding == "edit_distance":
            med = [self._variant_seqs[m] for m in self.medoids_]
            lab = edit_distance_matrix(var.variants, med).argmin(axis=1)
        else:
            X = self._encode(log, var, include, fit=False)
            ref = self.cluster_centers_ if hasattr(self, "cluster_centers_") else self._X[self.medoids_]
            lab = _euclidean(X, ref).argmin(axis=1)
        return pd.Series(np.asarray(lab, int)[var.case_variant],
                         index=pd.Index(var.cases, name=self.case_id_key), name="cluster")


# --------------------------------------------------------------------------------------------
# profiles: representative journey and KPIs of each cluster
# --------------------------------------------------------------------------------------------

def _aligned_labels(labels, cases, verb):
    """Labels of ``cases`` from a Series indexed by case id (error when cases are missing)."""
    if not isinstance(labels, pd.Series):
        raise ClusteringError(
            f"{verb}: labels must be a pandas Series indexed by case id (e.g. "
            f"VariantClusterer().fit(log).labels_); got {type(labels).__name__}.")
    idx = pd.Index(cases)
    missing = idx.difference(labels.index)
    if len(missing):
        raise ClusteringError(
            f"{verb}: labels has no cluster for {len(missing)} case(s) of the log "
            f"({preview(missing.tolist())}). Pass labels computed on the same log "
            "(VariantClusterer().fit(log).labels_).")
    values = labels.reindex(idx)
    if values.isna().any():
        bad = idx[values.isna().to_numpy()]
        raise ClusteringError(f"{verb}: labels is missing (NaN) for case(s) {preview(bad.tolist())}.")
    return values.to_numpy().astype(int)


def _medoid(variants, weights, limit=300):
    """Index of the variant with the smallest case-weighted edit distance to the others."""
    if len(variants) == 1:
        return 0
    cand = np.argsort(-weights, kind="stable")[:limit]
    members = np.argsort(-weights, kind="stable")[:2000]
    d = edit_distance_matrix([variants[i] for i in cand], [variants[i] for i in members])
    return int(cand[np.argmin(d @ weights[members])])


def _top_share(values, counts, k=3):
    total = counts.sum()
    if total == 0:
        return ""
    order = np.lexsort((values, -counts))[:k]
    return ", ".join(f"{values[i]} {counts[i] / total:.0%}" for i in order if counts[i] > 0)


def _conformance_by_case(log, journey_map, keys):
    """Per case: conforming (no deviation) flag, from conformance.compare_to_map (guarded)."""
    try:
        from journeymining.conform import KINDS, compare_to_map
    except ImportError as exc:  # pragma: no cover - conformance is part of the package
        raise ClusteringError("journey_map= needs journeymining.conform.conformance, which is not "
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
        cluster show, with that share) from :func:`journeymining.conform.conformance.compare_to_map`.

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
        As :func:`journeymining.discover.discovery.variant_table`.
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
    var = _variants(log, **keys, verb="profile_clusters")
    lab = _aligned_labels(labels, var.cases, "profile_clusters")
    if settings is None and journey_map is not None:
        from journeymining.measure import JourneySettings

        settings = JourneySettings.from_map(journey_map)
    cm = _CaseMeasures(log, var, keys, settings=settings, measures=measures)
    return _profiles(log, var, lab, keys, medoids=medoids, journey_map=journey_map, measures=cm)


class _CaseMeasures:
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


def _profiles(log, var, lab, keys, *, medoids=None, journey_map=None, measures=None):
    m_ = measures if measures is not None else _CaseMeasures(log, var, keys)
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
        res, kinds = _conformance_by_case(log, journey_map, keys)
        conf = _conformance_table(res, var.cases, kinds)
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
            rep = var.variants[present[_medoid([var.variants[i] for i in present], vc[present].astype(float))]]
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
            "representative": _path(rep),
            "representative_share": (vc[rep_id] / n) if rep_id is not None else 0.0,
            "events_mean": float(m_.events[m].mean()),
            "channels": (_top_share(np.asarray(chan.columns, object), chan.loc[c].to_numpy())
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


def _conformance_table(result, cases, kinds):
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


# --------------------------------------------------------------------------------------------
# scoring against no clustering and pm4py.cluster_log
# --------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _quiet_pm4py():
    """No pm4py progress bars and no warnings while pm4py runs (restored afterwards)."""
    from pm4py.util import constants

    old = constants.SHOW_PROGRESS_BAR
    constants.SHOW_PROGRESS_BAR = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        constants.SHOW_PROGRESS_BAR = old


def _model_quality(train, test, keys, noise_threshold):
    """Inductive-miner model discovered from ``train``, token-replay fitness and precision on
    ``test`` (NaN without test cases), and its size."""
    import pm4py

    model = discovery.discover_journey(train, **keys, noise_threshold=noise_threshold)
    fit, prec = np.nan, np.nan
    if len(test):
        with _quiet_pm4py():
            fit = float(pm4py.fitness_token_based_replay(test, model.net, model.initial_marking,
                                                         model.final_marking, **keys)["log_fitness"])
            prec = float(pm4py.precision_token_based_replay(test, model.net, model.initial_marking,
                                                            model.final_marking, **keys))
    net = model.net
    return {
        "fitness": fit,
        "precision": prec,
        "nodes": len(net.places) + len(net.transitions),
        "arcs": len(net.arcs),
    }


def _held_out(lab, test_size, random_state):
    """Bool per case: in the test set. Stratified by cluster: round(test_size * n) cases of a
    cluster of n, at least 1 and at most n - 1 (a cluster of one case is train only)."""
    rng = np.random.default_rng(random_state)
    test = np.zeros(len(lab), bool)
    if test_size == 0:
        return test
    for c in np.unique(lab):
        members = np.flatnonzero(lab == c)
        n = len(members)
        if n < 2:
            continue
        k = int(min(max(round(test_size * n), 1), n - 1))
        test[rng.choice(members, size=k, replace=False)] = True
    return test


def _neutral_silhouette(var, lab, max_variants):
    """Standard case-level silhouette of a case partition on normalised edit distance (the same
    space for every partition, whatever encoding produced it)."""
    units = pd.DataFrame({"v": var.case_variant, "c": lab})
    units = units[units["c"] >= 0].value_counts().reset_index(name="w")
    units = units.sort_values(["w", "v", "c"], ascending=[False, True, True]).head(max_variants)
    if units["c"].nunique() < 2:
        return float("nan")
    D = edit_distance_matrix([var.variants[v] for v in units["v"]])
    return case_silhouette(D, units["c"].to_numpy(), units["w"].to_numpy(float))


def pm4py_cluster_labels(log, n_clusters, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                         timestamp_key=C.TIMESTAMP, random_state=0):
    """Cluster of each case found by ``pm4py.cluster_log`` (the trace-clustering yardstick).

    ``pm4py.cluster_log`` encodes every case by its activity and succession profile (Song et
    al., 2008) and runs ``KMeans(n_clusters, random_state, n_init="auto")`` on the cases (not on
    variants); it yields one pm4py EventLog per cluster, which this function turns back into
    labels.

    Parameters
    ----------
    log : DataFrame
        Event log.
    n_clusters : int
        Number of k-means clusters.
    {keys}
    random_state : int, default 0
        Seed of k-means.

    Returns
    -------
    Series
        Cluster per case (pm4py's numbering), indexed by case id in order of first appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a", "b", "b", "c"],
    ...     "concept:name": ["Chat", "Resolve", "Chat", "Resolve", "Mail"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01", "2024-05-02", "2024-05-03",
    ...                                       "2024-05-04", "2024-05-05"], utc=True)})
    >>> labels = pm4py_cluster_labels(log, 2)
    >>> bool(labels["a"] == labels["b"] != labels["c"])
    True
    """
    check_log(log, case_id_key=case_id_key, activity_key=activity_key,
              timestamp_key=timestamp_key, verb="pm4py_cluster_labels")
    import pm4py
    from sklearn.cluster import KMeans

    std = log[[case_id_key, activity_key, timestamp_key]].copy()
    std.columns = [C.CASE, C.ACTIVITY, C.TIMESTAMP]
    std[C.CASE] = std[C.CASE].astype(str)
    std = std.sort_values([C.CASE, C.TIMESTAMP], kind="stable")
    with _quiet_pm4py():
        clusters = pm4py.cluster_log(std, sklearn_clusterer=KMeans(
            n_clusters=int(n_clusters), random_state=random_state, n_init="auto"))
        out = {}
        for c, sub in enumerate(clusters):
            for trace in sub:
                out[trace.attributes["concept:name"]] = c
    cases = pd.unique(log[case_id_key])
    return pd.Series([out[str(x)] for x in cases], index=pd.Index(cases, name=case_id_key),
                     name="cluster")


def _partition_silhouette(var, lab, encoding, ngram, binary, max_variants):
    """Weighted silhouette of a case partition, on (variant, cluster) units."""
    units = pd.DataFrame({"v": var.case_variant, "c": lab})
    units = units[units["c"] >= 0].value_counts().reset_index(name="w")
    units = units.sort_values(["w", "v", "c"], ascending=[False, True, True]).head(max_variants)
    if units["c"].nunique() < 2:
        return float("nan"), {}
    seqs = [var.variants[v] for v in units["v"]]
    labs, w = units["c"].to_numpy(), units["w"].to_numpy(float)
    if encoding == "edit_distance":
        D = edit_distance_matrix(seqs)
    else:  # one point per (distinct encoding, cluster), as VariantClusterer's criterion
        enc = VariantClusterer(encoding=encoding, ngram=ngram, binary=binary)
        X, _ = enc._activity_block(seqs, fit=True)
        _, first, inverse = np.unique(np.column_stack([X, labs]), axis=0, return_index=True,
                                      return_inverse=True)
        w = np.bincount(inverse.reshape(-1), weights=w, minlength=len(first))
        X, labs = X[first], labs[first]
        D = _euclidean(X)
    total = weighted_silhouette(D, labs, w)
    per = {}
    s_c = _silhouette_values(D, labs, w)
    for c in np.unique(labs):  # per cluster: the same s(i), averaged over the cluster
        m = labs == c
        per[int(c)] = float(np.sum(w[m] * s_c[m]) / w[m].sum())
    return total, per


def _silhouette_values(D, labels, w, standard=False):
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


def score_clusters(log, labels, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                   timestamp_key=C.TIMESTAMP, noise_threshold=0.2, compare_pm4py=True,
                   encoding="profile", ngram=2, binary=True, test_size=0.3, random_state=0,
                   max_variants=2000):
    """Is the grouping good? Per-cluster process models against no clustering and pm4py.cluster_log.

    The cases are split into a discovery (train) and a held-out (test) part, stratified by
    cluster (``test_size`` of each cluster, at least one case on each side for clusters of two
    or more cases; seeded). For every cluster a model is discovered from its train cases
    (inductive miner, :func:`journeymining.discover.discovery.discover_journey` with ``noise_threshold``)
    and measured on its held-out cases: token-replay fitness and precision (pm4py), and size
    (Petri-net nodes = places + transitions, and arcs). The whole-log model is discovered from
    all train cases and measured on all held-out cases. Clustering helps when the per-cluster
    models are more precise at a similar fitness and their *total* size is not much larger than
    one model of the whole log (Bose & van der Aalst; ActiTraC).

    Parameters
    ----------
    log : DataFrame
        Event log.
    labels : Series
        Cluster of each case, indexed by case id (``VariantClusterer.labels_``); ``-1`` (noise)
        is scored as one more group.
    {keys}
    noise_threshold : float, default 0.2
        Inductive miner noise threshold used for every model.
    compare_pm4py : bool, default True
        Add the ``pm4py.cluster_log`` rows (k-means with the same number of clusters as
        ``labels``, see :func:`pm4py_cluster_labels`), scored with the same kind of split.
    encoding, ngram, binary : str, int, bool
        Encoding whose distance the ``silhouette`` column uses (as :class:`VariantClusterer`).
    test_size : float, default 0.3
        Share of each cluster's cases held out; ``0`` scores the models on the cases they were
        discovered from (in-sample, optimistic).
    random_state : int, default 0
        Seed of the split and of pm4py's k-means.
    max_variants : int, default 2000
        The silhouettes use the most frequent (variant, cluster) units up to this number.

    Returns
    -------
    DataFrame
        One row per cluster (``scope="cluster"``), then summary rows with ``cluster`` = <NA>:
        ``"all clusters"`` (fitness and precision averaged over the clusters weighted by their
        held-out cases; ``nodes`` and ``arcs`` the **total** over the clusters' models),
        ``"no clustering"`` (one model of the whole log), and, when ``compare_pm4py``,
        ``"pm4py.cluster_log (all clusters)"`` plus its clusters as ``scope="pm4py.cluster_log"``.
        Columns: ``scope``, ``cluster``, ``cases``, ``test_cases``, ``share``, ``variants``,
        ``fitness``, ``precision``, ``nodes``, ``arcs``, ``silhouette`` (weighted variant
        silhouette in ``encoding``'s space, :func:`weighted_silhouette`) and
        ``silhouette_standard`` (the standard case-level silhouette, :func:`case_silhouette`, on
        normalised edit distance: the same neutral space for our partition and pm4py's; summary
        rows only).

    Raises
    ------
    EventLogError
        As :func:`journeymining.discover.discovery.variant_table`.
    ClusteringError
        ``labels`` is not a Series or misses cases of the log; ``test_size`` not in [0, 1).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [(c, a) for c, path in [("t1", "ab"), ("t2", "ab"), ("t3", "xy"), ("t4", "xy")]
    ...         for a in path]
    >>> log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name"])
    >>> log["time:timestamp"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(range(8), "h")
    >>> labels = pd.Series({"t1": 0, "t2": 0, "t3": 1, "t4": 1})
    >>> scores = score_clusters(log, labels, compare_pm4py=False)
    >>> scores[["scope", "cases", "test_cases", "fitness", "precision", "nodes"]]
               scope  cases  test_cases  fitness  precision  nodes
    0        cluster      2           1      1.0        1.0      5
    1        cluster      2           1      1.0        1.0      5
    2   all clusters      4           2      1.0        1.0     10
    3  no clustering      4           2      1.0        1.0     12
    """
    if not (isinstance(test_size, (int, float)) and not isinstance(test_size, bool) and 0 <= test_size < 1):
        raise ClusteringError(f"test_size={test_size!r} must be a number in [0, 1), e.g. 0.3 "
                              "(share of each cluster's cases held out; 0 = in-sample).")
    keys = dict(case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key)
    var = _variants(log, **keys, verb="score_clusters")
    lab = _aligned_labels(labels, var.cases, "score_clusters")
    codes = var.case_codes_of_events()
    total = len(lab)

    def block(case_labels, scope):
        out = []
        test = _held_out(case_labels, test_size, random_state)
        if test_size == 0:
            train = np.ones(len(case_labels), bool)
            test = train
        else:
            train = ~test
        sil_total, sil = _partition_silhouette(var, case_labels, encoding, ngram, binary, max_variants)
        found = sorted(set(case_labels.tolist()), key=lambda c: (c < 0, c))
        for c in progress(found, desc=f"scoring {scope}"):
            m = case_labels == c
            q = _model_quality(log[(m & train)[codes]], log[(m & test)[codes]], keys, noise_threshold)
            out.append({"scope": scope, "cluster": c, "cases": int(m.sum()),
                        "test_cases": int((m & test).sum()), "share": m.sum() / total,
                        "variants": len(np.unique(var.case_variant[m])), **q,
                        "silhouette": sil.get(c, np.nan), "silhouette_standard": np.nan})
        frame = pd.DataFrame(out)
        summary = {"scope": "all clusters" if scope == "cluster" else f"{scope} (all clusters)",
                   "cluster": pd.NA, "cases": int(frame["cases"].sum()),
                   "test_cases": int(frame["test_cases"].sum()), "share": 1.0,
                   "variants": len(var.variants), "silhouette": sil_total,
                   "silhouette_standard": _neutral_silhouette(var, case_labels, max_variants)}
        for col in ("fitness", "precision"):
            ok = frame[col].notna()
            wts = frame.loc[ok, "test_cases"]
            summary[col] = float((frame.loc[ok, col] * wts).sum() / wts.sum()) if wts.sum() else np.nan
        for col in ("nodes", "arcs"):
            summary[col] = int(frame[col].sum())
        return frame, summary, train, test

    ours, ours_summary, train, test = block(lab, "cluster")
    whole = {"scope": "no clustering", "cluster": pd.NA, "cases": total,
             "test_cases": int(test.sum()), "share": 1.0, "variants": len(var.variants),
             **_model_quality(log[train[codes]], log[test[codes]], keys, noise_threshold),
             "silhouette": np.nan, "silhouette_standard": np.nan}
    parts = [ours, pd.DataFrame([ours_summary, whole])]
    if compare_pm4py:
        k = max(2, len([c for c in np.unique(lab) if c >= 0]))
        pl = pm4py_cluster_labels(log, k, **keys, random_state=random_state)
        pm_lab = _aligned_labels(pl, var.cases, "score_clusters")
        theirs, theirs_summary, _, _ = block(pm_lab, "pm4py.cluster_log")
        parts += [pd.DataFrame([theirs_summary]), theirs]
    frame = pd.concat(parts, ignore_index=True)
    frame["cluster"] = frame["cluster"].astype("Int64")
    for col in ("nodes", "arcs", "test_cases"):
        frame[col] = frame[col].astype(int)
    return frame[["scope", "cluster", "cases", "test_cases", "share", "variants", "fitness",
                  "precision", "nodes", "arcs", "silhouette", "silhouette_standard"]]


# --------------------------------------------------------------------------------------------
# figures (matplotlib Figures, closed in pyplot so that Jupyter displays the returned one once)
# --------------------------------------------------------------------------------------------

def _new_axes(ax, figsize, nrows=1, ncols=1):
    if ax is not None:
        return ax.figure, np.atleast_1d(ax)
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=figsize, layout="constrained")
    plt.close(fig)  # not left open in pyplot: Jupyter shows the returned Figure once
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes.ravel()


def _shorten(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plot_cluster_sizes(profiles, *, ax=None, max_chars=90):
    """Bar chart of cases per cluster, each bar labelled with its representative path.

    Parameters
    ----------
    profiles : DataFrame
        :func:`profile_clusters` output (``VariantClusterer.cluster_profiles_``).
    ax : matplotlib Axes, optional
        Where to draw; by default a new Figure.
    max_chars : int, default 90
        Longer representative paths are cut with "…".

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ClusteringError
        ``profiles`` lacks the ``cases``/``share``/``representative`` columns.

    Examples
    --------
    >>> import pandas as pd
    >>> prof = pd.DataFrame({"cases": [3, 1], "share": [0.75, 0.25],
    ...                      "representative": ["Chat → Resolve", "Mail"]},
    ...                     index=pd.Index([0, 1], name="cluster"))
    >>> fig = plot_cluster_sizes(prof)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['cluster 0 (75%)', 'cluster 1 (25%)']
    """
    need = ["cases", "share", "representative"]
    if not isinstance(profiles, pd.DataFrame) or any(c not in profiles.columns for c in need):
        cols = list(profiles.columns) if isinstance(profiles, pd.DataFrame) else type(profiles).__name__
        raise ClusteringError(
            f"plot_cluster_sizes needs the profile_clusters() table with columns {need}; got {cols}. "
            "Pass VariantClusterer(...).fit(log).cluster_profiles_.")
    fig, (ax,) = _new_axes(ax, (10, 0.6 * len(profiles) + 1.2))
    y = np.arange(len(profiles))
    ax.barh(y, profiles["cases"].to_numpy(), color=[_colour(c) for c in profiles.index])
    ax.set_yticks(y, [f"cluster {c} ({s:.0%})" for c, s in zip(profiles.index, profiles["share"])])
    ax.invert_yaxis()
    for yi, n, path in zip(y, profiles["cases"], profiles["representative"]):
        ax.text(n, yi, "  " + _shorten(str(path), max_chars), va="center", fontsize=8)
    ax.set_xlabel("cases")
    ax.set_xlim(0, profiles["cases"].max() * 2.6 if len(profiles) else 1)
    ax.set_title("Clusters of journeys: size and representative (medoid) path")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _colour(cluster):
    from matplotlib import colormaps

    if cluster < 0:
        return "#bbbbbb"
    return colormaps["tab10"](int(cluster) % 10)


def plot_k_selection(model, *, ax=None):
    """The k-selection criteria of a fitted ``VariantClusterer(n_clusters="auto")`` per k.

    Standard case-level silhouette, variant silhouette and bootstrap stability (mean ARI) against
    k on one axis (all lie in [-1, 1]); the chosen k is marked, the ``min_stability`` and
    ``min_silhouette`` levels are dashed, and the title says when no k is convincing.

    Parameters
    ----------
    model : VariantClusterer
        Fitted with ``n_clusters="auto"``.
    ax : matplotlib Axes, optional
        Where to draw; by default a new Figure (not registered with pyplot).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    sklearn.exceptions.NotFittedError
        ``model`` is not fitted.
    ClusteringError
        The model has no selection table (k was fixed, or a density method was used).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [(c, a) for c, path in [("t1", "abc"), ("t2", "abd"), ("t3", "xyz"), ("t4", "xyw"),
    ...         ("t5", "pqr"), ("t6", "pqs")] for a in path]
    >>> log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name"])
    >>> log["time:timestamp"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(range(18), "h")
    >>> fig = plot_k_selection(VariantClusterer(random_state=0, n_bootstrap=3).fit(log))
    >>> [line.get_label() for line in fig.axes[0].get_lines()][:3]
    ['standard silhouette (cases)', 'variant silhouette', 'stability (bootstrap ARI)']
    """
    check_is_fitted(model, "selection_table_")
    table = model.selection_table_
    if table.empty:
        raise ClusteringError(
            "plot_k_selection needs a model fitted with n_clusters='auto' and method 'kmeans' or "
            f"'agglomerative'; this one has n_clusters={model.n_clusters!r}, method={model.method!r} "
            "and no selection table.")
    fig, (ax,) = _new_axes(ax, (7, 4))
    k = table["k"].to_numpy()
    ax.plot(k, table["silhouette"], "o-", color="#1f77b4", label="standard silhouette (cases)")
    ax.plot(k, table["silhouette_variants"], "s--", color="#9ecae1", label="variant silhouette")
    ax.plot(k, table["stability"], "^-", color="#ff7f0e", label="stability (bootstrap ARI)")
    ax.axhline(model.min_stability, color="#ff7f0e", ls=":", lw=1)
    ax.axhline(model.min_silhouette, color="#1f77b4", ls=":", lw=1)
    chosen = table.loc[table["chosen"], "k"]
    for c in chosen:
        ax.axvline(c, color="#555555", lw=1, alpha=0.6)
    ax.set_xticks(k)
    ax.set_xlabel("k (clusters)")
    ax.set_ylim(min(-0.05, float(np.nanmin(table[["silhouette", "silhouette_variants"]].to_numpy())) - 0.05), 1.05)
    ax.legend(loc="best", fontsize=8, frameon=False)
    title = f"k = {int(chosen.iloc[0])} chosen" if len(chosen) else "no k chosen"
    if model.no_clear_groups_:
        title += ": no convincing groups"
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_cluster_maps(log, labels, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                      timestamp_key=C.TIMESTAMP, max_clusters=6, max_edges=15, ncols=2):
    """Directly-follows graph of each cluster, side by side (rendered with graphviz ``dot``).

    Parameters
    ----------
    log : DataFrame
        Event log.
    labels : Series
        Cluster of each case, indexed by case id.
    {keys}
    max_clusters : int, default 6
        Draw the largest clusters only (noise ``-1`` is not drawn).
    max_edges : int, default 15
        Most frequent edges drawn per cluster.
    ncols : int, default 2
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per cluster; without ``dot`` a panel lists its most frequent edges as text.

    Raises
    ------
    ClusteringError
        ``labels`` is not a Series or misses cases of the log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a", "b", "b"],
    ...     "concept:name": ["Chat", "Resolve", "Mail", "Resolve"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01", "2024-05-02", "2024-05-03",
    ...                                       "2024-05-04"], utc=True)})
    >>> fig = plot_cluster_maps(log, pd.Series({"a": 0, "b": 1}))
    >>> [ax.get_title() for ax in fig.axes]
    ['cluster 0: 1 cases (50%)', 'cluster 1: 1 cases (50%)']
    """
    import io

    import matplotlib.image as mpimg

    from journeymining.viz import GraphvizNotFoundError, render

    keys = dict(case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key)
    var = _variants(log, **keys, verb="plot_cluster_maps")
    lab = _aligned_labels(labels, var.cases, "plot_cluster_maps")
    sizes = pd.Series(lab[lab >= 0]).value_counts()
    sizes = sizes.sort_index().sort_values(ascending=False, kind="stable").head(max_clusters)
    n = max(1, len(sizes))
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = _new_axes(None, (6 * ncols, 3.6 * nrows), nrows, ncols)
    codes = var.case_codes_of_events()
    for ax in axes:
        ax.set_axis_off()
    for ax, (c, size) in zip(axes, sizes.items()):
        sub = log[(lab == c)[codes]]
        dfg = discovery.discover_dfg(sub, **keys)
        ax.set_title(f"cluster {c}: {size} cases ({size / len(lab):.0%})", fontsize=10,
                     color=_colour(c))
        try:
            png = render(dfg, max_edges=max_edges).pipe("png")
            ax.imshow(mpimg.imread(io.BytesIO(png)), interpolation="lanczos")
        except GraphvizNotFoundError:
            lines = [f"{r.source} → {r.target}: {r.frequency}" for r in dfg.head(max_edges).itertuples()]
            ax.text(0, 1, "\n".join(lines), va="top", fontsize=7, transform=ax.transAxes)
    return fig


def plot_variant_embedding(model, *, method="auto", max_variants=500, ax=None, random_state=0):
    """2-D map of the variants (PCA, MDS or t-SNE of the encoding), size = cases, colour = cluster.

    Parameters
    ----------
    model : VariantClusterer
        A fitted clusterer.
    method : {"auto", "pca", "mds", "tsne"}, default "auto"
        ``"auto"``: PCA for vector encodings, metric MDS on the distances for edit distance.
    max_variants : int, default 500
        The most frequent variants drawn.
    ax : matplotlib Axes, optional
        Where to draw; by default a new Figure.
    random_state : int, default 0
        Seed of MDS / t-SNE.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    sklearn.exceptions.NotFittedError
        ``model`` is not fitted.
    ClusteringError
        ``method`` is unknown.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [(c, a) for c, path in [("t1", "ab"), ("t2", "abc"), ("t3", "xy"), ("t4", "xyz")]
    ...         for a in path]
    >>> log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name"])
    >>> log["time:timestamp"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(range(10), "h")
    >>> fig = plot_variant_embedding(VariantClusterer(n_clusters=2, random_state=0).fit(log))
    >>> len(fig.axes[0].collections[0].get_offsets())
    4
    """
    check_is_fitted(model, "labels_")
    if method not in ("auto", "pca", "mds", "tsne"):
        raise ClusteringError(f"method={method!r} is not known; choose 'auto', 'pca', 'mds' or 'tsne'.")
    table = model.variant_table_.head(max_variants)
    n = len(table)
    if model.encoding == "edit_distance":
        D = edit_distance_matrix(list(table["activities"]))
        X = None
    else:
        X = model._X[:n]
        D = None
    method = ("mds" if X is None else "pca") if method == "auto" else method
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if n < 3:
            xy = np.column_stack([np.arange(n, dtype=float), np.zeros(n)])
        elif method == "pca":
            from sklearn.decomposition import PCA

            src = X if X is not None else D
            xy = PCA(n_components=2).fit_transform(src) if src.shape[1] >= 2 else np.column_stack([src[:, 0], np.zeros(n)])
        elif method == "mds":
            from sklearn.manifold import MDS

            if D is None:
                D = _euclidean(X)
            xy = MDS(n_components=2, dissimilarity="precomputed", random_state=random_state,
                     n_init=1).fit_transform(D)
        else:
            from sklearn.manifold import TSNE

            src = D if D is not None else _euclidean(X)
            xy = TSNE(n_components=2, metric="precomputed", init="random", random_state=random_state,
                      perplexity=min(30.0, max(1.0, (n - 1) / 3))).fit_transform(src)
    fig, (ax,) = _new_axes(ax, (7, 5.5))
    cases = table["cases"].to_numpy(float)
    size = 20 + 600 * np.sqrt(cases / cases.max())
    ax.scatter(xy[:, 0], xy[:, 1], s=size, c=[_colour(c) for c in table["cluster"]], alpha=0.65,
               edgecolors="white", linewidths=0.5)
    for c in sorted(table["cluster"].unique()):
        ax.scatter([], [], c=[_colour(c)], label="noise" if c < 0 else f"cluster {c}")
    ax.legend(loc="best", fontsize=8, frameon=False)
    ax.set_title(f"{n} most frequent variants ({method.upper()} of the {model.encoding} encoding); "
                 "area ~ cases", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


# --------------------------------------------------------------------------------------------
# command line: journeymining cluster EVENTS --out DIR
# --------------------------------------------------------------------------------------------

for _f in (profile_clusters, pm4py_cluster_labels, score_clusters, plot_cluster_maps):
    if _f.__doc__:
        _f.__doc__ = _f.__doc__.replace("{keys}", C.KEYS_DOC)
del _f

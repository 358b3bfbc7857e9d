"""The clustering estimator: :class:`VariantClusterer`, a scikit-learn estimator over path variants.

:class:`VariantClusterer` reduces a log to its variants (:mod:`journeymining.cluster.variants`),
encodes them (:mod:`journeymining.cluster.encodings`) or measures their edit distance
(:mod:`journeymining.cluster.distances`), clusters them with their case counts as weights
(k-means, weighted average linkage from :mod:`journeymining.cluster.linkage`, DBSCAN or HDBSCAN),
chooses k when asked (:mod:`journeymining.cluster.selection`, with the per-cluster model quality
of :mod:`journeymining.cluster.quality`), and maps the labels back to cases
and customers with a profile of each cluster (:mod:`journeymining.cluster.profiles`).
:class:`ClusteringError` is re-exported here from :mod:`journeymining.cluster.errors`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from journeymining.cluster.distances import edit_distance_matrix, euclidean_distances
from journeymining.cluster.encodings import BLOCKS, ENCODINGS, VariantEncoder
from journeymining.cluster.errors import ClusteringError
from journeymining.cluster.linkage import assign_by_average, robust_cut, weighted_average_linkage
from journeymining.cluster.profiles import CaseMeasures, profile_table
from journeymining.cluster.quality import NOISE_THRESHOLD, QualityCache, partition_quality
from journeymining.cluster.selection import SELECTION_COLUMNS, select_k, selection_sentence
from journeymining.cluster.variants import variants_of
from journeymining.core import columns as C
from journeymining.core.eventlog import check_log
from journeymining.core.progress import step

__all__ = ["ClusteringError", "VariantClusterer", "METHODS"]

METHODS = ("kmeans", "agglomerative", "hdbscan", "dbscan")


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
        ``selection_table_`` (see :func:`journeymining.cluster.selection.select_k` and
        :func:`plot_k_selection`): the standard
        case-level silhouette (:func:`case_silhouette`), the variant silhouette on distinct points
        (:func:`weighted_silhouette`) and the bootstrap stability of the partition (mean
        case-weighted adjusted Rand index over ``n_bootstrap`` resamples of the cases). Among the
        k with stability >= ``min_stability`` the k with the highest mean of the two silhouettes
        wins (ties: smaller k); ``no_clear_groups_`` says when no k is convincing. With
        ``quality_criterion=True`` the gain in precision of per-cluster models can veto a k
        (see ``quality_criterion``).
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
    quality_criterion : bool, default False
        ``n_clusters="auto"``: also score every k by the quality of per-cluster process models
        (:func:`journeymining.cluster.quality.partition_quality`). For each cluster of the
        k-partition an inductive-miner model (noise threshold 0.2, as
        :func:`journeymining.discover.discover_journey`) is discovered from its variants
        weighted by their cases, and scored on the *same* cases with pm4py's token-replay
        fitness and ETConformance precision (one replay per variant, weighted by its cases);
        per k ``selection_table_`` reports the means of the clusters' figures weighted by their
        cases (``fitness``, ``precision``), their gains over k = 1, one model of the whole log
        (``fitness_gain``, ``precision_gain``), and the total size of the models
        (``model_size``: places + transitions summed over the clusters). These are in-sample
        figures, optimistic by design and cheap; score a chosen partition on held-out cases
        with :func:`journeymining.cluster.score_clusters`. The precision gain only vetoes: a k
        whose gain is not positive is never preferred to a smaller stable k with the same
        silhouette standing (mean silhouette within 0.01, see
        :func:`journeymining.cluster.selection.select_k`). Off by default because it is not
        cheap: ETConformance replays every prefix of every variant, so a fit took about 1.5-3.5 s
        longer on the help desk (211 variants) and on 1,000 generated tickets (151 variants)
        (twice that on a loaded machine), and 5-20 s longer on 600 noisy cases with 300-400 variants. Only the ``max_variants``
        most frequent variants enter, as for the silhouettes.
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
        ARI, NaN with ``n_bootstrap=0``), ``stable``, ``chosen``, then the model-quality
        criterion (NaN unless ``quality_criterion=True``): ``fitness`` and ``precision``
        (case-weighted means over the per-cluster models, in sample), ``fitness_gain`` and
        ``precision_gain`` (minus those of one model of the whole log) and ``model_size``
        (places + transitions summed over the clusters' models).
    quality_baseline_ : dict or None
        The k = 1 figures the gains are taken from (``fitness``, ``precision``,
        ``model_size`` of one model of the whole log); None when not computed.
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
    variant_features_ : ndarray of shape (n_variants, n_features)
        Encoding of each row of ``variant_table_`` (columns ``feature_names_``; no columns with
        ``encoding="edit_distance"``).
    encoder_ : VariantEncoder
        The fitted encoding (:class:`journeymining.cluster.encodings.VariantEncoder`), which
        :meth:`predict` applies to new logs.

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
                 min_silhouette=0.25, quality_criterion=False,
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
        self.quality_criterion = quality_criterion
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
        bad = [b for b in include if b not in BLOCKS and not str(b).startswith("case:")]
        if bad:
            raise ClusteringError(
                f"include has unknown block(s) {bad}; use {list(BLOCKS)} or 'case:' attribute "
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
        if not isinstance(self.quality_criterion, (bool, np.bool_)):
            raise ClusteringError(f"quality_criterion={self.quality_criterion!r} must be True or False "
                                  "(score every k by per-cluster model fitness and precision).")
        if not (isinstance(self.eps, (int, float)) and self.eps > 0):
            raise ClusteringError(f"eps={self.eps!r} must be a positive number.")
        if not isinstance(self.min_cluster_size, (int, np.integer)) or self.min_cluster_size < 1:
            raise ClusteringError(f"min_cluster_size={self.min_cluster_size!r} must be an integer >= 1.")
        return include

    # ---- distances -------------------------------------------------------------------------
    def _distances(self, rows_a, rows_b=None):
        """Distance between variants given as feature rows (vectors) or sequences."""
        if self.encoding == "edit_distance":
            return edit_distance_matrix(rows_a, rows_b)
        return euclidean_distances(np.asarray(rows_a), None if rows_b is None else np.asarray(rows_b))

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
        var = variants_of(log, **keys, verb="VariantClusterer.fit")
        V = len(var.variants)
        w = var.counts.astype(float)
        self.encoder_ = VariantEncoder(self.encoding, self.ngram, self.binary, include, self.timestamp_key)
        X = self.encoder_.fit_transform(log, var)
        self.feature_names_ = self.encoder_.feature_names_
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
        self._top_variants = [var.variants[i] for i in top]
        criterion = []
        centers = None
        step(f"clustering: {self.method} on {V} variants")
        if V == 1:
            labels_top = np.zeros(len(top), int)
        elif self.method == "kmeans":
            labels_all, centers, criterion = self._fit_kmeans(X, w, D_top, top)
            labels_top = labels_all[top]
        elif self.method == "agglomerative":
            merges = weighted_average_linkage(D_top, w[top])
            share = float(self.min_cluster_share)
            if self.n_clusters == "auto":
                labels_top, criterion = self._choose_k(
                    lambda k: robust_cut(merges, len(top), k, w[top], D_top, share), D_top, w[top],
                    self._resample_agglomerative(D_top, len(top)))
            else:
                labels_top = robust_cut(merges, len(top), min(int(self.n_clusters), len(top)),
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
                d = euclidean_distances(X[members], centers[[c]]).ravel()
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
        self.variant_features_ = X
        self._variant_seqs = var.variants
        self.variant_labels_ = labels
        self.n_clusters_ = len(order)
        self.selection_table_ = pd.DataFrame(criterion, columns=SELECTION_COLUMNS)
        self.criterion_ = self.selection_table_
        sel = getattr(self, "_selection", None) if criterion else None
        base = sel.get("baseline") if sel else None
        self.quality_baseline_ = (None if base is None else
                                  {key: base[key] for key in ("fitness", "precision", "model_size")})
        self.no_clear_groups_, self.selection_note_ = selection_sentence(
            sel, n_clusters=self.n_clusters, method=self.method, min_stability=self.min_stability,
            min_silhouette=self.min_silhouette)
        table = var.table.copy()
        table["cluster"] = labels
        self.variant_table_ = table
        self.labels_ = pd.Series(labels[var.case_variant], index=pd.Index(var.cases, name=self.case_id_key),
                                 name="cluster")
        measures = CaseMeasures(log, var, keys, settings=self.settings, measures=measures)
        if measures.customer is not None:
            frame = pd.DataFrame({"customer": measures.customer, "cluster": self.labels_.to_numpy()}).dropna()
            counts = frame.groupby(["customer", "cluster"]).size().reset_index(name="n")
            counts = counts.sort_values(["customer", "n", "cluster"], ascending=[True, False, True])
            top_c = counts.drop_duplicates("customer").set_index("customer")["cluster"]
            top_c.index.name = C.CUSTOMER
            self.customer_labels_ = top_c.rename("cluster")
        step("clustering: profiles")
        self.cluster_profiles_ = profile_table(log, var, labels[var.case_variant], keys,
                                           medoids=self._medoid_paths(), measures=measures)
        return self

    def _medoid_paths(self):
        return {c: self.variant_table_["activities"].iloc[m] for c, m in enumerate(self.medoids_)}

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

    def _select_k(self, ks, full, D, w, resample):
        """:func:`journeymining.cluster.selection.select_k` with this estimator's parameters."""
        quality = None
        if self.quality_criterion:
            step(f"clustering: per-cluster models for k = 1 and k = {ks[0]} .. {ks[-1]}")
            cache = QualityCache(self._top_variants, w, NOISE_THRESHOLD)

            def quality(labels):
                return partition_quality(self._top_variants, w, labels, NOISE_THRESHOLD, cache=cache)
        best, rows, self._selection = select_k(
            ks, full, D, w, resample, points=self._points, n_bootstrap=self.n_bootstrap,
            random_state=self.random_state, min_stability=self.min_stability,
            min_silhouette=self.min_silhouette, quality=quality)
        return best, rows

    def _resample_agglomerative(self, D, top_n):
        def resample(w_star, ks, seed):
            sub = w_star[:top_n] > 0
            idx = np.flatnonzero(sub)
            merges = weighted_average_linkage(D[np.ix_(idx, idx)], w_star[idx])
            out = {}
            for k in ks:
                lab = np.full(top_n, -1)
                lab[idx] = robust_cut(merges, len(idx), min(k, len(idx)), w_star[idx],
                                       D[np.ix_(idx, idx)], float(self.min_cluster_share))
                out[k] = assign_by_average(D, lab, w_star, ~sub) if (~sub).any() else lab
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
        var = variants_of(log, case_id_key=self.case_id_key, activity_key=self.activity_key,
                        timestamp_key=self.timestamp_key, verb="VariantClusterer.predict")
        if self.n_clusters_ == 0:
            lab = np.full(len(var.variants), -1)
        elif self.encoding == "edit_distance":
            med = [self._variant_seqs[m] for m in self.medoids_]
            lab = edit_distance_matrix(var.variants, med).argmin(axis=1)
        else:
            X = self.encoder_.transform(log, var)
            ref = (self.cluster_centers_ if hasattr(self, "cluster_centers_")
                   else self.variant_features_[self.medoids_])
            lab = euclidean_distances(X, ref).argmin(axis=1)
        return pd.Series(np.asarray(lab, int)[var.case_variant],
                         index=pd.Index(var.cases, name=self.case_id_key), name="cluster")

"""Scoring a grouping: per-cluster process models against no clustering and ``pm4py.cluster_log``.

:func:`score_clusters` splits the cases into discovery and held-out parts stratified by cluster
(:func:`held_out`), discovers one model per cluster and one of the whole log
(:func:`model_quality`: inductive miner, token-replay fitness and precision, model size), and adds
silhouettes: in the encoding's space (:func:`partition_silhouette`) and the standard case-level
one on normalised edit distance, the neutral space in which pm4py's partition
(:func:`pm4py_cluster_labels`) and ours are compared (:func:`neutral_silhouette`).
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pandas as pd

from journeymining.cluster.distances import edit_distance_matrix, euclidean_distances
from journeymining.cluster.encodings import VariantEncoder
from journeymining.cluster.errors import ClusteringError
from journeymining.cluster.selection import case_silhouette, silhouette_values, weighted_silhouette
from journeymining.cluster.variants import aligned_labels, variants_of
from journeymining.core import columns as C
from journeymining.core.docs import fill_docstrings
from journeymining.core.eventlog import check_log
from journeymining.core.progress import progress
from journeymining import discover as discovery

__all__ = ["score_clusters", "pm4py_cluster_labels", "model_quality", "held_out", "quiet_pm4py",
           "neutral_silhouette", "partition_silhouette"]


@contextlib.contextmanager
def quiet_pm4py():
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


def model_quality(train, test, keys, noise_threshold):
    """Inductive-miner model discovered from ``train``, token-replay fitness and precision on
    ``test`` (NaN without test cases), and its size."""
    import pm4py

    model = discovery.discover_journey(train, **keys, noise_threshold=noise_threshold)
    fit, prec = np.nan, np.nan
    if len(test):
        with quiet_pm4py():
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


def held_out(lab, test_size, random_state):
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


def neutral_silhouette(var, lab, max_variants):
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
    with quiet_pm4py():
        clusters = pm4py.cluster_log(std, sklearn_clusterer=KMeans(
            n_clusters=int(n_clusters), random_state=random_state, n_init="auto"))
        out = {}
        for c, sub in enumerate(clusters):
            for trace in sub:
                out[trace.attributes["concept:name"]] = c
    cases = pd.unique(log[case_id_key])
    return pd.Series([out[str(x)] for x in cases], index=pd.Index(cases, name=case_id_key),
                     name="cluster")


def partition_silhouette(var, lab, encoding, ngram, binary, max_variants):
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
        X, _ = VariantEncoder(encoding, ngram, binary).activity_block(seqs, fit=True)
        _, first, inverse = np.unique(np.column_stack([X, labs]), axis=0, return_index=True,
                                      return_inverse=True)
        w = np.bincount(inverse.reshape(-1), weights=w, minlength=len(first))
        X, labs = X[first], labs[first]
        D = euclidean_distances(X)
    total = weighted_silhouette(D, labs, w)
    per = {}
    s_c = silhouette_values(D, labs, w)
    for c in np.unique(labs):  # per cluster: the same s(i), averaged over the cluster
        m = labs == c
        per[int(c)] = float(np.sum(w[m] * s_c[m]) / w[m].sum())
    return total, per


def score_clusters(log, labels, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                   timestamp_key=C.TIMESTAMP, noise_threshold=0.2, compare_pm4py=True,
                   encoding="profile", ngram=2, binary=True, test_size=0.3, random_state=0,
                   max_variants=2000):
    """Is the grouping good? Per-cluster process models against no clustering and pm4py.cluster_log.

    The cases are split into a discovery (train) and a held-out (test) part, stratified by
    cluster (``test_size`` of each cluster, at least one case on each side for clusters of two
    or more cases; seeded). For every cluster a model is discovered from its train cases
    (inductive miner, :func:`journeymining.discover.discover_journey` with ``noise_threshold``)
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
        As :func:`journeymining.discover.variant_table`.
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
    var = variants_of(log, **keys, verb="score_clusters")
    lab = aligned_labels(labels, var.cases, "score_clusters")
    codes = var.case_codes_of_events()
    total = len(lab)

    def block(case_labels, scope):
        out = []
        test = held_out(case_labels, test_size, random_state)
        if test_size == 0:
            train = np.ones(len(case_labels), bool)
            test = train
        else:
            train = ~test
        sil_total, sil = partition_silhouette(var, case_labels, encoding, ngram, binary, max_variants)
        found = sorted(set(case_labels.tolist()), key=lambda c: (c < 0, c))
        for c in progress(found, desc=f"scoring {scope}"):
            m = case_labels == c
            q = model_quality(log[(m & train)[codes]], log[(m & test)[codes]], keys, noise_threshold)
            out.append({"scope": scope, "cluster": c, "cases": int(m.sum()),
                        "test_cases": int((m & test).sum()), "share": m.sum() / total,
                        "variants": len(np.unique(var.case_variant[m])), **q,
                        "silhouette": sil.get(c, np.nan), "silhouette_standard": np.nan})
        frame = pd.DataFrame(out)
        summary = {"scope": "all clusters" if scope == "cluster" else f"{scope} (all clusters)",
                   "cluster": pd.NA, "cases": int(frame["cases"].sum()),
                   "test_cases": int(frame["test_cases"].sum()), "share": 1.0,
                   "variants": len(var.variants), "silhouette": sil_total,
                   "silhouette_standard": neutral_silhouette(var, case_labels, max_variants)}
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
             **model_quality(log[train[codes]], log[test[codes]], keys, noise_threshold),
             "silhouette": np.nan, "silhouette_standard": np.nan}
    parts = [ours, pd.DataFrame([ours_summary, whole])]
    if compare_pm4py:
        k = max(2, len([c for c in np.unique(lab) if c >= 0]))
        pl = pm4py_cluster_labels(log, k, **keys, random_state=random_state)
        pm_lab = aligned_labels(pl, var.cases, "score_clusters")
        theirs, theirs_summary, _, _ = block(pm_lab, "pm4py.cluster_log")
        parts += [pd.DataFrame([theirs_summary]), theirs]
    frame = pd.concat(parts, ignore_index=True)
    frame["cluster"] = frame["cluster"].astype("Int64")
    for col in ("nodes", "arcs", "test_cases"):
        frame[col] = frame[col].astype(int)
    return frame[["scope", "cluster", "cases", "test_cases", "share", "variants", "fitness",
                  "precision", "nodes", "arcs", "silhouette", "silhouette_standard"]]


fill_docstrings(pm4py_cluster_labels, score_clusters)

"""Figures of a clustering (matplotlib Figures, closed in pyplot so that Jupyter shows the returned one once).

:func:`plot_cluster_sizes` draws cases per cluster with each cluster's representative path,
:func:`plot_k_selection` the k-selection criteria of ``n_clusters="auto"`` per k (with the
per-cluster model quality of :func:`plot_model_quality`),
:func:`plot_cluster_maps` the directly-follows graph of each cluster side by side, and
:func:`plot_variant_embedding` a 2-D map of the variants coloured by cluster. :func:`new_axes` and
:func:`cluster_colour` are the shared drawing helpers (:func:`shorten` is
:func:`journeymining.viz.charts.shorten`, re-exported).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from journeymining.cluster.distances import edit_distance_matrix, euclidean_distances
from journeymining.cluster.errors import ClusteringError
from journeymining.cluster.estimator import VariantClusterer  # noqa: F401  (the examples fit one)
from journeymining.cluster.variants import aligned_labels, variants_of
from journeymining.core import columns as C
from journeymining.core.docs import fill_docstrings
from journeymining import discover as discovery
from journeymining.viz.charts import shorten

__all__ = ["plot_cluster_sizes", "plot_k_selection", "plot_model_quality", "plot_cluster_maps",
           "plot_variant_embedding", "new_axes", "shorten", "cluster_colour"]


def new_axes(ax, figsize, nrows=1, ncols=1):
    """``(figure, axes)``: ``ax``'s figure, or a new constrained-layout Figure of ``nrows x ncols``
    axes that is not left open in pyplot."""
    if ax is not None:  # one Axes or a sequence of Axes of one figure
        axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
        return axes[0].figure, axes
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=figsize, layout="constrained")
    plt.close(fig)  # not left open in pyplot: Jupyter shows the returned Figure once
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes.ravel()



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
    fig, (ax,) = new_axes(ax, (10, 0.6 * len(profiles) + 1.2))
    y = np.arange(len(profiles))
    ax.barh(y, profiles["cases"].to_numpy(), color=[cluster_colour(c) for c in profiles.index])
    ax.set_yticks(y, [f"cluster {c} ({s:.0%})" for c, s in zip(profiles.index, profiles["share"])])
    ax.invert_yaxis()
    for yi, n, path in zip(y, profiles["cases"], profiles["representative"]):
        ax.text(n, yi, "  " + shorten(str(path), max_chars), va="center", fontsize=8)
    ax.set_xlabel("cases")
    ax.set_xlim(0, profiles["cases"].max() * 2.6 if len(profiles) else 1)
    ax.set_title("Clusters of journeys: size and representative (medoid) path")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def cluster_colour(cluster):
    """Colour of a cluster (tab10 by label; grey for noise ``-1``)."""
    from matplotlib import colormaps

    if cluster < 0:
        return "#bbbbbb"
    return colormaps["tab10"](int(cluster) % 10)


def plot_k_selection(model, *, ax=None):
    """The k-selection criteria of a fitted ``VariantClusterer(n_clusters="auto")`` per k.

    First panel: standard case-level silhouette, variant silhouette and bootstrap stability
    (mean ARI) against k on one axis (all lie in [-1, 1]); the chosen k is marked, the
    ``min_stability`` and ``min_silhouette`` levels are dashed, and the title says when no k is
    convincing. Second panel, when the model was fitted with ``quality_criterion=True``: the
    case-weighted fitness and precision of the per-cluster models against k (in sample), the
    figures of one model of the whole log (k = 1) dotted, and the total model size (places +
    transitions summed over the clusters) as grey bars on a right-hand axis.

    Parameters
    ----------
    model : VariantClusterer
        Fitted with ``n_clusters="auto"``.
    ax : matplotlib Axes or sequence of two Axes, optional
        Where to draw; by default a new Figure (not registered with pyplot). One Axes gets the
        first panel only; two Axes get both panels.

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
    >>> fig = plot_k_selection(VariantClusterer(random_state=0, n_bootstrap=3,
    ...                                         quality_criterion=True).fit(log))
    >>> [line.get_label() for line in fig.axes[1].get_lines()][:2]
    ['fitness (per-cluster models)', 'precision (per-cluster models)']
    """
    check_is_fitted(model, "selection_table_")
    table = model.selection_table_
    if table.empty:
        raise ClusteringError(
            "plot_k_selection needs a model fitted with n_clusters='auto' and method 'kmeans' or "
            f"'agglomerative'; this one has n_clusters={model.n_clusters!r}, method={model.method!r} "
            "and no selection table.")
    has_quality = "precision" in table and table["precision"].notna().any()
    fig, axes = new_axes(ax, (11, 4) if has_quality else (7, 4), 1, 2 if has_quality else 1)
    if len(axes) > 2:
        raise ClusteringError(f"plot_k_selection draws on one or two Axes; got {len(axes)}.")
    ax = axes[0]
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
    if has_quality and len(axes) > 1:
        plot_model_quality(table, getattr(model, "quality_baseline_", None), axes[1])
    return fig


def plot_model_quality(table, baseline, ax):
    """The model-quality panel of :func:`plot_k_selection` on ``ax`` (``table``: a
    ``selection_table_`` with the quality columns; ``baseline``: the k = 1 figures or None)."""
    k = table["k"].to_numpy()
    ax.plot(k, table["fitness"], "o-", color="#2ca02c", label="fitness (per-cluster models)")
    ax.plot(k, table["precision"], "s-", color="#d62728", label="precision (per-cluster models)")
    if baseline is not None:
        ax.axhline(baseline["fitness"], color="#2ca02c", ls=":", lw=1, label="fitness, one model (k = 1)")
        ax.axhline(baseline["precision"], color="#d62728", ls=":", lw=1,
                   label="precision, one model (k = 1)")
    for c in table.loc[table["chosen"], "k"]:
        ax.axvline(c, color="#555555", lw=1, alpha=0.6)
    low = float(np.nanmin(table[["fitness", "precision"]].to_numpy()))
    if baseline is not None:
        low = min(low, baseline["precision"], baseline["fitness"])
    ax.set_ylim(max(0.0, low - 0.1), 1.02)
    ax.set_xticks(k)
    ax.set_xlabel("k (clusters)")
    ax.set_ylabel("in sample, weighted by cases")
    size = ax.twinx()
    size.bar(k, table["model_size"], width=0.5, color="#bbbbbb", alpha=0.35, zorder=0,
             label="total model size (nodes)")
    if baseline is not None:
        size.axhline(baseline["model_size"], color="#888888", ls="--", lw=1)
    size.set_ylabel("places + transitions, summed over clusters", fontsize=8)
    ax.set_zorder(size.get_zorder() + 1)
    ax.patch.set_visible(False)
    handles = ax.get_legend_handles_labels()
    more = size.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], loc="lower right", fontsize=7, frameon=False)
    gain = table.loc[table["chosen"], "precision_gain"]
    ax.set_title("per-cluster models" + (f": precision gain {float(gain.iloc[0]):+.3f} at the chosen k"
                                         if len(gain) and not np.isnan(gain.iloc[0]) else ""), fontsize=10)


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
    var = variants_of(log, **keys, verb="plot_cluster_maps")
    lab = aligned_labels(labels, var.cases, "plot_cluster_maps")
    sizes = pd.Series(lab[lab >= 0]).value_counts()
    sizes = sizes.sort_index().sort_values(ascending=False, kind="stable").head(max_clusters)
    n = max(1, len(sizes))
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = new_axes(None, (6 * ncols, 3.6 * nrows), nrows, ncols)
    codes = var.case_codes_of_events()
    for ax in axes:
        ax.set_axis_off()
    for ax, (c, size) in zip(axes, sizes.items()):
        sub = log[(lab == c)[codes]]
        dfg = discovery.discover_dfg(sub, **keys)
        ax.set_title(f"cluster {c}: {size} cases ({size / len(lab):.0%})", fontsize=10,
                     color=cluster_colour(c))
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
        X = model.variant_features_[:n]
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
                D = euclidean_distances(X)
            xy = MDS(n_components=2, dissimilarity="precomputed", random_state=random_state,
                     n_init=1).fit_transform(D)
        else:
            from sklearn.manifold import TSNE

            src = D if D is not None else euclidean_distances(X)
            xy = TSNE(n_components=2, metric="precomputed", init="random", random_state=random_state,
                      perplexity=min(30.0, max(1.0, (n - 1) / 3))).fit_transform(src)
    fig, (ax,) = new_axes(ax, (7, 5.5))
    cases = table["cases"].to_numpy(float)
    size = 20 + 600 * np.sqrt(cases / cases.max())
    ax.scatter(xy[:, 0], xy[:, 1], s=size, c=[cluster_colour(c) for c in table["cluster"]], alpha=0.65,
               edgecolors="white", linewidths=0.5)
    for c in sorted(table["cluster"].unique()):
        ax.scatter([], [], c=[cluster_colour(c)], label="noise" if c < 0 else f"cluster {c}")
    ax.legend(loc="best", fontsize=8, frameon=False)
    ax.set_title(f"{n} most frequent variants ({method.upper()} of the {model.encoding} encoding); "
                 "area ~ cases", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


fill_docstrings(plot_cluster_maps)

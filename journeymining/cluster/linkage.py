"""Average linkage on weighted variants, and cuts of its tree into k clusters.

:func:`weighted_average_linkage` is average linkage (UPGMA) on variants that start with their
case counts as weights, which equals average linkage on the cases at the cost of the variants;
:func:`cut_tree` cuts the merges into k clusters, :func:`robust_cut` does so while ignoring
outlier groups, and :func:`assign_by_average` gives points outside the clusters to the cluster
with the smallest case-weighted mean distance (average linkage's own criterion).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["weighted_average_linkage", "cut_tree", "robust_cut", "assign_by_average"]


def assign_by_average(D, labels, w, missing):
    """Labels of the ``missing`` points: the cluster with the smallest case-weighted mean
    distance (average linkage's criterion)."""
    uniq = np.unique(labels[~missing])
    onehot = (labels[~missing][:, None] == uniq[None, :]) * w[~missing][:, None]
    mean = D[np.ix_(missing, ~missing)] @ onehot / onehot.sum(0)[None, :]
    out = labels.copy()
    out[missing] = uniq[mean.argmin(axis=1)]
    return out


def weighted_average_linkage(D, w):
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


def cut_tree(merges, n, k):
    """Cluster of each of the ``n`` points after the first ``n - k`` merges (k clusters, numbered
    by their smallest point)."""
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


def robust_cut(merges, n, k, w, D, min_share):
    """k clusters from an average-linkage tree, ignoring outlier groups.

    The tree is cut at m = k, k + 1, ... clusters until k of them hold at least
    ``max(2, ceil(min_share * cases))`` cases; those k are the clusters and the points of the
    smaller ones join the cluster with the smallest case-weighted mean distance (average
    linkage's own criterion). Without such an m the plain k-cut is returned. Average linkage
    isolates noisy, one-off paths first; counting them as clusters would use up k on outliers.
    """
    min_size = max(2, math.ceil(min_share * float(np.sum(w))))
    for m in range(k, n + 1):
        lab = cut_tree(merges, n, m)
        big = np.flatnonzero(np.bincount(lab, weights=w) >= min_size)
        if len(big) >= k:
            keep = np.isin(lab, big)
            if keep.all():
                return lab
            out = assign_by_average(D, np.where(keep, lab, -1), np.asarray(w, float), ~keep)
            return np.unique(out, return_inverse=True)[1]
    return cut_tree(merges, n, k)

"""Numpy helpers over grouped integer arrays, shared by the variant table and the DFG.

Per-group medians (a radix sort for few groups), sorted distinct values (faster than numpy's
hash-based ``unique`` on int64) and the conversion of float durations in a log's time unit to
Timedeltas. They hold no journey logic: they are the vectorised pieces that let
:mod:`journeymining.discover.variants` and :mod:`journeymining.discover.dfg` avoid a Python loop
over cases.
"""

import numpy as np
import pandas as pd

__all__ = ["to_timedelta", "group_median", "unique_sorted"]


def to_timedelta(values, unit):
    """float or int array in ``unit`` -> TimedeltaIndex (NaN -> NaT)."""
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.iinfo(np.int64).min, dtype=np.int64)
    ok = ~np.isnan(values)
    out[ok] = np.rint(values[ok]).astype(np.int64)
    return pd.to_timedelta(out.view(f"timedelta64[{unit}]"))


def group_median(groups, values, n_groups):
    """Median of ``values`` per group id in ``groups`` (0..n_groups-1, every group non-empty)."""
    counts = np.bincount(groups, minlength=n_groups)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    if n_groups <= 4096:
        # few groups (DFG edges): radix-sort by group, then a linear-time median per group
        v = values[np.argsort(groups.astype(np.uint16), kind="stable")]
        return np.array([np.median(v[a:a + c]) for a, c in zip(first, counts)], dtype=float)
    order = np.lexsort((values, groups))
    v = values[order].astype(float)
    lo = first + (counts - 1) // 2
    hi = first + counts // 2
    return (v[lo] + v[hi]) / 2.0


def unique_sorted(values):
    """Sorted distinct values (sort-based; faster than numpy's hash-based unique on int64)."""
    v = np.sort(values)
    return v[np.concatenate(([True], v[1:] != v[:-1]))] if len(v) else v

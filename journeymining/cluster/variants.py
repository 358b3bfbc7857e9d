"""The variant-level view of an event log that the clustering works on.

The unit of work of :mod:`journeymining.cluster` is the **path variant** (the sequence of
activities of a case), weighted by how many cases follow it, so the cost grows with the number of
distinct variants, not with cases. :func:`variants_of` reduces a log to its variant table and the
variant of every case (one vectorised pass over the events, from
:mod:`journeymining.discover`); :func:`aligned_labels` reads case labels given as a
Series in the order of those cases, and :func:`path_text` writes a variant as a path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeymining.cluster.errors import ClusteringError
from journeymining.core.errors import preview
from journeymining.core.eventlog import check_log
from journeymining import discover as discovery

__all__ = ["ARROW", "Variants", "variants_of", "path_text", "aligned_labels"]

ARROW = discovery.ARROW


class Variants:
    """Case -> variant assignment of one log (a plain container built by :func:`variants_of`)."""

    __slots__ = ("table", "cases", "case_variant", "variants", "counts", "_codes", "_log", "_key")

    def case_codes_of_events(self):
        """Case number (order of first appearance, as ``cases``) of every event, in log order."""
        if self._codes is None:
            self._codes = pd.factorize(self._log[self._key], sort=False)[0]
        return self._codes


def variants_of(log, *, case_id_key, activity_key, timestamp_key, verb):
    """Variant table and per-case variant ids, from :mod:`journeymining.discover`.

    Variants are numbered as in :func:`journeymining.discover.variant_table` (most frequent
    first, ties by the variant text); events of a case are ordered by time, ties in input order.
    """
    keys = dict(case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key)
    check_log(log, **keys, verb=verb)
    table = discovery.variant_table(log, **keys)
    per_case = discovery.case_variants(log, **keys)
    out = Variants()
    out.table = table
    out.cases = per_case[case_id_key].to_numpy(dtype=object)
    out.case_variant = per_case["variant_id"].to_numpy(np.int64)
    out.variants = list(table["activities"])
    out.counts = table["cases"].to_numpy(np.int64)
    out._codes, out._log, out._key = None, log, case_id_key
    return out


def path_text(variant):
    """A variant written as a path (activities joined by arrows; ``"(empty)"`` for none)."""
    return ARROW.join(variant) if variant else "(empty)"


def aligned_labels(labels, cases, verb):
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

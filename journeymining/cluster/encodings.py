"""Encodings of variants: activity profile, transitions, n-grams, plus per-case feature blocks.

:class:`VariantEncoder` turns the variants of a log (:func:`journeymining.cluster.variants.variants_of`)
into one row of features each: the ``"activities"`` block counts activities (``"profile"``, Song
et al.'s activity profile), directly-follows pairs with start ``▶`` and end ``■``
(``"transitions"``) or runs of n activities (``"ngrams"``), optionally binary; the
``"channels"``, ``"durations"`` and ``case:`` attribute blocks are computed per case and averaged
over the cases of a variant, standardised with case weights where numeric. ``"edit_distance"``
has no vectors (its distances come from :mod:`journeymining.cluster.distances`). What is learnt
at fit time (vocabulary, extra columns, scales) is kept as public fitted attributes so that new
logs are encoded in the same space.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from journeymining.cluster.errors import ClusteringError
from journeymining.core import columns as C
from journeymining import discover as discovery

__all__ = ["ENCODINGS", "BLOCKS", "START", "END", "VariantEncoder"]

ENCODINGS = ("profile", "transitions", "ngrams", "edit_distance")
BLOCKS = ("activities", "channels", "durations")
START, END = discovery.START, discovery.END
ARROW = discovery.ARROW


class VariantEncoder:
    """Feature rows of variants, fitted on one log and applied to others.

    Parameters
    ----------
    encoding : {"profile", "transitions", "ngrams", "edit_distance"}, default "profile"
        As :class:`journeymining.cluster.estimator.VariantClusterer` (``"edit_distance"``: no
        activity block).
    ngram : int, default 2
        Length of the n-grams of ``encoding="ngrams"``.
    binary : bool, default True
        Activity block: 1 when an activity / n-gram occurs, 0 otherwise; ``False`` counts them.
    include : tuple of str, default ("activities",)
        Feature blocks (already validated): ``"activities"``, ``"channels"``, ``"durations"`` and
        ``case:`` attribute columns.
    timestamp_key : str, default "time:timestamp"
        Timestamp column (``"durations"`` block).

    Attributes
    ----------
    vocabulary_ : dict
        ``{activity or n-gram: column}`` of the activity block.
    extra_columns_ : list of str
        Columns of the per-case blocks (only with blocks other than ``"activities"``).
    scale_ : dict
        ``{column: (mean, standard deviation)}`` of the standardised numeric columns.
    feature_names_ : list of str
        Names of all columns, in order.

    Examples
    --------
    >>> enc = VariantEncoder("transitions")
    >>> X, names = enc.activity_block([("a", "b"), ("a",)], fit=True)
    >>> names
    ['gram: a → b', 'gram: a → ■', 'gram: b → ■', 'gram: ▶ → a']
    >>> X.tolist()
    [[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]]
    """

    def __init__(self, encoding="profile", ngram=2, binary=True, include=("activities",),
                 timestamp_key=C.TIMESTAMP):
        self.encoding = encoding
        self.ngram = ngram
        self.binary = binary
        self.include = tuple(include)
        self.timestamp_key = timestamp_key

    def grams(self, variant):
        """The activities (``"profile"``) or n-grams of one variant, with repetitions."""
        if self.encoding == "profile":
            return list(variant)
        n = 2 if self.encoding == "transitions" else int(self.ngram)
        if n == 1:
            return list(variant)
        padded = [START] * (n - 1) + list(variant) + [END]
        return [ARROW.join(padded[i: i + n]) for i in range(len(padded) - n + 1)]

    def activity_block(self, variants, fit):
        """Activity-block matrix of ``variants`` and its column names; ``fit`` learns the vocabulary."""
        grams = [self.grams(v) for v in variants]
        if fit:
            vocab = sorted({g for gs in grams for g in gs})
            self.vocabulary_ = {g: i for i, g in enumerate(vocab)}
        X = np.zeros((len(variants), len(self.vocabulary_)))
        for r, gs in enumerate(grams):
            for g in gs:
                c = self.vocabulary_.get(g)
                if c is not None:
                    X[r, c] += 1
        if self.binary:
            X = np.minimum(X, 1.0)
        return X, [f"{'activity' if self.encoding == 'profile' else 'gram'}: {g}" for g in self.vocabulary_]

    def case_frame(self, log, var):
        """Per-case extra features (channels, durations, case attributes), in ``var.cases`` order."""
        blocks = [b for b in self.include if b != "activities"]
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

    def fit_transform(self, log, var):
        """Learn the encoding on the variants ``var`` of ``log`` and return their feature rows."""
        return self._encode(log, var, fit=True)

    def transform(self, log, var):
        """Feature rows of the variants ``var`` of ``log`` in the fitted space (unseen values ignored)."""
        return self._encode(log, var, fit=False)

    def _encode(self, log, var, fit):
        include = self.include
        parts, names = [], []
        if "activities" in include and self.encoding != "edit_distance":
            X, nm = self.activity_block(var.variants, fit)
            parts.append(X)
            names += nm
        extra = [b for b in include if b != "activities"]
        if extra:
            cf = self.case_frame(log, var)
            per_var = cf.groupby(var.case_variant).mean().sort_index()
            if fit:
                self.extra_columns_ = list(per_var.columns)
                self.scale_ = {}
                w = var.counts.astype(float)
                for c in per_var.columns:
                    if c == "durations" or (c in include and c.startswith("case:")):
                        x = per_var[c].to_numpy(float)
                        mu = np.nansum(w * x) / w.sum()
                        sd = math.sqrt(np.nansum(w * (x - mu) ** 2) / w.sum()) or 1.0
                        self.scale_[c] = (mu, sd)
            per_var = per_var.reindex(columns=self.extra_columns_, fill_value=0.0)
            for c, (mu, sd) in self.scale_.items():
                per_var[c] = (per_var[c] - mu) / sd
            parts.append(per_var.fillna(0.0).to_numpy(float))
            names += self.extra_columns_
        if fit:
            self.feature_names_ = names
        return np.hstack(parts) if parts else np.zeros((len(var.variants), 0))

"""The error of the clustering package.

:class:`ClusteringError` lives in its own small module because every other module of
:mod:`journeymining.cluster` raises it (the variant view, the encodings, the estimator, profiles,
scoring and figures); :mod:`journeymining.cluster.estimator` re-exports it next to
:class:`~journeymining.cluster.estimator.VariantClusterer`.
"""

from __future__ import annotations

from journeymining.core.errors import JourneyMiningError

__all__ = ["ClusteringError"]


class ClusteringError(JourneyMiningError):
    """A clustering parameter is invalid or the log cannot be clustered as asked."""

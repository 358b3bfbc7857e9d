"""Journeys grouped by path variant (a scikit-learn estimator), k selection, scoring, profiles.

Modules by concern: :mod:`~journeymining.cluster.variants` (the variant view of a log),
:mod:`~journeymining.cluster.encodings` (profile, transitions, n-grams and per-case blocks),
:mod:`~journeymining.cluster.distances` (edit and Euclidean distances),
:mod:`~journeymining.cluster.linkage` (weighted average linkage),
:mod:`~journeymining.cluster.selection` (silhouettes, stability, choice of k),
:mod:`~journeymining.cluster.quality` (fitness, precision and size of per-cluster models per k),
:mod:`~journeymining.cluster.estimator` (:class:`VariantClusterer`),
:mod:`~journeymining.cluster.profiles` (cluster profiles), :mod:`~journeymining.cluster.scoring`
(per-cluster models against no clustering and pm4py) and :mod:`~journeymining.cluster.plots`.
"""

from journeymining.cluster.errors import ClusteringError  # noqa: F401
from journeymining.cluster.estimator import VariantClusterer  # noqa: F401
from journeymining.cluster.distances import edit_distance_matrix  # noqa: F401
from journeymining.cluster.selection import weighted_silhouette, case_silhouette  # noqa: F401
from journeymining.cluster.profiles import profile_clusters  # noqa: F401
from journeymining.cluster.scoring import score_clusters, pm4py_cluster_labels  # noqa: F401
from journeymining.cluster.plots import (  # noqa: F401
    plot_k_selection,
    plot_cluster_sizes,
    plot_cluster_maps,
    plot_variant_embedding,
)

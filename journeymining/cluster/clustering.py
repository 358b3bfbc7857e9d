"""Former home of the clustering code, kept so that ``journeymining.cluster.clustering`` imports work.

The code now lives in modules by concern: :mod:`~journeymining.cluster.variants`,
:mod:`~journeymining.cluster.encodings`, :mod:`~journeymining.cluster.distances`,
:mod:`~journeymining.cluster.linkage`, :mod:`~journeymining.cluster.selection`,
:mod:`~journeymining.cluster.estimator`, :mod:`~journeymining.cluster.profiles`,
:mod:`~journeymining.cluster.scoring` and :mod:`~journeymining.cluster.plots`. This module only
re-exports the public names it used to define; import them from :mod:`journeymining.cluster`.
"""

from journeymining.cluster.distances import edit_distance_matrix
from journeymining.cluster.estimator import ClusteringError, VariantClusterer
from journeymining.cluster.plots import (
    plot_cluster_maps,
    plot_cluster_sizes,
    plot_k_selection,
    plot_variant_embedding,
)
from journeymining.cluster.profiles import profile_clusters
from journeymining.cluster.scoring import pm4py_cluster_labels, score_clusters
from journeymining.cluster.selection import case_silhouette, weighted_silhouette

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

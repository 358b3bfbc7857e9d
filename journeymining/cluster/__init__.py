"""Journeys grouped by path variant (a scikit-learn estimator), k selection, scoring, profiles."""

from journeymining.cluster.clustering import (  # noqa: F401
    ClusteringError,
    VariantClusterer,
    edit_distance_matrix,
    weighted_silhouette,
    case_silhouette,
    plot_k_selection,
    profile_clusters,
    score_clusters,
    plot_cluster_sizes,
    plot_cluster_maps,
    plot_variant_embedding,
    pm4py_cluster_labels,
)

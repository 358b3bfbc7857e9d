"""Distances between variants: normalised edit distance of activity sequences, Euclidean of vectors.

:func:`edit_distance_matrix` compares activity sequences by normalised Levenshtein distance,
computed by :mod:`rapidfuzz` (``rapidfuzz.distance.Levenshtein.normalized_distance`` over all pairs
with ``rapidfuzz.process.cdist``, on integer codes of the activities);
:func:`euclidean_distances` is the distance of the vector encodings
(:mod:`journeymining.cluster.encodings`).
"""

from __future__ import annotations

import numpy as np
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cdist

__all__ = ["edit_distance_matrix", "euclidean_distances"]


def edit_distance_matrix(variants, others=None):
    """Normalised Levenshtein distance between activity sequences.

    The distance is the minimum number of inserted, deleted or substituted activities that turns
    one sequence into the other, divided by the length of the longer sequence (0 for two empty
    sequences), so it lies in [0, 1]. This is exactly
    ``rapidfuzz.distance.Levenshtein.normalized_distance`` (unit weights), which runs over all
    pairs with ``rapidfuzz.process.cdist`` on integer codes of the activities (so any hashable
    activity works, and one activity is one symbol whatever its name).

    Parameters
    ----------
    variants : sequence of sequences of hashable
        Activity sequences (for instance ``VariantClusterer().fit(log).variant_table_["variant"]``).
    others : sequence of sequences, optional
        Second set; by default the distances among ``variants`` (a symmetric matrix).

    Returns
    -------
    numpy.ndarray
        ``len(variants) x len(others)`` matrix of floats.

    Examples
    --------
    >>> edit_distance_matrix([("a", "b", "c"), ("a", "c"), ("x",)]).round(3)
    array([[0.   , 0.333, 1.   ],
           [0.333, 0.   , 1.   ],
           [1.   , 1.   , 0.   ]])
    """
    symmetric = others is None
    vocab = {}
    enc_a = [[vocab.setdefault(x, len(vocab)) for x in s] for s in variants]
    enc_b = enc_a if symmetric else [[vocab.setdefault(x, len(vocab)) for x in s] for s in others]
    if len(enc_a) == 0 or len(enc_b) == 0:
        return np.zeros((len(enc_a), len(enc_b)))
    return cdist(enc_a, enc_b, scorer=Levenshtein.normalized_distance, dtype=np.float64)


def euclidean_distances(X, Y=None):
    """Euclidean distances between the rows of ``X`` (and ``Y``, by default ``X`` itself).

    Examples
    --------
    >>> euclidean_distances([[0.0, 0.0], [3.0, 4.0]])
    array([[0., 5.],
           [5., 0.]])
    """
    from sklearn.metrics import pairwise_distances

    return pairwise_distances(X, X if Y is None else Y, metric="euclidean")

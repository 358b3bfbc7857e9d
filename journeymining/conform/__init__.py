"""Intended vs actual: conformance of the journeys to the journey map, in journey words.

By concern: :mod:`~journeymining.conform.kinds` (deviation kinds, labels, definitions,
precedence), :mod:`~journeymining.conform.diagnosis` (per-variant structural diagnosis),
:mod:`~journeymining.conform.metrics` (pm4py's quality dimensions from the variants, the
alignment pool), :mod:`~journeymining.conform.result` (:class:`Conformance` and its tables),
:mod:`~journeymining.conform.plots` (its figures), :mod:`~journeymining.conform.compare`
(:func:`compare_to_map`, the verb).
"""

from journeymining.conform.kinds import (  # noqa: F401
    KINDS,
    KIND_LABELS,
    KIND_DEFINITIONS,
    PRECEDENCE,
    DEVIATION_COLUMNS,
)
from journeymining.conform.result import Conformance  # noqa: F401
from journeymining.conform.compare import compare_to_map  # noqa: F401

"""Former single module of :mod:`journeymining.conform`, kept so that existing imports work.

The code now lives by concern: :mod:`journeymining.conform.kinds` (the deviation kinds, labels,
definitions, precedence), :mod:`journeymining.conform.diagnosis` (the per-variant structural
diagnosis), :mod:`journeymining.conform.metrics` (pm4py's fitness, precision and generalisation
from the variants, the alignment process pool), :mod:`journeymining.conform.result` (the
:class:`Conformance` result and its tables), :mod:`journeymining.conform.plots` (its figures) and
:mod:`journeymining.conform.compare` (:func:`compare_to_map`). New code imports from
:mod:`journeymining.conform`.
"""

from journeymining.conform.compare import compare_to_map
from journeymining.conform.kinds import DEVIATION_COLUMNS, KIND_DEFINITIONS, KIND_LABELS, KINDS, PRECEDENCE
from journeymining.conform.result import Conformance

__all__ = ["KINDS", "KIND_LABELS", "KIND_DEFINITIONS", "PRECEDENCE", "DEVIATION_COLUMNS", "Conformance",
           "compare_to_map"]

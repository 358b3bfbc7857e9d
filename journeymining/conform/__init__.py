"""Intended vs actual: conformance of the journeys to the journey map, in journey words."""

from journeymining.conform.conformance import (  # noqa: F401
    KINDS,
    KIND_LABELS,
    PRECEDENCE,
    Conformance,
    compare_to_map,
)

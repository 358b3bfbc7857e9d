"""Actual journeys: path variants, directly-follows graphs and process models (pm4py)."""

from journeymining.discover.discovery import (  # noqa: F401
    ARROW,
    START,
    END,
    JourneyModel,
    variant_table,
    case_variants,
    discover_dfg,
    discover_journey,
    discover_bpmn,
)

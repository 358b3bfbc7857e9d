"""The intended journey map: stages, touchpoints, order, goal, resolution, SLAs; BPMN and drawing."""

from journeymining.journeymap.model import (  # noqa: F401
    JourneyMap,
    Touchpoint,
    Group,
    SLA,
    ORDERS,
    ACTORS,
    parse_duration,
)

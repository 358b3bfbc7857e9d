"""The project's seeded ticket generator, with ground truth."""

from journeymining.synth.generator import (  # noqa: F401
    generate_tickets,
    GeneratedTickets,
    JOURNEY_MAP,
    PERSONAS,
    KINDS,
    SHAPES,
)

"""The project's seeded ticket generator, with ground truth."""

from journeymining.synth.generator import (  # noqa: F401
    generate_tickets,
    GeneratedTickets,
    SHAPES,
)
from journeymining.synth.journey import JOURNEY_MAP, PERSONAS  # noqa: F401
from journeymining.synth.plant import KINDS  # noqa: F401
from journeymining.synth.observe import observed_kinds  # noqa: F401
from journeymining.synth.write import write_generated, write_maps, ticket_mappings  # noqa: F401
from journeymining.synth.stream import write_generated_stream  # noqa: F401

"""journeymining: process mining for customer journeys.

Support tickets become pm4py-standard event logs; actual journeys are compared with the intended
journey map, grouped by path variant, and measured with journey KPIs.
"""

__version__ = "0.1.0"

from . import _columns as columns  # noqa: F401
from .errors import (  # noqa: F401
    EventLogError,
    InputFileError,
    JourneyMapError,
    JourneyMiningError,
    MappingError,
)

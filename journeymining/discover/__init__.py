"""Actual journeys: path variants, directly-follows graphs and process models (pm4py).

By concern: :mod:`~journeymining.discover.variants` (variant table, case variants, variant ids),
:mod:`~journeymining.discover.dfg` (directly-follows graph), :mod:`~journeymining.discover.models`
(JourneyModel, inductive and heuristics miners, BPMN), :mod:`~journeymining.discover.arrays`
(numpy helpers over grouped arrays). The log is sorted and coded once by
:func:`journeymining.core.eventlog.code_log`.
"""

from journeymining.discover.variants import (  # noqa: F401
    ARROW,
    variant_table,
    case_variants,
)
from journeymining.discover.dfg import START, END, discover_dfg, shape_dfg  # noqa: F401
from journeymining.discover.models import (  # noqa: F401
    JourneyModel,
    discover_journey,
    discover_journey_variants,
    discover_bpmn,
)

# building blocks on a coded log, for other packages (conformance); not top-level API
from journeymining.discover.variants import (  # noqa: F401
    activities_of,
    shape_variant_table,
    variant_frame,
    variant_ids,
    variant_log,
)

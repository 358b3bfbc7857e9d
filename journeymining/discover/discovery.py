"""Former single module of :mod:`journeymining.discover`, kept so that existing imports work.

The code now lives by concern: :mod:`journeymining.discover.variants` (variant table, case
variants, variant ids), :mod:`journeymining.discover.dfg` (directly-follows graph),
:mod:`journeymining.discover.models` (JourneyModel, inductive and heuristics miners, BPMN); the
shared sort-and-code of the log is :func:`journeymining.core.eventlog.code_log`. New code imports
from :mod:`journeymining.discover`.
"""

from journeymining.discover.dfg import END, START, discover_dfg
from journeymining.discover.models import JourneyModel, discover_bpmn, discover_journey
from journeymining.discover.variants import ARROW, case_variants, variant_table

__all__ = [
    "ARROW",
    "START",
    "END",
    "JourneyModel",
    "variant_table",
    "case_variants",
    "discover_dfg",
    "discover_journey",
    "discover_bpmn",
]

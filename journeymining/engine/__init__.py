"""Engines for logs larger than memory: DuckDB in this process (the default), Apache Spark past one machine.

By concern: :mod:`~journeymining.engine.session` (:func:`connect`: an engine with a memory limit
that follows the machine), :mod:`~journeymining.engine.sources` (:func:`scan`: a file, a pandas
or Spark DataFrame into the engine, checked), :mod:`~journeymining.engine.reductions`
(:class:`EngineLog`: variants, directly-follows graph, case variants and quality counts, written
once in Ibis), :mod:`~journeymining.engine.measures` (the journey measures, one group of cases
at a time) and :mod:`~journeymining.engine.kpis` (:class:`EngineMeasures`: the measures kept in the
engine, KPIs aggregated there). Results are the pandas frames the pandas verbs return::

    from journeymining.engine import connect, scan
    log = scan("events.csv", connect("duckdb"))
    log.variants(), log.dfg(), log.case_variants(), log.quality()
"""

from journeymining.engine.session import ENGINES, Engine, EngineError, connect, java_available  # noqa: F401
from journeymining.engine.sources import scan  # noqa: F401
from journeymining.engine.reductions import EngineLog  # noqa: F401
from journeymining.engine.kpis import EngineMeasures  # noqa: F401

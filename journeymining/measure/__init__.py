"""Journey measures: the definitions (one place), and what is built on them (KPIs, CX map, pain points)."""

from journeymining.measure.definitions import (  # noqa: F401
    Definition,
    DEFINITIONS,
    CaseMeasures,
    case_measures,
    definition_text,
)
from journeymining.measure.settings import (  # noqa: F401
    JourneySettings,
)
from journeymining.measure.kpis import (  # noqa: F401
    KPIS,
    case_kpis,
    journey_kpis,
    stage_times,
    kpi_definitions,
    parse_duration_hours,
    measures_for,
)
from journeymining.measure.cx_map import (  # noqa: F401
    cx_map_table,
    plot_cx_map,
    draw_cx_map,
    DEFAULT_TARGET,
)
from journeymining.measure.pain_points import (  # noqa: F401
    pain_points,
    COLUMNS,
)
from journeymining.measure.cohorts import (  # noqa: F401
    CohortComparison,
    compare_cohorts,
    detect_drift,
    benjamini_hochberg,
)
from journeymining.measure.drift import (  # noqa: F401
    detect_drift,
    open_cases,
)
from journeymining.measure.stats import (  # noqa: F401
    StatsError,
    BootstrapResult,
    adjust_p_values,
    benjamini_hochberg,
    benjamini_yekutieli,
    bootstrap_difference,
    bootstrap_shares,
    permutation_test,
    cliffs_delta,
)

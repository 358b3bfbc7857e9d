"""journeymining: process mining for customer journeys.

Support tickets become pm4py-standard event logs; actual journeys are compared with the intended
journey map, grouped by path variant, and measured with journey KPIs. The public verbs live here;
docs/ARCHITECTURE.md says which module holds what.
"""

__version__ = "0.1.0"

from journeymining.core import columns as columns  # noqa: F401
from journeymining.pipeline import Analysis, analyze  # noqa: F401
from journeymining.cluster import (  # noqa: F401
    ClusteringError,
    VariantClusterer,
    edit_distance_matrix,
    plot_cluster_maps,
    plot_cluster_sizes,
    plot_k_selection,
    plot_variant_embedding,
    case_silhouette,
    pm4py_cluster_labels,
    profile_clusters,
    score_clusters,
    weighted_silhouette,
)
from journeymining.measure.cohorts import CohortComparison, compare_cohorts, detect_drift  # noqa: F401
from journeymining.measure.drift import open_cases  # noqa: F401
from journeymining.conform import Conformance, compare_to_map  # noqa: F401
from journeymining.measure.cx_map import cx_map_table, plot_cx_map  # noqa: F401
from journeymining.discover import (  # noqa: F401
    JourneyModel,
    case_variants,
    discover_bpmn,
    discover_dfg,
    discover_journey,
    variant_table,
)
from journeymining.core.errors import (  # noqa: F401
    EventLogError,
    InputFileError,
    JourneyMapError,
    JourneyMiningError,
    MappingError,
)
from journeymining.io.writers import write_csv, write_ocel2, write_parquet, write_xes  # noqa: F401
from journeymining.synth.generator import GeneratedTickets, generate_tickets  # noqa: F401
from journeymining.journeymap.model import JourneyMap  # noqa: F401
from journeymining.measure.kpis import case_kpis, journey_kpis, kpi_definitions, stage_times  # noqa: F401
from journeymining.measure.definitions import DEFINITIONS, CaseMeasures, case_measures  # noqa: F401
from journeymining.measure.settings import JourneySettings  # noqa: F401
from journeymining.io.mapping import Mapping, load_mapping  # noqa: F401
from journeymining.measure.pain_points import pain_points  # noqa: F401
from journeymining.io.pseudonymize import pseudonymize  # noqa: F401
from journeymining.io.quality import QualityReport  # noqa: F401
from journeymining.io.readers import read_event_log, read_table  # noqa: F401
from journeymining.report import ReportSection, write_report  # noqa: F401
from journeymining.viz.rendering import Diagram, GraphvizNotFoundError, render  # noqa: F401
from journeymining.viz import save as save_diagram  # noqa: F401
from journeymining.io.tickets import Conversion, tickets_to_event_log  # noqa: F401
from journeymining.viz.charts import (  # noqa: F401
    handover_table,
    plot_channel_flow,
    plot_dotted_chart,
    plot_handover_network,
)
from journeymining.filters import (  # noqa: F401
    apply_filters,
    filter_account,
    filter_activity_presence,
    filter_case_attribute,
    filter_case_size,
    filter_end_activities,
    filter_follows,
    filter_start_activities,
    filter_throughput_time,
    filter_time_frame,
    filter_variant_coverage,
    parse_filter,
)
from journeymining.viz.process_map import format_duration, process_map_data  # noqa: F401
from journeymining.viz.rendering import write_bpmn  # noqa: F401
from journeymining.viz.map_states import process_map_states  # noqa: F401
from journeymining.viz.cohort_maps import draw_cohort_maps  # noqa: F401
from journeymining.viz.explorer import MapExplorer, VariantExplorer  # noqa: F401
from journeymining.viz.journey_charts import (  # noqa: F401
    plot_cohort_edges,
    plot_drift,
    plot_funnel,
    plot_kpi_trend,
    plot_pain_points,
)

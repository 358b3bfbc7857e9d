"""journeymining: process mining for customer journeys.

Support tickets become pm4py-standard event logs; actual journeys are compared with the intended
journey map, grouped by path variant, and measured with journey KPIs. The public verbs live here;
docs/ARCHITECTURE.md says which module holds what.
"""

__version__ = "0.1.0"

from . import _columns as columns  # noqa: F401
from .pipeline import Analysis, analyze  # noqa: F401
from .clustering import (  # noqa: F401
    ClusteringError,
    VariantClusterer,
    edit_distance_matrix,
    plot_cluster_maps,
    plot_cluster_sizes,
    plot_variant_embedding,
    pm4py_cluster_labels,
    profile_clusters,
    score_clusters,
    weighted_silhouette,
)
from .cohorts import CohortComparison, compare_cohorts, detect_drift  # noqa: F401
from .conformance import Conformance, compare_to_map  # noqa: F401
from .measure.cx_map import cx_map_table, plot_cx_map  # noqa: F401
from .discovery import (  # noqa: F401
    JourneyModel,
    case_variants,
    discover_bpmn,
    discover_dfg,
    discover_journey,
    variant_table,
)
from .errors import (  # noqa: F401
    EventLogError,
    InputFileError,
    JourneyMapError,
    JourneyMiningError,
    MappingError,
)
from .export import write_csv, write_ocel2, write_parquet, write_xes  # noqa: F401
from .generator import GeneratedTickets, generate_tickets  # noqa: F401
from .journey_map import JourneyMap  # noqa: F401
from .measure.kpis import case_kpis, journey_kpis, kpi_definitions, stage_times  # noqa: F401
from .measure.definitions import DEFINITIONS, CaseMeasures, case_measures  # noqa: F401
from .measure.settings import JourneySettings  # noqa: F401
from .mapping import Mapping, load_mapping  # noqa: F401
from .measure.pain_points import pain_points  # noqa: F401
from .pseudonymize import pseudonymize  # noqa: F401
from .quality import QualityReport  # noqa: F401
from .readers import read_event_log, read_table  # noqa: F401
from .report import ReportSection, write_report  # noqa: F401
from .rendering import Diagram, GraphvizNotFoundError, render  # noqa: F401
from .rendering import save as save_diagram  # noqa: F401
from .tickets import Conversion, tickets_to_event_log  # noqa: F401
from .charts import (  # noqa: F401
    handover_table,
    plot_channel_flow,
    plot_dotted_chart,
    plot_handover_network,
)
from .filters import (  # noqa: F401
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
from .process_map import format_duration, process_map_data  # noqa: F401
from .rendering import write_bpmn  # noqa: F401

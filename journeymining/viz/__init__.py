"""Drawings: readable process maps, models, BPMN, charts."""

from journeymining.viz.rendering import (  # noqa: F401
    Diagram,
    GraphvizNotFoundError,
    GraphvizError,
    render,
    save,
    write_bpmn,
    bpmn_gateway_count,
    FORMATS,
)
from journeymining.viz.process_map import (  # noqa: F401
    format_duration,
    process_map_data,
    ProcessMapData,
    process_map_source,
    FONT,
)
from journeymining.viz.charts import (  # noqa: F401
    plot_dotted_chart,
    handover_table,
    plot_handover_network,
    plot_channel_flow,
)
from journeymining.viz.journey_charts import (  # noqa: F401
    plot_funnel,
    plot_pain_points,
    plot_kpi_trend,
    plot_drift,
    plot_cohort_edges,
    TREND_SHARES,
)
from journeymining.viz.map_states import (  # noqa: F401
    MapStates,
    process_map_states,
)
from journeymining.viz.explorer import (  # noqa: F401
    MapExplorer,
    VariantExplorer,
)
from journeymining.viz.cohort_maps import draw_cohort_maps  # noqa: F401

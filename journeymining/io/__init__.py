"""Tickets in, logs out: readers, the declarative mapping, the three export shapes, the quality ledger, writers."""

from journeymining.io.readers import (  # noqa: F401
    read_table,
    read_event_log,
    read_xes,
    parse_xml_safely,
    detect_format,
)
from journeymining.io.writers import (  # noqa: F401
    write_xes,
    write_csv,
    write_parquet,
    write_ocel2,
    OCEL_FORMATS,
)
from journeymining.io.mapping import (  # noqa: F401
    Mapping,
    load_mapping,
    mapping_reference,
    SHAPES,
    NOTIONS,
    FORMATS,
)
from journeymining.io.tickets import (  # noqa: F401
    Conversion,
    tickets_to_event_log,
    parse_timestamps,
)
from journeymining.io.quality import (  # noqa: F401
    QualityReport,
    Ledger,
    CHECKS,
    OUTCOMES,
)
from journeymining.io.pseudonymize import (  # noqa: F401
    pseudonymize,
    load_key,
)
from journeymining.io.outputs import (  # noqa: F401
    OutputError,
    atomic_path,
    neutralize_formulas,
    safe_csv,
    sidecar_paths,
    check_convert_outputs,
    prepare_report_dir,
    REPORT_MARKER,
    LOCK_NAME,
)

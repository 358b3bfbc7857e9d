"""Reading an event log into an engine: one relation of (case, activity, t, row), checked eagerly.

:func:`scan` turns a file (CSV, gzipped CSV, Parquet, JSON lines), a pandas DataFrame in pm4py
columns, or (Spark) a Spark DataFrame into an :class:`~journeymining.engine.reductions.EngineLog`
whose events are one relation with the columns

``case`` (text), ``activity`` (text), ``t`` (int64 nanoseconds since the epoch, UTC) and ``row``
(the event's position in the input, which breaks ties between events of a case at the same time),
plus, as text, those of :data:`MEASURE_COLUMNS` the source has (team, agent, channel, stage,
CSAT, customer, ticket, update kind, contact flag), which the journey measures read.

Reading is the one place where the engines differ (DuckDB's ``read_csv`` streams the file into a
compressed, spillable table; Spark reads it in partitions), so each engine has its adapter here;
everything after reading is written once in :mod:`journeymining.engine.reductions`. Files that
neither engine reads (XES, Excel) go through :func:`journeymining.io.read_event_log` and are
registered. Times are parsed as ISO 8601 with the offset they carry; times without one are UTC, as
in :func:`journeymining.io.read_event_log`.

The checks run before any result is computed, and each error names the input, the column, how
many rows, their row numbers and the fix: a missing key column, missing case ids, activities or
timestamps, timestamps that are not times, and an activity holding the variant separator.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from journeymining.core import columns as C
from journeymining.core.errors import EventLogError, InputFileError
from journeymining.core.eventlog import check_log
from journeymining.io.readers import detect_format
from journeymining.engine.session import Engine, connect

__all__ = ["scan", "SEPARATOR", "MEASURE_COLUMNS"]

#: the optional event columns the journey measures read (team, agent, channel, stage, CSAT,
#: customer, ticket, update kind, contact flag); the ones a source has are kept as text
MEASURE_COLUMNS = (C.GROUP, C.RESOURCE, C.CHANNEL, C.STAGE, C.CSAT, C.CUSTOMER, C.TICKET, "event_kind", "contact")

#: separator of the activities of a case inside the engine (a control character no label uses)
SEPARATOR = "\x1f"

#: the formats DuckDB and Spark read themselves; others go through read_event_log and are registered
_ENGINE_FORMATS = ("csv", "parquet", "jsonl")


def _quote(name):
    """A column name as a SQL identifier (DuckDB and Spark SQL both accept double quotes / backticks)."""
    return '"' + str(name).replace('"', '""') + '"'


def _sql_text(value):
    return "'" + str(value).replace("'", "''") + "'"


def scan(source, engine=None, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
         case_order=None, measures=True):
    """Read an event log into an engine, check it, and return an :class:`EngineLog`.

    Parameters
    ----------
    source : str, path, pandas.DataFrame or pyspark.sql.DataFrame
        A CSV (``.csv``, ``.csv.gz``), Parquet or JSON-lines file with one event per row, an
        XES or Excel file (read in pandas, then registered), a DataFrame in pm4py columns, or,
        with the Spark engine, a Spark DataFrame.
    engine : Engine or {"duckdb", "spark"}, optional
        An engine from :func:`journeymining.engine.connect`, or the name of one to open with its
        defaults (DuckDB when omitted).
    case_id_key, activity_key, timestamp_key : str
        The columns holding case, activity and time (pm4py's names by default).
    case_order : {"first_row", "case"}, optional
        Which case is a variant's ``example_case`` and how ``case_variants`` is ordered: the first
        case in input order (the default for DataFrames, as the pandas verbs do), or the smallest
        case id (the default for files, as :func:`journeymining.io.read_event_log` sorts by case).
    measures : bool, default True
        Keep the columns of :data:`MEASURE_COLUMNS` the source has, which
        :meth:`EngineLog.case_measures` reads. False keeps only case, activity and time: less
        memory and time when only variants and the DFG are wanted.

    Raises
    ------
    InputFileError
        When the file does not exist or cannot be read.
    EventLogError
        When a key column is missing, case ids, activities or timestamps are missing, timestamps
        are not times, or an activity holds the control character U+001F.
    EngineError
        When the engine cannot be opened (see :func:`journeymining.engine.connect`).
    """
    from journeymining.engine.reductions import EngineLog

    if not isinstance(engine, Engine):
        engine = connect(engine or "duckdb")
    keys = (case_id_key, activity_key, timestamp_key)
    keep = tuple(c for c in MEASURE_COLUMNS if c not in keys) if measures else ()
    module = type(source).__module__ or ""
    frame = source if isinstance(source, pd.DataFrame) else None
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InputFileError(f"{path} does not exist or is not a file. Give the path of an event log "
                                 "(CSV, Parquet, JSON lines, XES).")
        fmt = detect_format(path)
        name = str(path)
        default_order = "case"
        # XES, Excel, and a plain .json (which may be OCEL 2.0, which read_event_log recognises and
        # refuses): the pandas reader, then registered like a DataFrame
        if fmt not in _ENGINE_FORMATS or path.name.lower().endswith((".json", ".json.gz")):
            from journeymining.io import read_event_log

            frame = read_event_log(path, case_id_key=case_id_key, activity_key=activity_key,
                                   timestamp_key=timestamp_key)
            table, left_out = _from_pandas(engine, frame, keys, keep)
        elif engine.name == "duckdb":
            table, left_out = _duckdb_file(engine, path, fmt, keys, keep)
        else:
            table, left_out = _spark_file(engine, path, fmt, keys, keep)
    elif isinstance(source, pd.DataFrame):
        name, default_order = "the DataFrame", "first_row"
        table, left_out = _from_pandas(engine, source, keys, keep)
    elif module.startswith("pyspark") and engine.name == "spark":
        name, default_order = "the Spark DataFrame", "first_row"
        table, left_out = _spark_frame(engine, source, keys, name, keep)
    else:
        raise InputFileError(
            f"scan cannot read a {module}.{type(source).__name__}: give a path (CSV, Parquet, JSON lines, XES), a "
            "pandas DataFrame in pm4py columns, or, with engine='spark', a Spark DataFrame.")
    order = case_order or default_order
    if order not in ("first_row", "case"):
        raise EventLogError(f"scan: case_order={case_order!r} is not 'first_row' or 'case'.")
    # durations in the unit of the pandas frame read or given (as the pandas verbs); "us" for files
    unit = getattr(frame[timestamp_key].dtype, "unit", "ns") if frame is not None else "us"
    log = EngineLog(engine, table, name=name, keys=keys, case_order=order, unit=unit, left_out=left_out)
    log.check()
    return log


def _missing_columns(name, keys, present):
    missing = [k for k in keys if k not in present]
    if missing:
        raise EventLogError(
            f"{name} has no column {missing[0]!r} (missing: {missing}; columns present: {list(present)}). Pass "
            "case_id_key=/activity_key=/timestamp_key= (--case/--activity/--timestamp) to name your columns, or "
            "convert a ticket export first with 'journeymining convert TICKETS --mapping MAP.yaml'.")


def _split(present, keys, keep):
    """The measure columns kept, and those the source has that were left out (scan(measures=False))."""
    kept = [c for c in keep if c in present]
    left_out = [c for c in MEASURE_COLUMNS if c in present and c not in keys and c not in kept]
    return kept, left_out


def _duckdb_file(engine, path, fmt, keys, keep):
    """DuckDB reads the file straight into a temporary table (compressed, spilled when memory is short)."""
    import duckdb

    con = engine.duckdb
    where = _sql_text(str(path))
    reader = {"csv": f"read_csv({where}, header = true, all_varchar = true)",
              "parquet": f"read_parquet({where})",
              "jsonl": f"read_json({where}, format = 'newline_delimited')"}[fmt]
    try:
        present = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()]
    except duckdb.Error as exc:
        raise InputFileError(f"{path} cannot be read as {fmt}: {str(exc).splitlines()[0]}. Check the format and "
                             "that the file is complete.") from exc
    _missing_columns(path, keys, present)
    case, act, ts = (_quote(k) for k in keys)
    name = engine.table_name()
    text = "NULLIF(CAST({} AS VARCHAR), '')"  # an empty cell is a missing value, as read_event_log reads it
    kept, left_out = _split(present, keys, keep)
    extras = [_quote(c) for c in kept]
    kept = "".join(f", {text.format(c)} AS {c}" for c in extras)
    try:
        con.execute(
            f"CREATE TEMP TABLE {name} AS SELECT {text.format(case)} AS \"case\", {text.format(act)} AS activity, "
            f"epoch_ns(TRY_CAST({ts} AS TIMESTAMPTZ)) AS t, {ts} IS NOT NULL AS t_given{kept} FROM {reader}")
        con.execute(f"CREATE TEMP VIEW {name}_v AS SELECT \"case\", activity, t, t_given, rowid AS \"row\""
                    f"{''.join(', ' + c for c in extras)} FROM {name}")
    except duckdb.Error as exc:
        raise InputFileError(f"{path} cannot be read as {fmt}: {str(exc).splitlines()[0]}. Check the format, the "
                             "delimiter and that the file is complete.") from exc
    return engine.backend.table(f"{name}_v"), left_out


def _spark_file(engine, path, fmt, keys, keep):
    """Spark reads the file in partitions; ``row`` follows the file order (monotonically_increasing_id)."""
    spark = engine.spark
    reader = spark.read
    nanos = False
    try:
        if fmt == "csv":
            frame = reader.option("header", True).csv(str(path))
        elif fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = pq.read_schema(path)
            if keys[2] in schema.names:
                field = schema.field(keys[2]).type
                nanos = pa.types.is_timestamp(field) and field.unit == "ns"
            # Spark refuses Parquet nanosecond timestamps (pandas writes them) unless read as longs
            spark.conf.set("spark.sql.legacy.parquet.nanosAsLong", str(nanos).lower())
            frame = reader.parquet(str(path))
        else:
            frame = reader.json(str(path))
    except Exception as exc:  # Spark raises AnalysisException and Py4J errors for unreadable files
        raise InputFileError(f"{path} cannot be read as {fmt} by Spark: {str(exc).splitlines()[0]}.") from exc
    return _spark_frame(engine, frame, keys, str(path), keep, nanos=nanos)


def _spark_frame(engine, frame, keys, name, keep, nanos=False):
    from pyspark.sql import functions as F

    _missing_columns(name, keys, frame.columns)
    case, act, ts = keys
    kept, left_out = _split(frame.columns, keys, keep)

    def text(col):
        value = F.col(f"`{col}`").cast("string")
        return F.when(value == "", None).otherwise(value)

    raw = F.col(f"`{ts}`")
    events = frame.select(
        text(case).alias("case"), text(act).alias("activity"),
        (raw.cast("long") if nanos else F.unix_micros(F.expr(f"try_cast(`{ts}` AS TIMESTAMP)")) * 1000).alias("t"),
        raw.isNotNull().alias("t_given"),
        F.monotonically_increasing_id().alias("row"),
        *[text(c).alias(c) for c in kept])
    view = engine.table_name()
    events.createOrReplaceTempView(view)
    return engine.backend.table(view), left_out


def _from_pandas(engine, frame, keys, keep):
    """A pandas event log as the engine columns, registered in the engine (Arrow; the caller's frame
    is not changed). Its key columns and timestamp dtype are checked as every pandas verb checks them."""
    case, act, ts = keys
    check_log(frame, case_id_key=case, activity_key=act, timestamp_key=ts, verb="scan")
    times = pd.DatetimeIndex(frame[ts])
    t = times.as_unit("ns").asi8.copy()
    t_missing = times.isna()
    t[t_missing] = 0

    def text(values):  # as the pandas verbs read labels: str(value), missing stays missing
        out = values.astype(str).to_numpy(dtype=object)
        out[values.isna().to_numpy()] = None
        return out

    events = pd.DataFrame({"case": text(frame[case]), "activity": text(frame[act]),
                           "t": pd.arrays.IntegerArray(t, np.asarray(t_missing)),
                           "t_given": ~t_missing, "row": np.arange(len(frame), dtype=np.int64),
                           **{c: text(frame[c]) for c in _split(frame.columns, keys, keep)[0]}})
    import ibis

    # a view of the in-memory table, so that every query on it runs in this engine (DuckDB or Spark)
    left_out = _split(frame.columns, keys, keep)[1]
    return engine.backend.create_view(engine.table_name(), ibis.memtable(events), overwrite=True), left_out

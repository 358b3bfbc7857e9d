"""Engine sessions: an embedded DuckDB (the default) or Apache Spark, both reached through Ibis.

:func:`connect` opens one. DuckDB runs in this process, multi-threaded and out of core: its
memory limit follows the machine (a share of the smaller of the cgroup limit and the physical
memory: a limit, not the memory free at the moment, which :mod:`journeymining.io.readers` reads to
refuse inputs that cannot fit in pandas) and what does not fit is spilled to a
temporary directory. Spark is either a session the caller already has (a cluster, Databricks, a
``spark-submit`` job) or a local one started here (``local[*]``, driver memory from the machine),
which needs a Java runtime.

Why Ibis: the event-to-case-to-variant reductions of :mod:`journeymining.engine.reductions` are
written once as Ibis expressions and compiled to DuckDB SQL or Spark SQL; two hand-written copies
(DuckDB SQL and PySpark) would drift apart.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any

from journeymining.core.errors import JourneyMiningError

__all__ = ["ENGINES", "Engine", "EngineError", "connect", "machine_memory", "java_available"]

#: engine names accepted by :func:`connect` and ``--engine``
ENGINES = ("duckdb", "spark")

#: share of the machine's memory DuckDB may use before it spills to disk
MEMORY_SHARE = 0.6


class EngineError(JourneyMiningError):
    """An engine cannot be used: unknown name, a missing package or Java runtime, a bad setting."""


def machine_memory():
    """Bytes of memory this process may use: min(cgroup ``memory.max``, physical memory), or None."""
    limits = []
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = open(path).read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:
            limits.append(int(text))
    try:
        limits.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        pass
    return min(limits) if limits else None


def java_available():
    """True when a ``java`` executable is on PATH or under ``$JAVA_HOME`` (Spark needs one)."""
    home = os.environ.get("JAVA_HOME")
    return bool(shutil.which("java") or (home and os.path.exists(os.path.join(home, "bin", "java"))))


def _bytes(value, name):
    """A memory size as given by a user (``"4GB"``, ``"512MiB"``, a number of bytes) -> bytes."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return int(value)
    text = str(value).strip().upper().replace(" ", "")
    units = {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40, "KB": 10**3, "MB": 10**6, "GB": 10**9,
             "TB": 10**12, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40, "B": 1}
    for unit, factor in units.items():
        if text.endswith(unit):
            number = text[: -len(unit)]
            try:
                if float(number) > 0:
                    return int(float(number) * factor)
            except ValueError:
                break
            break
    raise EngineError(f"{name}={value!r} is not a memory size; give bytes or a size such as '4GB' or '512MiB'.")


@dataclass
class Engine:
    """An open engine: its name, the Ibis backend, and (Spark) the Spark session.

    Use :func:`connect` to make one; :func:`journeymining.engine.scan` reads an event log into it.
    """

    name: str
    backend: Any
    spark: Any = None
    settings: dict = field(default_factory=dict)
    _temp: Any = None
    _tables: int = 0

    def table_name(self, stem="jm_events"):
        """A fresh name for a table or view registered in this engine."""
        self._tables += 1
        return f"{stem}_{os.getpid()}_{self._tables}"

    def memory_limit_bytes(self):
        """DuckDB's memory limit in bytes (None for Spark, or when DuckDB chose its own)."""
        if self.name != "duckdb":
            return None
        limit = self.settings.get("memory_limit")
        return _bytes(limit, "memory_limit") if limit else None

    @property
    def duckdb(self):
        """The raw DuckDB connection (DuckDB engine only)."""
        if self.name != "duckdb":
            raise EngineError(f"engine {self.name!r} has no DuckDB connection")
        return self.backend.con

    def close(self):
        """Close the DuckDB connection and remove its spill directory (a caller's Spark session stays)."""
        if self.name == "duckdb":
            self.backend.disconnect()
        if self._temp is not None:
            self._temp.cleanup()
            self._temp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        shown = ", ".join(f"{k}={v}" for k, v in self.settings.items())
        return f"Engine({self.name}: {shown})"


def connect(engine="duckdb", *, memory_limit=None, threads=None, spark=None, temp_directory=None):
    """Open an engine for :func:`journeymining.engine.scan`.

    Parameters
    ----------
    engine : {"duckdb", "spark"}, default "duckdb"
        DuckDB in this process, or Apache Spark.
    memory_limit : str or int, optional
        DuckDB: memory it may use before spilling to disk (default 60 % of the machine's memory,
        see :func:`machine_memory`). Spark (local session only): the driver memory.
    threads : int, optional
        DuckDB: worker threads (default: all cores). Spark (local session only): ``local[threads]``.
    spark : pyspark.sql.SparkSession, optional
        Spark: use this session (a cluster's, for example); without it a local session is started.
        Its ``spark.sql.session.timeZone`` is set to UTC, so times without an offset read as UTC.
    temp_directory : str, optional
        DuckDB: where it spills (default: a fresh temporary directory, removed by ``close()``).

    Raises
    ------
    EngineError
        For an unknown engine, a bad setting, a missing package, or Spark without Java.
    """
    if engine not in ENGINES:
        raise EngineError(f"engine={engine!r} is not one of {ENGINES}: use 'duckdb' on one machine, 'spark' for "
                          "a Spark session or cluster.")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise EngineError(f"threads={threads!r} must be a positive whole number.")
    total = machine_memory()
    if engine == "duckdb":
        import ibis

        limit = _bytes(memory_limit, "memory_limit") if memory_limit is not None else (
            int(total * MEMORY_SHARE) if total else None)
        temp = None
        if temp_directory is None:
            temp = tempfile.TemporaryDirectory(prefix="journeymining-duckdb-")
            temp_directory = temp.name
        # no TimeZone setting: it needs DuckDB's ICU extension, which may not be installable offline;
        # without it DuckDB reads times without an offset as UTC, as read_event_log does
        config = {"temp_directory": str(temp_directory), "preserve_insertion_order": True}
        if limit:
            config["memory_limit"] = f"{max(limit // 2**20, 64)}MiB"
        if threads:
            config["threads"] = threads
        backend = ibis.duckdb.connect(**config)
        settings = {k: v for k, v in config.items() if k in ("memory_limit", "threads")}
        settings.setdefault("threads", os.cpu_count())
        return Engine("duckdb", backend, settings=settings, _temp=temp)

    try:
        import pyspark  # noqa: F401
        import ibis
    except ImportError as exc:
        raise EngineError(f"engine='spark' needs PySpark ({exc}). Install it with: pip install 'journeymining[spark]' "
                          "(PySpark 4.0, which Ibis 12 supports).") from exc
    if spark is None:
        if not java_available():
            raise EngineError(
                "engine='spark' starts a local Spark session, which needs a Java runtime (17 or 21), and none is on "
                "PATH or under JAVA_HOME. Install one (Debian: sudo apt-get install openjdk-17-jre-headless), or "
                "pass spark=<your SparkSession> to use a cluster.")
        from pyspark.sql import SparkSession

        driver = _bytes(memory_limit, "memory_limit") if memory_limit is not None else (
            int(total * 0.5) if total else 2 * 2**30)
        master = f"local[{threads}]" if threads else "local[*]"
        spark = (SparkSession.builder.master(master).appName("journeymining")
                 .config("spark.driver.memory", f"{max(driver // 2**20, 512)}m")
                 .config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false")
                 .config("spark.sql.session.timeZone", "UTC")
                 .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                 .config("spark.sql.shuffle.partitions", str(max(2 * (threads or os.cpu_count() or 2), 4)))
                 .getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
    else:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    backend = ibis.pyspark.connect(spark)
    settings = {"master": spark.sparkContext.master, "version": spark.version}
    return Engine("spark", backend, spark=spark, settings=settings)

"""The embedded columnar engine (DuckDB) that runs the event-level work.

Event-level reductions (event -> case -> variant) are written as SQL and run in DuckDB,
multi-threaded and out of core; pandas frames in pm4py columns are handed to it through Arrow
without a copy, and only small results (one row per case, variant or edge) come back.
"""

from __future__ import annotations

import os

__all__ = ["connect"]


def _memory_limit():
    """Half of the machine's memory (DuckDB spills to disk beyond it)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    return f"{max(1, total // 2 // (1 << 20))}MB"


def connect():
    """A new in-memory DuckDB connection with a memory limit that follows the machine.

    ``JOURNEYMINING_THREADS`` and ``JOURNEYMINING_MEMORY`` (e.g. ``4GB``) override the defaults
    (all cores, half of the memory).
    """
    import duckdb

    con = duckdb.connect(database=":memory:")
    limit = os.environ.get("JOURNEYMINING_MEMORY") or _memory_limit()
    if limit:
        con.execute(f"SET memory_limit = '{limit}'")
    threads = os.environ.get("JOURNEYMINING_THREADS")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = true")
    return con

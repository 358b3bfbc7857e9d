"""Checks shared by every verb that takes an event log."""

from . import _columns as C
from .errors import EventLogError


def check_log(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
              extra=(), verb="this function"):
    """Raise :class:`EventLogError` unless ``log`` is a DataFrame with the named columns."""
    import pandas as pd

    if not isinstance(log, pd.DataFrame):
        raise EventLogError(
            f"{verb} needs an event log as a pandas DataFrame; got {type(log).__name__}. "
            "Convert tickets with journeymining.tickets_to_event_log(...) or read a log with "
            "journeymining.read_event_log(path)."
        )
    needed = [case_id_key, activity_key, timestamp_key, *extra]
    missing = [c for c in needed if c not in log.columns]
    if missing:
        raise EventLogError(
            f"{verb}: the event log has no column {missing[0]!r} "
            f"(missing: {missing}). Columns present: {list(log.columns)}. "
            "Pass case_id_key=/activity_key=/timestamp_key= to name your columns, or convert the "
            "tickets with journeymining.tickets_to_event_log(...)."
        )
    if not pd.api.types.is_datetime64_any_dtype(log[timestamp_key]):
        raise EventLogError(
            f"{verb}: column {timestamp_key!r} holds {log[timestamp_key].dtype}, not timestamps. "
            f"Parse it first, e.g. log[{timestamp_key!r}] = pd.to_datetime(log[{timestamp_key!r}], utc=True)."
        )
    return log


def sort_log(log, *, case_id_key=C.CASE, timestamp_key=C.TIMESTAMP):
    """Return a copy of ``log`` sorted by case then time, keeping file order for ties (stable)."""
    return log.sort_values([case_id_key, timestamp_key], kind="stable").reset_index(drop=True)

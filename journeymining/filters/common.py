"""Helpers every filtering verb shares: the log check, the case/time order, per-case facts, labels.

:func:`check_filter_log` checks the event log (and refuses missing case ids),
:func:`ordered_positions` orders the events by case (first appearance), then time, keeping the input
order for ties, before "first", "last" or "follows" are decided, and :func:`case_facts` gives each
case's first and last activity, start, end and number of events. The other helpers shape the
parameters and the text of the account (:mod:`journeymining.filters.account`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeymining.core.eventlog import check_log
from journeymining.core.errors import EventLogError, preview

__all__ = ["check_filter_log", "ordered_positions", "case_facts", "as_list", "names_text", "unknown_note",
           "case_mask", "range_label"]




def check_filter_log(log, keys, verb, extra=()):
    """Check that ``log`` is an event log for ``keys`` and has no missing case id."""
    case_id_key, activity_key, timestamp_key = keys
    check_log(log, case_id_key=case_id_key, activity_key=activity_key,
              timestamp_key=timestamp_key, extra=extra, verb=verb)
    missing = log[case_id_key].isna()
    if missing.any():
        raise EventLogError(
            f"{verb}: column {case_id_key!r} has {int(missing.sum())} missing case ids "
            f"(rows {preview(log.index[missing].tolist())}). Drop or fill those rows first."
        )


def ordered_positions(log, keys):
    """Positions of the rows of ``log`` sorted by case (first appearance) then time, stably."""
    case_id_key, _, timestamp_key = keys
    codes, _ = pd.factorize(log[case_id_key], sort=False)
    frame = pd.DataFrame({"c": codes, "t": log[timestamp_key].to_numpy(),
                          "p": np.arange(len(log))})
    return frame.sort_values(["c", "t", "p"], kind="stable")["p"].to_numpy()


def case_facts(log, keys):
    """Per-case facts: first/last activity and time, number of events (index = case id)."""
    case_id_key, activity_key, timestamp_key = keys
    sorted_log = log.iloc[ordered_positions(log, keys)]
    groups = sorted_log.groupby(case_id_key, sort=False)
    return pd.DataFrame({
        "first_activity": groups[activity_key].first(),
        "last_activity": groups[activity_key].last(),
        "start": groups[timestamp_key].min(),
        "end": groups[timestamp_key].max(),
        "events": groups.size(),
    })


def as_list(values, parameter, verb):
    """``values`` as a non-empty list (a single value becomes a one-item list)."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        values = [values]
    values = list(values)
    if not values:
        raise EventLogError(f"{verb}: {parameter}= is empty; give at least one value, "
                            f"e.g. {parameter}=['Closed'].")
    return values


def names_text(values):
    """The values written for the account, comma-separated."""
    return ", ".join(str(v) for v in values)


def unknown_note(values, present, what="activity"):
    """A note for the account when some asked-for values never occur in the log."""
    present = set(present)
    absent = [v for v in values if v not in present]
    if not absent:
        return ""
    return f"; {preview(absent)} does not occur in the log" if len(absent) == 1 else \
        f"; {preview(absent)} do not occur in the log"


def case_mask(log, kept_cases, keys):
    """A boolean array over the rows of ``log``: the row belongs to one of ``kept_cases``."""
    return log[keys[0]].isin(kept_cases).to_numpy()


def range_label(lo, hi, show_lo, show_hi, unit=""):
    """The account text of a range: ``a..b``, ``>= a`` or ``<= b`` (``show_*`` as written)."""
    if lo is not None and hi is not None:
        return f"{show_lo}..{show_hi}{unit}"
    if lo is not None:
        return f">= {show_lo}{unit}"
    return f"<= {show_hi}{unit}"

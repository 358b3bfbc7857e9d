"""Filtering verbs over event logs, bupaR/Disco-style: each returns a smaller log and says what it removed.

Every verb takes an event log (pm4py columns) first, returns a **new** DataFrame holding a subset
of the input's rows (the input is never modified; row labels are kept), and appends one entry to
``result.attrs["journeymining_filters"]``: a dict with the filter's ``name``, its ``parameters``,
``cases_before``, ``cases_after``, ``events_before``, ``events_after`` and a one-line ``text``::

    filter_time_frame(contained, 2024-01-01..2024-03-31): kept 812 of 1,000 cases (81.2 %), 5,300 of 6,900 events

Verbs chain (``filter_case_size(filter_time_frame(log, ...), min_events=3)``) and the account
accumulates; :func:`filter_account` lists the lines. :func:`parse_filter` turns a command-line
expression (``"variant_coverage:0.8"``, ``"not activity:Reopen"``, ...) into a callable and
:func:`apply_filters` applies a list of them.

Case-level filters keep or drop whole cases; ``filter_time_frame(..., mode="trim")`` is the one
event-level filter (it cuts events outside the window). Events are ordered by case, then time,
keeping the input order for ties, before "first", "last" or "follows" are decided.

The package is split by concern: :mod:`~journeymining.filters.account` (the account in ``attrs``),
:mod:`~journeymining.filters.time` (time frame, throughput time),
:mod:`~journeymining.filters.activities` (start, end, presence, follows),
:mod:`~journeymining.filters.cases` (case attribute, variant coverage, case size),
:mod:`~journeymining.filters.expressions` (:func:`parse_filter`, :func:`apply_filters`) and
:mod:`~journeymining.filters.common` (helpers the verbs share).

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({
...     "case:concept:name": ["a", "a", "b", "b", "b"],
...     "concept:name": ["Open", "Close", "Open", "Reopen", "Close"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 10:00",
...                                       "2024-01-02 09:00", "2024-01-03 09:00",
...                                       "2024-01-04 09:00"], utc=True),
... })
>>> kept = filter_activity_presence(log, ["Reopen"], how="none")
>>> sorted(kept["case:concept:name"].unique())
['a']
>>> filter_account(kept)
['filter_activity_presence(none of Reopen): kept 1 of 2 cases (50.0 %), 2 of 5 events']
>>> filter_account(apply_filters(log, ["events:>=3", "end:Close"]))
... # doctest: +NORMALIZE_WHITESPACE
['filter_case_size(>= 3 events): kept 1 of 2 cases (50.0 %), 3 of 5 events',
 'filter_end_activities(Close): kept 1 of 1 cases (100.0 %), 3 of 3 events']
"""

from journeymining.filters.account import ACCOUNT_KEY, filter_account  # noqa: F401
from journeymining.filters.activities import (  # noqa: F401
    PRESENCE_MODES,
    filter_activity_presence,
    filter_end_activities,
    filter_follows,
    filter_start_activities,
)
from journeymining.filters.cases import filter_case_attribute, filter_case_size, filter_variant_coverage  # noqa: F401
from journeymining.filters.expressions import FILTER_FORMS, apply_filters, parse_filter  # noqa: F401
from journeymining.filters.time import TIME_FRAME_MODES, filter_throughput_time, filter_time_frame  # noqa: F401

__all__ = [
    "ACCOUNT_KEY",
    "filter_case_attribute",
    "filter_time_frame",
    "filter_start_activities",
    "filter_end_activities",
    "filter_variant_coverage",
    "filter_activity_presence",
    "filter_follows",
    "filter_throughput_time",
    "filter_case_size",
    "filter_account",
    "parse_filter",
    "apply_filters",
    "FILTER_FORMS",
]

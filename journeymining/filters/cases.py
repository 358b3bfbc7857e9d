"""Filters on whole cases: a case attribute, the most frequent variants, the number of events.

:func:`filter_case_attribute` keeps (or drops) the cases whose attribute has some values,
:func:`filter_variant_coverage` the cases of the most frequent variants covering a share of the
cases, and :func:`filter_case_size` the cases with a number of events between two bounds.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from journeymining.core import columns as C
from journeymining.core.docs import fill_docstrings
from journeymining.core.eventlog import check_log
from journeymining.core.errors import EventLogError
from journeymining.filters.account import filter_account, filtered  # noqa: F401 (filter_account: doctests)
from journeymining.filters.common import (
    as_list,
    case_mask,
    check_filter_log,
    names_text,
    ordered_positions,
    range_label,
    unknown_note,
)

__all__ = ["filter_case_attribute", "filter_variant_coverage", "filter_case_size"]




def filter_case_attribute(log, column, values, *, keep=True, case_id_key=C.CASE,
                          activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Keep (or drop) the cases whose attribute ``column`` is one of ``values``.

    The case's value is the first non-missing value of ``column`` in the case (in time order),
    so this works for ``case:*`` columns (the same on every event) and for event attributes
    (the value the case started with). A case with no value never matches.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    column : str
        Column holding the attribute, e.g. ``"case:product"``.
    values : scalar or list
        Values to match. Strings also match numbers written the same way (``"3"`` matches 3).
    keep : bool, default True
        Keep the matching cases (True) or drop them (False).
    {keys}

    Returns
    -------
    pandas.DataFrame
        The kept events, with the account in ``attrs["journeymining_filters"]``.

    Raises
    ------
    EventLogError
        If ``column`` is not a column of the log, ``values`` is empty, or the log is not an
        event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...                     "concept:name": ["Open", "Close", "Open"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03"], utc=True),
    ...                     "case:product": ["X", "X", "Y"]})
    >>> filter_account(filter_case_attribute(log, "case:product", "Y"))
    ['filter_case_attribute(case:product = Y): kept 1 of 2 cases (50.0 %), 1 of 3 events']
    """
    verb = "filter_case_attribute"
    keys = (case_id_key, activity_key, timestamp_key)
    check_log(log, case_id_key=case_id_key, activity_key=activity_key,
              timestamp_key=timestamp_key, verb=verb)
    if column not in log.columns:
        raise EventLogError(
            f"{verb}: the event log has no column {column!r}. Columns present: "
            f"{list(log.columns)}. Pass one of them as column= (case attributes are usually "
            "named 'case:...')."
        )
    check_filter_log(log, keys, verb)
    values = as_list(values, "values", verb)
    ordered = log.iloc[ordered_positions(log, keys)]
    attribute = ordered.groupby(case_id_key, sort=False)[column].first()
    text = attribute.astype("string")
    wanted = {str(v) for v in values}
    hit = attribute.isin(values) | text.isin(wanted).fillna(False).astype(bool)
    hit = hit & attribute.notna()
    kept = attribute.index[hit if keep else ~hit]
    op = "=" if keep else "!="
    note = unknown_note([str(v) for v in values], text.dropna().unique(), "value")
    return filtered(log, case_mask(log, kept, keys), verb,
                    {"column": column, "values": values, "keep": keep},
                    f"{column} {op} {names_text(values)}", keys, note)


def filter_variant_coverage(log, share, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                            timestamp_key=C.TIMESTAMP):
    """Keep the cases of the most frequent variants that together cover at least ``share`` of cases.

    Variants are taken most frequent first, ties by the variant text (the order of
    :func:`journeymining.variant_table`), until their cases reach ``share`` of all cases.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    share : float
        Between 0 (exclusive) and 1 (inclusive), e.g. 0.8 for the top variants covering 80 %
        of the cases.
    {keys}

    Returns
    -------
    pandas.DataFrame
        The kept events, with the account in ``attrs["journeymining_filters"]``.

    Raises
    ------
    EventLogError
        If ``share`` is not in (0, 1] or the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "b", "c", "c"],
    ...                     "concept:name": ["Open", "Open", "Open", "Close"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03", "2024-01-04"], utc=True)})
    >>> filter_account(filter_variant_coverage(log, 0.5))
    ['filter_variant_coverage(50 %, 1 of 2 variants): kept 2 of 3 cases (66.7 %), 2 of 4 events']
    """
    from journeymining.discover import case_variants, variant_table

    verb = "filter_variant_coverage"
    keys = (case_id_key, activity_key, timestamp_key)
    check_filter_log(log, keys, verb)
    try:
        share = float(share)
    except (TypeError, ValueError):
        share = math.nan
    if not 0 < share <= 1:
        raise EventLogError(f"{verb}: share={share!r} must be a fraction in (0, 1], e.g. 0.8 "
                            "for the top variants covering 80 % of the cases.")
    label_share = f"{100 * share:g} %"
    if len(log) == 0:
        return filtered(log, np.zeros(0, bool), verb, {"share": share}, f"{label_share}", keys)
    kw = dict(case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key)
    table = variant_table(log, **kw)
    cumulative = table["cases"].cumsum().to_numpy() / table["cases"].sum()
    n_keep = int(np.searchsorted(cumulative, share - 1e-12, side="left")) + 1
    n_keep = min(n_keep, len(table))
    kept_ids = set(table.index[:n_keep])
    per_case = case_variants(log, **kw)
    kept = per_case.loc[per_case["variant_id"].isin(kept_ids), case_id_key]
    return filtered(log, case_mask(log, kept, keys), verb, {"share": share},
                    f"{label_share}, {n_keep:,} of {len(table):,} variants", keys)


def filter_case_size(log, min_events=None, max_events=None, *, case_id_key=C.CASE,
                     activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Keep the cases with at least ``min_events`` and at most ``max_events`` events.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    min_events, max_events : int, optional
        Inclusive bounds; leave one out for an open range.
    {keys}

    Returns
    -------
    pandas.DataFrame
        The kept events, with the account in ``attrs["journeymining_filters"]``.

    Raises
    ------
    EventLogError
        If neither bound is given, a bound is not a whole number >= 1, ``min_events >
        max_events``, or the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...                     "concept:name": ["Open", "Close", "Open"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03"], utc=True)})
    >>> filter_account(filter_case_size(log, min_events=2))
    ['filter_case_size(>= 2 events): kept 1 of 2 cases (50.0 %), 2 of 3 events']
    """
    verb = "filter_case_size"
    keys = (case_id_key, activity_key, timestamp_key)
    check_filter_log(log, keys, verb)
    if min_events is None and max_events is None:
        raise EventLogError(f"{verb}: give min_events= or max_events= (or both), "
                            "e.g. min_events=3.")
    bounds = {}
    for name, value in (("min_events", min_events), ("max_events", max_events)):
        if value is None:
            bounds[name] = None
            continue
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1
        if not ok:
            raise EventLogError(f"{verb}: {name}={value!r} must be a whole number of events "
                                ">= 1, e.g. {name}=3.".replace("{name}", name))
        bounds[name] = int(value)
    lo, hi = bounds["min_events"], bounds["max_events"]
    if lo is not None and hi is not None and lo > hi:
        raise EventLogError(f"{verb}: min_events={lo} is larger than max_events={hi}; swap them.")
    sizes = log.groupby(case_id_key, sort=False).size()
    ok = pd.Series(True, index=sizes.index)
    if lo is not None:
        ok &= sizes >= lo
    if hi is not None:
        ok &= sizes <= hi
    label = range_label(lo, hi, lo, hi, " events")
    return filtered(log, case_mask(log, sizes.index[ok.to_numpy()], keys), verb,
                    {"min_events": lo, "max_events": hi}, label, keys)


fill_docstrings(filter_case_attribute, filter_variant_coverage, filter_case_size)

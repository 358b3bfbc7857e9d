"""Filters on activities: how a case starts or ends, which activities it holds, what follows what.

:func:`filter_start_activities` and :func:`filter_end_activities` match the case's first and last
activity, :func:`filter_activity_presence` keeps the cases with any, all or none of some
activities, and :func:`filter_follows` the cases in which one activity is followed (eventually or
directly) by another. Each keeps or drops whole cases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeymining.core import columns as C
from journeymining.core.docs import fill_docstrings
from journeymining.core.errors import EventLogError
from journeymining.filters.account import filter_account, filtered  # noqa: F401 (filter_account: doctests)
from journeymining.filters.common import (
    as_list,
    case_facts,
    case_mask,
    check_filter_log,
    names_text,
    ordered_positions,
    unknown_note,
)

__all__ = ["PRESENCE_MODES", "filter_start_activities", "filter_end_activities", "filter_activity_presence",
           "filter_follows"]

PRESENCE_MODES = ("any", "all", "none")


def _endpoint_filter(log, activities, keep, keys, verb, column):
    check_filter_log(log, keys, verb)
    activities = as_list(activities, "activities", verb)
    cases = case_facts(log, keys)
    hit = cases[column].isin(activities)
    kept = cases.index[(hit if keep else ~hit).to_numpy()]
    label = ("" if keep else "not ") + names_text(activities)
    return filtered(log, case_mask(log, kept, keys), verb,
                    {"activities": activities, "keep": keep}, label, keys,
                    unknown_note(activities, log[keys[1]].unique()))


def filter_start_activities(log, activities, *, keep=True, case_id_key=C.CASE,
                            activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Keep (or drop) the cases whose first activity is one of ``activities``.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    activities : str or list of str
        Start activities to match.
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
        If ``activities`` is empty or the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...                     "concept:name": ["Open", "Close", "Close"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03"], utc=True)})
    >>> filter_account(filter_start_activities(log, "Open", keep=False))
    ['filter_start_activities(not Open): kept 1 of 2 cases (50.0 %), 1 of 3 events']
    """
    return _endpoint_filter(log, activities, keep, (case_id_key, activity_key, timestamp_key),
                            "filter_start_activities", "first_activity")


def filter_end_activities(log, activities, *, keep=True, case_id_key=C.CASE,
                          activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Keep (or drop) the cases whose last activity is one of ``activities``.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    activities : str or list of str
        End activities to match.
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
        If ``activities`` is empty or the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...                     "concept:name": ["Open", "Close", "Open"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03"], utc=True)})
    >>> filter_account(filter_end_activities(log, "Close"))
    ['filter_end_activities(Close): kept 1 of 2 cases (50.0 %), 2 of 3 events']
    """
    return _endpoint_filter(log, activities, keep, (case_id_key, activity_key, timestamp_key),
                            "filter_end_activities", "last_activity")


def filter_activity_presence(log, activities, *, how="any", case_id_key=C.CASE,
                             activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Keep the cases that contain any, all, or none of ``activities``.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    activities : str or list of str
        Activities to look for.
    how : {"any", "all", "none"}, default "any"
        Keep cases with at least one of them, with every one of them, or with none of them.
    {keys}

    Returns
    -------
    pandas.DataFrame
        The kept events, with the account in ``attrs["journeymining_filters"]``.

    Raises
    ------
    EventLogError
        If ``how`` is unknown, ``activities`` is empty or the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...                     "concept:name": ["Open", "Close", "Open"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03"], utc=True)})
    >>> filter_account(filter_activity_presence(log, ["Open", "Close"], how="all"))
    ['filter_activity_presence(all of Open, Close): kept 1 of 2 cases (50.0 %), 2 of 3 events']
    """
    verb = "filter_activity_presence"
    keys = (case_id_key, activity_key, timestamp_key)
    check_filter_log(log, keys, verb)
    if how not in PRESENCE_MODES:
        raise EventLogError(f"{verb}: how={how!r} is not one of {list(PRESENCE_MODES)}; "
                            "how='none' keeps the cases without the activities.")
    activities = list(dict.fromkeys(as_list(activities, "activities", verb)))
    hits = log.loc[log[activity_key].isin(activities), [case_id_key, activity_key]]
    found = hits.groupby(case_id_key, sort=False)[activity_key].nunique()
    all_cases = pd.Index(log[case_id_key].unique())
    if how == "any":
        kept = found.index
    elif how == "all":
        kept = found.index[found.to_numpy() == len(activities)]
    else:
        kept = all_cases.difference(found.index, sort=False)
    return filtered(log, case_mask(log, kept, keys), verb,
                    {"activities": activities, "how": how},
                    f"{how} of {names_text(activities)}", keys,
                    unknown_note(activities, log[activity_key].unique()))


def filter_follows(log, a, b, *, directly=False, keep=True, case_id_key=C.CASE,
                   activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Keep (or drop) the cases in which ``a`` is followed by ``b``, eventually or directly.

    "Eventually" means some ``a`` event comes before some later ``b`` event of the same case
    (bupaR's and Disco's *precedence* / *follower* filter); "directly" means ``b`` is the very
    next event after an ``a``. With ``a == b`` the activity must occur twice (in a row, if
    ``directly``).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    a, b : str
        The earlier and the later activity.
    directly : bool, default False
        Require ``b`` to directly follow ``a``.
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
        If the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "a", "b", "b"],
    ...                     "concept:name": ["Open", "Wait", "Close", "Close", "Open"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03", "2024-01-04",
    ...                                                       "2024-01-05"], utc=True)})
    >>> filter_account(filter_follows(log, "Open", "Close"))
    ['filter_follows(Open >> Close): kept 1 of 2 cases (50.0 %), 3 of 5 events']
    >>> filter_account(filter_follows(log, "Open", "Close", directly=True))
    ['filter_follows(Open > Close): kept 0 of 2 cases (0.0 %), 0 of 5 events']
    """
    verb = "filter_follows"
    keys = (case_id_key, activity_key, timestamp_key)
    check_filter_log(log, keys, verb)
    order = ordered_positions(log, keys)
    cases = log[case_id_key].to_numpy()[order]
    acts = log[activity_key].to_numpy()[order]
    same_case = np.zeros(len(cases), dtype=bool)
    if len(cases) > 1:
        same_case[1:] = cases[1:] == cases[:-1]
    if directly:
        is_pair = np.zeros(len(cases), dtype=bool)
        if len(cases) > 1:
            is_pair[1:] = same_case[1:] & (acts[:-1] == a) & (acts[1:] == b)
        matched = pd.unique(cases[is_pair])
    else:
        position = pd.Series(np.arange(len(cases)))
        frame = pd.DataFrame({"case": cases, "pos": position})
        first_a = frame[acts == a].groupby("case", sort=False)["pos"].min()
        last_b = frame[acts == b].groupby("case", sort=False)["pos"].max()
        both = pd.concat([first_a.rename("a"), last_b.rename("b")], axis=1, join="inner")
        matched = both.index[(both["a"] < both["b"]).to_numpy()]
    mask = np.isin(log[case_id_key].to_numpy(), np.asarray(matched, dtype=object))
    if not keep:
        mask = ~mask
    arrow = ">" if directly else ">>"
    label = ("" if keep else "not ") + f"{a} {arrow} {b}"
    return filtered(log, mask, verb, {"a": a, "b": b, "directly": directly, "keep": keep}, label,
                    keys, unknown_note(list(dict.fromkeys([a, b])), log[activity_key].unique()))


fill_docstrings(filter_start_activities, filter_end_activities, filter_activity_presence, filter_follows)

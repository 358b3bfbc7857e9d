"""Journey KPIs: how long journeys take, where the time goes, and how often they go wrong.

Every KPI is defined on the event log alone (columns of ``docs/ARCHITECTURE.md``); optional
columns (``org:group``, ``channel``, ``actor``, ``stage``, ``csat``, ``case:customer``) switch on the
KPIs that need them, and the KPIs that cannot be computed are ``NaN`` (never a guessed value).

Definitions (per case, then aggregated per group by :func:`journey_kpis`):

throughput time
    last event time minus first event time of the case, in hours.
waiting time
    the gap between two consecutive events of the same case, in hours (every gap of the group's
    cases enters the median / mean).
time per stage
    the *sojourn* of a case in a stage: the sum, over the stage's events, of the gap to the case's
    next event (the interval between two events belongs to the stage of the earlier event; the last
    event contributes 0). :func:`stage_times` gives it per case and stage.
contact
    an event by which the customer gets in touch: an occurrence of an *entry activity* (one that
    is the first event of at least 1 % of the log's cases, e.g. "Start chat", "Call hotline"; or
    the activities given as ``contacts=``) that is frontstage (``actor``; events without an actor
    count). Goal activities are never contacts. A second contact means the customer had to come
    back (again, or through another channel).
goal reached
    the case contains one of the ``goal`` activities (default: the most frequent last activity of
    the log).
reopened
    the case contains an activity matching ``reopen`` (default: any activity whose name contains
    "reopen" or "re-open", case-insensitive) or reaches a goal activity more than once.
first-contact resolution (FCR)
    goal reached **and** at most one contact **and** not reopened.
repeat contact
    the same customer (``case:customer``) starts another case no later than ``repeat_window``
    after this case ended (a case starting while this one is still open counts too). ``NaN`` for
    cases without a customer.
handoff
    two consecutive events of the case (ignoring events without a group) with different
    ``org:group`` values.
channel switch
    two consecutive frontstage events of the case that have a channel (all events with a channel
    when there is no ``actor`` column) on different ``channel`` values.
SLA breach
    with ``sla`` a duration (``"2d"``): the throughput time exceeds it. With a list of rules in
    journey-map form (``{"from": A, "to": B, "within": "4h"}`` and/or ``{"stage": S, "within":
    "2d"}``): any rule is exceeded. A from/to rule measures from the first ``A`` to the first ``B``
    after it (still open at the end of the case: measured to the case end). A stage rule measures
    from the first event of the stage to the first event after the stage's last event (the stage's
    last event when nothing follows).
CSAT
    mean of the ``csat`` answers (1-5); the response rate is the share of cases with an answer.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from . import _columns as C
from . import _durations
from ._eventlog import check_log
from .errors import EventLogError

__all__ = ["journey_kpis", "case_kpis", "stage_times", "parse_duration"]

_PERIODS = {"D": "D", "W": "W", "M": "M", "Q": "Q", "Y": "Y"}
_HOUR_NS = 3_600_000_000_000


def parse_duration(value, *, parameter="duration"):
    """Turn ``"30m"``, ``"4h"``, ``"2d"``, ``"1w"``, a number of hours or a Timedelta into a Timedelta.

    Examples
    --------
    >>> parse_duration("2d")
    Timedelta('2 days 00:00:00')
    >>> parse_duration(1.5)
    Timedelta('0 days 01:30:00')
    """
    if isinstance(value, (np.integer, np.floating)):
        value = float(value)
    return _durations.parse_duration(value, subject=f"{parameter}={value!r}", error=EventLogError,
                                     numbers_are_hours=True)


# --------------------------------------------------------------------------------------------
# shared preparation (also used by cx_map, pain_points, cohorts)


def _ns(series):
    """Timestamps as int64 nanoseconds since the epoch (UTC), whatever the unit or zone."""
    s = pd.Series(series)
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    return s.astype("datetime64[ns]").to_numpy().view("int64")


class _Prepared:
    """A sorted view of an event log with case codes and per-row helpers (never the caller's frame)."""

    def __init__(self, log, *, case_id_key, activity_key, timestamp_key, verb):
        check_log(log, case_id_key=case_id_key, activity_key=activity_key,
                  timestamp_key=timestamp_key, verb=verb)
        if log[timestamp_key].isna().any():
            rows = [int(i) for i in np.flatnonzero(log[timestamp_key].isna().to_numpy())[:5]]
            raise EventLogError(
                f"{verb}: column {timestamp_key!r} has {int(log[timestamp_key].isna().sum())} missing "
                f"timestamps (rows {rows}). Drop or repair those events first."
            )
        for key in (case_id_key, activity_key):
            if log[key].isna().any():
                rows = [int(i) for i in np.flatnonzero(log[key].isna().to_numpy())[:5]]
                raise EventLogError(
                    f"{verb}: column {key!r} has {int(log[key].isna().sum())} missing values "
                    f"(rows {rows}). Drop or repair those events first."
                )
        self.keys = (case_id_key, activity_key, timestamp_key)
        self._log = log
        self.columns = list(log.columns)
        self._cache = {}
        codes, cases = pd.factorize(log[case_id_key], sort=False)
        ts = _ns(log[timestamp_key])
        # already grouped by case (cases contiguous, in first-appearance order) and time-sorted?
        same = codes[1:] == codes[:-1]
        if len(codes) and (np.all(codes[1:] >= codes[:-1]) and np.all(ts[1:][same] >= ts[:-1][same])):
            self.order = None
        else:
            self.order = np.lexsort((ts, codes))
            codes, ts = codes[self.order], ts[self.order]
        self.codes = codes
        self.cases = pd.Index(cases).astype(str) if len(cases) else pd.Index([], dtype=object)
        self.n_cases = len(self.cases)
        self.n = len(codes)
        self.ts = ts
        acode, labels = pd.factorize(self._log[activity_key], sort=False)
        self.acode = acode if self.order is None else acode[self.order]
        self.act_labels = np.asarray(pd.Index(labels).astype(str), dtype=object)
        self._activity = None
        n = self.n
        self.first = np.ones(n, dtype=bool)
        self.first[1:] = codes[1:] != codes[:-1]
        self.last = np.ones(n, dtype=bool)
        self.last[:-1] = codes[1:] != codes[:-1]
        # gap to the previous event of the same case (ns; NaN at a case's first event)
        gap = np.empty(n, dtype="float64")
        gap[0:1] = np.nan
        gap[1:] = (self.ts[1:] - self.ts[:-1]).astype("float64")
        gap[self.first] = np.nan
        self.gap_before = gap
        after = np.empty(n, dtype="float64")
        after[:-1] = gap[1:]
        after[-1:] = np.nan
        after[self.last] = np.nan
        self.gap_after = after
        self.start = self.ts[self.first]
        self.end = self.ts[self.last]

    @property
    def activity(self):
        """Activity names of the sorted events (object array; prefer ``acode`` in hot paths)."""
        if self._activity is None:
            self._activity = self.act_labels[self.acode]
        return self._activity

    def act_codes(self, names):
        """Codes of the activities ``names`` (names absent from the log are ignored)."""
        index = {a: i for i, a in enumerate(self.act_labels)}
        return np.array([index[a] for a in names if a in index], dtype="int64")

    def is_act(self, names):
        return np.isin(self.acode, self.act_codes(names))

    def codes_of(self, name):
        """``(codes, labels)`` of a categorical column in sorted order (-1 = missing), or None."""
        key = ("codes", name)
        if key not in self._cache:
            if name not in self.columns or not self._log[name].notna().any():
                self._cache[key] = None
            else:
                codes, labels = pd.factorize(self._log[name], sort=False)
                if self.order is not None:
                    codes = codes[self.order]
                self._cache[key] = (codes, np.asarray(pd.Index(labels), dtype=object))
        return self._cache[key]

    def label_code(self, name, value):
        """Code of ``value`` in column ``name`` (-2 when the value never occurs)."""
        cl = self.codes_of(name)
        if cl is None:
            return -2
        hits = np.flatnonzero(cl[1] == value)
        return int(hits[0]) if len(hits) else -2

    def first_per_case(self, name):
        """Per case: the code of the column's first non-missing value (-1 when none)."""
        cl = self.codes_of(name)
        if cl is None:
            return None
        codes = cl[0]
        ok = codes >= 0
        out = np.full(self.n_cases, -1, dtype="int64")
        idx = np.flatnonzero(ok)
        if len(idx):
            cases = self.codes[idx]
            first = np.ones(len(idx), dtype=bool)
            first[1:] = cases[1:] != cases[:-1]
            out[cases[first]] = codes[idx[first]]
        return out

    def column(self, name):
        """The column ``name`` in sorted order as a Series with a 0..n-1 index (None if absent)."""
        if name not in self._cache:
            if name not in self.columns:
                self._cache[name] = None
            else:
                col = self._log[name]
                if self.order is not None:
                    col = col.take(self.order)
                self._cache[name] = col.reset_index(drop=True)
        return self._cache[name]

    def per_case(self, values, how):
        """Aggregate a per-row numeric array to one value per case (``sum`` only)."""
        if how != "sum":
            raise ValueError(how)
        return np.bincount(self.codes, weights=np.asarray(values, dtype="float64"),
                           minlength=self.n_cases)

    def changes(self, values, mask):
        """Per case: how often integer ``values`` (-1 = missing) change between consecutive rows
        selected by ``mask``."""
        idx = np.flatnonzero(mask & (np.asarray(values) >= 0))
        counts = np.zeros(self.n_cases, dtype="int64")
        if len(idx) < 2:
            return counts
        vals = np.asarray(values)[idx]
        cod = self.codes[idx]
        change = (cod[1:] == cod[:-1]) & (vals[1:] != vals[:-1])
        np.add.at(counts, cod[1:][change], 1)
        return counts


def _frontstage_mask(p, actor_key):
    cl = p.codes_of(actor_key)
    if cl is None:
        return None
    return cl[0] == p.label_code(actor_key, C.FRONTSTAGE)


def _entry_activities(p, min_share=0.01):
    """Activities that start at least ``min_share`` of the cases (how customers get in touch)."""
    counts = np.bincount(p.acode[p.first], minlength=len(p.act_labels))
    keep = np.flatnonzero(counts >= max(1.0, min_share * p.n_cases))
    return list(p.act_labels[keep])


def _contact_mask(p, actor_key, contacts):
    acts = _entry_activities(p) if contacts is None else list(contacts)
    mask = p.is_act(acts)
    front = _frontstage_mask(p, actor_key)
    if front is not None:
        mask = mask & (front | (p.codes_of(actor_key)[0] < 0))
    return mask


def _default_goal(p):
    if p.n_cases == 0:
        return []
    counts = np.bincount(p.acode[p.last], minlength=len(p.act_labels))
    return [p.act_labels[int(np.argmax(counts))]]


def _goal_list(goal, p):
    if goal is None:
        return _default_goal(p)
    if isinstance(goal, str):
        return [goal]
    goals = list(goal)
    if not goals:
        raise EventLogError("goal=[] names no activity. Pass goal='Close ticket' or a list of goal activities.")
    return goals


def _sla_rules(sla):
    if sla is None:
        return None, []
    if isinstance(sla, (str, pd.Timedelta, int, float)):
        return parse_duration(sla, parameter="sla"), []
    rules = list(getattr(sla, "sla", sla))
    out = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict) and hasattr(rule, "within"):   # journey_map.SLA
            rule = ({"stage": rule.stage, "within": rule.within} if getattr(rule, "stage", None)
                    else {"from": rule.from_activity, "to": rule.to_activity, "within": rule.within})
        if not isinstance(rule, dict) or "within" not in rule or not (
                ("from" in rule and "to" in rule) or "stage" in rule):
            raise EventLogError(
                f"sla[{i}]={rule!r} is not an SLA rule. Write {{'from': A, 'to': B, 'within': '4h'}} "
                "or {'stage': S, 'within': '2d'}, or pass one duration such as sla='2d'."
            )
        r = dict(rule)
        r["within"] = parse_duration(r["within"], parameter=f"sla[{i}].within")
        out.append(r)
    return None, out


def _first_last(p, sel, last=False):
    """Case codes and row indices of the first (or last) selected row of every case."""
    idx = np.flatnonzero(sel)
    c = p.codes[idx]
    keep = np.ones(len(idx), dtype=bool)
    if last:
        keep[:-1] = c[1:] != c[:-1]
    else:
        keep[1:] = c[1:] != c[:-1]
    return c[keep], idx[keep]


def _sla_breaches(p, limit, rules, throughput_ns, stage_key):
    breached = np.zeros(p.n_cases, dtype=bool)
    if limit is not None:
        breached |= throughput_ns > limit.value
    for rule in rules:
        within = rule["within"].value
        if "stage" in rule:
            stage = p.codes_of(stage_key)
            if stage is None:
                raise EventLogError(
                    f"sla rule {rule!r} names a stage but the log has no {stage_key!r} column. "
                    "Fill stages from the mapping's touchpoints or a journey map first."
                )
            sel = stage[0] == p.label_code(stage_key, rule["stage"])
            if not sel.any():
                continue
            cases, first = _first_last(p, sel)
            _, last = _first_last(p, sel, last=True)
            nxt = p.ts[last] + np.nan_to_num(p.gap_after[last]).astype("int64")
            breached[cases[(nxt - p.ts[first]) > within]] = True
        else:
            sel_from = p.is_act([rule["from"]])
            if not sel_from.any():
                continue
            cases, first = _first_last(p, sel_from)
            has_from = np.zeros(p.n_cases, dtype=bool)
            has_from[cases] = True
            t_from = np.zeros(p.n_cases, dtype="int64")
            t_from[cases] = p.ts[first]
            sel_to = p.is_act([rule["to"]]) & has_from[p.codes] & (p.ts >= t_from[p.codes])
            to_cases, to_first = _first_last(p, sel_to)
            end = p.end.copy()
            end[to_cases] = p.ts[to_first]
            breached[cases[(end[cases] - t_from[cases]) > within]] = True
    return breached


def _case_table(p, *, goal, sla, repeat_window, reopen, customer_key, group_key, channel_key,
                actor_key, stage_key, csat_key, contacts):
    goals = _goal_list(goal, p)
    window = parse_duration(repeat_window, parameter="repeat_window")
    throughput = (p.end - p.start).astype("float64")
    is_goal = p.is_act(goals)
    goal_count = p.per_case(is_goal.astype("int64"), "sum")
    pattern = re.compile(reopen) if isinstance(reopen, str) else None
    if pattern is not None:
        reopen_acts = [a for a in p.act_labels if pattern.search(a)]
    else:
        reopen_acts = list(reopen or [])
    has_reopen = p.per_case(p.is_act(reopen_acts), "sum") > 0
    reopened = has_reopen | (goal_count > 1)
    goal_reached = goal_count > 0

    contact = _contact_mask(p, actor_key, contacts) & ~is_goal
    n_contacts = p.per_case(contact.astype("int64"), "sum").astype("float64")
    fcr = (goal_reached & (n_contacts <= 1) & ~reopened).astype("float64")

    group = p.codes_of(group_key)
    handoffs = (p.changes(group[0], np.ones(p.n, bool)).astype("float64")
                if group is not None else np.full(p.n_cases, np.nan))
    channel = p.codes_of(channel_key)
    if channel is not None:
        front = _frontstage_mask(p, actor_key)
        mask = front if front is not None else np.ones(p.n, bool)
        switches = p.changes(channel[0], mask).astype("float64")
    else:
        switches = np.full(p.n_cases, np.nan)

    limit, rules = _sla_rules(sla)
    if limit is None and not rules:
        breach = np.full(p.n_cases, np.nan)
    else:
        breach = _sla_breaches(p, limit, rules, throughput, stage_key).astype("float64")

    csat = p.column(csat_key)
    if csat is not None:
        vals = pd.to_numeric(csat, errors="coerce").to_numpy(dtype="float64")
        csat_sum = p.per_case(np.nan_to_num(vals), "sum")
        csat_n = p.per_case(~np.isnan(vals), "sum").astype("int64")
        csat_case = np.where(csat_n > 0, csat_sum / np.maximum(csat_n, 1), np.nan)
    else:
        csat_n = np.zeros(p.n_cases, dtype="int64")
        csat_case = np.full(p.n_cases, np.nan)

    cust_code = p.first_per_case(customer_key)
    repeat = np.full(p.n_cases, np.nan)
    customer = np.full(p.n_cases, None, dtype=object)
    if cust_code is not None:
        known = cust_code >= 0
        customer[known] = p.codes_of(customer_key)[1][cust_code[known]]
        if known.any():
            idx = np.flatnonzero(known)
            k, st, en = cust_code[idx], p.start[idx], p.end[idx]
            order = np.lexsort((idx, st, k))
            k, st, en, idx = k[order], st[order], en[order], idx[order]
            same_next = np.zeros(len(idx), dtype=bool)
            same_next[:-1] = k[1:] == k[:-1]
            nxt = np.zeros(len(idx), dtype="int64")
            nxt[:-1] = st[1:]
            rep = same_next & ((nxt - en) <= window.value)
            repeat[idx] = rep.astype("float64")

    case_col = p.keys[0]
    return pd.DataFrame({
        case_col: p.cases.astype(object),
        "start": pd.DatetimeIndex(p.start.view("datetime64[ns]")).tz_localize("UTC"),
        "end": pd.DatetimeIndex(p.end.view("datetime64[ns]")).tz_localize("UTC"),
        "throughput_h": throughput / _HOUR_NS,
        "events": np.bincount(p.codes, minlength=p.n_cases).astype("int64"),
        "contacts": n_contacts,
        "goal_reached": goal_reached,
        "reopened": reopened,
        "fcr": fcr,
        "repeat_contact": repeat,
        "handoffs": handoffs,
        "channel_switches": switches,
        "sla_breached": breach,
        "csat": csat_case,
        "csat_answers": csat_n,
        C.CUSTOMER: customer,
    })


_CASE_DOC = f"""log : pandas.DataFrame
        Event log in the shared form (one row per event).
    {C.KEYS_DOC}
    goal : str or list of str, optional
        Goal activities (journey succeeded). Default: the most frequent last activity of the log.
    sla : str, Timedelta, list of dict or JourneyMap SLAs, optional
        One duration limit on the throughput time (``"2d"``) or SLA rules in journey-map form
        (``[{{"from": A, "to": B, "within": "4h"}}, {{"stage": S, "within": "2d"}}]``, or a
        journey map's ``sla`` tuple).
    repeat_window : str or Timedelta, default "7d"
        A customer's next case starting within this time after a case ended is a repeat contact.
    reopen : str (regex) or list of str, default r"(?i)re-?open"
        Activities that mark a reopened case.
    contacts : list of str, optional
        Activities that count as a customer contact (default: the entry activities).
    customer_key, group_key, channel_key, actor_key, stage_key, csat_key : str
        Optional columns (defaults: the shared column names); absent columns give NaN KPIs."""


def case_kpis(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
              goal=None, sla=None, repeat_window="7d", reopen=r"(?i)re-?open",
              customer_key=C.CUSTOMER, group_key=C.GROUP, channel_key=C.CHANNEL, actor_key=C.ACTOR,
              stage_key=C.STAGE, csat_key=C.CSAT, contacts=None):
    """One row per case with the measures behind every journey KPI (definitions: module docstring).

    Parameters
    ----------
    {case_doc}

    Returns
    -------
    pandas.DataFrame
        Columns: the case id, ``start``, ``end``, ``throughput_h``, ``events``, ``contacts``,
        ``goal_reached``, ``reopened``, ``fcr``, ``repeat_contact``, ``handoffs``,
        ``channel_switches``, ``sla_breached``, ``csat``, ``csat_answers``, ``case:customer``.
        Unknown measures are NaN.

    Raises
    ------
    EventLogError
        When a needed column is missing, timestamps are missing, or a parameter is malformed.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({{
    ...     "case:concept:name": ["a", "a", "b"],
    ...     "concept:name": ["Open", "Close", "Open"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 12:00",
    ...                                       "2024-01-02 09:00"], utc=True)}})
    >>> case_kpis(log, goal="Close")[["case:concept:name", "throughput_h", "goal_reached"]]
      case:concept:name  throughput_h  goal_reached
    0                 a           3.0          True
    1                 b           0.0         False
    """
    p = _Prepared(log, case_id_key=case_id_key, activity_key=activity_key,
                  timestamp_key=timestamp_key, verb="case_kpis")
    return _case_table(p, goal=goal, sla=sla, repeat_window=repeat_window, reopen=reopen,
                       customer_key=customer_key, group_key=group_key, channel_key=channel_key,
                       actor_key=actor_key, stage_key=stage_key, csat_key=csat_key,
                       contacts=contacts)


case_kpis.__doc__ = case_kpis.__doc__.format(case_doc=_CASE_DOC)


def _stage_long(p, stage_key):
    """Per (case, stage) sojourn hours: columns ``c`` (case code), ``s`` (stage code), ``hours``;
    plus the stage labels. None without a stage column."""
    cl = p.codes_of(stage_key)
    if cl is None:
        return None, []
    codes, labels = cl
    sel = codes >= 0
    k = max(len(labels), 1)
    key = p.codes[sel].astype("int64") * k + codes[sel]
    hours = np.nan_to_num(p.gap_after[sel]) / _HOUR_NS
    inv, uniq = pd.factorize(key, sort=False)              # order: case, then first visit
    sums = np.bincount(inv, weights=hours, minlength=len(uniq))
    out = pd.DataFrame({"c": uniq // k, "s": uniq % k, "hours": sums})
    return out, list(labels)


def stage_times(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                stage_key=C.STAGE):
    """Time each case spends in each stage, long form (one row per case and stage visited).

    The interval between two consecutive events belongs to the stage of the earlier event; a
    stage's time is the sum of its intervals (the case's last event contributes 0). Events without
    a stage are skipped (their interval is not attributed).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log with a stage column.
    {keys}
    stage_key : str, default "stage"
        Column holding the stage of each event.

    Returns
    -------
    pandas.DataFrame
        Columns: the case id, ``stage``, ``hours``; sorted by case, then by first visit.

    Raises
    ------
    EventLogError
        When the stage column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({{
    ...     "case:concept:name": ["a", "a", "a"],
    ...     "concept:name": ["Open", "Fix", "Close"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 10:00",
    ...                                       "2024-01-01 13:00"], utc=True),
    ...     "stage": ["Contact", "Resolve", "Resolve"]}})
    >>> stage_times(log)
      case:concept:name    stage  hours
    0                 a  Contact    1.0
    1                 a  Resolve    3.0
    """
    p = _Prepared(log, case_id_key=case_id_key, activity_key=activity_key,
                  timestamp_key=timestamp_key, verb="stage_times")
    long, labels = _stage_long(p, stage_key)
    if long is None:
        raise EventLogError(
            f"stage_times: the event log has no {stage_key!r} column. Columns present: "
            f"{list(log.columns)}. Map activities to stages in the ticket mapping (activities: "
            "touchpoints:) or pass stage_key=."
        )
    out = pd.DataFrame({case_id_key: np.asarray(p.cases, dtype=object)[long["c"].to_numpy()],
                        "stage": np.asarray(labels, dtype=object)[long["s"].to_numpy()],
                        "hours": long["hours"].to_numpy()})
    return out


stage_times.__doc__ = stage_times.__doc__.format(keys=C.KEYS_DOC)


def _case_groups(p, by):
    """Group code per case (-1 = no group), the group labels and the output column name."""
    if by is None:
        return np.zeros(p.n_cases, dtype="int64"), np.array(["all"], dtype=object), "group"
    if isinstance(by, pd.Series):
        cases = pd.Index(p.cases)
        keyed = pd.Series(by.to_numpy(dtype=object), index=by.index.astype(str))
        same = len(keyed) == len(cases) and keyed.index.equals(cases)
        values = (keyed if same else keyed.reindex(cases)).to_numpy(dtype=object)
        codes, labels = pd.factorize(values, sort=False)
        return codes, np.asarray(labels, dtype=object), by.name or "group"
    if isinstance(by, str) and by in p.columns:
        codes = p.first_per_case(by)
        if codes is None:
            return np.full(p.n_cases, -1), np.array([], dtype=object), by
        return codes, p.codes_of(by)[1], by
    if isinstance(by, str) and by in _PERIODS:
        start = pd.DatetimeIndex(p.start.view("datetime64[ns]"))
        codes, labels = pd.factorize(start.to_period(_PERIODS[by]).astype(str), sort=False)
        return codes, np.asarray(labels, dtype=object), "period"
    raise EventLogError(
        f"journey_kpis: by={by!r} is neither a column of the log nor a period. Columns present: "
        f"{p.columns}. Pass a column (e.g. by='channel'), a period of the case start "
        f"({', '.join(repr(k) for k in _PERIODS)}), or a Series mapping case ids to labels."
    )


_KPI_COLUMNS = ["cases", "throughput_median_h", "throughput_mean_h", "throughput_p90_h",
                "wait_median_h", "wait_mean_h", "goal_rate", "fcr_rate", "repeat_contact_rate",
                "reopen_rate", "handoffs_per_case", "channel_switches_per_case", "sla_breach_rate",
                "csat_mean", "csat_response_rate"]


def _aggregate(p, table, long, stage_labels, by):
    codes, labels, name = _case_groups(p, by)
    t = table.assign(_g=codes)
    t = t[t["_g"] >= 0]
    grp = t.groupby("_g", sort=True)
    out = pd.DataFrame({"cases": grp.size()})
    th = grp["throughput_h"]
    out["throughput_median_h"] = th.median()
    out["throughput_mean_h"] = th.mean()
    out["throughput_p90_h"] = th.quantile(0.9)
    row_group = codes[p.codes]
    ok = (row_group >= 0) & ~np.isnan(p.gap_before)
    waits = pd.Series(p.gap_before[ok] / _HOUR_NS).groupby(row_group[ok])
    out["wait_median_h"] = waits.median()
    out["wait_mean_h"] = waits.mean()
    for col, src in (("goal_rate", "goal_reached"), ("fcr_rate", "fcr"),
                     ("repeat_contact_rate", "repeat_contact"), ("reopen_rate", "reopened"),
                     ("handoffs_per_case", "handoffs"),
                     ("channel_switches_per_case", "channel_switches"),
                     ("sla_breach_rate", "sla_breached")):
        out[col] = grp[src].mean() if t[src].dtype == bool else t[src].astype("float64").groupby(t["_g"]).mean()
    answers = grp["csat_answers"].sum()
    total = (t["csat"].fillna(0) * t["csat_answers"]).groupby(t["_g"]).sum()
    out["csat_mean"] = (total / answers).where(answers > 0)
    out["csat_response_rate"] = (t["csat_answers"] > 0).groupby(t["_g"]).mean()
    stage_cols = []
    if long is not None:
        lg = codes[long["c"].to_numpy()]
        keep = lg >= 0
        med = pd.Series(long["hours"].to_numpy()[keep]).groupby(
            [lg[keep], long["s"].to_numpy()[keep]]).median().unstack()
        first_seen = list(dict.fromkeys(long["s"].tolist()))
        for s in first_seen:
            col = f"stage_median_h[{stage_labels[s]}]"
            out[col] = med[s] if s in med.columns else np.nan
            stage_cols.append(col)
    out = out.reindex(columns=_KPI_COLUMNS + stage_cols)
    out.insert(0, name, labels[out.index.to_numpy()] if len(out) else [])
    out = out.reset_index(drop=True)
    try:
        out = out.sort_values(name, kind="stable").reset_index(drop=True)
    except TypeError:
        out = out.iloc[np.argsort(out[name].astype(str).to_numpy(), kind="stable")].reset_index(drop=True)
    out["cases"] = out["cases"].astype("int64")
    return out


def _journey_kpis_many(log, bys, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                       timestamp_key=C.TIMESTAMP, goal=None, sla=None, repeat_window="7d",
                       reopen=r"(?i)re-?open", customer_key=C.CUSTOMER, group_key=C.GROUP,
                       channel_key=C.CHANNEL, actor_key=C.ACTOR, stage_key=C.STAGE, csat_key=C.CSAT,
                       contacts=None, verb="journey_kpis", prepared=None):
    """:func:`journey_kpis` for several ``by`` at once, sharing the per-case work: list of frames."""
    p = prepared or _Prepared(log, case_id_key=case_id_key, activity_key=activity_key,
                              timestamp_key=timestamp_key, verb=verb)
    table = _case_table(p, goal=goal, sla=sla, repeat_window=repeat_window, reopen=reopen,
                        customer_key=customer_key, group_key=group_key, channel_key=channel_key,
                        actor_key=actor_key, stage_key=stage_key, csat_key=csat_key,
                        contacts=contacts)
    long, stage_labels = _stage_long(p, stage_key)
    return [_aggregate(p, table, long, stage_labels, by) for by in bys]


def journey_kpis(log, *, by=None, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                 timestamp_key=C.TIMESTAMP, goal=None, sla=None, repeat_window="7d",
                 reopen=r"(?i)re-?open", customer_key=C.CUSTOMER, group_key=C.GROUP,
                 channel_key=C.CHANNEL, actor_key=C.ACTOR, stage_key=C.STAGE, csat_key=C.CSAT,
                 contacts=None):
    """Journey KPIs overall or per group (channel, cluster, period, any case attribute).

    Definitions of every measure are in the module docstring (:mod:`journeymining.kpis`).

    Parameters
    ----------
    {case_doc}
    by : str or pandas.Series, optional
        ``None``: one row for the whole log (group ``"all"``). A column name: a case's group is the
        column's first non-missing value in the case (for ``channel``: the channel of the first
        event that has one). ``"D"``, ``"W"``, ``"M"``, ``"Q"``, ``"Y"`` (not a column): the period
        of the case start (UTC). A Series: labels indexed by case id (e.g. cluster labels).
        Cases without a group are left out.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by group. Columns: the group column, ``cases``,
        ``throughput_median_h``, ``throughput_mean_h``, ``throughput_p90_h``, ``wait_median_h``,
        ``wait_mean_h``, ``goal_rate``, ``fcr_rate``, ``repeat_contact_rate``, ``reopen_rate``,
        ``handoffs_per_case``, ``channel_switches_per_case``, ``sla_breach_rate``, ``csat_mean``,
        ``csat_response_rate``, then ``stage_median_h[<stage>]`` per stage when a stage column
        exists (median sojourn over the cases that visit the stage).

    Raises
    ------
    EventLogError
        When a needed column is missing, ``by`` names nothing, or a parameter is malformed.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({{
    ...     "case:concept:name": ["a", "a", "b", "b", "b"],
    ...     "concept:name": ["Open", "Close", "Open", "Wait", "Close"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 12:00",
    ...         "2024-01-02 09:00", "2024-01-02 10:00", "2024-01-02 16:00"], utc=True)}})
    >>> journey_kpis(log, goal="Close")[["cases", "throughput_median_h", "wait_median_h"]]
       cases  throughput_median_h  wait_median_h
    0      2                  5.0            3.0
    """
    return _journey_kpis_many(
        log, [by], case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key,
        goal=goal, sla=sla, repeat_window=repeat_window, reopen=reopen, customer_key=customer_key,
        group_key=group_key, channel_key=channel_key, actor_key=actor_key, stage_key=stage_key,
        csat_key=csat_key, contacts=contacts)[0]


journey_kpis.__doc__ = journey_kpis.__doc__.format(case_doc=_CASE_DOC)

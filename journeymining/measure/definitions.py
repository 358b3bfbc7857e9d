"""The journey definitions: every measure the report, the KPIs, conformance, clusters, the CX map
and the pain points show is computed here, once per case, and nowhere else.

Each measure has one :class:`Definition` in :data:`DEFINITIONS` (label, the definition in words,
where it comes from, what it needs), and :func:`case_measures` computes all of them for a log in
one pass over the events in case order (each definition a vectorised lag, forward fill or count
over sorted integer-coded arrays; categorical columns are coded once, so no per-event string is
made). What
the log or the settings cannot support is ``NaN`` with a reason in ``CaseMeasures.na``, never a
confident 0 % or 100 %. A log too large for memory is measured in groups of whole cases, each
given the whole log's end, open window and columns, and :func:`combine_case_measures` joins them
(recomputing recontact and first-contact resolution, which link a customer's cases); the engines
do this (:meth:`journeymining.engine.EngineLog.case_measures`).

The definitions (the same words as the report):

goal reached
    The case has a goal event and no reopen after its last goal event. Process-mining practice:
    the case reaches the process's end state (van der Aalst, *Process Mining*, 2016, ch. 6).
resolution / resolved
    The case has a resolution event (default: a goal event) not followed by a reopen.
reopen
    A step other than a closure step after a resolution, counted once per return to work: a work
    or resolution step is a reopen when the last step before it that sets the case's state was a
    resolution or the goal (closure-only steps such as a survey set nothing; the goal never
    reopens). So work after "Resolved" or after "Closed" reopens the case, and "resolved twice"
    counts (the repetition means the customer came back). ITIL 4 incident management ("reopened
    incidents"); ServiceNow's ``reopen_count``. Updates-shape logs: only status events
    (``event_kind == "status"``) are steps, so a priority or team change after "Resolved" is not a
    reopen.
outcome
    ``goal`` (goal reached), ``open`` (not reached, and the case's last event is within
    ``open_window`` of the log's last event: right-censored, it may still finish) or ``dropped``
    (not reached and silent longer than that). Censoring as in survival analysis.
customer contact
    An event by which the customer gets in touch: a touchpoint marked ``contact: true`` in the
    journey map (or listed in ``contacts=``), or an event whose ``contact`` column is true. A ticket
    whose first event is not a contact was opened by a contact the log does not show: that first
    event counts as the ticket's opening contact.
repeat contact
    A contact after the case's first contact (``repeat_contacts`` = contacts - 1).
recontact
    The same customer (``case:customer``) starts another case no later than ``repeat_window`` after
    this case ended (or while it is open). COPC-style FCR verification by repeat contact.
first-contact resolution (FCR)
    Goal reached with exactly one contact, no reopen, no handoff and no recontact within the
    window (COPC CX Standard, "First Contact Resolution"; SQM Group's repeat-call window).
handoff
    A change of team (``org:group``) between consecutive events that have a team (events without
    a team are skipped, so a change across a team-less event is still one handoff). It is
    *planned* when the journey map plans it there: the last touchpoint event before it was done by
    its planned team, the first touchpoint event after it by its planned team, and the map lets
    the second follow the first with only team-less touchpoints between them. Otherwise
    *unplanned*. Without a map, planned/unplanned is n/a.
ping-pong
    A handoff back to the team the case just came from (teams A → B → A), unless both handoffs of
    the round trip are planned and the map plans the round trip (BPIC 2013 "ping-pong").
handover of work
    A change of agent (``org:resource``) between consecutive events done by agents (resources in
    ``non_agents`` and the case's customer are not agents). Social network mining (van der Aalst,
    Reijers & Song, 2005).
channel switch
    A contact on another channel than the previous contact of the case (the event's ``channel``,
    else the touchpoint's channel in the map). Also a repeat contact.
SLA breach
    A rule ``A → B within T``: from the first A to the first B at or after it; breached when it
    took longer, or when no B came and the rule was open past T at the case end (at the log end for
    a case still open). A rule ``stage S within T``: the time the case spent in S (below) exceeds T.
time in stage
    The sum of the intervals the case spent in the stage: the interval between two consecutive
    events belongs to the stage of the earlier event (its stage, else the last stage seen); the
    wait before an automatic step (a timer such as automatic closure) is timer time, not stage
    time; a case still open accrues time in its last stage until the log ends.
throughput time, time to resolution
    First to last event; first event to the last resolution event (resolved cases).
CSAT
    Mean of the case's satisfaction answers (``csat``, 1-5) at the events that carry them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from journeymining.core import columns as C
from journeymining.core.durations import format_duration
from journeymining.core.eventlog import check_log
from journeymining.core.errors import EventLogError
from journeymining.measure.marks import (case_bounds, case_table, categorical, event_marks, goal_reached, label_codes,
                                         open_cases, sla_rows, stage_time)
from journeymining.measure.settings import JourneySettings

__all__ = ["Definition", "DEFINITIONS", "CaseMeasures", "case_measures", "combine_case_measures",
           "definition_text", "definitions_reference", "OPEN_WINDOW_QUANTILE", "missing_customers_note"]

_HOUR_NS = 3_600_000_000_000

#: the still-open window, when the settings give none: this quantile of the gaps between
#: consecutive events of a case (waits before automatic steps left out)
OPEN_WINDOW_QUANTILE = 0.95


@dataclass(frozen=True)
class Definition:
    """One journey measure: its label, the definition in words, its source, what it needs."""

    key: str
    label: str
    text: str
    source: str
    needs: tuple = ()


def _d(key, label, text, source, needs=()):
    return key, Definition(key, label, text, source, tuple(needs))


#: Every journey measure, keyed by the column of :attr:`CaseMeasures.cases` it explains.
DEFINITIONS = dict([
    _d("goal_reached", "goal reached",
       "the case has a goal event and no reopen after its last goal event",
       "process-mining end state (van der Aalst, Process Mining, 2016)", ["goal"]),
    _d("outcome", "outcome",
       "goal reached; still open (not reached, last event within the open window of the log's end: "
       "censored); or dropped (not reached, silent longer than that)",
       "right-censoring as in survival analysis", ["goal"]),
    _d("resolved", "resolved",
       "a resolution event (default: a goal event) not followed by a reopen",
       "ITIL 4 incident resolution", ["resolution"]),
    _d("reopens", "reopens",
       "returns to work after a resolution: a work or resolution step whose last state-setting step was a "
       "resolution or the goal (closure-only steps set nothing; status events only in update-snapshot logs)",
       "ITIL 4 reopened incidents; ServiceNow reopen_count", ["resolution"]),
    _d("contacts", "customer contacts",
       "events by which the customer gets in touch (map touchpoints with contact: true, or a contact "
       "column); a ticket whose first event is not a contact counts its opening as one",
       "contact-centre practice (COPC)", ["contacts"]),
    _d("repeat_contacts", "repeat contacts", "contacts after the case's first contact",
       "COPC repeat contact", ["contacts"]),
    _d("recontact", "recontact",
       "the same customer starts another case within the repeat window after this one ended",
       "COPC / SQM repeat-contact window", ["customer"]),
    _d("fcr", "first-contact resolution",
       "goal reached with exactly one contact, no reopen, no handoff and no recontact within the window",
       "COPC CX Standard, First Contact Resolution", ["goal", "contacts", "teams", "customer"]),
    _d("handoffs", "handoffs", "changes of team (org:group) between consecutive events that have a team",
       "handover of work between groups (van der Aalst et al., 2005)", ["teams"]),
    _d("unplanned_handoffs", "unplanned handoffs",
       "handoffs the journey map does not plan at that point (judged on the team sequence)",
       "intended team plan of the journey map", ["teams", "map"]),
    _d("ping_pongs", "ping-pong",
       "a handoff back to the team the case just came from (A → B → A) that the map does not plan",
       "BPIC 2013 ping-pong behaviour", ["teams"]),
    _d("handovers", "handovers of work",
       "changes of agent (org:resource) between consecutive events done by agents",
       "social network mining (van der Aalst, Reijers & Song, 2005)", ["resources"]),
    _d("channel_switches", "channel switches",
       "a contact on another channel than the previous contact of the case", "omnichannel CX practice",
       ["contacts", "channels"]),
    _d("sla_breaches", "SLA breaches",
       "rules that completed late, or were still open past their limit at the case end (log end for a "
       "case still open); stage rules on the time spent in the stage", "service-level agreements", ["sla"]),
    _d("throughput_h", "throughput time", "first to last event of the case", "process mining"),
    _d("time_to_resolution_h", "time to resolution", "first event to the last resolution event",
       "mean time to resolve (ITIL)", ["resolution"]),
    _d("csat", "CSAT", "mean of the case's satisfaction answers (1-5) at the events that carry them",
       "customer satisfaction survey", ["csat"]),
    _d("stage_time", "time in stage",
       "sum of the intervals spent in the stage (an interval belongs to the stage of its earlier event; "
       "waits before automatic steps are timer time; open cases accrue time to the log end)",
       "sojourn time in process mining", ["stages"]),
])


def definitions_reference():
    """The definitions as Markdown (``docs/DEFINITIONS.md`` is generated from it; a test checks it)."""
    lines = ["# Journey definitions", "",
             "Generated from `journeymining.measure.definitions` "
             "(`python -c \"from journeymining.measure.definitions import definitions_reference as r; "
             "print(r())\" > docs/DEFINITIONS.md`); do not edit by hand.", "",
             "Every figure of KPIs, conformance, cluster profiles, the CX map, the pain points and the "
             "report comes from these definitions, computed once per case. A measure the log or the "
             "settings cannot support is n/a with the reason (`CaseMeasures.na`), never a guessed 0 % or 100 %.",
             "", "| measure | label | definition | source | needs |", "| --- | --- | --- | --- | --- |"]
    for key, d in DEFINITIONS.items():
        lines.append(f"| `{key}` | {d.label} | {d.text} | {d.source} | {', '.join(d.needs) or '-'} |")
    lines += ["", "## In words", ""]
    doc = __doc__ or ""
    body = doc.split("The definitions (the same words as the report):", 1)[-1].strip("\n")
    lines += [body, ""]
    return "\n".join(lines)


def definition_text(key):
    """``"label: definition (source)"`` of a measure, for reports and tables."""
    d = DEFINITIONS[key]
    return f"{d.label}: {d.text} ({d.source})"


@dataclass
class CaseMeasures:
    """What :func:`case_measures` computed.

    Attributes
    ----------
    cases : pandas.DataFrame
        One row per case, in order of first appearance in the log: the case id, ``case:customer``,
        ``tickets``, ``start``, ``end``, ``events``, ``throughput_h``, ``contacts``,
        ``repeat_contacts``, ``channel_switches``, ``recontact``, ``resolved``,
        ``time_to_resolution_h``, ``reopens``, ``reopened``, ``goal_reached``, ``outcome``,
        ``handoffs``, ``unplanned_handoffs``, ``ping_pongs``, ``handovers``, ``sla_breaches``,
        ``sla_breached``, ``fcr``, ``timer_h``, ``csat``, ``csat_answers``, ``still_open``
        (right-censored: outcome "open"; without a goal, every case silent for at most the open
        window). Unsupported measures are NaN (reason in ``na``).
    events : pandas.DataFrame
        One row per event in case order: ``row`` (position in the input log), ``case`` (case
        index), ``pos`` (index in the case), ``stage_context``, ``wait_h`` (time since the previous
        event), ``timer`` (the wait before an automatic step), ``contact``, ``contact_channel``,
        ``repeat_contact``, ``channel_switch``, ``reopen``, ``handoff``, ``from_team``,
        ``to_team``, ``handoff_planned``, ``ping_pong``, ``handover``, ``step``.
    stage_times : pandas.DataFrame
        Long form: case id, ``stage``, ``hours`` (time in stage, the definition above).
    sla : pandas.DataFrame
        One row per (case, rule) the case entered: case index ``case``, ``rule``, ``took_h``,
        ``within_h``, ``completed``, ``breached``, ``row`` (the event where the breach shows: the
        rule's end event, else the case's last event).
    na : dict
        Measure key -> why it is n/a for this log (absent when it is supported).
    settings : JourneySettings
    log_end : pandas.Timestamp
    open_window : pandas.Timedelta
        The window used for "still open".
    """

    cases: pd.DataFrame
    events: pd.DataFrame
    stage_times: pd.DataFrame
    sla: pd.DataFrame
    na: dict
    settings: JourneySettings
    log_end: pd.Timestamp
    open_window: pd.Timedelta
    keys: tuple = field(default=(C.CASE, C.ACTIVITY, C.TIMESTAMP))
    #: the case index (row of ``cases``) of every row of ``stage_times``
    stage_case: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    #: the per-case counts and positions behind ``cases`` (what :func:`combine_case_measures` needs)
    per_case: pd.DataFrame | None = field(default=None, repr=False)

    def definitions(self):
        """Measure, label, definition, source and availability, one row per measure."""
        rows = [{"measure": k, "label": d.label, "definition": d.text, "source": d.source,
                 "available": k not in self.na, "n/a because": self.na.get(k, "")}
                for k, d in DEFINITIONS.items()]
        return pd.DataFrame(rows)


def _bool_col(series):
    """A column of booleans (True/False/'true'/'1'/...) with missing as False."""
    if series.dtype == bool:
        return series.to_numpy()
    text = series.astype("string").str.strip().str.lower()
    return text.isin(["true", "1", "yes", "y", "t"]).to_numpy(dtype=bool)


def _opt(log, key, present=None):
    if key not in log.columns:
        return None
    return key if (key in present if present is not None else bool(log[key].notna().any())) else None


def case_measures(log, settings=None, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                  timestamp_key=C.TIMESTAMP, group_key=C.GROUP, resource_key=C.RESOURCE,
                  channel_key=C.CHANNEL, stage_key=C.STAGE, csat_key=C.CSAT,
                  customer_key=C.CUSTOMER, ticket_key=C.TICKET, contact_key="contact",
                  kind_key="event_kind", log_end=None, window=None, present=None):
    """Every journey measure of every case, from the definitions of this module.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log (pm4py columns; never modified).
    settings : JourneySettings, optional
        Goal, resolution, contacts, team plan, SLAs (default: none given, so goal-, contact- and
        SLA-based measures are n/a).
    case_id_key, activity_key, timestamp_key : str
        The pm4py keys.
    group_key, resource_key, channel_key, stage_key, csat_key, customer_key, ticket_key : str
        Optional columns; absent columns make the measures that need them n/a.
    contact_key : str, default "contact"
        Optional boolean column marking customer contacts (in addition to the settings).
    kind_key : str, default "event_kind"
        Optional column of update-snapshot logs: ``"change"`` events (a team, channel or field
        change) are not steps of the journey.
    log_end, window, present : optional
        For a part of a larger log (:func:`combine_case_measures`): the larger log's last event
        time (a ``pandas.Timestamp``), its still-open window when the settings give none (a
        ``pandas.Timedelta``, from all its gaps as described under *outcome*), and the optional
        columns that hold a value somewhere in it (a set of column names), so that the part is
        measured as it would be inside the whole.

    Returns
    -------
    CaseMeasures

    Raises
    ------
    EventLogError
        When the log is not an event log or has missing case ids, activities or timestamps.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a", "a", "a"],
    ...     "concept:name": ["Resolve", "Closed", "Work", "Resolve"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 10:00",
    ...                                       "2024-01-03 09:00", "2024-01-03 12:00"], utc=True)})
    >>> m = case_measures(log, JourneySettings.from_map(goal="Closed", resolution="Resolve"))
    >>> m.cases[["reopens", "resolved", "goal_reached", "outcome"]].to_dict("records")
    [{'reopens': 1, 'resolved': True, 'goal_reached': False, 'outcome': 'open'}]
    """
    s = settings if settings is not None else JourneySettings()
    check_log(log, case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key,
              verb="case_measures")
    for key in (case_id_key, activity_key, timestamp_key):
        bad = log[key].isna().to_numpy()
        if bad.any():
            rows = np.flatnonzero(bad)[:5].tolist()
            raise EventLogError(f"case_measures: column {key!r} has {int(bad.sum())} missing values "
                                f"(rows {rows}). Drop or repair those events first.")
    if len(log) == 0:
        raise EventLogError("case_measures: the event log is empty; there are no journeys to measure.")

    # integer codes and the case order (cases by first appearance, events by time, ties in input order)
    ccode, case_labels = pd.factorize(log[case_id_key], sort=False)
    acode, act_labels = pd.factorize(log[activity_key].astype(str), sort=False)
    ts = log[timestamp_key]
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    ts_ns = ts.astype("datetime64[ns]").to_numpy().view("int64")
    n = len(log)
    same = ccode[1:] == ccode[:-1]
    if bool(np.all(ccode[1:] >= ccode[:-1]) and np.all(ts_ns[1:][same] >= ts_ns[:-1][same])):
        order = np.arange(n)          # already in case order (a converted log is): no sort
    else:
        order = np.lexsort((np.arange(n), ts_ns, ccode))
    group, res, chan = (_opt(log, k, present) for k in (group_key, resource_key, channel_key))
    stage, csat, cust = (_opt(log, k, present) for k in (stage_key, csat_key, customer_key))
    ticket = _opt(log, ticket_key, present)

    def codes(*columns, extra=()):
        """One integer coding (-1 = missing) of some columns plus extra values, by their text; the labels.

        The labels are in order of first appearance (column by column, then the extras); each
        column is factorized once and its distinct texts coded together, not row by row."""
        raw, texts = [], []
        for col in columns:
            if col is None:
                raw.append(None)
                continue
            code, uniq = pd.factorize(log[col], sort=False)      # per distinct value, not per row
            raw.append((code, len(uniq)))
            texts.append(np.asarray(uniq, dtype=object).astype(str))
        present = [i for i, x in enumerate(extra) if x is not None]
        texts.append(np.asarray([str(extra[i]) for i in present], dtype=object))
        joint, names = pd.factorize(np.concatenate(texts), sort=False)
        out, at = [], 0
        for item in raw:
            if item is None:
                out.append(np.full(n, -1, dtype=np.int64))
                continue
            code, k = item
            remap = np.append(joint[at:at + k], -1).astype(np.int64)
            at += k
            out.append(remap[code][order])
        extra_codes = np.full(len(extra), -1, dtype=np.int64)
        extra_codes[present] = joint[at:]
        return out, extra_codes, pd.Index(np.asarray(names, dtype=object), dtype=object)

    labels = [str(a) for a in act_labels]
    (team,), tp_team, team_labels = codes(group, extra=[s.touchpoint_teams.get(x) for x in labels])
    (chan_c,), tp_ch, chan_labels = codes(chan, extra=[s.touchpoint_channels.get(x) for x in labels])
    (res_c, cust_c), _, people = codes(res, cust)
    (stage_c,), _, stage_labels = codes(stage)
    if ticket:
        ticket_c = pd.factorize(log[ticket], sort=False)[0][order].astype(np.int64)
    else:
        ticket_c = ccode[order].astype(np.int64)
    ev = {   # one array per column, in case order
        "seq": np.arange(n, dtype=np.int64),
        "row": order.astype(np.int64),
        "c": ccode[order].astype(np.int64),
        "a": acode[order].astype(np.int64),
        "ts": ts_ns[order],
        "team": team, "res": res_c, "ch": chan_c, "stage": stage_c, "cust": cust_c, "ticket": ticket_c,
        "csat": (pd.to_numeric(log[csat], errors="coerce").to_numpy(dtype="float64")[order]
                 if csat else np.full(n, np.nan)),
        "step": (~(log[kind_key].astype("string").fillna("") == "change").to_numpy(dtype=bool))[order]
        if kind_key in log.columns else np.ones(n, dtype=bool),
        "contact_col": _bool_col(log[contact_key])[order] if contact_key in log.columns else np.zeros(n, bool),
    }
    goal, resolution = set(s.goal or ()), set(s.resolution or ())
    closure, contacts = set(s.closure) | goal, set(s.contacts or ())
    automatic, tps = set(s.automatic), set(s.touchpoints)
    acts = pd.DataFrame({
        "a": np.arange(len(labels), dtype=np.int64),
        "is_goal": [x in goal for x in labels],
        "is_res": [x in resolution for x in labels],
        "is_closure": [x in closure for x in labels],
        "is_contact": [x in contacts for x in labels],
        "is_auto": [x in automatic for x in labels],
        "is_tp": [x in tps for x in labels],
        "tp_ch": tp_ch, "tp_team": tp_team,
    })
    index = {x: i for i, x in enumerate(labels)}
    hops = pd.DataFrame([(index[x], index[y]) for x, y in sorted(s.team_hops or ()) if x in index and y in index],
                        columns=["x", "y"], dtype=np.int64)
    rets = pd.DataFrame([(index[x], index[y], index[z]) for x, y, z in sorted(s.team_returns)
                         if x in index and y in index and z in index], columns=["x", "y", "z"], dtype=np.int64)
    lowered = {x.lower() for x in s.non_agents}
    non_agents = pd.DataFrame({"r": np.flatnonzero(
        pd.Series(people.to_numpy(), dtype=object).str.lower().isin(lowered).to_numpy()).astype(np.int64)})

    log_end = int(ts_ns.max()) if log_end is None else int(pd.Timestamp(log_end).value)
    contacts_known = bool(contacts) or contact_key in log.columns
    marks = event_marks(ev, acts, hops, rets, non_agents)
    gaps = marks["wait_ns"].to_numpy()
    gaps = gaps[~np.isnan(gaps) & ~marks["timer"].to_numpy()]
    if s.open_window is not None:
        window = s.open_window
    elif window is not None:
        window = pd.Timedelta(window)
    elif len(gaps):
        window = pd.Timedelta(int(np.quantile(gaps, OPEN_WINDOW_QUANTILE)), unit="ns")
    else:
        window = pd.Timedelta(0)
    per_case = case_table(marks)
    sla = sla_rows(marks, s, per_case, log_end, window, index)
    stage_long = stage_time(marks)
    marks = label_codes(marks, act=labels, stage=stage_labels, stage_context=stage_labels, contact_channel=chan_labels,
                   prev_contact_channel=chan_labels, from_team=team_labels, to_team=team_labels, res=people,
                   cust=people)
    per_case["customer"] = categorical(per_case["customer"].to_numpy(dtype=np.int64), people)
    stage_long["stage"] = categorical(stage_long["stage"].to_numpy(dtype=np.int64), stage_labels)
    return _assemble(log, s, case_labels, marks, per_case, sla, stage_long, window, log_end,
                     contacts_known, dict(group=group, res=res, chan=chan, stage=stage, csat=csat, cust=cust),
                     (case_id_key, activity_key, timestamp_key))


def _assemble(log, s, case_labels, marks, pc, sla_parts, stage_long, window, log_end, contacts_known,
              cols, keys):
    n_cases = len(pc)
    case_col = keys[0]
    na = {}
    f = np.full(n_cases, np.nan)

    def nan_unless(ok, values, key, reason, dtype="float64"):
        if ok:
            return np.asarray(values, dtype=dtype) if dtype else values
        na[key] = reason
        return f.copy()

    start, end = pc["start_ns"].to_numpy(dtype="int64"), pc["end_ns"].to_numpy(dtype="int64")
    out = pd.DataFrame({case_col: pd.Series(np.asarray(case_labels, dtype=object)).astype(str).to_numpy(dtype=object)})
    out[C.CUSTOMER] = pc["customer"].astype(object).where(pc["customer"].notna(), None).to_numpy(dtype=object)
    out["tickets"] = pc["tickets"].to_numpy(dtype="int64")
    out["start"] = pd.to_datetime(start, unit="ns", utc=True)
    out["end"] = pd.to_datetime(end, unit="ns", utc=True)
    out["events"] = pc["events"].to_numpy(dtype="int64")
    out["throughput_h"] = (end - start) / _HOUR_NS

    no_contacts = _NO_CONTACTS
    contacts = pc["contacts"].to_numpy(dtype="float64")
    out["contacts"] = nan_unless(contacts_known, contacts, "contacts", no_contacts)
    out["repeat_contacts"] = nan_unless(contacts_known, pc["repeat_contacts"], "repeat_contacts", no_contacts)
    has_channel = bool(marks["contact_channel"].notna().any())
    out["channel_switches"] = nan_unless(
        contacts_known and has_channel, pc["channel_switches"], "channel_switches",
        no_contacts if not contacts_known else "no contact has a channel (no channel column, no channels in the map)")

    out["recontact"] = np.full(n_cases, np.nan)   # set by _link, with first-contact resolution

    has_res = bool(s.resolution)
    last_res = pc["last_res"].to_numpy(dtype="float64")
    last_reopen = pc["last_reopen"].to_numpy(dtype="float64")
    resolved = ~np.isnan(last_res) & (np.isnan(last_reopen) | (last_res >= last_reopen))
    no_res = "no resolution given: set resolution: (or goal:) in the journey map, or pass --resolution/--goal"
    ttr = np.where(resolved, (pc["last_res_ts"].to_numpy(dtype="float64") - start) / _HOUR_NS, np.nan)
    if has_res:
        out["resolved"] = resolved
        out["time_to_resolution_h"] = ttr
        out["reopens"] = pc["reopens"].to_numpy(dtype="int64")
        out["reopened"] = out["reopens"].to_numpy() > 0
    else:
        for key in ("resolved", "time_to_resolution_h", "reopens", "reopened"):
            out[key] = f.copy()
            na[key] = no_res

    has_goal = bool(s.goal)
    no_goal = _NO_GOAL
    goal = goal_reached(pc)
    is_open = open_cases(pc, log_end, window, s)
    # right-censoring: without a goal every case silent for at most the window may still go on
    silent_ok = (log_end - end) <= window.value
    out["still_open"] = is_open if has_goal else silent_ok
    if has_goal:
        out["goal_reached"] = goal
        out["outcome"] = np.where(goal, "goal", np.where(is_open, "open", "dropped")).astype(object)
    else:
        out["goal_reached"] = f.copy()
        out["outcome"] = np.full(n_cases, None, dtype=object)
        na["goal_reached"] = na["outcome"] = no_goal

    has_team = cols["group"] is not None
    no_team = f"the log has no {C.GROUP!r} (team) values"
    handoffs = pc["handoffs"].to_numpy(dtype="float64")
    out["handoffs"] = nan_unless(has_team, handoffs, "handoffs", no_team)
    planned_known = has_team and s.team_hops is not None
    out["unplanned_handoffs"] = nan_unless(
        planned_known, pc["unplanned_handoffs"], "unplanned_handoffs",
        no_team if not has_team else "no journey map: no team plan to judge handoffs against")
    out["ping_pongs"] = nan_unless(has_team, pc["ping_pongs"], "ping_pongs", no_team)
    out["handovers"] = nan_unless(cols["res"] is not None, pc["handovers"], "handovers",
                                  f"the log has no {C.RESOURCE!r} (agent) values")

    # an open case accrues time in its last stage until the log ends
    _, starts, lengths, _, _ = case_bounds(marks["case"].to_numpy())
    last = marks[["case", "stage_context", "ts", "row"]].iloc[starts + lengths - 1]
    open_last = last[is_open[last["case"].to_numpy(dtype="int64")] & last["stage_context"].notna().to_numpy()]
    if len(open_last):
        add = pd.DataFrame({"case": open_last["case"].to_numpy(dtype="int64"),
                            "stage": open_last["stage_context"].to_numpy(dtype=object),
                            "ns": log_end - open_last["ts"].to_numpy(dtype="int64")})
        stage_long = (pd.concat([stage_long, add], ignore_index=True)
                      .groupby(["case", "stage"], sort=False, as_index=False)["ns"].sum())
    sla = pd.concat(sla_parts, ignore_index=True) if sla_parts else pd.DataFrame(
        columns=["case", "rule", "rule_index", "took_h", "within_h", "completed", "breached", "row"])
    stage_long = stage_long.assign(hours=stage_long["ns"].to_numpy(dtype="float64") / _HOUR_NS).drop(columns="ns")
    stage_rules = [(i, r) for i, r in enumerate(s.sla) if r["kind"] == "stage"]
    if stage_rules and cols["stage"] is not None:
        last_rows = pd.Series(last["row"].to_numpy(), index=last["case"].to_numpy())   # case order
        extra = []
        for i, r in stage_rules:
            sub = stage_long[stage_long["stage"] == r["stage"]]
            if sub.empty:
                continue
            within = r["within"].value / _HOUR_NS
            extra.append(pd.DataFrame({
                "case": sub["case"].to_numpy(dtype="int64"), "rule": r["label"], "rule_index": i,
                "took_h": sub["hours"].to_numpy(), "within_h": within, "completed": True,
                "breached": sub["hours"].to_numpy() > within,
                "row": _stage_breach_rows(marks, sub, r["stage"], last_rows)}))
        if extra:
            sla = pd.concat([f for f in [sla] + extra if len(f)], ignore_index=True)  # no empty object frame
    if s.sla:
        breaches = np.bincount(sla.loc[sla["breached"].astype(bool), "case"].to_numpy(dtype="int64"),
                               minlength=n_cases)
        out["sla_breaches"] = breaches.astype("float64")
        out["sla_breached"] = breaches > 0
    else:
        out["sla_breaches"] = f.copy()
        out["sla_breached"] = f.copy()
        na["sla_breaches"] = "no SLA given (sla: in the journey map)"
    if stage_rules and cols["stage"] is None:
        na["sla_stage_rules"] = "the log has no stage column: stage SLAs were not checked"

    out["fcr"] = f.copy()
    out["timer_h"] = pc["timer_ns"].to_numpy(dtype="float64") / _HOUR_NS
    out["csat"] = pc["csat"].to_numpy(dtype="float64")
    out["csat_answers"] = pc["csat_answers"].to_numpy(dtype="int64")
    if cols["csat"] is None:
        na["csat"] = "the log has no csat answers"
    if cols["stage"] is None:
        na["stage_time"] = "the log has no stage column (map the activities to stages, or pass a journey map)"

    _link(out, pc, s, na, contacts_known=contacts_known, has_team=has_team, has_customer=cols["cust"] is not None)
    labels = out[case_col].to_numpy(dtype=object)
    stage_times = pd.DataFrame({case_col: labels[stage_long["case"].to_numpy(dtype="int64")],
                                "stage": pd.Series(np.asarray(stage_long["stage"], dtype=object), dtype=str),
                                "hours": stage_long["hours"].to_numpy()})
    events = marks.drop(columns=["ts"]).assign(wait_h=marks["wait_ns"].to_numpy(dtype="float64") / _HOUR_NS)
    events = events.drop(columns=["wait_ns"])
    return CaseMeasures(cases=out, events=events, stage_times=stage_times, sla=sla, na=na, settings=s,
                        log_end=pd.Timestamp(log_end, unit="ns", tz="UTC"), open_window=window, keys=keys,
                        stage_case=stage_long["case"].to_numpy(dtype=np.int64), per_case=pc)


_NO_GOAL = ("no goal given: set goal: in the journey map or pass --goal (the report lists the most "
            "common last activities to choose from)")
_NO_CONTACTS = ("the log does not say which events are customer contacts: mark contact "
                "touchpoints in the journey map (contact: true) or pass contacts=")


def missing_customers_note(n):
    """The n/a note of recontact when ``n`` cases have no customer (their recontact is NaN)."""
    return f"{n} cases have no customer"


def _link(out, pc, s, na, *, contacts_known, has_team, has_customer):
    """The measures that link a case to the customer's other cases (recontact, and first-contact
    resolution, which needs it), set in ``out`` from the per-case counts ``pc`` (same rows)."""
    n_cases = len(out)
    start = pc["start_ns"].to_numpy(dtype="int64")
    end = pc["end_ns"].to_numpy(dtype="int64")
    for key in ("recontact", "recontact_partial", "fcr"):
        na.pop(key, None)
    # recontact: the same customer's next case starts within the window after this one ended
    recontact = np.full(n_cases, np.nan)
    if has_customer:
        cust = pd.Series(pc["customer"].to_numpy(dtype=object))
        known = cust.notna().to_numpy()
        idx = np.flatnonzero(known)
        if len(idx):
            k = pd.factorize(cust[known])[0]
            o = np.lexsort((idx, start[idx], k))
            k, st, en, ii = k[o], start[idx][o], end[idx][o], idx[o]
            same = np.zeros(len(ii), bool)
            same[:-1] = k[1:] == k[:-1]
            nxt = np.zeros(len(ii), dtype="int64")
            nxt[:-1] = st[1:]
            recontact[ii] = (same & ((nxt - en) <= s.repeat_window.value)).astype("float64")
        if not known.all():
            na["recontact_partial"] = missing_customers_note(int((~known).sum()))
    else:
        na["recontact"] = f"the log has no {C.CUSTOMER!r} column: a repeat contact in a new case cannot be seen"
    out["recontact"] = recontact

    no_team = f"the log has no {C.GROUP!r} (team) values"
    parts = [bool(s.goal), contacts_known, has_team, not np.isnan(recontact).all()]
    if all(parts):
        fcr = (goal_reached(pc) & (pc["contacts"].to_numpy(dtype="float64") == 1)
               & (pc["reopens"].to_numpy() == 0) & (pc["handoffs"].to_numpy(dtype="float64") == 0)
               & (recontact == 0)).astype("float64")
        fcr[np.isnan(recontact)] = np.nan
        out["fcr"] = fcr
    else:
        out["fcr"] = np.full(n_cases, np.nan)
        reasons = [r for ok, r in zip(parts, [_NO_GOAL, _NO_CONTACTS, no_team, na.get("recontact", "")]) if not ok]
        na["fcr"] = "; ".join(reasons)


def combine_case_measures(parts):
    """The measures of a whole log from the measures of its parts.

    Each part is a :class:`CaseMeasures` of a group of whole cases. The groups are disjoint and
    given in the log's case order. Each part must be measured with the whole log's ``log_end``,
    ``window`` and ``present`` (see :func:`case_measures`), and its ``row`` columns must already
    be positions in the whole log. Everything that is local to a case is then already right.
    This function only puts the case and event indices back in place and recomputes what links a
    case to the customer's other cases (recontact, and first-contact resolution, which needs
    it). A customer's cases may lie in different parts.

    Engines that measure a log too large for memory one group of cases at a time
    (:meth:`journeymining.engine.EngineLog.case_measures`) use this. The measures stay written
    once, here.

    Parameters
    ----------
    parts : list of CaseMeasures

    Returns
    -------
    CaseMeasures
    """
    if not parts:
        raise EventLogError("combine_case_measures: no parts to combine.")
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    s = first.settings
    sizes = np.array([len(p.cases) for p in parts], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    ev_offsets = np.concatenate([[0], np.cumsum([len(p.events) for p in parts])[:-1]])

    def shifted(frames, **cols):
        if not any(len(f) for f in frames):
            return frames[0]      # nothing in any part (e.g. no SLA rule entered): one empty frame
        out = []
        for i, frame in enumerate(frames):
            if not len(frame):
                continue
            frame = frame.copy()
            for col, off in cols.items():
                if col in frame.columns:
                    frame[col] = frame[col].to_numpy(dtype=np.int64) + off[i]
            out.append(frame)
        return _concat(out)

    cases = _concat([p.cases for p in parts])
    pc = shifted([p.per_case for p in parts], c=offsets)
    for col in ("last_reopen", "last_goal", "last_res"):  # event positions (NaN: none)
        pc[col] = pc[col].to_numpy(dtype="float64") + np.repeat(ev_offsets, sizes)
    tickets = [int(p.events["ticket"].max()) + 1 if len(p.events) else 0 for p in parts]
    events = shifted([p.events for p in parts], case=offsets, seq=ev_offsets,
                     ticket=np.concatenate([[0], np.cumsum(tickets)[:-1]]))
    sla = shifted([p.sla for p in parts], case=offsets)
    if len(sla):  # as one log gives them: rules A -> B first, then stage rules, each by case
        index = sla["rule_index"].to_numpy(dtype=np.int64)
        stage_rule = np.array([r["kind"] == "stage" for r in s.sla] or [False], dtype=bool)[index]
        sla = sla.iloc[np.lexsort((index, stage_rule))].reset_index(drop=True)
    stage_times = _concat([p.stage_times for p in parts if len(p.stage_times)] or [first.stage_times])
    stage_case = np.concatenate([p.stage_case + off for p, off in zip(parts, offsets)])
    na = {}
    for p in parts:
        for key, why in p.na.items():
            na.setdefault(key, why)
    # a part without any contact channel counts no switch; the whole log may have channels
    with_channels = [p for p in parts if "channel_switches" not in p.na]
    if with_channels and "contacts" not in na:
        na.pop("channel_switches", None)
        cases["channel_switches"] = pc["channel_switches"].to_numpy(dtype="float64")
    _link(cases, pc, s, na, contacts_known="contacts" not in na, has_team="handoffs" not in na,
          has_customer="recontact" not in first.na)
    return CaseMeasures(cases=cases, events=events, stage_times=stage_times, sla=sla, na=na, settings=s,
                        log_end=first.log_end, open_window=first.open_window, keys=first.keys,
                        stage_case=stage_case, per_case=pc)


def _concat(frames):
    """Row-wise concatenation that keeps categorical columns categorical (the categories of the
    parts in order of first appearance, text as :func:`~journeymining.measure.marks.categorical` makes)."""
    out = pd.concat(frames, ignore_index=True)
    for col in frames[0].columns:
        if len({str(f[col].dtype) for f in frames}) > 1 and out[col].dtype == object:
            # text in one part, all missing in another: infer as one frame would (str with NaN)
            out[col] = pd.DataFrame({col: out[col].to_numpy(dtype=object)})[col]
        values = [f[col].array for f in frames]
        if not all(isinstance(v, pd.Categorical) for v in values) or isinstance(out[col].dtype, pd.CategoricalDtype):
            continue
        names = pd.Index(list(dict.fromkeys(x for v in values for x in v.categories.tolist())), dtype=object)
        codes = np.concatenate([np.append(names.get_indexer(v.categories), -1)[v.codes] for v in values])
        out[col] = pd.Categorical.from_codes(codes, categories=names)
    return out


def _stage_breach_rows(marks, sub, stage, last_rows):
    """The event where a stage SLA breach shows: the case's last event in that stage context."""
    sel = (marks["stage_context"] == stage).to_numpy(dtype=bool)
    last_in = pd.Series(marks["row"].to_numpy()[sel]).groupby(marks["case"].to_numpy()[sel]).last()
    cases = sub["case"].to_numpy(dtype="int64")
    return last_in.reindex(cases).fillna(last_rows.reindex(cases)).to_numpy(dtype="int64")


def describe_window(m):
    """How the 'still open' window was chosen, in words."""
    given = m.settings.open_window is not None
    return (f"{format_duration(m.open_window)} ({'given' if given else '95th percentile of the gaps between consecutive events'})")

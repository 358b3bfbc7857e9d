"""Seeded synthetic support tickets with ground truth.

:func:`generate_tickets` samples customer-support journeys from the intended journey map
(:data:`JOURNEY_MAP`, in the YAML structure of ``docs/ARCHITECTURE.md``), plants deviations of
the eight kinds of the contract in a known share of the cases, and returns the same journeys in
every shape the package reads: the event log itself, a raw event-history export, a
ServiceNow-style audit table, a one-row-per-ticket table, plus the ground truth (persona,
goal reached, planted deviation kinds) to score discovery, clustering and conformance against.

How it works
------------
Each persona (:data:`PERSONAS`) is one path through the map: one alternative of every ``choice``
stage, with the optional touchpoints kept or left out and the repeatable ones done 1-3 times.
Every such *base variant* becomes a template: a list of steps (activity, team, channel and the
bounds of the time gap since the previous step). Deviations are planted in copies of the
templates, and every planted template is checked against the journey definitions
(``journeymining/measure/definitions.py``, restated on templates in
:func:`journeymining.synth.observe.observed_kinds`) -- for the SLAs with the bounds of the gaps,
so that every ticket drawn from the template breaches exactly the planted SLA and no other kind
(nor a reopen) shows up by accident. A channel switch is
a re-contact: the customer gets in touch again on another channel before the resolution. Drop-offs
are placed so that they fall silent well before the log's last event (otherwise they would be
"still open", not dropped). Tickets then draw a template, a start time, agents and gaps with
numpy, and the templates are "exploded" into events in one vectorised pass, which makes a
million tickets (about seven million events) a matter of seconds.

The pieces live in their own modules: the map and the personas in :mod:`journeymining.synth.journey`,
the observation of kinds on a template in :mod:`journeymining.synth.observe`, planting in
:mod:`journeymining.synth.plant`, the templates in :mod:`journeymining.synth.templates`, fast text and
time-zone helpers in :mod:`journeymining.synth.frames`, and writing the files in
:mod:`journeymining.synth.write`. This module holds :func:`generate_tickets` and what it returns.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from journeymining.core import columns as C
from journeymining.core.progress import step
from journeymining.core.errors import JourneyMiningError, preview
from journeymining.synth.frames import avoid_ambiguous, codes_to_text, format_times, make_ids, tz_grid
from journeymining.synth.journey import (
    BOT_STEPS,
    CUSTOMER_STEPS,
    ESCALATION,
    JOURNEY_MAP,
    MAP_INDEX,
    PERSONAS,
    RESOLUTION,
    STAFFED,
    STATUS,
    SURVEY,
)
from journeymining.synth.plant import KINDS
from journeymining.synth.templates import build_templates

__all__ = ["generate_tickets", "GeneratedTickets", "SHAPES", "default_customers"]

#: The frames :func:`generate_tickets` can build (``truth``/``deviations`` are always built).
SHAPES = ("log", "events", "updates", "wide")

_AGENTS = {"L1": 30, "L2": 10, "Billing": 6}  # agents per staffed team
_SWITCH_CHANNELS = ("phone", "e-mail", "chat", "social")
_PRIORITIES = ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low")
_PRIORITY_P = (0.05, 0.2, 0.5, 0.25)
_CSAT_OK = (0.03, 0.05, 0.12, 0.35, 0.45)      # P(csat = 1..5) of intended journeys
_CSAT_DEVIATING = (0.2, 0.25, 0.25, 0.2, 0.1)
_HOUR_WEIGHT = np.array([.5] * 7 + [2, 3] + [4] * 9 + [3, 2, 2, 1] + [1, .5], dtype=float)
_PAIR_SHARE = 0.2          # share of deviating cases that carry two kinds
_OPEN_MARGIN = 30 * 86400  # drop-offs end at least this long before the log's last event


@dataclass(frozen=True)
class GeneratedTickets:
    """What :func:`generate_tickets` returns: the same tickets in every shape, plus ground truth.

    Attributes
    ----------
    log : pandas.DataFrame or None
        The event log in the contract's form, sorted by case then time (None unless ``"log"`` is
        in ``shapes``).
    events : pandas.DataFrame or None
        Raw event-history export, one row per event in time order: ``ticket_id, customer_id,
        activity, timestamp`` (local wall-clock text in ``timezone``), ``channel, agent, team,
        csat``. The log's ``source_row`` is the row of this table.
    updates : pandas.DataFrame or None
        ServiceNow-style audit snapshots, one row per event holding the whole ticket state after
        it: ``number, sys_updated_on`` (UTC text), ``sys_updated_by, state, assignment_group,
        assigned_to, contact_type, priority, customer``.
    wide : pandas.DataFrame or None
        One row per ticket: ``ticket_id, customer_id, channel, created_at, first_response_at,
        escalated_at, resolved_at, closed_at, survey_at`` (ISO 8601 UTC text, empty where the
        ticket never got there), ``csat, team, agent``.
    truth : pandas.DataFrame
        One row per case: ``case, customer, persona, goal_reached``, one bool column per
        deviation kind, and ``repeat_of`` (the earlier ticket a repeat contact is about).
    deviations : pandas.DataFrame
        One row per planted deviation: ``case, kind, stage, touchpoint, detail``.
    journey_map : dict
        The intended map the tickets were sampled from (YAML structure of the contract).
    """

    log: pd.DataFrame | None = field(repr=False)
    events: pd.DataFrame | None = field(repr=False)
    updates: pd.DataFrame | None = field(repr=False)
    wide: pd.DataFrame | None = field(repr=False)
    truth: pd.DataFrame = field(repr=False)
    deviations: pd.DataFrame = field(repr=False)
    journey_map: dict = field(repr=False)

    def __repr__(self):
        built = [s for s in SHAPES if getattr(self, s) is not None]
        n_events = None if self.log is None else len(self.log)
        events = "not built" if n_events is None else f"{n_events:,}"
        return (f"GeneratedTickets(tickets={len(self.truth):,}, events={events}, "
                f"deviating={int(self.truth[list(KINDS)].any(axis=1).sum()):,}, shapes={built})")



# ================================================================================ the verb

def generate_tickets(n_tickets=2000, *, random_state=0, deviation_rate=0.3, customers=None,
                     start="2024-01-01", days=365, repeat_rate=0.1, survey_rate=0.4,
                     persona_weights=None, timezone="Europe/Amsterdam", shapes=None, first_ids=(1, 1),
                     id_widths=None):
    """Generate seeded support tickets with planted deviations and their ground truth.

    Tickets follow one of the personas of :data:`PERSONAS` through the intended map
    :data:`JOURNEY_MAP` ("self-service that works", "chat quick fix", "e-mail escalated to L2",
    "phone with call-back"); ``deviation_rate`` of them carry one or two planted deviations of the
    kinds of the contract (skipped touchpoint, unplanned step, out of order, rework, unplanned
    handoff, channel switch, SLA breach, drop-off). Every planted deviation is observable under
    the contract's definition, and no case shows a kind that was not planted. Some customers come
    back within days about the same problem (``repeat_rate``); a share of resolved tickets ends
    with a survey answer (CSAT 1-5, lower on deviating journeys).

    Parameters
    ----------
    n_tickets : int, default 2000
        Number of tickets (= cases).
    random_state : int, default 0
        Seed: the same seed gives identical frames.
    deviation_rate : float, default 0.3
        Share of cases with at least one planted deviation (rounded to whole cases); a deviating
        case carries one kind (80 %) or two.
    customers : int, optional
        Number of distinct customers, each with at least one ticket (default: about 0.75 per
        ticket that is not a repeat contact).
    start : str or timestamp, default "2024-01-01"
        First day (UTC) of the period over which tickets are opened.
    days : int, default 365
        Length of that period.
    repeat_rate : float, default 0.1
        Share of tickets that are repeat contacts: the customer of an earlier ticket comes back
        1 hour to 5 days after that ticket ended (``truth.repeat_of`` names it).
    survey_rate : float, default 0.4
        Share of resolved journeys that end with an answered survey.
    persona_weights : dict, optional
        Share of each persona (keys of :data:`PERSONAS`; default their ``weight``).
    timezone : str, default "Europe/Amsterdam"
        Zone of the wall-clock times of the ``events`` export. Tickets are nudged so that no
        event falls in a repeated (ambiguous) local hour, so the export reads back exactly.
    shapes : iterable of str, optional
        Which frames to build, among ``"log"``, ``"events"``, ``"updates"``, ``"wide"`` (default:
        all). The others are None; e.g. ``shapes=("log",)`` skips the text exports, which matters
        for a million tickets. ``truth``, ``deviations`` and ``journey_map`` are always built.
    first_ids : (int, int), default (1, 1)
        Number of the first ticket id (``T...``) and the first customer id (``C...``). A block of a
        larger set gets ids that no other block has (:func:`journeymining.synth.write_generated_stream`).
    id_widths : (int, int), optional
        Digits of ticket and customer ids (default: at least 7 and 6, more if the numbers need them).

    Returns
    -------
    GeneratedTickets
        ``log``, ``events``, ``updates``, ``wide``, ``truth``, ``deviations``, ``journey_map``.

    Raises
    ------
    JourneyMiningError
        A parameter is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> from journeymining.synth.generator import generate_tickets
    >>> gen = generate_tickets(500, random_state=7)
    >>> len(gen.truth), gen.truth["case"].is_unique
    (500, True)
    >>> gen.truth[["skipped_touchpoint", "unplanned_step", "out_of_order", "rework",
    ...            "unplanned_handoff", "channel_switch", "sla_breach", "drop_off"]].any(axis=1).mean()
    np.float64(0.3)
    >>> sorted(gen.truth["persona"].unique())
    ['chat_quick_fix', 'email_escalated', 'phone_callback', 'self_service']
    >>> list(gen.log.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['case:concept:name', 'concept:name', 'time:timestamp', 'org:resource', 'org:group', 'channel',
     'touchpoint', 'stage', 'actor', 'csat', 'case:customer', 'ticket', 'source_row']
    >>> first = gen.log[gen.log["case:concept:name"] == gen.log["case:concept:name"].iloc[0]]
    >>> str(first["time:timestamp"].dtype)
    'datetime64[ns, UTC]'
    """
    n, rate, n_cust, t0, span, shapes, weights = _check_params(
        n_tickets, deviation_rate, customers, start, days, repeat_rate, survey_rate, persona_weights,
        timezone, shapes)
    big = n >= 100_000
    rng = np.random.default_rng(random_state)
    if big:
        step(f"generating {n:,} tickets: building journey templates")
    tpl, bases, planted = build_templates(survey_rate, rng)
    names = list(PERSONAS)

    # ---------------------------------------------------------------- per ticket: which template
    persona = rng.choice(len(names), size=n, p=weights)
    base_of = np.empty(n, dtype=np.int64)
    for pi in range(len(names)):
        sel = np.flatnonzero(persona == pi)
        ids = [bi for bi, b in enumerate(bases) if b[0] == pi]
        p = np.array([bases[bi][1] for bi in ids])
        base_of[sel] = np.asarray(ids)[rng.choice(len(ids), size=len(sel), p=p / p.sum())]
    template = np.array([bases[bi][2] for bi in range(len(bases))])[base_of]
    n_dev = int(round(rate * n))
    deviating = np.zeros(n, dtype=bool)
    deviating[rng.choice(n, size=n_dev, replace=False)] = True
    two = rng.random(n) < _PAIR_SHARE
    for bi in range(len(bases)):
        for size in (1, 2):
            sel = np.flatnonzero(deviating & (base_of == bi) & (two == (size == 2)))
            combos = [c for c in planted[bi] if len(c) == size] or [c for c in planted[bi] if len(c) == 1]
            if not len(sel):
                continue
            counts = np.array([len(planted[bi][c]) for c in combos])
            flat = np.array([t for c in combos for t in planted[bi][c]])
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            ci = rng.integers(len(combos), size=len(sel))
            pick = (rng.random(len(sel)) * counts[ci]).astype(np.int64)
            template[sel] = flat[starts[ci] + pick]

    # ---------------------------------------------------------------- flat template tables
    acts = sorted({s[0] for st in tpl.steps for s in st}, key=lambda a: (a not in MAP_INDEX.tp, a))
    act_code = {a: i for i, a in enumerate(acts)}
    teams = ["Self-service", *STAFFED]
    team_code = {t: i for i, t in enumerate(teams)}
    channels = list(dict.fromkeys([PERSONAS[p]["channel"] for p in names] + list(_SWITCH_CHANNELS)))
    chan_code = {c: i for i, c in enumerate(channels)}
    t_len = np.array([len(s) for s in tpl.steps], dtype=np.int64)
    t_off = np.concatenate([[0], np.cumsum(t_len)[:-1]])
    flat_steps = [s for st in tpl.steps for s in st]
    f_act = np.array([act_code[s[0]] for s in flat_steps], dtype=np.int32)
    f_team = np.array([team_code[s[1]] for s in flat_steps], dtype=np.int32)
    f_chan = np.array([chan_code[s[2]] for s in flat_steps], dtype=np.int32)
    f_lo = np.array([s[3] for s in flat_steps], dtype=np.int64)
    f_hi = np.array([s[4] for s in flat_steps], dtype=np.int64)
    a_perf = np.array([0 if a in CUSTOMER_STEPS else 1 if a in BOT_STEPS else 2 for a in acts], dtype=np.int8)
    t_kinds = np.array([[k in ks for k in KINDS] for ks in tpl.kinds], dtype=bool)
    t_goal = np.array([any(s[0] in MAP_INDEX.goal for s in st) for st in tpl.steps])

    # ---------------------------------------------------------------- explode to events
    if big:
        step(f"exploding {n:,} tickets into events")
    lengths = t_len[template]
    n_events = int(lengths.sum())
    ev_ticket = np.repeat(np.arange(n), lengths)
    ev_start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    ev_flat = np.arange(n_events) - np.repeat(ev_start, lengths) + np.repeat(t_off[template], lengths)
    lo, hi = f_lo[ev_flat], f_hi[ev_flat]
    u = rng.random(n_events)
    gap = lo + (u * u * (hi - lo + 1)).astype(np.int64)
    cum = np.cumsum(gap)
    offset = cum - np.repeat(cum[ev_start] - gap[ev_start], lengths)   # seconds since ticket start
    duration = offset[ev_start + lengths - 1]
    del lo, hi, u, gap, cum

    # ---------------------------------------------------------------- customers and start times
    if big:
        step("placing tickets in time")
    n_rep = min(int(round(repeat_rate * n)), n - n_cust)
    order = rng.permutation(n)
    is_rep = np.zeros(n, dtype=bool)
    is_rep[order[:n_rep]] = True
    primary = np.flatnonzero(~is_rep)
    customer = np.empty(n, dtype=np.int64)
    cust_order = rng.permutation(len(primary))
    customer[primary[cust_order[:n_cust]]] = np.arange(n_cust)
    customer[primary[cust_order[n_cust:]]] = rng.integers(n_cust, size=len(primary) - n_cust)
    hour_p = _HOUR_WEIGHT / _HOUR_WEIGHT.sum()
    start = np.zeros(n, dtype=np.int64)
    start[primary] = (t0 + rng.integers(span // 86400, size=len(primary)) * 86400
                      + rng.choice(24, size=len(primary), p=hour_p) * 3600 + rng.integers(3600, size=len(primary)))
    parent = np.full(n, -1, dtype=np.int64)
    rep = np.flatnonzero(is_rep)
    parent[rep] = primary[rng.integers(len(primary), size=len(rep))]
    back_after = rng.integers(3600, 5 * 86400, size=len(rep))
    customer[rep] = customer[parent[rep]]
    tmax = t0 + span + 30 * 86400 + int(duration.max()) * 3 + 5 * 86400
    g0, tz_off, ambiguous = tz_grid(t0, tmax, timezone)
    start[primary] = avoid_ambiguous(start, primary, ev_start, lengths, offset, g0, ambiguous)

    def place_repeats():
        start[rep] = start[parent[rep]] + duration[parent[rep]] + back_after
        start[rep] = avoid_ambiguous(start, rep, ev_start, lengths, offset, g0, ambiguous)

    place_repeats()
    # a case without its goal that falls silent within the open window of the log's end is "still
    # open" (censored), not dropped: move such drop-offs (with the customer's repeat tickets) whole
    # weeks earlier, so that they end at least _OPEN_MARGIN before the last event of the log
    dropped = ~t_goal[template]
    week = 7 * 86400
    for _ in range(5):
        end = start + duration
        cutoff = int(end.max()) - _OPEN_MARGIN
        late = np.flatnonzero(dropped & (end > cutoff))
        if not len(late):
            break
        family = np.where(parent[late] >= 0, parent[late], late)
        need = np.zeros(n, dtype=np.int64)
        np.maximum.at(need, family, -(-(end[late] - cutoff) // week) * week)
        fam = np.flatnonzero(need)
        fam = fam[start[fam] - need[fam] >= t0]
        if not len(fam):
            break
        start[fam] -= need[fam]
        start[fam] = avoid_ambiguous(start, fam, ev_start, lengths, offset, g0, ambiguous)
        place_repeats()

    # ---------------------------------------------------------------- ticket ids in time order
    perm = np.lexsort((np.arange(n), start))
    rank = np.empty(n, dtype=np.int64)
    rank[perm] = np.arange(n)
    template, start, customer, persona = template[perm], start[perm], customer[perm], persona[perm]
    parent = np.where(parent[perm] >= 0, rank[np.maximum(parent[perm], 0)], -1)
    deviating = deviating[perm]
    lengths_new = lengths[perm]
    new_start = np.concatenate([[0], np.cumsum(lengths_new)[:-1]])
    gather = np.arange(n_events) - np.repeat(new_start, lengths_new) + np.repeat(ev_start[perm], lengths_new)
    ev_flat, offset = ev_flat[gather], offset[gather]
    del gather
    lengths, ev_start = lengths_new, new_start
    ev_ticket = np.repeat(np.arange(n), lengths)
    ev_time = start[ev_ticket] + offset                                    # UTC seconds
    del offset

    # ---------------------------------------------------------------- per ticket attributes
    t_first, c_first = (int(x) for x in first_ids)
    t_width, c_width = id_widths or (max(7, len(str(t_first + n - 1))), max(6, len(str(c_first + n_cust - 1))))
    ticket_ids = make_ids("T", np.arange(t_first, t_first + n), t_width)
    customer_ids = make_ids("C", np.arange(c_first, c_first + n_cust), c_width)
    agent_idx = np.stack([rng.integers(_AGENTS[t], size=n) for t in STAFFED], axis=1)
    csat_ticket = np.where(
        deviating,
        rng.choice(5, size=n, p=_CSAT_DEVIATING),
        rng.choice(5, size=n, p=_CSAT_OK)) + 1.0
    priority = rng.choice(len(_PRIORITIES), size=n, p=_PRIORITY_P)

    ev_act = f_act[ev_flat]
    ev_team = f_team[ev_flat]
    ev_chan = f_chan[ev_flat]
    ev_perf = a_perf[ev_act]
    resources = ["customer", "bot"] + [f"{t.lower()}.{k + 1:02d}" for t in STAFFED for k in range(_AGENTS[t])]
    staffed_off = np.array([0] + [2 + sum(_AGENTS[x] for x in STAFFED[:i]) for i in range(len(STAFFED))])
    # the agent of the event's team for this ticket (Self-service has the bot)
    team_agent = np.where(
        ev_team == 0, 1,
        staffed_off[ev_team] + agent_idx[ev_ticket, np.maximum(ev_team - 1, 0)])
    ev_res = np.where(ev_perf == 0, 0, np.where(ev_perf == 1, 1, team_agent))
    survey_code = act_code.get(SURVEY, -1)
    is_survey = ev_act == survey_code
    ev_csat = np.where(is_survey, csat_ticket[ev_ticket], np.nan)

    # ---------------------------------------------------------------- truth and deviations
    if big:
        step("writing ground truth")
    truth = pd.DataFrame({"case": codes_to_text(np.arange(n), ticket_ids),
                          "customer": codes_to_text(customer, customer_ids),
                          "persona": codes_to_text(persona, names),
                          "goal_reached": t_goal[template]})
    kinds = t_kinds[template]
    for j, k in enumerate(KINDS):
        truth[k] = kinds[:, j]
    truth["repeat_of"] = codes_to_text(np.where(parent >= 0, parent, n), np.append(ticket_ids, None))

    rec_list = sorted({r for recs in tpl.records for r in recs},
                      key=lambda r: tuple("" if x is None else x for x in r))
    rec_code = {r: i for i, r in enumerate(rec_list)}
    t_nrec = np.array([len(r) for r in tpl.records], dtype=np.int64)
    t_roff = np.concatenate([[0], np.cumsum(t_nrec)[:-1]])
    flat_rec = np.array([rec_code[r] for recs in tpl.records for r in recs] or [0], dtype=np.int64)
    d_n = t_nrec[template]
    d_ticket = np.repeat(np.arange(n), d_n)
    d_first = np.concatenate([[0], np.cumsum(d_n)[:-1]])
    d_rec = flat_rec[np.arange(len(d_ticket)) - np.repeat(d_first, d_n) + np.repeat(t_roff[template], d_n)] \
        if len(d_ticket) else np.zeros(0, dtype=np.int64)
    deviations = pd.DataFrame({
        "case": codes_to_text(d_ticket, ticket_ids),
        "kind": codes_to_text(d_rec, [r[0] for r in rec_list]),
        "stage": codes_to_text(d_rec, [r[1] for r in rec_list]),
        "touchpoint": codes_to_text(d_rec, [r[2] for r in rec_list]),
        "detail": codes_to_text(d_rec, [r[3] for r in rec_list]),
    })

    out = {s: None for s in SHAPES}
    # ---------------------------------------------------------------- log
    time_order = np.lexsort((np.arange(n_events), ev_time))            # the export's row order
    source_row = np.empty(n_events, dtype=np.int64)
    source_row[time_order] = np.arange(n_events)
    if "log" in shapes:
        if big:
            step(f"building the event log ({n_events:,} events)")
        tp_labels = [a if a in MAP_INDEX.tp else None for a in acts]
        log = pd.DataFrame({
            C.CASE: codes_to_text(ev_ticket, ticket_ids),
            C.ACTIVITY: codes_to_text(ev_act, acts),
            C.TIMESTAMP: pd.Series((ev_time * 10**9).view("M8[ns]")).dt.tz_localize("UTC"),
            C.RESOURCE: codes_to_text(ev_res, resources),
            C.GROUP: codes_to_text(ev_team, teams),
            C.CHANNEL: codes_to_text(ev_chan, channels),
            C.TOUCHPOINT: codes_to_text(ev_act, tp_labels),
            C.STAGE: codes_to_text(ev_act, [MAP_INDEX.stage(a) for a in acts]),
            C.ACTOR: codes_to_text(ev_act, [MAP_INDEX.actor(a) for a in acts]),
            C.CSAT: ev_csat,
            C.CUSTOMER: codes_to_text(customer[ev_ticket], customer_ids),
            C.TICKET: codes_to_text(ev_ticket, ticket_ids),
            C.SOURCE_ROW: source_row,
        })
        out["log"] = log
    if "events" in shapes or "updates" in shapes:
        o = time_order
        tk = ev_ticket[o]
    if "events" in shapes:
        if big:
            step("building the event-history export")
        grid_idx = (ev_time[o] - g0) // 900
        out["events"] = pd.DataFrame({
            "ticket_id": codes_to_text(tk, ticket_ids),
            "customer_id": codes_to_text(customer[tk], customer_ids),
            "activity": codes_to_text(ev_act[o], acts),
            "timestamp": format_times(ev_time[o] + tz_off[grid_idx]),
            "channel": codes_to_text(ev_chan[o], channels),
            "agent": codes_to_text(ev_res[o], resources),
            "team": codes_to_text(ev_team[o], teams),
            "csat": ev_csat[o],
        })
    if "updates" in shapes:
        if big:
            step("building the audit-snapshot export")
        out["updates"] = pd.DataFrame({
            "number": codes_to_text(tk, ticket_ids),
            "sys_updated_on": format_times(ev_time[o]),
            "sys_updated_by": codes_to_text(ev_res[o], resources),
            "state": codes_to_text(ev_act[o], [STATUS[a] for a in acts]),
            "assignment_group": codes_to_text(ev_team[o], teams),
            "assigned_to": codes_to_text(team_agent[o], resources),
            "contact_type": codes_to_text(ev_chan[o], channels),
            "priority": codes_to_text(priority[tk], _PRIORITIES),
            "customer": codes_to_text(customer[tk], customer_ids),
        })
    if "wide" in shapes:
        if big:
            step("building the one-row-per-ticket export")
        out["wide"] = _wide(n, ticket_ids, customer_ids, customer, ev_start, lengths, ev_time, ev_act, ev_perf,
                            ev_team, ev_chan, ev_res, acts, teams, channels, resources, csat_ticket, is_survey)
    if big:
        step("done")
    return GeneratedTickets(log=out["log"], events=out["events"], updates=out["updates"], wide=out["wide"],
                            truth=truth, deviations=deviations, journey_map=copy.deepcopy(JOURNEY_MAP))


def _wide(n, ticket_ids, customer_ids, customer, ev_start, lengths, ev_time, ev_act, ev_perf, ev_team, ev_chan,
          ev_res, acts, teams, channels, resources, csat_ticket, is_survey):
    big_t = np.iinfo(np.int64).max

    def first(mask):
        v = np.minimum.reduceat(np.where(mask, ev_time, big_t), ev_start)
        return v, v == big_t

    def last(mask):
        v = np.maximum.reduceat(np.where(mask, ev_time, -1), ev_start)
        return v, v == -1

    code = {a: i for i, a in enumerate(acts)}
    is_code = lambda names: np.isin(ev_act, [code[a] for a in names if a in code])  # noqa: E731
    cols = {
        "created_at": first(np.ones(len(ev_time), dtype=bool)),
        "first_response_at": first(ev_perf != 0),
        "escalated_at": first(is_code([ESCALATION])),
        "resolved_at": last(is_code(RESOLUTION)),
        "closed_at": last(is_code(MAP_INDEX.goal)),
        "survey_at": last(is_survey),
    }
    last_ev = ev_start + lengths - 1
    staff_idx = np.maximum.reduceat(np.where(ev_perf != 0, np.arange(len(ev_time)), -1), ev_start)
    surveyed = ~cols["survey_at"][1]
    frame = {
        "ticket_id": codes_to_text(np.arange(n), ticket_ids),
        "customer_id": codes_to_text(customer, customer_ids),
        "channel": codes_to_text(ev_chan[ev_start], channels),
    }
    for name, (v, missing) in cols.items():
        frame[name] = format_times(np.where(missing, 0, v), sep="T", suffix="Z", missing=missing)
    frame["csat"] = np.where(surveyed, csat_ticket, np.nan)
    frame["team"] = codes_to_text(ev_team[last_ev], teams)
    frame["agent"] = codes_to_text(np.where(staff_idx >= 0, ev_res[np.maximum(staff_idx, 0)], len(resources)),
                           resources + [None])
    return pd.DataFrame(frame)


def default_customers(n_tickets, repeat_rate=0.1):
    """The number of customers :func:`generate_tickets` makes when none is given: about 0.75 per
    ticket that is not a repeat contact."""
    return max(1, int(round(0.75 * (n_tickets - int(round(repeat_rate * n_tickets))))))


def _check_params(n_tickets, deviation_rate, customers, start, days, repeat_rate, survey_rate, persona_weights,
                  timezone, shapes):
    def bad(name, value, need):
        raise JourneyMiningError(f"generate_tickets: {name}={value!r} is not allowed; {need}.")

    if isinstance(n_tickets, bool) or not isinstance(n_tickets, (int, np.integer)) or n_tickets < 1:
        bad("n_tickets", n_tickets, "pass a whole number of tickets >= 1, e.g. n_tickets=2000")
    n = int(n_tickets)
    for name, value, upper in (("deviation_rate", deviation_rate, 1.0), ("survey_rate", survey_rate, 1.0),
                               ("repeat_rate", repeat_rate, 0.9)):
        if not isinstance(value, (int, float, np.floating)) or isinstance(value, bool) or not 0 <= value <= upper:
            bad(name, value, f"pass a share between 0 and {upper}")
    if customers is None:
        n_cust = default_customers(n, repeat_rate)
    else:
        if isinstance(customers, bool) or not isinstance(customers, (int, np.integer)) or not 1 <= customers <= n:
            bad("customers", customers, f"pass a number of customers between 1 and n_tickets ({n}); "
                                        "every customer has at least one ticket")
        n_cust = int(customers)
    try:
        ts = pd.Timestamp(start)
    except (ValueError, TypeError):
        ts = None
    if ts is None or ts is pd.NaT:
        bad("start", start, "pass a date such as '2024-01-01'")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 1:
        bad("days", days, "pass a whole number of days >= 1")
    try:
        pd.Timestamp("2024-01-01").tz_localize(timezone)
    except Exception:
        bad("timezone", timezone, "pass an IANA zone name such as 'Europe/Amsterdam' or 'UTC'")
    if shapes is None:
        shapes = SHAPES
    if isinstance(shapes, str):
        shapes = (shapes,)
    shapes = tuple(shapes)
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown:
        bad("shapes", shapes, f"choose among {list(SHAPES)} (unknown: {preview(unknown)})")
    names = list(PERSONAS)
    if persona_weights is None:
        w = np.array([PERSONAS[p]["weight"] for p in names], dtype=float)
    else:
        if not isinstance(persona_weights, dict):
            bad("persona_weights", persona_weights, f"pass a dict persona -> share with keys among {names}")
        unknown = [k for k in persona_weights if k not in PERSONAS]
        if unknown:
            bad("persona_weights", persona_weights, f"personas are {names} (unknown: {preview(unknown)})")
        w = np.array([float(persona_weights.get(p, 0.0)) for p in names])
        if (w < 0).any() or w.sum() <= 0:
            bad("persona_weights", persona_weights, "give non-negative shares with a positive sum")
    return n, float(deviation_rate), n_cust, int(ts.value // 10**9), int(days) * 86400, shapes, w / w.sum()

"""The per-event passes behind the journey definitions (:mod:`journeymining.measure.definitions`).

The events arrive in case order (cases by first appearance, events by time, ties in input order)
as integer-coded arrays; every definition is a lag, a forward fill or a count over them:
:func:`event_marks` (contacts, reopens, team changes and ping-pong, handovers, stage context,
waits), :func:`case_table` (the per-case counts and positions), :func:`stage_time` and
:func:`sla_rows`. Written with numpy because each is one pass over a sorted array: no sort, no
join, memory of a few arrays of the log's length.
"""

import numpy as np
import pandas as pd

_HOUR_NS = 3_600_000_000_000

__all__ = ["event_marks", "case_table", "stage_time", "sla_rows", "open_cases", "goal_reached",
           "label_codes", "categorical", "case_bounds"]


# ------------------------------------------------------------------------------------------
# The definitions over the events, in case order (cases by first appearance, events by time,
# ties in input order). Every array has one entry per event; ``c`` is the case code, which is
# non-decreasing, so "the previous event of the same case" is a shift with a mask at case starts.
# They are written with numpy because each one is a lag, a forward fill or a count over a sorted
# array: a single pass, no sort, no join, bounded memory (a few arrays of the log's length).
# ------------------------------------------------------------------------------------------
def case_bounds(c):
    n = len(c)
    first = np.ones(n, dtype=bool)
    first[1:] = c[1:] != c[:-1]
    starts = np.flatnonzero(first)
    lengths = np.diff(np.append(starts, n))
    return first, starts, lengths, np.repeat(starts, lengths), np.repeat(starts + lengths - 1, lengths)


def _lag(values, mask, c, fill=-1):
    """For the rows in ``mask``: the value of the previous row in ``mask`` of the same case."""
    out = np.full(len(c), fill, dtype=np.asarray(values).dtype if fill != fill else np.int64)
    idx = np.flatnonzero(mask)
    if len(idx) > 1:
        same = c[idx[1:]] == c[idx[:-1]]
        out[idx[1:][same]] = np.asarray(values)[idx[:-1]][same]
    return out


def _last_at_or_before(mask, case_start, strict=False):
    """Per row: the index of the latest row in ``mask`` at (or strictly before) it in its case; -1 if none."""
    n = len(mask)
    run = np.maximum.accumulate(np.where(mask, np.arange(n), -1))
    if strict:
        run = np.concatenate(([-1], run[:-1]))
    return np.where(run >= case_start, run, -1)


def _first_at_or_after(mask, case_end):
    """Per row: the index of the earliest row in ``mask`` at or after it in its case; -1 if none."""
    n = len(mask)
    run = np.minimum.accumulate(np.where(mask, np.arange(n), n)[::-1])[::-1]
    return np.where(run <= case_end, run, -1)


def _contacts(explicit, ticket_first, contact_ch, c):
    """Customer contacts: explicit contact events, plus each ticket's opening when it is not one;
    a contact after the case's first is a repeat contact, on another channel a channel switch."""
    contact = explicit | ticket_first
    idx = np.flatnonzero(contact)
    repeat = np.zeros(len(c), dtype=bool)
    if len(idx):
        later = np.ones(len(idx), dtype=bool)
        later[0] = False
        later[1:] = c[idx[1:]] == c[idx[:-1]]
        repeat[idx] = later
    prev_ch = _lag(contact_ch, contact, c)
    switch = contact & (prev_ch >= 0) & (contact_ch >= 0) & (prev_ch != contact_ch)
    return contact, repeat, np.where(contact, prev_ch, -1), switch


def _reopens(step, is_res, is_goal, is_closure, c):
    """Reopen: a resolution or work step whose last state-setting step (resolution, goal or work;
    closure-only steps set nothing) was a resolution or the goal."""
    setting = step & ~(is_closure & ~is_res & ~is_goal)
    cls = np.where(is_res, 2, np.where(is_goal, 1, 0))
    prev = _lag(cls, setting, c)
    return setting & (cls != 1) & (prev >= 1)


def _team_changes(team, tp_team, a, is_tp, c, case_start, case_end, hops, rets, n_acts):
    """Handoffs on the team sequence, planned or not by the map's team plan, and ping-pong.

    Planned and ping-pong are judged at the team changes only (a small share of the events)."""
    has = team >= 0
    prev_team = _lag(team, has, c)
    change = has & (prev_team >= 0) & (team != prev_team)
    anchor = has & is_tp
    at = np.flatnonzero(change)
    x = _last_at_or_before(anchor, case_start, strict=True)[at]
    y = _first_at_or_after(anchor, case_end)[at]
    ok = (x >= 0) & (y >= 0)
    xs, ys = np.maximum(x, 0), np.maximum(y, 0)
    ax, ay, tx, ty = a[xs], a[ys], team[xs], team[ys]
    hop_keys = set((hops["x"].to_numpy() * n_acts + hops["y"].to_numpy()).tolist())
    planned = (ok & (tx == tp_team[xs]) & (tx == prev_team[at]) & (ty == tp_team[ys])
               & (ty == team[at]) & np.isin(ax * n_acts + ay, list(hop_keys)))
    c_at, every = c[at], np.ones(len(at), dtype=bool)

    def previous(values):
        """At each team change: the value at the case's previous team change (-1 if none)."""
        return _lag(values, every, c_at)

    before, prev_planned = previous(prev_team[at]), previous(planned.astype(np.int64))
    x_act, y_act = np.where(ok, ax, -1), np.where(ok, ay, -1)
    prev_x, prev_y = previous(x_act), previous(y_act)
    ret_keys = set(((rets["x"].to_numpy() * n_acts + rets["y"].to_numpy()) * n_acts + rets["z"].to_numpy()).tolist())
    triple = (prev_x * n_acts + prev_y) * n_acts + y_act
    planned_trip = planned & (prev_planned == 1) & (prev_x >= 0) & np.isin(triple, list(ret_keys))
    planned_full = np.zeros(len(c), dtype=bool)
    planned_full[at] = planned
    ping = np.zeros(len(c), dtype=bool)
    ping[at] = (before >= 0) & (before == team[at]) & ~planned_trip
    return change, np.where(change, prev_team, -1), np.where(change, team, -1), planned_full, ping


def _handovers(res, cust, non_agent, c):
    """Handover of work: consecutive events done by agents (not the customer, not non-agents)."""
    agent = (res >= 0) & ~non_agent[np.maximum(res, 0)] & ((cust < 0) | (res != cust))
    prev = _lag(res, agent, c)
    return agent & (prev >= 0) & (prev != res)


def event_marks(ev, acts, hops, rets, non_agents):
    """Per event (case order): every event-level mark the definitions need (see the module docstring)."""
    ev = {k: np.asarray(v) for k, v in ev.items()}
    c = ev["c"]
    n = len(c)
    a = ev["a"]
    ts = ev["ts"]
    first, starts, lengths, case_start, case_end = case_bounds(c)
    flag = {k: acts[k].to_numpy(dtype=bool)[a] for k in ("is_goal", "is_res", "is_closure", "is_contact", "is_auto", "is_tp")}
    step = ev["step"].astype(bool)
    team, res, cust, stage = (np.asarray(ev[k], dtype=np.int64) for k in ("team", "res", "cust", "stage"))
    ticket = np.asarray(ev["ticket"], dtype=np.int64)
    tp_team = acts["tp_team"].to_numpy(dtype=np.int64)[a]
    contact_ch = np.where(ev["ch"] >= 0, ev["ch"], acts["tp_ch"].to_numpy(dtype=np.int64)[a])
    wait = np.empty(n, dtype="float64")
    wait[1:] = (ts[1:] - ts[:-1]).astype("float64")
    wait[first] = np.nan
    pos = np.arange(n) - case_start
    if n and bool(np.all((ticket[1:] == ticket[:-1]) | first[1:])):
        ticket_first = first.copy()           # one ticket per case (cases are tickets): its first event
    else:
        ticket_first = np.zeros(n, dtype=bool)
        if n:
            _, at = np.unique(c.astype(np.int64) * (int(ticket.max()) + 2) + ticket + 1, return_index=True)
            ticket_first[at] = True
    stage_at = _last_at_or_before(stage >= 0, case_start)
    stage_context = np.where(stage_at >= 0, stage[np.maximum(stage_at, 0)], -1)
    explicit = (flag["is_contact"] | ev["contact_col"].astype(bool)) & step
    contact, repeat, prev_ch, switch = _contacts(explicit, ticket_first, contact_ch, c)
    reopen = _reopens(step, flag["is_res"], flag["is_goal"], flag["is_closure"], c)
    change, from_team, to_team, planned, ping = _team_changes(
        team, tp_team, a, flag["is_tp"], c, case_start, case_end, hops, rets, len(acts))
    non_agent = np.zeros(int(max(res.max(initial=-1), cust.max(initial=-1))) + 2, dtype=bool)
    non_agent[non_agents["r"].to_numpy(dtype=np.int64)] = True
    handover = _handovers(res, cust, non_agent, c)
    return pd.DataFrame({
        "seq": ev["seq"], "row": ev["row"], "case": c, "pos": pos, "ts": ts, "step": step,
        "timer": flag["is_auto"], "stage_context": stage_context, "stage": stage, "wait_ns": wait,
        "csat": ev["csat"], "goal_event": flag["is_goal"] & step, "res_event": flag["is_res"] & step,
        "ticket": ticket, "ticket_first": ticket_first, "cust": cust, "res": res, "is_auto": flag["is_auto"],
        "contact": contact, "contact_channel": np.where(contact, contact_ch, -1), "prev_contact_channel": prev_ch,
        "act": a, "repeat_contact": repeat, "channel_switch": switch, "reopen": reopen, "handoff": change,
        "from_team": from_team, "to_team": to_team,
        "handoff_planned": np.where(change, planned.astype("float64"), np.nan), "ping_pong": ping,
        "handover": handover}, copy=False)   # fresh arrays: not copied into consolidated blocks (2 s at 7 M events)


def case_table(marks):
    """Per case (by code): the counts and positions the case-level definitions read."""
    c = marks["case"].to_numpy()
    first, starts, lengths, _, _ = case_bounds(c)
    k = len(starts)
    ts = marks["ts"].to_numpy()
    seq = marks["seq"].to_numpy()

    def count(col):
        return np.bincount(c, weights=marks[col].to_numpy(dtype="float64"), minlength=k).astype(np.int64)

    def last(mask):
        out = np.full(k, -1, dtype=np.int64)
        np.maximum.at(out, c[mask], seq[mask])
        return np.where(out >= 0, out, np.nan)

    cust = marks["cust"].to_numpy()
    has = cust >= 0
    customer = np.full(k, -1, dtype=np.int64)
    idx = np.flatnonzero(has)[::-1]
    customer[c[idx]] = cust[idx]       # the first known customer of the case wins
    res_mask = marks["res_event"].to_numpy(dtype=bool)
    last_res = last(res_mask)
    last_res_ts = np.where(np.isnan(last_res), np.nan, ts[np.nan_to_num(last_res).astype(np.int64)])
    csat = marks["csat"].to_numpy()
    answered = ~np.isnan(csat)
    n_ans = np.bincount(c[answered], minlength=k)
    total = np.bincount(c[answered], weights=csat[answered], minlength=k)
    wait = marks["wait_ns"].to_numpy()
    timer = marks["timer"].to_numpy(dtype=bool) & ~np.isnan(wait)
    handoff = marks["handoff"].to_numpy(dtype=bool)
    planned = np.nan_to_num(marks["handoff_planned"].to_numpy(), nan=0.0).astype(bool)
    return pd.DataFrame({
        "c": np.arange(k), "start_ns": ts[starts], "end_ns": ts[starts + lengths - 1], "events": lengths,
        "tickets": count("ticket_first"), "customer": customer,
        "contacts": count("contact"), "repeat_contacts": count("repeat_contact"),
        "channel_switches": count("channel_switch"), "reopens": count("reopen"),
        "last_reopen": last(marks["reopen"].to_numpy(dtype=bool)),
        "last_goal": last(marks["goal_event"].to_numpy(dtype=bool)),
        "last_res": last_res, "last_res_ts": last_res_ts,
        "handoffs": count("handoff"),
        "unplanned_handoffs": np.bincount(c[handoff & ~planned], minlength=k),
        "ping_pongs": count("ping_pong"), "handovers": count("handover"),
        "timer_ns": np.bincount(c[timer], weights=wait[timer], minlength=k),
        "csat": np.where(n_ans > 0, total / np.maximum(n_ans, 1), np.nan), "csat_answers": n_ans})


def stage_time(marks):
    """Time in stage (closed intervals): the interval to the next event belongs to the earlier
    event's stage context, unless the next event is automatic (then it is timer time)."""
    c = marks["case"].to_numpy()
    ts = marks["ts"].to_numpy()
    ctx = marks["stage_context"].to_numpy(dtype=np.int64)
    n = len(c)
    has_next = np.zeros(n, dtype=bool)
    has_next[:-1] = c[1:] == c[:-1]
    nxt = np.zeros(n, dtype=np.int64)
    nxt[:-1] = ts[1:]
    auto_next = np.zeros(n, dtype=bool)
    auto_next[:-1] = marks["is_auto"].to_numpy(dtype=bool)[1:]
    dur = np.where(has_next & ~auto_next, nxt - ts, 0)
    sel = ctx >= 0
    k = int(ctx.max(initial=-1)) + 1
    key = c[sel].astype(np.int64) * max(k, 1) + ctx[sel]
    uniq, first_at, inverse = np.unique(key, return_index=True, return_inverse=True)
    sums = np.bincount(np.asarray(inverse).reshape(-1), weights=dur[sel].astype("float64"), minlength=len(uniq))
    order = np.argsort(first_at, kind="stable")     # by case, then first visit
    return pd.DataFrame({"case": (uniq // max(k, 1))[order], "stage": (uniq % max(k, 1))[order],
                         "ns": sums[order]})


def label_codes(frame, **labels):
    """Integer code columns (-1 = missing) as categoricals of their labels (no per-row strings)."""
    for col, names in labels.items():
        frame[col] = categorical(frame[col].to_numpy(dtype=np.int64), names)
    return frame


def categorical(codes, names):
    """Codes (-1 = missing) as a categorical of the texts of ``names`` (an object Index of texts is used as is)."""
    if not (isinstance(names, pd.Index) and names.dtype == object):
        names = pd.Index([str(x) for x in names], dtype=object)
    if names.has_duplicates:   # the same text coded twice (mixed types): label through the text
        return pd.Categorical(np.where(codes >= 0, names.to_numpy()[np.maximum(codes, 0)], None))
    return pd.Categorical.from_codes(codes, categories=names)


def sla_rows(marks, s, per_case, log_end, window, index):
    """One row per (case, rule ``A -> B``) the case entered: from the first A to the first B at or
    after it; with no B, to the case end (to the log end for a case still open)."""
    rows = []
    c = marks["case"].to_numpy()
    a = marks["act"].to_numpy()
    ts = marks["ts"].to_numpy()
    step = marks["step"].to_numpy(dtype=bool)
    rowid = marks["row"].to_numpy()
    first, starts, lengths, _, _ = case_bounds(c)
    last_row = rowid[starts + lengths - 1]
    case_end = ts[starts + lengths - 1]
    open_case = None
    for i, rule in enumerate(s.sla):
        if rule["kind"] != "between" or rule["from"] not in index:
            continue
        within = int(rule["within"].value)
        frm = np.flatnonzero(step & (a == index[rule["from"]]))
        if not len(frm):
            continue
        fc = c[frm]
        keep = np.ones(len(frm), dtype=bool)
        keep[1:] = fc[1:] != fc[:-1]
        cases, t0 = fc[keep], ts[frm[keep]]
        start_of = np.full(len(starts), np.iinfo(np.int64).max)
        start_of[cases] = t0
        to = np.flatnonzero(step & (a == index.get(rule["to"], -2)) & (ts >= start_of[c]))
        t1 = np.full(len(starts), -1, dtype=np.int64)
        end_row = last_row.copy()
        if len(to):
            tc = c[to]
            k2 = np.ones(len(to), dtype=bool)
            k2[1:] = tc[1:] != tc[:-1]
            t1[tc[k2]] = ts[to[k2]]
            end_row[tc[k2]] = rowid[to[k2]]
        if open_case is None:
            open_case = open_cases(per_case, log_end, window, s)
        completed = t1[cases] >= 0
        end = np.where(completed, t1[cases], np.where(open_case[cases], log_end, case_end[cases]))
        took = end - t0
        rows.append(pd.DataFrame({"case": cases.astype("int64"), "rule": rule["label"], "rule_index": i,
                                  "took_h": took / _HOUR_NS, "within_h": within / _HOUR_NS, "completed": completed,
                                  "breached": took > within, "row": end_row[cases].astype("int64")}))
    return rows


def open_cases(per_case, log_end, window, s):
    """Per case (by index): not at the goal and silent for at most ``window`` before the log end."""
    if not s.goal:
        return np.zeros(len(per_case), dtype=bool)
    goal = goal_reached(per_case)
    return ~goal & ((log_end - per_case["end_ns"].to_numpy(dtype="int64")) <= window.value)


def goal_reached(per_case):
    last_goal = per_case["last_goal"].to_numpy(dtype="float64")
    last_reopen = per_case["last_reopen"].to_numpy(dtype="float64")
    return ~np.isnan(last_goal) & (np.isnan(last_reopen) | (last_goal >= last_reopen))

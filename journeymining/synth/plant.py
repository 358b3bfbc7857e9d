"""Planting deviations of the eight kinds of the contract in copies of journey templates.

:func:`plant` changes one template (a list of steps ``(activity, team, channel, gap_lo,
gap_hi)``) so that it shows one more deviation of a given kind -- a step left out, inserted,
swapped, redone or handed to another team, a re-contact on another channel, a wait that breaks an
SLA, or an early end -- and returns the new steps with a record ``(kind, stage, touchpoint,
detail)`` for the ground truth. Candidates are chosen so that no other kind appears by accident;
the caller checks the result with :func:`journeymining.synth.observe.observed_kinds`.
"""

from __future__ import annotations

from journeymining.core import columns as C
from journeymining.synth.journey import (
    BOT_STEPS,
    CUSTOMER_STEPS,
    MAP_INDEX,
    STAFFED,
    UNPLANNED_ACTIVITIES,
)
from journeymining.synth.observe import has_reopen, observed_kinds

__all__ = ["KINDS", "plant"]

#: The deviation kinds of the contract, in the order of the truth columns.
KINDS = ("skipped_touchpoint", "unplanned_step", "out_of_order", "rework", "unplanned_handoff",
         "channel_switch", "sla_breach", "drop_off")

_UNPLANNED_GAP = (60, 1800)


def _dev(kind, activity, detail, m=MAP_INDEX):
    return (kind, m.stage(activity), activity, detail)


def plant(kind, steps, rng, m=MAP_INDEX):
    """Plant one deviation of ``kind`` in a copy of ``steps``; ``(steps, record)`` or None."""
    n = len(steps)
    acts = [s[0] for s in steps]
    groups = [s[1] for s in steps]

    def pick(cands):
        return None if not cands else cands[int(rng.integers(len(cands)))]

    if kind == "skipped_touchpoint":
        cands = []
        for i in range(1, n - 1):
            a = acts[i]
            t = m.tp.get(a)
            if (t is None or t["optional"] or a in m.goal or a in m.sla_endpoints
                    or not (groups[i - 1] == groups[i] == groups[i + 1])):
                continue
            if t["choice"] and not any(b in acts and b != a for b in m.branch_members[t["branch"]]):
                continue
            cands.append(i)
        i = pick(cands)
        if i is None:
            return None
        return steps[:i] + steps[i + 1:], _dev(kind, acts[i], f"'{acts[i]}' left out")
    if kind == "out_of_order":
        cands = [i for i in range(1, n - 1)
                 if acts[i] in m.tp and acts[i + 1] in m.tp and groups[i] == groups[i + 1]
                 and not any(m.tp[x]["optional"] or m.tp[x]["repeatable"] for x in acts[i:i + 2])
                 and m.precedes(acts[i], acts[i + 1])
                 and not has_reopen(acts[:i] + [acts[i + 1], acts[i]] + acts[i + 2:], m)]
        i = pick(cands)
        if i is None:
            return None
        a, b = steps[i], steps[i + 1]
        new = list(steps)
        new[i] = (b[0],) + a[1:]
        new[i + 1] = (a[0],) + b[1:]
        return new, _dev(kind, b[0], f"'{b[0]}' before '{a[0]}'")
    if kind == "rework":
        cands = [i for i in range(n) if acts[i] in m.tp and not m.tp[acts[i]]["repeatable"]
                 and acts[i] not in m.contacts and acts[i] not in m.resolution
                 and not has_reopen(acts[:i + 1] + acts[i:], m)]
        i = pick(cands)
        if i is None:
            return None
        a, g, ch, lo, hi = steps[i]
        return steps[:i + 1] + [(a, g, ch, lo, hi)] + steps[i + 1:], _dev(kind, a, f"'{a}' done again")
    if kind == "unplanned_step":
        res_at = min((j for j, a in enumerate(acts) if a in m.resolution), default=n)
        cands = [i for i in range(min(n - 1, res_at)) if groups[i] == groups[i + 1]]
        i = pick(cands)
        if i is None:
            return None
        new_act = UNPLANNED_ACTIVITIES[int(rng.integers(len(UNPLANNED_ACTIVITIES)))]
        ins = (new_act, groups[i], steps[i][2]) + _UNPLANNED_GAP
        rec = (kind, m.stage(acts[i]), new_act, f"'{new_act}' (not in the map) after '{acts[i]}'")
        return steps[:i + 1] + [ins] + steps[i + 1:], rec
    if kind == "unplanned_handoff":
        cands = [i for i in range(1, n)
                 if acts[i] in m.tp and m.tp[acts[i]]["actor"] == C.BACKSTAGE
                 and acts[i] not in CUSTOMER_STEPS | BOT_STEPS
                 and groups[i - 1] == groups[i] == m.tp[acts[i]]["team"]
                 and (acts[i - 1] not in m.tp or m.tp[acts[i - 1]]["team"] == groups[i])]
        i = pick(cands)
        if i is None:
            return None
        others = [t for t in STAFFED if t != groups[i]]
        team = others[int(rng.integers(len(others)))]
        new = list(steps)
        new[i] = (acts[i], team) + steps[i][2:]
        return new, _dev(kind, acts[i], f"'{acts[i]}' handled by {team} instead of {groups[i]}")
    if kind == "channel_switch":
        cands = _recontact_candidates(tuple(steps), m)
        c = pick(cands)
        if c is None:
            return None
        k, ins, old = c
        return (steps[:k] + [ins] + steps[k:],
                _dev(kind, ins[0], f"{old} -> {ins[2]}: the customer comes back by '{ins[0]}'"))
    if kind == "sla_breach":
        options = []
        first = {}
        for i, a in enumerate(acts):
            first.setdefault(a, i)
        for frm, to, stage, within in m.sla:
            if stage is None and frm in first and to in first and first[to] > first[frm]:
                label = f"{frm} -> {to} within {_fmt(within)}"
                options += [(k, within, label) for k in range(first[frm] + 1, first[to] + 1)]
            elif stage is not None:
                context, last = [], None
                for a in acts:
                    last = m.stage(a) or last
                    context.append(last)
                label = f"stage {stage} within {_fmt(within)}"
                options += [(k, within, label) for k in range(1, n) if context[k - 1] == stage]
        choice = pick(options)
        if choice is None:
            return None
        k, within, label = choice
        lo = within + 3600
        new = list(steps)
        new[k] = steps[k][:3] + (lo, lo + max(within, 86400))
        return new, _dev(kind, acts[k], f"wait before '{acts[k]}' breaks SLA {label}")
    if kind == "drop_off":
        goal_at = min((i for i, a in enumerate(acts) if a in m.goal), default=n)
        cands = list(range(2, goal_at))
        c = pick(cands)
        if c is None:
            return None
        return steps[:c], _dev(kind, acts[c - 1], f"ends after '{acts[c - 1]}', goal not reached")
    raise AssertionError(kind)


_RECONTACT_GAP = (60, 900)
_RECONTACT_CACHE = {}


def _recontact_candidates(steps, m=MAP_INDEX):
    """Re-contacts that plant exactly one channel switch in ``steps`` (a tuple of steps).

    A contact touchpoint of another channel than the previous contact, by the customer, inserted
    after the first step and before the first resolution, in the team of the step before it; kept
    when the template then shows exactly its former kinds plus ``channel_switch`` (the inserted
    contact may be the ``from`` of an SLA rule that then runs to the case end, or sit beside a
    team change: those are refused). Deterministic, so cached per template.
    """
    key = (id(m), steps)
    if key in _RECONTACT_CACHE:
        return _RECONTACT_CACHE[key]
    steps = list(steps)
    acts = [s[0] for s in steps]
    n = len(steps)
    before_c, before_p = observed_kinds(steps, m)
    want = (before_c | {"channel_switch"}, before_p | {"channel_switch"})
    res_at = min((j for j, a in enumerate(acts) if a in m.resolution), default=n)
    out = []
    for k in range(1, res_at + 1):
        prev = [steps[i][2] for i in range(k) if i == 0 or acts[i] in m.contacts][-1]
        for a in sorted(m.contacts):
            ch = m.tp[a]["channel"]
            if ch == prev:
                continue
            ins = (a, steps[k - 1][1], ch) + _RECONTACT_GAP
            if observed_kinds(steps[:k] + [ins] + steps[k:], m) == want:
                out.append((k, ins, prev))
    _RECONTACT_CACHE[key] = out
    return out


def _fmt(seconds):
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"

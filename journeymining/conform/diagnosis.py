"""The per-variant structural diagnosis: which steps of a path break the journey map, and how.

:class:`MapInfo` caches the lookups on the map (order, choices, repeatable touchpoints, contacts,
resolution and closure steps); :func:`diagnose` finds the structural kinds of one variant
(skipped touchpoint, unplanned step, out of order, rework) from its sequence of steps alone, with
the moved-steps reading of "out of order" (the fewest steps whose move explains every order
conflict). It runs once per path variant; the comparison copies the result to the cases.
"""

from __future__ import annotations

from collections import Counter

__all__ = ["MapInfo", "diagnose"]


class MapInfo:
    """Cached lookups on the map used by the per-variant diagnosis."""

    def __init__(self, jm, settings=None):
        self.jm = jm
        self.resolution = set(settings.resolution or ()) if settings is not None else set(jm.resolution)
        self.closure = (set(settings.closure) if settings is not None else set(jm.closure)) | set(jm.goal)
        self.known = set(jm.activities)
        self.order = {a: i for i, a in enumerate(jm.activities)}
        self.repeatable = {a for a in jm.activities if jm.is_repeatable(a)}
        self.goal = set(jm.goal)
        self.contacts = set(jm.contacts)
        self._prec = {}
        self._excl = {}

    def precede(self, a, b):
        key = (a, b)
        if key not in self._prec:
            self._prec[key] = a != b and self.jm.must_precede(a, b)
        return self._prec[key]

    def exclusive(self, a, b):
        key = (a, b)
        if key not in self._excl:
            self._excl[key] = a != b and self.jm.exclusive(a, b)
        return self._excl[key]

    def stage(self, a):
        return self.jm.stage_of(a)


def _context_stages(trace, info):
    """Stage of each position: the touchpoint's stage, else the last stage seen (else the first)."""
    out = []
    last = None
    for a in trace:
        s = info.stage(a)
        if s is not None:
            last = s
        out.append(s if s is not None else last)
    first = next((s for s in out if s is not None), info.jm.stage_names[0])
    return [s if s is not None else first for s in out]


def _order_detail(trace, i, info):
    a = trace[i]
    for b in trace[:i]:
        if b in info.known and info.precede(a, b):
            return f"{a} after {b}; the map has {a} first"
    for b in trace[i + 1:]:
        if b in info.known and info.precede(b, a):
            return f"{a} before {b}; the map has {b} first"
    for b in trace:
        if b in info.known and info.exclusive(a, b):
            return f"{a} and {b} are alternatives; the case has both"
    return f"{a} where the map does not allow it"


def _first_occurrences(trace, info, judged):
    firsts, done = [], set()
    for i in judged:
        a = trace[i]
        if a in info.known and a not in done:
            firsts.append((i, a))
            done.add(a)
    return firsts


def _moved_steps(firsts, info):
    """The fewest steps whose move explains every order conflict among the first occurrences.

    Two first occurrences conflict when the map wants the later one first (or they are
    alternatives of one choice). Greedy vertex cover of the conflict graph: repeatedly the step in
    the most conflicts is reported as moved (ties: the later one), so one step that jumped over two
    others is reported once, at the step that moved. Written by hand: the conflict graphs are a
    handful of touchpoints per variant, and no library offers this reading of "out of order".
    """
    conflicts = set()
    for j, (pj, b) in enumerate(firsts):
        for k in range(j):
            pa, a = firsts[k]
            if info.precede(b, a) or info.exclusive(b, a):
                conflicts.add((k, j))
    moved = []
    while conflicts:
        count = Counter(x for pair in conflicts for x in pair)
        worst = max(count, key=lambda x: (count[x], x))
        moved.append(firsts[worst])
        conflicts = {pair for pair in conflicts if worst not in pair}
    return sorted(moved)


def diagnose(trace, info):
    """Structural deviations of one variant: list of (kind, touchpoint, stage, detail, position).

    The kinds follow the observable definitions of ``docs/ARCHITECTURE.md`` on the map's
    structure: out of order = the fewest moved steps that explain every pair of first occurrences
    in an order the map forbids (or two alternatives of one choice); skipped = a part of the
    case's path through the map (a touchpoint, or a whole choice such as the contact stage) that is
    absent while a touchpoint the map puts after it is present. Contact touchpoints after the
    case's first contact are re-contacts (repeat contact / channel switch, from the definitions)
    and are not judged for order, rework or skips. Drop-off, reopen and the attribute kinds come
    from :mod:`journeymining.measure.definitions`.
    """
    devs = []
    stages = _context_stages(trace, info)
    # a contact touchpoint is the journey's opening only as the case's first event; later ones
    # are the customer getting in touch again
    judged = [i for i, a in enumerate(trace) if not (a in info.contacts and i > 0)]
    seen = Counter()
    resolved = False   # the last state-setting step was a resolution or the goal
    for i in judged:
        a = trace[i]
        is_res, is_goal = a in info.resolution, a in info.goal
        if not (a in info.closure and not is_res and not is_goal):   # closure-only steps set nothing
            if resolved and (is_res or not is_goal):
                seen = Counter()   # a reopen starts a new cycle: resolving and closing again is no rework
            resolved = is_res or is_goal
        seen[a] += 1
        if a not in info.known:
            prev = next((b for b in reversed(trace[:i]) if b in info.known), None)
            where = f" after {prev}" if prev else " before any touchpoint"
            devs.append(("unplanned_step", a, stages[i], f"{a} is not in the map{where}", i))
        elif seen[a] > 1 and a not in info.repeatable:
            devs.append(("rework", a, stages[i], f"{a} again (occurrence {seen[a]})", i))
    present = {trace[i] for i in judged}
    for pj, b in _moved_steps(_first_occurrences(trace, info, judged), info):
        devs.append(("out_of_order", b, stages[pj], _order_detail(trace, pj, info), pj))
    for label, stage, acts in info.jm.missing_parts(present):
        later = next((a for a in trace if a in info.known and any(info.precede(m, a) for m in acts)), None)
        if later is None:
            continue  # nothing the map puts after it happened: the case ended before it
        what = f"{label} skipped" if len(acts) == 1 else f"{label} missing"
        devs.append(("skipped_touchpoint", label, stage, f"{what} ({later} happened without it)", -1))
    return devs

"""The generator's own observation of deviation kinds on a template.

A template is a list of steps ``(activity, team, channel, gap_lo, gap_hi)``. :func:`observed_kinds`
restates the journey definitions of ``journeymining/measure/definitions.py`` on such a template,
independently of that module, so that every planted template can be checked to show exactly the
planted kinds (for SLAs with the bounds of the gaps) and nothing else, reopens included.
"""

from __future__ import annotations

import numpy as np

from journeymining.synth.journey import MAP_INDEX

__all__ = ["has_reopen", "observed_kinds"]


def _recontacts(acts, m=MAP_INDEX):
    """Per step: a re-contact, i.e. a contact touchpoint after the case's first contact (step 0)."""
    return [i > 0 and a in m.contacts for i, a in enumerate(acts)]


def has_reopen(acts, m=MAP_INDEX):
    """A step other than a closure step whose last non-closure step before it is a resolution."""
    work = [a for a in acts if not (a in m.closure and a not in m.resolution)]
    return any(a in m.resolution for a in work[:-1])


def observed_kinds(steps, m=MAP_INDEX):
    """Deviation kinds a template shows: ``(certain, possible)`` sets.

    ``steps`` are ``(activity, group, channel, gap_lo, gap_hi)``. The kinds follow the journey
    definitions (written out here on the template, independently of
    ``journeymining.measure.definitions``):

    * re-contacts (contact touchpoints after the case's first step, its opening contact) are not
      judged for rework, order or skips;
    * ``unplanned_handoff``: a team change between consecutive steps that the map does not plan
      there (the last touchpoint step before it done by its planned team, that team the team
      before the change; the first touchpoint step from the change on done by its planned team,
      that team the team after it; the pair a planned hop of the map's team plan);
    * ``channel_switch``: a contact on another channel than the previous contact;
    * ``sla_breach``: rule ``A -> B``: first A to the first B after it, or to the case end when no
      B follows; stage rule: the sum of the gaps whose earlier step's stage context is the stage;
    * ``reopen`` (never planted, so templates showing it are refused): a non-closure step after a
      resolution.

    Kinds other than SLA breaches do not depend on time, so they are either in both sets or in
    neither; an SLA is certainly breached when even the shortest gaps exceed it, and possibly
    breached when the longest gaps do.
    """
    acts = [s[0] for s in steps]
    groups = [s[1] for s in steps]
    n = len(steps)
    kinds = set()
    if any(a not in m.tp for a in acts):
        kinds.add("unplanned_step")
    recontact = _recontacts(acts, m)
    seen = {}
    for i, a in enumerate(acts):
        if not recontact[i]:
            seen.setdefault(a, []).append(i)
    if any(len(p) > 1 and a in m.tp and not m.tp[a]["repeatable"] for a, p in seen.items()):
        kinds.add("rework")
    if not any(a in m.goal for a in acts):
        kinds.add("drop_off")
    present = [a for a in seen if a in m.tp]
    # skipped: a required touchpoint of the case's path is absent while a later one is present
    chosen = {}
    for a in present:
        t = m.tp[a]
        if t["choice"]:
            chosen.setdefault(t["stage_idx"], set()).add(t["branch"])
    required = [a for a, t in m.tp.items() if not t["optional"] and (
        not t["choice"] or t["branch"] in chosen.get(t["stage_idx"], ()))]
    last_stage = max((m.tp[a]["stage_idx"] for a in present), default=-1)
    skipped = any(r not in seen and any(m.precedes(r, a) for a in present) for r in required)
    skipped |= any(si not in chosen and si < last_stage for si in m.choice_stages)
    if skipped:
        kinds.add("skipped_touchpoint")
    if any(m.precedes(a, b) and seen[b][0] < seen[a][-1] for a in present for b in present if a != b):
        kinds.add("out_of_order")
    if has_reopen(acts, m):
        kinds.add("reopen")
    # handoffs on the team sequence (every generated step has a team)
    tps = [i for i, a in enumerate(acts) if a in m.tp]
    for i in range(1, n):
        if groups[i - 1] == groups[i]:
            continue
        x = max((j for j in tps if j <= i - 1), default=None)
        y = min((j for j in tps if j >= i), default=None)
        planned = (x is not None and y is not None
                   and groups[x] == m.tp[acts[x]]["team"] == groups[i - 1]
                   and groups[y] == m.tp[acts[y]]["team"] == groups[i]
                   and (acts[x], acts[y]) in m.hops)
        if not planned:
            kinds.add("unplanned_handoff")
    # channel switch: consecutive contacts (the opening step and contact touchpoints) on different channels
    contact_ch = [steps[i][2] or (m.tp[acts[i]]["channel"] if acts[i] in m.tp else None)
                  for i in range(n) if i == 0 or acts[i] in m.contacts]
    if any(a is not None and b is not None and a != b for a, b in zip(contact_ch, contact_ch[1:])):
        kinds.add("channel_switch")
    certain, possible = set(kinds), set(kinds)
    # earliest / latest time of every step since the case start
    lo = np.cumsum([0] + [s[3] for s in steps[1:]]) if n else np.zeros(0)
    hi = np.cumsum([0] + [s[4] for s in steps[1:]]) if n else np.zeros(0)
    context, last = [], None
    for a in acts:
        last = m.stage(a) or last
        context.append(last)
    sla_certain = sla_possible = False
    for frm, to, stage, within in m.sla:
        if stage is None:
            if frm not in acts:
                continue
            f = acts.index(frm)
            end = next((j for j in range(f + 1, n) if acts[j] == to), n - 1)
            t_min, t_max = lo[end] - lo[f], hi[end] - hi[f]
        else:
            gaps = [j for j in range(1, n) if context[j - 1] == stage]
            t_min = sum(steps[j][3] for j in gaps)
            t_max = sum(steps[j][4] for j in gaps)
        sla_certain |= t_min > within
        sla_possible |= t_max > within
    if sla_certain:
        certain.add("sla_breach")
    if sla_possible:
        possible.add("sla_breach")
    return certain, possible


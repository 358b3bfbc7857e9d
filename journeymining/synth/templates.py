"""Journey templates: every persona's base variants and their planted copies.

Each persona's path through the map becomes *base variants* (optional touchpoints kept or left
out, repeatable ones done 1-3 times), each with its probability. :func:`build_templates` checks
that no base variant shows a deviation, then plants every kind and every pair of kinds in copies
of each base variant, keeping up to a few distinct plantings whose observed kinds are exactly the
planted ones. Tickets later draw one template each.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from journeymining.synth.journey import MAP_INDEX, PERSONAS, SURVEY
from journeymining.synth.observe import observed_kinds
from journeymining.synth.plant import KINDS, plant

__all__ = ["Templates", "build_templates"]

_PLANTINGS = 4             # distinct plantings kept per (base variant, kinds)


def _base_variants(name, survey_rate, m=MAP_INDEX):
    """All paths of a persona with their probabilities: ``[(steps, p), ...]``."""
    spec = PERSONAS[name]
    options = []
    for act, lo, hi in spec["path"]:
        t = m.tp[act]
        if t["repeatable"]:
            opts = [(k, p) for k, p in ((1, 0.6), (2, 0.3), (3, 0.1))]
        else:
            opts = [(1, 1.0)]
        if t["optional"]:
            keep = survey_rate if act == SURVEY else 0.7
            opts = [(k, p * keep) for k, p in opts] + [(0, 1.0 - keep)]
        options.append([(k, p) for k, p in opts if p > 0])
    variants = []
    for combo in itertools.product(*options):
        steps, p = [], 1.0
        for (act, lo, hi), (k, pk) in zip(spec["path"], combo):
            p *= pk
            steps += [(act, m.tp[act]["team"], spec["channel"], lo, hi)] * k
        variants.append((steps, p))
    return variants


@dataclass
class Templates:
    """The journey templates: step lists with their persona, planted kinds, records and base variant."""

    steps: list          # list of step lists
    persona: list        # persona index per template
    kinds: list          # frozenset of planted kinds
    records: list        # planted deviation records
    base: list           # base-variant index per template


def build_templates(survey_rate, rng):
    """The base variants of every persona and their planted copies: ``(templates, bases, planted)``.

    ``bases`` lists ``(persona index, probability, template id)`` per base variant; ``planted[b][combo]``
    the template ids of base variant ``b`` planted with the kinds ``combo`` (one or two kinds).
    """
    names = list(PERSONAS)
    tpl = Templates([], [], [], [], [])
    bases = []                               # (persona index, probability, template id)
    for pi, name in enumerate(names):
        for steps, p in _base_variants(name, survey_rate):
            certain, possible = observed_kinds(steps)
            if certain or possible:          # the map and the personas must agree
                raise AssertionError(f"persona {name} path {steps} shows {possible}")
            bases.append((pi, p, len(tpl.steps)))
            tpl.steps.append(steps)
            tpl.persona.append(pi)
            tpl.kinds.append(frozenset())
            tpl.records.append(())
            tpl.base.append(len(bases) - 1)
    combos = [(k,) for k in KINDS] + list(itertools.combinations(KINDS, 2))
    # planted[base index][combo] = list of template ids
    planted = []
    for bi, (pi, _, t0) in enumerate(bases):
        per_combo = {}
        for combo in combos:
            found, keys = [], set()
            for _attempt in range(4 * _PLANTINGS):
                steps, recs = tpl.steps[t0], []
                for kind in combo:
                    out = plant(kind, steps, rng)
                    if out is None:
                        break
                    steps, rec = out
                    recs.append(rec)
                else:
                    certain, possible = observed_kinds(steps)
                    key = tuple(steps)
                    if certain == possible == set(combo) and key not in keys:
                        keys.add(key)
                        found.append(len(tpl.steps))
                        tpl.steps.append(steps)
                        tpl.persona.append(pi)
                        tpl.kinds.append(frozenset(combo))
                        tpl.records.append(tuple(recs))
                        tpl.base.append(bi)
                        if len(found) == _PLANTINGS:
                            break
                    continue
                break                                  # a kind has no candidate: give up on combo
            if found:
                per_combo[combo] = found
        planted.append(per_combo)
    return tpl, bases, planted


"""What the intended order of a journey map implies: precedence, exclusion, what a case misses.

:class:`JourneyRelations` is a mixin of :class:`~journeymining.journeymap.model.JourneyMap` holding
the relations the map's structure implies between its touchpoints: whether one must precede
another (:meth:`~JourneyRelations.must_precede`), whether two are alternatives
(:meth:`~JourneyRelations.exclusive`), which required touchpoints or parts a case's path misses,
the directly-follows pairs the map allows (:meth:`~JourneyRelations.intended_edges`) and where it
plans a change of team (:meth:`~JourneyRelations.team_plan`).
"""

from __future__ import annotations

from journeymining.journeymap.parts import Touchpoint

__all__ = ["JourneyRelations"]


class JourneyRelations:
    """Relations between touchpoints implied by the map (mixed into :class:`JourneyMap`)."""

    def team_plan(self):
        """Where the map plans a change of team, from its touchpoints' teams.

        Returns
        -------
        dict
            ``hops``: set of touchpoint pairs ``(x, y)`` with different teams where ``y`` may come
            after ``x`` with only team-less touchpoints between them (in the map's directly-follows
            relation); ``returns``: set of ``(x, y, z)`` hops where the case comes back to the team
            of ``x`` (a planned round trip such as L1 -> L2 -> L1); ``teams``: planned team of
            every touchpoint that has one.
        """
        teams = {a: t.team for a, t in self._touchpoints.items() if t.team}
        edges = self.intended_edges()["edges"]
        succ = {}
        for x, y in edges:
            succ.setdefault(x, set()).add(y)
        hops = set()
        for x in teams:
            seen, stack = set(), list(succ.get(x, ()))
            while stack:
                y = stack.pop()
                if y in seen:
                    continue
                seen.add(y)
                if y in teams:
                    if teams[y] != teams[x]:
                        hops.add((x, y))
                    continue
                stack.extend(succ.get(y, ()))
        # a round trip: hop x -> y, then (within y's team) a hop w -> z back to x's team
        same_team_reach = {}
        for y in teams:
            seen, stack = {y}, [y]
            while stack:
                u = stack.pop()
                for v in succ.get(u, ()):
                    if v not in seen and (v not in teams or teams[v] == teams[y]):
                        seen.add(v)
                        stack.append(v)
            same_team_reach[y] = seen
        returns = set()
        for x, y in hops:
            for w, z in hops:
                if w in same_team_reach[y] and teams[z] == teams[x]:
                    returns.add((x, y, z))
        return {"hops": hops, "returns": returns, "teams": teams}

    # ---------------------------------------------------------------- relations
    def _path_to(self, activity):
        """(group, child index) pairs from the root sequence of stages down to ``activity``."""
        root = self._root
        path = []

        def walk(g):
            for i, c in enumerate(g.children):
                if isinstance(c, Touchpoint):
                    if c.activity == activity:
                        path.append((g, i))
                        return True
                elif walk(c):
                    path.append((g, i))
                    return True
            return False

        walk(root)
        return path[::-1]

    def must_precede(self, a, b):
        """True when the map requires every ``a`` to come before every ``b`` (both touchpoints).

        That holds when their closest common group is a sequence with ``a``'s branch first and no
        group from there up to the root may repeat.
        """
        pa, pb = self._path_to(a), self._path_to(b)
        k = 0
        while k < min(len(pa), len(pb)) and pa[k][0] is pb[k][0] and pa[k][1] == pb[k][1]:
            k += 1
        if k >= min(len(pa), len(pb)) or pa[k][0] is not pb[k][0]:
            return False
        lca = pa[k][0]
        if lca.order not in ("sequence",) or pa[k][1] >= pb[k][1]:
            return False
        return not any(g.repeatable or g.order == "loop" for g, _ in pa[: k + 1])

    def exclusive(self, a, b):
        """True when ``a`` and ``b`` are alternatives of a choice (a path takes only one of them)."""
        pa, pb = self._path_to(a), self._path_to(b)
        k = 0
        while k < min(len(pa), len(pb)) and pa[k][0] is pb[k][0] and pa[k][1] == pb[k][1]:
            k += 1
        if k >= min(len(pa), len(pb)):
            return False
        lca = pa[k][0]
        return lca.order == "choice" and not any(g.repeatable or g.order == "loop" for g, _ in pa[: k + 1])

    def missing_required(self, present):
        """Touchpoints the path of a case through the map requires but that are absent.

        ``present`` is the set of activities the case has. For a choice, the path follows the
        alternative with the most present touchpoints; a choice none of whose alternatives occurs
        is reported through its first alternative.
        """
        present = set(present)

        def acts(node):
            if isinstance(node, Touchpoint):
                return [node.activity]
            return [a for c in node.children for a in acts(c)]

        def missing(node):
            if node.optional and not any(a in present for a in acts(node)):
                return []  # an optional part the case did not enter
            if isinstance(node, Touchpoint):
                return [] if node.activity in present else [node.activity]
            if node.order == "choice":
                scores = [sum(a in present for a in acts(c)) for c in node.children]
                if any(getattr(c, "optional", False) for c in node.children) and max(scores) == 0:
                    return []
                best = scores.index(max(scores))
                return missing(node.children[best])
            return [m for c in node.children for m in missing(c)]

        return [m for s in self.stages for m in missing(s)]

    def missing_parts(self, present):
        """Like :meth:`missing_required`, but a choice none of whose alternatives occurs is one
        missing *part* (not its first alternative): a list of ``(label, stage, activities)``.

        The label of a missing touchpoint is its activity; of a missing choice, ``"any of A / B"``,
        or ``"<stage> contact (any of A / B)"`` when every alternative is a contact touchpoint.
        """
        present = set(present)

        def acts(node):
            if isinstance(node, Touchpoint):
                return [node.activity]
            return [a for c in node.children for a in acts(c)]

        def firsts(node):
            return [acts(c)[0] for c in node.children]

        def missing(node, stage):
            if node.optional and not any(a in present for a in acts(node)):
                return []
            if isinstance(node, Touchpoint):
                return [] if node.activity in present else [(node.activity, stage, [node.activity])]
            if node.order == "choice":
                scores = [sum(a in present for a in acts(c)) for c in node.children]
                if max(scores) == 0:
                    if any(getattr(c, "optional", False) for c in node.children):
                        return []
                    alts = firsts(node)
                    everything = acts(node)
                    label = " / ".join(alts)
                    if all(self._touchpoints[a].contact for a in alts):
                        label = f"customer contact (any of {label})"
                    else:
                        label = f"any of {label}"
                    return [(label, stage, everything)]
                return missing(node.children[scores.index(max(scores))], stage)
            return [m for c in node.children for m in missing(c, stage)]

        return [m for s in self.stages for m in missing(s, s.name)]

    def intended_edges(self):
        """Directly-follows pairs the map allows, plus its start and end activities.

        Returns
        -------
        dict with keys ``edges`` (set of (a, b)), ``start`` and ``end`` (sets of activities).
        """
        import pm4py

        from journeymining.core.eventlog import memoized

        # the footprints once per map inside the pipeline (core.eventlog.coded_once); fresh sets each call
        fp = memoized(self, "footprints", lambda: pm4py.discover_footprints(self.to_process_tree()))
        return {"edges": set(fp["sequence"]) | set(fp["parallel"]),
                "start": set(fp["start_activities"]), "end": set(fp["end_activities"])}

"""Journey maps and pm4py's process models: BPMN import and export, process tree, Petri net.

:class:`JourneyBPMN` is a mixin of :class:`~journeymining.journeymap.model.JourneyMap`:
:meth:`~JourneyBPMN.from_bpmn` imports a block-structured BPMN 2.0 file (through pm4py's process
tree) as a journey map, and :meth:`~JourneyBPMN.to_process_tree`,
:meth:`~JourneyBPMN.to_petri_net`, :meth:`~JourneyBPMN.to_bpmn` and
:meth:`~JourneyBPMN.write_bpmn` convert a map into pm4py's models, so that actual journeys can be
compared with it.
"""

from __future__ import annotations

from pathlib import Path

from journeymining.core.errors import InputFileError, JourneyMapError
from journeymining.journeymap.parts import Touchpoint

__all__ = ["JourneyBPMN"]


class JourneyBPMN:
    """BPMN import/export and process-model conversions (mixed into :class:`JourneyMap`)."""

    @classmethod
    def from_bpmn(cls, path, *, name=None, goal=None, stages=None):
        """Import a BPMN 2.0 file (block-structured) as an intended journey map.

        The BPMN is converted to a process tree with pm4py. Every element of the top-level
        sequence becomes a stage (``Stage 1``, ``Stage 2``...) unless ``stages`` maps activities to
        stage names (elements not in ``stages`` continue the previous stage). ``goal`` defaults to the
        activities that can end the process. BPMN carries no channel, actor or team: add them in
        YAML if needed (``to_dict()`` gives the structure to edit).

        The file is first parsed with DTDs and entities forbidden by the parser itself
        (:func:`journeymining.io.parse_xml_safely`), so pm4py's own XML reader never sees a
        document that declares a DOCTYPE or entities.

        Raises
        ------
        InputFileError
            When the file does not exist, is not well-formed XML, or declares a DOCTYPE / entities.
        JourneyMapError
            When the BPMN cannot be read or is not block-structured.
        """
        import warnings

        import pm4py

        from journeymining.io import parse_xml_safely

        p = Path(path)
        if not p.is_file():
            raise InputFileError(f"BPMN file {str(p)!r} does not exist. Check the path.")
        parse_xml_safely(p)  # raises InputFileError on a DOCTYPE or entities, before pm4py reads it
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                bpmn = pm4py.read_bpmn(str(p))
                tree = pm4py.convert_to_process_tree(bpmn)
        except Exception as exc:  # pm4py raises bare Exceptions here
            raise JourneyMapError(
                f"{p.name}: cannot import as a journey map ({type(exc).__name__}: {exc}). "
                "The BPMN must be block-structured (matching split/join gateways)."
            ) from exc
        return cls._from_tree(tree, name=name or p.stem, goal=goal, stages=stages, source=p.name)

    @classmethod
    def _from_tree(cls, tree, *, name, goal, stages, source):
        from pm4py.objects.process_tree.obj import Operator

        def node(t):
            op = t.operator
            if op is None:
                return None if t.label is None else {"activity": t.label}
            kids = list(t.children)
            if op == Operator.XOR:
                real = [node(k) for k in kids]
                taus = sum(r is None for r in real)
                real = [r for r in real if r is not None]
                if not real:
                    return None
                g = real[0] if len(real) == 1 else {"order": "choice", "touchpoints": real}
                if taus:
                    g = dict(g, optional=True)
                return g
            if op == Operator.LOOP:
                do, redo = node(kids[0]), node(kids[1]) if len(kids) > 1 else None
                if redo is None and do is not None:
                    return dict(do, repeatable=True)
                if do is None and redo is not None:
                    return dict(redo, repeatable=True, optional=True)
                raise JourneyMapError(
                    f"{source}: a loop with a non-empty redo part ({t}) has no journey-map equivalent; "
                    "redraw it as a repeatable group."
                )
            order = {Operator.SEQUENCE: "sequence", Operator.PARALLEL: "parallel"}.get(op)
            if order is None:
                raise JourneyMapError(f"{source}: operator {op} is not supported in a journey map.")
            real = [r for r in (node(k) for k in kids) if r is not None]
            if not real:
                return None
            return real[0] if len(real) == 1 else {"order": order, "touchpoints": real}

        top = node(tree)
        if top is None:
            raise JourneyMapError(f"{source}: the BPMN has no labelled task.")
        parts = top["touchpoints"] if top.get("order", "sequence") == "sequence" and "touchpoints" in top \
            and not top.get("optional") and not top.get("repeatable") else [top]

        def first_activity(d):
            return d["activity"] if "activity" in d else first_activity(d["touchpoints"][0])

        stage_list = []
        for i, part in enumerate(parts):
            if stages:  # unmapped elements continue the previous stage
                sname = stages.get(first_activity(part),
                                   stage_list[-1]["name"] if stage_list else f"Stage {i + 1}")
            else:
                sname = f"Stage {i + 1}"
            if stage_list and stage_list[-1]["name"] == sname and stages:
                stage_list[-1]["touchpoints"].append(part)
            else:
                stage_list.append({"name": sname, "touchpoints": [part]})
        if goal is None:
            import pm4py

            goal = sorted(pm4py.discover_footprints(tree)["end_activities"])
        return cls.from_dict({"name": name, "goal": list(goal), "stages": stage_list}, source=source)

    # -------------------------------------------------------------- conversions
    def to_process_tree(self):
        """The map as a pm4py :class:`~pm4py.objects.process_tree.obj.ProcessTree`.

        sequence/choice/parallel become ``->``/``X``/``+``; optional is ``X(node, tau)``; repeatable
        is ``*(node, tau)`` (``*(tau, node)`` when also optional).
        """
        from pm4py.objects.process_tree.obj import Operator, ProcessTree

        ops = {"sequence": Operator.SEQUENCE, "choice": Operator.XOR, "parallel": Operator.PARALLEL,
               "loop": Operator.SEQUENCE}

        def attach(parent, kids):
            parent.children = kids
            for k in kids:
                k.parent = parent
            return parent

        def wrap(t, optional, repeatable):
            if repeatable and optional:
                return attach(ProcessTree(operator=Operator.LOOP), [ProcessTree(), t])
            if repeatable:
                return attach(ProcessTree(operator=Operator.LOOP), [t, ProcessTree()])
            if optional:
                return attach(ProcessTree(operator=Operator.XOR), [t, ProcessTree()])
            return t

        def build(n):
            if isinstance(n, Touchpoint):
                return wrap(ProcessTree(label=n.activity), n.optional, n.repeatable)
            kids = [build(c) for c in n.children]
            t = kids[0] if len(kids) == 1 else attach(ProcessTree(operator=ops[n.order]), kids)
            return wrap(t, n.optional, n.repeatable or n.order == "loop")

        kids = [build(s) for s in self.stages]
        return kids[0] if len(kids) == 1 else attach(ProcessTree(operator=Operator.SEQUENCE), kids)

    def to_petri_net(self):
        """The map as a pm4py accepting Petri net ``(net, initial_marking, final_marking)``."""
        import pm4py

        return pm4py.convert_to_petri_net(self.to_process_tree())

    def to_bpmn(self):
        """The map as a pm4py BPMN object (write it with ``pm4py.write_bpmn``)."""
        import pm4py

        return pm4py.convert_to_bpmn(self.to_process_tree())

    def write_bpmn(self, path):
        """Write the map as a BPMN 2.0 file (readable by :meth:`from_bpmn`); returns the path."""
        import pm4py

        pm4py.write_bpmn(self.to_bpmn(), str(path))
        return Path(path)

"""Draw process maps and process models as SVG, PNG or PDF with graphviz.

A directly-follows graph (or an event log) is drawn as a **process map**
(:mod:`journeymining.viz.process_map`): top to bottom, sans-serif, sized to its content, edge width by
frequency, colours by quantile so rare paths are pale, durations in human units, and Disco-style
``activities=`` / ``paths=`` thresholds that keep the map connected. A BPMN model is drawn left to
right with redundant gateways merged; Petri nets, process trees and heuristics nets are laid out
by pm4py's visualizers. The graphviz source is turned into a picture by the ``graphviz`` Python
package (the ``dot`` program, through a pipe: no pop-up window, no temporary file). The result is
a :class:`Diagram`, which displays inline in Jupyter and ``.save(path)``-s to ``.svg``, ``.png``,
``.pdf`` (or ``.dot``, the graphviz source). :func:`write_bpmn` writes a ``.bpmn`` file with
diagram interchange (shapes and bounds) for BPMN modellers.

Examples
--------
>>> import pandas as pd
>>> from journeymining.discover import discover_dfg
>>> from journeymining.viz.rendering import render
>>> log = pd.DataFrame({
...     "case:concept:name": ["a", "a", "b", "b"],
...     "concept:name": ["Chat", "Resolve", "Chat", "Resolve"],
...     "time:timestamp": pd.to_datetime(["2024-05-01 08:00", "2024-05-01 09:00",
...                                       "2024-05-02 08:00", "2024-05-02 11:00"], utc=True),
... })
>>> diagram = render(discover_dfg(log))
>>> diagram.svg.lstrip().startswith("<?xml")
True
>>> "2 h" in render(log, measure="performance").source   # an event log works too
True
"""

from __future__ import annotations

import copy
import math
import os
import re
import warnings
from pathlib import Path

import pandas as pd

from journeymining.core.docs import fill_docstrings
from journeymining.core import columns as C
from journeymining.core.errors import JourneyMiningError
from journeymining.io.outputs import atomic_path
from journeymining.viz.process_map import FONT, format_duration, process_map_data, process_map_source

__all__ = ["Diagram", "GraphvizNotFoundError", "GraphvizError", "render", "save", "write_bpmn",
           "format_duration", "process_map_data", "bpmn_gateway_count", "FORMATS"]

#: File formats :meth:`Diagram.save` writes, by file suffix.
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}

_INSTALL_HINT = (
    "graphviz's `dot` program was not found on PATH; journeymining needs it to draw diagrams. "
    "Install graphviz: `sudo apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
    "(macOS), `conda install -c conda-forge graphviz` (conda) or the installer from "
    "https://graphviz.org/download/ (Windows; tick 'add to PATH'), then restart the kernel."
)


class GraphvizNotFoundError(JourneyMiningError, RuntimeError):
    """graphviz's ``dot`` program is not installed (or not on ``PATH``)."""


class GraphvizError(JourneyMiningError, RuntimeError):
    """graphviz's ``dot`` rejected the source of a drawing."""


def _run_dot(source: str, fmt: str) -> bytes:
    import graphviz

    try:
        return graphviz.pipe("dot", fmt, source.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFoundError(_INSTALL_HINT) from None
    except graphviz.CalledProcessError as exc:
        stderr = (exc.stderr or b"").decode("utf-8", "replace").strip()
        raise GraphvizError(
            f"graphviz `dot -T{fmt}` failed (exit code {exc.returncode}): {stderr}. "
            "The graphviz source is in Diagram.source; please report it if journeymining "
            "produced it."
        ) from None


class Diagram:
    """A graph to draw with graphviz: inline in Jupyter, or saved to a file.

    Parameters
    ----------
    source : str
        The graphviz (dot language) source.

    Attributes
    ----------
    source : str
        The graphviz source.
    svg : str
        The SVG drawing (computed once, on first use, by running ``dot -Tsvg``).

    Examples
    --------
    >>> d = Diagram('digraph { "Open" -> "Close" }')
    >>> "<svg" in d.svg
    True
    """

    def __init__(self, source: str):
        self.source = str(source)
        self._svg = None

    @property
    def svg(self) -> str:
        if self._svg is None:
            self._svg = _run_dot(self.source, "svg").decode("utf-8")
        return self._svg

    def pipe(self, format: str = "svg") -> bytes:  # noqa: A002 - graphviz's own word
        """The drawing as bytes in a graphviz output ``format`` (``"svg"``, ``"png"``, ``"pdf"``)."""
        if format == "svg":
            return self.svg.encode("utf-8")
        if format == "dot":
            return self.source.encode("utf-8")
        return _run_dot(self.source, format)

    def save(self, path) -> Path:
        """Write the drawing to ``path``; the suffix picks the format (.svg, .png, .pdf, .dot/.gv).

        Returns
        -------
        pathlib.Path
            The path written.

        Raises
        ------
        JourneyMiningError (a ValueError)
            If the suffix is not one of :data:`FORMATS`.
        GraphvizNotFoundError
            If graphviz's ``dot`` is not installed (not needed for .dot/.gv).
        """
        path = Path(path)
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise JourneyMiningError(
                f"Diagram.save: cannot tell the format of {str(path)!r} from its suffix "
                f"{path.suffix!r}; use one of {sorted(FORMATS)}."
            )
        data = self.pipe(fmt)
        with atomic_path(path) as part:
            part.write_bytes(data)
        return path

    def _repr_svg_(self):
        return self.svg

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"image/svg+xml": self.svg}

    def __repr__(self):
        return f"Diagram({len(self.source)} characters of graphviz source)"


# --------------------------------------------------------------------------------------------
# pm4py objects -> graphviz source
# --------------------------------------------------------------------------------------------
def svg_element(svg: str) -> str:
    """An SVG document as an element to put in HTML: without XML prolog, doctype and comments.

    Examples
    --------
    >>> svg_element('<?xml version="1.0"?><!DOCTYPE svg><!-- made by dot --><svg></svg> ')
    '<svg></svg>'
    """
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg, flags=re.IGNORECASE)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    return svg.strip()


def _title_params(title):
    return {"enable_graph_title": True, "graph_title": title} if title else {}


def _plain_label(text):
    """An activity name that pm4py's visualizers pass to graphviz as literal text: entities
    for ``& < >`` (graphviz decodes them in plain labels, and a name in ``<...>`` is then not
    taken for an HTML label), doubled backslashes and ``\\n`` for line breaks."""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\n", "\\n")


def _with_font(gviz):
    """Put the sans-serif font first in a pm4py graphviz object's source."""
    gviz.body.insert(0, f'\tgraph [fontname="{FONT}"]\n\tnode [fontname="{FONT}"]\n'
                        f'\tedge [fontname="{FONT}"]\n')
    return gviz.source


# --------------------------------------------------------------------------------------------
# BPMN: left to right, redundant gateways merged
# --------------------------------------------------------------------------------------------
def _bpmn_graph(bpmn):
    """Plain copy of a pm4py BPMN: ({id: (kind, name)}, [(source id, target id)])."""
    from pm4py.objects.bpmn.obj import BPMN

    kinds = ((BPMN.StartEvent, "start"), (BPMN.EndEvent, "end"),
             (BPMN.ParallelGateway, "and"), (BPMN.ExclusiveGateway, "xor"),
             (BPMN.InclusiveGateway, "or"), (BPMN.Gateway, "xor"), (BPMN.Task, "task"),
             (BPMN.Event, "event"))
    ids, nodes = {}, {}
    for i, node in enumerate(bpmn.get_nodes()):
        kind = next((k for cls, k in kinds if isinstance(node, cls)), "task")
        ids[id(node)] = f"n{i}"
        nodes[f"n{i}"] = (kind, node.get_name())
    flows = [(ids[id(f.get_source())], ids[id(f.get_target())]) for f in bpmn.get_flows()
             if id(f.get_source()) in ids and id(f.get_target()) in ids]
    return nodes, list(dict.fromkeys(flows))


def _simplify_gateways(nodes, flows):
    """Merge gateways that only route tokens between each other; the behaviour is unchanged.

    * a gateway with one incoming and one outgoing flow is dropped (its flows joined);
    * two exclusive (or two inclusive) gateways linked ``g -> h`` where ``g`` leads only to
      ``h`` or ``h`` is reached only from ``g`` become one gateway (a token at either may take
      any of their other flows; a flow from the merged gateway to itself is dropped);
    * two parallel gateways linked ``g -> h`` merge when ``g`` is a pure split feeding a split
      (``h`` reached only from ``g``, ``g`` with one incoming flow) or a pure join feeding a
      join (``g`` leading only to ``h``, ``h`` with one outgoing flow).
    """
    nodes, flows = dict(nodes), list(dict.fromkeys(flows))

    def merge(g, h):  # h survives
        out = []
        for a, b in flows:
            a, b = (h if a == g else a), (h if b == g else b)
            if a == b == h:
                continue
            out.append((a, b))
        del nodes[g]
        return list(dict.fromkeys(out))

    changed = True
    while changed:
        changed = False
        ins, outs = {}, {}
        for a, b in flows:
            outs.setdefault(a, []).append(b)
            ins.setdefault(b, []).append(a)
        for g, (kind, _) in list(nodes.items()):
            if kind not in ("xor", "and", "or"):
                continue
            g_in, g_out = ins.get(g, []), outs.get(g, [])
            if len(g_in) == 1 and len(g_out) == 1 and g not in g_in and g not in g_out:
                flows = [f for f in flows if g not in f] + [(g_in[0], g_out[0])]
                flows = list(dict.fromkeys(flows))
                del nodes[g]
                changed = True
                break
            for h in g_out:
                if h == g or nodes.get(h, ("",))[0] != kind:
                    continue
                h_in, h_out = ins.get(h, []), outs.get(h, [])
                if kind == "and":
                    ok = (h_in == [g] and len(g_in) == 1) or (g_out == [h] and len(h_out) == 1)
                else:
                    ok = g_out == [h] or h_in == [g]
                if ok:
                    flows = merge(g, h)
                    changed = True
                    break
            if changed:
                break
    return nodes, flows


def _bpmn_source(bpmn, title, rankdir, simplify=True):
    import graphviz

    from journeymining.viz.process_map import graphviz_label

    nodes, flows = _bpmn_graph(bpmn)
    if simplify:
        nodes, flows = _simplify_gateways(nodes, flows)
    g = graphviz.Digraph("bpmn")
    g.attr(rankdir=rankdir or "LR", fontname=FONT, fontsize="16", bgcolor="white",
           nodesep="0.25", ranksep="0.3", pad="0.2")
    if title:
        g.attr(label=graphviz_label(title), labelloc="t", labeljust="l")
    g.attr("node", fontname=FONT, fontsize="12")
    g.attr("edge", arrowsize="0.7", color="#555555")
    for nid, (kind, name) in nodes.items():
        if kind == "task":
            g.node(nid, label=graphviz_label(name), shape="box", style="rounded,filled",
                   fillcolor="#fffbe6", color="#8c7a3e", margin="0.12,0.06")
        elif kind == "start":
            g.node(nid, label="", shape="circle", width="0.35", style="filled",
                   fillcolor="#e5f5e0", color="#41ab5d", xlabel="start", fontsize="10")
        elif kind == "end":
            g.node(nid, label="", shape="circle", width="0.35", penwidth="3", style="filled",
                   fillcolor="#fee0d2", color="#cb181d", xlabel="end", fontsize="10")
        elif kind in ("xor", "and", "or"):
            symbol = {"xor": "×", "and": "+", "or": "o"}[kind]
            g.node(nid, label=symbol, shape="diamond", width="0.4", height="0.4",
                   fixedsize="true", fontsize="14", style="filled", fillcolor="white",
                   color="#555555")
        else:
            g.node(nid, label=graphviz_label(name), shape="circle", fontsize="10")
    for a, b in flows:
        g.edge(a, b)
    return g.source


def bpmn_gateway_count(bpmn, *, simplify=True) -> int:
    """Number of gateways :func:`render` draws for ``bpmn`` (after merging redundant ones)."""
    nodes, flows = _bpmn_graph(bpmn)
    if simplify:
        nodes, flows = _simplify_gateways(nodes, flows)
    return sum(kind in ("xor", "and", "or") for kind, _ in nodes.values())


def _to_bpmn(obj, verb):
    from pm4py.objects.bpmn.obj import BPMN
    from pm4py.objects.petri_net.obj import PetriNet
    from pm4py.objects.process_tree.obj import ProcessTree

    from journeymining.discover import JourneyModel

    if isinstance(obj, BPMN):
        return obj
    if isinstance(obj, JourneyModel):
        return obj.to_bpmn()
    import pm4py

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if isinstance(obj, ProcessTree):
            return pm4py.convert_to_bpmn(obj)
        if isinstance(obj, tuple) and len(obj) == 3 and isinstance(obj[0], PetriNet):
            return pm4py.convert_to_bpmn(*obj)
    raise TypeError(f"{verb}: cannot make a BPMN model of a {type(obj).__name__}. Pass a "
                    "JourneyModel from discover_journey, a BPMN from discover_bpmn, a pm4py "
                    "ProcessTree or a (net, initial_marking, final_marking) tuple.")


def write_bpmn(model, path) -> Path:
    """Write ``model`` as a ``.bpmn`` file (BPMN 2.0 XML) with diagram interchange.

    The file carries a laid-out ``bpmndi:BPMNDiagram`` (one ``bpmndi:BPMNShape`` with
    ``dc:Bounds`` per node, one ``bpmndi:BPMNEdge`` per flow), so BPMN modellers (Camunda
    Modeler, bpmn.io, Signavio) open it as a drawing. The model is written as discovered (no
    gateway is merged); the caller's object is not changed.

    Parameters
    ----------
    model : JourneyModel, BPMN, ProcessTree or (net, initial_marking, final_marking)
        What to write (from :func:`journeymining.discover_journey` or ``discover_bpmn``).
    path : str or os.PathLike
        Output file; should end in ``.bpmn``.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        If ``model`` cannot be turned into BPMN.
    JourneyMiningError (a ValueError)
        If ``path`` does not end in ``.bpmn``.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> from journeymining.discover import discover_bpmn
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a"], "concept:name": ["Chat", "Resolve"],
    ...                     "time:timestamp": pd.to_datetime(["2024-05-01", "2024-05-02"], utc=True)})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     text = write_bpmn(discover_bpmn(log), pathlib.Path(tmp) / "m.bpmn").read_text()
    >>> "bpmndi:BPMNShape" in text and "dc:Bounds" in text
    True
    """
    import pm4py
    from pm4py.objects.bpmn.layout import layouter

    path = Path(os.fspath(path))
    if path.suffix.lower() != ".bpmn":
        raise JourneyMiningError(f"write_bpmn: {str(path)!r} should end in '.bpmn' (suffix "
                         f"{path.suffix!r}); BPMN modellers look for that suffix.")
    bpmn = _to_bpmn(model, "write_bpmn")
    # pm4py's layouter writes positions into the model's layout: keep the caller's intact
    layout = bpmn.get_layout()
    saved = {key: copy.deepcopy(value) for key, value in layout.layout_dict.items()}
    # pm4py's layouter hands task names to Graphviz unescaped ('<B>x</B>' is read as an HTML-like
    # label, a quote ends the string): lay out with same-length names of safe characters, then
    # write the real names, which pm4py's XML exporter escapes.
    names = {node: node.get_name() for node in bpmn.get_nodes()}
    try:
        try:
            for node, name in names.items():
                node.set_name(_LAYOUT_UNSAFE.sub("_", str(name)) if name else name)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                layouter.apply(bpmn)
        finally:
            for node, name in names.items():
                node.set_name(name)
        with atomic_path(path) as part:
            pm4py.write_bpmn(bpmn, str(part), auto_layout=False)
            part.write_text(_shift_to_origin(part.read_text(encoding="utf-8")), encoding="utf-8")
    finally:
        bpmn.set_layout(layout)
        layout.layout_dict = saved
    return path


_LAYOUT_UNSAFE = re.compile(r"[^\w ]")
_DI_TAG = re.compile(r"<(?:\w+:)?(?:Bounds|waypoint)\b[^>]*>")
_DI_XY = re.compile(r'\b([xy])="(-?[\d.]+(?:[eE][-+]?\d+)?)"')


def _shift_to_origin(text, margin=20.0):
    """Move the diagram so that its top-left corner is at (margin, margin): pm4py's layout
    can place shapes at negative coordinates, which some modellers show off-canvas."""
    low = {"x": math.inf, "y": math.inf}
    for tag in _DI_TAG.findall(text):
        for axis, value in _DI_XY.findall(tag):
            low[axis] = min(low[axis], float(value))
    if math.isinf(low["x"]) or math.isinf(low["y"]):
        return text
    shift = {axis: margin - value for axis, value in low.items()}

    def move(tag):
        return _DI_XY.sub(lambda m: f'{m.group(1)}="{float(m.group(2)) + shift[m.group(1)]:.2f}"',
                          tag.group(0))

    return _DI_TAG.sub(move, text)


# --------------------------------------------------------------------------------------------
# dispatch
# --------------------------------------------------------------------------------------------
def _source_of(obj, *, view, measure, statistic, title, rankdir, max_edges, activities, paths,
               keys):
    from pm4py.objects.bpmn.obj import BPMN
    from pm4py.objects.heuristics_net.obj import HeuristicsNet
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.process_tree.obj import ProcessTree

    from journeymining.discover import JourneyModel

    if view is not None and not isinstance(obj, JourneyModel):
        raise JourneyMiningError("render: view= only applies to a JourneyModel.")
    if isinstance(obj, pd.DataFrame):
        case_id_key, activity_key, timestamp_key = keys
        is_log = all(k in obj.columns for k in keys)
        if not is_log:  # a DFG (or neither: the DFG check names what is missing)
            dfg, nodes = obj, None
        else:
            nodes, dfg = process_map_data(obj, case_id_key=case_id_key,
                                          activity_key=activity_key,
                                          timestamp_key=timestamp_key)
            nodes = nodes.drop(columns=["kept", "added"])
            dfg = dfg.drop(columns=["kept", "added"])
        return process_map_source(dfg, measure=measure, statistic=statistic, title=title,
                                  rankdir=rankdir or "TB", activities=activities, paths=paths,
                                  max_edges=max_edges, nodes=nodes)
    if isinstance(obj, JourneyModel):
        views = ("bpmn", "petri_net", "process_tree") if obj.process_tree is not None \
            else ("heuristics_net", "petri_net", "bpmn")
        view = views[0] if view is None else view
        if view not in views:
            raise JourneyMiningError(f"render: view={view!r} is not available for a {obj.algorithm} "
                             f"model; use one of {list(views)}.")
        target = {"bpmn": obj.to_bpmn, "petri_net": lambda: (obj.net, obj.initial_marking,
                                                              obj.final_marking),
                  "process_tree": lambda: obj.process_tree,
                  "heuristics_net": lambda: obj.heuristics_net}[view]()
        return _source_of(target, view=None, measure=measure, statistic=statistic, title=title,
                          rankdir=rankdir, max_edges=max_edges, activities=activities,
                          paths=paths, keys=keys)
    rankdir = rankdir or "LR"
    if isinstance(obj, PetriNet):
        obj = (obj, Marking(), Marking())
    if (isinstance(obj, tuple) and len(obj) == 3 and isinstance(obj[0], PetriNet)):
        from pm4py.visualization.petri_net import visualizer as pn_vis

        net, im, fm = copy.deepcopy(obj)  # labels are escaped on a copy, never on the caller's
        for t in net.transitions:
            if t.label is not None:
                t.label = _plain_label(t.label)
        params = {"rankdir": rankdir, **_title_params(title)}
        return _with_font(pn_vis.apply(net, im, fm, parameters=params))
    if isinstance(obj, ProcessTree):
        from pm4py.visualization.process_tree import visualizer as pt_vis

        tree = copy.deepcopy(obj)
        todo = [tree]
        while todo:
            node = todo.pop()
            if node.label is not None:
                node.label = _plain_label(node.label)
            todo.extend(node.children)
        return _with_font(pt_vis.apply(tree, parameters={"rankdir": rankdir,
                                                         **_title_params(title)}))
    if isinstance(obj, HeuristicsNet):
        from pm4py.visualization.heuristics_net import visualizer as hn_vis

        gviz = hn_vis.apply(obj, parameters=_title_params(title))
        return _with_font(gviz) if hasattr(gviz, "body") else gviz.source
    if isinstance(obj, BPMN):
        return _bpmn_source(obj, title, rankdir)
    raise TypeError(
        f"render: cannot draw a {type(obj).__name__}. Pass an event log or a DFG DataFrame "
        "from discover_dfg, a JourneyModel from discover_journey, a BPMN from discover_bpmn, a "
        "pm4py ProcessTree, HeuristicsNet, PetriNet or (net, initial_marking, final_marking) "
        "tuple."
    )


def render(model, *, view=None, measure="frequency", statistic="mean", title=None,
           rankdir=None, max_edges=None, activities=1.0, paths=1.0, case_id_key=C.CASE,
           activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP) -> Diagram:
    """Draw a process map (of an event log or a DFG) or a process model.

    Parameters
    ----------
    model : DataFrame, JourneyModel, BPMN, ProcessTree, HeuristicsNet, PetriNet or tuple
        An event log, a directly-follows graph from :func:`journeymining.discover_dfg`, a model
        from :func:`journeymining.discover_journey` or ``discover_bpmn``, or a pm4py object (a
        Petri net may be given as ``(net, initial_marking, final_marking)``).
    view : {"bpmn", "petri_net", "process_tree", "heuristics_net"}, optional
        For a JourneyModel: which form to draw. Default ``"bpmn"`` for an inductive model and
        ``"heuristics_net"`` for a heuristics model.
    measure : {"frequency", "performance"}, default "frequency"
        For a process map: label edges with how often they occur, or with their duration
        (in s / min / h / d, see :func:`format_duration`).
    statistic : {"mean", "median"}, default "mean"
        For the performance view: which duration labels the edges.
    title : str, optional
        Title drawn above the graph.
    rankdir : {"TB", "LR"}, optional
        Layout direction. Default top to bottom for process maps, left to right for models;
        not used by heuristics nets.
    max_edges : int, optional
        For a process map: show the activities of the ``max_edges`` most frequent edges
        (kept connected, so a few more edges may be drawn).
    activities, paths : float, default 1.0
        For a process map: the share of activities shown and of paths drawn between them
        (Disco's sliders; the map stays connected, see :mod:`journeymining.viz.process_map`).
    {keys}

    Returns
    -------
    Diagram
        Displays inline in Jupyter; ``.save(path)`` writes .svg/.png/.pdf.

    Raises
    ------
    TypeError
        If ``model`` is not one of the supported objects.
    JourneyMiningError (a ValueError)
        If ``view``, ``measure``, ``statistic`` or ``rankdir`` is not one of the listed values.
    JourneyMiningError
        If a DataFrame is neither an event log nor a DFG, or ``activities``/``paths`` is not
        in [0, 1].
    GraphvizNotFoundError
        When the drawing is produced (``.svg``, ``.save``, display) and ``dot`` is not installed.

    Examples
    --------
    >>> import pandas as pd
    >>> from journeymining.discover import discover_dfg
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a"],
    ...     "concept:name": ["Chat", "Resolve"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01 08:00", "2024-05-01 10:00"], utc=True),
    ... })
    >>> d = render(discover_dfg(log), measure="performance")
    >>> "2 h" in d.source
    True
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = _source_of(model, view=view, measure=measure, statistic=statistic, title=title,
                            rankdir=rankdir, max_edges=max_edges, activities=activities,
                            paths=paths, keys=(case_id_key, activity_key, timestamp_key))
    return Diagram(source)


fill_docstrings(render)


def save(model, path, **render_options) -> Path:
    """Draw ``model`` (or save a :class:`Diagram`) to ``path``; the suffix picks the format.

    Parameters
    ----------
    model : Diagram or anything :func:`render` accepts
        What to draw.
    path : str or os.PathLike
        Output file ending in .svg, .png, .pdf, or .dot/.gv (graphviz source).
    **render_options
        Passed to :func:`render` (``view=``, ``measure=``, ...).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    JourneyMiningError (a ValueError)
        If the suffix is not a supported format.
    GraphvizNotFoundError
        If graphviz's ``dot`` is not installed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = save(Diagram('digraph { a -> b }'), pathlib.Path(tmp) / "g.png")
    ...     out.read_bytes()[:4]
    b'\\x89PNG'
    """
    path = Path(os.fspath(path))
    if path.suffix.lower() not in FORMATS:
        raise JourneyMiningError(
            f"save: cannot tell the format of {str(path)!r} from its suffix {path.suffix!r}; "
            f"use one of {sorted(FORMATS)}."
        )
    diagram = model if isinstance(model, Diagram) else render(model, **render_options)
    return diagram.save(path)

"""Draw directly-follows graphs and process models as SVG, PNG or PDF with graphviz ``dot``.

The graph is laid out by pm4py's visualizers (``pm4py.visualization.*``), which produce graphviz
source; journeymining then pipes that source through the ``dot`` binary itself: no pop-up window,
no temporary file. The result is a :class:`Diagram`, which displays inline in Jupyter and
``.save(path)``-s to ``.svg``, ``.png``, ``.pdf`` (or ``.dot``, the graphviz source).

Examples
--------
>>> import pandas as pd
>>> from journeymining.discovery import discover_dfg
>>> from journeymining.rendering import render
>>> log = pd.DataFrame({
...     "case:concept:name": ["a", "a", "b", "b"],
...     "concept:name": ["Chat", "Resolve", "Chat", "Resolve"],
...     "time:timestamp": pd.to_datetime(["2024-05-01 08:00", "2024-05-01 09:00",
...                                       "2024-05-02 08:00", "2024-05-02 11:00"], utc=True),
... })
>>> diagram = render(discover_dfg(log))
>>> diagram.svg.lstrip().startswith("<?xml")
True
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pandas as pd

from .errors import JourneyMiningError

__all__ = ["Diagram", "GraphvizNotFoundError", "render", "save", "FORMATS"]

#: File formats :meth:`Diagram.save` writes, by file suffix.
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}

_INSTALL_HINT = (
    "graphviz's `dot` program was not found on PATH; journeymining needs it to draw diagrams. "
    "Install graphviz: `sudo apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
    "(macOS), `conda install -c conda-forge graphviz` (conda) or the installer from "
    "https://graphviz.org/download/ (Windows; tick 'add to PATH'), then restart the kernel."
)


class GraphvizNotFoundError(RuntimeError):
    """graphviz's ``dot`` program is not installed (or not on ``PATH``)."""


def _dot_program():
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFoundError(_INSTALL_HINT)
    return dot


def _run_dot(source: str, fmt: str) -> bytes:
    dot = _dot_program()
    done = subprocess.run([dot, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"graphviz `dot -T{fmt}` failed (exit code {done.returncode}): "
            f"{done.stderr.decode('utf-8', 'replace').strip()}"
        )
    return done.stdout


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
        ValueError
            If the suffix is not one of :data:`FORMATS`.
        GraphvizNotFoundError
            If graphviz's ``dot`` is not installed (not needed for .dot/.gv).
        """
        path = Path(path)
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ValueError(
                f"Diagram.save: cannot tell the format of {str(path)!r} from its suffix "
                f"{path.suffix!r}; use one of {sorted(FORMATS)}."
            )
        data = self.pipe(fmt)
        path.write_bytes(data)
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
_DFG_COLUMNS = ("source", "target", "frequency", "mean_duration", "median_duration")


def _title_params(title):
    return {"enable_graph_title": True, "graph_title": title} if title else {}


def _dfg_source(dfg: pd.DataFrame, measure, statistic, title, rankdir, max_edges):
    from pm4py.visualization.dfg import visualizer as dfg_vis

    from .discovery import END, START

    missing = [c for c in _DFG_COLUMNS if c not in dfg.columns]
    if missing:
        raise JourneyMiningError(
            f"render: the DataFrame is not a directly-follows graph (missing columns {missing}; "
            f"columns present: {list(dfg.columns)}). Pass the result of "
            "journeymining.discover_dfg(log)."
        )
    if measure not in ("frequency", "performance"):
        raise ValueError(f"render: measure={measure!r} must be 'frequency' or 'performance'.")
    if statistic not in ("mean", "median"):
        raise ValueError(f"render: statistic={statistic!r} must be 'mean' or 'median'.")
    is_start = dfg["source"] == START
    is_end = dfg["target"] == END
    inner = dfg[~is_start & ~is_end]
    if max_edges is not None and len(inner) > int(max_edges):
        # keep the most frequent edges and only the activities they touch (pm4py's own cut can
        # drop an activity that is still a start or end activity, and then fails)
        inner = inner.sort_values("frequency", ascending=False, kind="stable").head(int(max_edges))
        shown = set(inner["source"]) | set(inner["target"])
        keep = (is_start & dfg["target"].isin(shown)) | (is_end & dfg["source"].isin(shown))
        dfg = pd.concat([dfg[keep], inner])
        is_start = dfg["source"] == START
        is_end = dfg["target"] == END
    start_activities = dict(zip(dfg.loc[is_start, "target"], dfg.loc[is_start, "frequency"].astype(int)))
    end_activities = dict(zip(dfg.loc[is_end, "source"], dfg.loc[is_end, "frequency"].astype(int)))
    # every event is either the first of its case or the target of one edge
    counts = dfg[~is_end].groupby("target", sort=False)["frequency"].sum()
    activities_count = {a: int(c) for a, c in counts.items()}
    for a in end_activities:
        activities_count.setdefault(a, 0)
    params = {"start_activities": start_activities, "end_activities": end_activities,
              "rankdir": rankdir, **_title_params(title)}
    params["maxNoOfEdgesInDiagram"] = max(len(inner), 1)
    pairs = list(zip(inner["source"], inner["target"]))
    if measure == "frequency":
        values = dict(zip(pairs, inner["frequency"].astype(int)))
        variant = dfg_vis.Variants.FREQUENCY
    else:
        seconds = inner[f"{statistic}_duration"].dt.total_seconds()
        values = dict(zip(pairs, seconds.astype(float)))
        variant = dfg_vis.Variants.PERFORMANCE
    gviz = dfg_vis.apply(values, activities_count=activities_count, variant=variant,
                         parameters=params)
    return gviz.source


def _source_of(obj, *, view, measure, statistic, title, rankdir, max_edges):
    from pm4py.objects.bpmn.obj import BPMN
    from pm4py.objects.heuristics_net.obj import HeuristicsNet
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.process_tree.obj import ProcessTree

    from .discovery import JourneyModel

    if view is not None and not isinstance(obj, JourneyModel):
        raise ValueError("render: view= only applies to a JourneyModel.")
    if isinstance(obj, pd.DataFrame):
        return _dfg_source(obj, measure, statistic, title, rankdir, max_edges)
    if isinstance(obj, JourneyModel):
        views = ("bpmn", "petri_net", "process_tree") if obj.process_tree is not None \
            else ("heuristics_net", "petri_net", "bpmn")
        view = views[0] if view is None else view
        if view not in views:
            raise ValueError(f"render: view={view!r} is not available for a {obj.algorithm} "
                             f"model; use one of {list(views)}.")
        target = {"bpmn": obj.to_bpmn, "petri_net": lambda: (obj.net, obj.initial_marking,
                                                              obj.final_marking),
                  "process_tree": lambda: obj.process_tree,
                  "heuristics_net": lambda: obj.heuristics_net}[view]()
        return _source_of(target, view=None, measure=measure, statistic=statistic, title=title,
                          rankdir=rankdir, max_edges=max_edges)
    if isinstance(obj, PetriNet):
        obj = (obj, Marking(), Marking())
    if (isinstance(obj, tuple) and len(obj) == 3 and isinstance(obj[0], PetriNet)):
        from pm4py.visualization.petri_net import visualizer as pn_vis

        params = {"rankdir": rankdir, **_title_params(title)}
        return pn_vis.apply(obj[0], obj[1], obj[2], parameters=params).source
    if isinstance(obj, ProcessTree):
        from pm4py.visualization.process_tree import visualizer as pt_vis

        return pt_vis.apply(obj, parameters={"rankdir": rankdir, **_title_params(title)}).source
    if isinstance(obj, HeuristicsNet):
        from pm4py.visualization.heuristics_net import visualizer as hn_vis

        return hn_vis.apply(obj, parameters=_title_params(title)).source
    if isinstance(obj, BPMN):
        from pm4py.visualization.bpmn import visualizer as bpmn_vis

        return bpmn_vis.apply(obj, parameters={"rankdir": rankdir, **_title_params(title)}).source
    raise TypeError(
        f"render: cannot draw a {type(obj).__name__}. Pass a DFG DataFrame from discover_dfg, a "
        "JourneyModel from discover_journey, a BPMN from discover_bpmn, a pm4py ProcessTree, "
        "HeuristicsNet, PetriNet or (net, initial_marking, final_marking) tuple."
    )


def render(model, *, view=None, measure="frequency", statistic="mean", title=None,
           rankdir="LR", max_edges=None) -> Diagram:
    """Draw a DFG or a process model.

    Parameters
    ----------
    model : DataFrame, JourneyModel, BPMN, ProcessTree, HeuristicsNet, PetriNet or tuple
        A directly-follows graph from :func:`journeymining.discovery.discover_dfg`, a model from
        :func:`journeymining.discovery.discover_journey` or ``discover_bpmn``, or a pm4py object
        (a Petri net may be given as ``(net, initial_marking, final_marking)``).
    view : {"bpmn", "petri_net", "process_tree", "heuristics_net"}, optional
        For a JourneyModel: which form to draw. Default ``"bpmn"`` for an inductive model and
        ``"heuristics_net"`` for a heuristics model.
    measure : {"frequency", "performance"}, default "frequency"
        For a DFG: label edges with how often they occur, or with their duration.
    statistic : {"mean", "median"}, default "mean"
        For a performance DFG: which duration column labels the edges.
    title : str, optional
        Title drawn above the graph.
    rankdir : {"LR", "TB"}, default "LR"
        Layout direction (left to right, or top to bottom); not used by heuristics nets.
    max_edges : int, optional
        For a DFG: draw only the most frequent edges.

    Returns
    -------
    Diagram
        Displays inline in Jupyter; ``.save(path)`` writes .svg/.png/.pdf.

    Raises
    ------
    TypeError
        If ``model`` is not one of the supported objects.
    ValueError
        If ``view``, ``measure`` or ``statistic`` is not one of the listed values.
    JourneyMiningError
        If a DataFrame without the DFG columns is given.
    GraphvizNotFoundError
        When the drawing is produced (``.svg``, ``.save``, display) and ``dot`` is not installed.

    Examples
    --------
    >>> import pandas as pd
    >>> from journeymining.discovery import discover_dfg
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a"],
    ...     "concept:name": ["Chat", "Resolve"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01 08:00", "2024-05-01 10:00"], utc=True),
    ... })
    >>> d = render(discover_dfg(log), measure="performance")
    >>> "2h" in d.source
    True
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = _source_of(model, view=view, measure=measure, statistic=statistic, title=title,
                            rankdir=rankdir, max_edges=max_edges)
    return Diagram(source)


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
    ValueError
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
        raise ValueError(
            f"save: cannot tell the format of {str(path)!r} from its suffix {path.suffix!r}; "
            f"use one of {sorted(FORMATS)}."
        )
    diagram = model if isinstance(model, Diagram) else render(model, **render_options)
    return diagram.save(path)

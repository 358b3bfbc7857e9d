"""Every state of a process map's sliders and toggle, drawn ahead of time for an offline page.

The HTML report has no kernel behind it, so its process map cannot be redrawn when a reader
moves a slider. :func:`process_map_states` draws the map once per combination of an
activity level, a path level and a view (frequency / performance) -- a small grid, since a map
depends only on the directly-follows graph, whose size is bounded by the number of activities,
not by the number of events -- and keeps each distinct drawing once. The page then only swaps
pictures (see the report's script). Drawings run ``dot`` in a few threads in parallel.

Every state carries a caption with the true figures of what it shows ("9 of 14 activities,
17 of 52 paths"), taken from :func:`journeymining.viz.process_map.process_map_data`.

Examples
--------
>>> import pandas as pd
>>> from journeymining.discover import discover_dfg
>>> log = pd.DataFrame({
...     "case:concept:name": ["a", "a", "a", "b", "b"],
...     "concept:name": ["Open", "Wait", "Close", "Open", "Close"],
...     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03",
...                                       "2024-01-04", "2024-01-05"], utc=True)})
>>> states = process_map_states(discover_dfg(log), activity_levels=(1.0, 0.5), path_levels=(1.0,))
>>> states.caption(1.0, 1.0, "frequency"), states.caption(0.5, 1.0, "frequency")
('3 of 3 activities, 5 of 5 paths', '2 of 3 activities, 3 of 5 paths')
>>> len(states.svgs) <= 4 and all(s.startswith("<svg") for s in states.svgs)
True
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from journeymining.core.errors import JourneyMiningError
from journeymining.viz.process_map import process_map_data, process_map_source
from journeymining.viz.rendering import Diagram, svg_element

__all__ = ["MapStates", "process_map_states", "ACTIVITY_LEVELS", "PATH_LEVELS", "MEASURES"]

#: Default slider positions (shares of activities / paths shown), Disco's coarse steps.
ACTIVITY_LEVELS = (1.0, 0.8, 0.6, 0.4, 0.2, 0.0)
PATH_LEVELS = (1.0, 0.6, 0.4, 0.2, 0.1, 0.0)
MEASURES = ("frequency", "performance")


@dataclass
class MapStates:
    """The drawings of a process map for every slider position and view.

    Attributes
    ----------
    activity_levels, path_levels : tuple of float
        The slider positions, first = most shown.
    measures : tuple of str
        The views (``"frequency"``, ``"performance"``).
    svgs : list of str
        The distinct drawings (SVG documents without XML prolog).
    index : dict
        ``(activity level, path level, measure) -> position in svgs``.
    captions : dict
        ``(activity level, path level, measure) -> "k of n activities, m of p paths"``.
    default : tuple
        The state a page shows first.
    """

    activity_levels: tuple
    path_levels: tuple
    measures: tuple
    svgs: list = field(default_factory=list)
    index: dict = field(default_factory=dict)
    captions: dict = field(default_factory=dict)
    default: tuple = ()

    def svg(self, activities, paths, measure):
        """The drawing of one state (levels must be among the grid's)."""
        return self.svgs[self.index[(activities, paths, measure)]]

    def caption(self, activities, paths, measure):
        """The caption of one state."""
        return self.captions[(activities, paths, measure)]


def _check_levels(levels, name):
    levels = tuple(float(x) for x in levels)
    if not levels or any(not 0 <= x <= 1 for x in levels) or len(set(levels)) != len(levels):
        raise JourneyMiningError(
            f"process_map_states: {name}={levels!r} must be distinct shares between 0 and 1 "
            "(for example (1.0, 0.5, 0.0)).")
    return levels


def process_map_states(dfg, *, activity_levels=ACTIVITY_LEVELS, path_levels=PATH_LEVELS,
                       measures=MEASURES, default=None, max_edges=None, statistic="median",
                       threads=None) -> MapStates:
    """Draw a process map at every combination of activity level, path level and view.

    Parameters
    ----------
    dfg : pandas.DataFrame
        From :func:`journeymining.discover_dfg` (true counts come from it).
    activity_levels, path_levels : sequence of float
        Slider positions (shares in [0, 1], distinct).
    measures : sequence of {"frequency", "performance"}
        Views drawn.
    default : tuple, optional
        ``(activity level, path level, measure)`` shown first. Default: the first activity
        level, the first view, and the first path level (in the order given) whose map draws
        at most ``max_edges`` paths -- or, without ``max_edges``, at most twice as many paths
        as boxes; the last path level when none does.
    max_edges : int, optional
        Paths the default state may draw (see ``default``).
    statistic : {"mean", "median"}, default "median"
        Duration shown in the performance view.
    threads : int, optional
        ``dot`` processes run at once (default: the machine's cores).

    Returns
    -------
    MapStates

    Raises
    ------
    JourneyMiningError
        If a level is not a share, ``measures`` holds something else than the two views, the
        default is not in the grid, or ``dfg`` is not a directly-follows graph.
    GraphvizNotFoundError
        If graphviz's ``dot`` is not installed.
    """
    missing = [c for c in ("source", "target", "frequency", "mean_duration", "median_duration")
               if c not in getattr(dfg, "columns", ())]
    if missing:
        raise JourneyMiningError(
            f"process_map_states: expected a directly-follows graph, not a {type(dfg).__name__} "
            f"missing the columns {missing}. Pass journeymining.discover_dfg(log).")
    activity_levels = _check_levels(activity_levels, "activity_levels")
    path_levels = _check_levels(path_levels, "path_levels")
    measures = tuple(measures)
    if not measures or any(m not in MEASURES for m in measures):
        raise JourneyMiningError(f"process_map_states: measures={measures!r} must be taken from {MEASURES}.")
    if default is not None:
        default = (float(default[0]), float(default[1]), default[2])
    if default is not None and (default[0] not in activity_levels or default[1] not in path_levels
                                or default[2] not in measures):
        raise JourneyMiningError(f"process_map_states: default={default!r} is not a state of the grid "
                                 f"(activity levels {activity_levels}, path levels {path_levels}, "
                                 f"measures {measures}).")
    states = MapStates(activity_levels, path_levels, measures)
    sources, jobs, drawn = {}, [], {}
    n_activities = n_paths = None
    workers = max(1, threads or os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:  # dot runs as a subprocess meanwhile
        for a in activity_levels:
            for p in path_levels:
                selection = process_map_data(dfg, activities=a, paths=p)
                kept_nodes, kept_edges = selection
                if n_activities is None:
                    n_activities, n_paths = len(kept_nodes), len(kept_edges)
                drawn[(a, p)] = (int(kept_nodes["kept"].sum()), int(kept_edges["kept"].sum()))
                caption = (f"{drawn[(a, p)][0]:,} of {n_activities:,} activities, "
                           f"{drawn[(a, p)][1]:,} of {n_paths:,} paths")
                for m in measures:
                    source = process_map_source(dfg, measure=m, statistic=statistic,
                                                selection=selection)
                    if source not in sources:
                        sources[source] = len(jobs)
                        jobs.append(pool.submit(lambda src: Diagram(src).svg, source))
                    states.index[(a, p, m)] = sources[source]
                    states.captions[(a, p, m)] = caption
        states.svgs = [svg_element(job.result()) for job in jobs]
    if default is None:
        a = activity_levels[0]
        fits = [p for p in path_levels
                if drawn[(a, p)][1] <= (max_edges if max_edges is not None else 2 * (drawn[(a, p)][0] + 2))]
        default = (a, fits[0] if fits else path_levels[-1], measures[0])
    states.default = default
    return states

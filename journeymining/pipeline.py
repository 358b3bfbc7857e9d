"""The one pipeline: tickets (or an event log) -> log -> measures -> variants -> everything else.

:func:`analyze` computes an :class:`Analysis` once: the conversion (with its quality report),
the journey settings (goal, resolution, contacts, team plan, SLAs), the case measures of
:mod:`journeymining.measure.definitions` (computed once, reused by KPIs, conformance, cluster
profiles, the CX map and the pain points), the variants and directly-follows graph, the
discovered model, the conformance to the intended map, clusters, KPIs, CX map and pain points.
The command line and the HTML report (:func:`journeymining.report.analysis.write_analysis_report`)
are views of it. Only expected, typed conditions degrade a step (Graphviz missing, too few
variants to cluster); the note says which. Nothing here reads or writes files except through the
readers and the report writer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from journeymining.core import columns as C
from journeymining.core.progress import step
from journeymining.core.errors import JourneyMiningError

__all__ = ["Analysis", "analyze", "load_journey_map", "read_input"]


@dataclass
class Analysis:
    """Everything :func:`analyze` computed; the report and the CLI only look at it.

    Attributes
    ----------
    source : str
        The input (path or ``<DataFrame>``).
    log : pandas.DataFrame
        The event log (annotated with the map's stages, touchpoints and actors where it had none).
    quality : QualityReport or None
        What happened to every input row (None when an event log was given).
    journey_map : JourneyMap or None
    settings : JourneySettings
    measures : CaseMeasures
        Every journey measure per case (the definitions).
    variants, dfg : pandas.DataFrame
    model : JourneyModel or None
    conformance : Conformance or None
    clusterer : VariantClusterer or None
    kpis : dict of str to pandas.DataFrame
        ``overall`` and ``by_channel``, ``by_cluster``, ``by_month`` where they apply.
    cx_map : pandas.DataFrame or None
        None when no event has a stage.
    pain_points : pandas.DataFrame
    end_activities : pandas.DataFrame
        The most common last activities and their shares (to choose a goal from).
    drawings : dict
        ``dfg``: the process map at every slider state
        (:class:`journeymining.viz.map_states.MapStates`); ``model``: the discovered model as a
        graphviz drawing; empty when Graphviz is absent.
    filters : list of str
        The one-line account of every filter applied before the analysis (what it removed).
    notes : list of str
        Steps that were skipped or degraded, and why.
    timings : dict of str to float
        Seconds per step.
    index : pathlib.Path or None
        The written ``index.html`` (when ``out_dir`` was given).
    """

    source: str
    log: pd.DataFrame
    quality: object
    journey_map: object
    settings: object
    measures: object
    variants: pd.DataFrame
    dfg: pd.DataFrame
    model: object
    conformance: object
    clusterer: object
    kpis: dict
    cx_map: object
    pain_points: pd.DataFrame
    end_activities: pd.DataFrame
    drawings: dict = field(default_factory=dict)
    filters: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    index: Path | None = None

    @property
    def n_cases(self):
        return len(self.measures.cases)

    def _repr_html_(self):
        where = f"; report: <code>{self.index}</code>" if self.index else ""
        return f"<p>Analysis of {self.n_cases:,} cases / {len(self.log):,} events{where}</p>"


def load_journey_map(journey_map):
    """A :class:`JourneyMap` from a map, a dict or a YAML/BPMN path (None stays None)."""
    from journeymining.journeymap import JourneyMap

    if journey_map is None or isinstance(journey_map, JourneyMap):
        return journey_map
    if isinstance(journey_map, dict):
        return JourneyMap.from_dict(journey_map)
    return JourneyMap.from_file(journey_map)


def read_input(source, mapping=None):
    """``(log, quality report or None, source name)`` from tickets + mapping, or from an event log.

    Without a mapping, ``source`` must be an event log in pm4py columns (XES, CSV or Parquet
    written by journeymining or pm4py, or a DataFrame).
    """
    if isinstance(source, pd.DataFrame):
        name = "<DataFrame>"
    elif isinstance(source, (str, Path)) or hasattr(source, "__fspath__"):
        name = str(source)
    else:
        name = f"<{type(source).__name__}>"   # e.g. a pm4py EventLog object
    if mapping is not None:
        from journeymining.io import tickets_to_event_log

        conv = tickets_to_event_log(source, mapping, source_name=None if isinstance(source, pd.DataFrame) else name)
        if conv.log.empty:
            raise JourneyMiningError(
                f"analyze: the conversion of {name} kept no event ({conv.report.n_rows:,} rows read, all "
                "quarantined). See the quality report: tickets_to_event_log(tickets, mapping).report.checks"
            )
        return conv.log, conv.report, name
    from journeymining.io import read_event_log

    return read_event_log(source), None, name


def end_activities(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP, top=8):
    """The most common last activities of the cases with their shares (goal candidates)."""
    from journeymining.core.eventlog import code_log

    s = code_log(log, case_id_key, activity_key, timestamp_key, "end_activities")
    last = pd.Series(s.activity_labels[s.acodes[s.starts + s.lengths - 1]], dtype=object)
    counts = last.value_counts()
    return pd.DataFrame({"last activity": counts.index.astype(str), "cases": counts.to_numpy(),
                         "share": counts.to_numpy() / max(len(last), 1)}).head(top)


def analyze(source, mapping=None, *, journey_map=None, out_dir=None, goal=None, resolution=None,
            contacts=None, sla=None, repeat_window="7d", open_window=None, n_clusters="auto",
            random_state=0, alignments=True, time_budget=5.0, max_edges=40, title=None, cluster=True,
            filters=None, overwrite=False):
    """Run the whole journey analysis once; with ``out_dir``, write the HTML report too.

    Parameters
    ----------
    source : str, path or pandas.DataFrame
        A ticket export (with ``mapping``) or an event log in pm4py columns (without).
    mapping : str, path, dict or Mapping, optional
        The ticket mapping (YAML).
    journey_map : str, path, dict or JourneyMap, optional
        The intended journey map (YAML or BPMN): goal, resolution, contacts, team plan, SLAs,
        stage order, and the conformance step.
    out_dir : str or pathlib.Path, optional
        Folder of ``index.html`` and the CSV tables.
    goal, resolution, contacts : str or list of str, optional
        Override the map (or stand in for it). Without a goal, goal-based figures are n/a and the
        report lists the most common last activities to choose from.
    sla : list of dict, optional
        SLA rules (default: the map's).
    repeat_window, open_window : str
        Windows of the recontact and still-open definitions.
    n_clusters : "auto" or int
    random_state : int
    alignments : bool, default True
    time_budget : float, default 5.0
        Alignment seconds per variant.
    max_edges : int, default 40
        Paths the process map shows at first (its path slider starts at the first level that
        draws at most this many).
    title : str, optional
    cluster : bool, default True
        Cluster the journeys.
    filters : list of str or callables, optional
        Filters applied to the log before the analysis (expressions of
        :func:`journeymining.parse_filter`, e.g. ``"time_frame:2024-01-01..2024-06-30:started"``);
        their accounts are in ``Analysis.filters`` and the report.
    overwrite : bool, default False
        Replace a previous report in ``out_dir`` (a folder holding other files is always refused).

    Returns
    -------
    Analysis

    Raises
    ------
    MappingError, InputFileError, EventLogError, JourneyMapError
        Bad input, with the file, key or column and the fix.
    JourneyMiningError
        When the conversion keeps no event.
    """
    jm = load_journey_map(journey_map)
    steps = ["input", "measures", "variants", "discovery"] + (["conformance"] if jm is not None else []) + (
        ["clusters"] if cluster else []) + ["KPIs", "CX map", "pain points"] + (["report"] if out_dir else [])
    timings, notes = {}, []
    clock = [time.perf_counter()]

    def begin(name, detail=""):
        step(f"[{steps.index(name) + 1}/{len(steps)}] {name}{': ' + detail if detail else ''}")
        clock[0] = time.perf_counter()

    def done(name):
        timings[name] = time.perf_counter() - clock[0]

    report_dir = None
    if out_dir is not None:  # refuse a folder in the way before doing any work
        from journeymining.io.outputs import prepare_report_dir

        report_dir = prepare_report_dir(out_dir, overwrite=overwrite)
    from journeymining.core.eventlog import coded_once

    try:
        with coded_once():      # the log is sorted and coded once for all the steps below
            return _analyze(source, mapping, jm=jm, out_dir=out_dir, goal=goal, resolution=resolution,
                            contacts=contacts, sla=sla, repeat_window=repeat_window, open_window=open_window,
                            n_clusters=n_clusters, random_state=random_state, alignments=alignments,
                            time_budget=time_budget, max_edges=max_edges, title=title, cluster=cluster,
                            filters=filters, steps=steps, timings=timings, notes=notes, begin=begin, done=done)
    finally:
        if report_dir is not None:
            report_dir.release()


def _analyze(source, mapping, *, jm, out_dir, goal, resolution, contacts, sla, repeat_window, open_window,
             n_clusters, random_state, alignments, time_budget, max_edges, title, cluster, filters, steps,
             timings, notes, begin, done):
    from journeymining.discover import discover_dfg, discover_journey, variant_table
    from journeymining.measure import JourneySettings, case_measures
    from journeymining.measure.kpis import aggregate

    begin("input", "<DataFrame>" if isinstance(source, pd.DataFrame) else
          (str(source) if isinstance(source, (str, Path)) else f"<{type(source).__name__}>"))
    log, quality, name = read_input(source, mapping)
    if log.empty:
        raise JourneyMiningError(f"analyze: {name} holds no event.")
    accounts = []
    if filters:
        from journeymining.filters import apply_filters, filter_account

        log = apply_filters(log, list(filters))
        accounts = filter_account(log)
        for line in accounts:
            step(f"filter: {line}")
        if log.empty:
            raise JourneyMiningError(f"analyze: the filters removed every case of {name}: " + "; ".join(accounts))
    done("input")
    if jm is not None:
        coverage = jm.coverage(log)
        if coverage < 0.5:
            warning = (f"only {coverage:.0%} of the events are touchpoints of the journey map {jm.name!r}: "
                       "is it the right map, and does the mapping name activities as the map does?")
            notes.append(warning)
            step(f"warning: {warning}")
        log = jm.annotate(log)  # stages, touchpoints and actors from the map where the log has none

    begin("measures")
    settings = JourneySettings.from_map(jm, goal=goal, resolution=resolution, contacts=contacts, sla=sla,
                                        repeat_window=repeat_window, open_window=open_window)
    measures = case_measures(log, settings)
    done("measures")

    begin("variants", f"{len(measures.cases):,} cases, {len(log):,} events")
    variants = variant_table(log)
    done("variants")

    begin("discovery")
    from journeymining.viz import GraphvizNotFoundError, process_map_states, render

    dfg = discover_dfg(log)
    import warnings

    from journeymining.discover.models import DiscoveryLimitWarning

    with warnings.catch_warnings():  # a limit the miner applied is shown once, in the notes
        warnings.simplefilter("ignore", DiscoveryLimitWarning)
        model = discover_journey(log)
    for limit in model.warnings:
        notes.append(str(limit))
        step(f"note: {limit}")
    drawings = {}
    try:
        drawings["dfg"] = process_map_states(dfg, max_edges=max_edges)
        drawings["model"] = render(model)
        _ = drawings["model"].svg
    except GraphvizNotFoundError as exc:
        drawings = {}
        notes.append(f"process-map drawings skipped: {exc}")
    done("discovery")

    conformance = None
    if jm is not None:
        begin("conformance", f"against {jm.name!r}")
        from journeymining.conform import compare_to_map

        conformance = compare_to_map(log, jm, alignments=alignments, time_budget=time_budget,
                                     settings=settings, measures=measures)
        done("conformance")

    clusterer, labels = None, None
    if cluster:
        begin("clusters")
        from journeymining.cluster import ClusteringError, VariantClusterer

        if len(variants) < 3:
            notes.append(f"clustering skipped: only {len(variants)} path variant(s).")
        else:
            try:
                clusterer = VariantClusterer(n_clusters=n_clusters, random_state=random_state,
                                             settings=settings).fit(log, measures=measures)
                labels = clusterer.labels_.rename("cluster")
            except ClusteringError as exc:
                notes.append(f"clustering skipped: {exc}")
        done("clusters")

    begin("KPIs")
    breakdowns = {"overall": None}
    if C.CHANNEL in log.columns and log[C.CHANNEL].notna().any():
        breakdowns["by_channel"] = C.CHANNEL
    if labels is not None:
        breakdowns["by_cluster"] = labels
    breakdowns["by_month"] = "M"
    kpis = {key: aggregate(measures, by=by, log=log) for key, by in breakdowns.items()}
    done("KPIs")

    begin("CX map")
    from journeymining.measure import cx_map_table

    cx = None
    if C.STAGE in log.columns and log[C.STAGE].notna().any():
        cx = cx_map_table(log, journey_map=jm, measures=measures)
    else:
        notes.append("CX map skipped: no event has a stage (map activities to stages in the mapping, "
                     "or pass a journey map).")
    done("CX map")

    begin("pain points")
    from journeymining.measure import pain_points

    pp = pain_points(log, journey_map=jm, conformance=conformance, top=30, measures=measures)
    done("pain points")

    analysis = Analysis(source=name, log=log, quality=quality, journey_map=jm, settings=settings,
                        measures=measures, variants=variants, dfg=dfg, model=model, conformance=conformance,
                        clusterer=clusterer, kpis=kpis, cx_map=cx, pain_points=pp,
                        end_activities=end_activities(log), drawings=drawings, filters=accounts, notes=notes,
                        timings=timings)
    if out_dir is not None:
        begin("report", str(out_dir))
        from journeymining.report.analysis import write_analysis_report

        analysis.index = write_analysis_report(analysis, out_dir, title=title)
        done("report")
    return analysis

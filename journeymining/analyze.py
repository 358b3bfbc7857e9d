"""The main job: ticket export in, offline HTML report out.

:func:`analyze` runs conversion → variants → discovery → conformance (when a journey map is
given) → clusters → KPIs → CX map → pain points, announcing every step on stderr
(``JOURNEYMINING_PROGRESS=0`` silences it), and writes ``out_dir/index.html`` (self-contained:
figures inline, no scripts, fonts or images from the network) plus every table as CSV.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import _columns as C
from ._progress import step
from .errors import JourneyMiningError

__all__ = ["Analysis", "analyze"]


@dataclass
class Analysis:
    """Everything :func:`analyze` computed (the report shows the same objects).

    Attributes
    ----------
    log : pandas.DataFrame
        The converted event log.
    quality : journeymining.quality.QualityReport
        What happened to every input row.
    variants, dfg : pandas.DataFrame
        :func:`journeymining.discovery.variant_table` and ``discover_dfg``.
    model : journeymining.discovery.JourneyModel or None
        The discovered process model (None when discovery failed; see ``notes``).
    conformance : journeymining.conformance.Conformance or None
        Comparison with the journey map (None without a map).
    clusterer : journeymining.clustering.VariantClusterer or None
        The fitted clusterer (None when clustering was not possible; see ``notes``).
    kpis : dict of str to pandas.DataFrame
        ``overall``, and ``by_channel``, ``by_cluster``, ``by_month`` when they apply.
    cx_map : pandas.DataFrame
        :func:`journeymining.cx_map.cx_map_table`.
    pain_points : pandas.DataFrame
        :func:`journeymining.pain_points.pain_points`.
    index : pathlib.Path
        The written ``index.html``.
    timings : dict of str to float
        Seconds per step.
    notes : list of str
        Steps that were skipped or degraded, and why.
    """

    log: pd.DataFrame
    quality: object
    variants: pd.DataFrame
    dfg: pd.DataFrame
    model: object
    conformance: object
    clusterer: object
    kpis: dict
    cx_map: pd.DataFrame
    pain_points: pd.DataFrame
    index: Path
    timings: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def _repr_html_(self):
        return (f"<p>Analysis of {self.log[C.CASE].nunique():,} cases / {len(self.log):,} events; "
                f"report: <code>{self.index}</code></p>")


def _load_map(journey_map):
    from .journey_map import JourneyMap

    if journey_map is None or isinstance(journey_map, JourneyMap):
        return journey_map
    if isinstance(journey_map, dict):
        return JourneyMap.from_dict(journey_map)
    return JourneyMap.from_file(journey_map)


def _close(figures):
    import matplotlib.pyplot as plt

    for fig in figures:
        plt.close(fig)


def _fmt_h(hours):
    if hours != hours:
        return "n/a"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _missing_measures(o):
    missing = [name for name, key in (("teams (org:group)", "handoffs_per_case"),
                                      ("channels", "channel_switches_per_case"), ("CSAT answers", "csat_mean"))
               if o[key] != o[key]]
    return f" (n/a: the log has no {' or '.join(missing)})" if missing else ""


def _pct(x):
    return "n/a" if x != x else f"{x:.1%}"


def _num(x):
    return "n/a" if x != x else f"{x:.3g}"


def analyze(tickets, mapping, *, journey_map=None, out_dir, goal=None, sla=None,
            repeat_window="7d", n_clusters="auto", random_state=0, alignments=True,
            time_budget=5.0, max_edges=40, title=None):
    """Run the whole journey analysis on a ticket export and write the HTML report.

    Parameters
    ----------
    tickets : str, path or pandas.DataFrame
        The ticket export (any format the mapping reads).
    mapping : str, path, dict or Mapping
        The ticket mapping (YAML).
    journey_map : str, path, dict or JourneyMap, optional
        The intended journey map (YAML, or BPMN for ``.bpmn`` files). With it: conformance, the map's stage order in the CX map, its
        goal and SLAs for the KPIs, and deviations among the pain points.
    out_dir : str or pathlib.Path
        Folder of ``index.html`` and the CSV tables (created when missing).
    goal : str or list of str, optional
        Goal activities (default: the map's goal, else the most frequent last activity).
    sla : str or list of dict, optional
        SLA for the KPIs (default: the map's SLAs).
    repeat_window : str, default "7d"
        Window of the repeat-contact KPI.
    n_clusters : "auto" or int, default "auto"
        Clusters of path variants (:class:`journeymining.clustering.VariantClusterer`).
    random_state : int, default 0
        Seed of the clustering.
    alignments : bool, default True
        Compute alignment fitness in the conformance step (slower on many variants).
    time_budget : float, default 5.0
        Seconds per variant for the alignments.
    max_edges : int, default 40
        Edges drawn in the directly-follows graph.
    title : str, optional
        Report title.

    Returns
    -------
    Analysis

    Raises
    ------
    MappingError, InputFileError
        From the conversion.
    JourneyMapError
        When the journey map is invalid.
    JourneyMiningError
        When the conversion keeps no event.
    """
    from .cx_map import DEFAULT_TARGET, _draw
    from .cx_map import _table as _cx_table
    from .discovery import discover_dfg, discover_journey, variant_table
    from .kpis import _journey_kpis_many, _Prepared
    from .pain_points import _pain_points
    from .report import ReportSection, write_report
    from .tickets import tickets_to_event_log

    jm = _load_map(journey_map)
    steps = ["conversion", "variants", "discovery"] + (["conformance"] if jm is not None else []) + [
        "clusters", "KPIs", "CX map", "pain points", "report"]
    timings, notes, figures = {}, [], []
    clock = [time.perf_counter()]

    def begin(name, detail=""):
        i = steps.index(name) + 1
        step(f"[{i}/{len(steps)}] {name}{': ' + detail if detail else ''}")
        clock[0] = time.perf_counter()

    def done(name):
        timings[name] = time.perf_counter() - clock[0]

    source_name = None if isinstance(tickets, pd.DataFrame) else str(tickets)
    begin("conversion", source_name or "<DataFrame>")
    conv = tickets_to_event_log(tickets, mapping, source_name=source_name)
    log = conv.log
    if log.empty:
        raise JourneyMiningError(
            f"analyze: the conversion of {source_name or '<DataFrame>'} kept no event "
            f"({conv.report.n_rows} rows read). See the quality report: "
            "tickets_to_event_log(tickets, mapping).report.checks"
        )
    done("conversion")
    n_cases = log[C.CASE].nunique()
    if jm is not None:
        coverage = jm.coverage(log)
        if coverage < 0.5:
            warning = (f"only {coverage:.0%} of the events are touchpoints of the journey map {jm.name!r}: "
                       "is it the right map, and does the mapping name activities as the map does?")
            notes.append(warning)
            step(f"warning: {warning}")
        log = jm.annotate(log)  # stages, touchpoints and actors from the map where the log has none

    begin("variants", f"{n_cases:,} cases, {len(log):,} events")
    variants = variant_table(log)
    done("variants")

    begin("discovery")
    dfg = discover_dfg(log)
    model, model_svg, dfg_svg = None, None, None
    try:
        from .rendering import render

        dfg_svg = render(dfg, max_edges=max_edges,
                         title=f"Directly-follows graph (the {max_edges} most frequent edges)")
        _ = dfg_svg.svg
    except Exception as exc:  # graphviz missing: the report is still written, without the drawing
        dfg_svg = None
        notes.append(f"directly-follows drawing skipped: {type(exc).__name__}: {exc}")
    try:
        from .rendering import render

        model = discover_journey(log)
        model_svg = render(model, title="Discovered journey model (inductive miner)")
        _ = model_svg.svg
    except Exception as exc:  # pm4py or graphviz failure: the report is still written
        model_svg = None
        notes.append(f"model discovery/drawing skipped: {type(exc).__name__}: {exc}")
    done("discovery")

    conformance = None
    if jm is not None:
        begin("conformance", f"against {jm.name!r}")
        from .conformance import compare_to_map

        conformance = compare_to_map(log, jm, alignments=alignments, time_budget=time_budget)
        done("conformance")
        if goal is None:
            goal = list(jm.goal)
        if sla is None and jm.sla:
            sla = list(jm.sla)

    begin("clusters")
    clusterer, labels = None, None
    try:
        from .clustering import VariantClusterer

        if len(variants) >= 3:
            clusterer = VariantClusterer(n_clusters=n_clusters, random_state=random_state).fit(log)
            labels = clusterer.labels_.rename("cluster")
        else:
            notes.append(f"clustering skipped: only {len(variants)} path variant(s).")
    except Exception as exc:  # optional step: the report says why it is missing
        clusterer, labels = None, None
        notes.append(f"clustering skipped: {type(exc).__name__}: {exc}")
    done("clusters")

    begin("KPIs")
    if goal is None:
        goal_source = "the most frequent last activity; pass goal= (--goal) or a journey map to set it"
    else:
        goal_source = "the journey map's goal" if jm is not None and list(goal) == list(jm.goal) else "as given"
    breakdowns = {"overall": None}
    if C.CHANNEL in log.columns and log[C.CHANNEL].notna().any():
        breakdowns["by_channel"] = C.CHANNEL
    if labels is not None:
        breakdowns["by_cluster"] = labels
    breakdowns["by_month"] = "M"
    prepared = _Prepared(log, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                         timestamp_key=C.TIMESTAMP, verb="analyze")
    if goal is None:
        from .kpis import _goal_list

        goal = _goal_list(None, prepared)
    frames = _journey_kpis_many(log, list(breakdowns.values()), goal=goal, sla=sla,
                                repeat_window=repeat_window, prepared=prepared)
    kpis = dict(zip(breakdowns, frames))
    done("KPIs")

    begin("CX map")
    cx = _cx_table(prepared, journey_map=jm, stage_key=C.STAGE, csat_key=C.CSAT,
                   group_key=C.GROUP, channel_key=C.CHANNEL, touchpoint_key=C.TOUCHPOINT,
                   target=DEFAULT_TARGET, wait_scale="2d", min_responses=5)
    cx_fig = _draw(cx, title="Customer experience along the journey")
    figures.append(cx_fig)
    done("CX map")

    begin("pain points")
    pp = _pain_points(prepared, log, journey_map=jm, conformance=conformance, goal=goal, top=30,
                      min_cases=1, slow_quantile=0.75, examples=3, csat_key=C.CSAT,
                      resource_key=C.RESOURCE)
    done("pain points")

    begin("report", str(out_dir))
    o = kpis["overall"].iloc[0]
    start, end = log[C.TIMESTAMP].min(), log[C.TIMESTAMP].max()
    summary = conv.report.summary
    sections = [ReportSection(
        "Overview",
        f"{n_cases:,} journeys ({len(log):,} events) from {start:%Y-%m-%d} to {end:%Y-%m-%d}, "
        f"{len(variants):,} path variants.\n"
        f"Median journey {_fmt_h(o['throughput_median_h'])} (90 % within "
        f"{_fmt_h(o['throughput_p90_h'])}); goal ({', '.join(map(str, goal))}: {goal_source}) "
        f"reached {_pct(o['goal_rate'])}; "
        f"first-contact resolution {_pct(o['fcr_rate'])}; repeat contact "
        f"{_pct(o['repeat_contact_rate'])}; reopened {_pct(o['reopen_rate'])}; "
        f"{_num(o['handoffs_per_case'])} handoffs and {_num(o['channel_switches_per_case'])} channel "
        f"switches per journey; "
        f"CSAT {_num(o['csat_mean'])} ({_pct(o['csat_response_rate'])} answered)"
        + _missing_measures(o) + "."
        + ("\n\nNotes: " + " ".join(notes) if notes else ""),
        tables={"conversion": summary.reset_index(), "quality checks": conv.report.checks},
    )]
    sections.append(ReportSection(
        "Path variants",
        "The distinct paths journeys take, most frequent first (activities joined with →).",
        tables={"variants": variants.drop(columns=["activities"], errors="ignore")},
    ))
    figs = [("Directly-follows graph", dfg_svg)] if dfg_svg is not None else []
    if model_svg is not None:
        figs.append(("Discovered journey model", model_svg))
    sections.append(ReportSection(
        "Journey model", "How journeys actually flow, discovered from the events.", figures=figs,
        tables={"directly-follows edges": dfg.assign(
            mean_hours=dfg["mean_duration"].dt.total_seconds() / 3600,
            median_hours=dfg["median_duration"].dt.total_seconds() / 3600,
        ).drop(columns=["mean_duration", "median_duration"])},
    ))
    if conformance is not None:
        s = conformance.summary()
        map_fig = conformance.plot_map()
        figures.append(map_fig)
        m = s["metrics"]
        sections.append(ReportSection(
            "Intended vs actual journey",
            f"Compared with the journey map {s['journey_map']!r}: {s['conforming_cases']:,} of "
            f"{s['cases']:,} journeys follow it; goal reached {_pct(s['reached_goal'])}. "
            + ", ".join(f"{k} {v:.3f}" for k, v in m.items() if v is not None) + "."
            + (f" Only {s['map_coverage']:.0%} of the events are touchpoints of the map."
               if s.get("map_coverage") is not None and s["map_coverage"] < 0.5 else ""),
            figures=[("Share of journeys deviating at each touchpoint", map_fig)],
            tables={"deviations by kind": conformance.kind_table(),
                    "deviations by stage": conformance.by_stage.reset_index(),
                    "deviations by touchpoint": conformance.by_touchpoint.reset_index(),
                    "funnel": conformance.funnel,
                    "deviations": conformance.deviations.assign(
                        hours_lost=conformance.deviations["time_lost"].dt.total_seconds() / 3600
                    ).drop(columns=["time_lost"])},
        ))
    if clusterer is not None:
        sections.append(ReportSection(
            "Journey clusters",
            f"{clusterer.n_clusters_} groups of similar paths (VariantClusterer, "
            f"encoding {clusterer.encoding!r}, method {clusterer.method!r}).",
            tables={"clusters": clusterer.cluster_profiles_.reset_index()},
        ))
    sections.append(ReportSection(
        "Journey KPIs",
        "Definitions: throughput = first to last event; first-contact resolution = goal reached "
        "with at most one customer contact and no reopen; repeat contact = the same customer "
        f"opens another case within {repeat_window}; handoff = change of team between "
        "consecutive events (see journeymining.kpis).",
        tables={f"KPIs {k.replace('_', ' ')}": v for k, v in kpis.items()},
    ))
    sections.append(ReportSection(
        "Customer experience map",
        "Satisfaction per stage: CSAT where enough answers exist, otherwise a proxy from waiting "
        "time, rework and handoffs on the same 1-5 scale (hollow markers); the dashed line is the "
        "intended level (see journeymining.cx_map).",
        figures=[("CX map", cx_fig)], tables={"cx map": cx},
    ))
    sections.append(ReportSection(
        "Pain points",
        "Deviations, waits and drop-offs ranked by impact = cases affected × hours lost per case. "
        "Hours lost per case: for a wait A → B, the median time between the two steps (listed when that "
        "median is in the slowest quarter of all step-to-step waits; waits before the customer's own "
        "steps are left out); for a drop-off, the median throughput time of the journeys that ended "
        "without the goal; for a deviation kind (SLA breaches included), the median throughput time of "
        "the affected journeys minus that of the others (0 when they are not slower). "
        "Definitions: journeymining.pain_points.",
        tables={"pain points": pp},
    ))
    sections.append(ReportSection(
        "Run", "Seconds per step of this analysis.",
        tables={"timings": pd.DataFrame({"step": list(timings), "seconds": list(timings.values())})},
    ))
    out = Path(out_dir)
    page = write_report(out, sections, title=title or "Customer journey report",
                        subtitle=f"{source_name or 'DataFrame'} · {n_cases:,} journeys")
    _close(figures)
    done("report")
    return Analysis(log=log, quality=conv.report, variants=variants, dfg=dfg, model=model,
                    conformance=conformance, clusterer=clusterer, kpis=kpis, cx_map=cx,
                    pain_points=pp, index=page, timings=timings, notes=notes)

"""The HTML report of an :class:`journeymining.pipeline.Analysis`: a view, computing nothing new.

Every headline figure is shown with its definition (from :mod:`journeymining.measure.definitions`)
or "n/a, because ..." when the log cannot support it; ``summary.json`` holds the same figures with
the same definitions.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from journeymining.core import columns as C
from journeymining.core.durations import format_hours
from journeymining.core.numbers import format_share
from journeymining.io.outputs import atomic_path
from journeymining.measure import DEFINITIONS
from journeymining.report.html import ReportSection, write_report

__all__ = ["headline", "write_analysis_report"]

#: Headline figures: key, label, KPI column of the overall KPIs, measure key, kind of value.
HEADLINE = [
    ("goal_rate", "goal reached", "goal_rate", "goal_reached", "share"),
    ("open_rate", "still open", "open_rate", "outcome", "share"),
    ("dropped_rate", "dropped off", "dropped_rate", "outcome", "share"),
    ("resolution_rate", "resolved", "resolution_rate", "resolved", "share"),
    ("fcr_rate", "first-contact resolution", "fcr_rate", "fcr", "share"),
    ("reopen_rate", "reopened", "reopen_rate", "reopens", "share"),
    ("repeat_contact_rate", "repeat contact in the case", "repeat_contact_rate", "repeat_contacts", "share"),
    ("recontact_rate", "customer came back (new case)", "recontact_rate", "recontact", "share"),
    ("handoffs_per_case", "handoffs per case", "handoffs_per_case", "handoffs", "number"),
    ("unplanned_handoffs_per_case", "unplanned handoffs per case", "unplanned_handoffs_per_case",
     "unplanned_handoffs", "number"),
    ("ping_pong_rate", "ping-pong between teams", "ping_pong_rate", "ping_pongs", "share"),
    ("handovers_per_case", "handovers of work per case", "handovers_per_case", "handovers", "number"),
    ("channel_switches_per_case", "channel switches per case", "channel_switches_per_case",
     "channel_switches", "number"),
    ("sla_breach_rate", "cases with an SLA breach", "sla_breach_rate", "sla_breaches", "share"),
    ("throughput_median_h", "median throughput time", "throughput_median_h", "throughput_h", "hours"),
    ("time_to_resolution_median_h", "median time to resolution", "time_to_resolution_median_h",
     "time_to_resolution_h", "hours"),
    ("csat_mean", "CSAT (1-5)", "csat_mean", "csat", "number"),
]


def _pct(x):
    """A share in per cent; never rounds to a false 0 % or 100 %."""
    return format_share(x, decimals=1)


def _value(x, kind):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if kind == "share":
        return _pct(x)
    if kind == "hours":
        return format_hours(x)
    return f"{x:.3g}"


def headline(analysis):
    """The headline figures: one dict per figure with value, text, label, definition, n/a reason."""
    overall = analysis.kpis["overall"].iloc[0]
    na = analysis.measures.na
    out = []
    for key, label, kpi, measure, kind in HEADLINE:
        value = overall.get(kpi, float("nan"))
        value = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
        d = DEFINITIONS[measure]
        reason = na.get(measure) if value is None else None
        out.append({"key": key, "label": label, "value": value, "text": _value(value, kind),
                    "definition": d.text, "source": d.source,
                    "n/a because": reason or ("" if value is not None else "no case has this measure")})
    return out


def _settings_lines(analysis):
    s = analysis.settings
    lines = list(s.describe())
    lines.append(f"still-open window: {format_hours(analysis.measures.open_window.value / 3.6e12)} "
                 f"({'given' if s.open_window is not None else '95th percentile of the gaps between consecutive events'})")
    return lines


def _hours_as_durations(frame):
    """Columns in hours shown as durations in the page (min / h / d); the CSV keeps the numbers."""
    out = frame.copy()
    for col in out.columns:
        if (col.endswith("_h") or "_h[" in col) and pd.api.types.is_numeric_dtype(out[col]):
            out[col] = pd.to_timedelta(out[col], unit="h")
    return out


def _close(figures):
    import matplotlib.pyplot as plt

    for fig in figures:
        plt.close(fig)


def write_analysis_report(analysis, out_dir, *, title=None):
    """Write ``index.html``, the tables as CSV and ``summary.json`` for an Analysis.

    Returns
    -------
    pathlib.Path
        The ``index.html``.
    """
    a = analysis
    m = a.measures
    log = a.log
    figures = []
    cards = headline(a)
    start, end = log[C.TIMESTAMP].min(), log[C.TIMESTAMP].max()
    overview = (f"{a.n_cases:,} journeys ({len(log):,} events) from {start:%Y-%m-%d} to {end:%Y-%m-%d}, "
                f"{len(a.variants):,} path variants.")
    text = [overview, "Settings: " + "; ".join(_settings_lines(a)) + "."]
    if not a.settings.goal:
        text.append("No goal was given, so goal-based figures are n/a. The most common last activities "
                    "are listed below: pass one as --goal (or goal: in a journey map).")
    if a.filters:
        text.append("Filters applied before the analysis: " + "; ".join(a.filters) + ".")
    if a.notes:
        text.append("Notes: " + " ".join(a.notes))
    tables = {}
    if a.quality is not None:
        tables["conversion"] = a.quality.summary.reset_index()
        tables["quality checks"] = a.quality.checks
    if not a.settings.goal:
        tables["most common last activities"] = a.end_activities
    sections = [ReportSection(
        "Overview", "\n\n".join(text), tables=tables,
        figures_of_merit=[(c["label"], c["text"], c["definition"] if c["value"] is not None
                           else f"n/a, because {c['n/a because']}") for c in cards])]
    sections.append(ReportSection(
        "Definitions",
        "Every figure of this report follows one definition, computed once per case "
        "(journeymining.measure.definitions).",
        tables={"definitions": m.definitions()}))
    sections.append(ReportSection(
        "Path variants", "The distinct paths journeys take, most frequent first (activities joined with →).",
        tables={"variants": a.variants.drop(columns=["activities"], errors="ignore")}))
    maps = [("Process map (directly-follows graph): move the sliders to show more or fewer activities "
             "and paths, switch to the performance view for median waits", a.drawings["dfg"])] \
        if "dfg" in a.drawings else []
    figs = [("Discovered journey model (inductive miner, BPMN)", a.drawings["model"])] if "model" in a.drawings else []
    sections.append(ReportSection(
        "Journey model",
        "How journeys actually flow, discovered from the events. Boxes show how often an activity occurs, "
        "arrows how often one activity directly follows another (true counts from the log, whatever the "
        "sliders hide); the map stays connected at every slider position.",
        maps=maps, figures=figs, tables={"directly-follows edges": a.dfg}))
    if a.conformance is not None:
        from journeymining.conform import KIND_DEFINITIONS, KIND_LABELS

        conf = a.conformance
        s = conf.summary()
        from journeymining.viz import plot_funnel

        map_fig = conf.plot_map()
        funnel_fig = plot_funnel(conf.funnel)
        figures += [map_fig, funnel_fig]
        metrics = ", ".join(f"{k} {v:.3f}" for k, v in s["metrics"].items() if v is not None)
        sections.append(ReportSection(
            "Intended vs actual journey",
            f"Compared with the journey map {s['journey_map']!r}: {s['conforming_cases']:,} of {s['cases']:,} "
            f"journeys follow it. {metrics}."
            + (f" Only {s['map_coverage']:.0%} of the events are touchpoints of the map."
               if s.get("map_coverage") is not None and s["map_coverage"] < 0.5 else "")
            + ("\n\nNot assessed: " + "; ".join(f"{KIND_LABELS[k]} ({v})" for k, v in conf.not_assessed.items())
               if conf.not_assessed else ""),
            figures=[("Share of journeys deviating at each touchpoint", map_fig),
                     ("Stage funnel: share of journeys that reached each stage (or a later one) and that "
                      "passed through it", funnel_fig)],
            tables={"deviations by kind": conf.kind_table(),
                    "deviations by stage": conf.by_stage.reset_index(),
                    "deviations by touchpoint": conf.by_touchpoint.reset_index(),
                    "stage funnel": conf.funnel,
                    "break points": conf.break_points,
                    "deviations": conf.deviations},
            definitions=[(KIND_LABELS[k], KIND_DEFINITIONS[k]) for k in KIND_LABELS]
            + [("stage funnel", "cases = passed through the stage; reached = got to it or a later stage; "
                                "skipped = the difference")]))
    if a.clusterer is not None:
        c = a.clusterer
        sections.append(ReportSection(
            "Journey clusters",
            f"{c.n_clusters_} groups of similar paths (VariantClusterer, encoding {c.encoding!r}, method "
            f"{c.method!r}). Goal and reopen shares use the same definitions and goal as the rest of the report.",
            tables={"clusters": c.cluster_profiles_.reset_index()}))
    from journeymining.measure import kpi_definitions

    from journeymining.viz import plot_kpi_trend, plot_pain_points

    kdefs = kpi_definitions(m)
    trend = []
    if len(a.kpis.get("by_month", ())) >= 2:
        trend_fig = plot_kpi_trend(a.kpis["by_month"])
        figures.append(trend_fig)
        trend = [("KPIs by the month in which the journeys started; the last months hold journeys still "
                  "open", trend_fig)]
    sections.append(ReportSection(
        "Journey KPIs",
        "Each KPI aggregates one measure of the definitions (table below); durations are shown in "
        "minutes, hours or days, the CSV files hold hours.",
        figures=trend,
        tables={f"KPIs {k.replace('_', ' ')}": _hours_as_durations(v) for k, v in a.kpis.items()}
        | {"KPI definitions": kdefs}))
    if a.cx_map is not None:
        from journeymining.measure import draw_cx_map

        cx_fig = draw_cx_map(a.cx_map)
        figures.append(cx_fig)
        sections.append(ReportSection(
            "CX map",
            "Top: what customers said (CSAT answers at the events they answer, per stage; no score below 5 "
            "answers). Bottom: the friction index, what the log shows of waits, rework and handoffs; it is "
            "not satisfaction and is never drawn on the CSAT axis.",
            figures=[("CX map", cx_fig)], tables={"cx map": _hours_as_durations(a.cx_map)},
            definitions=[("CSAT", DEFINITIONS["csat"].text),
                         ("friction index", "(min(1, median wait / 2 d) + rework share + min(1, handoffs per "
                                            "case)) / 3; waits before automatic steps are left out"),
                         ("time in stage", DEFINITIONS["stage_time"].text)]))
    pain_fig = plot_pain_points(a.pain_points)
    figures.append(pain_fig)
    sections.append(ReportSection(
        "Pain points",
        "Waits, drop-offs and deviations ranked by impact = cases affected × hours lost per case; one "
        "event behind a problem gives one pain point.",
        figures=[("The ten pain points with the largest impact, in case-days", pain_fig)],
        tables={"pain points": a.pain_points},
        definitions=[("wait", "a slow step-to-step wait (median in the slowest quarter); waits before automatic "
                              "steps (timers) and before the customer's own steps are not pain points"),
                     ("drop-off", "cases whose outcome is dropped (not the ones still open); hours lost = their "
                                  "median throughput time"),
                     ("deviation kinds", "the primary deviation of each event; hours lost = median throughput of "
                                         "the affected cases minus that of the others")]))
    sections.append(ReportSection("Run", "Seconds per step of this analysis.", tables={
        "timings": pd.DataFrame({"step": list(a.timings), "seconds": list(a.timings.values())})}))
    out = Path(out_dir)
    page = write_report(out, sections, title=title or "Customer journey report",
                        subtitle=f"{a.source} · {a.n_cases:,} journeys")
    if a.model is not None:
        from journeymining.viz import write_bpmn

        write_bpmn(a.model, out / "model.bpmn")  # the discovered model for BPMN modellers
    _close(figures)
    summary = {
        "source": a.source, "cases": a.n_cases, "events": int(len(log)), "variants": int(len(a.variants)),
        "settings": _settings_lines(a),
        "headline": {c["key"]: {"label": c["label"], "value": c["value"], "text": c["text"],
                                "definition": c["definition"], "source": c["source"],
                                "n/a because": c["n/a because"]} for c in cards},
        "filters": list(a.filters),
        "notes": list(a.notes),
    }
    if a.conformance is not None:
        summary["conformance"] = a.conformance.summary()
    with atomic_path(out / "summary.json") as part:
        part.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return page

"""Charts of the journey results a manager reads first: stage funnel, pain points, KPI trends, drift.

Each function draws a table the pipeline already computed (``Conformance.funnel``,
:func:`journeymining.measure.pain_points`, ``journey_kpis(..., by="month")``,
:func:`journeymining.measure.detect_drift`, ``CohortComparison.edges``) and computes nothing
new, so a bar is always the number in the table next to it. Every function returns a
:class:`matplotlib.figure.Figure` that is not registered with pyplot (nothing pops up, nothing
leaks between notebook cells).

Examples
--------
>>> import pandas as pd
>>> funnel = pd.DataFrame({"step": ["Contact", "Resolve", "goal: Closed"], "cases": [10, 8, 6],
...                        "share": [1.0, 0.8, 0.6], "reached": [10, 9, 6],
...                        "share_reached": [1.0, 0.9, 0.6], "skipped": [0, 1, 0]})
>>> fig = plot_funnel(funnel)
>>> [round(float(b.get_width()), 2) for b in fig.axes[0].patches][:3]
[1.0, 0.9, 0.6]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeymining.core.errors import JourneyMiningError
from journeymining.viz.charts import check_top, new_figure, shorten

__all__ = ["plot_funnel", "plot_pain_points", "plot_kpi_trend", "plot_drift", "plot_cohort_edges",
           "TREND_SHARES"]

#: The shares :func:`plot_kpi_trend` draws by default, with their labels.
TREND_SHARES = {"goal_rate": "goal reached", "fcr_rate": "first-contact resolution",
                "reopen_rate": "reopened", "sla_breach_rate": "SLA breach", "dropped_rate": "dropped off"}

_REACHED, _PASSED, _MUTED = "#9ecae1", "#2171b5", "#5b6372"


def _require(table, columns, what, source):
    if not isinstance(table, pd.DataFrame):
        raise JourneyMiningError(f"{what}: expected a DataFrame ({source}); got {type(table).__name__}.")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise JourneyMiningError(
            f"{what}: the table has no column(s) {missing} (it has {list(table.columns)}). Pass {source}.")


def plot_funnel(funnel, *, title="Stage funnel", ax=None):
    """The stage funnel as horizontal bars: reached (pale) and passed through (dark), per step.

    Parameters
    ----------
    funnel : pandas.DataFrame
        ``Conformance.funnel``: columns ``step``, ``cases``, ``share``, ``reached``,
        ``share_reached``, ``skipped`` (one row per stage, then the goal).
    ax : matplotlib Axes, optional

    Notes
    -----
    *Reached* is the share of cases that got to the stage or a later one; *passed through* the
    share that had an event in it; the gap between the two is the share that skipped it. Each bar
    is labelled with its case count.
    """
    _require(funnel, ["step", "cases", "share", "reached", "share_reached"], "plot_funnel",
             "Conformance.funnel")
    if ax is None:
        fig = new_figure((7.5, 0.55 * len(funnel) + 1.4))
        ax = fig.add_subplot()
    fig = ax.figure
    y = np.arange(len(funnel))
    ax.barh(y, funnel["share_reached"], color=_REACHED, label="reached (this stage or later)")
    ax.barh(y, funnel["share"], height=0.5, color=_PASSED, label="passed through")
    for yi, (share, cases, reached) in enumerate(zip(funnel["share"], funnel["cases"], funnel["reached"])):
        ax.text(min(float(share), 1.0) + 0.01, yi, f"{int(cases):,} passed through, {int(reached):,} reached",
                va="center", fontsize=9, color=_MUTED)
    ax.set_yticks(y, [shorten(s, 40) for s in funnel["step"]])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.5)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0 %", "25 %", "50 %", "75 %", "100 %"])
    ax.set_xlabel("share of cases")
    ax.set_title(title, loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.12 - 0.6 / len(funnel)), fontsize=8, frameon=False,
              ncols=2)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_pain_points(pain_points, *, top=10, title="Pain points by impact", ax=None):
    """The top pain points as ranked bars of impact in case-days (cases affected × days lost).

    Parameters
    ----------
    pain_points : pandas.DataFrame
        :func:`journeymining.measure.pain_points` (columns ``kind``, ``where``, ``cases``,
        ``hours_lost_per_case``, ``impact_case_hours``), ranked.
    top : int
        How many to draw (the table holds all of them).

    Notes
    -----
    A bar is labelled with the cases affected and the days lost per case, so its length can be
    checked by hand: impact = cases × hours lost per case / 24.
    """
    _require(pain_points, ["kind", "where", "cases", "hours_lost_per_case", "impact_case_hours"],
             "plot_pain_points", "the pain_points table")
    check_top(top, "plot_pain_points")
    rows = pain_points.sort_values("impact_case_hours", ascending=False, kind="stable").head(top)
    if ax is None:
        fig = new_figure((8.5, 0.45 * max(len(rows), 1) + 1.4))
        ax = fig.add_subplot()
    fig = ax.figure
    if rows.empty:
        ax.text(0.5, 0.5, "no pain point above the thresholds", ha="center", va="center",
                transform=ax.transAxes, color=_MUTED)
        ax.set_axis_off()
        return fig
    days = rows["impact_case_hours"].to_numpy(dtype=float) / 24.0
    y = np.arange(len(rows))
    kinds = list(dict.fromkeys(rows["kind"]))
    from matplotlib import colormaps

    palette = colormaps["tab10"]
    colours = [palette(kinds.index(k) % 10) for k in rows["kind"]]
    ax.barh(y, days, color=colours)
    for yi, (d, cases, lost) in enumerate(zip(days, rows["cases"], rows["hours_lost_per_case"])):
        ax.text(d, yi, f"  {int(cases):,} cases × {float(lost) / 24:.1f} d", va="center", fontsize=8.5,
                color=_MUTED)
    labels = [f"{k.replace('_', ' ')}: {shorten(w, 38)}" for k, w in zip(rows["kind"], rows["where"])]
    ax.set_yticks(y, labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, days.max() * 1.45 if days.max() > 0 else 1)
    ax.set_xlabel("impact: case-days lost (cases × days lost per case)")
    ax.set_title(title, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_kpi_trend(by_period, *, shares=None, duration="throughput_median_h", min_cases=20,
                   title="KPIs by month"):
    """KPI trends per period: shares in per cent (top) and a duration in days (bottom).

    Parameters
    ----------
    by_period : pandas.DataFrame
        ``journey_kpis(log, by="month")`` (or ``Analysis.kpis["by_month"]``): a ``period`` column,
        ``cases`` and the KPI columns.
    shares : list of str, optional
        KPI columns between 0 and 1 to draw (default: those of :data:`TREND_SHARES` that the
        table has with at least one value).
    duration : str or None
        A KPI column in hours, drawn in days; ``None`` leaves the bottom panel out.
    min_cases : int
        Periods with fewer cases are drawn as hollow markers: their shares swing by chance.

    Notes
    -----
    Cases belong to the period in which they started; the last periods hold cases that are still
    open, so their goal share is lower for that reason alone (the report's *still open* figure).
    """
    _require(by_period, ["period", "cases"], "plot_kpi_trend", 'journey_kpis(log, by="month")')
    if shares is None:
        shares = [c for c in TREND_SHARES if c in by_period.columns and by_period[c].notna().any()]
    _require(by_period, list(shares) + ([duration] if duration else []), "plot_kpi_trend",
             'journey_kpis(log, by="month") and KPI names from kpi_definitions()')
    shares = list(shares)
    if not shares and not duration:
        raise JourneyMiningError(
            "plot_kpi_trend: nothing to draw: the table has none of the shares "
            f"{list(TREND_SHARES)} with a value and duration is None. Pass shares=[...] or duration=...")
    panels = int(bool(shares)) + int(bool(duration))
    fig = new_figure((9, 3.0 * panels + 0.6))
    axes = list(fig.subplots(panels, 1, sharex=True, squeeze=False)[:, 0])
    x = np.arange(len(by_period))
    small = by_period["cases"].to_numpy() < min_cases
    from matplotlib import colormaps

    palette = colormaps["tab10"]

    def line(ax, values, colour, label):
        values = np.asarray(values, dtype=float)
        ax.plot(x, values, color=colour, lw=1.6, label=label)
        ax.scatter(x[~small], values[~small], color=colour, s=14, zorder=3)
        ax.scatter(x[small], values[small], facecolors="white", edgecolors=colour, s=18, zorder=3)

    if shares:
        for i, col in enumerate(shares):
            line(axes[0], by_period[col].to_numpy(dtype=float) * 100, palette(i % 10),
                 TREND_SHARES.get(col, col))
        axes[0].set_ylabel("% of cases started in the period")
        axes[0].set_ylim(0, 100)
        axes[0].legend(fontsize=8, frameon=False, ncols=min(len(shares), 3), loc="upper left",
                       bbox_to_anchor=(0, 1.18))
    if duration:
        line(axes[-1], by_period[duration].to_numpy(dtype=float) / 24, _PASSED, duration)
        axes[-1].set_ylabel(f"{duration.removesuffix('_h').replace('_', ' ')} (days)")
        axes[-1].set_ylim(bottom=0)
    step = max(1, len(x) // 12)
    axes[-1].set_xticks(x[::step], [str(p) for p in by_period["period"].iloc[::step]], rotation=45, ha="right")
    if small.any():
        axes[-1].set_xlabel(f"period (hollow: fewer than {min_cases} cases)")
    for ax in axes:
        ax.grid(axis="y", color="#e6e8ec")
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title, x=0.01, ha="left")
    return fig


def plot_drift(drift, *, title="Change over time"):
    """The drift table as a figure: distances to the previous period (top), cases per period (bottom).

    Parameters
    ----------
    drift : pandas.DataFrame
        :func:`journeymining.measure.detect_drift`: ``period``, ``closed_cases``, ``open_cases``,
        ``edge_distance``, ``variant_distance``, ``change``.

    Notes
    -----
    A red ring marks a period the calibrated test flags as changed (``change``); periods with
    too few closed cases have no distance and no marker. Open cases are drawn on top of the closed
    ones: they are left out of the comparison (right-censoring), so a period made mostly of them
    says little.
    """
    _require(drift, ["period", "closed_cases", "open_cases", "edge_distance", "variant_distance", "change"],
             "plot_drift", "the detect_drift(log) table")
    fig = new_figure((9, 5.2))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    x = np.arange(len(drift))
    edge = drift["edge_distance"].to_numpy(dtype=float)
    top.plot(x, edge, color=_PASSED, lw=1.6, marker="o", ms=3.5, label="edge distance")
    top.plot(x, drift["variant_distance"].to_numpy(dtype=float), color="#fd8d3c", lw=1.2, marker="o", ms=3,
             label="variant distance")
    change = drift["change"].fillna(False).to_numpy(dtype=bool)
    top.scatter(x[change], edge[change], s=70, facecolors="none", edgecolors="#c44e52", lw=2, zorder=4,
                label="changed (calibrated test)")
    top.set_ylabel("distance to the previous period")
    top.set_ylim(bottom=0)
    top.legend(fontsize=8, frameon=False, loc="upper left", ncols=3)
    closed = drift["closed_cases"].to_numpy(dtype=float)
    bottom.bar(x, closed, color=_REACHED, label="closed cases (compared)")
    bottom.bar(x, drift["open_cases"].to_numpy(dtype=float), bottom=closed, color="#d9d9d9",
               label="still open (left out)")
    bottom.set_ylabel("cases started")
    bottom.legend(fontsize=8, frameon=False, loc="upper left", ncols=2)
    step = max(1, len(x) // 12)
    bottom.set_xticks(x[::step], [str(p) for p in drift["period"].iloc[::step]], rotation=45, ha="right")
    for ax in (top, bottom):
        ax.grid(axis="y", color="#e6e8ec")
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title, x=0.01, ha="left")
    return fig


def plot_cohort_edges(comparison, *, top=12, title=None):
    """The paths that differ most between two cohorts: share of cases with each edge, A beside B.

    Parameters
    ----------
    comparison : CohortComparison
        From :func:`journeymining.measure.compare_cohorts`; its ``edges`` table is drawn.
    top : int
        The edges with the largest absolute difference in share, significant ones first.

    Notes
    -----
    Each pair of bars is labelled with the case counts behind it; ``*`` marks an edge whose
    difference is significant after the comparison's multiple-testing correction.
    """
    edges = getattr(comparison, "edges", None)
    _require(edges, ["source", "target", "cases_a", "cases_b", "share_a", "share_b", "share_diff", "significant"],
             "plot_cohort_edges", "the result of compare_cohorts(log_a, log_b)")
    check_top(top, "plot_cohort_edges")
    a, b = comparison.labels
    rows = (edges.assign(_abs=edges["share_diff"].abs(), _sig=edges["significant"].fillna(False).astype(bool))
            .sort_values(["_sig", "_abs"], ascending=[False, False], kind="stable").head(top))
    fig = new_figure((8.5, 0.5 * max(len(rows), 1) + 1.6))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ax.barh(y - 0.2, rows["share_a"], height=0.38, color=_REACHED, label=str(a))
    ax.barh(y + 0.2, rows["share_b"], height=0.38, color=_PASSED, label=str(b))
    for yi, (sa, sb, ca, cb) in enumerate(zip(rows["share_a"], rows["share_b"], rows["cases_a"], rows["cases_b"])):
        ax.text(float(sa) + 0.01, yi - 0.2, f"{int(ca):,}", va="center", fontsize=8, color=_MUTED)
        ax.text(float(sb) + 0.01, yi + 0.2, f"{int(cb):,}", va="center", fontsize=8, color=_MUTED)
    labels = [f"{'* ' if sig else ''}{shorten(src, 24)} → {shorten(dst, 24)}"
              for src, dst, sig in zip(rows["source"], rows["target"], rows["_sig"])]
    ax.set_yticks(y, labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.15)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0 %", "25 %", "50 %", "75 %", "100 %"])
    ax.set_xlabel("share of the cohort's cases with the path (labels: cases; * significant)")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title or f"Paths that differ most: {a} vs {b}", loc="left")
    return fig

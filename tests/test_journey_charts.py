"""The journey charts draw exactly the numbers of the tables they are given (values by hand)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from journeymining.core.errors import JourneyMiningError
from journeymining.viz import plot_cohort_edges, plot_drift, plot_funnel, plot_kpi_trend, plot_pain_points

FUNNEL = pd.DataFrame({
    "step": ["Contact", "Triage", "Resolve", "goal: Closed"],
    "cases": [20, 45, 40, 30], "share": [0.4, 0.9, 0.8, 0.6],
    "reached": [50, 48, 40, 30], "share_reached": [1.0, 0.96, 0.8, 0.6], "skipped": [30, 3, 0, 0]})

PAIN = pd.DataFrame({
    "rank": [1, 2, 3], "kind": ["wait", "rework", "drop_off"],
    "where": ["Triage → Resolve", "Triage", "after Triage"],
    "cases": [10, 4, 2], "hours_lost_per_case": [48.0, 12.0, 240.0],
    # impact = cases × hours: 480, 48, 480; sorted by impact, the stable order keeps 1 before 3
    "impact_case_hours": [480.0, 48.0, 480.0]})


def _bars(ax):
    return [p for p in ax.patches]


def test_funnel_bars_are_reached_then_passed_through_shares():
    fig = plot_funnel(FUNNEL)
    ax = fig.axes[0]
    bars = _bars(ax)
    # first the four reached bars, then the four passed-through bars
    assert [round(float(b.get_width()), 4) for b in bars] == [1.0, 0.96, 0.8, 0.6, 0.4, 0.9, 0.8, 0.6]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["20 passed through, 50 reached", "45 passed through, 48 reached",
                     "40 passed through, 40 reached", "30 passed through, 30 reached"]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(FUNNEL["step"])


def test_pain_point_bars_are_case_days_in_impact_order():
    fig = plot_pain_points(PAIN)
    ax = fig.axes[0]
    # 480 case-hours = 20 case-days; 48 = 2
    assert [round(float(b.get_width()), 6) for b in _bars(ax)] == [20.0, 20.0, 2.0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["wait: Triage → Resolve", "drop off: after Triage", "rework: Triage"]
    assert [t.get_text().strip() for t in ax.texts] == ["10 cases × 2.0 d", "2 cases × 10.0 d", "4 cases × 0.5 d"]


def test_pain_points_top_and_empty():
    assert len(_bars(plot_pain_points(PAIN, top=1).axes[0])) == 1
    fig = plot_pain_points(PAIN.iloc[:0])
    assert "no pain point" in fig.axes[0].texts[0].get_text()


def test_kpi_trend_draws_the_monthly_values_in_percent_and_days():
    months = pd.DataFrame({"period": ["2024-01", "2024-02", "2024-03"], "cases": [30, 25, 5],
                           "goal_rate": [0.9, 0.8, 0.2], "reopen_rate": [0.1, np.nan, 0.0],
                           "throughput_median_h": [48.0, 72.0, 12.0]})
    fig = plot_kpi_trend(months)
    top, bottom = fig.axes
    lines = {ln.get_label(): ln.get_ydata() for ln in top.get_lines()}
    assert set(lines) == {"goal reached", "reopened"}  # only the shares the table has
    np.testing.assert_allclose(lines["goal reached"], [90, 80, 20])
    np.testing.assert_allclose(lines["reopened"], [10, np.nan, 0])
    np.testing.assert_allclose(bottom.get_lines()[0].get_ydata(), [2, 3, 0.5])
    # the 5-case month is hollow: white face colour in the second scatter of each line
    hollow = top.collections[1]
    assert len(hollow.get_offsets()) == 1 and tuple(hollow.get_facecolors()[0][:3]) == (1.0, 1.0, 1.0)
    assert "fewer than 20 cases" in bottom.get_xlabel()


def test_kpi_trend_without_shares_draws_only_the_duration():
    months = pd.DataFrame({"period": ["2024-01", "2024-02"], "cases": [30, 25],
                           "goal_rate": [np.nan, np.nan], "throughput_median_h": [24.0, 36.0]})
    fig = plot_kpi_trend(months)
    assert len(fig.axes) == 1
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), [1.0, 1.5])


@pytest.mark.parametrize("call, match", [
    (lambda: plot_kpi_trend(pd.DataFrame({"period": ["x"], "cases": [1]}), duration=None),
     "plot_kpi_trend: nothing to draw"),
    (lambda: plot_funnel(FUNNEL.drop(columns="share_reached")),
     r"plot_funnel: the table has no column\(s\) \['share_reached'\].*Conformance.funnel"),
    (lambda: plot_funnel([1, 2]), "plot_funnel: expected a DataFrame"),
    (lambda: plot_pain_points(PAIN.drop(columns="impact_case_hours")),
     r"plot_pain_points: the table has no column\(s\) \['impact_case_hours'\]"),
    (lambda: plot_pain_points(PAIN, top=0), "top must be a whole number >= 1; got 0"),
    (lambda: plot_kpi_trend(pd.DataFrame({"month": [1]})), r"no column\(s\) \['period', 'cases'\]"),
    (lambda: plot_kpi_trend(pd.DataFrame({"period": ["x"], "cases": [1]}), shares=["fcr"]),
     r"no column\(s\) \['fcr', 'throughput_median_h'\]"),
])
def test_chart_errors_name_the_column_and_the_source(call, match):
    with pytest.raises(JourneyMiningError, match=match):
        call()


def test_drift_figure_marks_the_flagged_periods_and_stacks_open_cases():
    drift = pd.DataFrame({"period": ["2024Q1", "2024Q2", "2024Q3"], "closed_cases": [40, 50, 20],
                          "open_cases": [0, 0, 15], "edge_distance": [np.nan, 0.05, 0.4],
                          "variant_distance": [np.nan, 0.1, 0.6], "change": [False, False, True]})
    fig = plot_drift(drift)
    top, bottom = fig.axes
    np.testing.assert_allclose(top.get_lines()[0].get_ydata(), [np.nan, 0.05, 0.4])
    rings = top.collections[0].get_offsets()
    assert rings.tolist() == [[2.0, 0.4]]  # only the flagged period
    heights = [float(b.get_height()) for b in bottom.patches]
    bottoms = [float(b.get_y()) for b in bottom.patches]
    assert heights == [40, 50, 20, 0, 0, 15] and bottoms[3:] == [40, 50, 20]
    with pytest.raises(JourneyMiningError, match=r"plot_drift: the table has no column\(s\) \['change'\]"):
        plot_drift(drift.drop(columns="change"))


def test_cohort_edges_put_significant_large_differences_first():
    from types import SimpleNamespace

    edges = pd.DataFrame({
        "source": ["Open", "Open", "Triage"], "target": ["Triage", "Close", "Close"],
        "cases_a": [90, 10, 50], "cases_b": [20, 80, 45],
        "share_a": [0.9, 0.1, 0.5], "share_b": [0.2, 0.8, 0.45],
        "share_diff": [-0.7, 0.7, -0.05], "significant": [False, True, True]})
    fig = plot_cohort_edges(SimpleNamespace(labels=("Q1", "Q2"), edges=edges))
    ax = fig.axes[0]
    # significant first (by |difference|: Open→Close 0.7, Triage→Close 0.05), then Open→Triage
    assert [t.get_text() for t in ax.get_yticklabels()] == ["* Open → Close", "* Triage → Close", "Open → Triage"]
    widths = [round(float(p.get_width()), 4) for p in ax.patches]
    assert widths == [0.1, 0.5, 0.9, 0.8, 0.45, 0.2]  # the Q1 bars, then the Q2 bars
    assert [t.get_text() for t in ax.texts] == ["10", "80", "50", "45", "90", "20"]
    assert "Q1 vs Q2" in ax.get_title(loc="left")
    with pytest.raises(JourneyMiningError, match="plot_cohort_edges: expected a DataFrame"):
        plot_cohort_edges(edges)

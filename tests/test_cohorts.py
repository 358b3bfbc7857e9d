"""Cohort tests against hand-computed statistics (2x2 chi-square, Fisher, Mann-Whitney, BH)."""

import math

import numpy as np
import pandas as pd
import pytest

from journeymining.cohorts import benjamini_hochberg, compare_cohorts, detect_drift
from journeymining.errors import EventLogError

T0 = pd.Timestamp("2024-01-01", tz="UTC")


def log_of(paths, start=T0, prefix="c", step_hours=1.0):
    rows = []
    for i, path in enumerate(paths):
        t = start + pd.Timedelta(days=i % 25)
        for j, a in enumerate(path):
            rows.append((f"{prefix}{i}", a, t + pd.Timedelta(hours=j * step_hours)))
    return pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])


SHORT = ["Open", "Close"]
LONG = ["Open", "Wait", "Close"]


def test_chi_square_2x2_by_hand():
    a = log_of([LONG] * 20 + [SHORT] * 80)
    b = log_of([LONG] * 40 + [SHORT] * 60)
    before = a.copy()
    cmp = compare_cohorts(a, b, labels=("before", "after"))
    pd.testing.assert_frame_equal(a, before)
    # table [[20, 80], [40, 60]]: expected 30/70 in both rows; chi2 = 2 (100/30 + 100/70)
    chi2 = 2 * (100 / 30 + 100 / 70)
    p = math.erfc(math.sqrt(chi2 / 2))          # chi-square survival function, 1 dof
    assert p == pytest.approx(0.002028, abs=1e-6)
    v = cmp.variants.set_index("variant")
    row = v.loc["Open → Wait → Close"]
    assert (row["cases_a"], row["cases_b"]) == (20, 40)
    assert row["test"] == "chi2"
    assert row["p_value"] == pytest.approx(p, rel=1e-9)
    # two equal p-values: BH keeps them; Benjamini-Yekutieli (the default: variants of a cohort
    # are dependent tests) multiplies by c(2) = 1 + 1/2
    assert row["p_adjusted"] == pytest.approx(1.5 * p, rel=1e-9)
    bh = compare_cohorts(a, b, correction="bh", n_resamples=50).variants.set_index("variant")
    assert bh.loc["Open → Wait → Close", "p_adjusted"] == pytest.approx(p, rel=1e-9)
    assert row["share_diff"] == pytest.approx(0.2)
    assert row["cohens_h"] == pytest.approx(2 * math.asin(math.sqrt(0.4)) - 2 * math.asin(math.sqrt(0.2)))
    assert row["phi"] == pytest.approx(math.sqrt(chi2 / 200))
    assert bool(row["significant"])
    assert cmp.variant_test["chi2"] == pytest.approx(chi2)
    assert cmp.variant_test["cramers_v"] == pytest.approx(math.sqrt(chi2 / 200))
    e = cmp.edges.set_index(["source", "target"])
    assert e.loc[("Open", "Close"), ["cases_a", "cases_b"]].tolist() == [80, 60]
    assert e.loc[("Wait", "Close"), "p_value"] == pytest.approx(p, rel=1e-9)
    k = cmp.kpis.set_index("kpi")
    assert k.loc["throughput_mean_h", ["a", "b", "delta"]].tolist() == pytest.approx([1.2, 1.4, 0.2])
    assert "before: 100 cases, after: 100 cases." in cmp.summary()


def test_fisher_for_small_counts_by_hand():
    a = log_of([LONG] * 1 + [SHORT] * 4)
    b = log_of([LONG] * 4 + [SHORT] * 1)
    row = compare_cohorts(a, b).variants.set_index("variant").loc["Open → Wait → Close"]
    # hypergeometric N=10, K=5, n=5: P(k) = C(5,k)^2/252; two-sided = P(0)+P(1)+P(4)+P(5)
    assert row["test"] == "fisher"
    assert row["p_value"] == pytest.approx(52 / 252)
    assert not bool(row["significant"])


def test_durations_mann_whitney_by_hand():
    a = log_of([["Open"] + ["Step"] * k + ["Close"] for k in (0, 1, 2)])   # 1, 2, 3 hours
    b = log_of([["Open"] + ["Step"] * k + ["Close"] for k in (3, 4)])      # 4, 5 hours
    d = compare_cohorts(a, b).durations.iloc[0]
    assert d["mannwhitney_u"] == 0.0                 # no A journey is longer than a B journey
    assert d["rank_biserial"] == -1.0
    assert d["p_value"] == pytest.approx(2 / 10)     # exact: 2 * P(U <= 0) = 2 / C(5, 2)
    assert (d["median_a_h"], d["median_b_h"], d["median_diff_h"]) == (2.0, 4.5, 2.5)


def test_benjamini_hochberg_by_hand():
    # sorted 0.01 0.03 0.04 0.20 -> *4/i: 0.04 0.06 0.0533 0.2 -> running min from the top
    q = benjamini_hochberg([0.04, 0.01, np.nan, 0.20, 0.03])
    assert q[[0, 1, 3, 4]] == pytest.approx([0.16 / 3, 0.04, 0.2, 0.16 / 3])
    assert np.isnan(q[2])
    assert benjamini_hochberg([0.9, 0.95]).tolist() == [0.95, 0.95]


def monthly_log(months, seed, change_at=None, per_month=200):
    rng = np.random.default_rng(seed)
    rows = []
    for m in range(months):
        start = pd.Timestamp(f"2024-{m + 1:02d}-01", tz="UTC")
        probs = [0.6, 0.3, 0.1] if change_at is None or m < change_at else [0.1, 0.3, 0.6]
        for i in range(per_month):
            k = rng.choice(3, p=probs)
            path = [SHORT, LONG, ["Open", "Escalate", "Close"]][k]
            t = start + pd.Timedelta(hours=int(rng.integers(0, 24 * 27)))
            rows += [(f"{m}-{i}", a, t + pd.Timedelta(minutes=10 * j)) for j, a in enumerate(path)]
    return pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_drift_finds_planted_change_and_nothing_else(seed):
    d = detect_drift(monthly_log(6, seed, change_at=3))
    assert d["period"].tolist() == [f"2024-0{m}" for m in range(1, 7)]
    assert d["cases"].tolist() == [200] * 6
    assert d.loc[d["change"], "period"].tolist() == ["2024-04"]
    stable = detect_drift(monthly_log(6, seed + 100))
    assert not stable["change"].any()


def test_drift_skips_small_periods():
    log = monthly_log(3, 0, per_month=10)
    d = detect_drift(log, min_cases=30)
    assert d["compared_to"].isna().all() and not d["change"].any()


def test_errors():
    a = log_of([SHORT] * 3)
    with pytest.raises(EventLogError, match="alpha=2 must be a number between 0 and 1"):
        compare_cohorts(a, a, alpha=2)
    with pytest.raises(EventLogError, match="log_b has no events"):
        compare_cohorts(a, a.iloc[:0])
    with pytest.raises(EventLogError, match="compare_cohorts \\(log_a\\): the event log has no column"):
        compare_cohorts(a.drop(columns=["concept:name"]), a)
    with pytest.raises(EventLogError, match="freq='fortnight' is not a period"):
        detect_drift(a, freq="fortnight")

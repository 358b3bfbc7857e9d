"""Cohort tests against hand-computed statistics (2x2 chi-square, Fisher, Mann-Whitney, BH)."""

import math

import numpy as np
import pandas as pd
import pytest

from journeymining.measure.cohorts import benjamini_hochberg, compare_cohorts, detect_drift
from journeymining.core.errors import EventLogError

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


# --------------------------------------------------------------------------------------------
# unit of analysis, intervals, multiple testing (issue 12)
# --------------------------------------------------------------------------------------------
def customer_log(cases):
    """cases: [(case, customer, hours)] -> Open then Close `hours` later."""
    rows = []
    for i, (case, customer, hours) in enumerate(cases):
        t = T0 + pd.Timedelta(days=i)
        rows += [(case, "Open", t, customer), (case, "Close", t + pd.Timedelta(hours=hours), customer)]
    return pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp",
                                       "case:customer"])


def test_customer_unit_uses_per_customer_medians_by_hand():
    a = customer_log([("a1", "u", 1), ("a2", "u", 3), ("a3", "v", 5)])
    b = customer_log([("b1", "w", 10), ("b2", "w", 12), ("b3", "x", 2)])
    tickets = compare_cohorts(a, b, n_resamples=300).durations.iloc[0]
    # per ticket: A 1, 3, 5 vs B 10, 12, 2: U_a = 0 + 1 + 1 = 2; rank-biserial 2*2/9 - 1
    assert tickets["unit"] == "case" and tickets["units_a"] == 3
    assert tickets["mannwhitney_u"] == 2.0
    assert tickets["rank_biserial"] == pytest.approx(4 / 9 - 1)
    cust = compare_cohorts(a, b, unit="customer", n_resamples=300).durations.iloc[0]
    # per customer: A u = median(1, 3) = 2, v = 5; B w = 11, x = 2
    # U_a: (2 vs 11) 0, (2 vs 2) 1/2, (5 vs 11) 0, (5 vs 2) 1 -> 1.5; rank-biserial 2*1.5/4 - 1
    assert (cust["unit"], cust["units_a"], cust["units_b"]) == ("customer", 2, 2)
    assert cust["mannwhitney_u"] == 1.5
    assert cust["rank_biserial"] == pytest.approx(-0.25)
    # exact permutation of the 4 customer medians {2, 5 | 11, 2}: differences of pair medians
    # 3, -3, 6, -6, 3, -3 -> P(T >= 3) = 1/2 -> two-sided 1
    assert cust["permutation_p_value"] == pytest.approx(1.0)
    # the median difference is the case-level one (median 3 vs 10) in both units
    assert cust["median_diff_h"] == tickets["median_diff_h"] == 7.0
    assert cust["median_diff_ci_low_h"] <= 7.0 <= cust["median_diff_ci_high_h"]
    # a case without a customer is a unit of its own (one per cohort, not shared)
    a2 = customer_log([("a1", "u", 1), ("a2", "u", 3), ("a3", "v", 5), ("a4", None, 7)])
    b2 = customer_log([("b1", "w", 10), ("b2", "w", 12), ("b3", "x", 2), ("b4", None, 4)])
    cmp2 = compare_cohorts(a2, b2, unit="customer", n_resamples=100)
    d2 = cmp2.durations.iloc[0]
    assert (d2["units_a"], d2["units_b"]) == (3, 3)
    assert "2 case(s) without a customer are units of their own" in cmp2.notes


def test_without_a_goal_goal_based_deltas_are_na():
    a = customer_log([(f"a{i}", f"u{i % 3}", 1) for i in range(9)])
    b = customer_log([(f"b{i}", f"w{i % 2}", 2) for i in range(6)])
    cmp = compare_cohorts(a, b, n_resamples=50)
    assert np.isnan(cmp.kpis.set_index("kpi").loc["goal_rate", "delta"])
    assert any("no goal given" in n for n in cmp.notes)


def test_intervals_collapse_when_every_resample_is_the_same():
    # every A case takes 1 h, every B case 2 h, all reach the goal: any resample gives a
    # throughput difference of 1 h and a goal-rate difference of 0
    a = customer_log([(f"a{i}", f"u{i % 3}", 1) for i in range(9)])
    b = customer_log([(f"b{i}", f"w{i % 2}", 2) for i in range(6)])
    for unit in ("case", "customer"):
        cmp = compare_cohorts(a, b, unit=unit, n_resamples=200, random_state=4, goal="Close")
        k = cmp.kpis.set_index("kpi")
        assert k.loc["throughput_mean_h", ["a", "b", "delta", "ci_low", "ci_high"]].tolist() == [1, 2, 1, 1, 1]
        assert k.loc["throughput_median_h", ["delta", "ci_low", "ci_high"]].tolist() == [1, 1, 1]
        assert k.loc["goal_rate", ["a", "b", "delta", "ci_low", "ci_high"]].tolist() == [1, 1, 0, 0, 0]
        assert k.loc["goal_rate", ["n_a", "n_b"]].tolist() == [9, 6]
        d = cmp.durations.iloc[0]
        assert (d["median_diff_ci_low_h"], d["median_diff_ci_high_h"]) == (1.0, 1.0)
        # rank-biserial: every A journey is shorter -> -1 in every resample
        assert (d["rank_biserial"], d["rank_biserial_ci_low"], d["rank_biserial_ci_high"]) == (-1, -1, -1)
        assert cmp.unit == unit
        assert ("customers as units" in cmp.summary()) == (unit == "customer")
    assert "Unit of analysis: cases (tickets) as independent units." in compare_cohorts(
        a, b, n_resamples=50).summary()


def test_newcombe_interval_published_example():
    from journeymining.measure.cohorts import newcombe_interval

    # Newcombe (1998), Table II example (a): 56/70 - 48/80 = 0.2, method 10: 0.0524 to 0.3339
    lo, hi = newcombe_interval(48, 80, 56, 70)
    assert (round(lo, 4), round(hi, 4)) == (0.0524, 0.3339)


def test_variant_share_interval_case_and_customer_units():
    a = log_of([LONG] * 20 + [SHORT] * 80)
    b = log_of([LONG] * 40 + [SHORT] * 60)
    v = compare_cohorts(a, b, n_resamples=50).variants.set_index("variant").loc["Open → Wait → Close"]
    # Newcombe interval of 40/100 - 20/100 and the arcsine interval h -+ 1.96 sqrt(2/100)
    from journeymining.measure.cohorts import newcombe_interval
    assert (v["share_diff_ci_low"], v["share_diff_ci_high"]) == pytest.approx(newcombe_interval(20, 100, 40, 100))
    h = 2 * math.asin(math.sqrt(0.4)) - 2 * math.asin(math.sqrt(0.2))
    assert v["cohens_h_ci_low"] == pytest.approx(h - 1.959964 * math.sqrt(0.02), abs=1e-5)
    # customers: 5 customers per cohort whose cases all share one path; the customer is the unit,
    # so the interval is much wider than the case-level one and the test is a bootstrap Wald test
    a["case:customer"] = a["case:concept:name"].map(lambda c: "a-long" if int(c[1:]) < 20 else f"a{int(c[1:]) % 4}")
    b["case:customer"] = b["case:concept:name"].map(lambda c: "b-long" if int(c[1:]) < 40 else f"b{int(c[1:]) % 4}")
    vc = compare_cohorts(a, b, unit="customer", n_resamples=500).variants.set_index("variant")
    row = vc.loc["Open → Wait → Close"]
    assert row["test"] == "bootstrap-wald"
    assert row["share_diff"] == pytest.approx(0.2)
    assert row["share_diff_ci_high"] - row["share_diff_ci_low"] > 1.5 * (v["share_diff_ci_high"] - v["share_diff_ci_low"])
    assert row["p_value"] > v["p_value"]


def test_cohort_parameter_errors():
    a = log_of([SHORT] * 3)
    with pytest.raises(EventLogError, match="unit='ticket' is not known; use 'case'"):
        compare_cohorts(a, a, unit="ticket")
    with pytest.raises(EventLogError, match="correction='holm' is not known; use 'by'"):
        compare_cohorts(a, a, correction="holm")
    with pytest.raises(EventLogError, match="unit='customer' needs the column 'case:customer', which log_a"):
        compare_cohorts(a, a, unit="customer")
    from journeymining.measure.stats import StatsError
    with pytest.raises(StatsError, match="n_resamples=0 must be a positive integer"):
        compare_cohorts(a, a, n_resamples=0)


def test_kpi_deltas_take_any_per_case_table():
    from journeymining.measure.cohorts import _kpi_deltas

    ta = pd.DataFrame({"throughput_h": [1.0, 2.0, 3.0], "reopened": [True, False, False],
                       "effort": [np.nan, 4.0, 6.0], "case:customer": ["u", "u", "v"]})
    tb = pd.DataFrame({"throughput_h": [5.0, 5.0], "reopened": [True, True],
                       "effort": [1.0, 1.0], "case:customer": ["w", "x"]})
    k = _kpi_deltas(ta, tb, groups=(None, None), n_resamples=100, confidence_level=0.9,
                    random_state=0).set_index("kpi")
    assert k.index.tolist() == ["throughput_median_h", "throughput_mean_h", "reopen_rate", "effort_mean"]
    assert k.loc["throughput_median_h", ["a", "b", "delta"]].tolist() == [2, 5, 3]
    assert k.loc["reopen_rate", ["a", "b", "delta"]].tolist() == pytest.approx([1 / 3, 1, 2 / 3])
    assert k.loc["effort_mean", ["a", "b", "delta", "n_a"]].tolist() == [5, 1, -4, 2]
    assert k.loc["reopen_rate", "ci_low"] <= 2 / 3 <= k.loc["reopen_rate", "ci_high"]

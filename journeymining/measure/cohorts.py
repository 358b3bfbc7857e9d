"""Cohort comparison (did a change make journeys better?); drift lives in :mod:`journeymining.measure.drift`.

Statistics used (:mod:`scipy.stats` and :mod:`journeymining.measure.stats`; definitions so the numbers
can be checked by hand). **Unit of analysis** (``unit=``): ``"case"`` treats tickets as
independent; ``"customer"`` treats the cases of one ``case:customer`` as one unit (a customer with
11 tickets is not 11 independent observations). A customer with cases in both cohorts gives one
unit value to each cohort and is resampled as one block holding its cases of both.

* **per variant / per directly-follows edge**: the 2×2 table *cases with / without it* in cohort A
  and B. Cases as units: when every expected count is at least 5, Pearson's chi-square test
  without continuity correction, otherwise Fisher's exact test (two-sided); interval of the share
  difference: Newcombe's hybrid score interval; of Cohen's h: ``h ± z·√(1/n_a + 1/n_b)``.
  Customers as units: customer-block bootstrap percentile intervals of the share difference and
  of h, and a Wald test ``z = diff / SE`` with the bootstrap standard error (the case-level test
  is kept when every resample gives the same difference). Effect sizes: the share difference
  ``share_b - share_a``, Cohen's h ``2·asin(√share_b) - 2·asin(√share_a)`` and φ ``√(chi2 / n)``.
  Edges are counted once per case.
* **many comparisons**: the variants of a cohort share its cases and edges overlap variants, so
  the tests are dependent: p-values of all variants (and, separately, of all edges) are adjusted
  with Benjamini-Yekutieli by default (``correction="by"``, valid under any dependence;
  ``"bh"`` offered); ``significant`` means adjusted p < ``alpha``.
* **variant mix overall**: chi-square test of the 2×k table cohort × variant (cases as units),
  variants with an expected count below 5 in either cohort pooled into one "(other variants)"
  column; Cramér's V ``√(chi2 / (n · (min(2, k) - 1)))``.
* **durations** (throughput time per case): Mann-Whitney U (two-sided) on the unit values (case
  throughputs, or per-customer median throughputs) with the rank-biserial correlation
  ``2·U_a / (n_a·n_b) - 1`` (positive: cohort A's journeys tend to be longer) and its bootstrap
  interval; a permutation test of the difference of medians of the unit values; the median
  throughput difference of the cases with a (customer-)block bootstrap percentile interval.
* **KPI deltas**: from the per-case table of :func:`journeymining.measure.kpis.case_kpis` of both cohorts
  (the same goal for both, from ``goal=`` or the journey map; without one the goal-based
  deltas are n/a), ``delta = b - a`` of each measure's mean (median too for throughput), with a
  (customer-)block bootstrap percentile interval.

Drift (:func:`detect_drift`, re-exported from :mod:`journeymining.measure.drift`): a permutation-calibrated
distance per pair of consecutive periods, a minimum of closed cases per period and right-censored
cases flagged and excluded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from journeymining.core.docs import fill_docstrings
from journeymining.core import columns as C
from journeymining.core.errors import EventLogError
from journeymining.core.eventlog import HOUR_NS as _HOUR_NS
from journeymining.core.eventlog import SortedLog as _Prepared
from journeymining.measure.kpis import case_kpis
from journeymining.measure.stats import (CORRECTIONS, adjust_p_values, benjamini_hochberg, bootstrap_difference,
                    bootstrap_shares, cliffs_delta, permutation_test)

__all__ = ["CohortComparison", "compare_cohorts", "detect_drift", "benjamini_hochberg"]

ARROW = " → "
OTHER = "(other variants)"
UNITS = ("case", "customer")


def _two_by_two(xa, na, xb, nb):
    """Test, p-value and phi for cases with/without a feature in two cohorts."""
    from scipy import stats

    table = np.array([[xa, na - xa], [xb, nb - xb]], dtype="float64")
    n = table.sum()
    rows, cols = table.sum(1), table.sum(0)
    if n == 0 or (rows == 0).any() or (cols == 0).any():
        return "none", 1.0, 0.0
    expected = np.outer(rows, cols) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    phi = float(np.sqrt(chi2 / n))
    if (expected < 5).any():
        p = float(stats.fisher_exact(table.astype("int64"))[1])
        return "fisher", min(p, 1.0), phi
    return "chi2", float(stats.chi2.sf(chi2, 1)), phi


def _cohens_h(pa, pb):
    return 2 * np.arcsin(np.sqrt(pb)) - 2 * np.arcsin(np.sqrt(pa))


def _wilson(x, n, z):
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def newcombe_interval(xa, na, xb, nb, confidence_level=0.95):
    """Newcombe's hybrid score interval (his method 10) of ``xb/nb - xa/na``.

    Combines the Wilson score intervals ``(l, u)`` of both shares:
    ``d - sqrt((pb - lb)² + (ua - pa)²)`` to ``d + sqrt((ub - pb)² + (pa - la)²)``
    (Newcombe, *Statistics in Medicine* 17, 1998, 873-890). Cases are independent units here.

    Examples
    --------
    >>> [round(x, 4) for x in newcombe_interval(48, 80, 56, 70)]   # Newcombe's example: 0.2
    [0.0524, 0.3339]
    """
    from scipy import stats

    z = float(stats.norm.ppf(1 - (1 - confidence_level) / 2))
    pa, pb = xa / na, xb / nb
    la, ua = _wilson(xa, na, z)
    lb, ub = _wilson(xb, nb, z)
    d = pb - pa
    return (float(d - np.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)),
            float(d + np.sqrt((ub - pb) ** 2 + (pa - la) ** 2)))


def _presence(case_idx, key_codes, n_cases, n_keys):
    from scipy import sparse

    m = sparse.csr_matrix((np.ones(len(case_idx)), (case_idx, key_codes)), shape=(n_cases, n_keys))
    m.data[:] = 1.0   # duplicates (an edge taken twice in a case) count once
    return m


def _feature_table(pairs_a, pairs_b, na, nb, names, alpha, *, unit, groups, correction,
                   n_resamples, confidence_level, random_state):
    """One row per feature (variant or edge) from (case index, key) pairs of both cohorts."""
    from scipy import stats

    pa_df = pd.DataFrame(pairs_a, columns=["c", "key"]).drop_duplicates()
    pb_df = pd.DataFrame(pairs_b, columns=["c", "key"]).drop_duplicates()
    counts_a = pa_df["key"].value_counts().to_dict()
    counts_b = pb_df["key"].value_counts().to_dict()
    keys = sorted(set(counts_a) | set(counts_b),
                  key=lambda k: (-(counts_a.get(k, 0) + counts_b.get(k, 0)), str(k)))
    z = float(stats.norm.ppf(1 - (1 - confidence_level) / 2))
    boot = None
    if unit == "customer" and keys:
        code = {k: i for i, k in enumerate(keys)}
        Ma = _presence(pa_df["c"].to_numpy(), pa_df["key"].map(code).to_numpy(), na, len(keys))
        Mb = _presence(pb_df["c"].to_numpy(), pb_df["key"].map(code).to_numpy(), nb, len(keys))
        sa, sb = bootstrap_shares(Ma, Mb, groups_a=groups[0], groups_b=groups[1],
                                  n_resamples=n_resamples, random_state=random_state)
        boot = (sa, sb)
    tail = (1 - confidence_level) / 2 * 100
    rows = []
    for i, key in enumerate(keys):
        xa, xb = int(counts_a.get(key, 0)), int(counts_b.get(key, 0))
        test, p, phi = _two_by_two(xa, na, xb, nb)
        sa_, sb_ = xa / na, xb / nb
        diff, h = sb_ - sa_, float(_cohens_h(sa_, sb_))
        if boot is None:
            lo, hi = newcombe_interval(xa, na, xb, nb, confidence_level)
            se_h = np.sqrt(1 / na + 1 / nb)
            h_lo, h_hi = h - z * se_h, h + z * se_h
        else:
            d = boot[1][:, i] - boot[0][:, i]
            hd = _cohens_h(boot[0][:, i], boot[1][:, i])
            ok = np.isfinite(d)
            lo, hi = np.percentile(d[ok], [tail, 100 - tail])
            h_lo, h_hi = np.percentile(hd[ok], [tail, 100 - tail])
            se = float(d[ok].std(ddof=1))
            if se > 0:
                test, p = "bootstrap-wald", float(2 * stats.norm.sf(abs(diff) / se))
            # se == 0 (every resample gives the same difference): keep the case-level test
        row = dict(zip(names, key if isinstance(key, tuple) else (key,)))
        row.update(cases_a=xa, cases_b=xb, share_a=sa_, share_b=sb_, share_diff=diff,
                   share_diff_ci_low=float(lo), share_diff_ci_high=float(hi),
                   cohens_h=h, cohens_h_ci_low=float(h_lo), cohens_h_ci_high=float(h_hi),
                   phi=phi, test=test, p_value=p)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[*names, "cases_a", "cases_b", "share_a", "share_b",
                                        "share_diff", "share_diff_ci_low", "share_diff_ci_high",
                                        "cohens_h", "cohens_h_ci_low", "cohens_h_ci_high", "phi",
                                        "test", "p_value"])
    frame["p_adjusted"] = adjust_p_values(frame["p_value"].to_numpy(), correction) if len(frame) else []
    frame["significant"] = frame["p_adjusted"] < alpha
    return frame


def _variant_mix_test(counts_a, counts_b):
    """Chi-square test of cohort × variant with rare variants pooled; returns dict."""
    from scipy import stats

    keys = sorted(set(counts_a) | set(counts_b))
    table = np.array([[counts_a.get(k, 0) for k in keys], [counts_b.get(k, 0) for k in keys]],
                     dtype="float64")
    n = table.sum()
    if n == 0 or (table.sum(1) == 0).any():
        return {"chi2": np.nan, "dof": 0, "p_value": np.nan, "cramers_v": np.nan, "n": int(n),
                "pooled_variants": 0}
    expected = np.outer(table.sum(1), table.sum(0)) / n
    rare = (expected < 5).any(axis=0)
    pooled = int(rare.sum())
    if rare.any():
        table = np.column_stack([table[:, ~rare], table[:, rare].sum(axis=1)])
        table = table[:, table.sum(0) > 0]
    if table.shape[1] < 2:
        return {"chi2": 0.0, "dof": 0, "p_value": 1.0, "cramers_v": 0.0, "n": int(n),
                "pooled_variants": pooled}
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    v = float(np.sqrt(chi2 / (n * (min(table.shape) - 1))))
    return {"chi2": float(chi2), "dof": int(dof), "p_value": float(p), "cramers_v": v, "n": int(n),
            "pooled_variants": pooled}


def variants_and_edges(p):
    """Per case: variant text; per (case, edge) pairs deduplicated."""
    acts = pd.Series(p.activity)
    variants = acts.groupby(p.codes, sort=True).agg(ARROW.join).to_numpy(dtype=object)
    inner = ~p.first[1:]
    src = p.activity[:-1][inner]
    tgt = p.activity[1:][inner]
    case = p.codes[1:][inner]
    edges = pd.DataFrame({"c": case, "source": src, "target": tgt})
    return variants, edges


@dataclass
class CohortComparison:
    """Result of :func:`compare_cohorts` (all frames are plain pandas DataFrames).

    Attributes
    ----------
    labels : tuple of str
        Names of cohort A and B.
    variants : pandas.DataFrame
        One row per variant: ``variant``, ``cases_a``, ``cases_b``, ``share_a``, ``share_b``,
        ``share_diff`` (b - a) with ``share_diff_ci_low``/``_high``, ``cohens_h`` with its
        interval, ``phi``, ``test`` (chi2 / fisher for cases; bootstrap-wald for customers),
        ``p_value``, ``p_adjusted`` (``correction``), ``significant``.
    edges : pandas.DataFrame
        The same per directly-follows edge (``source``, ``target``), share = cases with the edge.
    variant_test : dict
        Overall test of the variant mix on cases: ``chi2``, ``dof``, ``p_value``, ``cramers_v``,
        ``n``, ``pooled_variants``.
    durations : pandas.DataFrame
        One row: ``unit``, ``cases_a``, ``cases_b``, ``units_a``, ``units_b``, ``median_a_h``,
        ``median_b_h``, ``median_diff_h`` with ``median_diff_ci_low_h``/``_high_h`` (block
        bootstrap), ``mean_a_h``, ``mean_b_h``, ``mannwhitney_u``, ``p_value`` (Mann-Whitney on
        the unit values), ``permutation_p_value``, ``rank_biserial`` with
        ``rank_biserial_ci_low``/``_high``.
    kpis : pandas.DataFrame
        One row per KPI: ``kpi``, ``statistic`` (mean / median of the per-case measure),
        ``measure`` (column of the per-case table), ``a``, ``b``, ``delta`` (b - a),
        ``ci_low``, ``ci_high`` (block-bootstrap percentile interval of the delta), ``n_a``,
        ``n_b`` (cases with a value).
    alpha : float
        Significance level used for ``significant``.
    unit : {"case", "customer"}
        Unit of analysis of the tests and intervals.
    correction : {"by", "bh"}
        Multiple-testing correction of the per-variant and per-edge p-values.
    confidence_level : float
        Level of every interval.
    notes : list of str
        Choices made on the data (goal used, cases without a customer, ...).
    """

    labels: tuple
    variants: pd.DataFrame
    edges: pd.DataFrame
    variant_test: dict
    durations: pd.DataFrame
    kpis: pd.DataFrame
    alpha: float = 0.05
    unit: str = "case"
    correction: str = "by"
    confidence_level: float = 0.95
    notes: list = field(default_factory=list)

    def summary(self):
        """A few sentences in plain words (for reports and notebooks)."""
        a, b = self.labels
        d = self.durations.iloc[0]
        vt = self.variant_test
        sig_v = int(self.variants["significant"].sum())
        sig_e = int(self.edges["significant"].sum())
        corr = {"by": "Benjamini-Yekutieli", "bh": "Benjamini-Hochberg"}[self.correction]
        level = f"{self.confidence_level:.0%}"
        unit_words = ("cases (tickets) as independent units" if self.unit == "case" else
                      "customers as units (a customer's cases resampled and tested together)")
        lines = [
            f"{a}: {int(d['cases_a'])} cases, {b}: {int(d['cases_b'])} cases. Unit of analysis: "
            f"{unit_words}"
            + (f", {int(d['units_a'])} and {int(d['units_b'])} customers." if self.unit == "customer" else "."),
            f"Variant mix: chi2={vt['chi2']:.2f}, p={vt['p_value']:.3g}, Cramér's V={vt['cramers_v']:.3f} "
            f"(cases as units); {sig_v} variant(s) and {sig_e} edge(s) differ significantly "
            f"({corr}-adjusted p < {self.alpha}).",
            f"Median throughput {d['median_a_h']:.1f} h vs {d['median_b_h']:.1f} h, difference "
            f"{d['median_diff_h']:+.1f} h ({level} CI {d['median_diff_ci_low_h']:+.1f} to "
            f"{d['median_diff_ci_high_h']:+.1f} h); Mann-Whitney p={d['p_value']:.3g}, "
            f"permutation p={d['permutation_p_value']:.3g}, rank-biserial {d['rank_biserial']:+.3f} "
            f"({level} CI {d['rank_biserial_ci_low']:+.3f} to {d['rank_biserial_ci_high']:+.3f}).",
        ]
        return "\n".join(lines)


_KPI_NAMES = {
    "throughput_h": [("throughput_median_h", "median"), ("throughput_mean_h", "mean")],
    "events": [("events_per_case", "mean")],
    "contacts": [("contacts_per_case", "mean")],
    "goal_reached": [("goal_rate", "mean")],
    "reopened": [("reopen_rate", "mean")],
    "fcr": [("fcr_rate", "mean")],
    "repeat_contact": [("repeat_contact_rate", "mean")],
    "handoffs": [("handoffs_per_case", "mean")],
    "channel_switches": [("channel_switches_per_case", "mean")],
    "sla_breached": [("sla_breach_rate", "mean")],
    "csat": [("csat_mean", "mean")],
    "csat_answers": [("csat_response_rate", "answered")],
}


def _kpi_deltas(case_table_a, case_table_b, *, groups, n_resamples, confidence_level,
                random_state, skip=()):
    """KPI deltas with block-bootstrap intervals from two per-case tables.

    The per-case tables have one row per case and numeric or bool measure columns (as
    :func:`journeymining.measure.kpis.case_kpis`); every such column becomes a KPI: its mean over the
    cases with a value (a rate for a bool column), plus the median for throughput. Known
    columns get the names of :func:`journeymining.measure.kpis.journey_kpis`; others ``<column>_mean``.
    ``csat`` is the mean of the per-case mean answers over answering cases, and
    ``csat_response_rate`` the share of cases with an answer. ``groups`` is ``(units_a,
    units_b)`` (customers, or None for cases).
    """
    rows = []
    cols = [c for c in case_table_a.columns
            if c in case_table_b.columns and c not in skip
            and (pd.api.types.is_numeric_dtype(case_table_a[c]) or
                 pd.api.types.is_bool_dtype(case_table_a[c]))]
    for col in cols:
        for name, stat in _KPI_NAMES.get(col, [(f"{col}_mean", "mean")]):
            xa = case_table_a[col].to_numpy(dtype="float64")
            xb = case_table_b[col].to_numpy(dtype="float64")
            if stat == "answered":
                xa, xb, stat = (xa > 0).astype(float), (xb > 0).astype(float), "mean"
            row = {"kpi": name, "statistic": stat, "measure": col,
                   "n_a": int(np.isfinite(xa).sum()), "n_b": int(np.isfinite(xb).sum())}
            if row["n_a"] and row["n_b"]:
                r = bootstrap_difference(xa, xb, statistic=stat, groups_a=groups[0],
                                         groups_b=groups[1], n_resamples=n_resamples,
                                         confidence_level=confidence_level,
                                         random_state=random_state)
                f = np.median if stat == "median" else np.mean
                row.update(a=float(f(xa[np.isfinite(xa)])), b=float(f(xb[np.isfinite(xb)])),
                           delta=r.estimate, ci_low=r.ci_low, ci_high=r.ci_high)
            else:
                row.update(a=float(np.nanmean(xa)) if row["n_a"] else np.nan,
                           b=float(np.nanmean(xb)) if row["n_b"] else np.nan,
                           delta=np.nan, ci_low=np.nan, ci_high=np.nan)
            rows.append(row)
    return pd.DataFrame(rows, columns=["kpi", "statistic", "measure", "a", "b", "delta", "ci_low",
                                       "ci_high", "n_a", "n_b"])


def _unit_medians(values, units):
    """Median of ``values`` per unit (NaN unit: its own unit), in order of first appearance."""
    codes, _ = pd.factorize(pd.Series(units, dtype=object), use_na_sentinel=True)
    missing = np.flatnonzero(codes < 0)
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(len(missing))
    return pd.Series(values).groupby(codes, sort=True).median().to_numpy()


def _durations(ta, tb, groups, unit, n_resamples, confidence_level, random_state):
    from scipy import stats

    if unit == "customer":
        ua, ub = _unit_medians(ta, groups[0]), _unit_medians(tb, groups[1])
    else:
        ua, ub = ta, tb
    if len(ua) and len(ub) and np.ptp(np.r_[ua, ub]) > 0:
        u, p = stats.mannwhitneyu(ua, ub, alternative="two-sided")
        rb = 2 * float(u) / (len(ua) * len(ub)) - 1
    else:
        u, p, rb = np.nan, 1.0, 0.0
    boot = bootstrap_difference(ta, tb, statistic="median", groups_a=groups[0], groups_b=groups[1],
                                n_resamples=n_resamples, confidence_level=confidence_level,
                                random_state=random_state)
    # the rank-biserial of the unit values, resampled by customer blocks (customer unit) or cases
    ug = (None, None)
    if unit == "customer":
        # unit values of a customer present in both cohorts stay one block
        ga = pd.Series(groups[0], dtype=object)
        gb = pd.Series(groups[1], dtype=object)
        ug = (_first_per_unit(ga, "a"), _first_per_unit(gb, "b"))
    cd = cliffs_delta(ua, ub, groups_a=ug[0], groups_b=ug[1], n_resamples=n_resamples,
                      confidence_level=confidence_level, random_state=random_state)
    perm = permutation_test(ua, ub, statistic="median", n_permutations=n_resamples,
                            random_state=random_state)
    return pd.DataFrame([{
        "unit": unit, "cases_a": len(ta), "cases_b": len(tb),
        "units_a": len(ua), "units_b": len(ub),
        "median_a_h": float(np.median(ta)), "median_b_h": float(np.median(tb)),
        "median_diff_h": boot.estimate, "median_diff_ci_low_h": boot.ci_low,
        "median_diff_ci_high_h": boot.ci_high,
        "mean_a_h": float(np.mean(ta)), "mean_b_h": float(np.mean(tb)),
        "mannwhitney_u": float(u), "p_value": float(p), "permutation_p_value": perm,
        "rank_biserial": float(rb),
        # rank-biserial of A over B is minus Cliff's delta of B over A
        "rank_biserial_ci_low": -cd.ci_high, "rank_biserial_ci_high": -cd.ci_low,
    }])


def _first_per_unit(groups, cohort):
    """Unit label of each unit value produced by :func:`_unit_medians` (same order); a case
    without a customer is a unit of its own, distinct across cohorts."""
    codes, uniques = pd.factorize(groups, use_na_sentinel=True)
    missing = np.flatnonzero(codes < 0)
    labels = list(uniques) + [f"\x00(no customer {cohort}{i})" for i in range(len(missing))]
    return np.asarray(labels, dtype=object)


def compare_cohorts(log_a, log_b, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                    timestamp_key=C.TIMESTAMP, labels=("A", "B"), alpha=0.05, unit="case",
                    correction="by", n_resamples=2000, confidence_level=0.95, random_state=0,
                    customer_key=C.CUSTOMER, **kpi_options):
    """Compare two cohorts of journeys: variants, directly-follows edges, durations and KPIs.

    Tests and effect sizes are defined in the module docstring (:mod:`journeymining.measure.cohorts`).

    Parameters
    ----------
    log_a, log_b : pandas.DataFrame
        Event logs of the two cohorts (e.g. before / after a change, channel X / channel Y).
    {keys}
    labels : tuple of two str, default ("A", "B")
        Names used by :meth:`CohortComparison.summary`.
    alpha : float, default 0.05
        Level for the ``significant`` flags (after the multiple-testing adjustment).
    unit : {"case", "customer"}, default "case"
        Unit of analysis. ``"case"``: tickets are independent. ``"customer"``: the cases of a
        customer (``customer_key``) are one unit: Mann-Whitney and the permutation test on
        per-customer median throughput, customer-block bootstrap intervals for the median
        difference, every KPI delta and every variant / edge share difference, and per-variant
        / per-edge Wald tests with the customer-block bootstrap standard error. A customer with
        cases in both cohorts gives one unit value to each cohort and is resampled as one block.
        Cases without a customer are units of their own.
    correction : {"by", "bh"}, default "by"
        Adjustment of the per-variant and per-edge p-values. The variants of a cohort share its
        cases and edges overlap variants, so the tests are dependent: Benjamini-Yekutieli is
        valid under any dependence; Benjamini-Hochberg (``"bh"``) assumes independent or
        positively dependent tests.
    n_resamples : int, default 2000
        Bootstrap resamples (and permutations) of every interval and permutation test.
    confidence_level : float, default 0.95
        Level of every interval.
    random_state : int, numpy Generator or None, default 0
        Seed of the bootstrap and permutations.
    customer_key : str, default "case:customer"
        Customer column (``unit="customer"``).
    **kpi_options
        Passed to :func:`journeymining.measure.kpis.case_kpis` (``goal=``, ``sla=``, ...). Without
        ``goal`` (or ``journey_map`` / ``settings``) the goal-based deltas are n/a, with a note.

    Returns
    -------
    CohortComparison

    Raises
    ------
    EventLogError
        When a log is not an event log or is empty, ``alpha`` is not in (0, 1), ``unit`` or
        ``correction`` is unknown, or ``unit="customer"`` and a log has no customer column.

    Examples
    --------
    >>> import pandas as pd
    >>> def log(paths):
    ...     rows = [(f"c{i}", a, pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=j))
    ...             for i, path in enumerate(paths) for j, a in enumerate(path)]
    ...     return pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    >>> cmp = compare_cohorts(log([["Open", "Close"]] * 30), log([["Open", "Wait", "Close"]] * 30),
    ...                       n_resamples=200)
    >>> cmp.variants[["variant", "cases_a", "cases_b", "share_diff"]]
                   variant  cases_a  cases_b  share_diff
    0         Open → Close       30        0        -1.0
    1  Open → Wait → Close        0       30         1.0
    >>> bool(cmp.variants["significant"].all())
    True
    """
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise EventLogError(f"compare_cohorts: alpha={alpha!r} must be a number between 0 and 1, e.g. 0.05.")
    if unit not in UNITS:
        raise EventLogError(f"compare_cohorts: unit={unit!r} is not known; use 'case' (tickets as "
                            f"independent units) or 'customer' (the cases of a {customer_key!r} as one unit).")
    if correction not in CORRECTIONS:
        raise EventLogError(f"compare_cohorts: correction={correction!r} is not known; use 'by' "
                            "(Benjamini-Yekutieli, valid for dependent tests) or 'bh' (Benjamini-Hochberg).")
    keys = dict(case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key)
    pa = _Prepared(log_a, verb="compare_cohorts (log_a)", **keys)
    pb = _Prepared(log_b, verb="compare_cohorts (log_b)", **keys)
    for name, p in (("log_a", pa), ("log_b", pb)):
        if p.n_cases == 0:
            raise EventLogError(f"compare_cohorts: {name} has no events. Pass a log with at least one case.")
    notes = []
    if unit == "customer":
        for name, lg in (("log_a", log_a), ("log_b", log_b)):
            if customer_key not in lg.columns:
                raise EventLogError(
                    f"compare_cohorts: unit='customer' needs the column {customer_key!r}, which "
                    f"{name} does not have. Columns present: {list(lg.columns)}. Pass "
                    "customer_key=<your customer column> or unit='case'.")
    if kpi_options.get("goal") is None and kpi_options.get("journey_map") is None \
            and kpi_options.get("settings") is None:
        notes.append("no goal given: goal-based KPI deltas are n/a (pass goal= or journey_map=)")
    if customer_key != C.CUSTOMER:
        log_a, log_b = (lg.rename(columns={customer_key: C.CUSTOMER}) if customer_key in lg.columns else lg
                        for lg in (log_a, log_b))
    ta_table = case_kpis(log_a, **keys, **kpi_options)
    tb_table = case_kpis(log_b, **keys, **kpi_options)
    groups = (None, None)
    if unit == "customer":
        groups = (ta_table[C.CUSTOMER].to_numpy(dtype=object), tb_table[C.CUSTOMER].to_numpy(dtype=object))
        missing = int(pd.isna(groups[0]).sum() + pd.isna(groups[1]).sum())
        if missing:
            notes.append(f"{missing} case(s) without a customer are units of their own")
    boot = dict(n_resamples=int(n_resamples) if isinstance(n_resamples, (int, np.integer)) else n_resamples,
                confidence_level=confidence_level, random_state=random_state)
    va, ea = variants_and_edges(pa)
    vb, eb = variants_and_edges(pb)
    feat = dict(unit=unit, groups=groups, correction=correction, **boot)
    variants = _feature_table(list(zip(range(pa.n_cases), va)), list(zip(range(pb.n_cases), vb)),
                              pa.n_cases, pb.n_cases, ["variant"], alpha, **feat)
    edges = _feature_table(list(zip(ea["c"], zip(ea["source"], ea["target"]))),
                           list(zip(eb["c"], zip(eb["source"], eb["target"]))),
                           pa.n_cases, pb.n_cases, ["source", "target"], alpha, **feat)
    ca = pd.Series(va).value_counts().to_dict()
    cb = pd.Series(vb).value_counts().to_dict()
    ta = ta_table["throughput_h"].to_numpy(dtype="float64")
    tb = tb_table["throughput_h"].to_numpy(dtype="float64")
    durations = _durations(ta, tb, groups, unit, **boot)
    kpis = _kpi_deltas(ta_table, tb_table, groups=groups, skip=(case_id_key, "start", "end"), **boot)
    return CohortComparison(labels=tuple(labels), variants=variants, edges=edges,
                            variant_test=_variant_mix_test(ca, cb), durations=durations, kpis=kpis,
                            alpha=float(alpha), unit=unit, correction=correction,
                            confidence_level=float(confidence_level), notes=notes)


fill_docstrings(compare_cohorts)


from journeymining.measure.drift import detect_drift  # noqa: E402  (drift uses the helpers above)

"""Cohort comparison (did a change make journeys better?) and drift detection over time.

Statistics used (all from :mod:`scipy.stats`; definitions so the numbers can be checked by hand):

* **per variant / per directly-follows edge**: the 2×2 table *cases with / without it* in cohort A
  and B. When every expected count is at least 5: Pearson's chi-square test without continuity
  correction; otherwise Fisher's exact test (two-sided). Effect sizes: the share difference
  ``share_b - share_a``, Cohen's h ``2·asin(√share_b) - 2·asin(√share_a)`` and φ (= Cramér's V
  of a 2×2 table) ``√(chi2 / n)``. Edges are counted once per case (a case either has the edge or
  not), so the cases are the independent units of every test.
* **many comparisons**: p-values of all variants (and, separately, of all edges) are adjusted
  with Benjamini-Hochberg (false discovery rate); ``significant`` means adjusted p < ``alpha``.
* **variant mix overall**: chi-square test of the 2×k table cohort × variant, variants with an
  expected count below 5 in either cohort pooled into one "(other variants)" column; Cramér's V
  ``√(chi2 / (n · (min(2, k) - 1)))``.
* **durations** (throughput time per case): Mann-Whitney U (two-sided) with the rank-biserial
  correlation ``2·U_a / (n_a·n_b) - 1`` (positive: cohort A's journeys tend to be longer).
* **KPI deltas**: :func:`journeymining.kpis.journey_kpis` of both cohorts, ``delta = b - a``.

Drift (:func:`detect_drift`): cases are bucketed by the period of their start; each period with at
least ``min_cases`` cases is compared with the previous such period. The distances are
Jensen-Shannon distances (base 2, between 0 = same and 1 = disjoint) of the variant shares and of
the directly-follows edge frequencies; the test is the pooled chi-square test of the variant mix
(as above), BH-adjusted over all period pairs. **Change-point rule**: a period is a change point
when its adjusted p-value is below ``alpha`` *and* its edge distance to the previous period is at
least ``min_distance`` (significant and large enough to matter).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _columns as C
from .errors import EventLogError
from .core.eventlog import HOUR_NS as _HOUR_NS
from .core.eventlog import SortedLog as _Prepared
from .measure.kpis import journey_kpis

_PERIODS = {"D": "D", "W": "W", "M": "M", "Q": "Q", "Y": "Y"}

__all__ = ["CohortComparison", "compare_cohorts", "detect_drift", "benjamini_hochberg"]

ARROW = " → "
OTHER = "(other variants)"


def benjamini_hochberg(p_values):
    """Benjamini-Hochberg adjusted p-values (false discovery rate), same order as the input.

    ``q_(i) = min_{j >= i} p_(j) · m / j`` over the p-values sorted ascending, capped at 1. NaN
    p-values stay NaN and do not count in ``m``.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.20]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.2]
    """
    p = np.asarray(p_values, dtype="float64")
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    vals = p[ok]
    order = np.argsort(vals, kind="stable")
    ranked = vals[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    adj = np.empty(m)
    adj[order] = np.minimum(ranked, 1.0)
    out[ok] = adj
    return out


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


def _feature_table(counts_a, counts_b, na, nb, names, alpha):
    keys = sorted(set(counts_a) | set(counts_b), key=lambda k: (-(counts_a.get(k, 0) + counts_b.get(k, 0)), str(k)))
    rows = []
    for key in keys:
        xa, xb = int(counts_a.get(key, 0)), int(counts_b.get(key, 0))
        test, p, phi = _two_by_two(xa, na, xb, nb)
        sa, sb = xa / na, xb / nb
        row = dict(zip(names, key if isinstance(key, tuple) else (key,)))
        row.update(cases_a=xa, cases_b=xb, share_a=sa, share_b=sb, share_diff=sb - sa,
                   cohens_h=float(_cohens_h(sa, sb)), phi=phi, test=test, p_value=p)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[*names, "cases_a", "cases_b", "share_a", "share_b",
                                        "share_diff", "cohens_h", "phi", "test", "p_value"])
    frame["p_adjusted"] = benjamini_hochberg(frame["p_value"].to_numpy()) if len(frame) else []
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


def _variants_and_edges(p):
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
        ``share_diff`` (b - a), ``cohens_h``, ``phi``, ``test`` (chi2/fisher), ``p_value``,
        ``p_adjusted`` (Benjamini-Hochberg), ``significant``.
    edges : pandas.DataFrame
        The same per directly-follows edge (``source``, ``target``), share = cases with the edge.
    variant_test : dict
        Overall test of the variant mix: ``chi2``, ``dof``, ``p_value``, ``cramers_v``, ``n``,
        ``pooled_variants``.
    durations : pandas.DataFrame
        One row: ``cases_a``, ``cases_b``, ``median_a_h``, ``median_b_h``, ``median_diff_h``,
        ``mean_a_h``, ``mean_b_h``, ``mannwhitney_u``, ``p_value``, ``rank_biserial``.
    kpis : pandas.DataFrame
        One row per KPI: ``kpi``, ``a``, ``b``, ``delta`` (b - a).
    alpha : float
        Significance level used for ``significant``.
    """

    labels: tuple
    variants: pd.DataFrame
    edges: pd.DataFrame
    variant_test: dict
    durations: pd.DataFrame
    kpis: pd.DataFrame
    alpha: float = 0.05
    notes: list = field(default_factory=list)

    def summary(self):
        """A few sentences in plain words (for reports and notebooks)."""
        a, b = self.labels
        d = self.durations.iloc[0]
        vt = self.variant_test
        sig_v = int(self.variants["significant"].sum())
        sig_e = int(self.edges["significant"].sum())
        lines = [
            f"{a}: {int(d['cases_a'])} cases, {b}: {int(d['cases_b'])} cases.",
            f"Variant mix: chi2={vt['chi2']:.2f}, p={vt['p_value']:.3g}, Cramér's V={vt['cramers_v']:.3f}; "
            f"{sig_v} variant(s) and {sig_e} edge(s) differ significantly (BH-adjusted p < {self.alpha}).",
            f"Median throughput {d['median_a_h']:.1f} h vs {d['median_b_h']:.1f} h "
            f"(Mann-Whitney p={d['p_value']:.3g}, rank-biserial {d['rank_biserial']:+.3f}).",
        ]
        return "\n".join(lines)


def compare_cohorts(log_a, log_b, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                    timestamp_key=C.TIMESTAMP, labels=("A", "B"), alpha=0.05, **kpi_options):
    """Compare two cohorts of journeys: variants, directly-follows edges, durations and KPIs.

    Tests and effect sizes are defined in the module docstring (:mod:`journeymining.cohorts`).

    Parameters
    ----------
    log_a, log_b : pandas.DataFrame
        Event logs of the two cohorts (e.g. before / after a change, channel X / channel Y).
    {keys}
    labels : tuple of two str, default ("A", "B")
        Names used by :meth:`CohortComparison.summary`.
    alpha : float, default 0.05
        Level for the ``significant`` flags (after Benjamini-Hochberg adjustment).
    **kpi_options
        Passed to :func:`journeymining.kpis.journey_kpis` (``goal=``, ``sla=``, ...).

    Returns
    -------
    CohortComparison

    Raises
    ------
    EventLogError
        When a log is not an event log, is empty, or ``alpha`` is not in (0, 1).

    Examples
    --------
    >>> import pandas as pd
    >>> def log(paths):
    ...     rows = [(f"c{i}", a, pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=j))
    ...             for i, path in enumerate(paths) for j, a in enumerate(path)]
    ...     return pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    >>> cmp = compare_cohorts(log([["Open", "Close"]] * 30), log([["Open", "Wait", "Close"]] * 30))
    >>> cmp.variants[["variant", "cases_a", "cases_b", "share_diff"]]
                   variant  cases_a  cases_b  share_diff
    0         Open → Close       30        0        -1.0
    1  Open → Wait → Close        0       30         1.0
    >>> bool(cmp.variants["significant"].all())
    True
    """
    from scipy import stats

    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise EventLogError(f"compare_cohorts: alpha={alpha!r} must be a number between 0 and 1, e.g. 0.05.")
    keys = dict(case_id_key=case_id_key, activity_key=activity_key, timestamp_key=timestamp_key)
    pa = _Prepared(log_a, verb="compare_cohorts (log_a)", **keys)
    pb = _Prepared(log_b, verb="compare_cohorts (log_b)", **keys)
    for name, p in (("log_a", pa), ("log_b", pb)):
        if p.n_cases == 0:
            raise EventLogError(f"compare_cohorts: {name} has no events. Pass a log with at least one case.")
    va, ea = _variants_and_edges(pa)
    vb, eb = _variants_and_edges(pb)
    ca = pd.Series(va).value_counts().to_dict()
    cb = pd.Series(vb).value_counts().to_dict()
    variants = _feature_table(ca, cb, pa.n_cases, pb.n_cases, ["variant"], alpha)

    def edge_counts(e):
        e = e.drop_duplicates()
        return e.groupby(["source", "target"]).size().to_dict()

    edges = _feature_table(edge_counts(ea), edge_counts(eb), pa.n_cases, pb.n_cases,
                           ["source", "target"], alpha)
    ta = (pa.end - pa.start) / _HOUR_NS
    tb = (pb.end - pb.start) / _HOUR_NS
    if len(ta) and len(tb) and np.ptp(np.r_[ta, tb]) > 0:
        u, p = stats.mannwhitneyu(ta, tb, alternative="two-sided")
        rb = 2 * float(u) / (len(ta) * len(tb)) - 1
    else:
        u, p, rb = np.nan, 1.0, 0.0
    durations = pd.DataFrame([{
        "cases_a": pa.n_cases, "cases_b": pb.n_cases,
        "median_a_h": float(np.median(ta)), "median_b_h": float(np.median(tb)),
        "median_diff_h": float(np.median(tb) - np.median(ta)),
        "mean_a_h": float(np.mean(ta)), "mean_b_h": float(np.mean(tb)),
        "mannwhitney_u": float(u), "p_value": float(p), "rank_biserial": float(rb),
    }])
    ka = journey_kpis(log_a, **keys, **kpi_options).iloc[0]
    kb = journey_kpis(log_b, **keys, **kpi_options).iloc[0]
    names = [c for c in ka.index if c != "group" and c in kb.index]
    kpis = pd.DataFrame({"kpi": names,
                         "a": [float(ka[c]) for c in names],
                         "b": [float(kb[c]) for c in names]})
    kpis["delta"] = kpis["b"] - kpis["a"]
    return CohortComparison(labels=tuple(labels), variants=variants, edges=edges,
                            variant_test=_variant_mix_test(ca, cb), durations=durations, kpis=kpis,
                            alpha=float(alpha))


compare_cohorts.__doc__ = compare_cohorts.__doc__.replace("{keys}", C.KEYS_DOC)


def _js(p, q):
    from scipy.spatial.distance import jensenshannon

    keys = sorted(set(p) | set(q))
    a = np.array([p.get(k, 0) for k in keys], dtype="float64")
    b = np.array([q.get(k, 0) for k in keys], dtype="float64")
    if a.sum() == 0 or b.sum() == 0:
        return np.nan
    return float(jensenshannon(a / a.sum(), b / b.sum(), base=2))


def detect_drift(log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP,
                 freq="M", alpha=0.01, min_distance=0.1, min_cases=30):
    """Find when the journey changed: distances between consecutive periods and change points.

    The rule is in the module docstring (:mod:`journeymining.cohorts`): a period is a change point
    when the variant mix differs significantly from the previous period (pooled chi-square,
    Benjamini-Hochberg adjusted p < ``alpha``) and the Jensen-Shannon distance of the
    directly-follows edge frequencies is at least ``min_distance``.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log.
    {keys}
    freq : {"D", "W", "M", "Q", "Y"}, default "M"
        Period of the case start used to bucket cases.
    alpha : float, default 0.01
        Significance level after adjustment.
    min_distance : float, default 0.1
        Smallest edge distance (0-1) that counts as a change.
    min_cases : int, default 30
        Periods with fewer cases are listed but not compared (their distances are NaN).

    Returns
    -------
    pandas.DataFrame
        One row per period with cases: ``period``, ``cases``, ``variants``, ``compared_to``,
        ``variant_distance``, ``edge_distance``, ``p_value``, ``p_adjusted``, ``change``.

    Raises
    ------
    EventLogError
        When ``freq`` is not a known period or the log is not an event log.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = []
    >>> for month, path in [("2024-01", ["Open", "Close"]), ("2024-02", ["Open", "Close"]),
    ...                     ("2024-03", ["Open", "Wait", "Close"])]:
    ...     for i in range(40):
    ...         t0 = pd.Timestamp(month + "-02", tz="UTC") + pd.Timedelta(hours=i)
    ...         rows += [(f"{month}-{i}", a, t0 + pd.Timedelta(minutes=j)) for j, a in enumerate(path)]
    >>> log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    >>> detect_drift(log)[["period", "cases", "edge_distance", "change"]]
        period  cases  edge_distance  change
    0  2024-01     40            NaN   False
    1  2024-02     40            0.0   False
    2  2024-03     40            1.0    True
    """
    if freq not in _PERIODS:
        raise EventLogError(
            f"detect_drift: freq={freq!r} is not a period. Use one of {list(_PERIODS)} "
            "(day, week, month, quarter, year of the case start)."
        )
    p = _Prepared(log, case_id_key=case_id_key, activity_key=activity_key,
                  timestamp_key=timestamp_key, verb="detect_drift")
    variants, edges = _variants_and_edges(p)
    start = pd.DatetimeIndex(p.start.view("datetime64[ns]"))
    period = start.to_period(_PERIODS[freq]).astype(str).to_numpy(dtype=object)
    edges["period"] = period[edges["c"].to_numpy()] if len(edges) else []
    frame = pd.DataFrame({"period": period, "variant": variants})
    rows = []
    prev = None
    for per, grp in frame.groupby("period", sort=True):
        vc = grp["variant"].value_counts().to_dict()
        ec = edges[edges["period"] == per].groupby(["source", "target"]).size().to_dict()
        row = {"period": per, "cases": len(grp), "variants": len(vc), "compared_to": None,
               "variant_distance": np.nan, "edge_distance": np.nan, "p_value": np.nan}
        if len(grp) >= min_cases:
            if prev is not None:
                row.update(compared_to=prev[0], variant_distance=_js(prev[1], vc),
                           edge_distance=_js(prev[2], ec),
                           p_value=_variant_mix_test(prev[1], vc)["p_value"])
            prev = (per, vc, ec)
        rows.append(row)
    out = pd.DataFrame(rows, columns=["period", "cases", "variants", "compared_to",
                                      "variant_distance", "edge_distance", "p_value"])
    out["p_adjusted"] = benjamini_hochberg(out["p_value"].to_numpy())
    out["change"] = ((out["p_adjusted"] < alpha) & (out["edge_distance"] >= min_distance)).fillna(False)
    out["change"] = out["change"].astype(bool)
    return out


detect_drift.__doc__ = detect_drift.__doc__.replace("{keys}", C.KEYS_DOC)

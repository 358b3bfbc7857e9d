"""Statistical procedures shared by cohorts, drift and clustering (one definition each).

Everything here works on plain numpy arrays; the journey-specific code (which column, which unit)
lives in :mod:`journeymining.measure.cohorts` and :mod:`journeymining.measure.drift`.

Procedures
----------
multiple testing
    :func:`adjust_p_values` wraps :func:`scipy.stats.false_discovery_control`:
    Benjamini-Hochberg (``"bh"``, valid for independent or positively dependent tests) and
    Benjamini-Yekutieli (``"by"``, valid under any dependence; BH times ``sum(1/i, i=1..m)``).
    NaN p-values stay NaN and do not count in ``m``.
block (cluster) bootstrap of a two-cohort difference
    :func:`bootstrap_difference`: the statistic of cohort B minus cohort A, re-computed on
    resamples drawn with replacement at the level of the *unit* (a case, or a customer's block of
    cases). Units are resampled within strata: units only in A, units only in B, and units with
    cases in both cohorts (a customer seen before and after a change): such a unit carries its
    cases of both cohorts, so the dependence between the cohorts is kept. The interval is the
    percentile interval of the resampled differences (Efron & Tibshirani 1993, ch. 13; Field &
    Welsh 2007 for the cluster bootstrap).
permutation test
    :func:`permutation_test`: the two-sided p-value of a difference of unit-level values under
    random relabelling of the units, from :func:`scipy.stats.permutation_test` (exact enumeration
    when there are no more distinct relabellings than ``n_permutations``, otherwise Monte Carlo
    with the ``(1 + hits) / (1 + n)`` estimate).
Cliff's delta
    :func:`cliffs_delta`: ``P(b > a) - P(b < a)`` over all pairs (equal to the rank-biserial
    correlation of Mann-Whitney's U), with a block-bootstrap percentile interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from journeymining.core.errors import JourneyMiningError

__all__ = ["StatsError", "BootstrapResult", "adjust_p_values", "benjamini_hochberg",
           "benjamini_yekutieli", "bootstrap_difference", "bootstrap_shares",
           "permutation_test", "cliffs_delta"]

CORRECTIONS = ("bh", "by")


class StatsError(JourneyMiningError):
    """A statistical procedure got an invalid parameter or unusable data."""


# --------------------------------------------------------------------------------------------
# multiple testing
# --------------------------------------------------------------------------------------------

def adjust_p_values(p_values, method="bh"):
    """Adjusted p-values (false discovery rate), same order as the input.

    Parameters
    ----------
    p_values : array-like of float
        Raw p-values; NaN entries stay NaN and are not counted in the number of tests ``m``.
    method : {"bh", "by"}, default "bh"
        ``"bh"``: Benjamini-Hochberg ``q_(i) = min_{j >= i} p_(j) m / j``. ``"by"``:
        Benjamini-Yekutieli, BH multiplied by ``c(m) = sum_{i=1}^{m} 1/i`` (valid under arbitrary
        dependence between the tests, e.g. overlapping variants and edges). Capped at 1.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    StatsError
        ``method`` is not ``"bh"`` or ``"by"``, or a p-value lies outside [0, 1].

    Examples
    --------
    >>> adjust_p_values([0.01, 0.04, 0.03, 0.20]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.2]
    >>> adjust_p_values([0.01, 0.04, 0.03, 0.20], method="by").round(4).tolist()
    [0.0833, 0.1111, 0.1111, 0.4167]
    """
    from scipy import stats

    if method not in CORRECTIONS:
        raise StatsError(f"correction method={method!r} is not known; use 'bh' (Benjamini-Hochberg) "
                         "or 'by' (Benjamini-Yekutieli, valid for dependent tests).")
    p = np.asarray(p_values, dtype="float64").ravel()
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if not ok.any():
        return out
    if (p[ok] < 0).any() or (p[ok] > 1).any():
        bad = p[ok][(p[ok] < 0) | (p[ok] > 1)][:5].tolist()
        raise StatsError(f"p-values must lie in [0, 1]; got {bad}. Pass raw p-values of tests.")
    out[ok] = np.minimum(stats.false_discovery_control(p[ok], method=method), 1.0)
    return out


def benjamini_hochberg(p_values):
    """Benjamini-Hochberg adjusted p-values; ``adjust_p_values(p_values, "bh")``.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.20]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.2]
    """
    return adjust_p_values(p_values, method="bh")


def benjamini_yekutieli(p_values):
    """Benjamini-Yekutieli adjusted p-values; ``adjust_p_values(p_values, "by")``."""
    return adjust_p_values(p_values, method="by")


# --------------------------------------------------------------------------------------------
# block bootstrap
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BootstrapResult:
    """A statistic's difference (B - A) with its bootstrap distribution.

    Attributes
    ----------
    estimate : float
        Difference on the data.
    ci_low, ci_high : float
        Percentile interval at ``confidence_level``.
    standard_error : float
        Standard deviation of the resampled differences.
    confidence_level : float
    n_resamples : int
    n_units_a, n_units_b : int
        Units (cases or customers) with values in each cohort.
    distribution : numpy.ndarray
        The resampled differences (NaN when a resample had no value in a cohort).
    """

    estimate: float
    ci_low: float
    ci_high: float
    standard_error: float
    confidence_level: float
    n_resamples: int
    n_units_a: int
    n_units_b: int
    distribution: np.ndarray


def _check_common(n_resamples, confidence_level, name="n_resamples"):
    if not (isinstance(n_resamples, (int, np.integer)) and not isinstance(n_resamples, bool)
            and n_resamples >= 1):
        raise StatsError(f"{name}={n_resamples!r} must be a positive integer (e.g. 2000).")
    if not (isinstance(confidence_level, (int, float)) and 0 < confidence_level < 1):
        raise StatsError(f"confidence_level={confidence_level!r} must be a number between 0 and 1, "
                         "e.g. 0.95.")


def _units(values_a, values_b, groups_a, groups_b):
    """Values without NaN and integer unit codes shared by both cohorts."""
    a = np.asarray(values_a, dtype="float64").ravel()
    b = np.asarray(values_b, dtype="float64").ravel()
    if groups_a is None and groups_b is None:
        ga = np.arange(len(a))
        gb = np.arange(len(a), len(a) + len(b))
    elif groups_a is None or groups_b is None:
        raise StatsError("groups_a and groups_b go together: pass both (unit of each value, e.g. "
                         "the customer) or neither (every value its own unit).")
    else:
        import pandas as pd

        ga_raw, gb_raw = np.asarray(groups_a, dtype=object), np.asarray(groups_b, dtype=object)
        if len(ga_raw) != len(a) or len(gb_raw) != len(b):
            raise StatsError(f"groups_a/groups_b must have one unit per value; got {len(ga_raw)} "
                             f"and {len(gb_raw)} units for {len(a)} and {len(b)} values.")
        codes, _ = pd.factorize(np.concatenate([ga_raw, gb_raw]), use_na_sentinel=True)
        # a missing unit (NaN customer) is a unit of its own
        missing = np.flatnonzero(codes < 0)
        codes[missing] = codes.max(initial=-1) + 1 + np.arange(len(missing))
        ga, gb = codes[: len(a)], codes[len(a):]
    ka, kb = ~np.isnan(a), ~np.isnan(b)
    return a[ka], b[kb], ga[ka], gb[kb]


def _stratified_counts(ga, gb, n_units, n_resamples, rng):
    """Resampling counts (n_resamples x n_units): units in A only, B only, both, each drawn
    with replacement within its stratum (as many draws as units in the stratum)."""
    in_a = np.zeros(n_units, bool)
    in_b = np.zeros(n_units, bool)
    in_a[ga] = True
    in_b[gb] = True
    counts = np.zeros((n_resamples, n_units), dtype="int64")
    for stratum in (in_a & ~in_b, ~in_a & in_b, in_a & in_b):
        members = np.flatnonzero(stratum)
        m = len(members)
        if m == 0:
            continue
        draws = rng.integers(0, m, size=(n_resamples, m))
        flat = (np.arange(n_resamples)[:, None] * m + draws).ravel()
        counts[:, members] = np.bincount(flat, minlength=n_resamples * m).reshape(n_resamples, m)
    return counts


def _weighted_median(values, weights):
    """Median of ``values`` repeated ``weights`` times (integer weights), per row of ``weights``.

    Equals :func:`numpy.median` of the expanded data: the middle value, or the mean of the two
    middle values when the total weight is even. NaN for a row with total weight 0.
    """
    order = np.argsort(values, kind="stable")
    v = values[order]
    w = weights[:, order]
    cum = np.cumsum(w, axis=1)
    total = cum[:, -1] if cum.shape[1] else np.zeros(len(w))
    out = np.full(len(w), np.nan)
    ok = total > 0
    if not ok.any():
        return out
    cum, total = cum[ok], total[ok]
    lo_pos = (total - 1) // 2          # 0-based positions of the middle element(s)
    hi_pos = total // 2
    lo = (cum <= lo_pos[:, None]).sum(axis=1)    # first index whose cumulative weight > pos
    hi = (cum <= hi_pos[:, None]).sum(axis=1)
    out[ok] = (v[lo] + v[hi]) / 2
    return out


def _weighted_stat(values, weights, statistic):
    if statistic == "mean":
        tot = weights.sum(axis=1).astype("float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(tot > 0, weights @ values / np.where(tot > 0, tot, 1), np.nan)
    out = np.full(len(weights), np.nan)
    for lo in range(0, len(weights), 256):   # chunks keep the (resamples x values) work small
        out[lo: lo + 256] = _weighted_median(values, weights[lo: lo + 256])
    return out


def random_generator(random_state):
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    return np.random.default_rng(random_state)


def _interval(dist, estimate, confidence_level):
    finite = dist[np.isfinite(dist)]
    if len(finite) == 0:
        return np.nan, np.nan, np.nan
    tail = (1 - confidence_level) / 2 * 100
    lo, hi = np.percentile(finite, [tail, 100 - tail])
    return float(lo), float(hi), float(finite.std(ddof=1)) if len(finite) > 1 else 0.0


def bootstrap_difference(values_a, values_b, *, statistic="median", groups_a=None, groups_b=None,
                         n_resamples=2000, confidence_level=0.95, random_state=None):
    """Block-bootstrap percentile interval of ``statistic(b) - statistic(a)``.

    Parameters
    ----------
    values_a, values_b : array-like of float
        One value per case of cohort A and B (NaN values are left out).
    statistic : {"median", "mean"}, default "median"
        Computed on all the cases of the resampled units (the median of the expanded data, as
        :func:`numpy.median`; a share is the mean of a 0/1 value).
    groups_a, groups_b : array-like, optional
        Unit (e.g. customer) of every value. Without them every value is its own unit (the
        ordinary two-sample bootstrap). A unit present in both cohorts is drawn as one block
        holding its values of both cohorts; a missing unit (None/NaN) is a unit of its own.
    n_resamples : int, default 2000
    confidence_level : float, default 0.95
    random_state : int, numpy Generator or None
        Seed of the resampling.

    Returns
    -------
    BootstrapResult

    Raises
    ------
    StatsError
        Bad ``statistic``, ``n_resamples`` or ``confidence_level``; ``groups_*`` of the wrong
        length or only one of them; a cohort without values.

    Examples
    --------
    >>> r = bootstrap_difference([1, 1, 1], [4, 4], random_state=0)
    >>> (r.estimate, r.ci_low, r.ci_high)
    (3.0, 3.0, 3.0)
    """
    if statistic not in ("median", "mean"):
        raise StatsError(f"statistic={statistic!r} is not known; use 'median' or 'mean'.")
    _check_common(n_resamples, confidence_level)
    a, b, ga, gb = _units(values_a, values_b, groups_a, groups_b)
    if len(a) == 0 or len(b) == 0:
        raise StatsError(f"bootstrap_difference needs values in both cohorts; got {len(a)} in A and "
                         f"{len(b)} in B (after dropping NaN).")
    rng = random_generator(random_state)
    n_units = int(max(ga.max(initial=-1), gb.max(initial=-1)) + 1)
    counts = _stratified_counts(ga, gb, n_units, int(n_resamples), rng)
    est = _point(b, statistic) - _point(a, statistic)
    dist = _weighted_stat(b, counts[:, gb], statistic) - _weighted_stat(a, counts[:, ga], statistic)
    lo, hi, se = _interval(dist, est, confidence_level)
    return BootstrapResult(float(est), lo, hi, se, float(confidence_level), int(n_resamples),
                           int(len(np.unique(ga))), int(len(np.unique(gb))), dist)


def _point(x, statistic):
    return float(np.median(x) if statistic == "median" else np.mean(x))


def bootstrap_shares(matrix_a, matrix_b, *, groups_a=None, groups_b=None, n_resamples=2000,
                     random_state=None):
    """Bootstrap distributions of many shares at once (block bootstrap as :func:`bootstrap_difference`).

    Parameters
    ----------
    matrix_a, matrix_b : array-like of shape (cases, features)
        0/1 (or any numeric) value of every feature per case of each cohort (dense or scipy
        sparse); the share of a feature is its mean over the cases.
    groups_a, groups_b, n_resamples, random_state
        As :func:`bootstrap_difference`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(shares_a, shares_b)``, each of shape (n_resamples, features).
    """
    from scipy import sparse

    _check_common(n_resamples, 0.95)
    A = sparse.csr_matrix(matrix_a, dtype="float64")
    B = sparse.csr_matrix(matrix_b, dtype="float64")
    _, _, ga, gb = _units(np.zeros(A.shape[0]), np.zeros(B.shape[0]), groups_a, groups_b)
    rng = random_generator(random_state)
    n_units = int(max(ga.max(initial=-1), gb.max(initial=-1)) + 1)
    counts = _stratified_counts(ga, gb, n_units, int(n_resamples), rng).astype("float64")

    def shares(M, g):
        member = sparse.csr_matrix((np.ones(len(g)), (g, np.arange(len(g)))),
                                   shape=(n_units, len(g)))
        sums = np.asarray((member @ M).todense())
        n = np.bincount(g, minlength=n_units).astype("float64")
        tot = counts @ n
        with np.errstate(invalid="ignore", divide="ignore"):
            return (counts @ sums) / tot[:, None]

    return shares(A, ga), shares(B, gb)


# --------------------------------------------------------------------------------------------
# permutation test
# --------------------------------------------------------------------------------------------

def permutation_test(values_a, values_b, *, statistic="median", n_permutations=9999,
                     random_state=None):
    """Two-sided permutation p-value of ``statistic(b) - statistic(a)`` on exchangeable units.

    The labels A/B are permuted over the *units* given (one value per unit: a case's value, or a
    customer's median; aggregate to the unit before calling). The p-value counts relabellings
    whose difference is at least as extreme as the observed one, on both sides
    (``2 · min(P(T* >= t), P(T* <= t))``, capped at 1, :func:`scipy.stats.permutation_test`).
    With at most ``n_permutations`` distinct relabellings every one is enumerated (exact test);
    otherwise ``n_permutations`` random ones are drawn.

    Parameters
    ----------
    values_a, values_b : array-like of float
        Unit-level values of the two cohorts (NaN left out).
    statistic : {"median", "mean"} or callable, default "median"
        A callable takes ``(x, y, axis)`` and returns the statistic along ``axis``.
    n_permutations : int, default 9999
    random_state : int, numpy Generator or None

    Returns
    -------
    float
        The p-value.

    Raises
    ------
    StatsError
        ``statistic`` unknown, ``n_permutations`` not a positive integer, or a cohort without
        values.

    Examples
    --------
    >>> permutation_test([1, 2], [3, 4], statistic="mean")   # 2 of the 6 splits are as extreme
    0.3333333333333333
    """
    from scipy import stats

    _check_common(n_permutations, 0.95, name="n_permutations")
    if statistic == "median":
        def stat(x, y, axis):
            return np.median(y, axis=axis) - np.median(x, axis=axis)
    elif statistic == "mean":
        def stat(x, y, axis):
            return np.mean(y, axis=axis) - np.mean(x, axis=axis)
    elif callable(statistic):
        stat = statistic
    else:
        raise StatsError(f"statistic={statistic!r} is not known; use 'median', 'mean' or a callable "
                         "f(x, y, axis).")
    a = np.asarray(values_a, dtype="float64").ravel()
    b = np.asarray(values_b, dtype="float64").ravel()
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0:
        raise StatsError(f"permutation_test needs values in both cohorts; got {len(a)} in A and "
                         f"{len(b)} in B.")
    if min(len(a), len(b)) < 2:
        # scipy needs two values per sample; with one value in a cohort the n relabellings
        # (which value is the lone one) are enumerated here
        lone, rest = (a, b) if len(a) == 1 else (b, a)
        pooled = np.concatenate([lone, rest])
        n = len(pooled)
        idx = np.arange(n)
        others = np.array([np.delete(pooled, i) for i in idx])
        singles = pooled[:, None]
        t = (stat(singles, others, axis=1) if len(a) == 1 else stat(others, singles, axis=1))
        t_obs = t[0]
        eps = 1e-14 * max(1.0, abs(t_obs))
        p = 2 * min(np.mean(t >= t_obs - eps), np.mean(t <= t_obs + eps))
        return float(min(p, 1.0))
    res = stats.permutation_test((a, b), stat, permutation_type="independent", vectorized=True,
                                 n_resamples=int(n_permutations), alternative="two-sided",
                                 rng=random_generator(random_state))
    return float(min(res.pvalue, 1.0))


# --------------------------------------------------------------------------------------------
# Cliff's delta
# --------------------------------------------------------------------------------------------

def _cliff_weighted(a, b, wa, wb):
    """Cliff's delta of B over A with integer case weights per row of ``wa``/``wb``."""
    ob = np.argsort(b, kind="stable")
    bs = b[ob]
    wbs = wb[:, ob]
    cum = np.concatenate([np.zeros((len(wbs), 1)), np.cumsum(wbs, axis=1)], axis=1)
    tot_b = cum[:, -1]
    below = np.searchsorted(bs, a, side="left")   # b values < a_i
    upto = np.searchsorted(bs, a, side="right")   # b values <= a_i
    n_lt = cum[:, below]                           # weight of b below a_i
    n_gt = tot_b[:, None] - cum[:, upto]           # weight of b above a_i
    tot_a = wa.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((wa * (n_gt - n_lt)).sum(axis=1)) / (tot_a * tot_b)


def cliffs_delta(values_a, values_b, *, groups_a=None, groups_b=None, n_resamples=2000,
                 confidence_level=0.95, random_state=None):
    """Cliff's delta ``P(b > a) - P(b < a)`` with a block-bootstrap percentile interval.

    Over all pairs of a value of A and a value of B, the share of pairs where B is larger minus
    the share where A is larger (ties count for neither). It equals the rank-biserial
    correlation ``1 - 2 U_a / (n_a n_b)`` of Mann-Whitney's U; positive means cohort B tends to
    have larger values.

    Parameters
    ----------
    values_a, values_b, groups_a, groups_b, n_resamples, confidence_level, random_state
        As :func:`bootstrap_difference`.

    Returns
    -------
    BootstrapResult
        ``estimate`` is the delta.

    Examples
    --------
    >>> r = cliffs_delta([1, 2, 3], [2, 4], random_state=0)
    >>> round(r.estimate, 4)      # pairs: B larger in 4, A larger in 1, tie 1 -> (4 - 1) / 6
    0.5
    """
    _check_common(n_resamples, confidence_level)
    a, b, ga, gb = _units(values_a, values_b, groups_a, groups_b)
    if len(a) == 0 or len(b) == 0:
        raise StatsError(f"cliffs_delta needs values in both cohorts; got {len(a)} in A and "
                         f"{len(b)} in B (after dropping NaN).")
    est = float(_cliff_weighted(a, b, np.ones((1, len(a))), np.ones((1, len(b))))[0])
    n_units = int(max(ga.max(initial=-1), gb.max(initial=-1)) + 1)
    counts = _stratified_counts(ga, gb, n_units, int(n_resamples), random_generator(random_state))
    dist = np.empty(int(n_resamples))
    for lo in range(0, int(n_resamples), 256):
        c = counts[lo: lo + 256].astype("float64")
        dist[lo: lo + 256] = _cliff_weighted(a, b, c[:, ga], c[:, gb])
    lo_, hi_, se = _interval(dist, est, confidence_level)
    return BootstrapResult(est, lo_, hi_, se, float(confidence_level), int(n_resamples),
                           int(len(np.unique(ga))), int(len(np.unique(gb))), dist)

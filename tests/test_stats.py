"""journeymining.measure.stats against hand-computed results on tiny data."""


import numpy as np
import pytest

from journeymining.measure.stats import (
    StatsError,
    _weighted_median,
    adjust_p_values,
    benjamini_hochberg,
    benjamini_yekutieli,
    bootstrap_difference,
    bootstrap_shares,
    cliffs_delta,
    permutation_test,
)


def test_benjamini_hochberg_by_hand():
    # sorted 0.01 0.03 0.04 0.20 -> *4/i: 0.04 0.06 0.0533 0.2 -> running min from the top
    q = benjamini_hochberg([0.04, 0.01, np.nan, 0.20, 0.03])
    assert q[[0, 1, 3, 4]] == pytest.approx([0.16 / 3, 0.04, 0.2, 0.16 / 3])
    assert np.isnan(q[2])
    assert benjamini_hochberg([0.9, 0.95]).tolist() == [0.95, 0.95]


def test_benjamini_yekutieli_is_bh_times_harmonic_sum():
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205]
    c = sum(1 / i for i in range(1, 9))          # 2.717857...
    assert c == pytest.approx(761 / 280)
    bh = benjamini_hochberg(p)
    by = benjamini_yekutieli(p)
    assert by == pytest.approx(np.minimum(bh * c, 1.0))
    # by hand for the smallest: 0.001 * 8 / 1 = 0.008 (BH) -> * 761/280
    assert by[0] == pytest.approx(0.008 * 761 / 280)
    # NaN does not count in m: two p-values -> c = 1.5
    assert adjust_p_values([0.02, np.nan, 0.04], "by")[[0, 2]] == pytest.approx([0.06, 0.06])


def test_adjust_errors():
    with pytest.raises(StatsError, match="method='holm' is not known; use 'bh'"):
        adjust_p_values([0.1], method="holm")
    with pytest.raises(StatsError, match=r"must lie in \[0, 1\]; got \[1.5\]"):
        adjust_p_values([0.1, 1.5])
    assert np.isnan(adjust_p_values([np.nan])).all()


def test_weighted_median_equals_numpy_median_of_expanded_data():
    rng = np.random.default_rng(0)
    v = np.array([5.0, 1.0, 3.0, 3.0, 9.0])
    for _ in range(50):
        w = rng.integers(0, 4, size=(1, 5))
        if w.sum() == 0:
            assert np.isnan(_weighted_median(v, w)[0])
            continue
        assert _weighted_median(v, w)[0] == np.median(np.repeat(v, w[0]))


def test_bootstrap_where_every_resample_gives_the_same_value():
    # every value of A is 2 and of B is 5: each resample's median (and mean) difference is 3
    for statistic in ("median", "mean"):
        r = bootstrap_difference([2, 2, 2, 2], [5, 5, 5], statistic=statistic, n_resamples=200,
                                 random_state=1)
        assert (r.estimate, r.ci_low, r.ci_high, r.standard_error) == (3.0, 3.0, 3.0, 0.0)
        assert np.all(r.distribution == 3.0)
    # blocks with the same value inside and across customers: still constant
    r = bootstrap_difference([2, 2, 2], [5, 5], groups_a=["x", "x", "y"], groups_b=["x", "z"],
                             random_state=2)
    assert (r.ci_low, r.ci_high) == (3.0, 3.0)
    assert (r.n_units_a, r.n_units_b) == (2, 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_customer_block_bootstrap_resamples_whole_customers(seed):
    # cohort A: customer u has cases [0, 0], customer v has case [6]; B is constant 0.
    # Two customers drawn with replacement: {u,u} 1/4 -> mean 0; {u,v} 1/2 -> 6/3 = 2;
    # {v,v} 1/4 -> 6. A case-level bootstrap (3 cases) would give mean 0 with prob (2/3)^3 = 8/27
    # and never exactly 2 with probability 1/2.
    r = bootstrap_difference([0, 0, 6], [0, 0], statistic="mean", groups_a=["u", "u", "v"],
                             groups_b=["w", "w"], n_resamples=4000, random_state=seed)
    d = -r.distribution                      # A - B = mean of A's resample
    assert r.estimate == pytest.approx(-2.0)
    shares = [np.mean(d == 0), np.mean(d == 2), np.mean(d == 6)]
    assert shares[0] + shares[1] + shares[2] == 1.0
    assert shares == pytest.approx([0.25, 0.5, 0.25], abs=0.03)   # sd of a share ~ 0.008
    # percentile interval: 2.5 % quantile in the 0 mass, 97.5 % in the 6 mass
    assert (r.ci_low, r.ci_high) == (-6.0, 0.0)


def test_customer_in_both_cohorts_is_one_block():
    # customer u has A value 1 and B value 1; customer v has A value 3, B value 3: whatever the
    # draw, A and B get the same customers, so the difference is always 0
    r = bootstrap_difference([1, 3], [1, 3], groups_a=["u", "v"], groups_b=["u", "v"],
                             statistic="mean", n_resamples=300, random_state=0)
    assert np.all(r.distribution == 0.0)
    # as independent cases the difference varies
    r2 = bootstrap_difference([1, 3], [1, 3], statistic="mean", n_resamples=300, random_state=0)
    assert r2.standard_error > 0.5


def test_bootstrap_shares_blocks():
    A = np.array([[1, 0], [1, 0], [0, 1]])
    B = np.array([[0, 1]])
    sa, sb = bootstrap_shares(A, B, groups_a=["u", "u", "v"], groups_b=["w"], n_resamples=2000,
                              random_state=0)
    assert sa.shape == (2000, 2) and np.all(sb == [0, 1])
    # share of feature 0 in A: {u,u} 1, {u,v} 2/3, {v,v} 0
    got = [np.mean(np.isclose(sa[:, 0], x)) for x in (1, 2 / 3, 0)]
    assert got == pytest.approx([0.25, 0.5, 0.25], abs=0.04)
    assert np.allclose(sa.sum(axis=1), 1.0)


def test_permutation_test_exact_on_two_plus_two():
    # A = {1, 2}, B = {3, 4}; the 6 splits of {1,2,3,4} into two pairs give mean(B) - mean(A) =
    # 2, 1, 0, 0, -1, -2: P(T >= 2) = 1/6, two-sided 2/6
    assert permutation_test([1, 2], [3, 4], statistic="mean") == pytest.approx(1 / 3)
    # medians of pairs are means of pairs: same p
    assert permutation_test([1, 2], [3, 4], statistic="median") == pytest.approx(1 / 3)
    # A = {1, 3}, B = {2, 4}: observed 1; splits 2, 1, 0, 0, -1, -2 -> P(T >= 1) = 2/6 -> 4/6
    assert permutation_test([1, 3], [2, 4], statistic="mean") == pytest.approx(2 / 3)
    # 3 + 3 values: 20 splits; {1,2,3} vs {4,5,6} is the most extreme (1 of 20 on each side)
    assert permutation_test([1, 2, 3], [4, 5, 6], statistic="mean") == pytest.approx(2 / 20)


def test_permutation_test_monte_carlo_is_seeded_and_valid():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=30), rng.normal(size=30) + 3
    p1 = permutation_test(a, b, n_permutations=199, random_state=3)
    assert p1 == permutation_test(a, b, n_permutations=199, random_state=3)
    assert p1 == pytest.approx(2 / 200)       # nothing as extreme: 2 (1 + 0) / (1 + 199)
    # same distribution: p-values are uniform; at alpha = 0.1 about 10 % of 60 draws reject
    rejections = 0
    for seed in range(60):
        r = np.random.default_rng(100 + seed)
        rejections += permutation_test(r.normal(size=15), r.normal(size=15), statistic="mean",
                                       n_permutations=199, random_state=seed) < 0.1
    assert rejections <= 12


def test_cliffs_delta_by_hand():
    # pairs (a, b): B larger in (1,2) (1,4) (2,4) (3,4) = 4, A larger in (3,2) = 1, tie (2,2)
    r = cliffs_delta([1, 2, 3], [2, 4], n_resamples=500, random_state=0)
    assert r.estimate == pytest.approx((4 - 1) / 6)
    from scipy.stats import mannwhitneyu
    u_a = mannwhitneyu([1, 2, 3], [2, 4]).statistic
    assert r.estimate == pytest.approx(1 - 2 * u_a / 6)     # rank-biserial
    assert -1 <= r.ci_low <= r.estimate <= r.ci_high <= 1
    # complete separation: every resample gives +1
    r = cliffs_delta([1, 2, 2], [5, 6], n_resamples=300, random_state=0)
    assert (r.estimate, r.ci_low, r.ci_high) == (1.0, 1.0, 1.0)


def test_cliffs_delta_weighted_equals_expanded():
    from journeymining.measure.stats import _cliff_weighted

    a, b = np.array([1.0, 2, 2, 7]), np.array([2.0, 3, 0])
    wa, wb = np.array([[2, 0, 1, 3]]), np.array([[1, 2, 2]])
    ea, eb = np.repeat(a, wa[0]), np.repeat(b, wb[0])
    expected = (np.sign(eb[None, :] - ea[:, None])).mean()
    assert _cliff_weighted(a, b, wa.astype(float), wb.astype(float))[0] == pytest.approx(expected)


def test_bootstrap_errors():
    with pytest.raises(StatsError, match="statistic='mode' is not known"):
        bootstrap_difference([1], [2], statistic="mode")
    with pytest.raises(StatsError, match="n_resamples=0 must be a positive integer"):
        bootstrap_difference([1], [2], n_resamples=0)
    with pytest.raises(StatsError, match="confidence_level=95 must be a number between 0 and 1"):
        bootstrap_difference([1], [2], confidence_level=95)
    with pytest.raises(StatsError, match="groups_a and groups_b go together"):
        bootstrap_difference([1], [2], groups_a=["u"])
    with pytest.raises(StatsError, match="one unit per value"):
        bootstrap_difference([1, 2], [2], groups_a=["u"], groups_b=["v"])
    with pytest.raises(StatsError, match="needs values in both cohorts; got 0 in A"):
        bootstrap_difference([np.nan], [2])
    with pytest.raises(StatsError, match="n_permutations=-1 must be a positive integer"):
        permutation_test([1], [2], n_permutations=-1)
    with pytest.raises(StatsError, match="statistic='t' is not known"):
        permutation_test([1], [2], statistic="t")
    with pytest.raises(StatsError, match="permutation_test needs values in both cohorts"):
        permutation_test([], [2])
    with pytest.raises(StatsError, match="cliffs_delta needs values in both cohorts"):
        cliffs_delta([1], [])
    assert permutation_test([1], [2]) == 1.0
    # one value against three: 4 relabellings (which value is alone); 9 is the most extreme
    assert permutation_test([9], [1, 2, 3], statistic="mean") == pytest.approx(2 / 4)

"""Drift: calibrated distance, nominal false-alarm rate, minimum sample, right-censoring."""

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

from journeymining.measure.cohorts import detect_drift as reexported
from journeymining.measure.drift import _js_rows, _permutation_distance, detect_drift, open_cases
from journeymining.core.errors import EventLogError

PATHS = [["Open", "Close"], ["Open", "Wait", "Close"], ["Open", "Escalate", "Close"],
         ["Open", "Wait", "Escalate", "Close"], ["Open", "Ask", "Wait", "Close"],
         ["Open", "Ask", "Close"], ["Open", "Escalate", "Wait", "Close"], ["Open", "Ask", "Escalate", "Close"]]
PROBS = [0.3, 0.2, 0.15, 0.1, 0.1, 0.06, 0.05, 0.04]


def null_log(seed, months=4, per_month=30):
    """One journey distribution; every case gets a random start month (identical periods)."""
    rng = np.random.default_rng(seed)
    n = months * per_month
    kinds = rng.choice(len(PATHS), p=PROBS, size=n)
    month = rng.permutation(np.repeat(np.arange(months), per_month))
    rows = []
    for i in range(n):
        t = pd.Timestamp(f"2024-{month[i] + 1:02d}-01", tz="UTC") + pd.Timedelta(hours=int(rng.integers(0, 600)))
        rows += [(f"c{i}", a, t + pd.Timedelta(minutes=15 * j)) for j, a in enumerate(PATHS[kinds[i]])]
    return pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])


def test_vectorised_js_equals_scipy():
    rng = np.random.default_rng(0)
    P, Q = rng.integers(0, 5, size=(6, 7)).astype(float), rng.integers(0, 5, size=(6, 7)).astype(float)
    P[:, 0] += 1
    Q[:, 1] += 1
    ref = [jensenshannon(p / p.sum(), q / q.sum(), base=2) for p, q in zip(P, Q)]
    assert _js_rows(P, Q) == pytest.approx(ref)
    assert _js_rows(np.array([[1.0, 0]]), np.array([[0, 2.0]]))[0] == pytest.approx(1.0)


def test_permutation_distance_by_hand():
    # two cases with edge a, two with edge b; observed split {a, a} | {b, b}: distance 1.
    # Of the 6 splits of 4 cases into 2 + 2, the two {a,a}|{b,b} and {b,b}|{a,a} give 1,
    # the four mixed ones give 0. Over many random relabellings P(d >= 1) -> 2/6.
    X = np.array([[1.0, 0], [1, 0], [0, 1], [0, 1]])
    obs, p = _permutation_distance(X, np.array([True, True, False, False]), 3000,
                                   np.random.default_rng(0))
    assert obs == pytest.approx(1.0)
    assert p == pytest.approx(1 / 3, abs=0.03)


def test_identical_periods_flagged_at_most_at_the_nominal_rate():
    alpha, reps = 0.1, 40
    alarms = pair_rejections = pairs = 0
    raw_over_threshold = []
    for seed in range(reps):
        d = detect_drift(null_log(seed), alpha=alpha, min_distance=0.0, n_permutations=99, min_cases=25,
                         random_state=seed)
        assert d["closed_cases"].sum() >= 115      # at most a few cases open at the log end
        compared = d.dropna(subset=["p_value"])
        pairs += len(compared)
        pair_rejections += int((compared["p_value"] < alpha).sum())
        alarms += int(d["change"].any())
        raw_over_threshold += (compared["edge_distance"] >= 0.1).tolist()
    # uncorrected per-pair rate within binomial slack of alpha (mean 12 of 120, sd 3.3)
    assert pairs == 3 * reps
    assert pair_rejections / pairs <= alpha + 0.07
    # change points after the Benjamini-Yekutieli adjustment: at most the nominal rate + slack
    assert alarms / reps <= alpha + 0.1
    # ... while the uncalibrated rule "distance >= 0.1" would fire on most identical pairs
    assert np.mean(raw_over_threshold) > 0.5


def test_open_cases_are_flagged_and_excluded():
    t = pd.Timestamp("2024-01-05", tz="UTC")
    rows = []
    for i in range(40):   # January: every case closes within 1 h
        s = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=i)
        rows += [(f"j{i}", "Open", s), (f"j{i}", "Close", s + pd.Timedelta("1h"))]
    for i in range(40):   # February: 35 closed, 5 opened in the last hour and not closed
        s = pd.Timestamp("2024-02-01", tz="UTC") + pd.Timedelta(hours=i)
        rows += [(f"f{i}", "Open", s), (f"f{i}", "Close", s + pd.Timedelta("1h"))] if i < 35 else \
            [(f"f{i}", "Open", pd.Timestamp("2024-02-03 02:00", tz="UTC") + pd.Timedelta(minutes=i))]
    log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    flags = open_cases(log, goal="Close")
    # gaps between consecutive events are all 1 h -> window 1 h; last event 02:39 on Feb 3
    assert flags.attrs["open_window"] == pd.Timedelta("1h")
    assert flags[flags].index.tolist() == [f"f{i}" for i in range(35, 40)]
    d = detect_drift(log, goal="Close", n_permutations=99).set_index("period")
    assert d.loc["2024-02", ["cases", "open_cases", "closed_cases"]].tolist() == [40, 5, 35]
    # open cases (0 h so far) do not pull February's median throughput down
    assert d.loc["2024-02", "throughput_median_h"] == 1.0
    assert d.loc["2024-02", "edge_distance"] == 0.0         # same closed journeys
    assert "excluded from the drift test" in d.attrs["censoring"]
    assert d.attrs["open_window_rule"] == "95th percentile of within-case gaps"
    # no goal: every case ending in the last hour is open (f34 closed at 11:00 Feb 2 is not)
    assert open_cases(log).sum() == 5
    # a 2-day window reaches back to Feb 1 02:39: f0 (ended 01:00) and f1 (02:00) are before it,
    # f2 .. f34 (ended 03:00 ..) and the 5 open ones are in it: 33 + 5
    assert open_cases(log, open_window="2d").sum() == 38


def test_minimum_sample_counts_closed_cases():
    log = null_log(0, months=3, per_month=30)
    d = detect_drift(log, min_cases=31, n_permutations=19)
    assert d["compared_to"].isna().all() and not d["change"].any()
    assert reexported is detect_drift


@pytest.mark.parametrize("kwargs,match", [
    (dict(correction="none"), "correction='none' is not known"),
    (dict(min_cases=1), "min_cases=1 must be an integer >= 2"),
    (dict(n_permutations=0), "n_permutations=0 must be a positive integer"),
    (dict(freq="fortnight"), "freq='fortnight' is not a period"),
    (dict(open_window="soon"), "open_window"),
])
def test_drift_errors(kwargs, match):
    with pytest.raises(EventLogError, match=match):
        detect_drift(null_log(0, months=2, per_month=5), **kwargs)

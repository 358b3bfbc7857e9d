"""Pain-point ranking on a seven-case log with impacts worked out by hand.

Gaps between consecutive events: 1 1 1 1 1 1 2 2 2 8 10 30 h; the still-open window (their 95th
percentile) is 19 h and the log ends at 103 h, so d (last event at 30 h) and e dropped off.
"""

import numpy as np
import pandas as pd
import pytest

from journeymining.core.errors import EventLogError
from journeymining.measure.pain_points import pain_points

T0 = pd.Timestamp("2024-05-06 08:00", tz="UTC")
PATHS = {  # case: [(activity, hour)], csat of the case
    "a": ([("Open", 0), ("Fix", 1), ("Close", 11)], 5.0),
    "b": ([("Open", 0), ("Fix", 1), ("Close", 3)], 4.0),
    "c": ([("Open", 0), ("Fix", 1), ("Fix", 2), ("Close", 4)], 2.0),
    "d": ([("Open", 0), ("Fix", 30)], None),
    "e": ([("Open", 0)], None),
    "f": ([("Open", 0), ("Fix", 1), ("Close", 9)], 3.0),
    "g": ([("Open", 100), ("Fix", 101), ("Close", 103)], None),
}


def make_log():
    rows = []
    for case, (steps, csat) in PATHS.items():
        for i, (act, h) in enumerate(steps):
            rows.append((case, act, T0 + pd.Timedelta(hours=h), csat if i == len(steps) - 1 else None))
    log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp", "csat"])
    log["csat"] = log["csat"].astype(float)
    return log


def test_ranking_without_map_by_hand():
    log = make_log()
    before = log.copy()
    pp = pain_points(log, goal="Close", slow_quantile=0.5)
    pd.testing.assert_frame_equal(log, before)
    # the median wait is 1.5 h; Fix->Close (10, 2, 2, 8, 2) has median 2 h: slow
    # drop-offs: d after Fix (30 h), e after Open (0 h); rework Fix in c: median 4 vs 6 -> 0
    assert pp[["kind", "where"]].values.tolist() == [
        ["drop_off", "after Fix"], ["wait", "Fix → Close"], ["drop_off", "after Open"],
        ["rework", "Fix"]]
    assert pp["rank"].tolist() == [1, 2, 3, 4]
    assert pp["cases"].tolist() == [1, 5, 1, 1]
    assert pp["impact_case_hours"].tolist() == [30.0, 10.0, 0.0, 0.0]
    wait = pp.iloc[1]
    assert wait["median_wait_h"] == 2.0 and wait["example_cases"] == "a, b, c"
    assert "5 cases (71%); median wait 2.0 h" in wait["evidence"]
    assert pp.iloc[3]["csat_lost"] == pytest.approx(4 - 2)            # others (5, 4, 3) vs c (2)
    assert np.isnan(pp.iloc[0]["csat_lost"])


def test_default_quantile_keeps_only_slow_edges():
    pp = pain_points(make_log(), goal="Close")  # 75 % quantile of the waits = 2 + .25 * 6 = 3.5
    assert "wait" not in pp["kind"].tolist()


def test_conformance_deviations_by_hand():
    dev = pd.DataFrame({"case": ["a", "f", "d"], "stage": ["Resolve", "Resolve", "Close"],
                        "touchpoint": ["Fix", "Fix", None],
                        "kind": ["unplanned_step", "unplanned_step", "drop_off"],
                        "detail": ["Fix is not in the map", "Fix is not in the map", ""]})
    pp = pain_points(make_log(), goal="Close", conformance=dev, slow_quantile=0.5)
    # unplanned_step at Fix: a, f median 10 h vs b, c, d, e, g median 3 h -> 7 h x 2 cases
    assert pp[["kind", "where"]].values.tolist() == [
        ["drop_off", "after Fix"], ["unplanned_step", "Fix"], ["wait", "Fix → Close"],
        ["drop_off", "after Open"]]
    step = pp.iloc[1]
    assert (step["cases"], step["hours_lost_per_case"], step["impact_case_hours"]) == (2, 7.0, 14.0)
    assert "most common: Fix is not in the map" in step["evidence"]

    class Result:
        deviations = dev

    pd.testing.assert_frame_equal(pp, pain_points(make_log(), goal="Close", conformance=Result(),
                                                  slow_quantile=0.5))


def test_top_and_min_cases():
    pp = pain_points(make_log(), goal="Close", slow_quantile=0.5, top=2)
    assert len(pp) == 2
    pp = pain_points(make_log(), goal="Close", slow_quantile=0.5, min_cases=2)
    assert pp["kind"].tolist() == ["wait"]


def test_errors():
    with pytest.raises(EventLogError, match="slow_quantile=1.5 must be between 0 and 1"):
        pain_points(make_log(), slow_quantile=1.5)
    with pytest.raises(EventLogError, match="deviations have no column 'kind'"):
        pain_points(make_log(), conformance=pd.DataFrame({"case": ["a"]}))
    with pytest.raises(EventLogError, match="no column 'concept:name'"):
        pain_points(make_log().drop(columns=["concept:name"]))


def test_waits_before_customer_steps_are_not_pain_points():
    log = make_log()
    log["org:resource"] = np.where(log["concept:name"] == "Close", "customer", "agent")
    pp = pain_points(log, goal="Close", slow_quantile=0.5)
    assert "wait" not in pp["kind"].tolist()
    assert pp["kind"].tolist() == ["drop_off", "drop_off", "rework"]


def test_still_open_cases_are_no_drop_offs_and_timer_waits_no_pain_points():
    from journeymining.journeymap.model import JourneyMap

    # "Close" is an automatic closure timer: its long wait (Fix -> Close) is no customer wait
    jm = JourneyMap.from_dict({"name": "t", "goal": ["Close"], "stages": [
        {"name": "Do", "touchpoints": [{"activity": "Open"}, {"activity": "Fix", "repeatable": True},
                                       {"activity": "Close", "automatic": True}]}]})
    pp = pain_points(make_log(), journey_map=jm, slow_quantile=0.5)
    assert "wait" not in pp["kind"].tolist()
    # without g the log ends with d's Fix (30 h): d may still go on, only e dropped off
    short = make_log()
    short = short[short["case:concept:name"] != "g"]
    pp = pain_points(short, goal="Close", slow_quantile=0.5)
    assert pp.loc[pp["kind"] == "drop_off", "where"].tolist() == ["after Open"]

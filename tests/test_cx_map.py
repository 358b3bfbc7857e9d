"""CX map numbers worked out by hand on a two-case log (CSAT and the friction index kept apart)."""

import numpy as np
import pandas as pd
import pytest

from journeymining.measure.cx_map import cx_map_table, plot_cx_map
from journeymining.core.errors import EventLogError
from journeymining.journeymap.model import JourneyMap

T0 = pd.Timestamp("2024-03-04 08:00", tz="UTC")
ROWS = [  # case, activity, hours after T0, stage, channel, group, csat
    ("a", "Start chat", 0, "Contact", "chat", "L1", None),
    ("a", "Resolve", 24, "Resolve", None, "L1", None),
    ("a", "Close", 25, "Close", None, "L1", 5.0),
    ("b", "Send e-mail", 0, "Contact", "e-mail", "L1", None),
    ("b", "Resolve", 48, "Resolve", None, "L2", None),
    ("b", "Resolve", 72, "Resolve", None, "L2", None),
    ("b", "Close", 73, "Close", None, "L2", 3.0),
]


def make_log():
    log = pd.DataFrame(ROWS, columns=["case:concept:name", "concept:name", "h", "stage", "channel",
                                      "org:group", "csat"])
    log["time:timestamp"] = T0 + pd.to_timedelta(log.pop("h"), unit="h")
    log["csat"] = log["csat"].astype(float)
    return log


MAP = {"name": "t", "goal": ["Close"], "stages": [
    {"name": "Contact", "order": "choice", "touchpoints": [
        {"activity": "Start chat", "channel": "chat"}, {"activity": "Send e-mail", "channel": "e-mail"}]},
    {"name": "Resolve", "touchpoints": [{"activity": "Resolve", "repeatable": True}]},
    {"name": "Close", "touchpoints": [{"activity": "Close"}]},
    {"name": "Feedback", "touchpoints": [{"activity": "Survey", "optional": True}]}]}


def test_table_by_hand():
    log = make_log()
    before = log.copy()
    t = cx_map_table(log).set_index("stage")
    pd.testing.assert_frame_equal(log, before)
    assert t.index.tolist() == ["Contact", "Resolve", "Close"]     # mean relative position 0, .5, 1
    assert t["cases"].tolist() == [2, 2, 2]
    # Resolve: waits 24, 48, 24 -> median 24 (half of 2 d); rework 1/2 cases; handoffs L1->L2 once / 2
    r = t.loc["Resolve"]
    assert (r["wait_median_h"], r["rework_rate"], r["handoffs_per_case"]) == (24.0, 0.5, 0.5)
    assert r["friction"] == pytest.approx((0.5 + 0.5 + 0.5) / 3)
    assert t.loc["Contact", "friction"] == 0.0 and np.isnan(t.loc["Contact", "wait_median_h"])
    c = t.loc["Close"]
    assert c["friction"] == pytest.approx((1 / 48) / 3)
    # two answers (5, 3) at Close: below 5 answers there is no CSAT score, and never a proxy on its axis
    assert (c["csat_mean"], c["csat_answers"]) == (4.0, 2) and np.isnan(c["csat"])
    assert set(t.loc["Contact", "touchpoints"].split(", ")) == {"Start chat", "Send e-mail"}
    # time in stage: Contact a 24 h, b 48 h; Resolve a 1 h, b 25 h
    assert t["time_in_stage_median_h"].tolist()[:2] == [36.0, 13.0]
    assert t["intended"].tolist() == [4.0, 4.0, 4.0]


def test_csat_used_when_enough_answers_and_targets():
    t = cx_map_table(make_log(), min_responses=2, target={"Close": 4.5}).set_index("stage")
    assert t.loc["Close", "csat"] == 4.0
    assert t["intended"].tolist() == [4.0, 4.0, 4.5]
    assert t.loc["Close", "gap"] == pytest.approx(-0.5)
    assert np.isnan(t.loc["Resolve", "csat"])                      # no answers: no score, no stand-in


def test_wait_scale_changes_friction():
    t = cx_map_table(make_log(), wait_scale="1d").set_index("stage")
    assert t.loc["Resolve", "friction"] == pytest.approx((1 + 0.5 + 0.5) / 3)
    t = cx_map_table(make_log(), wait_scale="4d").set_index("stage")
    assert t.loc["Resolve", "friction"] == pytest.approx((0.25 + 0.5 + 0.5) / 3)


def test_journey_map_gives_order_stages_and_unvisited_stage():
    jm = JourneyMap.from_dict(MAP)
    log = make_log().drop(columns=["stage"])                       # stages come from the map
    t = cx_map_table(log, journey_map=jm)
    assert t["stage"].tolist() == ["Contact", "Resolve", "Close", "Feedback"]
    assert t["cases"].tolist() == [2, 2, 2, 0]
    assert t.loc[1, "friction"] == pytest.approx(0.5)
    assert np.isnan(t.loc[3, "friction"]) and np.isnan(t.loc[3, "csat"])


def test_plot_keeps_csat_and_friction_apart():
    fig = plot_cx_map(make_log(), min_responses=2)
    top, bottom = fig.axes
    assert [x.get_text() for x in bottom.get_xticklabels()] == ["Contact", "Resolve", "Close"]
    assert top.get_ylabel() == "CSAT (1-5)" and "friction" in bottom.get_ylabel()
    intended, actual = top.lines[0], top.lines[1]
    assert list(intended.get_ydata()) == [4.0, 4.0, 4.0]
    y = np.asarray(actual.get_ydata(), dtype=float)
    assert np.isnan(y[:2]).all() and y[2] == 4.0                 # CSAT only where customers answered
    assert [round(p.get_height(), 6) for p in bottom.patches] == [0.0, 0.5, round(1 / 144, 6)]
    import io
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    assert buf.getvalue().count("<svg") == 1


def test_errors():
    with pytest.raises(EventLogError, match="target=7 is not a satisfaction level"):
        cx_map_table(make_log(), target=7)
    with pytest.raises(EventLogError, match="no event has a stage"):
        cx_map_table(make_log().drop(columns=["stage"]))
    with pytest.raises(EventLogError, match="wait_scale='long' is not a duration"):
        plot_cx_map(make_log(), wait_scale="long")

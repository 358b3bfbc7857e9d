"""CX map numbers worked out by hand on a two-case log."""

import numpy as np
import pandas as pd
import pytest

from journeymining.cx_map import cx_map_table, plot_cx_map
from journeymining.errors import EventLogError
from journeymining.journey_map import JourneyMap

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
    # Resolve: waits 24, 48, 24 -> median 24 (one point); rework 1/2 cases; handoffs L1->L2 once / 2
    r = t.loc["Resolve"]
    assert (r["wait_median_h"], r["rework_rate"], r["handoffs_per_case"]) == (24.0, 0.5, 0.5)
    assert r["proxy_score"] == pytest.approx(5 - 1 - 0.5 - 0.5)
    assert t.loc["Contact", "proxy_score"] == 5.0                  # no wait before a first event
    c = t.loc["Close"]
    assert c["proxy_score"] == pytest.approx(5 - 2 * 1 / 48)
    assert (c["csat_mean"], c["csat_answers"], c["source"]) == (4.0, 2, "proxy")  # < 5 answers
    assert set(t.loc["Contact", "touchpoints"].split(", ")) == {"Start chat", "Send e-mail"}
    assert set(t.loc["Contact", "channels"].split(", ")) == {"chat", "e-mail"}
    assert t["intended"].tolist() == [4.0, 4.0, 4.0]
    assert t.loc["Resolve", "gap"] == pytest.approx(-1.0)


def test_csat_used_when_enough_answers_and_targets():
    t = cx_map_table(make_log(), min_responses=2, target={"Close": 4.5}).set_index("stage")
    assert (t.loc["Close", "score"], t.loc["Close", "source"]) == (4.0, "csat")
    assert t["intended"].tolist() == [4.0, 4.0, 4.5]
    assert t.loc["Close", "gap"] == pytest.approx(-0.5)


def test_wait_scale_changes_proxy():
    t = cx_map_table(make_log(), wait_scale="1d").set_index("stage")
    assert t.loc["Resolve", "proxy_score"] == pytest.approx(5 - 2 - 0.5 - 0.5)
    t = cx_map_table(make_log(), wait_scale="4d").set_index("stage")
    assert t.loc["Resolve", "proxy_score"] == pytest.approx(5 - 0.5 - 0.5 - 0.5)


def test_journey_map_gives_order_stages_and_unvisited_stage():
    jm = JourneyMap.from_dict(MAP)
    log = make_log().drop(columns=["stage"])                       # stages come from the map
    t = cx_map_table(log, journey_map=jm)
    assert t["stage"].tolist() == ["Contact", "Resolve", "Close", "Feedback"]
    assert t["cases"].tolist() == [2, 2, 2, 0]
    assert t.loc[1, "proxy_score"] == pytest.approx(3.0)
    assert np.isnan(t.loc[3, "score"]) and t.loc[3, "source"] == "none"


def test_without_stage_every_activity_is_a_stage():
    t = cx_map_table(make_log().drop(columns=["stage"]))
    # relative positions: chat 0, e-mail 0, Resolve .5/.333/.667, Close 1
    assert t["stage"].tolist() == ["Send e-mail", "Start chat", "Resolve", "Close"]


def test_plot_matches_table():
    fig = plot_cx_map(make_log(), min_responses=2)
    ax = fig.axes[0]
    assert [x.get_text() for x in ax.get_xticklabels()] == ["Contact", "Resolve", "Close"]
    intended, actual = ax.lines[0], ax.lines[1]
    assert list(intended.get_ydata()) == [4.0, 4.0, 4.0]
    assert list(actual.get_ydata()) == pytest.approx([5.0, 3.0, 4.0])
    markers = ax.lines[2:5]
    assert [m.get_markerfacecolor() for m in markers][:2] == ["white", "white"]   # proxy: hollow
    assert markers[2].get_markerfacecolor() != "white"                          # CSAT: filled
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "Start chat" in texts and "[chat, e-mail]" in texts or "[e-mail, chat]" in texts
    import io
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    assert buf.getvalue().count("<svg") == 1


def test_errors():
    with pytest.raises(EventLogError, match="target=7 is not a satisfaction level"):
        cx_map_table(make_log(), target=7)
    with pytest.raises(EventLogError, match="no event has a stage"):
        cx_map_table(make_log().iloc[:0])
    with pytest.raises(EventLogError, match="wait_scale='long' is not a duration"):
        plot_cx_map(make_log(), wait_scale="long")

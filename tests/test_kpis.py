"""Journey KPIs on a four-case log whose expected values are worked out by hand below.

Settings: goal "Close ticket" (so also the resolution), customer contacts "Start chat" and
"Send e-mail". Log end: 2024-02-20 09:06. Gaps: 0.1 0.5 1 1 2 2 2 4 4 16 h, so the still-open window
(95th percentile) is 10.6 h.
"""

import numpy as np
import pandas as pd
import pytest

from journeymining.core.errors import EventLogError
from journeymining.measure.kpis import KPIS, case_kpis, journey_kpis, kpi_definitions, parse_duration_hours, stage_times

F, B = "frontstage", "backstage"
ROWS = [
    # case, activity, time, actor, resource, channel, group, stage, customer, csat
    ("c1", "Start chat", "2024-01-01 09:00", F, "customer", "chat", "L1", "Contact", "K1", None),
    ("c1", "Resolve at L1", "2024-01-01 10:00", B, "A", None, "L1", "Resolve", "K1", None),
    ("c1", "Close ticket", "2024-01-01 12:00", B, "A", None, "L1", "Resolve", "K1", 4.0),
    ("c2", "Send e-mail", "2024-01-03 09:00", F, "customer", "e-mail", "L1", "Contact", "K1", None),
    ("c2", "Start chat", "2024-01-03 09:30", F, "customer", "chat", "L1", "Contact", "K1", None),
    ("c2", "Escalate to L2", "2024-01-03 11:30", B, "A", None, "L1", "Resolve", "K1", None),
    ("c2", "Resolve at L2", "2024-01-03 15:30", B, "B", None, "L2", "Resolve", "K1", None),
    ("c2", "Close ticket", "2024-01-03 17:30", B, "B", None, "L2", "Resolve", "K1", None),
    ("c2", "Reopen ticket", "2024-01-04 09:30", F, "customer", "e-mail", "L1", "Resolve", "K1", None),
    ("c2", "Close ticket", "2024-01-04 10:30", B, "A", None, "L1", "Resolve", "K1", 2.0),
    ("c3", "Send e-mail", "2024-02-01 09:00", F, "customer", "e-mail", "L1", "Contact", "K2", None),
    ("c3", "Resolve at L1", "2024-02-01 13:00", B, "A", None, "L1", "Resolve", "K2", None),
    ("c4", "Start chat", "2024-02-20 09:00", F, "customer", "chat", "L1", "Contact", "K2", None),
    ("c4", "Close ticket", "2024-02-20 09:06", B, "A", None, "L1", "Resolve", "K2", 5.0),
]


def make_log(shuffle_seed=None):
    log = pd.DataFrame(ROWS, columns=["case:concept:name", "concept:name", "time:timestamp", "actor",
                                      "org:resource", "channel", "org:group", "stage",
                                      "case:customer", "csat"])
    log["time:timestamp"] = pd.to_datetime(log["time:timestamp"], utc=True)
    log["csat"] = log["csat"].astype(float)
    if shuffle_seed is not None:
        log = log.sample(frac=1.0, random_state=shuffle_seed).reset_index(drop=True)
    return log


S = dict(goal="Close ticket", contacts=["Start chat", "Send e-mail"])


def test_case_measures_by_hand():
    t = case_kpis(make_log(), **S).set_index("case:concept:name")
    assert t["throughput_h"].tolist() == pytest.approx([3.0, 25.5, 4.0, 0.1])
    assert t["contacts"].tolist() == [1, 2, 1, 1]                 # c2: e-mail, then chat
    assert t["repeat_contacts"].tolist() == [0, 1, 0, 0]
    assert t["channel_switches"].tolist() == [0, 1, 0, 0]         # e-mail -> chat (the reopen is no contact)
    assert t["goal_reached"].tolist() == [True, True, False, True]
    assert t["outcome"].tolist() == ["goal", "goal", "dropped", "goal"]   # c3 silent 18.8 d > 10.6 h
    # c2: closed, "Reopen ticket" after it (a reopen), closed again
    assert t["reopens"].tolist() == [0, 1, 0, 0]
    assert t["recontact"].tolist() == [1, 0, 0, 0]                # c2 starts 45 h after c1 ended
    assert t["handoffs"].tolist() == [0, 2, 0, 0]                 # L1->L2, L2->L1
    assert t["ping_pongs"].tolist() == [0, 1, 0, 0]               # back to L1 (no map: every return)
    assert t["unplanned_handoffs"].isna().all()                   # no map, no team plan
    assert t["handovers"].tolist() == [0, 2, 0, 0]                # agents A -> B -> A; "customer" is none
    assert t["fcr"].tolist() == [0, 0, 0, 1]                      # c1 came back within 7 d
    assert t["time_to_resolution_h"].tolist()[:2] == pytest.approx([3.0, 25.5])
    assert t["csat"].tolist()[:2] == [4.0, 2.0] and np.isnan(t.loc["c3", "csat"])
    assert t["sla_breaches"].isna().all() and "sla_breaches" in t.attrs["na"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_overall_kpis_by_hand_and_order_independent(seed):
    log = make_log(shuffle_seed=seed)
    before = log.copy()
    k = journey_kpis(log, **S)
    pd.testing.assert_frame_equal(log, before)  # input untouched
    row = k.iloc[0]
    assert row["group"] == "all" and row["cases"] == 4
    assert row["throughput_median_h"] == pytest.approx(3.5)          # (3 + 4) / 2
    assert row["throughput_mean_h"] == pytest.approx(32.6 / 4)
    assert row["throughput_p90_h"] == pytest.approx(4 + 0.7 * 21.5)   # linear between 4 and 25.5
    assert row["wait_median_h"] == pytest.approx(2.0)
    assert row["wait_mean_h"] == pytest.approx(3.26)
    assert row["goal_rate"] == 0.75 and row["dropped_rate"] == 0.25 and row["open_rate"] == 0.0
    assert row["fcr_rate"] == 0.25
    assert row["repeat_contact_rate"] == 0.25 and row["recontact_rate"] == 0.25
    assert row["contacts_per_case"] == 1.25
    assert row["reopen_rate"] == 0.25
    assert row["handoffs_per_case"] == 0.5 and row["handovers_per_case"] == 0.5
    assert row["channel_switches_per_case"] == 0.25
    assert np.isnan(row["sla_breach_rate"])
    assert row["csat_mean"] == pytest.approx(11 / 3)
    assert row["csat_response_rate"] == 0.75
    # time in stage: Contact 1, 2.5, 4, 0.1 ; Resolve 2, 23, 0, 0
    assert row["stage_median_h[Contact]"] == pytest.approx(1.75)
    assert row["stage_median_h[Resolve]"] == pytest.approx(1.0)


def test_without_a_goal_goal_based_kpis_are_na():
    k = journey_kpis(make_log())
    row = k.iloc[0]
    for kpi in ("goal_rate", "fcr_rate", "reopen_rate", "dropped_rate", "contacts_per_case"):
        assert np.isnan(row[kpi]), kpi
    assert "no goal given" in k.attrs["na"]["goal_rate"]
    assert "contact" in k.attrs["na"]["contacts_per_case"]
    assert row["throughput_median_h"] == pytest.approx(3.5)


def test_repeat_window():
    t = case_kpis(make_log(), repeat_window="20d", **S).set_index("case:concept:name")
    # c3 ended 2024-02-01 13:00, c4 of the same customer starts 18 d 20 h later
    assert t["recontact"].tolist() == [1, 0, 1, 0]
    t = case_kpis(make_log(), repeat_window="1d", **S).set_index("case:concept:name")
    assert t["recontact"].tolist() == [0, 0, 0, 0]


def test_sla_rules():
    rule = [{"from": "Start chat", "to": "Close ticket", "within": "1h"}]
    t = case_kpis(make_log(), sla=rule, **S).set_index("case:concept:name")
    # c1 3 h, c2 8 h (09:30 -> 17:30), c3 never starts the rule, c4 6 min
    assert t["sla_breached"].tolist() == [True, True, False, False]
    stage_rule = [{"stage": "Contact", "within": "1h"}]
    t = case_kpis(make_log(), sla=stage_rule, **S).set_index("case:concept:name")
    assert t["sla_breached"].tolist() == [False, True, True, False]   # 1 h, 2.5 h, 4 h, 0.1 h
    with pytest.raises(EventLogError, match="give SLA rules"):
        journey_kpis(make_log(), sla="5h")


def test_by_channel_period_and_series():
    k = journey_kpis(make_log(), by="channel", **S)
    assert k["channel"].tolist() == ["chat", "e-mail"]            # channel of the first event that has one
    assert k["cases"].tolist() == [2, 2]
    assert k["throughput_median_h"].tolist() == pytest.approx([1.55, 14.75])
    assert k["goal_rate"].tolist() == [1.0, 0.5]
    m = journey_kpis(make_log(), by="M", **S)
    assert m["period"].tolist() == ["2024-01", "2024-02"]
    assert m["recontact_rate"].tolist() == [0.5, 0.0]
    clusters = pd.Series({"c1": 0, "c2": 1, "c3": 1, "c4": 0}, name="cluster")
    c = journey_kpis(make_log(), by=clusters, **S)
    assert c["cluster"].tolist() == [0, 1] and c["handoffs_per_case"].tolist() == [0.0, 1.0]


def test_missing_optional_columns_give_nan():
    log = make_log().drop(columns=["actor", "case:customer", "org:group", "csat"])
    k = journey_kpis(log, **S)
    row = k.iloc[0]
    assert np.isnan(row["recontact_rate"]) and np.isnan(row["handoffs_per_case"]) and np.isnan(row["csat_mean"])
    assert np.isnan(row["fcr_rate"])                               # no customer, no team: FCR cannot be judged
    assert "customer" in k.attrs["na"]["recontact_rate"] and "team" in k.attrs["na"]["handoffs_per_case"]
    assert row["csat_response_rate"] == 0.0
    assert row["channel_switches_per_case"] == 0.25


def test_stage_times_long_form():
    s = stage_times(make_log())
    got = {(r["case:concept:name"], r["stage"]): r["hours"] for _, r in s.iterrows()}
    assert got == pytest.approx({("c1", "Contact"): 1.0, ("c1", "Resolve"): 2.0,
                                 ("c2", "Contact"): 2.5, ("c2", "Resolve"): 23.0,
                                 ("c3", "Contact"): 4.0, ("c3", "Resolve"): 0.0,
                                 ("c4", "Contact"): 0.1, ("c4", "Resolve"): 0.0})


def test_parse_duration_hours():
    assert parse_duration_hours("30m") == pd.Timedelta(minutes=30)
    assert parse_duration_hours("1w") == pd.Timedelta(days=7)
    assert parse_duration_hours(2) == pd.Timedelta(hours=2)
    with pytest.raises(EventLogError, match="'soon' is not a duration"):
        parse_duration_hours("soon")


def test_kpi_definitions_cover_every_kpi():
    d = kpi_definitions()
    assert d["kpi"].tolist() == list(KPIS)
    assert d["definition"].str.len().gt(10).all()


def test_errors():
    log = make_log()
    with pytest.raises(EventLogError, match="no column 'time:timestamp'"):
        journey_kpis(log.drop(columns=["time:timestamp"]))
    with pytest.raises(EventLogError, match="by='product' is neither a column"):
        journey_kpis(log, by="product")
    with pytest.raises(EventLogError, match="sla\\[0\\]=.* is not an SLA rule"):
        journey_kpis(log, sla=[{"within": "1h"}])
    with pytest.raises(EventLogError, match="repeat_window='a week' is not a duration"):
        journey_kpis(log, repeat_window="a week")
    with pytest.raises(EventLogError, match="has no 'stage' column"):
        stage_times(log.drop(columns=["stage"]))
    with pytest.raises(EventLogError, match="goal=\\[\\] names no activity"):
        journey_kpis(log, goal=[])
    bad = log.copy()
    bad.loc[3, "time:timestamp"] = pd.NaT
    with pytest.raises(EventLogError, match="1 missing values \\(rows \\[3\\]\\)"):
        journey_kpis(bad)
    with pytest.raises(EventLogError, match="needs an event log as a pandas DataFrame"):
        journey_kpis([1, 2])


def test_missing_case_ids_and_goal_never_a_contact():
    log = make_log()
    log.loc[2, "case:concept:name"] = None
    with pytest.raises(EventLogError, match="'case:concept:name' has 1 missing values \\(rows \\[2\\]\\)"):
        journey_kpis(log)


def test_sla_from_journey_map_equals_dict_rules():
    from journeymining.journeymap.model import JourneyMap

    jm = JourneyMap.from_dict({
        "name": "t", "goal": ["Close ticket"],
        "stages": [{"name": "Contact", "order": "choice", "touchpoints": [
                       {"activity": "Start chat", "contact": True}, {"activity": "Send e-mail", "contact": True}]},
                   {"name": "Resolve", "touchpoints": [{"activity": "Close ticket"}]}],
        "sla": [{"from": "Start chat", "to": "Close ticket", "within": "1h"},
                {"stage": "Contact", "within": "1h"}]})
    t = case_kpis(make_log(), journey_map=jm).set_index("case:concept:name")
    assert t["sla_breached"].tolist() == [True, True, True, False]      # union of the two hand-checked rules
    assert t["contacts"].tolist() == [1, 2, 1, 1]                      # the map's contact touchpoints


def test_by_series_with_integer_case_ids():
    log = make_log()
    log["case:concept:name"] = log["case:concept:name"].str[1:].astype(int)
    labels = pd.Series({1: "x", 2: "y", 3: "y", 4: "x"}, name="cluster")
    k = journey_kpis(log, by=labels, **S)
    assert k["cluster"].tolist() == ["x", "y"] and k["cases"].tolist() == [2, 2]
    assert k["throughput_median_h"].tolist() == pytest.approx([1.55, 14.75])

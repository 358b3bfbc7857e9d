"""Journey KPIs on a four-case log whose expected values are worked out by hand below."""

import numpy as np
import pandas as pd
import pytest

from journeymining.errors import EventLogError
from journeymining.kpis import case_kpis, journey_kpis, parse_duration, stage_times

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


def test_case_measures_by_hand():
    t = case_kpis(make_log(), goal="Close ticket").set_index("case:concept:name")
    assert t["throughput_h"].tolist() == pytest.approx([3.0, 25.5, 4.0, 0.1])
    # entry activities (first events of cases): Start chat, Send e-mail; Reopen is not one
    assert t["contacts"].tolist() == [1, 2, 1, 1]
    assert t["goal_reached"].tolist() == [True, True, False, True]
    assert t["reopened"].tolist() == [False, True, False, False]
    assert t["fcr"].tolist() == [1, 0, 0, 1]
    assert t["repeat_contact"].tolist() == [1, 0, 0, 0]      # c2 starts 45 h after c1 ended
    assert t["handoffs"].tolist() == [0, 2, 0, 0]             # L1->L2, L2->L1
    assert t["channel_switches"].tolist() == [0, 2, 0, 0]     # e-mail->chat, chat->e-mail
    assert t["csat"].tolist()[:2] == [4.0, 2.0] and np.isnan(t.loc["c3", "csat"])
    assert t["sla_breached"].isna().all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_overall_kpis_by_hand_and_order_independent(seed):
    log = make_log(shuffle_seed=seed)
    before = log.copy()
    k = journey_kpis(log, goal="Close ticket")
    pd.testing.assert_frame_equal(log, before)  # input untouched
    row = k.iloc[0]
    assert row["group"] == "all" and row["cases"] == 4
    assert row["throughput_median_h"] == pytest.approx(3.5)          # (3 + 4) / 2
    assert row["throughput_mean_h"] == pytest.approx(32.6 / 4)
    assert row["throughput_p90_h"] == pytest.approx(4 + 0.7 * 21.5)   # linear between 4 and 25.5
    # gaps 0.1 0.5 1 1 2 2 2 4 4 16
    assert row["wait_median_h"] == pytest.approx(2.0)
    assert row["wait_mean_h"] == pytest.approx(3.26)
    assert row["goal_rate"] == 0.75
    assert row["fcr_rate"] == 0.5
    assert row["repeat_contact_rate"] == 0.25
    assert row["reopen_rate"] == 0.25
    assert row["handoffs_per_case"] == 0.5
    assert row["channel_switches_per_case"] == 0.5
    assert np.isnan(row["sla_breach_rate"])
    assert row["csat_mean"] == pytest.approx(11 / 3)
    assert row["csat_response_rate"] == 0.75
    # sojourns: Contact 1, 2.5, 4, 0.1 ; Resolve 2, 23, 0, 0
    assert row["stage_median_h[Contact]"] == pytest.approx(1.75)
    assert row["stage_median_h[Resolve]"] == pytest.approx(1.0)


def test_default_goal_is_most_frequent_last_activity():
    a = journey_kpis(make_log())
    b = journey_kpis(make_log(), goal="Close ticket")
    pd.testing.assert_frame_equal(a, b)


def test_repeat_window():
    t = case_kpis(make_log(), repeat_window="20d").set_index("case:concept:name")
    # c3 ended 2024-02-01 13:00, c4 of the same customer starts 18 d 20 h later
    assert t["repeat_contact"].tolist() == [1, 0, 1, 0]
    t = case_kpis(make_log(), repeat_window="1d").set_index("case:concept:name")
    assert t["repeat_contact"].tolist() == [0, 0, 0, 0]


def test_sla_duration_and_rules():
    k = journey_kpis(make_log(), sla="5h")
    assert k.loc[0, "sla_breach_rate"] == 0.25                    # only c2 (25.5 h)
    rule = [{"from": "Start chat", "to": "Close ticket", "within": "1h"}]
    t = case_kpis(make_log(), sla=rule).set_index("case:concept:name")
    assert t["sla_breached"].tolist() == [1, 1, 0, 0]              # 3 h, 8 h, -, 6 min
    stage_rule = [{"stage": "Contact", "within": "1h"}]
    t = case_kpis(make_log(), sla=stage_rule).set_index("case:concept:name")
    assert t["sla_breached"].tolist() == [0, 1, 1, 0]              # 1 h, 2.5 h, 4 h, 0.1 h


def test_by_channel_period_and_series():
    k = journey_kpis(make_log(), by="channel", goal="Close ticket")
    assert k["channel"].tolist() == ["chat", "e-mail"]            # channel of the first contact
    assert k["cases"].tolist() == [2, 2]
    assert k["throughput_median_h"].tolist() == pytest.approx([1.55, 14.75])
    assert k["fcr_rate"].tolist() == [1.0, 0.0]
    m = journey_kpis(make_log(), by="M")
    assert m["period"].tolist() == ["2024-01", "2024-02"]
    assert m["repeat_contact_rate"].tolist() == [0.5, 0.0]
    clusters = pd.Series({"c1": 0, "c2": 1, "c3": 1, "c4": 0}, name="cluster")
    c = journey_kpis(make_log(), by=clusters)
    assert c["cluster"].tolist() == [0, 1] and c["handoffs_per_case"].tolist() == [0.0, 1.0]


def test_missing_optional_columns_give_nan():
    log = make_log().drop(columns=["actor", "case:customer", "org:group", "csat"])
    row = journey_kpis(log).iloc[0]
    assert np.isnan(row["repeat_contact_rate"])
    assert np.isnan(row["handoffs_per_case"]) and np.isnan(row["csat_mean"])
    assert row["csat_response_rate"] == 0.0
    # contacts need no actor column: c1 and c4 still resolve at the first contact
    assert row["fcr_rate"] == 0.5
    # without actor every event with a channel counts for switches: c2 e-mail, chat, e-mail
    assert row["channel_switches_per_case"] == 0.5


def test_contacts_parameter_and_backstage_entries():
    t = case_kpis(make_log(), contacts=["Start chat", "Reopen ticket"]).set_index("case:concept:name")
    assert t["contacts"].tolist() == [1, 2, 0, 1]
    assert t["fcr"].tolist() == [1, 0, 0, 1]
    log = make_log()
    log.loc[log["concept:name"] == "Send e-mail", "actor"] = "backstage"
    t = case_kpis(log).set_index("case:concept:name")
    assert t["contacts"].tolist() == [1, 1, 0, 1]


def test_stage_times_long_form():
    s = stage_times(make_log())
    got = {(r["case:concept:name"], r["stage"]): r["hours"] for _, r in s.iterrows()}
    assert got == pytest.approx({("c1", "Contact"): 1.0, ("c1", "Resolve"): 2.0,
                                 ("c2", "Contact"): 2.5, ("c2", "Resolve"): 23.0,
                                 ("c3", "Contact"): 4.0, ("c3", "Resolve"): 0.0,
                                 ("c4", "Contact"): 0.1, ("c4", "Resolve"): 0.0})


def test_parse_duration():
    assert parse_duration("30m") == pd.Timedelta(minutes=30)
    assert parse_duration("1w") == pd.Timedelta(days=7)
    assert parse_duration(2) == pd.Timedelta(hours=2)
    with pytest.raises(EventLogError, match="'soon' is not a duration"):
        parse_duration("soon")


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
    with pytest.raises(EventLogError, match="names a stage but the log has no 'stage'"):
        journey_kpis(log.drop(columns=["stage"]), sla=[{"stage": "Contact", "within": "1h"}])
    with pytest.raises(EventLogError, match="goal=\\[\\] names no activity"):
        journey_kpis(log, goal=[])
    bad = log.copy()
    bad.loc[3, "time:timestamp"] = pd.NaT
    with pytest.raises(EventLogError, match="1 missing timestamps \\(rows \\[3\\]\\)"):
        journey_kpis(bad)
    with pytest.raises(EventLogError, match="needs an event log as a pandas DataFrame"):
        journey_kpis([1, 2])


def test_missing_case_ids_and_goal_never_a_contact():
    log = make_log()
    log.loc[2, "case:concept:name"] = None
    with pytest.raises(EventLogError, match="'case:concept:name' has 1 missing values \\(rows \\[2\\]\\)"):
        journey_kpis(log)
    t = case_kpis(make_log(), goal="Close ticket", contacts=["Start chat", "Close ticket"])
    assert t["contacts"].tolist() == [1, 1, 0, 1]


def test_sla_from_journey_map_equals_dict_rules():
    from journeymining.journey_map import JourneyMap

    jm = JourneyMap.from_dict({
        "name": "t", "goal": ["Close ticket"],
        "stages": [{"name": "Contact", "order": "choice", "touchpoints": [
                       {"activity": "Start chat"}, {"activity": "Send e-mail"}]},
                   {"name": "Resolve", "touchpoints": [{"activity": "Close ticket"}]}],
        "sla": [{"from": "Start chat", "to": "Close ticket", "within": "1h"},
                {"stage": "Contact", "within": "1h"}]})
    t = case_kpis(make_log(), sla=jm.sla).set_index("case:concept:name")
    assert t["sla_breached"].tolist() == [1, 1, 1, 0]      # union of the two hand-checked rules


def test_by_series_with_integer_case_ids():
    log = make_log()
    log["case:concept:name"] = log["case:concept:name"].str[1:].astype(int)
    labels = pd.Series({1: "x", 2: "y", 3: "y", 4: "x"}, name="cluster")
    k = journey_kpis(log, by=labels)
    assert k["cluster"].tolist() == ["x", "y"] and k["cases"].tolist() == [2, 2]
    assert k["throughput_median_h"].tolist() == pytest.approx([1.55, 14.75])

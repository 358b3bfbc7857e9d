"""Exports read back with pandas / pm4py on a seven-event log counted by hand below."""

import json

import numpy as np
import pandas as pd
import pytest

from journeymining.core.errors import EventLogError
from journeymining.io.outputs import OutputError
from journeymining.io.writers import (log_format, write_csv, write_jsonl, write_log, write_ocel2, write_parquet,
                                      write_xes)

pytestmark = pytest.mark.filterwarnings("ignore:Install the optional requirement")

CASE, ACT, TIME = "case:concept:name", "concept:name", "time:timestamp"
COLUMNS = [CASE, ACT, TIME, "org:resource", "case:customer", "ticket", "channel", "csat"]
ROWS = [
    ("t1", "Send e-mail", "2024-03-01 09:00", "customer", "K1", "T1", "e-mail", None),
    ("t1", "Triage", "2024-03-01 09:30", "Ann", "K1", "T1", None, None),
    ("t1", "Close ticket", "2024-03-01 10:00", "Bob", "K1", "T1", None, 4.0),
    ("t2", "Start chat", "2024-03-02 11:00", "customer", "K1", "T2", "chat", None),
    ("t2", "Close ticket", "2024-03-02 11:20", "Ann", "K1", "T2", None, None),
    ("t3", "Start chat", "2024-03-03 12:00", "customer", "K2", "T3", "chat", None),
    ("t3", "Resolve", "2024-03-03 12:10", None, "K2", "T3", None, 2.0),
]
# By hand: 7 events; objects: tickets T1, T2, T3; customers K1, K2; agents Ann, Bob (the
# resource "customer" is not an agent, the missing one gives no link) -> 7 objects.
# Event-object links: 7 ticket + 7 customer + 3 agent (Ann twice, Bob once) = 17.
# Ticket -> customer: T1-K1, T2-K1, T3-K2 = 3.


def make_log(shuffle_seed=None):
    log = pd.DataFrame(ROWS, columns=COLUMNS)
    log[TIME] = pd.to_datetime(log[TIME], utc=True)
    log["csat"] = log["csat"].astype(float)
    if shuffle_seed is not None:
        log = log.sample(frac=1.0, random_state=shuffle_seed).reset_index(drop=True)
    return log


def _events(frame):
    return sorted(zip(frame[CASE], frame[ACT], frame[TIME]))


@pytest.mark.parametrize("shuffle_seed", [None, 4])
def test_xes_round_trip(tmp_path, shuffle_seed):
    import pm4py

    log = make_log(shuffle_seed)
    before = log.copy()
    path = write_xes(log, tmp_path / "log.xes")
    pd.testing.assert_frame_equal(log, before)
    assert path == tmp_path / "log.xes"
    back = pm4py.read_xes(str(path), show_progress_bar=False)
    assert len(back) == 7
    assert _events(back) == _events(make_log())
    back = back.sort_values([CASE, TIME]).reset_index(drop=True)
    # events within a trace are written in time order
    assert list(back[ACT]) == [r[1] for r in ROWS]
    assert list(back["org:resource"].fillna("?")) == [r[3] or "?" for r in ROWS]
    assert list(back["case:customer"]) == [r[4] for r in ROWS]
    assert list(back["channel"].fillna("?")) == [r[6] or "?" for r in ROWS]
    np.testing.assert_array_equal(back["csat"].to_numpy(dtype=float),
                                  np.array([r[7] if r[7] is not None else np.nan for r in ROWS]))


def test_xes_custom_keys_written_under_xes_names(tmp_path):
    import pm4py

    log = make_log()[[CASE, ACT, TIME]].rename(columns={CASE: "id", ACT: "step", TIME: "at"})
    path = write_xes(log, tmp_path / "custom.xes", case_id_key="id", activity_key="step",
                     timestamp_key="at")
    back = pm4py.read_xes(str(path), show_progress_bar=False)
    assert _events(back) == _events(make_log())


def test_xes_key_clash(tmp_path):
    log = make_log().rename(columns={ACT: "step"})
    log[ACT] = "something else"
    with pytest.raises(EventLogError, match="both 'step' .* and a column 'concept:name'"):
        write_xes(log, tmp_path / "x.xes", activity_key="step")


def test_csv_and_parquet_round_trip(tmp_path):
    log = make_log(shuffle_seed=2)
    expected = make_log()  # contract order: by case then time
    csv = pd.read_csv(write_csv(log, tmp_path / "log.csv"))
    assert list(csv.columns) == COLUMNS
    assert list(csv[ACT]) == list(expected[ACT])
    assert (pd.to_datetime(csv[TIME], utc=True) == expected[TIME]).all()
    back = pd.read_parquet(write_parquet(log, tmp_path / "log.parquet"))
    pd.testing.assert_frame_equal(back.reset_index(drop=True), expected, check_dtype=False)
    assert str(back[TIME].dt.tz) == "UTC"


@pytest.mark.parametrize("suffix", [".ocel.json", ".ocel.sqlite", ".ocel.xml"])
def test_ocel2_counts_by_hand(tmp_path, suffix):
    import pm4py

    path = write_ocel2(make_log(shuffle_seed=1), tmp_path / f"log{suffix}")
    ocel = pm4py.read_ocel2(str(path))
    assert len(ocel.events) == 7
    assert sorted(ocel.objects["ocel:oid"]) == ["agent:Ann", "agent:Bob", "customer:K1",
                                                "customer:K2", "ticket:T1", "ticket:T2",
                                                "ticket:T3"]
    assert ocel.objects["ocel:type"].value_counts().to_dict() == {"ticket": 3, "customer": 2,
                                                                  "agent": 2}
    assert len(ocel.relations) == 17
    assert ocel.relations["ocel:type"].value_counts().to_dict() == {"ticket": 7, "customer": 7,
                                                                    "agent": 3}
    per_event = ocel.relations.groupby("ocel:eid")["ocel:oid"].apply(frozenset)
    acts = dict(zip(ocel.events["ocel:eid"], ocel.events["ocel:activity"]))
    triage = [oids for eid, oids in per_event.items() if acts[eid] == "Triage"]
    assert triage == [frozenset({"ticket:T1", "customer:K1", "agent:Ann"})]
    resolve = [oids for eid, oids in per_event.items() if acts[eid] == "Resolve"]
    assert resolve == [frozenset({"ticket:T3", "customer:K2"})]
    assert sorted(zip(ocel.o2o["ocel:oid"], ocel.o2o["ocel:oid_2"])) == [
        ("ticket:T1", "customer:K1"), ("ticket:T2", "customer:K1"), ("ticket:T3", "customer:K2")]


def test_ocel2_json_attributes_and_no_ticket_column(tmp_path):
    log = make_log().drop(columns=["ticket", "case:customer"])
    path = write_ocel2(log, tmp_path / "log.jsonocel")
    doc = json.loads(path.read_text())
    assert sorted(o["id"] for o in doc["objects"]) == ["agent:Ann", "agent:Bob", "ticket:t1",
                                                       "ticket:t2", "ticket:t3"]
    first = next(e for e in doc["events"] if e["type"] == "Send e-mail")
    assert {a["name"]: a["value"] for a in first["attributes"]} == {"channel": "e-mail"}
    assert first["time"].startswith("2024-03-01T09:00:00")
    close = next(e for e in doc["events"] if e["type"] == "Close ticket"
                 and any(r["objectId"] == "agent:Bob" for r in e["relationships"]))
    assert {a["name"]: a["value"] for a in close["attributes"]} == {"csat": 4.0}


def test_ocel2_bad_suffix(tmp_path):
    with pytest.raises(OutputError, match=r"log\.csv.*suffix '\.csv'; end the name in one of \['\.ocel\.json'"):
        write_ocel2(make_log(), tmp_path / "log.csv")
    assert not (tmp_path / "log.csv").exists()


@pytest.mark.parametrize("suffix,explicit", [(".json", ".ocel.json"), (".sqlite", ".ocel.sqlite"),
                                             (".db", ".ocel.sqlite"), (".xml", ".ocel.xml")])
def test_a_plain_suffix_no_longer_means_ocel(tmp_path, suffix, explicit):
    path = tmp_path / f"log{suffix}"
    words = rf"log\{suffix}: a plain '\{suffix}' does not say.*{explicit.replace('.', '[.]')}"
    with pytest.raises(OutputError, match=words):
        write_ocel2(make_log(), path)
    with pytest.raises(OutputError, match=words):
        write_log(make_log(), path)
    with pytest.raises(ValueError, match=r"\.ocel\.json"):
        log_format(path)
    assert not path.exists()


def test_a_plain_json_names_ocel_json_and_jsonl(tmp_path):
    with pytest.raises(OutputError, match=r"For OCEL 2\.0 end the name in \.ocel\.json.*end it in \.jsonl"):
        log_format(tmp_path / "log.json", where="--out ")
    with pytest.raises(OutputError, match=r"^--out .*log\.txt: unknown kind of log file.*\.jsonl.*\.ocel\.xml"):
        log_format(tmp_path / "log.txt", where="--out ")


@pytest.mark.parametrize("name,kind", [("a.csv", "csv"), ("a.parquet", "parquet"), ("a.xes", "xes"),
                                       ("a.XES.GZ", "xes"), ("a.jsonl", "jsonl"), ("a.ocel.json", "ocel"),
                                       ("a.OCEL.sqlite", "ocel"), ("a.ocel.xml", "ocel"), ("a.jsonocel", "ocel"),
                                       ("a.xmlocel", "ocel"), ("my.events.csv", "csv")])
def test_log_format_by_name(name, kind):
    assert log_format(name) == kind


@pytest.mark.parametrize("suffix", [".ocel.json", ".ocel.sqlite", ".ocel.xml"])
def test_ocel2_keeps_case_attributes_on_the_ticket_objects(tmp_path, suffix):
    import pm4py

    log = make_log()
    log["case:product"] = log[CASE].map({"t1": "Router", "t2": "Modem", "t3": None})
    log["case:service_type"] = log[CASE].map({"t1": "repair", "t2": "repair", "t3": "install"})
    ocel = pm4py.read_ocel2(str(write_ocel2(log, tmp_path / f"log{suffix}")))
    objects = ocel.objects.set_index("ocel:oid")
    assert {"product", "service_type"} <= set(objects.columns)
    tickets = objects[objects["ocel:type"] == "ticket"]
    assert tickets["product"].to_dict() == {"ticket:T1": "Router", "ticket:T2": "Modem", "ticket:T3": None} or (
        tickets["product"].loc[["ticket:T1", "ticket:T2"]].tolist() == ["Router", "Modem"]
        and pd.isna(tickets.at["ticket:T3", "product"]))
    assert tickets["service_type"].to_dict() == {"ticket:T1": "repair", "ticket:T2": "repair",
                                                 "ticket:T3": "install"}
    others = objects[objects["ocel:type"] != "ticket"]
    assert others["product"].isna().all() and others["service_type"].isna().all()
    # the case id and the customer are not copied as attributes (the customer is its own object)
    assert "concept:name" not in objects.columns and "customer" not in objects.columns
    # and no case attribute becomes an event attribute
    assert not {"case:product", "product", "service_type"} & set(ocel.events.columns)


def test_ocel2_json_lists_the_ticket_attributes(tmp_path):
    log = make_log()
    log["case:product"] = "Router"
    doc = json.loads(write_ocel2(log, tmp_path / "log.ocel.json").read_text())
    assert doc["objectTypes"] and any(t["name"] == "ticket" and [a["name"] for a in t["attributes"]] == ["product"]
                                      for t in doc["objectTypes"])
    t1 = next(o for o in doc["objects"] if o["id"] == "ticket:T1")
    assert [(a["name"], a["value"]) for a in t1["attributes"]] == [("product", "Router")]
    k1 = next(o for o in doc["objects"] if o["id"] == "customer:K1")
    assert not k1.get("attributes")


def test_jsonl_round_trip(tmp_path):
    from journeymining import read_event_log

    path = write_jsonl(make_log(shuffle_seed=3), tmp_path / "log.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 7 and all(line.startswith("{") for line in lines)
    back = read_event_log(path)
    assert _events(back) == _events(make_log())
    assert back["csat"].notna().sum() == 2 and back["org:resource"].isna().sum() == 1


def test_write_log_picks_the_writer(tmp_path):
    import pm4py

    for name in ("a.csv", "a.parquet", "a.xes", "a.jsonl", "a.ocel.json"):
        assert write_log(make_log(), tmp_path / name) == tmp_path / name
    assert len(pm4py.read_ocel2(str(tmp_path / "a.ocel.json")).events) == 7
    assert json.loads((tmp_path / "a.jsonl").read_text().splitlines()[0])["concept:name"] == "Send e-mail"


def test_convert_refuses_a_plain_json_before_reading(tmp_path, capsys):
    from journeymining.cli import main

    tickets = tmp_path / "tickets.csv"
    tickets.write_text("ticket,status,at\nT1,New,2024-03-01 09:00\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("case: {id: ticket}\nactivity: status\ntimestamp: {column: at}\n", encoding="utf-8")
    code = main(["convert", str(tickets), "--mapping", str(mapping), "--out", str(tmp_path / "out" / "log.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("journeymining convert: error: --out ")
    assert "log.json" in err and ".ocel.json" in err and ".jsonl" in err
    assert not (tmp_path / "out").exists()
    for name in ("log.ocel.json", "log.ocel.sqlite", "log.ocel.xml", "log.jsonl"):
        assert main(["convert", str(tickets), "--mapping", str(mapping), "--out", str(tmp_path / name)]) == 0
        assert (tmp_path / name).exists()
    capsys.readouterr()


@pytest.mark.parametrize("writer", [write_xes, write_csv, write_parquet, write_ocel2])
def test_errors(tmp_path, writer):
    with pytest.raises(EventLogError, match="no column 'time:timestamp'"):
        writer(make_log().drop(columns=[TIME]), tmp_path / "out.json")
    log = make_log()
    log[TIME] = log[TIME].astype(str)
    with pytest.raises(EventLogError, match="not timestamps"):
        writer(log, tmp_path / "out.json")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        writer(make_log(), tmp_path / "nowhere" / "out.json")

"""Every input format gives the same event log."""

import gzip
import json

import pandas as pd
import pytest

from journeymining.core import columns as C
from journeymining.core.errors import InputFileError
from journeymining.io.readers import detect_format, read_event_log, read_table
from journeymining.io.tickets import tickets_to_event_log

ROWS = pd.DataFrame({
    "ticket": ["T1", "T1", "T2"],
    "status": ["Nuovo", "Risolto", "Nuovo"],
    "at": ["2024-03-01 10:00:00", "2024-03-01 12:30:00", "2024-03-02 09:15:00"],
    "agent": ["José", "Renée", "José"],
})
MAPPING = {"case": {"id": "ticket"}, "activity": "status", "resource": "agent",
           "timestamp": {"column": "at", "format": "%Y-%m-%d %H:%M:%S", "timezone": "Europe/Rome"}}
EXPECTED = [("T1", "Nuovo", "2024-03-01 09:00", "José"), ("T1", "Risolto", "2024-03-01 11:30", "Renée"),
            ("T2", "Nuovo", "2024-03-02 08:15", "José")]


def _triples(log):
    ts = log[C.TIMESTAMP].dt.strftime("%Y-%m-%d %H:%M")
    return list(zip(log[C.CASE], log[C.ACTIVITY], ts, log[C.RESOURCE]))


def test_csv_with_semicolons_and_latin1(tmp_path):
    path = tmp_path / "tickets.csv"
    ROWS.to_csv(path, sep=";", index=False, encoding="latin-1")
    conv = tickets_to_event_log(path, {**MAPPING, "source": {"delimiter": ";", "encoding": "latin-1"}})
    assert _triples(conv.log) == EXPECTED


def test_delimiter_is_sniffed_when_not_given(tmp_path):
    path = tmp_path / "tickets.tsv"
    ROWS.to_csv(path, sep="\t", index=False)
    assert _triples(tickets_to_event_log(path, MAPPING).log) == EXPECTED


def test_gzipped_csv(tmp_path):
    path = tmp_path / "tickets.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        ROWS.to_csv(fh, index=False)
    assert _triples(tickets_to_event_log(path, MAPPING).log) == EXPECTED


def test_parquet_with_real_datetimes(tmp_path):
    path = tmp_path / "tickets.parquet"
    typed = ROWS.assign(at=pd.to_datetime(ROWS["at"]))  # naive datetimes: local Rome time
    typed.to_parquet(path)
    assert _triples(tickets_to_event_log(path, MAPPING).log) == EXPECTED


def test_excel(tmp_path):
    path = tmp_path / "tickets.xlsx"
    ROWS.to_excel(path, index=False, sheet_name="export")
    conv = tickets_to_event_log(path, {**MAPPING, "source": {"sheet": "export"}})
    assert _triples(conv.log) == EXPECTED
    with pytest.raises(InputFileError, match="sheet"):
        tickets_to_event_log(path, {**MAPPING, "source": {"sheet": "nope"}})


def test_json_lines(tmp_path):
    path = tmp_path / "tickets.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS.to_dict("records")) + "\n",
                    encoding="utf-8")
    assert _triples(tickets_to_event_log(path, MAPPING).log) == EXPECTED


def test_xes_round_trip(tmp_path):
    from journeymining.io.writers import write_xes

    log = tickets_to_event_log(ROWS, MAPPING).log
    path = tmp_path / "log.xes.gz"
    write_xes(log, path)
    back = read_event_log(path)
    assert _triples(back) == EXPECTED
    # an XES log is also a valid ticket export for a mapping naming its keys
    conv = tickets_to_event_log(path, {"case": {"id": C.CASE}, "activity": C.ACTIVITY,
                                       "timestamp": {"column": C.TIMESTAMP}, "resource": C.RESOURCE})
    assert _triples(conv.log) == EXPECTED


def test_dataframe_input_is_copied_not_modified():
    before = ROWS.copy()
    frame = read_table(ROWS)
    frame.loc[0, "ticket"] = "changed"
    pd.testing.assert_frame_equal(ROWS, before)


def test_unknown_extension_names_the_fix(tmp_path):
    with pytest.raises(InputFileError, match=r"source: \{format: csv\}"):
        detect_format(tmp_path / "tickets.dat")


def test_read_event_log_needs_the_pm4py_columns(tmp_path):
    path = tmp_path / "tickets.csv"
    ROWS.to_csv(path, index=False)
    with pytest.raises(InputFileError, match="journeymining convert"):
        read_event_log(path)


# --------------------------------------------------------------------------- issue 9: safe XML, limits

ENTITY_DOC = ('<?xml version="1.0" encoding="{enc}"?>\n{pad}<!DOCTYPE log [<!ENTITY x "EXPANDED-ENTITY">]>\n'
              '<log><trace><string key="concept:name" value="C1"/><event><string key="concept:name" value="&x;"/>'
              '<date key="time:timestamp" value="2024-03-01T10:00:00+00:00"/></event></trace></log>\n')


@pytest.mark.parametrize("name,encoding,pad", [
    ("plain.xes", "utf-8", ""), ("utf16.xes", "utf-16", ""), ("utf16le.xes", "utf-16-le", ""),
    ("late.xes", "utf-8", "<!--" + "x" * (1 << 20) + "-->\n")])
def test_a_doctype_is_refused_by_the_parser_in_any_encoding(tmp_path, name, encoding, pad):
    from journeymining.io.readers import parse_xml_safely, read_xes

    text = ENTITY_DOC.format(enc=encoding.replace("-le", ""), pad=pad)
    data = text.encode(encoding) if encoding != "utf-16-le" else b"\xff\xfe" + text.encode("utf-16-le")
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputFileError, match=f"{name} declares a DOCTYPE") as info:
        read_xes(path)
    assert "EXPANDED-ENTITY" not in str(info.value)
    with pytest.raises(InputFileError, match="declares a DOCTYPE"):
        parse_xml_safely(path)
    with pytest.raises(InputFileError, match="<bytes> declares a DOCTYPE"):
        parse_xml_safely(data)


def test_parse_xml_safely_reads_plain_xml_and_names_syntax_errors(tmp_path):
    from journeymining.io.readers import parse_xml_safely

    path = tmp_path / "map.bpmn"
    path.write_text('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p"/></definitions>')
    root = parse_xml_safely(path)
    assert root.tag.endswith("definitions") and root[0].get("id") == "p"
    with pytest.raises(InputFileError, match=r"<bytes> is not well-formed XML \(line 1"):
        parse_xml_safely(b"<a><b></a>")
    (tmp_path / "broken.bpmn").write_text("<definitions><process></definitions>")
    with pytest.raises(InputFileError, match=r"broken.bpmn is not well-formed XML \(line 1"):
        parse_xml_safely(tmp_path / "broken.bpmn")
    system = b'<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>'
    with pytest.raises(InputFileError, match="DOCTYPE"):
        parse_xml_safely(system)


def test_xes_classifiers_are_listed():
    from journeymining.io.readers import classifiers

    assert classifiers("tests/data/bad/lifecycle.xes") == {
        "Activity": ["concept:name"], "Activity+Lifecycle": ["concept:name", "lifecycle:transition"]}


def test_decompressed_size_is_limited(tmp_path, monkeypatch):
    path = tmp_path / "t.csv.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("ticket,status,at\n" + "T1,New,2024-03-01 10:00\n" * 1000)
    monkeypatch.setenv("JOURNEYMINING_MAX_INPUT_BYTES", "5000")
    with pytest.raises(InputFileError, match=r"t.csv.gz holds 24,017 bytes, more than the input limit of 5,000"):
        read_table(path)
    monkeypatch.setenv("JOURNEYMINING_MAX_INPUT_BYTES", "lots")
    with pytest.raises(InputFileError, match="JOURNEYMINING_MAX_INPUT_BYTES is 'lots'"):
        read_table(path)
    monkeypatch.setenv("JOURNEYMINING_MAX_INPUT_BYTES", "0")
    with pytest.raises(InputFileError, match="must be a positive number of bytes"):
        read_table(path)
    monkeypatch.setenv("JOURNEYMINING_MAX_INPUT_BYTES", "100000")
    assert len(read_table(path)) == 1000


def test_what_cannot_fit_in_memory_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_text("ticket,status,at\n" + "T1,New,2024-03-01 10:00\n" * 100)  # 2,417 bytes
    monkeypatch.setenv("JOURNEYMINING_MEMORY_BYTES", "10000")  # 2,417 x 7 = 16,919 > 10,000
    with pytest.raises(InputFileError, match=r"t.csv \(0.00 GiB\) needs about .* Split the export"):
        read_table(path)
    monkeypatch.setenv("JOURNEYMINING_MEMORY_BYTES", "20000")
    assert len(read_table(path)) == 100


def test_duplicate_csv_columns_are_reported(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("ticket,status,at,status\nT1,New,2024-03-01 10:00,x\n")
    frame = read_table(path)
    assert frame.attrs["duplicate_columns"] == {"status": ["status", "status.1"]}
    with pytest.raises(InputFileError, match="line 1: the key\\(s\\) \\['a'\\] appear twice"):
        (tmp_path / "d.jsonl").write_text('{"a": 1, "a": 2}\n')
        read_table(tmp_path / "d.jsonl")


def test_csv_round_trip_keeps_missing_values_missing(tmp_path):
    """convert --out x.csv then read_event_log: empty cells come back missing, measures unchanged."""
    import numpy as np

    import journeymining as jm

    log = pd.DataFrame({
        "case:concept:name": ["a", "a", "a", "b", "b"],
        "concept:name": ["Chat", "Note", "Call", "Mail", "Close"],
        "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 10:00", "2024-01-01 11:00",
                                          "2024-01-02 09:00", "2024-01-02 10:00"], utc=True),
        "channel": ["chat", None, "phone", "e-mail", None],
        "org:group": ["L1", None, "L1", "L2", "L2"]})
    jm.write_csv(log, tmp_path / "x.csv")
    back = jm.read_event_log(tmp_path / "x.csv")
    assert back["channel"].isna().tolist() == [False, True, False, False, True]
    assert back["org:group"].isna().sum() == 1
    settings = jm.JourneySettings.from_map(contacts=["Chat", "Call", "Mail"], goal="Close")
    before = jm.case_measures(log, settings).cases["channel_switches"].to_numpy()
    after = jm.case_measures(back, settings).cases["channel_switches"].to_numpy()
    assert np.array_equal(before, after) and before.tolist() == [1.0, 0.0]


# --------------------------------------------------------------------------- issue 11: pm4py objects in

def _pm4py_frame():
    return pd.DataFrame({
        "case:concept:name": ["a", "a", "b", "b", "b"],
        "concept:name": ["Chat", "Resolve", "Chat", "Escalate", "Resolve"],
        "time:timestamp": pd.to_datetime(["2024-05-01 09:00", "2024-05-01 10:00", "2024-05-02 09:00",
                                          "2024-05-02 11:00", "2024-05-03 09:00"], utc=True),
        "org:resource": ["Ann", "Bob", "Ann", "Cy", "Bob"],
        "case:product": ["Router", "Router", "Modem", "Modem", "Modem"]})


@pytest.mark.filterwarnings("ignore")
def test_a_pm4py_event_log_is_converted():
    import pm4py

    frame = _pm4py_frame()
    for obj in (pm4py.convert_to_event_log(frame), pm4py.convert_to_event_stream(frame)):
        log = read_event_log(obj)
        assert list(zip(log[C.CASE], log[C.ACTIVITY])) == list(zip(frame[C.CASE], frame[C.ACTIVITY]))
        assert log[C.TIMESTAMP].dt.strftime("%Y-%m-%d %H:%M").tolist() == \
            frame[C.TIMESTAMP].dt.strftime("%Y-%m-%d %H:%M").tolist()
        assert str(log[C.TIMESTAMP].dt.tz) == "UTC"
        assert log["case:product"].tolist() == frame["case:product"].tolist()
        assert log[C.RESOURCE].tolist() == frame[C.RESOURCE].tolist()


@pytest.mark.filterwarnings("ignore")
def test_analyze_accepts_a_pm4py_event_log(monkeypatch):
    import pm4py

    import journeymining as jm

    monkeypatch.setenv("JOURNEYMINING_PROGRESS", "0")
    result = jm.analyze(pm4py.convert_to_event_log(_pm4py_frame()), alignments=False, cluster=False)
    assert result.n_cases == 2 and len(result.log) == 5
    assert result.variants["cases"].sum() == 2


@pytest.mark.filterwarnings("ignore")
def test_pm4py_objects_that_are_not_flat_logs_are_refused_with_a_hint(tmp_path):
    import pm4py

    with pytest.raises(InputFileError, match=r"<pm4py EventLog> is empty"):
        read_event_log(pm4py.objects.log.obj.EventLog())
    ocel = pm4py.objects.ocel.obj.OCEL()
    with pytest.raises(InputFileError, match=r"pm4py OCEL.*pm4py\.ocel_flattening\(ocel, 'ticket'\)"):
        read_event_log(ocel)
    with pytest.raises(InputFileError, match=r"cannot read a builtins\.list: give a path .*pm4py EventLog"):
        read_event_log([("a", "Chat")])
    renamed = pm4py.convert_to_event_log(_pm4py_frame()).__class__(
        [pm4py.objects.log.obj.Trace([pm4py.objects.log.obj.Event({"step": "Chat"})])])
    with pytest.raises(InputFileError, match=r"<pm4py EventLog> is not an event log: column 'case:concept:name'.*"
                                             r"pm4py keys.*case_id_key/activity_key/timestamp_key"):
        read_event_log(renamed)


def test_ocel_files_are_refused_by_read_event_log(tmp_path):
    from journeymining.io.writers import write_ocel2

    for suffix in (".ocel.json", ".ocel.sqlite", ".ocel.xml"):
        path = write_ocel2(_pm4py_frame(), tmp_path / f"log{suffix}")
        with pytest.raises(InputFileError, match=rf"log\.ocel\.{suffix.split('.')[-1]} is an OCEL 2\.0.*read_ocel2"):
            read_event_log(path)

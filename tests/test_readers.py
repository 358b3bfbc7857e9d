"""Every input format gives the same event log."""

import gzip
import json

import pandas as pd
import pytest

from journeymining import _columns as C
from journeymining.errors import InputFileError
from journeymining.readers import detect_format, read_event_log, read_table
from journeymining.tickets import tickets_to_event_log

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
    from journeymining.export import write_xes

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

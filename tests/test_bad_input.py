"""The bad-input corpus (tests/data/bad): nothing crashes with a traceback, no row is lost unexplained.

Each case is either refused with a typed error whose message names the file or column and the fix,
or converted with every input row accounted for (kept, repaired, or quarantined with a reason).
"""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from journeymining.core.errors import InputFileError, JourneyMiningError, MappingError
from journeymining.io.tickets import tickets_to_event_log

BAD = Path(__file__).parent / "data" / "bad"
GOOD_MAP = BAD / "map_good.yaml"

# (input file, mapping, error class, words the message must contain)
REFUSED = [
    ("missing_file.csv", GOOD_MAP, InputFileError, ["missing_file.csv", "does not exist"]),
    ("empty.csv", GOOD_MAP, InputFileError, ["empty.csv", "empty (0 bytes)"]),
    ("header_only.csv", GOOD_MAP, InputFileError, ["header_only.csv", "no data rows"]),
    ("semicolon.csv", {"source": {"delimiter": ","}, "case": {"id": "ticket"}, "activity": "status",
                       "timestamp": {"column": "at"}}, InputFileError, ["single column", "delimiter"]),
    ("latin1.csv", {"case": {"id": "ticket"}, "activity": "status", "resource": "agent",
                    "timestamp": {"column": "at"}}, InputFileError,
     ["latin1.csv", "utf-8 on line 2", "encoding: latin-1"]),
    ("excel_named.csv", GOOD_MAP, InputFileError, ["excel_named.csv", "Excel workbook", "format: excel"]),
    ("ragged.csv", GOOD_MAP, InputFileError, ["ragged.csv", "do not match the header"]),
    ("binary.csv", GOOD_MAP, InputFileError, ["binary.csv"]),
    ("not_gzip.csv.gz", GOOD_MAP, InputFileError, ["not_gzip.csv.gz"]),
    ("not_parquet.parquet", GOOD_MAP, InputFileError, ["not_parquet.parquet", "Parquet"]),
    ("bad_line.jsonl", GOOD_MAP, InputFileError, ["bad_line.jsonl", "line 2"]),
    ("xxe.xes", GOOD_MAP, InputFileError, ["xxe.xes", "entities", "DOCTYPE"]),
    ("truncated.xes", GOOD_MAP, InputFileError, ["truncated.xes", "not well-formed", "line"]),
    ("no_traces.xes", GOOD_MAP, InputFileError, ["no_traces.xes", "<trace>"]),
    ("good.csv", BAD / "map_missing_column.yaml", MappingError,
     ["'ticket_id'", "case.id", "good.csv", "Did you mean 'ticket'", "Columns present"]),
    ("good.csv", BAD / "map_typo_key.yaml", MappingError, ["timestmap", "Did you mean 'timestamp'"]),
    ("good.csv", BAD / "map_invalid_yaml.yaml", MappingError, ["map_invalid_yaml.yaml", "not valid YAML"]),
    ("good.csv", BAD / "map_bad_timezone.yaml", MappingError, ["Europe/Atlantis", "IANA"]),
    ("good.csv", BAD / "map_bad_shape.yaml", MappingError, ["eventz", "Did you mean 'events'"]),
    ("wide.csv", BAD / "map_wide_missing_event_column.yaml", MappingError, ["'resolved'", "events.resolved"]),
    ("good.csv", BAD / "map_bad_gap.yaml", MappingError, ["two weeks", "30m, 4h, 2d or 1w"]),
    ("good.csv", BAD / "no_such_mapping.yaml", MappingError, ["no_such_mapping.yaml", "does not exist"]),
    # issue 9: every wrong type or value of a mapping key names the key and the accepted forms
    ("good.csv", BAD / "map_latin1_file.yaml", MappingError,
     ["map_latin1_file.yaml", "not UTF-8", "line 4", "Save the mapping as UTF-8"]),
    ("good.csv", BAD / "map_source_string.yaml", MappingError, ["'source' is 'csv'", "Accepted", "format: csv"]),
    ("good.csv", BAD / "map_bad_format.yaml", MappingError, ["timestamp.format", "%Q", "strftime"]),
    ("good.csv", BAD / "map_bad_delimiter.yaml", MappingError, ["source.delimiter", "'::'", "one character"]),
    ("good.csv", BAD / "map_skip_rows_text.yaml", MappingError, ["source.skip_rows", "'two'", "whole number"]),
    ("good.csv", BAD / "map_skip_rows_negative.yaml", MappingError, ["source.skip_rows", "-1", "whole number >= 0"]),
    ("good.csv", BAD / "map_activity_list.yaml", MappingError, ["'activity' is a list", "columns: [", "join"]),
    ("good.csv", BAD / "map_alias_bomb.yaml", MappingError, ["map_alias_bomb.yaml", "alias bomb", "100,000"]),
    ("good.csv", BAD / "map_self_alias.yaml", MappingError, ["map_self_alias.yaml", "refers to itself"]),
    ("updates_question_marks.csv", BAD / "map_first_new.yaml", MappingError, ["first.activity", "{new}", "{state}"]),
    ("updates_question_marks.csv", BAD / "map_first_unknown_column.yaml", MappingError,
     ["'incident_state'", "first.activity placeholder", "Columns present"]),
    ("updates_question_marks.csv", BAD / "map_track_unknown_placeholder.yaml", MappingError,
     ["'urgency'", "track.state.activity"]),
    ("updates_question_marks.csv", BAD / "map_track_status_text.yaml", MappingError,
     ["track.state.status", "'maybe'", "boolean"]),
    ("updates_question_marks.csv", BAD / "map_track_typo_key.yaml", MappingError,
     ["'grop'", "track.grp", "Did you mean 'group'"]),
    ("good.csv", BAD / "map_short_key.yaml", MappingError, ["JM_CORPUS_SHORT_KEY", "5 bytes", "at least 16"]),
    ("good.csv", BAD / "map_blank_key.yaml", MappingError, ["JM_CORPUS_BLANK_KEY", "whitespace"]),
    ("wide_csat.csv", BAD / "map_attribute_at_unknown.yaml", MappingError,
     ["attributes.csat.at", "Ticket resolvd", "Did you mean 'Ticket resolved'"]),
    ("good.csv", BAD / "map_notion_typo.yaml", MappingError, ["case.notion", "customers", "Did you mean 'customer'"]),
    ("good.csv", BAD / "map_na_values_typo.yaml", MappingError, ["'na_value'", "Did you mean 'na_values'"]),
    ("good.csv", BAD / "map_channel_both.yaml", MappingError, ["'channel'", "exactly one of 'column' and 'value'"]),
    ("good.csv", BAD / "map_dayfirst_text.yaml", MappingError, ["timestamp.dayfirst", "'sometimes'"]),
    ("good.csv", BAD / "map_events_in_events_shape.yaml", MappingError, ["'events'", "shape 'wide' only"]),
    ("good.csv", BAD / "map_top_level_list.yaml", MappingError, ["map_top_level_list.yaml", "must be a dict"]),
    ("good.csv", BAD / "map_unknown_encoding.yaml", MappingError, ["source.encoding", "klingon-8"]),
    ("dup_header.csv", BAD / "map_dup_header.yaml", MappingError, ["dup_header.csv", "'status' 2 times", "status.1"]),
    ("dup_header.xlsx", BAD / "map_dup_header.yaml", MappingError, ["dup_header.xlsx", "'status' 2 times"]),
    # issue 9: inputs that used to give tracebacks
    ("truncated.jsonl.gz", GOOD_MAP, InputFileError, ["truncated.jsonl.gz", "truncated"]),
    ("latin1_byte.jsonl", GOOD_MAP, InputFileError, ["latin1_byte.jsonl", "line 2", "utf-8", "encoding: latin-1"]),
    ("duplicate_keys.jsonl", GOOD_MAP, InputFileError, ["duplicate_keys.jsonl", "line 2", "['status']", "twice"]),
    ("pii_bad_line.jsonl", GOOD_MAP, InputFileError, ["pii_bad_line.jsonl", "line 2", "not valid JSON"]),
    ("array_line.jsonl", GOOD_MAP, InputFileError, ["array_line.jsonl", "line 2", "JSON list"]),
    ("nested.jsonl", GOOD_MAP, InputFileError, ["nested.jsonl", "'tags'", "nested"]),
    ("empty_objects.jsonl", GOOD_MAP, InputFileError, ["empty_objects.jsonl", "no JSON objects"]),
    ("nested.parquet", GOOD_MAP, InputFileError, ["nested.parquet", "'meta'", "'tags'", "Flatten"]),
    ("utf16_doctype.xes", GOOD_MAP, InputFileError, ["utf16_doctype.xes", "DOCTYPE", "never resolves entities"]),
    ("late_doctype.xes.gz", GOOD_MAP, InputFileError, ["late_doctype.xes.gz", "DOCTYPE"]),
    ("bomb.csv.gz", GOOD_MAP, InputFileError, ["bomb.csv.gz", "JOURNEYMINING_MAX_INPUT_BYTES", "100,000"]),
]


@pytest.fixture(autouse=True)
def _corpus_environment(monkeypatch, request):
    """Keys for the pseudonymisation cases; a small input limit for the decompression bomb."""
    monkeypatch.setenv("JM_CORPUS_SHORT_KEY", "short")
    monkeypatch.setenv("JM_CORPUS_BLANK_KEY", " " * 20)
    monkeypatch.setenv("JM_CORPUS_KEY", "corpus-key-0123456789abcdef")
    if "bomb" in request.node.name:
        monkeypatch.setenv("JOURNEYMINING_MAX_INPUT_BYTES", "100000")


@pytest.mark.parametrize("source,mapping,error,words", REFUSED,
                         ids=[f"{s}+{Path(str(m)).name if not isinstance(m, dict) else 'dict'}"
                              for s, m, _, _ in REFUSED])
def test_bad_input_is_refused_with_a_clear_error(source, mapping, error, words):
    with pytest.raises(error) as info:
        tickets_to_event_log(BAD / source, mapping)
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in: {message}"


def test_the_corpus_has_at_least_60_cases():
    assert len(REFUSED) + len(CONVERTED) + len(CONVERTED_MORE) >= 60


def test_xml_entities_are_never_resolved():
    with pytest.raises(InputFileError) as info:
        tickets_to_event_log(BAD / "xxe.xes", GOOD_MAP)
    assert "TOP-SECRET-CONTENT-42" not in str(info.value)
    from journeymining.io.readers import read_event_log

    with pytest.raises(InputFileError, match="never resolves entities"):
        read_event_log(BAD / "xxe.xes")


# (input file, mapping, expected {check: rows}, expected events)
CONVERTED = [
    ("all_bad_times.csv", GOOD_MAP, {"unparseable_timestamp": [0, 1], "missing_timestamp": [2]}, 0),
    ("mixed_problems.csv", GOOD_MAP, {"missing_case_id": [1, 2], "missing_activity": [3],
                                      "implausible_timestamp": [4], "whitespace": [5],
                                      "unparseable_timestamp": [6]}, 2),
    ("latin1.csv", BAD / "map_latin1.yaml", {}, 2),
]


@pytest.mark.parametrize("source,mapping,checks,n_events", CONVERTED, ids=[c[0] for c in CONVERTED])
def test_problem_rows_are_accounted_for(source, mapping, checks, n_events):
    conv = tickets_to_event_log(BAD / source, mapping)
    n_rows = len(pd.read_csv(BAD / source, dtype=str, keep_default_na=False,
                             encoding="latin-1" if "latin1" in source else "utf-8"))
    summary = conv.report.summary
    assert summary.at["total", "rows"] == n_rows
    assert summary.loc[["kept", "repaired", "quarantined"], "rows"].sum() == n_rows
    got = conv.report.issues.groupby("check")["row"].apply(sorted).to_dict()
    assert got == checks
    assert len(conv.log) == n_events
    # every row either produced events or was quarantined with a reason
    q = set(conv.report.quarantined["row"])
    assert all(conv.report.quarantined["reason"].str.len() > 0)
    for row, events in enumerate(conv.report.row_events):
        assert events > 0 or row in q


# (input file, mapping, input rows, expected {check: rows}, expected events); rows and events by hand
CONVERTED_MORE = [
    # 9999-12-31, 1600, 2500 and 1901 are placeholders: quarantined, not a traceback or "unparseable"
    ("placeholder_dates.csv", GOOD_MAP, 6, {"implausible_timestamp": [1, 2, 3, 4]}, 2),
    ("placeholder_dates.xlsx", BAD / "map_dup_header.yaml", 4, {"implausible_timestamp": [1, 2, 3]}, 1),
    ("placeholder_dates.parquet", BAD / "map_dup_header.yaml", 4, {"implausible_timestamp": [1, 2, 3]}, 1),
    ("placeholder_dates.xes", BAD / "map_xes.yaml", 3, {"implausible_timestamp": [1, 2]}, 1),
    ("bad_date.xes", BAD / "map_xes.yaml", 2, {"unparseable_timestamp": [1]}, 1),
    # 2 events outside any trace: counted as input rows and quarantined (no case)
    ("outside_trace.xes", BAD / "map_xes.yaml", 5, {"missing_case_id": [0, 3]}, 3),
    ("lifecycle.xes", BAD / "map_xes_lifecycle.yaml", 2, {}, 2),
    # 1e10 s (year 2286), inf and -1e12 s overflow nanoseconds: implausible, not NaT events
    ("epoch_overflow.csv", BAD / "map_epoch.yaml", 5, {"implausible_timestamp": [1, 2, 3]}, 2),
    ("int_ids.parquet", BAD / "map_parquet_ids.yaml", 4, {"missing_case_id": [3]}, 3),
    ("dup_header_unused.csv", GOOD_MAP, 2, {}, 2),
    ("na_markers.csv", BAD / "map_na_values.yaml", 5, {"missing_case_id": [2], "missing_activity": [3]}, 3),
    ("null_customers.csv", BAD / "map_null_customers.yaml", 4, {"placeholder_id": [0, 1, 2]}, 1),
    ("invisible_ids.csv", GOOD_MAP, 3, {"invisible_characters": [1, 2]}, 3),
    ("formula_cells.csv", GOOD_MAP, 4, {"missing_case_id": [3]}, 3),
    # INC1: New (first), In Progress, Handoff to Desk ('?' is no team), Handoff to Network; INC2: first
    ("updates_question_marks.csv", BAD / "map_updates_first_state.yaml", 5, {"missing_case_id": [4]}, 5),
    ("updates_question_marks.csv", BAD / "map_first_column_dict.yaml", 5, {"placeholder_id": [4]}, 4),
    ("wide_csat.csv", BAD / "map_wide_csat_at.yaml", 2, {}, 3),
    ("good.csv", BAD / "map_activity_column_dict.yaml", 2, {}, 2),
    ("pii_rows.csv", BAD / "map_pii.yaml", 5, {"unparseable_timestamp": [1], "missing_case_id": [2],
                                             "whitespace": [3]}, 3),
]


@pytest.mark.parametrize("source,mapping,n_rows,checks,n_events", CONVERTED_MORE,
                         ids=[f"{c[0]}+{Path(str(c[1])).name}" for c in CONVERTED_MORE])
def test_more_problem_rows_are_accounted_for(source, mapping, n_rows, checks, n_events):
    conv = tickets_to_event_log(BAD / source, mapping)
    summary = conv.report.summary
    assert summary.at["total", "rows"] == n_rows
    assert summary.loc[["kept", "repaired", "quarantined"], "rows"].sum() == n_rows
    assert conv.report.issues.groupby("check")["row"].apply(sorted).to_dict() == checks
    assert len(conv.log) == n_events
    q = set(conv.report.quarantined["row"])
    assert all(conv.report.quarantined["reason"].str.len() > 0)
    if conv.mapping.shape != "updates":  # a snapshot that changes nothing is kept without an event
        for row, events in enumerate(conv.report.row_events):
            assert events > 0 or row in q


def test_reader_repairs_are_reported_not_silent():
    conv = tickets_to_event_log(BAD / "dup_header_unused.csv", GOOD_MAP)
    assert conv.report.notes == ("column 'note' appears 2 times in the header; read as ['note', 'note.1'] "
                                 "(not used by the mapping)",)
    assert "note.1" in str(conv.report)
    conv = tickets_to_event_log(BAD / "outside_trace.xes", BAD / "map_xes.yaml")
    assert "2 XES <event> element(s) outside any <trace>" in str(conv.report)
    assert conv.log["case:concept:name"].tolist() == ["C1", "C1", "C2"]


def test_xes_classifiers_are_named_when_the_activity_ignores_them():
    conv = tickets_to_event_log(BAD / "lifecycle.xes", BAD / "map_xes.yaml")
    assert conv.report.notes == (
        "the XES file declares the classifiers 'Activity': [concept:name]; 'Activity+Lifecycle': [concept:name, "
        "lifecycle:transition]; the activity is ['concept:name']. To use one, write activity: {columns: "
        "[concept:name, lifecycle:transition], join: '+'}",)
    joined = tickets_to_event_log(BAD / "lifecycle.xes", BAD / "map_xes_lifecycle.yaml")
    assert joined.report.notes == ()
    assert joined.log["concept:name"].tolist() == ["Review+start", "Review+complete"]


def test_no_message_echoes_a_broken_line():
    with pytest.raises(InputFileError, match="line 2") as info:
        tickets_to_event_log(BAD / "pii_bad_line.jsonl", GOOD_MAP)
    assert "@example.com" not in str(info.value) and "bianchi" not in str(info.value)


def test_entities_in_crafted_xml_are_never_expanded():
    for name in ("utf16_doctype.xes", "late_doctype.xes.gz"):
        with pytest.raises(InputFileError, match="DOCTYPE") as info:
            tickets_to_event_log(BAD / name, GOOD_MAP)
        assert "INJECTED-ENTITY-TEXT" not in str(info.value)


def test_latin1_values_survive():
    conv = tickets_to_event_log(BAD / "latin1.csv", BAD / "map_latin1.yaml")
    assert conv.log["org:resource"].tolist() == ["José", "Renée"]


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "journeymining.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("source,mapping", [
    ("missing_file.csv", GOOD_MAP), ("ragged.csv", GOOD_MAP), ("xxe.xes", GOOD_MAP),
    ("good.csv", BAD / "map_missing_column.yaml"), ("good.csv", BAD / "map_typo_key.yaml"),
    ("latin1.csv", GOOD_MAP)])
def test_cli_exits_2_without_traceback(tmp_path, source, mapping):
    result = _cli("convert", BAD / source, "--mapping", mapping, "--out", tmp_path / "log.csv")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "journeymining convert: error:" in result.stderr


@pytest.mark.parametrize("source,mapping", [(s, m) for s, m, _, _ in REFUSED],
                         ids=[f"{s}+{Path(str(m)).name if not isinstance(m, dict) else 'dict'}"
                              for s, m, _, _ in REFUSED])
def test_cli_refuses_every_refused_case_with_exit_2(tmp_path, capsys, monkeypatch, source, mapping):
    from journeymining.cli import main

    monkeypatch.setenv("JOURNEYMINING_PROGRESS", "0")  # the error must be the first thing said

    if isinstance(mapping, dict):
        import yaml

        path = tmp_path / "mapping.yaml"
        path.write_text(yaml.safe_dump(mapping))
        mapping = path
    code = main(["convert", str(BAD / source), "--mapping", str(mapping), "--out", str(tmp_path / "log.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("journeymining convert: error:")
    assert not (tmp_path / "log.csv").exists()


def test_pseudonymised_values_reach_no_output_file(tmp_path, capsys):
    from journeymining.cli import main

    code = main(["convert", str(BAD / "pii_rows.csv"), "--mapping", str(BAD / "map_pii.yaml"),
                 "--out", str(tmp_path / "log.csv")])
    out = capsys.readouterr()
    assert code == 0, out.err
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["log.csv", "log.quality.csv", "log.rejected.csv"]
    for path in tmp_path.iterdir():
        text = path.read_text()
        for raw in ("example.com", "rossi", "bianchi", "verdi", "T1,", "T2,"):
            assert raw not in text, f"{raw!r} in {path.name}"
    for raw in ("example.com", "rossi", "bianchi", "verdi"):
        assert raw not in out.out + out.err
    rejected = pd.read_csv(tmp_path / "log.rejected.csv", dtype=str, keep_default_na=False)
    log = pd.read_csv(tmp_path / "log.csv", dtype=str, keep_default_na=False)
    # row 1 (T1, bad date) carries the same pseudonyms as T1's events in the log
    assert rejected["row"].tolist() == ["1", "2"]
    assert rejected.loc[0, "ticket"] == log.loc[0, "ticket"]
    assert rejected.loc[0, "email"] == log.loc[0, "case:customer"]
    assert rejected.loc[1, "ticket"] == ""
    # the formula in row 4 is written as text
    assert "'=HYPERLINK" in (tmp_path / "log.csv").read_text()


def test_cli_writes_rejected_rows_beside_the_log(tmp_path):
    result = _cli("convert", BAD / "mixed_problems.csv", "--mapping", GOOD_MAP, "--out", tmp_path / "log.csv")
    assert result.returncode == 0, result.stderr
    rejected = pd.read_csv(tmp_path / "log.rejected.csv", dtype=str, keep_default_na=False)
    assert rejected["row"].tolist() == ["1", "2", "3", "4", "6"]
    assert set(rejected["reason"]) == {"missing_case_id", "missing_activity", "implausible_timestamp",
                                       "unparseable_timestamp"}
    assert "quarantined" in result.stdout and "7 input rows" in result.stdout
    log = pd.read_csv(tmp_path / "log.csv")
    assert len(log) == 2


def test_errors_are_value_errors():
    assert issubclass(JourneyMiningError, ValueError)

"""The bad-input corpus (tests/data/bad): nothing crashes with a traceback, no row is lost unexplained.

Each case is either refused with a typed error whose message names the file or column and the fix,
or converted with every input row accounted for (kept, repaired, or quarantined with a reason).
"""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from journeymining.errors import InputFileError, JourneyMiningError, MappingError
from journeymining.tickets import tickets_to_event_log

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
]


@pytest.mark.parametrize("source,mapping,error,words", REFUSED,
                         ids=[f"{s}+{Path(str(m)).name if not isinstance(m, dict) else 'dict'}"
                              for s, m, _, _ in REFUSED])
def test_bad_input_is_refused_with_a_clear_error(source, mapping, error, words):
    with pytest.raises(error) as info:
        tickets_to_event_log(BAD / source, mapping)
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in: {message}"


def test_the_corpus_has_at_least_15_cases():
    assert len(REFUSED) + len(CONVERTED) >= 15


def test_xml_entities_are_never_resolved():
    with pytest.raises(InputFileError) as info:
        tickets_to_event_log(BAD / "xxe.xes", GOOD_MAP)
    assert "TOP-SECRET-CONTENT-42" not in str(info.value)
    from journeymining.readers import read_event_log

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

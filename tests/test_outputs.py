"""Outputs never destroy user files: collisions refused, writes atomic, CSV cells never formulas."""

import os

import pandas as pd
import pytest

from journeymining.io.writers import write_csv
from journeymining.io.outputs import (LOCK_NAME, REPORT_MARKER, OutputError, atomic_path, check_convert_outputs,
                                   neutralize_formulas, prepare_report_dir, safe_csv, sidecar_paths)

GOOD = "tests/data/bad/good.csv"
GOOD_MAP = "tests/data/bad/map_good.yaml"


def test_formula_cells_are_neutralised_and_the_rest_untouched(tmp_path):
    frame = pd.DataFrame({"a": ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "ok", None, "\tx"],
                          "n": [-1, 2, 3, 4, 5, 6, 7]})
    out = neutralize_formulas(frame)
    got = out["a"].tolist()
    assert got[:5] + got[6:] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "ok", "'\tx"]
    assert pd.isna(got[5])
    assert out["n"].tolist() == [-1, 2, 3, 4, 5, 6, 7]
    assert frame["a"].iloc[0] == "=HYPERLINK(\"http://x\")"  # the caller's frame is not changed
    assert neutralize_formulas(pd.DataFrame({"=x": [1]})).columns.tolist() == ["'=x"]
    lines = safe_csv(frame, tmp_path / "t.csv").read_text().splitlines()
    assert lines[1] == '"\'=HYPERLINK(""http://x"")",-1'
    assert lines[2:5] == ["'+1,2", "'-2,3", "'@SUM(A1),4"]


def test_write_csv_neutralises_activity_names(tmp_path):
    log = pd.DataFrame({"case:concept:name": ["t1"], "concept:name": ["=cmd|' /C calc'!A0"],
                        "time:timestamp": pd.to_datetime(["2024-05-01 09:00"], utc=True)})
    text = write_csv(log, tmp_path / "log.csv").read_text()
    assert text.splitlines()[1] == "t1,'=cmd|' /C calc'!A0,2024-05-01 09:00:00+00:00"


def test_a_failed_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "log.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="killed"):
        with atomic_path(target) as part:
            part.write_text("half a lo")
            raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv"]


def test_convert_outputs_that_would_destroy_a_file_are_refused(tmp_path):
    source = tmp_path / "events.csv"
    source.write_text("x")
    with pytest.raises(OutputError, match=r"--out .*events.csv is the input file"):
        check_convert_outputs([source], source)
    with pytest.raises(OutputError, match=r"also the name of the rejected rows file .*events.rejected.csv"):
        check_convert_outputs([source], tmp_path / "events.rejected.csv")
    with pytest.raises(OutputError, match=r"also the name of the quality rows file"):
        check_convert_outputs([source], tmp_path / "my.quality.csv")
    mine = tmp_path / "my.rejected.csv"
    mine.write_text("name,notes\nmine,keep me\n")
    with pytest.raises(OutputError, match=r"my.rejected.csv, but that file exists and was not written by journeymining"):
        check_convert_outputs([source], tmp_path / "my.events.csv")
    mine.write_text("row,reason,ticket\n1,missing_case_id,\n")  # a previous run's: replaced
    assert check_convert_outputs([source], tmp_path / "my.events.csv") == sidecar_paths(tmp_path / "my.events.csv")
    with pytest.raises(OutputError, match="which is the input"):
        check_convert_outputs([tmp_path / "log.rejected.csv"], tmp_path / "log.csv")


def _convert(tmp_path, capsys, source, out):
    from journeymining.cli import main

    code = main(["convert", str(source), "--mapping", GOOD_MAP, "--out", str(out)])
    return code, capsys.readouterr().err


def test_cli_convert_refuses_collisions_and_keeps_the_files(tmp_path, capsys):
    source = tmp_path / "tickets.csv"
    source.write_text(open(GOOD).read())
    code, err = _convert(tmp_path, capsys, source, source)
    assert code == 2 and "is the input file" in err and "Traceback" not in err
    assert source.read_text() == open(GOOD).read()
    code, err = _convert(tmp_path, capsys, source, tmp_path / "events.rejected.csv")
    assert code == 2 and "also the name of the rejected rows file" in err
    assert not (tmp_path / "events.rejected.csv").exists()
    user = tmp_path / "my.rejected.csv"
    user.write_text("precious\n")
    code, err = _convert(tmp_path, capsys, source, tmp_path / "my.events.csv")
    assert code == 2 and "not written by journeymining" in err
    assert user.read_text() == "precious\n" and not (tmp_path / "my.events.csv").exists()
    code, err = _convert(tmp_path, capsys, source, tmp_path / "ok.csv")
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "my.rejected.csv", "ok.csv", "ok.quality.csv", "ok.rejected.csv", "tickets.csv"]
    code, err = _convert(tmp_path, capsys, source, tmp_path / "ok.csv")  # a rerun replaces its own files
    assert code == 0, err


def test_report_folder_is_fresh_or_a_previous_report(tmp_path):
    folder = tmp_path / "report"
    with prepare_report_dir(folder) as report:
        assert (folder / LOCK_NAME).exists() and (folder / REPORT_MARKER).exists()
        (report.path / "old_table.csv").write_text("stale")
        (report.path / "figures").mkdir()
        (report.path / "figures" / "a.svg").write_text("<svg/>")
        with pytest.raises(OutputError, match="being written by another journeymining run"):
            prepare_report_dir(folder, overwrite=True)
    assert not (folder / LOCK_NAME).exists()
    with pytest.raises(OutputError, match="holds a previous journeymining report. Pass --overwrite"):
        prepare_report_dir(folder)
    assert not (folder / LOCK_NAME).exists()
    with prepare_report_dir(folder, overwrite=True):
        assert sorted(os.listdir(folder)) == [REPORT_MARKER, LOCK_NAME]
    user = tmp_path / "documents"
    user.mkdir()
    (user / "thesis.docx").write_text("years of work")
    with pytest.raises(OutputError, match=r"holds 1 file\(s\) that are not a journeymining report \(thesis.docx\)"):
        prepare_report_dir(user, overwrite=True)
    assert (user / "thesis.docx").read_text() == "years of work"
    assert sorted(os.listdir(user)) == ["thesis.docx"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        prepare_report_dir(tmp_path / "file")

"""The command line, end to end on the shipped samples."""

import re
import subprocess
import sys

import pandas as pd


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "journeymining.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300,
                          env={"JOURNEYMINING_PROGRESS": "0", "PATH": "/usr/bin:/bin"})


def test_convert_then_discover_the_helpdesk_log(tmp_path):
    log = tmp_path / "helpdesk.parquet"
    res = _cli("convert", "data/samples/helpdesk.csv.gz", "--mapping", "data/samples/mappings/helpdesk.yaml",
               "--out", log)
    assert res.returncode == 0, res.stderr
    assert "21,348 input rows" in res.stdout and "127 rows" in res.stdout
    assert len(pd.read_csv(tmp_path / "helpdesk.rejected.csv")) == 127
    assert len(pd.read_parquet(log)) == 21348 - 127
    res = _cli("discover", log, "--out", tmp_path / "disc")
    assert res.returncode == 0, res.stderr
    variants = pd.read_csv(tmp_path / "disc" / "variants.csv")
    assert variants["cases"].sum() == 4580
    for name in ("dfg_frequency.svg", "dfg_performance.svg", "model.svg", "model_bpmn.svg"):
        assert (tmp_path / "disc" / name).read_text().lstrip().startswith(("<?xml", "<svg"))


def test_generate_then_compare(tmp_path):
    res = _cli("generate", "--tickets", "300", "--seed", "3", "--out", tmp_path / "gen")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "gen" / "truth.csv").exists() and "next: journeymining analyze" in res.stdout
    res = _cli("convert", tmp_path / "gen" / "tickets_events.csv", "--mapping",
               tmp_path / "gen" / "mappings" / "generated_events.yaml", "--out", tmp_path / "events.csv")
    assert res.returncode == 0, res.stderr
    assert re.search(r"quarantined +0 rows", res.stdout)  # the written mapping fits the written export
    res = _cli("compare", tmp_path / "events.csv", "--map", tmp_path / "gen" / "intended_journey.yaml",
               "--out", tmp_path / "cmp", "--jobs", "1")
    assert res.returncode == 0, res.stderr
    assert "300 cases against" in res.stdout
    assert (tmp_path / "cmp" / "deviations.csv").exists()


def test_unknown_command_is_a_usage_error():
    res = _cli("frobnicate")
    assert res.returncode == 2 and "invalid choice" in res.stderr


def test_compare_warns_when_the_map_does_not_fit_the_log(tmp_path):
    res = _cli("convert", "data/samples/helpdesk.csv.gz", "--mapping", "data/samples/mappings/helpdesk.yaml",
               "--out", tmp_path / "hd.csv")
    assert res.returncode == 0, res.stderr
    res = _cli("compare", tmp_path / "hd.csv", "--map", "data/samples/intended_journey.yaml",
               "--out", tmp_path / "cmp", "--jobs", "1")
    assert res.returncode == 0, res.stderr
    assert "warning: only 0% of the events are touchpoints of the map" in res.stderr
    res = _cli("compare", tmp_path / "hd.csv", "--map", "data/samples/mappings/helpdesk.yaml",
               "--out", tmp_path / "cmp2")
    assert res.returncode == 2 and "is a ticket mapping" in res.stderr and "Traceback" not in res.stderr

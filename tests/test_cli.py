"""The command line, end to end on the shipped samples."""

import re
import subprocess
import sys

import pandas as pd
import pytest


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


def _letters_log(paths):
    """Log from {case: "abc"} (one letter = one activity, one hour apart)."""
    t0 = pd.Timestamp("2024-03-01 08:00", tz="UTC")
    rows = [{"case:concept:name": case, "concept:name": act, "time:timestamp": t0 + pd.Timedelta(hours=i)}
            for case, path in paths.items() for i, act in enumerate(path)]
    return pd.DataFrame(rows)


def test_cluster_writes_labels_profiles_and_figures(tmp_path):
    from sklearn.metrics import adjusted_rand_score

    from journeymining.cli import main

    kinds = {f"{k}{i}": path for k, path in (("a", "abcd"), ("x", "xyzw"), ("p", "pqrs")) for i in range(7)}
    log = _letters_log(kinds)
    log["case:customer"] = "cust-" + log["case:concept:name"].str[0]
    events = tmp_path / "events.csv"
    log.to_csv(events, index=False)
    assert main(["cluster", str(events), "--out", str(tmp_path / "out"), "--n-clusters", "3"]) == 0
    out = tmp_path / "out"
    labels = pd.read_csv(out / "labels.csv")
    assert labels.columns.tolist() == ["case", "customer", "cluster"]
    assert adjusted_rand_score(labels["case"].str[0], labels["cluster"]) == 1.0
    assert (labels["customer"] == "cust-" + labels["case"].str[0]).all()
    assert pd.read_csv(out / "profiles.csv")["cases"].tolist() == [7, 7, 7]
    assert all((out / f"{k}.png").stat().st_size > 1000 for k in ("cluster_sizes", "cluster_maps", "variant_embedding"))
    res = _cli("cluster", events, "--out", tmp_path / "out2", "--n-clusters", "lots")
    assert res.returncode == 2 and "--n-clusters must be a whole number or 'auto'" in res.stderr


def test_cluster_with_map_and_scores(tmp_path):
    from journeymining.cli import main

    events = tmp_path / "events.csv"
    _letters_log({"t1": "abc", "t2": "abc", "t3": "ab", "t4": "xyz", "t5": "xyz"}).to_csv(events, index=False)
    jm = tmp_path / "map.yaml"
    jm.write_text("name: tiny\ngoal: [c]\nstages:\n  - name: Do\n    touchpoints:\n"
                  "      - {activity: a}\n      - {activity: b}\n      - {activity: c}\n")
    assert main(["cluster", str(events), "--out", str(tmp_path / "out"), "--n-clusters", "2", "--map", str(jm),
                 "--score", "--no-figures"]) == 0
    profiles = pd.read_csv(tmp_path / "out" / "profiles.csv", index_col="cluster")
    by_size = profiles.sort_values("cases")
    # {t1, t2, t3} (abc, abc, ab: t3's last event is 1 h before the log's end, within the open window,
    # so it is still open and conforms so far) and {t4, t5} (x, y, z are not in the map)
    assert by_size["cases"].tolist() == [2, 3]
    assert by_size["conforming"].tolist() == pytest.approx([0.0, 1.0])
    # the map's goal c: t1, t2 reach it; t3 (ab) and t4, t5 do not
    assert by_size["goal_reached"].tolist() == pytest.approx([0.0, 2 / 3])
    assert "no clustering" in pd.read_csv(tmp_path / "out" / "scores.csv")["scope"].tolist()


def _tiny_kpi_log(path):
    """Three journeys written out by hand (goal Close, resolution Resolve):
    c1 phone: Open 09:00, Resolve 10:00, Close 11:00 on 1 Jan            -> goal, 2 h
    c2 e-mail: Open 09:00, Work 10:00, Resolve 13:00, Close 13:30 on 2 Jan -> goal, 4.5 h
    c3 phone: Open 10:00, Work 11:00 on 1 Jan, silent until the log's end (2 Jan 13:30) -> dropped, 1 h
    """
    rows = [("c1", "Open", "2024-01-01 09:00", "phone"), ("c1", "Resolve", "2024-01-01 10:00", "phone"),
            ("c1", "Close", "2024-01-01 11:00", "phone"),
            ("c2", "Open", "2024-01-02 09:00", "e-mail"), ("c2", "Work", "2024-01-02 10:00", "e-mail"),
            ("c2", "Resolve", "2024-01-02 13:00", "e-mail"), ("c2", "Close", "2024-01-02 13:30", "e-mail"),
            ("c3", "Open", "2024-01-01 10:00", "phone"), ("c3", "Work", "2024-01-01 11:00", "phone")]
    log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp", "channel"])
    log["time:timestamp"] = pd.to_datetime(log["time:timestamp"], utc=True)
    log.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("engine", [None, "duckdb"])
def test_kpis_command_figures_by_hand(tmp_path, engine):
    log = _tiny_kpi_log(tmp_path / "log.csv")
    res = _cli("kpis", log, "--goal", "Close", "--resolution", "Resolve", "--open-window", "1h",
               "--out", tmp_path / "out", *(["--engine", engine] if engine else []))
    assert res.returncode == 0, res.stderr
    assert "3 cases" in res.stdout and "goal reached" in res.stdout and "66.7 %" in res.stdout
    # no contacts are marked (no map, no --contacts): first-contact resolution is n/a, with the reason
    assert re.search(r"first-contact resolution +n/a: .*contact", res.stdout)
    overall = pd.read_csv(tmp_path / "out" / "kpis.csv").iloc[0]
    assert overall["cases"] == 3
    assert overall["goal_rate"] == pytest.approx(2 / 3)
    assert overall["dropped_rate"] == pytest.approx(1 / 3)
    assert overall["open_rate"] == 0
    assert overall["resolution_rate"] == pytest.approx(2 / 3)
    assert overall["throughput_median_h"] == pytest.approx(2.0)
    assert overall["throughput_mean_h"] == pytest.approx((2 + 4.5 + 1) / 3)
    by_channel = pd.read_csv(tmp_path / "out" / "kpis-by-channel.csv").set_index("channel")
    assert by_channel["cases"].to_dict() == {"e-mail": 1, "phone": 2}
    assert by_channel["goal_rate"].to_dict() == {"e-mail": 1.0, "phone": 0.5}
    by_month = pd.read_csv(tmp_path / "out" / "kpis-by-month.csv")
    assert by_month["period"].tolist() == ["2024-01"] and by_month["cases"].tolist() == [3]
    definitions = pd.read_csv(tmp_path / "out" / "definitions.csv").set_index("measure")
    assert not definitions.loc["fcr", "available"]
    assert (tmp_path / "out" / "kpi-trend.svg").read_text().lstrip().startswith(("<?xml", "<svg"))


def test_kpis_command_refuses_a_mapping_on_an_engine(tmp_path):
    log = _tiny_kpi_log(tmp_path / "log.csv")
    res = _cli("kpis", log, "--mapping", "data/samples/mappings/helpdesk.yaml", "--engine", "duckdb",
               "--out", tmp_path / "out")
    assert res.returncode != 0
    assert re.search(r"--mapping is not available with --engine duckdb yet.*journeymining convert", res.stderr)

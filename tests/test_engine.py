"""The engine path (DuckDB, Spark via Ibis): same variant tables, DFGs, case variants as pandas.

Expected values of the tiny logs are written out by hand; on the samples the engine is compared
with the pandas verbs (whose own values are checked by hand in test_discovery), and Spark with
DuckDB. Spark runs in local mode and is skipped, with the reason, when PySpark or Java is missing.
"""

import gzip
import shutil

import pandas as pd
import pytest

from journeymining.core.errors import EventLogError, InputFileError
from journeymining.discover import case_variants, discover_dfg, discover_journey, discover_journey_variants, \
    variant_table
from journeymining.engine import EngineError, connect, java_available, scan
from journeymining.io import read_event_log
from journeymining.io.writers import write_log
from journeymining.measure import JourneySettings, case_measures
from journeymining.measure.kpis import aggregate
from journeymining.pipeline import load_journey_map, read_input

CASE, ACT, TS = "case:concept:name", "concept:name", "time:timestamp"


def tiny():
    # unsorted on purpose; case b has two events at the same time (input order decides: Chat, Mail)
    return pd.DataFrame({
        CASE: ["b", "a", "b", "a", "c", "b", "a"],
        ACT: ["Chat", "Close", "Mail", "Open", "Open", "Close", "Work"],
        TS: pd.to_datetime(["2024-01-02 08:00", "2024-01-01 12:00", "2024-01-02 08:00", "2024-01-01 08:00",
                            "2024-01-03 08:00", "2024-01-02 10:00", "2024-01-01 09:00"], utc=True),
    })


@pytest.fixture(scope="module")
def duck():
    engine = connect("duckdb", threads=2, memory_limit="1GB")
    yield engine
    engine.close()


def test_tiny_log_by_hand(duck):
    log = scan(tiny(), duck)
    v = log.variants()
    # a: Open -> Work -> Close (4 h), b: Chat -> Mail -> Close (2 h), c: Open (0)
    assert list(v["variant"]) == ["Chat → Mail → Close", "Open", "Open → Work → Close"]
    assert list(v["cases"]) == [1, 1, 1]
    assert list(v["example_case"]) == ["b", "c", "a"]
    assert list(v["median_throughput"]) == [pd.Timedelta(hours=2), pd.Timedelta(0), pd.Timedelta(hours=4)]
    d = log.dfg().set_index(["source", "target"])
    assert d.loc[("Chat", "Mail"), "frequency"] == 1
    assert d.loc[("Chat", "Mail"), "median_duration"] == pd.Timedelta(0)
    assert d.loc[("Work", "Close"), "mean_duration"] == pd.Timedelta(hours=3)
    assert d.loc[("▶", "Open"), "cases"] == 2
    assert d.loc[("Close", "■"), "cases"] == 2
    assert len(d) == 4 + 2 + 2  # four edges, two start and two end activities
    # cases in order of first appearance in the frame: b, a, c
    cv = log.case_variants()
    assert list(cv[CASE]) == ["b", "a", "c"]
    assert list(cv["variant_id"]) == [0, 2, 1]
    q = log.quality()
    assert (q["rows"], q["events"], q["cases"], q["activities"], q["variants"]) == (7, 7, 3, 5, 3)
    assert q["same_time_events"] == 2 and q["duplicate_events"] == 0


def test_tiny_log_equals_pandas_verbs(duck):
    log = scan(tiny(), duck)
    pd.testing.assert_frame_equal(log.variants(), variant_table(tiny()))
    pd.testing.assert_frame_equal(log.dfg(), discover_dfg(tiny()))
    pd.testing.assert_frame_equal(log.case_variants(), case_variants(tiny()))


def test_a_path_hash_collision_is_caught(duck, monkeypatch):
    # hashes kept to 0 bits: every path of the same length collides; the check against each
    # variant's example case (b, the first row) finds a's two events that differ (Open Work Close vs
    # Chat Mail Close: positions 0 and 1)
    import journeymining.engine.reductions as reductions

    monkeypatch.setattr(reductions, "_HASH_MOD", 1)
    with pytest.raises(EventLogError, match="2 events differ from their variant's example case"):
        scan(tiny(), duck).variants()


def test_medians_interpolate_and_means_round(duck):
    # three cases of one variant with throughputs 1 h, 2 h, 4 h -> median 2 h, mean 2 h 20 min;
    # a second variant with two cases of 1 s and 2 s -> median 1.5 s, mean 1.5 s
    rows = []
    for case, hours in (("x", 1), ("y", 2), ("z", 4)):
        rows += [(case, "A", "2024-01-01 00:00:00"), (case, "B", f"2024-01-01 0{hours}:00:00")]
    rows += [("p", "C", "2024-01-01 00:00:00"), ("p", "D", "2024-01-01 00:00:01"),
             ("q", "C", "2024-01-01 00:00:00"), ("q", "D", "2024-01-01 00:00:02")]
    frame = pd.DataFrame(rows, columns=[CASE, ACT, TS])
    frame[TS] = pd.to_datetime(frame[TS], utc=True)
    v = scan(frame, duck).variants().set_index("variant")
    assert v.loc["A → B", "median_throughput"] == pd.Timedelta(hours=2)
    assert v.loc["A → B", "mean_throughput"] == pd.Timedelta(hours=2, minutes=20)
    assert v.loc["C → D", "median_throughput"] == pd.Timedelta(milliseconds=1500)
    pd.testing.assert_frame_equal(scan(frame, duck).variants(), variant_table(frame))


@pytest.fixture(scope="module")
def sample_logs(tmp_path_factory):
    """The two samples converted to event-log files as 'journeymining convert' writes them."""
    folder = tmp_path_factory.mktemp("engine")
    out = {}
    for name, src, mapping in (("helpdesk", "data/samples/helpdesk.csv.gz", "data/samples/mappings/helpdesk.yaml"),
                               ("generated", "data/samples/generated/tickets_events.csv",
                                "data/samples/mappings/generated_events.yaml")):
        log, _, _ = read_input(src, mapping)
        csv, parquet = folder / f"{name}.csv", folder / f"{name}.parquet"
        write_log(log, csv)
        write_log(log, parquet)
        with open(csv, "rb") as fh, gzip.open(folder / f"{name}.csv.gz", "wb") as gz:
            shutil.copyfileobj(fh, gz)
        out[name] = {"csv": csv, "parquet": parquet, "gz": folder / f"{name}.csv.gz", "log": read_event_log(csv)}
    return out


@pytest.mark.parametrize("name", ["helpdesk", "generated"])
@pytest.mark.parametrize("kind", ["csv", "gz", "parquet"])
def test_files_equal_pandas_on_samples(duck, sample_logs, name, kind):
    ref = sample_logs[name]["log"]
    log = scan(sample_logs[name][kind], duck)
    pd.testing.assert_frame_equal(log.variants(), variant_table(ref))
    pd.testing.assert_frame_equal(log.dfg(), discover_dfg(ref))
    pd.testing.assert_frame_equal(log.case_variants(), case_variants(ref))
    pd.testing.assert_frame_equal(log.to_pandas(), ref[[CASE, ACT, TS]])


def test_counts_of_the_helpdesk_by_plain_pandas(duck, sample_logs):
    raw = pd.read_csv(sample_logs["helpdesk"]["csv"], dtype=str)
    q = scan(sample_logs["helpdesk"]["csv"], duck).quality()
    assert q["rows"] == q["events"] == len(raw)
    assert q["cases"] == raw[CASE].nunique()
    assert q["activities"] == raw[ACT].nunique()
    raw["t"] = pd.to_datetime(raw[TS], utc=True, format="ISO8601")
    sizes = raw.groupby([CASE, "t"]).size()
    assert q["same_time_events"] == int(sizes[sizes > 1].sum())
    paths = raw.sort_values([CASE, "t"], kind="stable").groupby(CASE)[ACT].agg(tuple)
    assert q["variants"] == paths.nunique()


def test_discovery_on_the_variant_table_equals_discovery_on_the_log(duck, sample_logs):
    ref = sample_logs["helpdesk"]["log"]
    model = discover_journey_variants(scan(sample_logs["helpdesk"]["parquet"], duck).variants())
    assert str(model.process_tree) == str(discover_journey(ref).process_tree)


def test_cli_discover_engine_writes_what_pandas_writes(sample_logs, tmp_path):
    from journeymining.cli import main

    csv = sample_logs["generated"]["csv"]
    assert main(["discover", str(csv), "--out", str(tmp_path / "pandas")]) == 0
    assert main(["discover", str(csv), "--out", str(tmp_path / "duck"), "--engine", "duckdb"]) == 0
    for name in ("variants.csv", "dfg.csv"):
        assert (tmp_path / "pandas" / name).read_text() == (tmp_path / "duck" / name).read_text()


def test_cli_discover_engine_refuses_filter(sample_logs, tmp_path, capsys):
    from journeymining.cli import main

    code = main(["discover", str(sample_logs["generated"]["csv"]), "--out", str(tmp_path), "--engine", "duckdb",
                 "--filter", "cases: min_events=2"])
    assert code == 2
    assert "--filter is not available with --engine duckdb" in capsys.readouterr().err


# -- journey measures --------------------------------------------------------------------------
def journeys():
    """Four tickets of three customers, rows not in time order. By hand (goal and resolution
    "Resolve", contacts "Open", open window 1 day, repeat window 7 days):

    t1 (K): Open, Resolve on L1                      goal, 1 contact, no handoff; K's t2 starts 47 h
                                                     after t1 ended: recontact, so no FCR
    t3 (M): Open, Resolve, Work on L1                Work after Resolve: 1 reopen, goal not reached;
                                                     last event = log end: still open
    t2 (K): Open on L1, Work and Resolve on L2       goal, 1 handoff L1 -> L2, no recontact: no FCR
    t4 (N): Open, Resolve on L2                      goal, nothing else: FCR
    """
    rows = [("t1", "Open", "2024-01-01 09:00", "L1", "K"), ("t3", "Open", "2024-01-02 08:00", "L1", "M"),
            ("t1", "Resolve", "2024-01-01 10:00", "L1", "K"), ("t2", "Work", "2024-01-03 12:00", "L2", "K"),
            ("t3", "Work", "2024-01-04 10:00", "L1", "M"), ("t2", "Open", "2024-01-03 09:00", "L1", "K"),
            ("t3", "Resolve", "2024-01-02 09:00", "L1", "M"), ("t2", "Resolve", "2024-01-04 09:00", "L2", "K"),
            ("t4", "Open", "2024-01-02 11:00", "L2", "N"), ("t4", "Resolve", "2024-01-02 11:30", "L2", "N")]
    frame = pd.DataFrame(rows, columns=[CASE, ACT, TS, "org:group", "case:customer"])
    frame[TS] = pd.to_datetime(frame[TS], utc=True)
    return frame


def test_case_measures_by_hand_one_case_per_part(duck):
    s = JourneySettings.from_map(goal="Resolve", contacts="Open", open_window="1d", repeat_window="7d")
    m = scan(journeys(), duck).case_measures(s, part_events=2)   # t2 has 3 events: a part of its own
    c = m.cases.set_index(CASE)
    assert list(c.index) == ["t1", "t3", "t2", "t4"]              # by first row, as the pandas verbs
    assert c["goal_reached"].tolist() == [True, False, True, True]
    assert c["outcome"].tolist() == ["goal", "open", "goal", "goal"]
    assert c["reopens"].tolist() == [0, 1, 0, 0]
    assert c["handoffs"].tolist() == [0, 0, 1, 0]
    assert c["contacts"].tolist() == [1, 1, 1, 1]
    assert c["recontact"].tolist() == [1, 0, 0, 0]                # across parts: t1 and t2 are apart
    assert c["fcr"].tolist() == [0, 0, 0, 1]
    assert c["throughput_h"].tolist() == [1, 50, 24, 0.5]
    assert m.log_end == pd.Timestamp("2024-01-04 10:00", tz="UTC")
    # the events' rows are the input rows of the frame, and the handoff is at t2's Work (row 3)
    assert m.events.loc[m.events["handoff"], "row"].tolist() == [3]
    assert m.events.loc[m.events["reopen"], "row"].tolist() == [4]


def _plain(frame):
    """Categoricals as their text: the order of categories is an internal coding."""
    return frame.assign(**{c: frame[c].astype(object) for c in frame.columns
                           if isinstance(frame[c].dtype, pd.CategoricalDtype)})


def assert_same_measures(got, want, *, codes=True):
    pd.testing.assert_frame_equal(got.cases, want.cases)
    pd.testing.assert_frame_equal(got.sla, want.sla)
    pd.testing.assert_frame_equal(got.stage_times, want.stage_times)
    drop = [] if codes else ["ticket"]    # a ticket's integer code follows the input order
    pd.testing.assert_frame_equal(_plain(got.events).drop(columns=drop), _plain(want.events).drop(columns=drop))
    assert got.na == want.na
    assert (got.log_end, got.open_window) == (want.log_end, want.open_window)


SAMPLES = {  # converted sample, mapping, intended map (the snapshot log has no map: goal Closed)
    "helpdesk": ("data/samples/helpdesk.csv.gz", "data/samples/mappings/helpdesk.yaml",
                 "data/samples/helpdesk_intended_journey.yaml"),
    "updates": ("data/samples/generated/tickets_updates.csv", "data/samples/mappings/generated_updates.yaml",
                "data/samples/intended_journey.yaml"),
    "wide": ("data/samples/generated/tickets_wide.csv", "data/samples/mappings/generated_wide.yaml",
             "data/samples/intended_journey.yaml"),
    "servicenow": ("data/samples/servicenow_audit_example.csv", "data/samples/mappings/servicenow_audit.yaml", None),
}


@pytest.fixture(scope="module")
def measured_samples():
    out = {}
    for name, (src, mapping, map_path) in SAMPLES.items():
        log, _, _ = read_input(src, mapping)
        jm = load_journey_map(map_path)
        log = jm.annotate(log) if jm is not None else log
        out[name] = (log, JourneySettings.from_map(jm, goal=None if jm else "Closed"))
    return out


@pytest.mark.parametrize("name", list(SAMPLES))
def test_case_measures_equal_pandas_on_samples_in_parts(duck, measured_samples, name):
    log, s = measured_samples[name]
    want = case_measures(log, s)
    assert_same_measures(scan(log, duck).case_measures(s, part_events=len(log) // 5 + 1), want)
    # rows in another order: the same measures (cases by first appearance), rows remapped
    shuffled = log.sample(frac=1, random_state=3).reset_index(drop=True)
    assert_same_measures(scan(shuffled, duck).case_measures(s, part_events=len(log) // 7 + 1),
                         case_measures(shuffled, s), codes=False)


def test_case_measures_from_files_equal_pandas(duck, measured_samples, sample_logs, tmp_path):
    log, s = measured_samples["helpdesk"]
    path = tmp_path / "helpdesk.parquet"
    write_log(log, path)
    want = case_measures(read_event_log(path), s)
    assert_same_measures(scan(path, duck).case_measures(s, part_events=4000), want)
    # the generated sample from CSV, with its intended map
    s = JourneySettings.from_map(load_journey_map("data/samples/intended_journey.yaml"))
    want = case_measures(sample_logs["generated"]["log"], s)
    got = scan(sample_logs["generated"]["csv"], duck).case_measures(s, part_events=3000, events=False)
    pd.testing.assert_frame_equal(got.cases, want.cases)
    assert len(got.events) == 0 and got.na == want.na


def test_case_measures_take_stages_from_the_journey_map(duck, measured_samples):
    # the help desk without its stage columns: the map gives them, as analyze annotates the log
    log, s = measured_samples["helpdesk"]
    bare = log.drop(columns=["stage", "actor", "touchpoint"])
    jm = load_journey_map(SAMPLES["helpdesk"][2])
    want = case_measures(jm.annotate(bare), s)
    got = scan(bare, duck).case_measures(s, part_events=5000, journey_map=jm)
    assert_same_measures(got, want)
    assert "stage_time" not in got.na and len(got.stage_times) > 0


def test_scan_without_measure_columns_refuses_measures(duck, measured_samples):
    log, s = measured_samples["helpdesk"]
    keys_only = scan(log, duck, measures=False)
    assert set(keys_only.events.columns) == {"case", "activity", "t", "t_given", "row"}
    pd.testing.assert_frame_equal(keys_only.variants(), scan(log, duck).variants())
    with pytest.raises(EngineError, match=r"scanned with measures=False, which left out its columns \['org:group'"):
        keys_only.case_measures(s)


def test_case_measures_part_size_is_checked(duck):
    with pytest.raises(EngineError, match="part_events=0 is not a positive number of events"):
        scan(journeys(), duck).case_measures(part_events=0)


# -- measures kept in the engine, KPIs aggregated there ------------------------------------------
def test_engine_measures_and_kpis_by_hand(duck, tmp_path):
    """The 4 tickets above, one group per customer: K (t1, t2: 5 events), M (t3), N (t4).

    By hand: throughput 1, 50, 24, 0.5 h; median (1 + 24) / 2 = 12.5; 90th percentile (linear, as
    pandas): sorted 0.5, 1, 24, 50, index 0.9 * 3 = 2.7, 24 + 0.7 * 26 = 42.2. Waits: t1 1 h; t3 1,
    49 h; t2 3, 21 h; t4 0.5 h: median (1 + 3) / 2 = 2, mean 75.5 / 6. t1 -> t2 is K's recontact
    (t2 opens 47 h after t1 ended), inside one group; t4 is the only first-contact resolution."""
    s = JourneySettings.from_map(goal="Resolve", contacts="Open", open_window="1d", repeat_window="7d")
    em = scan(journeys(), duck).measures(s, part_events=2, folder=tmp_path / "m")
    assert len(list((tmp_path / "m" / "cases").glob("*.parquet"))) == 3   # a customer is never split
    c = em.to_pandas().cases.set_index(CASE)
    assert list(c.index) == ["t1", "t3", "t2", "t4"]
    assert c["recontact"].tolist() == [1, 0, 0, 0] and c["fcr"].tolist() == [0, 0, 0, 1]
    k = em.kpis().iloc[0]
    assert k["cases"] == 4 and k["goal_rate"] == 0.75 and k["open_rate"] == 0.25
    assert k["throughput_median_h"] == 12.5 and k["throughput_p90_h"] == pytest.approx(42.2)
    assert k["throughput_mean_h"] == pytest.approx(75.5 / 4)
    assert k["wait_median_h"] == 2 and k["wait_mean_h"] == pytest.approx(75.5 / 6)
    assert k["recontact_rate"] == 0.25 and k["fcr_rate"] == 0.25 and k["reopen_rate"] == 0.25
    assert k["handoffs_per_case"] == 0.25
    by_team = em.kpis(by="org:group").set_index("org:group")      # the first team of each case
    assert by_team["cases"].to_dict() == {"L1": 3, "L2": 1}
    assert by_team.loc["L2", "goal_rate"] == 1 and by_team.loc["L1", "goal_rate"] == pytest.approx(2 / 3)
    by_day = em.kpis(by="D").set_index("period")
    assert by_day["cases"].to_dict() == {"2024-01-01": 1, "2024-01-02": 2, "2024-01-03": 1}
    labels = pd.Series({"t1": "x", "t2": "x", "t3": "y"}, name="cluster")   # t4 has none: left out
    assert em.kpis(by=labels).set_index("cluster")["cases"].to_dict() == {"x": 2, "y": 1}


def test_engine_measures_merge_what_depends_on_a_group(duck):
    """Customer A's cases have channels, B's have none and C has no customer: per group, channel
    switches are n/a for B; in the whole log they are measured (B's cases switch 0 times). Two
    cases lack a customer, in different groups: the n/a note counts both."""
    rows = [("a1", "Call", "2024-03-01 09:00", "A", "phone"), ("a1", "Mail", "2024-03-01 10:00", "A", "email"),
            ("a1", "Done", "2024-03-01 11:00", "A", None), ("b1", "Call", "2024-03-02 09:00", "B", None),
            ("b1", "Done", "2024-03-02 10:00", "B", None), ("n1", "Call", "2024-03-03 09:00", None, None),
            ("n1", "Done", "2024-03-03 09:30", None, None), ("n2", "Call", "2024-03-04 09:00", None, "chat"),
            ("n2", "Done", "2024-03-04 12:00", None, None)]
    frame = pd.DataFrame(rows, columns=[CASE, ACT, TS, "case:customer", "channel"])
    frame[TS] = pd.to_datetime(frame[TS], utc=True)
    s = JourneySettings.from_map(goal="Done", contacts=["Call", "Mail"], open_window="1d")
    em = scan(frame, duck).measures(s, part_events=1)
    m = em.to_pandas()
    assert m.cases["channel_switches"].tolist() == [1, 0, 0, 0]
    assert "channel_switches" not in em.na and em.na["recontact_partial"] == "2 cases have no customer"
    want = case_measures(frame, s)
    pd.testing.assert_frame_equal(m.cases, want.cases)
    assert m.na == want.na
    assert em.kpis().iloc[0]["channel_switches_per_case"] == 0.25
    pd.testing.assert_frame_equal(em.kpis(by="channel"), aggregate(want, by="channel", log=frame))


@pytest.mark.parametrize("name", list(SAMPLES))
def test_engine_measures_and_kpis_equal_pandas_on_samples(duck, measured_samples, name):
    log, s = measured_samples[name]
    want = case_measures(log, s)
    em = scan(log, duck).measures(s, part_events=len(log) // 5 + 1)
    got = em.to_pandas()
    pd.testing.assert_frame_equal(got.cases, want.cases)
    pd.testing.assert_frame_equal(got.sla, want.sla)
    pd.testing.assert_frame_equal(got.stage_times, want.stage_times)
    assert got.na == want.na and em.n_cases == len(want.cases)
    variants = case_variants(log).set_index(CASE)["variant_id"] % 3       # labels from a Series
    for by in [None, "M", "W", "Q", variants.rename("cluster")] + [c for c in ("channel", "org:group") if c in log]:
        k_want = aggregate(want, by=by, log=log)
        k_got = em.kpis(by=by)
        pd.testing.assert_frame_equal(k_got, k_want, check_exact=False, rtol=1e-9)
        assert k_got.attrs == k_want.attrs


def test_windows_in_groups_of_cases_give_the_same_results(duck, measured_samples):
    """Windows over every event (positions, first values, gaps, the DFG's next event) computed in
    groups of whole cases, as DuckDB does for logs too large for its memory limit, change no result."""
    log, s = measured_samples["helpdesk"]
    whole, cut = scan(log, duck), scan(log, duck)
    cut.bucket_events = 3000
    assert whole.buckets() == 1                             # under 1 GB, 2.8 M events fit one group
    assert cut.buckets() == -(-len(log) // 3000) > 1        # ceil(events / 3000)
    # (against the engine in one group: pandas sums nanosecond means in floating point, see the README)
    pd.testing.assert_frame_equal(cut.variants(), whole.variants())
    pd.testing.assert_frame_equal(cut.dfg(), whole.dfg())
    pd.testing.assert_frame_equal(cut.case_variants(), case_variants(log))
    assert cut.quality() == whole.quality()
    assert_same_measures(cut.case_measures(s, part_events=6000), case_measures(log, s))
    em, want = cut.measures(s), case_measures(log, s)
    pd.testing.assert_frame_equal(em.to_pandas().cases, want.cases)
    for by in (None, "M", "org:group"):
        pd.testing.assert_frame_equal(em.kpis(by=by), aggregate(want, by=by, log=log), check_exact=False, rtol=1e-9)


def test_engine_kpis_refuse_an_unknown_group_and_a_used_folder(duck, tmp_path):
    em = scan(journeys(), duck).measures()
    with pytest.raises(EngineError, match=r"by='priority' is neither a column the engine kept nor a period\. "
                                          r"Columns kept: \['org:group', 'case:customer'\]"):
        em.kpis(by="priority")
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x.txt").write_text("x")
    with pytest.raises(EngineError, match="folder=.*used' is not empty"):
        scan(journeys(), duck).measures(folder=tmp_path / "used")


# -- errors ------------------------------------------------------------------------------------
def write(tmp_path, text, name="log.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


HEADER = f"{CASE},{ACT},{TS}\n"


def test_missing_column_names_the_column(duck, tmp_path):
    path = write(tmp_path, f"{CASE},{ACT},when\nt1,Open,2024-01-01T08:00:00Z\n")
    with pytest.raises(EventLogError, match=r"no column 'time:timestamp'.*columns present.*'when'"):
        scan(path, duck)


def test_bad_timestamps_name_rows_and_fix(duck, tmp_path):
    path = write(tmp_path, HEADER + "t1,Open,2024-01-01T08:00:00Z\nt1,Close,yesterday\nt2,Open,31/02/2024\n")
    with pytest.raises(EventLogError, match=r"'time:timestamp' has 2 values that are not ISO 8601.*rows \[1, 2\].*ISO"):
        scan(path, duck)


def test_missing_activity_and_case(duck, tmp_path):
    path = write(tmp_path, HEADER + "t1,Open,2024-01-01T08:00:00Z\nt1,,2024-01-01T09:00:00Z\n")
    with pytest.raises(EventLogError, match=r"'concept:name' has 1 missing activities.*rows \[1\]"):
        scan(path, duck)
    path = write(tmp_path, HEADER + ",Open,2024-01-01T08:00:00Z\n", "nocase.csv")
    with pytest.raises(EventLogError, match=r"'case:concept:name' has 1 missing case ids.*rows \[0\]"):
        scan(path, duck)


def test_missing_timestamp_in_a_dataframe(duck):
    frame = tiny()
    frame.loc[3, TS] = pd.NaT
    with pytest.raises(EventLogError, match=r"'time:timestamp' has 1 missing timestamps.*rows \[3\]"):
        scan(frame, duck)


def test_separator_in_an_activity_is_refused(duck, tmp_path):
    frame = tiny()
    frame.loc[0, ACT] = "Chat\x1fbot"
    with pytest.raises(EventLogError, match="control character U\\+001F"):
        scan(frame, duck)


def test_empty_log_and_missing_file(duck, tmp_path):
    with pytest.raises(EventLogError, match="holds no event"):
        scan(write(tmp_path, HEADER), duck)
    with pytest.raises(InputFileError, match="does not exist"):
        scan(tmp_path / "nope.csv", duck)
    with pytest.raises(InputFileError, match="cannot be read as parquet"):
        scan(write(tmp_path, "not parquet", "x.parquet"), duck)
    with pytest.raises(InputFileError, match="scan cannot read a builtins.list"):
        scan([1, 2], duck)


def test_text_timestamps_in_a_dataframe_are_refused(duck):
    frame = tiny()
    frame[TS] = frame[TS].astype(str)
    with pytest.raises(EventLogError, match=r"not timestamps.*pd.to_datetime"):
        scan(frame, duck)


def test_bad_engine_settings():
    with pytest.raises(EngineError, match="engine='sqlite' is not one of"):
        connect("sqlite")
    with pytest.raises(EngineError, match="threads=0 must be a positive whole number"):
        connect("duckdb", threads=0)
    with pytest.raises(EngineError, match="memory_limit='lots' is not a memory size"):
        connect("duckdb", memory_limit="lots")


def test_spark_without_java_says_how(monkeypatch):
    pytest.importorskip("pyspark", reason="PySpark is not installed (pip install 'journeymining[spark]')")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(EngineError, match="needs a Java runtime.*openjdk-17-jre-headless"):
        connect("spark")


# -- Spark ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spark_engine():
    pytest.importorskip("pyspark", reason="PySpark is not installed (pip install 'journeymining[spark]')")
    if not java_available():
        pytest.skip("no Java runtime for Spark (Debian: apt-get install openjdk-17-jre-headless)")
    engine = connect("spark", threads=2, memory_limit="2g")
    yield engine
    engine.spark.stop()


@pytest.mark.parametrize("name", ["helpdesk", "generated"])
def test_spark_equals_duckdb_on_samples(spark_engine, duck, sample_logs, name):
    for kind in ("csv", "parquet"):
        s = scan(sample_logs[name][kind], spark_engine)
        d = scan(sample_logs[name][kind], duck)
        pd.testing.assert_frame_equal(s.variants(), d.variants())
        pd.testing.assert_frame_equal(s.dfg(), d.dfg())
        pd.testing.assert_frame_equal(s.case_variants(), d.case_variants())
        assert s.quality() == d.quality()
    pd.testing.assert_frame_equal(s.variants(), variant_table(sample_logs[name]["log"]))


@pytest.mark.parametrize("name", ["helpdesk", "servicenow"])
def test_spark_case_measures_equal_duckdb(spark_engine, duck, measured_samples, name):
    log, s = measured_samples[name]
    want = scan(log, duck).case_measures(s, part_events=len(log) // 3 + 1)
    assert_same_measures(scan(log, spark_engine).case_measures(s, part_events=len(log) // 3 + 1), want)
    # kept in the engine, KPIs aggregated there
    on_spark = scan(log, spark_engine).measures(s, part_events=len(log) // 3 + 1)
    on_duck = scan(log, duck).measures(s, part_events=len(log) // 3 + 1)
    pd.testing.assert_frame_equal(on_spark.to_pandas().cases, want.cases)
    for by in (None, "M"):
        pd.testing.assert_frame_equal(on_spark.kpis(by=by), on_duck.kpis(by=by), check_exact=False, rtol=1e-9)


def test_spark_dataframe_input_and_errors(spark_engine, duck):
    frame = tiny()
    s = scan(spark_engine.spark.createDataFrame(frame.assign(**{TS: frame[TS].astype(str)})), spark_engine)
    pd.testing.assert_frame_equal(s.variants(), scan(frame, duck).variants())
    # a pandas frame is registered in Spark too (every query on it runs there)
    pd.testing.assert_frame_equal(scan(frame, spark_engine).variants(), variant_table(frame))
    pd.testing.assert_frame_equal(scan(frame, spark_engine).case_variants(), case_variants(frame))
    bad = frame.assign(**{TS: frame[TS].astype(str)})
    bad.loc[2, TS] = "not a time"
    with pytest.raises(EventLogError, match="1 values that are not ISO 8601"):
        scan(spark_engine.spark.createDataFrame(bad), spark_engine)


def test_xes_goes_through_the_pandas_reader(duck, tmp_path):
    path = tmp_path / "tiny.xes"
    write_log(tiny(), path)
    ref = read_event_log(path)
    log = scan(path, duck)
    assert log.case_order == "case"  # a file: cases in case-id order, as read_event_log sorts them
    pd.testing.assert_frame_equal(log.variants(), variant_table(ref))
    pd.testing.assert_frame_equal(log.dfg(), discover_dfg(ref))

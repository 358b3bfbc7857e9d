"""Variants, DFG and models on tiny logs whose expected values are worked out by hand below."""

import numpy as np
import pandas as pd
import pytest

from journeymining.discover import variants as discovery  # _HASHES lives in variants
from journeymining.discover import (
    END,
    START,
    JourneyModel,
    case_variants,
    discover_bpmn,
    discover_dfg,
    discover_journey,
    variant_table,
)
from journeymining.core.errors import EventLogError

CASE, ACT, TIME = "case:concept:name", "concept:name", "time:timestamp"

# Five tickets on 2024-03-01:
#   t1 Open 09:00, Triage 09:30, Close 11:00            -> Open → Triage → Close, 2h
#   t2 Open 10:00, Triage 10:10, Close 10:40            -> Open → Triage → Close, 40 min
#   t3 Open 08:00, Close 08:20                          -> Open → Close, 20 min
#   t4 Open 12:00, Triage 12:30, Close 15:00            -> Open → Triage → Close, 3h
#   t5 Open 07:00, Triage 07:05, Triage 07:20, Close 08:00 -> with a repeated Triage, 1h
ROWS = [
    ("t1", "Open", "09:00"), ("t1", "Triage", "09:30"), ("t1", "Close", "11:00"),
    ("t2", "Open", "10:00"), ("t2", "Triage", "10:10"), ("t2", "Close", "10:40"),
    ("t3", "Open", "08:00"), ("t3", "Close", "08:20"),
    ("t4", "Open", "12:00"), ("t4", "Triage", "12:30"), ("t4", "Close", "15:00"),
    ("t5", "Open", "07:00"), ("t5", "Triage", "07:05"), ("t5", "Triage", "07:20"),
    ("t5", "Close", "08:00"),
]


def make_log(rows=ROWS, shuffle_seed=None):
    log = pd.DataFrame(rows, columns=[CASE, ACT, TIME])
    log[TIME] = pd.to_datetime("2024-03-01 " + log[TIME], utc=True)
    if shuffle_seed is not None:
        log = log.sample(frac=1.0, random_state=shuffle_seed).reset_index(drop=True)
    return log


def td(text):
    return pd.Timedelta(text)


# ------------------------------------------------------------------------------------------
# variants
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shuffle_seed", [None, 0, 1, 2])
def test_variant_table_by_hand(shuffle_seed):
    log = make_log(shuffle_seed=shuffle_seed)
    before = log.copy()
    table = variant_table(log)
    pd.testing.assert_frame_equal(log, before)  # input untouched
    assert list(table.columns) == ["variant", "activities", "length", "cases", "share",
                                   "cumulative_share", "example_case", "median_throughput",
                                   "mean_throughput"]
    assert table.index.name == "variant_id"
    assert list(table.index) == [0, 1, 2]
    # ties (1 case each) ordered by the variant text: "Open → Close" < "Open → Triage → ..."
    assert list(table["variant"]) == ["Open → Triage → Close", "Open → Close",
                                      "Open → Triage → Triage → Close"]
    assert table.loc[2, "activities"] == ("Open", "Triage", "Triage", "Close")
    assert list(table["length"]) == [3, 2, 4]
    assert list(table["cases"]) == [3, 1, 1]
    assert table["share"].tolist() == pytest.approx([0.6, 0.2, 0.2])
    assert table["cumulative_share"].tolist() == pytest.approx([0.6, 0.8, 1.0])
    # median of 2h, 40 min, 3h; mean = 340 min / 3 = 1h53m20s
    assert list(table["median_throughput"]) == [td("2h"), td("20min"), td("1h")]
    assert list(table["mean_throughput"]) == [td("1h53min20s"), td("20min"), td("1h")]
    assert table.loc[1, "example_case"] == "t3"
    if shuffle_seed is None:
        assert table.loc[0, "example_case"] == "t1"  # first case of the variant in the log
    else:
        assert table.loc[0, "example_case"] == next(c for c in log[CASE] if c in ("t1", "t2", "t4"))


def test_variant_ties_in_time_keep_input_order():
    # x: two events at the same instant, given as B then A; y: A then B at the same instant
    rows = [("x", "B", "09:00"), ("x", "A", "09:00"), ("y", "A", "10:00"), ("y", "B", "10:00"),
            ("x", "C", "08:00")]
    table = variant_table(make_log(rows))
    assert table["variant"].tolist() == ["A → B", "C → B → A"]  # tie on cases: by text
    assert table["median_throughput"].tolist() == [td("0s"), td("1h")]


def test_case_variants_match_table_ids():
    log = make_log(shuffle_seed=3)
    table = variant_table(log)
    cv = case_variants(log)
    assert list(cv.columns) == [CASE, "variant_id"]
    assert list(cv[CASE]) == list(pd.unique(log[CASE]))
    got = dict(zip(cv[CASE], cv["variant_id"]))
    assert got == {"t1": 0, "t2": 0, "t4": 0, "t3": 1, "t5": 2}
    assert table.loc[got["t5"], "variant"] == "Open → Triage → Triage → Close"


def test_custom_keys_and_single_event_cases():
    log = make_log().rename(columns={CASE: "ticket_id", ACT: "step", TIME: "at"})
    log = pd.concat([log, pd.DataFrame({"ticket_id": ["t9"], "step": ["Open"],
                                        "at": pd.to_datetime(["2024-03-02"], utc=True)})])
    table = variant_table(log, case_id_key="ticket_id", activity_key="step", timestamp_key="at")
    assert table["cases"].sum() == 6
    row = table[table["variant"] == "Open"].iloc[0]
    assert (row["length"], row["cases"], row["median_throughput"]) == (1, 1, td("0s"))


def _reference_variants(log):
    """Plain pandas: stable sort, one tuple per case, groupby tuple."""
    ordered = log.sort_values([CASE, TIME], kind="stable")
    per_case = ordered.groupby(CASE, sort=False).agg(
        activities=(ACT, tuple), start=(TIME, "min"), end=(TIME, "max"))
    per_case["through"] = per_case["end"] - per_case["start"]
    first_seen = {c: i for i, c in enumerate(pd.unique(log[CASE]))}
    per_case["seen"] = [first_seen[c] for c in per_case.index]
    rows = []
    for acts, grp in per_case.groupby("activities", sort=False):
        grp = grp.sort_values("seen")
        rows.append({"variant": " → ".join(acts), "activities": acts, "length": len(acts),
                     "cases": len(grp), "example_case": grp.index[0],
                     "median_throughput": grp["through"].median(),
                     "mean_throughput": grp["through"].mean()})
    ref = pd.DataFrame(rows).sort_values(["cases", "variant"], ascending=[False, True])
    return ref.reset_index(drop=True)


def _random_log(seed, n_cases=20_000):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 7, n_cases)
    n = int(lengths.sum())
    acts = np.array(["Open", "Chat", "Mail", "Triage", "Escalate", "Close"])
    codes = rng.choice(6, n, p=[0.35, 0.2, 0.1, 0.15, 0.05, 0.15])
    cases = np.repeat(np.array([f"c{i}" for i in range(n_cases)], dtype=object), lengths)
    # coarse times (minutes out of 10) give many ties inside cases
    seconds = rng.integers(0, 10, n) * 60
    log = pd.DataFrame({CASE: cases, ACT: acts[codes],
                        TIME: pd.to_datetime(1_700_000_000 + seconds, unit="s", utc=True)})
    return log.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_variant_table_equals_pandas_groupby(seed):
    log = _random_log(seed)
    got = variant_table(log).reset_index(drop=True)
    ref = _reference_variants(log)
    for column in ["variant", "activities", "length", "cases", "example_case",
                   "median_throughput"]:
        assert got[column].tolist() == ref[column].tolist(), column
    diff = (got["mean_throughput"] - ref["mean_throughput"]).abs()
    assert (diff <= pd.Timedelta(1, "us")).all()
    assert got["share"].tolist() == pytest.approx((ref["cases"] / 20_000).tolist())


@pytest.mark.parametrize("seed", [3, 4])
def test_hash_collisions_are_resolved_exactly(monkeypatch, seed):
    # a single hash modulo 3 collides all the time: the exact check must split the groups
    monkeypatch.setattr(discovery, "_HASHES", ((3, 2),))
    log = _random_log(seed, n_cases=3_000)
    got = variant_table(log).reset_index(drop=True)
    ref = _reference_variants(log)
    assert got["activities"].tolist() == ref["activities"].tolist()
    assert got["cases"].tolist() == ref["cases"].tolist()
    assert got["example_case"].tolist() == ref["example_case"].tolist()
    cv = case_variants(log)
    per_case = log.sort_values([CASE, TIME], kind="stable").groupby(CASE)[ACT].agg(tuple)
    table = variant_table(log)
    assert all(table.loc[v, "activities"] == per_case[c] for c, v in zip(cv[CASE], cv["variant_id"]))


# ------------------------------------------------------------------------------------------
# DFG
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shuffle_seed", [None, 5])
def test_dfg_by_hand(shuffle_seed):
    dfg = discover_dfg(make_log(shuffle_seed=shuffle_seed))
    assert list(dfg.columns) == ["source", "target", "frequency", "cases", "mean_duration",
                                 "median_duration"]
    rows = [tuple(r) for r in dfg[["source", "target", "frequency", "cases"]].itertuples(index=False)]
    assert rows == [
        (START, "Open", 5, 5), ("Close", END, 5, 5),
        ("Open", "Triage", 4, 4), ("Triage", "Close", 4, 4),
        ("Open", "Close", 1, 1), ("Triage", "Triage", 1, 1),
    ]
    # Open→Triage: 30, 10, 30, 5 min -> mean 18m45s, median 20 min
    # Triage→Close: 90, 30, 150, 40 min -> mean 77.5 min, median 65 min
    assert dfg["mean_duration"].iloc[2:].tolist() == [td("18min45s"), td("77min30s"),
                                                      td("20min"), td("15min")]
    assert dfg["median_duration"].iloc[2:].tolist() == [td("20min"), td("65min"), td("20min"),
                                                        td("15min")]
    assert dfg["mean_duration"].iloc[:2].isna().all()
    assert dfg["median_duration"].iloc[:2].isna().all()


def test_dfg_counts_cases_once_per_edge():
    rows = [("r", "A", "09:00"), ("r", "B", "09:10"), ("r", "A", "09:20"), ("r", "B", "10:00"),
            ("s", "B", "11:00")]
    dfg = discover_dfg(make_log(rows))
    got = {(s, t): (f, c) for s, t, f, c in dfg[["source", "target", "frequency", "cases"]]
           .itertuples(index=False)}
    assert got == {("A", "B"): (2, 1), ("B", "A"): (1, 1), (START, "A"): (1, 1),
                   (START, "B"): (1, 1), ("B", END): (2, 2)}
    ab = dfg[(dfg["source"] == "A") & (dfg["target"] == "B")].iloc[0]
    # 10 min and 40 min
    assert (ab["mean_duration"], ab["median_duration"]) == (td("25min"), td("25min"))


def test_dfg_matches_pm4py():
    import pm4py

    log = _random_log(7, n_cases=2_000).sort_values([CASE, TIME], kind="stable")
    # distinct times so that pm4py's own (unstable) sort gives the same order
    log[TIME] = log[TIME] + pd.to_timedelta(np.arange(len(log)), unit="ms")
    dfg = discover_dfg(log)
    inner = dfg[(dfg["source"] != START) & (dfg["target"] != END)]
    freq, start, end = pm4py.discover_dfg(log)
    assert dict(zip(zip(inner["source"], inner["target"]), inner["frequency"])) == dict(freq)
    starts = dfg[dfg["source"] == START]
    assert dict(zip(starts["target"], starts["frequency"])) == dict(start)
    ends = dfg[dfg["target"] == END]
    assert dict(zip(ends["source"], ends["frequency"])) == dict(end)


# ------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("verb", [variant_table, case_variants, discover_dfg, discover_journey])
def test_missing_column(verb):
    log = make_log().drop(columns=[ACT])
    with pytest.raises(EventLogError, match="no column 'concept:name'"):
        verb(log)


@pytest.mark.parametrize("verb", [variant_table, discover_dfg, discover_bpmn])
def test_timestamp_not_datetime(verb):
    log = make_log()
    log[TIME] = log[TIME].astype(str)
    with pytest.raises(EventLogError, match="not timestamps"):
        verb(log)


def test_not_a_dataframe():
    with pytest.raises(EventLogError, match="pandas DataFrame; got list"):
        variant_table([("t1", "Open")])


def test_empty_log():
    with pytest.raises(EventLogError, match="is empty"):
        discover_dfg(make_log().iloc[:0])


@pytest.mark.parametrize("column, message", [
    (CASE, "1 missing case ids \\(rows 4\\)"),
    (ACT, "1 missing activities \\(rows 4\\)"),
    (TIME, "1 missing timestamps \\(rows 4\\)"),
])
def test_missing_values(column, message):
    log = make_log()
    log.loc[4, column] = None
    with pytest.raises(EventLogError, match=message):
        variant_table(log)


def test_bad_algorithm_and_thresholds():
    with pytest.raises(ValueError, match="algorithm='alpha' is not one of"):
        discover_journey(make_log(), algorithm="alpha")
    with pytest.raises(ValueError, match="noise_threshold=1.5 must be a number in"):
        discover_journey(make_log(), noise_threshold=1.5)
    with pytest.raises(ValueError, match="dependency_threshold=-0.1 must be"):
        discover_bpmn(make_log(), dependency_threshold=-0.1)


# ------------------------------------------------------------------------------------------
# models
# ------------------------------------------------------------------------------------------
def _model_log():
    rows = []
    spec = [("ABCD", 8), ("ACBD", 6), ("ABD", 3), ("AXD", 1), ("ABCBD", 2), ("ABCDD", 1)]
    k = 0
    for letters, count in spec:
        for _ in range(count):
            rows += [(f"c{k:02d}", a, f"{9 + i:02d}:{k:02d}") for i, a in enumerate(letters)]
            k += 1
    return make_log(rows, shuffle_seed=11)


@pytest.mark.parametrize("noise", [0.0, 0.2, 0.5])
def test_inductive_on_variants_equals_pm4py_on_full_log(noise):
    import pm4py

    log = _model_log()
    model = discover_journey(log, noise_threshold=noise)
    assert isinstance(model, JourneyModel)
    assert (model.algorithm, model.n_variants, model.n_cases) == ("inductive", 6, 21)
    expected = pm4py.discover_process_tree_inductive(log, noise_threshold=noise)
    assert str(model.process_tree) == str(expected)
    net, im, fm = pm4py.discover_petri_net_inductive(log, noise_threshold=noise)
    assert sorted(str(t.label) for t in model.net.transitions) == \
        sorted(str(t.label) for t in net.transitions)
    assert len(model.net.places) == len(net.places)
    assert len(model.net.arcs) == len(net.arcs)


def test_inductive_tree_by_hand():
    # two cases A, B, D and A, C, D: a sequence A, (B xor C), D
    from pm4py.objects.process_tree.obj import Operator

    rows = [("a", "A", "09:00"), ("a", "B", "09:01"), ("a", "D", "09:02"),
            ("b", "A", "09:00"), ("b", "C", "09:01"), ("b", "D", "09:02")]
    model = discover_journey(make_log(rows), noise_threshold=0.0)
    root = model.process_tree
    assert root.operator == Operator.SEQUENCE
    first, middle, last = root.children
    assert (first.label, last.label) == ("A", "D")
    assert middle.operator == Operator.XOR
    assert sorted(c.label for c in middle.children) == ["B", "C"]


@pytest.mark.parametrize("threshold", [0.5, 0.9])
def test_heuristics_on_variants_equals_pm4py_on_full_log(threshold):
    import pm4py

    log = _model_log()
    model = discover_journey(log, algorithm="heuristics", dependency_threshold=threshold)
    assert model.process_tree is None and model.algorithm == "heuristics"
    # pm4py reads start/end activities off a DataFrame without sorting it: give it the log sorted
    ordered = log.sort_values([CASE, TIME], kind="stable")
    expected = pm4py.discover_heuristics_net(ordered, dependency_threshold=threshold)
    assert model.heuristics_net.dependency_matrix == expected.dependency_matrix
    assert model.heuristics_net.dfg_matrix == expected.dfg_matrix
    assert set(model.heuristics_net.nodes) == set(expected.nodes)
    assert model.heuristics_net.start_activities == expected.start_activities
    assert model.heuristics_net.end_activities == expected.end_activities
    assert model.heuristics_net.start_activities == [{"A": 21}]
    net, _, _ = pm4py.discover_petri_net_heuristics(ordered, dependency_threshold=threshold)
    assert sorted(str(t.label) for t in model.net.transitions) == \
        sorted(str(t.label) for t in net.transitions)
    assert (len(model.net.places), len(model.net.arcs)) == (len(net.places), len(net.arcs))


def test_bpmn_holds_the_activities():
    from pm4py.objects.bpmn.obj import BPMN

    for algorithm in ("inductive", "heuristics"):
        bpmn = discover_bpmn(_model_log(), algorithm=algorithm, noise_threshold=0.0)
        assert isinstance(bpmn, BPMN)
        tasks = {n.get_name() for n in bpmn.get_nodes() if isinstance(n, BPMN.Task)}
        assert tasks == {"A", "B", "C", "D", "X"}


# ---------------------------------------------------------------- the log coded once in the pipeline
def _tiny_log():
    return pd.DataFrame({
        "case:concept:name": ["b", "a", "b", "a", "c"],
        "concept:name": ["Open", "Open", "Close", "Work", "Open"],
        "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 08:00", "2024-01-02 09:00",
                                          "2024-01-01 10:00", "2024-01-03 09:00"], utc=True)})


def test_coded_once_codes_each_log_once_and_keeps_nothing_outside():
    from journeymining.core.eventlog import code_log, coded_once
    from journeymining.discover.variants import variant_ids

    log = _tiny_log()
    assert code_log(log) is not code_log(log)            # outside a block: coded each time
    with coded_once():
        s = code_log(log)
        assert code_log(log) is s                        # the same log object: the same coding
        assert code_log(log.copy()) is not s             # another object: coded on its own
        assert variant_ids(s) is variant_ids(s)
        with pytest.raises(ValueError, match="read-only"):
            s.acodes[0] = 1                              # a step cannot change what the next one reads
        # b: Open, Close; a: Open, Work; c: Open (cases by first appearance)
        assert s.case_labels.tolist() == ["b", "a", "c"]
        assert s.activity_labels[s.acodes].tolist() == ["Open", "Close", "Open", "Work", "Open"]
    assert code_log(log) is not s
    code_log(log).acodes[0] = 1                          # writable again outside the block


def test_end_activities_are_the_last_events_of_the_cases():
    from journeymining.pipeline import end_activities

    log = _tiny_log()
    # by hand: b ends with Close, a with Work, c with Open: one case each
    got = end_activities(log)
    assert sorted(zip(got["last activity"], got["cases"])) == [("Close", 1), ("Open", 1), ("Work", 1)]
    assert got["share"].tolist() == pytest.approx([1 / 3] * 3)
    # against plain pandas on a generated log
    from journeymining import generate_tickets

    big = generate_tickets(300, random_state=3, shapes=("log",)).log
    expected = (big.sort_values(["case:concept:name", "time:timestamp"], kind="stable")
                .groupby("case:concept:name")["concept:name"].last().value_counts())
    got = end_activities(big, top=100).set_index("last activity")["cases"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()

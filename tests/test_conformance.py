"""Tests of journeymining.conform.

The tiny log below is written out by hand against tests/data/map_support.yaml; the expected
deviations of every case are listed next to it.
"""

import json
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from journeymining.conform import KINDS, compare_to_map
from journeymining.core.errors import EventLogError, JourneyMapError
from journeymining.journeymap.model import JourneyMap

DATA = Path(__file__).parent / "data"
MAP = DATA / "map_support.yaml"
T0 = pd.Timestamp("2024-01-01", tz="UTC")

# (case, activity, hours after T0, org:group, channel, actor)
EVENTS = [
    # c1 conforms
    ("c1", "Start chat", 0, "L1", "chat", "frontstage"), ("c1", "Triage", 1, "L1", None, "backstage"),
    ("c1", "Escalate", 2, "L1", None, "backstage"), ("c1", "Fix at L2", 3, "L2", None, "backstage"),
    ("c1", "Send answer", 3.5, "L1", "e-mail", "frontstage"), ("c1", "Close ticket", 4, "L1", "e-mail", "frontstage"),
    # c2 skips Triage
    ("c2", "Send e-mail", 0, "L1", "e-mail", "frontstage"), ("c2", "Send answer", 1, "L1", "e-mail", "frontstage"),
    ("c2", "Close ticket", 2, "L1", "e-mail", "frontstage"),
    # c3 has an unplanned step (Call customer, 1 h after Triage)
    ("c3", "Start chat", 0, "L1", "chat", "frontstage"), ("c3", "Triage", 1, "L1", None, "backstage"),
    ("c3", "Call customer", 2, "L1", None, None), ("c3", "Send answer", 3, "L1", "e-mail", "frontstage"),
    ("c3", "Close ticket", 4, "L1", "e-mail", "frontstage"),
    # c4 sends the answer twice (rework, 3 h)
    ("c4", "Start chat", 0, "L1", "chat", "frontstage"), ("c4", "Triage", 1, "L1", None, "backstage"),
    ("c4", "Send answer", 2, "L1", "e-mail", "frontstage"), ("c4", "Send answer", 5, "L1", "e-mail", "frontstage"),
    ("c4", "Close ticket", 6, "L1", "e-mail", "frontstage"),
    # c5 answers before triage (out of order)
    ("c5", "Start chat", 0, "L1", "chat", "frontstage"), ("c5", "Send answer", 1, "L1", "e-mail", "frontstage"),
    ("c5", "Triage", 2, "L1", None, "backstage"), ("c5", "Close ticket", 3, "L1", "e-mail", "frontstage"),
    # c6 is triaged by L2 (two unplanned handoffs: L1 -> L2 and back)
    ("c6", "Start chat", 0, "L1", "chat", "frontstage"), ("c6", "Triage", 1, "L2", None, "backstage"),
    ("c6", "Send answer", 2, "L1", "e-mail", "frontstage"), ("c6", "Close ticket", 3, "L1", "e-mail", "frontstage"),
    # c7 answers by phone: the company's channels, not a customer contact on another channel (no switch)
    ("c7", "Start chat", 0, "L1", "chat", "frontstage"), ("c7", "Triage", 1, "L1", None, "backstage"),
    ("c7", "Send answer", 2, "L1", "phone", "frontstage"), ("c7", "Close ticket", 3, "L1", "e-mail", "frontstage"),
    # c8 breaches "Start chat -> Send answer within 4h" (6 h: 2 h lost)
    ("c8", "Start chat", 0, "L1", "chat", "frontstage"), ("c8", "Triage", 1, "L1", None, "backstage"),
    ("c8", "Send answer", 6, "L1", "e-mail", "frontstage"), ("c8", "Close ticket", 7, "L1", "e-mail", "frontstage"),
    # c9 breaches "stage Resolve within 1d": time in Resolve = Triage 1 h .. Close ticket 32 h = 31 h (7 h lost)
    ("c9", "Send e-mail", 0, "L1", "e-mail", "frontstage"), ("c9", "Triage", 1, "L1", None, "backstage"),
    ("c9", "Escalate", 2, "L1", None, "backstage"), ("c9", "Fix at L2", 30, "L2", None, "backstage"),
    ("c9", "Send answer", 31, "L1", "e-mail", "frontstage"), ("c9", "Close ticket", 32, "L1", "e-mail", "frontstage"),
    # c10 gives up after triage; c11 after the first e-mail (drop-offs, nothing skipped)
    ("c10", "Start chat", 0, "L1", "chat", "frontstage"), ("c10", "Triage", 1, "L1", None, "backstage"),
    ("c11", "Send e-mail", 0, "L1", "e-mail", "frontstage"),
]

# case -> set of (kind, touchpoint, stage, time lost in hours)
EXPECTED = {
    "c1": set(),
    "c2": {("skipped_touchpoint", "Triage", "Resolve", 0)},
    "c3": {("unplanned_step", "Call customer", "Resolve", 1)},
    "c4": {("rework", "Send answer", "Resolve", 3)},
    # the first occurrences Start chat, Send answer, Triage: Triage comes after Send answer
    "c5": {("out_of_order", "Triage", "Resolve", 1)},
    # Triage done by L2: L1 -> L2 and back are both unplanned, and the way back is a ping-pong
    "c6": {("unplanned_handoff", "Triage", "Resolve", 1), ("unplanned_handoff", "Send answer", "Resolve", 1),
           ("ping_pong", "Send answer", "Resolve", 1)},
    "c7": set(),
    "c8": {("sla_breach", "Send answer", "Resolve", 2)},
    "c9": {("sla_breach", "Send answer", "Resolve", 7)},
    "c10": {("drop_off", "Triage", "Resolve", 0)},
    "c11": {("drop_off", "Send e-mail", "Contact", 0)},
}


def tiny_log():
    frame = pd.DataFrame(EVENTS, columns=["case:concept:name", "concept:name", "hours", "org:group",
                                          "channel", "actor"])
    frame.insert(2, "time:timestamp", T0 + pd.to_timedelta(frame.pop("hours"), unit="h"))
    return frame


@pytest.fixture(scope="module")
def jm():
    return JourneyMap.from_yaml(MAP)


@pytest.fixture(scope="module")
def result(jm):
    return compare_to_map(tiny_log(), jm)


def _found(dev, case):
    d = dev[dev["case"] == case]
    return {(r.kind, r.touchpoint, r.stage, r.time_lost / pd.Timedelta(hours=1)) for r in d.itertuples()}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_hand_built_deviations(result, case):
    assert _found(result.deviations, case) == EXPECTED[case]


def test_out_of_order_detail(result):
    d = result.deviations[result.deviations["case"] == "c5"]
    assert d["detail"].tolist() == ["Triage after Send answer; the map has Triage first"]
    skipped = result.deviations[result.deviations["case"] == "c2"]
    assert skipped["detail"].tolist() == ["Triage skipped (Send answer happened without it)"]


def test_deviation_frame_shape(result):
    dev = result.deviations
    assert list(dev.columns) == ["case", "stage", "touchpoint", "kind", "detail", "time_lost", "position",
                                 "diagnosis", "primary"]
    assert set(dev["kind"]) <= set(KINDS)
    assert pd.api.types.is_timedelta64_dtype(dev["time_lost"])
    assert dev.loc[dev["case"] == "c3", "detail"].tolist() == ["Call customer is not in the map after Triage"]
    assert dev.loc[dev["case"] == "c6", "detail"].tolist() == [
        "L1 → L2 at Triage", "L2 → L1 at Send answer", "back to L1, the team it came from (L2 → L1) at Send answer"]
    # one event, one primary deviation: the handoff at Send answer, not also the ping-pong
    assert dev.loc[dev["case"] == "c6", "primary"].tolist() == [True, True, False]
    assert dev.loc[dev["case"] == "c8", "detail"].tolist() == ["Start chat → Send answer within 4 h took 6 h"]
    assert dev.loc[dev["case"] == "c9", "detail"].tolist() == ["stage Resolve within 24 h took 31 h"]


def test_case_table(result):
    cases = result.cases.set_index("case")
    assert len(cases) == 11
    assert not cases.loc["c1", list(KINDS)].any()
    assert cases.loc["c2", "skipped_touchpoint"] and not cases.loc["c2", "drop_off"]
    assert cases["reached_goal"].sum() == 9
    assert cases.loc["c10", ["last_stage", "last_touchpoint"]].tolist() == ["Resolve", "Triage"]
    assert cases.loc["c1", "events"] == 6
    kt = result.kind_table().set_index("kind")
    assert kt["cases"].to_dict() == {"skipped_touchpoint": 1, "unplanned_step": 1, "out_of_order": 1,
                                     "rework": 1, "repeat_contact": 0, "channel_switch": 0, "reopen": 0,
                                     "unplanned_handoff": 1, "ping_pong": 1, "sla_breach": 2, "drop_off": 2}
    assert cases.loc["c10", "outcome"] == "dropped" and cases.loc["c1", "outcome"] == "goal"


def test_tables(result):
    bt = result.by_touchpoint
    assert bt.index.tolist()[:7] == result.journey_map.activities
    assert bt.index.tolist()[7:] == ["Call customer"]
    assert bt.loc["Call customer", "in_map"] == False  # noqa: E712
    # Send answer: c4 rework, c6 handoff (+ ping-pong at the same event: its time counts once), c8, c9 SLA
    assert bt.loc["Send answer", "cases"] == 4
    assert bt.loc["Send answer", "sla_breach"] == 2
    assert bt.loc["Send answer", "time_lost"] == pd.Timedelta(hours=3 + 1 + 2 + 7)
    # Triage: c2 skipped, c5 out of order, c6 handoff, c10 drop-off
    assert bt.loc["Triage", ["cases", "skipped_touchpoint", "out_of_order", "drop_off"]].tolist() == [4, 1, 1, 1]
    assert bt.loc["Escalate", "cases"] == 0
    bs = result.by_stage
    assert bs.index.tolist() == ["Contact", "Resolve", "Close"]
    assert bs["cases"].tolist() == [1, 8, 0]
    assert bs.loc["Resolve", "share"] == pytest.approx(8 / 11)
    funnel = result.funnel
    assert funnel["step"].tolist() == ["Contact", "Resolve", "Close", "goal: Close ticket"]
    assert funnel["cases"].tolist() == [11, 10, 9, 9]
    assert funnel["of_previous"].tolist() == pytest.approx([1.0, 10 / 11, 0.9, 1.0])
    # every case that got to a stage passed through it (nothing was skipped past a stage)
    assert funnel["reached"].tolist() == [11, 10, 9, 9] and funnel["skipped"].tolist() == [0, 0, 0, 0]
    bp = result.break_points
    assert bp[["last_stage", "last_touchpoint", "cases"]].values.tolist() == [
        ["Contact", "Send e-mail", 1], ["Resolve", "Triage", 1]]
    assert bp["share_of_drop_offs"].tolist() == [0.5, 0.5]


def test_dfg_diff(result):
    d = result.dfg_diff.set_index(["source", "target"])
    assert d.loc[("Escalate", "Fix at L2"), "status"] == "intended and taken"
    assert d.loc[("Escalate", "Fix at L2"), "cases"] == 2
    assert d.loc[("Triage", "Call customer"), "status"] == "taken, not intended"
    assert d.loc[("Send answer", "Send answer"), "status"] == "taken, not intended"
    assert d.loc[("Fix at L2", "Fix at L2"), "status"] == "intended, never taken"
    assert d.loc[("Fix at L2", "Fix at L2"), "frequency"] == 0
    assert d.loc[("Triage", "■"), "status"] == "taken, not intended"
    assert d.loc[("▶", "Send e-mail"), "status"] == "intended and taken"


def test_metrics_equal_pm4py(jm):
    import pm4py
    from pm4py.algo.evaluation.generalization import algorithm as generalization

    log = tiny_log()
    res = compare_to_map(log, jm)
    net, im, fm = jm.to_petri_net()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert res.fitness_token_replay == pytest.approx(
            pm4py.fitness_token_based_replay(log, net, im, fm)["log_fitness"], abs=1e-12)
        assert res.fitness_alignments == pytest.approx(
            pm4py.fitness_alignments(log, net, im, fm)["log_fitness"], abs=1e-12)
        assert res.precision == pytest.approx(pm4py.precision_token_based_replay(log, net, im, fm), abs=1e-12)
        assert res.generalization == pytest.approx(generalization.apply(log, net, im, fm), abs=1e-12)
    assert 0 < res.fitness_alignments < 1 and 0 < res.precision <= 1
    assert res.variants["diagnosis"].eq("alignment").all()
    # the alignment's evidence per variant: c2 misses Triage, c3 has an extra step
    v = res.variants.set_index("variant")
    assert v.loc["Send e-mail → Send answer → Close ticket", "model_moves"] == "Triage"
    assert v.loc["Start chat → Triage → Call customer → Send answer → Close ticket", "log_moves"] == "Call customer"


def test_budget_fallback(jm):
    """A zero budget: every variant is reported and diagnosed by the fallback, none dropped."""
    res = compare_to_map(tiny_log(), jm, time_budget=0.0)
    assert len(res.budget_exceeded) == len(res.variants) == 9  # c6, c7, c8 share one path
    assert res.budget_exceeded["cases"].sum() == 11
    assert np.isnan(res.fitness_alignments)
    assert set(res.deviations["diagnosis"]) == {"fallback", "attributes"}
    for case, expected in EXPECTED.items():
        assert _found(res.deviations, case) == expected
    assert res.variants["log_moves"].isna().all() and res.variants["fitness_alignment"].isna().all()
    assert res.summary()["budget_exceeded_variants"] == 9


def test_no_alignments_flag(jm):
    res = compare_to_map(tiny_log(), jm, alignments=False)
    assert (res.variants["diagnosis"] == "fallback").all()


def test_parallel_equals_serial(jm):
    """More than 64 variants go to the process pool; results equal the serial run."""
    rows = []
    for k in range(70):
        for i, a in enumerate(["Send e-mail", "Triage", f"Step {k}", "Send answer", "Close ticket"]):
            rows.append((f"p{k}", a, T0 + pd.Timedelta(hours=i)))
    log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    par = compare_to_map(log, jm, n_jobs=2)
    ser = compare_to_map(log, jm, n_jobs=1)
    pd.testing.assert_frame_equal(par.deviations, ser.deviations)
    assert par.fitness_alignments == ser.fitness_alignments
    assert len(par.deviations) == 70 and set(par.deviations["kind"]) == {"unplanned_step"}
    assert par.not_assessed.keys() == {"unplanned_handoff", "ping_pong"}


def test_input_not_mutated_and_unsorted(jm):
    log = tiny_log()
    shuffled = log.sample(frac=1.0, random_state=3)
    before = shuffled.copy()
    res = compare_to_map(shuffled, jm)
    pd.testing.assert_frame_equal(shuffled, before)
    for case, expected in EXPECTED.items():
        assert _found(res.deviations, case) == expected


def test_map_as_dict_or_path(jm):
    log = tiny_log()
    a = compare_to_map(log, str(MAP))
    b = compare_to_map(log, jm.to_dict())
    pd.testing.assert_frame_equal(a.deviations, b.deviations)


def test_errors(jm):
    with pytest.raises(EventLogError, match="needs an event log as a pandas DataFrame"):
        compare_to_map([1, 2], jm)
    with pytest.raises(EventLogError, match="no column 'concept:name'"):
        compare_to_map(tiny_log().drop(columns=["concept:name"]), jm)
    with pytest.raises(EventLogError, match="the event log is empty"):
        compare_to_map(tiny_log().iloc[:0], jm)
    with pytest.raises(JourneyMapError, match="journey_map must be a JourneyMap"):
        compare_to_map(tiny_log(), 42)
    with pytest.raises(EventLogError, match="not timestamps"):
        compare_to_map(tiny_log().assign(**{"time:timestamp": "2024"}), jm)


def test_figures(result):
    import matplotlib.pyplot as plt

    fig = result.plot_map()
    assert any("%" in t.get_text() for t in fig.axes[0].texts)
    fig2 = result.plot_dfg_diff()
    labels = [t.get_text() for t in fig2.axes[0].texts]
    assert "Call customer" in labels and "▶" in labels
    plt.close("all")


def test_compare_command(tmp_path):
    from journeymining.cli import main

    events = tmp_path / "events.csv"
    log = tiny_log()
    log.assign(**{"time:timestamp": log["time:timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S%z")}).to_csv(
        events, index=False)
    assert main(["compare", str(events), "--map", str(MAP), "--out", str(tmp_path / "out")]) == 0
    for name in ("summary.json", "deviations.csv", "cases.csv", "by_touchpoint.csv", "funnel.csv",
                 "break_points.csv", "dfg_diff.csv", "journey_map.png", "journey_map.svg",
                 "dfg_diff.png", "dfg_diff.svg"):
        assert (tmp_path / "out" / name).is_file(), name
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["cases"] == 11 and summary["events"] == len(EVENTS)
    assert summary["deviations"]["sla_breach"] == {"cases": 2, "share": round(2 / 11, 6)}
    assert summary["conforming_cases"] == 2
    assert "drop_off" in summary["definitions"]
    dev = pd.read_csv(tmp_path / "out" / "deviations.csv")
    assert len(dev) == len(compare_to_map(log, JourneyMap.from_yaml(MAP)).deviations)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_planted_deviations_recovered(seed):
    """Case-level F1 >= 0.95 for every kind on generated tickets (several seeds)."""
    generator = pytest.importorskip("journeymining.synth.generator")
    g = generator.generate_tickets(1500, random_state=seed, shapes=["log"])
    res = compare_to_map(g.log, JourneyMap.from_dict(g.journey_map), n_jobs=1)
    truth = g.truth.set_index("case")
    pred = res.cases.set_index("case").reindex(truth.index)
    assert pred["variant_id"].notna().all()
    for kind in generator.KINDS:
        assert truth[kind].any(), kind
        tp = int((truth[kind] & pred[kind]).sum())
        fp = int((~truth[kind] & pred[kind]).sum())
        fn = int((truth[kind] & ~pred[kind]).sum())
        f1 = 2 * tp / (2 * tp + fp + fn)
        assert f1 >= 0.95, (kind, tp, fp, fn)


# ------------------------------------------------------------------------------------------
# the per-variant / vectorised computation against straightforward per-case loops
# ------------------------------------------------------------------------------------------
def _random_log(seed, n_cases=40):
    """Cases over the support map plus unplanned steps, with missing teams/channels/actors,
    timestamp ties and shuffled rows."""
    rng = np.random.default_rng(seed)
    jm = JourneyMap.from_yaml(MAP)
    acts = jm.activities + ["Call customer", "Wait"]
    rows = []
    for c in range(n_cases):
        minutes = 0
        for i in range(int(rng.integers(1, 9))):
            if rng.random() < 0.6:
                a = jm.activities[min(i, len(jm.activities) - 1)]
            else:
                a = acts[rng.integers(len(acts))]
            minutes += int(rng.choice([0, 1, 30, 300, 900]))
            rows.append((f"r{c}", a, T0 + pd.Timedelta(minutes=minutes), rng.choice(["L1", "L2", None, "X"]),
                         rng.choice(["chat", "e-mail", "phone", None]),
                         rng.choice(["frontstage", "backstage", None])))
    log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp", "org:group",
                                      "channel", "actor"])
    return log.sample(frac=1.0, random_state=seed)


STRUCTURAL = ("skipped_touchpoint", "unplanned_step", "out_of_order", "rework")


def _reference(log, jm):
    """Structural deviations (as a Counter of row tuples), per-case facts and funnel counts,
    computed case by case with plain Python loops (the per-variant code must give the same)."""
    from collections import Counter

    from journeymining.conform.diagnosis import MapInfo as _MapInfo, diagnose as _diagnose

    info = _MapInfo(jm)
    zero = pd.Timedelta(0)
    devs, facts, reached = Counter(), {}, Counter()
    ordered = log.sort_values(["case:concept:name", "time:timestamp"], kind="stable")
    for case, g in ordered.groupby("case:concept:name", sort=False):
        acts, ts = g["concept:name"].tolist(), g["time:timestamp"].tolist()
        n = len(acts)
        lost = [zero] + [ts[i] - ts[i - 1] for i in range(1, n)]
        for kind, tp, stage, detail, pos in _diagnose(tuple(acts), info):
            tl = zero if pos < 0 else lost[pos]
            devs[(case, stage, tp, kind, detail, tl, pos)] += 1
        known = [a for a in acts if a in jm.activities]
        # goal = resolution = Close ticket, the only closure step: reached when the case ends on it
        facts[case] = {"events": n, "reached_goal": acts[-1] in jm.goal,
                       "last_touchpoint": known[-1] if known else None}
        for st in {jm.stage_of(a) for a in known}:
            reached[st] += 1
    return devs, facts, reached


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_per_variant_equals_per_case_reference(jm, seed):
    from collections import Counter

    log = _random_log(seed)
    res = compare_to_map(log, jm, alignments=False)
    devs, facts, reached = _reference(log, jm)
    dev = res.deviations[res.deviations["kind"].isin(STRUCTURAL)]
    found = Counter(zip(dev["case"], dev["stage"], dev["touchpoint"], dev["kind"], dev["detail"],
                        dev["time_lost"], dev["position"]))
    assert found == devs
    assert set(res.deviations["diagnosis"]) <= {"fallback", "attributes"}
    # rows ordered by case (first appearance in the log), position, kind
    dev = res.deviations
    first_seen = {c: i for i, c in enumerate(pd.unique(log["case:concept:name"]))}
    key = list(zip(dev["case"].map(first_seen), dev["position"], dev["kind"].map(KINDS.index)))
    assert key == sorted(key)
    cases = res.cases.set_index("case")
    assert list(cases.index) == list(first_seen)
    for case, f in facts.items():
        assert cases.loc[case, "events"] == f["events"]
        assert cases.loc[case, "reached_goal"] == f["reached_goal"], case
        last = cases.loc[case, "last_touchpoint"]
        assert (last if isinstance(last, str) else None) == f["last_touchpoint"]
        for kind in STRUCTURAL:
            assert cases.loc[case, kind] == any(d[0] == case and d[3] == kind for d in devs), (case, kind)
    assert res.funnel["cases"].tolist()[:-1] == [reached[s] for s in jm.stage_names]
    assert res.funnel["cases"].tolist()[-1] == sum(f["reached_goal"] for f in facts.values())


@pytest.mark.parametrize("seed", [0, 1])
def test_dfg_from_variants_equals_discover_dfg(jm, seed):
    from journeymining.conform.result import dfg_diff_table as _dfg_diff
    from journeymining.discover import discover_dfg

    log = _random_log(seed, n_cases=60)
    res = compare_to_map(log, jm, alignments=False)
    pd.testing.assert_frame_equal(res.dfg_diff, _dfg_diff(discover_dfg(log), jm))


def test_conforming_log_has_no_deviations(jm):
    log = pd.DataFrame({
        "case:concept:name": ["a"] * 6,
        "concept:name": ["Start chat", "Triage", "Escalate", "Fix at L2", "Send answer", "Close ticket"],
        "time:timestamp": T0 + pd.to_timedelta([0, 1, 2, 3, 3.5, 4], unit="h"),
    })
    res = compare_to_map(log, jm, alignments=False)
    assert res.deviations.empty
    assert list(res.deviations.columns) == ["case", "stage", "touchpoint", "kind", "detail", "time_lost",
                                            "position", "diagnosis", "primary"]
    assert pd.api.types.is_timedelta64_dtype(res.deviations["time_lost"])
    assert res.cases.loc[0, ["events", "reached_goal", "last_stage", "last_touchpoint"]].tolist() == [
        6, True, "Close", "Close ticket"]
    assert not res.cases.loc[0, list(KINDS)].any()
    assert res.funnel["cases"].tolist() == [1, 1, 1, 1]
    assert res.break_points.empty
    assert res.by_stage["cases"].tolist() == [0, 0, 0]


def test_case_without_touchpoints(jm):
    """Only unplanned steps: each case drops off, with no last touchpoint and no stage reached."""
    log = pd.DataFrame({"case:concept:name": ["a", "a", "b"], "concept:name": ["x", "y", "x"],
                        "time:timestamp": T0 + pd.to_timedelta([0, 2, 5], unit="h")})
    res = compare_to_map(log, jm, alignments=False)
    dev = res.deviations
    # b's only event is the log's last: it may still go on (open, not a drop-off); a is silent 3 h,
    # longer than the open window (the 95th percentile of the gaps: a's 2 h)
    assert dev[["case", "kind", "position"]].values.tolist() == [
        ["a", "unplanned_step", 0], ["a", "unplanned_step", 1], ["a", "drop_off", 1],
        ["b", "unplanned_step", 0]]
    assert res.cases["outcome"].tolist() == ["dropped", "open"]
    assert dev["time_lost"].tolist() == [pd.Timedelta(0), pd.Timedelta(hours=2), pd.Timedelta(0),
                                         pd.Timedelta(0)]
    assert res.cases["last_touchpoint"].isna().all() and res.cases["last_stage"].isna().all()
    assert res.funnel["cases"].tolist() == [0, 0, 0, 0]
    assert res.break_points[["last_stage", "last_touchpoint", "cases"]].values.tolist() == [
        ["(no touchpoint)", "(no touchpoint)", 1]]


def test_missing_case_ids_raise(jm):
    log = tiny_log()
    log.loc[3, "case:concept:name"] = None
    with pytest.raises(EventLogError, match="compare_to_map: column 'case:concept:name' has 1 missing case ids"):
        compare_to_map(log, jm)


def test_figures_are_detached_from_pyplot(result):
    """Returned figures are not left open in pyplot (a notebook shows them once, as the value)."""
    import matplotlib.pyplot as plt

    plt.close("all")
    fig = result.plot_map()
    fig2 = result.plot_dfg_diff()
    assert plt.get_fignums() == []
    assert len(fig.axes) == 2 and len(fig2.axes) == 1  # the map and its colour bar; the graph
    fig2.savefig(__import__("io").BytesIO(), format="png")
    _, ax = plt.subplots()
    assert result.plot_dfg_diff(ax=ax) is ax.figure
    assert plt.get_fignums() == [ax.figure.number]  # a caller's figure stays theirs
    plt.close("all")


def test_map_coverage_counts_events_whose_activity_is_a_touchpoint(result):
    # the fixture log: 11 cases; only c3's "Call customer" is not in the map (1 event)
    n_events = int(result.cases["events"].sum())
    assert result.map_coverage == pytest.approx((n_events - 1) / n_events)
    assert result.summary()["map_coverage"] == pytest.approx((n_events - 1) / n_events, abs=1e-6)

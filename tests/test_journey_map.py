"""Tests of journeymining.journeymap.model (expected values written out by hand)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from journeymining.core.errors import InputFileError, JourneyMapError
from journeymining.journeymap.model import JourneyMap, parse_duration

DATA = Path(__file__).parent / "data"
MAP = DATA / "map_support.yaml"


def base():
    return {
        "name": "m",
        "goal": ["C"],
        "stages": [
            {"name": "S1", "touchpoints": [{"activity": "A"}]},
            {"name": "S2", "order": "choice", "touchpoints": [{"activity": "B1"}, {"activity": "B2"}]},
            {"name": "S3", "touchpoints": [{"activity": "C"}]},
        ],
    }


def test_load_yaml_and_lookups():
    jm = JourneyMap.from_yaml(MAP)
    assert jm.name == "Support, as intended"
    assert jm.activities == ["Start chat", "Send e-mail", "Triage", "Escalate", "Fix at L2",
                             "Send answer", "Close ticket"]
    assert jm.stage_names == ["Contact", "Resolve", "Close"]
    assert jm.goal_set == frozenset({"Close ticket"})
    assert jm.stage_of("Fix at L2") == "Resolve"
    assert jm.stage_of("Call customer") is None
    tp = jm.touchpoint("Start chat")
    assert (tp.channel, tp.actor, tp.team) == ("chat", "frontstage", "L1")
    assert jm.is_optional("Escalate") and jm.is_optional("Fix at L2") and not jm.is_optional("Triage")
    assert jm.is_repeatable("Fix at L2") and not jm.is_repeatable("Escalate")
    table = jm.touchpoint_table()
    assert table["optional"].tolist() == [False, False, False, True, True, False, False]
    assert table["goal"].tolist() == [False] * 6 + [True]
    sla = jm.sla_table()
    assert sla["within"].tolist() == [pd.Timedelta(hours=4), pd.Timedelta(days=1)]
    assert sla["kind"].tolist() == ["between", "stage"]
    assert sla.loc[1, "stage"] == "Resolve"


def test_touchpoint_lookup_error():
    jm = JourneyMap.from_yaml(MAP)
    with pytest.raises(JourneyMapError, match="'Call customer' is not a touchpoint"):
        jm.touchpoint("Call customer")


def test_to_dict_round_trip():
    jm = JourneyMap.from_yaml(MAP)
    again = JourneyMap.from_dict(jm.to_dict())
    assert again.to_dict() == jm.to_dict()
    assert again.to_dict()["sla"] == [{"from": "Start chat", "to": "Send answer", "within": "4h"},
                                      {"stage": "Resolve", "within": "1d"}]


@pytest.mark.parametrize("text, expected", [
    ("30m", pd.Timedelta(minutes=30)), ("4h", pd.Timedelta(hours=4)), ("2d", pd.Timedelta(days=2)),
    ("1w", pd.Timedelta(days=7)), ("1d12h", pd.Timedelta(hours=36)), ("1.5h", pd.Timedelta(minutes=90)),
])
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["4 hours", "h4", "", "4x", "-2d", "0h"])
def test_parse_duration_errors(text):
    with pytest.raises(JourneyMapError, match="duration"):
        parse_duration(text)


def _mutate(fn):
    d = base()
    fn(d)
    return d


@pytest.mark.parametrize("mutate, match", [
    (lambda d: d.update(stages=[]), "'stages' must be a non-empty list"),
    (lambda d: d.update(colour="red"), r"unknown key\(s\) \['colour'\]"),
    (lambda d: d["stages"][0].pop("name"), "stage #1 has no 'name'"),
    (lambda d: d["stages"][1].update(name="S1"), "stage 'S1' appears twice"),
    (lambda d: d["stages"][1].update(touchpoints=[]), "stage 'S2': 'touchpoints' must be a non-empty list of touchpoints or groups; got \\[\\]"),
    (lambda d: d["stages"][1].update(order="random"), "stage 'S2': 'order' is 'random'; it must be one of \\['sequence', 'choice', 'parallel', 'loop'\\]"),
    (lambda d: d["stages"][2]["touchpoints"].append({"activity": "A"}),
     "stage 'S3', touchpoint 'A': duplicate activity, already a touchpoint of stage 'S1'"),
    (lambda d: d["stages"][0]["touchpoints"][0].update(actor="customer"),
     "touchpoint 'A': 'actor' is 'customer'; it must be one of \\['frontstage', 'backstage'\\]"),
    (lambda d: d["stages"][0]["touchpoints"][0].update(optinal=True),
     r"touchpoint 'A': unknown key\(s\) \['optinal'\]"),
    (lambda d: d["stages"][0]["touchpoints"][0].update(optional="yes"),
     "touchpoint 'A': 'optional' must be true or false"),
    (lambda d: d["stages"][0]["touchpoints"].append({"channel": "chat"}), "touchpoint #2 has no 'activity'"),
    (lambda d: d["stages"][0]["touchpoints"].append("B"), "touchpoint #2 must be a mapping"),
    (lambda d: d.pop("goal"), "missing 'goal'"),
    (lambda d: d.update(goal=["Z"]), "goal activity 'Z' is not a touchpoint"),
    (lambda d: d.update(sla=[{"from": "A", "to": "C", "within": "soon"}]), "sla #1 'within': 'soon' is not a duration"),
    (lambda d: d.update(sla=[{"from": "A", "to": "Z", "within": "4h"}]), "sla #1: 'to' names unknown touchpoint 'Z'"),
    (lambda d: d.update(sla=[{"stage": "S9", "within": "4h"}]), "sla #1: unknown stage 'S9'"),
    (lambda d: d.update(sla=[{"from": "A", "to": "C"}]), "sla #1: missing 'within'"),
    (lambda d: d.update(sla=[{"stage": "S1", "from": "A", "within": "1h"}]), "either 'stage' or 'from'/'to'"),
    (lambda d: d.update(sla=[{"from": "A", "within": "1h"}]), "sla #1: missing 'to'"),
    (lambda d: d.update(sla=[{"from": "A", "to": "A", "within": "1h"}]), "'from' and 'to' are both 'A'"),
    (lambda d: d.update(sla=[{"from": "A", "to": "C", "within": "1h", "by": "x"}]),
     r"sla #1: unknown key\(s\) \['by'\]; allowed keys are \['from', 'to', 'stage', 'within', 'name'\]"),
    (lambda d: d.update(goal=5), "'goal' must be a touchpoint activity or a non-empty list of them; got 5"),
    (lambda d: d.update(goal=[]), "'goal' must be a touchpoint activity or a non-empty list of them; got \\[\\]"),
    (lambda d: d.update(resolution=["Z"]), "resolution activity 'Z' is not a touchpoint"),
    (lambda d: d.update(closure=[""]), "'closure' must be a touchpoint activity or a non-empty list of them"),
    (lambda d: d.update(stages="S1"), "'stages' must be a non-empty list of stages"),
    (lambda d: d.update(sla={"from": "A"}), "'sla' must be a list of"),
    (lambda d: d["stages"][0]["touchpoints"][0].update(channel=""), "touchpoint 'A': 'channel' must be non-empty text"),
    (lambda d: d["stages"][0]["touchpoints"][0].update(team=3), "touchpoint 'A': 'team' must be non-empty text; got 3"),
    (lambda d: d["stages"][0]["touchpoints"][0].update(contact=1), "touchpoint 'A': 'contact' must be true or false; got 1"),
    (lambda d: d["stages"][1].update(repeatable="no"), "stage 'S2': 'repeatable' must be true or false"),
    (lambda d: d["stages"][1].update(colour="red"), r"stage 'S2': unknown key\(s\) \['colour'\]"),
])
def test_validation_errors(mutate, match):
    with pytest.raises(JourneyMapError, match=match):
        JourneyMap.from_dict(_mutate(mutate))


def test_not_a_mapping_and_files(tmp_path):
    with pytest.raises(JourneyMapError, match="expected a mapping"):
        JourneyMap.from_dict(["A", "B"])
    with pytest.raises(InputFileError, match="does not exist"):
        JourneyMap.from_yaml(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("stages: [unclosed\n", encoding="utf-8")
    with pytest.raises(JourneyMapError, match="bad.yaml: not valid YAML"):
        JourneyMap.from_yaml(bad)
    with pytest.raises(InputFileError, match="does not exist"):
        JourneyMap.from_bpmn(tmp_path / "none.bpmn")
    junk = tmp_path / "junk.bpmn"
    junk.write_text("<definitions/>", encoding="utf-8")
    with pytest.raises(JourneyMapError, match="junk.bpmn"):
        JourneyMap.from_bpmn(junk)



@pytest.mark.parametrize("load", [JourneyMap.from_bpmn, JourneyMap.from_file], ids=["from_bpmn", "from_file"])
def test_bpmn_with_entities_refused_by_the_parser(load):
    """A BPMN file declaring an internal entity is refused before pm4py can expand it."""
    path = Path(__file__).parent / "data" / "bad" / "entity.bpmn"
    with pytest.raises(InputFileError, match="entity.bpmn declares a DOCTYPE or XML entities") as info:
        load(path)
    assert "ENTITY-TEXT-MUST-NOT-APPEAR" not in str(info.value)
    assert "ENTITY-TEXT-MUST-NOT-APPEAR" not in repr(info.value.__cause__)

def test_process_tree_and_petri_net():
    jm = JourneyMap.from_yaml(MAP)
    assert str(jm.to_process_tree()) == (
        "->( X( 'Start chat', 'Send e-mail' ), ->( 'Triage', X( ->( 'Escalate', *( 'Fix at L2', tau ) ), tau ), "
        "'Send answer' ), 'Close ticket' )")
    net, im, fm = jm.to_petri_net()
    assert {t.label for t in net.transitions if t.label} == set(jm.activities)
    assert len(im) == 1 and len(fm) == 1
    opt = JourneyMap.from_dict({"name": "o", "goal": ["B"], "stages": [{"name": "S", "order": "loop", "touchpoints": [
        {"activity": "A", "optional": True, "repeatable": True}, {"activity": "B"}]}]})
    assert str(opt.to_process_tree()) == "*( ->( *( tau, 'A' ), 'B' ), tau )"
    assert opt.is_repeatable("B")


def test_relations():
    jm = JourneyMap.from_yaml(MAP)
    assert jm.must_precede("Start chat", "Triage")
    assert jm.must_precede("Triage", "Close ticket")
    assert not jm.must_precede("Close ticket", "Triage")
    assert jm.must_precede("Escalate", "Fix at L2")
    assert not jm.must_precede("Start chat", "Send e-mail")
    assert jm.exclusive("Start chat", "Send e-mail")
    assert not jm.exclusive("Triage", "Send answer")
    assert jm.missing_required({"Start chat", "Close ticket"}) == ["Triage", "Send answer"]
    assert jm.missing_required({"Escalate"}) == ["Start chat", "Triage", "Fix at L2", "Send answer", "Close ticket"]
    assert jm.missing_required(set(jm.activities)) == []
    edges = jm.intended_edges()
    assert ("Escalate", "Fix at L2") in edges["edges"] and ("Fix at L2", "Fix at L2") in edges["edges"]
    assert ("Triage", "Close ticket") not in edges["edges"]
    assert edges["start"] == {"Start chat", "Send e-mail"} and edges["end"] == {"Close ticket"}


def test_bpmn_round_trip(tmp_path):
    jm = JourneyMap.from_yaml(MAP)
    path = jm.write_bpmn(tmp_path / "support.bpmn")
    back = JourneyMap.from_bpmn(path, name="back")
    assert back.name == "back"
    assert sorted(back.activities) == sorted(jm.activities)
    assert back.goal == ("Close ticket",)
    # same behaviour: the same directly-follows relation, start and end activities
    assert back.intended_edges() == jm.intended_edges()
    staged = JourneyMap.from_bpmn(path, stages={"Start chat": "Contact", "Send e-mail": "Contact",
                                                 "Triage": "Resolve", "Close ticket": "Close"})
    assert staged.stage_names == ["Contact", "Resolve", "Close"]
    assert staged.stage_of("Fix at L2") == "Resolve"


def test_plot():
    jm = JourneyMap.from_yaml(MAP)
    fig = jm.plot()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert {"Contact", "Resolve", "Close"} <= set(texts)
    assert {"customer · chat", "customer · e-mail", "backstage"} <= set(texts)
    assert "★ Close ticket" in texts and "Fix at L2 ↻" in texts
    fig2 = jm.plot(overlay={"Triage": 0.25})
    assert any("25%" in t.get_text() for t in fig2.axes[0].texts)
    assert len(fig2.axes) == 2  # the colour bar
    import matplotlib.pyplot as plt

    plt.close("all")


def test_journey_map_doc_is_generated_from_the_schema():
    from journeymining.journeymap.schema import journey_map_reference

    doc = Path(__file__).resolve().parents[1] / "docs" / "JOURNEYMAP.md"
    assert doc.read_text(encoding="utf-8") == journey_map_reference() + "\n", (
        "docs/JOURNEYMAP.md is out of date: regenerate it with journey_map_reference()")


def test_schema_keys_are_the_keys_to_dict_writes():
    """Every key the map writes back is a key the schema accepts (one list of keys)."""
    from journeymining.journeymap.schema import JourneyMapSpec, StageSpec, TouchpointSpec, keys

    d = JourneyMap.from_yaml(MAP).to_dict()
    assert set(d) <= set(keys(JourneyMapSpec))
    assert all(set(st) <= set(keys(StageSpec)) for st in d["stages"])
    assert all(set(tp) <= set(keys(TouchpointSpec))
               for st in d["stages"] for tp in st["touchpoints"] if "touchpoints" not in tp)


def test_a_wrong_value_in_a_yaml_map_names_the_file_stage_and_touchpoint(tmp_path):
    path = tmp_path / "badmap.yaml"
    path.write_text("name: x\ngoal: [Open]\nstages:\n  - name: S\n    touchpoints:\n"
                    "      - {activity: Open, actor: customer}\n", encoding="utf-8")
    with pytest.raises(JourneyMapError, match=r"^badmap.yaml: stage 'S', touchpoint 'Open': 'actor' is 'customer'"):
        JourneyMap.from_yaml(path)

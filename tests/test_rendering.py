"""Drawing DFGs and models with graphviz: labels, formats, Jupyter display, errors."""

import re
import tempfile

import pandas as pd
import pytest

from journeymining.discovery import (
    JourneyModel,
    discover_bpmn,
    discover_dfg,
    discover_journey,
)
from journeymining.errors import JourneyMiningError
from journeymining.rendering import Diagram, GraphvizNotFoundError, render, save

CASE, ACT, TIME = "case:concept:name", "concept:name", "time:timestamp"

# t1: Open 09:00, Triage 09:30, Close 11:00; t2: Open 10:00, Close 10:20; t3 like t1 with
# Triage at 12:10 and Close at 12:40. Edges by hand: Open→Triage 2 (30 min, 10 min),
# Triage→Close 2 (90 min, 30 min), Open→Close 1 (20 min); Open occurs 3 times.
ROWS = [("t1", "Open", "09:00"), ("t1", "Triage", "09:30"), ("t1", "Close", "11:00"),
        ("t2", "Open", "10:00"), ("t2", "Close", "10:20"),
        ("t3", "Open", "12:00"), ("t3", "Triage", "12:10"), ("t3", "Close", "12:40")]


def make_log():
    log = pd.DataFrame(ROWS, columns=[CASE, ACT, TIME])
    log[TIME] = pd.to_datetime("2024-03-01 " + log[TIME], utc=True)
    return log


def edge_labels(source):
    return sorted(re.findall(r'-> \S+ \[label="?([^" ]*)"?', source))


def test_frequency_dfg_labels():
    diagram = render(discover_dfg(make_log()))
    assert isinstance(diagram, Diagram)
    # 3 activity edges (1, 2, 2) plus the start arc (3 cases start with Open) and the end arc
    # (3 cases end with Close)
    assert edge_labels(diagram.source) == ["1", "2", "2", "3", "3"]
    assert "Open (3)" in diagram.source and "Triage (2)" in diagram.source
    assert "Close (3)" in diagram.source
    svg = diagram.svg
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    assert "Triage (2)" in svg


def test_performance_dfg_labels():
    dfg = discover_dfg(make_log())
    mean = render(dfg, measure="performance")
    # means: Open→Triage 20 min, Triage→Close 60 min, Open→Close 20 min
    assert [x for x in edge_labels(mean.source) if x] == ["1h", "20m", "20m"]
    median = render(dfg, measure="performance", statistic="median", title="Median times")
    assert "Median times" in median.source


@pytest.mark.parametrize("view", ["bpmn", "petri_net", "process_tree"])
def test_inductive_model_views(view):
    model = discover_journey(make_log(), noise_threshold=0.0)
    svg = render(model, view=view).svg
    for activity in ("Open", "Triage", "Close"):
        assert activity in svg


@pytest.mark.parametrize("view", [None, "heuristics_net", "petri_net", "bpmn"])
def test_heuristics_model_views(view):
    model = discover_journey(make_log(), algorithm="heuristics")
    svg = render(model, view=view).svg
    assert "Triage" in svg and "</svg>" in svg


def test_pm4py_objects_directly():
    model = discover_journey(make_log(), noise_threshold=0.0)
    for obj in (model.process_tree, (model.net, model.initial_marking, model.final_marking),
                model.net, discover_bpmn(make_log())):
        assert "Triage" in render(obj).svg


def test_jupyter_display():
    model = discover_journey(make_log(), noise_threshold=0.0)
    bundle = model._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml"} and "Triage" in bundle["image/svg+xml"]
    diagram = render(discover_dfg(make_log()))
    assert diagram._repr_svg_() == diagram._repr_mimebundle_()["image/svg+xml"]
    assert "JourneyModel(algorithm='inductive'" in repr(model)


@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"),
                                           (".pdf", b"%PDF"), (".dot", b"digraph")])
def test_save_formats_leave_no_temp_files(tmp_path, monkeypatch, suffix, magic):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = save(discover_journey(make_log()), tmp_path / f"model{suffix}", view="petri_net")
    assert out == tmp_path / f"model{suffix}"
    assert out.read_bytes().lstrip()[:len(magic)] == magic
    out2 = render(discover_dfg(make_log())).save(tmp_path / f"dfg{suffix.upper()}")
    assert out2.read_bytes().lstrip()[:len(magic)] == magic
    assert list(scratch.iterdir()) == []


def test_missing_dot_says_how_to_install(monkeypatch, tmp_path):
    diagram = render(discover_dfg(make_log()))  # building the source needs no dot
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        diagram.svg
    with pytest.raises(GraphvizNotFoundError, match="conda install -c conda-forge graphviz"):
        diagram.save(tmp_path / "x.png")
    # the graphviz source itself can still be saved
    assert diagram.save(tmp_path / "x.gv").read_text() == diagram.source
    # a model shown in Jupyter falls back to its text repr instead of failing
    assert discover_journey(make_log())._repr_mimebundle_() is None


def test_errors(tmp_path):
    dfg = discover_dfg(make_log())
    with pytest.raises(ValueError, match="suffix '.jpeg'; use one of"):
        save(dfg, tmp_path / "x.jpeg")
    with pytest.raises(ValueError, match="suffix ''; use one of"):
        render(dfg).save(tmp_path / "noext")
    with pytest.raises(TypeError, match="cannot draw a str"):
        render("Open -> Close")
    with pytest.raises(JourneyMiningError, match="missing columns \\['frequency'"):
        render(dfg.drop(columns=["frequency"]))
    with pytest.raises(ValueError, match="measure='time' must be"):
        render(dfg, measure="time")
    with pytest.raises(ValueError, match="statistic='max' must be"):
        render(dfg, measure="performance", statistic="max")
    model = discover_journey(make_log())
    with pytest.raises(ValueError, match="view='heuristics_net' is not available"):
        render(model, view="heuristics_net")
    with pytest.raises(ValueError, match="view= only applies to a JourneyModel"):
        render(dfg, view="bpmn")
    bad = Diagram("digraph { a -> }")
    with pytest.raises(RuntimeError, match="dot -Tsvg. failed"):
        bad.svg
    assert isinstance(model, JourneyModel)


def test_max_edges_keeps_the_most_frequent_edges_and_their_activities():
    import journeymining as jm

    conv = jm.tickets_to_event_log("data/samples/helpdesk.csv.gz", "data/samples/mappings/helpdesk.yaml")
    dfg = jm.discover_dfg(conv.log)
    for n in (1, 3, 10):
        source = jm.render(dfg, max_edges=n).source
        inner = dfg[(dfg["source"] != "▶") & (dfg["target"] != "■")]
        top = inner.sort_values("frequency", ascending=False, kind="stable").head(n)
        # every kept edge's frequency label is drawn, and no activity outside them
        for label in top["frequency"].astype(str):
            assert f'label="{label}"' in source or f"label={label}" in source
        assert "Schedule intervention" not in source

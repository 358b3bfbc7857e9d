"""Drawing DFGs and models with graphviz: labels, formats, Jupyter display, errors."""

import re
import tempfile

import pandas as pd
import pytest

from journeymining.discover import (
    JourneyModel,
    discover_bpmn,
    discover_dfg,
    discover_journey,
)
from journeymining.core.errors import JourneyMiningError
from journeymining.viz.rendering import (
    Diagram,
    GraphvizError,
    GraphvizNotFoundError,
    bpmn_gateway_count,
    format_duration,
    process_map_data,
    render,
    save,
    write_bpmn,
)

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


def labels(source):
    return sorted(a or b for a, b in re.findall(r'-> \S+ \[label=(?:"([^"]*)"|([^ \]]+))', source))


def test_frequency_dfg_labels():
    diagram = render(discover_dfg(make_log()))
    assert isinstance(diagram, Diagram)
    # 3 activity edges (1, 2, 2) plus the start arc (3 cases start with Open) and the end arc
    # (3 cases end with Close)
    assert labels(diagram.source) == ["1", "2", "2", "3", "3"]
    # issue 11: an activity is drawn as its name over its count (two lines keep a top-to-bottom
    # map narrow); the counts are the log's: Open 3, Triage 2, Close 3
    assert 'label="Open\\n3"' in diagram.source and 'label="Triage\\n2"' in diagram.source
    assert 'label="Close\\n3"' in diagram.source
    svg = diagram.svg
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    assert ">Triage</text>" in svg


def test_performance_dfg_labels():
    dfg = discover_dfg(make_log())
    mean = render(dfg, measure="performance")
    # means: Open→Triage 20 min, Triage→Close 60 min, Open→Close 20 min (issue 11: human
    # units "20 min" / "1 h"; start and end arcs keep their case counts, 3 and 3)
    assert labels(mean.source) == ["1 h", "20 min", "20 min", "3", "3"]
    # medians: Open→Triage 20 min, Triage→Close 60 min, Open→Close 20 min as well
    assert labels(render(dfg, measure="performance", statistic="median").source) == \
        ["1 h", "20 min", "20 min", "3", "3"]
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
    with pytest.raises(GraphvizError, match="Diagram.source"):
        Diagram("digraph { a -> }").pipe("png")
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
        for frequency in top["frequency"]:
            label = f"{frequency:,}"  # issue 11: counts with thousands separators
            assert f'label="{label}"' in source or f"label={label} " in source
        assert "Schedule intervention" not in source


# --------------------------------------------------------------------------------------------
# issue 11: a readable process map
# --------------------------------------------------------------------------------------------
def log_of(traces, day="2024-03-01"):
    """Event log from {case: [activity, ...]}; events one hour apart."""
    rows = [(case, act, pd.Timestamp(day, tz="UTC") + pd.Timedelta(hours=i))
            for case, acts in traces.items() for i, act in enumerate(acts)]
    return pd.DataFrame(rows, columns=[CASE, ACT, TIME])


def kept_edges(edges):
    return sorted(zip(*(edges.loc[edges["kept"], c] for c in ("source", "target"))))


@pytest.mark.parametrize("value, text", [
    (pd.Timedelta(0), "0 s"), (pd.Timedelta("300ms"), "< 1 s"), (pd.Timedelta("59s"), "59 s"),
    (pd.Timedelta("59.6s"), "1 min"), (pd.Timedelta("20min"), "20 min"),
    (pd.Timedelta("90min"), "1.5 h"), (pd.Timedelta("10h"), "10 h"),
    (pd.Timedelta("23h"), "23 h"), (pd.Timedelta("36h"), "1.5 d"),
    (pd.Timedelta("45D"), "45 d"), (pd.Timedelta("400D"), "400 d"),
    (pd.NaT, ""), (None, ""), (float("nan"), ""), (7200, "2 h"), (-90, "-2 min"),
])
def test_format_duration_human_units(value, text):
    assert format_duration(value) == text


def test_format_duration_rejects_non_durations():
    with pytest.raises(JourneyMiningError, match="'soon' is not a duration"):
        format_duration("soon")


def test_map_source_is_top_to_bottom_sans_serif_and_unsized():
    source = render(discover_dfg(make_log())).source
    assert "rankdir=TB" in source
    assert 'fontname="Helvetica,Arial,sans-serif"' in source
    assert not re.search(r"\bsize=", source) and "ratio=" not in source
    # every font size is at least 10 pt (>= 13 px at the drawing's natural size)
    assert min(int(x) for x in re.findall(r"fontsize=(\d+)", source)) >= 10
    svg = render(discover_dfg(make_log())).svg
    assert "Helvetica" in svg and "Times" not in svg
    model = discover_journey(make_log(), algorithm="heuristics")
    for view in ("heuristics_net", "petri_net"):
        assert 'fontname="Helvetica,Arial,sans-serif"' in render(model, view=view).source
    # models are still laid out left to right unless asked
    assert "rankdir=LR" in render(discover_bpmn(make_log())).source
    assert "rankdir=LR" in render(discover_dfg(make_log()), rankdir="LR").source


def test_edge_width_and_colour_follow_frequency():
    source = render(discover_dfg(make_log())).source
    widths = {int(label): float(w) for label, w in
              re.findall(r"a\d -> a\d \[label=(\d+) color=\S+ penwidth=([\d.]+)", source)}
    # Open→Triage and Triage→Close (2) are wider than Open→Close (1)
    assert set(widths) == {1, 2} and widths[2] > widths[1]
    colours = dict(re.findall(r"a\d -> a\d \[label=(\d+) color=\"(#\w+)\"", source))
    # the rarest path gets the palest grey, the most frequent the darkest
    assert colours == {"1": "#cfcfcf", "2": "#1a1a1a"}


def test_performance_view_fades_rare_paths():
    # a→b is slow but seen once; a→c fast and seen 3 times
    log = log_of({"1": ["a", "c"], "2": ["a", "c"], "3": ["a", "c"], "4": ["a", "b"]})
    log.loc[7, TIME] += pd.Timedelta(days=3)
    source = render(log, measure="performance").source
    slow = re.search(r'label="3 d" color="(#\w+)"', source).group(1)
    fast = re.search(r'label="1 h" color="(#\w+)"', source).group(1)
    # the slow edge is the strongest red, but transparent (alpha 55) because it is rare
    assert slow == "#99000d55" and fast == "#fcbba1ff"
    assert "ns" not in re.findall(r'label="([^"]*)"', source)


def test_node_counts_are_the_logs_even_when_edges_are_hidden():
    # Open 3, Triage 2, Close 3. Keeping 2 of 3 activities (ceil(0.34 * 3) = 2: Close and Open,
    # ties by name) hides Triage; Close still counts 3 although only Open→Close (1) is drawn.
    source = render(discover_dfg(make_log()), activities=0.34).source
    assert 'label="Close\\n3"' in source and 'label="Open\\n3"' in source
    assert "Triage" not in source
    nodes, edges = process_map_data(make_log(), activities=0.34)
    assert nodes[["activity", "frequency", "cases", "kept"]].values.tolist() == [
        ["Close", 3, 3, True], ["Open", 3, 3, True], ["Triage", 2, 2, False]]
    assert kept_edges(edges) == [("Close", "■"), ("Open", "Close"), ("▶", "Open")]


def test_paths_zero_keeps_the_strongest_connected_map():
    # With no path kept, repair adds ▶→Open (3); Close is reached best through Triage (weakest
    # edge 2) rather than Open→Close (1); then Close→■ (3).
    nodes, edges = process_map_data(make_log(), paths=0.0)
    assert nodes["kept"].all() and not nodes["added"].any()
    assert kept_edges(edges) == [("Close", "■"), ("Open", "Triage"), ("Triage", "Close"),
                                 ("▶", "Open")]
    assert edges.loc[edges["kept"], "added"].all()
    # paths=0.5 keeps ceil(0.5 * 5) = 3 of the 5 edges (most frequent first: ▶→Open 3,
    # Close→■ 3, Open→Triage 2) and adds Triage→Close so that Close is reached
    _, half = process_map_data(make_log(), paths=0.5)
    assert kept_edges(half) == [("Close", "■"), ("Open", "Triage"), ("Triage", "Close"),
                                ("▶", "Open")]
    assert half.loc[half["added"], ["source", "target"]].values.tolist() == [["Triage", "Close"]]


def test_hidden_activity_is_shown_again_when_it_is_the_only_way():
    # A 4, B 2, X 2: keeping 2 activities keeps A and B (ties by name); B is reached only
    # through X, so X comes back (added) with A→X and X→B.
    log = log_of({"1": ["A", "X", "B"], "2": ["A", "X", "B"], "3": ["A"], "4": ["A"]})
    nodes, edges = process_map_data(log, activities=0.5)
    assert nodes[["activity", "kept", "added"]].values.tolist() == [
        ["A", True, False], ["B", True, False], ["X", True, True]]
    assert kept_edges(edges) == [("A", "X"), ("A", "■"), ("B", "■"), ("X", "B"), ("▶", "A")]


def _connected(edges):
    kept = edges[edges["kept"]]
    fwd, bwd = {}, {}
    for s, t in zip(kept["source"], kept["target"]):
        fwd.setdefault(s, set()).add(t)
        bwd.setdefault(t, set()).add(s)

    def reach(start, adj):
        seen, todo = {start}, [start]
        while todo:
            for n in adj.get(todo.pop(), ()):
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        return seen

    return reach("▶", fwd), reach("■", bwd)


@pytest.mark.parametrize("activities, paths", [(1.0, 0.0), (0.3, 0.1), (0.5, 0.2), (0.0, 0.0),
                                               (0.8, 0.05)])
def test_helpdesk_map_thresholds_stay_connected_with_true_counts(helpdesk_log, activities, paths):
    nodes, edges = process_map_data(helpdesk_log, activities=activities, paths=paths)
    counts = helpdesk_log["concept:name"].value_counts()
    assert dict(zip(nodes["activity"], nodes["frequency"])) == counts.to_dict()
    assert nodes.loc[nodes["activity"] == "Assign seriousness", "frequency"].item() == 4929
    shown = set(nodes.loc[nodes["kept"], "activity"])
    assert len(shown) >= max(1, -(-int(activities * 100) * len(nodes) // 100))
    from_start, to_end = _connected(edges)
    assert shown <= from_start and shown <= to_end
    # the drawing shows the true counts of every shown activity
    source = render(helpdesk_log, activities=activities, paths=paths).source
    for name in shown:
        assert f"{name}\\n{counts[name]:,}" in source


@pytest.fixture(scope="module")
def helpdesk_log():
    import journeymining as jm

    return jm.tickets_to_event_log("data/samples/helpdesk.csv.gz",
                                   "data/samples/mappings/helpdesk.yaml").log


def test_helpdesk_map_is_sized_to_its_content(helpdesk_log, tmp_path):
    png = render(helpdesk_log, activities=0.5, paths=0.2).save(tmp_path / "map.png").read_bytes()
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    # a top-to-bottom map of 7 activities: narrow and tall, at most a screen wide
    assert width < 600 < height < 1400
    svg = render(helpdesk_log).svg
    width_pt = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    assert width_pt < 1400  # the old left-to-right map was 2,107 pt wide


HOSTILE = ["<B>bold</B>", "<none>", 'say "hi"', "back\\slash", "two\nlines", "{a|b}", "a;b]",
           "&amp;", "\\N"]


def test_hostile_activity_names_are_drawn_literally():
    log = log_of({"1": HOSTILE})
    svg = render(log).svg
    for text in ("&lt;B&gt;bold&lt;/B&gt;", "&lt;none&gt;", "say &quot;hi&quot;",
                 "back\\slash", "two", "lines", "{a|b}", "a;b]", "&amp;amp;", "\\N"):
        assert f">{text}</text>" in svg, text
    # nine activities and start/end: eleven nodes, none lost
    assert svg.count('class="node"') == 11
    render(log, measure="performance").svg
    model = discover_journey(log, noise_threshold=0.0)
    heuristics = discover_journey(log, algorithm="heuristics")
    for drawing in (render(model), render(model, view="petri_net"),
                    render(model, view="process_tree"), render(heuristics),
                    render(heuristics, view="petri_net"), render(heuristics, view="bpmn")):
        svg = drawing.svg
        assert "&lt;B&gt;bold&lt;/B&gt;" in svg and "&lt;none&gt;" in svg
    # the labels are escaped on a copy: the caller's model keeps its names
    assert "<B>bold</B>" in {t.label for t in model.net.transitions}


def test_hostile_activity_names_survive_the_bpmn_file(tmp_path):
    """The .bpmn layout runs Graphviz on the task names: it must neither fail nor alter them."""
    import pm4py

    log = log_of({"1": HOSTILE})
    bpmn = discover_bpmn(log)
    before = sorted(str(n.get_name()) for n in bpmn.get_nodes())
    path = write_bpmn(bpmn, tmp_path / "m.bpmn")
    assert sorted(str(n.get_name()) for n in bpmn.get_nodes()) == before  # caller's model intact
    read = pm4py.read_bpmn(str(path))
    names = {n.get_name() for n in read.get_nodes()}
    # XML attribute normalisation reads a line break in a name back as a space
    assert {h.replace("\n", " ") for h in HOSTILE} <= names
    assert "bpmndi:BPMNShape" in path.read_text(encoding="utf-8")


def test_a_log_with_a_source_column_is_still_a_log():
    log = make_log().assign(source="phone", target="x")
    assert 'label="Open\\n3"' in render(log).source


def test_one_event_log_and_empty_map_inputs():
    one = log_of({"only": ["Closed"]})
    svg = render(one).svg
    assert ">Closed</text>" in svg and ">1</text>" in svg
    assert render(one, measure="performance").svg
    assert render(one, activities=0.0, paths=0.0).svg
    with pytest.raises(JourneyMiningError, match="activities=1.5 must be a share between 0 and 1"):
        render(make_log(), activities=1.5)
    with pytest.raises(JourneyMiningError, match="paths=-0.1 must be a share"):
        process_map_data(make_log(), paths=-0.1)
    with pytest.raises(JourneyMiningError, match="event log is empty"):
        render(make_log().iloc[:0])
    with pytest.raises(ValueError, match="rankdir='up' must be 'TB'"):
        render(make_log(), rankdir="up")


def test_graphviz_not_found_is_a_journeymining_error():
    assert issubclass(GraphvizNotFoundError, JourneyMiningError)
    assert issubclass(GraphvizNotFoundError, RuntimeError)


# --------------------------------------------------------------------------------------------
# issue 11: BPMN, left to right with fewer gateways, and a .bpmn file with diagram interchange
# --------------------------------------------------------------------------------------------
def hand_bpmn(kind="ExclusiveGateway", join_then_split=False):
    from pm4py.objects.bpmn.obj import BPMN

    bpmn = BPMN()
    gateway = getattr(BPMN, kind)
    start, end = BPMN.StartEvent(name="start"), BPMN.NormalEndEvent(name="end")
    a, b, c = (BPMN.Task(name=n) for n in "ABC")
    g1, g2, g5, g3 = (gateway(name=f"g{i}") for i in (1, 2, 5, 3))
    flows = [(start, g1), (g1, g2), (g2, a), (g2, g5), (g5, b), (g5, c), (a, g3), (b, g3),
             (c, g3), (g3, end)]
    if join_then_split:  # A and B join in g3, which feeds a split g4 towards C and end
        g4 = gateway(name="g4")
        flows = [(start, g2), (g2, a), (g2, b), (a, g3), (b, g3), (g3, g4), (g4, c),
                 (g4, end), (c, g1), (g1, end)]
    for node in dict.fromkeys(n for flow in flows for n in flow):
        bpmn.add_node(node)
    for s, t in flows:
        bpmn.add_flow(BPMN.SequenceFlow(s, t))
    return bpmn


@pytest.mark.parametrize("kind", ["ExclusiveGateway", "ParallelGateway"])
def test_bpmn_redundant_gateways_are_merged(kind):
    # g1 only passes the flow on (dropped); g5 is a split fed only by the split g2 (merged):
    # left are one split towards A, B, C and the join g3
    bpmn = hand_bpmn(kind)
    assert bpmn_gateway_count(bpmn, simplify=False) == 4
    assert bpmn_gateway_count(bpmn) == 2
    source = render(bpmn).source
    assert "rankdir=LR" in source and source.count("shape=diamond") == 2
    for name in "ABC":
        assert f"label={name} " in source
    assert len(bpmn.get_nodes()) == 9  # the caller's model is untouched


def test_bpmn_parallel_join_before_split_is_kept():
    # a parallel join feeding a parallel split is not the same as one gateway: both stay;
    # g1 (one in, one out) is dropped
    bpmn = hand_bpmn("ParallelGateway", join_then_split=True)
    assert bpmn_gateway_count(bpmn, simplify=False) == 4
    assert bpmn_gateway_count(bpmn) == 3
    # the exclusive version: g3 leads only to g4, so they are one routing point
    assert bpmn_gateway_count(hand_bpmn("ExclusiveGateway", join_then_split=True)) == 2


def test_write_bpmn_has_diagram_interchange(tmp_path):
    import xml.etree.ElementTree as ET

    model = discover_journey(make_log(), noise_threshold=0.0)
    out = write_bpmn(model, tmp_path / "journey.bpmn")
    root = ET.parse(out).getroot()
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
          "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
          "dc": "http://www.omg.org/spec/DD/20100524/DC"}
    tasks = {t.get("name"): t.get("id") for t in root.iter(f"{{{ns['bpmn']}}}task")}
    assert set(tasks) == {"Open", "Triage", "Close"}
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{{{ns['bpmndi']}}}BPMNShape")}
    for task_id in tasks.values():
        bounds = shapes[task_id].find("dc:Bounds", ns)
        assert all(float(bounds.get(k)) >= 0 for k in ("x", "y")) and \
            float(bounds.get("width")) > 0 and float(bounds.get("height")) > 0
    assert len(list(root.iter(f"{{{ns['bpmndi']}}}BPMNEdge"))) >= 4
    # a BPMN object and a process tree work too; the BPMN is not changed by the layout
    bpmn = discover_bpmn(make_log())
    before = [(n.get_x(), n.get_y()) for n in bpmn.get_nodes()]
    write_bpmn(bpmn, tmp_path / "b.bpmn")
    assert [(n.get_x(), n.get_y()) for n in bpmn.get_nodes()] == before
    write_bpmn(model.process_tree, tmp_path / "t.bpmn")
    with pytest.raises(ValueError, match="should end in '.bpmn'"):
        write_bpmn(model, tmp_path / "journey.xml")
    with pytest.raises(TypeError, match="cannot make a BPMN model of a str"):
        write_bpmn("model", tmp_path / "x.bpmn")


def test_rare_back_edges_do_not_rank_the_map():
    # A → B → C three times, A → B → C → B → C once: edges ▶→A 4, A→B 4, B→C 5, C→B 1, C→■ 4.
    # The flow order is ▶, A, B, C, ■, so only the rare C→B runs backwards and is drawn
    # without ranking constraint; the main path then runs straight down.
    log = log_of({"1": ["A", "B", "C"], "2": ["A", "B", "C"], "3": ["A", "B", "C"],
                  "4": ["A", "B", "C", "B", "C"]})
    lines = render(log).source.splitlines()
    free = [line for line in lines if "constraint=false" in line]
    assert len(free) == 1 and 'tooltip="C → B: 1 time"' in free[0]
    svg = render(log).svg
    ys = {}
    for name in "ABC":
        match = re.search(rf'y="([\d.-]+)"[^>]*>{name}</text>', svg)
        ys[name] = float(match.group(1))
    assert ys["A"] < ys["B"] < ys["C"]  # SVG y grows downwards: A on top

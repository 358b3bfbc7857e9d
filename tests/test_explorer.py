"""The JupyterLab explorers: variants, captions, sliders, toggle, search, sort, static fallback."""

import importlib.util
import re
import sys

import pandas as pd
import pytest

import journeymining.viz.explorer as explorer_module
from journeymining.core.errors import EventLogError, JourneyMiningError
from journeymining.viz import MapExplorer, VariantExplorer, format_duration

CASE, ACT, TIME = "case:concept:name", "concept:name", "time:timestamp"

# Five tickets, 17 events, all on 2024-03-04..08 (UTC):
#   c1: Open 09:00, Triage 10:00, Close 12:00               A, 3 h
#   c2: Open 09:00, Triage 09:30, Close 10:30               A, 1.5 h
#   c3: Open 08:00, Close 08:20                             B, 20 min
#   c4: Open 09:00, Triage 09:10, Wait 09:20, Close 09:40   C, 40 min
#   c5: Open 09:00, Triage 13:00, Close 15:00               A, 6 h
# Variants, most frequent first, ties by their text: #1 A = Open → Triage → Close (c1, c2, c5;
# 60 %, median 3 h, 3 events), #2 B = Open → Close (c3; 20 %, 20 min, 2 events), #3 C =
# Open → Triage → Wait → Close (c4; 20 %, 40 min, 4 events).
# Map of all cases: activities Open 5, Close 5, Triage 4, Wait 1; paths ▶→Open 5,
# Open→Triage 4, Triage→Close 3, Open→Close 1, Triage→Wait 1, Wait→Close 1, Close→■ 5.
# Mean durations: Open→Triage (60 + 30 + 10 + 240) / 4 = 85 min = 1.4 h, Triage→Close
# (120 + 60 + 120) / 3 = 100 min = 1.7 h, Open→Close 20 min, Triage→Wait 10 min,
# Wait→Close 20 min.
ROWS = [
    ("c1", "Open", "03-04 09:00"), ("c1", "Triage", "03-04 10:00"), ("c1", "Close", "03-04 12:00"),
    ("c2", "Open", "03-05 09:00"), ("c2", "Triage", "03-05 09:30"), ("c2", "Close", "03-05 10:30"),
    ("c3", "Open", "03-06 08:00"), ("c3", "Close", "03-06 08:20"),
    ("c4", "Open", "03-07 09:00"), ("c4", "Triage", "03-07 09:10"), ("c4", "Wait", "03-07 09:20"),
    ("c4", "Close", "03-07 09:40"),
    ("c5", "Open", "03-08 09:00"), ("c5", "Triage", "03-08 13:00"), ("c5", "Close", "03-08 15:00"),
]
LABELS = ["#1 · 3 cases · 60.0 % · Open → Triage → Close",
          "#2 · 1 case · 20.0 % · Open → Close",
          "#3 · 1 case · 20.0 % · Open → Triage → Wait → Close"]


def make_log():
    log = pd.DataFrame(ROWS, columns=[CASE, ACT, TIME])
    log[TIME] = pd.to_datetime("2024-" + log[TIME], utc=True)
    return log


def svg_texts(svg):
    return set(re.findall(r">([^<>]+)</text>", svg))


# --------------------------------------------------------------------------------------------
# MapExplorer
# --------------------------------------------------------------------------------------------
def test_map_variant_list_and_full_caption():
    log = make_log()
    before = log.copy()
    explorer = MapExplorer(log)
    assert [label for label, _ in explorer.variant_list.options] == LABELS
    assert [value for _, value in explorer.variant_list.options] == [0, 1, 2]
    assert explorer.variants["cases"].tolist() == [3, 1, 1]
    assert explorer.selected_variants == ()
    assert (explorer.activities, explorer.paths, explorer.measure) == (1.0, 1.0, "frequency")
    assert explorer.caption == "4 of 4 activities, 7 of 7 paths, 5 cases (frequency view)"
    assert {"Open", "Triage", "Wait", "Close", "5", "4", "3", "1"} <= svg_texts(explorer.svg)
    pd.testing.assert_frame_equal(log, before)  # the caller's log is never touched


def test_map_top_variants_limits_the_list():
    explorer = MapExplorer(make_log(), top_variants=2)
    assert [label for label, _ in explorer.variant_list.options] == LABELS[:2]


def test_map_selecting_variants_draws_their_cases_only():
    explorer = MapExplorer(make_log())
    explorer.variant_list.value = (0,)
    # A only: Open, Triage, Close; ▶→Open, Open→Triage, Triage→Close, Close→■; c1 c2 c5
    assert explorer.selected_variants == (0,)
    assert explorer.caption == "3 of 3 activities, 4 of 4 paths, 3 cases (frequency view)"
    assert "Wait" not in svg_texts(explorer.svg)
    explorer.variant_list.value = (2, 1)
    # B and C: Open 2, Close 2, Triage 1, Wait 1; ▶→Open, Open→Close, Open→Triage,
    # Triage→Wait, Wait→Close, Close→■; c3, c4
    assert explorer.caption == "4 of 4 activities, 6 of 6 paths, 2 cases (frequency view)"
    explorer.variant_list.value = ()
    assert explorer.caption == "4 of 4 activities, 7 of 7 paths, 5 cases (frequency view)"


def test_map_low_activity_share_drops_activities():
    explorer = MapExplorer(make_log())
    explorer.activities_slider.value = 0.5
    # the 2 most frequent of 4 (Close 5, Open 5); the paths between them and start/end:
    # ▶→Open, Open→Close, Close→■ (connected already, nothing added)
    assert explorer.activities == 0.5
    assert explorer.caption == "2 of 4 activities, 3 of 7 paths, 5 cases (frequency view)"
    texts = svg_texts(explorer.svg)
    assert {"Open", "Close"} <= texts and not {"Triage", "Wait"} & texts
    explorer.paths_slider.value = 0.0
    assert explorer.caption == "2 of 4 activities, 3 of 7 paths, 5 cases (frequency view)"


def test_map_performance_toggle_puts_durations_on_edges():
    explorer = MapExplorer(make_log())
    assert not {"1.4 h", "1.7 h", "20 min", "10 min"} & svg_texts(explorer.svg)
    explorer.measure_buttons.value = "performance"
    assert explorer.measure == "performance"
    assert {"1.4 h", "1.7 h", "20 min", "10 min"} <= svg_texts(explorer.svg)
    assert explorer.caption == "4 of 4 activities, 7 of 7 paths, 5 cases (performance view)"


def test_map_discovers_each_selection_once(monkeypatch):
    calls = []
    real = explorer_module.discover_dfg

    def counting(log, **keys):
        calls.append(log[CASE].nunique())
        return real(log, **keys)

    monkeypatch.setattr(explorer_module, "discover_dfg", counting)
    explorer = MapExplorer(make_log())
    explorer.activities_slider.value = 0.5
    explorer.paths_slider.value = 0.5
    explorer.measure_buttons.value = "performance"
    explorer.variant_list.value = (0,)
    explorer.variant_list.value = ()
    explorer.variant_list.value = (0,)
    assert calls == [5, 3]


def test_map_static_fallback():
    explorer = MapExplorer(make_log())
    explorer.variant_list.value = (1,)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # ipywidgets' own entry is kept
    # B only: Open, Close; ▶→Open, Open→Close, Close→■; c3
    assert bundle["text/plain"] == ("MapExplorer: 2 of 2 activities, 3 of 3 paths, 1 case "
                                    "(frequency view); move the sliders in JupyterLab")
    assert "<svg" in bundle["text/html"] and "<?xml" not in bundle["text/html"]
    assert "2 of 2 activities, 3 of 3 paths, 1 case (frequency view)" in bundle["text/html"]
    assert repr(explorer) == "MapExplorer(2 of 2 activities, 3 of 3 paths, 1 case (frequency view))"


def test_map_other_keys_are_honoured():
    log = make_log().rename(columns={CASE: "ticket", ACT: "step", TIME: "at"})
    explorer = MapExplorer(log, case_id_key="ticket", activity_key="step", timestamp_key="at")
    assert [label for label, _ in explorer.variant_list.options] == LABELS
    explorer.variant_list.value = (0,)
    assert explorer.caption == "3 of 3 activities, 4 of 4 paths, 3 cases (frequency view)"


# --------------------------------------------------------------------------------------------
# VariantExplorer
# --------------------------------------------------------------------------------------------
def test_variants_table_and_first_variant():
    explorer = VariantExplorer(make_log())
    shown = explorer.shown
    assert shown["rank"].tolist() == [1, 2, 3]
    assert shown["cases"].tolist() == [3, 1, 1]
    assert [format_duration(t) for t in shown["median_throughput"]] == ["3 h", "20 min", "40 min"]
    assert explorer.summary == "3 variants, 5 cases; sorted by most cases"
    assert explorer.selected_variant == 0
    assert explorer.steps == ("Open", "Triage", "Close")
    assert explorer.example_cases == ["c1", "c2", "c5"]
    assert [label for label, _ in explorer.variant_menu.options] == LABELS


@pytest.mark.parametrize("text, ranks, summary", [
    ("wait", [3], "1 of 3 variants have an activity containing 'wait' (1 of 5 cases)"),
    ("TRI", [1, 3], "2 of 3 variants have an activity containing 'TRI' (4 of 5 cases)"),
    ("  pen ", [1, 2, 3], "3 of 3 variants have an activity containing 'pen' (5 of 5 cases)"),
    ("e → c", [], "0 of 3 variants have an activity containing 'e → c' (0 of 5 cases)"),
    ("", [1, 2, 3], "3 variants, 5 cases"),
])
def test_variants_search_is_a_case_insensitive_substring_of_an_activity(text, ranks, summary):
    explorer = VariantExplorer(make_log())
    explorer.search_box.value = text
    assert explorer.shown["rank"].tolist() == ranks
    assert explorer.summary == summary + "; sorted by most cases"


@pytest.mark.parametrize("sort, ranks, label", [
    ("cases", [1, 2, 3], "most cases"),                                     # 3, 1, 1 cases
    ("median_throughput", [1, 3, 2], "longest median throughput"),          # 3 h, 40 min, 20 min
    ("events", [3, 1, 2], "most events"),                                   # 4, 3, 2 events
])
def test_variants_sort(sort, ranks, label):
    explorer = VariantExplorer(make_log())
    explorer.sort_menu.value = sort
    assert explorer.sort == sort
    assert explorer.shown["rank"].tolist() == ranks
    assert explorer.summary == f"3 variants, 5 cases; sorted by {label}"


def test_variants_choice_follows_the_table():
    explorer = VariantExplorer(make_log())
    explorer.search_box.value = "wait"
    assert explorer.selected_variant == 2  # the only match is chosen
    assert explorer.steps == ("Open", "Triage", "Wait", "Close")
    assert explorer.example_cases == ["c4"]
    assert ">Wait</span>" in explorer._steps_view.value
    explorer.search_box.value = ""
    explorer.variant_menu.value = 1
    explorer.sort_menu.value = "events"
    assert explorer.selected_variant == 1  # still shown, so still chosen
    explorer.search_box.value = "nothing like this"
    assert explorer.selected_variant is None
    assert (explorer.steps, explorer.example_cases) == ((), [])


def test_variants_top_limits_the_table():
    explorer = VariantExplorer(make_log(), top=2)
    assert explorer.shown["rank"].tolist() == [1, 2]
    assert explorer.summary == ("3 variants, 5 cases; sorted by most cases; "
                                "the table shows the first 2")


def test_variants_static_fallback():
    explorer = VariantExplorer(make_log())
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == ("VariantExplorer: 3 variants, 5 cases; sorted by most cases; "
                                    "search and sort in JupyterLab")
    page = bundle["text/html"]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", page)
    assert cells == ["1", "3", "60.0 %", "3 h", "Open → Triage → Close",
                     "2", "1", "20.0 %", "20 min", "Open → Close",
                     "3", "1", "20.0 %", "40 min", "Open → Triage → Wait → Close"]
    assert "more in JupyterLab" not in page


def test_variants_static_fallback_shows_twenty_rows():
    # 25 one-event cases, each its own activity: 25 variants of one case
    log = pd.DataFrame({CASE: [f"t{i:02d}" for i in range(25)],
                        ACT: [f"Step {i:02d}" for i in range(25)],
                        TIME: pd.date_range("2024-01-01", periods=25, freq="h", tz="UTC")})
    page = VariantExplorer(log)._repr_mimebundle_()["text/html"]
    assert page.count("<tr>") == 1 + 20
    assert "… and 5 more in JupyterLab." in page


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("factory", [MapExplorer, VariantExplorer])
def test_not_an_event_log(factory):
    name = factory.__name__
    with pytest.raises(EventLogError, match=rf"{name}: the event log has no column 'concept:name'"):
        factory(make_log().drop(columns=ACT))
    with pytest.raises(EventLogError, match=rf"{name}: the event log has no column 'ticket'"):
        factory(make_log(), case_id_key="ticket")
    with pytest.raises(EventLogError, match=rf"{name} needs an event log as a pandas DataFrame"):
        factory([("c1", "Open")])
    with pytest.raises(EventLogError, match=r"column 'time:timestamp' holds \w+, not timestamps"):
        factory(make_log().astype({TIME: str}))


@pytest.mark.parametrize("value", [0, -3, 2.5, True, "30"])
def test_top_variants_must_be_at_least_one(value):
    with pytest.raises(JourneyMiningError,
                       match=rf"MapExplorer: top_variants={re.escape(repr(value))} must be a whole "
                             r"number of at least 1 .*Pass e\.g\. top_variants=30"):
        MapExplorer(make_log(), top_variants=value)


@pytest.mark.parametrize("value", [0, 1.0, None])
def test_top_must_be_at_least_one(value):
    with pytest.raises(JourneyMiningError,
                       match=rf"VariantExplorer: top={value!r} must be a whole number of at least "
                             r"1 .*Pass e\.g\. top=200"):
        VariantExplorer(make_log(), top=value)


def test_without_ipywidgets_import_works_and_building_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets now fails
    spec = importlib.util.spec_from_file_location("explorer_without_ipywidgets",
                                                  explorer_module.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.widgets is None
    for factory in (module.MapExplorer, module.VariantExplorer):
        with pytest.raises(JourneyMiningError, match=rf"{factory.__name__} needs ipywidgets.*"
                                                     r"`pip install ipywidgets`"):
            factory(make_log())

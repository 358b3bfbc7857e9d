"""Side-by-side cohort maps: hand-counted edges of two tiny cohorts, colours where significant."""

import re

import pandas as pd
import pytest

from journeymining.core.errors import JourneyMiningError
from journeymining.measure import compare_cohorts
from journeymining.viz import draw_cohort_maps


def _log(paths, tag):
    rows = [(f"{tag}{i}", a, pd.Timestamp("2024-03-01", tz="UTC") + pd.Timedelta(hours=j))
            for i, path in enumerate(paths) for j, a in enumerate(path)]
    return pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])


def _sides(source):
    a, b = source.split("subgraph cluster_b")
    return a.split("subgraph cluster_a")[1], b


def _edge_labels(side):
    """{(source label, target label): edge label} of one side of the drawing."""
    label = r'label=(?:"([^"]*)"|([^\s\]]+))'
    names = {n: q or bare for n, q, bare in re.findall(r"^\s*([ab]\d+) \[" + label, side, re.M)}
    out = {}
    for s, t, attrs in re.findall(r"\b([ab]\d+) -> ([ab]\d+) \[([^\]]*)\]", side):
        q, bare = re.search(label, attrs).groups()
        out[(names[s], names[t])] = (q or bare, attrs)
    return out


def test_counts_shares_and_missing_paths_by_hand():
    a = _log([["Open", "Close"]] * 3 + [["Open", "Wait", "Close"]], "a")     # 4 cases
    b = _log([["Open", "Wait", "Close"]] * 4, "b")                           # 4 cases
    cmp = compare_cohorts(a, b, labels=("March", "April"), n_resamples=200)
    side_a, side_b = _sides(draw_cohort_maps(cmp, top=5).source)
    ea, eb = _edge_labels(side_a), _edge_labels(side_b)
    # cases with the edge / cases of the cohort, counted by hand from the paths above
    assert ea[("Open", "Close")][0] == "3 (75 %)" and eb[("Open", "Close")][0] == "0 (0 %)"
    assert ea[("Open", "Wait")][0] == "1 (25 %)" and eb[("Open", "Wait")][0] == "4 (100 %)"
    assert ea[("Wait", "Close")][0] == "1 (25 %)" and eb[("Wait", "Close")][0] == "4 (100 %)"
    assert "dashed" in eb[("Open", "Close")][1]                               # April never takes it
    assert 'label="March: 4 cases"' in side_a and 'label="April: 4 cases"' in side_b
    # 4 cases a side are too few for any difference to be significant: nothing is coloured
    assert "#3182bd" not in "".join(v[1] for v in ea.values())
    assert "#c44e52" not in "".join(v[1] for v in eb.values())
    # top=2: the two largest differences (0.75 each; ties by name): Open→Close, Open→Wait
    ea2 = _edge_labels(_sides(draw_cohort_maps(cmp, top=2).source)[0])
    assert set(ea2) == {("Open", "Close"), ("Open", "Wait")}


def test_significant_edges_take_their_cohorts_colour():
    a = _log([["Open", "Close"]] * 40 + [["Open", "Wait", "Close"]] * 2, "a")
    b = _log([["Open", "Wait", "Close"]] * 40, "b")
    cmp = compare_cohorts(a, b, n_resamples=200)
    side_a, side_b = _sides(draw_cohort_maps(cmp).source)
    ea, eb = _edge_labels(side_a), _edge_labels(side_b)
    assert ea[("Open", "Close")][0] == "40 (95 %)" and "#3182bd" in ea[("Open", "Close")][1]
    assert eb[("Open", "Wait")][0] == "40 (100 %)" and "#c44e52" in eb[("Open", "Wait")][1]
    # the same edge on the other side is grey: it is not more common there
    assert ea[("Open", "Wait")][0] == "2 (5 %)" and "#8c8c8c" in ea[("Open", "Wait")][1]


def test_errors():
    with pytest.raises(JourneyMiningError, match="expected the result of compare_cohorts"):
        draw_cohort_maps(pd.DataFrame({"x": [1]}))
    cmp = compare_cohorts(_log([["Open", "Close"]] * 3, "a"), _log([["Open", "Close"]] * 3, "b"),
                          n_resamples=100)
    with pytest.raises(JourneyMiningError, match="top must be a whole number >= 1; got 0"):
        draw_cohort_maps(cmp, top=0)

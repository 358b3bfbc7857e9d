"""The process map at every slider state: captions counted by hand, drawings kept once, errors."""

import pandas as pd
import pytest

from journeymining.core.errors import JourneyMiningError
from journeymining.discover import discover_dfg
from journeymining.viz import process_map_states


@pytest.fixture(scope="module")
def dfg():
    # a: Open → Wait → Close; b, c: Open → Close. Activities: Open 3, Close 3, Wait 1 events.
    # Paths (start and end arcs included): ▶→Open 3, Open→Close 2, Open→Wait 1, Wait→Close 1,
    # Close→■ 3: five paths.
    rows = [("a", "Open", 0), ("a", "Wait", 1), ("a", "Close", 2), ("b", "Open", 3), ("b", "Close", 4),
            ("c", "Open", 5), ("c", "Close", 6)]
    log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "h"])
    log["time:timestamp"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(log.pop("h"), unit="h")
    return discover_dfg(log)


def test_captions_by_hand(dfg):
    states = process_map_states(dfg, activity_levels=(1.0, 0.5, 0.0), path_levels=(1.0,))
    assert states.caption(1.0, 1.0, "frequency") == "3 of 3 activities, 5 of 5 paths"
    # half the activities: the two most frequent (Close, Open), and the three paths between them
    assert states.caption(0.5, 1.0, "frequency") == "2 of 3 activities, 3 of 5 paths"
    # none: Close (most frequent, first by name) is kept, and Open is added back so that Close
    # is reachable from the start along the strongest path ▶→Open→Close
    assert states.caption(0.0, 1.0, "performance") == "2 of 3 activities, 3 of 5 paths"
    assert set(states.index) == {(a, 1.0, m) for a in (1.0, 0.5, 0.0) for m in ("frequency", "performance")}
    svg = states.svg(0.5, 1.0, "frequency")
    assert svg.startswith("<svg") and "Wait" not in svg and "Open" in svg and "Close" in svg
    assert "Wait" in states.svg(1.0, 1.0, "frequency")
    assert " h" in states.svg(1.0, 1.0, "performance")      # waits in hours on the edges


def test_each_distinct_drawing_is_kept_once(dfg):
    # 0.9 of 3 activities rounds up to all 3: the same map as 1.0, drawn once per view
    states = process_map_states(dfg, activity_levels=(1.0, 0.9), path_levels=(1.0,))
    assert len(states.svgs) == 2
    assert states.index[(1.0, 1.0, "frequency")] == states.index[(0.9, 1.0, "frequency")]
    assert states.index[(1.0, 1.0, "frequency")] != states.index[(1.0, 1.0, "performance")]


def test_default_state(dfg):
    # the first path level whose map draws at most max_edges paths, at the first activity level
    states = process_map_states(dfg, activity_levels=(0.5, 1.0), path_levels=(1.0, 0.0), max_edges=3)
    assert states.default == (0.5, 1.0, "frequency")
    # no level draws at most 2 paths: the last one
    assert process_map_states(dfg, activity_levels=(1.0,), path_levels=(1.0, 0.0), max_edges=2).default \
        == (1.0, 0.0, "frequency")
    assert process_map_states(dfg, activity_levels=(1.0,), path_levels=(1.0,),
                              default=(1.0, 1.0, "performance")).default == (1.0, 1.0, "performance")


def test_errors(dfg):
    with pytest.raises(JourneyMiningError, match="activity_levels=\\(1.0, 1.5\\) must be distinct shares"):
        process_map_states(dfg, activity_levels=(1.0, 1.5))
    with pytest.raises(JourneyMiningError, match="path_levels=\\(0.5, 0.5\\) must be distinct shares"):
        process_map_states(dfg, path_levels=(0.5, 0.5))
    with pytest.raises(JourneyMiningError, match="measures=\\('speed',\\) must be taken from"):
        process_map_states(dfg, measures=("speed",))
    with pytest.raises(JourneyMiningError, match="default=\\(0.3, 1.0, 'frequency'\\) is not a state of the grid"):
        process_map_states(dfg, default=(0.3, 1.0, "frequency"))
    with pytest.raises(JourneyMiningError, match="expected a directly-follows graph, not a DataFrame missing the columns \\['source'"):
        process_map_states(pd.DataFrame({"x": [1]}))

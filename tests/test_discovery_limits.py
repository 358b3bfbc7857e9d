"""A single very long ticket: discovery cuts long variants for the inductive miner and says so.

Issue 9 §2: one ticket of 100,000 events took analyze 300 s (296 in discovery). The inductive
miner now sees at most ``max_variant_length`` events of a variant; the cut is in the model's
parameters, its warnings and the analysis notes. Not timed: the cap and the note are checked.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import journeymining
from journeymining.discover import discover_journey, variant_table
from journeymining.discover.models import MAX_VARIANT_LENGTH, DiscoveryLimitWarning


def _one_long_case(n, n_activities=20, seed=0):
    rng = np.random.default_rng(seed)
    acts = [f"Activity {i}" for i in range(n_activities)]
    return pd.DataFrame({
        "case:concept:name": "C1",
        "concept:name": rng.choice(acts, n),
        "time:timestamp": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.arange(n), unit="min"),
    })


def _short_cases():
    return pd.DataFrame({
        "case:concept:name": ["a", "a", "b", "b", "b"],
        "concept:name": ["Chat", "Resolve", "Chat", "Escalate", "Resolve"],
        "time:timestamp": pd.to_datetime(["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04", "2024-05-05"],
                                         utc=True),
    })


def test_a_long_variant_is_cut_for_the_miner_and_the_cut_is_recorded():
    log = _one_long_case(20_000)
    with pytest.warns(DiscoveryLimitWarning, match=r"max_variant_length=1,000.*20,000") as record:
        model = discover_journey(log)
    warning = next(w.message for w in record if isinstance(w.message, DiscoveryLimitWarning))
    assert (warning.limit, warning.value, warning.variants, warning.cases) == ("max_variant_length", 1000, 1, 1)
    assert warning.events_left_out == 19_000
    assert model.parameters["max_variant_length"] == MAX_VARIANT_LENGTH == 1000
    assert model.parameters["variants_cut"] == 1
    assert model.warnings == (warning,)
    assert (model.n_variants, model.n_cases) == (1, 1)
    # every activity of the first 1,000 events is in the model
    labels = {t.label for t in model.net.transitions if t.label}
    assert labels == set(log["concept:name"].iloc[:1000])


def test_short_variants_are_not_cut_and_the_limit_can_be_changed():
    log = _short_cases()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiscoveryLimitWarning)
        model = discover_journey(log, noise_threshold=0.0)
    assert model.warnings == ()
    assert model.parameters == {"noise_threshold": 0.0, "max_variant_length": 1000}
    assert str(model.process_tree) == "->( 'Chat', X( tau, 'Escalate' ), 'Resolve' )"
    with pytest.warns(DiscoveryLimitWarning, match="1 variant"):
        cut = discover_journey(log, noise_threshold=0.0, max_variant_length=2)
    assert cut.parameters["variants_cut"] == 1
    assert "Escalate" in {t.label for t in cut.net.transitions}
    assert "Resolve" in {t.label for t in cut.net.transitions}  # from the uncut variant a
    whole = discover_journey(_one_long_case(1_500), max_variant_length=None)
    assert whole.warnings == () and whole.parameters["max_variant_length"] is None


@pytest.mark.parametrize("value", [0, -5, 2.5, "100", True])
def test_a_bad_limit_is_refused(value):
    with pytest.raises(ValueError, match=r"max_variant_length=.*positive whole number"):
        discover_journey(_short_cases(), max_variant_length=value)


def test_the_heuristics_miner_sees_whole_variants():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiscoveryLimitWarning)
        model = discover_journey(_one_long_case(3_000), algorithm="heuristics")
    assert model.warnings == ()


def test_analyze_of_one_long_ticket_finishes_and_notes_the_cut(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEYMINING_PROGRESS", "0")
    log = _one_long_case(20_000)
    analysis = journeymining.analyze(log, journey_map=None, out_dir=tmp_path / "report", alignments=False)
    assert analysis.model.parameters["variants_cut"] == 1
    notes = [n for n in analysis.notes if "max_variant_length" in n]
    assert len(notes) == 1 and "20,000" in notes[0]
    # variants and the DFG use the whole log
    assert variant_table(log)["cases"].tolist() == analysis.variants["cases"].tolist() == [1]
    assert int(analysis.dfg["frequency"].sum()) >= 19_999
    summary = json.loads((tmp_path / "report" / "summary.json").read_text(encoding="utf-8"))
    assert any("max_variant_length" in n for n in summary["notes"])
    assert "max_variant_length" in (tmp_path / "report" / "index.html").read_text(encoding="utf-8")

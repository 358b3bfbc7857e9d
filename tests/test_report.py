"""The HTML report: self-contained by construction, and checked in a real headless Chromium.

The browser check drives Debian's chromium over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: commands on fd 3, answers on fd 4, NUL-separated JSON), so no
websocket library is needed. It asserts that every figure decoded to a non-empty image, that the
screenshot is not blank, and -- with all host names resolving to nothing and a network log
written -- that the page asked for nothing but file:// and data: URLs. A control page with one
external image proves the same checks do catch a request that leaves the machine.
"""

import base64
import io
import os

import numpy as np
import pandas as pd
import pytest

from journeymining.pipeline import analyze
from journeymining.core.errors import JourneyMiningError
from journeymining.report import ReportSection, find_external_references, write_report

from browser import CHROMIUM, browse


# ------------------------------------------------------------------------ self-contained check
def test_find_external_references():
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>'
    page = (
        '<html xmlns="http://www.w3.org/1999/xhtml"><head>'
        '<link rel="stylesheet" href="http://cdn.example/s.css">'
        "<style>@import 'https://fonts.example/f.css'; body{background:url( //img.example/b.png )}</style>"
        '<script src="https://cdn.example/x.js"></script></head><body>'
        '<a href="#top">top</a><a href="kpis.csv">csv</a><img src="data:image/png;base64,AAAA">'
        f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'
        "</body></html>"
    )
    assert find_external_references(page) == [
        "http://cdn.example/s.css", "https://fonts.example/f.css", "//img.example/b.png",
        "https://cdn.example/x.js", "https://evil.example/x.png"]
    assert find_external_references('<a href="kpis.csv">x</a><div id="a"></div>') == []


def _figure():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    fig.add_subplot().plot([1, 3, 2])
    return fig


class _Drawing:  # like journeymining.viz.rendering.Diagram
    svg = ('<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
           '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg xmlns="http://www.w3.org/2000/svg" '
           'width="40" height="20"><rect width="40" height="20" fill="red"/></svg>')


def _png_bytes():
    buf = io.BytesIO()
    _figure().savefig(buf, format="png")
    return buf.getvalue()


def test_write_report_files_tables_and_figures(tmp_path):
    table = pd.DataFrame({"stage": ["Contact", "<b>Resolve</b>"], "hours": [1.5, np.nan],
                          "wait": pd.to_timedelta(["30min", "3h"])})
    page = write_report(tmp_path / "out", [
        ReportSection("KPIs & <more>", "First paragraph.\n\nSecond <i>one</i>.",
                      figures=[("a matplotlib figure", _figure()), _Drawing(), _png_bytes(),
                               _Drawing.svg],
                      tables={"cx map": table, "cx map ": table.head(1)}),
    ], title="T <1>", max_rows=1, embed_rows=1)
    html_text = page.read_text()
    assert page.name == "index.html"
    assert sorted(p.name for p in page.parent.iterdir()) == ["cx-map-2.csv", "cx-map.csv", "index.html"]
    back = pd.read_csv(page.parent / "cx-map.csv")
    assert back["stage"].tolist() == ["Contact", "<b>Resolve</b>"]           # CSV holds all rows
    assert "the page holds the first 1 of 2 rows" in html_text and "30.0 min" in html_text
    assert "&lt;b&gt;Resolve" not in html_text                               # only 1 row embedded
    assert 'data-v="1800.0"' in html_text and 'data-v="1.5"' in html_text   # sort keys: seconds, numbers
    assert 'data-page="1"' in html_text                                     # the script pages by max_rows
    assert "<title>T &lt;1&gt;</title>" in html_text and "Second &lt;i&gt;one&lt;/i&gt;." in html_text
    assert html_text.count('<img class="figure') == 4
    assert html_text.count("data:image/svg+xml;base64,") == 3 and html_text.count("data:image/png;base64,") == 1
    # one inline script (ours), nothing loaded: no src= on a script, no font
    assert html_text.count("<script") == 1 and "<script src" not in html_text and "@font-face" not in html_text
    assert find_external_references(html_text) == []


def test_report_tables_never_carry_spreadsheet_formulas(tmp_path):
    table = pd.DataFrame({"variant": ['=HYPERLINK("http://x")', "Open → Close"], "cases": [-3, 4]})
    page = write_report(tmp_path / "out", [ReportSection("Variants", "", tables={"variants": table})])
    lines = (page.parent / "variants.csv").read_text(encoding="utf-8").splitlines()
    assert lines == ["variant,cases", "\"'=HYPERLINK(\"\"http://x\"\")\",-3", "Open → Close,4"]
    # the page shows the name as it is (escaped), only the CSV is made safe for spreadsheets
    assert "<td>=HYPERLINK(&#34;http://x&#34;)</td>" in page.read_text()
    assert not [p.name for p in page.parent.iterdir() if ".part-" in p.name]  # no temporary file left


def test_write_report_errors(tmp_path):
    with pytest.raises(JourneyMiningError, match="sections\\[0\\] is a dict, not a ReportSection"):
        write_report(tmp_path, [{"title": "x"}])
    with pytest.raises(JourneyMiningError, match="cannot embed a figure of type int"):
        write_report(tmp_path, [ReportSection("x", figures=[3])])
    with pytest.raises(JourneyMiningError, match="must be a PNG image"):
        write_report(tmp_path, [ReportSection("x", figures=[b"GIF89a"])])
    with pytest.raises(JourneyMiningError, match="must be an SVG document"):
        write_report(tmp_path, [ReportSection("x", figures=["<html></html>"])])


# ------------------------------------------------------------------------------- the pipeline
def _generated(n, seed):
    from journeymining.synth.generator import generate_tickets
    from journeymining.journeymap.model import JourneyMap

    gen = generate_tickets(n, random_state=seed, shapes=("events",))
    jm = JourneyMap.from_dict(gen.journey_map)
    touchpoints = {r.activity: {"stage": r.stage, "actor": r.actor}
                   for r in jm.touchpoint_table().itertuples()}
    mapping = {"shape": "events", "case": {"id": "ticket_id", "customer": "customer_id"},
               "activity": "activity",
               "timestamp": {"column": "timestamp", "timezone": "Europe/Amsterdam"},
               "resource": "agent", "group": "team", "channel": "channel",
               "attributes": {"csat": "csat"}, "activities": {"touchpoints": touchpoints}}
    return gen, jm, mapping


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    gen, jm, mapping = _generated(400, seed=11)
    out = tmp_path_factory.mktemp("report")
    return analyze(gen.events, mapping, journey_map=jm, out_dir=out, alignments=False), gen


def test_analyze_writes_report_and_tables(analysis):
    result, gen = analysis
    page = result.index
    names = {p.name for p in page.parent.iterdir()}
    assert {"index.html", "variants.csv", "kpis-overall.csv", "cx-map.csv", "pain-points.csv",
            "deviations.csv", "directly-follows-edges.csv", "conversion.csv", "definitions.csv",
            "summary.json"} <= names
    html_text = page.read_text()
    assert find_external_references(html_text) == []
    for title in ("Overview", "Definitions", "Path variants", "Journey model", "Intended vs actual journey",
                  "Journey KPIs", "CX map", "Pain points"):
        assert f"<h2>{title}</h2>" in html_text
    for caption in ("Stage funnel: share of journeys", "The ten pain points with the largest impact",
                    "KPIs by the month in which the journeys started"):
        assert f"<figcaption>{caption}" in html_text, caption
    kpis = pd.read_csv(page.parent / "kpis-overall.csv")
    assert kpis.loc[0, "cases"] == 400 == len(gen.truth)
    # one goal rate in the whole report: the KPIs, the conformance and the cluster profiles agree
    # with each other and with the generator's ground truth (planted drop-offs end far from the log end)
    goal = kpis.loc[0, "goal_rate"]
    assert goal == pytest.approx(1 - gen.truth["drop_off"].mean())
    assert result.conformance.cases["reached_goal"].mean() == pytest.approx(goal)
    profiles = result.clusterer.cluster_profiles_
    assert (profiles["goal_reached"] * profiles["cases"]).sum() / profiles["cases"].sum() == pytest.approx(goal)
    assert result.cx_map["stage"].tolist() == ["Contact", "Triage", "Resolve", "Close", "Feedback"]
    assert list(result.timings) == ["input", "measures", "variants", "discovery", "conformance",
                                    "clusters", "KPIs", "CX map", "pain points", "report"]
    assert len(result.log) == len(gen.events)


def test_every_headline_figure_carries_its_definition(analysis):
    import json

    result, _ = analysis
    summary = json.loads((result.index.parent / "summary.json").read_text())
    assert len(summary["headline"]) >= 15
    for key, fig in summary["headline"].items():
        assert fig["definition"], key
        if fig["value"] is None:
            assert fig["text"] == "n/a" and fig["n/a because"], key
    from markupsafe import escape

    html_text = result.index.read_text()
    for fig in summary["headline"].values():
        shown = fig["definition"] if fig["value"] is not None else f"n/a, because {fig['n/a because']}"
        assert str(escape(shown)) in html_text, fig["label"]
    assert summary["headline"]["fcr_rate"]["value"] is not None     # the map marks the contacts


def test_analyze_progress_and_no_map(tmp_path, monkeypatch, capsys):
    gen, _, mapping = _generated(60, seed=5)
    monkeypatch.setenv("JOURNEYMINING_PROGRESS", "1")
    result = analyze(gen.events, mapping, out_dir=tmp_path)
    err = capsys.readouterr().err
    for i, name in enumerate(["input", "measures", "variants", "discovery", "clusters", "KPIs", "CX map",
                              "pain points", "report"], start=1):
        assert f"[journeymining] [{i}/9] {name}" in err
    assert result.conformance is None
    html_text = result.index.read_text()
    assert "Intended vs actual journey" not in html_text
    # no goal given and no map: goal-based figures say n/a and why; the candidates are listed
    assert "n/a, because no goal given" in html_text and "most common last activities" in html_text


def test_analyze_empty_conversion(tmp_path):
    tickets = pd.DataFrame({"id": ["", ""], "act": ["a", "b"], "at": ["2024-01-01", "2024-01-02"]})
    mapping = {"case": {"id": "id"}, "activity": "act", "timestamp": {"column": "at"}}
    with pytest.raises(JourneyMiningError, match="kept no event \\(2 rows read"):
        analyze(tickets, mapping, out_dir=tmp_path)


# -------------------------------------------------------------------------- the real browser
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                    reason=f"{CHROMIUM} is not installed (apt-get install chromium)")


@needs_chromium
def test_report_in_headless_chromium(analysis):
    import matplotlib.image as mpimg

    result, _ = analysis
    page = result.index
    images, shot, requests, net = browse(page)
    n_img = page.read_text().count('<img class="figure')
    assert n_img >= 4                                      # DFG, model, map overlay, CX map
    assert len(images) == n_img
    assert all(w > 50 and h > 50 for w, h in images), images
    pixels = mpimg.imread(io.BytesIO(shot))
    assert pixels.shape[0] > 500 and pixels.shape[1] > 500
    assert pixels[..., :3].std() > 0.05                   # not a blank page
    assert len(np.unique(pixels[..., :3].reshape(-1, 3), axis=0)) > 50
    assert requests and all(u.startswith(("file://", "data:")) for u in requests), requests
    assert net == [], net                                  # nothing left the machine


@needs_chromium
def test_browser_check_catches_an_external_request(tmp_path):
    page = tmp_path / "leak.html"
    page.write_text('<html><body><p>x</p><img src="https://example.org/pixel.png"></body></html>')
    images, _, requests, net = browse(page)
    assert images == [[0, 0]]                              # the image did not load
    assert "https://example.org/pixel.png" in requests
    assert "https://example.org/pixel.png" in net

"""The interactive report in a real headless Chromium: tabs, tables and the process map's controls.

Each test loads a report written by ``analyze`` into Debian's chromium (driven as in
``tests/browser.py``: every host name resolves to nothing and a network log is kept), clicks the
controls with real mouse events, types into the search boxes, and checks that the page changed
as it should -- against figures computed here with pandas from the raw input, never from the
package's own output. Screenshots are taken at 1400 CSS pixels wide, where every label of the
process map must be at least 10 px tall on screen.
"""

import io
import json
import os
import re
import tempfile

import numpy as np
import pandas as pd
import pytest

from journeymining.pipeline import analyze

from browser import (CHROMIUM, Chromium, click, exceptions, open_page, screenshot, type_text,
                     wait_for)

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"{CHROMIUM} is not installed (apt-get install chromium)")

SAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "data", "samples")

# the smallest on-screen size of any label of the visible process map, in CSS pixels
MIN_LABEL = """(() => {
  const t = Array.from(document.querySelectorAll('.pmap-canvas svg text'));
  const sizes = t.map(e => parseFloat(e.getAttribute('font-size')) * e.getScreenCTM().a);
  return [t.length, Math.min(...sizes)];
})()"""

# node boxes of the visible map as {activity: count} (each box has the name then the count)
NODES = """(() => {
  const out = {};
  document.querySelectorAll('.pmap-canvas svg g.node').forEach(g => {
    const t = Array.from(g.querySelectorAll('text')).map(e => e.textContent);
    if (t.length >= 2) out[t.slice(0, -1).join('\\n')] = t[t.length - 1];
  });
  return out;
})()"""

EDGE_LABELS = """Array.from(document.querySelectorAll('.pmap-canvas svg g.edge text')).map(e => e.textContent)"""

VISIBLE_ROWS = """(sel => Array.from(document.querySelectorAll(sel + ' tbody tr')).filter(r => !r.hidden)
                   .map(r => Array.from(r.cells).map(c => c.textContent)))"""


@pytest.fixture(scope="module")
def helpdesk_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("helpdesk-report")
    result = analyze(os.path.join(SAMPLES, "helpdesk.csv.gz"),
                     os.path.join(SAMPLES, "mappings", "helpdesk.yaml"),
                     journey_map=os.path.join(SAMPLES, "helpdesk_intended_journey.yaml"),
                     out_dir=out, alignments=False, cluster=False)
    # the conversion quarantines the 127 rows that repeat another row in every column (see
    # data/samples/helpdesk.README.md); the file is in case and time order
    raw = pd.read_csv(os.path.join(SAMPLES, "helpdesk.csv.gz")).drop_duplicates()
    return result.index, raw


@pytest.fixture(scope="module")
def generated_report(tmp_path_factory):
    from journeymining.journeymap.model import JourneyMap
    from journeymining.synth.generator import generate_tickets

    gen = generate_tickets(300, random_state=3, shapes=("events",))
    jm = JourneyMap.from_dict(gen.journey_map)
    mapping = {"shape": "events", "case": {"id": "ticket_id", "customer": "customer_id"},
               "activity": "activity", "timestamp": {"column": "timestamp", "timezone": "Europe/Amsterdam"},
               "resource": "agent", "group": "team", "channel": "channel"}
    out = tmp_path_factory.mktemp("generated-report")
    result = analyze(gen.events, mapping, journey_map=jm, out_dir=out, alignments=False, cluster=False)
    return result.index, gen.events


@pytest.fixture()
def browser():
    with tempfile.TemporaryDirectory() as profile:
        b = Chromium(profile)
        try:
            yield b
        finally:
            b.close()


def _section(browser, s):
    return browser.evaluate(s, "Array.from(document.querySelectorAll('main > section'))"
                               ".filter(x => !x.hidden).map(x => x.id)")


def _move_map(browser, s, slider, x_frac):
    before = browser.evaluate(s, "document.querySelector('.pmap').getAttribute('data-state')")
    click(browser, s, f".pmap input.{slider}", x_frac=x_frac)
    return wait_for(browser, s, f"""(() => {{ const v = document.querySelector('.pmap').getAttribute('data-state');
                                     return v !== {json.dumps(before)} && v; }})()""")


def test_tabs_map_controls_and_tables_respond_to_clicks(helpdesk_report, browser):
    page, raw = helpdesk_report
    s = open_page(browser, page)
    wait_for(browser, s, "document.documentElement.classList.contains('js')")
    # one tab at a time: the overview first
    assert _section(browser, s) == ["overview"]
    click(browser, s, "nav a[data-tab='journey-model']")
    assert wait_for(browser, s, "location.hash === '#journey-model'")
    assert _section(browser, s) == ["journey-model"]
    assert browser.evaluate(s, "document.querySelector('nav a.active').textContent") == "Journey model"

    # the map at 100 % activities: one box per activity of the raw log, with its true count
    counts = raw["Activity"].value_counts()
    click(browser, s, ".pmap input.paths", x_frac=0.99)     # all paths
    wait_for(browser, s, "document.querySelector('.pmap').getAttribute('data-state') === '1|1|frequency'")
    nodes = browser.evaluate(s, NODES)
    nodes.pop("Start", None)
    assert {k: int(v.replace(",", "")) for k, v in nodes.items()} == counts.to_dict()
    pairs = raw.assign(nxt=raw.groupby("Case ID")["Activity"].shift(-1)).dropna(subset=["nxt"])
    n_paths = len(pairs.groupby(["Activity", "nxt"])) + raw.groupby("Case ID")["Activity"].first().nunique() \
        + raw.groupby("Case ID")["Activity"].last().nunique()
    caption = browser.evaluate(s, "document.querySelector('.pmap-caption').textContent")
    assert caption == f"{len(counts)} of {len(counts)} activities, {n_paths} of {n_paths} paths (frequency view)"

    # the activity slider to its left end: the fewest activities that keep the map connected
    state = _move_map(browser, s, "activities", 0.0)
    assert state == "0|1|frequency"
    fewer = browser.evaluate(s, NODES)
    assert 1 <= len(fewer) - 1 < len(counts)                  # fewer boxes (Start is one of them)
    shown = int(browser.evaluate(s, "document.querySelector('.pmap-caption').textContent").split(" of ")[0])
    assert shown == len(fewer) - 1
    assert browser.evaluate(s, "document.querySelector('.pmap output.activities').textContent") == "0 %"

    # the performance view: edges carry durations, no longer counts
    click(browser, s, ".pmap button.view[value='performance']")
    assert wait_for(browser, s, "document.querySelector('.pmap').getAttribute('data-state') === '0|1|performance'")
    labels = browser.evaluate(s, EDGE_LABELS)
    inner = [t for t in labels if re.fullmatch(r"[\d.]+ (s|min|h|d)", t)]
    assert inner, labels
    assert browser.evaluate(s, "document.querySelector(\".pmap button.view[value='performance']\")"
                               ".getAttribute('aria-pressed')") == "true"

    # the variants table: every variant is in the page, 25 a page, sortable and searchable
    click(browser, s, "nav a[data-tab='path-variants']")
    wait_for(browser, s, "location.hash === '#path-variants'")
    table = "#path-variants .tbl"
    variants = raw.groupby("Case ID", sort=False)["Activity"].agg(" → ".join).value_counts()
    assert browser.evaluate(s, f"document.querySelectorAll('{table} tbody tr').length") == len(variants)
    assert len(browser.evaluate(s, VISIBLE_ROWS + f"('{table}')")) == 25
    assert browser.evaluate(s, f"document.querySelector('{table} .pager .info').textContent") == \
        f"rows 1–25 of {len(variants)}"
    click(browser, s, f"{table} .pager .next")
    assert browser.evaluate(s, f"document.querySelector('{table} .pager .info').textContent") == \
        f"rows 26–50 of {len(variants)}"
    # sort by cases: ascending on the first click, descending on the second
    header = browser.evaluate(s, f"Array.from(document.querySelectorAll('{table} thead th')).map(h => h.textContent)")
    col = header.index("cases")
    click(browser, s, f"{table} thead th:nth-child({col + 1})")
    first = browser.evaluate(s, VISIBLE_ROWS + f"('{table}')")[0]
    assert int(first[col].replace(",", "")) == variants.min()
    click(browser, s, f"{table} thead th:nth-child({col + 1})")
    rows = browser.evaluate(s, VISIBLE_ROWS + f"('{table}')")
    assert [int(r[col].replace(",", "")) for r in rows] == sorted(variants.to_numpy(), reverse=True)[:25]
    # search: the variants that contain an activity, then none
    type_text(browser, s, f"{table} input.search", "Schedule intervention")
    with_it = int(variants.index.str.contains("Schedule intervention").sum())
    assert wait_for(browser, s, f"document.querySelector('{table} .pager .info').textContent.includes('matching')")
    assert browser.evaluate(s, f"document.querySelector('{table} .pager .info').textContent") == \
        f"rows 1–{min(25, with_it)} of {with_it} matching ({len(variants)} in all)"
    type_text(browser, s, f"{table} input.search", "no activity is called this")
    assert browser.evaluate(s, f"document.querySelector('{table} .pager .info').textContent") == "no row matches"

    # "All sections" shows every section again
    click(browser, s, "nav a[data-tab='all']")
    assert len(_section(browser, s)) == browser.evaluate(s, "document.querySelectorAll('main > section').length")
    assert exceptions(browser) == []
    requests = browser.page_requests()
    assert requests and all(u.startswith(("file://", "data:")) for u in requests), requests
    browser.close()
    assert browser.document_requests() == []                 # nothing left the machine


@pytest.mark.parametrize("which", ["helpdesk_report", "generated_report"])
def test_map_labels_are_readable_at_1400_px(which, request, browser, tmp_path):
    import matplotlib.image as mpimg

    page, events = request.getfixturevalue(which)
    s = open_page(browser, page, width=1400)
    click(browser, s, "nav a[data-tab='journey-model']")
    wait_for(browser, s, "location.hash === '#journey-model'")
    sizes = {"default": browser.evaluate(s, MIN_LABEL)}
    shot = screenshot(browser, s)
    (tmp_path / f"{which}-map.png").write_bytes(shot)
    pixels = mpimg.imread(io.BytesIO(shot))
    assert pixels.shape[1] == 1400 and pixels[..., :3].std() > 0.05
    click(browser, s, ".pmap input.paths", x_frac=0.99)           # every path: the widest map
    click(browser, s, ".pmap input.activities", x_frac=0.99)
    wait_for(browser, s, "document.querySelector('.pmap').getAttribute('data-state') === '1|1|frequency'")
    sizes["all paths"] = browser.evaluate(s, MIN_LABEL)
    click(browser, s, ".pmap button.view[value='performance']")
    wait_for(browser, s, "document.querySelector('.pmap').getAttribute('data-state') === '1|1|performance'")
    sizes["performance"] = browser.evaluate(s, MIN_LABEL)
    for state, (n_labels, smallest) in sizes.items():
        assert n_labels > 10, state
        assert smallest >= 10, (state, smallest)
    # the widest map also fits the page or scrolls inside its own box, never past the window
    assert browser.evaluate(s, "document.documentElement.scrollWidth") <= 1400
    assert exceptions(browser) == []


def test_hostile_activity_names_stay_text(tmp_path, browser):
    """Names that look like markup reach the page as text: no element or script is injected."""
    names = ['<img src=x onerror="window.pwned=1">', "</script><script>window.pwned=2</script>",
             'Close "ticket" & <b>go</b>']
    rows = []
    for i in range(6):
        for j, name in enumerate(names[: 2 + i % 2]):
            rows.append({"id": f"c{i}", "act": name,
                         "at": pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=i * 10 + j)})
    tickets = pd.DataFrame(rows)
    mapping = {"case": {"id": "id"}, "activity": "act", "timestamp": {"column": "at"}}
    result = analyze(tickets, mapping, out_dir=tmp_path / "out", alignments=False, cluster=False)
    s = open_page(browser, result.index)
    click(browser, s, "nav a[data-tab='journey-model']")
    wait_for(browser, s, "location.hash === '#journey-model'")
    _move_map(browser, s, "paths", 0.99)
    assert browser.evaluate(s, "window.pwned === undefined")
    assert browser.evaluate(s, "document.querySelectorAll('main img:not(.figure)').length") == 0
    assert browser.evaluate(s, "document.querySelectorAll('script').length") == 1 + browser.evaluate(
        s, "document.querySelectorAll('script.pmap-data').length")
    texts = browser.evaluate(s, "Array.from(document.querySelectorAll('.pmap-canvas svg g.node text'))"
                                ".map(e => e.textContent)")
    for name in names:
        assert name in texts, (name, texts)
    assert exceptions(browser) == []
    assert np.isfinite(len(texts))

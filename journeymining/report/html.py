"""A self-contained HTML report: one ``index.html`` that opens offline, plus the tables as CSV.

The page is rendered from the Jinja2 template ``templates/report.html.j2`` with autoescaping
(no HTML is assembled from f-strings). Figures are embedded as ``data:`` URIs (SVG for
matplotlib figures and graphviz drawings, PNG for raw PNG bytes), the style sheet and the
script (``templates/report.js``) are inline, no script, font or image is loaded from anywhere
else; the only links are the relative links to the CSV files written next to ``index.html``.
:func:`find_external_references` checks that promise on any HTML text.

The script makes the page interactive and is optional (without it every section and row is
shown): one tab per section, tables with every row (up to ``embed_rows``) that sort by a click
on a header, filter as one types and page by 25, and process maps
(:class:`journeymining.viz.map_states.MapStates`) with activity and path sliders and a
frequency / performance toggle; the drawings of every slider state travel gzip-compressed in
the page and are unpacked by the browser's own ``DecompressionStream``.

Graphviz drawings are sized so that their smallest label is at least
:data:`MIN_LABEL_PX` pixels on screen: a drawing shrinks to the page width only down to that
size and scrolls beyond it.
"""

from __future__ import annotations

import base64
import datetime as _dt
import gzip
import io
import json
import re
from importlib import resources
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from journeymining.core.errors import JourneyMiningError
from journeymining.io.outputs import atomic_path, safe_csv
from journeymining.viz.rendering import svg_element

__all__ = ["ReportSection", "write_report", "find_external_references", "MIN_LABEL_PX"]

#: Smallest size, in CSS pixels, at which a label of a graphviz drawing is shown.
MIN_LABEL_PX = 10.5

CSS = """
:root { --ink:#1f2430; --muted:#5b6372; --line:#dde1e8; --accent:#c44e52; --bg:#fafbfc; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
       Arial, sans-serif; color: var(--ink); background: var(--bg); }
header { background:#1f2430; color:#fff; padding:28px 40px; }
header h1 { margin:0 0 4px; font-size:26px; }
header p { margin:0; color:#c9cfda; }
nav { padding:10px 40px; background:#fff; border-bottom:1px solid var(--line); }
nav a { color: var(--ink); margin-right:16px; text-decoration:none; font-size:14px; }
main { padding: 8px 40px 40px; max-width: 1280px; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:18px 24px;
          margin:20px 0; }
h2 { margin-top:0; font-size:20px; }
h3 { font-size:15px; margin:18px 0 6px; color: var(--muted); }
p.text { white-space: pre-line; }
figure { margin: 12px 0; overflow-x:auto; }
figure img { max-width:100%; height:auto; border:1px solid var(--line); border-radius:4px;
             background:#fff; }
figcaption { color: var(--muted); font-size:13px; }
.table-wrap { overflow-x:auto; }
table { border-collapse: collapse; font-size:13px; margin: 4px 0 6px; }
th, td { border-bottom:1px solid var(--line); padding:4px 10px; text-align:left;
         vertical-align: top; }
th { background:#f3f5f8; }
td.num, th.num { text-align:right; white-space:nowrap; }
td.long { min-width: 28em; }
.empty { color: var(--muted); font-style: italic; }
.csv { font-size:12px; color: var(--muted); }
footer { color: var(--muted); font-size:12px; padding: 0 40px 30px; }
.cards { display:flex; flex-wrap:wrap; gap:12px; margin: 8px 0 14px; }
.card { border:1px solid var(--line); border-radius:8px; padding:10px 14px; width: 15.5em; background:#fff; }
.card .value { font-size:22px; font-weight:600; }
.card .label { font-size:13px; color: var(--muted); }
.card .def { font-size:11.5px; color: var(--muted); margin-top:4px; }
dl.defs { font-size:12.5px; color: var(--muted); }
dl.defs dt { font-weight:600; color: var(--ink); margin-top:4px; }
dl.defs dd { margin: 0 0 2px 1.2em; }
nav a.active { font-weight:600; border-bottom:2px solid var(--accent); }
nav a[data-tab=all] { color: var(--muted); }
.tbl .tools, .tbl .pager { display:none; }
.js .tbl.live .tools, .js .tbl.live .pager { display:flex; gap:10px; align-items:center; font-size:13px;
                                            margin:4px 0; }
.tbl input.search { font: inherit; padding:3px 8px; border:1px solid var(--line); border-radius:4px;
                    min-width: 18em; }
.tbl .pager button { font: inherit; padding:1px 10px; }
.tbl .pager .info { color: var(--muted); }
th.sortable { cursor: pointer; user-select: none; }
th[aria-sort=ascending]::after { content: " \\25B2"; font-size: 10px; }
th[aria-sort=descending]::after { content: " \\25BC"; font-size: 10px; }
.pmap .controls { display:none; }
.js .pmap.live .controls { display:flex; flex-wrap:wrap; gap:18px; align-items:center; font-size:13px;
                           margin: 6px 0 8px; }
.pmap .controls label { display:flex; gap:6px; align-items:center; }
.pmap .controls output { min-width: 3.2em; font-variant-numeric: tabular-nums; }
.pmap button.view { font: inherit; padding:2px 10px; border:1px solid var(--line); background:#fff;
                    border-radius:4px; cursor:pointer; }
.pmap button.view[aria-pressed=true] { background:#1f2430; color:#fff; border-color:#1f2430; }
.pmap-canvas { overflow:auto; border:1px solid var(--line); border-radius:4px; background:#fff;
               max-height: 1400px; }
.pmap-canvas svg { display:block; height:auto; max-width:100%; }
.pmap-caption { color: var(--muted); font-size:13px; }
figure img.graph { max-width:100%; }
"""

_URL_ATTR = re.compile(
    r"""(?:\b(?:src|href|xlink:href|action|poster|data|srcset)\s*=\s*["']?\s*|url\(\s*["']?\s*|@import\s+["']?)"""
    r"""((?:[a-z][a-z0-9+.-]*:)?//[^"'\s)>]+|[a-z][a-z0-9+.-]*:[^"'\s)>]*)""",
    re.IGNORECASE,
)
_DATA_SVG = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")


def find_external_references(html_text):
    """URLs in ``html_text`` that a browser would fetch from outside the page's own folder.

    Looks at ``src``/``href``/``xlink:href``/``action``/``poster``/``data``/``srcset``
    attributes, CSS ``url(...)`` and ``@import`` in the page and inside embedded SVG data URIs.
    ``data:`` URIs, ``#fragments`` and relative paths are local and never reported.

    Parameters
    ----------
    html_text : str
        An HTML document.

    Returns
    -------
    list of str
        Offending URLs in order of appearance (empty when the page is self-contained).

    Examples
    --------
    >>> find_external_references('<img src="data:image/png;base64,AAAA"><a href="kpis.csv">x</a>')
    []
    >>> find_external_references('<script src="https://cdn.example.org/x.js"></script>')
    ['https://cdn.example.org/x.js']
    """
    found = []
    texts = [html_text]
    for payload in _DATA_SVG.findall(html_text):
        try:
            texts.append(base64.b64decode(payload).decode("utf-8", "replace"))
        except ValueError:
            continue
    for text in texts:
        for url in _URL_ATTR.findall(text):
            scheme = url.split(":", 1)[0].lower() if ":" in url.split("/", 1)[0] else ""
            if scheme == "data" or url.startswith("#"):
                continue
            found.append(url)
    return found


@dataclass
class ReportSection:
    """One section of the report.

    Attributes
    ----------
    title : str
        Heading (also the navigation label).
    text : str
        Paragraph(s) of plain text (HTML is escaped; blank lines separate paragraphs).
    figures : list
        matplotlib Figures, objects with an ``svg`` attribute (graphviz drawings from
        :func:`journeymining.viz.rendering.render`), SVG text, or PNG bytes; optionally as
        ``(caption, figure)`` pairs.
    tables : dict
        ``{name: DataFrame}``; each is shown (first ``max_rows`` rows) and written in full to
        ``<name>.csv``.
    figures_of_merit : list of (label, value, definition)
        Headline figures shown as cards, each with its definition next to it ("n/a, because
        ..." when the log cannot support it).
    definitions : list of (term, definition)
        Definitions of what the section shows, printed under it.
    maps : list
        Interactive process maps: :class:`journeymining.viz.map_states.MapStates`, optionally
        as ``(caption, states)`` pairs; shown before the figures.
    """

    title: str
    text: str = ""
    figures: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    figures_of_merit: list = field(default_factory=list)
    definitions: list = field(default_factory=list)
    maps: list = field(default_factory=list)


def _svg_of_figure(fig):
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None,
                                             "Type": None})
    return buf.getvalue()


def _figure_uri(fig):
    if isinstance(fig, (bytes, bytearray)):
        if bytes(fig[:8]) != b"\x89PNG\r\n\x1a\n":
            raise JourneyMiningError("write_report: a figure given as bytes must be a PNG image.")
        return "data:image/png;base64," + base64.b64encode(bytes(fig)).decode("ascii")
    if isinstance(fig, str):
        svg = fig
    elif hasattr(fig, "savefig"):
        svg = _svg_of_figure(fig)
    elif hasattr(fig, "svg"):
        svg = fig.svg
    else:
        raise JourneyMiningError(
            f"write_report: cannot embed a figure of type {type(fig).__name__}. Pass a matplotlib "
            "Figure, a graphviz drawing (journeymining.viz.rendering.render(...)), SVG text or PNG bytes."
        )
    if "<svg" not in svg:
        raise JourneyMiningError("write_report: a figure given as text must be an SVG document (no <svg found).")
    svg = svg_element(svg)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


_SVG_TAG = re.compile(r"<svg\b[^>]*>")
_LENGTH = r'="\s*([\d.]+)\s*(pt|px)?\s*"'
_FONT_SIZE = re.compile(r'font-size="([\d.]+)"')
_VIEWBOX = re.compile(r'viewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)\s*"')


def _svg_size(svg):
    """``(width px, smallest label px)`` of an SVG at its natural size.

    Graphviz writes ``width="..pt"`` and a ``viewBox`` in points and gives every label a
    ``font-size`` in viewBox units; matplotlib draws text as paths (no font size: ``None``).
    Width 0 when it cannot be told.
    """
    head = _SVG_TAG.search(svg)
    if not head:
        return 0.0, None
    tag = head.group(0)
    m = re.search(r"\bwidth" + _LENGTH, tag)
    width = float(m.group(1)) * (4 / 3 if m.group(2) == "pt" else 1) if m else 0.0
    box = _VIEWBOX.search(tag)
    fonts = [float(f) for f in _FONT_SIZE.findall(svg)]
    if not (box and fonts and width):
        return width, None
    return width, min(fonts) * width / float(box.group(1))


def _fit_style(svg):
    """CSS that shows an SVG at most at its natural width, shrunk to the page width but never so
    far that its smallest label drops below MIN_LABEL_PX (beyond that, its box scrolls)."""
    width, label = _svg_size(svg)
    if not width:
        return ""
    style = f"width:{width:.0f}px"
    if label:
        style += f";min-width:{width * MIN_LABEL_PX / label:.0f}px"
    return style


def _svg_text(fig):
    if isinstance(fig, str):
        return fig
    if hasattr(fig, "svg") and not hasattr(fig, "savefig"):
        return fig.svg
    return None


def _slug(text, taken):
    base = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "table"
    slug, i = base, 2
    while slug in taken:
        slug, i = f"{base}-{i}", i + 1
    taken.add(slug)
    return slug


def _fmt(v):
    if isinstance(v, float):
        if v != v:
            return ""
        return f"{v:,.3f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else f"{v:,.0f}"
    return str(v)


def _duration_text(td):
    if pd.isna(td):
        return ""
    sec = td.total_seconds()
    if abs(sec) < 3600:
        return f"{sec / 60:.1f} min"
    if abs(sec) < 172800:
        return f"{sec / 3600:.1f} h"
    return f"{sec / 86400:.1f} d"


def _table_rows(frame, max_rows):
    """Header cells and row cells (text, css class, sort value) of a table: numbers
    right-aligned and sorted by value (durations by seconds), long text given room to wrap;
    the template escapes every value."""
    shown = frame.head(max_rows).copy()
    numeric = {c for c in shown.columns if pd.api.types.is_numeric_dtype(shown[c])
               and not pd.api.types.is_bool_dtype(shown[c])}
    keys = {}
    for col in shown.columns:
        if pd.api.types.is_timedelta64_dtype(shown[col]):
            keys[col] = shown[col].dt.total_seconds().map(lambda v: "" if v != v else repr(v))
            shown[col] = shown[col].map(_duration_text)
            numeric.add(col)
        elif col in numeric:
            keys[col] = shown[col].map(lambda v: "" if v is None or v != v else repr(float(v)))
            shown[col] = shown[col].map(lambda v: "" if v is None or v != v else _fmt(v))
        else:
            shown[col] = shown[col].map(
                lambda v: ", ".join(map(str, v)) if isinstance(v, (tuple, list)) else ("" if v is None or v != v else str(v)))
    long = {c for c in shown.columns if c not in numeric and len(shown) and shown[c].str.len().max() > 60}
    cls = {c: "num" if c in numeric else ("long" if c in long else "") for c in shown.columns}
    head = [(str(c), cls[c]) for c in shown.columns]
    columns = [(shown[c].tolist(), keys[c].tolist() if c in keys else None, cls[c]) for c in shown.columns]
    rows = [[(values[i], cls_, None if sort is None else sort[i]) for values, sort, cls_ in columns]
            for i in range(len(shown))]
    return head, rows


def _key(x):
    """A slider level as the page's script spells it (JavaScript's ``String(number)``)."""
    return format(float(x), "g")


def _map_view(states, caption, n):
    """What the template needs to draw one interactive process map."""
    acts, paths = sorted(states.activity_levels), sorted(states.path_levels)
    index = {f"{_key(a)}|{_key(p)}|{m}": i for (a, p, m), i in states.index.items()}
    captions = {f"{_key(a)}|{_key(p)}|{m}": c for (a, p, m), c in states.captions.items()}
    svgs = [_SVG_TAG.sub(lambda t, s=svg: t.group(0)[:-1] + f' style="{_fit_style(s)}">', svg, count=1)
            for svg in states.svgs]
    payload = base64.b64encode(gzip.compress(json.dumps(svgs).encode("utf-8"), mtime=0)).decode("ascii")
    data = {"activities": acts, "paths": paths, "measures": list(states.measures), "index": index,
            "captions": captions, "default": list(states.default), "svgs": payload}
    a, p, m = states.default
    # the data sits in a <script type="application/json">: "<" never appears raw in it
    return {"id": f"map{n}", "caption": caption, "json": json.dumps(data).replace("<", "\\u003c"),
            "svg": svgs[states.index[(a, p, m)]], "state_caption": states.captions[(a, p, m)] + f" ({m} view)",
            "a": acts.index(a), "p": paths.index(p), "a_max": len(acts) - 1, "p_max": len(paths) - 1,
            "a_text": f"{a:.0%}".replace("%", " %"), "p_text": f"{p:.0%}".replace("%", " %"),
            "measures": [(x, x == m) for x in states.measures]}


def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("journeymining.report", "templates"),
                       autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


def write_report(out_dir, sections, *, title="Customer journey report", subtitle=None,
                 max_rows=25, embed_rows=5000):
    """Write ``out_dir/index.html`` (self-contained) and every table as ``out_dir/<name>.csv``.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Folder to write to (created when missing).
    sections : list of ReportSection
        The sections in order.
    title : str
        Page title.
    subtitle : str, optional
        Line under the title (e.g. the input file and the date).
    max_rows : int, default 25
        Rows of each table on one page of the table (the script pages through the rest).
    embed_rows : int, default 5000
        Rows of each table carried by the page, searchable and sortable (the CSV holds all
        rows; the page says when it carries fewer).

    Returns
    -------
    pathlib.Path
        The path of ``index.html``.

    Raises
    ------
    JourneyMiningError
        When a figure cannot be embedded or ``sections`` holds something else than ReportSection.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> tmp = tempfile.TemporaryDirectory()
    >>> page = write_report(tmp.name, [ReportSection("KPIs", "Two cases.",
    ...                                tables={"kpis": pd.DataFrame({"cases": [2]})})])
    >>> sorted(p.name for p in page.parent.iterdir())
    ['index.html', 'kpis.csv']
    >>> find_external_references(page.read_text())
    []
    >>> tmp.cleanup()
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    taken, csv_names, rendered, n_maps = set(), {"index"}, [], 0
    for i, sec in enumerate(sections):
        if not isinstance(sec, ReportSection):
            raise JourneyMiningError(
                f"write_report: sections[{i}] is a {type(sec).__name__}, not a ReportSection. "
                "Build each section with ReportSection(title, text, figures=[...], tables={...})."
            )
        figures = []
        for j, item in enumerate(sec.figures):
            caption, fig = item if isinstance(item, tuple) else (None, item)
            uri = _figure_uri(fig)
            svg = _svg_text(fig)
            figures.append({"uri": uri, "caption": caption, "alt": caption or f"{sec.title}, figure {j + 1}",
                            "style": _fit_style(svg) if svg else "", "graph": bool(svg)})
        maps = []
        for item in sec.maps:
            caption, states = item if isinstance(item, tuple) else (None, item)
            n_maps += 1
            maps.append(_map_view(states, caption, n_maps))
        tables = []
        for name, frame in sec.tables.items():
            if frame is None:
                continue
            frame = pd.DataFrame(frame)
            csv = _slug(name, csv_names)
            safe_csv(frame, out / f"{csv}.csv")
            head, rows = _table_rows(frame, embed_rows) if len(frame) else ([], [])
            tables.append({"name": str(name), "csv": f"{csv}.csv", "head": head, "rows": rows,
                           "total": len(frame), "shown": min(len(frame), embed_rows)})
        rendered.append({"anchor": _slug(sec.title, taken), "title": sec.title,
                         "paragraphs": [p.strip() for p in str(sec.text or "").split("\n\n") if p.strip()],
                         "figures": figures, "tables": tables, "maps": maps,
                         "cards": [{"label": a, "value": b, "definition": c} for a, b, c in sec.figures_of_merit],
                         "definitions": list(sec.definitions)})
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    script = resources.files("journeymining.report").joinpath("templates/report.js").read_text("utf-8")
    page = _environment().get_template("report.html.j2").render(
        title=title, subtitle=subtitle or "", css=CSS, sections=rendered, stamp=stamp,
        script=script.replace("</", "<\\/"), page_rows=max_rows)
    path = out / "index.html"
    with atomic_path(path) as part:
        part.write_text(page, encoding="utf-8")
    return path

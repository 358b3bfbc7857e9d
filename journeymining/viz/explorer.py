"""Interactive explorers for JupyterLab: a process map with sliders, and a variant browser.

:class:`MapExplorer` draws the process map of :func:`journeymining.viz.render` with Disco's two
sliders (``activities`` and ``paths``), a frequency / performance toggle and a list of the most
frequent path variants: selecting variants draws the map of their cases only.
:class:`VariantExplorer` lists the path variants of :func:`journeymining.discover.variant_table`
with a search box and a sort order, and shows the steps and a few cases of the chosen one.

Both are ipywidgets (8) boxes run by the kernel: they work offline in JupyterLab, and every
number they show comes from the package's own functions (``variant_table``, ``case_variants``,
``discover_dfg``, ``process_map_data``, ``render``). Where no kernel runs the widgets (GitHub,
nbviewer, a notebook checked by nbval), they display a static fallback instead: a one-line,
deterministic ``text/plain`` summary and a ``text/html`` picture of what the widget showed (the
map, or the table of the top variants).

Examples
--------
>>> import pandas as pd
>>> from journeymining.viz import MapExplorer
>>> log = pd.DataFrame({
...     "case:concept:name": ["a", "a", "b", "b", "b"],
...     "concept:name": ["Open", "Close", "Open", "Wait", "Close"],
...     "time:timestamp": pd.to_datetime(["2024-05-01 08:00", "2024-05-01 09:00",
...                                       "2024-05-02 08:00", "2024-05-02 10:00",
...                                       "2024-05-03 08:00"], utc=True),
... })
>>> MapExplorer(log).caption
'3 of 3 activities, 5 of 5 paths, 2 cases (frequency view)'
"""

from __future__ import annotations

import html
import numbers

import pandas as pd

from journeymining.core import columns as C
from journeymining.core.docs import fill_docstrings
from journeymining.core.numbers import format_share
from journeymining.core.errors import JourneyMiningError
from journeymining.core.eventlog import check_log
from journeymining.discover import case_variants, discover_dfg, variant_table
from journeymining.viz.process_map import format_duration, process_map_data
from journeymining.viz.rendering import render, svg_element

try:
    import ipywidgets as widgets
except ImportError:  # the explorers say how to install it when they are built
    widgets = None

__all__ = ["MapExplorer", "VariantExplorer"]

_INSTALL_HINT = (
    "{verb} needs ipywidgets (Jupyter's interactive widgets), which is not installed. Install it "
    "with `pip install ipywidgets` (or `conda install -c conda-forge ipywidgets`) and restart "
    "the kernel; journeymining.render(log, activities=..., paths=...) draws the same map "
    "without it."
)

#: Sort orders of :class:`VariantExplorer`: key -> (menu text, variant_table column).
SORTS = {
    "cases": ("most cases", "cases"),
    "median_throughput": ("longest median throughput", "median_throughput"),
    "events": ("most events", "length"),
}

_LABEL_WIDTH = 110     # characters of a variant's path shown in a list entry
_STATIC_ROWS = 20      # rows of the variant table in the static fallback
_EXAMPLE_CASES = 5     # example case ids shown for a variant
_CACHED_MAPS = 32      # DFGs kept, one per variant selection

_Box = widgets.VBox if widgets is not None else object


def _require_widgets(verb):
    if widgets is None:
        raise JourneyMiningError(_INSTALL_HINT.format(verb=verb))


def _check_count(value, name, verb, meaning, default):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise JourneyMiningError(
            f"{verb}: {name}={value!r} must be a whole number of at least 1 ({meaning}). "
            f"Pass e.g. {name}={default}."
        )
    return int(value)


def _percent(share):
    return format_share(share, decimals=1)


def _cases(n):
    return f"{n:,} case{'' if n == 1 else 's'}"


def _shorten(text, width=_LABEL_WIDTH):
    return text if len(text) <= width else text[:width - 1] + "…"


def _variant_label(rank, cases, share, path):
    """A list entry: ``'#1 · 2 cases · 40.0 % · Open → Close'``."""
    return _shorten(f"#{rank} · {_cases(cases)} · {_percent(share)} · {path}")


# --------------------------------------------------------------------------------------------
# the process map
# --------------------------------------------------------------------------------------------
class MapExplorer(_Box):
    """A process map with Disco's sliders, a frequency / performance toggle and a variant filter.

    The map is :func:`journeymining.viz.render` of the selected cases: ``activities`` keeps
    that share of the activities (most frequent first), ``paths`` that share of the paths
    between them, and the map stays connected; node and edge counts are the log's. The
    variant list holds the ``top_variants`` most frequent path variants (from
    :func:`journeymining.discover.variant_table`) with their cases and shares; selecting some
    draws the map of their cases only (nothing selected: every case). The directly-follows
    graph of a selection is discovered once, so moving a slider only redraws.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event (not modified).
    {keys}
    top_variants : int, default 30
        How many of the most frequent variants the variant list offers.

    Attributes
    ----------
    activities, paths : float
        Current slider values (shares between 0 and 1).
    measure : str
        ``"frequency"`` or ``"performance"``.
    selected_variants : tuple of int
        Variant ids (rows of :attr:`variants`) whose cases are drawn; empty for all cases.
    variants : pandas.DataFrame
        The listed variants: the first ``top_variants`` rows of ``variant_table(log)``.
    diagram : journeymining.viz.Diagram
        The current drawing; ``svg`` is its SVG text.
    caption : str
        ``"N of M activities, K of L paths, X cases (frequency view)"``, from the kept flags
        of :func:`journeymining.viz.process_map_data`.
    activities_slider, paths_slider, measure_buttons, variant_list : ipywidgets widgets
        The controls (set their ``value`` to drive the explorer from code).

    Raises
    ------
    EventLogError
        If ``log`` is not an event log (not a DataFrame, a key column missing, ...), as
        :func:`journeymining.discover_dfg`.
    JourneyMiningError
        If ``top_variants`` is not a whole number of at least 1, or ipywidgets is not installed.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a", "b", "b", "b"],
    ...     "concept:name": ["Open", "Close", "Open", "Wait", "Close"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01 08:00", "2024-05-01 09:00",
    ...                                       "2024-05-02 08:00", "2024-05-02 10:00",
    ...                                       "2024-05-03 08:00"], utc=True),
    ... })
    >>> explorer = MapExplorer(log)
    >>> [label for label, _ in explorer.variant_list.options]
    ['#1 · 1 case · 50.0 % · Open → Close', '#2 · 1 case · 50.0 % · Open → Wait → Close']
    >>> explorer.variant_list.value = (0,)
    >>> explorer.caption  # the map of case a: Open and Close, start, end and one step
    '2 of 2 activities, 3 of 3 paths, 1 case (frequency view)'
    >>> explorer._repr_mimebundle_()["text/plain"]
    'MapExplorer: 2 of 2 activities, 3 of 3 paths, 1 case (frequency view); move the sliders in JupyterLab'
    """

    def __init__(self, log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                 timestamp_key=C.TIMESTAMP, top_variants=30):
        _require_widgets("MapExplorer")
        top_variants = _check_count(top_variants, "top_variants", "MapExplorer",
                                    "how many of the most frequent variants the list offers", 30)
        check_log(log, case_id_key=case_id_key, activity_key=activity_key,
                  timestamp_key=timestamp_key, verb="MapExplorer")
        self._keys = {"case_id_key": case_id_key, "activity_key": activity_key,
                      "timestamp_key": timestamp_key}
        table = variant_table(log, **self._keys)
        by_case = case_variants(log, **self._keys)
        self._log = log
        self._event_variant = log[case_id_key].map(
            pd.Series(by_case["variant_id"].to_numpy(), index=by_case[case_id_key]))
        self._variants = table.head(top_variants)
        self._n_cases = len(by_case)
        self._dfgs = {}

        self.activities_slider = widgets.FloatSlider(
            value=1.0, min=0.0, max=1.0, step=0.05, description="activities",
            readout_format=".0%", continuous_update=False)
        self.paths_slider = widgets.FloatSlider(
            value=1.0, min=0.0, max=1.0, step=0.05, description="paths",
            readout_format=".0%", continuous_update=False)
        self.measure_buttons = widgets.ToggleButtons(
            options=[("frequency", "frequency"), ("performance", "performance")],
            value="frequency", tooltips=["how often each path is taken",
                                         "mean time between the two steps"])
        self.variant_list = widgets.SelectMultiple(
            options=[(_variant_label(i + 1, row.cases, row.share, row.variant), i)
                     for i, row in enumerate(self._variants.itertuples())],
            value=(), rows=min(8, max(len(self._variants), 1)),
            layout=widgets.Layout(width="auto", flex="1 1 auto"))
        hint = widgets.HTML(f"<small>The {len(self._variants)} most frequent of "
                            f"{len(table):,} variants; select some (Ctrl/Shift-click) to draw "
                            "their cases only, none for all cases.</small>")
        self._caption_view = widgets.HTML()
        self._map_view = widgets.HTML(layout=widgets.Layout(overflow="auto"))
        controls = widgets.HBox(
            [widgets.VBox([self.activities_slider, self.paths_slider, self.measure_buttons]),
             widgets.VBox([hint, self.variant_list], layout=widgets.Layout(flex="1 1 auto"))])
        super().__init__(children=[controls, self._caption_view, self._map_view])
        for control in (self.activities_slider, self.paths_slider, self.measure_buttons,
                        self.variant_list):
            control.observe(self._update, names="value")
        self._update()

    # read-only state -----------------------------------------------------------------------
    @property
    def activities(self) -> float:
        return float(self.activities_slider.value)

    @property
    def paths(self) -> float:
        return float(self.paths_slider.value)

    @property
    def measure(self) -> str:
        return self.measure_buttons.value

    @property
    def selected_variants(self) -> tuple:
        return tuple(int(v) for v in self.variant_list.value)

    @property
    def variants(self) -> pd.DataFrame:
        return self._variants.copy()

    @property
    def diagram(self):
        return self._diagram

    @property
    def svg(self) -> str:
        return self._diagram.svg

    @property
    def caption(self) -> str:
        return self._caption

    # drawing -------------------------------------------------------------------------------
    def _dfg(self, selection):
        """The DFG of the cases of the selected variants (all cases when none), discovered once."""
        if selection not in self._dfgs:
            log = self._log
            if selection:
                log = log[self._event_variant.isin(selection).to_numpy()]
            if len(self._dfgs) >= _CACHED_MAPS:
                del self._dfgs[next(iter(self._dfgs))]
            self._dfgs[selection] = discover_dfg(log, **self._keys)
        return self._dfgs[selection]

    def _update(self, change=None):
        selection = tuple(sorted(self.selected_variants))
        dfg = self._dfg(selection)
        nodes, edges = process_map_data(dfg, activities=self.activities, paths=self.paths)
        n_cases = (int(self._variants.loc[list(selection), "cases"].sum()) if selection
                   else self._n_cases)
        self._caption = (f"{int(nodes['kept'].sum()):,} of {len(nodes):,} activities, "
                         f"{int(edges['kept'].sum()):,} of {len(edges):,} paths, "
                         f"{_cases(n_cases)} ({self.measure} view)")
        self._diagram = render(dfg, activities=self.activities, paths=self.paths,
                               measure=self.measure)
        self._caption_view.value = f"<b>{html.escape(self._caption)}</b>"
        self._map_view.value = svg_element(self._diagram.svg)

    # display -------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs):
        """ipywidgets' bundle (the live widget) plus a static caption and map for viewers
        without a kernel (GitHub, nbviewer) and for nbval."""
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = f"MapExplorer: {self._caption}; move the sliders in JupyterLab"
        bundle["text/html"] = (f'<div class="journeymining-map-explorer"><p><b>'
                               f"{html.escape(self._caption)}</b></p>"
                               f"{svg_element(self._diagram.svg)}</div>")
        return bundle

    def __repr__(self):
        return f"MapExplorer({self._caption})"


# --------------------------------------------------------------------------------------------
# the variants
# --------------------------------------------------------------------------------------------
def _table_html(rows):
    """An HTML table of variant rows: rank, cases, share, median throughput, path."""
    right = ' style="text-align:right"'
    head = "".join(f"<th{right if i < 4 else ''}>{name}</th>" for i, name in
                   enumerate(("rank", "cases", "share", "median throughput", "path")))
    body = "".join(
        f"<tr><td{right}>{rank}</td><td{right}>{cases:,}</td><td{right}>{_percent(share)}</td>"
        f"<td{right}>{html.escape(format_duration(median))}</td>"
        f'<td style="text-align:left">{html.escape(path)}</td></tr>'
        for rank, cases, share, median, path in zip(
            rows["rank"], rows["cases"], rows["share"], rows["median_throughput"],
            rows["variant"]))
    return (f'<table class="journeymining-variants"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _steps_html(activities):
    """The steps of a variant as a horizontal strip of boxes joined by arrows."""
    box = ("display:inline-block;padding:2px 8px;margin:2px 0;border:1px solid #6b7b8c;"
           "border-radius:4px;background:#deebf7;white-space:nowrap")
    parts = [f'<span style="{box}">{html.escape(str(a))}</span>' for a in activities]
    return ('<div style="display:flex;flex-wrap:wrap;align-items:center;gap:4px">'
            + "<span>→</span>".join(parts) + "</div>")


class VariantExplorer(_Box):
    """The path variants of a log: search them, sort them, look at one.

    A search box keeps the variants with an activity whose name contains the text (ignoring
    case); a menu sorts them by cases, by median throughput time (longest first) or by
    number of events (most first), ties by rank; the table shows the first ``top`` of them
    (rank, cases, share, median throughput, path). Choosing one in the variant menu shows
    its steps as a strip and a few of its cases. The rows come from
    :func:`journeymining.discover.variant_table` (``rank`` is its ``variant_id`` + 1) and the
    cases from :func:`journeymining.discover.case_variants`.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event (not modified).
    {keys}
    top : int, default 200
        How many of the matching variants the table shows.

    Attributes
    ----------
    search : str
        The text searched for (``""``: every variant).
    sort : str
        The sort order, a key of :data:`SORTS`: ``"cases"``, ``"median_throughput"`` or
        ``"events"``.
    variants : pandas.DataFrame
        ``variant_table(log)``: every variant.
    shown : pandas.DataFrame
        The rows of the table, in order: ``variant_table`` rows with a ``rank`` column.
    summary : str
        One line: how many variants and cases match, the sort order, how many rows are shown.
    selected_variant : int or None
        The variant id chosen in the variant menu (None when nothing matches).
    steps : tuple
        Its activities.
    example_cases : list
        Its first cases in the log (at most 5).
    search_box, sort_menu, variant_menu : ipywidgets widgets
        The controls (set their ``value`` to drive the explorer from code).

    Raises
    ------
    EventLogError
        If ``log`` is not an event log (not a DataFrame, a key column missing, ...), as
        :func:`journeymining.discover_dfg`.
    JourneyMiningError
        If ``top`` is not a whole number of at least 1, or ipywidgets is not installed.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a", "b", "b", "b", "c", "c"],
    ...     "concept:name": ["Open", "Close", "Open", "Wait", "Close", "Open", "Close"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01 08:00", "2024-05-01 09:00",
    ...                                       "2024-05-02 08:00", "2024-05-02 10:00",
    ...                                       "2024-05-03 08:00", "2024-05-04 08:00",
    ...                                       "2024-05-04 08:30"], utc=True),
    ... })
    >>> explorer = VariantExplorer(log)
    >>> explorer.summary
    '2 variants, 3 cases; sorted by most cases'
    >>> explorer.search_box.value = "WAIT"
    >>> explorer.shown[["rank", "variant", "cases"]]  # doctest: +NORMALIZE_WHITESPACE
                rank               variant  cases
    variant_id
    1              2  Open → Wait → Close      1
    >>> explorer.steps, explorer.example_cases
    (('Open', 'Wait', 'Close'), ['b'])
    """

    def __init__(self, log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                 timestamp_key=C.TIMESTAMP, top=200):
        _require_widgets("VariantExplorer")
        top = _check_count(top, "top", "VariantExplorer",
                           "how many of the matching variants the table shows", 200)
        check_log(log, case_id_key=case_id_key, activity_key=activity_key,
                  timestamp_key=timestamp_key, verb="VariantExplorer")
        keys = {"case_id_key": case_id_key, "activity_key": activity_key,
                "timestamp_key": timestamp_key}
        table = variant_table(log, **keys)
        table.insert(0, "rank", table.index + 1)
        by_case = case_variants(log, **keys)
        self._variants = table
        self._top = top
        self._n_cases = len(by_case)
        self._examples = (by_case.groupby("variant_id", sort=True).head(_EXAMPLE_CASES)
                          .groupby("variant_id", sort=True)[case_id_key].agg(list))
        # one text per variant to search in; "\0" keeps a match inside one activity name
        self._haystack = pd.Series(["\0".join(str(a).casefold() for a in acts)
                                    for acts in table["activities"]], index=table.index,
                                   dtype=object)

        self.search_box = widgets.Text(value="", placeholder="activity name contains…",
                                       description="search")
        self.sort_menu = widgets.Dropdown(options=[(text, key) for key, (text, _) in SORTS.items()],
                                          value="cases", description="sort by")
        self.variant_menu = widgets.Dropdown(options=[], description="variant",
                                             layout=widgets.Layout(width="auto"))
        self._summary_view = widgets.HTML()
        self._table_view = widgets.HTML(layout=widgets.Layout(max_height="24em",
                                                              overflow="auto"))
        self._steps_view = widgets.HTML()
        self._examples_view = widgets.HTML()
        super().__init__(children=[widgets.HBox([self.search_box, self.sort_menu]),
                                   self._summary_view, self._table_view, self.variant_menu,
                                   self._steps_view, self._examples_view])
        self.search_box.observe(self._update_table, names="value")
        self.sort_menu.observe(self._update_table, names="value")
        self.variant_menu.observe(self._update_variant, names="value")
        self._update_table()

    # read-only state -----------------------------------------------------------------------
    @property
    def search(self) -> str:
        return self.search_box.value

    @property
    def sort(self) -> str:
        return self.sort_menu.value

    @property
    def variants(self) -> pd.DataFrame:
        return self._variants.copy()

    @property
    def shown(self) -> pd.DataFrame:
        return self._shown.copy()

    @property
    def summary(self) -> str:
        return self._summary

    @property
    def selected_variant(self):
        value = self.variant_menu.value
        return None if value is None else int(value)

    @property
    def steps(self) -> tuple:
        v = self.selected_variant
        return () if v is None else tuple(self._variants.at[v, "activities"])

    @property
    def example_cases(self) -> list:
        v = self.selected_variant
        return [] if v is None else list(self._examples.at[v])

    # updating ------------------------------------------------------------------------------
    def _update_table(self, change=None):
        text = self.search.strip()
        table = self._variants
        if text:
            table = table[self._haystack.str.contains(text.casefold(), regex=False).to_numpy()]
        label, column = SORTS[self.sort]
        matching = table.sort_values([column, "rank"], ascending=[False, True], kind="stable")
        self._shown = matching.head(self._top)
        n_cases = int(matching["cases"].sum())
        if text:
            summary = (f"{len(matching):,} of {len(self._variants):,} variants have an activity "
                       f"containing {text!r} ({n_cases:,} of {_cases(self._n_cases)})")
        else:
            summary = f"{len(matching):,} variants, {_cases(self._n_cases)}"
        summary += f"; sorted by {label}"
        if len(matching) > self._top:
            summary += f"; the table shows the first {self._top:,}"
        self._summary = summary
        self._summary_view.value = f"<b>{html.escape(summary)}</b>"
        self._table_view.value = _table_html(self._shown)
        options = [(_variant_label(row.rank, row.cases, row.share, row.variant), row.Index)
                   for row in self._shown.itertuples()]
        previous = self.variant_menu.value
        self.variant_menu.options = options
        if previous is not None and any(value == previous for _, value in options):
            self.variant_menu.value = previous  # the chosen variant is still in the table
        else:
            self.variant_menu.index = 0 if options else None
        self._update_variant()

    def _update_variant(self, change=None):
        v = self.selected_variant
        if v is None:
            self._steps_view.value = "<i>No variant matches.</i>"
            self._examples_view.value = ""
            return
        cases = self.example_cases
        n = int(self._variants.at[v, "cases"])
        more = f" (the first {len(cases)} of {n:,})" if n > len(cases) else ""
        self._steps_view.value = _steps_html(self.steps)
        self._examples_view.value = (f"<small>Example case{'s' if len(cases) > 1 else ''}"
                                     f"{more}: {html.escape(', '.join(map(str, cases)))}</small>")

    # display -------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs):
        """ipywidgets' bundle (the live widget) plus a static summary and the table of the top
        variants for viewers without a kernel (GitHub, nbviewer) and for nbval."""
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = f"VariantExplorer: {self._summary}; search and sort in JupyterLab"
        rows = self._shown.head(_STATIC_ROWS)
        rest = len(self._shown) - len(rows)
        note = f"<p>… and {rest:,} more in JupyterLab.</p>" if rest else ""
        bundle["text/html"] = (f'<div class="journeymining-variant-explorer"><p><b>'
                               f"{html.escape(self._summary)}</b></p>{_table_html(rows)}"
                               f"{note}</div>")
        return bundle

    def __repr__(self):
        return f"VariantExplorer({self._summary})"


fill_docstrings(MapExplorer, VariantExplorer)

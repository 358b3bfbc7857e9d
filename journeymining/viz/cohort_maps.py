"""Two cohorts' process maps side by side, drawn on the paths that differ most between them.

:func:`draw_cohort_maps` takes a :class:`journeymining.measure.cohorts.CohortComparison` and
draws one map per cohort, with the same boxes in the same places, restricted to the ``top``
directly-follows edges whose share of cases differs most (significant ones first, after the
comparison's multiple-testing correction). Every edge is labelled with its cohort's case count
and share; an edge significantly more common in a cohort is drawn in that cohort's colour on
that cohort's side, the rest in grey; an edge a cohort never takes is a thin dashed "0".
Counts are those of the comparison (cases with the edge), never recomputed.

Examples
--------
>>> import pandas as pd
>>> from journeymining.measure import compare_cohorts
>>> def log(paths, tag):
...     rows = [(f"{tag}{i}", a, pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=j))
...             for i, path in enumerate(paths) for j, a in enumerate(path)]
...     return pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
>>> cmp = compare_cohorts(log([["Open", "Close"]] * 30, "a"),
...                       log([["Open", "Wait", "Close"]] * 30, "b"), labels=("before", "after"),
...                       n_resamples=200)
>>> d = draw_cohort_maps(cmp)
>>> "cluster_a" in d.source and "30 (100 %)" in d.source
True
"""

from __future__ import annotations

import math

import graphviz

from journeymining.core.errors import JourneyMiningError
from journeymining.core.numbers import format_share
from journeymining.viz.charts import check_top
from journeymining.viz.process_map import FONT, graphviz_label
from journeymining.viz.rendering import Diagram

__all__ = ["draw_cohort_maps"]

_COLOURS = ("#3182bd", "#c44e52")       # cohort A, cohort B
_REQUIRED = ("source", "target", "cases_a", "cases_b", "share_a", "share_b", "share_diff", "significant")


def _share(x):
    return format_share(x, decimals=0)


def draw_cohort_maps(comparison, *, top=15, title=None) -> Diagram:
    """Draw the two cohorts' maps side by side on the ``top`` most different paths.

    Parameters
    ----------
    comparison : CohortComparison
        From :func:`journeymining.measure.compare_cohorts`.
    top : int, default 15
        Edges drawn: the largest absolute differences in share of cases, significant first.
    title : str, optional
        Drawn above both maps.

    Returns
    -------
    Diagram
        Displays inline in Jupyter; ``.save(path)`` writes .svg/.png/.pdf.

    Raises
    ------
    JourneyMiningError
        If ``comparison`` has no edge table of :func:`compare_cohorts` or ``top`` is not a whole
        number >= 1.
    """
    edges = getattr(comparison, "edges", None)
    missing = [c for c in _REQUIRED if edges is None or c not in edges.columns]
    if missing:
        raise JourneyMiningError(
            f"draw_cohort_maps: expected the result of compare_cohorts(log_a, log_b); its edges table "
            f"misses {missing}. Pass the CohortComparison itself.")
    check_top(top, "draw_cohort_maps")
    from journeymining.discover import END, START

    labels = tuple(str(x) for x in comparison.labels)
    rows = (edges.assign(abs_share_diff=edges["share_diff"].abs(),
                         flagged=edges["significant"].fillna(False).astype(bool))
            .sort_values(["flagged", "abs_share_diff", "source", "target"],
                         ascending=[False, False, True, True], kind="stable").head(top))
    names = list(dict.fromkeys([*rows["source"], *rows["target"]]))
    max_share = max(float(rows[["share_a", "share_b"]].max().max()) if len(rows) else 1.0, 1e-9)
    g = graphviz.Digraph("cohort_maps", format="svg")
    g.attr(rankdir="TB", fontname=FONT, fontsize="16", bgcolor="white", nodesep="0.3", ranksep="0.4",
           pad="0.2", newrank="true")
    if title:
        g.attr(label=graphviz_label(title), labelloc="t", labeljust="l")
    g.attr("node", shape="box", style="rounded,filled", fillcolor="#f3f5f8", color="#6b7b8c",
           fontname=FONT, fontsize="12", margin="0.15,0.06")
    g.attr("edge", fontname=FONT, fontsize="11", arrowsize="0.7")
    n_cases = (int(round(comparison.durations["cases_a"].iloc[0])) if "cases_a" in comparison.durations else None,
               int(round(comparison.durations["cases_b"].iloc[0])) if "cases_b" in comparison.durations else None)
    for side, (key, label, colour) in enumerate(zip("ab", labels, _COLOURS)):
        with g.subgraph(name=f"cluster_{key}") as c:
            head = f"{label}: {n_cases[side]:,} cases" if n_cases[side] is not None else label
            c.attr(label=graphviz_label(head), fontcolor=colour, color=colour, style="rounded",
                   fontsize="14")
            for i, name in enumerate(names):
                if name == START:
                    c.node(f"{key}{i}", label="Start", shape="ellipse", fillcolor="#e5f5e0",
                           color="#41ab5d", fontsize="11")
                elif name == END:
                    c.node(f"{key}{i}", label="End", shape="ellipse", fillcolor="#fee0d2",
                           color="#cb181d", fontsize="11")
                else:
                    c.node(f"{key}{i}", label=graphviz_label(name))
            for row in rows.itertuples(index=False):
                cases, share = int(getattr(row, f"cases_{key}")), float(getattr(row, f"share_{key}"))
                more_here = row.flagged and (row.share_diff > 0) == (key == "b")
                attrs = {"label": graphviz_label(f"{cases:,} ({_share(share)})"),
                         "tooltip": graphviz_label(f"{row.source} → {row.target}: {cases:,} cases in {label}"
                                                   f" ({_share(share)}); {labels[0]} {_share(row.share_a)},"
                                                   f" {labels[1]} {_share(row.share_b)}")}
                if cases == 0:
                    attrs.update(style="dashed", color="#bdbdbd", fontcolor="#9e9e9e", penwidth="0.8")
                else:
                    attrs.update(color=colour if more_here else "#8c8c8c",
                                 fontcolor=colour if more_here else "#333333",
                                 penwidth=f"{0.8 + 4.2 * math.sqrt(share / max_share):.2f}")
                g_src, g_tgt = names.index(row.source), names.index(row.target)
                c.edge(f"{key}{g_src}", f"{key}{g_tgt}", **attrs)
    return Diagram(g.source)

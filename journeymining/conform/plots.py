"""Figures of a conformance result: the journey map with the deviation overlay, and the
actual directly-follows graph against the intended one.

Both return a :class:`matplotlib.figure.Figure` that is not left registered with pyplot when no
``ax`` is given, so a notebook shows it once (as the value of the cell).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeymining.conform.kinds import KIND_LABELS

__all__ = ["plot_conformance_map", "plot_dfg_diff"]


def plot_conformance_map(res, *, ax=None):
    """The journey map of ``res`` (a :class:`~journeymining.conform.result.Conformance`) with the
    share of cases deviating at each touchpoint as overlay (see ``Conformance.plot_map``)."""
    bt = res.by_touchpoint
    overlay = {a: float(bt.loc[a, "share"]) if a in bt.index else 0.0
               for a in res.journey_map.activities}
    own = ax is None
    fig = res.journey_map.plot(ax=ax, overlay=overlay, overlay_label="share of cases deviating here")
    ax = fig.axes[0]
    unplanned = bt[~bt.index.isin(res.journey_map.activities)].sort_values("cases", ascending=False)
    lines = [f"{KIND_LABELS[r.kind]}: {r.share:.0%}" for r in res.kind_table().itertuples() if r.cases]
    if len(unplanned):
        lines.append("unplanned: " + ", ".join(f"{a} ({s:.0%})" for a, s in unplanned["share"].head(4).items()))
    if lines:
        ax.text(0.0, -0.02, "cases with: " + " · ".join(lines), transform=ax.transAxes, va="top",
                fontsize=7, wrap=True)
    if own:
        _detach(fig)
    return fig


def _detach(fig):
    """Unregister a figure that pyplot created: it stays a working Figure (drawing, savefig,
    notebook display as a cell's value) but pyplot no longer shows it again at the end of the
    cell, and it does not pile up in ``plt.get_fignums()``."""
    import matplotlib.pyplot as plt

    plt.close(fig)


def plot_dfg_diff(res, *, ax=None, min_cases=1):
    """The actual DFG of ``res`` against its journey map (see ``Conformance.plot_dfg_diff``)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.lines import Line2D

    from journeymining.discover import END, START

    jm = res.journey_map
    d = res.dfg_diff[(res.dfg_diff["cases"] >= min_cases) | (res.dfg_diff["frequency"] == 0)]
    pos = {}
    per_stage = {}
    for a in jm.activities:
        s = jm.stage_names.index(jm.stage_of(a))
        k = per_stage.get(s, 0)
        per_stage[s] = k + 1
        pos[a] = (1.0 + 2.0 * s + (0.9 if k % 2 else 0.0), -1.1 * k)
    depth = max(per_stage.values())
    others = [a for a in pd.unique(pd.concat([d["source"], d["target"]])) if a not in pos and a not in (START, END)]
    width = 2.0 * len(jm.stage_names) + 1.0
    for i, a in enumerate(others):
        pos[a] = (1.0 + i * (width - 1.0) / max(1, len(others)), -1.1 * depth - 0.8)
    pos[START] = (0.0, 0.0)
    pos[END] = (width + 0.2, 0.0)
    if ax is None:
        fig = Figure(figsize=(max(7, 1.5 * width), 2.2 + 0.9 * (depth + (1 if others else 0))))
        ax = fig.subplots()
    else:
        fig = ax.figure
    style = {"intended and taken": ("0.45", "-"), "taken, not intended": ("tab:red", "-"),
             "intended, never taken": ("tab:blue", "--")}
    maxc = max(1, int(d["cases"].max()) if len(d) else 1)
    for r in d.itertuples():
        if r.source not in pos or r.target not in pos:
            continue
        color, ls = style[r.status]
        lw = 0.8 if r.cases == 0 else 0.8 + 3.5 * np.sqrt(r.cases / maxc)
        if r.source == r.target:
            x, y = pos[r.source]
            ax.add_patch(FancyArrowPatch((x - 0.15, y + 0.25), (x + 0.15, y + 0.25),
                                         connectionstyle="arc3,rad=-1.5", arrowstyle="-|>",
                                         mutation_scale=9, color=color, lw=lw, ls=ls, zorder=1))
            continue
        ax.add_patch(FancyArrowPatch(pos[r.source], pos[r.target], connectionstyle="arc3,rad=0.15",
                                     arrowstyle="-|>", mutation_scale=10, color=color, lw=lw,
                                     ls=ls, shrinkA=16, shrinkB=16, zorder=1, alpha=0.85))
    for a, (x, y) in pos.items():
        in_map = a in jm.activities or a in (START, END)
        ax.text(x, y, a, ha="center", va="center", fontsize=8, zorder=3,
                bbox=dict(boxstyle="round,pad=0.3", fc="white" if in_map else "#fde0dd",
                          ec="black" if in_map else "tab:red", lw=1.5 if a in jm.goal else 0.8))
    for s, name in enumerate(jm.stage_names):
        ax.text(1.45 + 2.0 * s, 0.8, name, ha="center", fontsize=9, fontweight="bold")
    ax.legend(handles=[Line2D([], [], color=c, ls=l, label=k) for k, (c, l) in style.items()],
              loc="lower right", fontsize=7, frameon=False)
    ax.set_xlim(-0.6, width + 0.8)
    ax.set_ylim(min(y for _, y in pos.values()) - 0.8, 1.3)
    ax.axis("off")
    ax.set_title(f"Actual directly-follows graph vs {jm.name}", loc="left", fontsize=10)
    return fig

"""Drawing a journey map: stages as columns, customer channels, frontstage and backstage as lanes.

:class:`JourneyPlot` is a mixin of :class:`~journeymining.journeymap.model.JourneyMap` whose
:meth:`~JourneyPlot.plot` draws the map with matplotlib as a service-blueprint-like journey map,
optionally coloured by a per-touchpoint share such as the share of cases deviating there.
"""

from __future__ import annotations

from journeymining.core import columns as C

__all__ = ["JourneyPlot"]


class JourneyPlot:
    """The journey-map drawing (mixed into :class:`JourneyMap`)."""

    def plot(self, *, ax=None, overlay=None, overlay_label="cases with a deviation", cmap="Reds"):
        """Draw the map as a journey map: stages as columns, lanes for customer touchpoints per
        channel, then frontstage steps without channel, then backstage steps.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        overlay : mapping activity -> float in [0, 1], optional
            Shares drawn as box colour and percentage (e.g. the share of cases with a deviation at
            the touchpoint). Extra keys ``("stage", name)`` colour a stage header.
        overlay_label : str
            Colour-bar label of the overlay.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt
        from matplotlib import colormaps
        from matplotlib.patches import FancyBboxPatch

        tps = list(self._touchpoints.values())
        channels = []
        for t in tps:
            if t.actor != C.BACKSTAGE and t.channel and t.channel not in channels:
                channels.append(t.channel)
        lanes = [f"customer · {c}" for c in channels]
        if any(t.actor != C.BACKSTAGE and not t.channel for t in tps):
            lanes.append("frontstage")
        if any(t.actor == C.BACKSTAGE for t in tps):
            lanes.append("backstage")

        def lane_of(t):
            if t.actor == C.BACKSTAGE:
                return lanes.index("backstage")
            if t.channel:
                return lanes.index(f"customer · {t.channel}")
            return lanes.index("frontstage")

        cells = {}
        for t in tps:
            cells.setdefault((self.stage_names.index(t.stage), lane_of(t)), []).append(t)
        per_lane = [max([len(v) for (s, l), v in cells.items() if l == li] or [1]) for li in range(len(lanes))]
        lane_y = []
        y = 0.0
        for h in per_lane:
            lane_y.append(y)
            y += h
        total_h = y
        ns = len(self.stages)
        own_figure = ax is None
        if own_figure:
            fig, ax = plt.subplots(figsize=(max(6, 2.6 * ns + 1.5), 1.0 + 0.75 * total_h + 0.6))
        else:
            fig = ax.figure
        cm = colormaps[cmap]
        col_w, box_w, box_h = 1.0, 0.86, 0.62
        for li, name in enumerate(lanes):
            top = lane_y[li]
            ax.axhspan(-top, -(top + per_lane[li]), color="0.96" if li % 2 == 0 else "white", zorder=0)
            ax.text(-0.08, -(top + per_lane[li] / 2), name, ha="right", va="center", fontsize=9)
        for si, stage in enumerate(self.stages):
            ax.text(si * col_w + 0.5, 0.35, stage.name, ha="center", va="bottom", fontsize=10,
                    fontweight="bold")
            if si:
                ax.axvline(si * col_w, color="0.75", lw=0.8, zorder=1)
        for (si, li), items in cells.items():
            for k, t in enumerate(items):
                cx = si * col_w + 0.5
                cy = -(lane_y[li] + k + 0.5)
                share = None if overlay is None else overlay.get(t.activity)
                face = "white" if share is None or share != share else cm(min(max(share, 0), 1))
                style = "--" if self.is_optional(t.activity) else "-"
                box = FancyBboxPatch((cx - box_w / 2, cy - box_h / 2), box_w, box_h,
                                     boxstyle="round,pad=0.02", linestyle=style,
                                     linewidth=2.2 if t.activity in self.goal else 1.0,
                                     edgecolor="black", facecolor=face, zorder=2)
                ax.add_patch(box)
                label = t.activity + (" ↻" if self.is_repeatable(t.activity) else "")
                if t.activity in self.goal:
                    label = "★ " + label
                ax.text(cx, cy + (0.08 if share is not None else 0), label, ha="center", va="center",
                        fontsize=8, zorder=3, wrap=True)
                sub = " · ".join(x for x in (t.team,) if x)
                if share is not None and share == share:
                    sub = (sub + "  " if sub else "") + f"{share:.0%}"
                if sub:
                    ax.text(cx, cy - 0.17, sub, ha="center", va="center", fontsize=7, color="0.25", zorder=3)
        if overlay is not None:
            import matplotlib as mpl

            sm = mpl.cm.ScalarMappable(cmap=cm, norm=mpl.colors.Normalize(0, 1))
            fig.colorbar(sm, ax=ax, fraction=0.03, pad=0.01, label=overlay_label)
        ax.set_xlim(-0.05, ns * col_w + 0.05)
        ax.set_ylim(-total_h - 0.1, 0.8)
        ax.set_xticks([])
        ax.set_yticks([])
        for sp in ax.spines.values():
            sp.set_visible(False)
        ax.set_title(self.name, loc="left", fontsize=11)
        if own_figure:
            plt.close(fig)  # the returned Figure displays once in Jupyter (not also as pyplot's)
        return fig

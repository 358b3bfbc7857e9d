"""The data-quality ledger of a conversion: every input row kept, repaired or quarantined.

Modelled on pandera's ``failure_cases``: problems that are not fatal are rows of a frame
(row, column, check, value, outcome, action) instead of being dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

OUTCOMES = ("kept", "repaired", "quarantined")
_RANK = {"kept": 0, "repaired": 1, "quarantined": 2}

#: What each check means, shown in reports.
CHECKS = {
    "missing_case_id": "the case (ticket) id is empty",
    "missing_activity": "the activity / status is empty",
    "missing_timestamp": "the timestamp is empty",
    "unparseable_timestamp": "the timestamp matches neither the mapping's format nor ISO 8601",
    "implausible_timestamp": "the timestamp is before 1980 or after 2100 (a placeholder date?)",
    "timestamp_format": "the timestamp did not match the mapping's format but is valid ISO 8601",
    "ambiguous_local_time": "the local time occurs twice (end of daylight saving time)",
    "nonexistent_local_time": "the local time does not exist (start of daylight saving time)",
    "whitespace": "leading/trailing spaces around an identifier or activity",
    "exact_duplicate": "the row repeats an earlier row in every column",
    "duplicate_case_id": "a second, different row for the same ticket in a one-row-per-ticket export",
    "unknown_activity": "the activity is not in the mapping's activities.allowed list",
    "out_of_order": "the row is earlier than a previous row of the same case",
    "missing_customer": "cases are customers but the customer id is empty",
    "case_attribute_varies": "a case attribute changes inside the case",
    "not_a_number": "a numeric attribute (e.g. csat) holds text",
    "no_event_timestamps": "a one-row-per-ticket row has no usable timestamp at all",
    "placeholder_id": "an id is a placeholder such as NULL, N/A or ? (declare it in source.na_values)",
    "invisible_characters": "an id holds zero-width or no-break characters (removed)",
    "outside_trace": "an XES <event> outside any <trace>: it belongs to no case",
}


class Ledger:
    """Collects issues while a conversion runs (internal)."""

    def __init__(self, n_rows):
        self.n_rows = int(n_rows)
        self._parts = []

    def add(self, rows, *, column, check, values, outcome, action):
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return
        if outcome not in _RANK:
            raise ValueError(f"unknown outcome {outcome!r}")
        values = pd.Series(values).astype("string").fillna("").to_numpy(dtype=object)
        if values.size == 1 and rows.size > 1:
            values = np.repeat(values, rows.size)
        actions = action if not isinstance(action, str) else np.repeat(action, rows.size)
        self._parts.append(pd.DataFrame({
            "row": rows, "column": column, "check": check, "value": values,
            "outcome": outcome, "action": np.asarray(actions, dtype=object),
        }))

    def frame(self):
        cols = ["row", "column", "check", "value", "outcome", "action"]
        if not self._parts:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else "object") for c in cols})
        out = pd.concat(self._parts, ignore_index=True)
        return out.sort_values(["row", "column"], kind="stable").reset_index(drop=True)[cols]

    def quarantined_rows(self):
        if not self._parts:
            return np.zeros(self.n_rows, dtype=bool)
        mask = np.zeros(self.n_rows, dtype=bool)
        for part in self._parts:
            if part["outcome"].iat[0] == "quarantined":
                mask[part["row"].to_numpy()] = True
        return mask

    def outcomes(self):
        rank = np.zeros(self.n_rows, dtype=np.int8)
        for part in self._parts:
            r = _RANK[part["outcome"].iat[0]]
            idx = part["row"].to_numpy()
            rank[idx] = np.maximum(rank[idx], r)
        return rank


@dataclass(frozen=True)
class QualityReport:
    """What happened to every input row of a conversion.

    Attributes
    ----------
    source : str
        The input file (or ``<DataFrame>``).
    shape : str
        The mapping's shape (events, updates, wide).
    n_rows : int
        Rows read from the input.
    issues : pandas.DataFrame
        One row per problem found: ``row`` (0-based input row; a CSV's line is row + 2),
        ``column``, ``check``, ``value``, ``outcome`` (kept / repaired / quarantined), ``action``.
    quarantined : pandas.DataFrame
        The quarantined input rows, unchanged, with ``row`` and ``reason`` columns in front.
    row_outcome : numpy.ndarray
        Per input row: 0 kept, 1 repaired, 2 quarantined.
    row_events : numpy.ndarray
        Per input row: the number of events it produced.
    na_values : pandas.DataFrame
        Cells blanked by the mapping's ``source.na_values``: ``marker``, ``column``, ``cells``.
    notes : tuple of str
        What the reader repaired that is not about one row (e.g. a duplicated column name).
    """

    source: str
    shape: str
    n_rows: int
    issues: pd.DataFrame
    quarantined: pd.DataFrame
    row_outcome: np.ndarray
    row_events: np.ndarray
    na_values: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["marker", "column", "cells"]))
    notes: tuple = ()

    @property
    def summary(self) -> pd.DataFrame:
        """Rows and events per outcome; the ``rows`` column adds up to the input rows."""
        counts = np.bincount(self.row_outcome, minlength=3)
        events = np.bincount(self.row_outcome, weights=self.row_events, minlength=3).astype(np.int64)
        frame = pd.DataFrame({"outcome": list(OUTCOMES), "rows": counts, "events": events})
        total = pd.DataFrame({"outcome": ["total"], "rows": [self.n_rows], "events": [int(self.row_events.sum())]})
        frame = pd.concat([frame, total], ignore_index=True)
        frame["share"] = (frame["rows"] / max(self.n_rows, 1)).round(4)
        return frame.set_index("outcome")

    @property
    def checks(self) -> pd.DataFrame:
        """Per check and outcome: affected rows, an example value and the first rows."""
        if self.issues.empty:
            return pd.DataFrame(columns=["check", "outcome", "rows", "example", "first_rows", "meaning"])
        grouped = self.issues.groupby(["check", "outcome"], sort=False)
        frame = grouped.agg(
            rows=("row", "nunique"),
            example=("value", "first"),
            first_rows=("row", lambda r: ", ".join(map(str, sorted(set(r))[:5]))),
        ).reset_index()
        frame["meaning"] = frame["check"].map(CHECKS).fillna("")
        return frame.sort_values(["rows", "check"], ascending=[False, True], kind="stable").reset_index(drop=True)

    def rows(self) -> pd.DataFrame:
        """One row per input row: its outcome and how many events it produced."""
        return pd.DataFrame({
            "row": np.arange(self.n_rows),
            "outcome": pd.Categorical.from_codes(self.row_outcome, categories=list(OUTCOMES)),
            "events": self.row_events,
        })

    def plot(self, ax=None):
        """Bar chart of affected rows per check, coloured by outcome. Returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        checks = self.checks
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.45 * max(len(checks), 2) + 1))
        colours = {"kept": "#4c78a8", "repaired": "#f58518", "quarantined": "#e45756"}
        labels = [f"{c} ({o})" for c, o in zip(checks["check"], checks["outcome"])]
        ax.barh(labels, checks["rows"], color=[colours[o] for o in checks["outcome"]])
        ax.invert_yaxis()
        ax.set_xlabel("input rows")
        ax.set_title(f"Data quality: {self.n_rows:,} rows read from {self.source}")
        for y, v in enumerate(checks["rows"]):
            ax.text(v, y, f" {v:,}", va="center", fontsize=8)
        return ax

    def __str__(self):
        s = self.summary
        lines = [f"{self.source}: {self.n_rows:,} input rows ({self.shape} shape) -> "
                 f"{int(self.row_events.sum()):,} events"]
        for outcome in OUTCOMES:
            lines.append(f"  {outcome:<12}{s.at[outcome, 'rows']:>10,} rows")
        for _, c in self.checks.iterrows():
            lines.append(f"    {c['check']:<24} {c['outcome']:<12}{c['rows']:>8,} rows (e.g. rows {c['first_rows']})")
        if len(self.na_values):
            per_marker = self.na_values.groupby("marker", sort=True)["cells"].sum()
            shown = ", ".join(f"{marker!r}: {int(n):,}" for marker, n in per_marker.items())
            lines.append(f"  na_values blanked {int(per_marker.sum()):,} cells ({shown})")
        for note in self.notes:
            lines.append(f"  note: {note}")
        return "\n".join(lines)

    def _repr_html_(self):
        return f"<pre>{self}</pre>"

"""Cell text helpers shared by the ticket conversion: stripped text, required columns, ledger values.

Every column the mapping names is read as text through :func:`as_text` (surrounding spaces
stripped, blanks missing, integer-valued floats written without ``.0``); :func:`required_text`
also quarantines the rows where a required column is empty, and :func:`pick` takes the raw values
of some rows for the quality ledger (:mod:`journeymining.io.quality`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["pick", "as_text", "required_text", "optional_text"]


def pick(series, mask):
    """Values of ``series`` at a boolean mask or positions, as objects (converts only those rows)."""
    series = series.reset_index(drop=True)
    if isinstance(mask, np.ndarray) and mask.dtype == bool:
        if not mask.any():
            return np.empty(0, dtype=object)
        return series[mask].to_numpy(dtype=object)
    return series.iloc[mask].to_numpy(dtype=object)


def as_text(series):
    """Text with surrounding spaces stripped and blanks missing; also which values were stripped."""
    if pd.api.types.is_float_dtype(series.dtype):
        finite = series.dropna()
        if len(finite) and np.all(np.isfinite(finite.to_numpy())) and np.all(finite.to_numpy() % 1 == 0) \
                and np.all(np.abs(finite.to_numpy()) < 2**53):
            series = series.astype("Int64")  # Parquet integer ids with gaps arrive as floats: 7, not 7.0
    text = series if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object else series.astype("str")
    stripped = text.str.strip()
    changed = (stripped != text).to_numpy(dtype=bool, na_value=False)
    stripped = stripped.mask(stripped == "")
    return stripped, changed


def required_text(frame, column, check, ledger, rows=None, *, whitespace=True):
    """Text of ``column``; empty values are quarantined with ``check``; stripped ones repaired."""
    text, changed = as_text(frame[column])
    rows = np.arange(len(frame)) if rows is None else rows
    missing = text.isna().to_numpy()
    ledger.add(rows[missing], column=column, check=check, values=pick(frame[column], missing),
               outcome="quarantined", action="quarantined")
    if whitespace:
        fix = changed & ~missing
        ledger.add(rows[fix], column=column, check="whitespace", values=pick(frame[column], fix),
                   outcome="repaired", action="stripped surrounding spaces")
    return text


def optional_text(frame, column):
    if column is None:
        return None
    text, _ = as_text(frame[column])
    return text

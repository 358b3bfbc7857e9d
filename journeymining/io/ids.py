"""Checks of case and customer ids: invisible characters, surrounding spaces, placeholder ids.

:func:`check_ids` runs on the values as read, before identifiers are pseudonymised: zero-width and
no-break characters are removed from ids (repaired), and placeholders such as ``NULL`` that the
mapping did not declare as missing (:data:`ID_PLACEHOLDERS`) are reported, or quarantined when
they would join unrelated customers into one journey.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["ID_PLACEHOLDERS", "check_ids"]

#: values that stand for "no id" in exports; reported when they appear as ids
ID_PLACEHOLDERS = ("NULL", "null", "Null", "N/A", "n/a", "NA", "?", "-", "none", "None", "nil", "(empty)", "#N/A")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00a0\u00ad]")


def check_ids(frame, m, ledger):
    """Ids made of invisible characters are cleaned (repaired); placeholder ids are reported.

    Zero-width characters, no-break spaces and soft hyphens are removed from case and customer ids
    (so ``T1\u200b`` and ``T1`` are one ticket). A placeholder such as ``NULL`` that the mapping did
    not declare in ``source.na_values`` is reported as ``placeholder_id`` (kept for the ticket id; for
    customer journeys it is quarantined: two unrelated ``NULL`` customers are never one journey).
    """
    hidden = {c for c, _ in m.pseudonymize_columns}
    copied = False
    for key, col in (("case.id", m.case_id), ("case.customer", m.customer)):
        if not col or col not in frame:
            continue
        series = frame[col]
        if pd.api.types.is_numeric_dtype(series.dtype):
            continue
        text = series.astype("str")

        def shown(mask):
            return "(pseudonymised)" if col in hidden else text[mask].map(ascii).to_numpy(dtype=object)

        invisible = text.str.contains(_INVISIBLE, regex=True).to_numpy(dtype=bool, na_value=False)
        if invisible.any():
            ledger.add(np.flatnonzero(invisible), column=col, check="invisible_characters", values=shown(invisible),
                       outcome="repaired", action="removed zero-width / no-break characters from the id")
            if not copied:
                frame, copied = frame.copy(), True
            frame[col] = series.where(~invisible, text.str.replace(_INVISIBLE, "", regex=True))
            text = frame[col].astype("str")
        if key == "case.customer" or col in hidden:  # the case id's own spaces are reported by the shape
            spaced = (text.str.strip() != text).to_numpy(dtype=bool, na_value=False) & \
                (text.str.strip() != "").to_numpy(dtype=bool, na_value=False) & text.notna().to_numpy()
            ledger.add(np.flatnonzero(spaced), column=col, check="whitespace", values=shown(spaced),
                       outcome="repaired", action="stripped surrounding spaces")
        placeholder = text.str.strip().isin(ID_PLACEHOLDERS).to_numpy(dtype=bool, na_value=False)
        if placeholder.any():
            rows = np.flatnonzero(placeholder)
            if key == "case.customer" and m.notion == "customer":
                ledger.add(rows, column=col, check="placeholder_id", values=shown(placeholder), outcome="quarantined",
                           action="quarantined: a placeholder is no customer (add it to source.na_values)")
            else:
                ledger.add(rows, column=col, check="placeholder_id", values=shown(placeholder), outcome="kept",
                           action="kept as an id; add it to source.na_values if it means 'none'")
    return frame

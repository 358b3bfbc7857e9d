"""Activity templates of the updates shape: ``{new}``, ``{old}``, ``{column}`` and input columns.

``track.<column>.activity`` and ``first.activity`` are templates (:mod:`journeymining.io.mapping`):
:func:`template_fields` lists the placeholders a template names, so that the mapping can check them
against the input, and :func:`fill_template` fills a template for a whole column of snapshots at
once (:mod:`journeymining.io.shapes`). ``{{`` and ``}}`` are literal braces.
"""

from __future__ import annotations

import re

import pandas as pd

#: placeholders of templates: ``{column}``; ``{{`` and ``}}`` are literal braces
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
#: placeholders a tracked change can use besides input columns
CHANGE_PLACEHOLDERS = ("new", "old", "column")

__all__ = ["PLACEHOLDER", "CHANGE_PLACEHOLDERS", "template_fields", "fill_template"]


def template_fields(template):
    """The placeholder names of a template, in order (``{{``/``}}`` are literal braces).

    >>> template_fields("Handoff to {new} ({assignment_group}) {{not}}")
    ['new', 'assignment_group']
    """
    return [m.group(1) for m in PLACEHOLDER.finditer(str(template)) if m.group(1) is not None]


def fill_template(template, snap, *, new=None, old=None, column=None):
    """Fill a template for whole columns at once.

    ``{new}``, ``{old}`` and ``{column}`` are the tracked column's values and name (tracked changes
    only); ``{<input column>}`` is that column's value in the same snapshot (``snap["__c_<column>"]``);
    ``{{`` and ``}}`` are literal braces. Missing values read ``(empty)``.
    """
    out = pd.Series("", index=snap.index, dtype="str")
    pos = 0
    for found in PLACEHOLDER.finditer(template):
        if found.start() > pos:
            out = out + template[pos:found.start()]
        pos = found.end()
        token, name = found.group(0), found.group(1)
        if name is None:
            out = out + token[0]
        elif name == "column" and column is not None:
            out = out + column
        else:
            values = new if name == "new" and new is not None else old if name == "old" and old is not None \
                else snap["__c_" + name]
            out = out + values.astype("str").fillna("(empty)").to_numpy()
    if pos < len(template):
        out = out + template[pos:]
    return out

"""The account of a filtered log: which filters were applied, and what each kept.

Every verb returns its rows through :func:`filtered`, which appends one entry (name, parameters,
cases and events before and after, a one-line ``text``) to ``result.attrs[ACCOUNT_KEY]``, keeping
the entries of the filters applied before; :func:`filter_account` lists their lines, oldest first.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ACCOUNT_KEY", "filter_account", "filtered"]

#: Key of ``DataFrame.attrs`` under which the filters applied to a log are recorded.
ACCOUNT_KEY = "journeymining_filters"


def _percent(part, whole):
    return f" ({100 * part / whole:.1f} %)" if whole else ""


def filtered(log, mask, name, parameters, label, keys, note=""):
    """The rows of ``log`` where ``mask`` holds, with this filter's account appended."""
    case_id_key = keys[0]
    mask = np.asarray(mask, dtype=bool)
    result = log.loc[mask].copy()
    cases_before = int(log[case_id_key].nunique())
    cases_after = int(result[case_id_key].nunique())
    text = (f"{name}({label}): kept {cases_after:,} of {cases_before:,} cases"
            f"{_percent(cases_after, cases_before)}, {len(result):,} of {len(log):,} events{note}")
    entry = {"name": name, "parameters": dict(parameters), "cases_before": cases_before,
             "cases_after": cases_after, "events_before": int(len(log)),
             "events_after": int(len(result)), "text": text}
    result.attrs = {**{k: v for k, v in log.attrs.items() if k != ACCOUNT_KEY},
                    ACCOUNT_KEY: [dict(e) for e in log.attrs.get(ACCOUNT_KEY, [])] + [entry]}
    return result


def filter_account(log) -> list:
    """The one-line accounts of the filters applied to ``log``, oldest first.

    Parameters
    ----------
    log : pandas.DataFrame
        A log returned by one of the ``filter_*`` verbs (any DataFrame works; an unfiltered one
        gives ``[]``).

    Returns
    -------
    list of str

    Examples
    --------
    >>> import pandas as pd
    >>> filter_account(pd.DataFrame())
    []
    """
    return [entry["text"] for entry in getattr(log, "attrs", {}).get(ACCOUNT_KEY, [])]

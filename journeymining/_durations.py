"""The one duration syntax of mappings, journey maps and KPI options: ``30m``, ``4h``, ``2d``, ``1w``, ``1d12h``."""

import re

import pandas as pd

from .errors import JourneyMiningError

_UNITS = {"s": "s", "sec": "s", "m": "min", "min": "min", "h": "h", "d": "D", "w": "W"}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(sec|min|s|m|h|d|w)", re.IGNORECASE)


def parse_duration(value, *, subject=None, error=JourneyMiningError, numbers_are_hours=False):
    """A positive :class:`pandas.Timedelta` from ``"30m"``, ``"4h"``, ``"2d"``, ``"1w"``, ``"1d12h"``.

    ``subject`` starts the error message (default: the value); ``error`` is the class raised;
    with ``numbers_are_hours`` a bare number means hours.

    >>> parse_duration("1d12h"), parse_duration("90m")
    (Timedelta('1 days 12:00:00'), Timedelta('0 days 01:30:00'))
    """
    subject = subject or repr(value)
    if isinstance(value, pd.Timedelta):
        td = value
    elif numbers_are_hours and isinstance(value, (int, float)) and not isinstance(value, bool):
        td = pd.Timedelta(hours=float(value))
    else:
        text = "" if value is None else str(value).strip()
        parts = _PART.findall(text)
        if not parts or "".join(n + u for n, u in parts).lower() != re.sub(r"\s+", "", text).lower():
            raise error(f"{subject} is not a duration. Write a number and a unit: 30m, 4h, 2d or 1w "
                        "(or combined, e.g. 1d12h).")
        td = sum((pd.Timedelta(float(n), unit=_UNITS[u.lower()]) for n, u in parts), pd.Timedelta(0))
    if td <= pd.Timedelta(0):
        raise error(f"{subject} must be a positive duration such as 4h.")
    return td

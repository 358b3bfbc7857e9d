"""The one duration syntax of mappings, journey maps and KPI options: ``30m``, ``4h``, ``2d``, ``1w``, ``1d12h``."""

import re

import pandas as pd

from journeymining.core.errors import JourneyMiningError

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


def format_duration(td):
    """A duration in the units people read: ``45 s``, ``12 min``, ``3.5 h``, ``2.4 d``.

    Seconds below a minute, minutes below an hour, hours below two days, then days. NaN/NaT
    gives ``n/a``. The one formatter for every text and figure label.

    >>> format_duration(pd.Timedelta(minutes=90)), format_duration(pd.Timedelta(days=3, hours=6))
    ('1.5 h', '3.2 d')
    """
    if td is None:
        return "n/a"
    if not isinstance(td, pd.Timedelta):
        try:
            td = pd.Timedelta(td)
        except (ValueError, TypeError):
            return "n/a"
    if pd.isna(td):
        return "n/a"
    secs = td.total_seconds()
    sign = "-" if secs < 0 else ""
    secs = abs(secs)
    if secs < 60:
        return f"{sign}{secs:.0f} s"
    if secs < 3600:
        return f"{sign}{secs / 60:.0f} min"
    if secs < 2 * 86400:
        return f"{sign}{_num(secs / 3600)} h"
    return f"{sign}{_num(secs / 86400)} d"


def _num(x):
    """``3``, ``3.5``, ``12``: one decimal below 10, none for whole numbers or above."""
    if abs(x - round(x)) < 0.05 or x >= 10:
        return f"{round(x):.0f}"
    return f"{x:.1f}"


def format_hours(hours):
    """:func:`format_duration` of a number of hours (NaN gives ``n/a``)."""
    if hours is None or hours != hours:
        return "n/a"
    return format_duration(pd.Timedelta(hours=float(hours)))

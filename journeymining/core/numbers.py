"""How shares are written in figures and pages: one formatter, never a false 0 % or 100 %."""

from __future__ import annotations

__all__ = ["format_share"]


def format_share(x, decimals=1):
    """A share (0..1) in per cent with ``decimals`` decimals; "n/a" when missing.

    A share above 0 that would round to 0 is written "< 0.1 %" (at one decimal), one below 1
    that would round to 100 is written "> 99.9 %".

    Examples
    --------
    >>> format_share(0.25), format_share(0.0004), format_share(0.9996), format_share(None)
    ('25.0 %', '< 0.1 %', '> 99.9 %', 'n/a')
    >>> format_share(0.004, decimals=0), format_share(1.0, decimals=0)
    ('< 1 %', '100 %')
    """
    if x is None or x != x:
        return "n/a"
    step = 10.0 ** -decimals / 100
    if 0 < x < step / 2:
        return f"< {step * 100:.{decimals}f} %"
    if 1 - step / 2 < x < 1:
        return f"> {100 - step * 100:.{decimals}f} %"
    return f"{x:.{decimals}%}".replace("%", " %")

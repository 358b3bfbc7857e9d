"""Command-line filter expressions: :func:`parse_filter` reads one, :func:`apply_filters` applies a list.

An expression such as ``"variant_coverage:0.8"``, ``"not activity:Reopen"`` or ``"events:>=3"``
(the forms are :data:`FILTER_FORMS`, also in docs/FILTERS.md) becomes a callable ``log -> log``
calling one of the filtering verbs; an expression that cannot be read is an
:class:`~journeymining.core.errors.EventLogError` listing the accepted forms.
"""

from __future__ import annotations

import re

import pandas as pd

from journeymining.core import columns as C
from journeymining.core.docs import fill_docstrings
from journeymining.core.durations import parse_duration
from journeymining.core.eventlog import check_log
from journeymining.core.errors import EventLogError
from journeymining.filters.activities import (
    filter_activity_presence,
    filter_end_activities,
    filter_follows,
    filter_start_activities,
)
from journeymining.filters.cases import filter_case_attribute, filter_case_size, filter_variant_coverage
from journeymining.filters.time import TIME_FRAME_MODES, filter_throughput_time, filter_time_frame

__all__ = ["FILTER_FORMS", "parse_filter", "apply_filters"]




#: The accepted ``--filter`` expression forms, shown in error messages and in docs/FILTERS.md.
FILTER_FORMS = (
    "time_frame:START..END[:contained|intersecting|started|completed|trim]  "
    "(either side may be empty)",
    "variant_coverage:0.8   (or 80%)",
    "activity:A[,B...]      (cases with any of them; 'activity_all:A,B' for all)",
    "not activity:A[,B...]  (cases with none of them)",
    "case:COLUMN=V1[,V2...] (or case:COLUMN!=V1,... to drop; 'attr:COLUMN=...' for any column)",
    "throughput:<=7d | throughput:>=1h | throughput:1h..7d",
    "events:>=3 | events:<=10 | events:3..10 | events:=3",
    "start:A[,B...] | end:A[,B...]   (prefix 'not ' to drop those cases)",
    "follows:A>>B (eventually) | follows:A>B (directly)   (prefix 'not ' to drop)",
)


class _Filter:
    """A parsed ``--filter`` expression: call it on a log to apply it."""

    def __init__(self, expression, verb, args, kwargs):
        self.expression = expression
        self._verb, self._args, self._kwargs = verb, args, kwargs

    def __call__(self, log, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                 timestamp_key=C.TIMESTAMP):
        return self._verb(log, *self._args, **self._kwargs, case_id_key=case_id_key,
                          activity_key=activity_key, timestamp_key=timestamp_key)

    def __repr__(self):
        return f"parse_filter({self.expression!r})"


def _bad(expression, why):
    forms = "\n  ".join(FILTER_FORMS)
    return EventLogError(f"parse_filter: cannot read the filter expression {expression!r}: {why}. "
                         f"Accepted forms:\n  {forms}")


def _split_list(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def _range(text, expression, parse):
    """``<=X``, ``>=X``, ``=X``, ``X..Y`` -> (lo, hi) with ``parse`` applied to each bound."""
    text = text.strip()
    try:
        if text.startswith("<="):
            return None, parse(text[2:].strip())
        if text.startswith(">="):
            return parse(text[2:].strip()), None
        if ".." in text:
            lo, hi = (t.strip() for t in text.split("..", 1))
            return (parse(lo) if lo else None), (parse(hi) if hi else None)
        if text.startswith("="):
            value = parse(text[1:].strip())
            return value, value
    except ValueError as exc:
        raise _bad(expression, f"{text!r} is not a valid bound ({exc})") from None
    raise _bad(expression, f"{text!r} is not a range; write <=X, >=X or X..Y")


def _int(text):
    if not re.fullmatch(r"\d+", text):
        raise ValueError(f"{text!r} is not a whole number")
    return int(text)


def parse_filter(text):
    """Turn a command-line filter expression into a callable ``log -> log``.

    Parameters
    ----------
    text : str
        One expression; the forms are listed in :data:`FILTER_FORMS` and ``docs/FILTERS.md``:
        ``"time_frame:2024-01-01..2024-03-31:contained"``, ``"variant_coverage:0.8"``,
        ``"activity:Closed"``, ``"not activity:Reopen"``, ``"case:product=Value 1,Value 2"``,
        ``"throughput:<=7d"``, ``"events:>=3"``, ``"start:Insert ticket"``, ``"end:Closed"``,
        ``"follows:A>>B"`` (eventually), ``"follows:A>B"`` (directly).

    Returns
    -------
    callable
        ``f(log, *, case_id_key=..., activity_key=..., timestamp_key=...)`` returning the
        filtered log (its ``expression`` attribute holds ``text``).

    Raises
    ------
    EventLogError
        If the expression is not one of the accepted forms (the message lists them).

    Examples
    --------
    >>> parse_filter("not activity:Reopen")
    parse_filter('not activity:Reopen')
    """
    if not isinstance(text, str) or not text.strip():
        raise _bad(text, "it is empty or not text")
    expression = text
    body = text.strip()
    negate = False
    if body.lower().startswith("not "):
        negate, body = True, body[4:].strip()
    kind, sep, rest = body.partition(":")
    kind = kind.strip().lower()
    if not sep:
        raise _bad(expression, "it has no 'kind:' prefix")
    rest = rest.strip()

    def make(verb, *args, **kwargs):
        return _Filter(expression, verb, args, kwargs)

    def no_negation():
        if negate:
            raise _bad(expression, f"'not' cannot be used with {kind}:")

    if kind == "time_frame":
        no_negation()
        mode = "contained"
        head, colon, tail = rest.rpartition(":")
        if colon and tail.strip().lower() in TIME_FRAME_MODES:
            rest, mode = head, tail.strip().lower()
        if ".." not in rest:
            raise _bad(expression, "the window must be written START..END")
        start, end = (t.strip() or None for t in rest.split("..", 1))
        if start is None and end is None:
            raise _bad(expression, "both ends of the window are empty")
        for value in (start, end):
            if value is not None:
                try:
                    pd.Timestamp(value)
                except (ValueError, TypeError):
                    raise _bad(expression, f"{value!r} is not a date") from None
        return make(filter_time_frame, start, end, mode=mode)
    if kind == "variant_coverage":
        no_negation()
        value = rest[:-1].strip() if rest.endswith("%") else rest
        try:
            share = float(value) / (100 if rest.endswith("%") else 1)
        except ValueError:
            raise _bad(expression, f"{rest!r} is not a share such as 0.8 or 80%") from None
        if not 0 < share <= 1:
            raise _bad(expression, f"{rest!r} is not a share in (0, 1]")
        return make(filter_variant_coverage, share)
    if kind in ("activity", "activity_all"):
        names = _split_list(rest)
        if not names:
            raise _bad(expression, "no activity is named")
        if kind == "activity_all" and negate:
            raise _bad(expression, "'not activity_all:' is ambiguous; use 'not activity:'")
        how = "none" if negate else ("all" if kind == "activity_all" else "any")
        return make(filter_activity_presence, names, how=how)
    if kind in ("case", "attr"):
        match = re.fullmatch(r"([^=!]+?)\s*(!=|=)\s*(.+)", rest)
        if not match:
            raise _bad(expression, "write case:COLUMN=VALUE[,VALUE...]")
        column, op, values = match.group(1).strip(), match.group(2), _split_list(match.group(3))
        if not values:
            raise _bad(expression, "no value is given")
        keep = (op == "=") != negate
        return _Filter(expression, _case_attribute_by_name,
                       (column, values, kind == "case"), {"keep": keep})
    if kind == "throughput":
        no_negation()

        def parse(value):
            return parse_duration(value, subject=repr(value), error=ValueError)

        _range(rest, expression, parse)  # validate now, keep the bounds as written
        lo, hi = _raw_range(rest)
        return make(filter_throughput_time, lo, hi)
    if kind == "events":
        no_negation()
        lo, hi = _range(rest, expression, _int)
        if (lo is not None and lo < 1) or (hi is not None and hi < 1):
            raise _bad(expression, "the number of events must be >= 1")
        if lo is None and hi is None:
            raise _bad(expression, "give at least one bound")
        return make(filter_case_size, lo, hi)
    if kind in ("start", "end"):
        names = _split_list(rest)
        if not names:
            raise _bad(expression, "no activity is named")
        verb = filter_start_activities if kind == "start" else filter_end_activities
        return make(verb, names, keep=not negate)
    if kind == "follows":
        directly = ">>" not in rest
        a, arrow, b = rest.partition(">>" if not directly else ">")
        if not arrow or not a.strip() or not b.strip():
            raise _bad(expression, "write follows:A>>B (eventually) or follows:A>B (directly)")
        return make(filter_follows, a.strip(), b.strip(), directly=directly, keep=not negate)
    raise _bad(expression, f"unknown kind {kind!r}")


def _raw_range(text):
    """The bound texts of an already validated range expression (kept as written)."""
    text = text.strip()
    if text.startswith("<="):
        return None, text[2:].strip()
    if text.startswith(">="):
        return text[2:].strip(), None
    if ".." in text:
        lo, hi = (t.strip() for t in text.split("..", 1))
        return lo or None, hi or None
    value = text[1:].strip()
    return value, value


def _case_attribute_by_name(log, column, values, case_prefix, *, keep, **keys):
    """``case:product=...`` names the column ``case:product`` (or ``product`` if only that exists)."""
    full = column if not case_prefix or column.startswith("case:") else f"case:{column}"
    if case_prefix and full not in log.columns and column in log.columns:
        full = column
    return filter_case_attribute(log, full, values, keep=keep, **keys)


def apply_filters(log, expressions, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                  timestamp_key=C.TIMESTAMP):
    """Apply filter expressions (strings for :func:`parse_filter`, or callables) in order.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    expressions : iterable of str or callable
        The filters, applied left to right; a single string is one expression.
    {keys}

    Returns
    -------
    pandas.DataFrame
        The filtered log; :func:`filter_account` lists one line per filter.

    Raises
    ------
    EventLogError
        If an expression cannot be parsed (nothing is applied then) or the log is not an
        event log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...                     "concept:name": ["Open", "Close", "Open"],
    ...                     "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                       "2024-01-03"], utc=True)})
    >>> len(apply_filters(log, ["end:Close"]))
    2
    """
    if isinstance(expressions, str) or callable(expressions):
        expressions = [expressions]
    filters = [e if callable(e) else parse_filter(e) for e in expressions]
    check_log(log, case_id_key=case_id_key, activity_key=activity_key,
              timestamp_key=timestamp_key, verb="apply_filters")
    log = log.copy()
    for f in filters:
        log = f(log, case_id_key=case_id_key, activity_key=activity_key,
                timestamp_key=timestamp_key)
    return log


fill_docstrings(apply_filters)

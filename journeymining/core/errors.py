"""Typed errors. Every message names the file or parameter, the column, example rows and the fix."""


class JourneyMiningError(ValueError):
    """Base class of every error journeymining raises on bad input."""


class MappingError(JourneyMiningError):
    """The declarative ticket mapping is malformed or names columns the input does not have."""


class InputFileError(JourneyMiningError):
    """An input file cannot be read (missing, wrong format, bad encoding, unsafe XML)."""


class EventLogError(JourneyMiningError):
    """A DataFrame handed to a verb is not a usable event log (missing pm4py columns, wrong types)."""


class JourneyMapError(JourneyMiningError):
    """The intended journey map is invalid (unknown stage, duplicate touchpoint, bad SLA, ...)."""


def preview(values, limit=5):
    """Render up to ``limit`` example values for an error message: ``'a', 'b', '' (+3 more)``."""
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:limit])
    if len(values) > limit:
        shown += f" (+{len(values) - limit} more)"
    return shown

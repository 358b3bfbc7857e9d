"""The building blocks of a journey map: touchpoints, groups and SLA targets.

:class:`Touchpoint` is one step of the intended journey, :class:`Group` an ordered set of
touchpoints or nested groups (a stage is a named group), and :class:`SLA` a time target between two
touchpoints or for a whole stage. They are frozen dataclasses that :class:`~journeymining.journeymap.model.JourneyMap`
builds from YAML, a dict or BPMN; :func:`format_duration` writes an SLA's time target back in the
map's short form (``4h``, ``2d``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Touchpoint", "Group", "SLA", "format_duration"]


@dataclass(frozen=True)
class Touchpoint:
    """One step of the intended journey (an activity of the event log)."""

    activity: str
    stage: str
    channel: str | None = None
    actor: str | None = None
    team: str | None = None
    optional: bool = False
    repeatable: bool = False
    contact: bool = False    #: customer-initiated touchpoint (a call, chat, e-mail, FAQ search ...)
    automatic: bool = False  #: done by the system on a timer (auto-close, reminders): its wait is no pain point


@dataclass(frozen=True)
class Group:
    """Touchpoints (or nested groups) with an order between them; a stage is a named group."""

    order: str
    children: tuple
    optional: bool = False
    repeatable: bool = False
    name: str | None = None


@dataclass(frozen=True)
class SLA:
    """A time target: between two touchpoints (``from``/``to``) or for a whole ``stage``."""

    within: object  # pandas.Timedelta
    from_activity: str | None = None
    to_activity: str | None = None
    stage: str | None = None

    @property
    def label(self):
        if self.stage is not None:
            return f"stage {self.stage} within {format_duration(self.within)}"
        return f"{self.from_activity} -> {self.to_activity} within {format_duration(self.within)}"


def format_duration(td):
    """A timedelta in the map's short form: ``4h``, ``2d``, ``1w`` (seconds when nothing shorter fits)."""
    secs = int(td.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if secs % size == 0 and secs >= size:
            return f"{secs // size}{unit}"
    return f"{secs}s"


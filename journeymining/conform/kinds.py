"""The deviation kinds of conformance: their names, labels, observable definitions and precedence.

:data:`KINDS` lists every kind a :class:`~journeymining.conform.result.Conformance` reports (the
kinds of ``docs/ARCHITECTURE.md``), :data:`KIND_LABELS` their words for a support manager,
:data:`KIND_DEFINITIONS` what is observed in the log for each, and :data:`PRECEDENCE` which kind
is the primary one when one event carries several (one event, one pain point).
:data:`KIND_INDEX` numbers the kinds as the integer arrays of the comparison do.
"""

__all__ = ["KINDS", "KIND_LABELS", "KIND_DEFINITIONS", "PRECEDENCE", "DEVIATION_COLUMNS", "KIND_INDEX"]

KINDS = ("skipped_touchpoint", "unplanned_step", "out_of_order", "rework", "repeat_contact",
         "channel_switch", "reopen", "unplanned_handoff", "ping_pong", "sla_breach", "drop_off")
KIND_LABELS = {
    "skipped_touchpoint": "skipped touchpoint", "unplanned_step": "unplanned step",
    "out_of_order": "out of order", "rework": "rework/repeat", "repeat_contact": "repeat contact",
    "channel_switch": "channel switch", "reopen": "reopened", "unplanned_handoff": "unplanned handoff",
    "ping_pong": "ping-pong between teams", "sla_breach": "SLA breach", "drop_off": "drop-off before goal",
}
#: The observable definition of every kind (the attribute kinds are those of the journey
#: definitions, journeymining.measure.definitions).
KIND_DEFINITIONS = {
    "skipped_touchpoint": "a part of the case's path through the map (a touchpoint, or a whole choice such as "
                          "the contact) is absent while a touchpoint the map puts after it happened",
    "unplanned_step": "a step whose activity is not a touchpoint of the map",
    "out_of_order": "the fewest moved steps that explain every pair of first occurrences in an order the map "
                    "forbids, reported at the step that moved",
    "rework": "a non-repeatable touchpoint again in the same cycle (a reopen starts a new cycle)",
    "repeat_contact": "the customer gets in touch again on the same channel",
    "channel_switch": "a contact on another channel than the previous contact",
    "reopen": "a step other than a closure step after a resolution",
    "unplanned_handoff": "a change of team the map does not plan there (on the team sequence)",
    "ping_pong": "a handoff back to the team the case just came from that the map does not plan",
    "sla_breach": "a rule that completed late, or was still open past its limit at the case end (log end if "
                  "open); stage rules on the time spent in the stage",
    "drop_off": "the case did not reach the goal and has been silent longer than the open window",
}

#: When one event carries several kinds, the first of this order is its primary kind (one event
#: behind a problem gives one pain point).
PRECEDENCE = ("unplanned_step", "reopen", "repeat_contact", "channel_switch", "rework", "out_of_order",
              "unplanned_handoff", "ping_pong", "sla_breach", "skipped_touchpoint", "drop_off")
DEVIATION_COLUMNS = ["case", "stage", "touchpoint", "kind", "detail", "time_lost", "position", "diagnosis",
                     "primary"]
#: Position of each kind in :data:`KINDS` (the kind codes of the comparison's integer arrays).
KIND_INDEX = {k: i for i, k in enumerate(KINDS)}

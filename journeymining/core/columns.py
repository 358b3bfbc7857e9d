"""Column names shared by every verb.

journeymining speaks pm4py's column names (the XES standard keys) so that every event log it
produces can be handed to pm4py unchanged, and adds a few journey-specific event attributes.
"""

CASE = "case:concept:name"
ACTIVITY = "concept:name"
TIMESTAMP = "time:timestamp"
RESOURCE = "org:resource"
GROUP = "org:group"          #: team / assignment group that performed the event
CHANNEL = "channel"          #: phone, e-mail, chat, social, self-service, office, ...
TOUCHPOINT = "touchpoint"    #: the touchpoint of the journey map the event belongs to
STAGE = "stage"              #: the journey stage (column of the journey map)
ACTOR = "actor"              #: "frontstage" (customer sees it) or "backstage"
CSAT = "csat"                #: satisfaction answer on survey events (1-5), NaN elsewhere
CUSTOMER = "case:customer"   #: the customer the case belongs to
TICKET = "ticket"            #: the source ticket of an event (useful when cases are customers)
SOURCE_ROW = "source_row"    #: 0-based row of the input that produced the event
EVENT_KIND = "event_kind"    #: updates shape: "status" (first snapshot, status changes) or "change"
CHANGED_FIELD = "changed_field"  #: updates shape: the tracked column that changed ("(first)" first)

FRONTSTAGE = "frontstage"
BACKSTAGE = "backstage"

CHANNELS = ("phone", "e-mail", "chat", "social", "self-service", "office", "web", "post")

#: Text reused in docstrings for the three keys every verb takes.
KEYS_DOC = """case_id_key : str, default "case:concept:name"
        Column holding the case (journey) identifier.
    activity_key : str, default "concept:name"
        Column holding the activity (touchpoint step) name.
    timestamp_key : str, default "time:timestamp"
        Column holding the event time (timezone-aware UTC timestamps)."""

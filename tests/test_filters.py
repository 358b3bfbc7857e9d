"""Filtering verbs: hand-computed kept cases and events, and the one-line account of each filter."""

import numpy as np
import pandas as pd
import pytest

from journeymining.core.errors import EventLogError
from journeymining.filters import (
    ACCOUNT_KEY,
    apply_filters,
    filter_account,
    filter_activity_presence,
    filter_case_attribute,
    filter_case_size,
    filter_end_activities,
    filter_follows,
    filter_start_activities,
    filter_throughput_time,
    filter_time_frame,
    filter_variant_coverage,
    parse_filter,
)

CASE, ACT, TIME, PRODUCT = "case:concept:name", "concept:name", "time:timestamp", "case:product"

# Five tickets, 14 events (all 2024, UTC); the rows are given out of time order on purpose.
#   c1: Insert 01-10 09:00, Assign 01-10 10:00, Closed 01-12 09:00          P1, 3 events, 2 d
#   c2: Insert 01-20 09:00, Reopen 01-25 09:00, Assign 02-02 09:00,
#       Closed 02-03 09:00                                                  P2, 4 events, 14 d
#   c3: Assign 02-10 09:00, Closed 02-10 10:00                              P1, 2 events, 1 h
#   c4: Insert 03-30 12:00 (product missing), Assign 04-02 12:00 (P3)       P3, 2 events, 3 d
#   c5: Insert 01-05 08:00, Assign 01-05 09:00, Closed 01-06 08:00          P1, 3 events, 1 d
# Variants: Insert → Assign → Closed (c1, c5); Assign → Closed (c3); Insert → Assign (c4);
# Insert → Reopen → Assign → Closed (c2).
ROWS = [
    ("c1", "Closed", "01-12 09:00", "P1"), ("c1", "Insert", "01-10 09:00", "P1"),
    ("c1", "Assign", "01-10 10:00", "P1"),
    ("c2", "Insert", "01-20 09:00", "P2"), ("c2", "Reopen", "01-25 09:00", "P2"),
    ("c2", "Assign", "02-02 09:00", "P2"), ("c2", "Closed", "02-03 09:00", "P2"),
    ("c3", "Assign", "02-10 09:00", "P1"), ("c3", "Closed", "02-10 10:00", "P1"),
    ("c4", "Assign", "04-02 12:00", "P3"), ("c4", "Insert", "03-30 12:00", None),
    ("c5", "Insert", "01-05 08:00", "P1"), ("c5", "Assign", "01-05 09:00", "P1"),
    ("c5", "Closed", "01-06 08:00", "P1"),
]
EVENTS = {"c1": 3, "c2": 4, "c3": 2, "c4": 2, "c5": 3}


def make_log():
    log = pd.DataFrame(ROWS, columns=[CASE, ACT, TIME, PRODUCT])
    log[TIME] = pd.to_datetime("2024-" + log[TIME], utc=True)
    return log


def kept(result):
    return sorted(result[CASE].unique())


def check(result, cases, text):
    """The kept cases, all of their events, and the account line."""
    assert kept(result) == sorted(cases)
    assert len(result) == sum(EVENTS[c] for c in cases)
    assert filter_account(result)[-1] == text


def test_case_attribute_uses_first_non_missing_value():
    log = make_log()
    check(filter_case_attribute(log, PRODUCT, "P1"), ["c1", "c3", "c5"],
          "filter_case_attribute(case:product = P1): kept 3 of 5 cases (60.0 %), 8 of 14 events")
    # c4's first event has no product; its first non-missing value is P3
    check(filter_case_attribute(log, PRODUCT, ["P3"]), ["c4"],
          "filter_case_attribute(case:product = P3): kept 1 of 5 cases (20.0 %), 2 of 14 events")
    check(filter_case_attribute(log, PRODUCT, ["P1", "P2"], keep=False), ["c4"],
          "filter_case_attribute(case:product != P1, P2): kept 1 of 5 cases (20.0 %), "
          "2 of 14 events")
    check(filter_case_attribute(log, PRODUCT, "P9"), [],
          "filter_case_attribute(case:product = P9): kept 0 of 5 cases (0.0 %), 0 of 14 events; "
          "'P9' does not occur in the log")


def test_case_attribute_numbers_match_their_text():
    log = make_log().assign(**{"case:priority": [1, 1, 1, 2, 2, 2, 2, 3, 3, 1, 1, 2, 2, 2]})
    check(filter_case_attribute(log, "case:priority", "2"), ["c2", "c5"],
          "filter_case_attribute(case:priority = 2): kept 2 of 5 cases (40.0 %), 7 of 14 events")


@pytest.mark.parametrize("mode, cases, events", [
    ("contained", ["c3"], "2 of 14"),
    ("intersecting", ["c2", "c3"], "6 of 14"),
    ("started", ["c3"], "2 of 14"),
    ("completed", ["c2", "c3"], "6 of 14"),
])
def test_time_frame_modes_february(mode, cases, events):
    result = filter_time_frame(make_log(), "2024-02-01", "2024-02-29", mode=mode)
    pct = f"{100 * len(cases) / 5:.1f}"
    check(result, cases, f"filter_time_frame({mode}, 2024-02-01..2024-02-29): kept "
                         f"{len(cases)} of 5 cases ({pct} %), {events} events")


def test_time_frame_started_and_trim():
    log = make_log()
    # c4 starts on 30 March and ends on 2 April
    check(filter_time_frame(log, "2024-03-01", "2024-03-31", mode="started"), ["c4"],
          "filter_time_frame(started, 2024-03-01..2024-03-31): kept 1 of 5 cases (20.0 %), "
          "2 of 14 events")
    assert kept(filter_time_frame(log, "2024-03-01", "2024-03-31", mode="completed")) == []
    trimmed = filter_time_frame(log, "2024-03-01", "2024-03-31", mode="trim")
    assert trimmed[[CASE, ACT]].values.tolist() == [["c4", "Insert"]]
    assert filter_account(trimmed) == [
        "filter_time_frame(trim, 2024-03-01..2024-03-31): kept 1 of 5 cases (20.0 %), "
        "1 of 14 events"]
    # February trimmed: c2's Assign and Closed, both events of c3
    feb = filter_time_frame(log, "2024-02-01", "2024-02-29", mode="trim")
    assert sorted(map(tuple, feb[[CASE, ACT]].values.tolist())) == [
        ("c2", "Assign"), ("c2", "Closed"), ("c3", "Assign"), ("c3", "Closed")]


def test_time_frame_date_only_end_covers_the_day_and_open_ends():
    log = make_log()
    # c1 ends on 12 January at 09:00: inside "..2024-01-12", outside "..2024-01-12 08:00"
    check(filter_time_frame(log, None, "2024-01-12"), ["c1", "c5"],
          "filter_time_frame(contained, ..2024-01-12): kept 2 of 5 cases (40.0 %), 6 of 14 events")
    assert kept(filter_time_frame(log, end="2024-01-12 08:00")) == ["c5"]
    assert kept(filter_time_frame(log, start=pd.Timestamp("2024-02-01", tz="UTC"),
                                  mode="started")) == ["c3", "c4"]
    account = filter_account(filter_time_frame(log, start=pd.Timestamp("2024-02-01", tz="UTC")))
    assert account[0].startswith("filter_time_frame(contained, 2024-02-01..): kept 2 of 5")


def test_start_and_end_activities():
    log = make_log()
    check(filter_start_activities(log, "Insert"), ["c1", "c2", "c4", "c5"],
          "filter_start_activities(Insert): kept 4 of 5 cases (80.0 %), 12 of 14 events")
    check(filter_start_activities(log, ["Insert"], keep=False), ["c3"],
          "filter_start_activities(not Insert): kept 1 of 5 cases (20.0 %), 2 of 14 events")
    check(filter_end_activities(log, "Closed"), ["c1", "c2", "c3", "c5"],
          "filter_end_activities(Closed): kept 4 of 5 cases (80.0 %), 12 of 14 events")
    check(filter_end_activities(log, ["Assign", "Nope"]), ["c4"],
          "filter_end_activities(Assign, Nope): kept 1 of 5 cases (20.0 %), 2 of 14 events; "
          "'Nope' does not occur in the log")


def test_variant_coverage_takes_most_frequent_then_variant_text():
    log = make_log()
    # Insert → Assign → Closed covers 2/5 = 40 %; the next (ties by text) is Assign → Closed
    check(filter_variant_coverage(log, 0.5), ["c1", "c3", "c5"],
          "filter_variant_coverage(50 %, 2 of 4 variants): kept 3 of 5 cases (60.0 %), "
          "8 of 14 events")
    check(filter_variant_coverage(log, 0.4), ["c1", "c5"],
          "filter_variant_coverage(40 %, 1 of 4 variants): kept 2 of 5 cases (40.0 %), "
          "6 of 14 events")
    assert kept(filter_variant_coverage(log, 1)) == ["c1", "c2", "c3", "c4", "c5"]


def test_activity_presence():
    log = make_log()
    check(filter_activity_presence(log, "Reopen"), ["c2"],
          "filter_activity_presence(any of Reopen): kept 1 of 5 cases (20.0 %), 4 of 14 events")
    check(filter_activity_presence(log, ["Reopen"], how="none"), ["c1", "c3", "c4", "c5"],
          "filter_activity_presence(none of Reopen): kept 4 of 5 cases (80.0 %), 10 of 14 events")
    check(filter_activity_presence(log, ["Insert", "Closed"], how="all"), ["c1", "c2", "c5"],
          "filter_activity_presence(all of Insert, Closed): kept 3 of 5 cases (60.0 %), "
          "10 of 14 events")


def test_follows_eventually_and_directly_in_time_order():
    log = make_log()
    # c1's rows are out of order in the input: Insert 09:00 still comes before Closed
    check(filter_follows(log, "Insert", "Closed"), ["c1", "c2", "c5"],
          "filter_follows(Insert >> Closed): kept 3 of 5 cases (60.0 %), 10 of 14 events")
    # c2 has Insert → Reopen, so Insert is not directly followed by Assign there
    check(filter_follows(log, "Insert", "Assign", directly=True), ["c1", "c4", "c5"],
          "filter_follows(Insert > Assign): kept 3 of 5 cases (60.0 %), 8 of 14 events")
    check(filter_follows(log, "Insert", "Assign", directly=True, keep=False), ["c2", "c3"],
          "filter_follows(not Insert > Assign): kept 2 of 5 cases (40.0 %), 6 of 14 events")
    assert kept(filter_follows(log, "Assign", "Insert")) == []   # c4's Assign comes last
    assert kept(filter_follows(log, "Assign", "Assign")) == []   # needs two Assign events
    assert kept(filter_follows(log, "Reopen", "Closed")) == ["c2"]


def test_throughput_time_bounds_are_inclusive():
    log = make_log()
    check(filter_throughput_time(log, max="1d"), ["c3", "c5"],
          "filter_throughput_time(<= 1d): kept 2 of 5 cases (40.0 %), 5 of 14 events")
    check(filter_throughput_time(log, min="2d"), ["c1", "c2", "c4"],
          "filter_throughput_time(>= 2d): kept 3 of 5 cases (60.0 %), 9 of 14 events")
    check(filter_throughput_time(log, "1d", pd.Timedelta(days=3)), ["c1", "c4", "c5"],
          "filter_throughput_time(1d..3 d): kept 3 of 5 cases (60.0 %), 8 of 14 events")


def test_case_size():
    log = make_log()
    check(filter_case_size(log, min_events=3), ["c1", "c2", "c5"],
          "filter_case_size(>= 3 events): kept 3 of 5 cases (60.0 %), 10 of 14 events")
    check(filter_case_size(log, max_events=2), ["c3", "c4"],
          "filter_case_size(<= 2 events): kept 2 of 5 cases (40.0 %), 4 of 14 events")
    check(filter_case_size(log, 3, 3), ["c1", "c5"],
          "filter_case_size(3..3 events): kept 2 of 5 cases (40.0 %), 6 of 14 events")


def test_chained_filters_accumulate_and_never_touch_the_input():
    log = make_log()
    before = log.copy()
    first = filter_time_frame(log, "2024-01-01", "2024-02-29")
    second = filter_case_size(first, min_events=3)
    assert filter_account(second) == [
        "filter_time_frame(contained, 2024-01-01..2024-02-29): kept 4 of 5 cases (80.0 %), "
        "12 of 14 events",
        "filter_case_size(>= 3 events): kept 3 of 4 cases (75.0 %), 10 of 12 events",
    ]
    assert filter_account(first) == filter_account(second)[:1]
    pd.testing.assert_frame_equal(log, before)
    assert ACCOUNT_KEY not in log.attrs
    entry = second.attrs[ACCOUNT_KEY][1]
    assert entry["name"] == "filter_case_size"
    assert entry["parameters"] == {"min_events": 3, "max_events": None}
    assert (entry["cases_before"], entry["cases_after"],
            entry["events_before"], entry["events_after"]) == (4, 3, 12, 10)
    # rows keep their labels, in input order
    assert list(second.index) == [0, 1, 2, 3, 4, 5, 6, 11, 12, 13]


def test_other_keys_are_honoured():
    log = make_log().rename(columns={CASE: "ticket", ACT: "step", TIME: "at"})
    result = filter_end_activities(log, "Closed", case_id_key="ticket", activity_key="step",
                                   timestamp_key="at")
    assert sorted(result["ticket"].unique()) == ["c1", "c2", "c3", "c5"]
    out = apply_filters(log, ["follows:Insert>Assign"], case_id_key="ticket",
                        activity_key="step", timestamp_key="at")
    assert sorted(out["ticket"].unique()) == ["c1", "c4", "c5"]


@pytest.mark.parametrize("expression, cases", [
    ("time_frame:2024-02-01..2024-02-29:intersecting", ["c2", "c3"]),
    ("time_frame:2024-02-01..2024-02-29", ["c3"]),
    ("time_frame:..2024-01-12", ["c1", "c5"]),
    ("time_frame:2024-03-01..:started", ["c4"]),
    ("variant_coverage:0.5", ["c1", "c3", "c5"]),
    ("variant_coverage:40%", ["c1", "c5"]),
    ("activity:Reopen", ["c2"]),
    ("activity:Reopen,Insert", ["c1", "c2", "c4", "c5"]),
    ("activity_all:Insert,Closed", ["c1", "c2", "c5"]),
    ("not activity:Reopen", ["c1", "c3", "c4", "c5"]),
    ("case:product=P1,P3", ["c1", "c3", "c4", "c5"]),
    ("case:case:product=P2", ["c2"]),
    ("case:product!=P1", ["c2", "c4"]),
    ("not case:product=P1", ["c2", "c4"]),
    ("throughput:<=1d", ["c3", "c5"]),
    ("throughput:>=2d", ["c1", "c2", "c4"]),
    ("throughput:1d..3d", ["c1", "c4", "c5"]),
    ("events:>=3", ["c1", "c2", "c5"]),
    ("events:<=2", ["c3", "c4"]),
    ("events:=4", ["c2"]),
    ("events:2..3", ["c1", "c3", "c4", "c5"]),
    ("start:Insert", ["c1", "c2", "c4", "c5"]),
    ("not start:Insert", ["c3"]),
    ("end:Closed", ["c1", "c2", "c3", "c5"]),
    ("follows:Insert>>Closed", ["c1", "c2", "c5"]),
    ("follows:Insert>Assign", ["c1", "c4", "c5"]),
    ("not follows:Insert>Assign", ["c2", "c3"]),
    ("  Follows: Reopen >> Closed ", ["c2"]),
])
def test_parse_filter_forms(expression, cases):
    f = parse_filter(expression)
    assert f.expression == expression
    assert kept(f(make_log())) == cases


def test_parse_filter_case_column_without_prefix():
    log = make_log().rename(columns={PRODUCT: "product"})
    assert kept(parse_filter("case:product=P2")(log)) == ["c2"]
    assert kept(parse_filter("attr:product=P2")(log)) == ["c2"]


def test_apply_filters_accounts_each_expression():
    out = apply_filters(make_log(), ["not activity:Reopen", "events:>=3"])
    assert filter_account(out) == [
        "filter_activity_presence(none of Reopen): kept 4 of 5 cases (80.0 %), 10 of 14 events",
        "filter_case_size(>= 3 events): kept 2 of 4 cases (50.0 %), 6 of 10 events",
    ]
    assert kept(apply_filters(make_log(), "end:Closed")) == ["c1", "c2", "c3", "c5"]
    assert filter_account(apply_filters(make_log(), [])) == []


@pytest.mark.parametrize("expression, match", [
    ("colour:red", r"(?s)'colour:red'.*unknown kind 'colour'.*Accepted forms:.*variant_coverage:0\.8"),
    ("Closed", r"'Closed'.*no 'kind:' prefix"),
    ("", r"empty"),
    ("variant_coverage:1.5", r"not a share in \(0, 1\]"),
    ("variant_coverage:most", r"'most' is not a share"),
    ("events:>=x", r"'>=x' is not a valid bound"),
    ("events:>=0", r"must be >= 1"),
    ("events:3", r"'3' is not a range; write <=X, >=X or X\.\.Y"),
    ("throughput:<=7 parsecs", r"'<=7 parsecs' is not a valid bound"),
    ("follows:AB", r"write follows:A>>B"),
    ("time_frame:2024-01-01", r"START\.\.END"),
    ("time_frame:..", r"both ends of the window are empty"),
    ("time_frame:2024-13-45..2024-12-01", r"'2024-13-45' is not a date"),
    ("not time_frame:2024-01-01..2024-02-01", r"'not' cannot be used with time_frame"),
    ("case:product", r"write case:COLUMN=VALUE"),
    ("activity:", r"no activity is named"),
    ("not activity_all:A,B", r"'not activity_all:' is ambiguous; use 'not activity:'"),
    ("case:product= , ", r"no value is given"),
    ("events:..", r"give at least one bound"),
    ("start: ,", r"no activity is named"),
])
def test_parse_filter_errors(expression, match):
    with pytest.raises(EventLogError, match=match):
        parse_filter(expression)
    with pytest.raises(EventLogError, match="Accepted forms"):
        apply_filters(make_log(), ["events:>=3", expression])


def test_verb_errors():
    log = make_log()
    with pytest.raises(EventLogError, match=r"no column 'case:colour'.*Columns present: \["):
        filter_case_attribute(log, "case:colour", "red")
    with pytest.raises(EventLogError, match=r"values= is empty"):
        filter_case_attribute(log, PRODUCT, [])
    with pytest.raises(EventLogError, match=r"mode='during' is not one of \['contained'"):
        filter_time_frame(log, "2024-01-01", "2024-02-01", mode="during")
    with pytest.raises(EventLogError, match=r"start='2024-03-01' is after end='2024-02-01'"):
        filter_time_frame(log, "2024-03-01", "2024-02-01")
    with pytest.raises(EventLogError, match=r"end='soon' is not a date"):
        filter_time_frame(log, "2024-03-01", "soon")
    with pytest.raises(EventLogError, match=r"start='NaT' is not a date or time"):
        filter_time_frame(log, "NaT", "2024-02-01")
    with pytest.raises(EventLogError, match=r"activities= is empty"):
        filter_start_activities(log, [])
    with pytest.raises(EventLogError, match=r"share=0\.0 must be a fraction in \(0, 1\]"):
        filter_variant_coverage(log, 0)
    with pytest.raises(EventLogError, match=r"how='some' is not one of \['any', 'all', 'none'\]"):
        filter_activity_presence(log, "Insert", how="some")
    with pytest.raises(EventLogError, match=r"give min= or max="):
        filter_throughput_time(log)
    with pytest.raises(EventLogError, match=r"max='a week' is not a duration"):
        filter_throughput_time(log, max="a week")
    with pytest.raises(EventLogError, match=r"min='3d' is longer than max='1d'"):
        filter_throughput_time(log, "3d", "1d")
    with pytest.raises(EventLogError, match=r"give min_events= or max_events="):
        filter_case_size(log)
    with pytest.raises(EventLogError, match=r"min_events=0 must be a whole number of events >= 1"):
        filter_case_size(log, min_events=0)
    with pytest.raises(EventLogError, match=r"min_events=4 is larger than max_events=2"):
        filter_case_size(log, 4, 2)
    with pytest.raises(EventLogError, match=r"has no column 'time:timestamp'"):
        filter_case_size(log.drop(columns=[TIME]), min_events=1)
    with pytest.raises(EventLogError, match=r"needs an event log as a pandas DataFrame; got list"):
        filter_end_activities([1, 2], "Closed")
    broken = log.copy()
    broken.loc[3, CASE] = np.nan
    with pytest.raises(EventLogError, match=r"1 missing case ids \(rows 3\)"):
        filter_start_activities(broken, "Insert")


def test_empty_result_and_empty_log():
    empty = filter_activity_presence(make_log(), "Nope")
    assert len(empty) == 0 and list(empty.columns) == [CASE, ACT, TIME, PRODUCT]
    again = filter_case_size(empty, min_events=1)
    assert filter_account(again)[-1] == "filter_case_size(>= 1 events): kept 0 of 0 cases, 0 of 0 events"
    assert len(filter_variant_coverage(empty, 0.5)) == 0

"""The journey measures per case on an engine, one group of whole cases at a time.

:func:`case_measures` gives what :func:`journeymining.measure.case_measures` gives for the same
events. The definitions stay written once, in :mod:`journeymining.measure.definitions`; this
module only lets the engine do the event-level work that does not fit in memory:

1. **What spans the whole log, in the engine.** These are the last event time, the optional
   columns that hold a value anywhere, and the still-open window. The window is the 95th
   percentile of the gaps between consecutive events of a case, leaving out the waits before
   automatic steps, as :mod:`~journeymining.measure.definitions` defines it. It is computed
   exactly: the two order statistics are found with a ranking window, then interpolated as
   ``numpy.quantile`` does.
2. **Groups of whole cases, in the log's case order.** A case goes to group
   ``(events of the cases before it) // part_events``, so a group holds at most ``part_events``
   events plus those of its last case. (:meth:`EngineLog.measures` groups whole customers
   instead, see :mod:`journeymining.engine.kpis`.) The engine sorts the events once by group,
   case, time and input row, out of core, so reading a group touches only its stretch of that
   table. Only one group's events come into pandas at a time, where the definitions measure them
   with the whole-log values of step 1.
3. :func:`journeymining.measure.definitions.combine_case_measures` joins the groups. It
   recomputes recontact and first-contact resolution, which link a customer's cases across
   groups.

Memory is therefore bounded by one group of events plus the per-case table. With
``events=False`` the per-event marks (``CaseMeasures.events``) are not kept. Written with Ibis,
so the same code runs on DuckDB and Spark.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeymining.core import columns as C
from journeymining.core.progress import step
from journeymining.engine.session import EngineError
from journeymining.engine.sources import MEASURE_COLUMNS
from journeymining.measure.definitions import OPEN_WINDOW_QUANTILE, combine_case_measures
from journeymining.measure.definitions import case_measures as measure_cases
from journeymining.measure.settings import JourneySettings

__all__ = ["case_measures", "measured_groups", "first_values", "whole_log_values", "DEFAULT_PART_EVENTS"]

#: events per group of cases measured in pandas at a time: about 0.5 GiB of working memory (on 1 M
#: generated tickets, 2,000,000 events per group peaked at 5.1 GiB, 500,000 at 2.7 GiB, and ran faster)
DEFAULT_PART_EVENTS = 500_000

def whole_log_values(elog, settings):
    """``(log_end, window, present)``: the values that span the whole log (see the module docstring).

    ``window`` is None when the settings give an open window (then the definitions use it)."""
    import ibis
    from ibis import _

    ev = elog.events
    extras = [c for c in MEASURE_COLUMNS if c in ev.columns]
    totals = ev.aggregate(end=_.t.max(), **{f"n{i}": ev[c].count() for i, c in enumerate(extras)}).to_pandas().iloc[0]
    present = {c for i, c in enumerate(extras) if int(totals[f"n{i}"]) > 0}
    log_end = pd.Timestamp(int(totals["end"]), unit="ns", tz="UTC")
    if settings.open_window is not None:
        return log_end, None, present
    automatic = list(settings.automatic)

    def case_gaps(events):
        w = ibis.window(group_by=events.case, order_by=[events.t, events.row])
        gaps = events.mutate(gap=events.t - events.t.lag().over(w)).filter(_.gap.notnull())
        if automatic:
            gaps = gaps.filter(~_.activity.isin(automatic))
        return gaps.select("gap")

    gaps = elog.in_buckets(case_gaps, "jm_gaps")
    n = int(gaps.count().to_pandas())
    if n == 0:
        return log_end, pd.Timedelta(0), present
    # numpy's linear quantile: virtual index (n - 1) q, interpolated between its two neighbours
    virtual = (n - 1) * OPEN_WINDOW_QUANTILE
    lo = int(np.floor(virtual))
    ranked = gaps.mutate(k=ibis.row_number().over(order_by=gaps.gap))
    near = ranked.filter(_.k.isin([lo, min(lo + 1, n - 1)])).order_by("k").to_pandas()
    values = near["gap"].to_numpy(dtype="float64")
    pair = np.array([values[0], values[-1]], dtype="float64")
    window = pd.Timedelta(int(np.quantile(pair, virtual - lo)), unit="ns")
    return log_end, window, present


def case_measures(elog, settings=None, *, events=True, part_events=None, journey_map=None):
    """Every journey measure per case of an :class:`~journeymining.engine.EngineLog`.

    Parameters
    ----------
    elog : EngineLog
    settings : JourneySettings, optional
        As for :func:`journeymining.measure.case_measures`.
    events : bool, default True
        Keep the per-event marks (``CaseMeasures.events``: one row per event, which the CX map
        and pain points read). False keeps memory to one group of events plus the cases.
    part_events : int, optional
        Most events per group of cases (default :data:`DEFAULT_PART_EVENTS`).
    journey_map : JourneyMap, optional
        Events without a stage get the stage of their touchpoint in the map
        (:meth:`JourneyMap.annotate`, as :func:`journeymining.analyze` does), so that time in
        stage and stage SLAs are measured on logs that carry no stages.

    Returns
    -------
    CaseMeasures
        Equal to ``journeymining.measure.case_measures(log, settings)`` of the same events in the
        same case order. The ``row`` columns are the events' input rows (``EngineLog``'s ``row``):
        for a pandas DataFrame its positions, as in the pandas verb. For a file they are rows of
        the file, not positions in the sorted log ``read_event_log`` returns.
    """
    parts = []
    for m, _ranks in measured_groups(elog, settings, part_events=part_events, journey_map=journey_map):
        if not events:
            m.events = pd.DataFrame(columns=m.events.columns)  # a slice would keep the events alive
        parts.append(m)
    return combine_case_measures(parts)


def first_values(elog, column):
    """Each case's first non-missing value of ``column`` (by time, then input row): a table of
    ``case_of``, ``value``, one row per case that has one."""
    import ibis

    def first(ev):
        known = ev.filter(ev[column].notnull()).select("case", "t", "row", value=ev[column])
        ranked = known.mutate(k=ibis.row_number().over(group_by=known.case, order_by=[known.t, known.row]))
        return ranked.filter(ranked.k == 0).select(case_of="case", value="value")

    return elog.in_buckets(first, "jm_first_values")


def measured_groups(elog, settings=None, *, part_events=None, journey_map=None, by_customer=False):
    """``(CaseMeasures, ranks)`` of each group of whole cases, measured with the whole-log values.

    ``ranks`` are the positions of the group's cases in the log's case order (ascending, the order
    of the group's ``cases``). The ``row`` columns of the marks and SLA rows are input rows.

    With ``by_customer``, a group holds every case of each of its customers (a customer's cases
    follow the first of them, in case order), so recontact and first-contact resolution, which
    link a customer's cases, are final in each group. Otherwise groups are runs of the case order,
    for :func:`~journeymining.measure.definitions.combine_case_measures`.
    """
    import ibis
    from ibis import _

    if elog.left_out:
        raise EngineError(
            f"case_measures: {elog.name} was scanned with measures=False, which left out its columns "
            f"{list(elog.left_out)}; the measures would read them as missing. Scan it again with scan(source, engine) "
            "(measures=True, the default).")
    s = settings if settings is not None else JourneySettings()
    limit = DEFAULT_PART_EVENTS if part_events is None else int(part_events)
    if limit < 1:
        raise EngineError(f"case_measures: part_events={part_events!r} is not a positive number of events. Give at "
                          f"least 1 (default {DEFAULT_PART_EVENTS:,}).")
    log_end, window, present = whole_log_values(elog, s)
    if journey_map is not None and C.STAGE not in present:
        # the map gives stages where the log has none: the column holds values if any activity has one
        activities = elog.events.select("activity").distinct().to_pandas()["activity"].tolist()
        if any(journey_map.stage_of(a) for a in activities):
            present = present | {C.STAGE}

    # case order (as the other reductions); groups of whole cases by the events before each case
    cases = elog.case_rows()
    key = cases.case if elog.case_order == "case" else cases.first_row
    ranked = cases.select("case", "n", key=key).mutate(rank=ibis.row_number().over(order_by=_.key))
    if by_customer and C.CUSTOMER in present:
        # the customer the definitions give a case: its first known one (time, then input row)
        first = first_values(elog, C.CUSTOMER).rename(who="value")
        keyed = ranked.left_join(first, ranked.case == first.case_of)
        keyed = elog.materialize(keyed.select("case", "n", "rank", g=ibis.ifelse(keyed.who.notnull(), "c" + keyed.who,
                                                                                "k" + keyed.case)), "jm_case_owners")
        owners = keyed.group_by("g").aggregate(first_rank=_["rank"].min(), events=_.n.sum())
        owners = owners.mutate(part=(_.events.cumsum().over(order_by=_.first_rank) - _.events) // limit)
        ranked = keyed.join(owners.select("g", "part"), "g").select("case", "rank", "part")
    else:
        ranked = ranked.mutate(part=(_.n.cumsum().over(order_by=_["rank"]) - _.n) // limit)
    parts_of = ranked.select("case", "rank", "part")
    extras = [c for c in MEASURE_COLUMNS if c in elog.events.columns]
    # the events with their group, sorted by group once (out of core): reading a group then
    # touches only its own stretch of the table, not every event again
    keyed = elog.materialize(elog.events.select("case", "activity", "t", "row", *extras).join(parts_of, "case")
                             .order_by(["part", "rank", "t", "row"]), "jm_measure_events")
    # a case larger than part_events skips group numbers: the groups that hold cases
    groups = keyed.select("part").distinct().order_by("part").to_pandas()["part"].astype("int64").tolist()
    case_key, activity_key, timestamp_key = elog.keys
    for i, p in enumerate(groups):
        step(f"engine ({elog.engine.name}): journey measures, part {i + 1}/{len(groups)}")
        chunk = _fetch(keyed.filter(keyed.part == p).order_by(["rank", "t", "row"])
                       .select("case", "activity", "t", "row", "rank", *extras),
                       text=(C.CSAT, C.STAGE) if journey_map is not None else (C.CSAT,))
        frame = pd.DataFrame({
            case_key: chunk["case"], activity_key: chunk["activity"],
            timestamp_key: pd.to_datetime(chunk["t"].to_numpy(dtype="int64"), unit="ns", utc=True),
            **{c: chunk[c] for c in extras}})
        if journey_map is not None:
            frame = journey_map.annotate(frame, activity_key=activity_key)
        rows = chunk["row"].to_numpy(dtype=np.int64)
        ranks = np.unique(chunk["rank"].to_numpy(dtype=np.int64))
        del chunk
        m = measure_cases(frame, s, case_id_key=case_key, activity_key=activity_key, timestamp_key=timestamp_key,
                          log_end=log_end, window=window, present=present)
        del frame
        for table in (m.events, m.sla):
            if len(table):
                table["row"] = rows[table["row"].to_numpy(dtype=np.int64)]
        yield m, ranks
        del m, rows, ranks  # before the next group is read: one group in memory at a time


def _fetch(expr, text=(C.CSAT,)):
    """The rows of ``expr`` as a pandas frame, text columns as categoricals (Arrow dictionary
    encoding: one string per distinct value, not one per event), except the columns ``text``
    (CSAT, read as a number by the definitions; the stage, when a journey map fills it in)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = expr.to_pyarrow()
    columns = {}
    for name in table.column_names:
        col = table[name]
        if name not in text and (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            col = pc.dictionary_encode(col)
        columns[name] = col
    return pa.table(columns).to_pandas()

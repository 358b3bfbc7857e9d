"""Event -> case -> variant reductions, written once in Ibis and run in DuckDB or Spark.

An :class:`EngineLog` holds the events of :func:`journeymining.engine.scan` inside an engine and
computes, without bringing the events into Python:

* per case (a ranking window, then one aggregate): its path key, its first and last time, its
  first input row and its number of events;
* per variant (from the per-case table): cases, example case, median and mean throughput, and
  its activities (from the example case's events);
* per edge of the directly-follows graph (one windowed pass, ``lead`` over each case ordered by
  time then input row): frequency, cases, mean and median duration;
* the quality counts (rows, events, cases, activities, same-time and duplicate events).

Only these small tables come back, and they are shaped by the same functions as the pandas verbs
(:func:`journeymining.discover.variants.shape_variant_table`,
:func:`journeymining.discover.dfg.shape_dfg`), so ``EngineLog.variants()`` equals
``variant_table(log)`` and ``EngineLog.dfg()`` equals ``discover_dfg(log)`` on the same events,
and discovery (:func:`journeymining.discover.discover_journey_variants`) runs on the variant table.

Ibis compiles each expression to DuckDB SQL or Spark SQL (checked with Ibis 12.0, DuckDB 1.4 and
PySpark 4.0). Two choices keep both engines exact and every step spillable.

* A case's path is identified by its length and two 40-bit sums of hashes of (position, activity).
  These are fixed-size aggregate states; a list per case is not, and DuckDB ran out of memory with
  one at 10 M cases. The variants' activities come from their example cases, and every case is
  checked against its example, event by event (:meth:`EngineLog._verify`).
* Medians are exact interpolated medians on both engines, as the numpy core computes them.
"""

from __future__ import annotations

import pandas as pd

from journeymining.core.errors import EventLogError
from journeymining.core.progress import step
from journeymining.discover.dfg import shape_dfg
from journeymining.discover.variants import shape_variant_table
from journeymining.engine.sources import SEPARATOR

__all__ = ["EngineLog", "BUCKET_EVENTS_PER_GIB"]

#: each of the two path hashes is kept to 40 bits, so that a case of a million events sums in int64
_HASH_MOD = 2**40

#: events per GiB of DuckDB's memory limit in one group of a window over every event (see
#: :meth:`EngineLog.buckets`): 1 M generated tickets (6.9 M events) rank in one group under 2 GB
BUCKET_EVENTS_PER_GIB = 3_000_000


class EngineLog:
    """An event log held by an engine (DuckDB or Spark); results come back as pandas frames.

    Made by :func:`journeymining.engine.scan`. Each result is computed once and kept.

    Examples
    --------
    >>> import pandas as pd
    >>> from journeymining.engine import scan
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["a", "a", "b", "b", "c"],
    ...     "concept:name": ["Chat", "Resolve", "Chat", "Resolve", "Mail"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01 08:00", "2024-05-01 09:00",
    ...                                       "2024-05-02 08:00", "2024-05-02 11:00",
    ...                                       "2024-05-03 08:00"], utc=True),
    ... })
    >>> elog = scan(log)
    >>> elog.variants()[["variant", "cases", "example_case", "median_throughput"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                       variant  cases example_case median_throughput
    variant_id
    0           Chat → Resolve      2            a   0 days 02:00:00
    1                     Mail      1            c   0 days 00:00:00
    >>> elog.quality()["cases"]
    3
    """

    def __init__(self, engine, events, *, name, keys, case_order, unit="us", left_out=()):
        self.engine = engine
        #: measure columns the source has that scan(measures=False) did not keep
        self.left_out = tuple(left_out)
        #: unit of the Timedelta columns: the DataFrame's timestamp unit, or "us" for files (the
        #: precision DuckDB and Spark keep, and the unit read_event_log gives)
        self.unit = unit
        self._per_unit = pd.Timedelta(1, unit=unit).value  # nanoseconds per unit
        self.events = events
        self.name = name
        self.keys = keys
        self.case_order = case_order
        self._rows = None  # rows read, counted by check()
        #: events per group of cases in windows over every event (None: from DuckDB's memory limit)
        self.bucket_events = None
        self._results = {}

    def __repr__(self):
        return f"EngineLog({self.name} on {self.engine.name}, case order: {self.case_order})"

    # -- checks --------------------------------------------------------------------------------
    def check(self):
        """Raise :class:`EventLogError` for missing or unreadable values (called by ``scan``)."""
        ev = self.events
        case, activity, timestamp = self.keys
        problems = {
            "no_case": (ev.case.isnull(), f"column {case!r} has {{n:,}} missing case ids",
                        "Drop or repair those events, or choose another case column."),
            "no_activity": (ev.activity.isnull(), f"column {activity!r} has {{n:,}} missing activities",
                            "Drop or repair those events first."),
            "no_time": (ev.t.isnull() & ~ev.t_given, f"column {timestamp!r} has {{n:,}} missing timestamps",
                        "Drop or repair those events first."),
            "bad_time": (ev.t.isnull() & ev.t_given,
                         f"column {timestamp!r} has {{n:,}} values that are not ISO 8601 times",
                         "Write times as ISO 8601 (2024-05-01T08:00:00+02:00; without an offset they are read as "
                         "UTC), or convert the export with a mapping that names the timestamp format."),
            "separator": (ev.activity.contains(SEPARATOR),
                          f"column {activity!r} has {{n:,}} activities holding the control character U+001F",
                          "Remove that character from the activity names."),
        }
        counts = ev.aggregate(rows=ev.count(), **{key: cond.cast("int64").sum()
                                                   for key, (cond, _, _) in problems.items()}).to_pandas().iloc[0]
        self._rows = int(counts["rows"])
        if self._rows == 0:
            raise EventLogError(f"{self.name} holds no event. Give a log with at least one event.")
        for key, (cond, what, fix) in problems.items():
            n = int(counts[key]) if pd.notna(counts[key]) else 0
            if n:
                rows = ev.filter(cond).order_by(ev.row).select("row").limit(5).to_pandas()["row"].tolist()
                where = ("Spark row ids" if self.engine.name == "spark" else "0-based input rows")
                raise EventLogError(f"{self.name}: {what.format(n=n)} ({where} {rows}). {fix}")

    # -- reductions written once ---------------------------------------------------------------
    def case_rows(self):
        """One row per case (an Ibis table, kept in the engine): ``case``, ``start`` and ``end``
        (ns), ``through`` (end - start), ``first_row`` (its first input row), ``n`` (its number of
        events), and ``h1``, ``h2``: with ``n``, the identity of its path (see :meth:`_positions`)."""
        if "cases" not in self._results:
            from ibis import _

            step(f"engine ({self.engine.name}): one row per case")

            def per_case(events):
                return self._positions(events).group_by("case").aggregate(
                    start=_.t.min(), end=_.t.max(), first_row=_.row.min(), n=_.count(), h1=_.h1.sum(),
                    h2=_.h2.sum()).mutate(through=_.end - _.start)

            self._results["cases"] = self.in_buckets(per_case, "jm_cases")
        return self._results["cases"]

    def buckets(self):
        """How many groups of whole cases a window over every event is computed in (DuckDB).

        DuckDB's window operator holds much of its input in memory: at 10 M tickets (69 M events)
        the ranking window of :meth:`_positions` ran out of memory under a 6 GB limit. Cut by a
        hash of the case id into groups of about :data:`BUCKET_EVENTS_PER_GIB` events per GiB
        of DuckDB's memory limit, each group fits. Spark partitions and spills by itself: 1."""
        if self.engine.name != "duckdb" or not self._rows:
            return 1
        per_bucket = self.bucket_events
        if per_bucket is None:
            limit = self.engine.memory_limit_bytes()
            if not limit:
                return 1
            per_bucket = max(int(limit / 2**30 * BUCKET_EVENTS_PER_GIB), 100_000)
        return max(1, -(-int(self._rows) // per_bucket))

    def in_buckets(self, build, stem):
        """``build(events)`` for each group of whole cases (see :meth:`buckets`), kept in the
        engine as one table; ``build`` must only combine events of the same case."""
        k = self.buckets()
        if k == 1:
            return self.materialize(build(self.events), stem)
        ev = self.events
        table = None
        for b in range(k):
            step(f"engine ({self.engine.name}): {stem.removeprefix('jm_')}, group {b + 1}/{k} of the cases")
            expr = build(ev.filter(self._bucket_of(ev, k) == b))
            if table is None:
                table = self.materialize(expr, stem)
            else:
                # Ibis's insert looks for the table in the main catalog, not among temporary tables
                self.engine.duckdb.execute(f'INSERT INTO "{table.get_name().split(".")[-1]}" '
                                           f'{self.engine.backend.compile(expr)}')
        return table

    @staticmethod
    def _bucket_of(events, k):
        """The group (0 .. k - 1) of each event's case: a hash of the case id (never negative)."""
        return ((events.case.hash() % k) + k) % k

    def _positions(self, events=None):
        """The events with their position in the case (``pos``: a ranking window ordered by time,
        then input row) and two hashes of (position, activity), ``h1`` and ``h2``.

        A case's path is identified by its length and the sums of the two hashes, 40 bits each. A
        list of activities per case would be exact, but it is not a fixed-size state, and DuckDB
        cannot spill it: at 10 M cases under an 8 GB limit it ran out of memory. Sums are spilled
        like any other aggregate. :meth:`variants` then checks every case against its variant's
        example case, event by event, so a hash collision is found, not trusted away."""
        import ibis

        ev = (self.events if events is None else events).select("case", "activity", "t", "row")
        w = ibis.window(group_by=ev.case, order_by=[ev.t, ev.row])
        k = ev.mutate(pos=ibis.row_number().over(w))
        text = k.pos.cast("string")
        return k.mutate(h1=((k.activity + SEPARATOR + text).hash() % _HASH_MOD).cast("int64"),
                        h2=((text + "\x1e" + k.activity).hash() % _HASH_MOD).cast("int64"))

    def _variant_rows(self):
        import ibis
        from ibis import _

        cases = self.case_rows()
        example = _.case.min() if self.case_order == "case" else _.case.argmin(_.first_row)
        rows = cases.group_by(["n", "h1", "h2"]).aggregate(
            cases=_.count(), example_case=example, median=_.through.median(), mean=_.through.mean()).to_pandas()
        # the paths, from the example cases' events (one case per variant)
        examples = ibis.memtable(pd.DataFrame({"case": rows["example_case"].to_numpy(object)}))
        ev = self.events
        seq = ev.join(examples, "case").order_by(["case", "t", "row"]).select("case", "activity").to_pyarrow()
        paths = seq.group_by("case", use_threads=False).aggregate([("activity", "list")]).to_pandas()
        path_of = dict(zip(paths["case"], paths["activity_list"]))
        rows["path"] = [SEPARATOR.join(path_of[c]) for c in rows["example_case"]]
        self._verify(rows)
        return rows

    def _verify(self, rows):
        """Raise if a case's events differ from its variant's example case at any position."""
        import ibis

        ex = ibis.memtable(rows[["n", "h1", "h2", "example_case"]].rename(columns={"example_case": "case"}))
        # the example cases' events with their positions (a window over one case per variant only)
        few = self.events.select("case", "activity", "t", "row").join(ex, "case")
        w = ibis.window(group_by=few.case, order_by=[few.t, few.row])
        ex_events = few.mutate(pos=ibis.row_number().over(w)).select("n", "h1", "h2", "pos", ex_activity=few.activity)
        k = self.buckets()
        bad = 0
        for b in range(k):  # the ranking window in groups of whole cases, as case_rows computes it
            ev = self.events if k == 1 else self.events.filter(self._bucket_of(self.events, k) == b)
            pos = self._positions(ev)
            keyed = pos.select("case", "pos", "activity").join(self.case_rows().select("case", "n", "h1", "h2"), "case")
            both = keyed.join(ex_events, ["n", "h1", "h2", "pos"])
            bad += int(both.filter(both.activity != both.ex_activity).count().to_pandas())
        if bad:
            raise EventLogError(f"{self.name}: {bad:,} events differ from their variant's example case: two paths "
                                "share a hash (probability below 1e-12). Please report this with the log's size.")

    def variants(self):
        """The variant table, equal to :func:`journeymining.discover.variant_table` of the same log."""
        if "variants" not in self._results:
            rows = self._variant_rows()
            step(f"engine ({self.engine.name}): {len(rows):,} variants")
            activities = [tuple(p.split(SEPARATOR)) for p in rows["path"]]
            frame, new_of_old = shape_variant_table(activities, rows["cases"].to_numpy(),
                                                    rows["example_case"].to_numpy(), rows["median"].to_numpy(float) / self._per_unit,
                                                    rows["mean"].to_numpy(float) / self._per_unit, self.unit)
            self._results["variants"] = frame
            self._results["ids"] = pd.DataFrame({"n": rows["n"].to_numpy("int64"), "h1": rows["h1"].to_numpy("int64"),
                                                 "h2": rows["h2"].to_numpy("int64"), "variant_id": new_of_old})
        return self._results["variants"]

    def case_variants(self):
        """The variant of every case, equal to :func:`journeymining.discover.case_variants`."""
        import ibis

        self.variants()
        ids = ibis.memtable(self._results["ids"])  # joined with a table of the engine, so run there
        cases = self.case_rows()
        key = cases.case if self.case_order == "case" else cases.first_row
        joined = cases.mutate(key=key).join(ids, ["n", "h1", "h2"]).order_by("key").select("case", "variant_id")
        out = joined.to_pandas()
        return pd.DataFrame({self.keys[0]: pd.Series(out["case"].to_numpy(object), dtype=object),
                             "variant_id": out["variant_id"].to_numpy("int64")})

    def dfg(self):
        """The directly-follows graph, equal to :func:`journeymining.discover.discover_dfg`."""
        if "dfg" not in self._results:
            import ibis
            from ibis import _

            step(f"engine ({self.engine.name}): directly-follows graph")

            def follows(events):
                """Each event followed by another of its case: (case, activity, next activity, wait)."""
                base = events.select("case", "activity", "t", "row")
                w = ibis.window(group_by=base.case, order_by=[base.t, base.row])
                pairs = base.mutate(nxt=base.activity.lead().over(w), nt=base.t.lead().over(w))
                return pairs.filter(_.nxt.notnull()).select("case", "activity", "nxt", d=_.nt - _.t)

            # the lead window in groups of whole cases when the log is larger than the limit holds
            # (see buckets); the edges are then aggregated over all the groups' pairs at once
            pairs = follows(self.events) if self.buckets() == 1 else self.in_buckets(follows, "jm_follows")
            edges = pairs.group_by(["activity", "nxt"]).aggregate(
                frequency=_.count(), cases=_.case.nunique(), mean=_.d.mean(), median=_.d.median()).to_pandas()
            variants = self.variants()
            starts, ends = {}, {}
            for acts, n in zip(variants["activities"], variants["cases"]):
                starts[acts[0]] = starts.get(acts[0], 0) + int(n)
                ends[acts[-1]] = ends.get(acts[-1], 0) + int(n)
            self._results["dfg"] = shape_dfg(
                edges["activity"].to_numpy(object), edges["nxt"].to_numpy(object), edges["frequency"].to_numpy(),
                edges["cases"].to_numpy(), edges["mean"].to_numpy(float) / self._per_unit, edges["median"].to_numpy(float) / self._per_unit, self.unit,
                starts=starts, ends=ends)
        return self._results["dfg"]

    def quality(self):
        """Counts of the log: rows read, events, cases, activities, variants, time span, same-time
        events (an event at the same time as another event of its case, whose order then follows the
        input) and duplicate events (same case, activity and time as an earlier event)."""
        if "quality" not in self._results:
            from ibis import _

            ev = self.events
            totals = ev.aggregate(events=_.count(), cases=_.case.nunique(), activities=_.activity.nunique(),
                                  first=_.t.min(), last=_.t.max()).to_pandas().iloc[0]
            same = ev.group_by(["case", "t"]).aggregate(n=_.count()).filter(_.n > 1).aggregate(
                events=_.n.sum()).to_pandas().iloc[0]
            dup = ev.group_by(["case", "activity", "t"]).aggregate(n=_.count()).filter(_.n > 1).aggregate(
                extra=(_.n - 1).sum()).to_pandas().iloc[0]
            self._results["quality"] = {
                "rows": int(self._rows), "events": int(totals["events"]), "cases": int(totals["cases"]),
                "activities": int(totals["activities"]), "variants": len(self.variants()),
                "first_event": pd.Timestamp(int(totals["first"]), unit="ns", tz="UTC"),
                "last_event": pd.Timestamp(int(totals["last"]), unit="ns", tz="UTC"),
                "same_time_events": int(same["events"]) if pd.notna(same["events"]) else 0,
                "duplicate_events": int(dup["extra"]) if pd.notna(dup["extra"]) else 0,
            }
        return dict(self._results["quality"])

    def case_measures(self, settings=None, *, events=True, part_events=None, journey_map=None):
        """Every journey measure per case, equal to :func:`journeymining.measure.case_measures` of
        the same events; see :func:`journeymining.engine.measures.case_measures`."""
        from journeymining.engine.measures import case_measures

        return case_measures(self, settings, events=events, part_events=part_events, journey_map=journey_map)

    def measures(self, settings=None, *, part_events=None, journey_map=None, folder=None):
        """Every journey measure per case, kept in the engine (an :class:`EngineMeasures`:
        ``.kpis(by=...)`` aggregates them there, ``.to_pandas()`` gives the
        :class:`~journeymining.measure.CaseMeasures`); memory holds one group of customers at a
        time. See :func:`journeymining.engine.kpis.measure_in_engine`."""
        from journeymining.engine.kpis import measure_in_engine

        return measure_in_engine(self, settings, part_events=part_events, journey_map=journey_map, folder=folder)

    def to_pandas(self):
        """The events as a pandas event log in pm4py columns (case, activity, UTC time), sorted by case
        (in this log's case order), then time, then input row. This brings every event into memory:
        ask for it only when a step needs the events themselves."""
        cases = self.case_rows()
        key = cases.case if self.case_order == "case" else cases.first_row
        order = cases.select("case", key=key)
        ev = self.events.join(order, "case").order_by(["key", "t", "row"]).select("case", "activity", "t")
        out = ev.to_pandas()
        case, activity, timestamp = self.keys
        # text columns as read_event_log gives them (pandas' default string dtype)
        return pd.DataFrame({case: pd.Series(out["case"].to_numpy(object), dtype=str),
                             activity: pd.Series(out["activity"].to_numpy(object), dtype=str),
                             timestamp: pd.to_datetime(out["t"].astype("int64"), unit="ns", utc=True).dt.as_unit(self.unit)})

    def materialize(self, expr, stem):
        """Compute ``expr`` once and keep it in the engine (a temporary table; cached in Spark).

        Not Ibis's ``Table.cache()``: its finaliser drops the table at interpreter exit, after the
        SQL compiler may be gone, and prints a traceback."""
        name = self.engine.table_name(stem)
        backend = self.engine.backend
        if self.engine.name == "duckdb":
            return backend.create_table(name, expr, temp=True)
        # Ibis's PySpark backend has no temporary tables: a cached Spark DataFrame as a temp view
        self.engine.spark.sql(backend.compile(expr)).cache().createOrReplaceTempView(name)
        return backend.table(name)


"""Journey measures kept in the engine, and the KPIs aggregated there.

:meth:`journeymining.engine.EngineLog.measures` measures a log one group of customers at a time
(:func:`journeymining.engine.measures.measured_groups` with ``by_customer=True``). A group holds
every case of each of its customers, so what links a customer's cases (recontact, first-contact
resolution) is final in it. Each group's tables go to Parquet files in a temporary folder and
the group is dropped from memory. The engine reads the files back as tables, so memory holds
one group at a time, whatever the number of cases.

:class:`EngineMeasures` holds those tables:

* ``cases``: one row per case, the columns of :attr:`CaseMeasures.cases`. Times are kept as
  nanoseconds (``start``, ``end``). Added are ``_rank`` (position in the log's case order),
  ``_day`` (UTC day of the start, for periods) and ``_cs`` (channel switches counted in the group,
  used when a group alone had no contact channel);
* ``waits``: the gaps between consecutive events (timer waits left out) of each case, by ``_rank``;
* ``stage_times``: time in stage, by ``_rank``, ``_seq`` (the visit's position in the case);
* ``sla``: the SLA rows, by ``_rank``.

:meth:`EngineMeasures.kpis` aggregates them in the engine into the table
:func:`journeymining.journey_kpis` gives. Nothing is defined here: each KPI is the aggregate
:data:`journeymining.measure.kpis.KPIS` names, of a column the definitions computed.
:meth:`EngineMeasures.to_pandas` gives the :class:`CaseMeasures`, for steps that need every case
in memory.

Written with Ibis, so the same code runs on DuckDB and Spark. Spark on a cluster needs the
temporary folder on storage the executors can read (``folder=``).
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path

import numpy as np
import pandas as pd

from journeymining.core import columns as C
from journeymining.core.progress import step
from journeymining.engine.measures import first_values, measured_groups
from journeymining.engine.session import EngineError
from journeymining.measure.definitions import DEFINITIONS, CaseMeasures, missing_customers_note
from journeymining.measure.kpis import KPIS, PERIODS, shape_kpi_table
from journeymining.measure.settings import JourneySettings

__all__ = ["EngineMeasures", "measure_in_engine"]

_DAY_NS = 86_400 * 10**9
#: na keys that depend on the cases of a group; in the whole log they are n/a only if n/a in every group
_DATA_DEPENDENT = ("channel_switches", "fcr")
#: stage visits per case the first-visit order can tell apart (the key is rank * this + visit)
_VISITS = 2**20


def measure_in_engine(elog, settings=None, *, part_events=None, journey_map=None, folder=None):
    """Measure every case of ``elog`` and keep the tables in its engine; see the module docstring.

    Parameters
    ----------
    elog : EngineLog
    settings : JourneySettings, optional
    part_events : int, optional
        Most events per group of customers (default
        :data:`journeymining.engine.measures.DEFAULT_PART_EVENTS`; a customer's cases are never
        split, so a group can hold more).
    journey_map : JourneyMap, optional
        Fills in stages (see :func:`journeymining.engine.measures.case_measures`).
    folder : str or path, optional
        Where the group tables are written (default: a fresh temporary folder, removed with the
        result).

    Returns
    -------
    EngineMeasures
    """
    import pyarrow.parquet as pq


    s = settings if settings is not None else JourneySettings()
    if folder is None:
        where = Path(tempfile.mkdtemp(prefix="journeymining-measures-"))
        owned = True
    else:
        where = Path(folder)
        if where.exists() and any(where.iterdir()):
            raise EngineError(f"measures: folder={str(where)!r} is not empty. Give an empty or new folder.")
        where.mkdir(parents=True, exist_ok=True)
        owned = False
    for name in ("cases", "waits", "stage_times", "sla"):
        (where / name).mkdir()
    templates, na_parts, n = {}, [], 0
    for i, (m, ranks) in enumerate(measured_groups(elog, s, part_events=part_events, journey_map=journey_map,
                                                   by_customer=True)):
        tables = _group_tables(m, ranks)
        tables.update(events=m.events, sla_frame=m.sla)
        for name, frame in tables.items():
            if name not in templates:  # a copy: a slice would keep the group's arrays alive
                templates[name] = frame.iloc[:0].copy()
            if len(frame) and name not in ("events", "sla_frame"):
                pq.write_table(_arrow(frame, templates[name]), where / name / f"part-{i:06d}.parquet")
        na_parts.append((m.na, int(m.cases[C.CUSTOMER].isna().sum()) if C.CUSTOMER in m.cases else 0))
        whole = (m.log_end, m.open_window, m.keys)
        n += len(ranks)
        del m, tables
    na = _merge_na(na_parts)
    return EngineMeasures(elog, where, owned, templates, na, s, *whole, n)


def _group_tables(m, ranks):
    """The group's tables as they are written: case times as nanoseconds, text as text."""
    cases = m.cases.copy()
    for col in ("start", "end"):
        cases[col] = cases[col].dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]").astype("int64")
    cases["_rank"] = ranks
    cases["_day"] = cases["start"].to_numpy(dtype="int64") // _DAY_NS
    cases["_cs"] = m.per_case["channel_switches"].to_numpy(dtype="float64")
    ev = m.events
    ok = ~ev["timer"].to_numpy(dtype=bool) & ev["wait_h"].notna().to_numpy()
    waits = pd.DataFrame({"_rank": ranks[ev["case"].to_numpy(dtype=np.int64)[ok]],
                          "wait_h": ev["wait_h"].to_numpy(dtype="float64")[ok]})
    sc = m.stage_case
    visit = pd.Series(np.zeros(len(sc), dtype=np.int64)).groupby(sc).cumcount().to_numpy(dtype=np.int64)
    if len(visit) and visit.max() >= _VISITS:
        raise EngineError(f"measures: a case has more than {_VISITS:,} stage visits; the first-visit order of "
                          "stages cannot be kept. Filter that case out (journeymining.filter_case_size).")
    stages = pd.DataFrame({"stage": m.stage_times["stage"].astype(object).to_numpy(),
                           "hours": m.stage_times["hours"].to_numpy(dtype="float64"),
                           "_rank": ranks[sc], "_seq": visit})
    sla = m.sla.copy()
    if len(sla):
        sla["_rank"] = ranks[sla["case"].to_numpy(dtype=np.int64)]
    else:
        sla["_rank"] = pd.Series(dtype="int64")
    return {"cases": cases, "waits": waits, "stage_times": stages, "sla": sla}


def _arrow(frame, template):
    """``frame`` as an Arrow table whose types follow ``template``'s columns (text as text, even
    where one group holds only missing values), so every group's file has the same schema."""
    import pyarrow as pa

    arrays, fields = [], []
    for col in template.columns:
        values = frame[col]
        kind = template[col].dtype
        if pd.api.types.is_bool_dtype(kind):
            typ = pa.bool_()
        elif pd.api.types.is_integer_dtype(kind):
            typ = pa.int64()
        elif pd.api.types.is_float_dtype(kind):
            typ = pa.float64()
        else:
            typ = pa.string()
        arrays.append(_text_array(values) if typ == pa.string() else
                      pa.array(values.to_numpy(), type=typ, from_pandas=True))
        fields.append(pa.field(str(col), typ))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _text_array(values):
    """``values`` as an Arrow string array: without per-value work when they are text already
    (string columns, and categoricals of text), else each value written as ``str(value)``;
    missing values stay missing."""
    import pyarrow as pa

    try:
        if not isinstance(values.dtype, pd.CategoricalDtype):
            return pa.array(values, type=pa.string(), from_pandas=True)
        if values.cat.categories.inferred_type == "string":
            return pa.array(values, from_pandas=True).cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass                                  # some value is not text
    text = values.astype(object).where(values.notna(), None).map(lambda v: v if v is None else str(v))
    return pa.array(text.to_numpy(dtype=object), type=pa.string(), from_pandas=True)


def _merge_na(parts):
    """The whole log's n/a reasons from its groups' ``(na, cases without a customer)``: see
    :data:`_DATA_DEPENDENT`; the note on cases without a customer counts them over every group."""
    na, missing = {}, 0
    for p, unknown in parts:
        for key, why in p.items():
            na.setdefault(key, why)
        if "recontact_partial" in p:
            missing += unknown
    for key in _DATA_DEPENDENT:
        if key in na and not all(key in p for p, _ in parts):
            del na[key]
    if missing:
        na["recontact_partial"] = missing_customers_note(missing)
    return na


def _restore(values, dtype):
    """A column read back from the engine, with the dtype the definitions gave it."""
    if dtype == object or isinstance(dtype, pd.CategoricalDtype):
        return values.astype(object).where(values.notna(), None).to_numpy(dtype=object)
    if pd.api.types.is_string_dtype(dtype):
        return pd.Series(values.to_numpy(dtype=object), dtype=dtype).to_numpy()
    return values.to_numpy(dtype=dtype)


class EngineMeasures:
    """The journey measures of every case, held by an engine (made by :meth:`EngineLog.measures`).

    Attributes
    ----------
    cases, waits, stage_times, sla : ibis.Table
        See the module docstring.
    na : dict
        Measure key -> why it is n/a for the log, as :attr:`CaseMeasures.na`.
    settings, log_end, open_window
        As in :class:`CaseMeasures`.
    n_cases : int
    """

    def __init__(self, elog, folder, owned, templates, na, settings, log_end, open_window, keys, n_cases):
        self.elog = elog
        self.folder = Path(folder)
        self._templates = templates
        self.na = na
        self.settings = settings
        self.log_end = log_end
        self.open_window = open_window
        self.keys = keys
        self.n_cases = n_cases
        if owned:
            weakref.finalize(self, shutil.rmtree, str(self.folder), True)
        self._tables = {}

    def __repr__(self):
        return f"EngineMeasures({self.n_cases:,} cases of {self.elog.name} on {self.elog.engine.name})"

    def _table(self, name):
        """The group files of ``name`` as an engine table (an empty template when no group has rows)."""
        if name not in self._tables:
            import ibis

            files = sorted((self.folder / name).glob("*.parquet"))
            if files:
                table = self.elog.engine.backend.read_parquet(
                    [str(f) for f in files] if self.elog.engine.name == "duckdb" else str(self.folder / name),
                    table_name=self.elog.engine.table_name(f"jm_m_{name}"))
            else:
                table = ibis.memtable(_arrow(self._templates[name], self._templates[name]).to_pandas())
            self._tables[name] = table
        return self._tables[name]

    @property
    def cases(self):
        return self._table("cases")

    @property
    def waits(self):
        return self._table("waits")

    @property
    def stage_times(self):
        return self._table("stage_times")

    @property
    def sla(self):
        return self._table("sla")

    def definitions(self):
        """Measure, label, definition, source and availability, one row per measure."""
        return pd.DataFrame([{"measure": k, "label": d.label, "definition": d.text, "source": d.source,
                              "available": k not in self.na, "n/a because": self.na.get(k, "")}
                             for k, d in DEFINITIONS.items()])

    # -- the KPIs, aggregated in the engine ----------------------------------------------------
    def _labels(self, by):
        """``(table of _rank, g; or None for all cases, column name)``: each case's group."""
        import ibis

        cases = self.cases
        if by is None:
            return None, "group"
        if isinstance(by, pd.Series):
            labels = pd.DataFrame({"_case": by.index.astype(str), "g": by.to_numpy(dtype=object)})
            labels = labels[~labels["_case"].duplicated()].dropna(subset=["g"])
            table = ibis.memtable(labels)
            joined = cases.join(table, cases[self.keys[0]] == table["_case"])
            return joined.select("_rank", "g"), by.name or "group"
        if isinstance(by, str) and by in PERIODS:
            days = cases.select("_day").distinct().to_pandas()["_day"].to_numpy(dtype="int64")
            start = pd.Series(pd.to_datetime(days * _DAY_NS, unit="ns"))
            table = ibis.memtable(pd.DataFrame({"_day": days, "g": start.dt.to_period(by).astype(str).to_numpy(object)}))
            return cases.join(table, "_day").select("_rank", "g"), "period"
        ev = self.elog.events
        if isinstance(by, str) and by in ev.columns and by not in ("case", "activity", "t", "row", "t_given"):
            # the case's first value of the column (time, then input row), as journey_kpis reads it
            first = first_values(self.elog, by).rename(g="value")
            joined = cases.join(first, cases[self.keys[0]] == first.case_of)
            return joined.select("_rank", "g"), by
        kept = [c for c in ev.columns if c not in ("case", "activity", "t", "row", "t_given")]
        raise EngineError(
            f"kpis: by={by!r} is neither a column the engine kept nor a period. Columns kept: {kept}. Pass one "
            f"of them (e.g. by='channel'), a period of the case start ({', '.join(repr(k) for k in PERIODS)}), or "
            "a Series mapping case ids to labels.")

    def kpis(self, by=None):
        """The KPIs per group, equal to :func:`journeymining.journey_kpis` of the same log.

        Parameters
        ----------
        by : str or pandas.Series, optional
            None: one row (group ``"all"``). A column the engine kept (e.g. ``"channel"``): the
            case's first value, by time then input row. ``"D"``, ``"W"``, ``"M"``, ``"Q"``,
            ``"Y"``: the period of the case start (UTC). A Series: labels indexed by case id (e.g.
            cluster labels). Cases without a group are left out.

        Returns
        -------
        pandas.DataFrame
            As :func:`journeymining.journey_kpis`; ``.attrs["na"]``: KPI -> why it is n/a.
        """
        import ibis
        from ibis import _

        step(f"engine ({self.elog.engine.name}): KPIs" + (f" by {by if isinstance(by, str) else 'label'}"
                                                           if by is not None else ""))
        labels, name = self._labels(by)
        cases = self.cases
        if labels is None:
            grouped = cases.mutate(g=ibis.literal("all"))
        else:
            grouped = cases.join(labels, "_rank")
        channel_ok = "channel_switches" not in self.na
        metrics = {"cases": _.count()}
        for kpi, (col, how, _label) in KPIS.items():
            if col == "channel_switches" and channel_ok:
                col = "_cs"  # the counts of every group, where some group alone had no contact channel
            x = grouped[col]
            if col == "csat" and how == "answers":
                metrics["_csat_n"] = grouped.csat_answers.sum()
                metrics["_csat_total"] = (grouped.csat.fill_null(0) * grouped.csat_answers).sum()
            elif how in ("open", "dropped"):
                metrics[kpi] = (x == how).cast("float64").mean()
            elif how in ("share", "mean"):
                metrics[kpi] = x.cast("float64").mean()
            elif how == "share_gt0":
                metrics[kpi] = (x.cast("float64") > 0).cast("float64").mean()
            elif how == "median":
                metrics[kpi] = x.cast("float64").median()
            elif how == "p90":
                metrics[kpi] = x.cast("float64").quantile(0.9)
            else:
                raise AssertionError(how)
        out = grouped.group_by("g").aggregate(**metrics).to_pandas()
        csat_n = out.pop("_csat_n").astype("float64")
        total = out.pop("_csat_total").astype("float64")
        out["csat_mean"] = (total / csat_n).where(csat_n > 0)
        # the groups in order of their first case, as the pandas verb finds them
        order = grouped.group_by("g").aggregate(first=_["_rank"].min()).to_pandas()
        out = out.merge(order, on="g").sort_values("first", kind="stable").drop(columns="first")
        waits = self.waits if labels is None else self.waits.join(labels, "_rank")
        if labels is None:
            waits = waits.mutate(g=ibis.literal("all"))
        w = waits.group_by("g").aggregate(wait_median_h=_.wait_h.median(), wait_mean_h=_.wait_h.mean()).to_pandas()
        out = out.merge(w, on="g", how="left")
        stages = {}
        st = self.stage_times
        if int(st.count().to_pandas()):
            firsts = st.group_by("stage").aggregate(first=(_["_rank"] * _VISITS + _["_seq"]).min()).to_pandas()
            st_g = st.mutate(g=ibis.literal("all")) if labels is None else st.join(labels, "_rank")
            med = st_g.group_by(["g", "stage"]).aggregate(h=_.hours.median()).to_pandas()
            for stage_name in firsts.sort_values("first", kind="stable")["stage"]:
                values = med[med["stage"] == stage_name].set_index("g")["h"]
                stages[stage_name] = values.reindex(out["g"]).to_numpy(dtype="float64")
        out = out.rename(columns={"g": name}).reset_index(drop=True)
        out["cases"] = out["cases"].astype("int64")
        for col in [c for c in out.columns if c not in (name, "cases")]:
            out[col] = out[col].astype("float64")
        return shape_kpi_table(out, name, stages, by=by, na=self.na)

    # -- into memory ---------------------------------------------------------------------------
    def to_pandas(self):
        """The :class:`CaseMeasures` of every case, equal to
        :func:`journeymining.measure.case_measures` of the same log, without the per-event marks
        (``events`` is empty; :meth:`EngineLog.case_measures` keeps them). This brings every case
        into memory."""
        t = self._templates["cases"]
        cases = self.cases.order_by("_rank").to_pandas()
        if self.n_cases != len(cases):
            raise AssertionError((self.n_cases, len(cases)))
        if "channel_switches" not in self.na:
            cases["channel_switches"] = cases["_cs"]
        out = pd.DataFrame({col: (pd.to_datetime(cases[col].to_numpy(dtype="int64"), unit="ns", utc=True)
                                  if col in ("start", "end") else _restore(cases[col], t[col].dtype))
                            for col in t.columns if not col.startswith("_")})
        st = self.stage_times.order_by(["_rank", "_seq"]).to_pandas()
        labels = out[self.keys[0]].to_numpy(dtype=object)
        rank = st["_rank"].to_numpy(dtype=np.int64)
        stage_times = pd.DataFrame({self.keys[0]: labels[rank], "stage": pd.Series(st["stage"].to_numpy(object), dtype=str),
                                    "hours": st["hours"].to_numpy(dtype="float64")})
        sla = self.sla.to_pandas()
        template = self._templates["sla_frame"]
        if len(sla):
            sla["case"] = sla["_rank"].to_numpy(dtype=np.int64)
            index = sla["rule_index"].to_numpy(dtype=np.int64)
            stage_rule = np.array([r["kind"] == "stage" for r in self.settings.sla] or [False], dtype=bool)[index]
            sla = sla.iloc[np.lexsort((sla["case"].to_numpy(), index, stage_rule))].reset_index(drop=True)
            sla = pd.DataFrame({c: _restore(sla[c], template[c].dtype) for c in template.columns})
        else:
            sla = template.copy()
        return CaseMeasures(cases=out, events=self._templates["events"].copy(), stage_times=stage_times, sla=sla,
                            na=dict(self.na), settings=self.settings, log_end=self.log_end,
                            open_window=self.open_window, keys=self.keys, stage_case=rank)

"""Write an event log for other tools: XES, CSV, Parquet, JSON lines and OCEL 2.0.

:func:`write_log` picks the writer from the file name (:func:`log_format`): ``.csv``, ``.parquet``,
``.xes`` / ``.xes.gz``, ``.jsonl`` (one JSON object per event) and, for the object-centric OCEL 2.0,
the explicit ``.ocel.json``, ``.ocel.sqlite`` and ``.ocel.xml``. A plain ``.json``, ``.sqlite``,
``.db`` or ``.xml`` does not say which of a flat log or OCEL is meant and is refused.

Every writer checks the log, writes the events in the contract order (by case, then time,
keeping the input order for ties), never changes the caller's frame and returns the path written.

Examples
--------
>>> import tempfile, pathlib
>>> import pandas as pd
>>> from journeymining.io.writers import write_csv
>>> log = pd.DataFrame({
...     "case:concept:name": ["t1", "t1"],
...     "concept:name": ["Open", "Close"],
...     "time:timestamp": pd.to_datetime(["2024-05-01 09:00", "2024-05-01 10:00"], utc=True),
... })
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = write_csv(log, pathlib.Path(tmp) / "log.csv")
...     print(path.read_text().splitlines()[1])
t1,Open,2024-05-01 09:00:00+00:00
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd

from journeymining.core import columns as C
from journeymining.core.eventlog import check_log, sort_log
from journeymining.core.errors import EventLogError
from journeymining.io.outputs import OutputError, atomic_path, neutralize_formulas

__all__ = ["write_xes", "write_csv", "write_parquet", "write_jsonl", "write_ocel2", "write_log", "log_format",
           "OCEL_FORMATS", "LOG_FORMATS"]

#: OCEL 2.0 file formats written by :func:`write_ocel2`, by (explicit) suffix.
OCEL_FORMATS = {".ocel.json": "json", ".jsonocel": "json", ".ocel.sqlite": "sqlite", ".ocel.xml": "xml",
                ".xmlocel": "xml"}

#: flat event-log formats of :func:`write_log`, by suffix (OCEL 2.0: :data:`OCEL_FORMATS`)
LOG_FORMATS = {".csv": "csv", ".parquet": "parquet", ".xes": "xes", ".xes.gz": "xes", ".jsonl": "jsonl"}

#: suffixes that do not say whether a flat log or OCEL 2.0 is meant, and the explicit OCEL one
_AMBIGUOUS = {".json": ".ocel.json", ".sqlite": ".ocel.sqlite", ".db": ".ocel.sqlite", ".xml": ".ocel.xml"}

#: Value of ``org:resource`` for events the customer performed (not an agent).
CUSTOMER_RESOURCE = "customer"


def _ocel_format(path):
    """The OCEL 2.0 format (json, sqlite, xml) an explicit suffix names, or None."""
    name = Path(path).name.lower()
    return next((fmt for suffix, fmt in OCEL_FORMATS.items() if name.endswith(suffix)), None)


def _ambiguous_message(path, suffix, where):
    ocel = _AMBIGUOUS[suffix]
    flat = ("; for one JSON object per event (a flat event log) end it in .jsonl" if suffix == ".json"
            else "; for a flat event log use .csv, .parquet, .xes or .jsonl")
    return (f"{where}{path}: a plain {suffix!r} does not say whether an object-centric OCEL 2.0 log or a flat "
            f"event log is meant. For OCEL 2.0 end the name in {ocel} (the OCEL 2.0 suffixes are .ocel.json, "
            f".ocel.sqlite and .ocel.xml){flat}.")


def log_format(path, *, where="") -> str:
    """The kind of log file ``path`` names: ``csv``, ``parquet``, ``xes``, ``jsonl`` or ``ocel``.

    ``where`` starts the error message (e.g. ``"--out "``).

    Raises
    ------
    OutputError
        For a suffix that names no log format, or a plain ``.json`` / ``.sqlite`` / ``.db`` /
        ``.xml`` (write ``.ocel.json`` / ``.ocel.sqlite`` / ``.ocel.xml`` for OCEL 2.0, ``.jsonl``
        for JSON lines).

    Examples
    --------
    >>> log_format("log.ocel.json"), log_format("events.xes.gz"), log_format("events.jsonl")
    ('ocel', 'xes', 'jsonl')
    """
    name = Path(path).name.lower()
    if _ocel_format(name):
        return "ocel"
    for suffix, kind in sorted(LOG_FORMATS.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(suffix):
            return kind
    ambiguous = next((x for x in _AMBIGUOUS if name.endswith(x)), None)
    if ambiguous:
        raise OutputError(_ambiguous_message(path, ambiguous, where))
    raise OutputError(
        f"{where}{path}: unknown kind of log file. End it in .csv, .parquet, .xes, .xes.gz or .jsonl (a flat "
        "event log), or .ocel.json, .ocel.sqlite or .ocel.xml (OCEL 2.0, object-centric).")


def write_log(log, path, **keys) -> Path:
    """Write the log in the format its file name says (:func:`log_format`); returns the path.

    ``keys`` (``case_id_key``, ``activity_key``, ``timestamp_key``) are passed to the writer.

    Raises
    ------
    OutputError
        The file name names no format, or an ambiguous one (a plain ``.json``).
    EventLogError
        The log is not a valid event log.
    """
    writer = {"csv": write_csv, "parquet": write_parquet, "xes": write_xes, "jsonl": write_jsonl,
              "ocel": write_ocel2}[log_format(path)]
    return writer(log, path, **keys)


def _checked(log, case_id_key, activity_key, timestamp_key, verb):
    check_log(log, case_id_key=case_id_key, activity_key=activity_key,
              timestamp_key=timestamp_key, verb=verb)
    return sort_log(log, case_id_key=case_id_key, timestamp_key=timestamp_key)


def _path(path):
    path = Path(os.fspath(path))
    if path.parent and not path.parent.exists():
        raise FileNotFoundError(f"the folder {str(path.parent)!r} does not exist; create it first.")
    return path


def write_xes(log, path, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
              timestamp_key=C.TIMESTAMP) -> Path:
    """Write the log as IEEE XES (one trace per case; ``case:*`` columns become trace attributes).

    The three keys are written under their XES names (``case:concept:name``, ``concept:name``,
    ``time:timestamp``); missing values are left out of the events.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    path : str or os.PathLike
        Output file (``.xes``; ``.xes.gz`` is written gzip-compressed).
    {keys}

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    EventLogError
        If the log is not a valid event log, or a custom key would overwrite an existing column
        with the standard XES name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["t1", "t1"],
    ...     "concept:name": ["Open", "Close"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01 09:00", "2024-05-01 10:00"], utc=True),
    ... })
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     text = write_xes(log, pathlib.Path(tmp) / "log.xes").read_text()
    >>> '<string key="concept:name" value="Close" />' in text
    True
    """
    ordered = _checked(log, case_id_key, activity_key, timestamp_key, "write_xes")
    renames = {case_id_key: C.CASE, activity_key: C.ACTIVITY, timestamp_key: C.TIMESTAMP}
    renames = {k: v for k, v in renames.items() if k != v}
    for old, new in renames.items():
        if new in ordered.columns:
            raise EventLogError(
                f"write_xes: the log has both {old!r} (passed as the key) and a column {new!r}, "
                f"which XES uses for that key. Drop or rename {new!r} first."
            )
    ordered = ordered.rename(columns=renames)
    path = _path(path)
    from pm4py.objects.log.exporter.xes import exporter as xes_exporter

    parameters = {"show_progress_bar": False, "case_id_key": C.CASE,
                  "compress": path.name.lower().endswith(".gz")}
    with warnings.catch_warnings(), atomic_path(path) as part:
        warnings.simplefilter("ignore")
        xes_exporter.apply(ordered, str(part), variant=xes_exporter.Variants.LINE_BY_LINE,
                           parameters=parameters)
    return path


def write_csv(log, path, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
              timestamp_key=C.TIMESTAMP) -> Path:
    """Write the log as UTF-8 CSV (comma separated, timestamps ISO 8601 with their UTC offset).

    Text cells starting with ``= + - @`` are written with a leading ``'`` so that spreadsheet
    programs do not run them as formulas (:func:`journeymining.io.outputs.neutralize_formulas`); the
    file is written to a temporary name and renamed, so a killed run never leaves half a log.

    Read it back with ``journeymining.read_event_log(path)`` or ``pandas.read_csv`` followed by
    ``pd.to_datetime(..., utc=True)``.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    path : str or os.PathLike
        Output file.
    {keys}

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    EventLogError
        If the log is not a valid event log.
    """
    ordered = _checked(log, case_id_key, activity_key, timestamp_key, "write_csv")
    path = _path(path)
    with atomic_path(path) as part:
        neutralize_formulas(ordered).to_csv(part, index=False, encoding="utf-8")
    return path


def write_parquet(log, path, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                  timestamp_key=C.TIMESTAMP) -> Path:
    """Write the log as Parquet (column types, timezone included, are kept exactly).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    path : str or os.PathLike
        Output file.
    {keys}

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    EventLogError
        If the log is not a valid event log.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["t1"], "concept:name": ["Open"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01 09:00"], utc=True),
    ... })
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     back = pd.read_parquet(write_parquet(log, pathlib.Path(tmp) / "log.parquet"))
    >>> str(back["time:timestamp"].dt.tz)
    'UTC'
    """
    ordered = _checked(log, case_id_key, activity_key, timestamp_key, "write_parquet")
    path = _path(path)
    with atomic_path(path) as part:
        ordered.to_parquet(part, index=False)
    return path


def write_jsonl(log, path, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                timestamp_key=C.TIMESTAMP) -> Path:
    """Write the log as JSON lines: one JSON object per event, timestamps ISO 8601 in UTC.

    Missing values are written as ``null``; ``journeymining.read_event_log(path)`` reads it back.

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    path : str or os.PathLike
        Output file (``.jsonl``).
    {keys}

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    EventLogError
        If the log is not a valid event log.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["t1"], "concept:name": ["Open"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01 09:00"], utc=True),
    ... })
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     print(write_jsonl(log, pathlib.Path(tmp) / "log.jsonl").read_text().strip())
    {"case:concept:name":"t1","concept:name":"Open","time:timestamp":"2024-05-01T09:00:00.000Z"}
    """
    ordered = _checked(log, case_id_key, activity_key, timestamp_key, "write_jsonl")
    path = _path(path)
    with atomic_path(path) as part:
        ordered.to_json(part, orient="records", lines=True, date_format="iso", date_unit="ms", force_ascii=False)
    return path


def _case_attributes_of_tickets(ordered, tickets, case_id_key, customer_key):
    """``case:*`` columns (except the case id and the customer) as attributes of the ticket objects.

    One row per ticket object (``ticket:<id>``): each attribute's first non-missing value in the
    contract order, named without the ``case:`` prefix (``case:product`` -> ``product``).
    """
    columns = [c for c in ordered.columns
               if str(c).startswith("case:") and c not in (case_id_key, customer_key)
               and not str(c)[5:].startswith("ocel:")]
    if not columns:
        return None
    frame = ordered[columns].copy()
    frame.columns = [str(c)[5:] for c in columns]
    for col in frame.columns:
        if pd.api.types.is_string_dtype(frame[col]) or frame[col].dtype == object:
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    frame["ocel:oid"] = ("ticket:" + tickets.astype(str)).to_numpy(dtype=object)
    return frame.groupby("ocel:oid", sort=False).first().reset_index()


def _ocel_tables(ordered, case_id_key, activity_key, timestamp_key, ticket_key, customer_key,
                 resource_key):
    """Events, objects, event-object relations and object-object relations (pm4py column names)."""
    n = len(ordered)
    eids = pd.Series([f"e{i}" for i in range(n)], dtype=object)
    stamps = ordered[timestamp_key].dt.tz_convert("UTC") if ordered[timestamp_key].dt.tz \
        else ordered[timestamp_key].dt.tz_localize("UTC")
    events = pd.DataFrame({"ocel:eid": eids,
                           "ocel:activity": ordered[activity_key].astype(str).astype(object),
                           "ocel:timestamp": stamps})
    used = {case_id_key, activity_key, timestamp_key, ticket_key, customer_key, resource_key}
    for column in ordered.columns:
        if column in used or str(column).startswith("case:"):
            continue
        values = ordered[column]
        if pd.api.types.is_string_dtype(values) or values.dtype == object:
            values = values.astype(object).where(values.notna(), None)
        events[str(column)] = values.to_numpy()

    tickets = ordered[case_id_key]
    if ticket_key in ordered.columns:
        tickets = ordered[ticket_key].where(ordered[ticket_key].notna(), ordered[case_id_key])
    links = [("ticket", tickets, pd.Series(True, index=ordered.index), "ticket")]
    if customer_key in ordered.columns:
        customers = ordered[customer_key]
        links.append(("customer", customers, customers.notna(), "customer"))
    if resource_key in ordered.columns:
        resources = ordered[resource_key]
        is_agent = resources.notna() & (resources.astype(object) != CUSTOMER_RESOURCE)
        links.append(("agent", resources, is_agent, "performed by"))

    relations, objects = [], []
    for otype, ids, mask, qualifier in links:
        mask = mask.to_numpy(dtype=bool)
        oids = (otype + ":" + ids.astype(str)).to_numpy(dtype=object)
        rel = pd.DataFrame({"ocel:eid": eids.to_numpy()[mask], "ocel:oid": oids[mask],
                            "ocel:qualifier": qualifier, "ocel:type": otype,
                            "ocel:activity": events["ocel:activity"].to_numpy()[mask],
                            "ocel:timestamp": events["ocel:timestamp"].to_numpy()[mask]})
        relations.append(rel)
        objects.append(pd.DataFrame({"ocel:oid": pd.unique(oids[mask]), "ocel:type": otype}))
    relations = pd.concat(relations, ignore_index=True)
    relations["ocel:timestamp"] = pd.to_datetime(relations["ocel:timestamp"], utc=True)
    objects = pd.concat(objects, ignore_index=True)
    attributes = _case_attributes_of_tickets(ordered, tickets, case_id_key, customer_key)
    if attributes is not None:
        objects = objects.merge(attributes, on="ocel:oid", how="left")

    o2o = pd.DataFrame(columns=["ocel:oid", "ocel:oid_2", "ocel:qualifier"])
    if customer_key in ordered.columns:
        has = ordered[customer_key].notna().to_numpy()
        pairs = pd.DataFrame({"ocel:oid": ("ticket:" + tickets.astype(str)).to_numpy()[has],
                              "ocel:oid_2": ("customer:" + ordered[customer_key].astype(str))
                              .to_numpy()[has]}).drop_duplicates(ignore_index=True)
        pairs["ocel:qualifier"] = "raised by"
        o2o = pairs
    return events, objects, relations, o2o


def write_ocel2(log, path, *, case_id_key=C.CASE, activity_key=C.ACTIVITY,
                timestamp_key=C.TIMESTAMP, ticket_key=C.TICKET, customer_key=C.CUSTOMER,
                resource_key=C.RESOURCE) -> Path:
    """Write the log as an object-centric event log (OCEL 2.0) with tickets, customers and agents.

    Object types and ids (an id is prefixed with its type, so ids never clash across types):

    * ``ticket`` -- ``ticket:<id>`` from ``ticket_key`` (or the case id where it is missing or the
      column is absent); every event is linked to its ticket (qualifier ``"ticket"``);
    * ``customer`` -- ``customer:<id>`` from ``customer_key``; events of a case with a customer
      are linked to it (qualifier ``"customer"``), and each ticket to its customer
      (object-to-object, qualifier ``"raised by"``);
    * ``agent`` -- ``agent:<id>`` from ``resource_key``, except the value ``"customer"`` (steps the
      customer performed); events are linked to their agent (qualifier ``"performed by"``).

    The event id is ``e<n>`` in the contract order; the other columns, except ``case:*`` ones,
    become event attributes (missing values are left out). The ``case:*`` columns other than the
    case id and the customer (e.g. ``case:product``, ``case:service_type``) become attributes of
    the ticket objects, named without ``case:`` (each ticket's first non-missing value).

    Parameters
    ----------
    log : pandas.DataFrame
        Event log, one row per event.
    path : str or os.PathLike
        Output file: ``.ocel.json`` (OCEL 2.0 JSON), ``.ocel.sqlite`` (SQLite) or ``.ocel.xml``
        (XML); ``.jsonocel`` and ``.xmlocel`` are accepted too. A plain ``.json``, ``.sqlite``,
        ``.db`` or ``.xml`` is refused: it does not say that OCEL is meant.
    {keys}
    ticket_key, customer_key, resource_key : str
        Columns holding the ticket, the customer and the agent of each event (each optional in
        the log).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    EventLogError
        If the log is not a valid event log.
    OutputError
        If ``path`` does not end in an explicit OCEL 2.0 suffix (an OutputError is a ValueError).

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["t1", "t1"], "concept:name": ["Open", "Close"],
    ...     "time:timestamp": pd.to_datetime(["2024-05-01 09:00", "2024-05-01 10:00"], utc=True),
    ...     "org:resource": ["customer", "Ann"], "case:customer": ["K1", "K1"],
    ...     "case:product": ["Router", "Router"],
    ... })
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     doc = json.loads(write_ocel2(log, pathlib.Path(tmp) / "log.ocel.json").read_text())
    >>> sorted(o["id"] for o in doc["objects"])
    ['agent:Ann', 'customer:K1', 'ticket:t1']
    >>> [o["attributes"] for o in doc["objects"] if o["id"] == "ticket:t1"][0][0]["name"]
    'product'
    """
    ordered = _checked(log, case_id_key, activity_key, timestamp_key, "write_ocel2")
    path = _path(path)
    fmt = _ocel_format(path)
    if fmt is None:
        name = path.name.lower()
        ambiguous = next((x for x in _AMBIGUOUS if name.endswith(x)), None)
        if ambiguous:
            raise OutputError(_ambiguous_message(path, ambiguous, "write_ocel2: "))
        raise OutputError(
            f"write_ocel2: cannot tell the OCEL 2.0 format of {str(path)!r} from its suffix "
            f"{path.suffix!r}; end the name in one of {list(OCEL_FORMATS)}."
        )
    events, objects, relations, o2o = _ocel_tables(ordered, case_id_key, activity_key,
                                                   timestamp_key, ticket_key, customer_key,
                                                   resource_key)
    import pm4py
    from pm4py.objects.ocel.obj import OCEL

    ocel = OCEL(events, objects, relations, o2o=o2o)
    with warnings.catch_warnings(), atomic_path(path) as part:
        warnings.simplefilter("ignore")
        if fmt == "sqlite":
            part.unlink()  # the SQLite writer appends to an existing database
        {"json": pm4py.write_ocel2_json, "sqlite": pm4py.write_ocel2_sqlite,
         "xml": pm4py.write_ocel2_xml}[fmt](ocel, str(part))
    return path


for _f in (write_xes, write_csv, write_parquet, write_jsonl, write_ocel2):
    if _f.__doc__:
        _f.__doc__ = _f.__doc__.replace("{keys}", C.KEYS_DOC)
del _f

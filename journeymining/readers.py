"""Reading ticket exports and event logs: CSV, Parquet, Excel, JSON lines and XES.

Every reader turns a failure into :class:`~journeymining.errors.InputFileError` naming the file,
what went wrong (line, byte, column) and the fix. XML is parsed without resolving entities and
without loading DTDs or anything from the network; a file that declares entities is refused.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from pathlib import Path

import pandas as pd

from . import _columns as C
from .errors import InputFileError

_EXTENSIONS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".xes": "xes", ".xml": "xes",
}


def detect_format(path) -> str:
    """The format of ``path`` from its extension (``.gz`` is looked through).

    >>> detect_format("tickets.csv.gz"), detect_format("log.xes")
    ('csv', 'xes')
    """
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in (".gz", ".gzip"):
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in _EXTENSIONS:
        return _EXTENSIONS[suffixes[-1]]
    raise InputFileError(
        f"Cannot tell the format of {path} from its extension. Name it .csv, .parquet, .xlsx, "
        ".jsonl or .xes, or set 'source: {format: csv}' in the mapping."
    )


def _check_path(path):
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"Input file {path} does not exist (cwd: {os.getcwd()}). Check the path.")
    if path.is_dir():
        raise InputFileError(f"Input {path} is a folder; give the export file inside it.")
    if path.stat().st_size == 0:
        raise InputFileError(f"Input file {path} is empty (0 bytes). Re-export the tickets.")
    return path


def _open_bytes(path):
    path = Path(path)
    if path.suffix.lower() in (".gz", ".gzip"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _head(path, size):
    try:
        with _open_bytes(path) as fh:
            return fh.read(size)
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise InputFileError(f"{path} cannot be read ({type(exc).__name__}: {exc}). "
                             "Is it really the format its extension says?") from None


def _sniff_delimiter(path, encoding):
    head = _head(path, 65536)
    try:
        text = head.decode(encoding, errors="replace")
    except LookupError:
        raise InputFileError(f"{path}: unknown encoding {encoding!r}; use e.g. utf-8 or latin-1.") from None
    first = text.splitlines()[0] if text else ""
    try:
        return csv.Sniffer().sniff(text, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: first.count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


_MAGIC = ((b"PK\x03\x04", "excel", "an Excel workbook (or another zip file)"),
          (b"\xd0\xcf\x11\xe0", "excel", "an old-style Excel workbook (.xls)"),
          (b"PAR1", "parquet", "a Parquet file"),
          (b"\x1f\x8b", None, "gzip-compressed"))


def _content_kind(path):
    """What the first bytes say the file is, when they say something: (format, description)."""
    head = _head(path, 8)
    for magic, fmt, what in _MAGIC:
        if head.startswith(magic):
            return fmt, what
    return None, None


def read_table(source, *, format=None, delimiter=None, encoding="utf-8", sheet=None, skip_rows=0):
    """Read a ticket export into a DataFrame of text columns, one row per input row.

    CSV and JSON-lines values are kept as text so that no value is silently converted; the
    conversion in :func:`journeymining.tickets_to_event_log` parses and reports them.

    Parameters
    ----------
    source : str, path or DataFrame
        The file (``.gz`` allowed for CSV, JSON lines and XES) or a DataFrame (returned as a copy).
    format : {"csv", "parquet", "excel", "jsonl", "xes"}, optional
        Default: from the extension.
    delimiter : str, optional
        CSV field separator; sniffed from the first 64 KiB when not given.
    encoding : str, default "utf-8"
    sheet : str or int, optional
        Excel sheet (default: the first).
    skip_rows : int, default 0
        Lines to skip before the CSV header.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    InputFileError
        Missing, empty or unreadable file, wrong encoding, malformed rows, unsafe XML.
    """
    if isinstance(source, pd.DataFrame):
        return source.copy()
    path = _check_path(source)
    fmt = format or detect_format(path)
    content, what = _content_kind(path)
    gzipped = str(path).lower().endswith((".gz", ".gzip"))
    if fmt in ("csv", "jsonl", "xes") and content in ("excel", "parquet"):
        said = f"the mapping says format {format!r}" if format else f"its name says {fmt}"
        raise InputFileError(f"{path} is {what}, but {said}. Set 'source: {{format: {content}}}' in the "
                             "mapping (or remove source.format so the extension decides).")
    if what == "gzip-compressed" and not gzipped and fmt in ("csv", "jsonl", "xes"):
        raise InputFileError(f"{path} is gzip-compressed but its name does not end in .gz. Rename it to "
                             f"{path.name}.gz or decompress it first.")
    if fmt == "csv":
        return _read_csv(path, delimiter=delimiter, encoding=encoding, skip_rows=skip_rows)
    if fmt == "jsonl":
        return _read_jsonl(path, encoding=encoding)
    if fmt == "parquet":
        try:
            return pd.read_parquet(path)
        except Exception as exc:
            raise InputFileError(f"{path} is not a readable Parquet file ({type(exc).__name__}: {exc}). "
                                 "Re-export it, or name the real format in 'source: {format: ...}'.") from None
    if fmt == "excel":
        try:
            return pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=object)
        except ValueError as exc:
            raise InputFileError(f"{path}: {exc}. Set 'source: {{sheet: <name>}}' to an existing sheet.") from None
        except Exception as exc:
            raise InputFileError(f"{path} is not a readable Excel workbook ({type(exc).__name__}: {exc}).") from None
    if fmt == "xes":
        return read_xes(path)
    raise InputFileError(f"{path}: unsupported format {fmt!r}; use csv, parquet, excel, jsonl or xes.")


def _read_csv(path, *, delimiter, encoding, skip_rows):
    delimiter = delimiter or _sniff_delimiter(path, encoding)
    try:
        frame = pd.read_csv(
            path, sep=delimiter, encoding=encoding, dtype=str, keep_default_na=False,
            skiprows=skip_rows, on_bad_lines="error", engine="c", low_memory=False,
        )
    except UnicodeDecodeError as exc:
        line = _line_of_byte(path, exc)
        raise InputFileError(
            f"{path} is not valid {encoding}{line} (bytes {exc.object[exc.start:exc.start + 8]!r}). "
            "Set 'source: {encoding: latin-1}' (or cp1252, utf-16) in the mapping to the file's encoding."
        ) from None
    except pd.errors.ParserError as exc:
        raise InputFileError(
            f"{path}: rows do not match the header ({exc}). Check the delimiter "
            f"(used {delimiter!r}; set 'source: {{delimiter: ...}}') and quoting of fields with separators."
        ) from None
    except pd.errors.EmptyDataError:
        raise InputFileError(f"{path} has no header row and no data. Re-export the tickets.") from None
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputFileError(f"{path} cannot be read ({type(exc).__name__}: {exc}).") from None
    if frame.shape[1] == 1 and any(d in str(frame.columns[0]) for d in ",;\t|" if d != delimiter):
        raise InputFileError(
            f"{path} was read as a single column {frame.columns[0]!r}: the delimiter {delimiter!r} looks wrong. "
            "Set 'source: {delimiter: \";\"}' (or the right separator) in the mapping."
        )
    if frame.empty:
        raise InputFileError(f"{path} has a header ({list(frame.columns)}) but no data rows. Re-export the tickets.")
    return frame


def _line_of_byte(path, exc):
    """' on line N' for the first byte that does not decode, found by decoding line by line."""
    try:
        with _open_bytes(path) as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    raw.decode(exc.encoding)
                except UnicodeDecodeError:
                    return f" on line {number}"
    except (OSError, EOFError, LookupError):
        pass
    return ""


def _read_jsonl(path, *, encoding):
    import json

    rows = []
    with _open_bytes(path) as fh:
        for number, raw in enumerate(io.TextIOWrapper(fh, encoding=encoding, errors="strict"), start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise InputFileError(
                    f"{path}, line {number}: not valid JSON ({exc.msg} at column {exc.colno}): "
                    f"{raw[:60]!r}. Each line must be one JSON object."
                ) from None
            except UnicodeDecodeError:
                raise InputFileError(f"{path}, line {number}: not valid {encoding}; set source.encoding.") from None
            if not isinstance(value, dict):
                raise InputFileError(f"{path}, line {number}: a JSON {type(value).__name__}, not an object.")
            rows.append(value)
    if not rows:
        raise InputFileError(f"{path} holds no JSON objects.")
    frame = pd.DataFrame.from_records(rows)
    return frame.astype(object).where(frame.notna(), None).map(lambda v: "" if v is None else str(v))


# ---------------------------------------------------------------------------------------------
# XES

_XES_TYPES = {"string", "date", "int", "float", "boolean", "id"}


def _refuse_entities(path):
    head = _head(path, 1 << 20)
    upper = head.upper()
    if b"<!ENTITY" in upper or b"<!DOCTYPE" in upper:
        raise InputFileError(
            f"{path} declares a DOCTYPE or XML entities. journeymining never resolves entities or loads "
            "DTDs (they can read local files or the network). Remove the <!DOCTYPE ...> block."
        )


def read_xes(path) -> pd.DataFrame:
    """Read an XES file (``.xes`` or ``.xes.gz``) into an event log DataFrame.

    Trace attributes become ``case:<key>`` columns, event attributes keep their keys; dates are
    parsed to UTC. Entities are never resolved and DTDs never loaded.
    """
    from lxml import etree

    path = _check_path(path)
    _refuse_entities(path)
    records = []
    try:
        with _open_bytes(path) as fh:
            context = etree.iterparse(
                fh, events=("end",), tag="{*}trace", resolve_entities=False, load_dtd=False,
                no_network=True, huge_tree=True, remove_comments=True,
            )
            for _, trace in context:
                case = {}
                for child in trace:
                    tag = etree.QName(child).localname
                    if tag in _XES_TYPES and child.get("key") is not None:
                        case["case:" + child.get("key")] = _xes_value(tag, child.get("value"))
                for event in trace:
                    if etree.QName(event).localname != "event":
                        continue
                    row = dict(case)
                    for attr in event:
                        tag = etree.QName(attr).localname
                        if tag in _XES_TYPES and attr.get("key") is not None:
                            row[attr.get("key")] = _xes_value(tag, attr.get("value"))
                    records.append(row)
                trace.clear()
    except etree.XMLSyntaxError as exc:
        raise InputFileError(f"{path} is not well-formed XML (line {exc.lineno}: {exc.msg}).") from None
    except (OSError, EOFError) as exc:
        raise InputFileError(f"{path} cannot be read ({type(exc).__name__}: {exc}).") from None
    if not records:
        raise InputFileError(f"{path} holds no <trace> with <event> elements; is it an XES log?")
    frame = pd.DataFrame.from_records(records)
    if C.TIMESTAMP in frame:
        frame[C.TIMESTAMP] = pd.to_datetime(frame[C.TIMESTAMP], utc=True, format="ISO8601")
    return frame


def _xes_value(tag, value):
    if value is None:
        return None
    if tag == "int":
        try:
            return int(value)
        except ValueError:
            return value
    if tag == "float":
        try:
            return float(value)
        except ValueError:
            return value
    if tag == "boolean":
        return value.strip().lower() == "true"
    return value


def read_event_log(source, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Read an event log written by journeymining (CSV, Parquet, XES) or any pm4py-style log.

    Returns a DataFrame with the timestamp column parsed to UTC, sorted by case then time.

    Raises
    ------
    InputFileError
        When the file cannot be read or lacks the three pm4py columns.
    """
    if not isinstance(source, pd.DataFrame) and str(source).lower().endswith((".json", ".jsonocel")):
        head = _head(_check_path(source), 4096)
        if b'"objectTypes"' in head or b'"objects"' in head:
            raise InputFileError(
                f"{source} is an OCEL 2.0 (object-centric) log. read_event_log reads flat event logs: "
                "write one with 'journeymining convert ... --out events.csv' (or .parquet, .xes), or read "
                "this file with pm4py.read_ocel2 for object-centric analysis."
            )
    frame = read_table(source)
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
    missing = [c for c in (case_id_key, activity_key, timestamp_key) if c not in frame.columns]
    if missing:
        raise InputFileError(
            f"{source} is not an event log: column {missing[0]!r} is missing (columns: {list(frame.columns)}). "
            "Convert ticket exports first with 'journeymining convert TICKETS --mapping MAP.yaml'."
        )
    if not pd.api.types.is_datetime64_any_dtype(frame[timestamp_key]):
        parsed = pd.to_datetime(frame[timestamp_key], utc=True, format="ISO8601", errors="coerce")
        bad = frame.index[parsed.isna()]
        if len(bad):
            raise InputFileError(
                f"{source}: {len(bad)} values of {timestamp_key!r} are not ISO 8601 times (rows "
                f"{list(bad[:5])}: {list(frame.loc[bad[:5], timestamp_key])}). Fix them or re-run the conversion."
            )
        frame[timestamp_key] = parsed
    elif frame[timestamp_key].dt.tz is None:
        frame[timestamp_key] = frame[timestamp_key].dt.tz_localize("UTC")
    else:
        frame[timestamp_key] = frame[timestamp_key].dt.tz_convert("UTC")
    for col in (C.SOURCE_ROW,):
        if col in frame and frame[col].dtype == object:
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
    if C.CSAT in frame and not pd.api.types.is_numeric_dtype(frame[C.CSAT]):
        frame[C.CSAT] = pd.to_numeric(frame[C.CSAT].replace("", None), errors="coerce")
    frame[case_id_key] = frame[case_id_key].astype(str)
    return frame.sort_values([case_id_key, timestamp_key], kind="stable").reset_index(drop=True)

"""Reading ticket exports and event logs: CSV, Parquet, Excel, JSON lines and XES.

Every reader turns a failure into :class:`~journeymining.core.errors.InputFileError` naming the file,
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

from journeymining.core import columns as C
from journeymining.core.errors import InputFileError

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


#: default limit of the decompressed size of a ``.gz`` input (override: JOURNEYMINING_MAX_INPUT_BYTES)
DEFAULT_MAX_INPUT_BYTES = 8 << 30
#: peak memory of a conversion per byte of (decompressed) input, measured on CSV exports
MEMORY_PER_INPUT_BYTE = 7


def max_input_bytes():
    """The decompressed-size limit of inputs: env ``JOURNEYMINING_MAX_INPUT_BYTES`` or 8 GiB."""
    value = os.environ.get("JOURNEYMINING_MAX_INPUT_BYTES", "").strip()
    if not value:
        return DEFAULT_MAX_INPUT_BYTES
    try:
        limit = int(float(value))
    except ValueError:
        raise InputFileError(f"JOURNEYMINING_MAX_INPUT_BYTES is {value!r}; set it to a number of bytes, "
                             "e.g. 8589934592 for 8 GiB.") from None
    if limit <= 0:
        raise InputFileError(f"JOURNEYMINING_MAX_INPUT_BYTES is {value!r}; it must be a positive number of bytes.")
    return limit


class _Limited(io.RawIOBase):
    """A read-only stream that refuses to give more than ``limit`` bytes (decompression bombs)."""

    def __init__(self, raw, limit, path):
        self._raw, self._limit, self._path, self._seen = raw, limit, path, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._raw.read(len(buffer))
        self._seen += len(data)
        if self._seen > self._limit:
            raise InputFileError(
                f"{self._path} decompresses to more than {self._limit:,} bytes (JOURNEYMINING_MAX_INPUT_BYTES). "
                "If the export is really that large, raise the limit (and check the memory: about "
                f"{MEMORY_PER_INPUT_BYTE} bytes per input byte), or split the export.")
        buffer[:len(data)] = data
        return len(data)

    def close(self):
        self._raw.close()
        super().close()


def _open_bytes(path):
    path = Path(path)
    if path.suffix.lower() in (".gz", ".gzip"):
        return io.BufferedReader(_Limited(gzip.open(path, "rb"), max_input_bytes(), path), buffer_size=1 << 16)
    return open(path, "rb")


def _available_memory():
    """Bytes of memory available (env JOURNEYMINING_MEMORY_BYTES, /proc/meminfo, or unknown: None)."""
    value = os.environ.get("JOURNEYMINING_MEMORY_BYTES", "").strip()
    if value:
        try:
            return int(float(value))
        except ValueError:
            return None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _input_size(path):
    """The (decompressed, when the gzip trailer says so) size of an input file in bytes."""
    size = path.stat().st_size
    if path.suffix.lower() in (".gz", ".gzip") and size >= 18:
        with open(path, "rb") as fh:
            if fh.read(2) != b"\x1f\x8b":
                return size
            fh.seek(-4, os.SEEK_END)
            isize = int.from_bytes(fh.read(4), "little")  # size mod 2**32: a lower bound
        if isize <= size * 1032:  # deflate cannot do better; more means a truncated or odd file
            size = max(size, isize)
    return size


def check_fits_in_memory(path):
    """Refuse an input that cannot fit in memory, from its size, before reading it.

    A conversion needs about :data:`MEMORY_PER_INPUT_BYTE` bytes of memory per input byte; the
    input is refused when that exceeds the available memory, or when its decompressed size exceeds
    :func:`max_input_bytes`.

    Raises
    ------
    InputFileError
        Naming the file, its size, the estimate, the memory available and the fix.
    """
    path = Path(path)
    size = _input_size(path)
    limit = max_input_bytes()
    if size > limit:
        raise InputFileError(
            f"{path} holds {size:,} bytes, more than the input limit of {limit:,} (JOURNEYMINING_MAX_INPUT_BYTES). "
            "Raise the limit if the machine has the memory, or split the export.")
    available = _available_memory()
    need = size * MEMORY_PER_INPUT_BYTE
    if available is not None and need > available:
        raise InputFileError(
            f"{path} ({size / 2**30:.2f} GiB) needs about {need / 2**30:.1f} GiB of memory to convert, but "
            f"{available / 2**30:.1f} GiB are available. Split the export (e.g. by month), convert it on a larger "
            "machine, or set JOURNEYMINING_MEMORY_BYTES if the estimate is wrong.")


def _head(path, size):
    try:
        with _open_bytes(path) as fh:
            return fh.read(size)
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise InputFileError(f"{path} cannot be read ({type(exc).__name__}: {exc}). Is it truncated (copy it "
                             "again), or not the format its extension says?") from None


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
    check_fits_in_memory(path)
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
            frame = pd.read_parquet(path)
        except Exception as exc:
            raise InputFileError(f"{path} is not a readable Parquet file ({type(exc).__name__}: {exc}). "
                                 "Re-export it, or name the real format in 'source: {format: ...}'.") from None
        _refuse_nested(frame, path)
        return frame
    if fmt == "excel":
        try:
            frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=object)
            header = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, header=None, nrows=1,
                                   dtype=object).iloc[0].tolist() if len(frame.columns) else []
            _note_duplicates(frame, [str(h).strip() for h in header])
            return frame
        except ValueError as exc:
            raise InputFileError(f"{path}: {exc}. Set 'source: {{sheet: <name>}}' to an existing sheet.") from None
        except Exception as exc:
            raise InputFileError(f"{path} is not a readable Excel workbook ({type(exc).__name__}: {exc}).") from None
    if fmt == "xes":
        return read_xes(path)
    raise InputFileError(f"{path}: unsupported format {fmt!r}; use csv, parquet, excel, jsonl or xes.")


def _refuse_nested(frame, path):
    """Parquet struct / list / map columns cannot be ticket fields: name them and the fix."""
    nested = []
    for col in frame.columns:
        if frame[col].dtype != object:
            continue
        sample = frame[col].dropna().head(1000)
        if sample.map(lambda v: isinstance(v, (dict, list, tuple, set)) or hasattr(v, "__array__")).any():
            nested.append(str(col))
    if nested:
        raise InputFileError(
            f"{path}: column(s) {nested} hold nested values (struct, list or map), which cannot be ticket fields. "
            "Flatten them when exporting (e.g. one column per struct field, lists as text), or drop them.")


def _check_header(path, delimiter, encoding, skip_rows):
    """Column names the header holds more than once, with their 1-based positions."""
    try:
        with _open_bytes(path) as fh:
            text = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
            reader = csv.reader(text, delimiter=delimiter)
            header = None
            for number, header in enumerate(reader):
                if number >= skip_rows:
                    break
    except (OSError, EOFError, csv.Error, LookupError):
        return {}
    if not header:
        return {}
    seen = {}
    for position, name in enumerate(header, start=1):
        seen.setdefault(name.strip(), []).append(position)
    return {n: p for n, p in seen.items() if len(p) > 1}


def _read_csv(path, *, delimiter, encoding, skip_rows):
    delimiter = delimiter or _sniff_delimiter(path, encoding)
    duplicated = _check_header(path, delimiter, encoding, skip_rows)
    try:
        with _open_bytes(path) as fh:
            frame = pd.read_csv(
                fh, sep=delimiter, encoding=encoding, dtype=str, keep_default_na=False,
                skiprows=skip_rows, on_bad_lines="error", engine="c", low_memory=False,
            )
    except UnicodeDecodeError as exc:
        line = _line_of_byte(path, exc)
        raise InputFileError(
            f"{path} is not valid {encoding}{line} (byte {exc.object[exc.start:exc.start + 1]!r}). "
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
    if duplicated:
        _note_duplicates(frame, None, duplicated)
    return frame


def _note_duplicates(frame, header, duplicated=None):
    """pandas reads a second 'status' as 'status.1': record it in ``frame.attrs`` so it is reported."""
    if duplicated is None:
        seen = {}
        for position, name in enumerate(header, start=1):
            seen.setdefault(name, []).append(position)
        duplicated = {n: p for n, p in seen.items() if len(p) > 1}
    if duplicated:
        names = [str(c) for c in frame.columns]
        frame.attrs["duplicate_columns"] = {
            n: [names[p - 1] for p in positions if p - 1 < len(names)] for n, positions in duplicated.items()}


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

    def unique_keys(pairs):
        keys = [k for k, _ in pairs]
        dups = sorted({k for k in keys if keys.count(k) > 1})
        if dups:
            raise _DuplicateKeys(dups)
        return dict(pairs)

    rows = []
    number = 0
    try:
        with _open_bytes(path) as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    line = raw.decode(encoding)
                except UnicodeDecodeError as exc:
                    raise InputFileError(
                        f"{path}, line {number}: not valid {encoding} (byte {exc.object[exc.start:exc.start + 1]!r} "
                        f"at byte {exc.start + 1} of the line). Set 'source: {{encoding: latin-1}}' (or the file's "
                        "encoding) in the mapping, or re-export as UTF-8.") from None
                if not line.strip():
                    continue
                try:
                    value = json.loads(line, object_pairs_hook=unique_keys)
                except json.JSONDecodeError as exc:
                    # the line itself is not shown: it may hold personal data that is pseudonymised later
                    raise InputFileError(
                        f"{path}, line {number}: not valid JSON ({exc.msg} at column {exc.colno}). "
                        "Each line must be one JSON object; fix or remove that line."
                    ) from None
                except _DuplicateKeys as exc:
                    raise InputFileError(
                        f"{path}, line {number}: the key(s) {exc.keys} appear twice in one object; the second "
                        "value would silently replace the first. Fix the export so each key appears once."
                    ) from None
                if not isinstance(value, dict):
                    raise InputFileError(f"{path}, line {number}: a JSON {type(value).__name__}, not an object. "
                                         "Each line must be one JSON object.")
                rows.append(value)
    except (OSError, EOFError) as exc:  # a truncated .gz ends in EOFError, a corrupt one in BadGzipFile
        raise InputFileError(
            f"{path} cannot be read past line {number} ({type(exc).__name__}: {exc}); the file looks truncated "
            "or corrupt. Copy or export it again.") from None
    except LookupError:
        raise InputFileError(f"{path}: unknown encoding {encoding!r}; use e.g. utf-8 or latin-1.") from None
    if not rows:
        raise InputFileError(f"{path} holds no JSON objects.")
    frame = pd.DataFrame.from_records(rows)
    nested = [str(c) for c in frame.columns
              if frame[c].map(lambda v: isinstance(v, (dict, list))).any()]
    if nested:
        raise InputFileError(f"{path}: key(s) {nested} hold nested objects or lists, which cannot be ticket "
                             "fields. Flatten them in the export (one key per field).")
    return frame.astype(object).where(frame.notna(), None).map(lambda v: "" if v is None else str(v))


class _DuplicateKeys(Exception):
    def __init__(self, keys):
        super().__init__(keys)
        self.keys = keys


# ---------------------------------------------------------------------------------------------
# XES

_XES_TYPES = {"string", "date", "int", "float", "boolean", "id"}


_DOCTYPE_MESSAGE = ("{path} declares a DOCTYPE or XML entities. journeymining never resolves entities or loads "
                    "DTDs (they can read local files or the network). Remove the <!DOCTYPE ...> block.")


def _refuse_entities(path):
    """A quick look at the first bytes; the parser's own DOCTYPE check (:func:`_refuse_doctype`) decides."""
    head = _head(path, 1 << 20)
    upper = head.upper()
    if b"<!ENTITY" in upper or b"<!DOCTYPE" in upper:
        raise InputFileError(_DOCTYPE_MESSAGE.format(path=path))


def _refuse_doctype(tree, path):
    """Refuse a document whose parser saw a DOCTYPE (any encoding, anywhere before the root)."""
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None \
            or info.system_url or info.public_id:
        raise InputFileError(_DOCTYPE_MESSAGE.format(path=path))


def _safe_parser_options():
    return {"resolve_entities": False, "load_dtd": False, "no_network": True, "dtd_validation": False}


def parse_xml_safely(source, *, name=None):
    """Parse an XML file or bytes with DTDs and entities refused by the parser itself.

    The parser never resolves entities, loads DTDs or touches the network; a document declaring a
    DOCTYPE (in any encoding, after any comment) is refused. Use it for every XML input (XES,
    BPMN, OCEL XML).

    Parameters
    ----------
    source : str, path or bytes
        The file, or the document itself.
    name : str, optional
        Name used in messages (default: the path, or ``<bytes>``).

    Returns
    -------
    lxml.etree._Element
        The root element.

    Raises
    ------
    InputFileError
        Not well-formed, unreadable, or declaring a DOCTYPE / entities.

    Examples
    --------
    >>> parse_xml_safely(b"<definitions><process id='p'/></definitions>").tag
    'definitions'
    >>> parse_xml_safely(b'<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>')
    Traceback (most recent call last):
    ...
    journeymining.core.errors.InputFileError: <bytes> declares a DOCTYPE or XML entities. journeymining never resolves entities or loads DTDs (they can read local files or the network). Remove the <!DOCTYPE ...> block.
    """
    from lxml import etree

    parser = etree.XMLParser(huge_tree=False, remove_comments=True, **_safe_parser_options())
    if isinstance(source, (bytes, bytearray)):
        name = name or "<bytes>"
        try:
            root = etree.fromstring(bytes(source), parser)
        except etree.XMLSyntaxError as exc:
            raise InputFileError(f"{name} is not well-formed XML (line {exc.lineno}: {exc.msg}).") from None
        _refuse_doctype(root.getroottree(), name)
        return root
    path = _check_path(source)
    name = name or str(path)
    try:
        with _open_bytes(path) as fh:
            tree = etree.parse(fh, parser)
    except etree.XMLSyntaxError as exc:
        raise InputFileError(f"{name} is not well-formed XML (line {exc.lineno}: {exc.msg}).") from None
    except (OSError, EOFError) as exc:
        raise InputFileError(f"{name} cannot be read ({type(exc).__name__}: {exc}).") from None
    _refuse_doctype(tree, name)
    return tree.getroot()


def read_xes(path) -> pd.DataFrame:
    """Read an XES file (``.xes`` or ``.xes.gz``) into an event log DataFrame.

    Trace attributes become ``case:<key>`` columns, event attributes keep their keys; dates are
    parsed to UTC when every date is valid (otherwise they stay text, so that a conversion reports
    the bad ones). Events outside any ``<trace>`` are kept as rows without a case (a conversion
    quarantines them); the frame's ``attrs["outside_trace"]`` counts them. Entities are never
    resolved, DTDs never loaded, and a document with a DOCTYPE is refused by the parser's own check.
    The ``<classifier>`` elements the log declares are in ``attrs["classifiers"]`` ({name: [keys]}).
    """
    from lxml import etree

    path = _check_path(path)
    _refuse_entities(path)
    records = []
    outside = 0
    checked = False
    declared = {}
    try:
        with _open_bytes(path) as fh:
            context = etree.iterparse(
                fh, events=("start", "end"), huge_tree=True, remove_comments=True, **_safe_parser_options(),
            )
            depth_trace = 0
            for kind, elem in context:
                tag = etree.QName(elem).localname
                if kind == "start":
                    if not checked:
                        _refuse_doctype(elem.getroottree(), path)
                        checked = True
                    if tag == "trace":
                        depth_trace += 1
                    continue
                if tag == "classifier" and depth_trace == 0:
                    declared[elem.get("name", "")] = (elem.get("keys") or "").split()
                    continue
                if tag == "event" and depth_trace == 0:
                    row = {}
                    for attr in elem:
                        atag = etree.QName(attr).localname
                        if atag in _XES_TYPES and attr.get("key") is not None:
                            row[attr.get("key")] = _xes_value(atag, attr.get("value"))
                    records.append(row)
                    outside += 1
                    elem.clear()
                elif tag == "trace":
                    depth_trace -= 1
                    case = {}
                    for child in elem:
                        ctag = etree.QName(child).localname
                        if ctag in _XES_TYPES and child.get("key") is not None:
                            case["case:" + child.get("key")] = _xes_value(ctag, child.get("value"))
                    for event in elem:
                        if etree.QName(event).localname != "event":
                            continue
                        row = dict(case)
                        for attr in event:
                            atag = etree.QName(attr).localname
                            if atag in _XES_TYPES and attr.get("key") is not None:
                                row[attr.get("key")] = _xes_value(atag, attr.get("value"))
                        records.append(row)
                    elem.clear()
    except etree.XMLSyntaxError as exc:
        raise InputFileError(f"{path} is not well-formed XML (line {exc.lineno}: {exc.msg}).") from None
    except (OSError, EOFError) as exc:
        raise InputFileError(f"{path} cannot be read ({type(exc).__name__}: {exc}).") from None
    if not records or outside == len(records):
        raise InputFileError(f"{path} holds no <trace> with <event> elements; is it an XES log?"
                             + (f" ({outside} <event> elements sit outside any <trace>.)" if outside else ""))
    frame = pd.DataFrame.from_records(records)
    if C.TIMESTAMP in frame:
        parsed = pd.to_datetime(frame[C.TIMESTAMP], utc=True, format="ISO8601", errors="coerce")
        if not (parsed.isna() & frame[C.TIMESTAMP].notna()).any():
            try:
                frame[C.TIMESTAMP] = parsed.astype("datetime64[ns, UTC]")
            except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
                frame[C.TIMESTAMP] = frame[C.TIMESTAMP].astype("str")
        else:
            frame[C.TIMESTAMP] = frame[C.TIMESTAMP].astype("str")
    frame.attrs["outside_trace"] = outside
    if declared:
        frame.attrs["classifiers"] = declared
    return frame


def classifiers(path):
    """The ``<classifier name=... keys=...>`` elements an XES file declares, as {name: [keys]}."""
    from lxml import etree

    found = {}
    try:
        with _open_bytes(path) as fh:
            for _, elem in etree.iterparse(fh, events=("end",), tag="{*}classifier", **_safe_parser_options()):
                found[elem.get("name", "")] = (elem.get("keys") or "").split()
                elem.clear()
    except (etree.XMLSyntaxError, OSError, EOFError):
        pass
    return found


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


def _from_pm4py(source):
    """A pm4py ``EventLog`` / ``EventStream`` as a DataFrame (``pm4py.convert_to_dataframe``), and its name.

    Anything else that is neither a path nor a DataFrame is refused with what is accepted; an OCEL
    object is refused with the way to flatten it.
    """
    if isinstance(source, (str, os.PathLike, pd.DataFrame)):
        return source, None
    module = type(source).__module__ or ""
    if module.startswith("pm4py"):
        from pm4py.objects.log.obj import EventStream
        from pm4py.objects.ocel.obj import OCEL

        if isinstance(source, EventStream):  # an EventLog is an EventStream of traces
            import warnings

            import pm4py

            name = f"<pm4py {type(source).__name__}>"
            if len(source) == 0:
                raise InputFileError(f"{name} is empty: it holds no trace or event.")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return pm4py.convert_to_dataframe(source), name
        if isinstance(source, OCEL):
            raise InputFileError(
                "read_event_log got a pm4py OCEL (object-centric) log; it reads flat event logs. Flatten it on "
                "one object type first, e.g. pm4py.ocel_flattening(ocel, 'ticket'), and pass the DataFrame.")
    raise InputFileError(
        f"read_event_log cannot read a {type(source).__module__}.{type(source).__name__}: give a path (CSV, "
        "Parquet, XES, JSON lines), a pandas DataFrame in pm4py columns or a pm4py EventLog.")


def read_event_log(source, *, case_id_key=C.CASE, activity_key=C.ACTIVITY, timestamp_key=C.TIMESTAMP):
    """Read an event log written by journeymining (CSV, Parquet, XES) or any pm4py-style log.

    ``source`` is a path, a DataFrame in pm4py columns, or a pm4py ``EventLog`` / ``EventStream``
    (converted with ``pm4py.convert_to_dataframe``: trace attributes become ``case:*`` columns).

    Returns a DataFrame with the timestamp column parsed to UTC, sorted by case then time.

    Raises
    ------
    InputFileError
        When the file cannot be read or lacks the three pm4py columns, or ``source`` is of a kind
        that is not read (a pm4py OCEL is refused with the way to flatten it).
    """
    source, pm4py_name = _from_pm4py(source)
    if not isinstance(source, pd.DataFrame) and str(source).lower().endswith((".json", ".jsonocel")):
        head = _head(_check_path(source), 4096)
        if b'"objectTypes"' in head or b'"objects"' in head:
            raise InputFileError(
                f"{source} is an OCEL 2.0 (object-centric) log. read_event_log reads flat event logs: "
                "write one with 'journeymining convert ... --out events.csv' (or .parquet, .xes), or read "
                "this file with pm4py.read_ocel2 for object-centric analysis."
            )
    if not isinstance(source, pd.DataFrame) and str(source).lower().endswith((".ocel.sqlite", ".ocel.xml",
                                                                                     ".xmlocel")):
        raise InputFileError(
            f"{source} is an OCEL 2.0 (object-centric) log. read_event_log reads flat event logs: read it with "
            "pm4py.read_ocel2 and flatten it on one object type (pm4py.ocel_flattening(ocel, 'ticket')), or "
            "write a flat log with 'journeymining convert ... --out events.csv'.")
    frame = read_table(source)
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
    name = pm4py_name or source
    missing = [c for c in (case_id_key, activity_key, timestamp_key) if c not in frame.columns]
    if missing:
        raise InputFileError(
            f"{name} is not an event log: column {missing[0]!r} is missing (columns: {list(frame.columns)}). "
            + ("Give its events the pm4py keys (case:concept:name, concept:name, time:timestamp), or pass "
               "case_id_key/activity_key/timestamp_key." if pm4py_name else
               "Convert ticket exports first with 'journeymining convert TICKETS --mapping MAP.yaml'.")
        )
    if not pd.api.types.is_datetime64_any_dtype(frame[timestamp_key]):
        parsed = pd.to_datetime(frame[timestamp_key], utc=True, format="ISO8601", errors="coerce")
        bad = frame.index[parsed.isna()]
        if len(bad):
            raise InputFileError(
                f"{name}: {len(bad)} values of {timestamp_key!r} are not ISO 8601 times (rows "
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
    if not isinstance(source, pd.DataFrame):
        # text formats (CSV, JSON lines) read every cell as text: an empty cell is a missing value,
        # as it was in the log that was written (a round trip keeps missing values missing)
        for col in frame.columns:
            if col not in (case_id_key, timestamp_key) and (frame[col].dtype == object
                                                            or pd.api.types.is_string_dtype(frame[col].dtype)):
                empty = frame[col].astype("string").fillna("") == ""
                if empty.any():
                    frame[col] = frame[col].mask(empty.to_numpy())
    frame[case_id_key] = frame[case_id_key].astype(str)
    return frame.sort_values([case_id_key, timestamp_key], kind="stable").reset_index(drop=True)

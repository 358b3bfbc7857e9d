"""Writing outputs without destroying user files.

* :func:`atomic_path` -- write to a temporary file beside the target and rename it into place, so
  a killed run leaves the old file or no file, never a truncated one;
* :func:`safe_csv` -- a CSV whose text cells cannot run as spreadsheet formulas;
* :func:`check_convert_outputs` -- refuse an ``--out`` that is the input, or whose sidecars would
  overwrite the log, the input or a user's file;
* :func:`prepare_report_dir` -- a report folder that is empty or a previous journeymining report
  (marker file), cleared when allowed, locked while a run writes into it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from journeymining.core.errors import JourneyMiningError

__all__ = ["OutputError", "atomic_path", "neutralize_formulas", "safe_csv", "sidecar_paths",
           "check_convert_outputs", "prepare_report_dir", "REPORT_MARKER", "LOCK_NAME"]

#: a cell starting with one of these is read as a formula by spreadsheet programs
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: the file that marks a folder as a journeymining report
REPORT_MARKER = ".journeymining-report"
#: the lock file taken while a run writes into a report folder
LOCK_NAME = ".journeymining.lock"
#: first header fields of the sidecars ``convert`` writes (how a previous run's file is recognised)
SIDECAR_HEADERS = {"rejected": ("row", "reason"), "quality": ("row", "column", "check", "value", "outcome", "action")}


class OutputError(JourneyMiningError):
    """An output path would overwrite the input, another output or a file journeymining did not write."""


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success it is renamed to ``path`` (atomically).

    On an error the temporary file is removed and ``path`` is left as it was.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     target = pathlib.Path(tmp) / "out.txt"
    ...     with atomic_path(target) as part:
    ...         _ = part.write_text("done")
    ...     print(target.read_text(), sorted(p.name for p in pathlib.Path(tmp).iterdir()))
    done ['out.txt']
    """
    path = Path(path)
    suffix = "".join(path.suffixes[-2:])  # writers that go by the suffix (.xes.gz, .sqlite) still see it
    base = path.name[:len(path.name) - len(suffix)] if suffix else path.name
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.part-", suffix=suffix, dir=path.parent or ".")
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and column names) starting with ``= + - @`` are prefixed with ``'``.

    Spreadsheet programs run such cells as formulas (``=HYPERLINK(...)``); the quote makes them
    text. Numbers, dates and missing values are unchanged; the caller's frame is not modified.

    >>> neutralize_formulas(pd.DataFrame({"a": ["=1+1", "ok", "@x"], "n": [-1, 2, 3]}))["a"].tolist()
    ["'=1+1", 'ok', "'@x"]
    """
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
            continue
        text = series.astype("str")
        risky = text.str.startswith(FORMULA_STARTS).fillna(False).to_numpy(dtype=bool) & series.notna().to_numpy()
        if risky.any():
            out[col] = series.astype(object).where(~risky, "'" + text)
    out.columns = ["'" + c if isinstance(c, str) and c.startswith(FORMULA_STARTS) else c for c in out.columns]
    return out


def safe_csv(frame: pd.DataFrame, path, **to_csv_kwargs) -> Path:
    """Write ``frame`` as CSV with formula cells neutralised, atomically. Returns the path.

    ``to_csv_kwargs`` go to :meth:`pandas.DataFrame.to_csv` (default ``index=False``, UTF-8).

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = safe_csv(pd.DataFrame({"x": ["=HYPERLINK(1)"]}), pathlib.Path(tmp) / "t.csv")
    ...     print(p.read_text().splitlines()[1])
    '=HYPERLINK(1)
    """
    path = Path(path)
    to_csv_kwargs.setdefault("index", False)
    to_csv_kwargs.setdefault("encoding", "utf-8")
    with atomic_path(path) as part:
        neutralize_formulas(frame).to_csv(part, **to_csv_kwargs)
    return path


def sidecar_paths(out):
    """The files ``convert --out OUT`` writes beside the log: ``{"rejected": ..., "quality": ...}``."""
    out = Path(out)
    stem = out.name.split(".")[0] or out.name
    return {"rejected": out.with_name(f"{stem}.rejected.csv"), "quality": out.with_name(f"{stem}.quality.csv")}


def _same(a, b):
    a, b = Path(a), Path(b)
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def _written_by_us(path, kind):
    """Whether an existing sidecar looks like one journeymining wrote (its header)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            header = fh.readline().strip().split(",")
    except OSError:
        return False
    want = SIDECAR_HEADERS[kind]
    return tuple(header[:len(want)]) == want


def check_convert_outputs(inputs, out):
    """Refuse ``convert`` outputs that would destroy a file; return the sidecar paths.

    Refused: ``out`` equal to an input; a sidecar equal to ``out`` or to an input (e.g.
    ``--out events.rejected.csv``); a sidecar that exists and was not written by journeymining
    (its header is not the sidecar's).

    Raises
    ------
    OutputError
        Naming the path, what it would overwrite and the fix.
    """
    out = Path(out)
    inputs = [Path(p) for p in inputs if p is not None and not isinstance(p, pd.DataFrame)]
    for source in inputs:
        if _same(out, source):
            raise OutputError(f"--out {out} is the input file {source}: writing the log would destroy the export. "
                              "Give another --out, e.g. events.csv.")
    sidecars = sidecar_paths(out)
    for kind, side in sidecars.items():
        if _same(side, out):
            raise OutputError(
                f"--out {out} is also the name of the {kind} rows file that convert writes beside the log "
                f"({side.name}), so one would overwrite the other. Choose an --out without '.{kind}', e.g. "
                f"{out.name.split('.')[0]}.csv.")
        for source in inputs:
            if _same(side, source):
                raise OutputError(f"convert would write its {kind} rows to {side}, which is the input {source}. "
                                  "Choose another --out name.")
        if side.exists() and not _written_by_us(side, kind):
            raise OutputError(
                f"convert would write its {kind} rows to {side}, but that file exists and was not written by "
                "journeymining. Move it away or choose another --out name.")
    return sidecars


def prepare_report_dir(path, *, overwrite=False):
    """Make ``path`` ready for a report: a new or empty folder, or a previous report (cleared).

    A folder holding other files is refused unless it is a previous journeymining report (it has
    the :data:`REPORT_MARKER` file); a previous report is refused too unless ``overwrite``, and
    then cleared (so no stale table of an earlier run stays beside the new one). A lock file is
    taken; call ``.release()`` on the returned lock (or use it as a context manager) when done.
    Two runs into one folder at once: the second is refused.

    Returns
    -------
    ReportDir
        With ``.path`` and ``.release()``.

    Raises
    ------
    OutputError
        A file in the way, a non-empty folder that is not a report, a previous report without
        ``overwrite``, or a folder locked by another run.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with prepare_report_dir(pathlib.Path(tmp) / "report") as report:
    ...         _ = (report.path / "summary.json").write_text("{}")
    ...     with prepare_report_dir(pathlib.Path(tmp) / "report", overwrite=True) as again:
    ...         print(sorted(p.name for p in again.path.iterdir()))
    ['.journeymining-report', '.journeymining.lock']
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"--out {path} is a file, not a folder. Give a folder for the report.")
    path.mkdir(parents=True, exist_ok=True)
    lock = path / LOCK_NAME
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        raise OutputError(
            f"{path} is being written by another journeymining run (lock file {lock}). Wait for it, or remove "
            "the lock file if no run is active.") from None
    os.write(fd, f"{os.getpid()}\n".encode())
    os.close(fd)
    try:
        others = [p for p in path.iterdir() if p.name not in (LOCK_NAME, REPORT_MARKER)]
        is_report = (path / REPORT_MARKER).exists()
        if others and not is_report:
            shown = ", ".join(sorted(p.name for p in others)[:5]) + (" ..." if len(others) > 5 else "")
            raise OutputError(
                f"--out {path} holds {len(others)} file(s) that are not a journeymining report ({shown}). "
                "Give a new or empty folder: nothing in it will be overwritten.")
        if others and not overwrite:
            raise OutputError(f"--out {path} holds a previous journeymining report. Pass --overwrite to replace "
                              "it, or give a new folder.")
        for p in others:
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
        (path / REPORT_MARKER).write_text("This folder is a journeymining report; it is replaced as a whole.\n")
    except BaseException:
        lock.unlink(missing_ok=True)
        raise
    return ReportDir(path, lock)


class ReportDir:
    """A prepared, locked report folder (see :func:`prepare_report_dir`)."""

    def __init__(self, path, lock):
        self.path = Path(path)
        self._lock = Path(lock)

    def release(self):
        """Remove the lock file."""
        self._lock.unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
        return False

    def __fspath__(self):
        return str(self.path)

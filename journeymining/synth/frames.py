"""Fast building blocks of the generated frames: text columns, ids, wall-clock text, time zones.

The exports of a million tickets are built from integer codes with pyarrow dictionary arrays
(:func:`codes_to_text`, :func:`make_ids`, :func:`format_times`) rather than per-row Python
formatting. :func:`tz_grid` tabulates a time zone's offsets and repeated (ambiguous) local hours on
a 15-minute grid, and :func:`avoid_ambiguous` moves tickets out of those hours so that local-time
exports read back exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["codes_to_text", "make_ids", "format_times", "tz_grid", "avoid_ambiguous"]


def codes_to_text(codes, labels):
    """A pandas ``str`` Series from integer codes into ``labels`` (None = missing), fast."""
    import pyarrow as pa

    labels = labels if isinstance(labels, np.ndarray) else list(labels)
    arr = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)),
                                         pa.array(labels, type=pa.string()))
    return pd.Series(pd.array(arr.cast(pa.string()), dtype="str"))


def make_ids(prefix, numbers, width):
    """Ids such as ``T0000001``: ``prefix`` and ``numbers`` zero-padded to ``width`` digits (object array)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0")
    return np.asarray(pc.binary_join_element_wise(prefix, digits, "").to_numpy(zero_copy_only=False), dtype=object)


_CLOCK = None


def _clock_labels():
    global _CLOCK
    if _CLOCK is None:
        s = np.arange(86400)
        _CLOCK = [f"{h:02d}:{mi:02d}:{se:02d}" for h, mi, se in zip(s // 3600, s // 60 % 60, s % 60)]
    return _CLOCK


def format_times(local_secs, sep=" ", suffix="", missing=None):
    """Wall-clock seconds since the epoch as ``YYYY-MM-DD<sep>HH:MM:SS<suffix>`` text (fast)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    local_secs = np.asarray(local_secs, dtype=np.int64)
    valid = np.ones(len(local_secs), dtype=bool) if missing is None else ~missing
    days = local_secs // 86400
    d0 = int(days[valid].min()) if valid.any() else 0
    d1 = int(days[valid].max()) if valid.any() else 0
    day_labels = np.datetime_as_string(np.arange(d0, d1 + 1).astype("M8[D]")).tolist()
    day_codes = np.where(valid, days - d0, 0).astype(np.int32)
    sod = np.where(valid, local_secs % 86400, 0).astype(np.int32)
    mask = np.asarray(~valid) if missing is not None else None
    day = pa.DictionaryArray.from_arrays(pa.array(day_codes, mask=mask), pa.array(day_labels)).cast(pa.string())
    clock = pa.DictionaryArray.from_arrays(pa.array(sod), pa.array(_clock_labels())).cast(pa.string())
    if suffix:
        clock = pc.binary_join_element_wise(clock, pa.scalar(suffix), "")
    out = pc.binary_join_element_wise(day, clock, sep)
    return pd.Series(pd.array(out, dtype="str"))


def tz_grid(t_min, t_max, timezone):
    """Offsets (s) and ambiguous flags of ``timezone`` on a 15-minute UTC grid over the span."""
    g0 = (t_min // 900 - 96) * 900
    grid = np.arange(g0, t_max + 96 * 900, 900, dtype=np.int64)
    utc = pd.DatetimeIndex(grid.astype("M8[s]")).tz_localize("UTC")
    local = utc.tz_convert(timezone).tz_localize(None)
    offset = np.asarray(local.values.astype("M8[s]").astype(np.int64)) - grid
    back = local.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    return g0, offset, np.asarray(back.isna())



def avoid_ambiguous(start, which, ev_start, lengths, offset, g0, ambiguous):
    """Start times of tickets ``which``, moved 3 h later until no event is in an ambiguous hour."""
    s = start[which].copy()
    todo = np.arange(len(which))
    for _ in range(50):
        if not len(todo):
            break
        t = which[todo]
        ln = lengths[t]
        idx = np.repeat(ev_start[t], ln) + (np.arange(int(ln.sum())) - np.repeat(np.cumsum(ln) - ln, ln))
        times = np.repeat(s[todo], ln) + offset[idx]
        bad_ev = ambiguous[(times - g0) // 900]
        bad = np.zeros(len(todo), dtype=bool)
        bad[np.repeat(np.arange(len(todo)), ln)[bad_ev]] = True
        todo = todo[bad]
        s[todo] += 3 * 3600
    return s


"""Writing millions of generated tickets block by block, without holding them all in memory.

:func:`write_generated_stream` generates ``n_tickets`` in blocks of ``block`` tickets. Each block
is an independent :func:`~journeymining.synth.generate_tickets` run: seeded from ``(random_state,
block number)``, with ticket and customer ids of its own, and its customers' repeat contacts inside
it. Each block is written to part files and then dropped, so memory follows the block, not the
total.

* The one-row-per-ticket export, the ground truth, the deviations and the event log are joined
  part by part. Tickets are numbered block after block, so the event log in pm4py columns stays
  in case order.
* The event-history and audit-snapshot exports must be in time order, as systems export them.
  Every block covers the whole period, so their parts are merged by DuckDB's out-of-core sort. The
  sort runs on the event time in UTC, then the block, then the row, with a memory limit.

With one block the files equal those of :func:`~journeymining.synth.write_generated` for
``generate_tickets(n_tickets, random_state=random_state)``. A test checks this.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from journeymining.core import columns as C
from journeymining.core.errors import JourneyMiningError
from journeymining.core.progress import step
from journeymining.synth.generator import SHAPES, default_customers, generate_tickets

__all__ = ["write_generated_stream", "DEFAULT_BLOCK"]

#: tickets per block (about 1.5 GiB of working memory with every shape)
DEFAULT_BLOCK = 250_000

#: file name per shape ("log" is the event log in pm4py columns, as ``journeymining convert`` writes)
FILES = {"events": "tickets_events.csv", "updates": "tickets_updates.csv", "wide": "tickets_wide.csv",
         "log": "event_log.csv"}


def write_generated_stream(n_tickets, out_dir, *, random_state=0, block=DEFAULT_BLOCK,
                           shapes=("events", "updates", "wide"), note="", timezone="Europe/Amsterdam",
                           memory_limit="2GB", **params):
    """Write ``n_tickets`` generated tickets, block by block (see the module docstring).

    Parameters
    ----------
    n_tickets : int
    out_dir : str or pathlib.Path
        Folder of the CSV files (:data:`FILES`, ``truth.csv``, ``deviations.csv``), the intended
        map ``intended_journey.yaml`` and the mappings under ``mappings/``.
    random_state : int, default 0
        Seed of the first block; block ``b`` is seeded from ``[random_state, b]`` (None: unseeded).
    block : int, default :data:`DEFAULT_BLOCK`
        Tickets per block.
    shapes : iterable of str, default ("events", "updates", "wide")
        Which exports to write, among ``"events"``, ``"updates"``, ``"wide"`` and ``"log"`` (the
        event log in pm4py columns with UTC times, without ``source_row``).
    note : str
        Comment lines put on top of the YAML files.
    timezone : str
        As for :func:`~journeymining.synth.generate_tickets` (the event-history export is local time).
    memory_limit : str, default "2GB"
        DuckDB's memory limit for the time-order merge (it spills to disk past it).
    **params
        Further :func:`~journeymining.synth.generate_tickets` parameters (``deviation_rate``,
        ``repeat_rate``, ``survey_rate``, ``start``, ``days``, ``persona_weights``), per block.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    JourneyMiningError
        A parameter is out of range (the message names it and the allowed values).
    """
    from journeymining.synth.write import write_maps

    if isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 1:
        raise JourneyMiningError(f"write_generated_stream: block={block!r} is not allowed; pass a whole number of "
                                 "tickets >= 1, e.g. block=250000.")
    if "customers" in params or "shapes" in params:
        raise JourneyMiningError("write_generated_stream: customers= and shapes= are not per-block parameters; "
                                 "pass shapes= to choose the exports (customers follow the blocks).")
    shapes = (shapes,) if isinstance(shapes, str) else tuple(shapes)
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown or not shapes:
        raise JourneyMiningError(f"write_generated_stream: shapes={shapes!r} is not allowed; choose among "
                                 f"{list(SHAPES)}.")
    if isinstance(n_tickets, bool) or not isinstance(n_tickets, (int, np.integer)) or n_tickets < 1:
        raise JourneyMiningError(f"write_generated_stream: n_tickets={n_tickets!r} is not allowed; pass a whole "
                                 "number of tickets >= 1.")
    n = int(n_tickets)
    repeat_rate = params.get("repeat_rate", 0.1)
    sizes = [min(block, n - start) for start in range(0, n, block)]
    customers = [default_customers(size, repeat_rate) for size in sizes]
    widths = (max(7, len(str(n))), max(6, len(str(sum(customers)))))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    build = tuple(dict.fromkeys(shapes + (("log",) if {"events", "updates"} & set(shapes) else ())))
    tmp = Path(tempfile.mkdtemp(prefix="jm-stream-", dir=out))
    try:
        first_ticket, first_customer = 1, 1
        parts = {name: [] for name in list(shapes) + ["truth", "deviations"]}
        for b, size in enumerate(sizes):
            step(f"generating block {b + 1}/{len(sizes)}: tickets {first_ticket:,}-{first_ticket + size - 1:,} "
                 f"of {n:,}")
            gen = generate_tickets(size, random_state=random_state if b == 0 or random_state is None else [random_state, b],
                                   timezone=timezone, shapes=build, first_ids=(first_ticket, first_customer),
                                   id_widths=widths, **params)
            _write_block(gen, b, shapes, tmp, parts, single=len(sizes) == 1)
            first_ticket += size
            first_customer += customers[b]
            del gen
        if len(sizes) == 1:
            # one block: exactly the files of write_generated (its exports are already in time order)
            for shape in shapes:
                shutil.move(parts[shape][0], out / FILES[shape])
        for shape in ("events", "updates"):
            if shape in shapes and len(sizes) > 1:
                step(f"merging {len(sizes)} blocks of the {shape} export in time order (DuckDB)")
                _merge_in_time_order(parts[shape], out / FILES[shape], memory_limit, tmp)
        for shape in ("wide", "log"):
            if shape in shapes and len(sizes) > 1:
                _join_csv(parts[shape], out / FILES[shape])
        for name in ("truth", "deviations"):
            _join_csv(parts[name], out / f"{name}.csv")
        written = [out / FILES[s] for s in shapes] + [out / "truth.csv", out / "deviations.csv"]
        written += write_maps(out / "intended_journey.yaml", out / "mappings", note=note, timezone=timezone)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return written


def _write_block(gen, b, shapes, tmp, parts, single):
    """One block's part files: CSV as write_generated writes them, except the time-ordered exports
    of several blocks, which go to Parquet with their sort key (UTC time of the row, block, row)."""
    csat = {"csat": lambda f: f["csat"].astype("Int64")}
    for shape in shapes:
        frame = getattr(gen, shape)
        if shape in ("events", "wide"):
            frame = frame.assign(**csat)
        if shape == "log":
            frame = frame.drop(columns=[C.SOURCE_ROW])   # rows of the block's export, not of the whole
        if shape in ("events", "updates") and not single:
            # both exports list the events in the order of the log's source_row
            t = gen.log[C.TIMESTAMP].dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
            key = np.empty(len(gen.log), dtype=np.int64)
            key[gen.log[C.SOURCE_ROW].to_numpy(dtype=np.int64)] = t.to_numpy().view("int64")
            path = tmp / f"{shape}_{b:05d}.parquet"
            frame.assign(_t=key, _b=b, _r=np.arange(len(frame), dtype=np.int64)).to_parquet(path, index=False)
        else:
            path = tmp / f"{shape}_{b:05d}.csv"
            frame.to_csv(path, index=False)
        parts[shape].append(path)
    for name in ("truth", "deviations"):
        path = tmp / f"{name}_{b:05d}.csv"
        getattr(gen, name).to_csv(path, index=False)
        parts[name].append(path)


def _merge_in_time_order(files, target, memory_limit, tmp):
    """The parts merged by (UTC time, block, row) into one CSV, by DuckDB (sorting out of core)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute(f"SET temp_directory = '{tmp / 'duckdb'}'")
        con.execute("SET preserve_insertion_order = true")
        listing = "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"
        part = target.with_name(target.name + ".part")
        where = "'" + str(part).replace("'", "''") + "'"
        con.execute(f"COPY (SELECT * EXCLUDE (_t, _b, _r) FROM read_parquet({listing}) ORDER BY _t, _b, _r) "
                    f"TO {where} (HEADER, DELIMITER ',')")
        part.replace(target)
    finally:
        con.close()


def _join_csv(files, target):
    """CSV part files with one header joined into ``target`` (bytes copied, nothing parsed)."""
    part = target.with_name(target.name + ".part")
    with open(part, "wb") as out:
        for i, f in enumerate(files):
            with open(f, "rb") as fh:
                header = fh.readline()
                if i == 0:
                    out.write(header)
                shutil.copyfileobj(fh, out, 16 * 2**20)
    part.replace(target)

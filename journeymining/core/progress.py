"""Progress bars for long steps (tqdm; silenced with JOURNEYMINING_PROGRESS=0)."""

import os
import sys


def enabled():
    """True unless the environment variable ``JOURNEYMINING_PROGRESS`` is ``0``/``false``."""
    return os.environ.get("JOURNEYMINING_PROGRESS", "1").lower() not in ("0", "false", "no")


def progress(iterable, *, desc, total=None, unit="it"):
    """Wrap ``iterable`` in a tqdm bar on stderr (no bar when disabled or for tiny totals)."""
    if total is None:
        try:
            total = len(iterable)
        except TypeError:
            total = None
    if not enabled() or (total is not None and total < 2):
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, unit=unit, file=sys.stderr, leave=False)


def step(message):
    """Announce one step of a multi-step job on stderr (``[journeymining] message``)."""
    if enabled():
        print(f"[journeymining] {message}", file=sys.stderr, flush=True)

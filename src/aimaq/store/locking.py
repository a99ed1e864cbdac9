"""Opening the database when another process holds it: DuckDB lets one process write a file at a time (and a
reader cannot open it meanwhile), so a command waits for its turn, for a bounded time, and then says so plainly."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from aimaq.errors import AimaqError, DatabaseBusy

# How long a command waits for another process's write to finish (seconds); AIMAQ_LOCK_TIMEOUT overrides.
DEFAULT_TIMEOUT = 60.0


def lock_timeout() -> float:
    try:
        return float(os.environ.get("AIMAQ_LOCK_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


def is_lock_error(exc: BaseException) -> bool:
    cause = exc.__cause__ if isinstance(exc, AimaqError) else exc
    text = str(cause).lower()
    return isinstance(cause, duckdb.Error) and ("lock" in text or "different configuration" in text)


def connect_when_free(path: str | Path, *, read_only: bool = False, timeout: float | None = None):
    """`store.db.connect`, retried while another process holds the file; DatabaseBusy after `timeout` seconds."""
    from aimaq.i18n import _
    from aimaq.store.db import connect

    timeout = lock_timeout() if timeout is None else timeout
    deadline = time.monotonic() + timeout
    pause = 0.02
    while True:
        try:
            return connect(path, read_only=read_only)
        except AimaqError as exc:
            if not is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise DatabaseBusy(_("the database {db} is in use by another process (an import, a build or a "
                                     "server writing to it); waited {seconds} s — try again later",
                                     db=Path(str(path)).name, seconds=round(timeout))) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

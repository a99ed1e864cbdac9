"""`aimaq backup` while this server holds the DuckDB file: the copy is written inside the server's process.

A DuckDB file has one writing process, and `aimaq web serve` keeps the file open read-write for its whole life, so
no other process can even read it meanwhile. While it serves, the server leaves a note beside the file (owner-only:
pid, port, a random secret; `aimaq.store.backup.write_sidecar`) and removes it when it stops. `aimaq backup FILE`
finding a live server's note posts to `/api/backup` on the loopback address with the secret, and the server copies
its database with `COPY FROM DATABASE` (one snapshot: an upload committing meanwhile is in the copy entirely or not
at all). The route is not in the API documentation: only the server's owner can read the secret."""

from __future__ import annotations

import contextlib
import hmac
import secrets
import signal
import threading
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel

from aimaq.i18n import _

router = APIRouter()
SECRET_HEADER = "X-Aimaq-Backup-Secret"
_ONE_AT_A_TIME = threading.Lock()  # the copy attaches its target under one name


class BackupRequest(BaseModel):
    target: str
    overwrite: bool = False


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    return host == "::1" or host.startswith("127.")


@router.post("/api/backup", include_in_schema=False)
def backup(body: BackupRequest, request: Request) -> dict:
    from aimaq.store.backup import _check_target, copy_attached

    expected = getattr(request.app.state, "backup_secret", None)
    sent = request.headers.get(SECRET_HEADER, "")
    if not expected or not _loopback(request) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, _("A backup is asked of the server from its own machine with the secret of its "
                                   "note beside the database"))
    target = Path(body.target)
    if not target.is_absolute():
        raise HTTPException(422, _("The backup's file must be an absolute path"))
    with _ONE_AT_A_TIME, request.app.state.pool.cursor() as cur:
        _check_target(Path(request.app.state.db_path), target, body.overwrite)
        catalog = cur.execute("SELECT current_database()").fetchone()[0]
        counts = copy_attached(cur, catalog, target)
    return {"file": str(target), "tables": counts}


@contextlib.contextmanager
def announced(app, db_path, port: int):
    """While the block runs (the server serves `db_path` on `port`), the note beside a DuckDB file says how to ask
    it for a backup. Nothing for PostgreSQL (any process may read it) or an in-memory database."""
    from aimaq.store.backup import remove_sidecar, write_sidecar
    from aimaq.store.db import is_server

    if is_server(db_path) or str(db_path) == ":memory:":
        yield
        return
    app.state.backup_secret = secrets.token_urlsafe(32)
    write_sidecar(db_path, port, app.state.backup_secret)
    # uvicorn stops gracefully on SIGTERM, then raises the signal again once its own handler is gone: this one
    # turns it into an exit that runs the `finally` below (the default handler would end the process at once)
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        remove_sidecar(db_path)


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)

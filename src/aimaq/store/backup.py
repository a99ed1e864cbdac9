"""`aimaq backup FILE`: a consistent copy of the database, also while the web server holds it.

The source is attached read-only to an in-memory DuckDB (a shared lock, as other readers take) and copied with
`COPY FROM DATABASE` into a side file, which is checked table by table and only then moved to FILE. While
`aimaq web serve` holds the file, the server makes the same copy inside its own process, asked through a note it
leaves beside the database. Also: what counts as users' data, so that `aimaq demo` / `aimaq init` never replace it unasked."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from aimaq.errors import AimaqError, DatabaseBusy
from aimaq.i18n import _

# import_batch layouts written by the build itself (shipped files, generators); any other is a user's import
BUILT_LAYOUTS = ("shipped", "generated")


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _attach_source(con: duckdb.DuckDBPyConnection, source: Path, timeout: float) -> None:
    from aimaq.store.locking import is_lock_error

    deadline, pause = time.monotonic() + timeout, 0.02
    while True:
        try:
            con.execute(f"ATTACH {_quote(source)} AS backup_source (READ_ONLY)")
            return
        except duckdb.Error as exc:
            if not is_lock_error(exc) or time.monotonic() >= deadline:
                if is_lock_error(exc):
                    raise DatabaseBusy(_("the database {db} is in use by another process (an import, a build or a "
                                         "server writing to it); waited {seconds} s — try again later",
                                         db=source.name, seconds=round(timeout))) from None
                raise AimaqError(_("cannot read the database {db}: {error}", db=source.name, error=exc)) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def table_counts(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_type = 'BASE TABLE' "
        "ORDER BY 1", [catalog]).fetchall()]
    return {t: con.execute(f'SELECT count(*) FROM {catalog}.main."{t}"').fetchone()[0] for t in tables}


def _check_target(source: Path, target: Path, overwrite: bool) -> None:
    if target.exists() and not overwrite:
        raise AimaqError(_("{file} exists: choose another name or pass --force to replace it", file=str(target)))
    if target.resolve() == source.resolve():
        raise AimaqError(_("the backup must be another file than the database itself"))


def copy_attached(con: duckdb.DuckDBPyConnection, catalog: str, target: Path) -> dict[str, int]:
    """Copy the database attached to `con` as `catalog` into the new file `target`, through a side file that is
    compared table by table and only then moved to `target`; the rows per table. `COPY FROM DATABASE` reads one
    snapshot, so a write committed meanwhile is in the copy entirely or not at all."""
    partial = target.with_name(target.name + ".partial")
    for stale in (partial, Path(str(partial) + ".wal")):
        stale.unlink(missing_ok=True)
    try:
        con.execute(f"ATTACH {_quote(partial)} AS backup_target")
        try:
            con.execute("BEGIN TRANSACTION")  # the copy and its counts from one snapshot of the source
            con.execute(f'COPY FROM DATABASE "{catalog}" TO backup_target')
            before, after = table_counts(con, catalog), table_counts(con, "backup_target")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.execute("DETACH backup_target")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if before != after:
        partial.unlink(missing_ok=True)
        raise AimaqError(_("the copy differs from the database; nothing was kept"))
    partial.replace(target)
    return after


def backup_database(source: str | Path, target: str | Path, *, overwrite: bool = False,
                    timeout: float | None = None) -> dict[str, int]:
    """Copy the database `source` to `target`; returns the rows per table (the same in both, checked). While
    `aimaq web serve` holds the file, the server writes the copy itself (`server_backup`)."""
    from aimaq.store.locking import lock_timeout

    source, target = Path(source), Path(target)
    if not source.is_file():
        raise AimaqError(_("database {db} does not exist", db=str(source)))
    _check_target(source, target, overwrite)
    server = running_server(source)
    if server is not None:
        import sys

        print(_("note: the web server (process {pid}) holds the database; it writes the copy itself",
                pid=server["pid"]), file=sys.stderr)
        return server_backup(server, target, overwrite=overwrite)
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    try:
        _attach_source(con, source, lock_timeout() if timeout is None else timeout)
        counts = copy_attached(con, "backup_source", target)
        con.execute("DETACH backup_source")
    finally:
        con.close()
    return counts


# --- a backup taken by the web server that holds the file ------------------------------------------------------
# `aimaq web serve` over a DuckDB file holds it read-write for its whole life, so no other process can read it. The
# server leaves a note beside the file (owner-only: pid, port, a random secret) and removes it when it stops;
# `aimaq backup` finding a live server's note asks that server, on the loopback address and with the secret, to
# write the copy inside its own process (web/backup.py).

def sidecar_path(database: str | Path) -> Path:
    database = Path(database)
    return database.with_name(database.name + ".server.json")


def write_sidecar(database: str | Path, port: int, secret: str) -> Path:
    """The note of a server now serving `database` on `port` (replacing a stale one), readable by its owner only."""
    import json
    import os

    path = sidecar_path(database)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"pid": os.getpid(), "port": port, "secret": secret}, handle)
    os.replace(partial, path)
    return path


def remove_sidecar(database: str | Path) -> None:
    """Remove the note, if it is this process's own (a newer server may have replaced it)."""
    import os

    note = read_sidecar(database)
    if note is not None and note.get("pid") == os.getpid():
        sidecar_path(database).unlink(missing_ok=True)


def read_sidecar(database: str | Path) -> dict | None:
    import json

    try:
        note = json.loads(sidecar_path(database).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(note, dict) or not all(isinstance(note.get(k), t) for k, t in
                                             (("pid", int), ("port", int), ("secret", str))):
        return None
    return note


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def running_server(database: Path) -> dict | None:
    """The note of a live server holding `database`, or None. A note whose process has ended is ignored, saying so
    on stderr."""
    import sys

    note = read_sidecar(database)
    if note is None:
        return None
    if not _alive(note["pid"]):
        print(_("note: {file} names a web server (process {pid}) that is no longer running; ignored",
                file=sidecar_path(database).name, pid=note["pid"]), file=sys.stderr)
        return None
    return note


def server_backup(note: dict, target: Path, *, overwrite: bool) -> dict[str, int]:
    """Ask the server of `note` to write the copy to `target` (an absolute path: the server may run elsewhere in
    the file system); its counts per table."""
    import json
    import urllib.error
    import urllib.request

    body = json.dumps({"target": str(target.resolve()), "overwrite": overwrite}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{note['port']}/api/backup", data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "X-Aimaq-Backup-Secret": note["secret"]})
    try:
        with urllib.request.urlopen(request, timeout=3600) as answer:
            return {str(k): int(v) for k, v in json.loads(answer.read())["tables"].items()}
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read()).get("detail")
        except ValueError:
            detail = None
        raise AimaqError(_("the web server (process {pid}) could not write the backup: {reason}",
                           pid=note["pid"], reason=detail or exc.reason)) from None
    except OSError as exc:
        raise AimaqError(_("the web server (process {pid}) holding the database did not answer on port {port}: "
                           "{reason}", pid=note["pid"], port=note["port"], reason=getattr(exc, "reason", exc))
                         ) from None


def users_imports(path: str | Path) -> int | None:
    """How many imports of users' own files the database at `path` holds (0 for none or no such table); None
    when the file is not a database that can be read."""
    path = Path(path)
    if not path.exists():
        return 0
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    try:
        _attach_source(con, path, 5.0)
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'backup_source' "
                           "AND table_name = 'import_batch'").fetchone()[0]:
            return 0
        layouts = ", ".join(f"'{x}'" for x in BUILT_LAYOUTS)
        return con.execute(f"SELECT count(*) FROM backup_source.main.import_batch "
                           f"WHERE layout NOT IN ({layouts})").fetchone()[0]
    except DatabaseBusy:
        raise
    except (AimaqError, duckdb.Error):
        return None
    finally:
        con.close()

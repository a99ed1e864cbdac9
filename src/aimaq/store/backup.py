"""`aimaq backup FILE`: a consistent copy of the database, also while the web server reads it.

The source is attached read-only to an in-memory DuckDB (a shared lock, as the server's own read connections
take) and copied with `COPY FROM DATABASE` into a side file, which is checked table by table and only then moved
to FILE. Also: what counts as users' data, so that `aimaq demo` / `aimaq init` never replace it unasked."""

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


def backup_database(source: str | Path, target: str | Path, *, overwrite: bool = False,
                    timeout: float | None = None) -> dict[str, int]:
    """Copy the database `source` to `target`; returns the rows per table (the same in both, checked)."""
    from aimaq.store.locking import lock_timeout

    source, target = Path(source), Path(target)
    if not source.is_file():
        raise AimaqError(_("database {db} does not exist", db=str(source)))
    if target.exists() and not overwrite:
        raise AimaqError(_("{file} exists: choose another name or pass --force to replace it", file=str(target)))
    if target.resolve() == source.resolve():
        raise AimaqError(_("the backup must be another file than the database itself"))
    partial = target.with_name(target.name + ".partial")
    for stale in (partial, Path(str(partial) + ".wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    try:
        _attach_source(con, source, lock_timeout() if timeout is None else timeout)
        con.execute(f"ATTACH {_quote(partial)} AS backup_target")
        con.execute("COPY FROM DATABASE backup_source TO backup_target")
        before, after = table_counts(con, "backup_source"), table_counts(con, "backup_target")
        con.execute("DETACH backup_target")
        con.execute("DETACH backup_source")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    if before != after:
        partial.unlink(missing_ok=True)
        raise AimaqError(_("the copy differs from the database; nothing was kept"))
    partial.replace(target)
    return after


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

"""Opening the database: a DuckDB file whose schema is brought up to date by numbered migrations on open."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from importlib import resources
from pathlib import Path

import duckdb

from aimaq.errors import AimaqError
from aimaq.i18n import _

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every shipped migration, in order. Jobs own number ranges (see README)."""
    folder = resources.files("aimaq.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise AimaqError(_("two migrations share a number: {versions}", versions=versions))
    return found


def connect(path: str | Path | None = None, *, read_only: bool = False,
            create: bool | None = None) -> duckdb.DuckDBPyConnection:
    """Open the database at `path` (":memory:" allowed) and apply pending migrations.

    A missing file is created only when `create` is true; by default only when the caller names its own `path`.
    The database of the settings (--db, what commands open) must exist: only `aimaq init` and `aimaq demo` make it,
    so a mistyped --db never leaves an empty file behind."""
    configured = path is None
    if path is None:
        from aimaq.settings import get_settings

        path = get_settings().db_path
    path = str(path)
    if create is None:
        create = not configured
    if path != ":memory:" and not Path(path).exists() and (read_only or not create):
        raise AimaqError(missing_database_message(path))
    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    try:
        con = duckdb.connect(path, read_only=read_only, config=config)
    except duckdb.Error as exc:
        raise AimaqError(_("cannot open database {path}: {reason}", path=path, reason=exc)) from exc
    if not read_only:
        apply_migrations(con)
    return con


def missing_database_message(path: str | Path) -> str:
    return _("there is no database {path}; `aimaq --db {path} init` creates one for your data "
             "(`aimaq --db {path} demo`: one with synthetic example data)", path=path)


def holds_no_data(path: str | Path) -> bool:
    """A file `aimaq init` may fill: empty (0 bytes), or a database whose tables, if any, hold no rows."""
    path = Path(path)
    if not path.exists():
        return True
    if path.stat().st_size == 0:
        return True
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return False  # not a database we can read: not ours to overwrite
    try:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                             "WHERE table_name <> 'schema_migration'").fetchall()
        return not any(con.execute(f'SELECT 1 FROM "{schema}"."{table}" LIMIT 1').fetchone()
                       for schema, table in tables)
    finally:
        con.close()


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[int]:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migration").fetchall()}
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        with transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO schema_migration VALUES (?, ?, ?)", [version, name, dt.datetime.now()])
        applied.append(version)
    return applied


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """All of the block's writes or none of them."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")

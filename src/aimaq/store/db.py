"""Opening the database: a DuckDB file whose schema is brought up to date by numbered migrations on open."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from importlib import resources
from pathlib import Path

import duckdb

from aimaq.errors import AimaqError

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
        raise AimaqError(f"two migrations share a number: {versions}")
    return found


def connect(path: str | Path | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database at `path` (":memory:" allowed) and apply pending migrations."""
    if path is None:
        from aimaq.settings import get_settings

        path = get_settings().db_path
    path = str(path)
    if read_only and path != ":memory:" and not Path(path).exists():
        raise AimaqError(f"database {path} does not exist; run `aimaq demo` or `aimaq import` first")
    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    try:
        con = duckdb.connect(path, read_only=read_only, config=config)
    except duckdb.Error as exc:
        raise AimaqError(f"cannot open database {path}: {exc}") from exc
    if not read_only:
        apply_migrations(con)
    return con


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

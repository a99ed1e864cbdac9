"""Backup and restore of a PostgreSQL database with PostgreSQL's own tools: pg_dump in its custom format
(compressed, restorable table by table) and pg_restore into an empty database. `aimaq backup` calls `dump` for a
postgresql:// database (the DuckDB side is the importer's)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from aimaq.errors import AimaqError
from aimaq.i18n import _


def _tool(name: str) -> str:
    import shutil

    from aimaq.store.throwaway import postgres_bindir

    folder = postgres_bindir()
    if folder is not None and (folder / name).exists():
        return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise AimaqError(_("{name} was not found: install PostgreSQL's client tools (Debian: postgresql-client)",
                           name=name))
    return found


def _run(args: list[str], what: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise AimaqError(_("{what} failed: {error}", what=what,
                           error=done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode))


def dump(url: str, path: str | Path) -> Path:
    """Write the whole database at `url` to `path` (pg_dump -Fc), via a side file moved into place when complete."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), "--dbname", url], "pg_dump")
    partial.replace(path)
    return path


def restore(path: str | Path, url: str) -> None:
    """Restore a dump into the (empty) database at `url`, in one transaction: all of it or nothing."""
    if not Path(path).exists():
        raise AimaqError(_("{path} does not exist", path=path))
    _run([_tool("pg_restore"), "--no-owner", "--single-transaction", "--exit-on-error", "--dbname", url, str(path)],
         "pg_restore")

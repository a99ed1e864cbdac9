"""`aimaq demo`: build the database from nothing with everything the package ships, deterministically."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import duckdb

from aimaq.store.db import connect

# Columns that say when something was loaded: they differ between two builds and are left out of the digest.
_TIME_COLUMNS = {"loaded_at", "applied_at"}


def build_demo(db_path: str | Path, *, seed: int = 2023, out: Path | None = None,
               progress: bool = False) -> duckdb.DuckDBPyConnection:
    db_path = Path(db_path)
    if out:
        out.mkdir(parents=True, exist_ok=True)
    for stale in (db_path, Path(str(db_path) + ".wal")):
        if stale.exists():
            stale.unlink()
    con = connect(db_path)
    steps = _steps(seed)
    started = time.perf_counter()
    for title, step in steps:
        t0 = time.perf_counter()
        step(con)
        if progress:
            print(f"  {title}: {time.perf_counter() - t0:.1f} s", flush=True)
    if progress:
        print(f"built in {time.perf_counter() - started:.1f} s", flush=True)
    return con


def _steps(seed: int):
    from aimaq.ingest.shipped import load_review, load_stats
    from aimaq.territory.registry import build_registry
    from aimaq.territory.repository import save_registry

    steps = [("territorial registry", lambda con: save_registry(con, build_registry()))]
    steps.append(("national statistics", load_stats))
    steps.append(("the review's figures", load_review))
    return steps


def content_digest(con: duckdb.DuckDBPyConnection) -> str:
    """A hash of every table's content (sorted rows), without load timestamps: equal for equal databases."""
    digest = hashlib.sha256()
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
    for table in tables:
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table]).fetchall() if r[0] not in _TIME_COLUMNS]
        rows = con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL").fetchall()
        digest.update(f"{table}:{cols}:{rows}".encode())
    return digest.hexdigest()

"""Shared by the benchmarks: the demo's registry, statistics and settlements without its heavier jobs."""

from __future__ import annotations

from pathlib import Path

SKIPPED_STEPS = ("city quality", "demographic", "regional standards", "villages")


def demo_settlements_db(folder: str | Path, seed: int = 2023):
    """A connection to a new database in `folder` holding the demo's steps except the rating, forecast,
    standards and villages."""
    from aimaq.demo import _steps
    from aimaq.store.db import connect

    con = connect(Path(folder) / "bench.duckdb")
    for title, step in _steps(seed):
        if not title.startswith(SKIPPED_STEPS):
            step(con)
    return con

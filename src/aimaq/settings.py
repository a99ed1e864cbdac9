"""Settings shared by the CLI and services: where the database is, and whether to stay quiet."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = "aimaq.duckdb"


@dataclass
class Settings:
    db_path: Path | str  # a DuckDB file, or a PostgreSQL URL kept as text (a Path would fold its "//")
    quiet: bool = False   # --quiet: no progress display even on a terminal


_current: Settings | None = None


def configure(db: str | os.PathLike | None = None, *, quiet: bool = False) -> Settings:
    """Set the database: an explicit value, else $AIMAQ_DB, else ./aimaq.duckdb. A postgresql:// URL stays text."""
    global _current
    target = str(db or os.environ.get("AIMAQ_DB") or DEFAULT_DB)
    _current = Settings(db_path=target if target.startswith(("postgresql://", "postgres://")) else Path(target),
                        quiet=quiet)
    return _current


def get_settings() -> Settings:
    return _current or configure()

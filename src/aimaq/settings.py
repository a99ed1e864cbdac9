"""Settings shared by the CLI and services: where the database is, and whether to stay quiet."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = "aimaq.duckdb"


@dataclass
class Settings:
    db_path: Path
    quiet: bool = False   # --quiet: no progress display even on a terminal


_current: Settings | None = None


def configure(db: str | os.PathLike | None = None, *, quiet: bool = False) -> Settings:
    """Set the database path: an explicit value, else $AIMAQ_DB, else ./aimaq.duckdb."""
    global _current
    _current = Settings(db_path=Path(db or os.environ.get("AIMAQ_DB") or DEFAULT_DB), quiet=quiet)
    return _current


def get_settings() -> Settings:
    return _current or configure()

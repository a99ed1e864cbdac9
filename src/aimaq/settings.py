"""Settings shared by the CLI and services: where the database is."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = "aimaq.duckdb"


@dataclass
class Settings:
    db_path: Path


_current: Settings | None = None


def configure(db: str | os.PathLike | None = None) -> Settings:
    """Set the database path: an explicit value, else $AIMAQ_DB, else ./aimaq.duckdb."""
    global _current
    _current = Settings(db_path=Path(db or os.environ.get("AIMAQ_DB") or DEFAULT_DB))
    return _current


def get_settings() -> Settings:
    return _current or configure()

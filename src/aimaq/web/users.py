"""Web users and their tokens: the ministry (every region) and regional akimats (their own region only).

A token is `secrets.token_urlsafe(32)`, shown once; the database keeps only its SHA-256, and a presented token is
checked by comparing hashes with `hmac.compare_digest`."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import duckdb
import polars as pl

from aimaq.errors import AimaqError

ROLES = ("ministry", "akimat")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    region_kato: str | None

    @property
    def region_prefix(self) -> str | None:
        """The first two KATO digits every territory of the akimat's region shares (None: every region)."""
        return self.region_kato[:2] if self.region_kato else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(con: duckdb.DuckDBPyConnection, name: str, role: str, region: str | None = None) -> tuple[User, str]:
    """Add a user; returns it and its token (shown once, never stored). An akimat needs its region (a name or a
    KATO code, resolved at the region level); the ministry has none."""
    name = name.strip()
    if not name:
        raise AimaqError("user name is empty")
    if role not in ROLES:
        raise AimaqError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    region_kato = None
    if role == "akimat":
        if not region:
            raise AimaqError("an akimat user needs --region (the region whose data it keeps)")
        from aimaq.territory.repository import load_name_index

        region_kato = load_name_index(con).resolve(region, level="region").kato
    elif region:
        raise AimaqError("a ministry user sees every region: do not give --region")
    if con.execute("SELECT 1 FROM web_user WHERE name = ?", [name]).fetchone():
        raise AimaqError(f"user {name!r} already exists")
    token = secrets.token_urlsafe(32)
    con.execute("INSERT INTO web_user (name, role, region_kato, token_sha256, created_at, active) "
                "VALUES (?, ?, ?, ?, ?, TRUE)", [name, role, region_kato, token_hash(token), dt.datetime.now()])
    return User(name, role, region_kato), token


def list_users(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Users without their token hashes, with the region's name."""
    return con.execute("""
        SELECT u.name, u.role, u.region_kato,
               (SELECT any_value(t.name_ru ORDER BY t.valid_from DESC) FROM territory t WHERE t.kato = u.region_kato)
                   AS region,
               u.created_at, u.active
        FROM web_user u ORDER BY u.user_id""").pl()


def set_active(con: duckdb.DuckDBPyConnection, name: str, active: bool) -> None:
    if not con.execute("SELECT 1 FROM web_user WHERE name = ?", [name]).fetchone():
        raise AimaqError(f"no user {name!r}")
    con.execute("UPDATE web_user SET active = ? WHERE name = ?", [active, name])


def authenticate(con: duckdb.DuckDBPyConnection, token: str | None) -> User | None:
    """The active user the token belongs to, or None."""
    if not token:
        return None
    presented = token_hash(token)
    found = None
    for name, role, region, stored in con.execute(
            "SELECT name, role, region_kato, token_sha256 FROM web_user WHERE active").fetchall():
        if hmac.compare_digest(presented, stored) and found is None:
            found = User(name, role, region)
    return found

"""Users of the server, their passwords, API tokens and log-in sessions.

Roles: viewer (reads), akimat (uploads for its own region; uploads wait for approval), analyst (corrects one value
with a reason), ministry (uploads anywhere, approves and rejects batches, reads the audit log), admin (all of it).
A token or a session id is `secrets.token_urlsafe(32)`, shown once (a token) or set as an HttpOnly cookie (a
session); the database keeps only its SHA-256. Passwords are hashed with argon2id (argon2-cffi)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import polars as pl

from aimaq.errors import AimaqError
from aimaq.i18n import _

ROLES = ("viewer", "akimat", "analyst", "ministry", "admin")
TOKEN_DAYS = 90           # an API token's default lifetime
SESSION_HOURS = 8         # a log-in session's lifetime (a working day)
LOGIN_WINDOW_MINUTES = 15
LOGIN_FAILURES_ALLOWED = 5  # failed attempts per name (or per address) within the window before refusing


@dataclass(frozen=True)
class User:
    name: str
    role: str
    region_kato: str | None
    user_id: int | None = None

    @property
    def region_prefix(self) -> str | None:
        """The first two KATO digits every territory of the akimat's region shares (None: every region)."""
        return self.region_kato[:2] if self.region_kato else None

    def can(self, *roles: str) -> bool:
        return self.role == "admin" or self.role in roles


class LoginRefused(AimaqError):
    """Too many failed log-ins: wait `retry_after` seconds."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"too many failed log-in attempts; try again in {retry_after} s")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def _now() -> dt.datetime:
    return dt.datetime.now()


def add_user(con, name: str, role: str, region: str | None = None, *, password: str | None = None,
             token_days: int = TOKEN_DAYS) -> tuple[User, str]:
    """Add a user; returns it and its first API token (shown once, never stored). An akimat needs its region (a name
    or a KATO code, resolved at the region level); no other role has one."""
    name = name.strip()
    if not name:
        raise AimaqError(_("user name is empty"))
    if role not in ROLES:
        raise AimaqError(_("role must be one of {roles}, not «{role}»", roles=", ".join(ROLES), role=role))
    region_kato = None
    if role == "akimat":
        if not region:
            raise AimaqError(_("an akimat user needs --region (the region whose data it keeps)"))
        from aimaq.territory.repository import load_name_index

        region_kato = load_name_index(con).resolve(region, level="region").kato
    elif region:
        raise AimaqError(_("a user with the role {role} is not tied to a region: do not give --region", role=role))
    if con.execute("SELECT 1 FROM web_account WHERE name = ?", [name]).fetchone():
        raise AimaqError(_("user «{name}» already exists", name=name))
    hashed = _hasher().hash(password) if password else None
    con.execute("INSERT INTO web_account (name, role, region_kato, password_hash, created_at, active) "
                "VALUES (?, ?, ?, ?, ?, TRUE)", [name, role, region_kato, hashed, _now()])
    user_id = con.execute("SELECT user_id FROM web_account WHERE name = ?", [name]).fetchone()[0]
    user = User(name, role, region_kato, user_id)
    return user, issue_token(con, name, days=token_days)


def _user_id(con, name: str) -> int:
    row = con.execute("SELECT user_id FROM web_account WHERE name = ?", [name]).fetchone()
    if not row:
        raise AimaqError(_("no user «{name}»", name=name))
    return row[0]


def issue_token(con, name: str, *, days: int = TOKEN_DAYS) -> str:
    """A new API token for the user, valid `days` days; shown once."""
    if days <= 0:
        raise AimaqError(_("a token's lifetime must be at least one day"))
    user_id = _user_id(con, name)
    token = secrets.token_urlsafe(32)
    now = _now()
    con.execute("INSERT INTO api_token (user_id, token_sha256, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [user_id, token_hash(token), now, now + dt.timedelta(days=days)])
    return token


def revoke_tokens(con, name: str) -> int:
    """Revoke every live token of the user; returns how many."""
    user_id = _user_id(con, name)
    live = con.execute("SELECT count(*) FROM api_token WHERE user_id = ? AND revoked_at IS NULL", [user_id]
                       ).fetchone()[0]
    con.execute("UPDATE api_token SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", [_now(), user_id])
    return live


def set_password(con, name: str, password: str) -> None:
    if len(password) < 8:
        raise AimaqError(_("a password needs at least 8 characters"))
    user_id = _user_id(con, name)
    con.execute("UPDATE web_account SET password_hash = ? WHERE user_id = ?", [_hasher().hash(password), user_id])


def list_users(con) -> pl.DataFrame:
    """Users without secrets, with the region's name and their live tokens."""
    return con.execute("""
        SELECT u.name, u.role, u.region_kato,
               (SELECT any_value(t.name_ru ORDER BY t.valid_from DESC) FROM territory t WHERE t.kato = u.region_kato)
                   AS region,
               u.password_hash IS NOT NULL AS has_password,
               (SELECT count(*) FROM api_token k WHERE k.user_id = u.user_id AND k.revoked_at IS NULL
                  AND k.expires_at > now()::TIMESTAMP) AS live_tokens,
               u.created_at, u.active
        FROM web_account u ORDER BY u.user_id""").pl()


def set_active(con, name: str, active: bool) -> None:
    user_id = _user_id(con, name)
    con.execute("UPDATE web_account SET active = ? WHERE user_id = ?", [active, user_id])


def _user_row(row) -> User:
    user_id, name, role, region = row
    return User(name, role, region, user_id)


def authenticate(con, token: str | None) -> User | None:
    """The active user whose live (unexpired, unrevoked) token this is, or None. The lookup is by the token's
    SHA-256, so nothing secret is compared byte by byte."""
    if not token:
        return None
    row = con.execute("""
        SELECT u.user_id, u.name, u.role, u.region_kato FROM api_token k JOIN web_account u USING (user_id)
        WHERE k.token_sha256 = ? AND k.revoked_at IS NULL AND k.expires_at > ? AND u.active""",
                      [token_hash(token), _now()]).fetchone()
    return _user_row(row) if row else None


def check_login_allowed(con, name: str, ip: str | None) -> None:
    """Raise LoginRefused when the name or the address failed too often within the window."""
    since = _now() - dt.timedelta(minutes=LOGIN_WINDOW_MINUTES)
    by_name, by_ip, oldest = con.execute("""
        SELECT count(*) FILTER (WHERE name = ?), count(*) FILTER (WHERE ip = ?), min(tried_at)
        FROM login_attempt WHERE NOT ok AND tried_at > ? AND (name = ? OR ip = ?)""",
                                         [name, ip, since, name, ip]).fetchone()
    if max(by_name, by_ip) >= LOGIN_FAILURES_ALLOWED:
        wait = oldest + dt.timedelta(minutes=LOGIN_WINDOW_MINUTES) - _now()
        raise LoginRefused(max(1, int(wait.total_seconds()) + 1))


def log_in(con, name: str, password: str, ip: str | None = None) -> tuple[User, str, str] | None:
    """Check the password; on success open a session and return (user, session id for the cookie, CSRF token).
    Every attempt is recorded; too many failures raise LoginRefused before the password is even checked."""
    from argon2.exceptions import VerificationError

    check_login_allowed(con, name, ip)
    row = con.execute("SELECT user_id, name, role, region_kato, password_hash FROM web_account "
                      "WHERE name = ? AND active", [name]).fetchone()
    ok = False
    if row and row[4]:
        try:
            ok = _hasher().verify(row[4], password)
        except VerificationError:
            ok = False
    con.execute("INSERT INTO login_attempt (name, ip, tried_at, ok) VALUES (?, ?, ?, ?)", [name, ip, _now(), ok])
    if not ok:
        return None
    session, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = _now()
    con.execute("INSERT INTO web_session (session_sha256, user_id, csrf_token, created_at, expires_at, ip) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [token_hash(session), row[0], csrf, now, now + dt.timedelta(hours=SESSION_HOURS), ip])
    return _user_row(row[:4]), session, csrf


def session_user(con, session: str | None) -> tuple[User, str] | None:
    """(the user, the session's CSRF token) of a live session, or None."""
    if not session:
        return None
    row = con.execute("""
        SELECT u.user_id, u.name, u.role, u.region_kato, s.csrf_token FROM web_session s JOIN web_account u USING (user_id)
        WHERE s.session_sha256 = ? AND s.expires_at > ? AND u.active""", [token_hash(session), _now()]).fetchone()
    return (_user_row(row[:4]), row[4]) if row else None


def log_out(con, session: str) -> None:
    con.execute("UPDATE web_session SET expires_at = ? WHERE session_sha256 = ?", [_now(), token_hash(session)])

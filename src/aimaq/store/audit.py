"""The append-only audit log: who did what, when, from where, with the old and the new value. Rows are only ever
inserted (nothing in Aimaq updates or deletes them); each is written in the same transaction as the change it
describes, so the log and the data cannot disagree."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from aimaq.store.db import where_clause


def _text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(con, action: str, *, user=None, obj: str | None = None, ip: str | None = None, old=None, new=None,
           reason: str | None = None) -> None:
    """Append one entry. `user` is a web User (or None for the command line, recorded as «cli»)."""
    name = user.name if user is not None else "cli"
    role = user.role if user is not None else None
    con.execute("INSERT INTO audit_log (happened_at, user_name, role, action, object, ip, old_value, new_value, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [dt.datetime.now(), name, role, action, obj, ip, _text(old), _text(new), reason])


def entries(con, *, user: str | None = None, action: str | None = None, obj: str | None = None,
            limit: int = 1000) -> pl.DataFrame:
    """The newest entries first, optionally of one user, one action or one object (prefix, e.g. «batch:»)."""
    clause, params = where_clause([("user_name = ?", user), ("action = ?", action),
                                   ("starts_with(object, ?)", obj)])
    return con.execute(f"SELECT audit_id, happened_at, user_name, role, action, object, ip, old_value, new_value, reason "
                       f"FROM audit_log {clause} ORDER BY audit_id DESC LIMIT {int(limit)}", params).pl()

"""`aimaq audit`: the append-only audit log (store.audit), newest first."""

from __future__ import annotations

import contextlib
from typing import Optional

import typer

from aimaq.cli.output import Format, format_option

_FORMAT = format_option()


def register(app: typer.Typer) -> None:
    @app.command("audit")
    def audit_cmd(user: Optional[str] = typer.Option(None, "--user", help="Only this user's entries."),
                  action: Optional[str] = typer.Option(None, "--action", help="upload, approve, reject, correct, …"),
                  obj: Optional[str] = typer.Option(None, "--object", help="Object prefix, e.g. batch:12."),
                  limit: int = typer.Option(1000, "--limit", min=1),
                  fmt: Format = _FORMAT) -> None:
        """Журнал аудита / The append-only audit log, newest first: who, what, when, from where, old and new."""
        from aimaq.cli.output import emit
        from aimaq.store.audit import entries
        from aimaq.store.db import connect

        with contextlib.closing(connect()) as con:
            emit(entries(con, user=user, action=action, obj=obj, limit=limit), fmt, title="Журнал аудита")

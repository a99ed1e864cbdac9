"""`aimaq audit`: the append-only audit log (store.audit), newest first."""

from __future__ import annotations

import contextlib
from typing import Optional

import typer

from aimaq.cli.output import Format, format_option
from aimaq.i18n import N_, _

_FORMAT = format_option()


def register(app: typer.Typer) -> None:
    @app.command("audit", help=N_("The append-only audit log, newest first: who, what, when, from where, old and "
                                  "new values."))
    def audit_cmd(user: Optional[str] = typer.Option(None, "--user", help=N_("Only this user's entries.")),
                  action: Optional[str] = typer.Option(None, "--action", help=N_("upload, approve, reject, correct, …")),
                  obj: Optional[str] = typer.Option(None, "--object", help=N_("Object prefix, e.g. batch:12.")),
                  limit: int = typer.Option(1000, "--limit", min=1, help=N_("At most this many entries.")),
                  fmt: Format = _FORMAT) -> None:
        from aimaq.cli.output import emit
        from aimaq.store.audit import entries
        from aimaq.store.db import connect

        with contextlib.closing(connect()) as con:
            emit(entries(con, user=user, action=action, obj=obj, limit=limit), fmt, title=_("Audit log"))

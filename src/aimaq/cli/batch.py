"""`aimaq batch list/show/approve/reject`: the ministry's approval of uploaded batches from the command line, the
same functions as the web's (store.batches), each writing its audit entry."""

from __future__ import annotations

from typing import Optional

import typer

from aimaq.cli.output import Format, format_option
from aimaq.i18n import N_, _

_FORMAT = format_option()
STATUS_WORDS = [N_("pending"), N_("approved"), N_("rejected")]  # a batch's status, shown in the language


def register(app: typer.Typer) -> None:
    batch = typer.Typer(help=N_("Upload batches and their approval."),
                        no_args_is_help=True)
    app.add_typer(batch, name="batch")

    @batch.command("list", help=N_("Batches with who loaded them, their counts and the decision."))
    def batch_list(status: Optional[str] = typer.Option(None, "--status", help=N_("pending, approved or rejected.")),
                   fmt: Format = _FORMAT) -> None:
        from aimaq.cli.output import emit
        from aimaq.store.batches import list_batches
        from aimaq.store.db import connect

        with _closing(connect()) as con:
            emit(list_batches(con, status), fmt, title=_("Upload batches"))

    @batch.command("show", help=N_("A batch's rows beside the current values (for a pending batch: what "
                                    "approval would change)."))
    def batch_show(number: int = typer.Argument(..., help=N_("Batch number.")), fmt: Format = _FORMAT) -> None:
        from aimaq.cli.output import emit
        from aimaq.store.batches import batch_diff, get_batch
        from aimaq.store.db import connect

        with _closing(connect()) as con:
            found = get_batch(con, number)
            typer.echo(_("batch {number}: {status}, {file}, loaded by {user}", number=number, status=_(found["status"]),
                         file=found["file"], user=found["loaded_by"]), err=True)
            emit(batch_diff(con, number), fmt, title=_("Batch {number}", number=number))

    @batch.command("approve", help=N_("Approve a pending batch: its values become the latest revisions."))
    def batch_approve(number: int = typer.Argument(..., help=N_("Batch number."))) -> None:
        from aimaq.store.batches import approve_batch
        from aimaq.store.db import connect

        with _closing(connect()) as con:
            done = approve_batch(con, number)
        typer.echo(_("batch {number} approved: {added} added, {revised} revised, {unchanged} unchanged",
                     number=number, added=done["added"], revised=done["revised"], unchanged=done["unchanged"]))

    @batch.command("reject", help=N_("Reject a pending batch with a reason; its values never become data."))
    def batch_reject(number: int = typer.Argument(..., help=N_("Batch number.")),
                     reason: str = typer.Option(..., "--reason", help=N_("Why (the akimat sees it)."))) -> None:
        from aimaq.store.batches import reject_batch
        from aimaq.store.db import connect

        with _closing(connect()) as con:
            reject_batch(con, number, reason)
        typer.echo(_("batch {number} rejected: {reason}", number=number, reason=reason))

def _closing(con):
    import contextlib

    return contextlib.closing(con)

"""`aimaq batch list/show/approve/reject`: the ministry's approval of uploaded batches from the command line, the
same functions as the web's (store.batches), each writing its audit entry."""

from __future__ import annotations

from typing import Optional

import typer

from aimaq.cli.output import Format, format_option

_FORMAT = format_option()


def register(app: typer.Typer) -> None:
    batch = typer.Typer(help="Пакеты загрузок и их утверждение / Upload batches and their approval.",
                        no_args_is_help=True)
    app.add_typer(batch, name="batch")

    @batch.command("list")
    def batch_list(status: Optional[str] = typer.Option(None, "--status", help="pending, approved or rejected."),
                   fmt: Format = _FORMAT) -> None:
        """Batches with who loaded them, their counts and the decision."""
        from aimaq.cli.output import emit
        from aimaq.store.batches import list_batches
        from aimaq.store.db import connect

        with _closing(connect()) as con:
            emit(list_batches(con, status), fmt, title="Пакеты загрузок")

    @batch.command("show")
    def batch_show(number: int = typer.Argument(..., help="Batch number."), fmt: Format = _FORMAT) -> None:
        """A batch's rows beside the current values (for a pending batch: what approval would change)."""
        from aimaq.cli.output import emit
        from aimaq.store.batches import batch_diff, get_batch
        from aimaq.store.db import connect

        with _closing(connect()) as con:
            found = get_batch(con, number)
            typer.echo(f"batch {number}: {found['status']}, {found['file']}, loaded by {found['loaded_by']}",
                       err=True)
            emit(batch_diff(con, number), fmt, title=f"Пакет {number}")

    @batch.command("approve")
    def batch_approve(number: int = typer.Argument(..., help="Batch number.")) -> None:
        """Approve a pending batch: its values become the latest revisions."""
        from aimaq.store.batches import approve_batch
        from aimaq.store.db import connect

        with _closing(connect()) as con:
            done = approve_batch(con, number)
        typer.echo(f"batch {number} approved: {done['added']} added, {done['revised']} revised, "
                   f"{done['unchanged']} unchanged")

    @batch.command("reject")
    def batch_reject(number: int = typer.Argument(..., help="Batch number."),
                     reason: str = typer.Option(..., "--reason", help="Why (the akimat sees it).")) -> None:
        """Reject a pending batch with a reason; its values never become data."""
        from aimaq.store.batches import reject_batch
        from aimaq.store.db import connect

        with _closing(connect()) as con:
            reject_batch(con, number, reason)
        typer.echo(f"batch {number} rejected: {reason}")

def _closing(con):
    import contextlib

    return contextlib.closing(con)

"""`aimaq villages ...`: villages with development potential (support / satellite / other; potential classes)."""

from __future__ import annotations

from typing import Optional

import polars as pl
import typer

from aimaq.cli.output import Format, emit, format_option
from aimaq.i18n import N_, _

FormatOpt = format_option()


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help=N_("Villages with development potential: support, satellite, other."), no_args_is_help=True)
    app.add_typer(sub, name="villages")

    @sub.command("classify", help=N_("Classify all rural settlements by the criteria spec and store the result."))
    def classify_cmd(
        edition: str = typer.Option("2025", "--edition", help=N_("Criteria edition or YAML path.")),
        year: int = typer.Option(2023, "--year", help=N_("Year of the service levels used.")),
        fmt: Format = FormatOpt,
    ) -> None:
        from aimaq.rural.service import classify_villages
        from aimaq.store.db import connect

        con = connect()
        try:
            out = classify_villages(con, edition=edition, year=year)
        finally:
            con.close()
        for note in out["notes"]:
            typer.echo(note, err=True)
        emit(out["summary"].with_columns(run_id=pl.lit(out["run_id"])), fmt, title=_("Classification of villages"))

    @sub.command("show", help=N_("Counts and population shares by role and potential; population change 2019–2023 "
                                 "of villages with potential."))
    def show(
        region: Optional[str] = typer.Option(None, "--region", help=N_("A region (name or KATO): by district.")),
        list_villages: bool = typer.Option(False, "--list", help=N_("List the villages, not the summary.")),
        fmt: Format = FormatOpt,
    ) -> None:
        from aimaq.rural.service import show_villages
        from aimaq.store.db import connect

        con = connect()
        try:
            frame = show_villages(con, region, list_villages=list_villages)
        finally:
            con.close()
        emit(frame, fmt, title=_("Villages with development potential")
             + (" " + _("(synthetic data)") if frame["synthetic"].any() else ""))

"""`aimaq template NAME --out FILE.xlsx`: collection templates for each job's inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from aimaq.i18n import N_, _


def register(app: typer.Typer) -> None:
    @app.command("template", help=N_("A collection template: instructions, the data sheet with drop-downs, the "
                                        "lists."))
    def template(
        name: str = typer.Argument(..., help=N_("rating, survey, facilities, roads, villages, monotowns or "
                                                         "programmes.")),
        out: Path = typer.Option(..., "--out", help=N_("XLSX file to write")),
        year: Optional[int] = typer.Option(None, "--year", help=N_("Year of the data (default: last year)")),
    ) -> None:
        from aimaq.settings import get_settings
        from aimaq.store.db import connect
        from aimaq.templates.service import write_template

        con = connect(get_settings().db_path, read_only=True)
        try:
            info = write_template(con, name, out, year)
        finally:
            con.close()
        typer.echo(_("{path}: template «{name}» for {year}; fill it in and import it with: {command}", path=out,
                     name=info["template"], year=info["year"], command=info["command"]), err=True)

"""`aimaq report build`: the analytical review generated from the database (HTML, PDF, DOCX + figures), in
Russian (default), Kazakh or English."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer

from aimaq.cli.output import Format, emit, format_option
from aimaq import progress
from aimaq.i18n import N_, _

FormatOpt = format_option()


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help=N_("The analytical review from the database: HTML, PDF, DOCX."), no_args_is_help=True)
    app.add_typer(sub, name="report")

    @sub.command("build", help=N_("Build the review from the database (--db): sentences, tables and figures from "
                                  "data."))
    def build(
        out: Path = typer.Option(..., "--out", help=N_("Folder for review.html/.pdf/.docx and figures/.")),
        formats: str = typer.Option("html,pdf,docx", "--format-doc", help=N_("Comma-separated: html, pdf, docx.")),
        year: int = typer.Option(2024, "--year", help=N_("Review year (rating year; coverage of the two years "
                                                         "before).")),
        lang: str = typer.Option(None, "--lang", help=N_("Edition language: ru (default), kk or en.")),
        fmt: Format = FormatOpt,
    ) -> None:
        from aimaq.i18n import get_language, normalise_language
        from aimaq.report import build_report
        from aimaq.report.build import check_formats
        from aimaq.store.db import connect

        lang = normalise_language(lang) if lang else get_language()  # the global --lang / AIMAQ_LANG, else ru
        chosen = check_formats(formats.split(","))
        con = connect(read_only=True)
        try:
            with progress.step(_("the review from the database: {formats}", formats=", ".join(chosen))):
                written = build_report(con, out, chosen, year=year, lang=lang)
        finally:
            con.close()
        rows = [(k, str(p), sum(1 for _ in p.glob("*.png")) if p.is_dir() else p.stat().st_size)
                for k, p in written.items()]
        emit(pl.DataFrame(rows, schema=["output", "path", "files_or_bytes"], orient="row"), fmt,
             title=_("The analytical review"))

"""report — the analytical review generated from the database: narrative sentences, tables and figures in HTML,
PDF and DOCX, in Russian, Kazakh or English. `collect` reads (through the jobs' services), `compose` builds the
document model in the current language (pure), `figures` draws PNGs, `render` writes the files."""

from __future__ import annotations

from pathlib import Path

import duckdb

FORMATS = ("html", "pdf", "docx")

__all__ = ["build_report", "build_document", "FORMATS"]


def build_document(con: duckdb.DuckDBPyConnection, year: int = 2024, lang: str = "ru"):
    from aimaq.i18n import use_language
    from aimaq.report.collect import collect
    from aimaq.report.compose import compose

    data = collect(con, year)
    with use_language(lang):
        return compose(data)


def build_report(con: duckdb.DuckDBPyConnection, out: str | Path, formats: tuple[str, ...] | list[str] = FORMATS,
                 year: int = 2024, lang: str = "ru") -> dict[str, Path]:
    """Write out/review.{html,pdf,docx} (those asked for) and out/figures/*.png in `lang`; returns format → path."""
    from aimaq.report.build import check_formats, write_edition
    from aimaq.report.collect import collect

    formats = check_formats(formats)
    return write_edition(collect(con, year), Path(out), formats, lang)

"""report — the analytical review generated from the database: narrative sentences, tables and figures in HTML,
PDF and DOCX. `collect` reads (through the jobs' services), `compose` builds the document model (pure),
`figures` draws PNGs, `render` writes the files."""

from __future__ import annotations

from pathlib import Path

import duckdb

from aimaq.errors import AimaqError
from aimaq.report.collect import ReviewData, collect
from aimaq.report.compose import compose
from aimaq.report.model import Document
from aimaq.report.render import FORMATS

__all__ = ["build_report", "build_document", "collect", "compose", "Document", "ReviewData", "FORMATS"]


def build_document(con: duckdb.DuckDBPyConnection, year: int = 2024) -> Document:
    return compose(collect(con, year))


def build_report(con: duckdb.DuckDBPyConnection, out: str | Path, formats: tuple[str, ...] | list[str] = FORMATS,
                 year: int = 2024) -> dict[str, Path]:
    """Write out/review.{html,pdf,docx} (those asked for) and out/figures/*.png; returns format → path."""
    from aimaq.report.figures import draw_figures
    from aimaq.report.render import render_docx, render_html, render_pdf

    formats = [f.strip().lower() for f in formats if f.strip()]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise AimaqError(f"unknown report format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    doc = build_document(con, year)
    written: dict[str, Path] = {"figures": out / "figures"}
    draw_figures(doc, out)
    renderers = {"html": render_html, "pdf": render_pdf, "docx": render_docx}
    for f in FORMATS:
        if f in formats:
            written[f] = renderers[f](doc, out)
    return written

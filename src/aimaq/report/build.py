"""Writing editions: one collection of the data serves every language; each edition is composed, drawn and
rendered in its own language. `write_editions` renders several languages in parallel processes."""

from __future__ import annotations

from pathlib import Path

from aimaq.errors import AimaqError
from aimaq.i18n import LANGUAGES, _, normalise_language, use_language
from aimaq.report.collect import ReviewData

FORMATS = ("html", "pdf", "docx")


def check_formats(formats) -> list[str]:
    formats = [f.strip().lower() for f in formats if f and f.strip()]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise AimaqError(_("Unknown report format(s) {formats}; choose from {choices}",
                           formats=", ".join(unknown) or "—", choices=", ".join(FORMATS)))
    return formats


def write_edition(data: ReviewData, out: Path, formats: list[str], lang: str = "ru") -> dict[str, Path]:
    """out/review.{html,pdf,docx} and out/figures/*.png of one edition."""
    from aimaq.report.compose import compose
    from aimaq.report.figures import draw_figures
    from aimaq.report.render import render_docx, render_html, render_pdf

    lang = normalise_language(lang)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with use_language(lang):
        doc = compose(data)
        draw_figures(doc, out)
        written: dict[str, Path] = {"figures": out / "figures"}
        renderers = {"html": render_html, "pdf": render_pdf, "docx": render_docx}
        for f in FORMATS:
            if f in formats:
                written[f] = renderers[f](doc, out)
    return written


def _edition_job(args):
    data, out, formats, lang = args
    return lang, write_edition(data, out, formats, lang)


def write_editions(data: ReviewData, out: Path, formats: list[str], langs=LANGUAGES,
                   processes: int = 0) -> dict[str, dict[str, Path]]:
    """Every language into out/<lang>/, from one collection; `processes` > 1 renders editions side by side."""
    jobs = [(data, Path(out) / lang, formats, lang) for lang in langs]
    if processes and processes > 1 and len(jobs) > 1:
        import multiprocessing as mp

        # spawn, not fork: polars and DuckDB keep thread pools that a forked child may find locked
        with mp.get_context("spawn").Pool(min(processes, len(jobs))) as pool:
            return dict(pool.map(_edition_job, jobs))
    return dict(_edition_job(j) for j in jobs)

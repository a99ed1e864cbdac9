"""`aimaq rating ...`: the city quality-of-life rating (review section 1.3)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Optional

import polars as pl
import typer

from aimaq.cli.output import Format, emit, format_option
from aimaq.i18n import _

sub = typer.Typer(help="Рейтинг качества жизни в городах / City quality-of-life rating (0–10).", no_args_is_help=True)


class Source(str, enum.Enum):
    published = "published"
    computed = "computed"


def _con(read_only: bool = False):
    from aimaq.settings import get_settings
    from aimaq.store.db import connect

    return connect(get_settings().db_path, read_only=read_only)


SYNTHETIC_CAPTION = ("Синтетические данные: баллы рассчитаны по синтетическим входным данным (генератор "
                     "aimaq.rating.synthetic), а не по официальной статистике и опросу. Опубликованные баллы: "
                     "--source published. / Synthetic data: computed from synthetic inputs, not official figures.")


def _label(synthetic: bool) -> str:
    return " — СИНТЕТИЧЕСКИЕ ДАННЫЕ / synthetic data" if synthetic else ""


def _meta(year: int, source: str = "computed") -> dict:
    """Where the figures come from, for the XLSX sheet «Источники и методика»: the review's table (published) or
    the computed run with its spec (name, version, SHA-256)."""
    from aimaq.cli.output import observation_sources, run_meta

    con = _con()
    try:
        if source == "published":
            return observation_sources(con, ["qol_score"], str(year))
        return run_meta(con, "rating", what=f"data {year}, spec {year}")
    finally:
        con.close()


def _emit(frame: pl.DataFrame, fmt: Format, title: str, synthetic: bool, meta: dict | None = None) -> None:
    """emit with the synthetic label in the title and, for the table format, a caption under the table (csv and
    json carry the `synthetic` column)."""
    emit(frame, fmt, title=f"{title}{_label(synthetic)}", meta=meta)
    if synthetic and Format(fmt) is Format.table:
        typer.echo(SYNTHETIC_CAPTION)


@sub.command("compute")
def compute(
    year: int = typer.Option(..., "--year", help="Год рейтинга / rating year"),
    fmt: Format = format_option(),
) -> None:
    """Compute the rating of YEAR under its spec (and YEAR−1 under both specs) and store it; prints the scores."""
    from aimaq.rating.service import compute_rating, show_rating

    con = _con()
    info = compute_rating(con, year)
    frame = show_rating(con, year, "computed")
    _emit(frame, fmt, f"Рейтинг {year} (рассчитан, средний балл {info['mean']:.2f})", info["synthetic"],
          _meta(year))


@sub.command("show")
def show(
    year: int = typer.Option(..., "--year"),
    source: Source = typer.Option(Source.published, "--source",
                                  help="published: Table 2 of the review; computed: the latest `rating compute`"),
    fmt: Format = format_option(),
) -> None:
    """Rank, city, score, previous year's score, change in points and %."""
    from aimaq.rating.service import show_rating

    frame = show_rating(_con(), year, source.value)
    synthetic = bool(frame["synthetic"].any())
    _emit(frame, fmt, f"Рейтинг качества жизни {year} ({source.value})", synthetic, _meta(year, source.value))


@sub.command("summary")
def summary(
    year: int = typer.Option(..., "--year"),
    source: Source = typer.Option(Source.published, "--source"),
    fmt: Format = format_option(),
) -> None:
    """Mean score and its change, leaders, bottom five, cities over the threshold."""
    from aimaq.rating.service import rating_summary

    s = rating_summary(_con(), year, source.value)
    rows = [
        ("Год / year", str(s["year"])), ("Источник / source", s["source"]), ("Городов / cities", str(s["cities"])),
        ("Средний балл / mean", f"{s['mean']:.2f}"),
        ("Средний балл год назад / previous mean", "" if s["previous_mean"] is None else f"{s['previous_mean']:.2f}"),
        ("Изменение, пунктов / change, points",
         "" if s["mean_change_points"] is None else f"{s['mean_change_points']:+.2f}"),
        ("Изменение, % / change, %", "" if s["mean_change_pct"] is None else f"{s['mean_change_pct']:+.1f}"),
        ("Лидеры / leaders", ", ".join(s["leaders"])),
        ("Нижние строчки / bottom five", ", ".join(s["bottom"])),
        (f"Городов с баллом ≥ {s['threshold']:g} / cities over the threshold", str(s["over_threshold"])),
        ("Синтетические данные / synthetic", "да" if s["synthetic"] else "нет"),
    ]
    _emit(pl.DataFrame(rows, schema=["measure", "value"], orient="row"), fmt, f"Рейтинг {year}: итоги",
          s["synthetic"], _meta(year, source.value))


@sub.command("factors")
def factors(
    year: int = typer.Option(..., "--year"),
    fmt: Format = format_option(),
) -> None:
    """0–10 scores per factor and overall for every city (computed results)."""
    from aimaq.rating.service import factor_scores

    frame = factor_scores(_con(), year)
    _emit(frame, fmt, f"Рейтинг {year}: баллы по факторам", bool(frame["synthetic"].any()), _meta(year))


@sub.command("change")
def change(
    year: int = typer.Option(..., "--year"),
    fmt: Format = format_option(),
) -> None:
    """Change against YEAR−1 split into a data effect and a methodology effect (computed results)."""
    from aimaq.rating.service import change_decomposition

    frame = change_decomposition(_con(), year)
    _emit(frame, fmt, f"Изменение {year - 1}→{year}: эффект данных и методики", bool(frame["synthetic"].any()), _meta(year))


@sub.command("uncertainty")
def uncertainty(
    year: int = typer.Option(..., "--year"),
    n: int = typer.Option(200, "--n", help="Число прогонов Монте-Карло / Monte Carlo draws"),
    seed: Optional[int] = typer.Option(None, "--seed"),
    fmt: Format = format_option(),
) -> None:
    """Rank and score intervals over the spec's uncertain inputs (weights, normalisation, survey bootstrap)."""
    from aimaq.rating.service import rating_uncertainty

    frame = rating_uncertainty(_con(), year, n, seed)
    _emit(frame, fmt, f"Рейтинг {year}: неопределённость (n={n})", bool(frame["synthetic"].any()), _meta(year))


@sub.command("riskmap")
def riskmap(
    year: int = typer.Option(..., "--year"),
    fmt: Format = format_option(),
) -> None:
    """Table 3: survey items by their 26-city mean score in four quadrants."""
    from aimaq.rating.service import rating_riskmap

    frame = rating_riskmap(_con(), year)
    _emit(frame, fmt, f"Карта городских рисков {year}", bool(frame["synthetic"].any()), _meta(year))


@sub.command("import-survey")
def import_survey(
    file: Path = typer.Argument(..., help="XLSX or CSV: year, respondent_id, city, weight, one column per item"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report, write nothing."),
) -> None:
    """Импорт опроса / Import a survey of residents (the `aimaq template survey` layout); all rows or none."""
    from aimaq.rating.service import import_survey as run_import

    con = _con()
    try:
        out = run_import(con, file, dry_run=dry_run)
    finally:
        con.close()
    typer.echo(_("{file}: {respondents} respondents, {answers} answers, years {years}", file=file.name,
                 respondents=out["respondents"], answers=out["answers"], years=", ".join(map(str, out["years"])))
               + (" — " + _("dry run: nothing written") if dry_run else ""))


def register(app: typer.Typer) -> None:
    app.add_typer(sub, name="rating")

"""`aimaq rating ...`: the city quality-of-life rating (review section 1.3)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Optional

import polars as pl
import typer

from aimaq import progress
from aimaq.cli.output import Format, emit, format_option
from aimaq.i18n import N_, _, format_bool, format_number

sub = typer.Typer(help=N_("The city quality-of-life rating (0–10)."), no_args_is_help=True)
YearOpt = typer.Option(..., "--year", help=N_("Rating year."))


N_("published"), N_("computed")  # the --source values, shown in titles


class Source(str, enum.Enum):
    published = "published"
    computed = "computed"


def _con(read_only: bool = False):
    from aimaq.store.db import connect

    return connect(read_only=read_only)


SYNTHETIC_CAPTION = N_("Synthetic data: the scores are computed from synthetic inputs (made by `aimaq demo`), not from "
                       "official statistics and the survey. The published scores: --source published.")


def _label(synthetic: bool) -> str:
    return " — " + _("SYNTHETIC DATA") if synthetic else ""


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
        typer.echo(_(SYNTHETIC_CAPTION))


@sub.command("compute", help=N_("Compute the rating of YEAR under its spec (and YEAR−1 under both specs) and store "
                                "it; prints the scores."))
def compute(
    year: int = YearOpt,
    fmt: Format = format_option(),
) -> None:
    from aimaq.rating.service import compute_rating, show_rating

    con = _con()
    info = compute_rating(con, year)
    frame = show_rating(con, year, "computed")
    _emit(frame, fmt, _("Rating {year} (computed, mean score {mean})", year=year,
                        mean=format_number(info["mean"], 2)), info["synthetic"], _meta(year))


SourceOpt = typer.Option(Source.published, "--source",
                         help=N_("published: Table 2 of the review; computed: the latest `aimaq rating compute`."))


@sub.command("show", help=N_("Rank, city, score, previous year's score, change in points and %."))
def show(
    year: int = YearOpt,
    source: Source = SourceOpt,
    fmt: Format = format_option(),
) -> None:
    from aimaq.rating.service import show_rating

    frame = show_rating(_con(), year, source.value)
    synthetic = bool(frame["synthetic"].any())
    _emit(frame, fmt, _("Quality-of-life rating {year} ({source})", year=year, source=_(source.value)), synthetic, _meta(year, source.value))


@sub.command("summary", help=N_("Mean score and its change, leaders, bottom five, cities over the threshold."))
def summary(
    year: int = YearOpt,
    source: Source = SourceOpt,
    fmt: Format = format_option(),
) -> None:
    from aimaq.rating.service import rating_summary

    s = rating_summary(_con(), year, source.value)

    def number(value, decimals, sign=False):
        if value is None:
            return ""
        return ("+" if sign and value > 0 else "") + format_number(value, decimals)

    rows = [
        (_("Year"), str(s["year"])), (_("Source"), _(s["source"])), (_("Cities"), str(s["cities"])),
        (_("Mean score"), number(s["mean"], 2)), (_("Mean score a year before"), number(s["previous_mean"], 2)),
        (_("Change, points"), number(s["mean_change_points"], 2, True)),
        (_("Change, %"), number(s["mean_change_pct"], 1, True)),
        (_("Leaders"), ", ".join(s["leaders"])), (_("Bottom five"), ", ".join(s["bottom"])),
        (_("Cities with a score of at least {threshold}", threshold=format_number(s["threshold"])),
         str(s["over_threshold"])),
        (_("Synthetic data"), format_bool(s["synthetic"])),
    ]
    _emit(pl.DataFrame(rows, schema=["measure", "value"], orient="row"), fmt,
          _("Rating {year}: summary", year=year), s["synthetic"], _meta(year, source.value))


@sub.command("factors", help=N_("0–10 scores per factor and overall for every city (computed results)."))
def factors(
    year: int = YearOpt,
    fmt: Format = format_option(),
) -> None:
    from aimaq.rating.service import factor_scores

    frame = factor_scores(_con(), year)
    _emit(frame, fmt, _("Rating {year}: scores by factor", year=year), bool(frame["synthetic"].any()), _meta(year))


@sub.command("change", help=N_("Change against YEAR−1 split into a data effect and a methodology effect (computed "
                               "results)."))
def change(
    year: int = YearOpt,
    fmt: Format = format_option(),
) -> None:
    from aimaq.rating.service import change_decomposition

    frame = change_decomposition(_con(), year)
    _emit(frame, fmt, _("Change {before}→{year}: the effect of data and of methodology", before=year - 1,
                        year=year), bool(frame["synthetic"].any()), _meta(year))


@sub.command("uncertainty", help=N_("Rank and score intervals over the spec's uncertain inputs (weights, "
                                    "normalisation, survey bootstrap)."))
def uncertainty(
    year: int = YearOpt,
    n: int = typer.Option(200, "--n", help=N_("Monte Carlo draws.")),
    seed: Optional[int] = typer.Option(None, "--seed", help=N_("Seed of the draws.")),
    fmt: Format = format_option(),
) -> None:
    from aimaq.rating.service import rating_uncertainty

    with progress.step(_("{n} Monte Carlo draws", n=n)):
        frame = rating_uncertainty(_con(), year, n, seed)
    _emit(frame, fmt, _("Rating {year}: uncertainty (n = {n})", year=year, n=n), bool(frame["synthetic"].any()), _meta(year))


@sub.command("riskmap", help=N_("Table 3: survey items by their 26-city mean score in four quadrants."))
def riskmap(
    year: int = YearOpt,
    fmt: Format = format_option(),
) -> None:
    from aimaq.rating.service import rating_riskmap

    frame = rating_riskmap(_con(), year)
    _emit(frame, fmt, _("Map of urban risks {year}", year=year), bool(frame["synthetic"].any()), _meta(year))


@sub.command("import-survey", help=N_("Import a survey of residents (the `aimaq template survey` layout); all "
                                       "rows or none."))
def import_survey(
    file: Path = typer.Argument(..., help=N_("XLSX or CSV: year, respondent_id, city, weight, one column per item.")),
    dry_run: bool = typer.Option(False, "--dry-run", help=N_("Validate and report, write nothing.")),
) -> None:
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

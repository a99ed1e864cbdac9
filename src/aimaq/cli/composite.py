"""`aimaq composite ...`: build any composite index from a YAML spec; COINr's ASEM example as an external check."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import polars as pl
import typer

from aimaq.cli.output import Format, emit, format_option

sub = typer.Typer(help="Композитные индексы / Composite indices: spec → stages → index, uncertainty.",
                  no_args_is_help=True)
example = typer.Typer(help="Эталонные примеры / Reference examples.", no_args_is_help=True)
sub.add_typer(example, name="example")


@example.command("asem")
def example_asem(
    out: Path = typer.Option(..., "--out", help="Папка для CSV / output folder"),
    uncertainty: Optional[int] = typer.Option(None, "--uncertainty", help="Число прогонов Монте-Карло / MC draws"),
    seed: Optional[int] = typer.Option(None, "--seed"),
    sensitivity: bool = typer.Option(False, "--sensitivity", help="Индексы Соболя / Sobol indices (SALib)"),
    fmt: Format = format_option(),
) -> None:
    """COINr's ASEM example: stages DIR/<Stage>.csv, DIR/results.csv, with --uncertainty N also DIR/rank_stats.csv."""
    from aimaq.composite.service import run_asem_example

    ix, res = run_asem_example(out, uncertainty, seed, sensitivity)
    frame = res.rank_stats() if res is not None else ix.results()
    emit(frame.head(20) if fmt is Format.table else frame, fmt,
         title="ASEM: ранги (неопределённость) / ranks" if res is not None else "ASEM: индекс / index")


@example.command("odk-regions")
def example_odk(
    out: Path = typer.Option(..., "--out", help="Папка для CSV / output folder"),
    recommended: bool = typer.Option(False, "--recommended", help="Также методика Aimaq: неопределённость, "
                                     "чувствительность, сравнение / also Aimaq's method, UA/SA, comparison"),
    uncertainty: Optional[int] = typer.Option(None, "--uncertainty", help="Число прогонов / MC draws (1000)"),
    seed: Optional[int] = typer.Option(None, "--seed"),
    fmt: Format = format_option(),
) -> None:
    """Рейтинг регионов Казахстана (open-data-kazakhstan) на реальных данных: методика автора из YAML, сверка с
    опубликованным; с --recommended — методика Aimaq и где рейтинги расходятся."""
    from aimaq.composite import odk
    from aimaq.composite.service import run_odk_example
    from aimaq.i18n import _, format_number

    out_ = run_odk_example(out, recommended=recommended, uncertainty=uncertainty, seed=seed)
    check = out_["check"]
    typer.echo(_("Checked against the published ranking: scaled indicators differ by at most {a}, scores by at most "
                 "{b}", a=f"{check['scaled_max_abs_diff']:.1e}", b=f"{check['score_max_abs_diff']:.1e}"), err=True)
    if not recommended:
        emit(odk.results(out_["peer"]), fmt, title=_("Regions of Kazakhstan: the peer's method (AHP weights)"))
        return
    cmp = out_["comparison"]
    typer.echo(_("Rank correlation of the two methods (Spearman, 19 regions): {rho}",
                 rho=format_number(round(cmp.spearman, 3), 3)), err=True)
    for row in out_["ladder"].iter_rows(named=True):
        typer.echo(_("{what}: mean rank shift {shift}, most moved {region} ({moved:+d})", what=row["what"],
                     shift=format_number(round(row["mean_abs_rank_shift"], 2), 2), region=row["most_moved"],
                     moved=row["its_shift"]), err=True)
    frame = cmp.table.select("region", "rank_peer", "rank_recommended_all", "main_driver", "reason")
    stats = out_["uncertainty"].rank_stats().select(pl.col("uCode").alias("region"), "Q5", "Q95")
    frame = frame.join(stats, on="region", how="left")
    emit(frame, fmt, title=_("Regions of Kazakhstan: the peer's ranks beside Aimaq's recommended method"))


@sub.command("run")
def run(
    spec: Path = typer.Argument(..., help="YAML-спецификация индекса / index spec"),
    data: Path = typer.Argument(..., help="CSV: широкий (uCode + индикаторы) или длинный (unit_code, indicator_code, value)"),
    out: Path = typer.Option(..., "--out"),
    uncertainty: Optional[int] = typer.Option(None, "--uncertainty", help="MC draws (spec's uncertainty section)"),
    sensitivity: bool = typer.Option(False, "--sensitivity"),
    audit: bool = typer.Option(False, "--audit", help="Также аудит / also write DIR/audit/*.csv"),
    fmt: Format = format_option(),
) -> None:
    """Build an index: writes every stage, results.csv and methodology.yaml (the log it regenerates from)."""
    from aimaq.composite.service import build_index, uncertainty_for, write_outputs, write_uncertainty

    ix = build_index(spec, data)
    write_outputs(ix, out, with_audit=audit)
    res = None
    if uncertainty:
        res = uncertainty_for(ix, uncertainty, sensitivity=sensitivity)
        write_uncertainty(res, out)
    frame = res.rank_stats() if res is not None else ix.results()
    emit(frame.head(20) if fmt is Format.table else frame, fmt, title=f"{ix.spec.name}: результаты / results")


@sub.command("regenerate")
def regenerate(
    log: Path = typer.Argument(..., help="methodology.yaml written by `run`"),
    data: Path = typer.Argument(..., help="the same raw data"),
    out: Path = typer.Option(..., "--out"),
    new_data: bool = typer.Option(False, "--new-data", help="Другие данные: применить записанные границы "
                                  "нормализации и веса / other data scored with the logged bounds and weights"),
    refit: bool = typer.Option(False, "--refit", help="Заново оценить границы и веса / refit bounds and weights"),
    fmt: Format = format_option(),
) -> None:
    """Rebuild an index from its methodology log: the logged normalisation bounds and weights are replayed; the data
    must match the logged fingerprint unless --new-data."""
    from aimaq.composite.service import regenerate_from_log, write_outputs

    ix = regenerate_from_log(log, data, new_data=new_data, refit=refit)
    write_outputs(ix, out)
    res = ix.results()
    emit(res.head(20) if fmt is Format.table else res, fmt, title=f"{ix.spec.name}: результаты / results")


def register(app: typer.Typer) -> None:
    app.add_typer(sub, name="composite")

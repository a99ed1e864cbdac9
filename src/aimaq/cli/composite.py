"""`aimaq composite ...`: build any composite index from a YAML spec; COINr's ASEM example as an external check."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import polars as pl
import typer

from aimaq.cli.output import Format, emit, format_option
from aimaq import progress
from aimaq.i18n import N_, _

sub = typer.Typer(help=N_("Composite indices: spec → stages → index, uncertainty."), no_args_is_help=True)
example = typer.Typer(help=N_("Reference examples."), no_args_is_help=True)
sub.add_typer(example, name="example")


OutDirOpt = typer.Option(..., "--out", help=N_("Folder for the CSV files."))
DrawsOpt = typer.Option(None, "--uncertainty", help=N_("Monte Carlo draws (the spec's uncertainty section)."))
SensitivityOpt = typer.Option(False, "--sensitivity", help=N_("Sobol sensitivity indices (SALib)."))


@example.command("asem", help=N_("COINr's ASEM example: stages DIR/<Stage>.csv, DIR/results.csv, with --uncertainty N "
                                 "also DIR/rank_stats.csv."))
def example_asem(
    out: Path = OutDirOpt,
    uncertainty: Optional[int] = DrawsOpt,
    seed: Optional[int] = typer.Option(None, "--seed", help=N_("Seed of the draws.")),
    sensitivity: bool = SensitivityOpt,
    fmt: Format = format_option(),
) -> None:
    from aimaq.composite.service import run_asem_example

    with progress.step(_("ASEM example") + (" " + _("with {n} Monte Carlo draws", n=uncertainty) if uncertainty
                                                else "")):
        ix, res = run_asem_example(out, uncertainty, seed, sensitivity)
    frame = res.rank_stats() if res is not None else ix.results()
    emit(frame.head(20) if fmt is Format.table else frame, fmt,
         title=_("ASEM: ranks under uncertainty") if res is not None else _("ASEM: the index"))


@example.command("odk-regions", help=N_("The regions of Kazakhstan ranked on real data (open-data-kazakhstan): the "
                                        "author's method from YAML, checked against the published ranking; with "
                                        "--recommended, Aimaq's method and where the rankings differ."))
def example_odk(
    out: Path = OutDirOpt,
    recommended: bool = typer.Option(False, "--recommended", help=N_("Also Aimaq's method: uncertainty, "
                                                                     "sensitivity, comparison.")),
    uncertainty: Optional[int] = typer.Option(None, "--uncertainty", help=N_("Monte Carlo draws (1000).")),
    seed: Optional[int] = typer.Option(None, "--seed", help=N_("Seed of the draws.")),
    fmt: Format = format_option(),
) -> None:
    from aimaq.composite import odk
    from aimaq.composite.service import run_odk_example
    from aimaq.i18n import format_number

    with progress.step(_("the regions of Kazakhstan") + (" " + _("and Aimaq's method with uncertainty")
                                                         if recommended else "")):
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


@sub.command("run", help=N_("Build an index: writes every stage, results.csv and methodology.yaml (the log it "
                            "regenerates from)."))
def run(
    spec: Path = typer.Argument(..., help=N_("The index spec (YAML).")),
    data: Path = typer.Argument(..., help=N_("CSV: wide (uCode + indicators) or long (unit_code, indicator_code, "
                                             "value).")),
    out: Path = OutDirOpt,
    uncertainty: Optional[int] = DrawsOpt,
    sensitivity: bool = SensitivityOpt,
    audit: bool = typer.Option(False, "--audit", help=N_("Also write the audit, DIR/audit/*.csv.")),
    fmt: Format = format_option(),
) -> None:
    from aimaq.composite.service import build_index, uncertainty_for, write_outputs, write_uncertainty

    with progress.step(_("the index, stage by stage")):
        ix = build_index(spec, data)
        write_outputs(ix, out, with_audit=audit)
    res = None
    if uncertainty:
        with progress.step(_("{n} Monte Carlo draws", n=uncertainty) + (" " + _("and Sobol indices") if sensitivity
                                                                         else "")):
            res = uncertainty_for(ix, uncertainty, sensitivity=sensitivity)
            write_uncertainty(res, out)
    frame = res.rank_stats() if res is not None else ix.results()
    emit(frame.head(20) if fmt is Format.table else frame, fmt, title=_("{name}: results", name=ix.spec.name))


@sub.command("regenerate", help=N_("Rebuild an index from its methodology log: the logged normalisation bounds and "
                                   "weights are replayed; the data must match the logged fingerprint unless "
                                   "--new-data."))
def regenerate(
    log: Path = typer.Argument(..., help=N_("methodology.yaml written by `aimaq composite run`.")),
    data: Path = typer.Argument(..., help=N_("The same raw data.")),
    out: Path = OutDirOpt,
    new_data: bool = typer.Option(False, "--new-data", help=N_("Other data, scored with the logged normalisation "
                                                               "bounds and weights.")),
    refit: bool = typer.Option(False, "--refit", help=N_("Refit the bounds and weights.")),
    fmt: Format = format_option(),
) -> None:
    from aimaq.composite.service import regenerate_from_log, write_outputs

    ix = regenerate_from_log(log, data, new_data=new_data, refit=refit)
    write_outputs(ix, out)
    res = ix.results()
    emit(res.head(20) if fmt is Format.table else res, fmt, title=_("{name}: results", name=ix.spec.name))


def register(app: typer.Typer) -> None:
    app.add_typer(sub, name="composite")

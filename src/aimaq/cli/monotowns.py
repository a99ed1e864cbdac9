"""`aimaq monotowns ...`: the monotown registry, classification by development potential (default spec,
synthetic town data), one town's figures."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import polars as pl
import typer

from aimaq.cli.output import Format, emit, format_option, run_meta
from aimaq.i18n import N_, _

FormatOpt = format_option()


def _con(read_only: bool = False):
    from aimaq.store.db import connect

    return connect(read_only=read_only)


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help=N_("Monotowns: the list, classification by development potential."), no_args_is_help=True)
    app.add_typer(sub, name="monotowns")

    @sub.command("list", help=N_("The 2023 list of monotowns (20) and the dropped ones (7): specialisation, "
                                 "city-forming enterprises, KATO."))
    def list_cmd(
        dropped: Optional[bool] = typer.Option(None, "--dropped/--listed",
                                               help=N_("Only the dropped / listed towns.")),
        fmt: Format = FormatOpt,
    ) -> None:
        from aimaq.monotowns import list_monotowns

        con = _con()
        try:
            frame = list_monotowns(con, dropped)
        finally:
            con.close()
        if fmt is Format.table:
            frame = frame.drop("name_kk", "name_en", "region_kato", "mentions")
        emit(frame, fmt, title=_("Monotowns"), meta=_registry_meta())

    @sub.command("classify", help=N_("Classify the 20 monotowns (high / medium / low potential) and store the run."))
    def classify_cmd(
        seed: Optional[int] = typer.Option(None, "--seed",
                                           help=N_("Regenerate the synthetic town data with this seed.")),
        spec: Optional[str] = typer.Option(None, "--spec", help=N_("A classification spec YAML (default: v1).")),
        fmt: Format = FormatOpt,
    ) -> None:
        from aimaq.monotowns import build_synthetic_monotown_data, classify_monotowns, load_classification

        s = load_classification(spec)
        con = _con()
        try:
            has = con.execute("SELECT count(*) FROM monotown_value WHERE year = ?", [s.year]).fetchone()[0]
            if seed is not None or not has:
                build_synthetic_monotown_data(con, seed if seed is not None else 2023, s)
            out = classify_monotowns(con, s)
            meta = run_meta(con, "monotowns", out["run_id"])
        finally:
            con.close()
        note = " " + _("(synthetic data; Aimaq's default spec)") if out["synthetic"] else ""
        emit(out["classes"].with_columns(run_id=pl.lit(out["run_id"])), fmt,
             title=_("Monotowns by development potential") + note, meta=meta)

    @sub.command("import", help=N_("Import town values for the classification (the `aimaq template monotowns` "
                                      "layout); all rows or none."))
    def import_cmd(
        file: Path = typer.Argument(..., help=N_("XLSX or CSV, long layout (the `aimaq template monotowns` file).")),
        dry_run: bool = typer.Option(False, "--dry-run", help=N_("Validate and report, write nothing.")),
    ) -> None:
        from aimaq.monotowns.importer import import_monotown_values

        con = _con()
        try:
            out = import_monotown_values(con, file, dry_run=dry_run)
        finally:
            con.close()
        typer.echo(_("{file}: {values} values of {towns} towns, years {years}", file=file.name, values=out["values"],
                     towns=out["towns"], years=", ".join(map(str, out["years"])))
                   + (" — " + _("dry run: nothing written") if dry_run else ""))

    @sub.command("show", help=N_("Without --town: the latest classification; with --town: the town's figures "
                                 "(published and synthetic)."))
    def show(
        town: Optional[str] = typer.Option(None, "--town", "-t", help=N_("A monotown (name or KATO).")),
        fmt: Format = FormatOpt,
    ) -> None:
        from aimaq.monotowns import show_monotown

        con = _con()
        try:
            frame = show_monotown(con, town)
        finally:
            con.close()
        meta = _registry_meta()
        if town is None:  # the latest classification: its run, spec and synthetic flag
            con = _con()
            try:
                meta.update(run_meta(con, "monotowns"))
            finally:
                con.close()
        emit(frame, fmt, title=town or _("Monotowns: the latest classification"), meta=meta)


def _registry_meta() -> dict:
    """The sources of the monotown registry (the 2023 list and the review), for the sheet «Источники и методика»."""
    con = _con()
    try:
        rows = con.execute("SELECT DISTINCT source FROM monotown WHERE source IS NOT NULL ORDER BY 1").fetchall()
    finally:
        con.close()
    return {"sources": [r[0] for r in rows]}

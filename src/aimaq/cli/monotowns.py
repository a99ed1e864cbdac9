"""`aimaq monotowns ...`: the monotown registry, classification by development potential (default spec,
synthetic town data), one town's figures."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import polars as pl
import typer

from aimaq.cli.output import Format, emit, format_option, run_meta
from aimaq.i18n import _

FormatOpt = format_option()


def _con(read_only: bool = False):
    from aimaq.settings import get_settings
    from aimaq.store.db import connect

    return connect(get_settings().db_path, read_only=read_only)


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help="Моногорода: перечень, классификация по потенциалу развития.", no_args_is_help=True)
    app.add_typer(sub, name="monotowns")

    @sub.command("list")
    def list_cmd(
        dropped: Optional[bool] = typer.Option(None, "--dropped/--listed", help="Only the dropped / listed towns."),
        fmt: Format = FormatOpt,
    ) -> None:
        """Перечень моногородов 2023 (20) и исключённые (7), специализация, КПР, КАТО."""
        from aimaq.monotowns import list_monotowns

        con = _con()
        try:
            frame = list_monotowns(con, dropped)
        finally:
            con.close()
        if fmt is Format.table:
            frame = frame.drop("name_kk", "name_en", "region_kato", "mentions")
        emit(frame, fmt, title="Моногорода")

    @sub.command("classify")
    def classify_cmd(
        seed: Optional[int] = typer.Option(None, "--seed", help="Regenerate the synthetic town data with this seed."),
        spec: Optional[str] = typer.Option(None, "--spec", help="A classification spec YAML (default: v1)."),
        fmt: Format = FormatOpt,
    ) -> None:
        """Classify the 20 monotowns (high / medium / low potential) and store the run."""
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
        note = " (синтетические данные; спецификация Aimaq по умолчанию)" if out["synthetic"] else ""
        emit(out["classes"].with_columns(run_id=pl.lit(out["run_id"])), fmt,
             title="Классификация моногородов по потенциалу" + note, meta=meta)

    @sub.command("import")
    def import_cmd(
        file: Path = typer.Argument(..., help="XLSX or CSV, long layout (the `aimaq template monotowns` file)"),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report, write nothing."),
    ) -> None:
        """Импорт показателей моногородов / Import town values for the classification; all rows or none."""
        from aimaq.monotowns.importer import import_monotown_values

        con = _con()
        try:
            out = import_monotown_values(con, file, dry_run=dry_run)
        finally:
            con.close()
        typer.echo(_("{file}: {values} values of {towns} towns, years {years}", file=file.name, values=out["values"],
                     towns=out["towns"], years=", ".join(map(str, out["years"])))
                   + (" — " + _("dry run: nothing written") if dry_run else ""))

    @sub.command("show")
    def show(
        town: Optional[str] = typer.Option(None, "--town", "-t", help="A monotown (name or KATO)."),
        fmt: Format = FormatOpt,
    ) -> None:
        """Без --town: последняя классификация; с --town: данные города (опубликованные и синтетические)."""
        from aimaq.monotowns import show_monotown

        con = _con()
        try:
            frame = show_monotown(con, town)
        finally:
            con.close()
        emit(frame, fmt, title=town or "Моногорода: последняя классификация")

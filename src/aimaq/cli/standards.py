"""`aimaq standards ...`: coverage of the System of Regional Standards, gaps, budget plans, inventory."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import polars as pl
import typer

from aimaq.cli.output import Format, emit, format_option, run_meta

FormatOpt = format_option()
EditionOpt = typer.Option("2023", "--edition", help="Catalogue edition (2019, 2023, ... or a YAML path).")


def _con():
    from aimaq.store.db import connect

    return connect()


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help="Система региональных стандартов: обеспеченность, пробелы, бюджетный план.",
                      no_args_is_help=True)
    app.add_typer(sub, name="standards")

    @sub.command("coverage")
    def coverage(
        year: int = typer.Option(..., "--year", help="Year of the inventory."),
        level: str = typer.Option("country", "--level", help="country | region | district | settlement"),
        region: Optional[str] = typer.Option(None, "--region", help="Only this region (name or KATO)."),
        direction: str = typer.Option("", "--direction", help="One of the 12 directions (education, health, ...)."),
        edition: str = EditionOpt,
        fmt: Format = FormatOpt,
    ) -> None:
        """Обеспеченность (%): unweighted mean over settlements (headline) and population-weighted, change in pp,
        anomaly flags."""
        from aimaq.standards import service

        con = _con()
        try:
            frame = service.coverage_table(con, year, level, edition=edition, direction=direction)
            meta = run_meta(con, "standards", what=f"coverage {year}")
            if region:
                reg = service.resolve_territory(con, region, "region")
                frame = frame.filter(pl.col("kato").str.slice(0, 2) == reg[:2])
        finally:
            con.close()
        if fmt is not Format.table:  # the column names, beside ours
            frame = frame.select(pl.col("kato").alias("territory_code"), pl.col("name_ru").alias("name"), pl.all())
        emit(frame, fmt, title=f"Обеспеченность по СРС, {year}" + (" (синтетические данные)" if frame["synthetic"].any() else ""),
             meta=meta)

    @sub.command("gaps")
    def gaps(
        kato: str = typer.Argument(..., help="Settlement KATO code (or exact name)."),
        year: int = typer.Option(2023, "--year"),
        edition: str = EditionOpt,
        fmt: Format = FormatOpt,
    ) -> None:
        """Missing items of a settlement and the nearest place that has each."""
        from aimaq.standards import service

        con = _con()
        try:
            frame = service.gaps(con, kato, year, edition=edition)
        finally:
            con.close()
        emit(frame, fmt, title=f"Пробелы {kato}, {year}")

    @sub.command("plan")
    def plan(
        budget: float = typer.Option(..., "--budget", help="Budget, tenge."),
        year: int = typer.Option(..., "--year"),
        objective: str = typer.Option("popweighted", "--objective", help="popweighted | threshold"),
        threshold: float = typer.Option(70.0, "--threshold", help="Coverage %% to lift settlements to (threshold)."),
        region: Optional[str] = typer.Option(None, "--region", help="Only projects in this region."),
        time_limit: float = typer.Option(60.0, "--time-limit", help="Solver time limit, s."),
        projects: bool = typer.Option(False, "--projects", help="List the chosen projects, not the summary."),
        edition: str = EditionOpt,
        fmt: Format = FormatOpt,
    ) -> None:
        """Budget plan: exact integer program (HiGHS) beside a greedy plan; gain and gain per bn tenge."""
        from aimaq.standards import service

        con = _con()
        try:
            result = service.plan_budget(con, budget, year, objective=objective, threshold_pct=threshold,
                                         region=region, edition=edition, time_limit_s=time_limit)
            meta = run_meta(con, "standards", result.run_id)
        finally:
            con.close()
        if projects:
            emit(result.projects, fmt, title="Проекты", meta=meta)
        else:
            emit(result.summary.with_columns(run_id=pl.lit(result.run_id)), fmt, title="План: ILP и жадный", meta=meta)

    @sub.command("compute")
    def compute(year: int = typer.Option(..., "--year"), edition: str = EditionOpt,
                roads: bool = typer.Option(True, "--roads/--no-roads",
                                           help="Use the imported road network (when there is one)."),
                fmt: Format = FormatOpt) -> None:
        """Recompute and store coverage for a year (after importing an inventory or a road network)."""
        from aimaq.standards import service

        con = _con()
        try:
            run = service.compute_coverage(con, year, edition=edition, roads=roads)
            for note in run.notes:
                typer.echo(note, err=True)
            frame = run.aggregates.filter((pl.col("level") == "country") & (pl.col("direction") == ""))
        finally:
            con.close()
        emit(frame.with_columns(run_id=pl.lit(run.run_id)), fmt, title=f"run {run.run_id}")

    @sub.command("synth")
    def synth(year: int = typer.Option(..., "--year"), seed: int = typer.Option(2023, "--seed"),
              edition: str = EditionOpt, fmt: Format = FormatOpt) -> None:
        """Generate the SYNTHETIC inventory for a year, calibrated to the review's regional coverage."""
        from aimaq.standards import service

        con = _con()
        try:
            out = service.build_synthetic_inventory(con, year, seed, edition=edition)
        finally:
            con.close()
        emit(out["calibration"], fmt, title=f"Калибровка синтетического реестра {year}: "
                                            f"{out['facilities']} объектов, {out['service_levels']} уровней услуг")

    @sub.command("import-facilities")
    def import_fac(file: Path = typer.Argument(...), year: int = typer.Option(..., "--year"),
                   dry_run: bool = typer.Option(False, "--dry-run"), edition: str = EditionOpt) -> None:
        """Import a facility inventory (CSV/XLSX: kato, facility, lat, lon, name, capacity, wear_pct, condition,
        year_built); all rows or none."""

        from aimaq.standards import service

        con = _con()
        try:
            out = service.import_facilities(con, file, year, edition=edition, dry_run=dry_run)
        finally:
            con.close()
        typer.echo(f"{file}: {out['rows']} facilities" + (" (dry run: nothing written)" if dry_run
                                                          else f" added (import #{out['import_id']})"))

    @sub.command("import-roads")
    def import_roads(file: Path = typer.Argument(..., help="CSV or XLSX with columns from_kato, to_kato, km."),
                     dry_run: bool = typer.Option(False, "--dry-run", help="Only validate; write nothing."),
                     append: bool = typer.Option(False, "--append",
                                                 help="Add to the stored network instead of replacing it."),
                     source: Optional[str] = typer.Option(None, "--source", help="Who measured the distances.")
                     ) -> None:
        """Import a road network (edges between settlements, km by road; ends as KATO codes or settlement names).
        Within-km items then use road distances instead of straight line × detour. All rows or none."""
        from aimaq.standards import service

        con = _con()
        try:
            out = service.import_roads(con, file, source=source, append=append, dry_run=dry_run)
        finally:
            con.close()
        what = f"{file}: {out['edges']} road edges between {out['settlements']} settlements"
        if dry_run:
            typer.echo(what + " (dry run: nothing written)")
        else:
            kept = f", {out['kept_edges']} kept from the previous network" if out["kept_edges"] else ""
            typer.echo(what + f" loaded (import #{out['import_id']}{kept}); run `aimaq standards compute --year "
                              f"YEAR` to recompute coverage")

    @sub.command("catalogue")
    def catalogue(edition: str = EditionOpt, fmt: Format = FormatOpt) -> None:
        """The catalogue's items: code, direction, categories, rule."""
        from aimaq.standards.spec import load_catalogue

        cat = load_catalogue(edition)
        frame = pl.DataFrame([{"code": i.code, "direction": i.direction, "categories": ",".join(i.categories),
                               "mandatory": i.mandatory, "name_ru": i.name_ru, "rule": i.rule.kind,
                               "facility": i.rule.facility, "km": i.rule.km, "indicator": i.rule.indicator,
                               "threshold": i.rule.threshold, "min_population": i.min_population,
                               "cost_fixed_mln": i.cost.fixed_mln} for i in cat.items])
        emit(frame, fmt, title=f"{cat.label} ({cat.status}) sha256 {cat.sha256[:12]}")

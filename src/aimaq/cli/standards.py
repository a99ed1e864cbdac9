"""`aimaq standards ...`: coverage of the System of Regional Standards, gaps, budget plans, inventory."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import polars as pl
import typer

from aimaq.cli.output import Format, emit, format_option, run_meta
from aimaq.i18n import N_, _

FormatOpt = format_option()
EditionOpt = typer.Option("2023", "--edition", help=N_("Catalogue edition (2019, 2023, … or a YAML path)."))


def _con():
    from aimaq.store.db import connect

    return connect()


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help=N_("The system of regional standards: coverage, gaps, budget plan."), no_args_is_help=True)
    app.add_typer(sub, name="standards")

    @sub.command("coverage", help=N_("Coverage (%): unweighted mean over settlements (the headline) and "
                                     "population-weighted, change in percentage points, anomaly flags."))
    def coverage(
        year: int = typer.Option(..., "--year", help=N_("Year of the inventory.")),
        level: str = typer.Option("country", "--level", help=N_("country, region, district or settlement.")),
        region: Optional[str] = typer.Option(None, "--region", help=N_("Only this region (name or KATO).")),
        direction: str = typer.Option("", "--direction",
                                      help=N_("One of the 12 directions (education, health, …).")),
        edition: str = EditionOpt,
        fmt: Format = FormatOpt,
    ) -> None:
        from aimaq.standards import service

        con = _con()
        try:
            frame = service.coverage_table(con, year, level.lower(), edition=edition,
                                           direction=direction.lower())
            meta = run_meta(con, "standards", what=f"coverage {year}")
            if region:
                reg = service.resolve_territory(con, region, "region")
                frame = frame.filter(pl.col("kato").str.slice(0, 2) == reg[:2])
        finally:
            con.close()
        if fmt is not Format.table:  # the column names, beside ours
            frame = frame.select(pl.col("kato").alias("territory_code"), pl.col("name_ru").alias("name"), pl.all())
        synthetic = bool(frame["synthetic"].any())
        emit(frame, fmt, title=_("Coverage by the regional standards, {year}", year=year)
             + (" " + _("(synthetic data)") if synthetic else ""), meta=meta)

    @sub.command("gaps", help=N_("Missing items of a settlement and the nearest place that has each."))
    def gaps(
        kato: str = typer.Argument(..., help=N_("Settlement KATO code (or exact name).")),
        year: int = typer.Option(2023, "--year", help=N_("Year of the inventory.")),
        edition: str = EditionOpt,
        fmt: Format = FormatOpt,
    ) -> None:
        from aimaq.standards import service

        con = _con()
        try:
            frame = service.gaps(con, kato, year, edition=edition)
            synthetic = bool(con.execute("SELECT coalesce(bool_or(synthetic), FALSE) FROM srs_facility "
                                         "WHERE inventory_year = ?", [year]).fetchone()[0])
        finally:
            con.close()
        emit(frame, fmt, title=_("Gaps of {kato}, {year}", kato=kato, year=year),
             meta={"methodology": [_catalogue_line(edition)], "synthetic": synthetic})

    @sub.command("plan", help=N_("Budget plan: the exact integer program (HiGHS) beside a greedy plan; gain and gain "
                                 "per billion tenge."))
    def plan(
        budget: float = typer.Option(..., "--budget", help=N_("Budget, tenge.")),
        year: int = typer.Option(..., "--year", help=N_("Year of the inventory.")),
        objective: str = typer.Option("popweighted", "--objective", help=N_("popweighted or threshold.")),
        threshold: float = typer.Option(70.0, "--threshold",
                                        help=N_("Coverage, %, to lift settlements to (objective threshold).")),
        region: Optional[str] = typer.Option(None, "--region", help=N_("Only projects in this region.")),
        time_limit: float = typer.Option(60.0, "--time-limit", help=N_("Solver time limit, s.")),
        projects: bool = typer.Option(False, "--projects", help=N_("List the chosen projects, not the summary.")),
        edition: str = EditionOpt,
        fmt: Format = FormatOpt,
    ) -> None:
        from aimaq.standards import service

        con = _con()
        try:
            result = service.plan_budget(con, budget, year, objective=objective.lower(), threshold_pct=threshold,
                                         region=region, edition=edition, time_limit_s=time_limit)
            meta = run_meta(con, "standards", result.run_id)
        finally:
            con.close()
        if projects:
            emit(result.projects, fmt, title=_("Projects"), meta=meta)
        else:
            emit(result.summary.with_columns(run_id=pl.lit(result.run_id)), fmt,
                 title=_("Plan: integer program and greedy"), meta=meta)

    @sub.command("compute", help=N_("Recompute and store coverage for a year (after importing an inventory or a "
                                    "road network)."))
    def compute(year: int = typer.Option(..., "--year", help=N_("Year of the inventory.")), edition: str = EditionOpt,
                roads: bool = typer.Option(True, "--roads/--no-roads",
                                           help=N_("Use the imported road network (when there is one).")),
                fmt: Format = FormatOpt) -> None:
        from aimaq.standards import service

        con = _con()
        try:
            run = service.compute_coverage(con, year, edition=edition, roads=roads)
            for note in run.notes:
                typer.echo(note, err=True)
            frame = run.aggregates.filter((pl.col("level") == "country") & (pl.col("direction") == ""))
        finally:
            con.close()
        emit(frame.with_columns(run_id=pl.lit(run.run_id)), fmt, title=_("Run {id}", id=run.run_id))

    @sub.command("synth", help=N_("Generate the SYNTHETIC inventory for a year, calibrated to the review's regional "
                                  "coverage."))
    def synth(year: int = typer.Option(..., "--year", help=N_("Year of the inventory.")),
              seed: int = typer.Option(2023, "--seed", help=N_("Seed of the synthetic data.")),
              edition: str = EditionOpt, fmt: Format = FormatOpt) -> None:
        from aimaq.standards import service

        con = _con()
        try:
            out = service.build_synthetic_inventory(con, year, seed, edition=edition)
        finally:
            con.close()
        emit(out["calibration"], fmt, title=_("Calibration of the synthetic inventory {year}: {facilities} facilities, "
                                              "{levels} service levels", year=year, facilities=out["facilities"],
                                              levels=out["service_levels"]))

    @sub.command("import-facilities", help=N_("Import a facility inventory (CSV/XLSX: kato, facility, lat, lon, name, "
                                              "capacity, wear_pct, condition, year_built); all rows or none."))
    def import_fac(file: Path = typer.Argument(..., help=N_("CSV or XLSX with the facilities.")),
                   year: int = typer.Option(..., "--year", help=N_("Year of the inventory.")),
                   dry_run: bool = typer.Option(False, "--dry-run", help=N_("Validate and report, write nothing.")),
                   edition: str = EditionOpt) -> None:

        from aimaq.standards import service

        con = _con()
        try:
            out = service.import_facilities(con, file, year, edition=edition, dry_run=dry_run)
        finally:
            con.close()
        typer.echo(_("{file}: {n} facilities (dry run: nothing written)", file=file, n=out["rows"]) if dry_run else
                   _("{file}: {n} facilities added (import #{id})", file=file, n=out["rows"], id=out["import_id"]))

    @sub.command("import-roads", help=N_("Import a road network (edges between settlements, km by road; ends as KATO "
                                         "codes or settlement names). Within-km items then use road distances "
                                         "instead of straight line × detour. All rows or none."))
    def import_roads(file: Path = typer.Argument(..., help=N_("CSV or XLSX with columns from_kato, to_kato, km.")),
                     dry_run: bool = typer.Option(False, "--dry-run", help=N_("Validate and report, write nothing.")),
                     append: bool = typer.Option(False, "--append",
                                                 help=N_("Add to the stored network instead of replacing it.")),
                     source: Optional[str] = typer.Option(None, "--source", help=N_("Who measured the distances."))
                     ) -> None:
        from aimaq.standards import service

        con = _con()
        try:
            out = service.import_roads(con, file, source=source, append=append, dry_run=dry_run)
        finally:
            con.close()
        what = _("{file}: {edges} road edges between {n} settlements", file=file, edges=out["edges"],
                 n=out["settlements"])
        if dry_run:
            typer.echo(what + " " + _("(dry run: nothing written)"))
        else:
            kept = (", " + _("{n} kept from the previous network", n=out["kept_edges"])) if out["kept_edges"] else ""
            typer.echo(what + " " + _("loaded (import #{id}{kept}); `aimaq standards compute --year YEAR` recomputes "
                                      "coverage with them", id=out["import_id"], kept=kept))

    @sub.command("catalogue", help=N_("The catalogue's items: code, direction, categories, rule."))
    def catalogue(edition: str = EditionOpt, fmt: Format = FormatOpt) -> None:
        from aimaq.standards.spec import load_catalogue

        cat = load_catalogue(edition)
        frame = pl.DataFrame([{"code": i.code, "direction": i.direction, "categories": ",".join(i.categories),
                               "mandatory": i.mandatory, "name_ru": i.name_ru, "rule": i.rule.kind,
                               "facility": i.rule.facility, "km": i.rule.km, "indicator": i.rule.indicator,
                               "threshold": i.rule.threshold, "min_population": i.min_population,
                               "cost_fixed_mln": i.cost.fixed_mln} for i in cat.items])
        emit(frame, fmt, title=f"{cat.label} ({cat.status}) sha256 {cat.sha256[:12]}",
             meta={"methodology": [_catalogue_line(edition)]})


def _catalogue_line(edition: str) -> str:
    """The catalogue edition as the sheet «Источники и методика» names a methodology: name, version, SHA-256."""
    from aimaq.standards.spec import load_catalogue

    cat = load_catalogue(edition)
    return _("regional standards catalogue {label} ({status}), SHA-256 {sha}…", label=cat.label, status=cat.status,
             sha=cat.sha256[:16])

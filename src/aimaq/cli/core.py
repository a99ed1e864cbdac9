"""Commands of the foundation: import, info, demo, territory, series."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import polars as pl
import typer

from aimaq.cli.output import Format, emit, format_option
from aimaq.i18n import N_, _

FormatOpt = format_option()


# titles of the summary's tables (csv and json keep the English section names as codes)
_SECTION_TITLES = {"territories by level and kind": N_("Territories by level and kind"), "totals": N_("Totals"),
                   "share synthetic": N_("Share of synthetic data")}


def _print_summary(con, fmt: Format) -> None:
    from aimaq.store.catalogue import summary

    for title, frame in summary(con).items():
        if fmt in (Format.table, Format.xlsx):  # one titled table (one sheet) each
            emit(frame, fmt, title=_(_SECTION_TITLES.get(title, title)))
        else:
            emit(frame.with_columns(pl.lit(title).alias("section")), fmt)


def register(app: typer.Typer) -> None:
    @app.command("import", help=N_("Import observations from CSV or XLSX: the whole file is checked first; nothing "
                                   "is written if a row fails."))
    def import_(
        file: Path = typer.Argument(..., help=N_("CSV or XLSX, long or wide layout (see README).")),
        dry_run: bool = typer.Option(False, "--dry-run", help=N_("Validate and report, write nothing.")),
        indicator: Optional[str] = typer.Option(None, "--indicator",
                                                help=N_("Indicator code of a wide file or sheet.")),
        source: Optional[str] = typer.Option(None, "--source", help=N_("Title of the source of these figures.")),
        publisher: str = typer.Option("пользователь", "--publisher", help=N_("Publisher of the source.")),
        fmt: Format = FormatOpt,
    ) -> None:
        from aimaq.errors import ValidationFailed
        from aimaq.ingest.service import import_path
        from aimaq.settings import get_settings

        try:
            result = import_path(get_settings().db_path, file, dry_run=dry_run, indicator=indicator,
                                 source={"title": source, "publisher": publisher} if source else None)
        except ValidationFailed as exc:
            if fmt is not Format.table:  # machine-readable problems on stderr; main() prints them as lines too
                emit(pl.DataFrame([p.__dict__ for p in exc.problems]), fmt, stream=sys.stderr)
            raise
        counts = dict(file=file, layout=result.layout, added=result.added, revised=result.revised,
                      unchanged=result.unchanged, id=result.import_id)
        typer.echo(_("{file}: {layout} layout; would add {added}, would revise {revised}, unchanged {unchanged} "
                     "(dry run: nothing written)", **counts) if dry_run else
                   _("{file}: {layout} layout; added {added}, revised {revised}, unchanged {unchanged} (import "
                     "#{id})", **counts))
        changed = result.changes.filter(pl.col("action") != "unchanged")
        if changed.height and (fmt is not Format.table or changed.height <= 50):
            emit(changed, fmt, title=_("Changes"))

    @app.command("info", help=N_("Summary of an existing database: territories, indicators, observations, "
                                 "sources, share synthetic."))
    def info(fmt: Format = FormatOpt) -> None:
        from aimaq.settings import get_settings
        from aimaq.store.db import connect, holds_no_data

        path = get_settings().db_path
        if str(path) != ":memory:" and Path(path).exists() and holds_no_data(path):
            # a new or emptied file: say how to fill it instead of printing zeros
            typer.echo(_("The database {path} holds no data yet. `aimaq --db {path} init` fills it with the registry, "
                         "national statistics and the review's figures; then `aimaq --db {path} import FILE` adds your "
                         "tables (`aimaq --db {path} demo` builds a complete example on synthetic data instead).",
                         path=path))
            return
        con = connect(read_only=True)  # a missing file is an error naming `aimaq init`
        _print_summary(con, fmt)
        con.close()

    @app.command("demo", help=N_("Build the database (--db) from nothing with the embedded data, synthetic "
                                 "settlements and every job, and print its summary."))
    def demo(
        out: Optional[Path] = typer.Option(None, "--out", help=N_("Also write the main results as CSV and the "
                                                                  "review (HTML, PDF, DOCX) into this folder.")),
        seed: int = typer.Option(2023, "--seed", help=N_("Seed of the synthetic data.")),
        force: bool = typer.Option(False, "--force", help=N_("Replace a database that holds users' imports (the old "
                                                             "file is kept as FILE.bak).")),
        fmt: Format = FormatOpt,
    ) -> None:
        from aimaq.demo import build_demo, highlights, write_outputs
        from aimaq.settings import get_settings

        db_path = get_settings().db_path
        con = build_demo(db_path, seed=seed, force=force)
        typer.echo(_("database: {path}", path=db_path))
        _print_summary(con, fmt)
        figures = highlights(con)
        if fmt is Format.table:
            emit(figures, fmt, title=_("The review's figures beside Aimaq's"))
        else:
            emit(figures.with_columns(pl.lit("highlights").alias("section")), fmt)
        if out:
            from aimaq import progress
            from aimaq.report import build_report

            with progress.step(_("CSV results")):
                written = [str(p) for p in write_outputs(con, out)]
            with progress.step(_("the review (HTML, PDF, DOCX)")):
                written += [str(p) for p in build_report(con, out / "review").values()]
            typer.echo(_("written:") + "\n  " + "\n  ".join(written), err=True)
        con.close()

    indicator = typer.Typer(help=N_("The indicator catalogue."), no_args_is_help=True)
    app.add_typer(indicator, name="indicator")

    @indicator.command("list", help=N_("Indicators with their units, polarity and number of observations."))
    def indicator_list(domain: Optional[str] = typer.Option(None, "--domain", help=N_("Only this domain.")),
                       fmt: Format = FormatOpt) -> None:
        from aimaq.store.catalogue import indicators
        from aimaq.store.db import connect

        emit(indicators(connect(read_only=True), domain), fmt)

    @indicator.command("import", help=N_("Add indicators (code, name_ru, unit[, name_kk, name_en, polarity, domain, "
                                         "description]) before importing their data; checks every row first and "
                                         "writes nothing if one fails."))
    def indicator_import(file: Path = typer.Argument(..., help=N_("CSV or XLSX with the indicators.")),
                         dry_run: bool = typer.Option(False, "--dry-run",
                                                      help=N_("Validate and report, write nothing."))) -> None:
        from aimaq.store.catalogue import import_indicators
        from aimaq.store.db import connect

        con = connect()
        new, known = import_indicators(con, file, dry_run=dry_run)
        con.close()
        typer.echo((_("{file}: would add {new} indicator(s); {known} already known", file=file, new=new, known=known)
                    if dry_run else
                    _("{file}: added {new} indicator(s); {known} already known", file=file, new=new, known=known)))

    @app.command("init", help=N_("A new database for real work: registry, national statistics, real places, the "
                                 "review's figures — nothing synthetic. Fills a new or empty file; one with data only "
                                 "with --force (the old file is kept as FILE.bak)."))
    def init(force: bool = typer.Option(False, "--force", help=N_("Replace a file that holds data (the old file is "
                                                                  "kept as FILE.bak).")),
             fmt: Format = FormatOpt) -> None:
        from aimaq.demo import init_database
        from aimaq.settings import get_settings

        db_path = get_settings().db_path
        con = init_database(db_path, force=force)
        typer.echo(_("database: {path}", path=db_path))
        _print_summary(con, fmt)
        con.close()

    @app.command("backup", help=N_("A consistent copy of the database (--db) into FILE, also while `aimaq web serve` "
                                   "reads it."))
    def backup(file: Path = typer.Argument(..., help=N_("Where to write the copy (a new DuckDB file).")),
               force: bool = typer.Option(False, "--force", help=N_("Replace FILE if it exists."))) -> None:
        from aimaq.settings import get_settings
        from aimaq.store.backup import backup_database

        counts = backup_database(get_settings().db_path, file, overwrite=force)
        typer.echo(_("{file}: {tables} tables, {rows} rows (observation: {observations}, import_batch: {imports})",
                     file=file, tables=len(counts), rows=sum(counts.values()),
                     observations=counts.get("observation", 0), imports=counts.get("import_batch", 0)))

    territory = typer.Typer(help=N_("The territorial registry and its reforms."), no_args_is_help=True)
    app.add_typer(territory, name="territory")

    def _date(text: Optional[str]):
        """--at as a date; a malformed one is a usage error naming the option."""
        import datetime as dt

        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise typer.BadParameter(_("«{value}» is not a date (YYYY-MM-DD)", value=text), param_hint="--at")

    @territory.command("resolve", help=N_("Which territory a name means (as a table would write it)."))
    def resolve(name: str = typer.Argument(..., help=N_("A name as tables write it, or a KATO code.")),
                at: Optional[str] = typer.Option(None, "--at", help=N_("Date (YYYY-MM-DD).")),
                within: Optional[str] = typer.Option(None, "--within", help=N_("KATO of a region or district.")),
                fmt: Format = FormatOpt) -> None:
        from aimaq.store.db import connect
        from aimaq.territory.repository import load_name_index

        con = connect(read_only=True)
        c = load_name_index(con).resolve(name, at=_date(at), within=within)
        emit(pl.DataFrame([{"name": name, "kato": c.kato, "territory": c.name, "level": c.level, "kind": c.kind,
                            "valid_from": str(c.valid_from), "valid_to": str(c.valid_to or "")}]), fmt)

    @territory.command("list", help=N_("Territories of a level, valid at a date."))
    def list_(level: Optional[str] = typer.Option(None, "--level",
                                                  help=N_("country, region, district, okrug or settlement.")),
              at: Optional[str] = typer.Option(None, "--at", help=N_("Date (YYYY-MM-DD); default: all versions.")),
              fmt: Format = FormatOpt) -> None:
        from aimaq.store.db import connect
        from aimaq.territory.repository import territories

        con = connect(read_only=True)
        frame = territories(con, level.lower() if level else None, _date(at))
        # the sheet «Источники и методика»: where the registry's rows come from, whether some are generated
        sources = frame["source"].drop_nulls().unique().sort().to_list()
        meta = {"sources": sources, "synthetic": bool(frame["synthetic"].any())}
        if meta["synthetic"]:
            meta["notes"] = [_("synthetic settlements: {n} of {total}", n=int(frame["synthetic"].sum()),
                               total=frame.height)]
        emit(frame.select("kato", "name_ru", "name_kk", "name_en", "level", "kind", "parent_kato", "valid_from",
                          "valid_to", "population", "synthetic"), fmt, title=_("Territories"), meta=meta)

    @territory.command("events", help=N_("Reforms: splits, merges, renames, status changes."))
    def events_(fmt: Format = FormatOpt) -> None:
        from aimaq.store.db import connect
        from aimaq.territory.repository import events

        con = connect(read_only=True)
        frame = events(con).with_columns(pl.col("codes_before").list.join("|"), pl.col("codes_after").list.join("|"))
        emit(frame.select("date", "kind", "codes_before", "codes_after", "description_ru"), fmt,
             title=_("Reforms of the territorial division"),
             meta={"sources": frame["source"].drop_nulls().unique().sort().to_list()})

    @app.command("runs", help=N_("Every computed run with its methodology spec (name, version, SHA-256) and code "
                                 "version."))
    def runs_(fmt: Format = FormatOpt) -> None:
        from aimaq.store.catalogue import runs
        from aimaq.store.db import connect

        emit(runs(connect(read_only=True)), fmt)

    @app.command("flags", help=N_("Published figures kept as published but flagged as inconsistent."))
    def flags(source: Optional[str] = typer.Option(None, "--source",
                                                   help=N_("Part of a source title, e.g. «Региональный».")),
              fmt: Format = FormatOpt) -> None:
        from aimaq.store.db import connect

        con = connect(read_only=True)
        from aimaq.i18n import get_language

        frame = con.execute(f"""
            SELECT o.kato, t.name_ru AS territory, o.indicator, o.period, o.breakdown, o.value, o.flag,
                   s.title AS source, s.place, coalesce(i.name_{get_language()}, i.name_ru) AS indicator_name
            FROM observation_latest o
            LEFT JOIN (SELECT kato, any_value(name_ru) AS name_ru FROM territory GROUP BY kato) t USING (kato)
            LEFT JOIN source s USING (source_id)
            LEFT JOIN indicator i ON i.code = o.indicator
            WHERE o.flag IS NOT NULL AND (? IS NULL OR s.title ILIKE '%' || ? || '%')
            ORDER BY s.title, s.place, o.indicator, o.period""", [source, source]).pl()
        if fmt in (Format.table, Format.xlsx):  # people read the indicator's name; files for tools keep its code
            frame = frame.with_columns(pl.coalesce("indicator_name", "indicator").alias("indicator"))
        frame = frame.drop("indicator_name")
        if fmt is Format.table:  # on a narrow screen the note is what matters: it comes right after the figure
            frame = frame.select("territory", "period", "value", "flag", "indicator", pl.exclude(
                "territory", "period", "value", "flag", "indicator"))
        emit(frame, fmt, title=_("Published figures kept as published but flagged"))

    @app.command("series", help=N_("An indicator by territory and period, optionally on the boundaries of a chosen "
                                   "year."))
    def series(indicator: str = typer.Argument(..., help=N_("Indicator code or name (e.g. «Число родившихся»).")),
               boundaries: Optional[int] = typer.Option(
                   None, "--boundaries", help=N_("Show regions on the boundaries of this year.")),
               level: str = typer.Option("region", "--level", help=N_("region or district.")),
               revision: Optional[int] = typer.Option(None, "--revision",
                                                      help=N_("Read as of this revision number.")),
               as_of_import: Optional[int] = typer.Option(None, "--as-of-import",
                                                          help=N_("Read the database as it stood after this import.")),
               fmt: Format = FormatOpt) -> None:
        from aimaq.cli.output import observation_sources
        from aimaq.store.catalogue import resolve_indicator
        from aimaq.store.db import connect
        from aimaq.territory.boundaries import series_on_boundaries

        con = connect(read_only=True)
        frame, notes = series_on_boundaries(con, indicator, boundaries, level=level.lower(), max_revision=revision,
                                            as_of_import=as_of_import)
        code = resolve_indicator(con, indicator)
        meta = observation_sources(con, [code])
        meta["synthetic"] = bool(con.execute("SELECT coalesce(bool_or(synthetic), FALSE) FROM observation_latest "
                                             "WHERE indicator = ?", [code]).fetchone()[0])
        meta["title"] = code
        if boundaries is not None:  # how the values were carried onto the chosen year's regions
            meta["methodology"] = [_("regions on the boundaries of {year}: values of split or merged regions are "
                                     "summed where the indicator adds up, otherwise shown as impossible (column "
                                     "«how»)", year=boundaries), *notes]
        emit(frame, fmt, meta=meta)
        for note in notes:
            typer.echo(_("note: {text}", text=note), err=True)

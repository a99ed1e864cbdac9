"""Commands of the foundation: import, info, demo, territory, series."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import polars as pl
import typer

from aimaq.cli.output import Format, emit, format_option

FormatOpt = format_option()


def _print_summary(con, fmt: Format) -> None:
    from aimaq.store.catalogue import summary

    for title, frame in summary(con).items():
        if fmt is Format.table:
            emit(frame, fmt, title=title)
        else:
            emit(frame.with_columns(pl.lit(title).alias("section")), fmt)


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        file: Path = typer.Argument(..., help="CSV or XLSX, long or wide layout (see README)."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report, write nothing."),
        indicator: Optional[str] = typer.Option(None, "--indicator", help="Indicator code of a wide file/sheet."),
        source: Optional[str] = typer.Option(None, "--source", help="Title of the source of these figures."),
        publisher: str = typer.Option("пользователь", "--publisher", help="Publisher of the source."),
        fmt: Format = FormatOpt,
    ) -> None:
        """Импорт данных / Import observations: the whole file is checked first; nothing is written if a row fails.
        The database is opened for writing only for the write itself (never with --dry-run)."""
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
        verb = "would add" if dry_run else "added"
        typer.echo(f"{file}: {result.layout} layout; {verb} {result.added}, "
                   f"{'would revise' if dry_run else 'revised'} {result.revised}, unchanged {result.unchanged}"
                   + (" (dry run: nothing written)" if dry_run else f" (import #{result.import_id})"))
        changed = result.changes.filter(pl.col("action") != "unchanged")
        if changed.height and (fmt is not Format.table or changed.height <= 50):
            emit(changed, fmt, title="changes")

    @app.command("info")
    def info(fmt: Format = FormatOpt) -> None:
        """Сводка по базе / Summary of an existing database."""
        from aimaq.settings import get_settings
        from aimaq.store.db import connect

        con = connect(get_settings().db_path, read_only=True)
        _print_summary(con, fmt)

    @app.command("demo")
    def demo(
        out: Optional[Path] = typer.Option(None, "--out", help="Also write the main results as CSV and the review "
                                           "(HTML, PDF, DOCX) into this folder."),
        seed: int = typer.Option(2023, "--seed", help="Seed of the synthetic data."),
        force: bool = typer.Option(False, "--force", help="Replace a database that holds users' imports (the old "
                                   "file is kept as FILE.bak)."),
        fmt: Format = FormatOpt,
    ) -> None:
        """Демонстрация / Build the database (--db) from nothing with the embedded data and print its summary.
        A database holding users' imports is replaced only with --force (kept as FILE.bak)."""
        from aimaq.demo import build_demo, highlights, write_outputs
        from aimaq.settings import get_settings

        db_path = get_settings().db_path
        con = build_demo(db_path, seed=seed, progress=fmt is Format.table, force=force)
        typer.echo(f"database: {db_path}")
        _print_summary(con, fmt)
        figures = highlights(con)
        if fmt is Format.table:
            emit(figures, fmt, title="Обзор и расчёт Aimaq / the review beside Aimaq's figures")
        else:
            emit(figures.with_columns(pl.lit("highlights").alias("section")), fmt)
        if out:
            from aimaq.report import build_report

            written = [str(p) for p in write_outputs(con, out)]
            written += [str(p) for p in build_report(con, out / "review").values()]
            typer.echo("wrote:\n  " + "\n  ".join(written), err=True)
        con.close()

    indicator = typer.Typer(help="Справочник показателей / The indicator catalogue.", no_args_is_help=True)
    app.add_typer(indicator, name="indicator")

    @indicator.command("list")
    def indicator_list(domain: Optional[str] = typer.Option(None, "--domain"), fmt: Format = FormatOpt) -> None:
        """Indicators with their units, polarity and number of observations."""
        from aimaq.store.catalogue import indicators
        from aimaq.store.db import connect

        emit(indicators(connect(read_only=True), domain), fmt)

    @indicator.command("import")
    def indicator_import(file: Path, dry_run: bool = typer.Option(False, "--dry-run")) -> None:
        """Add indicators (code, name_ru, unit[, name_kk, name_en, polarity, domain, description]) before importing
        their data; checks every row first and writes nothing if one fails."""
        from aimaq.store.catalogue import import_indicators
        from aimaq.store.db import connect

        con = connect()
        new, known = import_indicators(con, file, dry_run=dry_run)
        typer.echo(f"{file}: {'would add' if dry_run else 'added'} {new} indicator(s); {known} already known")

    @app.command("init")
    def init(force: bool = typer.Option(False, "--force", help="Replace an existing file (kept as FILE.bak)."),
             fmt: Format = FormatOpt) -> None:
        """Новая база для работы / A new database for real work: registry, national statistics, real places,
        the review's figures — nothing synthetic. An existing file is replaced only with --force (kept as
        FILE.bak)."""
        from aimaq.demo import init_database
        from aimaq.settings import get_settings

        db_path = get_settings().db_path
        con = init_database(db_path, progress=fmt is Format.table, force=force)
        typer.echo(f"database: {db_path}")
        _print_summary(con, fmt)
        con.close()

    @app.command("backup")
    def backup(file: Path = typer.Argument(..., help="Where to write the copy (a new DuckDB file)."),
               force: bool = typer.Option(False, "--force", help="Replace FILE if it exists.")) -> None:
        """Резервная копия / A consistent copy of the database (--db), also while `aimaq web serve` reads it."""
        from aimaq.settings import get_settings
        from aimaq.store.backup import backup_database

        counts = backup_database(get_settings().db_path, file, overwrite=force)
        typer.echo(f"{file}: {len(counts)} tables, {sum(counts.values())} rows "
                   f"(observation: {counts.get('observation', 0)}, import_batch: {counts.get('import_batch', 0)})")

    territory = typer.Typer(help="Административно-территориальное деление / The territorial registry.", no_args_is_help=True)
    app.add_typer(territory, name="territory")

    @territory.command("resolve")
    def resolve(name: str, at: Optional[str] = typer.Option(None, "--at", help="Date (YYYY-MM-DD)."),
                within: Optional[str] = typer.Option(None, "--within", help="KATO of a region or district."),
                fmt: Format = FormatOpt) -> None:
        """Which territory a name means (as a table would write it)."""
        import datetime as dt

        from aimaq.store.db import connect
        from aimaq.territory.repository import load_name_index

        con = connect(read_only=True)
        c = load_name_index(con).resolve(name, at=dt.date.fromisoformat(at) if at else None, within=within)
        emit(pl.DataFrame([{"name": name, "kato": c.kato, "territory": c.name, "level": c.level, "kind": c.kind,
                            "valid_from": str(c.valid_from), "valid_to": str(c.valid_to or "")}]), fmt)

    @territory.command("list")
    def list_(level: Optional[str] = typer.Option(None, "--level"),
              at: Optional[str] = typer.Option(None, "--at", help="Date (YYYY-MM-DD); default: all versions."),
              fmt: Format = FormatOpt) -> None:
        """Territories of a level, valid at a date."""
        import datetime as dt

        from aimaq.store.db import connect
        from aimaq.territory.repository import territories

        con = connect(read_only=True)
        frame = territories(con, level, dt.date.fromisoformat(at) if at else None)
        emit(frame.select("kato", "name_ru", "name_kk", "name_en", "level", "kind", "parent_kato", "valid_from",
                          "valid_to", "population", "synthetic"), fmt)

    @territory.command("events")
    def events_(fmt: Format = FormatOpt) -> None:
        """Reforms: splits, merges, renames, status changes."""
        from aimaq.store.db import connect
        from aimaq.territory.repository import events

        con = connect(read_only=True)
        frame = events(con).with_columns(pl.col("codes_before").list.join("|"), pl.col("codes_after").list.join("|"))
        emit(frame.select("date", "kind", "codes_before", "codes_after", "description_ru"), fmt)

    @app.command("runs")
    def runs_(fmt: Format = FormatOpt) -> None:
        """Расчёты и методики / Every computed run with its methodology spec (name, version, SHA-256) and code."""
        from aimaq.store.catalogue import runs
        from aimaq.store.db import connect

        emit(runs(connect(read_only=True)), fmt)

    @app.command("flags")
    def flags(source: Optional[str] = typer.Option(None, "--source", help="Part of a source title, e.g. «Региональный»."),
              fmt: Format = FormatOpt) -> None:
        """Несоответствия в источниках / Published figures kept as published but flagged as inconsistent."""
        from aimaq.store.db import connect

        con = connect(read_only=True)
        frame = con.execute("""
            SELECT o.kato, t.name_ru AS territory, o.indicator, o.period, o.breakdown, o.value, o.flag,
                   s.title AS source, s.place
            FROM observation_latest o
            LEFT JOIN (SELECT kato, any_value(name_ru) AS name_ru FROM territory GROUP BY kato) t USING (kato)
            LEFT JOIN source s USING (source_id)
            WHERE o.flag IS NOT NULL AND (? IS NULL OR s.title ILIKE '%' || ? || '%')
            ORDER BY s.title, s.place, o.indicator, o.period""", [source, source]).pl()
        emit(frame, fmt)

    @app.command("series")
    def series(indicator: str, boundaries: Optional[int] = typer.Option(
                   None, "--boundaries", help="Show regions on the boundaries of this year."),
               level: str = typer.Option("region", "--level"),
               revision: Optional[int] = typer.Option(None, "--revision", help="Read as of this revision number."),
               as_of_import: Optional[int] = typer.Option(None, "--as-of-import",
                                                          help="Read the database as it stood after this import."),
               fmt: Format = FormatOpt) -> None:
        """Ряд показателя / An indicator by territory and period, optionally on the boundaries of a chosen year."""
        from aimaq.store.db import connect
        from aimaq.territory.boundaries import series_on_boundaries

        con = connect(read_only=True)
        frame, notes = series_on_boundaries(con, indicator, boundaries, level=level, max_revision=revision,
                                            as_of_import=as_of_import)
        emit(frame, fmt)
        for note in notes:
            typer.echo(f"note: {note}", err=True)

"""`aimaq demo`: build the database from nothing with everything the package ships, deterministically."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from aimaq import progress
from aimaq.i18n import N_, _
from aimaq.store.db import connect, holds_no_data

# Columns that say when something was loaded: they differ between two builds and are left out of the digest.
_TIME_COLUMNS = {"loaded_at", "applied_at", "computed_at", "created_at"}


def build_demo(db_path: str | Path, *, seed: int = 2023, force: bool = False) -> duckdb.DuckDBPyConnection:
    """Build the demo database at `db_path`. A database file there that holds users' imports is replaced only with
    `force`, and then kept as FILE.bak."""
    from aimaq.store.db import is_server

    if is_server(db_path):
        return _build_on_server(str(db_path), _steps(seed), replace=True)
    db_path = Path(db_path)
    keep = _may_replace(db_path, force, "demo")
    return _build(db_path, _steps(seed), replace=True, keep_old=keep)


def init_database(db_path: str | Path, *, force: bool = False) -> duckdb.DuckDBPyConnection:
    """A database for real work: the registry, national statistics, the real places and the review's figures —
    nothing synthetic. Fills a new file or one that holds no data (an empty file, a database without rows); one
    with data only with `force`, and then the old file is kept as FILE.bak (nothing is ever lost)."""
    from aimaq.store.db import is_server

    if is_server(db_path):
        return _build_on_server(str(db_path), _steps(2023, synthetic=False), replace=False)
    db_path = Path(db_path)
    if holds_no_data(db_path):
        return _build(db_path, _steps(2023, synthetic=False), replace=db_path.exists())
    keep = _may_replace(db_path, force, "init")
    return _build(db_path, _steps(2023, synthetic=False), replace=True, keep_old=keep)


def _may_replace(db_path: Path, force: bool, command: str) -> bool:
    """Whether the file at `db_path` is to be kept as FILE.bak; refuses when it holds users' work and no --force.
    `demo` replaces a database without users' imports as before; `init` never replaces data unasked."""
    from aimaq.errors import AimaqError
    from aimaq.store.backup import users_imports

    if not db_path.exists():
        return False
    held = users_imports(db_path)
    if command == "demo" and held == 0:
        return False
    if not force:
        if held:
            raise AimaqError(_("{db} holds {n} import(s) of users' files: `aimaq {command}` would replace them. "
                               "Choose another --db, or pass --force to replace it (the old file is kept as "
                               "{bak})", db=str(db_path), n=held, command=command, bak=db_path.name + ".bak"))
        raise AimaqError(_("{path} already holds data: `aimaq init` only fills a new or empty database "
                           "(choose another --db)", path=db_path) + " " + _(
                           "{db} exists: `aimaq {command}` does not replace it unasked. Choose another --db, or "
                           "pass --force (the old file is kept as {bak})", db=str(db_path), command=command,
                           bak=db_path.name + ".bak"))
    return True


def _build(db_path: Path, steps, replace: bool, keep_old: bool = False) -> duckdb.DuckDBPyConnection:
    """Build into a side file and move it into place only when every step succeeded: a failed build leaves
    whatever was at `db_path` as it was."""
    building = db_path.with_name(db_path.name + ".building")
    for stale in (building, Path(str(building) + ".wal")):
        stale.unlink(missing_ok=True)
    con = connect(building, create=True)
    try:
        _run(con, steps)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    if not replace and db_path.exists():
        building.unlink()
        from aimaq.errors import AimaqError

        raise AimaqError(_("{path} appeared while building; left as it was", path=db_path))
    if replace and not keep_old and db_path.exists():
        from aimaq.store.backup import users_imports

        if users_imports(db_path):  # a user imported into it while this was building: keep theirs
            building.unlink()
            from aimaq.errors import AimaqError

            raise AimaqError(_("{path} received users' imports while building; left as it was", path=db_path))
    wal = Path(str(db_path) + ".wal")
    if keep_old and db_path.exists():  # the replaced database, with its write-ahead log, as FILE.bak
        backup = db_path.with_name(db_path.name + ".bak")
        Path(str(backup) + ".wal").unlink(missing_ok=True)
        db_path.replace(backup)
        if wal.exists():
            wal.replace(Path(str(backup) + ".wal"))
    wal.unlink(missing_ok=True)
    building.replace(db_path)
    return connect(db_path)


def _build_on_server(url: str, steps, replace: bool):
    """PostgreSQL: build in a side schema, then swap it for `public` in one transaction — a failed build leaves
    `public` as it was. `init` refuses a database that already holds Aimaq's tables."""
    from aimaq.errors import AimaqError
    from aimaq.store.db import connect

    con = connect(url, schema=_BUILD_SCHEMA)
    try:
        held = con.query_server("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' "
                                "AND table_name = 'schema_migration'")[0][0]
        if held and not replace:
            raise AimaqError(_("the PostgreSQL database already holds Aimaq's tables: `aimaq init` only creates a "
                               "new database (choose another one)"))
        con.run_on_server(f'DROP SCHEMA IF EXISTS "{_BUILD_SCHEMA}" CASCADE; CREATE SCHEMA "{_BUILD_SCHEMA}"',
                          schema_first=False)
        con.close()
        con = connect(url, schema=_BUILD_SCHEMA)
        _run(con, steps)
        con.run_on_server(f'DROP SCHEMA IF EXISTS aimaq_replaced CASCADE; ALTER SCHEMA public RENAME TO aimaq_replaced; '
                          f'ALTER SCHEMA "{_BUILD_SCHEMA}" RENAME TO public; DROP SCHEMA aimaq_replaced CASCADE',
                          schema_first=False)
    finally:
        con.close()
    return connect(url)


_BUILD_SCHEMA = "aimaq_building"


def _run(con: duckdb.DuckDBPyConnection, steps) -> duckdb.DuckDBPyConnection:
    """Each step in turn, shown as a ticked line with its time on a terminal (aimaq.progress)."""
    for title, step in steps:
        with progress.step(_(title)):
            step(con)
    return con


def _steps(seed: int, synthetic: bool = True):
    from aimaq.ingest.shipped import load_review, load_stats
    from aimaq.territory.registry import build_registry
    from aimaq.territory.repository import save_registry

    steps = [(N_("territorial registry"), lambda con: save_registry(con, build_registry()))]
    steps.append((N_("national statistics"), load_stats))
    if synthetic:
        steps.append((N_("settlements (real places + synthetic)"), lambda con: load_settlements(con, seed)))
    else:
        steps.append((N_("settlements (real places only)"), lambda con: load_settlements(con, seed, real_only=True)))
    steps.append((N_("former names of towns"), add_former_names))
    steps.append((N_("the review's figures"), load_review))
    if not synthetic:
        return steps
    steps.append((N_("city quality-of-life rating (synthetic inputs, 2022–2024)"), lambda con: _rating(con, seed)))
    steps.append((N_("demographic forecast to 2035 (medium, 200 draws)"), lambda con: _forecast(con, seed)))
    steps.append((N_("regional standards: synthetic inventories 2022, 2023 and coverage"),
                  lambda con: _standards(con, seed)))
    steps.append((N_("villages with development potential"), _villages))
    steps.append((N_("monotowns: synthetic indicators and classification"), lambda con: _monotowns(con, seed)))
    return steps


def _rating(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    from aimaq.rating import build_synthetic_rating_data, compute_rating

    build_synthetic_rating_data(con, seed=seed)
    for year in (2022, 2023, 2024):
        compute_rating(con, year)


def _forecast(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    from aimaq.demography.repository import run_default_forecast

    run_default_forecast(con, draws=200, seed=seed)


def _standards(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    from aimaq.standards.service import build_synthetic_inventory

    for year in (2022, 2023):  # 2023 measures its change against 2022
        build_synthetic_inventory(con, year, seed=seed)


def _villages(con: duckdb.DuckDBPyConnection) -> None:
    from aimaq.rural.service import classify_villages

    classify_villages(con)


def _monotowns(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    from aimaq.monotowns import build_synthetic_monotown_data, classify_monotowns

    build_synthetic_monotown_data(con, seed)
    classify_monotowns(con)


def highlights(con: duckdb.DuckDBPyConnection):
    """The review's headline figures beside what Aimaq computes from the demo data, each saying what it rests on
    and, where the synthetic inputs were fitted to the review, that the agreement is by construction.

    Columns (stable codes for CSV/JSON): figure, review (the published value; for a range its lower end),
    review_upper (a range's upper end), aimaq, synthetic, basis, agreement_note."""
    import polars as pl

    from aimaq.rating.service import rating_summary
    from aimaq.rural.service import show_villages
    from aimaq.standards.service import coverage_table

    def published(indicator, period, breakdown):
        row = con.execute("SELECT value FROM observation_latest WHERE kato = '000000000' AND indicator = ? "
                          "AND period = ? AND breakdown = ?", [indicator, period, breakdown]).fetchone()
        return None if row is None else float(row[0])

    fitted = _("matches by construction: the synthetic data were fitted to the review")
    rows = []
    rating = rating_summary(con, 2024, "computed")
    rows.append((_("Mean quality-of-life rating score, 2024 (26 cities)"),
                 published("qol_score", "2024", "aggregate=средний балл по городам"), None, round(rating["mean"], 2),
                 True, _("synthetic indicators and survey, calibrated to the review's Table 2"), fitted))
    coverage = coverage_table(con, 2023, "country").filter(pl.col("group") == "all")
    rows.append((_("Coverage by the system of regional standards, 2023, %"),
                 published("srs_coverage_pct", "2023", "aggregate=все населенные пункты"), None,
                 round(coverage["coverage_pct"][0], 1), True,
                 _("synthetic facility inventory, calibrated region by region"), fitted))
    villages = show_villages(con).row(0, named=True)
    rows.append((_("Villages with development potential, thousand"),
                 published("villages_count_thousand", "2024", "aggregate=СНП с потенциалом развития"), None,
                 round(villages["with_potential"] / 1000, 2), True,
                 _("synthetic villages; criteria from the default specification"), fitted))
    rows.append((_("Share of rural residents living in villages with potential, %"),
                 published("rural_residents_share_pct", "2024", "aggregate=СНП с потенциалом развития"), None,
                 round(villages["population_share_with_potential_pct"], 1), True,
                 _("synthetic villages; criteria from the default specification"), fitted))
    forecast = con.execute("""SELECT i.population, i.urban_share FROM forecast_indicator i
                              WHERE i.region_code = '000000000' AND i.year = 2030
                              AND i.run_id = (SELECT max(run_id) FROM forecast_run WHERE kind = 'forecast')""").fetchone()
    if forecast:
        # the forecast starts from real statistics; where it agrees with the review it is not by construction
        rows.append((_("Population on 1 January 2030, million"),
                     published("population_million", "2030", "kind=forecast"), None, round(forecast[0] / 1e6, 2),
                     False, _("real data of the Bureau of National Statistics and UN WPP 2024 with assumptions "
                              "(see `aimaq forecast show`)"), ""))
        rows.append((_("Urbanisation, 2030, %"),
                     published("urbanisation_pct", "2030", "kind=forecast;bound=lower"),
                     published("urbanisation_pct", "2030", "kind=forecast;bound=upper"),
                     round(forecast[1] * 100, 1), False,
                     _("urban shares by region, partly assumptions"), ""))
    return pl.DataFrame(rows, schema={"figure": pl.Utf8, "review": pl.Float64, "review_upper": pl.Float64,
                                      "aimaq": pl.Float64, "synthetic": pl.Boolean, "basis": pl.Utf8,
                                      "agreement_note": pl.Utf8}, orient="row")


def write_outputs(con: duckdb.DuckDBPyConnection, out: Path) -> list[Path]:
    """The demo's main results as CSV (UTF-8, one header row, decimal point) for a spreadsheet user."""
    from aimaq.demography.repository import load_results
    from aimaq.rating.service import show_rating
    from aimaq.rural.service import show_villages
    from aimaq.standards.service import coverage_table

    out.mkdir(parents=True, exist_ok=True)
    run_id = con.execute("SELECT max(run_id) FROM forecast_run WHERE kind = 'forecast'").fetchone()[0]
    tables = {
        "highlights.csv": highlights(con),
        "rating_2024_published.csv": show_rating(con, 2024, "published"),
        "rating_2024_computed_synthetic.csv": show_rating(con, 2024, "computed"),
        "standards_coverage_2023_regions_synthetic.csv": coverage_table(con, 2023, "region"),
        "villages_by_region_synthetic.csv": show_villages(con),
        "forecast_2030_regions.csv": load_results(con, run_id, year=2030),
        "flags.csv": con.execute("""SELECT o.kato, o.indicator, o.period, o.breakdown, o.value, o.flag, s.place
                                    FROM observation_latest o LEFT JOIN source s USING (source_id)
                                    WHERE o.flag IS NOT NULL ORDER BY s.place""").pl(),
    }
    from aimaq.ingest.escape import escape_formulas

    written = []
    for name, frame in tables.items():
        path = out / name
        escape_formulas(frame).write_csv(path)
        written.append(path)
    return written


def content_digest(con: duckdb.DuckDBPyConnection) -> str:
    """A hash of every table's content (sorted rows), without load timestamps: equal for equal databases."""
    digest = hashlib.sha256()
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
    for table in tables:
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table]).fetchall() if r[0] not in _TIME_COLUMNS]
        rows = con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL").fetchall()
        # parallel sums may differ in the last binary digit between runs: compare at 12 significant digits
        rows = [tuple(float(f"{v:.12g}") if isinstance(v, float) else v for v in row) for row in rows]
        digest.update(f"{table}:{cols}:{rows}".encode())
    return digest.hexdigest()


def _synth_source() -> dict:
    from aimaq.synth.settlements import SPEC_NAME

    return {"publisher": "Aimaq", "title": f"Синтетические населённые пункты (генератор aimaq.synth, спецификация "
            f"{SPEC_NAME})", "licence": "synthetic data; real places: GeoNames CC BY 4.0"}


def load_settlements(con: duckdb.DuckDBPyConnection, seed: int, real_only: bool = False) -> None:
    """Rural okrugs and settlements from the seeded generator; real places keep their names, coordinates and
    populations. Their populations (1 Jan 2019 and 2023) also become observations, marked synthetic."""
    import polars as pl

    from aimaq.ingest.service import write_records
    from aimaq.synth.settlements import SPEC_NAME, generate_settlements
    from aimaq.territory.repository import save_territories

    frames = generate_settlements(seed)
    source = _synth_source()
    if real_only:  # real places, and the towns every city of oblast significance has (Алатау's figures are
        # synthetic and marked so); no synthetic villages, okrugs or filler towns
        real = ~pl.col("synthetic") | (pl.col("kind") == "city_oblast")
        frames = {"okrugs": frames["okrugs"].clear(),
                  "settlements": frames["settlements"].filter(real).with_columns(
                      pl.lit(None, dtype=pl.Utf8).alias("okrug_kato"))}
    okrugs = frames["okrugs"].select(
        "kato", "name_ru", "name_kk", "name_en", pl.lit("okrug").alias("level"), pl.lit("rural_okrug").alias("kind"),
        pl.col("district_kato").alias("parent_kato"), pl.col("synthetic"),
        pl.lit(source["title"]).alias("source"))
    save_territories(con, okrugs)
    settlements = frames["settlements"]
    save_territories(con, settlements.with_columns(
        pl.coalesce("okrug_kato", "district_kato").alias("parent_kato"),
        pl.when(pl.col("synthetic")).then(pl.lit(source["title"])).otherwise(pl.col("source")).alias("source")))
    if real_only:  # populations stay on the territory rows (GeoNames figures); 2019 ones are synthetic
        return
    records = [{"kato": k, "indicator": "population", "period": period, "breakdown": "", "value": float(v),
                "note": "synthetic" if syn else f"population: {psrc}"}
               for period, column in (("2019", "population_2019"), ("2023", "population"))
               for k, v, syn, psrc in settlements.select("kato", column, "synthetic", "population_source").iter_rows()]
    write_records(con, records, file=f"synth/{SPEC_NAME}", layout="generated", source=source, synthetic=True)


def add_former_names(con: duckdb.DuckDBPyConnection) -> int:
    """Former names the review and GeoNames give (Затобольск → Тобыл, Капшагай → Конаев, Жетыген → Алатау) become
    aliases of the towns, so that old tables still resolve."""
    from aimaq.data import data_path
    from aimaq.ingest.shipped import _rows
    from aimaq.territory.repository import load_name_index

    index = load_name_index(con)
    added = 0
    for _rownum, row in _rows(data_path("review", "named_places.csv")):
        if not row["former_names"]:
            continue
        region = index.resolve(row["region"], level="region").kato
        town = index.resolve(f"г. {row['name_ru']}", within=region, level="settlement")
        for former in row["former_names"].split("|"):
            con.execute("INSERT INTO territory_alias VALUES (?, ?, 'former', 'ru', NULL)", [town.kato, former])
            added += 1
    return added

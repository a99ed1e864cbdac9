"""Standards service: load settlements, inventory and service levels from the database, compute, save results
with the catalogue's name, version and hash. The only module of the package that touches DuckDB."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl

import aimaq
from aimaq.errors import ComputationError, UnknownNameError, ValidationFailed
from aimaq.standards import aggregate as agg
from aimaq.standards.coverage import direction_coverage, evaluate, gap_list, settlement_coverage
from aimaq.standards.spec import Catalogue, load_catalogue

DEFAULT_EDITION = "2023"
SYNTH_SOURCE = {"publisher": "Aimaq", "title": "Синтетический реестр объектов и уровней услуг СРС (генератор "
                "aimaq.standards.synthetic, спецификация synthetic_v1)", "licence": "synthetic data"}


# --- loading ------------------------------------------------------------------------------------------------
def load_settlements(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Current settlements with region and district codes, and the rural role of the latest village
    classification when there is one (support villages use the 40-item standard)."""
    frame = con.execute("""
        SELECT s.kato, s.name_ru, s.kind, s.lat, s.lon, s.population, s.synthetic,
               substr(s.kato, 1, 2) || '0000000' AS region_kato,
               coalesce(CASE WHEN p.level = 'okrug' THEN p.parent_kato END, s.parent_kato) AS district_kato
        FROM territory s LEFT JOIN territory p ON p.kato = s.parent_kato AND p.valid_to IS NULL
        WHERE s.level = 'settlement' AND s.valid_to IS NULL
        ORDER BY s.kato""").pl()
    if frame.is_empty():
        raise ComputationError("no settlements in the database; run `aimaq demo` or import settlements first")
    has_rural = con.execute("SELECT count(*) FROM rural_run").fetchone()[0]
    if has_rural:
        roles = con.execute("""SELECT kato, role FROM rural_village_class
                               WHERE run_id = (SELECT max(run_id) FROM rural_run)""").pl()
        frame = frame.join(roles, on="kato", how="left")
    return frame


def load_facilities(con: duckdb.DuckDBPyConnection, year: int) -> pl.DataFrame:
    return con.execute("""SELECT kato, facility, lat, lon, capacity, wear_pct, condition, year_built, synthetic
                          FROM srs_facility WHERE inventory_year = ? ORDER BY facility_id""", [year]).pl()


def load_levels(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, year: int) -> pl.DataFrame:
    indicators = sorted({i.rule.indicator for i in catalogue.items if i.rule.indicator})
    return con.execute(f"""SELECT kato, indicator, value, synthetic FROM observation_latest
                           WHERE period = ? AND breakdown = '' AND indicator IN ({', '.join('?' * len(indicators))})""",
                       [str(year), *indicators]).pl()


# --- synthetic inventory ------------------------------------------------------------------------------------
def _register_indicators(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    for item in catalogue.items:
        if item.rule.kind == "service_level":
            con.execute("""INSERT INTO indicator (code, name_ru, name_en, unit, polarity, domain, description)
                           VALUES (?, ?, ?, 'pct', 1, 'standards', ?) ON CONFLICT DO NOTHING""",
                        [item.rule.indicator, item.name_ru, item.name_en,
                         f"service level of standards item {item.code} (threshold {item.rule.threshold:g}%)"])


def build_synthetic_inventory(con: duckdb.DuckDBPyConnection, year: int, seed: int = 2023, *,
                              edition: str = DEFAULT_EDITION, compute: bool = True) -> dict:
    """Generate and store the synthetic facility inventory and service levels for `year`, calibrated to the
    review's regional coverage means for that year, then (compute=True) compute and store coverage.

    Writes: srs_facility (inventory_year = year, synthetic), observations of the service-level indicators
    (period = year, synthetic, through the importer's write_records), srs_run (kind synthetic_inventory) with
    srs_synthetic_calibration, and the coverage results of compute_coverage. Regions without a published figure
    for the year (Almaty city in 2022) take the nearest published year's figure, noted in the calibration."""
    from aimaq.ingest.service import write_records
    from aimaq.standards.synthetic import generate_inventory, load_synthetic_spec, published_targets

    catalogue = load_catalogue(edition)
    spec = load_synthetic_spec()
    settlements = load_settlements(con).drop("role", strict=False)
    targets, national = published_targets(year)
    notes_by_region = {k: "published" for k in targets}
    for other in sorted({2022, 2023} - {year}, key=lambda y: abs(y - year)):
        other_targets, _ = published_targets(other)
        for k, v in other_targets.items():
            if k not in targets:
                targets[k] = v
                notes_by_region[k] = f"not published for {year}; {other} figure used"
    city_target = spec.get("city_target_pct", {}).get(str(year), national.get("cities"))
    if city_target is None:  # keep the cities' offset of the nearest year that has a cities figure
        city_target = next(iter(spec.get("city_target_pct", {}).values()), None)
    inv = generate_inventory(settlements, catalogue, targets, year, seed=seed, spec=spec, city_target_pct=city_target)

    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM srs_facility WHERE inventory_year = ? AND synthetic", [year])
        fac = inv.facilities.with_columns(
            inventory_year=pl.lit(year, dtype=pl.Int32),
            facility_id=pl.int_range(1, inv.facilities.height + 1, dtype=pl.Int64),
            name=pl.lit(None, dtype=pl.Utf8))
        con.register("_fac", fac.to_arrow())
        con.execute("""INSERT INTO srs_facility (inventory_year, facility_id, kato, facility, name, lat, lon, capacity,
                       wear_pct, condition, year_built, synthetic)
                       SELECT inventory_year, facility_id, kato, facility, name, lat, lon, capacity, wear_pct,
                              condition, year_built, TRUE FROM _fac""")
        con.unregister("_fac")
        run_id = _new_run(con, "synthetic_inventory", year, catalogue, True,
                          {"seed": seed, "synthetic_spec": f"{spec['name']}:{spec['version']}",
                           "city_target_pct": city_target, "city_offset": inv.city_offset}, "; ".join(inv.notes))
        cal = inv.calibration.with_columns(
            run_id=pl.lit(run_id), target_note=pl.col("region_kato").replace_strict(notes_by_region, default=None))
        con.register("_cal", cal.to_arrow())
        con.execute("""INSERT INTO srs_synthetic_calibration SELECT run_id, region_kato, n_settlements, target_pct,
                       target_note, achieved_pct, residual_pp, theta FROM _cal""")
        con.unregister("_cal")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    _register_indicators(con, catalogue)
    records = [{"kato": k, "indicator": i, "period": str(year), "breakdown": "", "value": float(v), "note": "synthetic"}
               for k, i, v in inv.levels.iter_rows()]
    write_records(con, records, file=f"synth/srs_inventory_{year}", layout="generated", source=SYNTH_SOURCE,
                  synthetic=True)
    out = {"run_id": run_id, "facilities": fac.height, "service_levels": len(records),
           "calibration": inv.calibration, "notes": inv.notes}
    if compute:
        out["coverage_run_id"] = compute_coverage(con, year, edition=edition).run_id
    return out


def _new_run(con, kind: str, year: int, catalogue: Catalogue, synthetic: bool, params: dict, notes: str = "") -> int:
    return con.execute(
        """INSERT INTO srs_run (kind, year, spec_name, spec_version, spec_sha256, code_version, computed_at, synthetic,
                                params, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING run_id""",
        [kind, year, catalogue.name, catalogue.version, catalogue.sha256, aimaq.__version__, dt.datetime.now(),
         synthetic, json.dumps(params, ensure_ascii=False, default=str), notes or None]).fetchone()[0]


# --- coverage -----------------------------------------------------------------------------------------------
@dataclass
class CoverageRun:
    run_id: int
    year: int
    settlements: pl.DataFrame
    aggregates: pl.DataFrame
    notes: list[str]


def compute_coverage(con: duckdb.DuckDBPyConnection, year: int, *, edition: str = DEFAULT_EDITION,
                     analysis_version: str = "1") -> CoverageRun:
    """Evaluate the catalogue for every settlement in `year`, aggregate (country with cities/villages, regions,
    districts; all directions and by direction), add the change against the latest run of year − 1 and flag
    anomalies. Writes srs_run (kind coverage), srs_coverage_settlement, srs_coverage_item, srs_coverage_aggregate."""
    catalogue = load_catalogue(edition)
    settlements = load_settlements(con)
    facilities = load_facilities(con, year)
    levels = load_levels(con, catalogue, year)
    if facilities.is_empty() and levels.is_empty():
        raise ComputationError(f"no facility inventory or service levels for {year}; import them or run "
                               f"build_synthetic_inventory")
    synthetic = bool(facilities["synthetic"].any() or levels["synthetic"].any() or settlements["synthetic"].any())
    cm = evaluate(settlements, facilities, levels, catalogue)
    cov = settlement_coverage(cm, settlements)
    spec = agg.load_analysis_spec(analysis_version)
    parts = [agg.aggregate_coverage(cov, "country", groups=("all", "cities", "villages"))]
    for level in ("region", "district"):
        parts.append(agg.aggregate_coverage(cov, level, groups=("all", "cities", "villages")))
    parts.append(agg.aggregate_coverage(cov, "settlement"))
    table = pl.concat(parts).with_columns(direction=pl.lit(""))
    dirs, app_d, met_d = direction_coverage(cm, catalogue)
    for level in ("country", "region", "district"):
        dt_ = agg.direction_table(cov, dirs, app_d, met_d, level).with_columns(
            group=pl.lit("all"), population=pl.lit(None, dtype=pl.Int64))
        table = pl.concat([table, dt_.select(table.columns)], how="vertical_relaxed")
    previous = _previous_aggregates(con, year - 1, catalogue)
    table = agg.add_change(table, previous, key=("level", "kato", "group", "direction"))
    table = agg.flag_anomalies(table, spec)

    run_id = _new_run(con, "coverage", year, catalogue, synthetic,
                      {"edition": edition, "analysis": f"{spec['name']}:{spec['version']}"}, "; ".join(cm.notes))
    con.execute("BEGIN TRANSACTION")
    try:
        s_rows = cov.select(pl.lit(run_id).alias("run_id"), "kato", "category", "population", "n_applicable",
                            "n_met", "coverage_pct")
        con.register("_s", s_rows.to_arrow())
        con.execute("INSERT INTO srs_coverage_settlement SELECT * FROM _s")
        con.unregister("_s")
        si, ji = np.nonzero(cm.applies)
        items = pl.DataFrame({"run_id": np.full(len(si), run_id, dtype=np.int32), "kato": cm.kato[si],
                              "item": np.array(cm.items)[ji], "met": cm.met[si, ji]})
        con.register("_i", items.to_arrow())
        con.execute("INSERT INTO srs_coverage_item SELECT * FROM _i")
        con.unregister("_i")
        a_rows = table.filter(pl.col("level") != "settlement").select(
            pl.lit(run_id).alias("run_id"), "level", "kato", pl.col("group").alias("grp"), "direction",
            "n_settlements", "population", "coverage_pct", "coverage_pct_popweighted", "coverage_pct_prev",
            "change_pp", "anomaly", "anomaly_reason")
        con.register("_a", a_rows.to_arrow())
        con.execute("INSERT INTO srs_coverage_aggregate SELECT * FROM _a")
        con.unregister("_a")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return CoverageRun(run_id, year, cov, table, cm.notes)


def _latest_run(con, year: int, catalogue: Catalogue | None = None, kind: str = "coverage") -> int | None:
    sql = "SELECT max(run_id) FROM srs_run WHERE kind = ? AND year = ?"
    params: list = [kind, year]
    if catalogue is not None:
        sql += " AND spec_name = ? AND spec_version = ?"
        params += [catalogue.name, catalogue.version]
    return con.execute(sql, params).fetchone()[0]


def _previous_aggregates(con, year: int, catalogue: Catalogue) -> pl.DataFrame | None:
    run = _latest_run(con, year, catalogue)
    if run is None:
        return None
    agg_rows = con.execute("""SELECT level, kato, grp AS "group", direction, coverage_pct FROM srs_coverage_aggregate
                              WHERE run_id = ?""", [run]).pl()
    s_rows = con.execute("""SELECT 'settlement' AS level, kato, 'all' AS "group", '' AS direction, coverage_pct
                            FROM srs_coverage_settlement WHERE run_id = ?""", [run]).pl()
    return pl.concat([agg_rows, s_rows])


def coverage_table(con: duckdb.DuckDBPyConnection, year: int, level: str = "country", *,
                   edition: str = DEFAULT_EDITION, group: str | None = None, direction: str = "") -> pl.DataFrame:
    """Stored coverage of `year` at `level` (computing it first if there is no run), with names, the
    population-weighted mean, change in pp and anomaly flags. Columns: kato, name_ru, level, group,
    n_settlements, population, coverage_pct, coverage_pct_popweighted, change_pp, anomaly, synthetic."""
    if level not in agg.LEVELS:
        raise ComputationError(f"unknown level {level!r}; expected one of {', '.join(agg.LEVELS)}")
    catalogue = load_catalogue(edition)
    run = _latest_run(con, year, catalogue)
    if run is None:
        run = compute_coverage(con, year, edition=edition).run_id
    synthetic = con.execute("SELECT synthetic FROM srs_run WHERE run_id = ?", [run]).fetchone()[0]
    if level == "settlement":
        prev = _latest_run(con, year - 1, catalogue)
        frame = con.execute("""
            SELECT s.kato, t.name_ru, 'settlement' AS level, s.category AS "group", 1 AS n_settlements, s.population,
                   s.n_applicable, s.n_met, s.coverage_pct, s.coverage_pct AS coverage_pct_popweighted,
                   s.coverage_pct - p.coverage_pct AS change_pp
            FROM srs_coverage_settlement s
            LEFT JOIN territory t ON t.kato = s.kato AND t.valid_to IS NULL
            LEFT JOIN srs_coverage_settlement p ON p.run_id = ? AND p.kato = s.kato
            WHERE s.run_id = ? ORDER BY s.kato""", [prev, run]).pl()
        spec = agg.load_analysis_spec()
        frame = agg.flag_anomalies(frame.with_columns(level=pl.lit("settlement")), spec).drop("anomaly_reason")
    else:
        groups = [group] if group else (["all", "cities", "villages"] if level == "country" else ["all"])
        frame = con.execute(f"""
            SELECT a.kato, t.name_ru, a.level, a.grp AS "group", a.direction, a.n_settlements, a.population,
                   a.coverage_pct, a.coverage_pct_popweighted, a.change_pp, a.anomaly
            FROM srs_coverage_aggregate a
            LEFT JOIN territory t ON t.kato = a.kato AND t.valid_to IS NULL
            WHERE a.run_id = ? AND a.level = ? AND a.direction = ? AND a.grp IN ({', '.join('?' * len(groups))})
            ORDER BY a.grp, a.kato""", [run, level, direction, *groups]).pl()
        if direction == "":
            frame = frame.drop("direction")
    return frame.with_columns(year=pl.lit(year), synthetic=pl.lit(bool(synthetic)))


def gaps(con: duckdb.DuckDBPyConnection, kato: str, year: int, *, edition: str = DEFAULT_EDITION) -> pl.DataFrame:
    """Missing items of one settlement in `year`, each with the nearest place that has it."""
    catalogue = load_catalogue(edition)
    settlements = load_settlements(con)
    if kato not in set(settlements["kato"].to_list()):
        names = settlements.filter(pl.col("name_ru").str.to_lowercase() == kato.lower())["kato"].to_list()
        if len(names) == 1:
            kato = names[0]
        else:
            raise UnknownNameError("settlement", kato, names[:5])
    frame = gap_list(settlements, load_facilities(con, year), load_levels(con, catalogue, year), catalogue, [kato])
    return frame.with_columns(year=pl.lit(year))

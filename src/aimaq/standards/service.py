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
from aimaq import progress
from aimaq.errors import ComputationError, UnknownNameError, ValidationFailed
from aimaq.i18n import _, format_number
from aimaq.standards import aggregate as agg
from aimaq.standards.coverage import direction_coverage, evaluate, gap_list, settlement_coverage
from aimaq.standards.spec import Catalogue, load_catalogue
from aimaq.store.db import transaction
from aimaq.synth.fitted import with_fitted_note

DEFAULT_EDITION = "2023"
SYNTH_SOURCE = {"publisher": "Aimaq", "title": "Синтетический реестр объектов и уровней услуг СРС (генератор "
                "aimaq.standards.synthetic, спецификация synthetic_v1)", "licence": "synthetic data"}


# --- loading ------------------------------------------------------------------------------------------------
def load_settlements(con: duckdb.DuckDBPyConnection, use_rural_roles: bool = False,
                     city_units: bool = True) -> pl.DataFrame:
    """Current settlements with region and district codes, as assessed: a republican city (Astana, Almaty,
    Shymkent) is replaced by its city districts, or by the settlement-level units imported below them
    (aimaq.synth.city_districts); `settlement_kato` names the settlement a row belongs to and `weight` its share
    of it in means over settlements (1/k for a city's k units, else 1). With use_rural_roles, the rural role of the
    latest village classification is joined (support villages then use the 40-item standard of category C); off
    by default so that coverage does not silently change when villages are reclassified."""
    frame = con.execute("""
        SELECT s.kato, s.name_ru, s.kind, s.lat, s.lon, s.population, s.synthetic,
               substr(s.kato, 1, 2) || '0000000' AS region_kato,
               coalesce(CASE WHEN p.level = 'okrug' THEN p.parent_kato END, s.parent_kato) AS district_kato,
               p.kind = 'city_area' AND s.kind <> 'city_republican' AS below_city_area,
               s.parent_kato
        FROM territory s LEFT JOIN territory p ON p.kato = s.parent_kato AND p.valid_to IS NULL
        WHERE s.level = 'settlement' AND s.valid_to IS NULL
        ORDER BY s.kato""").pl()
    if frame.is_empty():
        raise ComputationError(_("no settlements in the database: `aimaq init` loads the real places, `aimaq demo` "
                                 "builds a database with synthetic ones"))
    below = frame["below_city_area"].fill_null(False)
    frame = frame.with_columns(settlement_kato=pl.col("kato"), weight=pl.lit(1.0))
    if city_units:
        from aimaq.synth.city_districts import city_units as make_units

        cities = frame.filter(pl.col("kind") == "city_republican")
        areas = con.execute("""SELECT kato, name_ru, parent_kato FROM territory
                               WHERE level = 'district' AND kind = 'city_area' AND valid_to IS NULL""").pl()
        units = make_units(cities, areas, frame.filter(below))
        base = frame.filter(~below & (pl.col("kind") != "city_republican"))
        frame = pl.concat([base.drop("below_city_area", "parent_kato"), units.select(base.drop(
            "below_city_area", "parent_kato").columns)], how="vertical_relaxed").sort("kato")
    else:
        frame = frame.drop("below_city_area", "parent_kato")
    has_rural = con.execute("SELECT count(*) FROM rural_run").fetchone()[0]
    if use_rural_roles and not has_rural:
        raise ComputationError(_("no village classification yet: `aimaq villages classify` makes one"))
    if use_rural_roles:
        roles = con.execute("""SELECT kato, role FROM rural_village_class
                               WHERE run_id = (SELECT max(run_id) FROM rural_run)""").pl()
        frame = frame.join(roles, on="kato", how="left")
    return frame


def to_units(settlements: pl.DataFrame, facilities: pl.DataFrame | None = None,
             levels: pl.DataFrame | None = None) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """Facilities and service levels recorded for a republican city as a whole, moved to the units it is assessed
    over: a facility to the unit nearest it (straight line), a service level to every unit of the city that has
    no value of its own."""
    units = settlements.filter(pl.col("settlement_kato") != pl.col("kato"))
    if units.is_empty():
        return facilities, levels
    cities = set(units["settlement_kato"].to_list())
    if facilities is not None and facilities["kato"].is_in(cities).any():
        from scipy.spatial import cKDTree

        from aimaq.standards.geo import to_unit_xyz

        mine = facilities["kato"].is_in(cities)
        f = facilities.filter(mine)
        out = []
        for city, grp in f.group_by("kato", maintain_order=True):
            own = units.filter(pl.col("settlement_kato") == city[0])
            _, nearest = cKDTree(to_unit_xyz(own["lat"].to_numpy(), own["lon"].to_numpy())).query(
                to_unit_xyz(grp["lat"].to_numpy(), grp["lon"].to_numpy()))
            out.append(grp.with_columns(kato=own["kato"].gather(np.atleast_1d(nearest))))
        facilities = pl.concat([facilities.filter(~mine)] + out, how="vertical_relaxed")
    if levels is not None and levels["kato"].is_in(cities).any():
        mine = levels["kato"].is_in(cities)
        spread = levels.filter(mine).join(units.select(pl.col("settlement_kato").alias("kato"),
                                                       pl.col("kato").alias("_unit")), on="kato")
        spread = spread.with_columns(kato=pl.col("_unit")).drop("_unit").select(levels.columns)
        own = levels.filter(~mine)
        # a unit's own value wins over the city's
        spread = spread.join(own.select("kato", "indicator"), on=["kato", "indicator"], how="anti")
        levels = pl.concat([own, spread], how="vertical_relaxed")
    return facilities, levels


def load_facilities(con: duckdb.DuckDBPyConnection, year: int) -> pl.DataFrame:
    return con.execute("""SELECT kato, facility, lat, lon, capacity, wear_pct, condition, year_built, synthetic
                          FROM srs_facility WHERE inventory_year = ? ORDER BY facility_id""", [year]).pl()


def load_levels(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, year: int) -> pl.DataFrame:
    indicators = sorted({i.rule.indicator for i in catalogue.items if i.rule.indicator})
    if not indicators:   # a catalogue without service-level items
        return pl.DataFrame(schema={"kato": pl.Utf8, "indicator": pl.Utf8, "value": pl.Float64,
                                    "synthetic": pl.Boolean})
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
    from aimaq.standards.synthetic import (calibrate_city_offset, generate_inventory, load_synthetic_spec,
                                           published_targets)

    catalogue = load_catalogue(edition)
    spec = load_synthetic_spec()
    settlements = load_settlements(con)
    targets, national = published_targets(year)
    notes_by_region = {k: "published" for k in targets}
    for other in sorted({2022, 2023} - {year}, key=lambda y: abs(y - year)):
        other_targets = published_targets(other)[0]
        for k, v in other_targets.items():
            if k not in targets:
                targets[k] = v
                notes_by_region[k] = f"not published for {year}; {other} figure used"
    city_targets = {int(k): float(v) for k, v in (spec.get("city_target_pct") or {}).items()}
    city_target = city_targets.get(year, national.get("cities"))
    city_offset = None
    if city_target is None and city_targets:
        # no cities' figure for this year: keep the cities' offset of the nearest year that has one, so that the
        # inventories of successive years stay nested (same draws, same offsets, only the regional theta moves)
        ref_year = min(city_targets, key=lambda y: abs(y - year))
        city_offset = _stored_city_offset(con, ref_year, seed, spec)
        if city_offset is None:
            ref_targets = published_targets(ref_year)[0]
            city_offset = calibrate_city_offset(settlements, catalogue, ref_targets, seed=seed, spec=spec,
                                                city_target_pct=city_targets[ref_year])
    with progress.step(_("synthetic inventory {year}: facilities and service levels", year=year)):
        inv = generate_inventory(settlements, catalogue, targets, year, seed=seed, spec=spec,
                                 city_target_pct=city_target, city_offset=city_offset)
    if city_target is None and city_offset is not None:
        inv.notes.append(f"cities' offset {city_offset:.3f} kept from the calibration of {ref_year}")
    roads = _latest_road_import(con)
    if roads is not None and compute:
        inv.notes.append(f"calibrated with straight-line distance × detour; the coverage run uses the stored road "
                         f"network (import #{roads}), so its figures can differ from the targets")

    with transaction(con):
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


def _stored_city_offset(con, year: int, seed: int, spec: dict) -> float | None:
    rows = con.execute("""SELECT params FROM srs_run WHERE kind = 'synthetic_inventory' AND year = ?
                          ORDER BY run_id DESC""", [year]).fetchall()
    for (params,) in rows:
        p = json.loads(params or "{}")
        if p.get("seed") == seed and p.get("synthetic_spec") == f"{spec['name']}:{spec['version']}":
            return p.get("city_offset")
    return None


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


def _no_inventory(year: int) -> str:
    return _("no facility inventory or service levels for {year}: `aimaq standards import-facilities FILE --year "
             "{year}` loads an inventory (`aimaq standards synth --year {year}` generates a synthetic one)", year=year)


def compute_coverage(con: duckdb.DuckDBPyConnection, year: int, *, edition: str = DEFAULT_EDITION,
                     analysis_version: str = "1", use_rural_roles: bool = False, roads: bool = True) -> CoverageRun:
    """Evaluate the catalogue for every settlement in `year`, aggregate (country with cities/villages, regions,
    districts; all directions and by direction), add the change against the latest run of year − 1 and flag
    anomalies. Within-km items use the stored road network when one has been imported (and roads=True), else
    straight-line distance × detour; the run's params and notes say which (and how many edges).
    Writes srs_run (kind coverage), srs_coverage_settlement, srs_coverage_item, srs_coverage_aggregate."""
    catalogue = load_catalogue(edition)
    settlements = load_settlements(con, use_rural_roles)
    facilities, levels = to_units(settlements, load_facilities(con, year), load_levels(con, catalogue, year))
    if facilities.is_empty() and levels.is_empty():
        raise ComputationError(_no_inventory(year))
    synthetic = bool(facilities["synthetic"].any() or levels["synthetic"].any() or settlements["synthetic"].any())
    network, road_info, road_note = _network_for_run(con, roads)
    with progress.step(_("coverage {year}: every settlement against the catalogue", year=year)):
        cm = evaluate(settlements, facilities, levels, catalogue, network=network)
    cm.notes.insert(0, road_note)
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
                      {"edition": edition, "analysis": f"{spec['name']}:{spec['version']}",
                       "use_rural_roles": use_rural_roles, "distance": "road" if network is not None else
                       "straight_line_x_detour", "detour_factor": catalogue.detour_factor,
                       "road_network": road_info}, "; ".join(cm.notes))
    with transaction(con):
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
    return CoverageRun(run_id, year, cov, table, cm.notes)


def _network_for_run(con, roads: bool) -> tuple[pl.DataFrame | None, dict | None, str]:
    """(edges or None, provenance for the run's params, a note saying which distance was used)."""
    stored = load_network(con)
    if stored is None:
        return None, None, "within-km items: straight-line distance × detour (no road network loaded)"
    edges, info = stored
    if not roads:
        return None, None, (f"within-km items: straight-line distance × detour (road network import "
                            f"#{info['import_id']} not used on request)")
    return edges, info, (f"within-km items: road-network distances ({info['edges']} edges, import "
                         f"#{info['import_id']} of {info['file']}); detour factor not applied")


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
        raise ComputationError(_("unknown level «{level}»; expected one of {choices}", level=level,
                                 choices=", ".join(agg.LEVELS)))
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
        frame = _collapse_city_units(con, frame)
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
    frame = frame.with_columns(year=pl.lit(year), synthetic=pl.lit(bool(synthetic)))
    # the synthetic inventory is calibrated to the review's coverage of each region (and so of the country)
    return with_fitted_note(frame, pl.col("level").is_in(["country", "region"]) & (pl.col("group") == "all")
                            & pl.lit(direction == ""))


def _collapse_city_units(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> pl.DataFrame:
    """Settlement rows from stored unit rows: a republican city's units become one row for the city (the
    weighted mean of its units; populations, items applicable and met summed)."""
    units = load_settlements(con).filter(pl.col("settlement_kato") != pl.col("kato")).select(
        "kato", "settlement_kato", "weight")
    if units.is_empty() or not frame["kato"].is_in(units["kato"].to_list()).any():
        return frame
    mine = frame.join(units, on="kato", how="inner")
    city = mine.group_by("settlement_kato").agg(
        pl.col("group").first(), pl.col("population").sum(), pl.col("n_applicable").sum(), pl.col("n_met").sum(),
        coverage_pct=(pl.col("coverage_pct") * pl.col("weight")).sum() / pl.col("weight").sum(),
        coverage_pct_popweighted=(pl.col("coverage_pct") * pl.col("population")).sum() / pl.col("population").sum(),
        change_pp=pl.when(pl.col("change_pp").null_count() == 0).then(
            (pl.col("change_pp") * pl.col("weight")).sum() / pl.col("weight").sum()),
    ).rename({"settlement_kato": "kato"})
    names = con.execute("SELECT kato, name_ru FROM territory WHERE valid_to IS NULL AND level = 'settlement'").pl()
    city = city.join(names, on="kato", how="left").with_columns(level=pl.lit("settlement"),
                                                                 n_settlements=pl.lit(1, dtype=frame["n_settlements"].dtype))
    rest = frame.filter(~pl.col("kato").is_in(units["kato"].to_list()))
    return pl.concat([rest, city.select(frame.columns)], how="vertical_relaxed").sort("kato")


def gaps(con: duckdb.DuckDBPyConnection, kato: str, year: int, *, edition: str = DEFAULT_EDITION) -> pl.DataFrame:
    """Missing items of one settlement in `year`, each with the nearest place that has it."""
    catalogue = load_catalogue(edition)
    settlements = load_settlements(con)
    wanted = settlements.filter(pl.col("settlement_kato") == kato)["kato"].to_list()   # a city: all its units
    if not wanted and kato not in set(settlements["kato"].to_list()):
        names = settlements.filter(pl.col("name_ru").str.to_lowercase() == kato.lower())["kato"].to_list()
        if len(names) == 1:
            kato = names[0]
        else:  # several places of that name, or none: the nearest names with their codes
            from rapidfuzz import process, utils

            if not names:
                labels = [f"{n} ({k})" for k, n in settlements.select("kato", "name_ru").iter_rows()]
                names = [h[0] for h in process.extract(kato, labels, processor=utils.default_process, limit=5)]
            raise UnknownNameError("settlement", kato, names[:5])
    stored = load_network(con)
    frame = gap_list(settlements, *to_units(settlements, load_facilities(con, year), load_levels(con, catalogue, year)),
                     catalogue, wanted or [kato], network=None if stored is None else stored[0])
    return frame.with_columns(year=pl.lit(year))


# --- budget plan --------------------------------------------------------------------------------------------
@dataclass
class PlanResult:
    run_id: int
    summary: pl.DataFrame     # method, objective, n_projects, cost_mln, gain, gain_per_bn_tenge, status, mip_gap,
                              # synthetic
    projects: pl.DataFrame    # method, kato, name_ru, item, cost_mln, gain_alone, gain_per_bn_tenge, synthetic
    synthetic: bool = False   # the plan rests on synthetic settlements or facilities


def plan_budget(con: duckdb.DuckDBPyConnection, budget_tenge: float, year: int, *, objective: str = "popweighted",
                threshold_pct: float = 70.0, region: str | None = None, edition: str = DEFAULT_EDITION,
                spillover: bool = True, time_limit_s: float = 60.0) -> PlanResult:
    """Choose projects (missing item × settlement) within `budget_tenge` maximising the population-weighted
    coverage gain (objective 'popweighted', pp) or the number of settlements lifted to ≥ threshold_pct
    ('threshold'); exact integer program with HiGHS beside a greedy plan. Writes srs_run (kind plan) and
    srs_plan_project (both methods)."""
    from aimaq.standards.optimise import build_problem, plan_table, solve_greedy, solve_ilp

    if budget_tenge <= 0:
        raise ComputationError(_("the budget must be positive"))
    catalogue = load_catalogue(edition)
    settlements = load_settlements(con)
    facilities, levels = to_units(settlements, load_facilities(con, year), load_levels(con, catalogue, year))
    if facilities.is_empty() and levels.is_empty():
        raise ComputationError(_no_inventory(year))
    stored = load_network(con)
    network = None if stored is None else stored[0]
    with progress.step(_("coverage {year}: every settlement against the catalogue", year=year)):
        cm = evaluate(settlements, facilities, levels, catalogue, network=network)
    mask = None
    if region:
        reg = resolve_territory(con, region, "region")
        mask = (settlements["region_kato"] == reg).to_numpy()
    with progress.step(_("candidate projects and the settlements each one serves")):
        problem = build_problem(cm, settlements, catalogue,
                                threshold_pct=threshold_pct if objective == "threshold" else None,
                                spillover=spillover, candidates=mask, network=network)
    budget_mln = budget_tenge / 1e6
    with progress.step(_("greedy plan")):
        greedy = solve_greedy(problem, budget_mln, objective)
    with progress.step(_("integer program (HiGHS), at most {seconds} s", seconds=format_number(time_limit_s))):
        ilp = solve_ilp(problem, budget_mln, objective, time_limit_s=time_limit_s, incumbent=greedy)
    unit = "pp" if objective == "popweighted" else "settlements"
    summary = pl.DataFrame({
        "method": ["ilp", "greedy"], "objective": objective, "unit": unit,
        "n_projects": [len(ilp.selected), len(greedy.selected)],
        "cost_mln": [ilp.cost_mln, greedy.cost_mln],
        "gain": [ilp.value, greedy.value],
        "gain_per_bn_tenge": [ilp.gain_per_bn_tenge, greedy.gain_per_bn_tenge],
        "status": [ilp.status, greedy.status],
        "mip_gap": [ilp.mip_gap, None],
        "bound": [ilp.bound, None],
    })
    names = settlements.select("kato", "name_ru")
    projects = pl.concat([plan_table(problem, ilp), plan_table(problem, greedy)]).join(names, on="kato", how="left")
    synthetic = bool(facilities["synthetic"].any() or settlements["synthetic"].any())
    run_id = _new_run(con, "plan", year, catalogue, synthetic,
                      {"budget_tenge": budget_tenge, "objective": objective, "threshold_pct": threshold_pct,
                       "region": region, "spillover": spillover,
                       "road_network": None if stored is None else stored[1], "ilp_status": ilp.status,
                       "mip_gap": ilp.mip_gap, "bound": ilp.bound, "gain_ilp": ilp.value,
                       "gain_greedy": greedy.value})
    rows = projects.select(pl.lit(run_id).alias("run_id"), "method", "kato", "item", "cost_mln",
                           pl.col("gain_alone").alias("gain"))
    con.register("_p", rows.to_arrow())
    con.execute("INSERT INTO srs_plan_project SELECT * FROM _p")
    con.unregister("_p")
    flag = pl.lit(synthetic).alias("synthetic")
    return PlanResult(run_id, summary.with_columns(flag),
                      projects.select("method", "kato", "name_ru", "item", "cost_mln", "gain_alone",
                                      "gain_per_bn_tenge", flag), synthetic)


def resolve_territory(con, name: str, level: str | None = None) -> str:
    """A KATO code from a code or a name (any language, aliases) through the registry's name index."""
    if name.isdigit() and len(name) == 9:
        return name
    from aimaq.territory.repository import load_name_index

    return load_name_index(con).resolve(name, level=level).kato


# --- facility import ----------------------------------------------------------------------------------------
FACILITY_LAYOUT = ("kato", "facility", "lat", "lon", "name", "capacity", "wear_pct", "condition", "year_built")
CONDITIONS = ("good", "satisfactory", "emergency")


def import_facilities(con: duckdb.DuckDBPyConnection, path, year: int, *, edition: str = DEFAULT_EDITION,
                      dry_run: bool = False) -> dict:
    """Import a facility inventory for `year` from CSV/XLSX with columns kato, facility, lat, lon [, name,
    capacity, wear_pct, condition, year_built]. Every row is checked (settlement code known, facility type in the
    catalogue, coordinates in range, numbers, condition in good|satisfactory|emergency); any problem → nothing is
    written (ValidationFailed lists them by row and column). Rows are appended with an import_batch record.
    Service levels are ordinary observations: load them with `aimaq import` (indicator codes in docs/standards.md)."""
    import hashlib
    from pathlib import Path

    from aimaq.ingest.readers import read_sheets
    from aimaq.ingest.validate import Problem, column_letter, parse_number

    path = Path(path)
    catalogue = load_catalogue(edition)
    types = {i.rule.facility for i in catalogue.items if i.rule.facility}
    known = {r[0] for r in con.execute("SELECT kato FROM territory WHERE level = 'settlement'").fetchall()}
    problems, records = [], []
    for sheet in read_sheets(path):
        header = [h.strip().lower() for h in sheet.header]
        missing = [c for c in FACILITY_LAYOUT[:4] if c not in header]
        if missing:
            problems.append(Problem(str(path), sheet.name, 1, None, None,
                                    _("missing columns {columns}", columns=", ".join(missing))))
            continue
        pos = {c: header.index(c) for c in FACILITY_LAYOUT if c in header}

        def cell(cells, c):
            i = pos.get(c)
            return cells[i] if i is not None and i < len(cells) and cells[i] not in (None, "") else None

        for rownum, cells in sheet.rows:
            def bad(c, v, reason):
                problems.append(Problem(str(path), sheet.name, rownum, column_letter(pos[c]) if c in pos else None,
                                        None if v is None else str(v), reason))
            rec = {"kato": cell(cells, "kato"), "facility": cell(cells, "facility"), "name": cell(cells, "name"),
                   "condition": cell(cells, "condition")}
            if rec["kato"] is not None:
                rec["kato"] = str(rec["kato"]).strip()
                if rec["kato"] not in known:
                    bad("kato", rec["kato"], _("unknown settlement code"))
            if rec["facility"] not in types:
                bad("facility", rec["facility"], _("unknown facility type; known: {types}", types=", ".join(sorted(types))))
            for c, lo, hi, required in (("lat", 40.0, 56.0, True), ("lon", 46.0, 88.0, True),
                                        ("capacity", 0, float("inf"), False), ("wear_pct", 0, 100, False),
                                        ("year_built", 1800, year, False)):
                raw = cell(cells, c)
                if raw is None:
                    if required:
                        bad(c, None, _("required"))
                    rec[c] = None
                    continue
                v = parse_number(raw)
                if v is None or not (lo <= v <= hi):
                    bad(c, raw, _("not a number in [{low}, {high}]", low=format_number(lo), high=format_number(hi)))
                rec[c] = v
            if rec["condition"] is not None and rec["condition"] not in CONDITIONS:
                bad("condition", rec["condition"], _("expected one of {values}", values=", ".join(CONDITIONS)))
            records.append(rec)
    if problems:
        raise ValidationFailed(problems)
    if dry_run:
        return {"rows": len(records), "dry_run": True}
    frame = pl.DataFrame(records, schema={"kato": pl.Utf8, "facility": pl.Utf8, "name": pl.Utf8, "condition": pl.Utf8,
                                          "lat": pl.Float64, "lon": pl.Float64, "capacity": pl.Float64,
                                          "wear_pct": pl.Float64, "year_built": pl.Float64})
    with transaction(con):
        import_id = con.execute(
            """INSERT INTO import_batch (file, sha256, layout, loaded_at, rows_added, rows_revised, rows_unchanged)
               VALUES (?, ?, 'srs_facilities', ?, ?, 0, 0) RETURNING import_id""",
            [str(path), hashlib.sha256(path.read_bytes()).hexdigest(), dt.datetime.now(), frame.height]).fetchone()[0]
        first = con.execute("SELECT coalesce(max(facility_id), 0) FROM srs_facility WHERE inventory_year = ?",
                            [year]).fetchone()[0]
        frame = frame.with_columns(facility_id=pl.int_range(first + 1, first + 1 + frame.height, dtype=pl.Int64))
        con.register("_f", frame.to_arrow())
        con.execute("""INSERT INTO srs_facility (inventory_year, facility_id, kato, facility, name, lat, lon, capacity,
                       wear_pct, condition, year_built, synthetic, import_id)
                       SELECT ?, facility_id, kato, facility, name, lat, lon, capacity, wear_pct, condition,
                              CAST(year_built AS INTEGER), FALSE, ? FROM _f""", [year, import_id])
        con.unregister("_f")
    _register_indicators(con, catalogue)
    return {"rows": frame.height, "import_id": import_id, "dry_run": False}


# --- road network -------------------------------------------------------------------------------------------
def import_roads(con: duckdb.DuckDBPyConnection, path, *, source: str | None = None, append: bool = False,
                 dry_run: bool = False) -> dict:
    """Import a road network (CSV/XLSX: from_kato, to_kato, km; ends are KATO codes or settlement names) as a new
    version of the stored network (srs_road_edge under a new import_batch id), which coverage then uses instead of
    straight-line × detour. With append, the latest version's edges are kept and the file adds to them (an edge
    already stored is a problem). The whole file is validated first (unknown or ambiguous settlement, km not a
    positive number, an edge from a settlement to itself, duplicate edges); any problem → ValidationFailed with
    every problem (file, sheet, row, column, reason) and nothing written."""
    import hashlib
    from pathlib import Path

    from aimaq.ingest.readers import read_sheets
    from aimaq.standards.roads import validate_edges
    from aimaq.territory.repository import load_name_index

    path = Path(path)
    sheets = read_sheets(path)
    settlements = {r[0] for r in con.execute(
        "SELECT kato FROM territory WHERE level = 'settlement' AND valid_to IS NULL").fetchall()}
    index = None

    def resolve(name: str) -> str:
        nonlocal index
        if index is None:
            index = load_name_index(con)
        return index.resolve(name, level="settlement").kato

    latest = _latest_road_import(con)
    existing = {}
    if append and latest is not None:
        existing = {(a, b): f"{f}, row {r}" for a, b, f, r in con.execute(
            "SELECT from_kato, to_kato, file, row_number FROM srs_road_edge WHERE import_id = ?", [latest]).fetchall()}
    edges, problems = validate_edges(str(path), sheets, settlements, resolve, existing)
    if problems:
        raise ValidationFailed(problems)
    nodes = {e.from_kato for e in edges} | {e.to_kato for e in edges}
    out = {"edges": len(edges), "settlements": len(nodes), "dry_run": dry_run,
           "kept_edges": len(existing), "replaces_import": None if append else latest}
    if dry_run:
        return out
    now = dt.datetime.now()
    frame = pl.DataFrame({
        "from_kato": [e.from_kato for e in edges], "to_kato": [e.to_kato for e in edges],
        "km": [e.km for e in edges], "sheet": [e.sheet for e in edges], "row_number": [e.row for e in edges],
        "from_text": [e.from_text for e in edges], "to_text": [e.to_text for e in edges],
    }, schema={"from_kato": pl.Utf8, "to_kato": pl.Utf8, "km": pl.Float64, "sheet": pl.Utf8,
               "row_number": pl.Int32, "from_text": pl.Utf8, "to_text": pl.Utf8})
    with transaction(con):
        import_id = con.execute(
            """INSERT INTO import_batch (file, sha256, layout, loaded_at, rows_added, rows_revised, rows_unchanged)
               VALUES (?, ?, 'srs_roads', ?, ?, 0, ?) RETURNING import_id""",
            [str(path), hashlib.sha256(path.read_bytes()).hexdigest(), now, len(edges), len(existing)]).fetchone()[0]
        if existing:
            con.execute("""INSERT INTO srs_road_edge SELECT ? AS import_id, from_kato, to_kato, km, source, loaded_at,
                           file, sheet, row_number, from_text, to_text FROM srs_road_edge WHERE import_id = ?""",
                        [import_id, latest])
        con.register("_r", frame.to_arrow())
        con.execute("""INSERT INTO srs_road_edge SELECT ?, from_kato, to_kato, km, ?, ?, ?, sheet, row_number,
                       from_text, to_text FROM _r""", [import_id, source or path.name, now, str(path)])
        con.unregister("_r")
    out["import_id"] = import_id
    return out


def _latest_road_import(con: duckdb.DuckDBPyConnection) -> int | None:
    return con.execute("SELECT max(import_id) FROM srs_road_edge").fetchone()[0]


def load_network(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, dict] | None:
    """The stored road network (edges of the latest import: from_kato, to_kato, km) and its provenance, or None
    when no network has been imported."""
    latest = _latest_road_import(con)
    if latest is None:
        return None
    edges = con.execute("SELECT from_kato, to_kato, km FROM srs_road_edge WHERE import_id = ? ORDER BY 1, 2",
                        [latest]).pl()
    file, sha, loaded = con.execute("SELECT file, sha256, loaded_at FROM import_batch WHERE import_id = ?",
                                    [latest]).fetchone()
    sources = sorted(r[0] for r in con.execute(
        "SELECT DISTINCT source FROM srs_road_edge WHERE import_id = ?", [latest]).fetchall())
    return edges, {"import_id": latest, "edges": edges.height, "file": file, "sha256": sha,
                   "loaded_at": str(loaded), "sources": sources}

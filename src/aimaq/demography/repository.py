"""The only module of `demography` that touches the database (tables of migration 0030_forecast.sql)."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import polars as pl

import aimaq
from aimaq.store.provenance import spec_sha256
from aimaq.demography.service import ForecastResult
from aimaq.errors import AimaqError
from aimaq.i18n import _
from aimaq.store.db import transaction

ASSUMPTIONS = ("A1 urban shares of 14 oblasts assumed; A2 urban/rural share their oblast's rates; A3 regional "
               "single-age structure from national shape; A4 regional fertility from child-woman ratios; A5 national "
               "mortality in every region; A6 international migration allocated by population; A7 internal migration "
               "at 2022-2024 mean levels (IPF flows, Rogers-Castro ages); A8 rural->urban rate assumed")


class NoForecastRun(AimaqError):
    """No saved forecast run matches the request."""

    exit_code = 6


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    con.register("_frame", frame.to_arrow())
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT {', '.join(frame.columns)} FROM _frame")
    finally:
        con.unregister("_frame")


def _new_run(con, *, kind: str, scenario: str, levers: dict | None, spec: dict, base_year: int, to: int, draws: int,
             seed: int, notes: list[str]) -> int:
    row = con.execute(
        """INSERT INTO forecast_run (kind, scenario, levers, spec_name, spec_version, spec_sha256, base_year, to_year,
                                     draws, seed, code_version, created_at, synthetic, assumptions, notes)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING run_id""",
        [kind, scenario, json.dumps(levers or {}, ensure_ascii=False), str(spec.get("name", "")),
         str(spec.get("version", "")), spec_sha256(spec), base_year, to, draws, seed, aimaq.__version__,
         dt.datetime.now(), False, ASSUMPTIONS, "\n".join(notes)]).fetchone()
    return int(row[0])


def save_forecast(con: duckdb.DuckDBPyConnection, result: ForecastResult) -> int:
    """Write a run and all its frames in one transaction; returns the run id."""
    with transaction(con):
        run_id = _new_run(con, kind="forecast", scenario=result.scenario, levers=result.levers, spec=result.spec,
                          base_year=result.base_year, to=result.to, draws=result.draws, seed=result.seed,
                          notes=result.notes)
        rid = pl.lit(run_id, pl.Int32).alias("run_id")
        _insert(con, "forecast_result", result.areas.select(
            rid, "region_code", "area", "year", "population", "lower80", "upper80", "lower95", "upper95",
            "urban_share", "urban_share_assumption"))
        _insert(con, "forecast_indicator", result.indicators.select(rid, pl.all()))
        _insert(con, "forecast_decomposition", result.decomposition.drop("region").select(rid, pl.all()))
        _insert(con, "forecast_comparison", result.comparison.select(rid, pl.all()))
        _insert(con, "forecast_population", result.population.select(rid, pl.all()))
    return run_id


def save_backtest(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, *, spec: dict, base_year: int, to: int,
                  draws: int, seed: int) -> int:
    with transaction(con):
        run_id = _new_run(con, kind="backtest", scenario="medium", levers=None, spec=spec, base_year=base_year,
                          to=to, draws=draws, seed=seed, notes=[])
        _insert(con, "forecast_backtest", frame.select(pl.lit(run_id, pl.Int32).alias("run_id"), pl.all()))
    return run_id


def find_run(con: duckdb.DuckDBPyConnection, run_id: int | None = None, scenario: str | None = None,
             kind: str = "forecast") -> dict:
    """The run `run_id`, else the latest run of `kind` (and `scenario` when given)."""
    sql = "SELECT * FROM forecast_run WHERE kind = ?"
    params: list = [kind]
    if run_id is not None:
        sql += " AND run_id = ?"
        params.append(run_id)
    if scenario:
        sql += " AND scenario = ?"
        params.append(scenario)
    cur = con.execute(sql + " ORDER BY run_id DESC LIMIT 1", params)
    row = cur.fetchone()
    if row is None:
        if run_id is not None:
            raise NoForecastRun(_("no saved forecast run #{id} in the database; `aimaq runs` lists the runs",
                                  id=run_id))
        if scenario:
            raise NoForecastRun(_("no saved {kind} run of scenario «{scenario}»; `aimaq forecast run --scenario "
                                  "{scenario}` makes one", kind=kind, scenario=scenario))
        raise NoForecastRun(_("no saved {kind} run in the database; `aimaq forecast run` makes one", kind=kind))
    return dict(zip([d[0] for d in cur.description], row))


def load_results(con: duckdb.DuckDBPyConnection, run_id: int, *, region_code: str | None = None,
                 year: int | None = None, area: str = "total") -> pl.DataFrame:
    """Rows of a run, region names in Russian (package list; the country «Республика Казахстан»)."""
    from aimaq.demography.kazakhstan import read_regions
    from aimaq.demography.service import NATIONAL_CODE, NATIONAL_NAME

    sql = "SELECT r.*, f.scenario FROM forecast_result r JOIN forecast_run f USING (run_id) WHERE run_id = ? AND area = ?"
    params: list = [run_id, area]
    if region_code:
        sql += " AND region_code = ?"
        params.append(region_code)
    if year is not None:
        sql += " AND year = ?"
        params.append(year)
    frame = con.execute(sql + " ORDER BY region_code, year", params).pl()
    regions = read_regions()
    names = pl.DataFrame({"region_code": [NATIONAL_CODE] + [str(x) for x in regions["kato"].to_list()],
                          "region": [NATIONAL_NAME] + regions["name_ru"].to_list()})
    return frame.join(names, on="region_code", how="left").select(
        "region_code", "region", "year", "scenario", "population", "lower80", "upper80", "urban_share", "lower95",
        "upper95", "area", "urban_share_assumption", "run_id")


def load_population(con: duckdb.DuckDBPyConnection, run_id: int, year: int | None = None) -> pl.DataFrame:
    sql = "SELECT region_code, area, sex, age, year, population FROM forecast_population WHERE run_id = ?"
    params: list = [run_id]
    if year is not None:
        sql += " AND year = ?"
        params.append(year)
    return con.execute(sql, params).pl()


def load_comparison(con: duckdb.DuckDBPyConnection, run_id: int) -> pl.DataFrame:
    return con.execute("SELECT measure, label, review, aimaq, difference, why FROM forecast_comparison WHERE run_id = ? "
                       "ORDER BY measure", [run_id]).pl()


def run_default_forecast(con: duckdb.DuckDBPyConnection, draws: int = 200, seed: int | None = None,
                         scenario: str = "medium", to: int | None = None) -> int:
    """Compute the default forecast (package data + spec kz_forecast_v1, medium scenario, to the spec's horizon,
    `draws` trajectories for the intervals) and save it; returns the run id. About 1 s with 200 draws."""
    from aimaq.demography.service import run_forecast

    return save_forecast(con, run_forecast(scenario, to=to, draws=draws, seed=seed))


def load_population_history(con: duckdb.DuckDBPyConnection, through: int | None = None) -> pl.DataFrame:
    """Regional population on 1 January (indicator `population`, no breakdown, latest revision, nothing
    synthetic) up to the year `through`: one row per region KATO and year with its Russian name and its atoms — the regions of today it
    covers in that year (East Kazakhstan before 2022 = East Kazakhstan + Abai)."""
    from aimaq.territory.boundaries import atoms

    sql = """SELECT o.kato, CAST(o.period AS INTEGER) AS year, o.value
             FROM observation_latest o
             WHERE o.indicator = 'population' AND o.breakdown = '' AND regexp_full_match(o.period, '[0-9]{4}')
               AND o.value IS NOT NULL AND NOT coalesce(o.synthetic, false)
               AND o.kato IN (SELECT kato FROM territory WHERE level = 'region')"""
    params: list = []
    if through is not None:
        sql += " AND CAST(o.period AS INTEGER) <= ?"
        params.append(int(through))
    obs = con.execute(sql + " ORDER BY year, o.kato", params).pl()
    versions: dict[str, list] = {}
    for kato, name, valid_from, valid_to in con.execute(
            "SELECT kato, name_ru, valid_from, valid_to FROM territory WHERE level = 'region' ORDER BY valid_from"
    ).fetchall():
        versions.setdefault(kato, []).append((valid_from, valid_to, name))

    def version(kato: str, year: int):
        """The version in force during `year` (the newest if two are); a figure BNS republished in the
        boundaries of a reform of the next year (Shymkent, 2017) takes the first version."""
        held = [v for v in versions[kato] if v[0] <= dt.date(year, 12, 31) and (v[1] is None or v[1] >= dt.date(year, 1, 1))]
        return held[-1] if held else versions[kato][0]

    rows = [version(k, y) for k, y in zip(obs["kato"].to_list(), obs["year"].to_list())]
    return obs.with_columns(
        name=pl.Series([r[2] for r in rows], dtype=pl.Utf8),
        atoms=pl.Series([sorted(atoms(k, r[1])) for k, r in zip(obs["kato"].to_list(), rows)],
                        dtype=pl.List(pl.Utf8)))


def save_method_backtest(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, *, spec: dict, notes: list[str]) -> int:
    """A backtest of the model beside the simple methods (one run, every origin and method)."""
    with transaction(con):
        run_id = _new_run(con, kind="backtest", scenario="methods", levers=None, spec=spec,
                          base_year=int(frame["origin"].min()), to=int((frame["origin"] + frame["horizon"]).max()),
                          draws=0, seed=0, notes=notes)
        _insert(con, "forecast_backtest_method", frame.select(pl.lit(run_id, pl.Int32).alias("run_id"), pl.all()))
    return run_id

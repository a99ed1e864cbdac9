"""The only module of `rating` that touches the database."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import polars as pl

import aimaq
from aimaq.errors import AimaqError
from aimaq.rating.compute import Scored
from aimaq.store.db import transaction
from aimaq.i18n import _

PUBLISHED_INDICATOR = "qol_score"
PUBLISHED_RANK = "qol_rank"
STAT_PREFIX = "qol_stat_"  # statistical indicator codes in `indicator` / `observation`: qol_stat_<catalogue code>


# --- published results (the review's Table 2 and Table 3) -----------------------------------------------------------


def published_scores(con: duckdb.DuckDBPyConnection, year: int | None = None) -> pl.DataFrame:
    """kato, year, score (null: published «н/д»), published_rank (Table 2 № where published), source_id."""
    sql = """
        SELECT s.kato, CAST(s.period AS INTEGER) AS year, s.value AS score, r.value AS published_rank, s.source_id
        FROM observation_latest s
        LEFT JOIN observation_latest r ON r.kato = s.kato AND r.period = s.period AND r.indicator = ?
             AND r.breakdown = ''
        WHERE s.indicator = ? AND s.breakdown = '' AND regexp_matches(s.period, '^[0-9]{4}$')"""
    params: list = [PUBLISHED_RANK, PUBLISHED_INDICATOR]
    if year is not None:
        sql += " AND s.period = ?"
        params.append(str(year))
    frame = con.execute(sql + " ORDER BY year, kato", params).pl()
    return frame.with_columns(pl.col("year").cast(pl.Int32), pl.col("published_rank").cast(pl.Int32))


def published_table3() -> pl.DataFrame:
    """Table 3 of the review: name (item text as published), quadrant, lower, upper, in the published order.

    Read from the shipped transcription of the review (src/aimaq/data/review/table3_riskmap.csv), the same file
    `aimaq demo` loads into `observation`; the file keeps the order of the items, which the database does not."""
    from aimaq.data import data_path

    rows = (pl.read_csv(data_path("review", "table3_riskmap.csv"), infer_schema=False)
            .select("breakdown", pl.col("value").cast(pl.Float64), "indicator"))
    items = rows.filter(pl.col("indicator") == "survey_item_quadrant").with_columns(
        pl.col("breakdown").str.extract(r"item=(.*?);aggregate").alias("name"),
        pl.col("value").cast(pl.Int64).alias("quadrant"))
    bounds = rows.filter(pl.col("indicator") != "survey_item_quadrant").with_columns(
        pl.col("breakdown").str.extract(r"quadrant=(\d)").cast(pl.Int64).alias("quadrant"))
    lo = bounds.filter(pl.col("indicator").str.ends_with("lower")).select("quadrant", pl.col("value").alias("lower"))
    hi = bounds.filter(pl.col("indicator").str.ends_with("upper")).select("quadrant", pl.col("value").alias("upper"))
    return (items.select("name", "quadrant").join(lo, on="quadrant", how="left", maintain_order="left")
            .join(hi, on="quadrant", how="left", maintain_order="left"))


def city_names(con: duckdb.DuckDBPyConnection, katos: list[str]) -> dict[str, str]:
    rows = con.execute("SELECT kato, name_ru FROM territory WHERE kato IN (SELECT unnest(?)) ORDER BY valid_from",
                       [list(katos)]).fetchall()
    names = {k: re.sub(r"^город\s+", "", n) for k, n in rows}
    return {k: names.get(k, k) for k in katos}


# --- inputs -----------------------------------------------------------------------------------------------------------


def save_catalogue(con: duckdb.DuckDBPyConnection, catalogue: dict[str, dict], synthetic_note: str | None) -> None:
    from aimaq.store.catalogue import save_indicators

    rows = [{"code": STAT_PREFIX + c, "name_ru": e["name_ru"], "unit": e["unit"], "polarity": int(e["direction"]),
             "domain": "qol", "description": synthetic_note}
            for c, e in catalogue.items() if e["kind"] == "statistical"]
    save_indicators(con, pl.DataFrame(rows))


def save_statistical(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, *, synthetic: bool, source: dict) -> int:
    """frame: kato, year, indicator (catalogue code), value → observations (new revisions where values changed)."""
    from aimaq.ingest.service import write_records

    records = [{"kato": r["kato"], "indicator": STAT_PREFIX + r["indicator"], "period": str(r["year"]),
                "value": float(r["value"])} for r in frame.iter_rows(named=True)]
    res = write_records(con, records, file="aimaq.rating.synthetic" if synthetic else "rating", layout="generated",
                        source=source, synthetic=synthetic)
    return res.added + res.revised


def load_statistical(con: duckdb.DuckDBPyConnection, year: int, codes: list[str]) -> pl.DataFrame:
    """kato, indicator (catalogue code), value, synthetic for one year (latest revisions)."""
    return con.execute("""
        SELECT kato, substr(indicator, ?) AS indicator, value, synthetic FROM observation_latest
        WHERE indicator IN (SELECT unnest(?)) AND period = ? AND breakdown = '' AND value IS NOT NULL
        ORDER BY kato, indicator""", [len(STAT_PREFIX) + 1, [STAT_PREFIX + c for c in codes], str(year)]).pl()


def replace_survey(con: duckdb.DuckDBPyConnection, responses: pl.DataFrame, *, synthetic: bool, source: str) -> int:
    """Store respondent-level answers (year, kato, respondent_id, weight, item, answer), replacing the same years'
    earlier synthetic survey. A real survey of a year is never replaced by a synthetic one."""
    years = sorted(responses["year"].unique().to_list())
    real = con.execute("SELECT DISTINCT survey_year FROM rating_survey_respondent WHERE NOT synthetic AND "
                       "survey_year IN (SELECT unnest(?))", [years]).fetchall()
    if synthetic and real:
        raise AimaqError(_("a real survey is stored for {years}; synthetic answers would replace it",
                           years=", ".join(str(r[0]) for r in real)))
    resp = responses.group_by("year", "respondent_id", maintain_order=True).agg(
        pl.col("kato").first(), pl.col("weight").first())
    try:
        with transaction(con):
            con.execute("DELETE FROM rating_survey_answer WHERE survey_year IN (SELECT unnest(?))", [years])
            con.execute("DELETE FROM rating_survey_respondent WHERE survey_year IN (SELECT unnest(?))", [years])
            con.register("_resp", resp.to_arrow())
            con.execute("INSERT INTO rating_survey_respondent SELECT year, respondent_id, kato, weight, ?, ? FROM _resp",
                        [synthetic, source])
            con.register("_ans", responses.select("year", "respondent_id", "item", "answer").to_arrow())
            con.execute("INSERT INTO rating_survey_answer SELECT year, respondent_id, item, answer FROM _ans")
    finally:
        for name in ("_resp", "_ans"):
            try:
                con.unregister(name)
            except Exception:  # pragma: no cover
                pass
    return resp.height


def load_survey(con: duckdb.DuckDBPyConnection, year: int) -> pl.DataFrame:
    """kato, respondent_id, weight, item, answer (Float64, null = «затрудняюсь ответить»), synthetic."""
    return con.execute("""
        SELECT r.kato, r.respondent_id, r.weight, a.item, CAST(a.answer AS DOUBLE) AS answer, r.synthetic
        FROM rating_survey_answer a JOIN rating_survey_respondent r USING (survey_year, respondent_id)
        WHERE a.survey_year = ? ORDER BY r.kato, r.respondent_id, a.item""", [year]).pl()


def data_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    rows = con.execute("""
        SELECT DISTINCT CAST(period AS INTEGER) FROM observation_latest
        WHERE starts_with(indicator, ?) AND regexp_matches(period, '^[0-9]{4}$')
        UNION SELECT DISTINCT survey_year FROM rating_survey_respondent ORDER BY 1""", [STAT_PREFIX]).fetchall()
    return [r[0] for r in rows]


# --- results ----------------------------------------------------------------------------------------------------------


def save_run(con: duckdb.DuckDBPyConnection, scored: Scored, *, data_year: int, synthetic: bool,
             riskmap: pl.DataFrame | None = None) -> int:
    spec = scored.spec
    with transaction(con):
        run_id = con.execute("""
            INSERT INTO rating_run (data_year, spec_year, spec_name, spec_version, spec_sha256, data_fingerprint,
                                    code_version, synthetic, computed_at, cities, missing_indicators, methodology_log)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING run_id""",
            [data_year, spec.year, spec.name, spec.version, spec.sha256, scored.fingerprint, aimaq.__version__,
             synthetic, dt.datetime.now(), scored.results["kato"].n_unique(), scored.missing_indicators,
             scored.index.log_yaml()]).fetchone()[0]
        con.register("_res", scored.results.to_arrow())
        con.execute("INSERT INTO rating_result SELECT ?, kato, node, level, score, rank, coverage FROM _res", [run_id])
        con.unregister("_res")
        if riskmap is not None:
            con.register("_rm", riskmap.to_arrow())
            con.execute("INSERT INTO rating_riskmap SELECT ?, item, mean, quadrant, n_cities FROM _rm", [run_id])
            con.unregister("_rm")
    return run_id


def latest_results(con: duckdb.DuckDBPyConnection, data_year: int, spec_year: int | None = None,
                   node: str | None = "qol") -> pl.DataFrame:
    """Latest computed results of data_year under spec_year (default: the same year)."""
    sql = "SELECT * FROM rating_result_latest WHERE data_year = ? AND spec_year = ?"
    params: list = [data_year, data_year if spec_year is None else spec_year]
    if node is not None:
        sql += " AND node = ?"
        params.append(node)
    return con.execute(sql + " ORDER BY node, rank, kato", params).pl()


def latest_riskmap(con: duckdb.DuckDBPyConnection, year: int) -> pl.DataFrame:
    return con.execute("""
        SELECT m.item, m.mean, m.quadrant, m.n_cities, r.synthetic, r.run_id FROM rating_riskmap m
        JOIN rating_run r USING (run_id)
        WHERE r.run_id = (SELECT max(run_id) FROM rating_run q JOIN rating_riskmap x USING (run_id)
                          WHERE q.data_year = ? AND q.spec_year = ?)
        ORDER BY m.mean DESC""", [year, year]).pl()

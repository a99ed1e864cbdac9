"""Village classification service: load settlements, populations and service levels; classify; save with the
criteria spec's name, version and hash."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

import aimaq
from aimaq.errors import ComputationError
from aimaq.i18n import _
from aimaq.rural.classify import classify, summarise, village_features
from aimaq.rural.spec import load_criteria
from aimaq.synth.fitted import with_fitted_note


def _settlements(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    frame = con.execute("""
        SELECT s.kato, s.name_ru, s.kind, s.lat, s.lon, s.population, s.synthetic,
               substr(s.kato, 1, 2) || '0000000' AS region_kato,
               coalesce(CASE WHEN p.level = 'okrug' THEN p.parent_kato END, s.parent_kato) AS district_kato,
               CAST(o.value AS BIGINT) AS population_2019
        FROM territory s
        LEFT JOIN territory p ON p.kato = s.parent_kato AND p.valid_to IS NULL
        LEFT JOIN observation_latest o ON o.kato = s.kato AND o.indicator = 'population' AND o.period = '2019'
             AND o.breakdown = ''
        WHERE s.level = 'settlement' AND s.valid_to IS NULL ORDER BY s.kato""").pl()
    if frame.is_empty():
        raise ComputationError(_("no settlements in the database: `aimaq init` loads the real places, `aimaq demo` "
                                 "builds a database with synthetic ones"))
    return frame


def _levels(con, criteria, year: int) -> pl.DataFrame:
    codes = [i.code for i in criteria.indicators]
    return con.execute(f"""SELECT kato, indicator, value FROM observation_latest WHERE period = ? AND breakdown = ''
                           AND indicator IN ({', '.join('?' * len(codes))})""", [str(year), *codes]).pl()


def classify_villages(con: duckdb.DuckDBPyConnection, *, edition: str = "2025", year: int = 2023) -> dict:
    """Classify every rural settlement (support / satellite / other; high / medium / low potential) with the
    criteria spec, using the settlements' populations (2019 from observations `population` period 2019), their
    positions, and the service levels of `year` (observations, e.g. from the standards inventory).
    Writes rural_run and rural_village_class. Returns {run_id, summary (country), by_region, notes}."""
    criteria = load_criteria(edition)
    settlements = _settlements(con)
    features = village_features(settlements, criteria, _levels(con, criteria, year))
    towns = settlements.filter(pl.col("kind").is_in(criteria.roles.town_kinds))
    out, notes = classify(features, criteria, towns)
    if out["population_2019"].null_count():
        notes.append(_("Villages without a 2019 population: {n}.", n=out["population_2019"].null_count()))
    synthetic = bool(out["synthetic"].any())
    run_id = con.execute(
        """INSERT INTO rural_run (spec_name, spec_version, spec_sha256, code_version, computed_at, synthetic, notes)
           VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING run_id""",
        [criteria.name, criteria.version, criteria.sha256, aimaq.__version__, dt.datetime.now(), synthetic,
         "; ".join(notes)]).fetchone()[0]
    rows = out.select(pl.lit(run_id).alias("run_id"), "kato", "role", "potential", "with_potential", "score",
                      "score_economic", "score_infrastructure", "score_demographic", "score_geospatial",
                      "anchor_kato", "anchor_km", "population", "population_2019")
    con.register("_v", rows.to_arrow())
    con.execute("INSERT INTO rural_village_class SELECT * FROM _v")
    con.unregister("_v")
    flag = pl.lit(synthetic).alias("synthetic")
    return {"run_id": run_id, "summary": summarise(out).with_columns(flag),
            "by_region": summarise(out, "region_kato").with_columns(flag), "notes": notes, "synthetic": synthetic}


def show_villages(con: duckdb.DuckDBPyConnection, region: str | None = None, *, list_villages: bool = False
                  ) -> pl.DataFrame:
    """Summary of the latest classification: by region (country row first), or by district within `region`;
    with list_villages, the villages themselves."""
    run = con.execute("SELECT max(run_id) FROM rural_run").fetchone()[0]
    if run is None:
        raise ComputationError(_("no village classification yet: `aimaq villages classify` makes one"))
    frame = con.execute("""
        SELECT v.*, t.name_ru, t.kind, substr(v.kato, 1, 2) || '0000000' AS region_kato,
               coalesce(CASE WHEN p.level = 'okrug' THEN p.parent_kato END, t.parent_kato) AS district_kato,
               r.synthetic
        FROM rural_village_class v JOIN rural_run r USING (run_id)
        LEFT JOIN territory t ON t.kato = v.kato AND t.valid_to IS NULL
        LEFT JOIN territory p ON p.kato = t.parent_kato AND p.valid_to IS NULL
        WHERE v.run_id = ? ORDER BY v.kato""", [run]).pl()
    if region:
        from aimaq.standards.service import resolve_territory

        reg = resolve_territory(con, region, "region")
        frame = frame.filter(pl.col("region_kato") == reg)
        if frame.is_empty():
            raise ComputationError(_("no classified villages in region {region}", region=region))
    synthetic = bool(frame["synthetic"].any())
    if list_villages:
        return frame.select("kato", "name_ru", "kind", "population", "population_2019", "role", "potential",
                            "with_potential", "score", "anchor_kato", "anchor_km").with_columns(synthetic=pl.lit(synthetic))
    by = "district_kato" if region else "region_kato"
    names = con.execute("SELECT kato, name_ru FROM territory WHERE valid_to IS NULL").pl()
    parts = summarise(frame, by).rename({by: "kato"}).join(names, on="kato", how="left")
    total = summarise(frame).with_columns(
        kato=pl.lit(frame[by][0][:2] + "0000000" if region else "000000000"),
        name_ru=pl.lit("Итого" if region else "Республика Казахстан"))
    out = pl.concat([total.select(parts.columns), parts])
    out = out.select("kato", "name_ru", *[c for c in out.columns if c not in ("kato", "name_ru")]).with_columns(
        synthetic=pl.lit(synthetic))
    # the synthetic settlements are generated to the review's village counts and their 2019–2023 growth
    return with_fitted_note(out, True)

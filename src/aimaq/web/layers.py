"""GeoJSON layers of the digital village map, assembled from the jobs' services (territory, standards, rural)."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import polars as pl

from aimaq.errors import ComputationError


def settlements_layer(con: duckdb.DuckDBPyConnection, region_kato: str, year: int) -> dict:
    """Settlements of one region as GeoJSON points: names ru/kk, kind, population, standards coverage of `year`
    (coverage_pct, n_met of n_applicable, category), village role and potential where classified, synthetic."""
    from aimaq.rural.service import show_villages
    from aimaq.standards.service import coverage_table
    from aimaq.territory.repository import territories

    prefix = region_kato[:2]
    places = territories(con, "settlement", dt.date.today()).filter(pl.col("kato").str.starts_with(prefix))
    coverage = coverage_table(con, year, "settlement")
    cov_synthetic = bool(coverage["synthetic"].any())
    coverage = coverage.select("kato", pl.col("group").alias("category"), "n_applicable", "n_met", "coverage_pct")
    try:
        roles = show_villages(con, region_kato, list_villages=True).select("kato", "role", "potential")
    except ComputationError:  # no classification yet, or none in this region
        roles = pl.DataFrame(schema={"kato": pl.Utf8, "role": pl.Utf8, "potential": pl.Utf8})
    frame = (places.join(coverage, on="kato", how="left").join(roles, on="kato", how="left")
             .filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null()))
    features = []
    for r in frame.iter_rows(named=True):
        cov = r["coverage_pct"]
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": {
                "kato": r["kato"], "name_ru": r["name_ru"], "name_kk": r["name_kk"], "kind": r["kind"],
                "population": r["population"], "category": r["category"],
                "coverage_pct": None if cov is None else round(cov, 1),
                "n_met": r["n_met"], "n_applicable": r["n_applicable"],
                "role": r["role"], "potential": r["potential"],
                "synthetic": bool(r["synthetic"]) or (cov is not None and cov_synthetic),
            }})
    synthetic = any(f["properties"]["synthetic"] for f in features)
    return {"type": "FeatureCollection", "region": region_kato, "year": year, "synthetic": synthetic,
            "without_coordinates": places.height - frame.height, "features": features}


def regions_layer(con: duckdb.DuckDBPyConnection) -> dict:
    """Today's regions with their boundary (territory_geometry, simplified) and the latest published
    standards coverage (srs_coverage_pct on today's boundaries)."""
    from aimaq.territory.boundaries import series_on_boundaries

    today = dt.date.today()
    # no service reads territory_geometry yet: the one query of the web package
    rows = con.execute("""
        SELECT t.kato, t.name_ru, t.name_kk, t.synthetic, g.geojson
        FROM territory t JOIN territory_geometry g ON g.kato = t.kato AND g.valid_from = t.valid_from
        WHERE t.level = 'region' AND t.valid_from <= ? AND (t.valid_to IS NULL OR t.valid_to >= ?)
        ORDER BY t.kato""", [today, today]).fetchall()
    try:
        published, _ = series_on_boundaries(con, "srs_coverage_pct", today.year)
    except ComputationError:
        published = pl.DataFrame(schema={"kato": pl.Utf8, "period": pl.Utf8, "value": pl.Float64})
    latest = (published.filter(pl.col("value").is_not_null()).sort("period")
              .group_by("kato").agg(pl.col("period").last(), pl.col("value").last()))
    by_kato = {r["kato"]: r for r in latest.iter_rows(named=True)}
    features = []
    for kato, name_ru, name_kk, synthetic, geojson in rows:
        cov = by_kato.get(kato)
        features.append({"type": "Feature", "geometry": json.loads(geojson), "properties": {
            "kato": kato, "name_ru": name_ru, "name_kk": name_kk,
            "coverage_pct": None if cov is None else cov["value"],
            "coverage_period": None if cov is None else cov["period"],
            "coverage_source": "published", "synthetic": bool(synthetic)}})
    return {"type": "FeatureCollection", "synthetic": any(f["properties"]["synthetic"] for f in features),
            "features": features}

"""The units a republican city (Astana, Almaty, Shymkent) is assessed over: its city districts.

A republican city is one settlement of the registry but a region of its own; assessed as one settlement, its
coverage of the 56-item standard moves in steps of 1/56 (1.8 pp). It is assessed instead over the finest units the
registry has below it: settlement-level units imported under its city districts when there are any, else the city
districts themselves (second-level units, kind city_area). A unit stands for a part of the city, so in every mean
over settlements each unit weighs 1/k of its city (k units) and the city still counts once.

Where the registry gives a unit no population or place (the city districts have neither), they are made here:
the city's population split equally over its districts (largest remainder: exact integers; marked synthetic,
no published figure by district is shipped) and the district polygon's representative point (geokz). Pure
function of its inputs: no draws, so the same registry always gives the same units.
"""

from __future__ import annotations

import numpy as np
import polars as pl

UNIT_KIND = "city_republican"      # the units take the city's category (the 56-item standard)


def _largest_remainder(total: int, n: int) -> np.ndarray:
    base = np.full(n, total // n, dtype=np.int64)
    base[: total - base.sum()] += 1
    return base


def _district_points(katos: list[str]) -> dict[str, tuple[float, float]]:
    """Representative point (lat, lon) of each district polygon known to the shipped boundaries."""
    import shapely

    from aimaq.synth import geodata

    d = geodata.districts()
    idx = {k: i for i, k in enumerate(d.kato.tolist())}
    out = {}
    for k in katos:
        if k in idx:
            p = shapely.point_on_surface(d.geoms[idx[k]])
            out[k] = (float(p.y), float(p.x))
    return out


def city_units(cities: pl.DataFrame, areas: pl.DataFrame, smaller: pl.DataFrame | None = None) -> pl.DataFrame:
    """The assessment units of the republican `cities`.

    cities: kato, name_ru, lat, lon, population, synthetic, region_kato (one row per city settlement).
    areas: kato, name_ru, parent_kato (= the city's region) - the city districts of the registry.
    smaller: kato, name_ru, lat, lon, population, synthetic, parent_kato (= a city district) - settlement-level
    units imported below the city districts; used instead of the districts of a city that has any.
    Returns the columns of a settlement frame (kato, name_ru, kind, lat, lon, population, synthetic,
    region_kato, district_kato) plus settlement_kato (the city) and weight (1/k). Cities without districts are
    returned as themselves (weight 1)."""
    smaller = smaller if smaller is not None else pl.DataFrame(
        schema={"kato": pl.Utf8, "name_ru": pl.Utf8, "lat": pl.Float64, "lon": pl.Float64, "population": pl.Int64,
                "synthetic": pl.Boolean, "parent_kato": pl.Utf8})
    points = _district_points(areas["kato"].to_list())
    parts = []
    for city in cities.iter_rows(named=True):
        region = city["region_kato"]
        own_areas = areas.filter(pl.col("parent_kato") == region).sort("kato")
        below = smaller.filter(pl.col("parent_kato").is_in(own_areas["kato"].to_list())).sort("kato")
        if below.height:
            units = below.select("kato", "name_ru", "lat", "lon", "population", "synthetic",
                                 pl.col("parent_kato").alias("district_kato"))
        elif own_areas.height:
            pop = _largest_remainder(int(city["population"] or 0), own_areas.height)
            lat = [points.get(k, (city["lat"], city["lon"]))[0] for k in own_areas["kato"]]
            lon = [points.get(k, (city["lat"], city["lon"]))[1] for k in own_areas["kato"]]
            units = pl.DataFrame({
                "kato": own_areas["kato"], "name_ru": [f"{city['name_ru']}, {n} район" for n in own_areas["name_ru"]],
                "lat": lat, "lon": lon, "population": pop, "synthetic": True, "district_kato": own_areas["kato"]})
        else:
            units = pl.DataFrame({"kato": [city["kato"]], "name_ru": [city["name_ru"]], "lat": [city["lat"]],
                                  "lon": [city["lon"]], "population": [city["population"]],
                                  "synthetic": [city["synthetic"]], "district_kato": [city.get("district_kato")]})
        parts.append(units.with_columns(kind=pl.lit(UNIT_KIND), region_kato=pl.lit(region),
                                        settlement_kato=pl.lit(city["kato"]),
                                        weight=pl.lit(1.0 / units.height)))
    schema = {"kato": pl.Utf8, "name_ru": pl.Utf8, "kind": pl.Utf8, "lat": pl.Float64, "lon": pl.Float64,
              "population": pl.Int64, "synthetic": pl.Boolean, "region_kato": pl.Utf8, "district_kato": pl.Utf8,
              "settlement_kato": pl.Utf8, "weight": pl.Float64}
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat([p.select([pl.col(c).cast(t) for c, t in schema.items()]) for p in parts])

"""The only module of `territory` that touches the database."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from typing import TYPE_CHECKING

from aimaq.territory.names import NameIndex

if TYPE_CHECKING:  # the registry builder pulls in shapely: not for the importer's name lookups
    from aimaq.territory.registry import Registry

_TERRITORY_COLUMNS = ["kato", "name_ru", "name_kk", "name_en", "level", "kind", "parent_kato", "valid_from",
                      "valid_to", "lat", "lon", "population", "synthetic", "source"]


def save_registry(con: duckdb.DuckDBPyConnection, registry: Registry) -> None:
    """Replace the registry tables with `registry` (used when building a database from nothing)."""
    con.execute("DELETE FROM territory_alias; DELETE FROM territory_geometry; DELETE FROM territory_event;"
                "DELETE FROM territory")
    save_territories(con, pl.DataFrame(registry.territories, infer_schema_length=None))
    aliases = pl.DataFrame(registry.aliases, infer_schema_length=None)
    con.register("_aliases", aliases.select("kato", "alias", "kind", "lang", "valid_to").to_arrow())
    con.execute("INSERT INTO territory_alias SELECT DISTINCT kato, alias, kind, lang, valid_to FROM _aliases")
    con.unregister("_aliases")
    geoms = pl.DataFrame(registry.geometries)
    con.register("_geoms", geoms.to_arrow())
    con.execute("INSERT INTO territory_geometry SELECT kato, valid_from, geojson, source FROM _geoms")
    con.unregister("_geoms")
    for e in registry.events:
        con.execute("INSERT INTO territory_event VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [e["event_id"], e["date"], e["kind"], e["codes_before"], e["codes_after"], e["description_ru"],
                     e["description_en"], e["source"]])


def save_territories(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, aliases: bool = True) -> int:
    """Append territories (e.g. generated settlements); their official names become aliases."""
    from aimaq.territory.registry import EPOCH

    for column in _TERRITORY_COLUMNS:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None).alias(column))
    frame = frame.select(_TERRITORY_COLUMNS).with_columns(
        pl.col("synthetic").fill_null(False), pl.col("valid_from").fill_null(EPOCH), pl.col("population").cast(pl.Int64),
        pl.col("lat").cast(pl.Float64), pl.col("lon").cast(pl.Float64))
    con.register("_territories", frame.to_arrow())
    con.execute(f"INSERT INTO territory SELECT {', '.join(_TERRITORY_COLUMNS)} FROM _territories")
    if aliases:
        con.execute("""
            INSERT INTO territory_alias
            SELECT kato, name, 'official', lang, NULL FROM (
                SELECT kato, name_ru AS name, 'ru' AS lang FROM _territories UNION ALL
                SELECT kato, name_kk, 'kk' FROM _territories UNION ALL
                SELECT kato, name_en, 'en' FROM _territories) WHERE name IS NOT NULL AND name <> ''""")
    con.unregister("_territories")
    return frame.height


_WEIGHT = {"official": 3, "variant": 2, "former": 2, "abbreviation": 2, "transliteration": 2}


def load_name_index(con: duckdb.DuckDBPyConnection, levels: tuple[str, ...] | None = None) -> NameIndex:
    where = f"WHERE t.level IN ({', '.join(repr(x) for x in levels)})" if levels else ""
    rows = con.execute(f"""
        SELECT a.kato, a.alias, a.kind, t.level, t.kind AS tkind, t.name_ru AS name, t.valid_from, t.valid_to
        FROM territory_alias a JOIN territory t ON t.kato = a.kato
             AND (a.valid_to IS NULL OR t.valid_from <= a.valid_to) {where}""").fetchall()
    cols = ["kato", "alias", "akind", "level", "tkind", "name", "valid_from", "valid_to"]
    return NameIndex.from_rows(
        {**dict(zip(cols, r)), "weight": _WEIGHT.get(r[2], 1)} for r in rows)


def territories(con: duckdb.DuckDBPyConnection, level: str | None = None, at: dt.date | None = None) -> pl.DataFrame:
    sql = "SELECT * FROM territory WHERE 1=1"
    params: list = []
    if level:
        sql += " AND level = ?"
        params.append(level)
    if at:
        sql += " AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)"
        params += [at, at]
    return con.execute(sql + " ORDER BY kato, valid_from", params).pl()


def events(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.execute("SELECT * FROM territory_event ORDER BY date, event_id").pl()

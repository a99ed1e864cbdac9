"""The territorial registry built from shipped files: country, 20 regions (and their pre-reform versions),
224 second-level units, reform events, aliases and boundaries. Pure: returns frames, touches no database."""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass

from shapely.geometry import mapping, shape
from shapely.ops import unary_union

from aimaq.data import data_path

COUNTRY_KATO = "000000000"
EPOCH = dt.date(1991, 12, 16)  # independence: the registry's earliest validity
GEO_SOURCE = "geokz 1.0.2 (arodionoff/geokz), CC BY 4.0; simplified boundaries, not legal ones"

# Regions whose pre-reform versions are unions of today's regions: (kato, valid_to) -> current parts.
PRE_REFORM_PARTS = {
    ("630000000", dt.date(2022, 6, 7)): ["630000000", "100000000"],
    ("190000000", dt.date(2022, 6, 7)): ["190000000", "330000000"],
    ("350000000", dt.date(2022, 6, 7)): ["350000000", "620000000"],
    ("510000000", dt.date(2018, 6, 18)): ["610000000", "790000000"],
}
# Second-level units of regions created by a reform are valid from the reform.
REGION_VALID_FROM = {"10": dt.date(2022, 6, 8), "33": dt.date(2022, 6, 8), "62": dt.date(2022, 6, 8),
                     "61": dt.date(2018, 6, 19), "79": dt.date(2018, 6, 19)}


def _read_csv(*parts: str) -> list[dict]:
    with data_path(*parts).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@dataclass
class Registry:
    territories: list[dict]
    aliases: list[dict]
    events: list[dict]
    geometries: list[dict]


def district_kind(kato: str, name_ru: str) -> str:
    if kato[:2] in ("71", "75", "79"):
        return "city_area"
    # KATO gives towns of oblast significance 10–31 in digits 3–4 and districts 32 and up
    if name_ru.endswith(("ский", "цкий", "ий")) or " " in name_ru or int(kato[2:4]) >= 32:
        return "district"
    return "city_oblast"


def build_registry() -> Registry:
    territories: list[dict] = []
    aliases: list[dict] = []
    geometries: list[dict] = []

    def add(row: dict, extra_aliases: list[str] = ()) -> None:
        row.setdefault("lat", None), row.setdefault("lon", None), row.setdefault("population", None)
        row.setdefault("synthetic", False)
        territories.append(row)
        for alias, kind, lang, weight in (
            (row["name_ru"], "official", "ru", 3), (row["name_kk"], "official", "kk", 3),
            (row["name_en"], "official", "en", 3),
        ):
            if alias:
                aliases.append(_alias(row, alias, kind, lang, weight))
        for alias in extra_aliases:
            if alias:
                aliases.append(_alias(row, alias, "variant", None, 2))

    add({"kato": COUNTRY_KATO, "name_ru": "Республика Казахстан", "name_kk": "Қазақстан Республикасы",
         "name_en": "Republic of Kazakhstan", "level": "country", "kind": "country", "parent_kato": None,
         # series of today's territory reach back before independence (Kazakh SSR): UN WPP/WUP from 1950
         "valid_from": dt.date(1900, 1, 1), "valid_to": None, "source": GEO_SOURCE},
        ["Казахстан", "Қазақстан", "Kazakhstan", "РК", "Республика Казахстан ", "Republic of Kazakhstan"])

    for r in _read_csv("territory", "regions.csv"):
        row = {"kato": r["kato"], "name_ru": r["name_ru"], "name_kk": r["name_kk"], "name_en": r["name_en"],
               "level": "region", "kind": r["kind"], "parent_kato": COUNTRY_KATO,
               "valid_from": _date(r["valid_from"]), "valid_to": _date(r["valid_to"]), "source": GEO_SOURCE}
        add(row, r["aliases"].split("|"))

    overrides: dict[str, dict[str, str]] = {}
    for r in _read_csv("territory", "overrides.csv"):
        overrides.setdefault(r["kato"], {})[r["field"]] = r["value"]
    for r in _read_csv("geo", "kz_adm2_2024_geokz.csv"):
        kato, over = r["KATO"], overrides.get(r["KATO"], {})
        valid_from = _date(over.get("valid_from")) or REGION_VALID_FROM.get(kato[:2], EPOCH)
        add({"kato": kato, "name_ru": r["ADM2_RU"], "name_kk": r["ADM2_KK"], "name_en": r["ADM2_EN"],
             "level": "district", "kind": district_kind(kato, r["ADM2_RU"]), "parent_kato": kato[:2] + "0000000",
             "valid_from": valid_from, "valid_to": None, "source": GEO_SOURCE},
            over.get("aliases", "").split("|"))
    for r in _read_csv("territory", "districts_extra.csv"):
        add({"kato": r["kato"], "name_ru": r["name_ru"], "name_kk": r["name_kk"], "name_en": r["name_en"],
             "level": "district", "kind": r["kind"], "parent_kato": r["parent_kato"],
             "valid_from": _date(r["valid_from"]), "valid_to": _date(r["valid_to"]), "source": r["source"]},
            r["aliases"].split("|"))

    # Boundaries: today's from geokz; a pre-reform region's is the union of its parts today.
    current = {}
    for level_file in ("kz_adm1_2024_geokz.geojson", "kz_adm2_2024_geokz.geojson"):
        for feature in json.loads(data_path("geo", level_file).read_text(encoding="utf-8"))["features"]:
            current[feature["properties"]["KATO"]] = shape(feature["geometry"])
    for row in territories:
        geom = None
        parts = PRE_REFORM_PARTS.get((row["kato"], row["valid_to"]))
        if parts:
            geom = unary_union([current[p] for p in parts])
        elif row["valid_to"] is None and row["kato"] in current:
            geom = current[row["kato"]]
        if geom is not None:
            geometries.append({"kato": row["kato"], "valid_from": row["valid_from"],
                               "geojson": json.dumps(mapping(geom)), "source": GEO_SOURCE})
            if row["level"] != "country":
                c = geom.representative_point()
                row["lat"], row["lon"] = round(c.y, 5), round(c.x, 5)

    events = []
    for i, r in enumerate(_read_csv("territory", "events.csv"), start=1):
        events.append({"event_id": i, "date": _date(r["date"]), "kind": r["kind"],
                       "codes_before": r["codes_before"].split("|"), "codes_after": r["codes_after"].split("|"),
                       "description_ru": r["description_ru"], "description_en": r["description_en"],
                       "source": r["source"]})
    return Registry(territories, aliases, events, geometries)


def _alias(row: dict, alias: str, kind: str, lang: str | None, weight: int) -> dict:
    return {"kato": row["kato"], "alias": alias.strip(), "kind": kind, "lang": lang, "weight": weight,
            "level": row["level"], "tkind": row["kind"], "name": row["name_ru"],
            "valid_from": row["valid_from"], "valid_to": row["valid_to"]}

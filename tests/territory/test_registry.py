import datetime as dt
import json

from shapely.geometry import shape

from aimaq.territory.repository import events, territories


def test_twenty_regions_and_224_second_level_units_today(db):
    today = dt.date(2024, 6, 1)
    regions = territories(db, "region", today)
    assert regions.height == 20
    assert set(regions["kind"]) == {"oblast", "city_republican"}
    assert (regions["kind"] == "city_republican").sum() == 3
    districts = territories(db, "district", today)
    # 224 units of geokz 2024 plus the two 2023 border districts it does not have (codes assumed, flagged)
    assert districts.height == 226
    assert districts.filter(districts["source"].str.contains("code assumed")).height == 2


def test_regions_before_2022_reform(db):
    regions = territories(db, "region", dt.date(2021, 1, 1))
    assert regions.height == 17
    assert not {"100000000", "330000000", "620000000"} & set(regions["kato"])
    regions_2017 = territories(db, "region", dt.date(2017, 1, 1))
    assert "510000000" in set(regions_2017["kato"]) and "790000000" not in set(regions_2017["kato"])
    assert regions_2017.height == 16


def test_reform_events(db):
    ev = events(db)
    splits = ev.filter(ev["kind"] == "split")
    by_new = {tuple(r["codes_after"]): (r["date"], r["codes_before"]) for r in splits.iter_rows(named=True)}
    assert by_new[("630000000", "100000000")] == (dt.date(2022, 6, 8), ["630000000"])
    assert by_new[("190000000", "330000000")][1] == ["190000000"]
    assert by_new[("350000000", "620000000")][1] == ["350000000"]
    assert by_new[("610000000", "790000000")] == (dt.date(2018, 6, 19), ["510000000"])
    kinds = {(r["kind"], r["date"].year, tuple(r["codes_after"])) for r in ev.iter_rows(named=True)}
    assert ("status_change", 2021, ("111600000",)) in kinds  # Kosshy
    assert ("rename", 2020, ("395400001",)) in kinds  # Zatobolsk → Tobyl (a settlement of Kostanay district)
    assert ("status_change", 2024, ("191800000",)) in kinds  # Zhetygen → Alatau
    assert ("rename", 2022, ("191000000",)) in kinds  # Kapshagay → Konaev
    assert ("centre_move", 2022, ("190000000",)) in kinds
    border = [r for r in ev.iter_rows(named=True) if r["date"].year == 2023]
    assert sorted(r["codes_after"][1] for r in border) == ["104500000", "635300000", "635500000"]


def test_pre_reform_boundaries_are_unions_of_todays(db):
    rows = db.execute("SELECT kato, valid_from, geojson FROM territory_geometry WHERE kato IN "
                      "('630000000', '100000000')").fetchall()
    geoms = {(k, v): shape(json.loads(g)) for k, v, g in rows}
    old = geoms[("630000000", dt.date(1991, 12, 16))]
    new = geoms[("630000000", dt.date(2022, 6, 8))]
    abai = geoms[("100000000", dt.date(2022, 6, 8))]
    assert abs(old.area - (new.area + abai.area)) / old.area < 1e-3
    assert old.contains(abai.representative_point())

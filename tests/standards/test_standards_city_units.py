"""Republican cities assessed over their city districts (aimaq.synth.city_districts + the standards service): the
city's coverage moves in steps of 1/(56 k), it still counts once in every mean over settlements, and data recorded
for the city as a whole reach its units."""

import numpy as np
import polars as pl
import pytest

from aimaq.standards import service
from aimaq.store.db import connect

SHYMKENT_AREAS = [("791110000", "Абайский"), ("791310000", "Аль-Фарабиский"), ("791510000", "Енбекшинский"),
                  ("791710000", "Каратауский"), ("791910000", "Туранский")]


def _seed(con, smaller=False):
    rng = np.random.default_rng(5)
    rows = [("000000000", "Республика Казахстан", "country", "country", None, None, None, None),
            ("790000000", "город Шымкент", "region", "city_republican", "000000000", None, None, None),
            ("791300001", "Шымкент", "settlement", "city_republican", "791310000", 42.32, 69.59, 1191877),
            ("470000000", "Мангистауская область", "region", "oblast", "000000000", None, None, None),
            ("473600000", "Мангистауский район", "district", "district", "470000000", None, None, None)]
    rows += [(k, n, "district", "city_area", "790000000", None, None, None) for k, n in SHYMKENT_AREAS]
    for i in range(40):
        rows.append((f"4736{i + 1:05d}", f"Аул {i}", "settlement", "village", "473600000",
                     43.5 + rng.uniform(-0.6, 0.6), 52.0 + rng.uniform(-0.8, 0.8), int(rng.integers(80, 4000))))
    if smaller:   # two imported microdistricts under one city district, one under another
        rows += [("791110001", "мкр Самал", "settlement", "microdistrict", "791110000", 42.36, 69.55, 100000),
                 ("791110002", "мкр Нурсат", "settlement", "microdistrict", "791110000", 42.37, 69.60, 90000),
                 ("791310001", "мкр Восток", "settlement", "microdistrict", "791310000", 42.30, 69.62, 80000)]
    frame = pl.DataFrame(rows, schema=["kato", "name_ru", "level", "kind", "parent_kato", "lat", "lon", "population"],
                         orient="row")
    con.register("_t", frame.to_arrow())
    con.execute("""INSERT INTO territory (kato, name_ru, level, kind, parent_kato, lat, lon, population, synthetic)
                   SELECT kato, name_ru, level, kind, parent_kato, lat, lon, population, level = 'settlement' FROM _t""")
    con.unregister("_t")


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("cities") / "t.duckdb")
    _seed(con)
    service.build_synthetic_inventory(con, 2023, seed=11)
    yield con
    con.close()


def test_the_city_is_replaced_by_its_districts(con):
    s = service.load_settlements(con)
    units = s.filter(pl.col("settlement_kato") == "791300001").sort("kato")
    assert units["kato"].to_list() == [k for k, _ in SHYMKENT_AREAS]
    assert units["population"].sum() == 1191877 and units["population"].max() - units["population"].min() <= 1
    assert units["weight"].to_list() == [0.2] * 5 and units["synthetic"].all()
    assert (units["kind"] == "city_republican").all() and (units["district_kato"] == units["kato"]).all()
    # each unit sits inside its own district (the polygon's representative point), all apart
    assert units.select("lat", "lon").n_unique() == 5
    assert ((units["lat"] - 42.3).abs() < 0.3).all() and ((units["lon"] - 69.6).abs() < 0.4).all()
    assert "791300001" not in s["kato"].to_list()
    assert s.filter(pl.col("region_kato") == "470000000")["weight"].to_list() == [1.0] * 40


def test_city_coverage_moves_in_steps_of_its_units_and_counts_once(con):
    reg = service.coverage_table(con, 2023, "region").filter(pl.col("group") == "all")
    shym = reg.filter(pl.col("kato") == "790000000").row(0, named=True)
    steps = shym["coverage_pct"] * 5 * 56 / 100
    assert steps == pytest.approx(round(steps), abs=1e-9)             # k/280, not k/56
    assert abs(shym["coverage_pct"] - 87.8) <= 100 / 280 / 2 + 1e-9    # the review's 87.8 within half a step
    assert shym["n_settlements"] == 1
    sett = service.coverage_table(con, 2023, "settlement")
    city = sett.filter(pl.col("kato") == "791300001").row(0, named=True)
    assert city["coverage_pct"] == pytest.approx(shym["coverage_pct"]) and city["n_settlements"] == 1
    country = service.coverage_table(con, 2023, "country").filter(pl.col("group") == "all").row(0, named=True)
    assert country["n_settlements"] == 41
    village_mean = sett.filter(pl.col("kato").str.starts_with("47"))["coverage_pct"].sum()
    assert country["coverage_pct"] == pytest.approx((village_mean + shym["coverage_pct"]) / 41)
    stored = con.execute("""SELECT count(*) FROM srs_coverage_settlement WHERE kato LIKE '79%' AND run_id =
                            (SELECT max(run_id) FROM srs_run WHERE kind = 'coverage')""").fetchone()[0]
    assert stored == 5


def test_gaps_of_the_city_are_those_of_its_districts(con):
    g = service.gaps(con, "791300001", 2023)
    assert set(g["kato"].to_list()) <= {k for k, _ in SHYMKENT_AREAS} and g.height > 0


def test_data_for_the_whole_city_reach_its_units():
    s = pl.DataFrame({"kato": ["a1", "a2", "v"], "settlement_kato": ["A", "A", "v"], "lat": [50.0, 51.0, 40.0],
                      "lon": [70.0, 70.0, 60.0]})
    fac = pl.DataFrame({"kato": ["A", "v"], "facility": ["school", "school"], "lat": [50.9, 40.0],
                        "lon": [70.0, 60.0]})
    lv = pl.DataFrame({"kato": ["A", "A", "a1"], "indicator": ["gas_pct", "water_pct", "gas_pct"],
                       "value": [70.0, 95.0, 40.0]})
    f2, l2 = service.to_units(s, fac, lv)
    assert sorted(f2["kato"].to_list()) == ["a2", "v"]                  # the nearest unit
    got = {(r["kato"], r["indicator"]): r["value"] for r in l2.to_dicts()}
    assert got == {("a1", "gas_pct"): 40.0, ("a2", "gas_pct"): 70.0, ("a1", "water_pct"): 95.0,
                   ("a2", "water_pct"): 95.0}                           # a unit's own value wins


def test_imported_smaller_units_replace_the_districts(tmp_path):
    con = connect(tmp_path / "s.duckdb")
    _seed(con, smaller=True)
    s = service.load_settlements(con)
    units = s.filter(pl.col("settlement_kato") == "791300001").sort("kato")
    assert units["kato"].to_list() == ["791110001", "791110002", "791310001"]
    assert units["population"].to_list() == [100000, 90000, 80000]
    assert units["district_kato"].to_list() == ["791110000", "791110000", "791310000"]
    assert units["weight"].to_list() == pytest.approx([1 / 3] * 3)
    con.close()

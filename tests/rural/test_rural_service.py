import math

import polars as pl
import pytest

from aimaq.rural.service import classify_villages, show_villages
from aimaq.rural.spec import load_criteria
from aimaq.store.db import connect


def test_classify_and_show_on_a_fresh_database(tmp_path):
    con = connect(tmp_path / "t.duckdb")
    d = math.degrees(1 / 6371.0088)
    rows = [("000000000", "Республика Казахстан", "country", "country", None, None, None, None),
            ("110000000", "Акмолинская область", "region", "oblast", "000000000", None, None, None),
            ("113000000", "Район", "district", "district", "110000000", None, None, None),
            ("113001000", "Округ", "okrug", "rural_okrug", "113000000", None, None, None),
            ("113000001", "Город", "settlement", "city_district", "113000000", 52.0, 70.0, 20000),
            ("113001001", "Центр", "settlement", "rural_district_centre", "113001000", 52.0 + 60 * d, 70.0, 2500),
            ("113001002", "Спутник", "settlement", "village", "113001000", 52.0 + 70 * d, 70.0, 400),
            ("113001003", "Хутор", "settlement", "village", "113001000", 52.0 + 200 * d, 70.0, 60)]
    frame = pl.DataFrame(rows, schema=["kato", "name_ru", "level", "kind", "parent_kato", "lat", "lon", "population"],
                         orient="row")
    con.register("_t", frame.to_arrow())
    con.execute("""INSERT INTO territory (kato, name_ru, level, kind, parent_kato, lat, lon, population, synthetic)
                   SELECT *, TRUE FROM _t""")
    con.execute("""INSERT INTO observation (kato, indicator, period, value, revision, loaded_at, synthetic) VALUES
                   ('113001001', 'population', '2019', 2400, 1, now(), TRUE),
                   ('113001002', 'population', '2019', 380, 1, now(), TRUE),
                   ('113001003', 'population', '2019', 70, 1, now(), TRUE)""")
    out = classify_villages(con)
    crit = load_criteria()
    assert con.execute("SELECT spec_name, spec_version, spec_sha256 FROM rural_run").fetchone() == (
        crit.name, crit.version, crit.sha256)
    roles = dict(con.execute("SELECT kato, role FROM rural_village_class").fetchall())
    # 2,500 people: support whatever the score (800+); 400 people 10 km away: satellite; 60 people far: other
    assert roles == {"113001001": "support", "113001002": "satellite", "113001003": "other"}
    sm = out["summary"].row(0, named=True)
    assert sm["with_potential"] == 2
    assert sm["population_change_with_potential"] == pytest.approx(2900 - 2780)
    table = show_villages(con)
    assert table["kato"].to_list() == ["000000000", "110000000"] and table["synthetic"].all()
    listing = show_villages(con, "110000000", list_villages=True)
    assert listing.height == 3
    con.close()

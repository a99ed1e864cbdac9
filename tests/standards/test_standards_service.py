import numpy as np
import polars as pl
import pytest

from aimaq.standards import service
from aimaq.standards.spec import load_catalogue
from aimaq.store.db import connect


def _seed_territory(con, n_villages=60):
    rng = np.random.default_rng(3)
    rows = [("000000000", "Республика Казахстан", "country", "country", None, None, None, None),
            ("790000000", "город Шымкент", "region", "city_republican", "000000000", None, None, None),
            ("791300001", "Шымкент", "settlement", "city_republican", "790000000", 42.32, 69.59, 1191877),
            ("470000000", "Мангистауская область", "region", "oblast", "000000000", None, None, None),
            ("471000000", "Актау Г.А.", "district", "city_oblast", "470000000", None, None, None),
            ("471000001", "Актау", "settlement", "city_oblast", "471000000", 43.65, 51.17, 263000),
            ("473600000", "Мангистауский район", "district", "district", "470000000", None, None, None)]
    for i in range(n_villages):
        kind = "rural_district_centre" if i % 5 == 0 else "village"
        rows.append((f"4736{i + 1:05d}", f"Аул {i}", "settlement", kind, "473600000",
                     43.5 + rng.uniform(-0.6, 0.6), 52.0 + rng.uniform(-0.8, 0.8), int(rng.integers(80, 4000))))
    frame = pl.DataFrame(rows, schema=["kato", "name_ru", "level", "kind", "parent_kato", "lat", "lon", "population"],
                         orient="row")
    con.register("_t", frame.to_arrow())
    con.execute("""INSERT INTO territory (kato, name_ru, level, kind, parent_kato, lat, lon, population, synthetic)
                   SELECT kato, name_ru, level, kind, parent_kato, lat, lon, population, level = 'settlement' FROM _t""")
    con.unregister("_t")


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("std") / "t.duckdb")
    _seed_territory(con)
    service.build_synthetic_inventory(con, 2022, seed=11)
    service.build_synthetic_inventory(con, 2023, seed=11)
    yield con
    con.close()


def test_synthetic_inventory_is_calibrated_and_marked(con):
    cal = con.execute("""SELECT c.region_kato, c.target_pct, c.achieved_pct FROM srs_synthetic_calibration c
                         JOIN srs_run r USING (run_id) WHERE r.year = 2023 ORDER BY 1""").fetchall()
    got = {r[0]: (r[1], r[2]) for r in cal}
    assert got["470000000"][0] == 74.0 and abs(got["470000000"][1] - 74.0) < 0.5
    assert got["790000000"][0] == 87.8 and abs(got["790000000"][1] - 87.8) <= 100 / 56 / 2  # one city: k/56 steps
    assert con.execute("SELECT bool_and(synthetic) FROM srs_facility").fetchone()[0]
    assert con.execute("""SELECT bool_and(synthetic), count(*) > 0 FROM observation
                          WHERE indicator = 'water_central_pct'""").fetchone() == (True, True)


def test_coverage_run_records_the_spec(con):
    cat = load_catalogue("2023")
    row = con.execute("""SELECT spec_name, spec_version, spec_sha256, synthetic FROM srs_run
                         WHERE kind = 'coverage' AND year = 2023""").fetchone()
    assert row == (cat.name, cat.version, cat.sha256, True)


def test_region_table_means_change_and_shymkent_anomaly(con):
    reg = service.coverage_table(con, 2023, "region")
    assert set(reg.columns) >= {"kato", "name_ru", "coverage_pct", "coverage_pct_popweighted", "change_pp", "anomaly"}
    shym = reg.filter(pl.col("kato") == "790000000").row(0, named=True)
    assert shym["change_pp"] > 25 and shym["anomaly"] is True
    mang = reg.filter(pl.col("kato") == "470000000").row(0, named=True)
    assert abs(mang["coverage_pct"] - 74.0) < 0.5 and mang["anomaly"] is False
    # unweighted regional mean == mean of the settlements' coverage
    sett = service.coverage_table(con, 2023, "settlement")
    m = sett.filter(pl.col("kato").str.starts_with("47"))["coverage_pct"].mean()
    assert mang["coverage_pct"] == pytest.approx(m)
    # inventories are nested: no settlement loses coverage from 2022 to 2023
    assert sett["change_pp"].min() >= 0


def test_gaps_and_plan(con):
    village = con.execute("""SELECT kato FROM srs_coverage_settlement WHERE run_id = (SELECT max(run_id) FROM srs_run
                             WHERE kind = 'coverage') AND n_met < n_applicable LIMIT 1""").fetchone()[0]
    g = service.gaps(con, village, 2023)
    n_missing = con.execute("SELECT n_applicable - n_met FROM srs_coverage_settlement WHERE kato = ? AND run_id = "
                            "(SELECT max(run_id) FROM srs_run WHERE kind = 'coverage')", [village]).fetchone()[0]
    missing = {r[0] for r in con.execute("""SELECT item FROM srs_coverage_item WHERE kato = ? AND NOT met AND run_id =
                   (SELECT max(run_id) FROM srs_run WHERE kind = 'coverage' AND year = 2023)""", [village]).fetchall()}
    assert g.height == n_missing and set(g["item"].to_list()) == missing
    assert (g["nearest_km"].drop_nulls() >= 0).all()
    plan = service.plan_budget(con, 2e9, 2023)
    s = {r["method"]: r for r in plan.summary.to_dicts()}
    assert s["ilp"]["cost_mln"] <= 2000 + 1e-6 and s["ilp"]["gain"] >= s["greedy"]["gain"] - 1e-9
    # the exact plan proves itself: status, gap and the bound it is measured against
    assert s["ilp"]["status"] == "Optimal" and s["ilp"]["mip_gap"] <= 1e-5
    assert s["ilp"]["gain"] <= s["ilp"]["bound"] <= s["ilp"]["gain"] * (1 + 1e-5) + 1e-12
    assert s["greedy"]["bound"] is None
    assert con.execute("SELECT count(*) FROM srs_plan_project WHERE run_id = ?", [plan.run_id]).fetchone()[0] > 0


def test_import_facilities_all_or_nothing(con, tmp_path):
    from aimaq.errors import ValidationFailed

    bad = tmp_path / "f.csv"
    bad.write_text("kato,facility,lat,lon,condition\n473600001,school,43.5,52.0,good\n"
                   "999999999,school,43.5,52.0,good\n473600002,spaceport,43.5,95.0,new\n", encoding="utf-8")
    before = con.execute("SELECT count(*) FROM srs_facility WHERE inventory_year = 2024").fetchone()[0]
    with pytest.raises(ValidationFailed) as exc:
        service.import_facilities(con, bad, 2024)
    assert {(p.row, p.column) for p in exc.value.problems} == {(3, "A"), (4, "B"), (4, "D"), (4, "E")}
    assert con.execute("SELECT count(*) FROM srs_facility WHERE inventory_year = 2024").fetchone()[0] == before
    good = tmp_path / "g.csv"
    good.write_text("kato,facility,lat,lon,wear_pct\n473600001,school,43.5,52.0,35\n", encoding="utf-8")
    assert service.import_facilities(con, good, 2024)["rows"] == 1


def test_cli_coverage_csv(con, tmp_path):
    import csv
    import io

    from typer.testing import CliRunner

    from aimaq.cli.main import app

    path = con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0]
    res = CliRunner().invoke(app, ["--db", path, "standards", "coverage", "--year", "2023", "--level", "region",
                                   "-f", "csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert {"kato", "name_ru", "coverage_pct", "coverage_pct_popweighted", "change_pp"} <= set(rows[0])
    assert list(rows[0])[:2] == ["territory_code", "name"]  # the wording of the first two columns
    assert rows[0]["territory_code"] == rows[0]["kato"] and rows[0]["name"] == rows[0]["name_ru"]
    shym = next(r for r in rows if r["kato"] == "790000000")
    assert float(shym["change_pp"]) > 25 and shym["anomaly"] == "true"

"""`aimaq forecast ...` through the real entry point (subprocess) on a fresh database with the territory registry."""

import io
import subprocess
import sys

import polars as pl
import pytest

import aimaq
from aimaq.demography.service import NATIONAL_CODE, run_forecast
from aimaq.store.db import connect

HEADER = "region_code,region,year,scenario,population,lower80,upper80,urban_share"


def cli(db, *args, check=True):
    r = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "--db", str(db), "forecast", *args],
                       capture_output=True, text=True, encoding="utf-8")
    if check and r.returncode != 0:
        raise AssertionError(f"exit {r.returncode}: {r.stderr}")
    return r


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from aimaq.territory.registry import build_registry
    from aimaq.territory.repository import save_registry

    path = tmp_path_factory.mktemp("forecast") / "t.duckdb"
    con = connect(path)
    save_registry(con, build_registry())
    con.close()
    r = cli(path, "run", "--to", "2030", "--draws", "50", "--format", "csv")
    assert "forecast run #1 saved" in r.stderr
    return path


def _csv(text):
    return pl.read_csv(io.StringIO(text), schema_overrides={"region_code": pl.Utf8})


def test_show_region_by_abbreviation_csv(db):
    r = cli(db, "show", "--region", "ВКО", "--year", "2030", "--format", "csv")
    assert r.stdout.splitlines()[0].startswith(HEADER + ",")
    f = _csv(r.stdout)
    assert f.height == 1
    row = f.row(0, named=True)
    assert row["region_code"] == "630000000" and row["region"] == "Восточно-Казахстанская область"
    assert row["year"] == 2030 and row["scenario"] == "medium"
    assert row["lower80"] < row["population"] < row["upper80"]
    assert row["lower95"] < row["lower80"] and row["upper80"] < row["upper95"]
    assert 0.5 < row["urban_share"] < 0.9


def test_show_all_regions_and_country_match_the_service(db):
    f = _csv(cli(db, "show", "--year", "2030", "--format", "csv").stdout)
    assert f.height == 21 and f["region_code"][0] == NATIONAL_CODE and f["region"][0] == "Республика Казахстан"
    assert set(f["region"]) >= {"г. Алматы", "г. Астана", "Область Ұлытау", "Абайская область"}
    expected = run_forecast("medium", to=2030).summary.filter(
        (pl.col("region_code") == NATIONAL_CODE) & (pl.col("year") == 2030))["population"][0]
    nat = f.filter(pl.col("region_code") == NATIONAL_CODE)["population"][0]
    assert nat == pytest.approx(expected, rel=0.01)
    assert f.filter(pl.col("region_code") != NATIONAL_CODE)["population"].sum() == pytest.approx(nat, rel=1e-9)
    assert ((f["lower80"] <= f["population"]) & (f["population"] <= f["upper80"])).all()


def test_show_city_by_name_and_base_year_has_no_spread(db):
    f = _csv(cli(db, "show", "--region", "г. Алматы", "--year", "2023", "--format", "csv").stdout)
    row = f.row(0, named=True)
    assert row["region_code"] == "750000000" and row["urban_share"] == pytest.approx(1.0)
    assert row["lower80"] == row["population"] == row["upper80"]
    assert row["population"] == pytest.approx(2_161_695, abs=1e-6)  # BNS 1 Jan 2023 (bns_region_population_2023-01-01.csv)


def test_run_is_saved_with_provenance(db):
    con = connect(db, read_only=True)
    run = con.execute("SELECT kind, scenario, spec_name, spec_version, length(spec_sha256), base_year, to_year, draws, "
                      "seed, code_version, synthetic FROM forecast_run WHERE run_id = 1").fetchone()
    assert run == ("forecast", "medium", "kz_forecast", "1", 64, 2023, 2030, 50, 20230101, aimaq.__version__, False)
    n = con.execute("SELECT area, count(*) FROM forecast_result WHERE run_id = 1 GROUP BY area ORDER BY area").fetchall()
    assert n == [("rural", 18 * 8), ("total", 21 * 8), ("urban", 21 * 8)]  # 17 oblasts + country have rural parts
    ind = con.execute("SELECT count(*), min(share_65plus), max(dependency_15_64) FROM forecast_indicator "
                      "WHERE run_id = 1").fetchone()
    assert ind[0] == 21 * 8 and 0 < ind[1] and ind[2] < 1.5
    d = con.execute("SELECT growth - natural_increase - internal_migration - international_migration - residual "
                    "FROM forecast_decomposition WHERE run_id = 1").fetchall()
    assert max(abs(x[0]) for x in d) < 1e-3
    comp = dict(con.execute("SELECT measure, review FROM forecast_comparison WHERE run_id = 1").fetchall())
    assert comp["population_total"] == 21_500_000 and comp["growth_710000000"] == pytest.approx(0.253)
    # urban + rural = total for every region and year
    gap = con.execute("""SELECT max(abs(t.population - u.population - coalesce(r.population, 0)))
        FROM forecast_result t JOIN forecast_result u ON u.run_id = t.run_id AND u.region_code = t.region_code
             AND u.year = t.year AND u.area = 'urban'
        LEFT JOIN forecast_result r ON r.run_id = t.run_id AND r.region_code = t.region_code AND r.year = t.year
             AND r.area = 'rural'
        WHERE t.area = 'total'""").fetchone()[0]
    assert gap < 1e-6
    con.close()


def test_unknown_region_and_district_are_errors(db):
    r = cli(db, "show", "--region", "Атлантида", check=False)
    assert r.returncode == 3 and "unknown" in r.stderr
    r = cli(db, "show", "--region", "Зайсанский район", check=False)
    assert r.returncode == 3 and "20 regions" in r.stderr


def test_pyramid_png(db, tmp_path):
    out = tmp_path / "p.png"
    cli(db, "pyramid", "--region", "Мангистауская область", "--year", "2030", "--out", str(out))
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and 10_000 < len(data) < 500_000
    r = cli(db, "pyramid", "--year", "2040", "--out", str(tmp_path / "q.png"), check=False)
    assert r.returncode != 0 and "2023–2030" in r.stderr


def test_lever_and_backtest_commands(db):
    r = cli(db, "run", "--to", "2026", "--draws", "0", "--lever", "г. Астана=+20%", "--format", "json")
    assert "forecast run #2 saved" in r.stderr and "750000000" not in r.stderr and "710000000" in r.stderr
    lever = _csv(cli(db, "show", "--run", "2", "--region", "710000000", "--year", "2026", "--format", "csv").stdout)
    base = run_forecast("medium", to=2026).summary.filter(
        (pl.col("region_code") == "710000000") & (pl.col("year") == 2026))["population"][0]
    assert lever["population"][0] > base and lever["lower80"].is_null().all()
    bad = cli(db, "run", "--lever", "Астана=20", check=False)
    assert bad.returncode == 4 and "REGION=+x%" in bad.stderr
    b = cli(db, "backtest", "--multiregional", "--draws", "200", "--format", "csv")
    f = _csv(b.stdout)
    assert f.height == 16 and "inside 80%" in b.stderr
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM forecast_backtest b JOIN forecast_run r USING (run_id) "
                       "WHERE r.kind = 'backtest'").fetchone()[0] == 16
    con.close()

"""Backtest of Aimaq's model beside constant_growth, linear_trend and constant_share (issue 11, part 1), on a real
DuckDB file with the registry and the shipped BNS series loaded as observations."""

import shutil
import subprocess
import sys

import numpy as np
import polars as pl
import pytest

from aimaq.demography.backtest import (COLUMNS, Units, backtest_methods, constant_growth, constant_share,
                                       link_factor, link_to_origin, linear_trend, project_methods, summarise)
from aimaq.demography.repository import load_population_history
from aimaq.store.db import connect

HEADER = "origin,horizon,method,unit_code,unit,actual,projected,error_pct,lower80,upper80"


@pytest.fixture(scope="module")
def db_path(stats_db_path):
    return stats_db_path


@pytest.fixture(scope="module")
def history(db_path):
    con = connect(db_path, read_only=True)
    try:
        return load_population_history(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def result(history):
    return backtest_methods(history, [2005, 2010, 2015], 8)


def test_simple_methods_by_hand():
    w = np.array([[100.0, 102, 104, 106, 108, 110], [200, 198, 196, 194, 192, 190]])
    assert constant_growth(w, 5) == pytest.approx([110 * 1.1, 190 * 0.95])
    assert linear_trend(w, 8) == pytest.approx([110 + 16, 190 - 16])
    assert constant_share(w, 600.0) == pytest.approx([110 / 300 * 600, 190 / 300 * 600])


def test_link_factor_removes_a_jump_and_nothing_else():
    years = np.arange(2000, 2008)
    smooth = 100 * 1.02 ** (years - 2000)
    jumped = np.where(years >= 2005, smooth * 1.05, smooth)  # a 5% re-basing at 1 Jan 2005
    assert link_factor(jumped[None], years, 2005) == pytest.approx([1.05])
    assert link_factor(jumped[None, 3:], years[3:], 2005) == pytest.approx([1.05])  # one step before it only
    units = Units(["1"], ["a"], [frozenset({"1"})], years, jumped[None])
    before, _ = link_to_origin(units, 2007, [{"year": 2005, "regions": "all", "why": "census"}])
    assert before[0] == pytest.approx(smooth * 1.05)  # history put on the origin's (new) basis
    after, _ = link_to_origin(units, 2003, [{"year": 2005, "regions": "all", "why": "census"}])
    assert after[0] == pytest.approx(smooth)  # later actuals carried back to the origin's (old) basis


def test_units_of_the_origin_map_and_actuals(result, history):
    frame, notes = result
    assert tuple(frame.columns) == COLUMNS
    assert frame.height == 3 * 4 * 16  # origins × methods × the 16 units of the pre-2018 map
    f15 = frame.filter((pl.col("origin") == 2015) & (pl.col("method") == "constant_growth"))
    sko = f15.filter(pl.col("unit_code") == "510000000")
    assert sko["unit"][0] == "Южно-Казахстанская область"
    # published 2023 figures of Turkestan and Shymkent, carried to the 2015 basis by the 2021-census factor
    pub, _ = backtest_methods(history, [2015], 8, actuals="published")
    p23 = history.filter((pl.col("year") == 2023) & pl.col("kato").is_in(["610000000", "790000000"]))["value"].sum()
    pub_sko = pub.filter((pl.col("method") == "aimaq") & (pl.col("unit_code") == "510000000"))
    assert pub_sko["actual"][0] == pytest.approx(p23)
    years = np.arange(2016, 2024)
    sko_series = np.array([[history.filter((pl.col("year") == y) & pl.col("kato").is_in(
        ["510000000", "610000000", "790000000"]))["value"].sum() for y in years]])
    assert sko["actual"][0] == pytest.approx(p23 / link_factor(sko_series, years, 2022)[0])
    assert any("2009" in n for n in notes) and any("Almaty" in n for n in notes)


def test_projections_by_hand_at_2015(result, history):
    """constant_growth and linear_trend for Astana from the BNS series 2010–2015 (no break touches Astana there)."""
    frame, _ = result
    ast = history.filter(pl.col("kato") == "710000000").sort("year")
    w = ast.filter(pl.col("year").is_between(2010, 2015))["value"].to_numpy()
    row = lambda m: frame.filter((pl.col("origin") == 2015) & (pl.col("method") == m)  # noqa: E731
                                 & (pl.col("unit_code") == "710000000"))
    assert row("constant_growth")["projected"][0] == pytest.approx(w[-1] * (w[-1] / w[0]) ** (8 / 5))
    assert row("linear_trend")["projected"][0] == pytest.approx(w[-1] + 8 * np.polyfit(np.arange(6), w, 1)[0])
    model = frame.filter((pl.col("origin") == 2015) & (pl.col("method") == "aimaq"))
    total_2015 = history.filter(pl.col("year") == 2015)["value"].sum()
    assert row("constant_share")["projected"][0] == pytest.approx(w[-1] / total_2015 * model["projected"].sum())


def test_the_goal_figures(result):
    """The measured figures reported in docs/demography.md (origin's basis): the model has the lowest MAPE at every
    origin, at most 3% at 2015, and its 80% intervals hold 35 of the 48 outcomes."""
    frame, _ = result
    s = summarise(frame)
    mape = {(r["origin"], r["method"]): r["mape"] for r in s.iter_rows(named=True)}
    for origin in (2005, 2010, 2015):
        best = min((m for o, m in mape if o == origin), key=lambda m: mape[(origin, m)])
        assert best == "aimaq", origin
    assert [round(mape[(o, "aimaq")], 2) for o in (2005, 2010, 2015)] == [5.27, 2.33, 2.53]
    assert [round(mape[(o, "constant_growth")], 2) for o in (2005, 2010, 2015)] == [8.00, 2.36, 3.20]
    model = frame.filter(pl.col("method") == "aimaq")
    inside = ((model["actual"] >= model["lower80"]) & (model["actual"] <= model["upper80"])).sum()
    assert inside == 35 and 0.70 <= inside / model.height <= 0.90
    assert frame.filter(pl.col("method") != "aimaq")["lower80"].is_null().all()


def test_a_database_truncated_at_the_origin_gives_the_same_projections(db_path, result, tmp_path):
    frame, _ = result
    cut = tmp_path / "cut.duckdb"
    shutil.copy(db_path, cut)
    con = connect(cut)
    con.execute("DELETE FROM observation WHERE indicator = 'population' AND CAST(left(period, 4) AS INTEGER) > 2010")
    truncated = load_population_history(con)
    con.close()
    assert truncated["year"].max() == 2010
    again = project_methods(truncated, 2010, 8)
    full = frame.filter(pl.col("origin") == 2010).select(again.columns)
    assert again.sort("method", "unit_code").equals(full.sort("method", "unit_code"))
    with pytest.raises(Exception, match="2011"):
        project_methods(load_population_history(connect(db_path, read_only=True), through=2011), 2010, 8)


def cli(db, *args, check=True):
    r = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "--db", str(db), "forecast", "backtest", *args],
                       capture_output=True, text=True, encoding="utf-8")
    if check and r.returncode != 0:
        raise AssertionError(f"exit {r.returncode}: {r.stderr}")
    return r


def test_cli_csv_contract_and_saved_run(db_path, tmp_path):
    db = tmp_path / "cli.duckdb"
    shutil.copy(db_path, db)
    r = cli(db, "--origins", "2005,2010,2015", "--horizon", "8", "-f", "csv")
    assert r.stdout.splitlines()[0] == HEADER
    assert len(r.stdout.splitlines()) == 1 + 192
    assert "2015→2023: MAPE aimaq 2.53%" in r.stderr and "наименьшая: aimaq" in r.stderr
    assert "35 из 48" in r.stderr
    con = connect(db, read_only=True)
    run = con.execute("SELECT kind, scenario, spec_name, spec_version, base_year, to_year FROM forecast_run").fetchall()
    assert run == [("backtest", "methods", "kz_backtest", "1", 2005, 2023)]
    assert con.execute("SELECT count(*), count(lower80) FROM forecast_backtest_method").fetchone() == (192, 48)
    con.close()


def test_cli_errors_are_clear(db_path, tmp_path):
    db = tmp_path / "e.duckdb"
    shutil.copy(db_path, db)
    r = cli(db, "--origins", "2016", check=False)
    assert r.returncode == 5 and "2024" in r.stderr and "2023" in r.stderr and "Traceback" not in r.stderr
    r = cli(db, "--origins", "двадцать", check=False)
    assert r.returncode == 4 and "2005,2010,2015" in r.stderr
    r = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "--db", str(db), "--lang", "kk", "forecast",
                        "backtest", "--actuals", "x"], capture_output=True, text=True, encoding="utf-8")
    assert r.returncode == 4 and "немесе" in r.stderr


def test_regional_mortality_from_life_expectancy():
    from aimaq.demography.backtest import _wpp_period_mx, life_expectancy_gap, read_life_expectancy, unit_survival
    from aimaq.demography.lifetable import life_table

    le = read_life_expectancy()
    gap, year = life_expectancy_gap(le, ["710000000", "510000000", "999999999"], 2015)
    assert year == 2014  # the last year before 1 Jan 2015
    assert gap == pytest.approx([74.88 - 71.44, 71.61 - 71.44, 0.0])  # Astana; «Туркестанская*» = South Kazakhstan
    mx, period = _wpp_period_mx(2015)
    assert period == "2010-2015"
    sx = unit_survival(mx, gap)
    assert sx.shape == (3, 2, 101)
    assert np.allclose(sx[2], unit_survival(mx, np.zeros(1))[0])  # no gap: the national schedule
    e0 = life_table(mx[1], "female").e0
    from aimaq.demography.lifetable import scale_mx_to_e0
    assert life_table(scale_mx_to_e0(mx[1][None], "female", np.array([e0 + gap[0]]))[0], "female").e0 == pytest.approx(
        e0 + gap[0], abs=1e-6)


def test_variants_table_holds_the_chosen_run(history, result):
    from aimaq.demography.backtest import measure_variants

    v = measure_variants(history, [2015], 8, variants={"mortality": ("life_expectancy",), "fertility": ("held", "trend"),
                                                       "migration": ("rate",)})
    assert v.height == 4 and v["chosen"].sum() == 1
    chosen = v.filter(pl.col("chosen"))
    frame, _notes = result
    model = frame.filter((pl.col("origin") == 2015) & (pl.col("method") == "aimaq"))
    assert chosen["mape_2015"][0] == pytest.approx(model["error_pct"].abs().mean())
    held = v.filter((pl.col("fertility") == "held") & (pl.col("quantile") == "normal"))
    assert round(held["mape_2015"][0], 2) == 2.18  # docs/demography.md, "Every choice, measured"

"""Backtest 2015→2023 (errors, coverage after the migration-level calibration), pyramids, migration scenarios."""

import copy

import numpy as np
import polars as pl
import pytest

from aimaq.demography.kazakhstan import read_spec
from aimaq.demography.service import NATIONAL_CODE, backtest, interval_score, pyramid_figure, run_forecast
from aimaq.errors import ComputationError


@pytest.fixture(scope="module")
def bt():
    return backtest(draws=1000)


def test_backtest_units_and_errors(bt):
    assert bt.height == 16 and bt["unit_code"].str.len_chars().eq(9).all()
    # the 2015 totals are the BNS series; merged units add up to the 2015 map
    astana = bt.filter(pl.col("unit_code") == "710000000").row(0, named=True)
    assert astana["base"] == pytest.approx(852_803) and astana["actual"] == pytest.approx(1_354_507)
    assert astana["error_pct"] == pytest.approx(100 * (astana["projected"] / astana["actual"] - 1))
    assert astana["error_pct"] == pytest.approx(-12.37, abs=0.01)  # measured: 2022-24 migration rates too low
    assert bt["error_pct"].abs().mean() == pytest.approx(5.42, abs=0.01)  # MAPE over the 16 units
    assert bt.filter(pl.col("unit_code") == "610000000")["unit"][0] == "Туркестанская область + г. Шымкент"


def test_backtest_coverage_near_nominal_after_calibration(bt):
    # spec: migration_level sigma 0.13 → 12/16 inside the 80% interval, 15/16 inside the 95% interval
    assert int(bt["in80"].sum()) == 12 and int(bt["in95"].sum()) == 15
    assert (bt["lower95"] <= bt["lower80"]).all() and (bt["upper80"] <= bt["upper95"]).all()
    assert ((bt["lower80"] <= bt["projected"]) & (bt["projected"] <= bt["upper80"])).all()


def test_without_the_level_shock_intervals_are_too_narrow():
    spec = read_spec()
    spec = copy.deepcopy(spec)
    spec["uncertainty"]["migration_level"].update(departures_sigma=0.0, arrivals_sigma=0.0, international_sd=0.0)
    b = backtest(draws=300, spec=spec)
    assert int(b["in80"].sum()) <= 3 and int(b["in95"].sum()) <= 6


def test_interval_score_hand_computed():
    s = interval_score(np.array([10.0, 5.0, 30.0]), np.array([8.0, 8.0, 8.0]), np.array([12.0, 12.0, 12.0]), 0.2)
    np.testing.assert_allclose(s, [4.0, 4 + 10 * 3, 4 + 10 * 18])


def test_pyramid_figure_writes_a_png(tmp_path):
    r = run_forecast("medium", to=2025)
    path = tmp_path / "kz.png"
    pyramid_figure(r, None, 2025, path)
    assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 10_000
    pyramid_figure(r.population, "470000000", 2024, tmp_path / "m.png", title="Мангистауская область")
    assert (tmp_path / "m.png").stat().st_size > 10_000
    with pytest.raises(ComputationError):
        pyramid_figure(r, NATIONAL_CODE, 2031, tmp_path / "x.png")


def test_zero_migration_stops_all_moves_no_international_keeps_internal():
    zero = run_forecast("zero_migration", to=2027).decomposition
    noint = run_forecast("no_international", to=2027).decomposition
    med = run_forecast("medium", to=2027).decomposition
    assert zero["internal_migration"].abs().max() == 0 and zero["international_migration"].abs().max() == 0
    assert noint["international_migration"].abs().max() == 0
    np.testing.assert_allclose(noint["internal_migration"], med["internal_migration"], rtol=0.05, atol=50)
    assert noint["internal_migration"].abs().max() > 10_000
    assert med.filter(pl.col("region_code") == NATIONAL_CODE)["international_migration"][0] != 0


def test_level_shocks_are_off_for_switched_off_streams():
    # the no-migration scenario has no migration-level spread: its 2027 interval is narrower than the medium one
    z = run_forecast("zero_migration", to=2027, draws=100).summary
    m = run_forecast("medium", to=2027, draws=100).summary
    w = lambda f: f.filter((pl.col("region_code") == "710000000") & (pl.col("year") == 2027)).select(  # noqa: E731
        pl.col("upper80") - pl.col("lower80")).item()
    assert w(z) < 0.3 * w(m)

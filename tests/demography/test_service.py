"""The default Kazakhstan run: regions add up, scenarios order, the review comparison is reported."""

import numpy as np
import polars as pl
import pytest

from aimaq.demography.service import NATIONAL_CODE, run_forecast


@pytest.fixture(scope="module")
def medium():
    return run_forecast("medium", to=2031, draws=40)


def test_base_equals_national_statistics_and_regions_add_up(medium):
    s = medium.summary
    base = s.filter((pl.col("year") == 2023) & (pl.col("region_code") == NATIONAL_CODE))["population"][0]
    assert base == pytest.approx(19_765_004, abs=1e-3)  # BNS 1 Jan 2023
    for year in (2023, 2027, 2031):
        y = s.filter(pl.col("year") == year)
        nat = y.filter(pl.col("region_code") == NATIONAL_CODE)["population"][0]
        assert y.filter(pl.col("region_code") != NATIONAL_CODE)["population"].sum() == pytest.approx(nat, rel=1e-12)
    assert s.filter((pl.col("year") == 2023) & (pl.col("region_code") == NATIONAL_CODE))["urban_share"][0] == pytest.approx(0.622)


def test_decomposition_closes(medium):
    d = medium.decomposition
    lhs = d["growth"].to_numpy()
    rhs = (d["natural_increase"] + d["internal_migration"] + d["international_migration"] + d["residual"]).to_numpy()
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9)
    assert abs(d["internal_migration"].sum()) < 1e-3 * abs(d["internal_migration"]).max()


def test_intervals_bracket_the_median_path(medium):
    s = medium.summary.filter(pl.col("year") == 2031)
    assert (s["lower80"] <= s["upper80"]).all() and (s["lower95"] <= s["lower80"]).all()


def test_scenarios_order_and_comparison_rows():
    lo = run_forecast("low", to=2030).summary
    hi = run_forecast("high", to=2030).summary
    pick = lambda f: f.filter((pl.col("year") == 2030) & (pl.col("region_code") == NATIONAL_CODE))["population"][0]  # noqa: E731
    assert pick(lo) < pick(hi)
    comp = run_forecast("medium", to=2030).comparison
    assert set(comp["measure"]) >= {"population_total", "urban_share", "growth_710000000", "growth_750000000", "growth_790000000", "growth_470000000"}
    assert comp.filter(pl.col("measure") == "population_total")["review"][0] == 21_500_000


def test_attractiveness_lever_raises_the_region():
    base = run_forecast("medium", to=2028).summary
    up = run_forecast("medium", to=2028, levers={"attractiveness": {"47": 0.2}}).summary
    pick = lambda f: f.filter((pl.col("year") == 2028) & (pl.col("region_code") == "470000000"))["population"][0]  # noqa: E731
    assert pick(up) > pick(base)

"""The projection algebra against external references: Preston et al. (2001) Box 6.2 and ccmppWPP's Canada pair."""

import numpy as np
import polars as pl
import pytest

from aimaq.demography.ccmpp import project, project_step
from aimaq.demography.lifetable import life_table, survival_ratios


def test_preston_box_6_2_rounded_births_and_populations_equal(reference_dir):
    d = pl.read_csv(reference_dir / "preston2001_box6_2_sweden1993_5x5.csv")
    pop = np.stack([d["P0M"].to_numpy(), d["P0F"].to_numpy()]).astype(float)
    sx = np.stack([d["SxM"].to_numpy(), d["SxF"].to_numpy()])
    mig = np.stack([d["NMxM"].to_numpy(), d["NMxF"].to_numpy()]).astype(float)
    r = project_step(pop, sx, d["asfr"].to_numpy(), 1.05, mig, z=5, migration="even")
    assert np.array_equal(np.round(r.births_by_age), d["Bx"].to_numpy())
    assert np.array_equal(np.round(r.pop_end[1]), d["PzF"].to_numpy())
    assert np.array_equal(np.round(r.pop_end[0]), d["PzM"].to_numpy())
    assert r.clamped_cells == 0


def _canada(reference_dir):
    d = reference_dir / "ccmppWPP_canada_wpp2019_1x1"
    read = lambda name: pl.read_csv(d / name, infer_schema_length=None)  # noqa: E731
    years = list(range(1950, 2020))

    def by_sex_age(frame, years_):
        out = np.empty((len(years_), 2, 101))
        for k, sex in enumerate(("male", "female")):
            f = frame.filter(pl.col("sex") == sex).sort(["time_start", "age_start"])
            f = f.filter(pl.col("time_start").is_in(years_))
            out[:, k, :] = f["value"].to_numpy().reshape(len(years_), 101)
        return out

    base = by_sex_age(read("wpp_input_example__pop_count_age_sex_base.csv").with_columns(time_start=pl.lit(0)), [0])[0]
    lt = read("wpp_input_example__life_table_age_sex.csv.gz")
    sx = by_sex_age(lt.filter(pl.col("indicator") == "lt_Sx"), years)
    fert = read("wpp_input_example__fert_rate_age_f.csv").sort(["time_start", "age_start"])
    asfr = fert["value"].to_numpy().reshape(len(years), 101)
    srb = read("wpp_input_example__srb.csv").sort("time_start")["value"].to_numpy()
    mig = by_sex_age(read("wpp_input_example__mig_net_count_age_sex.csv.gz"), years)
    out = read("wpp_output_example__pop_count_age_sex_1x1.csv.gz")
    births = read("wpp_output_example__birth_count_tot_sex.csv")
    totals = read("wpp_output_example__pop_count_tot_sex.csv")
    return dict(base=base, lt=lt, sx=sx, asfr=asfr, srb=srb, mig=mig, out=out, births=births, totals=totals,
                years=years, by_sex_age=by_sex_age)


@pytest.fixture(scope="module")
def canada(reference_dir):
    return _canada(reference_dir)


def test_canada_first_step_births_and_ages_2_to_99(canada):
    c = canada
    p = project(c["base"], c["sx"][:1], c["asfr"][:1], c["srb"][:1], c["mig"][:1], z=1, migration="end")
    expected_b = c["births"].filter(pl.col("time_start") == 1950).sort("sex")  # both, female, male
    got = {"both": p.births[0].sum(), "female": p.births[0, 1], "male": p.births[0, 0]}
    for row in expected_b.iter_rows(named=True):
        assert got[row["sex"]] == pytest.approx(row["value"], rel=1e-12)
    exp = c["by_sex_age"](c["out"], [1951])[0]
    rel = np.abs(p.pop[1] - exp) / exp
    # ages 2..84 to 1e-9 relative, as the issue asks
    assert rel[:, 2:85].max() < 1e-9
    # ages 85..99: the published output itself implies survival ratios (P1[a] - M[a]) / P0[a-1] that differ from
    # the shipped lt_Sx (= nLx[a] / nLx[a-1], exact) by more than 1e-9 — it was made from another life table —
    # so no algebra reaches 1e-9 there from these inputs; the open group 100+ implies 0.7145 against 0.6671
    base, mig = c["base"], c["mig"][0]
    implied = (exp[:, 85:100] - mig[:, 85:100]) / base[:, 84:99]
    shipped = c["sx"][0][:, 85:100]
    assert np.abs(implied / shipped - 1).max() > 5e-9  # the reference's own inconsistency
    assert rel[:, 85:100].max() < 1e-8
    assert np.abs(p.pop[1] - exp)[:, 2:100].max() < 3e-5


def test_canada_totals_1950_2020_within_1e_3(canada):
    c = canada
    p = project(c["base"], c["sx"], c["asfr"], c["srb"], c["mig"], z=1, migration="end")
    tot = c["totals"].filter(pl.col("sex") == "both").sort("time_start")
    expected = dict(zip(tot["time_start"].to_list(), tot["value"].to_list()))
    got = p.pop.sum(axis=(1, 2))
    for k, year in enumerate(range(1950, 2021)):
        assert got[k] == pytest.approx(expected[year], rel=1e-3), year
    assert p.clamped_cells == 0


def test_canada_life_table_from_mx_with_wpp_ax(canada):
    lt = canada["lt"].filter(pl.col("time_start").is_in([1950, 2019]))
    for sex in ("male", "female"):
        g = lambda ind: canada["by_sex_age"](lt.filter(pl.col("indicator") == ind), [1950, 2019])[:, 0 if sex == "male" else 1]  # noqa: E731
        t = life_table(g("lt_nMx"), sex, ax=g("lt_nAx"))
        np.testing.assert_allclose(t.lx, g("lt_lx"), rtol=1e-12)
        np.testing.assert_allclose(t.Lx, g("lt_nLx"), rtol=1e-12)
        np.testing.assert_allclose(t.ex, g("lt_ex"), rtol=1e-11)
        np.testing.assert_allclose(survival_ratios(t), g("lt_Sx"), rtol=1e-12)

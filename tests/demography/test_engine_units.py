"""Hand-checked properties of the engine pieces: invariants, life table, splitting, Rogers–Castro."""

import numpy as np
import pytest

from aimaq.demography.ages import graduate_mx_abridged, rogers_castro_shares, split_5_to_1, split_rates_5_to_1
from aimaq.demography.ccmpp import project_step
from aimaq.demography.lifetable import a0_coale_demeny, life_table, scale_mx_to_e0, survival_ratios
from aimaq.errors import ComputationError


def test_null_projection_shifts_cohorts_and_keeps_open_group():
    pop = np.array([[10.0, 20, 30, 40], [11, 21, 31, 41]])
    r = project_step(pop, np.ones((2, 4)), np.zeros(4), 1.0, None, z=1)
    assert np.array_equal(r.pop_end[:, 1:3], pop[:, 0:2])
    assert np.array_equal(r.pop_end[:, 3], pop[:, 2] + pop[:, 3])
    assert np.array_equal(r.pop_end[:, 0], [0, 0])


def test_balancing_equation_holds_each_step():
    rng = np.random.default_rng(1)
    pop = rng.uniform(100, 1000, (3, 2, 20))
    sx = rng.uniform(0.9, 1.0, (3, 2, 20))
    asfr = np.zeros(20)
    asfr[4:10] = 0.1
    mig = rng.normal(0, 5, (3, 2, 20))
    for assumption in ("end", "even"):
        r = project_step(pop, sx, asfr, 1.05, mig, z=1, migration=assumption)
        lhs = r.pop_end.sum(axis=(-2, -1))
        rhs = pop.sum(axis=(-2, -1)) + r.births.sum(-1) - r.deaths.sum(axis=(-2, -1)) + mig.sum(axis=(-2, -1))
        np.testing.assert_allclose(lhs, rhs, rtol=1e-12)


def test_births_hand_computed():
    # one fertile age (index 1): exposure (start 100 + end 100·0.5)/2 = 75, asfr 0.2 -> 15 births; srb 1.5 -> 6 f
    pop = np.array([[0.0, 100, 0], [0.0, 100, 0]])
    sx = np.array([[0.8, 0.5, 0.5], [0.9, 0.5, 0.5]])
    r = project_step(pop, sx, np.array([0, 0.2, 0.0]), 1.5, None, z=1)
    # end female pop at age 1 = start age 0 (0) * 0.5 = 0 -> exposure (100 + 0)/2 = 50 -> 10 births
    assert r.births.sum() == pytest.approx(10.0)
    assert r.births[1] == pytest.approx(4.0)
    assert r.pop_end[1, 0] == pytest.approx(4.0 * 0.9)
    assert r.pop_end[0, 0] == pytest.approx(6.0 * 0.8)


def test_negative_population_is_clamped_and_counted():
    pop = np.array([[10.0, 10, 10], [10, 10, 10]])
    mig = np.array([[0, -50.0, 0], [0, 0, 0]])
    r = project_step(pop, np.ones((2, 3)), np.zeros(3), 1.0, mig)
    assert r.pop_end[0, 1] == 0.0005 and r.clamped_cells == 1


def test_life_table_constant_hazard_single_ages():
    m = np.full(101, 0.02)
    t = life_table(m, "female", ax=np.r_[np.full(100, 0.5), 50.0])
    assert t.lx[1] == pytest.approx(1e5 * (1 - 0.02 / 1.01))
    assert t.Lx[-1] == pytest.approx(t.lx[-1] / 0.02)
    s = survival_ratios(t)
    assert s[0] == pytest.approx(t.Lx[0] / 1e5)
    assert s[-1] == pytest.approx(t.Tx[-1] / t.Tx[-2])


def test_abridged_life_table_and_coale_demeny_a0():
    a0, a1 = a0_coale_demeny(np.array([0.05, 0.2]), "male")
    np.testing.assert_allclose(a0, [0.045 + 2.684 * 0.05, 0.330])
    np.testing.assert_allclose(a1, [1.651 - 2.816 * 0.05, 1.352])
    mx = np.r_[0.01, 0.001, np.full(19, 0.005), 0.3]
    t = life_table(mx, "male", abridged=True, a0_rule="coale_demeny")
    assert t.n[1] == 4 and t.qx[1] == pytest.approx(4 * 0.001 / (1 + (4 - t.ax[1]) * 0.001))
    s = survival_ratios(t)
    assert s.shape[-1] == mx.size - 1 and s[0] == pytest.approx((t.Lx[0] + t.Lx[1]) / 5e5)


def test_scale_mx_to_e0_hits_target():
    mx = np.exp(np.linspace(-7, -1, 101))
    scaled = scale_mx_to_e0(mx, "female", 75.0)
    assert life_table(scaled, "female").e0 == pytest.approx(75.0, abs=1e-8)


def test_sprague_preserves_group_totals_and_cubics():
    x = np.arange(60)
    f = 1000 + 3 * x - 0.2 * x**2 + 0.002 * x**3
    groups = np.r_[f.reshape(12, 5).sum(1), 500.0]
    single = split_5_to_1(groups)
    assert single.shape == (61,) and single[-1] == 500.0
    np.testing.assert_allclose(single[:60].reshape(12, 5).sum(1), groups[:-1], rtol=1e-12)
    np.testing.assert_allclose(single[:60], f, rtol=1e-10)  # the middle, first and last panels are exact for cubics


def test_split_rates_keeps_tfr():
    asfr5 = np.array([0.0, 0.02, 0.15, 0.17, 0.12, 0.08, 0.025, 0.002, 0.0, 0.0])
    single = split_rates_5_to_1(asfr5)
    assert single.sum() == pytest.approx(5 * asfr5.sum())
    assert (single >= 0).all()


def test_graduated_mx_keeps_group_means():
    starts = [0, 1] + list(range(5, 101, 5))
    mx = np.exp(-8 + 0.08 * np.array(starts, float))
    mx[0] = 0.01
    single = graduate_mx_abridged(mx)
    assert single.shape == (101,) and single[0] == mx[0] and single[100] == mx[-1]
    assert single[1:5].mean() == pytest.approx(mx[1]) and single[50:55].mean() == pytest.approx(mx[starts.index(50)])
    with pytest.raises(ComputationError):
        graduate_mx_abridged(mx[:-1])


def test_rogers_castro_peak_and_normalisation():
    p = dict(a1=0.02, alpha1=0.1, a2=0.06, alpha2=0.1, mu2=20.0, lambda2=0.4, c=0.003)
    s = rogers_castro_shares(np.arange(101), p)
    assert s.sum() == pytest.approx(1.0) and 18 <= int(np.argmax(s[10:])) + 10 <= 25

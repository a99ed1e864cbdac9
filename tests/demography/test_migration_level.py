"""Persistent migration-level shocks: per-draw destination shares keep the algebra exact."""

import numpy as np

from aimaq.demography.multiregional import internal_out_rates, project_multiregional
from aimaq.demography.scenarios import level_shocked_destinations


def _toy():
    # regions 0 (states 0 urban, 1 rural), 1 (state 2), 2 (state 3)
    region_index = np.array([0, 0, 1, 2])
    dest = np.array([
        [0.0, 0.0, 0.6, 0.4],   # urban of region 0: only other regions
        [0.5, 0.0, 0.3, 0.2],   # rural of region 0: half its movers go to its urban twin
        [0.7, 0.1, 0.0, 0.2],
        [0.4, 0.2, 0.4, 0.0],
    ])
    return region_index, dest


def test_departures_scale_exactly_and_moves_inside_a_region_keep_their_level():
    region_index, dest = _toy()
    dep = np.array([[2.0, 1.0, 0.5]])
    arr = np.ones((1, 3))
    rate_mult, d = level_shocked_destinations(dest, region_index, dep, arr)
    # state 1: movers 1 a year at baseline, 0.5 leave the region → 2 × 0.5 + 0.5 = 1.5
    np.testing.assert_allclose(rate_mult[0], [2.0, 1.5, 1.0, 0.5])
    flows = rate_mult[0][:, None] * d[0]  # per unit of baseline movers
    np.testing.assert_allclose(flows[1, 0], 0.5)  # rural → urban twin unchanged
    np.testing.assert_allclose(flows[1, 2:].sum(), 2 * 0.5)
    np.testing.assert_allclose(flows[3].sum(), 0.5)
    np.testing.assert_allclose(d.sum(-1), 1.0)


def test_attractiveness_shifts_destinations_and_identity_multipliers_change_nothing():
    region_index, dest = _toy()
    rate_mult, d = level_shocked_destinations(dest, region_index, np.ones((1, 3)), np.ones((1, 3)))
    np.testing.assert_allclose(rate_mult, 1.0)
    np.testing.assert_allclose(d[0], dest)
    _, d2 = level_shocked_destinations(dest, region_index, np.ones((1, 3)), np.array([[1.0, 3.0, 1.0]]))
    # state 3 sends 0.6 to region 0 and 0.4 to region 1 at baseline; region 1 three times as attractive → 0.6 : 1.2
    np.testing.assert_allclose(d2[0, 3, 2] / d2[0, 3, :2].sum(), 2.0)


def test_per_draw_destinations_keep_internal_flows_zero_sum():
    rng = np.random.default_rng(5)
    region_index, dest = _toy()
    S, A, T, D = 4, 10, 4, 3
    base = rng.uniform(500, 1500, (S, 2, A))
    sx = np.full((T, S, 2, A), 0.99)
    asfr = np.zeros((T, S, A))
    asfr[:, :, 3:6] = 0.1
    rate = internal_out_rates(base, rng.uniform(20, 60, S), np.exp(-((np.arange(A) - 4) ** 2) / 8))
    dep = np.exp(rng.normal(0, 0.3, (D, 3)))
    arr = np.exp(rng.normal(0, 0.3, (D, 3)))
    rate_mult, d = level_shocked_destinations(dest, region_index, dep, arr)
    r = project_multiregional(np.broadcast_to(base, (D,) + base.shape), sx, asfr, np.full(T, 1.05),
                              lambda t: rate[None] * rate_mult[:, :, None, None], lambda t: d)
    np.testing.assert_allclose((r.internal_in - r.internal_out).sum(-1), 0, atol=1e-8)
    first_out = (rate[None] * rate_mult[:, :, None, None] * base[None]).sum(axis=(-2, -1))
    np.testing.assert_allclose(r.internal_out[0], first_out)
    # one draw with unit multipliers equals the unshocked run
    one = project_multiregional(base, sx, asfr, np.full(T, 1.05), lambda t: rate, dest)
    r1 = project_multiregional(base[None], sx, asfr, np.full(T, 1.05), lambda t: rate[None],
                               lambda t: dest[None])
    np.testing.assert_allclose(r1.pop[:, 0], one.pop, rtol=1e-12)

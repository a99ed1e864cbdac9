"""The exact budget plan as a multiple-choice knapsack (aimaq.standards.mckp) against an independent dynamic
programme, on instances built so that the LP bound is loose: identical costly projects at the break (a city's
road), many small ones, and spillover groups."""

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from aimaq.standards import mckp


def _instance(seed, n_small=120, n_big=3, n_groups=6):
    """Costs in whole million tenge (the DP's unit); gap k == project k; spillover groups of 2-3 projects that
    close each other's gaps."""
    rng = np.random.default_rng(seed)
    big_cost, big_value = 300, 0.1224
    cost = np.concatenate([np.full(n_big, big_cost), rng.integers(3, 40, n_small)]).astype(float)
    value = np.concatenate([np.full(n_big, big_value),
                            cost[n_big:] * big_value / big_cost * rng.uniform(0.9, 1.1, n_small)])
    P = len(cost)
    rows, cols = list(range(P)), list(range(P))
    start = n_big
    for _ in range(n_groups):
        size = int(rng.integers(2, 4))
        members = list(range(start, start + size))
        for a in members:
            for b in members:
                if a != b and rng.random() < 0.7:
                    rows.append(a)
                    cols.append(b)
        start += size
    cover = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(P, P))
    cover.data[:] = 1.0
    return cover, cost, value


def _dp(cover, cost, weight, budget):
    """Exact optimum by dynamic programming over whole-million budgets, group by group (every subset of a spillover
    group is one choice)."""
    opt = mckp.options(cover, cost, weight)
    cap = int(budget)
    best = np.zeros(cap + 1)
    for g in range(opt.n_groups):
        sel = np.flatnonzero(opt.group == g)
        new = best.copy()
        for o in sel:
            c = int(round(opt.cost[o]))
            if c <= cap:
                new[c:] = np.maximum(new[c:], best[:cap + 1 - c] + opt.value[o])
        best = new
    return best[cap]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("budget", [250, 500, 800])
def test_exact_plan_equals_dynamic_programme(seed, budget):
    cover, cost, value = _instance(seed)
    sol = mckp.solve(cover, cost, value, budget, mip_rel_gap=0.0)
    assert cost[sol.chosen].sum() <= budget + 1e-9
    closed = (cover @ np.isin(np.arange(len(cost)), sol.chosen).astype(float)) > 0
    assert sol.value == pytest.approx(value[closed].sum(), abs=1e-12)
    assert sol.value == pytest.approx(_dp(cover, cost, value, budget), abs=1e-9)
    assert sol.value - 1e-12 <= sol.bound <= sol.value * (1 + 1e-6) + 1e-12   # HiGHS tolerances


def test_the_lagrangian_bound_is_loose_and_branching_closes_it():
    """At a budget between the 300s, the LP takes a fraction of a costly project: the Lagrangian bound exceeds the
    optimum; branching on the number of copies brings the bound down to within the incumbent's reach."""
    cover, cost, value = _instance(7, n_small=40, n_groups=0)
    budget = 470.0
    opt = mckp.options(cover, cost, value)
    bound, lam, pick = mckp.lagrangian(opt, budget)
    exact = _dp(cover, cost, value, budget)
    assert bound > exact + 1e-4
    short, best = mckp.shortfall(opt, lam)
    new_bound, keep, empty_ok, lb, _ = mckp._branch_and_fix(opt, budget, lam, pick, bound, exact, 1e-12)
    assert exact - 1e-12 <= new_bound < bound
    sol = mckp.solve(cover, cost, value, budget)
    assert sol.value == pytest.approx(exact, abs=1e-12) and sol.status == "Optimal"


def test_identical_projects_are_aggregated_and_expanded_deterministically():
    # ten identical villages missing the same item, budget for four of them: any four are optimal; the first four
    cover = csr_matrix(np.eye(10))
    cost = np.full(10, 5.0)
    value = np.full(10, 0.01)
    sol = mckp.solve(cover, cost, value, 21.0)
    assert sol.value == pytest.approx(0.04) and sol.chosen.tolist() == [0, 1, 2, 3]

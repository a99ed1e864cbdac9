import itertools

import numpy as np
import pytest

from aimaq.standards.coverage import evaluate
from aimaq.standards.optimise import build_problem, objective_value, solve_greedy, solve_ilp

from .conftest import facilities_frame, lat_offset, levels_frame, mini_catalogue, settlements_frame

R1, D1 = "110000000", "111000000"


def _instance(seed):
    rng = np.random.default_rng(seed)
    n = 4
    rows = [(f"V{i}", f"v{i}", "village" if i else "city_district", 50.0 + lat_offset(float(x)), 70.0,
             int(p), R1, D1)
            for i, (x, p) in enumerate(zip(np.sort(rng.uniform(0, 30, n)), rng.integers(100, 3000, n)))]
    s = settlements_frame(rows)
    f = facilities_frame([(r[0], "school", r[3], r[4], None) for r in rows if rng.random() < 0.4])
    lv = levels_frame([(r[0], "water_pct", float(rng.uniform(50, 100))) for r in rows])
    return s, f, lv


def _brute(problem, budget, objective):
    cost = problem.projects["cost_mln"].to_numpy()
    P = len(cost)
    best = 0.0
    for r in range(P + 1):
        for combo in itertools.combinations(range(P), r):
            if cost[list(combo)].sum() <= budget + 1e-9:
                best = max(best, objective_value(problem, np.array(combo, dtype=np.int64), objective))
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("objective", ["popweighted", "threshold"])
def test_ilp_matches_brute_force(seed, objective):
    cat = mini_catalogue()
    s, f, lv = _instance(seed)
    cm = evaluate(s, f, lv, cat)
    problem = build_problem(cm, s, cat, threshold_pct=75.0)
    P = problem.cover.shape[1]
    assert 2 <= P <= 14
    cost = problem.projects["cost_mln"].to_numpy()
    for budget in (cost.min(), cost.sum() / 3, cost.sum() / 2):
        ilp = solve_ilp(problem, budget, objective)
        assert ilp.cost_mln <= budget + 1e-9
        assert ilp.value == pytest.approx(_brute(problem, budget, objective), abs=1e-9)
        greedy = solve_greedy(problem, budget, objective)
        assert greedy.cost_mln <= budget + 1e-9
        assert greedy.value <= ilp.value + 1e-9


def test_spillover_one_medical_point_serves_two_villages():
    # A and B are 6 km apart, both miss the 13-km medical item (detour 1.3 -> 10 km straight): one project serves both
    cat = mini_catalogue()
    s = settlements_frame([("A", "a", "village", 50.0, 70.0, 1000, R1, D1),
                           ("B", "b", "village", 50.0 + lat_offset(6), 70.0, 1000, R1, D1)])
    f = facilities_frame([("A", "school", 50.0, 70.0, None), ("B", "school", 50.0 + lat_offset(6), 70.0, None)])
    lv = levels_frame([("A", "water_pct", 95.0), ("B", "water_pct", 95.0)])
    cm = evaluate(s, f, lv, cat)
    problem = build_problem(cm, s, cat)
    assert problem.projects["item"].to_list() == ["W1", "W1"]
    plan = solve_ilp(problem, 10.0)          # W1 costs 10: budget for one
    assert len(plan.selected) == 1
    # each village has 3 items: closing W1 in both lifts each by 100/3, population-weighted mean by 33.3 pp
    assert plan.value == pytest.approx(100 / 3)
    assert plan.gain_per_bn_tenge == pytest.approx(100 / 3 / 0.01)
    no_spill = solve_ilp(build_problem(cm, s, cat, spillover=False), 10.0)
    assert no_spill.value == pytest.approx(100 / 6)


def test_greedy_can_be_worse_than_ilp():
    # budget 10: greedy takes the best ratio item first (cheap, small gain) and then cannot afford the big one
    cat = mini_catalogue(items=[
        {"code": "C1", "direction": "health", "categories": ["X", "V"], "mandatory": True, "name_ru": "дешёвый",
         "rule": {"kind": "present", "facility": "cheap"}, "cost": {"fixed_mln": 1}},
        {"code": "E1", "direction": "health", "categories": ["X", "V"], "mandatory": True, "name_ru": "дорогой",
         "rule": {"kind": "present", "facility": "dear"}, "cost": {"fixed_mln": 10}},
    ])
    s = settlements_frame([("A", "a", "village", 50.0, 70.0, 1000, R1, D1),
                           ("B", "b", "village", 51.0, 70.0, 5000, R1, D1)])
    f = facilities_frame([("A", "dear", 50.0, 70.0, None), ("B", "cheap", 51.0, 70.0, None)])
    cm = evaluate(s, f, levels_frame([]), cat)
    problem = build_problem(cm, s, cat)
    ilp = solve_ilp(problem, 10.0)
    greedy = solve_greedy(problem, 10.0)
    # C1 in A: 1000/6000 × 50 pp = 8.33 for 1 (ratio 8.3); E1 in B: 5000/6000 × 50 = 41.67 for 10 (ratio 4.2)
    assert ilp.value == pytest.approx(5000 / 6000 * 50)
    assert greedy.value == pytest.approx(1000 / 6000 * 50)

"""The budget plan on the demo data: the exact plan (multiple-choice knapsack, aimaq.standards.mckp) and the greedy
one for budgets from 1 to 100 bn tenge, value (gain in population-weighted coverage, pp), proven gap and time of
each; the baseline, measured in the same run, is the former formulation (one HiGHS integer program over every
project) at 5 bn tenge with a 30 s limit (before: «Time limit reached», gap inf after 33 s, the greedy plan).

    .venv/bin/python benchmarks/bench_plan.py [--budgets=1,2,5,10,20,50,100] [--no-baseline]

Target: every budget proven optimal within 0.01% (gap ≤ 1e-4) in under 10 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def demo_problem(seed: int = 2023):
    """The demo's settlements and 2023 synthetic inventory (the demo's steps that the plan needs), as a Problem."""
    sys.path.insert(0, str(Path(__file__).parent))
    from demo_data import demo_settlements_db

    from aimaq.standards import service
    from aimaq.standards.coverage import evaluate
    from aimaq.standards.optimise import build_problem
    from aimaq.standards.spec import load_catalogue

    with tempfile.TemporaryDirectory() as tmp:
        con = demo_settlements_db(tmp, seed)
        service.build_synthetic_inventory(con, 2022, seed=seed)
        service.build_synthetic_inventory(con, 2023, seed=seed)
        cat = load_catalogue("2023")
        st = service.load_settlements(con)
        fac, lv = service.to_units(st, service.load_facilities(con, 2023), service.load_levels(con, cat, 2023))
        cm = evaluate(st, fac, lv, cat)
        problem = build_problem(cm, st, cat)
        con.close()
    return problem


def main(argv: list[str] | None = None) -> None:
    from aimaq.standards.optimise import solve_greedy, solve_ilp

    argv = sys.argv[1:] if argv is None else argv
    budgets = [1, 2, 5, 10, 20, 50, 100]
    for a in argv:
        if a.startswith("--budgets="):
            budgets = [float(x) for x in a.split("=", 1)[1].split(",")]
    t = time.perf_counter()
    problem = demo_problem()
    print(f"demo problem: {problem.cover.shape[1]} projects (settlement × missing item), built in "
          f"{time.perf_counter() - t:.1f} s (not counted)", flush=True)
    print(f"{'bn tenge':>8} | {'exact pp':>10} {'status':>10} {'gap':>8} {'time s':>7} | {'greedy pp':>10} "
          f"{'time s':>7} | exact − greedy", flush=True)
    times = {}
    for b in budgets:
        t = time.perf_counter()
        greedy = solve_greedy(problem, b * 1000)
        tg = time.perf_counter() - t
        t = time.perf_counter()
        exact = solve_ilp(problem, b * 1000, incumbent=greedy, time_limit_s=60)
        te = time.perf_counter() - t
        times[b] = te
        print(f"{b:8g} | {exact.value:10.6f} {exact.status:>10} {exact.mip_gap:8.1e} {te:7.2f} | "
              f"{greedy.value:10.6f} {tg:7.2f} | {exact.value - greedy.value:+.6f}", flush=True)
    if "--no-baseline" in argv:
        return
    t = time.perf_counter()
    old = solve_ilp(problem, 5000, formulation="mip", time_limit_s=30)
    to = time.perf_counter() - t
    new = times.get(5) or times.get(5.0)
    if new is None:
        t = time.perf_counter()
        solve_ilp(problem, 5000)
        new = time.perf_counter() - t
    print(f"baseline, the former integer program at 5 bn: {old.value:.6f} pp, {old.status}, gap {old.mip_gap}, "
          f"{to:.1f} s; the exact plan: {new:.2f} s, ratio {to / new:.1f}× (a lower bound: the baseline never "
          f"finished)", flush=True)


if __name__ == "__main__":
    main()

"""Forecast benchmark: 1,000 trajectories × 37 region-area states × 2 sexes × 101 ages × 12 years (target < 2 s),
printed beside the deterministic run (the baseline measured in the same run)."""

from __future__ import annotations

import time

import numpy as np


def main() -> None:
    from aimaq.demography.kazakhstan import build_kazakhstan_inputs
    from aimaq.demography.scenarios import run_deterministic, run_draws, scenario_arrays

    t0 = time.perf_counter()
    k = build_kazakhstan_inputs()
    sa = scenario_arrays(k)
    prep = time.perf_counter() - t0
    run_deterministic(k, sa)  # warm-up
    t0 = time.perf_counter()
    det = run_deterministic(k, sa)
    t_det = time.perf_counter() - t0
    draws = 1000
    run_draws(k, sa, 50)  # warm-up (BLAS, allocator)
    t0 = time.perf_counter()
    res = run_draws(k, sa, draws)
    t_mc = time.perf_counter() - t0
    steps = det.pop.shape[0] - 1
    cells = draws * k.states.n * 2 * 101 * steps
    print(f"inputs (WPP + BNS, IPF, life tables): {prep:.3f} s")
    print(f"deterministic run: {k.states.n} states x 2 x 101 x {steps} years: {t_det * 1000:.1f} ms")
    print(f"probabilistic run: {draws} x {k.states.n} x 2 x 101 x {steps} = {cells / 1e6:.0f} M cell-years: "
          f"{t_mc:.3f} s (target < 2 s: {'ok' if t_mc < 2 else 'MISSED'})")
    print(f"ratio probabilistic / deterministic: {t_mc / t_det:.0f}x for {draws} trajectories "
          f"({t_mc / t_det / draws:.2f}x per trajectory)")
    # the persistent migration-level shocks (per-draw destination matrices) against the same run without them
    import copy

    k_off = copy.copy(k)
    k_off.spec = copy.deepcopy(k.spec)
    k_off.spec["uncertainty"]["migration_level"] = {}
    t0 = time.perf_counter()
    run_draws(k_off, sa, draws)
    t_off = time.perf_counter() - t0
    print(f"same without migration-level shocks: {t_off:.3f} s (level shocks cost {t_mc / t_off:.2f}x)")
    from aimaq.demography.repository import run_default_forecast
    from aimaq.store.db import connect

    con = connect(":memory:")
    t0 = time.perf_counter()
    run_default_forecast(con, draws=200)
    print(f"run_default_forecast (200 draws to {k.spec['horizon']}, saved to an in-memory DB): "
          f"{time.perf_counter() - t0:.2f} s")
    tot = res.pop.sum(axis=(2, 3, 4))
    print("national total 1 Jan {}: median {:.0f}, 80% [{:.0f}, {:.0f}]".format(
        int(k.years[-1]) + 1, *np.quantile(tot[-1], [0.5, 0.1, 0.9])))


if __name__ == "__main__":
    main()

"""ASEM uncertainty analysis of COINr's vignette with N = 1000 (winmax 1-5; min-max 1-100 vs z-score 10/2;
weights +/-25% at levels 2-3; arithmetic vs geometric mean).

COINr 1.1.14 takes about 156 s for it on this machine (156 ms per replication, full pipeline each time).
Goal: under 1.5 s and under 1 GiB. Also timed in the same run: the naive baseline, i.e. the same draws replicated
one at a time through the ordinary engine (whole pipeline regenerated per draw), checked equal to the vectorised
scores.
"""

from __future__ import annotations

import resource
import time
import tracemalloc

import numpy as np

COINR_SECONDS = 156.0
N = 1000
NAIVE_DRAWS = 200


def main() -> None:
    from aimaq.composite.coinr import asem_dir, asem_spec_path
    from aimaq.composite.service import build_index
    from aimaq.composite.uncertainty import replicate_draw, run_uncertainty

    t0 = time.perf_counter()
    ix = build_index(asem_spec_path(), asem_dir() / "ASEM_iData.csv")
    t_build = time.perf_counter() - t0
    inputs = ix.spec.uncertainty["inputs"]

    tracemalloc.start()
    t0 = time.perf_counter()
    res = run_uncertainty(ix, inputs, n=N, seed=1)
    first = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times = []
    for seed in (2, 3, 4, 5, 6):
        t0 = time.perf_counter()
        run_uncertainty(ix, inputs, n=N, seed=seed)
        times.append(time.perf_counter() - t0)
    t_vec = float(np.median(times))

    t0 = time.perf_counter()
    worst = 0.0
    for i in range(NAIVE_DRAWS):
        rep = replicate_draw(ix, res, i)
        worst = max(worst, float(np.max(np.abs(rep.scores() - res.scores[i]))))
    t_naive_per = (time.perf_counter() - t0) / NAIVE_DRAWS
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"nominal build (denominate..aggregate, 51 units x 49 indicators): {t_build * 1000:.1f} ms")
    print(f"uncertainty N={N}: {t_vec:.3f} s (median of 5; first call {first:.3f} s), "
          f"{t_vec / N * 1e6:.1f} us per replication; treat runs {res.info['treat_runs']}, "
          f"normalise runs {res.info['normalise_runs']}")
    print(f"  vs COINr 1.1.14 (~{COINR_SECONDS:.0f} s): {COINR_SECONDS / t_vec:.0f}x faster; goal < 1.5 s: "
          f"{'met' if t_vec < 1.5 else 'NOT met'}")
    print(f"  peak traced numpy/python memory {peak / 2**20:.1f} MiB; process max RSS {rss:.0f} MiB "
          f"(goal < 1024 MiB: {'met' if rss < 1024 else 'NOT met'})")
    print(f"naive baseline (whole pipeline per draw, {NAIVE_DRAWS} draws): {t_naive_per * 1000:.2f} ms per "
          f"replication -> {t_naive_per * N:.2f} s for N={N}; vectorised is {t_naive_per * N / t_vec:.0f}x faster; "
          f"max |score difference| {worst:.1e}")


if __name__ == "__main__":
    main()

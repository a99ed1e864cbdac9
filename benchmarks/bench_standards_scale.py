"""Scale benchmark of standards coverage: 100k, 300k and 1M synthetic settlements, 5 facilities per settlement
(5M at 1M), every settlement evaluated on all 56 items of the 2023 catalogue (worst case: all categories get all
items), nearest facilities through a KD-tree per facility type (never all pairs).

Prints, per size: data-generation time (not counted), coverage time (evaluate + settlement coverage + region and
country aggregation), settlements per second, and the ratio to the 100k run (linear growth: ratio ≈ size ratio).
The process's peak memory (ru_maxrss) is printed at the end. Target on the reference machine (2 cores): 1M in
under 20 s and under 4 GiB.

    .venv/bin/python benchmarks/bench_standards_scale.py [--sizes 100000,300000,1000000] [--shipped]
"""

from __future__ import annotations

import gc
import resource
import sys
import time

import numpy as np
import polars as pl

from aimaq.standards.aggregate import aggregate_coverage
from aimaq.standards.coverage import evaluate, settlement_coverage
from aimaq.standards.spec import Catalogue, load_catalogue

FACILITIES_PER_SETTLEMENT = 5


def all_items_catalogue() -> Catalogue:
    cat = load_catalogue("2023")
    data = cat.model_dump()
    data.pop("sha256")
    for item in data["items"]:
        item["categories"] = [c["code"] for c in data["categories"]]
    for c in data["categories"]:
        c["expected_items"] = None
    return Catalogue(**data, sha256="bench")


def make_data(n: int, cat: Catalogue, seed: int = 1):
    from aimaq.synth.settlements import generate_scaled_settlements

    s = generate_scaled_settlements(n, seed).select("kato", "kind", "lat", "lon", "population", "region_kato",
                                                    "district_kato")
    rng = np.random.default_rng(seed)
    types = np.array(sorted({i.rule.facility for i in cat.items if i.rule.facility}))
    nf = FACILITIES_PER_SETTLEMENT * n
    host = rng.integers(0, n, nf)
    lat = s["lat"].to_numpy()
    lon = s["lon"].to_numpy()
    f = pl.DataFrame({"kato": s["kato"].gather(host), "facility": types[rng.integers(0, len(types), nf)],
                      "lat": lat[host] + rng.normal(0, 0.003, nf), "lon": lon[host] + rng.normal(0, 0.004, nf)})
    inds = sorted({i.rule.indicator for i in cat.items if i.rule.indicator})
    lv = pl.DataFrame({"kato": np.repeat(s["kato"].to_numpy(), len(inds)),
                       "indicator": pl.Series(np.tile(inds, n)).cast(pl.Categorical),
                       "value": rng.uniform(0, 100, n * len(inds)).astype(np.float32)})
    return s, f, lv


def coverage_once(s, f, lv, cat):
    cm = evaluate(s, f, lv, cat)
    cov = settlement_coverage(cm, s)
    aggregate_coverage(cov, "region")
    aggregate_coverage(cov, "country", groups=("all", "cities", "villages"))
    return cm


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    sizes = [100_000, 300_000, 1_000_000]
    for a in argv:
        if a.startswith("--sizes="):
            sizes = [int(x) for x in a.split("=", 1)[1].split(",")]
    cat = load_catalogue("2023") if "--shipped" in argv else all_items_catalogue()
    print(f"catalogue: {cat.label} ({'shipped categories' if '--shipped' in argv else 'all 56 items for every settlement'})")
    base = None
    for n in sizes:
        t0 = time.perf_counter()
        s, f, lv = make_data(n, cat)
        t_gen = time.perf_counter() - t0
        t0 = time.perf_counter()
        cm = coverage_once(s, f, lv, cat)
        t = time.perf_counter() - t0
        cells = int(cm.applies.sum())
        rate = n / t
        if base is None:
            base = (n, t)
        print(f"n={n:>9,}  facilities={f.height:>9,}  applicable cells={cells:>11,}  data {t_gen:5.1f} s  "
              f"coverage {t:6.2f} s  {rate:>10,.0f} settlements/s  time ratio vs {base[0]:,}: {t / base[1]:5.2f} "
              f"(size ratio {n / base[0]:.0f})", flush=True)
        del s, f, lv, cm
        gc.collect()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak memory (ru_maxrss): {peak:.2f} GiB")


if __name__ == "__main__":
    main()

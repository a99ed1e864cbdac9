"""Scale benchmark of standards coverage: 100k, 300k and 1M synthetic settlements, 5 facilities per settlement
(5M at 1M), every settlement evaluated on all 56 items of the 2023 catalogue (worst case: all categories get all
items), nearest facilities through a KD-tree per facility type (never all pairs).

Prints, per size: data-generation time (not counted), coverage time (evaluate + settlement coverage + region and
country aggregation), settlements per second, and the ratio to the 100k run (linear growth: ratio ≈ size ratio).
The process's peak memory (ru_maxrss) is printed at the end. Target on the reference machine (2 cores): 1M in
under 20 s and under 4 GiB.

    .venv/bin/python benchmarks/bench_standards_scale.py [--sizes=100000,300000,1000000] [--shipped]
        [--no-synthetic | --synthetic-only]

First (unless --no-synthetic): the demo's synthetic inventories 2022 + 2023 on the demo settlements, one
calibration evaluation on arrays vs materialise + evaluate (ratio), and coverage by road vs straight line.
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


def synthetic_sequence(seed: int = 2023) -> None:
    """The demo's standards step (build_synthetic_inventory 2022 then 2023 on the demo settlements), the cost of
    one calibration evaluation on arrays against the full materialise + evaluate it replaces (the baseline of this
    run), and coverage with a road network (k-nearest-neighbour edges) against straight line."""
    import tempfile
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from demo_data import demo_settlements_db

    from aimaq.standards import service
    from aimaq.standards.coverage import evaluate as full_evaluate
    from aimaq.standards.synthetic import _Design, _FastCoverage, load_synthetic_spec

    with tempfile.TemporaryDirectory() as tmp:
        con = demo_settlements_db(tmp, seed)
        t0 = time.perf_counter()
        times = []
        for year in (2022, 2023):
            t = time.perf_counter()
            service.build_synthetic_inventory(con, year, seed=seed)
            times.append(time.perf_counter() - t)
        total = time.perf_counter() - t0
        print(f"synthetic inventories (demo settlements): 2022 {times[0]:.2f} s, 2023 {times[1]:.2f} s, "
              f"total {total:.2f} s (before the array evaluation: 25.5 s on the reference machine)", flush=True)

        settlements = service.load_settlements(con).sort("kato")
        cat = load_catalogue("2023")
        design = _Design(settlements, cat, load_synthetic_spec(), seed)
        t = time.perf_counter()
        fast = _FastCoverage(design)
        t_setup = time.perf_counter() - t
        theta = np.zeros(len(design.region_codes))
        reps = 20
        t = time.perf_counter()
        for _ in range(reps):
            cov_fast = fast.coverage_pct(design.provided(theta, 1.5))
        t_fast = (time.perf_counter() - t) / reps
        t = time.perf_counter()
        for _ in range(3):
            prov = design.provided(theta, 1.5)
            fac, lv = design.materialise(prov, 2023)
            cov_full = full_evaluate(settlements, fac, lv, cat).coverage_pct
        t_full = (time.perf_counter() - t) / 3
        print(f"one calibration evaluation, {settlements.height:,} settlements × {len(cat.items)} items: arrays "
              f"{t_fast * 1000:.1f} ms (setup {t_setup * 1000:.0f} ms once), materialise + evaluate "
              f"{t_full * 1000:.0f} ms; ratio {t_full / t_fast:.1f}x; identical: {bool((cov_fast == cov_full).all())}",
              flush=True)

        from scipy.spatial import cKDTree

        from aimaq.standards.geo import haversine_km, to_unit_xyz

        lat, lon = settlements["lat"].to_numpy(), settlements["lon"].to_numpy()
        _, nb = cKDTree(to_unit_xyz(lat, lon)).query(to_unit_xyz(lat, lon), k=5)
        a, b = np.repeat(np.arange(len(lat)), 4), nb[:, 1:].ravel()
        lo_, hi_ = np.unique(np.column_stack([np.minimum(a, b), np.maximum(a, b)]), axis=0).T
        km = np.maximum(0.1, 1.25 * haversine_km(lat[lo_], lon[lo_], lat[hi_], lon[hi_]))
        kato = settlements["kato"].to_numpy()
        path = Path(tmp) / "roads.csv"
        pl.DataFrame({"from_kato": kato[lo_], "to_kato": kato[hi_], "km": np.round(km, 3)}).write_csv(path)
        t = time.perf_counter()
        service.import_roads(con, path)
        t_imp = time.perf_counter() - t
        t = time.perf_counter()
        straight = service.compute_coverage(con, 2023, roads=False)
        t_straight = time.perf_counter() - t
        t = time.perf_counter()
        road = service.compute_coverage(con, 2023)
        t_road = time.perf_counter() - t
        mean = {k: r.settlements["coverage_pct"].mean() for k, r in (("straight", straight), ("road", road))}
        print(f"road network: {len(km):,} edges (4 nearest neighbours, km = 1.25 × straight line) imported in "
              f"{t_imp:.2f} s; compute_coverage 2023 straight line {t_straight:.2f} s, by road {t_road:.2f} s "
              f"(ratio {t_road / t_straight:.2f}); mean coverage {mean['straight']:.2f}% vs {mean['road']:.2f}%",
              flush=True)
        con.close()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if "--no-synthetic" not in argv:
        synthetic_sequence()
    if "--synthetic-only" in argv:
        return
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

"""Import benchmark: 1,000,000 long-layout rows validated and written by `aimaq import` (target ≤ 10 s, peak memory
≤ 1 GiB), and a 1-row file through the whole command (target ≤ 1 s). Each is a real `aimaq import` process on a
real database file (registry + indicators); the baseline is the importer before this rewrite: 50,000 rows in
6 min 49 s = 122 rows/s (issue 8), printed as a ratio. Also, when PostgreSQL is installed: what a unique index on
the observation key would cost an import into PostgreSQL (AIMAQ_BENCH_IMPORT_PG_ROWS rows, default 200,000)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OLD_ROWS_PER_S = 122.0
ROWS = int(os.environ.get("AIMAQ_BENCH_IMPORT_ROWS", 1_000_000))


def _database(folder: Path) -> Path:
    import polars as pl

    from aimaq.store.catalogue import save_indicators
    from aimaq.store.db import connect
    from aimaq.territory.registry import build_registry
    from aimaq.territory.repository import save_registry

    path = folder / "bench.duckdb"
    con = connect(path)
    save_registry(con, build_registry())
    save_indicators(con, pl.DataFrame({"code": [f"bench_{i}" for i in range(5)], "name_ru": ["тест"] * 5,
                                       "unit": ["persons", "pct", "units", "mln_kzt", "thousand_persons"]}))
    import datetime as dt

    from aimaq.territory.repository import load_name_index

    index = load_name_index(con)
    names = []
    for kato, name in con.execute(
            "SELECT kato, name_ru FROM territory WHERE level IN ('region', 'district') AND valid_to IS NULL "
            "AND valid_from <= DATE '1999-01-01' ORDER BY kato").fetchall():
        try:  # names that mean one territory all through 1999–2023
            if all(index.resolve(name, at=(dt.date(y, 1, 1), dt.date(y, 12, 31))).kato == kato for y in (1999, 2023)):
                names.append(name)
        except Exception:
            continue
    con.close()
    return path, names


def _long_file(folder: Path, names: list[str], rows: int) -> Path:
    """Territories × 5 indicators × 25 years × breakdowns, as many rows as asked; numbers as tables write them."""
    import numpy as np
    import polars as pl

    names = pl.DataFrame({"territory": names})
    years = pl.DataFrame({"period": [str(y) for y in range(1999, 2024)]})
    inds = pl.DataFrame({"indicator": [f"bench_{i}" for i in range(5)]})
    per_breakdown = names.height * years.height * inds.height
    groups = -(-rows // per_breakdown)
    breakdowns = pl.DataFrame({"breakdown": [f"group={g}" for g in range(groups)]})
    frame = names.join(inds, how="cross").join(years, how="cross").join(breakdowns, how="cross").head(rows)
    rng = np.random.default_rng(1)
    values = rng.integers(0, 100, frame.height)
    frame = frame.with_columns(pl.Series("value", values).cast(pl.Utf8))
    path = folder / "long.csv"
    frame.select("territory", "indicator", "period", "value", "breakdown").write_csv(path)
    return path


def _process(db, file: Path) -> tuple[float, float, float, subprocess.CompletedProcess]:
    """One `aimaq import` process: wall time, CPU time (user+sys, all threads), peak memory (MiB), its result."""
    env = {**os.environ, "AIMAQ_DB": str(db)}
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "import", str(file)],
                         capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0:
        raise SystemExit(f"import failed ({run.returncode}): {run.stderr[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime - cpu, max(usage.ru_maxrss, before) / 1024, run


def _run(db, file: Path) -> tuple[float, float, str]:
    """Wall time and peak memory (MiB) of one `aimaq import` process; its CPU time is printed too (on a machine
    shared with other work, wall time measures the queue as much as the import)."""
    wall, cpu, peak, run = _process(db, file)
    print(f"  [{file.name}: CPU {cpu:.2f} s (user+sys, all threads), wall {wall:.2f} s, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores]")
    return wall, peak, run.stdout.splitlines()[0] if run.stdout else ""


def _one_row(db, one: Path, warmup: int = 2, runs: int = 10) -> None:
    """The 1-row file as hyperfine would time it: warm-up runs (the message catalogue's cache, the OS's file
    cache), then `runs` whole processes; best and median wall time, mean CPU time."""
    import statistics

    for _ in range(warmup):
        _process(db, one)
    measured = [_process(db, one) for _ in range(runs)]
    walls = sorted(m[0] for m in measured)
    best, median = walls[0], statistics.median(walls)
    cpu = statistics.mean(m[1] for m in measured)
    print(f"1-row file, whole `aimaq import` process ({runs} runs after {warmup} warm-up): best {best:.2f} s, median "
          f"{median:.2f} s, CPU {cpu:.2f} s, peak {max(m[2] for m in measured):,.0f} MiB (target ≤ 1 s: "
          f"{'ok' if median <= 1 else 'MISSED'}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores); "
          f"old importer 2–7 s: {2 / median:.1f}–{7 / median:.1f}x faster")


PG_ROWS = int(os.environ.get("AIMAQ_BENCH_IMPORT_PG_ROWS", 200_000))
UNIQUE_KEY = "CREATE UNIQUE INDEX observation_key ON observation (kato, indicator, period, breakdown, revision)"


def _postgres_unique_index_cost(folder: Path, names: list[str]) -> None:
    """The same import into two PostgreSQL databases of a throwaway cluster, one with a unique index on the
    observation key (migration 0003 relies on uniqueness by construction instead): what would the index cost?"""
    import polars as pl

    from aimaq.store.catalogue import save_indicators
    from aimaq.store.db import connect
    from aimaq.store.throwaway import start_cluster
    from aimaq.territory.registry import build_registry
    from aimaq.territory.repository import save_registry

    try:
        cluster = start_cluster()
    except FileNotFoundError as exc:
        print(f"PostgreSQL unique-index cost: skipped ({exc})")
        return
    try:
        urls = {}
        for name in ("plain", "indexed"):
            urls[name] = cluster.create_database(name)
            con = connect(urls[name])
            save_registry(con, build_registry())
            save_indicators(con, pl.DataFrame({"code": [f"bench_{i}" for i in range(5)], "name_ru": ["тест"] * 5,
                                               "unit": ["persons", "pct", "units", "mln_kzt", "thousand_persons"]}))
            if name == "indexed":
                con.run_on_server(UNIQUE_KEY)
            con.close()
        first = _long_file(folder, names, PG_ROWS)
        revised = folder / "revised.csv"
        pl.read_csv(first, infer_schema=False).with_columns(
            (pl.col("value").cast(pl.Int64) + 1).cast(pl.Utf8)).write_csv(revised)
        times = {}
        for name, url in urls.items():
            times[name] = [_run(url, first)[0], _run(url, revised)[0]]
        plain, indexed = times["plain"], times["indexed"]
        print(f"PostgreSQL, {PG_ROWS:,} rows added then {PG_ROWS:,} revised, whole `aimaq import` processes: "
              f"{plain[0]:.2f} s + {plain[1]:.2f} s without a unique key index, {indexed[0]:.2f} s + {indexed[1]:.2f} s "
              f"with one: ratio {sum(indexed) / sum(plain):.2f}")
    finally:
        cluster.remove()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="aimaq-bench-import-") as tmp:
        folder = Path(tmp)
        db, names = _database(folder)
        t0 = time.perf_counter()
        big = _long_file(folder, names, ROWS)
        print(f"generated {ROWS:,} long-layout rows ({big.stat().st_size / 2**20:.1f} MiB CSV) in "
              f"{time.perf_counter() - t0:.1f} s")
        one = folder / "one.csv"
        one.write_text("territory,indicator,period,value\nАкмолинская,bench_0,2023,787971\n", encoding="utf-8")
        _one_row(db, one)
        wall, peak, said = _run(db, big)
        rate = ROWS / wall
        print(f"{ROWS:,} rows validated and written, whole `aimaq import` process: {wall:.2f} s, "
              f"{rate:,.0f} rows/s, peak memory {peak:,.0f} MiB (targets ≤ 10 s: {'ok' if wall <= 10 else 'MISSED'}, "
              f"≤ 1024 MiB: {'ok' if peak <= 1024 else 'MISSED'})")
        print(f"  {said}")
        print(f"ratio to the old importer's {OLD_ROWS_PER_S:.0f} rows/s: {rate / OLD_ROWS_PER_S:,.0f}x")
        wall2, _, said2 = _run(db, big)  # the same file again: every key compared with its stored revision
        print(f"the same file again (all unchanged, compared with the stored revisions): {wall2:.2f} s — {said2}")
        if os.environ.get("AIMAQ_BENCH_ONLY", "") in ("", "postgresql"):
            _postgres_unique_index_cost(folder, names)


if __name__ == "__main__":
    main()

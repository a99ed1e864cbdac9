"""The web server under load, on both backends: p50/p95 and requests/s at 1 and 50 concurrent clients for the
rating, coverage, territory, forecast and Turkestan-settlements endpoints, beside the figures measured before this
work (stated in issue 13: rating p95 1.1 s at 56 req/s, coverage 2.1 s, settlements of Turkestan 8.7 s, one
request ≈60 ms). Goal on 2 cores: p95 ≤ 100 ms at 50 clients, settlements ≤ 300 ms. Each row shows the machine's
load average, and a small static file gives the floor of the same run (other work may share the cores).

Load only on 127.0.0.1 with Apache Bench (`ab`, Debian's apache2-utils), bounded in count (-n) and time (-t, -s).
Clients send Accept-Encoding: gzip, as browsers do. The DuckDB file is served by one process; PostgreSQL by two
workers, over a throwaway cluster holding a copy of the same demo. A quick run (AIMAQ_BENCH_QUICK=1) with a demo
built before (AIMAQ_BENCH_DUCKDB=FILE, from `aimaq --db FILE demo`) takes about 2 minutes, both backends;
AIMAQ_BENCH_ONLY=duckdb|postgresql measures one backend."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# the figures before (issue 13): p95 at 50 clients, and one request alone
BEFORE_P95_S = {"rating": 1.1, "coverage": 2.1, "settlements": 8.7}
BEFORE_RPS = {"rating": 56}
BEFORE_SINGLE_S = 0.060
ENDPOINTS = {
    # the floor of this server in this run: a small static file, no database (answered from the cache as well)
    "static": "/static/css/map.css",
    "rating": "/api/rating/2024?source=computed",
    "coverage": "/api/standards/coverage?year=2023&level=region",
    "territory": "/api/territories/100000000",
    "forecast": "/api/forecast?region=100000000&year=2030",
    "settlements": "/api/settlements.geojson?region=610000000&year=2023",  # Turkestan region: the most settlements
}
GOAL_MS = {"settlements": 300}
FLOOR_NOTE = ("(static: a small static file answered from the same in-memory cache — the floor of this server on this "
              "machine in this run; load: the 1-minute load average after the 50-client run, 2.0 = both cores busy; "
              "when other work shares the cores, compare each endpoint with the floor)")
AB_LIMIT_S = 60      # the most one measurement may take (ab -t), so a stalled server cannot stall the run
START_LIMIT_S = 180  # the most a server may take to answer its first request
RUN_BUDGET_S = 600   # the whole run: what is not measured by then is reported as skipped
DUCKDB_WORKERS = 1   # a DuckDB file has one writing process (docs/deployment.md)
POSTGRESQL_WORKERS = 2


def _ab(url: str, requests: int, clients: int) -> dict:
    # -t before -n: ab's -t sets the count to 50,000 itself, so a -t after -n ran every measurement for the whole
    # time limit (that is what made the run exceed 400 s); this way -n counts and -t only caps a stalled server
    out = subprocess.run(["ab", "-q", "-k", "-t", str(AB_LIMIT_S), "-n", str(requests), "-c", str(clients),
                          "-s", "60", "-H", "Accept-Encoding: gzip", url],
                         capture_output=True, text=True, timeout=AB_LIMIT_S + 60).stdout
    rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
    pct = {int(p): int(ms) for p, ms in re.findall(r"^\s+(\d+)%\s+(\d+)", out, re.M)}
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50": pct[50], "p95": pct[95],
            "failed": failed + (int(non2xx.group(1)) if non2xx else 0)}


def _serve(db: str, workers: int) -> tuple[subprocess.Popen, str]:
    from aimaq.store.throwaway import free_port

    port = free_port()
    aimaq = str(Path(sys.executable).with_name("aimaq"))
    proc = subprocess.Popen([aimaq, "--db", db, "web", "serve", "--port", str(port), "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_LIMIT_S  # each PostgreSQL worker loads the extension first
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/api/territories?level=region", timeout=30).read()
            return proc, base
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"the server over {db} stopped with exit code {proc.returncode}")
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"the server over {db} did not answer within {START_LIMIT_S} s")


def _one(base: str, path: str) -> float:
    started = time.perf_counter()
    urllib.request.urlopen(urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"}), timeout=120).read()
    return time.perf_counter() - started


def _bench(label: str, db: str, workers: int, quick: bool) -> list[str]:
    """Measure every endpoint; returns the lines of goals missed."""
    started = time.perf_counter()
    proc, base = _serve(db, workers)
    missed = []
    try:
        _ab(base + "/api/territories?level=region", 10 * workers, 4 * workers)  # every worker up, not only one
        print(f"{label}: {workers} worker(s), server ready in {time.perf_counter() - started:.0f} s")
        print(f"  {'endpoint':<12} {'first':>8} {'c=1 p50':>8} {'p95':>6} {'req/s':>7} │ {'c=50 p50':>8} {'p95':>6} "
              f"{'req/s':>7} {'goal':>6} {'load':>5} │ before p95 → ratio", flush=True)
        for name, path in ENDPOINTS.items():
            if time.monotonic() > _DEADLINE[0]:
                print(f"  {name:<12} skipped: the run is over its time budget ({RUN_BUDGET_S} s)", flush=True)
                missed.append(f"{label} {name}: not measured (time budget)")
                continue
            first = _one(base, path)  # computes and caches: the cost after each data change
            # every worker computes its own copy once (not counted: that is "first")
            _ab(base + path, 4 * workers, 2 * workers)
            single = _ab(base + path, 50 if quick else 300, 1)
            many = _ab(base + path, 500 if quick else 3000, 50)
            load = os.getloadavg()[0]  # other work on the 2 cores during this measurement
            goal = GOAL_MS.get(name, 100)
            before = BEFORE_P95_S.get(name)
            ratio = f"{before:.1f} s → {before * 1000 / max(many['p95'], 1):.0f}x" if before else "—"
            if name in BEFORE_RPS:
                ratio += f"; req/s {many['rps'] / BEFORE_RPS[name]:.0f}x"
            verdict = "floor" if name == "static" else "ok" if many["p95"] <= goal else "MISSED"
            if verdict == "MISSED":
                missed.append(f"{label} {name}: p95 {many['p95']} ms > {goal} ms at load {load:.1f}")
            failed = many["failed"] + single["failed"]
            print(f"  {name:<12} {first * 1000:>6.0f}ms {single['p50']:>6}ms {single['p95']:>4}ms "
                  f"{single['rps']:>7.0f} │ {many['p50']:>6}ms {many['p95']:>4}ms {many['rps']:>7.0f} "
                  f"{verdict:>6} {load:>5.1f} │ {ratio}" + (f"  ({failed} failed)" if failed else ""), flush=True)
        print(f"  {FLOOR_NOTE}")
        # the median of single requests one after another, each on a new connection (robust to a stray slow one)
        alone_ms = statistics.median(_one(base, ENDPOINTS["territory"]) for _ in range(50 if quick else 300)) * 1000
        print(f"  one request alone (territory, new connection each): median {alone_ms:.2f} ms vs "
              f"≈{BEFORE_SINGLE_S * 1000:.0f} ms before → {BEFORE_SINGLE_S * 1000 / max(alone_ms, 0.01):.0f}x; "
              f"load average {_load()}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    print(f"  {label}: measured in {time.perf_counter() - started:.0f} s", flush=True)
    return missed


_DEADLINE = [float("inf")]


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    if shutil.which("ab") is None:
        print("skipped: Apache Bench (ab, Debian's apache2-utils) is not installed")
        return
    quick = bool(os.environ.get("AIMAQ_BENCH_QUICK"))
    only = os.environ.get("AIMAQ_BENCH_ONLY")  # duckdb or postgresql: one backend
    _DEADLINE[0] = time.monotonic() + RUN_BUDGET_S
    print(f"{os.cpu_count()} cores, load average {_load()} (1, 5, 15 min) at the start", flush=True)
    missed = []
    folder = Path(tempfile.mkdtemp(prefix="aimaq-bench-server-"))
    try:
        duck = folder / "demo.duckdb"
        _demo_duckdb(duck)
        if only != "postgresql":
            missed += _bench("DuckDB file", str(duck), DUCKDB_WORKERS, quick)
        if only != "duckdb":
            missed += _bench_postgresql(duck, quick)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("goals: all met" if not missed else "goals missed:\n  " + "\n  ".join(missed))


def _demo_duckdb(duck: Path) -> None:
    from aimaq.demo import build_demo

    started = time.perf_counter()
    if os.environ.get("AIMAQ_BENCH_DUCKDB"):  # a demo database built before (it is copied, never changed)
        shutil.copy(os.environ["AIMAQ_BENCH_DUCKDB"], duck)
    else:
        build_demo(duck).close()
    print(f"demo on DuckDB ready in {time.perf_counter() - started:.0f} s", flush=True)


def _bench_postgresql(duck: Path, quick: bool) -> list[str]:
    from aimaq.store.throwaway import start_cluster

    try:
        cluster = start_cluster()
    except FileNotFoundError as exc:
        print(f"PostgreSQL skipped: {exc}")
        return []
    try:
        url = cluster.create_database("bench")
        started = time.perf_counter()
        rows = copy_into_postgresql(duck, url)
        print(f"demo copied into PostgreSQL in {time.perf_counter() - started:.0f} s ({rows:,} rows)", flush=True)
        return _bench("PostgreSQL", url, POSTGRESQL_WORKERS, quick)
    finally:
        cluster.remove()


def copy_into_postgresql(duck: Path, url: str) -> int:
    """Every table of the DuckDB demo, copied into a new PostgreSQL database made by the same migrations: the same
    data the server then reads (building the demo on PostgreSQL itself took 235 s of the run; that build is tested
    to give the same tables, tests/store_pg/test_same_results.py). Returns the rows copied."""
    from aimaq.store.db import connect, transaction, user_tables

    con = connect(url)
    try:
        con.execute(f"ATTACH '{duck}' AS demo_source (READ_ONLY)")
        rows = 0
        with transaction(con):
            for table in user_tables(con):
                if table == "schema_migration":
                    continue
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM demo_source.main.{table}")
                rows += con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        con.execute("DETACH demo_source")
        return rows
    finally:
        con.close()


if __name__ == "__main__":
    main()

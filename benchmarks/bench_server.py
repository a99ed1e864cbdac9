"""The web server under load, on both backends: p50/p95 and requests/s at 1 and 50 concurrent clients for the
rating, coverage, territory, forecast and Turkestan-settlements endpoints, beside the figures measured before this
work (stated in issue 13: rating p95 1.1 s at 56 req/s, coverage 2.1 s, settlements of Turkestan 8.7 s, one
request ≈60 ms). Goal on 2 cores: p95 ≤ 100 ms at 50 clients, settlements ≤ 300 ms.

Load only on 127.0.0.1 with Apache Bench (`ab`, Debian's apache2-utils), bounded in count (-n) and time (-t, -s).
Clients send Accept-Encoding: gzip, as browsers do. The DuckDB file is served by one process; PostgreSQL by two
workers. Set AIMAQ_BENCH_QUICK=1 for fewer requests, AIMAQ_BENCH_DUCKDB=FILE to copy a demo database built before."""

from __future__ import annotations

import os
import re
import shutil
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
    # the floor of this machine in this run: a small static file, no database, no cache
    "static": "/static/css/map.css",
    "rating": "/api/rating/2024?source=computed",
    "coverage": "/api/standards/coverage?year=2023&level=region",
    "territory": "/api/territories/100000000",
    "forecast": "/api/forecast?region=100000000&year=2030",
    "settlements": "/api/settlements.geojson?region=610000000&year=2023",  # Turkestan region: the most settlements
}
GOAL_MS = {"settlements": 300}
FLOOR_NOTE = ("(static: a small static file, the floor of the machine in the same run; when other work shares the "
              "2 cores, compare each endpoint with it)")


def _ab(url: str, requests: int, clients: int) -> dict:
    out = subprocess.run(["ab", "-q", "-k", "-n", str(requests), "-c", str(clients), "-s", "60", "-t", "120",
                          "-H", "Accept-Encoding: gzip", url], capture_output=True, text=True, timeout=180).stdout
    rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
    pct = {int(p): int(ms) for p, ms in re.findall(r"^\s+(\d+)%\s+(\d+)", out, re.M)}
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50": pct[50], "p95": pct[95], "failed": failed + (int(non2xx.group(1)) if non2xx else 0)}


def _serve(db: str, workers: int) -> tuple[subprocess.Popen, str]:
    from aimaq.store.throwaway import free_port

    port = free_port()
    aimaq = str(Path(sys.executable).with_name("aimaq"))
    proc = subprocess.Popen([aimaq, "--db", db, "web", "serve", "--port", str(port), "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/api/territories?level=region", timeout=30).read()
            return proc, base
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"the server over {db} did not answer within 120 s")


def _one(base: str, path: str) -> float:
    started = time.perf_counter()
    urllib.request.urlopen(urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"}), timeout=120).read()
    return time.perf_counter() - started


def _bench(label: str, db: str, workers: int, quick: bool) -> None:
    proc, base = _serve(db, workers)
    try:
        print(f"{label}: {workers} worker(s)")
        print(f"  {'endpoint':<12} {'first':>8} {'c=1 p50':>8} {'p95':>6} {'req/s':>7} │ {'c=50 p50':>8} {'p95':>6} "
              f"{'req/s':>7} {'goal':>6} │ before p95 → ratio")
        for name, path in ENDPOINTS.items():
            first = _one(base, path)  # computes and caches: the cost after each data change
            single = _ab(base + path, 30 if quick else 100, 1)
            many = _ab(base + path, 200 if quick else 1000, 50)
            goal = GOAL_MS.get(name, 100)
            before = BEFORE_P95_S.get(name)
            ratio = f"{before:.1f} s → {before * 1000 / max(many['p95'], 1):.0f}x" if before else "—"
            if name in BEFORE_RPS:
                ratio += f"; req/s {many['rps'] / BEFORE_RPS[name]:.0f}x"
            print(f"  {name:<12} {first * 1000:>6.0f}ms {single['p50']:>6}ms {single['p95']:>4}ms "
                  f"{single['rps']:>7.0f} │ {many['p50']:>6}ms {many['p95']:>4}ms {many['rps']:>7.0f} "
                  f"{'ok' if many['p95'] <= goal else 'MISSED':>6} │ {ratio}"
                  + (f"  ({many['failed'] + single['failed']} failed)" if many["failed"] + single["failed"] else ""))
        print(f"  {FLOOR_NOTE}")
        alone = _ab(base + ENDPOINTS["territory"], 30 if quick else 100, 1)
        print(f"  one request alone (territory, c=1): p50 {alone['p50']} ms vs ≈{BEFORE_SINGLE_S * 1000:.0f} ms before "
              f"→ {BEFORE_SINGLE_S * 1000 / max(alone['p50'], 1):.0f}x")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    from aimaq.demo import build_demo

    if shutil.which("ab") is None:
        print("skipped: Apache Bench (ab, Debian's apache2-utils) is not installed")
        return
    quick = bool(os.environ.get("AIMAQ_BENCH_QUICK"))
    folder = Path(tempfile.mkdtemp(prefix="aimaq-bench-server-"))
    try:
        duck = folder / "demo.duckdb"
        t0 = time.perf_counter()
        if os.environ.get("AIMAQ_BENCH_DUCKDB"):  # a demo database built before (it is copied, never changed)
            shutil.copy(os.environ["AIMAQ_BENCH_DUCKDB"], duck)
        else:
            build_demo(duck).close()
        print(f"demo on DuckDB ready in {time.perf_counter() - t0:.0f} s")
        _bench("DuckDB file", str(duck), 1, quick)
        from aimaq.store.throwaway import start_cluster

        try:
            cluster = start_cluster()
        except FileNotFoundError as exc:
            print(f"PostgreSQL skipped: {exc}")
            return
        try:
            url = cluster.create_database("bench")
            t0 = time.perf_counter()
            build_demo(url).close()
            print(f"demo on PostgreSQL built in {time.perf_counter() - t0:.0f} s")
            _bench("PostgreSQL", url, 2, quick)
        finally:
            cluster.remove()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

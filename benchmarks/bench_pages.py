"""Map page benchmark in headless Chromium over the demo database: the map is interactive ≤ 2 s (navigation to
region boundaries drawn and the controls live) and a region's settlements appear ≤ 1 s (choice of the region to
its markers drawn). Printed beside the targets the issue states and beside a static file fetched by the same
browser in the same run (the floor of any page load here).

Each measurement is the median of 5, after one warm-up (the map page starts building every region's layer in the
background; the uncached build time is printed first); the browser cache is off so every load fetches its scripts. `AIMAQ_BENCH_DB` reuses a demo database (else built)."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REGIONS = ("100000000", "610000000", "190000000")   # Абай (346 places), Туркестан (the largest), Алматинская
TARGET_READY_S, TARGET_SETTLEMENTS_S = 2.0, 1.0
RUNS = 5


def _database() -> Path:
    given = os.environ.get("AIMAQ_BENCH_DB")
    if given:
        return Path(given)
    from aimaq.demo import build_demo

    path = Path(tempfile.mkdtemp(prefix="aimaq-bench-pages-")) / "demo.duckdb"
    t0 = time.perf_counter()
    build_demo(path).close()
    print(f"demo database built in {time.perf_counter() - t0:.1f} s")
    return path


def main() -> None:
    if not os.path.exists("/usr/bin/chromium"):
        print("skipped: /usr/bin/chromium is missing (Debian package chromium)")
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "web"))
    from playwright.sync_api import sync_playwright
    from test_browser import launch, start_server

    db = _database()
    from aimaq.store.db import connect
    from aimaq.web.layers import settlements_layer

    con = connect(db, read_only=True)   # the server's uncached work for a region's first click, for comparison
    settlements_layer(con, REGIONS[0], 2023)
    for kato in REGIONS:
        t0 = time.perf_counter()
        settlements_layer(con, kato, 2023)
        print(f"region {kato}: settlement layer built (uncached, server side) in {time.perf_counter() - t0:.2f} s")
    con.close()
    base, stop = start_server(db)
    try:
        with sync_playwright() as p:
            browser = launch(p)
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            page = context.new_page()
            page.set_default_timeout(120_000)
            context.route("**/*", lambda route: route.continue_(headers={**route.request.headers,
                                                                          "cache-control": "no-cache"}))

            def static_floor() -> float:
                t0 = time.perf_counter()
                page.goto(base + "/static/css/map.css")
                return time.perf_counter() - t0

            def map_ready() -> float:
                t0 = time.perf_counter()
                page.goto(base + "/map")
                page.wait_for_selector("body[data-ready]", state="attached")
                return time.perf_counter() - t0

            def settlements(kato: str) -> tuple[float, int]:
                page.goto(base + "/map")
                page.wait_for_selector("body[data-ready]", state="attached")
                t0 = time.perf_counter()
                page.select_option("#region", kato)
                page.wait_for_selector("body[data-settlements]", state="attached")
                elapsed = time.perf_counter() - t0
                return elapsed, int(page.get_attribute("body", "data-settlements"))

            map_ready()                       # warm-up: server caches, browser process
            for kato in REGIONS:
                settlements(kato)
            floor = statistics.median(static_floor() for _ in range(RUNS))
            ready = statistics.median(map_ready() for _ in range(RUNS))
            print(f"static file (floor): {floor * 1000:.0f} ms")
            print(f"map interactive: {ready:.2f} s (target ≤ {TARGET_READY_S:.0f} s: "
                  f"{'ok' if ready <= TARGET_READY_S else 'MISSED'}; ratio to target {ready / TARGET_READY_S:.2f}, "
                  f"to the static floor {ready / floor:.0f}x)")
            for kato in REGIONS:
                runs = [settlements(kato) for _ in range(RUNS)]
                took = statistics.median(r[0] for r in runs)
                print(f"region {kato}: {runs[0][1]} settlements drawn in {took:.2f} s (target ≤ "
                      f"{TARGET_SETTLEMENTS_S:.0f} s: {'ok' if took <= TARGET_SETTLEMENTS_S else 'MISSED'}; "
                      f"ratio to target {took / TARGET_SETTLEMENTS_S:.2f})")
            browser.close()
    finally:
        stop()


if __name__ == "__main__":
    main()

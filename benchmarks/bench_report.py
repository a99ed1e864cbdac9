"""Report benchmark: the three editions (ru, kk, en) in all three formats (HTML, PDF, DOCX) from one demo database.
Target ≤ 30 s on this machine; baseline 3 × 16 s (one edition, all formats, as built before the editions shared
their data collection). Also measured in the same run: one edition alone, and the three editions one after the
other, so the ratio of the parallel build to the serial one is printed too."""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

STATED_BASELINE_S = 3 * 16.0


def main() -> None:
    import duckdb

    from aimaq.demo import build_demo
    from aimaq.report.build import FORMATS, write_edition, write_editions
    from aimaq.report.collect import collect

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        build_demo(tmp / "demo.duckdb").close()
        print(f"demo database (not part of the timing): {time.perf_counter() - t0:.1f} s")
        con = duckdb.connect(str(tmp / "demo.duckdb"), read_only=True)
        t0 = time.perf_counter()
        data = collect(con, 2024)
        t_collect = time.perf_counter() - t0
        con.close()
        t0, c0 = time.perf_counter(), time.process_time()
        write_edition(data, tmp / "one", list(FORMATS), "ru")
        t_one, cpu_one = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        write_editions(data, tmp / "serial", list(FORMATS), processes=1)
        t_serial = time.perf_counter() - t0
        processes = min(3, os.cpu_count() or 1)
        children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        write_editions(data, tmp / "parallel", list(FORMATS), processes=max(processes, 2))
        t_parallel = time.perf_counter() - t0
        children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_parallel = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
        load = os.getloadavg()[0]
        total = t_collect + t_parallel
        print(f"collect once (database reads shared by the editions): {t_collect:.2f} s")
        print(f"one edition (ru: compose, 7 figures, HTML, PDF, DOCX): {t_one:.1f} s wall, {cpu_one:.1f} s CPU")
        print(f"three editions one after the other: {t_serial:.1f} s")
        print(f"three editions in {max(processes, 2)} processes: {t_parallel:.1f} s "
              f"(parallel / serial = {t_parallel / t_serial:.2f}); CPU of the workers {cpu_parallel:.1f} s, "
              f"so on {os.cpu_count()} idle cores about {cpu_parallel / max(os.cpu_count() or 1, 1):.1f} s")
        print(f"load average during the run: {load:.1f} (other processes share the cores; wall times grow with it)")
        print(f"collect + three editions x three formats: {total:.1f} s; target <= 30 s: "
              f"{'ok' if total <= 30 else 'MISSED'}; ratio to the stated baseline 3 x 16 s = "
              f"{total / STATED_BASELINE_S:.2f}")


if __name__ == "__main__":
    main()

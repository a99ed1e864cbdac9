"""Backtest benchmark (issue 11, part 1): `backtest_methods` for origins 2005, 2010, 2015 at horizon 8 — four
methods, 16 units each — on the shipped BNS series in a real DuckDB file; and the model's core vectorised over the
units against the same core called unit by unit (the baseline, measured in the same run)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    from aimaq.demography.backtest import (aimaq_model, backtest_methods, life_expectancy_gap, link_to_origin,
                                           migration_profile, national_inputs, origin_units, read_backtest_spec,
                                           read_life_expectancy, summarise, unit_survival)
    from aimaq.demography.repository import load_population_history
    from aimaq.ingest.shipped import load_stats
    from aimaq.store.db import connect
    from aimaq.territory.registry import build_registry
    from aimaq.territory.repository import save_registry

    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        save_registry(con, build_registry())
        load_stats(con)
        t0 = time.perf_counter()
        history = load_population_history(con)
        t_load = time.perf_counter() - t0
        con.close()
    spec = read_backtest_spec()
    backtest_methods(history, [2015], 8, spec)  # warm-up (file reads, BLAS)
    t0 = time.perf_counter()
    frame, _ = backtest_methods(history, [2005, 2010, 2015], 8, spec)
    t_all = time.perf_counter() - t0
    print(f"history from DuckDB ({history.height} region-years): {t_load * 1000:.0f} ms")
    print(f"backtest 3 origins x 4 methods x 16 units, horizon 8: {t_all:.2f} s")
    s = summarise(frame)
    for r in s.filter(s["method"] == "aimaq").iter_rows(named=True):
        print(f"  aimaq {r['origin']}: MAPE {r['mape']:.2f}%, inside 80%: {r['inside80']}/{r['units']}")

    # the model's core (window fit + 8 years) for 16 units at once vs one unit at a time
    units = origin_units(history, 2015, range(2010, 2016), range(2007, 2010))
    linked, _notes = link_to_origin(units, 2015, spec["breaks"])
    window = linked[:, -6:]
    nat = national_inputs(2015, 5)
    gap, _year = life_expectancy_gap(read_life_expectancy(), units.codes, 2015)
    sx = unit_survival(nat.mx, gap)
    profile = migration_profile()
    reps = 5
    t0 = time.perf_counter()
    for _rep in range(reps):
        together, _l, _d = aimaq_model(window, 8, nat, spec, profile, sx)
    t_vec = (time.perf_counter() - t0) / reps
    t0 = time.perf_counter()
    for _rep in range(reps):
        alone = np.concatenate([aimaq_model(window[i:i + 1], 8, nat, spec, profile, sx[i:i + 1])[0]
                                for i in range(window.shape[0])])
    t_loop = (time.perf_counter() - t0) / reps
    assert np.allclose(together, alone, rtol=1e-12)
    print(f"model core, {window.shape[0]} units x 2 x 101 x (5 fit years x 7 passes + 8): vectorised "
          f"{t_vec * 1000:.1f} ms; unit by unit (baseline) {t_loop * 1000:.1f} ms; ratio {t_loop / t_vec:.1f}x")


if __name__ == "__main__":
    main()

"""Thin service: build inputs from package data, run a scenario (with draws), shape the result frames.

No database is read: inputs are the package data files (src/aimaq/data/demography) and the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from aimaq.demography.kazakhstan import KazakhstanInputs, build_kazakhstan_inputs, read_spec
from aimaq.demography.scenarios import run_deterministic, run_draws, scenario_arrays
from aimaq.errors import SpecError

NATIONAL_CODE = "00"
NATIONAL_NAME = "Республика Казахстан"


@dataclass
class ForecastResult:
    scenario: str
    summary: pl.DataFrame  # region × year: population, intervals, urban share
    population: pl.DataFrame  # region × area × sex × age × year (deterministic)
    indicators: pl.DataFrame  # national indicators by year
    decomposition: pl.DataFrame  # growth components by region, base → last year
    comparison: pl.DataFrame  # against the review's forecast
    notes: list[str] = field(default_factory=list)


def _region_sum(k: KazakhstanInputs, per_state: np.ndarray) -> np.ndarray:
    """(…, S) → (…, R)."""
    m = np.zeros((k.states.n, k.regions.height))
    m[np.arange(k.states.n), k.states.region_index] = 1.0
    return np.asarray(per_state, dtype=float) @ m


def run_forecast(scenario: str = "medium", to: int | None = None, draws: int = 0, levers: dict | None = None,
                 spec: dict | None = None) -> ForecastResult:
    spec = spec or read_spec()
    to = to or spec["horizon"]
    if to <= spec["base_year"]:
        raise SpecError(f"--to must be after the base year {spec['base_year']}")
    k = build_kazakhstan_inputs(spec, horizon=to)
    sa = scenario_arrays(k, scenario, levers)
    det = run_deterministic(k, sa)
    years = np.arange(spec["base_year"], to + 1)
    names = k.regions["name_ru"].to_list()
    codes = k.regions["code"].to_list()
    tot_state = det.pop.sum(axis=(-2, -1))  # (T+1, S)
    urban_state = tot_state * k.states.urban
    reg = _region_sum(k, tot_state)
    reg_urban = _region_sum(k, urban_state)
    rows = {"region_code": [], "region": [], "year": [], "scenario": [], "population": [], "urban_share": []}
    for j, (c, n) in enumerate([(NATIONAL_CODE, NATIONAL_NAME)] + list(zip(codes, names))):
        p = reg.sum(1) if j == 0 else reg[:, j - 1]
        u = reg_urban.sum(1) if j == 0 else reg_urban[:, j - 1]
        rows["region_code"] += [c] * len(years)
        rows["region"] += [n] * len(years)
        rows["year"] += years.tolist()
        rows["scenario"] += [scenario] * len(years)
        rows["population"] += p.tolist()
        rows["urban_share"] += (u / p).tolist()
    summary = pl.DataFrame(rows)
    notes = list(k.notes) + det.notes
    if draws:
        mc = run_draws(k, sa, draws)
        tot = _region_sum(k, mc.pop.sum(axis=(-2, -1)))  # (T+1, D, R)
        allp = np.concatenate([tot.sum(-1, keepdims=True), tot], axis=-1)  # (T+1, D, 1+R)
        q = np.quantile(allp, [0.025, 0.1, 0.9, 0.975], axis=1)  # (4, T+1, 1+R)
        summary = summary.with_columns(
            lower95=pl.Series(q[0].T.ravel()), lower80=pl.Series(q[1].T.ravel()),
            upper80=pl.Series(q[2].T.ravel()), upper95=pl.Series(q[3].T.ravel()))
        notes += mc.notes + [f"intervals from {draws} trajectories (seed {spec['uncertainty']['seed']})"]
    else:
        summary = summary.with_columns(*(pl.lit(None, pl.Float64).alias(c) for c in ("lower95", "lower80", "upper80", "upper95")))
    summary = summary.select("region_code", "region", "year", "scenario", "population", "lower80", "upper80",
                             "urban_share", "lower95", "upper95")
    assumed = set(k.regions.filter(pl.col("urban_share_source") == "assumption")["code"].to_list())
    summary = summary.with_columns(urban_share_assumption=pl.col("region_code").is_in(list(assumed) + [NATIONAL_CODE]))
    return ForecastResult(scenario, summary, _population_frame(k, det.pop, years), _indicators(k, det.pop, years),
                          _decomposition(k, det), _comparison(k, summary, spec), notes)


def _population_frame(k, pop, years) -> pl.DataFrame:
    T1, S, X, A = pop.shape
    idx = np.indices((T1, S, X, A)).reshape(4, -1)
    reg = k.states.region_index[idx[1]]
    return pl.DataFrame({
        "region_code": np.array(k.regions["code"].to_list())[reg],
        "area": np.where(k.states.urban[idx[1]], "urban", "rural"),
        "sex": np.array(["male", "female"])[idx[2]],
        "age": idx[3],
        "year": years[idx[0]],
        "population": pop.ravel(),
    })


def _indicators(k, pop, years) -> pl.DataFrame:
    ind = k.spec["indicators"]
    nat = pop.sum(1)  # (T+1, 2, A)
    total = nat.sum(axis=(1, 2))
    ages = np.arange(pop.shape[-1])
    old = nat[:, :, ages >= ind["old_age"]].sum(axis=(1, 2))
    lo, hi = ind["working_age_standard"]
    wa_std = nat[:, :, (ages >= lo) & (ages <= hi)].sum(axis=(1, 2))
    wa_nat = sum(nat[:, s, (ages >= a) & (ages <= b)].sum(-1) for s, (a, b) in
                 enumerate((ind["working_age_national"]["male"], ind["working_age_national"]["female"])))
    urban = (pop.sum(axis=(2, 3)) * k.states.urban).sum(1)
    return pl.DataFrame({
        "year": years, "population": total, "urban_share": urban / total, "share_65plus": old / total,
        "dependency_15_64": (total - wa_std) / wa_std, "dependency_national": (total - wa_nat) / wa_nat,
    })


def _decomposition(k, det) -> pl.DataFrame:
    d = det.decomposition()
    cols = {key: _region_sum(k, v) for key, v in d.items()}
    return pl.DataFrame({"region_code": k.regions["code"].to_list(), "region": k.regions["name_ru"].to_list(),
                         **{key: v for key, v in cols.items()}})


def _comparison(k, summary: pl.DataFrame, spec: dict) -> pl.DataFrame:
    c = spec["comparison"]
    y = c["year"]
    base = spec["base_year"]
    get = lambda code, year: summary.filter((pl.col("region_code") == code) & (pl.col("year") == year))  # noqa: E731
    rows = []
    if get(NATIONAL_CODE, y).height:
        p = get(NATIONAL_CODE, y)["population"][0]
        rows.append(("population_total", c["population_total"], p, p - c["population_total"],
                     "WPP 2024 fertility, national mortality, WPP international migration (near zero); base 1 Jan 2023 (19.77 M); 1 Jan of the year"))
        u = get(NATIONAL_CODE, y)["urban_share"][0]
        lo, hi = c["urban_share"]
        rows.append(("urban_share", (lo + hi) / 2, u, u - (lo + hi) / 2,
                     f"review gives {lo:.1%}–{hi:.1%}; ours depends on assumed oblast urban shares and the assumed rural→urban rate {spec['internal_migration']['rural_to_urban_rate']:.1%}/yr"))
        for code, g in c["growth_by_2030"].items():
            p0 = get(str(code), base)["population"][0]
            p1 = get(str(code), y)["population"][0]
            ours = p1 / p0 - 1
            rows.append((f"growth_{code}", g, ours, ours - g,
                         "internal migration held at the 2022–2024 mean rates (IPF flows); regional fertility from child-woman ratios"))
    return pl.DataFrame(rows, schema=["measure", "review", "aimaq", "difference", "why"], orient="row")


def pyramid_figure(result: ForecastResult, region_code: str | None, year: int, path) -> None:
    """Population pyramid (matplotlib) of a region (None = country) in `year`, saved to `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f = result.population.filter(pl.col("year") == year)
    if region_code:
        f = f.filter(pl.col("region_code") == region_code)
    g = f.group_by("sex", "age").agg(pl.col("population").sum()).sort("age")
    men = g.filter(pl.col("sex") == "male")["population"].to_numpy()
    women = g.filter(pl.col("sex") == "female")["population"].to_numpy()
    ages = np.arange(men.size)
    fig, ax = plt.subplots(figsize=(6, 7))
    ax.barh(ages, -men / 1000, color="#4a78a8", label="мужчины")
    ax.barh(ages, women / 1000, color="#c8504b", label="женщины")
    ax.set_xlabel("тыс. человек")
    ax.set_ylabel("возраст")
    ax.set_title(f"Половозрастная пирамида, {region_code or 'Казахстан'}, 1 января {year}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def backtest(base_year: int = 2015, to: int = 2023, draws: int = 200, spec: dict | None = None) -> pl.DataFrame:
    """Project from 1 Jan `base_year` to 1 Jan `to` and compare with the BNS regional series, on the 2015
    map (16 units: Shymkent in Turkestan, Abai in East Kazakhstan, Zhetisu in Almaty oblast, Ulytau in
    Karaganda). The 2015 totals of the merged units are split by their 2023 shares; internal migration rates are
    the 2022–2024 ones (the only years we have). Returns one row per unit: actual, projected, error, and whether
    the actual value falls inside the 80% and 95% intervals."""
    from aimaq.demography.kazakhstan import _csv, build_base_population, national_age_structure, read_regions

    spec = spec or read_spec()
    regions = read_regions()
    series = _csv("bns_population_by_region_2000_2023.csv").rename({"Область": "name", "Год": "year", "Население": "pop"})
    pop2023 = _csv("bns_region_population_2023-01-01.csv")
    t23 = np.array([pop2023.filter(pl.col("Region") == n)["Total"][0] for n in regions["bns2023_name"].to_list()], float)
    parents = regions["parent_2015"].cast(pl.Utf8).to_list()
    codes = regions["code"].to_list()
    parent_name = {c: n for c, n in zip(codes, regions["series_name"].to_list())}
    units = sorted(set(parents))
    tot_base = np.empty(len(codes))
    for u in units:
        members = [i for i, p in enumerate(parents) if p == u]
        v = series.filter((pl.col("name") == parent_name[u]) & (pl.col("year") == base_year))["pop"][0]
        tot_base[members] = v * t23[members] / t23[members].sum()
    scaled = pop2023.with_columns(pl.col("Region"))  # sex ratio of 2023, totals of the base year
    broad = _csv("odk_regions_age_sex_broad.csv")
    base = build_base_population(regions, scaled, broad, national_age_structure(base_year))
    base *= (tot_base / base.sum(axis=(1, 2)))[:, None, None]
    k = build_kazakhstan_inputs(spec, base_year=base_year, horizon=to, base_override=base)
    sa = scenario_arrays(k, "medium")
    det = run_deterministic(k, sa)
    mc = run_draws(k, sa, draws)
    m = np.zeros((k.states.n, len(units)))
    for s in range(k.states.n):
        m[s, units.index(parents[k.states.region_index[s]])] = 1.0
    proj = det.pop[-1].sum(axis=(-2, -1)) @ m
    mc_units = mc.pop[-1].sum(axis=(-2, -1)) @ m  # (D, U)
    q = np.quantile(mc_units, [0.025, 0.1, 0.9, 0.975], axis=0)
    actual = np.array([series.filter(pl.col("name").is_in([parent_name[c] for c, p in zip(codes, parents) if p == u])
                                     & (pl.col("year") == to))["pop"].sum() for u in units])
    err = proj / actual - 1
    return pl.DataFrame({
        "unit_code": units, "unit": [parent_name[u] for u in units], "base": [tot_base[[p == u for p in parents]].sum() for u in units],
        "actual": actual, "projected": proj, "error_pct": 100 * err,
        "lower80": q[1], "upper80": q[2], "in80": (actual >= q[1]) & (actual <= q[2]),
        "lower95": q[0], "upper95": q[3], "in95": (actual >= q[0]) & (actual <= q[3]),
    })


def interval_score(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, alpha: float) -> np.ndarray:
    """Gneiting & Raftery (2007) interval score of a central (1 − alpha) interval, per unit (lower is better)."""
    return (upper - lower) + 2 / alpha * np.maximum(lower - actual, 0) + 2 / alpha * np.maximum(actual - upper, 0)


def calibrate_migration_level(sigmas=(0.0, 0.06, 0.08, 0.10, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.18, 0.20),
                              draws: int = 1000, spec: dict | None = None) -> pl.DataFrame:
    """Backtest coverage and interval scores for candidate migration-level sigmas (departures and arrivals alike),
    on common random numbers (same seed for every sigma). Interval scores are divided by the actual population
    and averaged over units (percent)."""
    import copy

    spec = spec or read_spec()
    rows = []
    for sig in sigmas:
        sp = copy.deepcopy(spec)
        sp["uncertainty"].setdefault("migration_level", {}).update(departures_sigma=float(sig), arrivals_sigma=float(sig))
        b = backtest(draws=draws, spec=sp)
        y = b["actual"].to_numpy()
        rows.append({
            "sigma": float(sig), "units": b.height, "in80": int(b["in80"].sum()), "in95": int(b["in95"].sum()),
            "coverage80": float(b["in80"].mean()), "coverage95": float(b["in95"].mean()),
            "interval_score80_pct": float(np.mean(interval_score(y, b["lower80"].to_numpy(), b["upper80"].to_numpy(), 0.2) / y) * 100),
            "interval_score95_pct": float(np.mean(interval_score(y, b["lower95"].to_numpy(), b["upper95"].to_numpy(), 0.05) / y) * 100),
            "mean_width80_pct": float(((b["upper80"] - b["lower80"]) / b["projected"]).mean() * 100),
        })
    return pl.DataFrame(rows)

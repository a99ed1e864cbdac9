"""Thin service: build inputs from package data, run a scenario (with draws), shape the result frames.

No database is read: inputs are the package data files (src/aimaq/data/demography) and the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from aimaq.demography.kazakhstan import KazakhstanInputs, build_kazakhstan_inputs, read_spec
from aimaq.demography.scenarios import run_deterministic, run_draws, scenario_arrays
from aimaq import progress
from aimaq.errors import ComputationError, SpecError
from aimaq.i18n import _

NATIONAL_CODE = "000000000"  # KATO code of the country
NATIONAL_NAME = "Республика Казахстан"
AREAS = ("total", "urban", "rural")


@dataclass
class ForecastResult:
    scenario: str
    summary: pl.DataFrame  # region × year (area total): population, intervals, urban share
    population: pl.DataFrame  # region × area × sex × age × year (deterministic)
    indicators: pl.DataFrame  # country and regions × year: urban share, 65+, dependency ratios
    decomposition: pl.DataFrame  # growth components by region, base → last year
    comparison: pl.DataFrame  # against the review's forecast
    notes: list[str] = field(default_factory=list)
    areas: pl.DataFrame | None = None  # region × area (total/urban/rural) × year with intervals
    base_year: int = 0
    to: int = 0
    draws: int = 0
    seed: int = 0
    levers: dict = field(default_factory=dict)
    spec: dict = field(default_factory=dict)


def _membership(k: KazakhstanInputs) -> np.ndarray:
    m = np.zeros((k.states.n, k.regions.height))
    m[np.arange(k.states.n), k.states.region_index] = 1.0
    return m


def _region_sum(k: KazakhstanInputs, per_state: np.ndarray) -> np.ndarray:
    """(…, S) → (…, R)."""
    return np.asarray(per_state, dtype=float) @ _membership(k)


def region_katos(k: KazakhstanInputs) -> list[str]:
    return [str(c) for c in k.regions["kato"].to_list()]


def normalise_levers(levers: dict | None) -> dict:
    """Lever region keys as 2-digit spec codes (accepts KATO codes «470000000» too)."""
    from aimaq.demography.kazakhstan import read_regions

    if not levers:
        return {}
    regions = read_regions()
    by_kato = dict(zip([str(x) for x in regions["kato"].to_list()], regions["code"].to_list()))
    out = {}
    for lever, changes in levers.items():
        out[lever] = {by_kato.get(str(c), str(c)): float(x) for c, x in changes.items()}
    return out


def run_forecast(scenario: str = "medium", to: int | None = None, draws: int = 0, levers: dict | None = None,
                 spec: dict | None = None, seed: int | None = None) -> ForecastResult:
    spec = spec or read_spec()
    to = to or spec["horizon"]
    if to <= spec["base_year"]:
        raise SpecError(_("--to must be after the base year {year}", year=spec["base_year"]))
    if draws < 0:
        raise SpecError(_("--draws must be 0 or more"))
    seed = int(spec["uncertainty"]["seed"] if seed is None else seed)
    levers = normalise_levers(levers)
    k = build_kazakhstan_inputs(spec, horizon=to)
    sa = scenario_arrays(k, scenario, levers)
    det = run_deterministic(k, sa)
    years = np.arange(spec["base_year"], to + 1)
    names = k.regions["name_ru"].to_list()
    codes = region_katos(k)
    urban = k.states.urban.astype(float)
    tot_state = det.pop.sum(axis=(-2, -1))  # (T+1, S)
    by_area = {"total": tot_state, "urban": tot_state * urban, "rural": tot_state * (1 - urban)}
    reg = {a: _region_sum(k, v) for a, v in by_area.items()}  # (T+1, R)
    allr = {a: np.concatenate([v.sum(1, keepdims=True), v], axis=1) for a, v in reg.items()}  # (T+1, 1+R)
    allc = [NATIONAL_CODE] + codes
    alln = [NATIONAL_NAME] + names
    has_rural = np.r_[True, (k.regions["kind"] != "city").to_numpy()]
    q = {}
    notes = list(k.notes) + det.notes
    if draws:
        with progress.step(_("{n} forecast trajectories", n=draws)):
            mc = run_draws(k, sa, draws, seed=seed)
        st = mc.pop.sum(axis=(-2, -1), dtype=np.float64)  # (T+1, D, S)
        for a, w in (("total", 1.0), ("urban", urban), ("rural", 1 - urban)):
            r = _region_sum(k, st * w)
            allp = np.concatenate([r.sum(-1, keepdims=True), r], axis=-1)  # (T+1, D, 1+R)
            q[a] = np.quantile(allp, [0.025, 0.1, 0.9, 0.975], axis=1)  # (4, T+1, 1+R)
            q[a][:, 0] = allr[a][0]  # the base population is known: no interval (float32 draws differ by ~0.1)
        notes += mc.notes + [f"intervals from {draws} trajectories (seed {seed})"]
    assumed = set(k.regions.filter(pl.col("urban_share_source") == "assumption")["kato"].cast(pl.Utf8).to_list())
    frames = []
    T1 = years.size
    for a in AREAS:
        cols = [j for j in range(len(allc)) if a != "rural" or has_rural[j]]
        n = len(cols)
        pop = allr[a][:, cols]  # (T+1, n)
        f = {
            "region_code": np.repeat(np.array(allc)[cols], T1), "region": np.repeat(np.array(alln)[cols], T1),
            "area": [a] * (n * T1), "year": np.tile(years, n), "scenario": [scenario] * (n * T1),
            "population": pop.T.ravel(),
        }
        for i, c in enumerate(("lower95", "lower80", "upper80", "upper95")):
            f[c] = q[a][i][:, cols].T.ravel() if draws else [None] * (n * T1)
        f["urban_share"] = (allr["urban"][:, cols] / allr["total"][:, cols]).T.ravel() if a == "total" else [None] * (n * T1)
        frames.append(pl.DataFrame(f, schema_overrides={c: pl.Float64 for c in ("lower95", "lower80", "upper80", "upper95", "urban_share")}))
    areas = pl.concat(frames).select(
        "region_code", "region", "area", "year", "scenario", "population", "lower80", "upper80", "urban_share",
        "lower95", "upper95").with_columns(
        urban_share_assumption=pl.col("region_code").is_in(sorted(assumed) + [NATIONAL_CODE]))
    summary = areas.filter(pl.col("area") == "total").drop("area")
    return ForecastResult(scenario, summary, _population_frame(k, det.pop, years), _indicators(k, det.pop, years),
                          _decomposition(k, det, years), _comparison(k, summary, spec, det), notes, areas,
                          int(years[0]), int(to), int(draws), seed, levers, spec)


def _population_frame(k, pop, years) -> pl.DataFrame:
    T1, S, X, A = pop.shape
    idx = np.indices((T1, S, X, A)).reshape(4, -1)
    reg = k.states.region_index[idx[1]]
    return pl.DataFrame({
        "region_code": np.array(region_katos(k))[reg],
        "area": np.where(k.states.urban[idx[1]], "urban", "rural"),
        "sex": np.array(["male", "female"])[idx[2]],
        "age": idx[3],
        "year": years[idx[0]],
        "population": pop.ravel(),
    })


def _indicators(k, pop, years) -> pl.DataFrame:
    """Country and every region × year: population, urban share, share 65+, dependency ratios."""
    ind = k.spec["indicators"]
    m = _membership(k)
    reg = np.einsum("tsxa,sr->trxa", pop, m)  # (T+1, R, 2, A)
    urb = (pop.sum(axis=(2, 3)) * k.states.urban) @ m  # (T+1, R)
    reg = np.concatenate([reg.sum(1, keepdims=True), reg], axis=1)  # (T+1, 1+R, 2, A)
    urb = np.concatenate([urb.sum(1, keepdims=True), urb], axis=1)
    ages = np.arange(pop.shape[-1])
    total = reg.sum(axis=(2, 3))
    old = reg[..., ages >= ind["old_age"]].sum(axis=(2, 3))
    lo, hi = ind["working_age_standard"]
    wa_std = reg[..., (ages >= lo) & (ages <= hi)].sum(axis=(2, 3))
    wa_nat = sum(reg[:, :, s, (ages >= a) & (ages <= b)].sum(-1) for s, (a, b) in
                 enumerate((ind["working_age_national"]["male"], ind["working_age_national"]["female"])))
    codes = [NATIONAL_CODE] + region_katos(k)
    n, T1 = len(codes), years.size
    tr = lambda x: x.T.ravel()  # noqa: E731  (T+1, n) → region-major rows
    return pl.DataFrame({
        "region_code": np.repeat(codes, T1), "year": np.tile(years, n), "population": tr(total),
        "urban_share": tr(urb / total), "share_65plus": tr(old / total),
        "dependency_15_64": tr((total - wa_std) / wa_std), "dependency_national": tr((total - wa_nat) / wa_nat),
    })


def _decomposition(k, det, years) -> pl.DataFrame:
    d = det.decomposition()
    cols = {key: _region_sum(k, v) for key, v in d.items()}
    cols = {key: np.r_[v.sum(), v] for key, v in cols.items()}
    return pl.DataFrame({"region_code": [NATIONAL_CODE] + region_katos(k),
                         "region": [NATIONAL_NAME] + k.regions["name_ru"].to_list(),
                         "from_year": int(years[0]), "to_year": int(years[-1]), **cols})


def _comparison(k, summary: pl.DataFrame, spec: dict, det) -> pl.DataFrame:
    """Our run against the review's forecast (spec `comparison`): value, difference and the reason. Rows only for
    what the run reaches (the comparison year must be within the horizon)."""
    c = spec["comparison"]
    y = c["year"]
    base = spec["base_year"]
    get = lambda code, year: summary.filter((pl.col("region_code") == code) & (pl.col("year") == year))  # noqa: E731
    rows = []
    if not get(NATIONAL_CODE, y).height:
        return pl.DataFrame(schema={"measure": pl.Utf8, "label": pl.Utf8, "review": pl.Float64, "aimaq": pl.Float64,
                                    "difference": pl.Float64, "why": pl.Utf8})
    steps = y - base
    comp = {key: _region_sum(k, getattr(det, key)[:steps].sum(0)) for key in
            ("births", "deaths", "internal_in", "internal_out", "international")}
    p = get(NATIONAL_CODE, y)["population"][0]
    p0 = get(NATIONAL_CODE, base)["population"][0]
    ni = (comp["births"] - comp["deaths"]).sum()
    rows.append(("population_total", f"Население на 1 января {y}", c["population_total"], p, p - c["population_total"],
                 f"база 1.01.{base}: {p0 / 1e6:.2f} млн; {base}–{y}: естественный прирост {_thousands(ni)} тыс. "
                 f"(рождаемость WPP 2024, смертность при e0 {spec['national']['e0_both_2023']}), внешняя миграция "
                 f"{_thousands(comp['international'].sum())} тыс. (WPP 2024, около нуля); метод обзора не описан"))
    u = get(NATIONAL_CODE, y)["urban_share"][0]
    lo, hi = c["urban_share"]
    rows.append(("urban_share", f"Доля городского населения, {y}", (lo + hi) / 2, u, u - (lo + hi) / 2,
                 f"в обзоре {lo:.1%}–{hi:.1%} (разница с серединой); наша оценка опирается на допущенные доли "
                 f"городского населения областей (A1) и допущенный переток село→город "
                 f"{spec['internal_migration']['rural_to_urban_rate']:.1%} в год (A8)"))
    codes = k.regions["code"].to_list()
    katos = region_katos(k)
    names = k.regions["name_ru"].to_list()
    for code, g in c["growth_by_2030"].items():
        i = codes.index(str(code))
        r0 = get(katos[i], base)["population"][0]
        r1 = get(katos[i], y)["population"][0]
        ours = r1 / r0 - 1
        nat = (comp["births"] - comp["deaths"])[i] / r0
        mig = (comp["internal_in"] - comp["internal_out"])[i] / r0
        intl = comp["international"][i] / r0
        rows.append((f"growth_{katos[i]}", f"Прирост населения {names[i]}, {base}–{y}", g, ours, ours - g,
                     f"у нас: естественный прирост {nat:+.1%}, внутренняя миграция {mig:+.1%}, внешняя {intl:+.1%} "
                     f"от населения {base} г.; внутренняя миграция на среднем уровне 2022–2024 гг. (потоки IPF, A7), "
                     f"рождаемость региона по отношению дети/женщины (A4)"))
    return pl.DataFrame(rows, schema=["measure", "label", "review", "aimaq", "difference", "why"], orient="row")


def pyramid_figure(population, region_code: str | None, year: int, path, title: str | None = None) -> None:
    """Population pyramid of a region (None or the country's code = country) on 1 January `year`, written to
    `path` (PNG; matplotlib with the Agg backend). `population` is a ForecastResult or its `population` frame
    (region_code, area, sex, age, year, population)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = population.population if isinstance(population, ForecastResult) else population
    f = frame.filter(pl.col("year") == year)
    if region_code and region_code != NATIONAL_CODE:
        f = f.filter(pl.col("region_code") == region_code)
    if f.is_empty():
        raise ComputationError(_("no population for region {code} on 1 January {year}",
                                 code=region_code or NATIONAL_CODE, year=year))
    g = f.group_by("sex", "age").agg(pl.col("population").sum()).sort("age")
    men = g.filter(pl.col("sex") == "male")["population"].to_numpy()
    women = g.filter(pl.col("sex") == "female")["population"].to_numpy()
    ages = np.arange(men.size)
    fig, ax = plt.subplots(figsize=(6, 7))
    ax.barh(ages, -men / 1000, height=1.0, color="#4a78a8", label="мужчины")
    ax.barh(ages, women / 1000, height=1.0, color="#c8504b", label="женщины")
    lim = max(men.max(), women.max()) / 1000 * 1.05
    ax.set_xlim(-lim, lim)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{abs(v):g}"))
    ax.set_xlabel("тыс. человек")
    ax.set_ylabel("возраст (100 = 100+)")
    ax.set_title(title or f"Половозрастная пирамида, {region_code or 'Казахстан'}, 1 января {year}")
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)


def _unit_name(regions: pl.DataFrame, unit: str) -> str:
    """Russian name of a unit of the 2015 map: the parent region, with the regions later split from it."""
    codes = regions["code"].to_list()
    names = regions["name_ru"].to_list()
    parents = regions["parent_2015"].cast(pl.Utf8).to_list()
    others = [n for c, n, p in zip(codes, names, parents) if p == unit and c != unit]
    return " + ".join([names[codes.index(unit)]] + others)


def backtest(base_year: int = 2015, to: int = 2023, draws: int = 1000, spec: dict | None = None,
             seed: int | None = None) -> pl.DataFrame:
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
    mc = run_draws(k, sa, draws, seed=seed)
    m = np.zeros((k.states.n, len(units)))
    for s in range(k.states.n):
        m[s, units.index(parents[k.states.region_index[s]])] = 1.0
    proj = det.pop[-1].sum(axis=(-2, -1)) @ m
    mc_units = mc.pop[-1].sum(axis=(-2, -1)) @ m  # (D, U)
    q = np.quantile(mc_units, [0.025, 0.1, 0.9, 0.975], axis=0)
    actual = np.array([series.filter(pl.col("name").is_in([parent_name[c] for c, p in zip(codes, parents) if p == u])
                                     & (pl.col("year") == to))["pop"].sum() for u in units])
    err = proj / actual - 1
    kato = dict(zip(codes, [str(x) for x in regions["kato"].to_list()]))
    return pl.DataFrame({
        "unit_code": [kato[u] for u in units], "unit": [_unit_name(regions, u) for u in units], "base": [tot_base[[p == u for p in parents]].sum() for u in units],
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


def _thousands(persons: float) -> str:
    """Signed thousands with a space between digit groups (+1 234): only the number, never the sentence's commas."""
    return f"{persons / 1e3:+,.0f}".replace(",", " ")

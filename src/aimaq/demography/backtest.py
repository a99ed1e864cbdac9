"""Backtest of the regional forecast beside simple methods, at several origins (issue 11, part 1).

Pure computation: the regional history comes in as a frame (`repository.load_population_history`), national
rates from the package's WPP files, the methodology from `specs/demography/kz_backtest_v1.yaml`. Every method
sees only the years up to its origin (`project_methods` is given nothing later); the actual values are joined
afterwards (`backtest_methods`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import yaml

from aimaq.demography.ages import graduate_mx_abridged, rogers_castro_shares, split_5_to_1
from aimaq.demography.ccmpp import project_step
from aimaq.demography.kazakhstan import AGES, SPECS, _csv, _wpp_asfr, _wpp_tfr, read_spec, survival_from_mx
from aimaq.errors import ComputationError, SpecError
from aimaq.i18n import _

METHODS = ("aimaq", "constant_growth", "linear_trend", "constant_share")
COLUMNS = ("origin", "horizon", "method", "unit_code", "unit", "actual", "projected", "error_pct", "lower80", "upper80")


def read_backtest_spec(name: str = "kz_backtest_v1.yaml") -> dict:
    path = SPECS / name
    if not path.exists():
        raise SpecError(_("demography spec not found: {path}", path=path))
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("window", "breaks", "model", "intervals"):
        if key not in spec:
            raise SpecError(_("{file}: missing key «{key}»", file=path.name, key=key))
    if spec["model"].get("migration") not in ("rate", "count"):
        raise SpecError(_("{file}: model.migration must be rate or count", file=path.name))
    return spec


# ---------------------------------------------------------------- units on the origin's map


@dataclass
class Units:
    """Units of one origin's map: `codes` (KATO of the unit's largest member at the origin), Russian `names`,
    `atoms` (today's regions each covers) and `values` (U, Y) over `years` (NaN where a year cannot be tiled)."""

    codes: list[str]
    names: list[str]
    atoms: list[frozenset]
    years: np.ndarray
    values: np.ndarray


def origin_units(history: pl.DataFrame, origin: int, years, extra_years=()) -> Units:
    """The regions published for 1 Jan `origin`, merged where a figure of `years` covers parts of two of them (so
    every unit is a sum of published figures in each of those years), with their series over `years` and
    `extra_years` (NaN where an extra year cannot be tiled)."""
    at = history.filter(pl.col("year") == origin)
    if at.is_empty():
        raise ComputationError(_("no regional population for 1 January {year} in the database", year=origin))
    groups = [frozenset(a) for a in at["atoms"].to_list()]
    pieces = [frozenset(a) for a in history.filter(pl.col("year").is_in(list(years)))["atoms"].to_list()]
    years = sorted(set(years) | set(extra_years))
    changed = True
    while changed:  # merge units that one published figure straddles
        changed = False
        for p in set(pieces):
            hit = [g for g in groups if g & p]
            if len(hit) > 1:
                groups = [g for g in groups if not g & p] + [frozenset().union(*hit)]
                changed = True
    years = np.asarray(sorted(years))
    # a published figure belongs to the unit holding its atoms; a unit-year has a value when its figures tile it
    group_of = pl.DataFrame({"atom": [a for g in groups for a in g],
                             "group": [i for i, g in enumerate(groups) for _a in g]})
    sizes = np.array([len(g) for g in groups])
    rows = (history.filter(pl.col("year").is_in(years.tolist())).with_row_index("row")
            .explode("atoms").join(group_of, left_on="atoms", right_on="atom", how="left")
            .group_by("row").agg(pl.col("year").first(), pl.col("value").first(), pl.len().alias("atoms"),
                                 pl.col("group").min(), pl.col("group").max().alias("group_max"),
                                 pl.col("group").null_count().alias("outside"))
            .filter((pl.col("group") == pl.col("group_max")) & (pl.col("outside") == 0))
            .group_by("group", "year").agg(pl.col("value").sum(), pl.col("atoms").sum()))
    values = np.full((len(groups), years.size), np.nan)
    g, y = rows["group"].to_numpy(), np.searchsorted(years, rows["year"].to_numpy())
    tiled = rows["atoms"].to_numpy() == sizes[g]
    values[g[tiled], y[tiled]] = rows["value"].to_numpy()[tiled]
    codes, names = [], []
    for g in groups:
        members = at.filter(pl.col("atoms").list.eval(pl.element().is_in(list(g))).list.all()).sort("value", descending=True)
        codes.append(members["kato"][0])
        names.append(" + ".join(members["name"].to_list()))
    order = np.argsort(codes)
    return Units([codes[i] for i in order], [names[i] for i in order], [groups[i] for i in order], years, values[order])


def link_factor(values: np.ndarray, years: np.ndarray, b: int) -> np.ndarray:
    """(U,) factor of a break at year b: the step b-1 → b over the mean growth of the two steps before it."""
    col = {int(y): j for j, y in enumerate(years)}
    nan = np.full(values.shape[0], np.nan)
    v = lambda y: values[:, col[y]] if y in col else nan  # noqa: E731
    step = v(b) / v(b - 1)
    # the two steps before the break, else the one, else none (a unit not tiled that far back)
    usual = np.sqrt(v(b - 1) / v(b - 3))
    usual = np.where(np.isnan(usual), v(b - 1) / v(b - 2), usual)
    return step / np.where(np.isnan(usual), 1.0, usual)


def _affected(units: Units, regions) -> np.ndarray:
    if regions == "all":
        return np.ones(len(units.codes), bool)
    return np.array([bool(g & set(regions)) for g in units.atoms])


def link_to_origin(units: Units, origin: int, breaks: list[dict], since: int | None = None) -> tuple[np.ndarray, list[str]]:
    """The series on the origin's basis: before a break at or before the origin the values are multiplied by its
    factor (latest break first); from a break after the origin on they are divided by it (earliest first).
    Factors use only the four years up to their break; breaks up to `since` (the window's first year) are left
    alone. Returns (values, notes)."""
    vals = units.values.copy()
    years = units.years
    notes = []
    first = max(int(years[0]), since if since is not None else int(years[0]))
    inside = [b for b in breaks if first < b["year"] <= years[-1]]
    for b in sorted((b for b in inside if b["year"] <= origin), key=lambda b: -b["year"]):
        f = np.where(_affected(units, b["regions"]), link_factor(vals, years, b["year"]), 1.0)
        vals[:, years < b["year"]] *= f[:, None]
        notes.append(f"history linked across {b['year']} ({b['why']})")
    for b in sorted((b for b in inside if b["year"] > origin), key=lambda b: b["year"]):
        f = np.where(_affected(units, b["regions"]), link_factor(vals, years, b["year"]), 1.0)
        vals[:, years >= b["year"]] /= f[:, None]
        notes.append(f"actuals from {b['year']} carried to the origin's basis ({b['why']})")
    return vals, notes


# ---------------------------------------------------------------- the simple methods


def constant_growth(window: np.ndarray, horizon: int) -> np.ndarray:
    """(U, W+1) → (U,): the window's geometric growth held."""
    n = window.shape[1] - 1
    return window[:, -1] * (window[:, -1] / window[:, 0]) ** (horizon / n)


def linear_trend(window: np.ndarray, horizon: int) -> np.ndarray:
    """(U, W+1) → (U,): least-squares slope of the window, from the origin's value."""
    t = np.arange(window.shape[1], dtype=float)
    t -= t.mean()
    slope = (window - window.mean(1, keepdims=True)) @ t / (t @ t)
    return window[:, -1] + horizon * slope


def constant_share(window: np.ndarray, national: float) -> np.ndarray:
    return window[:, -1] / window[:, -1].sum() * national


# ---------------------------------------------------------------- the model


@dataclass
class NationalInputs:
    """WPP 2024 national inputs known at an origin: start shape (2, A) at o - window, fertility (W, A) and SRB
    (W,) of each window year, survival ratios (2, A) of the last 5-year period ending by the origin."""

    shape: np.ndarray
    asfr: np.ndarray
    srb: np.ndarray
    sx: np.ndarray
    notes: list[str]
    mx: np.ndarray | None = None  # (2, A) the national single-age death rates behind sx


def _wpp_period_mx(origin: int) -> tuple[np.ndarray, str]:
    """Single-age mx (2, A) of the last WPP 5-year period that ends by 1 Jan `origin`."""
    m = _csv("wpp2024_KAZ_mx5dt.csv").with_columns(pl.col("age").cast(pl.Utf8),
                                                   end=pl.col("period").str.slice(5, 4).cast(pl.Int32))
    end = m.filter(pl.col("end") <= origin)["end"].max()
    if end is None:
        raise ComputationError(_("no WPP mortality period ends by {year}", year=origin))
    f = m.filter(pl.col("end") == end)
    order = ["0", "1"] + [str(a) for a in range(5, 100, 5)] + ["100+"]
    look = {r["age"]: (r["mxM"], r["mxF"]) for r in f.iter_rows(named=True)}
    abridged = np.array([look[a] for a in order]).T  # (2, 22)
    return graduate_mx_abridged(abridged[None])[0], f["period"][0]


def _wpp_srb(years) -> np.ndarray:
    sr = _csv("wpp2024_KAZ_sexRatio1dt.csv")
    look = dict(zip(sr["year"].to_list(), sr["srb"].to_list()))
    return np.array([look[int(y)] for y in years])


def national_inputs(origin: int, window: int) -> NationalInputs:
    """Everything national the model uses at `origin`, from WPP 2024 values of years before the origin only."""
    start = origin - window
    mx, period = _wpp_period_mx(origin)
    sx = survival_from_mx(mx)
    decade = start // 10 * 10
    p = _csv("wpp2024_KAZ_pop5_decadal.csv").filter((pl.col("series") == "population") & (pl.col("year") == decade))
    if p.is_empty():
        raise ComputationError(_("no WPP age structure for {year}", year=decade))
    shape = np.stack([split_5_to_1(p.filter(pl.col("sex") == s).sort("age_start")["value"].to_numpy().astype(float))
                      for s in ("Male", "Female")])
    years = np.arange(decade, origin)
    asfr = _wpp_asfr(years, _wpp_tfr(years))
    srb = _wpp_srb(years)
    for k in range(start - decade):  # age the decadal table to the window's start (closed, WPP rates)
        shape = project_step(shape, sx, asfr[k], srb[k]).pop_end
    notes = [f"national age structure: WPP 2024 {decade} aged to {start}; mortality of WPP period {period}; "
             f"fertility of WPP {start}–{origin - 1}, held at {origin - 1}"]
    return NationalInputs(shape / shape.sum(), asfr[start - decade:], srb[start - decade:], sx, notes, mx)


def read_life_expectancy() -> pl.DataFrame:
    """BNS life expectancy at birth by region and year, both sexes (package file; see SOURCES.md): kato
    ("000000000" for the country), year, e0. «Туркестанская*» is South Kazakhstan (510000000) before 2017."""
    from aimaq.demography.kazakhstan import read_regions

    regions = read_regions()
    look = {str(n).removesuffix(" 1").strip(): str(k) for n, k in zip(regions["series_name"], regions["kato"])}
    look["Республика Казахстан"] = "000000000"
    le = _csv("bns_life_expectancy_by_region_1999_2022.csv")
    le.columns = ["name", "year", "e0"]
    le = le.with_columns(pl.col("name").str.strip_chars().str.strip_chars_end("*"))
    kato = [("510000000" if n == "Туркестанская" and y < 2017 else look[n])
            for n, y in zip(le["name"].to_list(), le["year"].to_list())]
    return le.with_columns(kato=pl.Series(kato, dtype=pl.Utf8)).select("kato", "year", "e0")


def life_expectancy_gap(le: pl.DataFrame, codes: list[str], origin: int) -> tuple[np.ndarray, int]:
    """(U,) each unit's life expectancy minus the country's in the latest year before the origin (0 where the
    unit has none, e.g. a unit merged from two regions), and that year."""
    known = le.filter(pl.col("year") < origin)
    year = int(known["year"].max())
    at = dict(zip(*known.filter(pl.col("year") == year).select("kato", "e0").to_dict(as_series=False).values()))
    return np.array([at[c] - at["000000000"] if c in at else 0.0 for c in codes]), year


def unit_survival(nat_mx: np.ndarray, gap: np.ndarray) -> np.ndarray:
    """(U, 2, A) survival ratios: the national mx of each sex scaled so that its e0 moves by the unit's gap."""
    from aimaq.demography.lifetable import life_table, scale_mx_to_e0

    out = []
    for s, sex in enumerate(("male", "female")):
        e0 = float(life_table(nat_mx[s], sex).e0)
        mx = np.broadcast_to(nat_mx[s], (gap.size, nat_mx.shape[-1]))
        out.append(scale_mx_to_e0(mx, sex, e0 + gap))
    return survival_from_mx(np.stack(out, axis=1))


def _migrants(pop: np.ndarray, level: np.ndarray, profile: np.ndarray, as_rate: bool) -> np.ndarray:
    """(U, 2, A) net migrants of one year: `level` × population (rate) or `level` persons (count), by the age
    profile (2, A) that sums to 1."""
    total = level * pop.sum(axis=(1, 2)) if as_rate else level
    return total[:, None, None] * profile[None]


def aimaq_model(window: np.ndarray, horizon: int, nat: NationalInputs, spec: dict, profile: np.ndarray,
                sx: np.ndarray | None = None):
    """(U, W+1) linked history → (projected (U,), fitted yearly migration level (U,), diagnostics).

    Cohort-component by unit; the yearly net migration (rate or count, spec model.migration) is fitted so that the
    run over the window reproduces the unit's population at the origin, then held. `sx` (U, 2, A): the units'
    survival ratios (default: national)."""
    as_rate = spec["model"]["migration"] == "rate"
    sx = nat.sx if sx is None else sx
    W = window.shape[1] - 1
    base = window[:, :1, None] * nat.shape[None]  # (U, 2, A)

    def run_window(level):
        pop = base
        for t in range(W):
            pop = project_step(pop, sx, nat.asfr[t], nat.srb[t], _migrants(pop, level, profile, as_rate)).pop_end
        return pop

    closed = run_window(np.zeros(window.shape[0])).sum(axis=(1, 2))
    rate = (window[:, -1] / closed) ** (1 / W) - 1
    level = rate if as_rate else (window[:, -1] - closed) / W
    for _step in range(int(spec["model"].get("fit_iterations", 6))):  # Newton-like steps on the fitted level
        end = run_window(level).sum(axis=(1, 2))
        level = level + (np.log(window[:, -1] / end) / W if as_rate else (window[:, -1] - end) / W)
    end_pop = run_window(level)
    miss = np.abs(end_pop.sum(axis=(1, 2)) / window[:, -1] - 1).max()
    pop = end_pop * (window[:, -1] / end_pop.sum(axis=(1, 2)))[:, None, None]
    tfr_path = fertility_path(nat.asfr, horizon, spec["model"].get("fertility", "held"))
    for k in range(horizon):  # the last window year's rates (fertility: held or its trend, spec model.fertility)
        pop = project_step(pop, sx, nat.asfr[-1] * tfr_path[k], nat.srb[-1],
                           _migrants(pop, level, profile, as_rate)).pop_end
    return pop.sum(axis=(1, 2)), level, {"fit_max_relative_miss": float(miss)}


def fertility_path(asfr: np.ndarray, horizon: int, how: str) -> np.ndarray:
    """(h,) multipliers of the last window year's fertility: 1 (held) or the window's least-squares TFR trend
    continued, relative to the last year (trend)."""
    if how == "held":
        return np.ones(horizon)
    if how != "trend":
        raise SpecError(_("model.fertility must be held or trend, not «{value}»", value=how))
    tfr = asfr.sum(axis=1)
    t = np.arange(tfr.size, dtype=float)
    slope = np.polyfit(t, tfr, 1)[0]
    return np.maximum(tfr[-1] + slope * np.arange(1, horizon + 1), 0.5) / tfr[-1]


def interval_quantile(intervals: dict, window: int) -> float:
    """The two-sided quantile of the spec's interval: normal, or Student's t with window − 1 degrees of freedom
    (the spread is estimated from `window` annual rates)."""
    from scipy import stats

    p = 0.5 + float(intervals["level"]) / 2
    how = intervals.get("quantile", "normal")
    if how == "normal":
        return float(stats.norm.ppf(p))
    if how == "student_t":
        return float(stats.t.ppf(p, window - 1))
    raise SpecError(_("intervals.quantile must be normal or student_t, not «{value}»", value=how))


def growth_interval(window: np.ndarray, projected: np.ndarray, horizon: int, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Bounds: log projection ± z · h · sd of the window's annual log growth (per unit)."""
    s = np.diff(np.log(window), axis=1).std(axis=1, ddof=1)
    half = z * horizon * s
    return projected * np.exp(-half), projected * np.exp(half)


def migration_profile(forecast_spec: dict | None = None) -> np.ndarray:
    """(2, A) age-sex profile of net migrants: the forecast spec's Rogers–Castro schedule, half each sex."""
    spec = forecast_spec or read_spec()
    shares = rogers_castro_shares(np.arange(AGES), spec["internal_migration"]["rogers_castro"])
    return np.stack([shares, shares]) / 2.0


def _years(history: pl.DataFrame, first: int, last: int) -> tuple[list[int], list[int]]:
    """Years first..last, and the three before `first` that the history has (a break early in the window is
    linked with the growth of the steps before it)."""
    return list(range(first, last + 1)), list(range(max(first - 3, int(history["year"].min())), first))


def project_methods(history: pl.DataFrame, origin: int, horizon: int, spec: dict | None = None) -> pl.DataFrame:
    """Every method's projection for 1 Jan origin + horizon from the history up to the origin (later rows are an
    error: a method must not see them). One row per method and unit of the origin's map: origin, horizon,
    method, unit_code, unit, projected, lower80, upper80."""
    spec = spec or read_backtest_spec()
    if history["year"].max() > origin:
        raise ComputationError(_("the history given for origin {origin} reaches {year}", origin=origin,
                                  year=history["year"].max()))
    W = int(spec["window"])
    units = origin_units(history, origin, *_years(history, origin - W, origin))
    linked, _notes = link_to_origin(units, origin, spec["breaks"], since=origin - W)
    window = linked[:, -(W + 1):]
    if np.isnan(window).any() or (window <= 0).any():
        bad = [units.names[i] for i in np.flatnonzero(np.isnan(window).any(1) | (window <= 0).any(1))]
        raise ComputationError(_("origin {origin}: no complete {years}-year history for {units}", origin=origin,
                                  years=W, units=", ".join(bad)))
    nat = national_inputs(origin, W)
    sx = None
    mortality = spec["model"].get("mortality", "national")
    if mortality == "life_expectancy":
        gap, _year = life_expectancy_gap(read_life_expectancy(), units.codes, origin)
        sx = unit_survival(nat.mx, gap)
    elif mortality != "national":
        raise SpecError(_("model.mortality must be national or life_expectancy, not «{value}»", value=mortality))
    model, _level, _diagnostics = aimaq_model(window, horizon, nat, spec, migration_profile(), sx)
    lo, hi = growth_interval(window, model, horizon, interval_quantile(spec["intervals"], W))
    proj = {"aimaq": model, "constant_growth": constant_growth(window, horizon),
            "linear_trend": linear_trend(window, horizon), "constant_share": constant_share(window, model.sum())}
    n = len(units.codes)
    return pl.DataFrame({
        "origin": [origin] * n * len(METHODS), "horizon": [horizon] * n * len(METHODS),
        "method": np.repeat(METHODS, n), "unit_code": units.codes * len(METHODS), "unit": units.names * len(METHODS),
        "projected": np.concatenate([proj[m] for m in METHODS]),
        "lower80": np.concatenate([lo] + [np.full(n, np.nan)] * (len(METHODS) - 1)),
        "upper80": np.concatenate([hi] + [np.full(n, np.nan)] * (len(METHODS) - 1)),
    }).with_columns(pl.col("lower80", "upper80").fill_nan(None))


def backtest_methods(history: pl.DataFrame, origins, horizon: int, spec: dict | None = None,
                     actuals: str = "origin") -> tuple[pl.DataFrame, list[str]]:
    """Project from each origin with every method (each seeing only the history up to its origin) and compare
    with the units' figures at origin + horizon: on the origin's basis (`actuals="origin"`: census revisions
    and boundary transfers in between removed by the spec's link factors) or as published. Returns the frame
    with COLUMNS and notes."""
    spec = spec or read_backtest_spec()
    if actuals not in ("origin", "published"):
        raise SpecError(_("--actuals must be origin or published"))
    last = int(history["year"].max())
    frames, notes = [], []
    for origin in origins:
        target = origin + horizon
        if target > last:
            raise ComputationError(_("origin {origin} + horizon {horizon} = {target}: the database has figures up "
                                     "to {last} only", origin=origin, horizon=horizon, target=target, last=last))
        proj = project_methods(history.filter(pl.col("year") <= origin), origin, horizon, spec)
        units = origin_units(history, origin, *_years(history, origin - int(spec["window"]), target))
        if sorted(units.codes) != sorted(set(proj["unit_code"].to_list())):
            raise ComputationError(_("origin {origin}: the units of {target} cannot be matched to the origin's map "
                                     "({units})", origin=origin, target=target, units=", ".join(units.names)))
        linked, why = link_to_origin(units, origin, spec["breaks"], since=origin - int(spec["window"]))
        col = int(np.flatnonzero(units.years == target)[0])
        value = linked[:, col] if actuals == "origin" else units.values[:, col]
        if np.isnan(value).any():
            raise ComputationError(_("origin {origin}: no figure for 1 January {target} for {units}", origin=origin,
                                     target=target, units=", ".join(n for n, v in zip(units.names, value)
                                                                    if np.isnan(v))))
        act = pl.DataFrame({"unit_code": units.codes, "actual": value})
        frames.append(proj.join(act, on="unit_code").with_columns(
            error_pct=(pl.col("projected") / pl.col("actual") - 1) * 100))
        notes += [f"{origin}: {w}" for w in why if actuals == "origin" or w.startswith("history")]
    out = pl.concat(frames).select(COLUMNS)
    order = {m: i for i, m in enumerate(METHODS)}
    return out.sort(["origin", pl.col("method").replace_strict(order, return_dtype=pl.Int32), "unit_code"]), notes


def summarise(frame: pl.DataFrame) -> pl.DataFrame:
    """MAPE by origin and method, the mean over origins, and the 80% coverage where there are intervals."""
    inside = ((pl.col("actual") >= pl.col("lower80")) & (pl.col("actual") <= pl.col("upper80")))
    by = frame.group_by("origin", "method").agg(
        units=pl.len(), mape=pl.col("error_pct").abs().mean(), mean_error=pl.col("error_pct").mean(),
        inside80=inside.sum(), with_interval=pl.col("lower80").is_not_null().sum())
    return by.with_columns(
        coverage80=pl.when(pl.col("with_interval") > 0).then(pl.col("inside80") / pl.col("with_interval"))
    ).drop("with_interval").sort("origin", "method")


VARIANTS = {"mortality": ("national", "life_expectancy"), "fertility": ("held", "trend"), "migration": ("rate", "count")}


def measure_variants(history: pl.DataFrame, origins, horizon: int, spec: dict | None = None,
                     variants: dict | None = None, actuals: str = "origin") -> pl.DataFrame:
    """The model under every combination of its choices (spec model: mortality × fertility × migration), each with
    the normal and the Student-t interval quantile: MAPE per origin and the outcomes inside the 80% intervals.
    The table of docs/demography.md ("Every choice, measured")."""
    import copy
    import itertools

    spec = spec or read_backtest_spec()
    variants = variants or VARIANTS
    rows = []
    for combo in itertools.product(*variants.values()):
        chosen = dict(zip(variants, combo))
        for quantile in ("normal", "student_t"):
            s = copy.deepcopy(spec)
            s["model"].update(chosen)
            s["intervals"]["quantile"] = quantile
            frame, _notes = backtest_methods(history, origins, horizon, s, actuals=actuals)
            model = frame.filter(pl.col("method") == "aimaq")
            row = {**chosen, "quantile": quantile}
            for origin in origins:
                part = model.filter(pl.col("origin") == origin)
                row[f"mape_{origin}"] = part["error_pct"].abs().mean()
                row[f"inside80_{origin}"] = int(((part["actual"] >= part["lower80"])
                                                 & (part["actual"] <= part["upper80"])).sum())
            row["inside80"] = sum(row[f"inside80_{o}"] for o in origins)
            row["chosen"] = all(spec["model"].get(k) == v for k, v in chosen.items()) and \
                spec["intervals"].get("quantile", "normal") == quantile
            rows.append(row)
    return pl.DataFrame(rows)

"""Inputs of the Kazakhstan run built from package data (src/aimaq/data/demography) and the spec.

I/O lives in `read_*` functions; `build_*` functions are pure (frames/arrays + spec in, arrays out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from aimaq.demography.ages import graduate_mx_abridged, rogers_castro_shares, split_5_to_1, split_rates_5_to_1
from aimaq.demography.lifetable import life_table, scale_mx_to_e0, survival_ratios
from aimaq.demography.multiregional import fit_od_ipf, gravity_seed, internal_out_rates
from aimaq.errors import SpecError
from aimaq.i18n import _

AGES = 101
DATA = Path(str(resources.files("aimaq") / "data" / "demography"))
SPECS = Path(str(resources.files("aimaq") / "specs" / "demography"))


def read_spec(name: str = "kz_forecast_v1.yaml") -> dict:
    path = SPECS / name
    if not path.exists():
        raise SpecError(_("demography spec not found: {path}", path=path))
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("base_year", "horizon", "internal_migration", "scenarios", "uncertainty"):
        if key not in spec:
            raise SpecError(_("{file}: missing key «{key}»", file=path.name, key=key))
    if spec.get("migration_timing", "end") not in ("end", "even"):
        raise SpecError(_("{file}: migration_timing must be end or even", file=path.name))
    return spec


def _csv(name: str, **kw) -> pl.DataFrame:
    return pl.read_csv(DATA / name, infer_schema_length=None, **kw)


@lru_cache(maxsize=1)
def read_regions() -> pl.DataFrame:
    return _csv("regions.csv", schema_overrides={"code": pl.Utf8})


# ---------------------------------------------------------------- national rates (WPP 2024, scaled)


@dataclass
class NationalRates:
    years: np.ndarray  # projection steps: year t covers 1 Jan t .. 1 Jan t+1
    mx: np.ndarray  # (T, 2, A) single-year death rates
    asfr: np.ndarray  # (T, A)
    srb: np.ndarray  # (T,)
    tfr: np.ndarray  # (T,)
    e0: np.ndarray  # (T, 2) targets used
    intl: np.ndarray  # (T, 2, A) national net international migrants (persons)


def _wpp_e0(years: np.ndarray) -> np.ndarray:
    e = pl.concat([_csv("wpp2024_KAZ_e01dt.csv").select("year", "e0M", "e0F", "e0B"),
                   _csv("wpp2024_KAZ_e0proj1dt.csv").select("year", "e0M", "e0F", "e0B")])
    e = e.unique("year").sort("year")
    look = {r["year"]: (r["e0M"], r["e0F"], r["e0B"]) for r in e.iter_rows(named=True)}
    return np.array([look[int(y)] for y in years])


def _wpp_tfr(years) -> np.ndarray:
    t = pl.concat([_csv("wpp2024_KAZ_tfr1dt.csv").select("year", "tfr"),
                   _csv("wpp2024_KAZ_tfrproj1dt.csv").select("year", "tfr")]).unique("year")
    look = dict(zip(t["year"].to_list(), t["tfr"].to_list()))
    return np.array([look[int(y)] for y in years])


def _wpp_asfr(years, tfr) -> np.ndarray:
    p = pl.read_csv(DATA / "wpp2024_KAZ_percentASFR5.tsv", separator="\t", infer_schema_length=None)
    out = np.zeros((len(years), AGES))
    for k, y in enumerate(years):
        pct = p[str(int(y))].to_numpy() / 100.0  # groups 10-14 .. 50-54
        groups = np.zeros(13)  # 0-4 .. 60-64
        groups[2:11] = tfr[k] * pct / 5.0
        out[k, :65] = split_rates_5_to_1(groups)
    return out


def _wpp_mx(years) -> np.ndarray:
    m = _csv("wpp2024_KAZ_mx5dt.csv")
    order = ["0", "1"] + [str(a) for a in range(5, 100, 5)] + ["100+"]
    m = m.with_columns(pl.col("age").cast(pl.Utf8), mid=pl.col("period").str.slice(0, 4).cast(pl.Float64) + 2.5)
    mids = np.sort(m["mid"].unique().to_numpy())
    cube = np.empty((mids.size, 2, len(order)))
    for i, mid in enumerate(mids):
        f = m.filter(pl.col("mid") == mid)
        look = {r["age"]: (r["mxM"], r["mxF"]) for r in f.iter_rows(named=True)}
        cube[i] = np.array([look[a] for a in order]).T
    logc = np.log(cube)
    t = np.asarray(years, float) + 0.5
    out = np.empty((len(years), 2, len(order)))
    for s in range(2):
        for g in range(len(order)):
            out[:, s, g] = np.exp(np.interp(t, mids, logc[:, s, g]))
    return graduate_mx_abridged(out)


def _wpp_intl(years) -> np.ndarray:
    """National net international migrants by sex and single age, persons. WPP single ages exist from 2023;
    earlier years take WPP's annual total with the 2023–2027 mean age-sex profile."""
    a = _csv("wpp2024_KAZ_migprojAge1dt.csv")
    tot = pl.concat([_csv("wpp2024_KAZ_mig1dt.csv").select("year", "mig"),
                     _csv("wpp2024_KAZ_migproj1dt.csv").select("year", "mig")]).unique("year")
    totals = dict(zip(tot["year"].to_list(), tot["mig"].to_list()))
    first = int(a["year"].min())
    prof = a.filter(pl.col("year").is_between(first, first + 4)).group_by("age").agg(pl.col("migM").mean(), pl.col("migF").mean()).sort("age")
    profile = np.stack([prof["migM"].to_numpy(), prof["migF"].to_numpy()])
    gross = np.abs(profile).sum()
    out = np.empty((len(years), 2, AGES))
    for k, y in enumerate(years):
        if y >= first:
            f = a.filter(pl.col("year") == int(y)).sort("age")
            out[k] = np.stack([f["migM"].to_numpy(), f["migF"].to_numpy()]) * 1000.0
        else:
            # keep the profile's shape; shift it so that it sums to the year's total
            out[k] = (profile + (totals[int(y)] - profile.sum()) * np.abs(profile) / gross) * 1000.0
    return out


def build_national_rates(years, spec: dict) -> NationalRates:
    years = np.asarray(years)
    e0 = _wpp_e0(years)
    gap = spec["national"]["e0_both_2023"] - _wpp_e0(np.array([2023]))[0, 2]  # national level vs WPP level
    targets = e0[:, :2] + gap
    mx = _wpp_mx(years)
    mx = np.stack([scale_mx_to_e0(mx[:, s], sex, targets[:, s]) for s, sex in enumerate(("male", "female"))], axis=1)
    tfr = _wpp_tfr(years)
    asfr = _wpp_asfr(years, tfr)
    sr = _csv("wpp2024_KAZ_sexRatio1dt.csv")
    srb = np.array([dict(zip(sr["year"].to_list(), sr["srb"].to_list()))[int(y)] for y in years])
    return NationalRates(years, mx, asfr, srb, tfr, targets, _wpp_intl(years))


def survival_from_mx(mx: np.ndarray) -> np.ndarray:
    """(…, 2, A) mx → (…, 2, A) single-year survival ratios."""
    return np.stack([survival_ratios(life_table(mx[..., s, :], sex)) for s, sex in enumerate(("male", "female"))], axis=-2)


# ---------------------------------------------------------------- base population by region × area


def national_age_structure(year: float) -> np.ndarray:
    """(2, A) shares by sex and single age from WPP 2024 5-year populations (geometric interpolation between the
    decadal tables, Sprague split, 100+ open)."""
    p = _csv("wpp2024_KAZ_pop5_decadal.csv").filter(pl.col("series") == "population")
    lo = int(year // 10 * 10)
    hi = lo + 10
    w = (year - lo) / 10.0
    out = np.empty((2, AGES))
    for s, sex in enumerate(("Male", "Female")):
        a = p.filter((pl.col("year") == lo) & (pl.col("sex") == sex)).sort("age_start")["value"].to_numpy()
        b = p.filter((pl.col("year") == hi) & (pl.col("sex") == sex)).sort("age_start")["value"].to_numpy()
        g = np.exp((1 - w) * np.log(np.maximum(a, 1e-9)) + w * np.log(np.maximum(b, 1e-9)))
        out[s] = split_5_to_1(g)
    return out / out.sum()


def _broad_masks() -> dict[tuple[str, str], np.ndarray]:
    ages = np.arange(AGES)
    return {
        ("men", "0-15"): ages <= 15, ("men", "16-62"): (ages >= 16) & (ages <= 62), ("men", "63+"): ages >= 63,
        ("women", "0-15"): ages <= 15, ("women", "16-58"): (ages >= 16) & (ages <= 58), ("women", "59+"): ages >= 59,
    }


def build_base_population(regions: pl.DataFrame, pop2023: pl.DataFrame, broad: pl.DataFrame, national: np.ndarray):
    """(R, 2, A) population on 1 Jan 2023 by region: national single-age shape reshaped to each region's broad
    groups (ODK), scaled to BNS totals by sex."""
    masks = _broad_masks()
    out = np.empty((regions.height, 2, AGES))
    for i, r in enumerate(regions.iter_rows(named=True)):
        tot = pop2023.filter(pl.col("Region") == r["bns2023_name"]).row(0, named=True)
        b = broad.filter(pl.col("region") == r["odk_name"])
        for s, (sex, col) in enumerate((("men", "Males"), ("women", "Females"))):
            shape = national[s].copy()
            bs = b.filter(pl.col("sex") == sex)
            total = bs["value"].sum()
            for row in bs.iter_rows(named=True):
                mask = masks[(sex, row["age"])]
                shape[mask] *= (row["value"] / total) / shape[mask].sum()
            out[i, s] = shape / shape.sum() * tot[col]
    return out


def calibrate_urban_shares(regions: pl.DataFrame, totals: np.ndarray, national_share: float) -> np.ndarray:
    """Urban shares: review/definition values fixed; 'assumption' ones moved together on the logit scale so the
    national share equals `national_share` (bisection)."""
    share = regions["urban_share_2023"].to_numpy().astype(float)
    free = (regions["urban_share_source"] == "assumption").to_numpy()
    logit = np.log(share[free] / (1 - share[free]))
    lo, hi = -3.0, 3.0
    for _ in range(80):
        mid = (lo + hi) / 2
        s = share.copy()
        s[free] = 1 / (1 + np.exp(-(logit + mid)))
        if (s * totals).sum() / totals.sum() < national_share:
            lo = mid
        else:
            hi = mid
    s = share.copy()
    s[free] = 1 / (1 + np.exp(-(logit + (lo + hi) / 2)))
    return s


def fertility_multipliers(regions: pl.DataFrame, broad: pl.DataFrame, spec: dict, tfr_national: float,
                          women_exposure: np.ndarray) -> np.ndarray:
    """Regional TFR multipliers from the child-woman ratio (children 0-15 per woman 16-58), with the review's
    TFRs where given, normalised so the births-weighted mean multiplier is 1."""
    def cwr(name):
        b = broad.filter(pl.col("region") == name)
        kids = b.filter(pl.col("age") == "0-15")["value"].sum()
        women = b.filter((pl.col("sex") == "women") & (pl.col("age") == "16-58"))["value"].sum()
        return kids / women

    nat = cwr("Республика Казахстан")
    damp = spec["fertility"].get("multiplier_damping", 1.0)
    mult = np.array([(cwr(n) / nat) ** damp for n in regions["odk_name"].to_list()])
    fixed = np.zeros(regions.height, bool)
    for code, tfr in spec["fertility"].get("review_tfr", {}).items():
        i = regions["code"].to_list().index(str(code))
        mult[i] = tfr / tfr_national
        fixed[i] = True
    w = women_exposure
    free_scale = (w.sum() - (mult * w)[fixed].sum()) / (mult * w)[~fixed].sum()
    mult[~fixed] *= free_scale
    return mult


# ---------------------------------------------------------------- states and internal migration


@dataclass
class States:
    """The 37 region × area states: `region_index[s]`, `urban[s]` (bool)."""

    region_index: np.ndarray
    urban: np.ndarray
    codes: list[str]
    labels: list[str]

    @property
    def n(self) -> int:
        return self.region_index.size


def build_states(regions: pl.DataFrame) -> States:
    ri, urb, codes, labels = [], [], [], []
    for i, r in enumerate(regions.iter_rows(named=True)):
        areas = (True,) if r["kind"] == "city" else (True, False)
        for u in areas:
            ri.append(i)
            urb.append(u)
            codes.append(f"{r['code']}{'U' if u else 'R'}")
            labels.append(f"{r['name_ru']} ({'город' if u else 'село'})")
    return States(np.array(ri), np.array(urb), codes, labels)


def read_internal_migration(regions: pl.DataFrame, years) -> tuple[np.ndarray, np.ndarray]:
    """Mean yearly arrivals and departures by region over `years` (monthly files are summed)."""
    arr = np.zeros(regions.height)
    dep = np.zeros(regions.height)
    names = regions["migration_name"].to_list()
    for y in years:
        f = _csv(f"internal_migration_{y}.csv")
        f = f.filter(pl.col("month") == "Total") if "Total" in f["month"].to_list() else f
        g = f.group_by("region").agg(pl.col("arrivals").sum(), pl.col("departures").sum())
        look = {r["region"]: (r["arrivals"], r["departures"]) for r in g.iter_rows(named=True)}
        for i, n in enumerate(names):
            arr[i] += look[n][0]
            dep[i] += look[n][1]
    return arr / len(years), dep / len(years)


def build_internal_migration(states: States, regions: pl.DataFrame, base: np.ndarray, arrivals, departures,
                             spec: dict, urban_share: np.ndarray):
    """Out-migration rates (S, 2, A) and destination shares (S, S) for the states, plus the fitted regional OD
    matrix (R, R) and IPF diagnostics."""
    im = spec["internal_migration"]
    schedule = rogers_castro_shares(np.arange(AGES), im["rogers_castro"])
    reg_tot = base.sum(axis=(1, 2))
    lonlat = regions.select("lon", "lat").to_numpy()
    arrivals = np.asarray(arrivals, float) * departures.sum() / np.asarray(arrivals, float).sum()
    ipf = fit_od_ipf(departures, arrivals, gravity_seed(reg_tot, lonlat, distance_exponent=im["gravity_distance_exponent"]))
    od_share = ipf.flows / ipf.flows.sum(1, keepdims=True)
    S = states.n
    state_pop = np.empty((S, 2, AGES))
    for s in range(S):
        r = states.region_index[s]
        frac = urban_share[r] if states.urban[s] else 1 - urban_share[r]
        state_pop[s] = base[r] * frac
    # inter-regional departures of each state: its region's departures in proportion to population
    dep_state = np.array([departures[states.region_index[s]] * state_pop[s].sum() / reg_tot[states.region_index[s]]
                          for s in range(S)])
    rate_inter = internal_out_rates(state_pop, dep_state, schedule)
    rural = ~states.urban
    intra = np.where(rural, im["rural_to_urban_rate"] * state_pop.sum(axis=(1, 2)), 0.0)
    rate_intra = internal_out_rates(state_pop, intra, schedule)
    # destinations: region d's arrivals split to urban/rural by its urban share
    area_share = np.array([urban_share[states.region_index[d]] if states.urban[d] else 1 - urban_share[states.region_index[d]]
                           for d in range(S)])
    dest = np.zeros((S, S))
    for s in range(S):
        r = states.region_index[s]
        inter = od_share[r, states.region_index] * area_share
        w_inter = dep_state[s]
        w_intra = intra[s]
        row = inter * w_inter
        if w_intra > 0:
            urban_twin = np.flatnonzero((states.region_index == r) & states.urban)[0]
            row[urban_twin] += w_intra
        dest[s] = row / row.sum()
    return rate_inter + rate_intra, dest, ipf


@dataclass
class KazakhstanInputs:
    spec: dict
    regions: pl.DataFrame
    states: States
    years: np.ndarray  # projection steps (start years)
    base: np.ndarray  # (S, 2, A)
    rates: NationalRates
    sx: np.ndarray  # (T, 2, A) national survival ratios
    asfr: np.ndarray  # (T, S, A)
    fert_mult: np.ndarray  # (R,)
    out_rate: np.ndarray  # (S, 2, A)
    dest: np.ndarray  # (S, S)
    intl: np.ndarray  # (T, S, 2, A)
    urban_share: np.ndarray  # (R,) at the base date
    od_flows: np.ndarray  # (R, R)
    notes: list[str] = field(default_factory=list)


def build_kazakhstan_inputs(spec: dict | None = None, *, base_year: int | None = None, horizon: int | None = None,
                            base_override: np.ndarray | None = None) -> KazakhstanInputs:
    """Everything the default run needs, from package data. `base_override` (R, 2, A) replaces the 2023 base
    (used by the backtest)."""
    spec = spec or read_spec()
    base_year = base_year or spec["base_year"]
    horizon = horizon or spec["horizon"]
    regions = read_regions()
    pop2023 = _csv("bns_region_population_2023-01-01.csv")
    broad = _csv("odk_regions_age_sex_broad.csv")
    national = national_age_structure(base_year)
    base_reg = build_base_population(regions, pop2023, broad, national) if base_override is None else base_override
    totals = base_reg.sum(axis=(1, 2))
    urban = calibrate_urban_shares(regions, totals, spec["national"]["urban_share_2023"])
    states = build_states(regions)
    years = np.arange(base_year, horizon)
    rates = build_national_rates(years, spec)
    sx = survival_from_mx(rates.mx)
    fem = base_reg[:, 1, 15:50].sum(1)
    mult = fertility_multipliers(regions, broad, spec, float(rates.tfr[0]), fem)
    asfr = rates.asfr[:, None, :] * mult[states.region_index][None, :, None]
    arrivals, departures = read_internal_migration(regions, spec["internal_migration"]["years"])
    base_states = np.stack([base_reg[r] * (urban[r] if u else 1 - urban[r]) for r, u in zip(states.region_index, states.urban)])
    out_rate, dest, ipf = build_internal_migration(states, regions, base_reg, arrivals, departures, spec, urban)
    share = base_states.sum(axis=(1, 2)) / base_states.sum()
    intl = rates.intl[:, None, :, :] * share[None, :, None, None]
    notes = [f"IPF converged in {ipf.iterations} iterations (max margin error {ipf.max_error:.2g} persons)"]
    return KazakhstanInputs(spec, regions, states, years, base_states, rates, sx, asfr, mult, out_rate, dest, intl,
                            urban, ipf.flows, notes)

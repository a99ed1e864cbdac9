"""Scenarios, user levers and probabilistic trajectories over the Kazakhstan inputs (pure functions).

Scenario keys (spec `scenarios`): tfr_shift (children per woman added to the TFR path), international_scale,
internal_scale. Levers: `attractiveness` {region code: ±fraction}: arrivals into that region's states are
multiplied by (1 + x) and every origin's destination shares renormalised (departures unchanged).

Probabilistic draws (vectorised over D trajectories, built step by step):
- TFR: log TFR deviation d_t = φ·d_{t−1} + σ·ε_t around the scenario's path (AR(1));
- mortality: log-mx level deviation δ_t, AR(1) likewise; survival ratios recomputed from the life table;
- migration, year-to-year noise: internal out-rates and international counts × lognormal shocks exp(σ·ε − σ²/2)
  per draw, year and state (rates) or per draw and year (international);
- migration *level* (spec `uncertainty.migration_level`), drawn once per trajectory and kept for its whole
  horizon: each region's departures to other regions × exp(σ·z₁ − σ²/2) and its attractiveness as a destination
  × exp(σ·z₂ − σ²/2) (origins' destination shares renormalised, so internal flows still sum to zero), and a
  national net international migration level N(0, sd²) persons a year added to the scenario's counts, spread over
  cells in proportion to base population × the Rogers–Castro intensity of the age. A persistent multiplier on *gross* flows
  moves a region's *net* migration by about σ·√(arrivals² + departures²) a year, of either sign — unlike a
  multiplier on the net figure, which could not change its sign nor move a region whose net is near zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aimaq.demography.ages import rogers_castro_shares
from aimaq.demography.kazakhstan import AGES, KazakhstanInputs, survival_from_mx
from aimaq.demography.multiregional import MultiregionalResult, project_multiregional
from aimaq.errors import SpecError
from aimaq.i18n import _

SCENARIO_KEYS = {"tfr_shift", "international_scale", "internal_scale"}


@dataclass
class ScenarioArrays:
    name: str
    sx: np.ndarray  # (T, 2, A) — broadcast over states
    asfr: np.ndarray  # (T, S, A)
    srb: np.ndarray  # (T,)
    out_rate: np.ndarray  # (S, 2, A)
    dest: np.ndarray  # (S, S)
    intl: np.ndarray  # (T, S, 2, A)
    mx: np.ndarray  # (T, 2, A)
    # 0 switches off the persistent level shocks of a migration stream the scenario has switched off
    internal_level_on: bool = True
    international_level_on: bool = True


def scenario_arrays(k: KazakhstanInputs, name: str = "medium", levers: dict | None = None) -> ScenarioArrays:
    spec = k.spec["scenarios"]
    if name not in spec:
        raise SpecError(_("unknown scenario «{name}»; known: {known}", name=name, known=", ".join(spec)))
    sc = spec[name] or {}
    unknown = set(sc) - SCENARIO_KEYS
    if unknown:
        raise SpecError(_("scenario «{name}»: unknown keys {keys}", name=name, keys=", ".join(sorted(map(str, unknown)))))
    tfr = k.rates.tfr
    factor = np.maximum(tfr + sc.get("tfr_shift", 0.0), 0.0) / tfr
    asfr = k.asfr * factor[:, None, None]
    out_rate = k.out_rate * sc.get("internal_scale", 1.0)
    intl = k.intl * sc.get("international_scale", 1.0)
    dest = apply_attractiveness(k, (levers or {}).get("attractiveness", {}))
    # a scenario that switches a migration stream off also switches off its level uncertainty
    return ScenarioArrays(name, k.sx, asfr, k.rates.srb, out_rate, dest, intl, k.rates.mx,
                          internal_level_on=sc.get("internal_scale", 1.0) != 0.0,
                          international_level_on=sc.get("international_scale", 1.0) != 0.0)


def apply_attractiveness(k: KazakhstanInputs, changes: dict) -> np.ndarray:
    dest = k.dest.copy()
    codes = k.regions["code"].to_list()
    for code, x in changes.items():
        if str(code) not in codes:
            raise SpecError(_("attractiveness lever: unknown region code «{code}»", code=code))
        if x <= -1:
            raise SpecError(_("attractiveness change must be above -100%"))
        cols = k.states.region_index == codes.index(str(code))
        dest[:, cols] *= 1.0 + x
    return dest / dest.sum(1, keepdims=True)


def run_deterministic(k: KazakhstanInputs, sa: ScenarioArrays) -> MultiregionalResult:
    return project_multiregional(
        k.base, lambda t: sa.sx[t][None], sa.asfr, sa.srb, lambda t: sa.out_rate, sa.dest, sa.intl,
        migration=k.spec.get("migration_timing", "end"),
    )


def level_shocked_destinations(dest: np.ndarray, region_index: np.ndarray, dep_mult: np.ndarray,
                               arr_mult: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-draw internal migration levels. dest (S, S) baseline destination shares; dep_mult, arr_mult (D, R)
    multipliers on each region's departures to other regions and on its weight as a destination.

    Moves inside a region (rural → urban twin) keep their level. Returns (rate_mult (D, S): factor on each
    state's total out-migration rate, dest_d (D, S, S): destination shares per draw). Out-migration of a state
    is out_rate·rate_mult, so its departures to other regions are × dep_mult of its region exactly; its
    arrivals from a given origin are × arr_mult / (origin's mean arr_mult over its destinations). Assumes
    one age schedule for moves inside and between regions (true of the Kazakhstan inputs)."""
    same = region_index[:, None] == region_index[None, :]
    intra = np.where(same, dest, 0.0)  # (S, S)
    inter = np.where(same, 0.0, dest)
    w_inter = inter.sum(1)  # share of each state's movers leaving its region
    shaped = inter[None] * arr_mult[:, region_index][:, None, :]  # (D, S, S)
    norm = shaped.sum(-1, keepdims=True)
    shaped = np.divide(shaped, norm, out=np.zeros_like(shaped), where=norm > 0)
    dep_s = dep_mult[:, region_index]  # (D, S)
    rate_mult = w_inter[None] * dep_s + (1.0 - w_inter[None])
    flows = shaped * (w_inter[None] * dep_s)[..., None] + intra[None]
    dest_d = np.divide(flows, rate_mult[..., None], out=np.zeros_like(flows), where=rate_mult[..., None] > 0)
    return rate_mult, dest_d


def ar1_paths(rng: np.random.Generator, steps: int, draws: int, phi: float, sigma: float) -> np.ndarray:
    """(T, D) AR(1) deviations starting from 0 before the first step (vectorised over draws)."""
    eps = rng.standard_normal((steps, draws)) * sigma
    out = np.empty_like(eps)
    prev = np.zeros(draws)
    for t in range(steps):  # loop over years only, never over draws
        prev = phi * prev + eps[t]
        out[t] = prev
    return out


def broad_ages(pop: np.ndarray) -> np.ndarray:
    """(…, 2, A) → (…, 2, 4): ages 0-14, 15, 16-64, 65+ (so both 15-64 and 16+ ratios can be formed)."""
    return np.stack([pop[..., :15].sum(-1), pop[..., 15], pop[..., 16:65].sum(-1), pop[..., 65:].sum(-1)], axis=-1)


def run_draws(k: KazakhstanInputs, sa: ScenarioArrays, draws: int, *, seed: int | None = None,
              dtype=np.float32, keep=broad_ages, chunk: int = 50) -> MultiregionalResult:
    """D trajectories at once. With the default `keep`, pop is (T+1, D, S, 2, 4) broad-age totals
    (0-14, 15, 16-64, 65+); pass keep=None for full single-age detail."""
    u = k.spec["uncertainty"]
    rng = np.random.default_rng(u["seed"] if seed is None else seed)
    T = sa.sx.shape[0]
    S = k.states.n
    tfr_dev = np.exp(ar1_paths(rng, T, draws, u["tfr_ar1"]["phi"], u["tfr_ar1"]["sigma"]))  # (T, D)
    mort_dev = np.exp(ar1_paths(rng, T, draws, u["mortality_ar1"]["phi"], u["mortality_ar1"]["sigma"]))
    sig = u["migration_lognormal_sigma"]
    mig_int = np.exp(rng.standard_normal((T, draws, S)) * sig - sig**2 / 2).astype(dtype)
    mig_intl = np.exp(rng.standard_normal((T, draws)) * sig - sig**2 / 2).astype(dtype)
    # persistent migration levels: one draw per trajectory, kept over the horizon
    lv = u.get("migration_level") or {}
    R = k.regions.height
    z = rng.standard_normal((2, draws, R))
    s_dep = float(lv.get("departures_sigma", 0.0))
    s_arr = float(lv.get("arrivals_sigma", 0.0))
    dep_mult = np.exp(s_dep * z[0] - s_dep**2 / 2)
    arr_mult = np.exp(s_arr * z[1] - s_arr**2 / 2)
    if sa.internal_level_on and (s_dep or s_arr):
        rate_mult, dest_d = level_shocked_destinations(sa.dest, k.states.region_index, dep_mult, arr_mult)
    else:
        rate_mult, dest_d = np.ones((draws, S)), None
    rate_mult = rate_mult.astype(dtype)
    dest_d = None if dest_d is None else dest_d.astype(dtype)
    intl_sd = float(lv.get("international_sd", 0.0)) if sa.international_level_on else 0.0
    intl_level = rng.standard_normal(draws) * intl_sd  # persons a year, national
    # spread over cells as a rate: ∝ base population × Rogers–Castro intensity (so old, thin cohorts get little)
    sched = rogers_castro_shares(np.arange(AGES), k.spec["internal_migration"]["rogers_castro"])
    w = k.base * sched[None, None, :]
    intl_shape = (w / w.sum()).astype(dtype)  # (S, 2, A), sums to 1
    base = k.base.astype(dtype)
    out_rate = sa.out_rate.astype(dtype)
    asfr = sa.asfr.astype(dtype)
    intl = sa.intl.astype(dtype)
    # survival ratios for every year and draw at once: (T, D, 1, 2, A)
    sx_all = survival_from_mx(sa.mx[:, None] * mort_dev[:, :, None, None]).astype(dtype)[:, :, None]
    timing = k.spec.get("migration_timing", "end")
    parts = []
    # draws are independent: run them in cache-sized chunks, vectorised inside each chunk
    for lo in range(0, draws, chunk):
        sl = slice(lo, min(lo + chunk, draws))
        n = sl.stop - sl.start
        parts.append(project_multiregional(
            np.broadcast_to(base, (n,) + base.shape),
            lambda t, sl=sl: sx_all[t, sl],
            lambda t, sl=sl: asfr[t][None] * tfr_dev[t, sl].astype(dtype)[:, None, None],
            sa.srb,
            lambda t, sl=sl: out_rate[None] * (mig_int[t, sl] * rate_mult[sl])[:, :, None, None],
            sa.dest if dest_d is None else (lambda t, sl=sl: dest_d[sl]),
            lambda t, sl=sl: (intl[t][None] * mig_intl[t, sl][:, None, None, None]
                              + intl_level[sl].astype(dtype)[:, None, None, None] * intl_shape[None]),
            migration=timing,
            keep=keep,
        ))
    cat = lambda name: np.concatenate([getattr(p, name) for p in parts], axis=1)  # noqa: E731
    notes = sorted({n for p in parts for n in p.notes})
    return MultiregionalResult(cat("pop"), cat("births"), cat("deaths"), cat("internal_in"), cat("internal_out"),
                               cat("international"), cat("residual"), notes=notes)

def quantiles(values: np.ndarray, probs=(0.025, 0.1, 0.5, 0.9, 0.975), axis: int = 1) -> dict[float, np.ndarray]:
    q = np.quantile(values, probs, axis=axis)
    return dict(zip(probs, q))

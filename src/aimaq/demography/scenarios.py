"""Scenarios, user levers and probabilistic trajectories over the Kazakhstan inputs (pure functions).

Scenario keys (spec `scenarios`): tfr_shift (children per woman added to the TFR path), international_scale,
internal_scale. Levers: `attractiveness` {region code: ±fraction}: arrivals into that region's states are
multiplied by (1 + x) and every origin's destination shares renormalised (departures unchanged).

Probabilistic draws (vectorised over D trajectories, built step by step):
- TFR: log TFR deviation d_t = φ·d_{t−1} + σ·ε_t around the scenario's path (AR(1));
- mortality: log-mx level deviation δ_t, AR(1) likewise; survival ratios recomputed from the life table;
- migration: internal out-rates and international counts × lognormal shocks exp(σ·ε − σ²/2) per draw, year and
  state (rates) or per draw and year (international).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aimaq.demography.kazakhstan import KazakhstanInputs, survival_from_mx
from aimaq.demography.multiregional import MultiregionalResult, project_multiregional
from aimaq.errors import SpecError

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


def scenario_arrays(k: KazakhstanInputs, name: str = "medium", levers: dict | None = None) -> ScenarioArrays:
    spec = k.spec["scenarios"]
    if name not in spec:
        raise SpecError(f"unknown scenario {name!r}; known: {', '.join(spec)}")
    sc = spec[name] or {}
    unknown = set(sc) - SCENARIO_KEYS
    if unknown:
        raise SpecError(f"scenario {name!r}: unknown keys {sorted(unknown)}")
    tfr = k.rates.tfr
    factor = np.maximum(tfr + sc.get("tfr_shift", 0.0), 0.0) / tfr
    asfr = k.asfr * factor[:, None, None]
    out_rate = k.out_rate * sc.get("internal_scale", 1.0)
    intl = k.intl * sc.get("international_scale", 1.0)
    dest = apply_attractiveness(k, (levers or {}).get("attractiveness", {}))
    return ScenarioArrays(name, k.sx, asfr, k.rates.srb, out_rate, dest, intl, k.rates.mx)


def apply_attractiveness(k: KazakhstanInputs, changes: dict) -> np.ndarray:
    dest = k.dest.copy()
    codes = k.regions["code"].to_list()
    for code, x in changes.items():
        if str(code) not in codes:
            raise SpecError(f"attractiveness lever: unknown region code {code!r}")
        if x <= -1:
            raise SpecError("attractiveness change must be above -100%")
        cols = k.states.region_index == codes.index(str(code))
        dest[:, cols] *= 1.0 + x
    return dest / dest.sum(1, keepdims=True)


def run_deterministic(k: KazakhstanInputs, sa: ScenarioArrays) -> MultiregionalResult:
    return project_multiregional(
        k.base, lambda t: sa.sx[t][None], sa.asfr, sa.srb, lambda t: sa.out_rate, sa.dest, sa.intl,
        migration=k.spec.get("migration_timing", "end"),
    )


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
            lambda t, sl=sl: out_rate[None] * mig_int[t, sl][:, :, None, None],
            sa.dest,
            lambda t, sl=sl: intl[t][None] * mig_intl[t, sl][:, None, None, None],
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

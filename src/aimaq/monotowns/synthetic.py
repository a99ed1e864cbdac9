"""Seeded generator of town-level monotown data, calibrated to the review's published figures (pure).

Each indicator is drawn uniformly in [low, high] for every town; where the review publishes a town's value it
replaces the draw (marked published); where it publishes a mean over the monotowns, the drawn values of the
other towns are pulled affinely towards the level that makes the (population-weighted where asked) mean exact,
shrinking their spread only as much as needed to stay inside [low, high]. Population: prior weights (GeoNames
populations of the towns) scaled to the published total."""

from __future__ import annotations

import numpy as np
import polars as pl

from aimaq.errors import ComputationError


def scale_population(prior: np.ndarray, total: float) -> np.ndarray:
    """Town populations proportional to `prior`, summing to `total` (rounded to persons; remainder to the largest)."""
    prior = np.asarray(prior, dtype=float)
    if np.isnan(prior).any() or (prior <= 0).any():
        raise ComputationError("every monotown needs a positive prior population to scale to the published total")
    pop = np.round(prior / prior.sum() * total)
    pop[np.argmax(pop)] += total - pop.sum()
    return pop


def calibrate_mean(x: np.ndarray, fixed: np.ndarray, weights: np.ndarray, mean: float, low: float,
                   high: float, what: str = "") -> np.ndarray:
    """Move the free entries of x (fixed = False) so that sum(w·x)/sum(w) = mean, keeping the fixed entries and
    every free entry inside [low, high]: x_free = t + k (x_free − m), with m their weighted mean and k ≤ 1."""
    x = np.asarray(x, dtype=float).copy()
    free = ~np.asarray(fixed, dtype=bool)
    w = np.asarray(weights, dtype=float)
    if not free.any():
        raise ComputationError(f"{what}: every town is published; nothing left to calibrate")
    wf = w[free]
    t = (mean * w.sum() - (w[~free] * x[~free]).sum()) / wf.sum()
    if not low <= t <= high:
        raise ComputationError(f"{what}: the free towns would need a mean of {t:.3f}, outside [{low}, {high}]")
    dev = x[free] - (wf * x[free]).sum() / wf.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        k_hi = np.where(dev > 0, (high - t) / dev, np.inf)
        k_lo = np.where(dev < 0, (low - t) / dev, np.inf)
    k = min(1.0, float(np.min(k_hi)), float(np.min(k_lo)))
    x[free] = t + k * dev
    return x


def generate(towns: pl.DataFrame, published: pl.DataFrame, means: dict[str, float], population_total: float,
             spec: dict, seed: int, directions: dict[str, int] | None = None) -> pl.DataFrame:
    """towns: kato, population_prior (one row per town, in a fixed order); published: kato, indicator, value
    (indicator codes of the spec); means: indicator -> published mean over the monotowns; spec: the `synthetic`
    section. Returns kato, indicator, value, published (bool), synthetic (bool), including `population`."""
    rng = np.random.default_rng(seed)
    n = towns.height
    kato = towns["kato"].to_numpy()
    pop = scale_population(towns["population_prior"].to_numpy(), population_total)
    frames = [pl.DataFrame({"kato": kato, "indicator": "population", "value": pop,
                            "published": False, "synthetic": True})]
    # one block of draws, independent of the calibration: a town factor (towns differ in overall condition, with
    # the sign of each indicator's direction) plus noise, mapped to (0, 1) by the normal CDF
    from scipy.stats import norm

    rho = float(spec.get("town_factor_loading", 0.0))
    town = rng.standard_normal(n)
    noise = rng.standard_normal((len(spec["indicators"]), n))
    sign = np.array([(directions or {}).get(item["code"], 1) for item in spec["indicators"]], dtype=float)
    draws = norm.cdf(rho * sign[:, None] * town[None, :] + np.sqrt(1.0 - rho ** 2) * noise)
    for row, item in zip(draws, spec["indicators"]):
        code, low, high = item["code"], float(item["low"]), float(item["high"])
        x = low + (high - low) * row
        pub = published.filter(pl.col("indicator") == code)
        fixed = np.zeros(n, dtype=bool)
        if pub.height:
            lookup = dict(zip(pub["kato"], pub["value"]))
            fixed = np.array([k in lookup for k in kato])
            x = np.where(fixed, [lookup.get(k, np.nan) for k in kato], x)
        if code in means:
            weights = pop if item.get("weight") == "population" else np.ones(n)
            x = calibrate_mean(x, fixed, weights, means[code], low, high, what=code)
        frames.append(pl.DataFrame({"kato": kato, "indicator": code, "value": x, "published": fixed,
                                    "synthetic": ~fixed}))
    return pl.concat(frames)

"""Cohort-component projection with the UN Population Division's algebra (ccmppWPP `project_ccmpp_z_by_z`).

Arrays are numpy with the last two axes (sex, age); sex index 0 = male, 1 = female (`SEXES`). Any leading axes
(regions, draws, ...) broadcast, so one call projects many populations at once. Age groups have width `z`
equal to the step; the last group is open.

The algebra of one step (z = width of age groups = step length), exactly as in ccmppWPP:
- migration "end": migrants are added after births and deaths and do not affect them;
  "even": half of the net migrants of age x join at the start (and are exposed to death and to fertility),
  the other half is added at the end of the step to age x.
- survival: P'(x) = P(x-1)·S(x) for 1 ≤ x < open; P'(open) = (P(open-1) + P(open))·S(open);
  S(0) is the survival of births to age 0 at the end of the step.
- births: B = z · Σ_x asfr(x) · (Pf(x) + Pf'(x)) / 2 over x ≠ 0, open (start population migration-adjusted,
  end population before "end" migrants); female births B/(1+srb), male B − female.
- any end population below 0 is set to 0.0005 (as ccmppWPP and Abacus); the cells are counted and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aimaq.errors import ComputationError

SEXES = ("male", "female")
MIGRATION_ASSUMPTIONS = ("end", "even")
NEGATIVE_POPULATION_FLOOR = 0.0005
NEGATIVE_MIGRATION_RESIDUAL = 0.00001


@dataclass
class StepResult:
    """One projection step. Shapes: pop_end/deaths (..., 2, A); births_by_age (..., A); births (..., 2)."""

    pop_end: np.ndarray
    deaths: np.ndarray  # cohort deaths by sex and age at the end of the step
    births_by_age: np.ndarray  # births by age of mother
    births: np.ndarray  # births by sex (male, female)
    clamped_cells: int = 0  # end-population cells below zero, set to 0.0005


@dataclass
class Projection:
    """A run of steps. pop: (T+1, ..., 2, A) with pop[0] the base; births (T, ..., 2); deaths (T, ..., 2, A)."""

    pop: np.ndarray
    births: np.ndarray
    deaths: np.ndarray
    migration: np.ndarray  # the net migrant counts actually used (after the negative-population adjustment)
    clamped_cells: int = 0
    migration_adjusted_cells: int = 0
    notes: list[str] = field(default_factory=list)


def project_step(
    pop: np.ndarray,
    sx: np.ndarray,
    asfr: np.ndarray,
    srb,
    mig: np.ndarray | None = None,
    *,
    z: float = 1.0,
    migration: str = "end",
    deaths_by_age: bool = True,
) -> StepResult:
    """Project `pop` (…, 2, A) one step of `z` years. `sx` (…, 2, A) survival ratios indexed by the age reached,
    `asfr` (…, A) age-specific fertility rates per year, `srb` male/female births ratio (scalar or …),
    `mig` (…, 2, A) net migrant counts over the step by age at the end of the step.
    With `deaths_by_age=False` deaths are returned as totals by sex (…, 2), which saves memory passes."""
    if migration not in MIGRATION_ASSUMPTIONS:
        raise ComputationError(f"migration assumption must be one of {MIGRATION_ASSUMPTIONS}, not {migration!r}")
    pop = np.asarray(pop)
    if not np.issubdtype(pop.dtype, np.floating):
        pop = pop.astype(float)
    ftype = pop.dtype  # float32 populations stay float32 (fast Monte Carlo); everything else is float64
    nage = pop.shape[-1]
    if nage < 3:
        raise ComputationError("a projection needs at least three age groups (0, closed ones, open)")
    if pop.shape[-2] != 2:
        raise ComputationError(f"population must have a sex axis of length 2 before age, got shape {pop.shape}")
    sx = np.broadcast_to(np.asarray(sx, dtype=ftype), pop.shape)
    asfr = np.asarray(asfr, dtype=ftype)
    if asfr.shape[-1] != nage or sx.shape[-1] != nage:
        raise ComputationError("survival ratios, fertility rates and population must have the same ages")
    mig = np.zeros_like(pop) if mig is None else np.broadcast_to(np.asarray(mig, dtype=ftype), pop.shape)
    srb = np.asarray(srb, dtype=ftype)

    even = migration == "even"
    start = pop + mig / 2.0 if even else pop

    end = np.empty_like(start)
    end[..., 0] = 0.0  # set below from births; zero so the exposure sum never reads garbage
    np.multiply(start[..., :-1], sx[..., 1:], out=end[..., 1:])
    open_start = start[..., -2] + start[..., -1]
    end[..., -1] = open_start * sx[..., -1]
    if deaths_by_age:
        deaths = np.empty_like(start)
        deaths[..., 1:] = start[..., :-1] - end[..., 1:]
        deaths[..., -1] = open_start - end[..., -1]
    else:  # totals by sex only (…, 2): start − survivors
        deaths = start.sum(-1) - end[..., 1:].sum(-1)
    if even:
        end[..., 1:] += mig[..., 1:] / 2.0

    female = SEXES.index("female")
    exposure = (start[..., female, :] + end[..., female, :]) / 2.0
    births_by_age = ftype.type(z) * asfr * exposure
    births_by_age[..., 0] = 0.0
    births_by_age[..., -1] = 0.0
    total = births_by_age.sum(axis=-1)
    births_f = total * (1.0 / (1.0 + srb))
    births_m = total - births_f
    births = np.stack([births_m, births_f], axis=-1)

    end[..., 0] = births * sx[..., 0] + (mig[..., 0] / 2.0 if even else 0.0)
    if deaths_by_age:
        deaths[..., 0] = births * (1.0 - sx[..., 0])
    else:
        deaths = deaths + births * (1.0 - sx[..., 0])
    if not even:
        end += mig

    clamped = 0
    lowest = end.min()
    if not np.isfinite(lowest):
        raise ComputationError("projection produced non-finite population (check rates for NaN)")
    if lowest < 0:
        negative = end < 0
        clamped = int(negative.sum())
        end = np.where(negative, ftype.type(NEGATIVE_POPULATION_FLOOR), end)
    return StepResult(end, deaths, births_by_age, births, clamped)


def adjust_negative_migration(pop: np.ndarray, mig: np.ndarray) -> tuple[np.ndarray, int]:
    """ccmppWPP's guard: where P(x) + M(x) ≤ 0, set M(x) = 0.00001 − P(x). Returns (mig, cells changed)."""
    bad = pop + mig <= 0
    n = int(bad.sum())
    if n:
        mig = np.where(bad, NEGATIVE_MIGRATION_RESIDUAL - pop, mig)
    return mig, n


def project(
    base: np.ndarray,
    sx: np.ndarray,
    asfr: np.ndarray,
    srb: np.ndarray,
    mig: np.ndarray | None = None,
    *,
    z: float = 1.0,
    migration: str = "end",
    guard_migration: bool = True,
) -> Projection:
    """Loop `project_step` over T steps. Inputs carry a leading time axis: sx (T, …, 2, A), asfr (T, …, A),
    srb (T, …), mig (T, …, 2, A) or None."""
    sx = np.asarray(sx, dtype=float)
    steps = sx.shape[0]
    asfr = np.asarray(asfr, dtype=float)
    srb = np.asarray(srb, dtype=float)
    if asfr.shape[0] != steps or srb.shape[0] != steps:
        raise ComputationError("survival, fertility and sex ratio must cover the same number of steps")
    if mig is not None and np.asarray(mig).shape[0] != steps:
        raise ComputationError("migration must cover the same number of steps as survival")
    pops = [np.asarray(base, dtype=float)]
    births, deaths, migs = [], [], []
    clamped = adjusted = 0
    for t in range(steps):
        m = np.zeros_like(pops[-1]) if mig is None else np.broadcast_to(np.asarray(mig[t], float), pops[-1].shape)
        if guard_migration:
            m, n = adjust_negative_migration(pops[-1], m)
            adjusted += n
        r = project_step(pops[-1], sx[t], asfr[t], srb[t], m, z=z, migration=migration)
        pops.append(r.pop_end)
        births.append(r.births)
        deaths.append(r.deaths)
        migs.append(m)
        clamped += r.clamped_cells
    notes = []
    if clamped:
        notes.append(f"{clamped} end-population cells were negative and set to {NEGATIVE_POPULATION_FLOOR}")
    if adjusted:
        notes.append(f"{adjusted} migration cells would have emptied a cohort and were reduced")
    return Projection(np.stack(pops), np.stack(births), np.stack(deaths), np.stack(migs), clamped, adjusted, notes)

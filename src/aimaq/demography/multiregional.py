"""Multiregional cohort-component projection: states (region × urban/rural) linked by internal migration.

Array layout: population (…, S, 2, A) — optional leading axes (e.g. draws D), then states S, sex, age.
Each year, for every state s: internal out-migrants = out_rate[s, sex, age] × P[s, sex, age] (start of year);
they are sent to destination states in the proportions dest[s, :] (rows sum to 1, zero diagonal). Net internal
migration plus international net migration are then passed to the ccmppWPP step (`project_step`) as net
migrant counts by age at the end of the year, with the chosen timing ("end" or "even"). Internal flows sum to
zero over states, so the states add up to the country exactly (unless a cohort would go negative, which is
counted and reported).

Origin–destination flows come from IPF (`fit_od_ipf`) on a gravity seed, fitted to each region's arrivals and
departures; the age-sex profile of migrants is a Rogers–Castro schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aimaq.demography.ccmpp import NEGATIVE_MIGRATION_RESIDUAL, project_step
from aimaq.errors import ComputationError


def gravity_seed(pop: np.ndarray, lonlat: np.ndarray, *, distance_exponent: float = 1.0, min_km: float = 50.0):
    """Seed OD matrix P_i·P_j / d_ij^β (great-circle km, floored at `min_km`), zero diagonal."""
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    d = np.maximum(2 * 6371.0 * np.arcsin(np.sqrt(h)), min_km)
    seed = np.outer(pop, pop) / d**distance_exponent
    np.fill_diagonal(seed, 0.0)
    return seed


@dataclass
class IPFResult:
    flows: np.ndarray
    iterations: int
    max_error: float  # largest absolute gap between fitted and target margins (persons)


def fit_od_ipf(departures, arrivals, seed, *, tol: float = 1e-6, max_iter: int = 10_000) -> IPFResult:
    """Iterative proportional fitting of an OD matrix to row sums = departures, column sums = arrivals.
    Structural zeros of the seed (the diagonal) stay zero. Margins must have equal totals."""
    dep = np.asarray(departures, dtype=float)
    arr = np.asarray(arrivals, dtype=float)
    f = np.asarray(seed, dtype=float).copy()
    if f.shape != (dep.size, arr.size):
        raise ComputationError("seed must be departures × arrivals")
    if np.any(dep < 0) or np.any(arr < 0) or np.any(f < 0):
        raise ComputationError("IPF margins and seed must be non-negative")
    if not np.isclose(dep.sum(), arr.sum(), rtol=1e-9):
        raise ComputationError(f"departures ({dep.sum():.0f}) and arrivals ({arr.sum():.0f}) must have equal totals")
    err = np.inf
    for it in range(1, max_iter + 1):
        rs = f.sum(1)
        f *= np.divide(dep, rs, out=np.zeros_like(dep), where=rs > 0)[:, None]
        cs = f.sum(0)
        f *= np.divide(arr, cs, out=np.zeros_like(arr), where=cs > 0)[None, :]
        err = max(np.abs(f.sum(1) - dep).max(), np.abs(f.sum(0) - arr).max())
        if err < tol:
            return IPFResult(f, it, float(err))
    raise ComputationError(f"IPF did not converge in {max_iter} iterations (max margin error {err:.3g})")


@dataclass
class MultiregionalResult:
    """pop (T+1, …, S, 2, A); components per year (T, …, S): births, deaths, internal_in, internal_out,
    international; `residual` is any difference left by negative-population guards (normally 0)."""

    pop: np.ndarray
    births: np.ndarray
    deaths: np.ndarray
    internal_in: np.ndarray
    internal_out: np.ndarray
    international: np.ndarray
    residual: np.ndarray
    notes: list[str] = field(default_factory=list)

    def decomposition(self) -> dict[str, np.ndarray]:
        """Cumulative growth of each state split into natural increase, internal and international migration."""
        return {
            "growth": self.pop[-1].sum(axis=(-2, -1)) - self.pop[0].sum(axis=(-2, -1)),
            "natural_increase": (self.births - self.deaths).sum(0),
            "internal_migration": (self.internal_in - self.internal_out).sum(0),
            "international_migration": self.international.sum(0),
            "residual": self.residual.sum(0),
        }


def _check_dest(dest: np.ndarray) -> None:
    rows = dest.sum(-1)
    if not np.allclose(rows[rows > 0], 1.0, atol=1e-5 if dest.dtype == np.float32 else 1e-8):
        raise ComputationError("destination shares of each origin state must sum to 1")


def _at(x, t):
    return x(t) if callable(x) else x[t]


def project_multiregional(
    base: np.ndarray,
    sx: np.ndarray,
    asfr: np.ndarray,
    srb: np.ndarray,
    out_rate: np.ndarray,
    dest: np.ndarray,
    international: np.ndarray | None = None,
    *,
    migration: str = "end",
    keep=None,
) -> MultiregionalResult:
    """Project `base` (…, S, 2, A) for T years. Time-indexed inputs: sx (T, …, S, 2, A), asfr (T, …, S, A),
    srb (T, …) or (T, …, S); out_rate (T, …, S, 2, A) internal out-migration rates; dest (S, S) or (T, S, S)
    destination shares (a function of t may return (…, S, S), e.g. one matrix per draw); international
    (T, …, S, 2, A) net counts or None. Leading axes broadcast.
    Any time-indexed input may instead be a function of the step index t (to build draws step by step).
    `keep(pop)` reduces what is stored each year (default: everything); e.g. totals by broad age for draws."""
    steps = np.asarray(srb).shape[0]  # srb is always an array with the time axis first
    if not callable(dest):
        dest = np.asarray(dest, dtype=float)
        if dest.ndim == 2:
            dest = np.broadcast_to(dest, (steps,) + dest.shape)
        _check_dest(dest)
    pop = np.asarray(base)
    keep = keep or (lambda p: p)
    pops = [keep(pop)]
    comp = {k: [] for k in ("births", "deaths", "internal_in", "internal_out", "international", "residual")}
    clamped = adjusted = 0
    start_tot = pop.sum(axis=(-2, -1))
    for t in range(steps):
        out = _at(out_rate, t) * pop
        out_tot = out.sum(axis=(-2, -1))
        # inflow[..., d, x, a] = Σ_s dest[s, d] · out[..., s, x, a]  (batched BLAS matrix product)
        flat = out.reshape(out.shape[:-2] + (-1,))
        dest_t = np.asarray(_at(dest, t), dtype=pop.dtype)  # (S, S) or (…, S, S) per draw
        if callable(dest):
            _check_dest(dest_t)
        net = np.matmul(np.swapaxes(dest_t, -1, -2), flat).reshape(out.shape)
        in_tot = np.matmul(out_tot[..., None, :], dest_t)[..., 0, :]
        net -= out
        if international is None:
            intl_tot = np.zeros_like(out_tot)
        else:
            intl = _at(international, t)
            net += intl
            intl_tot = np.broadcast_to(intl, pop.shape).sum(axis=(-2, -1))
        # ccmppWPP's guard: net migration may not empty a cohort (P + M ≤ 0 → M = 0.00001 − P)
        after = pop + net
        if after.min() <= 0:
            bad = after <= 0
            adjusted += int(bad.sum())
            net = np.where(bad, NEGATIVE_MIGRATION_RESIDUAL - pop, net)
        net_tot = net.sum(axis=(-2, -1)) if adjusted else in_tot - out_tot + intl_tot
        srb_t = np.asarray(srb[t], float)
        if srb_t.ndim < pop.ndim - 2:  # one ratio for all states
            srb_t = srb_t[..., None] if srb_t.ndim else srb_t
        r = project_step(pop, _at(sx, t), _at(asfr, t), srb_t, net, migration=migration, deaths_by_age=False)
        clamped += r.clamped_cells
        births_tot = r.births.sum(-1)
        deaths_tot = r.deaths.sum(-1)
        end_tot = r.pop_end.sum(axis=(-2, -1))
        comp["births"].append(births_tot)
        comp["deaths"].append(deaths_tot)
        comp["internal_in"].append(in_tot)
        comp["internal_out"].append(out_tot)
        comp["international"].append(intl_tot)
        comp["residual"].append(end_tot - (start_tot + births_tot - deaths_tot + net_tot)
                                + (net_tot - (in_tot - out_tot + intl_tot)))
        pop = r.pop_end
        start_tot = end_tot
        pops.append(keep(pop))
    notes = []
    if clamped:
        notes.append(f"{clamped} negative end-population cells set to 0.0005")
    if adjusted:
        notes.append(f"{adjusted} migration cells reduced so that no cohort empties")
    return MultiregionalResult(np.stack(pops), *(np.stack(comp[k]) for k in comp), notes=notes)


def internal_out_rates(pop: np.ndarray, departures: np.ndarray, schedule: np.ndarray) -> np.ndarray:
    """Out-migration rates (S, 2, A) = k_s · schedule(age) with k_s chosen so that Σ rate·P = departures_s."""
    pop = np.asarray(pop, float)
    expected = (schedule[None, None, :] * pop).sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(expected > 0, np.asarray(departures, float) / expected, 0.0)
    rates = k[:, None, None] * schedule[None, None, :]
    if np.any(rates > 0.5):
        raise ComputationError("internal out-migration rate above 50% a year at some age: check departures")
    return np.broadcast_to(rates, pop.shape).copy()

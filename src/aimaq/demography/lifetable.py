"""Life tables from death rates (mx) and the survival ratios a projection needs.

Vectorised over leading axes: `mx` (..., A). Ages are single years (width 1, last group open), or abridged
(0, 1-4, 5-9, ..., open) with `abridged=True`, or equal width n (0-4, 5-9, ..., open) with `width=n`.

Formulas (Preston, Heuveline & Guillot 2001, ch. 3): nqx = n·m / (1 + (n − a)·m); open q = 1; lx radix 100 000;
nLx = n·l(x+n) + a·d(x); open L = l/m (or l·a_open when a_open is given, as WPP does); Tx, ex = T/l.
a for age 0: Andreev & Kingkade (2015) (default) or Coale & Demeny (Preston table 3.3); 4a1 Coale & Demeny for
abridged tables; otherwise n/2.
Survival ratios for a projection in steps of z = width: S(0) = L0 / (z·l0) (births to the first age group),
S(x) = L(x)/L(x−z), S(open) = T(open)/T(open−z) — as in WPP's life tables (lt_Sx).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aimaq.errors import ComputationError

RADIX = 100_000.0
A0_RULES = ("andreev_kingkade", "coale_demeny")


def a0_andreev_kingkade(m0: np.ndarray, sex: str) -> np.ndarray:
    m0 = np.asarray(m0, dtype=float)
    if sex == "male":
        return np.where(m0 < 0.02300, 0.14929 - 1.99545 * m0, np.where(m0 < 0.08307, 0.02832 + 3.26201 * m0, 0.29915))
    return np.where(m0 < 0.01724, 0.14903 - 2.05527 * m0, np.where(m0 < 0.06891, 0.04667 + 3.88089 * m0, 0.31411))


def a0_coale_demeny(m0: np.ndarray, sex: str) -> tuple[np.ndarray, np.ndarray]:
    """(1a0, 4a1) from Coale–Demeny West as tabulated by Preston et al. (2001, table 3.3)."""
    m0 = np.asarray(m0, dtype=float)
    if sex == "male":
        a0 = np.where(m0 >= 0.107, 0.330, 0.045 + 2.684 * m0)
        a1 = np.where(m0 >= 0.107, 1.352, 1.651 - 2.816 * m0)
    else:
        a0 = np.where(m0 >= 0.107, 0.350, 0.053 + 2.800 * m0)
        a1 = np.where(m0 >= 0.107, 1.361, 1.522 - 1.518 * m0)
    return a0, a1


@dataclass
class LifeTable:
    """Columns of a life table, each (..., A); `n` (A,) widths with inf for the open group."""

    age: np.ndarray
    n: np.ndarray
    mx: np.ndarray
    ax: np.ndarray
    qx: np.ndarray
    lx: np.ndarray
    dx: np.ndarray
    Lx: np.ndarray
    Tx: np.ndarray
    ex: np.ndarray

    @property
    def e0(self) -> np.ndarray:
        return self.ex[..., 0]


def life_table(
    mx,
    sex: str,
    *,
    width: int = 1,
    abridged: bool = False,
    ax=None,
    a0_rule: str = "andreev_kingkade",
    open_ax=None,
) -> LifeTable:
    """Life table from mx (..., A). `ax` overrides all a values (e.g. WPP's nAx, with the open group's a)."""
    if sex not in ("male", "female"):
        raise ComputationError(f"sex must be 'male' or 'female', not {sex!r}")
    if a0_rule not in A0_RULES:
        raise ComputationError(f"a0 rule must be one of {A0_RULES}")
    mx = np.asarray(mx, dtype=float)
    nage = mx.shape[-1]
    if np.any(~np.isfinite(mx)) or np.any(mx < 0):
        raise ComputationError("death rates must be finite and non-negative")
    if np.any(mx[..., -1] <= 0):
        raise ComputationError("the open age group needs a positive death rate")
    if abridged:
        n = np.array([1.0, 4.0] + [5.0] * (nage - 3) + [np.inf])
        age = np.concatenate([[0.0, 1.0], 5.0 * np.arange(1, nage - 1)])
    else:
        n = np.array([float(width)] * (nage - 1) + [np.inf])
        age = width * np.arange(nage, dtype=float)
    if ax is None:
        a = np.broadcast_to(np.where(np.isfinite(n), n / 2.0, 0.0), mx.shape).copy()
        if abridged or width == 1:
            if a0_rule == "coale_demeny":
                a0, a1 = a0_coale_demeny(mx[..., 0], sex)
                a[..., 0] = a0
                if abridged:
                    a[..., 1] = a1
            else:
                a[..., 0] = a0_andreev_kingkade(mx[..., 0], sex)
                if abridged:
                    a[..., 1] = a0_coale_demeny(mx[..., 0], sex)[1]
        a[..., -1] = 1.0 / mx[..., -1] if open_ax is None else np.asarray(open_ax, float)
    else:
        a = np.broadcast_to(np.asarray(ax, dtype=float), mx.shape).copy()
    nn = np.where(np.isfinite(n), n, 0.0)
    qx = np.ones_like(mx)
    qx[..., :-1] = nn[:-1] * mx[..., :-1] / (1.0 + (nn[:-1] - a[..., :-1]) * mx[..., :-1])
    qx = np.clip(qx, 0.0, 1.0)
    surv = np.cumprod(1.0 - qx, axis=-1)
    lx = RADIX * np.concatenate([np.ones(mx.shape[:-1] + (1,)), surv[..., :-1]], axis=-1)
    dx = lx * qx
    Lx = nn * lx - (nn - a) * dx
    Lx[..., -1] = lx[..., -1] * a[..., -1]
    Tx = np.flip(np.cumsum(np.flip(Lx, -1), axis=-1), -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ex = np.where(lx > 0, Tx / lx, 0.0)
    return LifeTable(age, n, mx, a, qx, lx, dx, Lx, Tx, ex)


def survival_ratios(lt: LifeTable, z: float | None = None) -> np.ndarray:
    """S(x) for a projection step z equal to the age width (single-year or equal-width tables).
    For an abridged table, 0 and 1-4 are merged into 0-4 first (z = 5)."""
    Lx, lx, Tx = lt.Lx, lt.lx, lt.Tx
    if lt.n[0] == 1 and len(lt.n) > 2 and lt.n[1] == 4:  # abridged: merge 0 and 1-4
        Lx = np.concatenate([Lx[..., :1] + Lx[..., 1:2], Lx[..., 2:]], axis=-1)
        Tx = np.concatenate([Tx[..., :1], Tx[..., 2:]], axis=-1)
        z = 5.0 if z is None else z
    z = float(lt.n[0]) if z is None else float(z)
    s = np.empty_like(Lx)
    s[..., 0] = Lx[..., 0] / (z * lx[..., 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        s[..., 1:-1] = np.where(Lx[..., :-2] > 0, Lx[..., 1:-1] / Lx[..., :-2], 0.0)
        s[..., -1] = np.where(Tx[..., -2] > 0, Tx[..., -1] / Tx[..., -2], 0.0)
    return s


def scale_mx_to_e0(mx: np.ndarray, sex: str, target_e0, *, iterations: int = 60, **lt_kwargs) -> np.ndarray:
    """Multiply mx (…, A) by one factor per leading index so that e0 equals `target_e0` (bisection on log k)."""
    target = np.asarray(target_e0, dtype=float)
    lo = np.full(np.broadcast(mx[..., 0], target).shape, -5.0)
    hi = np.full_like(lo, 5.0)
    for _ in range(iterations):
        mid = (lo + hi) / 2.0
        e0 = life_table(mx * np.exp(mid)[..., None], sex, **lt_kwargs).e0
        too_high = e0 > target  # e0 too high -> need more mortality -> raise k
        lo = np.where(too_high, mid, lo)
        hi = np.where(too_high, hi, mid)
    k = np.exp((lo + hi) / 2.0)
    if np.any(np.abs(k - np.exp(5.0)) < 1e-6) or np.any(np.abs(k - np.exp(-5.0)) < 1e-6):
        raise ComputationError("life expectancy target out of reach by scaling mortality")
    return mx * k[..., None]

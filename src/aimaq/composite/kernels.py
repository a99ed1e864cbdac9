"""Pure numeric kernels of the composite-indicator engine.

Every kernel works on numpy arrays with NaN for missing values and is vectorised over a leading batch axis, so
the same code serves one nominal run (batch of 1) and a Monte Carlo run (batch of draws). Conventions follow the
JRC's COINr (v1.1.x) wherever COINr has one; each function says which.
"""

from __future__ import annotations

import warnings

import numpy as np

from aimaq.errors import ComputationError
from aimaq.i18n import _

# ---------------------------------------------------------------------------------------------------------------
# moments


def skew_kurt(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sample skewness G1 and excess kurtosis G2 (type 2, as e1071/Excel/COINr) along the last axis, NaN skipped.

    Skewness needs >= 3 values and kurtosis >= 4, else NaN; a constant vector gives NaN for both.
    """
    x = np.asarray(x, dtype=float)
    ok = ~np.isnan(x)
    n = ok.sum(axis=-1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, x, 0.0).sum(axis=-1) / n
        d = np.where(ok, x - mean[..., None], 0.0)
        d2 = d * d
        s2 = d2.sum(axis=-1)
        s3 = (d2 * d).sum(axis=-1)
        s4 = (d2 * d2).sum(axis=-1)
        g1 = np.sqrt(n) * s3 / s2**1.5
        sk = g1 * np.sqrt(n * (n - 1)) / (n - 2)
        r = n * s4 / s2**2
        kt = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    sk = np.where(n >= 3, sk, np.nan)
    kt = np.where(n >= 4, kt, np.nan)
    # a constant vector: 0/0 -> NaN already; guard tiny float noise around a constant too
    return sk, kt


def fails_skew_kurt(sk: np.ndarray, kt: np.ndarray, skew_thresh: float, kurt_thresh: float) -> np.ndarray:
    """COINr's check_SkewKurt negated: an indicator needs treatment iff |skew| >= t_s AND kurtosis >= t_k.

    NaN statistics (fewer than 3-4 values, constant data) never fail: COINr returns such vectors untreated.
    """
    with np.errstate(invalid="ignore"):
        return (np.abs(sk) >= skew_thresh) & (kt >= kurt_thresh)


# ---------------------------------------------------------------------------------------------------------------
# outlier treatment


def winsorise(x: np.ndarray, winmax, skew_thresh: float = 2.0, kurt_thresh: float = 3.5):
    """COINr `winsorise()` on each row of `x` (rows = vectors, NaN allowed), vectorised over rows.

    While a row fails the skew/kurtosis test and fewer than `winmax` points were winsorised: if its current skew
    is >= 0 every point equal to the maximum takes the value of the largest remaining point, else every point equal
    to the minimum takes the smallest remaining one. As in COINr the count is (points at the last high step) +
    (points at the last low step), which is cumulative because winsorised points tie with the next one.
    `winmax` may be a scalar or one value per row (np.inf = no limit).
    Returns (treated x, number of winsorised points, final skew, final kurtosis).
    """
    x = np.array(x, dtype=float, copy=True)
    m = x.shape[0]
    wmax = np.broadcast_to(np.asarray(winmax, dtype=float), (m,))
    sk, kt = skew_kurt(x)
    last_hi = np.zeros(m, dtype=int)
    last_lo = np.zeros(m, dtype=int)
    active = fails_skew_kurt(sk, kt, skew_thresh, kurt_thresh) & (wmax > 0)
    for _ in range(x.shape[1] + 1):
        if not active.any():
            break
        rows = np.nonzero(active)[0]
        xr = x[rows]
        nan = np.isnan(xr)
        hi = sk[rows] >= 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mx = np.nanmax(xr, axis=1)
            mn = np.nanmin(xr, axis=1)
            is_max = xr == mx[:, None]
            is_min = xr == mn[:, None]
            next_hi = np.max(np.where(is_max | nan, -np.inf, xr), axis=1)
            next_lo = np.min(np.where(is_min | nan, np.inf, xr), axis=1)
        sel = np.where(hi[:, None], is_max, is_min)
        repl = np.where(hi, next_hi, next_lo)
        x[rows] = np.where(sel, repl[:, None], xr)
        cnt = sel.sum(axis=1)
        last_hi[rows[hi]] = cnt[hi]
        last_lo[rows[~hi]] = cnt[~hi]
        s2, k2 = skew_kurt(x[rows])
        sk[rows], kt[rows] = s2, k2
        nwin = last_hi[rows] + last_lo[rows]
        active[rows] = fails_skew_kurt(s2, k2, skew_thresh, kurt_thresh) & (nwin < wmax[rows])
    return x, last_hi + last_lo, sk, kt


def log_ct(x: np.ndarray) -> np.ndarray:
    """COINr `log_CT`: log(x - min(x) + 0.01 (max(x) - min(x))) per row, NaN skipped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mn = np.nanmin(x, axis=-1, keepdims=True)
        mx = np.nanmax(x, axis=-1, keepdims=True)
        return np.log(x - mn + 0.01 * (mx - mn))


TREAT_NONE, TREAT_WINSORISED, TREAT_LOG = 0, 1, 2


def treat_outliers(x: np.ndarray, winmax, skew_thresh: float = 2.0, kurt_thresh: float = 3.5):
    """COINr's default two-stage treatment, per row: winsorise up to `winmax` points; if the row still fails the
    skew/kurtosis test, log-transform (log_CT) the *original* values instead (COINr combine_treat = FALSE).

    Returns (treated, code per row (0 none, 1 winsorised, 2 log), winsorised points, skew/kurt before, after).
    """
    x = np.asarray(x, dtype=float)
    sk0, kt0 = skew_kurt(x)
    xw, nwin, sk1, kt1 = winsorise(x, winmax, skew_thresh, kurt_thresh)
    failed0 = fails_skew_kurt(sk0, kt0, skew_thresh, kurt_thresh)
    still = fails_skew_kurt(sk1, kt1, skew_thresh, kurt_thresh) & failed0
    out = np.where(still[:, None], log_ct(x), xw)
    code = np.where(still, TREAT_LOG, np.where(failed0, TREAT_WINSORISED, TREAT_NONE))
    if still.any():
        sk1[still], kt1[still] = skew_kurt(out[still])
    return out, code, np.where(still, 0, nwin), (sk0, kt0), (sk1, kt1)


# ---------------------------------------------------------------------------------------------------------------
# normalisation: every kernel takes rows = vectors already multiplied by their direction (COINr convention)


def _range(x, what):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mn = np.nanmin(x, axis=-1, keepdims=True)
        mx = np.nanmax(x, axis=-1, keepdims=True)
    if np.isnan(mn).any():
        raise ComputationError(_("{what}: an indicator has no data at all", what=what))
    return mn, mx


def norm_stats(method: str, x, target=None, *, what="normalise"):
    """The bounds a normalisation fits on `x` (rows = vectors, direction already applied; NaN skipped), each of
    shape (..., 1): minmax / dist2max -> min, max; zscore -> mean, sd (sample); fracmax -> max; dist2targ -> min,
    target; other methods -> {}. Constant or empty vectors are a ComputationError (no trustworthy bound)."""
    if method in ("minmax", "dist2max"):
        mn, mx = _range(x, what)
        if (mx == mn).any():
            raise ComputationError(_("{what}: an indicator is constant (max = min), min-max is undefined", what=what))
        return {"min": mn, "max": mx}
    if method == "zscore":
        _range(x, what)
        n = (~np.isnan(x)).sum(axis=-1, keepdims=True)
        if (n < 2).any():
            raise ComputationError(_("{what}: an indicator has fewer than 2 values, its sd is undefined", what=what))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            m = np.nanmean(x, axis=-1, keepdims=True)
            s = np.nanstd(x, axis=-1, ddof=1, keepdims=True)
        if (s == 0).any():
            raise ComputationError(_("{what}: an indicator is constant (sd = 0)", what=what))
        return {"mean": m, "sd": s}
    if method == "fracmax":
        _low, mx = _range(x, what)
        if (mx == 0).any():
            raise ComputationError(_("{what}: an indicator has max 0", what=what))
        return {"max": mx}
    if method == "dist2targ":
        mn, _high = _range(x, what)
        t = np.asarray(target, dtype=float).reshape(mn.shape)
        if np.isnan(t).any():
            raise ComputationError(_("{what}: an indicator has no target", what=what))
        if (t == mn).any():
            raise ComputationError(_("{what}: target equals the minimum, the distance is undefined", what=what))
        return {"min": mn, "target": t}
    return {}


def norm_apply(method: str, x, stats: dict, params: dict | None = None):
    """Apply fitted bounds (`norm_stats`, possibly fitted on other rows: a base year) to x (direction applied).
    Values outside the fitted range map outside the target range (no clipping, except dist2targ's `cap`)."""
    p = params or {}
    if method == "minmax":
        lower, upper = p.get("range", [0, 100])
        mn, mx = stats["min"], stats["max"]
        return (x - mn) / (mx - mn) * (upper - lower) + lower
    if method == "dist2max":
        mn, mx = stats["min"], stats["max"]
        return ((x - mn) / (mx - mn) * (1.0 - 0.0) + 0.0) * p.get("scale", 1.0)
    if method == "zscore":
        return (x - stats["mean"]) / stats["sd"] * p.get("sd", 1.0) + p.get("mean", 0.0)
    if method == "fracmax":
        return x / stats["max"] * p.get("scale", 1.0)
    if method == "dist2targ":
        t, mn = stats["target"], stats["min"]
        y = 1 - (t - x) / (t - mn)
        if p.get("cap", True):
            y = np.where(y > 1, 1.0, y)
        return y * p.get("scale", 1.0)
    raise ValueError(f"norm_apply: {method} has no bounds")


def norm_minmax(x, lower: float = 0.0, upper: float = 100.0, *, what="min-max"):
    """(x - min)/(max - min) * (upper - lower) + lower (COINr n_minmax). A constant vector is an error."""
    return norm_apply("minmax", x, norm_stats("minmax", x, what=what), {"range": [lower, upper]})


def norm_zscore(x, mean: float = 0.0, sd: float = 1.0, *, what="z-score"):
    """(x - mean(x))/sd(x) * sd + mean with the sample sd (n - 1), as COINr n_zscore."""
    return norm_apply("zscore", x, norm_stats("zscore", x, what=what), {"mean": mean, "sd": sd})


def rank_min(x, *, descending: bool = False):
    """Ranks along the last axis with ties sharing the lowest rank (R rank(ties.method = "min")); NaN stays NaN.

    Ascending: the smallest value has rank 1. Descending: the largest value has rank 1.
    """
    x = np.asarray(x, dtype=float)
    nan = np.isnan(x)
    if descending:
        x = -x
    # rank = 1 + number of (non-NaN) values strictly smaller
    less = (x[..., None, :] < x[..., :, None]) & ~nan[..., None, :]
    r = 1.0 + less.sum(axis=-1)
    return np.where(nan, np.nan, r)


def norm_rank(x, *, what="rank"):
    """Rank with ties = min, higher value -> higher rank (COINr n_rank)."""
    _range(x, what)
    return rank_min(x)


def norm_prank(x, scale: float = 1.0, *, what="percentile rank"):
    """(rank - 1)/(n - 1) * scale with ties = min (COINr n_prank gives 0..1)."""
    _range(x, what)
    n = (~np.isnan(x)).sum(axis=-1, keepdims=True)
    if (n < 2).any():
        raise ComputationError(_("{what}: an indicator has fewer than 2 values", what=what))
    return (rank_min(x) - 1) / (n - 1) * scale


def norm_dist2max(x, scale: float = 1.0, *, what="distance to max"):
    """1 - (max - x)/(max - min), times scale (COINr n_dist2max)."""
    return norm_apply("dist2max", x, norm_stats("dist2max", x, what=what), {"scale": scale})


def norm_dist2targ(x, target, scale: float = 1.0, cap: bool = True, *, what="distance to target"):
    """1 - (target - x)/(target - min(x)) times scale (COINr n_dist2targ); values beyond the target capped at 1 if
    `cap`. `target` is one value per row, already multiplied by the direction like x."""
    st = norm_stats("dist2targ", x, target, what=what)
    return norm_apply("dist2targ", x, st, {"scale": scale, "cap": cap})


def norm_goalposts(x_orig, lower, upper, direction, scale: float = 1.0, trunc: bool = True, *, what="goalposts"):
    """Goalposts in the indicator's own units: (x - worst)/(best - worst), where best is `upper` for direction +1
    and `lower` for -1; truncated to [0, 1] if `trunc`, times `scale`. Takes the *original* x (not direction-flipped).
    """
    lo = np.asarray(lower, dtype=float).reshape(-1, 1) if np.ndim(lower) else float(lower)
    hi = np.asarray(upper, dtype=float).reshape(-1, 1) if np.ndim(upper) else float(upper)
    d = np.asarray(direction, dtype=float).reshape(-1, 1) if np.ndim(direction) else float(direction)
    if np.any(np.asarray(hi) <= np.asarray(lo)):
        raise ComputationError(_("{what}: upper goalpost must exceed the lower one", what=what))
    y = np.where(d > 0, (x_orig - lo) / (hi - lo), (hi - x_orig) / (hi - lo))
    if trunc:
        y = np.clip(y, 0.0, 1.0)
    return y * scale


def norm_fracmax(x, scale: float = 1.0, *, what="fraction of max"):
    """x / max(x) times scale (COINr n_fracmax)."""
    return norm_apply("fracmax", x, norm_stats("fracmax", x, what=what), {"scale": scale})


# ---------------------------------------------------------------------------------------------------------------
# aggregation: x has shape (..., units, children), w has shape (..., children) broadcastable against x[..., 0, :]


def _weights(x, w):
    w = np.asarray(w, dtype=float)[..., None, :]
    ok = ~np.isnan(x)
    wm = np.where(ok, w, 0.0)
    sw = wm.sum(axis=-1)
    return ok, wm, sw


def agg_amean(x, w):
    """Weighted arithmetic mean; missing children are dropped and the remaining weights renormalised (COINr)."""
    ok, wm, sw = _weights(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, x * wm, 0.0).sum(axis=-1) / np.where(sw > 0, sw, np.nan)


def agg_gmean(x, w, *, what="geometric mean"):
    """Weighted geometric mean exp(sum w log x / sum w), NaN skipped; zero or negative values are an error."""
    if np.any(x <= 0):
        raise ComputationError(_("{what}: zero or negative values; normalise to a positive range (e.g. 1-100) first",
                                 what=what))
    ok, wm, sw = _weights(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        lx = np.log(np.where(ok, x, 1.0))
        return np.exp((wm * lx).sum(axis=-1) / np.where(sw > 0, sw, np.nan))


def agg_hmean(x, w, *, what="harmonic mean"):
    """Weighted harmonic mean sum w / sum (w/x), NaN skipped; zero values are an error (COINr a_hmean)."""
    if np.any(x == 0):
        raise ComputationError(_("{what}: zero values; normalise to a positive range first", what=what))
    ok, wm, sw = _weights(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sw > 0, sw, np.nan) / (wm / np.where(ok, x, 1.0)).sum(axis=-1)


def agg_genmean(x, w, p: float = 2.0, *, what="generalised mean"):
    """Weighted generalised (power) mean (sum w x^p / sum w)^(1/p) (COINr a_genmean); p = 0 is the geometric mean."""
    if p == 0:
        return agg_gmean(x, w, what=what)
    if p < 0 and np.any(x <= 0):
        raise ComputationError(_("{what}: zero or negative values with p < 0", what=what))
    ok, wm, sw = _weights(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (wm * np.where(ok, x, 1.0) ** p).sum(axis=-1) / np.where(sw > 0, sw, np.nan)
        return s ** (1.0 / p)


def agg_copeland(x, w):
    """Copeland scores as COINr a_copeland: with weights rescaled to sum 1, unit i gets, against every other unit j,
    the weight of the children where i > j plus half the weight where they tie; its score is the sum over j.
    Missing comparisons count as nothing. A unit missing everything gets NaN."""
    w = np.asarray(w, dtype=float)
    w = w / w.sum(axis=-1, keepdims=True)
    n_units = x.shape[-2]
    shape = x.shape[:-2] + (n_units, n_units)
    score = np.zeros(shape)
    for c in range(x.shape[-1]):
        xc = x[..., :, c]
        wc = w[..., c][..., None, None]
        gt = xc[..., :, None] > xc[..., None, :]
        eq = xc[..., :, None] == xc[..., None, :]
        score = score + wc * (gt + 0.5 * eq)
    idx = np.arange(n_units)
    score[..., idx, idx] = 0.0
    out = score.sum(axis=-1)
    allnan = np.isnan(x).all(axis=-1)
    return np.where(allnan, np.nan, out)


AGGREGATORS = {
    "amean": agg_amean,
    "gmean": agg_gmean,
    "hmean": agg_hmean,
    "genmean": agg_genmean,
    "copeland": agg_copeland,
}


# ---------------------------------------------------------------------------------------------------------------
# transforms, piecewise normalisation, AHP

TRANSFORMS = ("none", "log", "log1p", "sqrt")


def transform(x, method: str, *, what="transform"):
    """Monotone transform of raw values: log (natural; x > 0), log1p (x > -1), sqrt (x >= 0), none.
    A value outside the domain is a ComputationError (no silent NaN)."""
    x = np.asarray(x, dtype=float)
    if method == "none":
        return x.copy()
    low = {"log": 0.0, "log1p": -1.0, "sqrt": 0.0}.get(method)
    if low is None:
        raise ValueError(f"unknown transform {method!r}")
    bad = (x <= low) if method != "sqrt" else (x < 0)
    if np.any(bad & ~np.isnan(x)):
        raise ComputationError(_("{what}: {method} needs values {sign} {low}", what=what, method=method,
                                 sign=">=" if method == "sqrt" else ">", low=f"{low:g}"))
    return {"log": np.log, "log1p": np.log1p, "sqrt": np.sqrt}[method](x)


def norm_piecewise(x_orig, threshold, direction=1.0, scale: float = 1.0):
    """Threshold normalisation onto [0, 1): x / (2t) up to t, then 0.5 + 0.5 (1 - exp(-(x - t) / t)) — linear below
    the threshold, saturating above it, so extreme values (a smelter's air pollution) cannot stretch the scale.
    Direction -1 gives 1 - that. Takes the original x (not direction-flipped)."""
    t = np.asarray(threshold, dtype=float)
    if np.any(t <= 0):
        raise ComputationError(_("piecewise: the threshold must be positive"))
    with np.errstate(over="ignore"):
        y = np.where(x_orig <= t, x_orig / (2 * t), 0.5 + 0.5 * (1 - np.exp(-(x_orig - t) / t)))
    y = np.where(np.asarray(direction) < 0, 1 - y, y)
    return y * scale


# Saaty's random consistency indices for n = 1..10 (n <= 2 is always consistent)
AHP_RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}


def ahp_matrix(upper) -> np.ndarray:
    """The reciprocal pairwise-comparison matrix from its upper triangle given row by row
    ([[a12, a13, ...], [a23, ...], ...]); entries must be positive."""
    n = len(upper) + 1
    A = np.ones((n, n))
    for i, row in enumerate(upper):
        if len(row) != n - 1 - i:
            raise ValueError(f"row {i + 1} of the upper triangle needs {n - 1 - i} entries, got {len(row)}")
        for j, v in enumerate(row):
            v = float(v)
            if not v > 0:
                raise ValueError(f"comparison ({i + 1}, {i + 2 + j}) must be positive, got {v}")
            A[i, i + 1 + j] = v
            A[i + 1 + j, i] = 1.0 / v
    return A


def ahp_weights(A: np.ndarray) -> dict:
    """Principal-eigenvector weights of a pairwise-comparison matrix (summing to 1) with Saaty's consistency:
    lambda_max, CI = (lambda_max - n)/(n - 1), CR = CI / RI(n) (0 where RI is 0). CR > 0.1 is the usual limit."""
    n = A.shape[0]
    vals, vecs = np.linalg.eig(A)
    k = int(np.argmax(vals.real))
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    lam = float(vals[k].real)
    ci = (lam - n) / (n - 1) if n > 1 else 0.0
    ri = AHP_RANDOM_INDEX.get(n)
    if ri is None:
        raise ValueError(f"no random index for {n} criteria (at most 10)")
    cr = ci / ri if ri > 0 else 0.0
    return {"weights": w, "lambda_max": lam, "ci": ci, "cr": cr}

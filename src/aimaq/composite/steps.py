"""Pipeline steps: Denominate, Impute, Screen, Treat, Normalise, Aggregate.

Each step stores its parameters unchanged in `__init__`; `fit(data, spec)` validates them and sets fitted
attributes ending in `_`; `transform(data, spec)` returns new labelled `Data`. `get_params()` and `get_fitted()`
give plain dicts for the YAML log. The maths sits in `compute(X, data, spec, ...)` which works on a stack of
matrices X of shape (batch, rows, indicators), so Monte Carlo draws reuse exactly the code of the nominal run.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np

from aimaq.composite import kernels as K
from aimaq.composite.data import Data
from aimaq.composite.spec import IndexSpec
from aimaq.errors import ComputationError, SpecError
from aimaq.i18n import _


class Step:
    name = "step"

    def get_params(self) -> dict[str, Any]:
        sig = inspect.signature(type(self).__init__)
        return {p: _plain(getattr(self, p)) for p in sig.parameters if p != "self"}

    def get_fitted(self) -> dict[str, Any]:
        return {k: _plain(v) for k, v in vars(self).items() if k.endswith("_") and not k.startswith("_")}

    def fit(self, data: Data, spec: IndexSpec) -> Step:
        return self

    def load_fitted(self, fitted: dict[str, Any]) -> Step:
        """Take fitted values from a log so that a replay reuses them (normalisation bounds, aggregation weights);
        other steps refit, which on the same data gives the same result."""
        return self

    def transform(self, data: Data, spec: IndexSpec) -> Data:
        raise NotImplementedError

    def fit_transform(self, data: Data, spec: IndexSpec) -> Data:
        return self.fit(data, spec).transform(data, spec)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def _plain(v):
    """Numpy scalars/arrays and tuples -> plain Python for YAML."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.ndarray):
        return [_plain(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and np.isnan(v):
        return None
    return v


def _override(spec: IndexSpec, code: str, step: str):
    return spec.nodes[code].overrides.get(step) if code in spec.nodes else None


# ---------------------------------------------------------------------------------------------------------------


class Denominate(Step):
    """Divide indicators by a denominator column: x / (denominator / scale_factor), as COINr Denominate.

    `denominators` maps indicator -> denominator column; None takes each indicator's `denominator` from the spec.
    A zero denominator is an error; a missing one makes the value missing.
    """

    name = "denominate"

    def __init__(self, denominators: dict[str, str] | None = None):
        self.denominators = denominators

    def _pairs(self, spec: IndexSpec) -> dict[str, tuple[str, float]]:
        if self.denominators is None:
            return {c: (spec.nodes[c].denominator, spec.nodes[c].scale_factor)
                    for c in spec.indicators if spec.nodes[c].denominator}
        return {c: (d, spec.nodes[c].scale_factor if c in spec.nodes else 1.0) for c, d in self.denominators.items()}

    def fit(self, data, spec):
        pairs = self._pairs(spec)
        problems = [_("{code}: denominator «{denominator}» not in the data", code=c, denominator=d)
                    for c, (d, _scale) in pairs.items() if d not in data.denoms]
        problems += [_("{code}: not an indicator of the data", code=c) for c in pairs if c not in data.icodes]
        if problems:
            raise SpecError("denominate: " + "; ".join(problems))
        for c, (d, _scale) in pairs.items():
            den = data.denoms[d]
            bad = (den == 0) & ~np.isnan(data.column(c))
            if bad.any():
                raise ComputationError(_("denominate: {code} / {denominator} has a zero denominator for {units}",
                                         code=c, denominator=d, units=", ".join(map(str, data.units[bad]))))
        self.denominated_ = {c: d for c, (d, _) in pairs.items()}
        return self

    def compute(self, X, data, spec):
        X = np.array(X, dtype=float, copy=True)
        for c, (d, sf) in self._pairs(spec).items():
            j = data.icodes.index(c)
            X[..., j] = X[..., j] / (data.denoms[d] / sf)
        return X

    def transform(self, data, spec):
        return data.with_values(self.compute(data.X[None], data, spec)[0])


# ---------------------------------------------------------------------------------------------------------------

IMPUTE_METHODS = ("none", "mean", "median", "group_mean", "group_median", "latest", "linear", "knn")


class Impute(Step):
    """Fill missing values column by column.

    method: mean | median (over units, per year) | group_mean | group_median (over the units of the same `group`,
    per year; COINr i_mean_grp / i_median_grp) | latest (panel: last earlier value of the same unit, at most
    `max_time` years back) | linear (panel: linear interpolation between the unit's nearest earlier and later
    values; before the first / after the last value the nearest value is carried) | knn (k-nearest neighbours, as
    scikit-learn's KNNImputer: the unweighted mean of the `k` nearest units that have the value, distance NaN-aware
    Euclidean over `features` - indicator codes and other data columns such as denominators; default every
    indicator - on their raw scales, or z-scored first with `standardise: true`; per year for a panel) | none.
    Per-indicator override in the spec: `impute: {method: ..., group: ...}`. Cells that stay missing (e.g. a group
    with no data) are left missing and counted in `remaining_missing_`.
    """

    name = "impute"

    def __init__(self, method: str = "mean", group: str | None = None, max_time: int | None = None, k: int = 5,
                 features: list[str] | None = None, standardise: bool = False):
        self.method = method
        self.group = group
        self.max_time = max_time
        self.k = k
        self.features = features
        self.standardise = standardise

    def _plan(self, data, spec) -> dict[str, dict]:
        plan = {}
        for c in data.icodes:
            o = _override(spec, c, "impute") or {}
            if isinstance(o, str):
                o = {"method": o}
            m = {"method": o.get("method", self.method), "group": o.get("group", self.group),
                 "max_time": o.get("max_time", self.max_time)}
            if m["method"] not in IMPUTE_METHODS:
                raise SpecError(_("impute: unknown method «{method}» for {code} (known: {known})", method=m["method"],
                                  code=c, known=", ".join(IMPUTE_METHODS)))
            if m["method"].startswith("group_"):
                if not m["group"]:
                    raise SpecError(_("impute: method {method} needs a group column", method=m["method"]))
                if m["group"] not in data.groups:
                    raise SpecError(_("impute: group column «{group}» not in the data", group=m["group"]))
            if m["method"] in ("latest", "linear") and data.years is None:
                raise SpecError(_("impute: method {method} needs panel data (a year column)", method=m["method"]))
            if m["method"] == "knn":
                if not (isinstance(self.k, int) and self.k >= 1):
                    raise SpecError(_("impute: k must be a positive integer, got {k}", k=repr(self.k)))
                unknown = [f for f in self.features or [] if f not in data.icodes and f not in data.denoms]
                if unknown:
                    raise SpecError(_("impute: knn features {features} are neither indicators nor data columns",
                                      features=", ".join(map(str, unknown))))
            plan[c] = m
        return plan

    def fit(self, data, spec):
        self._plan(data, spec)
        out = self.compute(data.X[None], data, spec)[0]
        was = np.isnan(data.X)
        self.n_imputed_ = {c: int((was[:, j] & ~np.isnan(out[:, j])).sum()) for j, c in enumerate(data.icodes)
                           if was[:, j].any()}
        rem = np.isnan(out)
        self.remaining_missing_ = {c: int(rem[:, j].sum()) for j, c in enumerate(data.icodes) if rem[:, j].any()}
        return self

    def compute(self, X, data, spec):
        X = np.array(X, dtype=float, copy=True)
        plan = self._plan(data, spec)
        by_method: dict[tuple, list[int]] = {}
        for j, c in enumerate(data.icodes):
            m = plan[c]
            by_method.setdefault((m["method"], m["group"], m["max_time"]), []).append(j)
        for (method, group, max_time), cols in by_method.items():
            if method == "none":
                continue
            sub = X[..., cols]
            if method in ("mean", "median", "group_mean", "group_median"):
                f = np.nanmean if method.endswith("mean") else np.nanmedian
                keys = data.groups[group] if group and method.startswith("group_") else np.zeros(len(data.units))
                for rows in data.year_blocks():
                    for g in np.unique(keys[rows].astype(str)):
                        r = rows[keys[rows].astype(str) == g]
                        block = sub[..., r, :]
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore", RuntimeWarning)
                            fill = f(block, axis=-2, keepdims=True)
                        sub[..., r, :] = np.where(np.isnan(block), fill, block)
            elif method == "knn":
                sub = self._impute_knn(X, cols, data)
            else:
                sub = _impute_panel(sub, data, method, max_time)
            X[..., cols] = sub
        return X

    def _impute_knn(self, X, cols: list[int], data) -> np.ndarray:
        """The knn-imputed columns `cols` of the stack X (B, rows, k); features as in the class docstring (the
        imputed columns themselves are always among them)."""
        from sklearn.impute import KNNImputer

        names = list(self.features) if self.features else list(data.icodes)
        names += [data.icodes[j] for j in cols if data.icodes[j] not in names]
        out = np.array(X[..., cols], copy=True)
        for b in range(X.shape[0]):
            for rows in data.year_blocks():
                F = np.column_stack([X[b][rows, data.icodes.index(f)] if f in data.icodes else data.denoms[f][rows]
                                     for f in names])
                centre, spread = np.zeros(F.shape[1]), np.ones(F.shape[1])
                if self.standardise:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", RuntimeWarning)
                        centre, spread = np.nanmean(F, axis=0), np.nanstd(F, axis=0)
                    centre = np.nan_to_num(centre)
                    spread = np.where((spread > 0) & np.isfinite(spread), spread, 1.0)
                filled = KNNImputer(n_neighbors=self.k, keep_empty_features=True).fit_transform((F - centre) / spread)
                filled = filled * spread + centre
                for i, j in enumerate(cols):
                    f = names.index(data.icodes[j])
                    col = out[b, rows, i]
                    out[b, rows, i] = np.where(np.isnan(col), filled[:, f], col)
        return out

    def transform(self, data, spec):
        return data.with_values(self.compute(data.X[None], data, spec)[0])


def _impute_panel(sub, data: Data, method: str, max_time):
    """latest / linear over each unit's time series; sub has shape (B, rows, k)."""
    years = np.unique(data.years)
    units = np.unique(data.units.astype(str))
    uix = {u: i for i, u in enumerate(units)}
    yix = {y: i for i, y in enumerate(years)}
    ri = np.array([uix[str(u)] for u in data.units])
    ti = np.array([yix[y] for y in data.years])
    B, _, k = sub.shape
    grid = np.full((B, len(units), len(years), k), np.nan)
    grid[:, ri, ti, :] = sub
    T = len(years)
    yv = years.astype(float)
    out = grid.copy()
    ok = ~np.isnan(grid)
    # previous available index and next available index along time, vectorised with running max/min
    idx = np.arange(T).reshape(1, 1, T, 1)
    prev = np.where(ok, idx, -1)
    prev = np.maximum.accumulate(prev, axis=2)
    nxt = np.where(ok, idx, T)
    nxt = np.flip(np.minimum.accumulate(np.flip(nxt, axis=2), axis=2), axis=2)
    take = lambda a, i: np.take_along_axis(a, np.clip(i, 0, T - 1), axis=2)  # noqa: E731
    vprev, vnext = take(grid, prev), take(grid, nxt)
    has_prev, has_next = prev >= 0, nxt < T
    yprev = yv[np.clip(prev, 0, T - 1)]
    ynext = yv[np.clip(nxt, 0, T - 1)]
    ycur = yv.reshape(1, 1, T, 1)
    if method == "latest":
        fill = np.where(has_prev, vprev, np.nan)
        if max_time is not None:
            fill = np.where(ycur - yprev <= max_time, fill, np.nan)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = (ycur - yprev) / (ynext - yprev)
            lin = vprev + frac * (vnext - vprev)
        fill = np.where(has_prev & has_next, lin, np.where(has_prev, vprev, np.where(has_next, vnext, np.nan)))
    out = np.where(ok, grid, fill)
    return out[:, ri, ti, :]


# ---------------------------------------------------------------------------------------------------------------


class Screen(Step):
    """Drop indicators (columns) and units (rows) by data availability.

    Indicators first (only if `indicator_threshold` is set): an indicator whose availability - the share of rows
    (units, or unit-years of a panel, pooled) with a value - is below `indicator_threshold` is dropped from every
    row, unless listed in `indicator_force_include`. Its weight leaves the aggregation: its siblings' weights are
    renormalised among themselves, and an aggregate left with no indicator is dropped likewise.
    Then units, as COINr Screen, on the indicators that remain: by "na" (availability = share of non-missing
    indicators < `threshold` -> dropped), "zeros" (share of non-zero among available values < `nonzero_threshold`),
    "na_and_zeros" (either), "none". force_include / force_exclude override the rule for the listed unit codes.
    Logged: removed_units_, availability_ (per unit), and with indicator screening removed_indicators_ (code ->
    reason) and indicator_availability_.
    """

    name = "screen"

    def __init__(self, by: str = "na", threshold: float = 2 / 3, nonzero_threshold: float = 0.05,
                 force_include: list[str] | None = None, force_exclude: list[str] | None = None,
                 indicator_threshold: float | None = None, indicator_force_include: list[str] | None = None):
        self.by = by
        self.threshold = threshold
        self.nonzero_threshold = nonzero_threshold
        self.force_include = force_include
        self.force_exclude = force_exclude
        self.indicator_threshold = indicator_threshold
        self.indicator_force_include = indicator_force_include

    def _screen_indicators(self, data) -> np.ndarray:
        k = len(data.icodes)
        if self.indicator_threshold is None:
            self.cols_ = np.arange(k)
            return self.cols_
        t = self.indicator_threshold
        if not (isinstance(t, (int, float)) and 0 <= t <= 1):
            raise SpecError(_("screen: indicator_threshold must lie in [0, 1]"))
        unknown = [c for c in self.indicator_force_include or [] if c not in data.icodes]
        if unknown:
            raise SpecError(_("screen: indicator_force_include names unknown indicators {codes}",
                              codes=", ".join(map(str, unknown))))
        avail = (~np.isnan(data.X)).mean(axis=0) if len(data.units) else np.zeros(k)
        forced = np.isin(np.array(data.icodes, dtype=object), list(self.indicator_force_include or []))
        drop = (avail < t) & ~forced
        self.indicator_availability_ = {c: round(float(a), 6) for c, a in zip(data.icodes, avail)}
        self.removed_indicators_ = {c: f"availability {a:.4g} < {t:g}" for c, a, d in
                                    zip(data.icodes, avail, drop) if d}
        if drop.all():
            raise ComputationError(_("screen: every indicator has availability below {threshold}", threshold=t))
        self.cols_ = np.nonzero(~drop)[0]
        return self.cols_

    def fit(self, data, spec):
        if self.by not in ("na", "zeros", "na_and_zeros", "none"):
            raise SpecError(_("screen: unknown rule «{rule}»", rule=self.by))
        if not 0 <= self.threshold <= 1 or not 0 <= self.nonzero_threshold <= 1:
            raise SpecError(_("screen: thresholds must lie in [0, 1]"))
        cols = self._screen_indicators(data)
        self._n_indicators = len(data.icodes)
        X = data.X[:, cols]
        nan = np.isnan(X)
        k = X.shape[1]
        avail = 1 - nan.sum(axis=1) / k
        nzero = (X == 0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            nonzero = 1 - nzero / (k - nan.sum(axis=1))
        low_na = avail < self.threshold
        low_zero = nonzero < self.nonzero_threshold
        drop = {"na": low_na, "zeros": low_zero, "na_and_zeros": low_na | low_zero,
                "none": np.zeros(len(avail), bool)}[self.by]
        units = data.units.astype(str)
        if self.force_include:
            drop &= ~np.isin(units, list(self.force_include))
        if self.force_exclude:
            drop |= np.isin(units, list(self.force_exclude))
        self.keep_ = ~drop
        self.availability_ = {f"{u}" if data.years is None else f"{u}/{y}": round(float(a), 6)
                              for u, y, a in zip(units, data.years if data.years is not None else units, avail)}
        self.removed_units_ = sorted({str(u) for u in units[drop]})
        if self.keep_.sum() == 0:
            raise ComputationError(_("screen: every unit was screened out"))
        return self

    def compute(self, X, data=None, spec=None):
        """The kept rows and columns of a stack X (B, rows, k) (e.g. bootstrap replicates of the raw data)."""
        return np.asarray(X)[:, self.keep_][:, :, self.cols_]

    def transform(self, data, spec):
        if self.keep_.shape[0] != len(data.units) or self._n_indicators != len(data.icodes):
            self.fit(data, spec)
        out = data.subset_rows(self.keep_)
        if len(self.cols_) == len(data.icodes):
            return out
        return out.with_values(out.X[:, self.cols_], [data.icodes[j] for j in self.cols_])

    def get_fitted(self):
        out = {"removed_units_": self.removed_units_, "availability_": self.availability_}
        if self.indicator_threshold is not None:
            out["removed_indicators_"] = self.removed_indicators_
            out["indicator_availability_"] = self.indicator_availability_
        return out


# ---------------------------------------------------------------------------------------------------------------


class Treat(Step):
    """Outlier treatment, COINr-compatible (see kernels.treat_outliers): an indicator is treated only where
    |skew| >= skew_thresh and kurtosis >= kurt_thresh; winsorise up to `winmax` points (None = no limit), else
    log-transform the original values. Per year for a panel unless `pooled`. Per-indicator override in the spec:
    `treat: none` or `treat: {winmax: 3}`.
    """

    name = "treat"

    def __init__(self, winmax: int | None = 5, skew_thresh: float = 2.0, kurt_thresh: float = 3.5,
                 pooled: bool = False):
        self.winmax = winmax
        self.skew_thresh = skew_thresh
        self.kurt_thresh = kurt_thresh
        self.pooled = pooled

    def _winmax_per_col(self, data, spec, winmax=None) -> np.ndarray:
        base = self.winmax if winmax is None else winmax
        out = []
        for c in data.icodes:
            o = _override(spec, c, "treat")
            if o == "none" or o is False:
                out.append(-1.0)  # marker: skip
            elif isinstance(o, dict) and "winmax" in o:
                out.append(np.inf if o["winmax"] is None else float(o["winmax"]))
            else:
                out.append(np.inf if base is None else float(base))
        return np.array(out)

    def compute(self, X, data, spec, winmax=None, details=None):
        """X: (B, rows, k). `winmax` may be one value per batch member (array of shape (B,))."""
        X = np.asarray(X, dtype=float)
        B, _, k = X.shape
        out = X.copy()
        if winmax is None or np.ndim(winmax) == 0:
            wcol = np.broadcast_to(self._winmax_per_col(data, spec, winmax), (B, k))
        else:
            wb = np.asarray(winmax, dtype=float).reshape(B, 1)
            base = self._winmax_per_col(data, spec, 0)
            fixed = np.array([isinstance(_override(spec, c, "treat"), dict) for c in data.icodes])
            wcol = np.where(base < 0, -1.0, np.where(fixed, base, wb))
        active = wcol >= 0
        for rows in data.year_blocks(self.pooled):
            sub = X[:, rows, :]  # (B, r, k)
            vec = np.moveaxis(sub, 1, 2)  # (B, k, r)
            sel = vec[active]
            if sel.size == 0:
                continue
            t, code, nwin, before, after = K.treat_outliers(sel, wcol[active], self.skew_thresh, self.kurt_thresh)
            vec_out = vec.copy()
            vec_out[active] = t
            out[:, rows, :] = np.moveaxis(vec_out, 2, 1)
            if details is not None:
                details.append((rows, active, code, nwin, before, after))
        return out

    def fit(self, data, spec):
        details = []
        self.compute(data.X[None], data, spec, details=details)
        names = {K.TREAT_NONE: "none", K.TREAT_WINSORISED: "winsorised", K.TREAT_LOG: "log"}
        rep = {}
        for rows, active, code, nwin, (sk0, kt0), (sk1, kt1) in details:
            cols = [c for c, a in zip(data.icodes, active[0]) if a]
            yr = None if not data.is_panel or self.pooled else int(data.years[rows[0]])
            for i, c in enumerate(cols):
                if code[i] == K.TREAT_NONE:
                    continue
                key = c if yr is None else f"{c}/{yr}"
                rep[key] = {"method": names[int(code[i])], "n_winsorised": int(nwin[i]),
                            "skew": float(sk0[i]), "kurt": float(kt0[i]),
                            "skew_after": float(sk1[i]), "kurt_after": float(kt1[i])}
        self.treated_ = rep
        return self

    def transform(self, data, spec):
        return data.with_values(self.compute(data.X[None], data, spec)[0])


# ---------------------------------------------------------------------------------------------------------------


class Transform(Step):
    """Monotone transforms of indicators before normalisation: log (natural), log1p, sqrt, none (the default
    `method` for every indicator). Per-indicator override in the spec: `transform: log` - e.g. GRP per capita on a
    log scale, crimes per 100,000 by their square root. A value outside the transform's domain is an error naming
    the indicator and the units. Logged: transformed_ (code -> transform)."""

    name = "transform"

    def __init__(self, method: str = "none"):
        self.method = method

    def _plan(self, data, spec) -> dict[str, str]:
        plan = {}
        for c in data.icodes:
            o = _override(spec, c, "transform")
            m = (o.get("method") if isinstance(o, dict) else o) or self.method
            if m not in K.TRANSFORMS:
                raise SpecError(_("transform: unknown method «{method}» for {code} (known: {known})", method=m, code=c,
                                  known=", ".join(K.TRANSFORMS)))
            plan[c] = m
        return plan

    def fit(self, data, spec):
        self.transformed_ = {c: m for c, m in self._plan(data, spec).items() if m != "none"}
        return self

    def compute(self, X, data, spec):
        X = np.array(X, dtype=float, copy=True)
        plan = self._plan(data, spec)
        for j, c in enumerate(data.icodes):
            m = plan[c]
            if m == "none":
                continue
            try:
                X[..., j] = K.transform(X[..., j], m, what=f"transform {c}")
            except ComputationError as exc:
                col = np.asarray(X[..., j]).reshape(-1, len(data.units))[0]
                low = 0.0 if m != "log1p" else -1.0
                bad = data.units[(col < low) | ((col == low) & (m != "sqrt"))]
                raise ComputationError(_("{error} (units {units})", error=exc, units=", ".join(map(str, bad)))) from exc
        return X

    def transform(self, data, spec):
        return data.with_values(self.compute(data.X[None], data, spec)[0])


# ---------------------------------------------------------------------------------------------------------------

NORMALISE_METHODS = ("minmax", "zscore", "rank", "prank", "dist2targ", "dist2max", "goalposts", "fracmax",
                     "piecewise", "none")


def _norm_spec(method: str, params: dict | None):
    params = dict(params or {})
    if method not in NORMALISE_METHODS:
        raise SpecError(_("normalise: unknown method «{method}» (known: {known})", method=method,
                          known=", ".join(NORMALISE_METHODS)))
    return method, params


BOUNDED_METHODS = ("minmax", "dist2max", "zscore", "fracmax", "dist2targ", "goalposts")


def _to_own_units(m: str, st: dict, d: float) -> dict[str, float]:
    """Fitted bounds (of x * direction) -> the logged form, in the indicator's own units."""
    if m in ("minmax", "dist2max"):
        return {"worst": float(st["min"]) * d, "best": float(st["max"]) * d}
    if m == "zscore":
        return {"mean": float(st["mean"]) * d, "sd": float(st["sd"])}
    if m == "fracmax":
        return {"best": float(st["max"]) * d}
    if m == "dist2targ":
        return {"worst": float(st["min"]) * d, "target": float(st["target"]) * d}
    return {"lower": float(st["lower"]), "upper": float(st["upper"])}  # goalposts: own units already


def _from_own_units(m: str, b: dict, d: np.ndarray) -> dict[str, np.ndarray]:
    """Logged bounds (own units; one dict per indicator) -> arrays of x * direction, shape (1, k, 1)."""
    def col(key, flip=True):
        v = np.array([float(x[key]) for x in b], dtype=float).reshape(1, -1, 1)
        return v * d if flip else v

    try:
        if m in ("minmax", "dist2max"):
            return {"min": col("worst"), "max": col("best")}
        if m == "zscore":
            return {"mean": col("mean"), "sd": col("sd", flip=False)}
        if m == "fracmax":
            return {"max": col("best")}
        if m == "dist2targ":
            return {"min": col("worst"), "target": col("target")}
        return {"lower": col("lower", False), "upper": col("upper", False)}
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(_("normalise: logged bounds for {method} are incomplete ({error})", method=m, error=exc)) from exc


def _reference_rows(reference, data: Data) -> np.ndarray:
    """Row indices selected by `reference`: a year, a list of years, or {years: [...], units: [...]}."""
    if isinstance(reference, bool) or not isinstance(reference, (int, list, tuple, dict)):
        raise SpecError(_("normalise: reference must be a year, a list of years or a mapping of years and units, "
                          "got {reference}", reference=repr(reference)))
    ref = {"years": reference} if not isinstance(reference, dict) else dict(reference)
    unknown = set(ref) - {"years", "units"}
    if unknown:
        raise SpecError(_("normalise: unknown reference keys {keys} (known: years, units)",
                          keys=", ".join(sorted(map(str, unknown)))))
    mask = np.ones(len(data.units), dtype=bool)
    years = ref.get("years")
    if years is not None:
        years = [years] if isinstance(years, int) else list(years)
        if data.years is None:
            raise SpecError(_("normalise: a reference year needs panel data (a year column)"))
        absent = [y for y in years if y not in set(data.years.tolist())]
        if absent:
            raise SpecError(_("normalise: reference years {years} are not in the data", years=", ".join(map(str, absent))))
        mask &= np.isin(data.years, years)
    units = ref.get("units")
    if units is not None:
        units = [str(u) for u in ([units] if isinstance(units, str) else units)]
        have = set(data.units.astype(str).tolist())
        absent = [u for u in units if u not in have]
        if absent:
            raise SpecError(_("normalise: reference units {units} are not in the data", units=", ".join(map(str, absent))))
        mask &= np.isin(data.units.astype(str), units)
    if not mask.any():
        raise SpecError(_("normalise: the reference selects no rows"))
    return np.nonzero(mask)[0]


class Normalise(Step):
    """Bring indicators onto a common scale, after flipping direction -1 indicators (x * direction, as COINr).

    method (params): minmax (range: [0, 100]) | zscore (mean: 0, sd: 1; sample sd) | rank | prank (scale: 1) |
    dist2targ (scale: 1, cap: true; target from the spec) | dist2max (scale: 1) | goalposts (scale: 1,
    trunc: true; goalposts [lower, upper] from the spec, in the indicator's own units; either end may be "min" /
    "max": fitted on the data like min-max, e.g. [65, max] for life expectancy) | fracmax | piecewise (threshold:
    t, scale: 1; x/(2t) up to t, then 0.5 + 0.5 (1 - exp(-(x - t)/t)); 1 - that for direction -1) | none.
    Where the bounds (min/max, mean/sd, ...) are fitted: per year for a panel (default), on all rows (`pooled`),
    or on the `reference` rows only - a base year (`reference: 2020`), several years, or
    `{years: [...], units: [...]}` - and applied to every row, so scores are comparable over time.
    The fitted bounds are logged (`bounds_`, in the indicators' own units: worst/best, mean/sd, ...) and a log
    replay (`CompositeIndex.from_log`) applies them instead of refitting.
    Per-indicator override in the spec: `normalise: {method: goalposts, params: {scale: 10}}`.
    """

    name = "normalise"

    def __init__(self, method: str = "minmax", params: dict | None = None, pooled: bool = False,
                 reference: Any = None):
        self.method = method
        self.params = params
        self.pooled = pooled
        self.reference = reference

    def _plan(self, data, spec, method=None, params=None):
        base = _norm_spec(method or self.method, self.params if params is None else params)
        plan = {}
        for c in data.icodes:
            o = _override(spec, c, "normalise")
            if o:
                if isinstance(o, str):
                    o = {"method": o}
                plan[c] = _norm_spec(o.get("method", base[0]), o.get("params", {}))
            else:
                plan[c] = base
        return plan

    def _blocks(self, data) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """(key, rows the bounds are fitted on, rows they are applied to)."""
        if self.reference is not None:
            return [("all", _reference_rows(self.reference, data), np.arange(len(data.units)))]
        if self.pooled or not data.is_panel:
            rows = np.arange(len(data.units))
            return [("all", rows, rows)]
        return [(str(int(data.years[r[0]])), r, r) for r in data.year_blocks()]

    def compute(self, X, data, spec, method=None, params=None, bounds=None, fitted=None):
        """Normalise a stack X (B, rows, k). Bounds are fitted on X (per batch member) unless `bounds` (the logged
        form, {block: {code: {...}}}) is given; `fitted` (a dict) receives the bounds of batch member 0."""
        X = np.asarray(X, dtype=float)
        out = np.empty_like(X)
        plan = self._plan(data, spec, method, params)
        groups: dict[str, list[int]] = {}
        for j, c in enumerate(data.icodes):
            m, p = plan[c]
            groups.setdefault(repr((m, sorted(p.items()))), []).append(j)
        dirs = np.array([spec.nodes[c].direction if c in spec.nodes else 1 for c in data.icodes], dtype=float)
        blocks = self._blocks(data)
        if self.reference is not None:
            bad = sorted({plan[c][0] for c in data.icodes} & {"rank", "prank"})
            if bad:
                raise SpecError(_("normalise: {methods} rank within each year and have no bounds to fit on a "
                                  "reference; use minmax, zscore, dist2max, dist2targ, fracmax or goalposts",
                                  methods=", ".join(bad)))
        for key, cols in groups.items():
            m, p = plan[data.icodes[cols[0]]]
            codes = [data.icodes[j] for j in cols]
            what = f"normalise {m} ({', '.join(codes[:3])}{'...' if len(codes) > 3 else ''})"
            d = dirs[cols].reshape(1, -1, 1)
            ccols = np.array(cols)
            for bkey, fit_rows, rows in blocks:
                sub = np.ascontiguousarray(np.moveaxis(X[:, rows][:, :, cols], 1, 2))  # (B, kc, r)
                logged = None
                if bounds is not None and m in BOUNDED_METHODS:
                    block = bounds.get(bkey)
                    if block is None or any(c not in block for c in codes):
                        missing = [c for c in codes if block is None or c not in block]
                        raise ComputationError(_("{what}: no logged bounds for {codes} in block «{block}»", what=what,
                                                 codes=missing, block=bkey))
                    logged = _from_own_units(m, [block[c] for c in codes], d)
                if m == "goalposts":
                    if logged is not None:
                        lo, hi = logged["lower"], logged["upper"]
                    else:
                        lo, hi = p.get("lower"), p.get("upper")
                        if lo is None or hi is None:
                            gp = [spec.nodes[c].goalposts for c in codes]
                            if any(g is None for g in gp):
                                raise SpecError(_("{what}: goalposts missing in the spec for some indicator", what=what))
                            lo, hi = _goalposts_bounds(gp, sub if fit_rows is rows else np.ascontiguousarray(
                                np.moveaxis(X[:, fit_rows][:, :, cols], 1, 2)), what)
                    y = _goalposts_batched(sub, lo, hi, d, p.get("scale", 1.0), p.get("trunc", True), what)
                    kshape = (np.shape(lo)[0] if np.ndim(lo) == 3 else 1, len(cols), 1)
                    st = {"lower": np.broadcast_to(lo, kshape), "upper": np.broadcast_to(hi, kshape)}
                elif m == "piecewise":
                    if not p.get("threshold"):
                        raise SpecError(_("{what}: piecewise needs params with a threshold", what=what))
                    y = K.norm_piecewise(sub, float(p["threshold"]), d, p.get("scale", 1.0))
                    st = {}
                else:
                    xs = sub * d
                    st = {}
                    if m in BOUNDED_METHODS:
                        if logged is not None:
                            st = logged
                        else:
                            fit = sub * d if fit_rows is rows else np.ascontiguousarray(
                                np.moveaxis(X[:, fit_rows][:, :, cols], 1, 2)) * d
                            target = None
                            if m == "dist2targ":
                                t = ([spec.nodes[c].target for c in codes] if "target" not in p
                                     else [p["target"]] * len(codes))
                                if any(v is None for v in t):
                                    raise SpecError(_("{what}: target missing in the spec for some indicator", what=what))
                                target = np.broadcast_to(np.array(t, float).reshape(1, -1, 1) * d,
                                                         fit.shape[:2] + (1,))
                            try:
                                st = K.norm_stats(m, fit, target, what=what)
                            except ComputationError as exc:
                                raise ComputationError(_name_culprit(str(exc), fit, codes)) from exc
                        y = K.norm_apply(m, xs, st, p)
                    else:
                        try:
                            if m == "rank":
                                y = K.norm_rank(xs, what=what)
                            elif m == "prank":
                                y = K.norm_prank(xs, p.get("scale", 1.0), what=what)
                            else:  # none
                                y = xs.copy()
                        except ComputationError as exc:
                            raise ComputationError(_name_culprit(str(exc), xs, codes)) from exc
                out[:, rows[:, None], ccols[None, :]] = np.moveaxis(y, 1, 2)
                if fitted is not None and st:
                    blk = fitted.setdefault(bkey, {})
                    for i, c in enumerate(codes):
                        blk[c] = _to_own_units(m, {k: v[0, i, 0] for k, v in st.items()}, float(dirs[cols[i]]))
        return out

    def load_fitted(self, fitted: dict[str, Any]) -> Normalise:
        """Freeze the bounds of a log (`bounds_`): fit() then applies them instead of refitting."""
        b = (fitted or {}).get("bounds_")
        self._frozen = {str(k): v for k, v in b.items()} if b else None
        return self

    def fit(self, data, spec):
        plan = self._plan(data, spec)
        self.methods_ = {c: {"method": m, "params": p} for c, (m, p) in plan.items()
                         if (m, p) != _norm_spec(self.method, self.params)}
        if self.reference is not None:
            self.reference_rows_ = int(len(_reference_rows(self.reference, data)))
        fitted: dict[str, dict] = {}
        self.compute(data.X[None], data, spec, bounds=getattr(self, "_frozen", None), fitted=fitted)
        self.bounds_ = fitted
        return self

    def transform(self, data, spec):
        return data.with_values(self.compute(data.X[None], data, spec, bounds=self.bounds_ or None)[0])


def _goalposts_bounds(gp: list, fit: np.ndarray, what: str):
    """Lower and upper goalposts of shape (B, k, 1) (or (1, k, 1) when all are numbers): "min" / "max" ends are
    fitted on `fit` (B, k, rows) per batch member."""
    B, k = fit.shape[0], fit.shape[1]
    lo = np.empty((B, k, 1))
    hi = np.empty((B, k, 1))
    for i, (a, b) in enumerate(gp):
        for arr, v in ((lo, a), (hi, b)):
            if v in ("min", "max"):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    vals = (np.nanmin if v == "min" else np.nanmax)(fit[:, i, :], axis=-1)
                if np.isnan(vals).any():
                    raise ComputationError(_("{what}: no values to fit the {end} goalpost", what=what, end=v))
                arr[:, i, 0] = vals
            else:
                arr[:, i, 0] = float(v)
    if all(isinstance(v, (int, float)) for g in gp for v in g):
        return lo[:1], hi[:1]
    return lo, hi


def _goalposts_batched(sub, lo, hi, d, scale, trunc, what):
    """K.norm_goalposts for each batch member (sub: (B, k, rows); lo, hi: (1 or B, k, 1))."""
    lo = np.broadcast_to(lo, (sub.shape[0],) + lo.shape[1:])
    hi = np.broadcast_to(hi, (sub.shape[0],) + hi.shape[1:])
    return np.stack([K.norm_goalposts(sub[b], lo[b, :, 0], hi[b, :, 0], d[0, :, 0], scale, trunc, what=what)
                     for b in range(sub.shape[0])])


def _name_culprit(msg, arr, codes):
    """Add the indicator codes that are constant / empty to an error message (arr: (B, k, r))."""
    bad = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rows = np.asarray(arr)[0]
        for c, r in zip(codes, rows):
            if np.isnan(r).all() or np.nanmax(r) == np.nanmin(r):
                bad.append(c)
    return msg + (f": {', '.join(bad)}" if bad else "")


# ---------------------------------------------------------------------------------------------------------------


class AggregationPlan:
    """The tree compiled for vectorised aggregation: node order (indicators, then aggregates bottom-up), each
    aggregate's children (indices into the node order), method and parameters."""

    def __init__(self, spec: IndexSpec, indicators: list[str], method: str = "amean", params: dict | None = None,
                 methods: dict[str, str] | None = None):
        present = set(indicators)
        aggregates = []
        for a in spec.aggregates:  # bottom-up: an aggregate whose children were all screened out is left out too
            if any(c in present for c in spec.children(a)):
                present.add(a)
                aggregates.append(a)
        if spec.root not in present:
            raise ComputationError(_("aggregate: {root} has no children left (all its indicators were dropped)",
                                     root=spec.root))
        self.nodes = list(indicators) + aggregates
        self.index = {c: i for i, c in enumerate(self.nodes)}
        self.n_ind = len(indicators)
        self.steps = []
        for a in aggregates:
            kids = [self.index[c] for c in spec.children(a) if c in self.index]
            node = spec.nodes[a]
            m = (methods or {}).get(a) or node.aggregation or method
            if m not in K.AGGREGATORS:
                raise SpecError(_("aggregate: unknown method «{method}» for {code} (known: {known})", method=m, code=a,
                                  known=", ".join(K.AGGREGATORS)))
            p = dict(params or {}) if m == method else {}
            p.update(node.aggregation_params or {})
            self.steps.append((self.index[a], np.array(kids), m, p, a))

    def run(self, X, W):
        """X: (B, units, n_indicators); W: (B or 1, n_nodes) weights. Returns (B, units, n_nodes)."""
        B, U, _ = X.shape
        V = np.empty((B, U, len(self.nodes)))
        V[..., : self.n_ind] = X
        for i, kids, m, p, code in self.steps:
            f = K.AGGREGATORS[m]
            x = V[..., kids]
            w = W[..., kids]
            if m in ("gmean", "hmean", "genmean"):
                V[..., i] = f(x, w, what=f"aggregate {code} ({m})", **p)
            else:
                V[..., i] = f(x, w, **p)
        return V


PCA_WEIGHTS = ("pca", "pca_abs")


def pca_weights(values: np.ndarray, kind: str = "pca") -> np.ndarray:
    """Weights from the first principal component of standardised complete rows (the correlation matrix, as COINr
    get_PCA's prcomp(scale = TRUE)): "pca" = squared loadings (sum to 1); "pca_abs" = absolute loadings normalised
    to sum 1 (COINr-style: COINr takes the loadings themselves, which the aggregation renormalises; the absolute
    value removes PCA's arbitrary sign)."""
    if kind not in PCA_WEIGHTS:
        raise SpecError(_("pca weights: kind must be one of {kinds}", kinds=", ".join(PCA_WEIGHTS)))
    ok = ~np.isnan(values).any(axis=1)
    x = values[ok]
    if x.shape[1] == 1:
        return np.ones(1)
    if x.shape[0] < 3:
        raise ComputationError(_("pca weights: fewer than 3 complete units"))
    sd = x.std(axis=0, ddof=1)
    if (sd == 0).any():
        raise ComputationError(_("pca weights: a constant child"))
    z = (x - x.mean(axis=0)) / sd
    _values, vecs = np.linalg.eigh(np.corrcoef(z, rowvar=False))
    v = vecs[:, -1]
    if kind == "pca_abs":
        return np.abs(v) / np.abs(v).sum()
    return v**2 / (v**2).sum()


class Aggregate(Step):
    """Aggregate up the tree, bottom-up. method: amean | gmean | hmean | genmean (params: {p: 2}) | copeland;
    per-node override in the spec (`aggregation:` on an aggregate). Missing children are skipped and the weights
    of the others renormalised (COINr). weights: "spec" (node weights), "equal", "pca" (first principal component
    of each node's children, squared loadings), "pca_abs" (absolute loadings normalised, COINr-style), "ahp" (the
    children of an aggregate with an `ahp:` section get its principal-eigenvector weights; logged in `ahp_` with
    lambda_max, CI and the consistency ratio CR; others keep the spec's), or a mapping code -> weight overriding
    the spec. `dat_thresh`:
    an aggregate is left missing where the share of available children is below it.
    """

    name = "aggregate"

    def __init__(self, method: str = "amean", params: dict | None = None, weights: Any = "spec",
                 dat_thresh: float | None = None, methods: dict[str, str] | None = None):
        self.method = method
        self.params = params
        self.weights = weights
        self.dat_thresh = dat_thresh
        self.methods = methods

    def plan(self, data, spec, method=None) -> AggregationPlan:
        m = method or self.method
        return AggregationPlan(spec, list(data.icodes), m, self.params if m == self.method else None, self.methods)

    def nominal_weights(self, plan: AggregationPlan, spec) -> np.ndarray:
        w = np.array([spec.nodes[c].weight for c in plan.nodes], dtype=float)
        if isinstance(self.weights, dict):
            unknown = [c for c in self.weights if c not in plan.index]
            if unknown:
                raise SpecError(_("aggregate: weights for unknown nodes {nodes}", nodes=", ".join(map(str, unknown))))
            for c, v in self.weights.items():
                if not (isinstance(v, (int, float)) and v >= 0):
                    raise SpecError(_("aggregate: weight of {code} must be a number >= 0", code=c))
                w[plan.index[c]] = float(v)
        elif self.weights == "equal":
            w[:] = 1.0
        elif self.weights == "ahp":
            for code, res in ahp_for_spec(spec).items():
                for child, v in res["weights"].items():
                    if child in plan.index:
                        w[plan.index[child]] = v
        elif self.weights not in ("spec",) + PCA_WEIGHTS:
            raise SpecError(_("aggregate: weights must be spec, equal, pca, pca_abs, ahp or a mapping, got {weights}",
                              weights=repr(self.weights)))
        return w

    def load_fitted(self, fitted: dict[str, Any]) -> Aggregate:
        """Freeze the weights of a log (`weights_`): fit() then uses them instead of recomputing (e.g. PCA)."""
        w = (fitted or {}).get("weights_")
        self._frozen = dict(w) if w else None
        return self

    def fit(self, data, spec):
        plan = self.plan(data, spec)
        w = self.nominal_weights(plan, spec)
        frozen = getattr(self, "_frozen", None)
        if frozen is not None:
            missing = [c for c in plan.nodes if c not in frozen]
            if missing:
                raise ComputationError(_("aggregate: no logged weights for {nodes}", nodes=missing))
            w = np.array([float(frozen[c]) for c in plan.nodes])
        elif self.weights in PCA_WEIGHTS:
            V = plan.run(data.X[None], w[None])[0]
            for i, kids, _m, _p, _code in plan.steps:
                w[kids] = pca_weights(V[:, kids], self.weights)
                V = plan.run(data.X[None], w[None])[0]
        self.weights_ = {c: float(w[i]) for c, i in plan.index.items()}
        self.methods_ = {code: m for _, _, m, _, code in plan.steps}
        if self.weights == "ahp":
            self.ahp_ = ahp_for_spec(spec)
        return self

    def compute(self, X, data, spec, method=None, W=None):
        plan = self.plan(data, spec, method)
        if W is None:
            W = np.array([self.weights_[c] for c in plan.nodes])[None]
        V = plan.run(X, W)
        if self.dat_thresh is not None:
            for i, kids, *_ in plan.steps:
                share = (~np.isnan(V[..., kids])).mean(axis=-1)
                V[..., i] = np.where(share < self.dat_thresh, np.nan, V[..., i])
        return V, plan.nodes

    def transform(self, data, spec):
        V, nodes = self.compute(data.X[None], data, spec)
        return data.with_values(V[0], nodes)


def ahp_for_spec(spec: IndexSpec) -> dict[str, dict]:
    """For every aggregate with an `ahp:` section: its children's weights (principal eigenvector, summing to 1),
    lambda_max, CI and CR (Saaty's random indices)."""
    from aimaq.composite.spec import parse_ratio

    if not any(n.ahp for n in spec.nodes.values()):
        raise SpecError(_("aggregate: weights ahp, but no aggregate has an ahp: section"))
    out = {}
    for code, node in spec.nodes.items():
        if node.kind != "aggregate" or not node.ahp:
            continue
        order = list(node.ahp.get("order") or spec.children(code))
        upper = [[parse_ratio(v) for v in row] for row in node.ahp["upper"]]
        try:
            r = K.ahp_weights(K.ahp_matrix(upper))
        except ValueError as exc:
            raise SpecError(_("aggregate: ahp of {code}: {error}", code=code, error=exc)) from exc
        out[code] = {"weights": {c: float(v) for c, v in zip(order, r["weights"])},
                     "lambda_max": r["lambda_max"], "ci": r["ci"], "cr": r["cr"], "consistent": bool(r["cr"] <= 0.1)}
    return out


STEP_CLASSES = {c.name: c for c in (Denominate, Impute, Screen, Treat, Transform, Normalise, Aggregate)}


def make_step(d: dict[str, Any]) -> Step:
    """A step from its pipeline entry {step: name, **params}; unknown parameters are a SpecError."""
    d = dict(d)
    name = d.pop("step", None)
    cls = STEP_CLASSES.get(name)
    if cls is None:
        raise SpecError(_("unknown step «{name}» (known: {known})", name=name, known=", ".join(STEP_CLASSES)))
    allowed = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    bad = [k for k in d if k not in allowed]
    if bad:
        raise SpecError(_("step {name}: unknown parameters {keys} (allowed: {allowed})", name=name,
                          keys=", ".join(map(str, bad)), allowed=", ".join(map(str, allowed))))
    return cls(**d)

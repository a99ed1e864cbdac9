"""Uncertainty and sensitivity analysis, vectorised over draws.

Each uncertain input is a column of a sample in [0, 1]^d (plain random, quasi-random Sobol, or SALib's Saltelli
design for Sobol indices) mapped to a choice: a discrete alternative (winmax, normalisation, aggregation method,
indicator to drop, bootstrap replicate of survey respondents) or one of `n_sets` pre-drawn weight sets with
+/- noise at given tree levels (COINr get_noisy_weights: w * (1 + f (2u - 1))).

The pipeline is not re-run per draw. Draws are grouped by their upstream discrete choices: treatment runs once per
distinct (bootstrap replicate, winmax), normalisation once per distinct (treated set, normalisation), and the
aggregation runs batched over all draws of one aggregation method with a (draws x nodes) weight matrix.
A failed replication (e.g. a geometric mean meeting a negative z-score) raises ComputationError.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from aimaq.composite.data import Data
from aimaq.composite.index import CompositeIndex
from aimaq.composite.kernels import rank_min
from aimaq.composite.spec import IndexSpec
from aimaq.composite.steps import Aggregate, Denominate, Impute, Normalise, Screen, Transform, Treat
from aimaq.errors import ComputationError, SpecError
from aimaq.i18n import _

INPUT_TYPES = ("winmax", "normalisation", "aggregation", "weights", "drop", "bootstrap")


@dataclass
class UncertainInput:
    """One uncertain input. type: winmax (values: ints or None) | normalisation (values: {method, params}) |
    aggregation (values: method names or {method, params}) | weights (noise: {level: factor}, n_sets) |
    drop (values: indicator codes or None for "drop nothing"; default: nothing + each indicator) |
    bootstrap (n_sets replicates of resampled survey respondents; `weight`: their weight column)."""

    name: str
    type: str
    values: list[Any] | None = None
    noise: dict[int, float] | None = None
    n_sets: int | None = None
    weight: str | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> UncertainInput:
        d = dict(d)
        t = d.get("type")
        if t not in INPUT_TYPES:
            raise SpecError(_("uncertainty input «{name}»: type must be one of {types}", name=d.get("name"),
                              types=", ".join(INPUT_TYPES)))
        noise = d.get("noise")
        if noise is not None:
            noise = {int(k): float(v) for k, v in noise.items()}
        unknown = set(d) - {"name", "type", "values", "noise", "n_sets", "weight"}
        if unknown:
            raise SpecError(_("uncertainty input «{name}»: unknown keys {keys}", name=d.get("name"),
                              keys=", ".join(sorted(map(str, unknown)))))
        return cls(name=str(d.get("name", t)), type=t, values=d.get("values"), noise=noise, n_sets=d.get("n_sets"),
                   weight=d.get("weight"))


@dataclass
class UncertaintyResult:
    units: list[str]
    years: list[int] | None
    nominal_score: np.ndarray
    nominal_rank: np.ndarray
    scores: np.ndarray  # (draws, rows)
    ranks: np.ndarray  # (draws, rows)
    choices: dict[str, np.ndarray]  # input name -> per-draw choice index
    sensitivity: pl.DataFrame | None = None
    sensitivity_units: pl.DataFrame | None = None
    info: dict[str, Any] = field(default_factory=dict)
    draw_table: dict[str, Any] = field(default_factory=dict, repr=False)

    def draw_params(self, i: int) -> dict[str, Any]:
        """The pipeline edits of draw i: {"treat": {...}, "normalise": {...}, "aggregate": {...}} (no bootstrap)."""
        t = self.draw_table
        c = t["choice"]
        edits: dict[str, dict] = {}
        if "winmax" in c:
            edits["treat"] = {"winmax": t["winmax"][c["winmax"][i]]}
        if "normalisation" in c:
            m, p = t["norm"][c["normalisation"][i]]
            edits["normalise"] = {"method": m, "params": p}
        agg: dict[str, Any] = {}
        if "aggregation" in c:
            m, p = t["agg"][c["aggregation"][i]]
            agg["method"] = m
            if p is not None:
                agg["params"] = p
        w = t["weights"][c["weights"][i]] if "weights" in c else t["weights"][0]
        w = {code: float(v) for code, v in zip(t["nodes"], w)}
        if "drop" in c and t["drop"][c["drop"][i]] is not None:
            w[t["drop"][c["drop"][i]]] = 0.0
        if "weights" in c or "drop" in c:
            agg["weights"] = w
        if agg:
            edits["aggregate"] = agg
        return edits


    def rank_stats(self, draws: np.ndarray | None = None) -> pl.DataFrame:
        """uCode, Nominal, Mean, Median, Q5, Q95 of each unit's rank (COINr RankStats; quantiles as R type 7)."""
        r = self.ranks if draws is None else self.ranks[draws]
        cols: dict[str, Any] = {"uCode": self.units}
        if self.years is not None:
            cols["Time"] = self.years
        cols.update({
            "Nominal": self.nominal_rank.astype(int),
            "Mean": r.mean(axis=0),
            "Median": np.median(r, axis=0),
            "Q5": np.quantile(r, 0.05, axis=0),
            "Q95": np.quantile(r, 0.95, axis=0),
        })
        return pl.DataFrame(cols).sort("Nominal", "uCode")


def replicate_draw(ix: CompositeIndex, res: UncertaintyResult, i: int) -> CompositeIndex:
    """Draw i re-run the ordinary way: the whole pipeline regenerated with that draw's parameters (the naive
    baseline of the benchmark and the cross-check of the vectorised engine)."""
    return ix.regenerate(from_step=0, edits=res.draw_params(i))


# ---------------------------------------------------------------------------------------------------------------


def _find_step(ix: CompositeIndex, name: str) -> int | None:
    idx = [i for i, r in enumerate(ix.log) if r.name == name]
    return idx[-1] if idx else None


def _noisy_weight_sets(w: np.ndarray, levels: np.ndarray, noise: dict[int, float], n_sets: int, rng) -> np.ndarray:
    """(n_sets, nodes) weights: nodes at a noisy level get w (1 + f (2u - 1)) (COINr get_noisy_weights)."""
    out = np.repeat(w[None], n_sets, axis=0)
    for lev, f in noise.items():
        cols = np.nonzero(levels == lev)[0]
        if len(cols) == 0:
            raise SpecError(_("weights noise: no node at level {level}", level=lev))
        u = rng.random((n_sets, len(cols)))
        out[:, cols] = w[cols] * (1 + f * (2 * u - 1))
    return out


def bootstrap_raw(raw: Data, respondents: pl.DataFrame, n_sets: int, rng, unit_col: str = "uCode",
                  weight: str | None = None) -> np.ndarray:
    """(n_sets, rows, k) raw matrices: for every unit its respondents are resampled with replacement (equal
    probability) and each indicator recomputed as the mean of the resampled answers - with `weight` (a column of
    respondent weights, > 0) the weighted mean sum(c w x) / sum(c w), c = times drawn, over those who answered.
    Missing answers leave the respondent out of that indicator. Indicators not among the respondent columns keep
    their raw values; units without respondents keep theirs."""
    if unit_col not in respondents.columns:
        unit_col = "unit_code"
    if unit_col not in respondents.columns:
        raise SpecError(_("bootstrap: respondent data need a uCode (or unit_code) column"))
    cols = [c for c in raw.icodes if c in respondents.columns and c != weight]
    if not cols:
        raise SpecError(_("bootstrap: respondent data share no indicator column with the index"))
    out = np.repeat(raw.X[None], n_sets, axis=0)
    ucodes = respondents[unit_col].cast(pl.Utf8).to_numpy()
    vals = respondents.select(cols).cast(pl.Float64).fill_null(np.nan).to_numpy()
    if weight is not None:
        if weight not in respondents.columns:
            raise SpecError(_("bootstrap: no respondent weight column «{column}»", column=weight))
        w = respondents[weight].cast(pl.Float64, strict=False).fill_null(np.nan).to_numpy()
        if not (np.isfinite(w) & (w > 0)).all():
            raise SpecError(_("bootstrap: respondent weights ({column}) must be positive numbers", column=weight))
    else:
        w = np.ones(len(vals))
    jcols = [raw.icodes.index(c) for c in cols]
    row_of = {str(u): i for i, u in enumerate(raw.units)}
    for u in np.unique(ucodes):
        if u not in row_of:
            continue
        sel = ucodes == u
        v, wu = vals[sel], w[sel][:, None]
        n = len(v)
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_sets).astype(float)  # (sets, n)
        ok = ~np.isnan(v)
        s = counts @ np.where(ok, v * wu, 0.0)
        c = counts @ (ok * wu)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, row_of[u], jcols] = np.where(c > 0, s / c, np.nan)
    return out


_bootstrap_raw = bootstrap_raw


def _sample(kind: str, n: int, d: int, seed: int):
    if kind == "random":
        return np.random.default_rng(seed).random((n, d))
    if kind == "sobol":
        from scipy.stats import qmc

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return qmc.Sobol(d, scramble=True, seed=seed).random(n)
    raise SpecError(_("sampling must be random or sobol, got «{kind}»", kind=kind))


def _pick(u: np.ndarray, k: int) -> np.ndarray:
    return np.minimum((u * k).astype(int), k - 1)


def run_uncertainty(ix: CompositeIndex, inputs: list[UncertainInput | dict], n: int = 1000, *,
                    sampling: str = "random", sensitivity: bool = False, seed: int = 1,
                    respondents: pl.DataFrame | None = None, respondent_weight: str | None = None,
                    num_resamples: int = 100, chunk: int = 1000) -> UncertaintyResult:
    """Monte Carlo over the given inputs on a built index. With `sensitivity`, SALib's Saltelli/Sobol design
    (n (d + 2) replications) is used and first-order and total Sobol indices are estimated per unit rank and for
    the mean absolute rank shift; rank statistics then come from the design's independent A and B blocks.

    `respondents` (uCode + one column per survey indicator) feed a `bootstrap` input; `respondent_weight` (or the
    input's `weight:`) names their weight column, and a column called `weight` is used when neither is given.
    Each replicate resamples respondents with equal probability and takes weighted means (`bootstrap_raw`)."""
    inputs = [i if isinstance(i, UncertainInput) else UncertainInput.from_dict(i) for i in inputs]
    if not inputs:
        raise SpecError(_("uncertainty: no inputs"))
    spec: IndexSpec = ix.spec
    d = len(inputs)
    names = [i.name for i in inputs]
    if len(set(names)) != d:
        raise SpecError(_("uncertainty: input names must be unique"))
    rng = np.random.default_rng(seed + 7919)

    i_treat, i_norm, i_agg = (_find_step(ix, s) for s in ("treat", "normalise", "aggregate"))
    if i_agg is None:
        raise SpecError(_("uncertainty: the index has no aggregate step"))
    types = {i.type for i in inputs}
    if "winmax" in types and i_treat is None:
        raise SpecError(_("uncertainty: winmax varies but the pipeline has no treat step"))
    if "normalisation" in types and i_norm is None:
        raise SpecError(_("uncertainty: normalisation varies but the pipeline has no normalise step"))

    # ---- the sample ------------------------------------------------------------------------------------------
    problem = None
    if sensitivity:
        if d < 2:
            raise SpecError(_("sensitivity analysis needs at least two uncertain inputs"))
        from SALib.sample import sobol as sobol_sample

        problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            U = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    else:
        U = _sample(sampling, n, d, seed)
    D = len(U)

    agg_step: Aggregate = ix.steps[i_agg]
    agg_in = ix.frames[ix.log[i_agg - 1].stage] if i_agg > 0 else ix.frames["Raw"]
    plan0 = agg_step.plan(agg_in, spec)
    w_nom = np.array([agg_step.weights_[c] for c in plan0.nodes])
    node_levels = spec.levels  # a property that walks the tree: once, not per node
    levels = np.array([node_levels[c] for c in plan0.nodes])

    # ---- map the sample to choices -----------------------------------------------------------------------------
    choices: dict[str, np.ndarray] = {}
    winmax_vals = [None]
    norm_alts: list[tuple[str, dict]] = [(None, None)]
    agg_alts: list[tuple[str, dict | None]] = [(agg_step.method, None)]
    weight_sets = w_nom[None]
    drop_vals: list[str | None] = [None]
    n_boot = 0
    boot_weight = None
    for j, inp in enumerate(inputs):
        u = U[:, j]
        if inp.type == "winmax":
            winmax_vals = list(inp.values or [1, 2, 3, 4, 5])
            choices[inp.name] = _pick(u, len(winmax_vals))
        elif inp.type == "normalisation":
            if not inp.values:
                raise SpecError(_("normalisation input needs values"))
            norm_alts = [(v["method"], v.get("params") or {}) if isinstance(v, dict) else (v, {}) for v in inp.values]
            choices[inp.name] = _pick(u, len(norm_alts))
        elif inp.type == "aggregation":
            if not inp.values:
                raise SpecError(_("aggregation input needs values"))
            agg_alts = [(v["method"], v.get("params")) if isinstance(v, dict) else (v, None) for v in inp.values]
            choices[inp.name] = _pick(u, len(agg_alts))
        elif inp.type == "weights":
            k = inp.n_sets or (100 if sensitivity else n)
            weight_sets = _noisy_weight_sets(w_nom, levels, inp.noise or {2: 0.25}, k, rng)
            choices[inp.name] = _pick(u, k)
        elif inp.type == "drop":
            drop_vals = list(inp.values) if inp.values is not None else [None] + list(agg_in.icodes)
            bad = [v for v in drop_vals if v is not None and v not in plan0.index]
            if bad:
                raise SpecError(_("drop: unknown indicators {codes}", codes=", ".join(map(str, bad))))
            choices[inp.name] = _pick(u, len(drop_vals))
        elif inp.type == "bootstrap":
            if respondents is None:
                raise SpecError(_("bootstrap input needs respondent-level data (respondents=...)"))
            n_boot = inp.n_sets or (100 if sensitivity else n)
            choices[inp.name] = _pick(u, n_boot)
            boot_weight = respondent_weight or inp.weight
            if boot_weight is None and "weight" in respondents.columns and "weight" not in ix.frames["Raw"].icodes:
                boot_weight = "weight"
    zeros = np.zeros(D, dtype=int)
    by_type = {i.type: choices[i.name] for i in inputs}
    c_boot = by_type.get("bootstrap", zeros)
    c_win = by_type.get("winmax", zeros)
    c_norm = by_type.get("normalisation", zeros)
    c_agg = by_type.get("aggregation", zeros)
    c_w = by_type.get("weights", zeros)
    c_drop = by_type.get("drop", zeros)

    # ---- upstream of the first varying step, computed once --------------------------------------------------------
    if n_boot:
        raw = ix.frames["Raw"]
        Xb = bootstrap_raw(raw, respondents, n_boot, rng, weight=boot_weight)
        cur = raw
        first_var = len(ix.log)
        for i, (rec, step) in enumerate(zip(ix.log, ix.steps)):
            if rec.name in ("treat", "normalise", "aggregate"):
                first_var = i
                break
            if isinstance(step, Screen):
                Xb = step.compute(Xb)
            elif isinstance(step, (Denominate, Impute, Transform)):
                Xb = step.compute(Xb, cur, spec)
            cur = ix.frames[rec.stage]
        base = cur
    else:
        first_var = min(i for i in (i_treat if "winmax" in types else None,
                                    i_norm if "normalisation" in types else None, i_agg) if i is not None)
        base = ix.frames[ix.log[first_var - 1].stage] if first_var > 0 else ix.frames["Raw"]
        Xb = base.X[None]
        c_boot = zeros

    # treat once per distinct (bootstrap replicate, winmax)
    if i_treat is not None and i_treat >= first_var:
        treat: Treat = ix.steps[i_treat]
        kt, inv_t = np.unique(np.stack([c_boot, c_win], axis=1), axis=0, return_inverse=True)
        picked = [winmax_vals[k] for k in kt[:, 1]] if "winmax" in types else [treat.winmax] * len(kt)
        wm = np.array([np.inf if v is None else float(v) for v in picked])
        Xt = treat.compute(Xb[kt[:, 0]], base, spec, winmax=wm)
    else:
        kt, inv_t = np.unique(c_boot[:, None], axis=0, return_inverse=True)
        Xt = Xb[kt[:, 0]] if len(Xb) > 1 else Xb
        if len(Xb) == 1:
            inv_t = zeros
    inv_t = inv_t.reshape(-1)

    # normalise once per distinct (treated set, normalisation)
    if i_norm is not None and i_norm >= first_var:
        norm: Normalise = ix.steps[i_norm]
        kn, inv_n = np.unique(np.stack([inv_t, c_norm], axis=1), axis=0, return_inverse=True)
        Xn = np.empty((len(kn),) + Xt.shape[1:])
        for a in np.unique(kn[:, 1]):
            rows = np.nonzero(kn[:, 1] == a)[0]
            m, p = norm_alts[a]
            Xn[rows] = norm.compute(Xt[kn[rows, 0]], base, spec, method=m, params=p)
    else:
        Xn, inv_n = Xt, inv_t
    inv_n = inv_n.reshape(-1)

    # aggregate: batched over the draws of each aggregation method
    W = weight_sets[c_w].copy()
    for k, code in enumerate(drop_vals):
        if code is not None:
            W[c_drop == k, plan0.index[code]] = 0.0
    root_i = plan0.index[spec.root]
    scores = np.empty((D, len(base.units)))
    for a in np.unique(c_agg):
        m, p = agg_alts[a]
        plan = agg_step.plan(base, spec, method=m)
        if p is not None:
            plan = type(plan)(spec, list(base.icodes), m, p, agg_step.methods)
        draws = np.nonzero(c_agg == a)[0]
        for s in range(0, len(draws), chunk):
            dd = draws[s: s + chunk]
            try:
                V = plan.run(Xn[inv_n[dd]], W[dd])
            except ComputationError as exc:
                bad = _first_failing(plan, Xn, inv_n, W, dd)
                raise ComputationError(_("replication {n} failed ({inputs}): {error}", n=bad + 1,
                                         inputs=_describe(inputs, choices, bad), error=exc)) from exc
            scores[dd] = V[..., root_i]
    if np.isnan(scores).any():
        bad = int(np.nonzero(np.isnan(scores).any(axis=1))[0][0])
        raise ComputationError(_("replication {n} failed ({inputs}): {error}", n=bad + 1,
                                 inputs=_describe(inputs, choices, bad),
                                 error=_("{root} is missing for some unit", root=spec.root)))

    ranks = np.empty_like(scores)
    for rows in base.year_blocks():
        ranks[:, rows] = rank_min(scores[:, rows], descending=True)
    nominal = ix.scores()
    nom_rank = np.empty(len(nominal))
    for rows in base.year_blocks():
        nom_rank[rows] = rank_min(nominal[rows], descending=True)

    res = UncertaintyResult(
        units=[str(u) for u in base.units],
        years=[int(y) for y in base.years] if base.is_panel else None,
        nominal_score=nominal, nominal_rank=nom_rank, scores=scores, ranks=ranks, choices=choices,
        info={"draws": D, "n": n, "seed": seed, "inputs": [i.__dict__ for i in inputs], "sampling": "saltelli" if sensitivity
              else sampling, "treat_runs": int(len(kt)), "normalise_runs": int(len(np.unique(inv_n))),
              **({"respondent_weight": boot_weight} if n_boot else {})},
    )
    res.draw_table = {"choice": {i.type: choices[i.name] for i in inputs}, "winmax": winmax_vals,
                      "norm": norm_alts, "agg": agg_alts, "weights": weight_sets, "drop": drop_vals,
                      "nodes": plan0.nodes}
    if sensitivity:
        res.sensitivity, res.sensitivity_units = _sobol_indices(problem, res, n, d, num_resamples, seed)
    return res


def _first_failing(plan, Xn, inv_n, W, dd) -> int:
    for i in dd:
        try:
            plan.run(Xn[inv_n[[i]]], W[[i]])
        except ComputationError:
            return int(i)
    return int(dd[0])


def _describe(inputs, choices, i) -> str:
    def value(inp):
        k = int(choices[inp.name][i])
        if inp.values is not None and inp.type != "bootstrap":
            return repr(inp.values[k]) if k < len(inp.values) else f"#{k}"
        return f"set #{k}"

    return ", ".join(f"{inp.name}={value(inp)}" for inp in inputs)


def _sobol_indices(problem, res: UncertaintyResult, n: int, d: int, num_resamples: int, seed: int):
    from SALib.analyze import sobol as sobol_analyze

    def analyse(y):
        if np.var(y) == 0:
            z = np.zeros(d)
            return {"S1": z, "ST": z, "S1_conf": z, "ST_conf": z}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=num_resamples,
                                         seed=seed)

    shift = np.abs(res.ranks - res.nominal_rank[None]).mean(axis=1)
    si = analyse(shift)
    overall = pl.DataFrame({
        "input": problem["names"], "S1": si["S1"], "ST": si["ST"], "S1_conf": si["S1_conf"], "ST_conf": si["ST_conf"],
    })
    rows = []
    for j, u in enumerate(res.units):
        s = analyse(res.ranks[:, j])
        for k, name in enumerate(problem["names"]):
            rows.append({"uCode": u, "input": name, "S1": float(s["S1"][k]), "ST": float(s["ST"][k])})
    return overall, pl.DataFrame(rows)


def ab_rows(n: int, d: int) -> np.ndarray:
    """Rows of a SALib Saltelli design (calc_second_order = False) that belong to the independent A and B blocks."""
    step = d + 2
    return np.sort(np.concatenate([np.arange(0, n * step, step), np.arange(d + 1, n * step, step)]))

"""Statistical audit of a built index: indicator statistics (COINr get_stats), availability, correlations,
Cronbach's alpha and PCA per factor, effective weights, leave-one-out rank impact."""

from __future__ import annotations

import numpy as np
import polars as pl

from aimaq.composite.data import Data
from aimaq.composite.index import CompositeIndex
from aimaq.composite.kernels import rank_min, skew_kurt


def indicator_stats(data: Data, t_skew=2.0, t_kurt=3.5, t_avail=0.65, t_zero=0.5, t_unq=0.5,
                    nsignif: int | None = None) -> pl.DataFrame:
    """Per-indicator statistics with COINr get_stats' columns and flags (rounded to `nsignif` figures if given)."""
    n = data.X.shape[0]
    rows = []
    sk, kt = skew_kurt(data.X.T)
    for j, c in enumerate(data.icodes):
        x = data.X[:, j]
        v = x[~np.isnan(x)]
        na = len(v)
        nz = int((v != 0).sum())
        uniq, counts = np.unique(v, return_counts=True)
        nsame = int(counts.max()) if na else 0
        rows.append({
            "iCode": c,
            "Min": float(v.min()) if na else None, "Max": float(v.max()) if na else None,
            "Mean": float(v.mean()) if na else None, "Median": float(np.median(v)) if na else None,
            "Std": float(v.std(ddof=1)) if na > 1 else None,
            "Skew": None if np.isnan(sk[j]) else float(sk[j]), "Kurt": None if np.isnan(kt[j]) else float(kt[j]),
            "N.Avail": na, "N.NonZero": nz, "N.Unique": len(uniq), "N.Same": nsame,
            "Frc.Avail": na / n, "Frc.NonZero": nz / na if na else None, "Frc.Unique": len(uniq) / na if na else None,
            "Frc.Same": nsame / na if na else None,
            "Flag.Avail": "ok" if na / n >= t_avail else "LOW",
            "Flag.NonZero": "ok" if nz / n >= t_zero else "LOW",
            "Flag.Unique": "ok" if len(uniq) / n >= t_unq else "LOW",
            "Flag.SkewKurt": "OUT" if (abs(sk[j]) > t_skew and kt[j] > t_kurt) else "ok",
        })
    frame = pl.DataFrame(rows)
    if nsignif:
        frame = frame.with_columns([
            pl.col(c).map_elements(lambda x: float(f"{x:.{nsignif}g}"), return_dtype=pl.Float64)
            for c, t in zip(frame.columns, frame.dtypes) if t == pl.Float64])
    return frame


def availability(data: Data) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(per unit: share of indicators available; per indicator: share of units available)."""
    ok = ~np.isnan(data.X)
    units = pl.DataFrame({"uCode": [str(u) for u in data.units], "availability": ok.mean(axis=1)})
    inds = pl.DataFrame({"iCode": list(data.icodes), "availability": ok.mean(axis=0)})
    return units, inds


def _pairwise_corr(x: np.ndarray) -> np.ndarray:
    k = x.shape[1]
    out = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i, k):
            ok = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
            if ok.sum() > 2 and x[ok, i].std() > 0 and x[ok, j].std() > 0:
                out[i, j] = out[j, i] = np.corrcoef(x[ok, i], x[ok, j])[0, 1]
    return out


def correlations(ix: CompositeIndex, stage: str = "Aggregated") -> pl.DataFrame:
    """Pearson correlation of every node with its parent and with the root, plus within-group mean correlation."""
    d = ix.frames[stage]
    spec = ix.spec
    corr = _pairwise_corr(d.X)
    idx = {c: i for i, c in enumerate(d.icodes)}
    root = spec.root
    rows = []
    for c in d.icodes:
        p = spec.nodes[c].parent if c in spec.nodes else None
        sibs = [s for s in spec.children(p) if s in idx and s != c] if p else []
        rows.append({
            "code": c, "parent": p,
            "r_parent": float(corr[idx[c], idx[p]]) if p in idx else None,
            "r_index": float(corr[idx[c], idx[root]]) if root in idx and c != root else None,
            "r_siblings_mean": float(np.nanmean([corr[idx[c], idx[s]] for s in sibs])) if sibs else None,
        })
    return pl.DataFrame(rows)


def factor_consistency(ix: CompositeIndex, stage: str = "Aggregated") -> pl.DataFrame:
    """Per aggregate: Cronbach's alpha of its children and the share of variance of the first principal component
    (both on complete rows, children standardised for PCA)."""
    d = ix.frames[stage]
    idx = {c: i for i, c in enumerate(d.icodes)}
    rows = []
    for a in ix.spec.aggregates:
        kids = [c for c in ix.spec.children(a) if c in idx]
        x = d.X[:, [idx[c] for c in kids]]
        x = x[~np.isnan(x).any(axis=1)]
        k = len(kids)
        alpha = pc1 = None
        if k >= 2 and len(x) >= 3:
            var_items = x.var(axis=0, ddof=1).sum()
            var_tot = x.sum(axis=1).var(ddof=1)
            alpha = float(k / (k - 1) * (1 - var_items / var_tot)) if var_tot > 0 else None
            sd = x.std(axis=0, ddof=1)
            if (sd > 0).all():
                ev = np.linalg.eigvalsh(np.corrcoef(x, rowvar=False))
                pc1 = float(ev[-1] / ev.sum())
        rows.append({"code": a, "n_children": k, "n_complete": len(x), "cronbach_alpha": alpha, "pca_pc1_share": pc1})
    return pl.DataFrame(rows)


def effective_weights(ix: CompositeIndex) -> pl.DataFrame:
    """Each indicator's nominal share of the root given the weights actually used."""
    w = _used_weights(ix)
    eff = ix.spec.effective_weights(w)
    return pl.DataFrame({"iCode": list(eff), "effective_weight": list(eff.values())})


def _used_weights(ix: CompositeIndex) -> dict[str, float]:
    for rec in reversed(ix.log):
        if rec.name == "aggregate":
            used = dict(rec.fitted.get("weights_", {}))
            # nodes screened out before aggregation weigh nothing (their siblings renormalise)
            return {c: used.get(c, 0.0) for c in ix.spec.nodes} if used else {}
    return {}


def leave_one_out(ix: CompositeIndex) -> pl.DataFrame:
    """For each indicator: drop it (weight 0; its siblings' weights renormalise) and re-aggregate; report the mean
    and the largest absolute rank change of the units, and the unit that moved most. Vectorised over indicators."""
    agg_i = max(i for i, r in enumerate(ix.log) if r.name == "aggregate")
    step = ix.steps[agg_i]
    prev = ix.frames[ix.log[agg_i - 1].stage] if agg_i > 0 else ix.frames["Raw"]
    plan = step.plan(prev, ix.spec)
    w = np.array([step.weights_[c] for c in plan.nodes])
    n_ind = plan.n_ind
    W = np.repeat(w[None], n_ind, axis=0)
    W[np.arange(n_ind), np.arange(n_ind)] = 0.0
    V = plan.run(np.broadcast_to(prev.X, (n_ind,) + prev.X.shape), W)
    root_i = plan.index[ix.spec.root]
    nominal = rank_min(ix.scores(), descending=True)
    ranks = rank_min(V[..., root_i], descending=True)
    shift = np.abs(ranks - nominal[None])
    worst = np.nanargmax(np.nan_to_num(shift, nan=-1), axis=1)
    return pl.DataFrame({
        "iCode": list(plan.nodes[:n_ind]),
        "mean_abs_rank_shift": np.nanmean(shift, axis=1),
        "max_abs_rank_shift": np.nanmax(shift, axis=1),
        "most_moved_unit": [str(prev.units[j]) for j in worst],
    }).sort("mean_abs_rank_shift", descending=True)


def audit(ix: CompositeIndex) -> dict[str, pl.DataFrame]:
    """Every audit table at once (keys: stats_raw, availability_units, availability_indicators, correlations,
    factors, effective_weights, leave_one_out)."""
    au, ai = availability(ix.frames["Raw"])
    return {
        "stats_raw": indicator_stats(ix.frames["Raw"]),
        "availability_units": au,
        "availability_indicators": ai,
        "correlations": correlations(ix),
        "factors": factor_consistency(ix),
        "effective_weights": effective_weights(ix),
        "leave_one_out": leave_one_out(ix),
    }

"""Villages with development potential: features, scores by block, potential class, support / satellite / other.

Pure functions over polars frames and a Criteria spec; no files, no database.
settlements: kato, kind, lat, lon, population [, population_2019, region_kato, district_kato, + any indicator
columns named in the spec]; levels (optional): kato, indicator, value (service levels, % of households)."""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from aimaq.errors import ComputationError, ValidationFailed
from aimaq.i18n import _
from aimaq.rural.spec import Criteria
from aimaq.standards.geo import chord_from_km, nearest_km, to_unit_xyz

NEIGHBOUR_RADIUS_KM = 25.0


def village_features(settlements: pl.DataFrame, criteria: Criteria, levels: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per rural settlement with the spec's indicators that can be computed or found in the data."""
    missing = [c for c in ("kato", "kind", "lat", "lon", "population") if c not in settlements.columns]
    if missing:
        raise ValidationFailed([f"settlements: missing column {c!r}" for c in missing])
    roles = criteria.roles
    xyz = to_unit_xyz(settlements["lat"].to_numpy(), settlements["lon"].to_numpy())
    kind = settlements["kind"].to_numpy()
    pop = settlements["population"].to_numpy().astype(float)
    rural = np.isin(kind, roles.rural_kinds)
    towns = np.isin(kind, roles.town_kinds)
    centres = np.isin(kind, ["city_oblast", "city_republican"])
    out = settlements.filter(pl.Series(rural))
    rx = xyz[rural]
    d_town, _ = nearest_km(xyz[towns], rx)
    d_centre, _ = nearest_km(xyz[centres], rx)
    tree_all = cKDTree(xyz)
    tree_r = cKDTree(rx)
    r = float(chord_from_km(NEIGHBOUR_RADIUS_KM))
    n_near = tree_r.query_ball_point(rx, r, return_length=True) - 1          # other villages within 25 km
    pairs = tree_r.sparse_distance_matrix(tree_all, r, output_type="coo_matrix")
    pop_near = np.bincount(pairs.row, weights=pop[pairs.col], minlength=len(rx)) - pop[rural]
    cols = {
        "dist_to_town_km": np.where(np.isfinite(d_town), d_town, 1e4),
        "dist_to_regional_centre_km": np.where(np.isfinite(d_centre), d_centre, 1e4),
        "villages_within_25km": n_near.astype(float),
        "population_within_25km": np.maximum(pop_near, 0.0),
    }
    out = out.with_columns(**{k: pl.Series(v) for k, v in cols.items()})
    if "population_2019" in out.columns:
        p19 = out["population_2019"].cast(pl.Float64)
        out = out.with_columns(population_change_pct=pl.when(p19 > 0)
                               .then((pl.col("population") / p19 - 1) * 100).otherwise(None))
    if levels is not None and levels.height:
        wanted = [i.code for i in criteria.indicators if i.code not in out.columns]
        lv = levels.filter(pl.col("indicator").is_in(wanted))
        if lv.height:
            wide = lv.pivot(on="indicator", index="kato", values="value", aggregate_function="first")
            out = out.join(wide, on="kato", how="left")
    return out


def classify(features: pl.DataFrame, criteria: Criteria, towns: pl.DataFrame | None = None) -> tuple[pl.DataFrame, list[str]]:
    """Scores, potential class and role of each rural settlement; returns (frame, notes on indicators used).

    towns: kato, lat, lon of towns (anchors for satellites besides support villages)."""
    n = features.height
    if n == 0:
        raise ComputationError("no rural settlements to classify")
    notes = []
    block_sum = {b: np.zeros(n) for b in criteria.blocks}
    block_cnt = {b: np.zeros(n) for b in criteria.blocks}
    used, skipped = [], []
    for ind in criteria.indicators:
        if ind.code not in features.columns:
            skipped.append(ind.code)
            continue
        used.append(ind.code)
        v = features[ind.code].cast(pl.Float64).to_numpy()
        ok = np.isfinite(v)
        if ind.direction == 1:
            score = np.where(v >= ind.high, 1.0, np.where(v >= ind.low, 0.5, 0.0))
        else:
            score = np.where(v <= ind.low, 1.0, np.where(v <= ind.high, 0.5, 0.0))
        block_sum[ind.block] += np.where(ok, score, 0.0)
        block_cnt[ind.block] += ok
    # the spec names its indicators in Russian only (their codes are in the spec the run records)
    names = {ind.code: ind.name_ru for ind in criteria.indicators}
    notes.append(_("Indicators used: {used} of {total}.", used=len(used), total=len(criteria.indicators)))
    if skipped:
        notes.append(_("Not in the data, left out ({n}): {names}.", n=len(skipped),
                       names="; ".join(names[code] for code in skipped)))
    total_w = np.zeros(n)
    total = np.zeros(n)
    block_scores = {}
    for b, spec in criteria.blocks.items():
        has = block_cnt[b] > 0
        score = np.where(has, block_sum[b] / np.maximum(block_cnt[b], 1), np.nan)
        block_scores[b] = score
        total += np.where(has, spec.weight * np.nan_to_num(score), 0.0)
        total_w += np.where(has, spec.weight, 0.0)
    if (total_w == 0).any():
        raise ComputationError(f"{int((total_w == 0).sum())} villages have no usable indicator in any block")
    total = total / total_w
    pot = criteria.potential
    potential = np.where(total >= pot.high, "high", np.where(total >= pot.medium, "medium", "low"))

    roles = criteria.roles
    kind = features["kind"].to_numpy()
    pop = features["population"].to_numpy().astype(float)
    sup = roles.support
    big = pop >= sup.min_population_any_kind if sup.min_population_any_kind is not None else np.zeros(n, bool)
    support = (np.isin(kind, sup.kinds) | big) & (pop >= sup.min_population) & np.isin(potential, sup.potential)
    if sup.min_population_any_potential is not None:
        support |= pop >= sup.min_population_any_potential
    xyz = to_unit_xyz(features["lat"].to_numpy(), features["lon"].to_numpy())
    anchor_xyz = xyz[support]
    anchor_kato = features["kato"].to_numpy()[support]
    if towns is not None and towns.height:
        anchor_xyz = np.vstack([anchor_xyz, to_unit_xyz(towns["lat"].to_numpy(), towns["lon"].to_numpy())])
        anchor_kato = np.concatenate([anchor_kato, towns["kato"].to_numpy()])
    cand = np.flatnonzero(~support)
    d, j = nearest_km(anchor_xyz, xyz[cand], roles.satellite.radius_km)
    sat = np.zeros(n, bool)
    sat[cand] = (j >= 0) & (pop[cand] >= roles.satellite.min_population)
    a_kato = np.full(n, None, dtype=object)
    a_km = np.full(n, np.nan)
    a_kato[cand[j >= 0]] = anchor_kato[j[j >= 0]]
    a_km[cand[j >= 0]] = d[j >= 0]
    role = np.where(support, "support", np.where(sat, "satellite", "other"))
    out = features.with_columns(
        score=pl.Series(total),
        **{f"score_{b}": pl.Series(s).fill_nan(None) for b, s in block_scores.items()},
        potential=pl.Series(potential),
        role=pl.Series(role),
        anchor_kato=pl.Series(a_kato.tolist(), dtype=pl.Utf8),
        anchor_km=pl.Series(a_km).fill_nan(None),
    ).with_columns(with_potential=pl.col("role").is_in(criteria.with_potential_roles))
    return out, notes


def summarise(classified: pl.DataFrame, by: str | None = None) -> pl.DataFrame:
    """Counts and population shares by role and by potential (within `by` groups if given), and the population
    change 2019–2023 of villages with potential."""
    keys = [by] if by else []
    base = classified.with_columns(_p19=pl.col("population_2019").cast(pl.Float64)
                                   if "population_2019" in classified.columns else pl.lit(None, dtype=pl.Float64))
    agg = base.group_by(keys or pl.lit(1).alias("_all")).agg(
        villages=pl.len(),
        population=pl.col("population").sum(),
        support=(pl.col("role") == "support").sum(),
        satellite=(pl.col("role") == "satellite").sum(),
        other=(pl.col("role") == "other").sum(),
        high=(pl.col("potential") == "high").sum(),
        medium=(pl.col("potential") == "medium").sum(),
        low=(pl.col("potential") == "low").sum(),
        with_potential=pl.col("with_potential").sum(),
        _pop_wp=pl.col("population").filter(pl.col("with_potential")).sum(),
        _p19_wp=pl.col("_p19").filter(pl.col("with_potential")).sum(),
    )
    agg = agg.with_columns(
        with_potential_pct=100.0 * pl.col("with_potential") / pl.col("villages"),
        population_share_with_potential_pct=100.0 * pl.col("_pop_wp") / pl.col("population"),
        population_change_with_potential=pl.col("_pop_wp") - pl.col("_p19_wp"),
        population_change_with_potential_pct=pl.when(pl.col("_p19_wp") > 0)
        .then(100.0 * (pl.col("_pop_wp") / pl.col("_p19_wp") - 1)).otherwise(None),
    ).drop("_pop_wp", "_p19_wp", "_all", strict=False)
    return agg.sort(keys) if keys else agg

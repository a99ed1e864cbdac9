"""Seeded generator of synthetic rating inputs: statistical indicator values and respondent-level survey answers
for the cities of the published rating, calibrated to the published scores (Table 2) and to the risk map (Table 3).

Pure: frames, specs and parameters in, frames out. Parameters: specs/rating/synthetic_v1.yaml (documented there).
Every output is synthetic and must be stored and shown as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from aimaq.errors import ComputationError, SpecError
from aimaq.i18n import _
from aimaq.rating.compute import score_year, survey_item_means
from aimaq.rating.spec import RatingSpec, specs_dir


def load_params(path: str | Path | None = None) -> dict:
    path = Path(path) if path else specs_dir() / "synthetic_v1.yaml"
    if not path.exists():
        raise SpecError(f"synthetic generator parameters not found: {path}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@dataclass
class SyntheticRating:
    statistical: pl.DataFrame  # kato, year, indicator, value
    responses: pl.DataFrame  # year, kato, respondent_id, weight, item, answer (null = не знаю)
    item_targets: pl.DataFrame  # item, year, target (26-city mean the survey is drawn around)
    calibration: dict[int, float] = field(default_factory=dict)  # year -> max |published − computed|


def item_base_means(spec: RatingSpec, table3: pl.DataFrame, margin: float) -> dict[str, float]:
    """Target 26-city mean of each survey item in the Table 3 year. table3: item (code), quadrant, lower, upper, in
    the published order. Items of a quadrant are spread evenly from its top to its bottom, `margin` inside the
    spec's cut points."""
    cuts = {q.quadrant: q.lower for q in spec.quadrants}
    order = [q.quadrant for q in spec.quadrants]
    out: dict[str, float] = {}
    for q in order:
        rows = table3.filter(pl.col("quadrant") == q)
        if rows.height == 0:
            continue
        lo, hi = float(rows["lower"][0]), float(rows["upper"][0])
        i = order.index(q)
        above = cuts[order[i - 1]] if i > 0 else None
        below = cuts[q]
        if above is not None:
            hi = min(hi, above - margin)
        if below is not None:
            lo = max(lo, below + margin)
        if hi < lo:
            raise ComputationError(f"risk-map quadrant {q}: published range and cut points leave no room")
        vals = np.linspace(hi, lo, rows.height) if rows.height > 1 else np.array([(hi + lo) / 2])
        out.update(dict(zip(rows["item"].to_list(), vals.tolist())))
    return out


def generate(published: pl.DataFrame, table3: pl.DataFrame, specs: dict[int, RatingSpec], params: dict,
             seed: int) -> SyntheticRating:
    """published: kato, year, score (null: the city was not rated that year, e.g. Конаев 2022 «н/д»);
    table3: item (catalogue code), quadrant, lower, upper (published order); specs: year -> spec."""
    rng = np.random.default_rng(seed)
    years = sorted(specs)
    latest = specs[years[-1]]
    sp, st = params["survey"], params["statistics"]
    cities = sorted(published["kato"].unique().to_list())
    C = len(cities)
    P = np.full((len(years), C), np.nan)
    for r in published.filter(pl.col("score").is_not_null()).iter_rows(named=True):
        if r["year"] in specs:
            P[years.index(r["year"]), cities.index(r["kato"])] = r["score"]
    if np.isnan(P).all(axis=1).any():
        raise ComputationError(_("no published scores for some year of the rating specs: the review's Table 2 is "
                                 "loaded by `aimaq init` or `aimaq demo`"))
    meanP = np.nanmean(P, axis=1)

    # ---- survey -------------------------------------------------------------------------------------------------
    ry = int(params.get("riskmap_year", years[-1]))
    rspec = specs.get(ry, latest)
    items = rspec.riskmap_items
    base = item_base_means(rspec, table3, float(sp["margin"]))
    fallback = float(np.mean(list(base.values()))) if base else float(meanP[-1])
    b = np.array([base.get(c, fallback) for c in items])
    I = len(items)
    resp_frames, targets = [], []
    next_id = 1
    for yi, y in enumerate(years):
        rated = ~np.isnan(P[yi])
        shift = meanP[yi] - (meanP[years.index(ry)] if ry in years else meanP[-1])
        noise = rng.normal(0.0, float(sp["city_item_sd"]), (C, I))
        noise[rated] -= noise[rated].mean(axis=0)
        dev = np.where(rated, P[yi] - meanP[yi], 0.0)
        mu = np.clip(b[None, :] + shift + float(sp["city_slope"]) * dev[:, None] + noise, 0.3, 9.7)
        targets.append(pl.DataFrame({"item": items, "year": [y] * I, "target": (b + shift).tolist()}))
        lo, hi = sp["respondents_per_city"]
        n = np.where(rated, rng.integers(int(lo), int(hi) + 1, C), 0)
        city = np.repeat(np.arange(C), n)
        R = len(city)
        w = rng.lognormal(0.0, float(sp["weight_sigma"]), R)
        wmean = np.bincount(city, weights=w, minlength=C) / np.maximum(n, 1)
        w = w / wmean[city]
        phi = float(sp["concentration"])
        m = mu[city] / 10.0  # (R, I)
        p = rng.beta(phi * m, phi * (1 - m))
        x = rng.binomial(10, p).astype(float)
        x[rng.random((R, I)) < float(sp["dont_know_share"])] = np.nan
        ids = np.arange(next_id, next_id + R)
        next_id += R
        resp_frames.append(pl.DataFrame({
            "year": np.full(R * I, y, dtype=np.int32),
            "kato": np.repeat(np.array(cities, dtype=object)[city], I).astype(str),
            "respondent_id": np.repeat(ids, I),
            "weight": np.repeat(w, I),
            "item": np.tile(np.array(items, dtype=object), R).astype(str),
            "answer": x.reshape(-1),
        }).with_columns(pl.col("answer").fill_nan(None).cast(pl.Int8)))
    responses = pl.concat(resp_frames)

    # ---- statistics ---------------------------------------------------------------------------------------------
    codes = [c for c, e in latest.catalogue.items() if e["kind"] == "statistical"]
    J = len(codes)
    a = rng.normal(0.0, float(st["indicator_offset_sd"]), J)
    a -= a.mean()
    for fcode, off in (st.get("factor_offset") or {}).items():
        f = next((f for f in latest.factors if f.code == fcode), None)
        if f is None:
            raise SpecError(f"synthetic: factor_offset names {fcode!r}, not a factor of the {latest.year} spec")
        a += np.array([float(off) if c in f.statistical else 0.0 for c in codes])
    rho, sd = float(st["noise_rho"]), float(st["noise_sd"])
    e = np.empty((len(years), C, J))
    e[0] = rng.normal(0.0, sd, (C, J))
    for yi in range(1, len(years)):
        e[yi] = rho * e[yi - 1] + np.sqrt(1 - rho**2) * rng.normal(0.0, sd, (C, J))
    miss = rng.random((len(years), C, J)) < float(st["missing_share"])
    gp = np.array([latest.catalogue[c]["goalposts"] for c in codes], dtype=float)
    direction = np.array([latest.catalogue[c].get("direction", 1) for c in codes])
    decimals = [int(latest.catalogue[c].get("decimals", 2)) for c in codes]

    def raw_values(z):
        frac = np.clip(z, 0.0, 10.0) / 10.0
        v = np.where(direction > 0, gp[:, 0] + frac * (gp[:, 1] - gp[:, 0]), gp[:, 1] - frac * (gp[:, 1] - gp[:, 0]))
        return np.column_stack([np.round(v[:, j], decimals[j]) for j in range(J)])

    stat_frames, calibration = [], {}
    for yi, y in enumerate(years):
        spec = specs[y]
        rated = ~np.isnan(P[yi])
        keep = np.array([c in spec.statistical for c in codes])
        im = survey_item_means(responses.filter(pl.col("year") == y).with_columns(pl.col("answer").cast(pl.Float64)))
        eff = spec.index_spec().effective_weights()
        w_stat = sum(eff[c] for c in spec.statistical)
        s = np.zeros(C)
        kato_r = np.array(cities, dtype=object)[rated]
        for _step in range(int(st["calibration_steps"])):
            z = np.where(rated, P[yi] + s, 0.0)[:, None] + a[None, :] + e[yi]
            v = raw_values(z)
            v[miss[yi]] = np.nan
            frame = _long(kato_r, np.array(codes)[keep], v[rated][:, keep], y)
            got = score_year(spec, frame, item_means=im).scores().sort("kato")
            S = np.full(C, np.nan)
            S[[cities.index(k) for k in got["kato"].to_list()]] = got["score"].to_numpy()
            diff = np.where(rated, P[yi] - S, 0.0)
            calibration[y] = float(np.abs(diff).max())
            if calibration[y] < float(st["calibration_tolerance"]):
                break
            s += diff / w_stat
        stat_frames.append(frame)
    return SyntheticRating(pl.concat(stat_frames), responses, pl.concat(targets), calibration)


def _long(kato: np.ndarray, codes: np.ndarray, V: np.ndarray, year: int) -> pl.DataFrame:
    n, k = V.shape
    return pl.DataFrame({
        "kato": np.repeat(kato, k).astype(str),
        "year": np.full(n * k, year, dtype=np.int32),
        "indicator": np.tile(codes, n).astype(str),
        "value": V.reshape(-1),
    }).with_columns(pl.col("value").fill_nan(None)).filter(pl.col("value").is_not_null())

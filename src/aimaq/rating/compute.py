"""Pure computation of the city QoL rating: frames and a spec in, frames out (no files, no database).

Frames (long format):
  statistical values  kato, indicator, value               (one year)
  survey responses    kato, respondent_id, weight, item, answer   (answer null = «затрудняюсь ответить»)
  item means          kato, item, mean, n                  (weighted city means, `survey_item_means`)
  scores              kato, score[, rank]                  (one node of the tree, usually the index)
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import polars as pl

from aimaq.composite.data import Data, data_from_frame
from aimaq.composite.index import CompositeIndex, fingerprint
from aimaq.composite.kernels import rank_min
from aimaq.composite.uncertainty import UncertaintyResult
from aimaq.errors import ComputationError, ValidationFailed
from aimaq.rating.spec import RESPONDENT_WEIGHT, ROOT, RatingSpec
from aimaq.i18n import _


# --- survey ----------------------------------------------------------------------------------------------------


def survey_item_means(responses: pl.DataFrame) -> pl.DataFrame:
    """Weighted mean answer per city and item: sum(w x) / sum(w) over the respondents who answered (a null answer
    is «затрудняюсь ответить» and is left out). Returns kato, item, mean, n (answers), n_resp (respondents)."""
    need = {"kato", "respondent_id", "weight", "item", "answer"}
    missing = need - set(responses.columns)
    if missing:
        raise ValidationFailed([_("survey responses have no column «{column}»", column=c) for c in sorted(missing)])
    bad = responses.filter(pl.col("answer").is_not_null() & ((pl.col("answer") < 0) | (pl.col("answer") > 10)))
    if bad.height:
        raise ValidationFailed([_("answer {answer} of respondent {respondent} to {item} is outside 0–10",
                                  answer=r["answer"], respondent=r["respondent_id"], item=r["item"])
                                for r in bad.head(20).to_dicts()])
    if responses.filter(pl.col("weight").is_null() | (pl.col("weight") <= 0)).height:
        raise ValidationFailed([_("survey weights must be positive")])
    ok = responses.filter(pl.col("answer").is_not_null())
    return (ok.group_by("kato", "item")
            .agg(((pl.col("weight") * pl.col("answer")).sum() / pl.col("weight").sum()).alias("mean"),
                 pl.len().alias("n"))
            .join(responses.group_by("kato", "item").agg(pl.col("respondent_id").n_unique().alias("n_resp")),
                  on=["kato", "item"], how="left")
            .sort("kato", "item"))


def respondents_wide(responses: pl.DataFrame, items: list[str], weight: str = RESPONDENT_WEIGHT) -> pl.DataFrame:
    """Respondent rows for the engine's weighted bootstrap: uCode (the city's kato), one column per item with the raw
    answer (null = «затрудняюсь ответить» or not asked) and the respondent's survey weight in column `weight`.

    The engine (`run_uncertainty(..., respondent_weight=...)` or the bootstrap input's `weight:`) resamples the
    respondents of each city with equal probability and takes sum(c w x) / sum(c w) over those who answered, which
    for the original sample is exactly `survey_item_means`. A respondent whose answers are all null is kept: drawn
    like the others, contributing to no item."""
    need = {"kato", "respondent_id", "weight", "item", "answer"}
    missing = need - set(responses.columns)
    if missing:
        raise ValidationFailed([_("survey responses have no column «{column}»", column=c) for c in sorted(missing)])
    if weight in items:
        raise ValidationFailed([_("the survey item «{item}» clashes with the weight column", item=weight)])
    r = responses.filter(pl.col("item").is_in(items))
    w = r.group_by("kato", "respondent_id").agg(pl.col("weight").first(), pl.col("weight").n_unique().alias("nw"))
    bad = w.filter((pl.col("nw") > 1) | pl.col("weight").is_null() | (pl.col("weight") <= 0))
    if bad.height:
        raise ValidationFailed([_("respondent {respondent} ({kato}): survey weight must be one positive number",
                                  respondent=x["respondent_id"], kato=x["kato"]) for x in bad.head(20).to_dicts()])
    try:
        wide = r.pivot(on="item", index=["kato", "respondent_id"], values="answer")
    except pl.exceptions.ComputeError:  # a respondent answers an item twice
        dup = r.group_by("kato", "respondent_id", "item").len().filter(pl.col("len") > 1)
        raise ValidationFailed([_("respondent {respondent} ({kato}) answers {item} {n} times",
                                  respondent=x["respondent_id"], kato=x["kato"], item=x["item"], n=x["len"])
                                for x in dup.head(20).to_dicts()]) from None
    for c in items:
        if c not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(c))
    wide = wide.join(w.select("kato", "respondent_id", pl.col("weight").cast(pl.Float64).alias(weight)),
                     on=["kato", "respondent_id"], how="left")
    return (wide.sort("kato", "respondent_id").rename({"kato": "uCode"})
            .select(["uCode"] + items + [weight])
            .with_columns(pl.col(items).cast(pl.Float64)))


# --- scoring ---------------------------------------------------------------------------------------------------


def assemble(spec: RatingSpec, statistical: pl.DataFrame, item_means: pl.DataFrame,
             units: list[str] | None = None) -> tuple[Data, list[str]]:
    """The engine's raw data for one year: rows = cities, columns = the spec's indicators (statistical values and
    survey item means). An indicator of the spec with no value for any city is kept as an empty column (the engine
    skips it and renormalises the weights of its siblings) and returned in the list of missing indicators."""
    stat = statistical.filter(pl.col("indicator").is_in(spec.statistical)).select("kato", "indicator", "value")
    srv = item_means.filter(pl.col("item").is_in(spec.survey)).select(
        "kato", pl.col("item").alias("indicator"), pl.col("mean").alias("value"))
    long = pl.concat([stat.with_columns(pl.col("value").cast(pl.Float64)), srv])
    if units is None:
        units = sorted(long["kato"].unique().to_list())
    if not units:
        raise ComputationError(_("no data for the rating {year}: no city has any indicator of the spec", year=spec.year))
    dup = long.group_by("kato", "indicator").len().filter(pl.col("len") > 1)
    if dup.height:
        raise ValidationFailed([_("{kato} / {indicator}: {n} values", kato=r["kato"], indicator=r["indicator"],
                                  n=r["len"]) for r in dup.head(20).to_dicts()])
    wide = pl.DataFrame({"uCode": units}).join(
        long.pivot(on="indicator", index="kato", values="value").rename({"kato": "uCode"}), on="uCode", how="left")
    missing = [c for c in spec.indicators if c not in wide.columns or wide[c].null_count() == wide.height]
    for c in missing:
        if c in wide.columns:
            wide = wide.drop(c)
        wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(c))
    return data_from_frame(wide.select(["uCode"] + spec.indicators), spec.indicators), missing


@dataclass
class Scored:
    """One rating computation: the engine's index, the long results and what they were made from."""

    spec: RatingSpec
    index: CompositeIndex
    results: pl.DataFrame  # kato, node, level, score, rank, coverage
    missing_indicators: list[str]
    fingerprint: str

    def scores(self, node: str = ROOT) -> pl.DataFrame:
        return self.results.filter(pl.col("node") == node).select("kato", "score", "rank")


def score(spec: RatingSpec, data: Data, missing: list[str] | None = None) -> Scored:
    """Run the spec's pipeline on one year's data; every node of the tree (index, factors, blocks) with its 0–10
    score, the rank among the cities (1 = best, ties share the best rank) and the coverage (share of the index
    weight whose indicators have a value for the city)."""
    ispec = spec.index_spec()
    ix = CompositeIndex.build(ispec, data)
    fp = fingerprint(data)
    ix.data_source = {"sha256": fp, "year": spec.year}
    last = ix.latest
    levels = spec.node_levels()
    nodes = [c for c in last.icodes if c in levels]
    V = np.column_stack([last.column(c) for c in nodes])
    root = V[:, nodes.index(ROOT)]
    if np.isnan(root).any():
        bad = list(last.units[np.isnan(root)])
        raise ComputationError(_("rating {year}: no score for {cities} (no indicator of the spec has a value)",
                                 year=spec.year, cities=bad))
    ranks = rank_min(V.T, descending=True).T
    eff = ispec.effective_weights()
    W = np.array([eff[c] for c in data.icodes])
    coverage = np.clip((~np.isnan(data.X)) @ W / W.sum(), 0.0, 1.0)
    n, k = V.shape
    res = pl.DataFrame({
        "kato": np.repeat(np.array([str(u) for u in last.units]), k),
        "node": np.tile(np.array(nodes, dtype=object), n).astype(str),
        "score": V.reshape(-1),
        "rank": ranks.reshape(-1),
    }).with_columns(pl.col("node").replace_strict(levels).alias("level"),
                    pl.col("rank").fill_nan(None).cast(pl.Int32))
    res = res.join(pl.DataFrame({"kato": [str(u) for u in data.units], "coverage": coverage}), on="kato")
    res = res.filter(pl.col("score").is_not_nan()).select("kato", "node", "level", "score", "rank", "coverage")
    return Scored(spec, ix, res.sort("node", "rank", "kato"), list(missing or []), fp)


def score_year(spec: RatingSpec, statistical: pl.DataFrame, responses: pl.DataFrame | None = None,
               item_means: pl.DataFrame | None = None) -> Scored:
    """assemble + score from a year's statistical values and survey responses (or precomputed item means)."""
    if item_means is None:
        if responses is None:
            raise ComputationError(_("score_year needs survey responses or item means"))
        item_means = survey_item_means(responses)
    data, missing = assemble(spec, statistical, item_means)
    return score(spec, data, missing)


# --- uncertainty --------------------------------------------------------------------------------------------------


def uncertainty(scored: Scored, responses: pl.DataFrame | None, n: int, seed: int | None = None
                ) -> tuple[pl.DataFrame, UncertaintyResult]:
    """Monte Carlo over the spec's `uncertainty:` inputs with the composite engine. A `bootstrap` input resamples the
    survey respondents of each city with equal probability and recomputes each item as the weighted mean
    sum(c w x) / sum(c w) over those who answered (the engine's weighted bootstrap, weights = survey weights);
    without survey responses the bootstrap input is left out. Returns kato, score, rank (nominal), rank_mean,
    rank_median, rank_q5, rank_q95, score_q5, score_q95, draws (one row per city, in the index's unit order) and
    the engine's result."""
    from aimaq.composite.service import uncertainty_for

    spec = scored.spec
    inputs = (spec.uncertainty or {}).get("inputs") or []
    has_boot = any(i.get("type") == "bootstrap" for i in inputs)
    respondents = respondents_wide(responses, spec.survey) if has_boot and responses is not None \
        and responses.height else None
    if has_boot and respondents is None:
        spec = copy.copy(spec)
        spec.uncertainty = dict(spec.uncertainty, inputs=[i for i in inputs if i.get("type") != "bootstrap"])
        scored = score(spec, scored.index.frames["Raw"], scored.missing_indicators)
    res = uncertainty_for(scored.index, n, seed=seed, respondents=respondents,
                          respondent_weight=RESPONDENT_WEIGHT if respondents is not None else None)
    rs = res.ranks
    q5, q95 = np.quantile(res.scores, [0.05, 0.95], axis=0)
    frame = pl.DataFrame({
        "kato": res.units, "score": res.nominal_score, "rank": res.nominal_rank.astype(int),
        "rank_mean": rs.mean(axis=0), "rank_median": np.median(rs, axis=0),
        "rank_q5": np.quantile(rs, 0.05, axis=0), "rank_q95": np.quantile(rs, 0.95, axis=0),
        "score_q5": q5, "score_q95": q95,
    }).with_columns(pl.lit(res.info["draws"]).alias("draws"))
    return frame, res


# --- tables of the review ----------------------------------------------------------------------------------------


def rank_scores(scores: pl.DataFrame) -> pl.DataFrame:
    """Add rank (1 = highest score; ties share the best rank, as R rank(ties = "min")) to kato, score."""
    s = scores["score"].to_numpy().astype(float)
    return scores.with_columns(pl.Series("rank", rank_min(s, descending=True)).cast(pl.Int32))


def change_table(current: pl.DataFrame, previous: pl.DataFrame | None) -> pl.DataFrame:
    """kato, score, previous, change_points, change_pct (% of the previous score). A city without a previous score
    (e.g. Конаев 2022: «н/д») keeps null changes."""
    cur = current.select("kato", "score")
    if previous is None:
        prev = pl.DataFrame({"kato": cur["kato"], "previous": [None] * cur.height}, schema={"kato": pl.Utf8,
                                                                                              "previous": pl.Float64})
    else:
        prev = previous.select("kato", pl.col("score").alias("previous"))
    out = cur.join(prev, on="kato", how="left")
    return out.with_columns(
        (pl.col("score") - pl.col("previous")).alias("change_points"),
        ((pl.col("score") / pl.col("previous") - 1) * 100).alias("change_pct"),
    )


def leaders(scores: pl.DataFrame, n: int = 5) -> list[str]:
    """The n best cities, best first (ties in table order by rank then kato)."""
    return scores.sort(["rank", "kato"] if "rank" in scores.columns else ["score"], descending=[False, False]
                       if "rank" in scores.columns else [True])["kato"].head(n).to_list()


def bottom(scores: pl.DataFrame, n: int = 5) -> list[str]:
    """The n worst cities «from better to worse», as the review lists them."""
    ordered = scores.sort(["rank", "kato"]) if "rank" in scores.columns else scores.sort("score", descending=True)
    return ordered["kato"].tail(n).to_list()


def over_threshold(scores: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Cities whose score is at least the threshold (the review's «преодолели порог в 5 баллов»)."""
    return scores.filter(pl.col("score") >= threshold)


def summary(scores: pl.DataFrame, previous: pl.DataFrame | None, threshold: float, n: int = 5) -> dict:
    """The figures the review quotes: mean, its change in points and %, leaders, bottom five, cities over the
    threshold."""
    mean = float(scores["score"].mean())
    prev = float(previous["score"].mean()) if previous is not None and previous.height else None
    return {
        "cities": scores.height,
        "mean": mean,
        "previous_mean": prev,
        "mean_change_points": None if prev is None else mean - prev,
        "mean_change_pct": None if prev is None else (mean / prev - 1) * 100,
        "leaders": leaders(scores, n),
        "bottom": bottom(scores, n),
        "over_threshold": over_threshold(scores, threshold).height,
        "threshold": threshold,
    }


# --- risk map -----------------------------------------------------------------------------------------------------


def riskmap(spec: RatingSpec, item_means: pl.DataFrame) -> pl.DataFrame:
    """Table 3: each survey item's mean over the cities (the plain mean of the weighted city means) and its quadrant
    by the spec's lower bounds. Returns item, name_ru, mean, quadrant, quadrant_name, n_cities; best first."""
    if not spec.quadrants:
        raise ComputationError(_("the spec {name} {version} has no risk-map quadrants", name=spec.name,
                                 version=spec.version))
    m = (item_means.filter(pl.col("item").is_in(spec.riskmap_items))
         .group_by("item").agg(pl.col("mean").mean().alias("mean"), pl.col("kato").n_unique().alias("n_cities")))
    if m.height == 0:
        raise ComputationError(_("no survey item of the risk map has answers"))
    means = m["mean"].to_numpy()
    q = np.full(len(means), spec.quadrants[-1].quadrant)
    for quad in reversed(spec.quadrants[:-1]):
        q = np.where(means >= quad.lower, quad.quadrant, q)
    names = {qq.quadrant: qq.name_ru for qq in spec.quadrants}
    return (m.with_columns(pl.Series("quadrant", q).cast(pl.Int32))
            .with_columns(pl.col("quadrant").replace_strict(names, return_dtype=pl.Utf8).alias("quadrant_name"),
                          pl.col("item").replace_strict({c: spec.catalogue[c]["name_ru"] for c in spec.riskmap_items},
                                                        return_dtype=pl.Utf8).alias("name_ru"))
            .select("item", "name_ru", "mean", "quadrant", "quadrant_name", "n_cities")
            .sort("mean", descending=True))


# --- change: data effect and methodology effect -------------------------------------------------------------------


def decompose(current: pl.DataFrame, previous_rescored: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    """Split a year-on-year change into a data effect and a methodology effect:

        total       = score(t, spec t)   − score(t−1, spec t−1)
        data effect = score(t, spec t)   − score(t−1, spec t)     (same method, new data)
        method eff. = score(t−1, spec t) − score(t−1, spec t−1)   (same data, new method)

    so total = data effect + methodology effect exactly. Frames: kato, score. Cities missing in any of the three
    get null effects (and are not dropped)."""
    out = (current.select("kato", pl.col("score"))
           .join(previous_rescored.select("kato", pl.col("score").alias("previous_rescored")), on="kato", how="left")
           .join(previous.select("kato", pl.col("score").alias("previous")), on="kato", how="left"))
    return out.with_columns(
        (pl.col("score") - pl.col("previous")).alias("total_change"),
        (pl.col("score") - pl.col("previous_rescored")).alias("data_effect"),
        (pl.col("previous_rescored") - pl.col("previous")).alias("method_effect"),
    )

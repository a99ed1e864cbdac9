"""Load → compute → save for the city QoL rating; what the CLI and the demo call."""

from __future__ import annotations

import duckdb
import polars as pl

from aimaq.errors import AimaqError, ComputationError, SpecError
from aimaq.i18n import _
from aimaq.rating import compute as C
from aimaq.rating import repository as repo
from aimaq.rating.spec import ROOT, RatingSpec, available_years, load_rating_spec
from aimaq.rating.synthetic import generate, load_params

SYNTHETIC_SOURCE = {
    "publisher": "Aimaq",
    "title": "Синтетические данные рейтинга качества жизни в городах (генератор aimaq.rating.synthetic)",
    "licence": "synthetic",
}
SOURCES = ("published", "computed")


# --- synthetic data -------------------------------------------------------------------------------------------------


def build_synthetic_rating_data(con: duckdb.DuckDBPyConnection, seed: int = 2023) -> dict:
    """Generate and store synthetic inputs for every year with a spec: statistical indicator values (observations,
    synthetic, indicator codes qol_stat_<code>) and respondent-level survey answers (rating_survey_*), calibrated to
    the published Table 2 scores and Table 3 quadrants read from the database. Returns counts and calibration."""
    published = repo.published_scores(con)
    if published.height == 0:
        raise AimaqError(_no_published_rating())
    params = load_params()
    years = [y for y in params.get("years", available_years()) if y in available_years()]
    specs = {y: load_rating_spec(y) for y in years}
    latest = specs[years[-1]]
    published = published.filter(pl.col("year").is_in(years))
    t3 = repo.published_table3()
    name2code = {e["name_ru"]: c for c, e in latest.catalogue.items() if e["kind"] == "survey"}
    unknown = [n for n in t3["name"].to_list() if n not in name2code]
    if unknown:
        raise SpecError(_("Table 3 items not in the rating catalogue: {items}", items=unknown))
    t3 = t3.with_columns(pl.col("name").replace_strict(name2code).alias("item"))
    syn = generate(published.select("kato", "year", "score"), t3, specs, params, seed)
    note = f"synthetic (aimaq.rating.synthetic, seed {seed})"
    repo.save_catalogue(con, latest.catalogue, "Показатель рейтинга качества жизни (каталог Aimaq, по умолчанию)")
    source = dict(SYNTHETIC_SOURCE, place=f"seed {seed}")
    n_stat = repo.save_statistical(con, syn.statistical, synthetic=True, source=source)
    n_resp = repo.replace_survey(con, syn.responses, synthetic=True, source=note)
    return {"seed": seed, "years": years, "statistical_values": syn.statistical.height, "observations_written": n_stat,
            "respondents": n_resp, "answers": syn.responses.height, "calibration_max_abs": syn.calibration}


# --- computing ------------------------------------------------------------------------------------------------------


def _inputs(con, spec: RatingSpec, data_year: int) -> tuple[pl.DataFrame, pl.DataFrame, bool]:
    stat = repo.load_statistical(con, data_year, spec.statistical)
    survey = repo.load_survey(con, data_year)
    if stat.height == 0 and survey.height == 0:
        raise ComputationError(_("no rating data for {year} (statistical indicators or survey): `aimaq import` "
                                 "loads them (`aimaq demo` builds a database with synthetic ones)", year=data_year))
    synthetic = bool(stat["synthetic"].any()) or bool(survey["synthetic"].any()) if survey.height else \
        bool(stat["synthetic"].any())
    return stat, survey, synthetic


def score_data(con, data_year: int, spec: RatingSpec) -> tuple[C.Scored, pl.DataFrame, bool]:
    """Score one year's stored data under a spec. Returns the result, the item means and the synthetic flag."""
    stat, survey, synthetic = _inputs(con, spec, data_year)
    scored, means = _score_inputs(spec, stat, survey)
    return scored, means, synthetic


def _score_inputs(spec: RatingSpec, stat: pl.DataFrame, survey: pl.DataFrame) -> tuple[C.Scored, pl.DataFrame]:
    means = C.survey_item_means(survey) if survey.height else pl.DataFrame(
        schema={"kato": pl.Utf8, "item": pl.Utf8, "mean": pl.Float64, "n": pl.UInt32, "n_resp": pl.UInt32})
    data, missing = C.assemble(spec, stat, means)
    return C.score(spec, data, missing), means


def compute_rating(con: duckdb.DuckDBPyConnection, year: int) -> dict:
    """Compute the rating of `year` under its spec and store it (with the risk map when there is a survey). When the
    previous year has a spec and data, also store the previous year under its own spec and under this year's spec,
    for the data / methodology decomposition. Returns run ids and the headline figures."""
    spec = load_rating_spec(year)
    scored, means, synthetic = score_data(con, year, spec)
    rm = C.riskmap(spec, means) if means.height and spec.quadrants else None
    runs = {(year, year): repo.save_run(con, scored, data_year=year, synthetic=synthetic, riskmap=rm)}
    prev = year - 1
    if prev in available_years() and prev in repo.data_years(con):
        prev_spec = load_rating_spec(prev)
        s_pp, m_pp, syn_pp = score_data(con, prev, prev_spec)
        rm_pp = C.riskmap(prev_spec, m_pp) if m_pp.height and prev_spec.quadrants else None
        runs[(prev, prev)] = repo.save_run(con, s_pp, data_year=prev, synthetic=syn_pp, riskmap=rm_pp)
        s_pt, _, syn_pt = score_data(con, prev, spec)
        runs[(prev, year)] = repo.save_run(con, s_pt, data_year=prev, synthetic=syn_pt)
    scores = scored.scores()
    return {"year": year, "runs": {f"{d}@{s}": r for (d, s), r in runs.items()}, "synthetic": synthetic,
            "cities": scores.height, "mean": float(scores["score"].mean()),
            "missing_indicators": scored.missing_indicators, "spec_sha256": spec.sha256}


# --- reading results ------------------------------------------------------------------------------------------------


def _scores(con, year: int, source: str) -> tuple[pl.DataFrame, bool]:
    """kato, score, rank for one year from the published table or the latest computed run."""
    if source not in SOURCES:
        raise AimaqError(_("source must be one of {choices}", choices=", ".join(SOURCES)))
    if source == "published":
        p = repo.published_scores(con, year).filter(pl.col("score").is_not_null())
        if p.height == 0:
            return pl.DataFrame(schema={"kato": pl.Utf8, "score": pl.Float64, "rank": pl.Int32}), False
        p = C.rank_scores(p.select("kato", "score", "published_rank"))
        # the Table 2 № where it is published (2024: it breaks the Шымкент / Семей tie), else the rank by score
        p = p.with_columns(pl.coalesce("published_rank", "rank").cast(pl.Int32).alias("rank"))
        return p.select("kato", "score", "rank"), False
    r = repo.latest_results(con, year)
    return r.select("kato", "score", "rank"), bool(r["synthetic"].any()) if r.height else False


def _no_published_rating() -> str:
    return _("the database holds no published rating (Table 2 of the review): `aimaq init` or `aimaq demo` loads it")


def _missing_rating(con: duckdb.DuckDBPyConnection, year: int, source: str) -> str:
    """Why there is no rating of `year` and what to do: the published years, or the command that computes it."""
    if source != "published":
        return _("no computed rating for {year}: `aimaq rating compute --year {year}` computes it", year=year)
    years = sorted(set(repo.published_scores(con).drop_nulls("score")["year"].to_list()))
    if not years:
        return _no_published_rating()
    return _("no published rating for {year}: the review publishes the years {years} (`aimaq rating compute --year "
             "{year}` computes one from data)", year=year, years=", ".join(map(str, years)))


def show_rating(con: duckdb.DuckDBPyConnection, year: int, source: str = "published") -> pl.DataFrame:
    """rank, city, kato, score, previous, change_points, change_pct, source, synthetic — Table 2 for one year."""
    cur, synthetic = _scores(con, year, source)
    if cur.height == 0:
        raise AimaqError(_missing_rating(con, year, source))
    prev = _scores(con, year - 1, source)[0]
    t = C.change_table(cur, prev if prev.height else None).join(cur.select("kato", "rank"), on="kato")
    names = repo.city_names(con, t["kato"].to_list())
    return (t.with_columns(pl.col("kato").replace_strict(names, return_dtype=pl.Utf8).alias("city"),
                           pl.lit(source).alias("source"), pl.lit(synthetic).alias("synthetic"))
            .sort("rank", "kato")
            .select("rank", "city", "kato", "score", "previous", "change_points", "change_pct", "source", "synthetic"))


def rating_summary(con: duckdb.DuckDBPyConnection, year: int, source: str = "published", n: int = 5) -> dict:
    """Mean and its change, leaders, bottom five, cities over the spec's threshold (names, not codes)."""
    cur, synthetic = _scores(con, year, source)
    if cur.height == 0:
        raise AimaqError(_missing_rating(con, year, source))
    prev = _scores(con, year - 1, source)[0]
    threshold = load_rating_spec(year).threshold if year in available_years() else 5.0
    s = C.summary(cur, prev if prev.height else None, threshold, n)
    names = repo.city_names(con, cur["kato"].to_list())
    s["leaders"] = [names[k] for k in s["leaders"]]
    s["bottom"] = [names[k] for k in s["bottom"]]
    s.update(year=year, source=source, synthetic=synthetic)
    return s


def factor_scores(con: duckdb.DuckDBPyConnection, year: int) -> pl.DataFrame:
    """rank, city, kato, qol and one 0–10 column per factor of the year's spec (computed results)."""
    r = repo.latest_results(con, year, node=None)
    if r.height == 0:
        raise AimaqError(_missing_rating(con, year, "computed"))
    spec = load_rating_spec(year)
    keep = [ROOT] + [f.code for f in spec.factors]
    wide = (r.filter(pl.col("node").is_in(keep)).pivot(on="node", index="kato", values="score")
            .join(r.filter(pl.col("node") == ROOT).select("kato", "rank"), on="kato"))
    names = repo.city_names(con, wide["kato"].to_list())
    return (wide.with_columns(pl.col("kato").replace_strict(names, return_dtype=pl.Utf8).alias("city"),
                              pl.lit(bool(r["synthetic"].any())).alias("synthetic"))
            .sort("rank", "kato").select(["rank", "city", "kato"] + keep + ["synthetic"]))


def change_decomposition(con: duckdb.DuckDBPyConnection, year: int) -> pl.DataFrame:
    """city, score (t, spec t), previous_rescored (t−1, spec t), previous (t−1, spec t−1), total_change,
    data_effect, method_effect (computed results; run `compute_rating(con, year)` first)."""
    cur = repo.latest_results(con, year)
    resc = repo.latest_results(con, year - 1, year)
    prev = repo.latest_results(con, year - 1)
    if cur.height == 0 or resc.height == 0 or prev.height == 0:
        raise AimaqError(_("no computed results for {year} and {before} under both specs: `aimaq rating compute "
                           "--year {year}` computes them (it needs the {before} data)", year=year, before=year - 1))
    d = C.decompose(cur, resc, prev)
    names = repo.city_names(con, d["kato"].to_list())
    synthetic = bool(cur["synthetic"].any() or resc["synthetic"].any() or prev["synthetic"].any())
    return (d.join(cur.select("kato", "rank"), on="kato").sort("rank", "kato")
            .with_columns(pl.col("kato").replace_strict(names, return_dtype=pl.Utf8).alias("city"),
                          pl.lit(synthetic).alias("synthetic"))
            .select("rank", "city", "kato", "score", "previous_rescored", "previous", "total_change", "data_effect",
                    "method_effect", "synthetic"))


def rating_riskmap(con: duckdb.DuckDBPyConnection, year: int) -> pl.DataFrame:
    """Table 3 from the survey: item, name_ru, mean, quadrant, quadrant_name, published_quadrant (where the review
    publishes it), synthetic. Computed from the stored survey (not from a stored run)."""
    spec = load_rating_spec(year)
    survey = repo.load_survey(con, year)
    if survey.height == 0:
        raise AimaqError(_("no survey answers for {year}", year=year))
    rm = C.riskmap(spec, C.survey_item_means(survey))
    pub = repo.published_table3() if year == 2024 else pl.DataFrame(schema={"name": pl.Utf8, "quadrant": pl.Int64})
    name2code = {e["name_ru"]: c for c, e in spec.catalogue.items() if e["kind"] == "survey"}
    pub = pub.filter(pl.col("name").is_in(list(name2code))).select(
        pl.col("name").replace_strict(name2code).alias("item"), pl.col("quadrant").cast(pl.Int32).alias("published_quadrant"))
    return (rm.join(pub, on="item", how="left", maintain_order="left")
            .with_columns(pl.lit(bool(survey["synthetic"].any())).alias("synthetic")))


def rating_uncertainty(con: duckdb.DuckDBPyConnection, year: int, n: int, seed: int | None = None) -> pl.DataFrame:
    """Monte Carlo over the spec's uncertainty inputs (factor/block weights, normalisation, weighted bootstrap of the
    survey respondents) with the composite engine (`compute.uncertainty`): city, nominal score and rank, rank mean /
    median / 5–95 % and score 5–95 %."""
    if n < 1:
        raise AimaqError(_("--n must be at least 1"))
    spec = load_rating_spec(year)
    stat, survey, synthetic = _inputs(con, spec, year)
    scored = _score_inputs(spec, stat, survey)[0]
    frame = C.uncertainty(scored, survey if survey.height else None, n, seed)[0]
    names = repo.city_names(con, frame["kato"].to_list())
    return (frame.with_columns(pl.col("kato").replace_strict(names, return_dtype=pl.Utf8).alias("city"),
                               pl.lit(synthetic).alias("synthetic"))
            .sort("rank", "kato")
            .select("rank", "city", "kato", "score", "rank_mean", "rank_median", "rank_q5", "rank_q95", "score_q5",
                    "score_q95", "draws", "synthetic"))


__all__ = ["build_synthetic_rating_data", "compute_rating", "show_rating", "rating_summary", "factor_scores",
           "change_decomposition",
           "rating_riskmap", "rating_uncertainty", "ROOT"]

"""Synthetic inputs → computed ratings: separation from the published table, calibration, risk map, decomposition,
provenance, uncertainty."""

import numpy as np
import polars as pl
import pytest
import yaml

from aimaq.composite.index import CompositeIndex
from aimaq.rating import compute as C
from aimaq.rating import repository as repo
from aimaq.rating import service as S
from aimaq.rating.spec import load_rating_spec


def test_published_and_computed_are_kept_apart(con):
    pub = con.execute("SELECT count(*), bool_or(synthetic), max(revision) FROM observation "
                      "WHERE indicator = 'qol_score'").fetchone()
    assert pub == (81, False, 1)  # 26·3 − 1 (+ the «н/д» row) + 3 mean rows, never revised by the rating
    runs = con.execute("SELECT count(*), bool_and(synthetic) FROM rating_run").fetchone()
    assert runs[0] >= 3 and runs[1]
    p = S.show_rating(con, 2024, "published")
    c = S.show_rating(con, 2024, "computed")
    assert not p["synthetic"].any() and c["synthetic"].all()
    assert p["score"].to_list() != c["score"].to_list()  # computed scores are not copies of the published ones
    # … but the generator is calibrated to them (by construction; says nothing of the official method)
    both = p.select("kato", pl.col("score").alias("pub")).join(c.select("kato", "score"), on="kato")
    assert (both["pub"] - both["score"]).abs().max() < 0.01
    assert c["city"].head(5).to_list() == ["Туркестан", "Астана", "Костанай", "Конаев", "Атырау"]
    stat = con.execute("SELECT bool_and(synthetic), count(*) FROM observation WHERE starts_with(indicator, 'qol_stat_')").fetchone()
    assert stat[0] and stat[1] > 5000


def test_synthetic_inputs_have_the_structure(con, rating_db):
    info = rating_db[1]
    assert info["years"] == [2022, 2023, 2024]
    assert max(info["calibration_max_abs"].values()) < 0.005
    n = dict(con.execute("SELECT survey_year, count(DISTINCT kato) FROM rating_survey_respondent GROUP BY 1").fetchall())
    assert n == {2022: 25, 2023: 26, 2024: 26}  # Конаев was not rated in 2022
    items = con.execute("SELECT count(DISTINCT item) FROM rating_survey_answer").fetchone()[0]
    assert items == 44
    new = con.execute("SELECT DISTINCT period FROM observation WHERE indicator = 'qol_stat_k09'").fetchall()
    assert new == [("2024",)]


def test_riskmap_reproduces_table3_quadrants(con):
    rm = S.rating_riskmap(con, 2024)
    assert rm.height == 44 and rm["synthetic"].all()
    assert rm["n_cities"].to_list() == [26] * 44
    wrong = rm.filter(pl.col("quadrant") != pl.col("published_quadrant"))
    assert wrong.height == 0, wrong
    counts = dict(rm.group_by("quadrant").len().iter_rows())
    assert counts == {1: 5, 2: 12, 3: 23, 4: 4}
    q1 = rm.filter(pl.col("quadrant") == 1)
    assert 7.0 <= q1["mean"].min() and q1["mean"].max() < 7.8
    stored = repo.latest_riskmap(con, 2024)
    assert stored.height == 44 and set(stored["quadrant"].to_list()) == {1, 2, 3, 4}


def test_decomposition_adds_up_exactly(con):
    d = S.change_decomposition(con, 2024)
    assert d.height == 26
    err = (d["data_effect"] + d["method_effect"] - d["total_change"]).abs().max()
    assert err < 1e-12
    # the 2024 method (Ecology and safety split off) raises the synthetic scores: part of the growth is methodological
    assert 0 < d["method_effect"].mean() < d["total_change"].mean()
    # 2023 has the 2022 method: recomputing 2022 under it changes nothing
    d23 = S.change_decomposition(con, 2023)
    assert d23.filter(pl.col("method_effect").is_not_null())["method_effect"].abs().max() < 1e-12
    assert d23.filter(pl.col("city") == "Конаев")["total_change"][0] is None


def test_runs_record_provenance_and_regenerate(con):
    run = con.execute("""SELECT spec_version, spec_sha256, data_fingerprint, code_version, synthetic,
                                missing_indicators, methodology_log
                         FROM rating_run WHERE data_year = 2023 AND spec_year = 2024 ORDER BY run_id DESC""").fetchone()
    spec = load_rating_spec(2024)
    assert run[0] == spec.version == "2024.1" and run[1] == spec.sha256 and len(run[2]) == 64 and run[4]
    assert run[5] == ["k09", "k10", "k11", "k12"]  # «where its data allow»: new 2024 indicators have no 2023 data
    scored, _, _ = S.score_data(con, 2023, spec)
    assert scored.fingerprint == run[2]
    again = CompositeIndex.from_log(yaml.safe_load(run[6]), scored.index.frames["Raw"])
    assert again.equals(scored.index)
    stored = repo.latest_results(con, 2023, 2024)
    assert np.allclose(stored.sort("kato")["score"].to_numpy(), scored.scores().sort("kato")["score"].to_numpy())


def test_uncertainty(con):
    u = S.rating_uncertainty(con, 2024, 30, seed=7)
    assert u.columns == ["rank", "city", "kato", "score", "rank_mean", "rank_median", "rank_q5", "rank_q95",
                         "score_q5", "score_q95", "draws", "synthetic"]
    assert u.height == 26 and u["draws"].to_list() == [30] * 26 and u["synthetic"].all()
    # the 5–95 % interval contains the median and the mean
    assert (u["rank_q5"] <= u["rank_median"]).all() and (u["rank_median"] <= u["rank_q95"]).all()
    assert (u["rank_q5"] <= u["rank_mean"]).all() and (u["rank_mean"] <= u["rank_q95"]).all()
    assert (u["score_q5"] <= u["score_q95"]).all() and (u["rank_q95"] <= 26).all() and (u["rank_q5"] >= 1).all()
    # nominal score and rank are the computed rating's
    nominal = S.show_rating(con, 2024, "computed")
    assert dict(u.select("kato", "score").iter_rows()) == pytest.approx(dict(nominal.select("kato", "score").iter_rows()))
    assert dict(u.select("kato", "rank").iter_rows()) == dict(nominal.select("kato", "rank").iter_rows())
    # deterministic for a seed, different for another
    assert u.equals(S.rating_uncertainty(con, 2024, 30, seed=7))
    assert not u.equals(S.rating_uncertainty(con, 2024, 30, seed=8))


def test_uncertainty_bootstrap_uses_the_survey_weights(con):
    """Only the survey bootstrap varies: every replicate item mean is a weighted mean of resampled answers, so the
    bootstrap reproduces the weighted city means on average and spreads the scores around the nominal ones."""
    spec = load_rating_spec(2024)
    spec.uncertainty = dict(spec.uncertainty, inputs=[i for i in spec.uncertainty["inputs"]
                                                      if i["type"] == "bootstrap"])
    stat, survey, _ = S._inputs(con, spec, 2024)
    scored, means = S._score_inputs(spec, stat, survey)
    frame, res = C.uncertainty(scored, survey, 200, seed=5)
    assert res.info["respondent_weight"] == "weight"
    # weights and normalisation stay nominal: a replicate differs from the nominal score only through the survey
    # blocks, by a few hundredths of a point (250–350 respondents per city)
    dev = res.scores - res.nominal_score
    assert 0 < np.abs(dev).max() < 0.2
    assert np.abs(dev.mean(axis=0)).max() < 0.01  # the bootstrap centres on the weighted nominal score
    assert (frame["score_q5"] <= frame["score"]).all() and (frame["score"] <= frame["score_q95"]).all()
    # respondents_wide of the stored survey gives back the stored item means (weighted, nulls left out)
    wide = C.respondents_wide(survey, spec.survey)
    city = wide.filter(pl.col("uCode") == wide["uCode"][0])
    w = city["weight"].to_numpy()
    for item in spec.survey[:5]:
        x = city[item].to_numpy().astype(float)
        ok = ~np.isnan(x)
        want = means.filter((pl.col("kato") == city["uCode"][0]) & (pl.col("item") == item))["mean"][0]
        assert (w[ok] * x[ok]).sum() / w[ok].sum() == pytest.approx(want, abs=1e-12)


def test_generator_is_deterministic():
    from aimaq.rating.synthetic import generate, load_params

    specs = {y: load_rating_spec(y) for y in (2023, 2024)}
    pub = pl.DataFrame({"kato": ["A", "B", "C", "A", "B", "C"], "year": [2023] * 3 + [2024] * 3,
                        "score": [4.5, 5.0, None, 5.5, 6.0, 5.0]})
    t3 = repo.published_table3()
    name2code = {e["name_ru"]: c for c, e in specs[2024].catalogue.items() if e["kind"] == "survey"}
    t3 = t3.with_columns(pl.col("name").replace_strict(name2code).alias("item"))
    params = load_params()
    a = generate(pub, t3, specs, params, 5)
    b = generate(pub, t3, specs, params, 5)
    assert a.statistical.equals(b.statistical) and a.responses.equals(b.responses)
    assert not a.responses.equals(generate(pub, t3, specs, params, 6).responses)
    assert set(a.responses.filter(pl.col("year") == 2023)["kato"].unique()) == {"A", "B"}
    got = C.score_year(specs[2024], a.statistical.filter(pl.col("year") == 2024),
                       a.responses.filter(pl.col("year") == 2024).with_columns(pl.col("answer").cast(pl.Float64)))
    assert dict(got.scores().select("kato", "score").iter_rows()) == pytest.approx({"A": 5.5, "B": 6.0, "C": 5.0},
                                                                                   abs=0.01)


def test_factor_scores_average_to_the_index(con):
    f = S.factor_scores(con, 2024)
    parts = f.select("econ", "human", "infra", "eco").to_numpy()
    assert np.allclose(parts.mean(axis=1), f["qol"].to_numpy(), atol=1e-12)  # equal factor weights
    assert ((parts >= 0) & (parts <= 10)).all()

"""Hand-computed scores for a 3-city case through the rating's functions, and the pure helpers."""

import numpy as np
import polars as pl
import pytest

from aimaq.errors import ComputationError, ValidationFailed
from aimaq.rating import compute as C
from aimaq.rating.spec import RatingSpec

CATALOGUE = {
    "a": {"kind": "statistical", "name_ru": "A", "unit": "%", "direction": 1, "goalposts": [0, 100]},
    "b": {"kind": "statistical", "name_ru": "B", "unit": "ед.", "direction": -1, "goalposts": [10, 20]},
    "s1": {"kind": "survey", "name_ru": "S1", "unit": "балл", "direction": 1, "goalposts": [0, 10]},
    "s2": {"kind": "survey", "name_ru": "S2", "unit": "балл", "direction": 1, "goalposts": [0, 10]},
}
SPEC = {
    "name": "tiny", "version": "1", "year": 2024,
    "factors": [{"code": "f1", "weight": 2, "statistical": ["a"], "survey": ["s1"]},
                {"code": "f2", "weight": 1, "statistical": ["b"], "survey": ["s2"]}],
    "riskmap": {"quadrants": [{"quadrant": 1, "lower": 7.0}, {"quadrant": 2, "lower": 6.0},
                              {"quadrant": 3, "lower": 5.0}, {"quadrant": 4, "lower": None}]},
}


@pytest.fixture()
def spec():
    return RatingSpec.from_dict(SPEC, CATALOGUE)


STAT = pl.DataFrame({"kato": ["X", "X", "Y", "Y", "Z", "Z"], "indicator": ["a", "b"] * 3,
                     "value": [50.0, 12.0, 100.0, 20.0, 120.0, 10.0]})
# kato, respondent, weight, item, answer (None = «затрудняюсь ответить»)
RESP = pl.DataFrame(
    [("X", 1, 1.0, "s1", 8.0), ("X", 2, 3.0, "s1", 6.0), ("X", 1, 1.0, "s2", 4.0), ("X", 2, 3.0, "s2", None),
     ("Y", 3, 2.0, "s1", 10.0), ("Y", 4, 2.0, "s1", 0.0), ("Y", 3, 2.0, "s2", 7.0), ("Y", 4, 2.0, "s2", 7.0),
     ("Z", 5, 1.0, "s1", 3.0), ("Z", 6, 1.0, "s1", None), ("Z", 5, 1.0, "s2", 9.0), ("Z", 6, 1.0, "s2", 5.0)],
    schema=["kato", "respondent_id", "weight", "item", "answer"], orient="row")


def test_weighted_item_means(spec):
    m = {(r["kato"], r["item"]): r["mean"] for r in C.survey_item_means(RESP).iter_rows(named=True)}
    # X s1: (1·8 + 3·6)/4 = 6.5; X s2: only respondent 1 answered → 4; Y s1: (20 + 0)/4 = 5
    assert m == pytest.approx({("X", "s1"): 6.5, ("X", "s2"): 4.0, ("Y", "s1"): 5.0, ("Y", "s2"): 7.0,
                               ("Z", "s1"): 3.0, ("Z", "s2"): 7.0})


def test_three_city_scores_by_hand(spec):
    r = C.score_year(spec, STAT, RESP)
    got = {(x["kato"], x["node"]): x["score"] for x in r.results.iter_rows(named=True)}
    # normalised: a = 5, 10, 10 (120 truncated at the goalpost); b (lower is better, 10..20) = 8, 0, 10
    # f1 = (a + s1)/2: X (5 + 6.5)/2 = 5.75, Y (10 + 5)/2 = 7.5, Z (10 + 3)/2 = 6.5
    # f2 = (b + s2)/2: X (8 + 4)/2 = 6, Y (0 + 7)/2 = 3.5, Z (10 + 7)/2 = 8.5
    # index = (2 f1 + f2)/3: X 17.5/3, Y 18.5/3, Z 21.5/3
    want = {("X", "f1"): 5.75, ("Y", "f1"): 7.5, ("Z", "f1"): 6.5, ("X", "f2"): 6.0, ("Y", "f2"): 3.5,
            ("Z", "f2"): 8.5, ("X", "qol"): 17.5 / 3, ("Y", "qol"): 18.5 / 3, ("Z", "qol"): 21.5 / 3,
            ("X", "f1_stat"): 5.0, ("Z", "f2_srv"): 7.0}
    for k, v in want.items():
        assert got[k] == pytest.approx(v, abs=1e-12), k
    ranks = dict(r.scores().select("kato", "rank").iter_rows())
    assert ranks == {"Z": 1, "Y": 2, "X": 3}
    assert r.results["coverage"].to_list() == pytest.approx([1.0] * r.results.height)


def test_missing_indicator_is_skipped_and_reported_in_coverage(spec):
    stat = STAT.filter(~((pl.col("kato") == "X") & (pl.col("indicator") == "a")))
    r = C.score_year(spec, stat, RESP)
    s = dict(r.scores().select("kato", "score").iter_rows())
    # X: f1 = s1 only = 6.5; index = (2·6.5 + 6)/3
    assert s["X"] == pytest.approx(19 / 3)
    assert s["Y"] == pytest.approx(18.5 / 3)
    cov = dict(r.results.filter(pl.col("node") == "qol").select("kato", "coverage").iter_rows())
    assert cov["X"] == pytest.approx(1 - 2 / 3 / 2)  # a carries (2/3)·(1/2) of the index
    # an indicator absent for every city: kept empty and listed
    r2 = C.score_year(spec, STAT.filter(pl.col("indicator") != "b"), RESP)
    assert r2.missing_indicators == ["b"]
    assert dict(r2.scores().select("kato", "score").iter_rows())["X"] == pytest.approx((2 * 5.75 + 4) / 3)


def test_bad_inputs_raise(spec):
    with pytest.raises(ValidationFailed):
        C.survey_item_means(RESP.with_columns(pl.lit(11.0).alias("answer")))
    with pytest.raises(ComputationError):
        C.score_year(spec, STAT.head(0), RESP.head(0))


def test_respondents_wide_keeps_raw_answers_and_weights(spec):
    wide = C.respondents_wide(RESP, ["s1", "s2"])
    assert wide.columns == ["uCode", "s1", "s2", "weight"]
    assert wide.rows() == [("X", 8.0, 4.0, 1.0), ("X", 6.0, None, 3.0), ("Y", 10.0, 7.0, 2.0), ("Y", 0.0, 7.0, 2.0),
                           ("Z", 3.0, 9.0, 1.0), ("Z", None, 5.0, 1.0)]
    # the weighted mean over those who answered is the survey's item mean
    wm = wide.group_by("uCode").agg([((pl.col(c) * pl.col("weight")).sum() / pl.col("weight").filter(
        pl.col(c).is_not_null()).sum()).alias(c) for c in ("s1", "s2")]).sort("uCode")
    assert wm["s1"].to_list() == pytest.approx([6.5, 5.0, 3.0])
    assert wm["s2"].to_list() == pytest.approx([4.0, 7.0, 7.0])
    # an item nobody answered is an empty column
    assert C.respondents_wide(RESP.filter(pl.col("item") == "s1"), ["s1", "s2"])["s2"].null_count() == 6


def test_respondents_wide_rejects_bad_weights_and_duplicates():
    def problems(frame) -> str:
        with pytest.raises(ValidationFailed) as err:
            C.respondents_wide(frame, ["s1", "s2"])
        return err.value.details()

    # the reasons in the user's language (Russian by default)
    assert "вес должен быть" in problems(RESP.with_columns(pl.when(pl.col("respondent_id") == 1).then(0.0)
                                                 .otherwise(pl.col("weight")).alias("weight")))
    two_weights = RESP.with_columns(pl.when((pl.col("respondent_id") == 1) & (pl.col("item") == "s2")).then(5.0)
                                    .otherwise(pl.col("weight")).alias("weight"))
    assert "респондент 1" in problems(two_weights)
    assert "отвечает на s1 несколько раз: 2" in problems(pl.concat([RESP, RESP.head(1)]))


# City X's s1: respondent 1 (weight 9) answers 10, respondent 2 (weight 1) answers 0; weighted mean 9, plain mean 5.
BOOT_RESP = pl.DataFrame(
    [("X", 1, 9.0, "s1", 10.0), ("X", 2, 1.0, "s1", 0.0), ("X", 1, 9.0, "s2", 5.0), ("X", 2, 1.0, "s2", 5.0),
     ("Y", 3, 1.0, "s1", 6.0), ("Y", 4, 1.0, "s1", 6.0), ("Y", 3, 1.0, "s2", 7.0), ("Y", 4, 1.0, "s2", 7.0),
     ("Z", 5, 1.0, "s1", 3.0), ("Z", 6, 1.0, "s1", 3.0), ("Z", 5, 1.0, "s2", 9.0), ("Z", 6, 1.0, "s2", 9.0)],
    schema=["kato", "respondent_id", "weight", "item", "answer"], orient="row")


def _boot_spec(**inp):
    d = dict(SPEC, uncertainty={"seed": 11, "inputs": [{"name": "boot", "type": "bootstrap", "n_sets": 400, **inp}]})
    return RatingSpec.from_dict(d, CATALOGUE)


def test_weighted_bootstrap_by_hand():
    spec = _boot_spec(weight="weight")
    scored = C.score_year(spec, STAT, BOOT_RESP)
    frame, res = C.uncertainty(scored, BOOT_RESP, 400, seed=3)
    assert res.info["respondent_weight"] == "weight" and res.info["draws"] == 400
    x = res.units.index("X")
    # X: a = 5, b = 8, s2 = 5 → qol = (2 (5 + s1)/2 + (8 + 5)/2)/3 = (11.5 + s1)/3; nominal s1 = 9
    assert res.nominal_score[x] == pytest.approx(20.5 / 3)
    # two respondents resampled with equal probability: {10, 10} → 10, {0, 0} → 0, one of each → (9·10 + 0)/10 = 9
    got = np.unique(np.round(res.scores[:, x], 12))
    assert got == pytest.approx(np.array([11.5, 20.5, 21.5]) / 3)
    share = np.isclose(res.scores[:, x], 20.5 / 3).mean()
    assert 0.4 < share < 0.6  # probability 1/2
    # Y and Z: identical answers within the city, so every replicate is the nominal score
    for c in ("Y", "Z"):
        assert np.allclose(res.scores[:, res.units.index(c)], res.nominal_score[res.units.index(c)], atol=1e-12)
    row = frame.filter(pl.col("kato") == "X").row(0, named=True)
    assert row["score_q5"] == pytest.approx(11.5 / 3) and row["score_q95"] == pytest.approx(21.5 / 3)

    # the weights pull the replicates towards the heavy respondent: without them the mixed draw gives s1 = 5
    plain = RatingSpec.from_dict(dict(SPEC, uncertainty={"seed": 11, "inputs": [
        {"name": "boot", "type": "bootstrap", "n_sets": 400}]}), CATALOGUE)
    scored_p = C.score_year(plain, STAT, BOOT_RESP)
    from aimaq.composite.uncertainty import run_uncertainty

    unweighted = run_uncertainty(scored_p.index, plain.uncertainty["inputs"], 400, seed=3,
                                 respondents=C.respondents_wide(BOOT_RESP, ["s1", "s2"]).drop("weight"))
    assert "respondent_weight" in unweighted.info and unweighted.info["respondent_weight"] is None
    uw = unweighted.scores[:, x]
    assert np.unique(np.round(uw, 12)) == pytest.approx(np.array([11.5, 16.5, 21.5]) / 3)
    assert np.median(res.scores[:, x]) == pytest.approx(20.5 / 3)
    assert np.median(uw) == pytest.approx(16.5 / 3)
    assert res.scores[:, x].mean() > uw.mean()
    # same seed, same draws
    again, _ = C.uncertainty(scored, BOOT_RESP, 400, seed=3)
    assert again.equals(frame)


def test_uncertainty_without_survey_drops_the_bootstrap():
    spec = _boot_spec(weight="weight")
    spec.uncertainty["inputs"].append({"name": "w", "type": "weights", "noise": {2: 0.25}})
    scored = C.score_year(spec, STAT, BOOT_RESP)
    frame, res = C.uncertainty(scored, None, 50, seed=1)
    assert "respondent_weight" not in res.info and [i["type"] for i in res.info["inputs"]] == ["weights"]
    assert frame["score"].to_list() == pytest.approx(scored.scores().sort("kato")["score"].to_list())
    assert len(spec.uncertainty["inputs"]) == 2  # the caller's spec is left as it was


def test_change_leaders_threshold():
    cur = pl.DataFrame({"kato": ["A", "B", "C", "D"], "score": [5.90, 5.0, 6.2, 4.9]})
    prev = pl.DataFrame({"kato": ["A", "B", "C"], "score": [4.35, 5.1, 6.0]})
    t = {r["kato"]: r for r in C.change_table(cur, prev).iter_rows(named=True)}
    assert t["A"]["change_points"] == pytest.approx(1.55)
    assert t["A"]["change_pct"] == pytest.approx(1.55 / 4.35 * 100)
    assert t["D"]["previous"] is None and t["D"]["change_pct"] is None
    ranked = C.rank_scores(cur)
    assert ranked["rank"].to_list() == [2, 3, 1, 4]
    assert C.leaders(ranked, 2) == ["C", "A"] and C.bottom(ranked, 2) == ["B", "D"]
    assert C.over_threshold(ranked, 5.0)["kato"].to_list() == ["A", "B", "C"]
    s = C.summary(ranked, prev, 5.0, 2)
    assert s["mean_change_points"] == pytest.approx(cur["score"].mean() - prev["score"].mean())


def test_riskmap_cut_points(spec):
    means = pl.DataFrame({"kato": ["X", "Y"] * 2, "item": ["s1", "s1", "s2", "s2"], "mean": [7.5, 6.5, 5.0, 4.98]})
    rm = {r["item"]: r for r in C.riskmap(spec, means).iter_rows(named=True)}
    assert rm["s1"]["mean"] == pytest.approx(7.0) and rm["s1"]["quadrant"] == 1  # 7.0 belongs to quadrant 1
    assert rm["s2"]["mean"] == pytest.approx(4.99) and rm["s2"]["quadrant"] == 4
    assert rm["s1"]["n_cities"] == 2


def test_decomposition_adds_up():
    cur = pl.DataFrame({"kato": ["A", "B", "C"], "score": [6.1, 5.2, 4.0]})
    resc = pl.DataFrame({"kato": ["A", "B", "C"], "score": [5.0, 5.5, 4.1]})
    prev = pl.DataFrame({"kato": ["A", "B"], "score": [4.8, 5.6]})
    d = C.decompose(cur, resc, prev).sort("kato")
    assert d["data_effect"].to_list() == pytest.approx([1.1, -0.3, -0.1])
    assert d["method_effect"].to_list()[:2] == pytest.approx([0.2, -0.1])
    full = d.filter(pl.col("previous").is_not_null())
    assert np.allclose(full["data_effect"] + full["method_effect"], full["total_change"], atol=1e-15, rtol=0)
    assert d.filter(pl.col("kato") == "C")["total_change"][0] is None

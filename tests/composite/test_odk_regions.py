"""Real data through the engine: the open-data-kazakhstan regional ranking reproduced to 1e-9 from its YAML spec,
the engine's new parts (k-NN imputation, transforms, piecewise and fitted goalposts, AHP) on their own, and the
recommended method beside it."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from aimaq.cli.main import app
from aimaq.composite import kernels as K
from aimaq.composite import odk
from aimaq.composite.data import Data
from aimaq.composite.index import CompositeIndex
from aimaq.composite.spec import IndexSpec
from aimaq.errors import ComputationError, SpecError


@pytest.fixture(scope="module")
def peer_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("odk")
    r = CliRunner().invoke(app, ["composite", "example", "odk-regions", "--out", str(out), "--format", "csv"])
    assert r.exit_code == 0, r.output
    return out


def test_reproduces_the_published_scaled_indicators_and_scores(peer_run):
    pub = pl.read_csv(odk.data_dir() / "published_scaled.csv")
    ours = pl.read_csv(peer_run / "normalised.csv")
    assert ours.columns == pub.columns                    # region, then the 16 under the peer's names
    assert len(ours.columns) == 17
    assert ours["region"].to_list() == pub["region"].to_list()   # 19 regions: Shymkent dropped like the peer
    for c in pub.columns[1:]:
        assert np.max(np.abs(ours[c].to_numpy() - pub[c].to_numpy())) <= 1e-9, c
    scores = pl.read_csv(odk.data_dir() / "published_scores.csv")
    res = pl.read_csv(peer_run / "results.csv")
    assert res.columns == ["region", "score", "rank"]
    both = res.join(scores, on="region")
    assert both.height == 19
    assert np.max(np.abs(both["score"].to_numpy() - both["sustainability_score"].to_numpy())) <= 1e-9
    # the published order, West Kazakhstan first and Pavlodar last
    assert res["region"].to_list() == scores["region"].to_list()
    assert res["rank"].to_list() == list(range(1, 20))
    check = pl.read_csv(peer_run / "check.csv").row(0, named=True)
    assert check["scaled_max_abs_diff"] < 1e-12 and check["score_max_abs_diff"] < 1e-12


def test_ahp_weights_and_consistency_are_logged(peer_run):
    ahp = pl.read_csv(peer_run / "ahp.csv")
    crit = ahp.filter(pl.col("aggregate") == "Index").row(0, named=True)
    assert crit["n"] == 4 and crit["lambda_max"] == pytest.approx(4.033968, abs=1e-6)
    assert crit["cr"] == pytest.approx(0.0125807, abs=1e-6) and crit["consistent"]
    w = pl.read_csv(peer_run / "weights.csv")
    g = dict(zip(w["code"], w["global_weight"]))
    assert g["air_pollution"] == pytest.approx(0.5219281, abs=1e-6)    # the environment alone is half the index
    assert sum(v for c, v in g.items() if v is not None and c in odk.build("peer").spec.indicators) == \
        pytest.approx(1.0, abs=1e-12)


def test_the_log_regenerates_the_peer_ranking():
    ix = odk.build("peer")
    again = CompositeIndex.from_log(ix.to_log(), odk.load_source(ix.spec))
    assert again.equals(ix)


def test_knn_imputation_is_the_mean_of_the_nearest_on_raw_scales():
    """Abai's GRP per capita: the mean of its 5 nearest regions by NaN-aware Euclidean distance over every numeric
    column (sklearn's nan_euclidean: sqrt(n / n_present × squared distance over the present coordinates))."""
    ix = odk.build("peer")
    raw = ix.frames["Screened"]
    imputed = ix.frames["Imputed"]
    feats = [c for c in raw.icodes] + ["Population_Age_10_and_older"]
    F = np.column_stack([raw.column(c) if c in raw.icodes else raw.denoms[c] for c in feats])
    j = feats.index("gdp")
    r = list(raw.units).index("Abai Region")
    donors = np.flatnonzero(~np.isnan(F[:, j]))
    d = []
    for i in donors:
        ok = ~np.isnan(F[r]) & ~np.isnan(F[i])
        d.append(np.sqrt(len(feats) / ok.sum() * ((F[r, ok] - F[i, ok]) ** 2).sum()))
    nearest = donors[np.argsort(d)[:5]]
    assert imputed.column("gdp")[r] == pytest.approx(F[nearest, j].mean(), rel=1e-12)
    assert np.isnan(raw.column("gdp")).sum() == 4 and not np.isnan(imputed.column("gdp")).any()


def test_knn_standardised_differs_and_leaves_observed_values_alone():
    spec = IndexSpec.from_dict({
        "name": "t", "indicators": [{"code": c, "parent": "I"} for c in ("a", "b", "c")],
        "aggregates": [{"code": "I", "parent": None}], "pipeline": []})
    # u4 lacks b. On raw scales c (hundreds) decides: u1 is nearest (a differs by 1, c by 0); z-scored, a's gap of
    # one unit is 2.4 sd while c's gap to u2 is 0.5 sd, so u2 is nearest
    X = np.array([[0.0, 1.0, 100.0], [1.0, 2.0, 90.0], [0.5, 3.0, 50.0], [1.0, np.nan, 100.0]])
    data = Data(units=np.array(["u1", "u2", "u3", "u4"], dtype=object), icodes=("a", "b", "c"), X=X)
    raw = CompositeIndex.build(spec, data, pipeline=[{"step": "impute", "method": "knn", "k": 1}])
    std = CompositeIndex.build(spec, data, pipeline=[{"step": "impute", "method": "knn", "k": 1,
                                                      "standardise": True}])
    assert raw.frames["Imputed"].X[3, 1] == 1.0
    assert std.frames["Imputed"].X[3, 1] == pytest.approx(2.0, abs=1e-12)
    assert np.array_equal(std.frames["Imputed"].X[:3], X[:3])
    with pytest.raises(SpecError, match="knn features"):
        CompositeIndex.build(spec, data, pipeline=[{"step": "impute", "method": "knn", "features": ["zz"]}])


def test_transforms_piecewise_and_fitted_goalposts():
    assert K.transform(np.array([1.0, np.e]), "log").tolist() == pytest.approx([0.0, 1.0])
    assert K.transform(np.array([4.0, 9.0]), "sqrt").tolist() == [2.0, 3.0]
    y = K.norm_piecewise(np.array([0.0, 25.0, 50.0, 100.0]), 50.0)
    assert y.tolist() == pytest.approx([0.0, 0.25, 0.5, 0.5 + 0.5 * (1 - np.exp(-1))])
    assert K.norm_piecewise(np.array([469.0]), 50.0, -1.0)[0] == pytest.approx(0.5 * np.exp(-419 / 50), rel=1e-12)
    spec = IndexSpec.from_dict({
        "name": "t",
        "indicators": [{"code": "e0", "parent": "I", "goalposts": [65, "max"],
                        "normalise": {"method": "goalposts", "params": {"trunc": False}}},
                       {"code": "g", "parent": "I", "transform": "log"}],
        "aggregates": [{"code": "I", "parent": None}],
        "pipeline": [{"step": "transform"}, {"step": "normalise", "method": "minmax", "params": {"range": [0, 1]}},
                     {"step": "aggregate"}]})
    data = Data(units=np.array(["a", "b", "c"], dtype=object), icodes=("e0", "g"),
                X=np.array([[70.0, 1.0], [75.0, np.e], [77.0, np.e ** 2]]))
    ix = CompositeIndex.build(spec, data)
    norm = ix.frames["Normalised"]
    assert norm.column("e0").tolist() == pytest.approx([5 / 12, 10 / 12, 1.0])
    assert norm.column("g").tolist() == pytest.approx([0.0, 0.5, 1.0])
    bounds = ix.log[1].fitted["bounds_"]["all"]["e0"]
    assert bounds == {"lower": 65.0, "upper": 77.0}
    bad = Data(units=data.units, icodes=data.icodes, X=np.array([[70.0, 1.0], [75.0, 0.0], [77.0, 2.0]]))
    with pytest.raises(ComputationError, match=r"log needs values > 0 \(units b\)"):
        CompositeIndex.build(spec, bad)


def test_ahp_kernel_and_spec_checks():
    r = K.ahp_weights(K.ahp_matrix([[2, 4], [2]]))     # a consistent matrix: weights 4:2:1, CR 0
    assert r["weights"].tolist() == pytest.approx([4 / 7, 2 / 7, 1 / 7], abs=1e-12)
    assert r["cr"] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(SpecError) as exc:
        IndexSpec.from_dict({"name": "t", "indicators": [{"code": "a", "parent": "I"}, {"code": "b", "parent": "I"}],
                             "aggregates": [{"code": "I", "parent": None,
                                             "ahp": {"order": ["a", "c"], "upper": [["1/0"]]}}],
                             "pipeline": []})
    assert "order a, c must list exactly the children a, b" in str(exc.value)
    assert "'1/0' is not a positive number" in str(exc.value)


def test_recommended_method_with_uncertainty_and_comparison(tmp_path):
    r = CliRunner().invoke(app, ["composite", "example", "odk-regions", "--out", str(tmp_path), "--recommended",
                                 "--uncertainty", "64", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rec = pl.read_csv(tmp_path / "recommended" / "results.csv")
    assert rec.height == 20 and "Shymkent city" in rec["region"].to_list()
    norm = pl.read_csv(tmp_path / "recommended" / "normalised.csv")
    assert "population" not in norm.columns
    # crime is harm: the region with the most crime per 100,000 (Almaty city) scores 0 on it
    assert norm.filter(pl.col("region") == "Almaty city")["crime_rate"][0] == pytest.approx(0.0, abs=1e-12)
    sens = pl.read_csv(tmp_path / "recommended" / "sensitivity.csv")
    assert sens["input"].to_list() == ["Weights", "Normalisation", "Drop"]
    stats = pl.read_csv(tmp_path / "recommended" / "rank_stats.csv")
    assert stats.height == 20 and (stats["Q5"] <= stats["Q95"]).all()
    cmp = pl.read_csv(tmp_path / "comparison.csv")
    almaty = cmp.filter(pl.col("region") == "Almaty city").row(0, named=True)
    assert almaty["rank_peer"] == 3 and almaty["rank_recommended"] > 3
    assert cmp.filter(pl.col("region") == "Shymkent city")["rank_peer"].is_null().all()
    ladder = pl.read_csv(tmp_path / "ladder.csv")
    assert ladder["change"].to_list() == [k for k, _ in odk.LADDER]
    crime = ladder.filter(pl.col("change") == "crime_as_harm").row(0, named=True)
    assert crime["most_moved"] == "Almaty city" and crime["its_shift"] < 0
    # the last rung of the ladder is the recommended method itself
    _table, built = odk.ladder()
    assert np.max(np.abs(built[-1].scores() - odk.build("recommended").scores())) < 1e-12

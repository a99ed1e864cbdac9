"""Each method against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from aimaq.composite import kernels as K
from aimaq.composite.data import Data, data_from_frame
from aimaq.composite.index import CompositeIndex
from aimaq.composite.spec import IndexSpec
from aimaq.errors import ComputationError, SpecError

nan = np.nan


def test_skew_kurt_sample_g1_g2():
    # x = 1,2,3,4,10: deviations -3,-2,-1,0,6; sums of squares/cubes/fourth powers 50, 180, 1394
    sk, kt = K.skew_kurt(np.array([[1, 2, 3, 4, 10.0]]))
    # G1 = sqrt(5)*180/50^1.5 * sqrt(5*4)/3 = 600/50^1.5 ; G2 = ((6)(5*1394/2500 - 3) + 6) * 4 / (3*2) = 3.152
    assert sk[0] == pytest.approx(600 / 50**1.5, rel=1e-12)
    assert kt[0] == pytest.approx(3.152, rel=1e-12)
    # NaN skipped; too few points -> NaN; constant -> NaN (never treated)
    sk2, kt2 = K.skew_kurt(np.array([[1, nan, 2, 3, 4, 10.0], [1, 2, nan, nan, nan, nan], [5, 5, 5, 5, 5, 5.0]]))
    assert sk2[0] == pytest.approx(sk[0]) and np.isnan(sk2[1]) and np.isnan(kt2[2])
    assert not K.fails_skew_kurt(sk2, kt2, 2, 3.5)[1:].any()


def test_winsorise_coinr_example_and_ties():
    x = np.array([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0]])
    out, nwin, *_ = K.winsorise(x, 5)
    np.testing.assert_array_equal(out[0], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 30])  # 100 -> next highest
    assert nwin[0] == 1
    # two tied maxima are winsorised together and count as 2 (COINr), even with winmax = 1
    y = np.array([list(range(1, 21)) + [100, 100.0]])
    out, nwin, *_ = K.winsorise(y, 1)
    np.testing.assert_array_equal(out[0], list(range(1, 21)) + [20, 20])
    assert nwin[0] == 2
    # negative skew: the minimum is raised to the next lowest value
    z = -x
    out, nwin, *_ = K.winsorise(z, 5)
    np.testing.assert_array_equal(out[0], -np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 30]))


def test_treat_falls_back_to_log_of_original():
    x = np.array([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0]])
    out, code, *_ = K.treat_outliers(x, 0)  # no winsorisation allowed -> log_CT(x) = log(x - 1 + 0.99)
    assert code[0] == K.TREAT_LOG
    np.testing.assert_allclose(out[0], np.log(x[0] - 1 + 0.01 * 99), rtol=1e-14)
    ok = np.array([[1, 2, 3, 4, 5.0]])
    out, code, *_ = K.treat_outliers(ok, 5)
    assert code[0] == K.TREAT_NONE and np.array_equal(out, ok)


def test_normalisations_by_hand():
    x = np.array([[2, 4, 6.0]])
    np.testing.assert_allclose(K.norm_minmax(x, 0, 10), [[0, 5, 10]])
    np.testing.assert_allclose(K.norm_minmax(-x, 1, 100), [[100, 50.5, 1]])
    np.testing.assert_allclose(K.norm_zscore(np.array([[1, 2, 3.0]]), 10, 2), [[8, 10, 12]])
    np.testing.assert_allclose(K.norm_rank(np.array([[3, 1, 3, 2.0]])), [[3, 1, 3, 2]])
    np.testing.assert_allclose(K.norm_prank(np.array([[3, 1, 3, 2.0]])), [[2 / 3, 0, 2 / 3, 1 / 3]])
    np.testing.assert_allclose(K.norm_dist2max(x), [[0, 0.5, 1]])
    np.testing.assert_allclose(K.norm_dist2targ(np.array([[0, 5, 10, 20.0]]), [10.0]), [[0, 0.5, 1, 1]])
    np.testing.assert_allclose(K.norm_dist2targ(np.array([[0, 5, 10, 20.0]]), [10.0], cap=False), [[0, .5, 1, 2]])
    g = np.array([[0, 50, 100, 150.0]])
    np.testing.assert_allclose(K.norm_goalposts(g, 20, 120, 1, 10), [[0, 3, 8, 10]])
    np.testing.assert_allclose(K.norm_goalposts(g, 20, 120, -1, 10), [[10, 7, 2, 0]])
    np.testing.assert_allclose(K.norm_fracmax(x), [[1 / 3, 2 / 3, 1]])
    # missing values stay missing and are ignored by the statistics
    np.testing.assert_allclose(K.norm_minmax(np.array([[2, nan, 6.0]]), 0, 1), [[0, nan, 1]])


def test_aggregations_by_hand():
    x = np.array([[[1, nan, 4.0]]])
    assert K.agg_amean(x, [1, 1, 2])[0, 0] == pytest.approx(3.0)  # (1 + 8)/3, missing child dropped
    assert K.agg_gmean(np.array([[[1, 4.0]]]), [1, 1])[0, 0] == pytest.approx(2.0)
    assert K.agg_gmean(np.array([[[1, 8.0]]]), [2, 1])[0, 0] == pytest.approx(2.0)  # (1^2 * 8)^(1/3)
    assert K.agg_hmean(np.array([[[1, 4.0]]]), [1, 1])[0, 0] == pytest.approx(1.6)
    assert K.agg_genmean(np.array([[[1, 7.0]]]), [1, 1], p=2)[0, 0] == pytest.approx(5.0)
    # Copeland (COINr): weights 2/3, 1/3; A=(3,1), B=(2,2), C=(1,3)
    c = K.agg_copeland(np.array([[3, 1], [2, 2], [1, 3.0]]), np.array([2, 1.0]))
    np.testing.assert_allclose(c, [4 / 3, 1, 2 / 3])
    # ties: half the weight each
    np.testing.assert_allclose(K.agg_copeland(np.array([[1, 1], [1, 1.0]]), np.array([1, 1.0])), [0.5, 0.5])
    with pytest.raises(ComputationError):
        K.agg_gmean(np.array([[[0, 4.0]]]), [1, 1])
    with pytest.raises(ComputationError):
        K.agg_hmean(np.array([[[0, 4.0]]]), [1, 1])


def test_rank_min_ties_and_descending():
    np.testing.assert_array_equal(K.rank_min(np.array([5, 7, 7, 1.0]), descending=True), [3, 1, 1, 4])


# ---------------------------------------------------------------------------------------------------------------
# steps on a toy index

TOY = {
    "name": "toy", "version": 1, "groups": ["grp"],
    "indicators": [
        {"code": "a", "parent": "F1", "weight": 1, "direction": 1, "denominator": "pop", "scale_factor": 1000},
        {"code": "b", "parent": "F1", "weight": 3, "direction": -1, "goalposts": [0, 10], "target": 2},
        {"code": "c", "parent": "F2", "weight": 1, "direction": 1},
        {"code": "d", "parent": "Index", "weight": 1, "direction": 1},
    ],
    "aggregates": [
        {"code": "F1", "parent": "F2", "weight": 1},
        {"code": "F2", "parent": "Index", "weight": 2},
        {"code": "Index", "parent": None},
    ],
    "pipeline": [],
}


def toy_data():
    return Data(
        units=np.array(["u1", "u2", "u3", "u4"], dtype=object), icodes=("a", "b", "c", "d"),
        X=np.array([[10, 1, nan, 4], [20, 2, 3, 3], [30, nan, 5, 2], [40, 4, 7, 1.0]]),
        groups={"grp": np.array(["x", "x", "y", "y"], dtype=object)},
        denoms={"pop": np.array([1000, 2000, 3000, 8000.0])},
    )


def test_tree_of_uneven_depth():
    spec = IndexSpec.from_dict(TOY)
    assert spec.levels == {"a": 1, "b": 1, "c": 1, "d": 1, "F1": 2, "F2": 3, "Index": 4}
    assert spec.aggregates == ["F1", "F2", "Index"]
    # a: 1/4 of F1, F1: 1/2 of F2, F2: 2/3 of Index
    eff = spec.effective_weights()
    assert eff["a"] == pytest.approx(1 / 4 * 1 / 2 * 2 / 3) and eff["d"] == pytest.approx(1 / 3)
    assert sum(eff.values()) == pytest.approx(1.0)


def test_denominate_impute_screen_by_hand():
    spec = IndexSpec.from_dict(TOY)
    ix = CompositeIndex.build(spec, toy_data(), [
        {"step": "denominate"},
        {"step": "impute", "method": "group_mean", "group": "grp"},
    ])
    den = ix.frames["Denominated"].X
    np.testing.assert_allclose(den[:, 0], [10, 10, 10, 5])  # a / (pop / 1000)
    imp = ix.frames["Imputed"].X
    assert imp[2, 1] == pytest.approx(4.0)  # b of u3 <- mean of group y (u4 only)
    assert imp[0, 2] == pytest.approx(3.0)  # c of u1 <- mean of group x (u2 only)
    ix2 = CompositeIndex.build(spec, toy_data(), [{"step": "impute", "method": "median"}])
    assert ix2.frames["Imputed"].X[0, 2] == pytest.approx(5.0)  # median of 3, 5, 7
    ix3 = CompositeIndex.build(spec, toy_data(), [{"step": "impute", "method": "mean"},
                                                  {"step": "screen", "threshold": 1.0}])
    assert ix3.log[1].fitted["removed_units_"] == []
    ix4 = CompositeIndex.build(spec, toy_data(), [{"step": "screen", "threshold": 0.9}])
    assert ix4.log[0].fitted["removed_units_"] == ["u1", "u3"]  # 3 of 4 indicators available = 0.75 < 0.9
    ix5 = CompositeIndex.build(spec, toy_data(), [{"step": "screen", "threshold": 0.9, "force_include": ["u1"]}])
    assert ix5.log[0].fitted["removed_units_"] == ["u3"]


def test_normalise_overrides_and_aggregate_by_hand():
    d = dict(TOY)
    d["indicators"] = [dict(i) for i in TOY["indicators"]]
    d["indicators"][1]["normalise"] = {"method": "goalposts", "params": {"scale": 100}}
    spec = IndexSpec.from_dict(d)
    ix = CompositeIndex.build(spec, toy_data(), [
        {"step": "impute", "method": "mean"},
        {"step": "normalise", "method": "minmax", "params": {"range": [0, 100]}},
        {"step": "aggregate", "method": "amean"},
    ])
    n = ix.frames["Normalised"].X
    np.testing.assert_allclose(n[:, 0], [0, 100 / 3, 200 / 3, 100])
    # b: direction -1 with goalposts [0, 10] -> (10 - x)/10 * 100; u3 imputed with mean 7/3
    np.testing.assert_allclose(n[:, 1], [90, 80, (10 - 7 / 3) * 10, 60])
    np.testing.assert_allclose(n[:, 3], [100, 200 / 3, 100 / 3, 0])
    agg = ix.frames["Aggregated"]
    F1 = (n[:, 0] * 1 + n[:, 1] * 3) / 4
    F2 = (F1 + n[:, 2]) / 2
    index = (2 * F2 + n[:, 3]) / 3
    np.testing.assert_allclose(agg.column("Index"), index)
    # user weights at query time: only the aggregation is redone
    ix2 = ix.with_weights({"b": 1.0, "F2": 1.0})
    F1b = (n[:, 0] + n[:, 1]) / 2
    np.testing.assert_allclose(ix2.scores(), ((F1b + n[:, 2]) / 2 + n[:, 3]) / 2)
    assert ix2.frames["Normalised"] is ix.frames["Normalised"]
    eq = ix.with_weights("equal")
    np.testing.assert_allclose(eq.scores(), ((F1b + n[:, 2]) / 2 + n[:, 3]) / 2)


def test_dist2targ_with_direction_and_pca_weights():
    spec = IndexSpec.from_dict(TOY)
    d = dict(TOY)
    d["indicators"] = [dict(i) for i in TOY["indicators"]]
    d["indicators"][1]["normalise"] = {"method": "dist2targ"}
    X = np.array([[1, 4, 1, 1], [2, 3, 2, 2], [3, 2, 3, 4], [4, 1, 4, 3.0]])
    data = Data(units=np.array(["u1", "u2", "u3", "u4"], dtype=object), icodes=("a", "b", "c", "d"), X=X)
    ix = CompositeIndex.build(IndexSpec.from_dict(d), data, [{"step": "normalise", "method": "minmax"}])
    # b has direction -1 and target 2: -x vs -2; min(-x) = -4 -> 1 - (-2 + x)/(-2 + 4) capped at 1
    np.testing.assert_allclose(ix.frames["Normalised"].X[:, 1], [0, 0.5, 1, 1])
    with pytest.raises(SpecError):  # a has no target
        CompositeIndex.build(spec, data, [{"step": "normalise", "method": "dist2targ"}])
    # PCA weights: a and -b are perfectly correlated -> equal squared loadings
    ixp = CompositeIndex.build(spec, data, [
        {"step": "normalise", "method": "minmax"}, {"step": "aggregate", "weights": "pca"}])
    w = ixp.log[-1].fitted["weights_"]
    assert w["a"] == pytest.approx(0.5) and w["b"] == pytest.approx(0.5)


def test_panel_latest_linear_and_pooled_normalisation():
    spec = IndexSpec.from_dict({"name": "p", "version": 1,
                                "indicators": [{"code": "x", "parent": "I"}, {"code": "y", "parent": "I"}],
                                "aggregates": [{"code": "I"}], "pipeline": []})
    long = pl.DataFrame({
        "unit_code": ["A"] * 8 + ["B"] * 8,
        "year": [2018, 2019, 2020, 2021] * 4,
        "indicator_code": (["x"] * 4 + ["y"] * 4) * 2,
        "value": [1, None, None, 4, None, 2, None, 6, 10, 20, 30, 40, 1, 1, 1, 1],
    })
    data = data_from_frame(long, ["x", "y"])
    assert data.is_panel
    lin = CompositeIndex.build(spec, data, [{"step": "impute", "method": "linear"}]).frames["Imputed"]
    lat = CompositeIndex.build(spec, data, [{"step": "impute", "method": "latest"}]).frames["Imputed"]
    lat1 = CompositeIndex.build(spec, data, [{"step": "impute", "method": "latest", "max_time": 1}]).frames["Imputed"]

    def series(d, unit, code):
        rows = [i for i, u in enumerate(d.units) if u == unit]
        rows.sort(key=lambda i: d.years[i])
        return d.X[rows, d.icodes.index(code)]

    np.testing.assert_allclose(series(lin, "A", "x"), [1, 2, 3, 4])
    np.testing.assert_allclose(series(lin, "A", "y"), [2, 2, 4, 6])  # carried back before the first value
    np.testing.assert_allclose(series(lat, "A", "x"), [1, 1, 1, 4])
    np.testing.assert_allclose(series(lat, "A", "y"), [nan, 2, 2, 6])
    np.testing.assert_allclose(series(lat1, "A", "x"), [1, 1, nan, 4])
    # per-year vs pooled min-max on B's x (10..40) and A's x (1..4)
    filled = [{"step": "impute", "method": "linear"}]
    per = CompositeIndex.build(spec, data, filled + [{"step": "normalise", "params": {"range": [0, 1]}}])
    pooled = CompositeIndex.build(spec, data, filled + [{"step": "normalise", "params": {"range": [0, 1]},
                                                         "pooled": True}])
    np.testing.assert_allclose(series(per.frames["Normalised"], "B", "x"), [1, 1, 1, 1])
    np.testing.assert_allclose(series(pooled.frames["Normalised"], "B", "x"), [9 / 39, 19 / 39, 29 / 39, 1])


def test_wide_and_long_data_agree():
    wide = pl.DataFrame({"uCode": ["u1", "u2"], "a": [1.0, 2.0], "b": [3.0, None]})
    long = pl.DataFrame({"unit_code": ["u1", "u1", "u2", "u2"], "indicator_code": ["a", "b", "a", "b"],
                         "value": [1.0, 3.0, 2.0, None]})
    w, lg = data_from_frame(wide, ["a", "b"]), data_from_frame(long, ["a", "b"])
    np.testing.assert_array_equal(w.units, lg.units)
    np.testing.assert_array_equal(w.X, lg.X)


def test_generalised_mean_and_copeland_through_the_tree():
    spec = IndexSpec.from_dict(TOY)
    X = np.array([[1, 4, 1, 1], [2, 3, 2, 2], [3, 2, 3, 4], [4, 1, 4, 3.0]])
    data = Data(units=np.array(["u1", "u2", "u3", "u4"], dtype=object), icodes=("a", "b", "c", "d"), X=X)
    ix = CompositeIndex.build(spec, data, [{"step": "aggregate", "method": "genmean", "params": {"p": 1}}])
    ix_a = CompositeIndex.build(spec, data, [{"step": "aggregate", "method": "amean"}])
    np.testing.assert_allclose(ix.scores(), ix_a.scores())  # p = 1 is the arithmetic mean
    cop = CompositeIndex.build(spec, data, [{"step": "aggregate", "method": "copeland"}])
    assert np.all(np.isfinite(cop.scores()))
    assert math.isclose(cop.frames["Aggregated"].column("F1").sum(), 4 * 3 / 2)  # sum of pairwise shares = C(4,2)

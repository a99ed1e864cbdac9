"""Indicator screening by availability, respondent weights in the survey bootstrap, COINr-style PCA weights."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from aimaq.composite.audit import effective_weights
from aimaq.composite.data import Data
from aimaq.composite.index import CompositeIndex
from aimaq.composite.spec import IndexSpec
from aimaq.composite.uncertainty import bootstrap_raw, run_uncertainty
from aimaq.errors import SpecError

nan = np.nan
SPEC = {"name": "s", "version": 1,
        "indicators": [{"code": "a", "parent": "F", "weight": 1}, {"code": "b", "parent": "F", "weight": 3},
                       {"code": "c", "parent": "G", "weight": 1}, {"code": "e", "parent": "G", "weight": 2}],
        "aggregates": [{"code": "F", "parent": "I"}, {"code": "G", "parent": "I"}, {"code": "I"}],
        "pipeline": []}
X = np.array([[1, 10, nan, 8], [2, nan, nan, 6], [3, nan, nan, 2], [4, 40, 5, 4.0]])
UNITS = np.array(["u1", "u2", "u3", "u4"], dtype=object)


def data(X=X):
    return Data(units=UNITS, icodes=("a", "b", "c", "e"), X=np.asarray(X, float))


def test_indicator_screening_by_hand():
    spec = IndexSpec.from_dict(SPEC)
    pipe = [{"step": "screen", "indicator_threshold": 0.6},
            {"step": "normalise", "params": {"range": [0, 100]}}, {"step": "aggregate"}]
    ix = CompositeIndex.build(spec, data(), pipe)
    rec = ix.log[0]
    assert rec.fitted["removed_indicators_"] == {"b": "availability 0.5 < 0.6", "c": "availability 0.25 < 0.6"}
    assert rec.fitted["indicator_availability_"] == {"a": 1.0, "b": 0.5, "c": 0.25, "e": 1.0}
    # units are then screened on a and e only: u2, u3 have both (2 of 4 before, which is below 2/3)
    assert rec.fitted["removed_units_"] == [] and ix.frames["Screened"].icodes == ("a", "e")
    # F = a alone (b's weight 3 removed), G = e alone (c removed); I = (F + G) / 2
    a_n = np.array([0, 100 / 3, 200 / 3, 100])
    e_n = np.array([100, 200 / 3, 0, 100 / 3])
    np.testing.assert_allclose(ix.scores(), (a_n + e_n) / 2)
    assert set(ix.log[-1].fitted["weights_"]) == {"a", "e", "F", "G", "I"}
    eff = dict(effective_weights(ix).iter_rows())
    assert eff == pytest.approx({"a": 0.5, "b": 0.0, "c": 0.0, "e": 0.5})
    # without indicator screening the unit rule would have dropped u2 and u3
    plain = CompositeIndex.build(spec, data(), [{"step": "screen"}])
    assert plain.log[0].fitted["removed_units_"] == ["u2", "u3"]
    assert "removed_indicators_" not in plain.log[0].fitted
    assert CompositeIndex.from_log(ix.log_yaml(), data()).equals(ix)


def test_an_aggregate_left_empty_is_dropped_and_its_siblings_renormalise():
    spec = IndexSpec.from_dict(SPEC)
    ix = CompositeIndex.build(spec, data(), [
        {"step": "screen", "by": "none", "indicator_threshold": 0.3, "indicator_force_include": ["b"]},
        {"step": "normalise", "params": {"range": [0, 100]}}, {"step": "aggregate"}])
    # c (0.25) dropped; b (0.5) kept anyway; e kept; forcing b keeps it even under a higher threshold
    assert ix.log[0].fitted["removed_indicators_"] == {"c": "availability 0.25 < 0.3"}
    ix2 = CompositeIndex.build(spec, data(), [
        {"step": "screen", "by": "none", "indicator_threshold": 0.9, "indicator_force_include": ["b"]},
        {"step": "normalise", "params": {"range": [0, 100]}}, {"step": "aggregate"}])
    assert ix2.log[0].fitted["removed_indicators_"] == {"c": "availability 0.25 < 0.9"}
    only_f = dict(SPEC, indicators=SPEC["indicators"][:3])  # G holds c only
    ix3 = CompositeIndex.build(IndexSpec.from_dict(only_f), Data(units=UNITS, icodes=("a", "b", "c"), X=X[:, :3]), [
        {"step": "screen", "by": "none", "indicator_threshold": 0.3},
        {"step": "normalise", "params": {"range": [0, 100]}}, {"step": "aggregate"}])
    # G disappears with c; I = F = (a + 3 b) / 4 where b exists, a alone elsewhere
    a_n, b_n = np.array([0, 100 / 3, 200 / 3, 100]), np.array([0, nan, nan, 100])
    np.testing.assert_allclose(ix3.scores(), [0, 100 / 3, 200 / 3, 100])
    np.testing.assert_allclose(ix3.scores(), np.where(np.isnan(b_n), a_n, (a_n + 3 * np.nan_to_num(b_n)) / 4))
    assert "G" not in ix3.log[-1].fitted["weights_"]
    with pytest.raises(SpecError, match="indicator_threshold"):
        CompositeIndex.build(spec, data(), [{"step": "screen", "indicator_threshold": 2}])


# ---------------------------------------------------------------------------------------------------------------


def _raw():
    return Data(units=np.array(["u0", "u1", "u2"], dtype=object), icodes=("a", "b"),
                X=np.array([[5.0, 0.0], [2.0, 0.0], [1.0, 1.0]]))


RESP = pl.DataFrame({"uCode": ["u0", "u0", "u1", "u1"], "a": [0.0, 10.0, 2.0, 2.0], "weight": [1.0, 3.0, 2.0, 7.0]})


def test_weighted_bootstrap_means_by_hand():
    # u0: respondents 0 (weight 1) and 10 (weight 3); a resample of two is (0, 0), (0, 10) or (10, 10):
    # weighted means 0, (0*1 + 10*3)/4 = 7.5, 10 with probabilities 1/4, 1/2, 1/4; unweighted 0, 5, 10
    B = bootstrap_raw(_raw(), RESP, 2000, np.random.default_rng(3), weight="weight")
    vals, counts = np.unique(B[:, 0, 0], return_counts=True)
    np.testing.assert_allclose(vals, [0, 7.5, 10])
    np.testing.assert_allclose(counts / 2000, [0.25, 0.5, 0.25], atol=0.04)
    assert set(B[:, 1, 0]) == {2.0}  # u1 always 2
    assert (B[:, 2] == [1.0, 1.0]).all() and (B[:, :, 1] == [0, 0, 1]).all()  # no respondents / not surveyed
    U = bootstrap_raw(_raw(), RESP, 2000, np.random.default_rng(3))
    np.testing.assert_allclose(np.unique(U[:, 0, 0]), [0, 5, 10])
    # same draws: the weighted and unweighted replicates pick the same respondents
    np.testing.assert_array_equal(np.isin(U[:, 0, 0], [5.0]), np.isin(B[:, 0, 0], [7.5]))
    # a missing answer leaves the respondent (and its weight) out of that indicator
    miss = pl.DataFrame({"uCode": ["u0", "u0"], "a": [None, 4.0], "weight": [9.0, 1.0]})
    M = bootstrap_raw(_raw(), miss, 200, np.random.default_rng(1), weight="weight")
    assert set(M[:, 0, 0][~np.isnan(M[:, 0, 0])]) == {4.0}
    with pytest.raises(SpecError, match="positive"):
        bootstrap_raw(_raw(), RESP.with_columns(pl.lit(0.0).alias("weight")), 5, np.random.default_rng(1),
                      weight="weight")


def test_run_uncertainty_uses_respondent_weights():
    spec = IndexSpec.from_dict({"name": "b", "version": 1,
                                "indicators": [{"code": "a", "parent": "I"}, {"code": "b", "parent": "I"}],
                                "aggregates": [{"code": "I"}], "pipeline": [{"step": "aggregate"}]})
    ix = CompositeIndex.build(spec, _raw())
    inp = [{"name": "Boot", "type": "bootstrap", "n_sets": 300}]
    # I = (a + b) / 2, so u0 scores 0, 3.75 or 5; u1 always 1; u2 keeps 1
    for kw, name in (({}, "weight"), ({"respondent_weight": "w"}, "w")):
        resp = RESP if name == "weight" else RESP.rename({"weight": "w"})
        res = run_uncertainty(ix, inp, n=300, respondents=resp, seed=2, **kw)
        assert res.info["respondent_weight"] == name
        np.testing.assert_allclose(np.unique(res.scores[:, 0]), [0, 3.75, 5])
        assert (res.scores[:, 1] == 1).all() and (res.scores[:, 2] == 1).all()
    res = run_uncertainty(ix, [dict(inp[0], weight="w")], n=300, respondents=RESP.rename({"weight": "w"}), seed=2)
    np.testing.assert_allclose(np.unique(res.scores[:, 0]), [0, 3.75, 5])
    res = run_uncertainty(ix, inp, n=300, respondents=RESP.drop("weight"), seed=2)
    assert res.info["respondent_weight"] is None
    np.testing.assert_allclose(np.unique(res.scores[:, 0]), [0, 2.5, 5])
    with pytest.raises(SpecError, match="unknown keys"):
        run_uncertainty(ix, [dict(inp[0], wieght="w")], n=3, respondents=RESP)


# ---------------------------------------------------------------------------------------------------------------


def test_pca_weights_squared_and_absolute_loadings_by_hand():
    # a = b = (1, 2, 3, 4), c = (1, 3, 2, 4): corr(a, c) = 4 / 5 = 0.8. The first component is (p, p, q) with
    # 2p + 0.8 q = L p, 1.6 p + q = L q, L = (3 + sqrt(1 + 8 * 0.64)) / 2, so q / p = (L - 2) / 0.8
    u, c = [1, 2, 3, 4.0], [1, 3, 2, 4.0]
    lam = (3 + np.sqrt(1 + 8 * 0.64)) / 2
    r = (lam - 2) / 0.8
    spec = IndexSpec.from_dict({"name": "p", "version": 1, "indicators": [
        {"code": k, "parent": "I"} for k in ("a", "b", "c")], "aggregates": [{"code": "I"}], "pipeline": []})
    d = Data(units=UNITS, icodes=("a", "b", "c"), X=np.column_stack([u, u, c]))
    sq = CompositeIndex.build(spec, d, [{"step": "aggregate", "weights": "pca"}]).log[-1].fitted["weights_"]
    ab = CompositeIndex.build(spec, d, [{"step": "aggregate", "weights": "pca_abs"}]).log[-1].fitted["weights_"]
    assert [sq[k] for k in "abc"] == pytest.approx(np.array([1, 1, r**2]) / (2 + r**2), rel=1e-12)
    assert [ab[k] for k in "abc"] == pytest.approx(np.array([1, 1, r]) / (2 + r), rel=1e-12)
    ix = CompositeIndex.build(spec, d, [{"step": "aggregate", "weights": "pca_abs"}])
    np.testing.assert_allclose(ix.scores(), (np.array(u) * 2 + r * np.array(c)) / (2 + r))
    assert CompositeIndex.from_log(ix.log_yaml(), d).equals(ix)

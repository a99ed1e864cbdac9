"""Degenerate inputs give a clear error or a documented result; the vectorised uncertainty engine equals the naive
per-draw regeneration; Sobol indices; bootstrap; CLI and log round trip."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from aimaq.composite.data import Data
from aimaq.composite.index import CompositeIndex
from aimaq.composite.spec import IndexSpec
from aimaq.composite.uncertainty import ab_rows, replicate_draw, run_uncertainty
from aimaq.errors import ComputationError, SpecError

nan = np.nan
SPEC = {"name": "t", "version": 1,
        "indicators": [{"code": "a", "parent": "F"}, {"code": "b", "parent": "F"}, {"code": "c", "parent": "I"}],
        "aggregates": [{"code": "F", "parent": "I"}, {"code": "I"}],
        "pipeline": [{"step": "normalise", "method": "minmax", "params": {"range": [0, 100]}},
                     {"step": "aggregate", "method": "amean"}]}


def data(X, units=None):
    X = np.asarray(X, dtype=float)
    units = units or [f"u{i}" for i in range(len(X))]
    return Data(units=np.array(units, dtype=object), icodes=("a", "b", "c"), X=X)


def test_constant_indicator_is_an_error_naming_it():
    with pytest.raises(ComputationError, match="constant.*: b"):
        CompositeIndex.build(IndexSpec.from_dict(SPEC), data([[1, 5, 1], [2, 5, 2], [3, 5, 4]]))


def test_all_missing_indicator_is_an_error():
    with pytest.raises(ComputationError, match="no data"):
        CompositeIndex.build(IndexSpec.from_dict(SPEC), data([[1, nan, 1], [2, nan, 2], [3, nan, 4]]))


def test_zeros_under_geometric_mean_are_an_error():
    spec = IndexSpec.from_dict(SPEC)
    with pytest.raises(ComputationError, match="zero or negative"):
        CompositeIndex.build(spec, data([[1, 2, 1], [2, 3, 2], [3, 1, 4]]),
                             [{"step": "normalise", "method": "minmax"}, {"step": "aggregate", "method": "gmean"}])
    # documented remedy: min-max to 1-100 first
    ix = CompositeIndex.build(spec, data([[1, 2, 1], [2, 3, 2], [3, 1, 4]]),
                              [{"step": "normalise", "params": {"range": [1, 100]}},
                               {"step": "aggregate", "method": "gmean"}])
    assert np.all(ix.scores() > 0)


def test_ties_share_the_best_rank():
    ix = CompositeIndex.build(IndexSpec.from_dict(SPEC), data([[1, 1, 1], [1, 1, 1.0], [2, 2, 2], [0, 0, 0]]))
    r = ix.results()
    assert dict(zip(r["uCode"], r["Rank"])) == {"u2": 1, "u0": 2, "u1": 2, "u3": 4}


def test_one_unit_only():
    spec = IndexSpec.from_dict(SPEC)
    with pytest.raises(ComputationError, match="constant"):
        CompositeIndex.build(spec, data([[1, 2, 3]]))
    # goalposts need no other unit: a documented result
    d = dict(SPEC)
    d["indicators"] = [dict(i, goalposts=[0, 10]) for i in SPEC["indicators"]]
    ix = CompositeIndex.build(IndexSpec.from_dict(d), data([[1, 2, 4]]),
                              [{"step": "normalise", "method": "goalposts", "params": {"scale": 10}},
                               {"step": "aggregate"}])
    assert ix.scores()[0] == pytest.approx((1.5 / 10 * 10 + 4 / 10 * 10) / 2)
    assert ix.results()["Rank"].to_list() == [1]


def test_missing_everything_for_a_unit_is_reported():
    ix = CompositeIndex.build(IndexSpec.from_dict(SPEC), data([[1, 2, 1], [nan, nan, nan], [3, 1, 4]]))
    with pytest.raises(ComputationError, match="u1"):
        ix.results()


@pytest.mark.parametrize("bad,msg", [
    ({"aggregates": [{"code": "F", "parent": "I"}, {"code": "I", "parent": "F"}]}, "root"),
    ({"indicators": [{"code": "a", "parent": "Nope"}]}, "not a node"),
    ({"indicators": [{"code": "a", "parent": "I", "direction": 2}]}, "direction"),
    ({"indicators": [{"code": "a", "parent": "I", "weight": -1}]}, "weight"),
    ({"pipeline": [{"step": "bake"}]}, "pipeline"),
])
def test_invalid_specs(bad, msg):
    d = dict(SPEC)
    d.update(bad)
    with pytest.raises(SpecError, match=msg):
        IndexSpec.from_dict(d)


def test_unknown_step_parameter_and_method():
    spec = IndexSpec.from_dict(SPEC)
    with pytest.raises(SpecError, match="unknown parameters"):
        CompositeIndex.build(spec, data([[1, 2, 1], [2, 3, 2]]), [{"step": "normalise", "methd": "minmax"}])
    with pytest.raises(SpecError, match="unknown method"):
        CompositeIndex.build(spec, data([[1, 2, 1], [2, 3, 2]]), [{"step": "normalise", "method": "magic"}])


# ---------------------------------------------------------------------------------------------------------------


def test_vectorised_draws_equal_naive_regeneration(asem_index):
    res = run_uncertainty(asem_index, asem_index.spec.uncertainty["inputs"], n=40, seed=3)
    for i in range(40):
        rep = replicate_draw(asem_index, res, i)
        np.testing.assert_allclose(rep.scores(), res.scores[i], rtol=0, atol=1e-10)
    # every draw's rank is a permutation-with-ties of 1..51
    assert res.ranks.min() == 1 and res.ranks.max() <= 51


def test_rank_stats_without_variation_equal_nominal(asem_index):
    res = run_uncertainty(asem_index, [{"name": "W", "type": "winmax", "values": [5]}], n=20)
    st = res.rank_stats()
    assert (st["Mean"] == st["Nominal"]).all() and (st["Q5"] == st["Q95"]).all()
    assert st.columns == ["uCode", "Nominal", "Mean", "Median", "Q5", "Q95"]


def test_drop_indicator_draws_match_leave_one_out(asem_index):
    from aimaq.composite.audit import leave_one_out

    codes = ["LPI", "NEET"]
    res = run_uncertainty(asem_index, [{"name": "Drop", "type": "drop", "values": codes},
                                       {"name": "W", "type": "winmax", "values": [5]}], n=30, seed=2)
    loo = leave_one_out(asem_index)
    for k, code in enumerate(codes):
        i = int(np.nonzero(res.choices["Drop"] == k)[0][0])
        shift = np.abs(res.ranks[i] - res.nominal_rank).mean()
        assert shift == pytest.approx(loo.filter(pl.col("iCode") == code)["mean_abs_rank_shift"][0])


def test_failed_replication_is_an_error(asem_index):
    # z-scores with mean 0 are negative for half the units: the geometric mean cannot take them
    with pytest.raises(ComputationError, match="replication .* failed"):
        run_uncertainty(asem_index, [
            {"name": "N", "type": "normalisation", "values": [{"method": "zscore", "params": {"mean": 0, "sd": 1}}]},
            {"name": "A", "type": "aggregation", "values": ["gmean"]}], n=5)


def test_sobol_indices_zero_for_an_inert_input(asem_index):
    inputs = [{"name": "Weights", "type": "weights", "noise": {"2": 0.25, "3": 0.25}},
              {"name": "Inert", "type": "aggregation", "values": ["amean", "amean"]},
              {"name": "Winmax", "type": "winmax", "values": [1, 5]}]
    res = run_uncertainty(asem_index, inputs, n=64, sensitivity=True, num_resamples=10)
    s = {r["input"]: r for r in res.sensitivity.iter_rows(named=True)}
    assert s["Inert"]["S1"] == 0 and s["Inert"]["ST"] == 0
    assert s["Weights"]["ST"] > 0 and s["Winmax"]["ST"] > 0
    assert res.scores.shape == (64 * 5, 51)
    assert len(ab_rows(64, 3)) == 128
    per_unit = res.sensitivity_units.filter(pl.col("input") == "Inert")
    assert (per_unit["ST"] == 0).all()
    assert res.rank_stats(ab_rows(64, 3)).height == 51


def test_quasi_random_sobol_sampling_covers_alternatives(asem_index):
    res = run_uncertainty(asem_index, asem_index.spec.uncertainty["inputs"], n=64, sampling="sobol")
    assert sorted(np.unique(res.choices["Winmax"])) == [0, 1, 2, 3, 4]
    assert np.bincount(res.choices["Aggregation"]).tolist() == [32, 32]


def test_bootstrap_of_respondents():
    spec = IndexSpec.from_dict(SPEC)
    raw = data([[1, 2, 1], [2, 3, 2], [3, 1, 4]])
    resp = pl.DataFrame({"uCode": ["u0"] * 3 + ["u1"] * 3 + ["u2"] * 3,
                         "a": [1.0, 1, 1, 1, 2, 3, 3, 3, 3]})
    raw = Data(units=raw.units, icodes=raw.icodes, X=np.array([[1, 2, 1], [2, 3, 2], [3, 1, 4.0]]))
    ix = CompositeIndex.build(spec, raw)
    res = run_uncertainty(ix, [{"name": "Boot", "type": "bootstrap", "n_sets": 50},
                               {"name": "W", "type": "weights", "noise": {"2": 0.1}}],
                          n=50, respondents=resp, seed=5)
    assert res.info["treat_runs"] >= 1
    # u0 and u2 have identical respondents -> their a never moves; u1's bootstrap means lie in [1, 3]
    assert np.isfinite(res.scores).all()
    assert res.scores.shape == (50, 3)


# ---------------------------------------------------------------------------------------------------------------


def test_cli_run_and_regenerate(tmp_path):
    from aimaq.cli.main import app

    spec = dict(SPEC)
    spec["uncertainty"] = {"seed": 1, "inputs": [{"name": "W", "type": "weights", "noise": {"2": 0.2}},
                                                 {"name": "A", "type": "aggregation", "values": ["amean", "hmean"]}]}
    spec["pipeline"] = [{"step": "normalise", "params": {"range": [1, 100]}}, {"step": "aggregate"}]
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(spec))
    pl.DataFrame({"unit_code": ["x", "x", "x", "y", "y", "y", "z", "z", "z"],
                  "indicator_code": ["a", "b", "c"] * 3,
                  "value": [1.0, 2.0, 3.0, 2.0, 2.0, 1.0, 3.0, 5.0, 2.0]}).write_csv(tmp_path / "d.csv")
    runner = CliRunner()
    r = runner.invoke(app, ["composite", "run", str(tmp_path / "s.yaml"), str(tmp_path / "d.csv"),
                            "--out", str(tmp_path / "o"), "--uncertainty", "30", "--audit", "--format", "csv"])
    assert r.exit_code == 0, r.output
    for f in ("Normalised.csv", "Aggregated.csv", "results.csv", "methodology.yaml", "rank_stats.csv",
              "audit/leave_one_out.csv"):
        assert (tmp_path / "o" / f).exists(), f
    res = pl.read_csv(tmp_path / "o" / "results.csv")
    assert res.columns == ["uCode", "Index", "Rank"]
    # I = mean(F, c) with F = mean(a, b) on 1-100 min-max
    a, b, c = np.array([1, 50.5, 100]), np.array([1, 1, 100]), np.array([100, 1, 50.5])
    expect = dict(zip(["x", "y", "z"], ((a + b) / 2 + c) / 2))
    for u, v in zip(res["uCode"], res["Index"]):
        assert v == pytest.approx(expect[u])
    r2 = runner.invoke(app, ["composite", "regenerate", str(tmp_path / "o" / "methodology.yaml"),
                             str(tmp_path / "d.csv"), "--out", str(tmp_path / "o2"), "--format", "json"])
    assert r2.exit_code == 0, r2.output
    assert (tmp_path / "o" / "Aggregated.csv").read_text() == (tmp_path / "o2" / "Aggregated.csv").read_text()
    assert (tmp_path / "o" / "methodology.yaml").read_text() == (tmp_path / "o2" / "methodology.yaml").read_text()


def test_log_yaml_round_trip(asem_index, asem_data):
    text = asem_index.log_yaml()
    again = CompositeIndex.from_log(yaml.safe_load(text), asem_data)
    assert again.equals(asem_index)
    edited = asem_index.regenerate(edits={"treat": {"winmax": 1}})
    assert edited.frames["Imputed"] is asem_index.frames["Imputed"]
    assert not edited.equals(asem_index)


def test_docs_cover_every_step_and_method():
    from pathlib import Path

    from aimaq.composite import kernels
    from aimaq.composite.steps import IMPUTE_METHODS, NORMALISE_METHODS, STEP_CLASSES
    from aimaq.composite.uncertainty import INPUT_TYPES

    doc = (Path(__file__).resolve().parents[2] / "docs" / "composite.md").read_text(encoding="utf-8")
    for name in [*STEP_CLASSES, *IMPUTE_METHODS, *NORMALISE_METHODS, *kernels.AGGREGATORS, *INPUT_TYPES]:
        assert f"`{name}`" in doc or f"type: {name}" in doc, name
    for cmd in ("composite run", "composite regenerate", "composite example asem", "--new-data", "--refit"):
        assert cmd in doc
    for key in ("reference", "bounds_", "indicator_threshold", "indicator_force_include", "removed_indicators_",
                "pca_abs", "respondent_weight", "load_fitted", "bootstrap_raw"):
        assert f"`{key}" in doc, key

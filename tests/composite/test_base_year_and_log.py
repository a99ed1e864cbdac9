"""Base-year (reference) normalisation of panels, fitted bounds in the log and their exact replay, and reading a
log or spec from a dict, YAML text or a path."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

from aimaq.composite.data import Data
from aimaq.composite.index import CompositeIndex
from aimaq.composite.spec import IndexSpec
from aimaq.errors import SpecError

SPEC = {"name": "panel", "version": 1,
        "indicators": [{"code": "x", "parent": "I", "direction": 1}, {"code": "y", "parent": "I", "direction": -1}],
        "aggregates": [{"code": "I"}], "pipeline": []}
# rows: 2020 A, B, C then 2021 A, B, C
X = np.array([[0, 4], [5, 2], [10, 0], [5, 2], [10, 1], [20, 0.0]])


def panel(X=X):
    return Data(units=np.array(["A", "B", "C"] * 2, dtype=object), icodes=("x", "y"), X=np.asarray(X, float),
                years=np.array([2020] * 3 + [2021] * 3))


def build(normalise, data=None):
    return CompositeIndex.build(IndexSpec.from_dict(SPEC), data or panel(),
                                [dict({"step": "normalise", "params": {"range": [0, 100]}}, **normalise),
                                 {"step": "aggregate", "method": "amean"}])


def test_per_year_pooled_and_base_year_differ_as_computed_by_hand():
    per = build({}).frames["Normalised"].X
    pooled = build({"pooled": True}).frames["Normalised"].X
    base = build({"reference": 2020}).frames["Normalised"].X
    # x per year: 2020 0..10, 2021 5..20; y (less is better) per year: 2020 worst 4, 2021 worst 2
    np.testing.assert_allclose(per[:, 0], [0, 50, 100, 0, 100 / 3, 100])
    np.testing.assert_allclose(per[:, 1], [0, 50, 100, 0, 50, 100])
    # pooled: x 0..20, y worst 4 best 0
    np.testing.assert_allclose(pooled[:, 0], [0, 25, 50, 25, 50, 100])
    np.testing.assert_allclose(pooled[:, 1], [0, 50, 100, 50, 75, 100])
    # base year 2020: x 0..10 (2021 leaves 0-100: C scores 200), y worst 4 best 0
    np.testing.assert_allclose(base[:, 0], [0, 50, 100, 50, 100, 200])
    np.testing.assert_allclose(base[:, 1], [0, 50, 100, 50, 75, 100])
    np.testing.assert_allclose(build({"reference": 2020}).scores(), [0, 50, 100, 50, 87.5, 150])


def test_base_year_bounds_are_logged_in_own_units():
    ix = build({"reference": 2020})
    rec = ix.log[0]
    assert rec.params["reference"] == 2020
    assert rec.fitted["bounds_"] == {"all": {"x": {"worst": 0.0, "best": 10.0}, "y": {"worst": 4.0, "best": 0.0}}}
    assert rec.fitted["reference_rows_"] == 3
    # per-year bounds are logged per year
    per = build({}).log[0].fitted["bounds_"]
    assert per["2021"]["x"] == {"worst": 5.0, "best": 20.0} and per["2020"]["y"] == {"worst": 4.0, "best": 0.0}
    # z-scores on the base year: x mean 5 sd 5, y mean 2 sd 2 (sample sd); 2021 C: x (20-5)/5, y -(0-2)/2
    z = build({"method": "zscore", "params": {}, "reference": {"years": [2020]}})
    assert z.log[0].fitted["bounds_"]["all"] == {"x": {"mean": 5.0, "sd": 5.0}, "y": {"mean": 2.0, "sd": 2.0}}
    np.testing.assert_allclose(z.frames["Normalised"].X[3:], [[0, 0], [1, 0.5], [3, 1]])


def test_regeneration_from_the_yaml_log_equals_the_original_and_replays_the_bounds():
    ix = build({"reference": 2020})
    text = ix.log_yaml()
    again = CompositeIndex.from_log(text, panel())
    assert again.equals(ix)
    # the replay applies the logged bounds, it does not refit: tamper with them and the result follows
    log = yaml.safe_load(text)
    log["steps"][0]["fitted"]["bounds_"]["all"]["x"]["best"] = 20.0
    tampered = CompositeIndex.from_log(log, panel())
    np.testing.assert_allclose(tampered.frames["Normalised"].X[:, 0], [0, 25, 50, 25, 50, 100])
    refitted = CompositeIndex.from_log(log, panel(), refit=True)
    assert refitted.equals(ix)
    # a per-year index and a pooled one round-trip as well
    for norm in ({}, {"pooled": True}, {"method": "zscore", "params": {}, "reference": 2021}):
        b = build(norm)
        assert CompositeIndex.from_log(b.log_yaml(), panel()).equals(b)


def test_editing_a_later_year_leaves_the_base_year_bounds_unchanged():
    ix = build({"reference": 2020})
    X2 = X.copy()
    X2[5, 0] = 100.0  # C's x in 2021
    X2[4, 1] = 3.0  # B's y in 2021
    ix2 = build({"reference": 2020}, panel(X2))
    assert ix2.log[0].fitted["bounds_"] == ix.log[0].fitted["bounds_"]
    n1, n2 = ix.frames["Normalised"].X, ix2.frames["Normalised"].X
    np.testing.assert_array_equal(n1[:3], n2[:3])  # 2020 scores unchanged
    assert n2[5, 0] == pytest.approx(1000.0) and n2[4, 1] == pytest.approx(25.0)
    # per-year normalisation, by contrast, changes the other units' 2021 scores
    per1, per2 = build({}).frames["Normalised"].X, build({}, panel(X2)).frames["Normalised"].X
    assert per2[4, 0] != per1[4, 0]
    # new data: the logged base-year bounds applied as they are (check_data=False), even if 2020 was revised
    X3 = X.copy()
    X3[2, 0] = 20.0  # C's x in 2020 revised
    old = CompositeIndex.from_log(ix.log_yaml(), panel(X3), check_data=False)
    assert old.log[0].fitted["bounds_"] == ix.log[0].fitted["bounds_"]
    assert old.frames["Normalised"].X[2, 0] == pytest.approx(200.0)
    new = build({"reference": 2020}, panel(X3))
    assert new.log[0].fitted["bounds_"]["all"]["x"] == {"worst": 0.0, "best": 20.0}
    with pytest.raises(SpecError, match="fingerprint"):
        CompositeIndex.from_log(ix.log_yaml(), panel(X3))
    kept = ix.regenerate(data=panel(X3), refit=False)
    np.testing.assert_allclose(kept.frames["Normalised"].X, old.frames["Normalised"].X)


def test_reference_units_and_errors():
    cross = Data(units=np.array(["A", "B", "C"], dtype=object), icodes=("x", "y"), X=X[:3].copy())
    ix = CompositeIndex.build(IndexSpec.from_dict(SPEC), cross, [
        {"step": "normalise", "params": {"range": [0, 1]}, "reference": {"units": ["A", "B"]}}])
    # x fitted on A, B (0..5): C = 2; y fitted on 4, 2 (worst 4, best 2): C = (4 - 0)/2 = 2
    np.testing.assert_allclose(ix.frames["Normalised"].X, [[0, 0], [1, 1], [2, 2]])
    spec = IndexSpec.from_dict(SPEC)
    with pytest.raises(SpecError, match="not in the data"):
        CompositeIndex.build(spec, panel(), [{"step": "normalise", "reference": 2019}])
    with pytest.raises(SpecError, match="panel"):
        CompositeIndex.build(spec, cross, [{"step": "normalise", "reference": 2020}])
    with pytest.raises(SpecError, match="rank"):
        CompositeIndex.build(spec, panel(), [{"step": "normalise", "method": "rank", "reference": 2020}])


def test_goalposts_are_logged_and_replayed():
    d = copy.deepcopy(SPEC)
    d["indicators"][0]["goalposts"] = [0, 40]
    d["indicators"][1]["goalposts"] = [0, 8]
    ix = CompositeIndex.build(IndexSpec.from_dict(d), panel(), [
        {"step": "normalise", "method": "goalposts", "params": {"scale": 10}, "reference": 2020}])
    assert ix.log[0].fitted["bounds_"]["all"]["y"] == {"lower": 0.0, "upper": 8.0}
    np.testing.assert_allclose(ix.frames["Normalised"].X[:, 1], (8 - X[:, 1]) / 8 * 10)
    assert CompositeIndex.from_log(ix.log_yaml(), panel()).equals(ix)


def test_log_and_spec_from_dict_text_or_path(tmp_path, asem_index, asem_data):
    text = asem_index.log_yaml()
    assert len(text) > 10_000
    p = tmp_path / "methodology.yaml"
    p.write_text(text, encoding="utf-8")
    for src in (asem_index.to_log(), text, str(p), p):
        assert CompositeIndex.from_log(src, asem_data).equals(asem_index)
    with pytest.raises(SpecError, match="not found"):
        CompositeIndex.from_log(str(tmp_path / "nope.yaml"), asem_data)
    with pytest.raises(SpecError, match="not found"):
        CompositeIndex.from_log(tmp_path / "nope.yaml", asem_data)
    with pytest.raises(SpecError, match="not an Aimaq composite log"):
        CompositeIndex.from_log("just some words", asem_data)
    # a long one-line spec (flow YAML / JSON) is text, not a file name
    import json

    one_line = json.dumps(asem_index.spec.to_dict())
    assert "\n" not in one_line and len(one_line) > 1000
    assert IndexSpec.from_yaml(one_line).to_dict() == asem_index.spec.to_dict()
    assert IndexSpec.from_yaml(yaml.safe_dump(SPEC)).root == "I"
    sp = tmp_path / "s.yaml"
    sp.write_text(yaml.safe_dump(SPEC), encoding="utf-8")
    assert IndexSpec.from_yaml(str(sp)).root == "I" and IndexSpec.from_yaml(sp).root == "I"


def test_monte_carlo_draws_keep_the_base_year():
    from aimaq.composite.uncertainty import replicate_draw, run_uncertainty

    ix = build({"reference": 2020})
    res = run_uncertainty(ix, [
        {"name": "N", "type": "normalisation", "values": [{"method": "minmax", "params": {"range": [0, 100]}},
                                                         {"method": "zscore", "params": {"mean": 50, "sd": 10}}]},
        {"name": "W", "type": "weights", "noise": {1: 0.5}}], n=12, seed=4)
    for i in range(12):
        np.testing.assert_allclose(replicate_draw(ix, res, i).scores(), res.scores[i], rtol=0, atol=1e-12)
    minmax = np.nonzero(res.choices["N"] == 0)[0]
    w = res.draw_table["weights"][res.choices["W"][minmax[0]]]
    # min-max on the 2020 bounds: C's 2021 score is (200 w_x + 100 w_y) / (w_x + w_y)
    assert res.scores[minmax[0], 5] == pytest.approx((200 * w[0] + 100 * w[1]) / (w[0] + w[1]))


def test_cli_regenerate_with_new_data_keeps_the_base_year_bounds(tmp_path):
    import polars as pl
    from typer.testing import CliRunner

    from aimaq.cli.main import app

    spec = dict(SPEC, pipeline=[{"step": "normalise", "params": {"range": [0, 100]}, "reference": 2020},
                                {"step": "aggregate"}])
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(spec))

    def write(X, name):
        pl.DataFrame({"uCode": ["A", "B", "C"] * 2, "Time": [2020] * 3 + [2021] * 3,
                      "x": X[:, 0], "y": X[:, 1]}).write_csv(tmp_path / name)

    write(X, "d.csv")
    X3 = X.copy()
    X3[2, 0] = 20.0  # revised 2020 value of C
    write(X3, "d3.csv")
    runner = CliRunner()
    r = runner.invoke(app, ["composite", "run", str(tmp_path / "s.yaml"), str(tmp_path / "d.csv"),
                            "--out", str(tmp_path / "o"), "--format", "csv"])
    assert r.exit_code == 0, r.output
    log = tmp_path / "o" / "methodology.yaml"
    r = runner.invoke(app, ["composite", "regenerate", str(log), str(tmp_path / "d3.csv"),
                            "--out", str(tmp_path / "o3")])
    assert r.exit_code != 0  # fingerprint differs
    for extra, c2020 in (([], 200.0), (["--refit"], 100.0)):
        r = runner.invoke(app, ["composite", "regenerate", str(log), str(tmp_path / "d3.csv"), "--new-data",
                                *extra, "--out", str(tmp_path / "o3"), "--format", "csv"])
        assert r.exit_code == 0, r.output
        norm = pl.read_csv(tmp_path / "o3" / "Normalised.csv")
        assert norm.filter((pl.col("uCode") == "C") & (pl.col("Time") == 2020))["x"][0] == pytest.approx(c2020)

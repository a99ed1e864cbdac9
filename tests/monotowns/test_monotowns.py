"""Monotown registry, synthetic data calibrated to the review, classification by potential."""

import json

import numpy as np
import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from aimaq.demo import init_database
from aimaq.errors import ComputationError, SpecError
from aimaq.monotowns import (build_synthetic_monotown_data, classify_monotowns, list_monotowns, load_monotowns,
                             show_monotown)
from aimaq.monotowns.classify import classify
from aimaq.monotowns.spec import parse_classification
from aimaq.monotowns.synthetic import calibrate_mean, scale_population

HEAT = {"Экибастуз": 91, "Степногорск": 80.7, "Хромтау": 78, "Балхаш": 78, "Абай (город)": 69, "Алтай": 68,
        "Шахтинск": 68, "Рудный": 66, "Кентау": 65, "Темиртау": 62, "Риддер": 60}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = tmp_path_factory.mktemp("monotowns") / "t.duckdb"
    c = init_database(path)
    load_monotowns(c)
    build_synthetic_monotown_data(c, seed=7)
    yield c
    c.close()


def test_registry(con):
    towns = list_monotowns(con)
    assert towns.height == 27
    listed = towns.filter(pl.col("in_list_2023"))
    assert listed.height == 20 and towns.filter(~pl.col("in_list_2023")).height == 7
    assert towns.filter(~pl.col("in_list_2023"))["reason_dropped"].null_count() == 0
    assert dict(listed["specialisation_group"].value_counts().iter_rows()) == {
        "добывающая промышленность": 15, "обрабатывающая промышленность": 4, "научно-промышленный центр": 1}
    assert towns["kpr"].sum() == 10
    # every town resolved to a territory of the registry, inside its region
    known = set(r[0] for r in con.execute("SELECT kato FROM territory").fetchall())
    assert set(towns["kato"]) <= known and towns["kato"].n_unique() == 27
    assert all(k[:2] == r[:2] for k, r in zip(towns["kato"], towns["region_kato"]))
    kato = dict(zip(towns["name_ru"], towns["kato"]))
    assert kato["Экибастуз"] == "552200000" and kato["Хромтау"] == "156000001" and kato["Абай (город)"] == "353200001"


def test_synthetic_reproduces_published(con):
    v = con.execute("SELECT m.name_ru, v.indicator, v.value, v.published, v.synthetic FROM monotown_value v "
                    "JOIN monotown m USING (kato)").pl()
    heat = v.filter(pl.col("indicator") == "heat_network_wear_pct")
    assert heat.height == 20
    got = dict(zip(heat["name_ru"], heat["value"]))
    for town, wear in HEAT.items():
        assert got[town] == wear
    assert heat.filter(pl.col("published"))["name_ru"].sort().to_list() == sorted(HEAT)
    assert heat["value"].mean() == pytest.approx(59.0)                      # «средний износ тепловых сетей – 59%»
    others = heat.filter(~pl.col("published"))["value"]
    assert others.min() >= 35 and others.max() < 60                         # not among the «most worn» named
    pop = v.filter(pl.col("indicator") == "population")
    assert pop["value"].sum() == 1_370_000                                   # 1.37 million
    un = v.filter(pl.col("indicator") == "unemployment_rate_pct").join(
        pop.select("name_ru", pl.col("value").alias("pop")), on="name_ru")
    assert (un["value"] * un["pop"]).sum() / un["pop"].sum() == pytest.approx(4.3)
    roads = v.filter(pl.col("indicator") == "roads_satisfactory_share_pct", pl.col("name_ru") == "Лисаковск")
    assert roads["value"][0] == 15.8 and roads["published"][0]
    assert v.filter(~pl.col("published"))["synthetic"].all()


def test_seed_determinism(con):
    a = build_synthetic_monotown_data(con, seed=11)
    b = build_synthetic_monotown_data(con, seed=11)
    assert a.equals(b)
    c = build_synthetic_monotown_data(con, seed=12)
    assert not a["value"].equals(c["value"])
    build_synthetic_monotown_data(con, seed=7)


def test_calibrate_mean_by_hand():
    x = calibrate_mean(np.array([10.0, 0.0, 4.0, 8.0]), np.array([True, False, False, False]),
                       np.array([1.0, 1.0, 1.0, 1.0]), 6.0, 0.0, 9.0)
    # free mean must be (24 - 10)/3 = 4.667; free values 0,4,8 (mean 4) shift by +0.667, spread kept (k=1)
    assert x == pytest.approx([10.0, 2 / 3, 4 + 2 / 3, 8 + 2 / 3])
    with pytest.raises(ComputationError, match="outside"):
        calibrate_mean(np.array([10.0, 1.0]), np.array([True, False]), np.ones(2), 9.0, 0.0, 5.0)
    assert scale_population(np.array([1.0, 3.0]), 10) == pytest.approx([2.0, 8.0])


SMALL = {
    "name": "t", "version": "1", "thresholds": {"high": 60, "medium": 40},
    "index": {"name": "t", "version": 1,
              "indicators": [
                  {"code": "a", "parent": "D1", "weight": 1, "direction": 1, "goalposts": [0, 100]},
                  {"code": "b", "parent": "D1", "weight": 1, "direction": -1, "goalposts": [0, 50]},
                  {"code": "c", "parent": "D2", "weight": 1, "direction": 1, "goalposts": [10, 20]}],
              "aggregates": [{"code": "D1", "parent": "Index", "weight": 1},
                             {"code": "D2", "parent": "Index", "weight": 1},
                             {"code": "Index", "parent": None}],
              "pipeline": [{"step": "normalise", "method": "goalposts", "params": {"scale": 100, "trunc": True}},
                           {"step": "aggregate", "method": "amean", "weights": "spec"}]},
}


def test_classification_three_towns_by_hand():
    spec = parse_classification(SMALL)
    data = pl.DataFrame({"kato": ["X", "Y", "Z"], "a": [80.0, 50.0, 10.0], "b": [10.0, 25.0, 60.0],
                         "c": [18.0, 15.0, 12.0]})
    classes, directions = classify(data, spec)
    # X: a 80, b (50-10)/50 = 80 -> D1 80; c (18-10)/10 = 80 -> D2 80; index 80 -> high
    # Y: a 50, b 50 -> D1 50; c 50 -> index 50 -> medium
    # Z: a 10, b truncated to 0 -> D1 5; c 20 -> index 12.5 -> low
    got = {r["kato"]: (r["score"], r["rank"], r["potential"]) for r in classes.iter_rows(named=True)}
    assert got["X"] == (pytest.approx(80.0), 1, "high")
    assert got["Y"] == (pytest.approx(50.0), 2, "medium")
    assert got["Z"] == (pytest.approx(12.5), 3, "low")
    d = {(r["kato"], r["direction"]): r["score"] for r in directions.iter_rows(named=True)}
    assert d[("Z", "D1")] == pytest.approx(5.0) and d[("Z", "D2")] == pytest.approx(20.0)
    assert d[("X", "D2")] == pytest.approx(80.0)
    with pytest.raises(ComputationError, match="нет показателей спецификации"):
        classify(data.drop("c"), spec)
    with pytest.raises(SpecError, match="пороги должны удовлетворять 0 ≤ medium < high ≤ 100"):
        parse_classification({**SMALL, "thresholds": {"high": 30, "medium": 40}})


def test_classify_monotowns_default_spec(con):
    out = classify_monotowns(con)
    c = out["classes"]
    assert c.height == 20 and out["synthetic"]
    assert c["score"].min() >= 0 and c["score"].max() <= 100
    assert set(c["potential"]) <= {"high", "medium", "low"}
    hi = c.filter(pl.col("potential") == "high")["score"]
    lo = c.filter(pl.col("potential") == "low")["score"]
    assert (hi >= 60).all() and (lo < 40).all()
    assert out["directions"]["direction"].n_unique() == 12
    # the index is the mean of the 12 direction scores (equal weights)
    mean12 = out["directions"].group_by("kato").agg(pl.col("score").mean())
    joined = c.join(mean12, on="kato", suffix="_d")
    assert np.allclose(joined["score"], joined["score_d"])
    run = con.execute("SELECT spec_name, spec_version, synthetic FROM monotown_run WHERE run_id = ?",
                      [out["run_id"]]).fetchone()
    assert run == ("monotown_potential", "1", True)
    top = show_monotown(con)
    assert top.height == 20 and top["rank"].to_list() == sorted(top["rank"].to_list())
    town = show_monotown(con, "Хромтау")
    wear = town.filter(pl.col("section") == "value", pl.col("item").str.starts_with("heat_network_wear_pct"))
    assert wear["value"][0] == 78 and not wear["synthetic"][0]


def test_cli_register(con, tmp_path, monkeypatch):
    import shutil

    from aimaq import settings
    from aimaq.cli.monotowns import register

    con.execute("CHECKPOINT")
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    copy = tmp_path / "copy.duckdb"
    shutil.copy(path, copy)
    monkeypatch.setattr(settings, "_current", settings.Settings(db_path=copy))
    app = typer.Typer()
    register(app)
    run = CliRunner().invoke(app, ["monotowns", "list", "--dropped", "-f", "json"])
    assert run.exit_code == 0, run.output
    assert len(json.loads(run.output)) == 7
    run = CliRunner().invoke(app, ["monotowns", "classify", "--format", "csv"])
    assert run.exit_code == 0, run.output
    lines = run.output.strip().splitlines()
    assert lines[0] == "rank,name_ru,region,kato,score,potential,synthetic,run_id" and len(lines) == 21
    run = CliRunner().invoke(app, ["monotowns", "show", "--town", "Экибастуз", "-f", "json"])
    assert run.exit_code == 0, run.output
    rows = json.loads(run.output)
    assert any(r["item"].startswith("heat_network_wear_pct") and r["value"] == 91 for r in rows)
    run = CliRunner().invoke(app, ["monotowns", "show", "--town", "Нигде"])
    assert run.exit_code != 0

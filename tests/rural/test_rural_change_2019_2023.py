"""Villages with potential on the demo's synthetic data grow 2019-2023 as the review publishes (section 1.6).

A demo-like run on a fresh database file: territorial registry, the demo's settlements (generator spec version 2,
seed 2023, populations 2019 and 2023 as observations), the synthetic standards inventory of 2023 (the service
levels the criteria read; 2023 does not depend on 2022), then classify_villages.

Published: villages with potential +2 % or +136.7 thousand; support + satellite villages +28.4 % Kostanay,
+16.0 % Kyzylorda, +12.9 % Atyrau, +11.3 % Mangystau. Tolerances (docs/villages.md): +-0.3 pp and +-15 thousand
for the country, +-0.5 pp for the four regions. The generator hits these exactly on its "core" villages; the
classification's villages with potential are a subset of the core, and the tolerance covers the core villages it
leaves out (57 villages, ~33 thousand people on this data).
"""

import polars as pl
import pytest

from aimaq.demo import load_settlements
from aimaq.rural.service import classify_villages
from aimaq.standards.service import build_synthetic_inventory
from aimaq.store.db import connect
from aimaq.synth.settlements import core_villages, generate_settlements, load_spec
from aimaq.territory.repository import save_registry

PUBLISHED_REGIONS = {"390000000": 28.4, "430000000": 16.0, "230000000": 12.9, "470000000": 11.3}


@pytest.fixture(scope="module")
def run(tmp_path_factory, registry):
    con = connect(tmp_path_factory.mktemp("rural2019") / "t.duckdb")
    save_registry(con, registry)
    load_settlements(con, 2023)
    build_synthetic_inventory(con, 2023, seed=2023, compute=False)
    out = classify_villages(con)
    classes = con.execute("SELECT kato, role, with_potential, population, population_2019 FROM rural_village_class").pl()
    con.close()
    return out, classes


def test_villages_with_potential_grow_as_published(run):
    out, _ = run
    sm = out["summary"].row(0, named=True)
    assert sm["population_change_with_potential_pct"] == pytest.approx(2.0, abs=0.3)
    assert sm["population_change_with_potential"] == pytest.approx(136_700, abs=15_000)
    # the calibration does not undo the counts the roles were tuned to (review: 3.5 thousand, 93 %)
    assert 3_400 <= sm["with_potential"] <= 3_600
    assert sm["population_share_with_potential_pct"] == pytest.approx(93.0, abs=1.0)


def test_four_named_regions_grow_as_published_and_most(run):
    out, classes = run
    reg = {r["region_kato"]: r["population_change_with_potential_pct"] for r in out["by_region"].to_dicts()}
    for kato, pct in PUBLISHED_REGIONS.items():
        assert reg[kato] == pytest.approx(pct, abs=0.5), kato
    # with potential = support + satellite: recompute from the stored rows by hand
    wp = classes.filter(pl.col("role").is_in(["support", "satellite"]) & pl.col("kato").str.starts_with("39"))
    assert 100 * (wp["population"].sum() / wp["population_2019"].sum() - 1) == pytest.approx(reg["390000000"])
    top4 = sorted(reg, key=reg.get, reverse=True)[:4]
    assert set(top4) == set(PUBLISHED_REGIONS)           # the review: the largest growth is in these four


def test_villages_with_potential_are_core_villages_of_the_generator(run):
    _, classes = run
    s = generate_settlements(2023)["settlements"]
    cfg = load_spec()["change_2019_2023"]["core"]
    core = s.filter(pl.Series(core_villages(s["kind"].to_numpy(), s["population"].to_numpy(),
                                            s["lat"].to_numpy(), s["lon"].to_numpy(), cfg)))
    wp = classes.filter("with_potential")
    assert wp["kato"].is_in(core["kato"].implode()).all()
    left_out = core.filter(~pl.col("kato").is_in(wp["kato"].implode()))
    # the gap is small: the tolerance above covers it
    assert left_out["population"].sum() < 0.01 * core["population"].sum()


def test_generator_core_thresholds_mirror_the_default_criteria():
    from aimaq.rural.spec import load_criteria

    roles = load_criteria("2025").roles
    cfg = load_spec()["change_2019_2023"]["core"]
    assert cfg["min_population_any"] == roles.support.min_population_any_potential
    assert cfg["centre_min_population"] == roles.support.min_population
    assert roles.support.kinds == ["rural_district_centre"]
    assert cfg["near_min_population"] == roles.satellite.min_population
    assert cfg["near_km"] == roles.satellite.radius_km

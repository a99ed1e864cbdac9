import math

import polars as pl
import pytest

from aimaq.errors import SpecError
from aimaq.rural.classify import classify, summarise, village_features
from aimaq.rural.spec import Criteria, load_criteria
from aimaq.standards.geo import EARTH_RADIUS_KM


def dlat(km):
    return math.degrees(km / EARTH_RADIUS_KM)


def criteria(**roles_over):
    """A small spec: demographic block (population, change) and geospatial block (distance to town)."""
    roles = {"rural_kinds": ["rural_district_centre", "village"], "town_kinds": ["city_district"],
             "support": {"kinds": ["rural_district_centre"], "min_population": 500, "potential": ["high", "medium"]},
             "satellite": {"radius_km": 20, "min_population": 100}}
    roles.update(roles_over)
    return Criteria(
        name="t", edition="t", version="t.1", status="test",
        blocks={"demographic": {"weight": 0.5, "name_ru": "Д"}, "geospatial": {"weight": 0.5, "name_ru": "Г"},
                "economic": {"weight": 1.0, "name_ru": "Э"}},
        indicators=[
            {"code": "population", "block": "demographic", "direction": 1, "low": 300, "high": 1000, "name_ru": "n"},
            {"code": "population_change_pct", "block": "demographic", "direction": 1, "low": -5, "high": 0, "name_ru": "d"},
            {"code": "dist_to_town_km", "block": "geospatial", "direction": -1, "low": 30, "high": 80, "name_ru": "km"},
            {"code": "businesses_per_1000", "block": "economic", "direction": 1, "low": 1, "high": 2, "name_ru": "b"},
        ],
        potential={"high": 0.75, "medium": 0.5}, roles=roles, with_potential_roles=["support", "satellite"])


def _villages():
    # town T at (50, 70); villages north of it along the meridian, at the given distances (km)
    rows = [
        ("T", "city_district", 0, 20000, 20000),
        ("A", "rural_district_centre", 10, 2000, 1900),   # pop 1 (1000+), change +5.3% 1, dist 10 km 1 -> 1.0 high
        ("B", "rural_district_centre", 100, 600, 700),    # pop .5, change -14% 0 -> demog .25; dist 100 -> 0 => .125 low
        ("C", "village", 50, 400, 400),                   # pop .5, change 0 -> 1: .75; dist 50 -> .5  => .625 medium
        ("D", "village", 115, 150, 160),                  # 15 km from B (not support), 65 from T; near nothing
        ("E", "village", 28, 90, 100),                    # 18 km from A (support) but below 100 people -> other
        ("F", "village", 25, 300, 300),                   # 15 km from A -> satellite
    ]
    return pl.DataFrame({"kato": [r[0] for r in rows], "kind": [r[1] for r in rows],
                         "lat": [50.0 + dlat(r[2]) for r in rows], "lon": [70.0] * len(rows),
                         "population": [r[3] for r in rows], "population_2019": [r[4] for r in rows],
                         "region_kato": ["110000000"] * len(rows)})


def test_scores_classes_and_roles_by_hand():
    c = criteria()
    s = _villages()
    f = village_features(s, c)
    assert f["kato"].to_list() == ["A", "B", "C", "D", "E", "F"]
    assert f["dist_to_town_km"].to_list() == pytest.approx([10, 100, 50, 115, 28, 25], abs=1e-6)
    out, notes = classify(f, c, s.filter(pl.col("kind") == "city_district"))
    got = {r["kato"]: r for r in out.to_dicts()}
    assert got["A"]["score"] == pytest.approx(1.0) and got["A"]["potential"] == "high"
    assert got["B"]["score"] == pytest.approx(0.125) and got["B"]["potential"] == "low"
    assert got["C"]["score"] == pytest.approx(0.625) and got["C"]["potential"] == "medium"
    # the economic block has no indicator in the data: dropped, weights renormalised (0.5/0.5), and said so
    assert got["A"]["score_economic"] is None
    assert "Нет в данных, не учтены (1): b." in notes  # named (the spec's name_ru), not coded
    assert got["A"]["role"] == "support"                     # okrug centre, 2000 people, high
    assert got["B"]["role"] == "other"                       # okrug centre but low potential, far from anchors
    assert got["C"]["role"] == "other"                       # 40 km from A, 50 from T: beyond 20 km
    assert got["F"]["role"] == "satellite" and got["F"]["anchor_kato"] == "A"
    assert got["F"]["anchor_km"] == pytest.approx(15.0, abs=1e-6)
    assert got["E"]["role"] == "other"                       # within 18 km of A but only 90 people
    assert got["D"]["role"] == "other"                       # 15 km from B, which is not a support village


def test_satellite_radius_boundary_and_town_anchor():
    c = criteria(satellite={"radius_km": 25, "min_population": 100})
    s = _villages()
    out, _ = classify(village_features(s, c), c, s.filter(pl.col("kind") == "city_district"))
    got = {r["kato"]: r for r in out.to_dicts()}
    assert got["F"]["role"] == "satellite" and got["F"]["anchor_kato"] == "A"   # 15 km from A, 25 from T
    c2 = criteria(satellite={"radius_km": 24.999, "min_population": 100})
    s2 = s.filter(pl.col("kato") != "A")
    out2, _ = classify(village_features(s2, c2), c2, s2.filter(pl.col("kind") == "city_district"))
    got2 = {r["kato"]: r for r in out2.to_dicts()}
    assert got2["F"]["role"] == "other"                                         # 25 km from T > 24.999
    c3 = criteria(satellite={"radius_km": 25.0, "min_population": 100})
    out3, _ = classify(village_features(s2, c3), c3, s2.filter(pl.col("kind") == "city_district"))
    assert {r["kato"]: r["role"] for r in out3.to_dicts()}["F"] == "satellite"  # exactly 25 km: inclusive


def test_summary_counts_shares_and_population_change():
    c = criteria()
    s = _villages()
    out, _ = classify(village_features(s, c), c, s.filter(pl.col("kind") == "city_district"))
    sm = summarise(out).row(0, named=True)
    assert (sm["villages"], sm["support"], sm["satellite"], sm["other"]) == (6, 1, 1, 4)
    assert sm["with_potential"] == 2
    total = 2000 + 600 + 400 + 150 + 90 + 300
    assert sm["population_share_with_potential_pct"] == pytest.approx(100 * 2300 / total)
    assert sm["population_change_with_potential"] == pytest.approx(2300 - 2200)
    assert sm["population_change_with_potential_pct"] == pytest.approx(100 * (2300 / 2200 - 1))


def test_shipped_criteria_have_four_blocks_and_27_indicators():
    c = load_criteria("2025")
    assert set(c.blocks) == {"economic", "infrastructure", "demographic", "geospatial"}
    assert len(c.indicators) == 27
    assert c.sha256
    with pytest.raises(SpecError):
        load_criteria("1999")

import polars as pl
import pytest

from aimaq.errors import ComputationError, SpecError
from aimaq.standards.coverage import evaluate, gap_list, settlement_coverage
from aimaq.standards.spec import load_catalogue, shipped_editions

from .conftest import facilities_frame, lat_offset, levels_frame, mini_catalogue, settlements_frame

R1, D1 = "110000000", "111000000"


def test_shipped_catalogues_have_the_reviews_item_counts():
    c23 = load_catalogue("2023")
    assert {c.code: len(c23.items_for(c.code)) for c in c23.categories} == {"A": 56, "B": 49, "C": 40, "D": 29}
    assert len({i.direction for i in c23.items}) == 12
    c19 = load_catalogue("2019")
    assert c19.version == "2019.1" and c19.sha256 != c23.sha256
    assert {"2019", "2023"} <= set(shipped_editions())
    with pytest.raises(SpecError):
        load_catalogue("1999")


def test_catalogue_validation_rejects_inconsistent_specs():
    with pytest.raises(Exception):
        mini_catalogue(items=[{"code": "Z", "direction": "nowhere", "categories": ["X"], "mandatory": True,
                               "name_ru": "z", "rule": {"kind": "present", "facility": "f"}, "cost": {"fixed_mln": 1}}])
    with pytest.raises(Exception):  # within_km without km
        mini_catalogue(items=[{"code": "Z", "direction": "health", "categories": ["X"], "mandatory": True,
                               "name_ru": "z", "rule": {"kind": "within_km", "facility": "f"}, "cost": {"fixed_mln": 1}}])


def test_hand_computed_coverage_each_rule_kind(cat):
    # town T (pop 5000): school yes, kindergarten no, medical 20 km away (×1.3 = 26 > 13) no, water 95 yes -> 2/4
    # village A (pop 300): school in emergency condition (not counted), medical in village, water 89.9 -> 1/3
    # village B (pop 800): no school; medical in A, 5 km away (×1.3 = 6.5 <= 13) yes; water missing -> 1/3
    s = settlements_frame([
        ("T", "Город", "city_district", 50.0, 70.0, 5000, R1, D1),
        ("A", "Аул А", "village", 50.0 + lat_offset(20), 70.0, 300, R1, D1),
        ("B", "Аул Б", "village", 50.0 + lat_offset(25), 70.0, 800, R1, D1),
    ])
    f = facilities_frame([
        ("T", "school", 50.0, 70.0, "good"),
        ("A", "school", 50.0 + lat_offset(20), 70.0, "emergency"),
        ("A", "medical", 50.0 + lat_offset(20), 70.0, "good"),
    ])
    lv = levels_frame([("T", "water_pct", 95.0), ("A", "water_pct", 89.9)])
    cm = evaluate(s, f, lv, cat)
    assert cm.items == ["P1", "W1", "S1", "M1"]
    assert cm.applies.tolist() == [[True, True, True, True], [True, True, True, False], [True, True, True, False]]
    assert cm.met.tolist() == [[True, False, True, False], [False, True, False, False], [False, True, False, False]]
    assert cm.coverage_pct == pytest.approx([50.0, 100 / 3, 100 / 3])
    assert any("missing" in n for n in cm.notes) and any("emergency" in n for n in cm.notes)
    cov = settlement_coverage(cm, s)
    assert cov["is_city"].to_list() == [True, False, False]


def test_min_population_makes_an_item_not_apply(cat):
    s = settlements_frame([("T1", "a", "city_district", 50, 70, 999, R1, D1), ("T2", "b", "city_district", 51, 70, 1000, R1, D1)])
    f = facilities_frame([("T2", "kindergarten", 51, 70, None)])
    cm = evaluate(s, f, levels_frame([]), cat)
    assert cm.n_applicable.tolist() == [3, 4]
    assert cm.n_met.tolist() == [0, 1]


@pytest.mark.parametrize("extra_km, met", [(-1e-3, True), (0.0, True), (1e-4, False), (1.0, False)])
def test_within_km_boundary_is_inclusive(cat, extra_km, met):
    # rule: 13 km with detour 1.3 => straight line bound 10 km exactly
    s = settlements_frame([("V", "a", "village", 50.0, 70.0, 100, R1, D1)])
    f = facilities_frame([("X", "medical", 50.0 + lat_offset(10.0 + extra_km), 70.0, None)])
    cm = evaluate(s, f, levels_frame([]), cat)
    assert bool(cm.met[0, cm.items.index("W1")]) is met


def test_within_km_uses_road_network_when_loaded(cat):
    # A has the medical point; B is 5 km straight from A but 14 km by road -> not met; C 12 km by road via B? no:
    # edges A-B 14, A-C 12.5 -> C met (12.5 <= 13, no detour factor on network distances), B not.
    s = settlements_frame([
        ("A", "a", "village", 50.0, 70.0, 100, R1, D1),
        ("B", "b", "village", 50.0 + lat_offset(5), 70.0, 100, R1, D1),
        ("C", "c", "village", 50.0 - lat_offset(9), 70.0, 100, R1, D1),
    ])
    f = facilities_frame([("A", "medical", 50.0, 70.0, None)])
    net = pl.DataFrame({"from_kato": ["A", "A"], "to_kato": ["B", "C"], "km": [14.0, 12.5]})
    j = 1
    assert evaluate(s, f, levels_frame([]), cat).met[:, j].tolist() == [True, True, True]
    assert evaluate(s, f, levels_frame([]), cat, network=net).met[:, j].tolist() == [True, False, True]
    # boundary on the network: exactly 13 km is met
    net2 = pl.DataFrame({"from_kato": ["A"], "to_kato": ["B"], "km": [13.0]})
    assert evaluate(s, f, levels_frame([]), cat, network=net2).met[:, j].tolist() == [True, True, False]


def test_service_level_threshold_is_inclusive(cat):
    s = settlements_frame([("A", "a", "village", 50, 70, 100, R1, D1), ("B", "b", "village", 51, 70, 100, R1, D1)])
    lv = levels_frame([("A", "water_pct", 90.0), ("B", "water_pct", 89.99)])
    cm = evaluate(s, facilities_frame([]), lv, cat)
    assert cm.met[:, 2].tolist() == [True, False]


def test_unknown_kind_is_an_error(cat):
    s = settlements_frame([("A", "a", "spaceport", 50, 70, 100, R1, D1)])
    with pytest.raises(ComputationError):
        evaluate(s, facilities_frame([]), levels_frame([]), cat)


def test_gap_list_names_nearest_place(cat):
    s = settlements_frame([
        ("T", "Город", "city_district", 50.0, 70.0, 5000, R1, D1),
        ("A", "Аул А", "village", 50.0 + lat_offset(30), 70.0, 300, R1, D1),
        ("B", "Аул Б", "village", 50.0 + lat_offset(50), 70.0, 300, R1, D1),
    ])
    f = facilities_frame([("T", "school", 50.0, 70.0, None), ("B", "medical", 50.0 + lat_offset(50), 70.0, None)])
    lv = levels_frame([("T", "water_pct", 99.0), ("A", "water_pct", 10.0), ("B", "water_pct", 95.0)])
    gaps = gap_list(s, f, lv, cat, kato=["A"])
    assert gaps["item"].to_list() == ["P1", "S1", "W1"]
    got = {r["item"]: (r["nearest_kato"], r["nearest_name_ru"], r["nearest_km"]) for r in gaps.to_dicts()}
    assert got["P1"][:2] == ("T", "Город") and got["P1"][2] == pytest.approx(30.0, abs=1e-6)
    assert got["W1"][:2] == ("B", "Аул Б") and got["W1"][2] == pytest.approx(20.0, abs=1e-6)
    assert got["S1"][:2] == ("B", "Аул Б") and got["S1"][2] == pytest.approx(20.0, abs=1e-6)
    with pytest.raises(ComputationError):
        gap_list(s, f, lv, cat, kato=["NOPE"])

"""The calibration's array evaluation (_FastCoverage) gives exactly what materialise + coverage.evaluate give."""

import numpy as np
import polars as pl
import pytest

from aimaq.standards.coverage import evaluate
from aimaq.standards.synthetic import (
    _Design,
    _FastCoverage,
    calibrate_city_offset,
    generate_inventory,
    load_synthetic_spec,
)

from .conftest import mini_catalogue, settlements_frame


def _catalogue_with_shared_types():
    """The mini catalogue plus items sharing a facility type (present school and school within 4 km) and an
    indicator (water ≥ 90 and ≥ 50), so the first-item-wins rule of materialise is exercised."""
    cat = mini_catalogue()
    data = cat.model_dump()
    data.pop("sha256")
    data["items"] += [
        {"code": "W2", "direction": "education", "categories": ["X", "V"], "mandatory": True, "name_ru": "Школа 4 км",
         "rule": {"kind": "within_km", "facility": "school", "km": 4}, "cost": {"fixed_mln": 1}},
        {"code": "S2", "direction": "engineering", "categories": ["V"], "mandatory": True, "name_ru": "Вода 50",
         "rule": {"kind": "service_level", "indicator": "water_pct", "threshold": 50}, "cost": {"fixed_mln": 1}},
        {"code": "W3", "direction": "health", "categories": ["X"], "mandatory": True, "name_ru": "ФАП 30 км",
         "rule": {"kind": "within_km", "facility": "medical", "km": 30, "detour": 1.0}, "cost": {"fixed_mln": 1}},
    ]
    return type(cat)(**data, sha256="test")


def _settlements(n=400, seed=5):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        region = "110000000" if i < n // 2 else "120000000"
        kind = "city_district" if i % 25 == 0 else "village"
        # dense enough that within-km rules are met by neighbours' facilities
        rows.append((f"{region[:2]}{i:07d}", f"П{i}", kind, 50.0 + rng.uniform(-0.4, 0.4), 70.0 + rng.uniform(-0.6, 0.6),
                     int(rng.integers(100, 3000)), region, region[:2] + "1000000"))
    return settlements_frame(rows)


@pytest.mark.parametrize("shift", [-2.0, -0.5, 0.0, 0.7, 2.5])
def test_fast_coverage_equals_full_evaluation(shift):
    cat = _catalogue_with_shared_types()
    s = _settlements().sort("kato")
    design = _Design(s, cat, load_synthetic_spec(), seed=9)
    fast = _FastCoverage(design)
    theta = np.array([shift, -shift / 2])
    prov = design.provided(theta, 1.0)
    got = fast.coverage_pct(prov)
    fac, lv = design.materialise(prov, 2023)
    cm = evaluate(s, fac, lv, cat)
    np.testing.assert_array_equal(got, cm.coverage_pct)
    # the case is not trivial: neighbours' facilities, emergency buildings and shared types all occur
    assert 0 < got.mean() < 100
    assert (fac["condition"] == "emergency").any()
    fac_items = [j for j, it in enumerate(cat.items) if it.rule.facility]
    placed = prov[:, fac_items] | design.emergency_draw[:, fac_items]
    assert fac.height < int(placed.sum())  # a second school in a settlement is dropped (one per type)


def test_calibrated_inventory_meets_targets_and_city_offset_is_phase_one():
    cat = _catalogue_with_shared_types()
    s = _settlements()
    targets = {"110000000": 55.0, "120000000": 70.0}
    inv = generate_inventory(s, cat, targets, 2023, seed=9, city_target_pct=80.0)
    ach = dict(zip(inv.calibration["region_kato"], inv.calibration["achieved_pct"]))
    assert abs(ach["110000000"] - 55.0) < 0.1 and abs(ach["120000000"] - 70.0) < 0.1
    assert not any("differed" in n for n in inv.notes)
    assert calibrate_city_offset(s, cat, targets, seed=9, city_target_pct=80.0) == inv.city_offset
    # the reported achievement is the full evaluation of the stored inventory
    cov = evaluate(s.sort("kato"), inv.facilities, inv.levels, cat).coverage_pct
    reg = pl.DataFrame({"r": s.sort("kato")["region_kato"], "c": cov}).group_by("r").agg(pl.col("c").mean())
    assert dict(reg.iter_rows()) == pytest.approx(ach, abs=1e-9)

import math

import polars as pl
import pytest

from aimaq.standards.geo import EARTH_RADIUS_KM
from aimaq.standards.spec import Catalogue


def mini_catalogue(**over) -> Catalogue:
    """Four items, one per rule kind, plus a population-limited one; categories X (towns) and V (villages)."""
    data = {
        "name": "test_catalogue", "edition": "t", "version": "t.1", "status": "test", "detour_factor": 1.3,
        "exclude_conditions": ["emergency"],
        "categories": [
            {"code": "X", "name_ru": "Города", "kinds": ["city_oblast", "city_district"]},
            {"code": "V", "name_ru": "Сёла", "kinds": ["village", "rural_district_centre"]},
        ],
        "directions": [{"code": "education", "name_ru": "Образование"}, {"code": "health", "name_ru": "Здравоохранение"},
                       {"code": "engineering", "name_ru": "Инженерная"}],
        "items": [
            {"code": "P1", "direction": "education", "categories": ["X", "V"], "mandatory": True, "name_ru": "Школа",
             "rule": {"kind": "present", "facility": "school"}, "cost": {"fixed_mln": 100}},
            {"code": "W1", "direction": "health", "categories": ["X", "V"], "mandatory": True, "name_ru": "ФАП до 13 км",
             "rule": {"kind": "within_km", "facility": "medical", "km": 13}, "cost": {"fixed_mln": 10}},
            {"code": "S1", "direction": "engineering", "categories": ["X", "V"], "mandatory": True, "name_ru": "Вода",
             "rule": {"kind": "service_level", "indicator": "water_pct", "threshold": 90},
             "cost": {"fixed_mln": 5, "per_capita_kzt": 100000}},
            {"code": "M1", "direction": "education", "categories": ["X"], "mandatory": False, "name_ru": "Детсад",
             "rule": {"kind": "present", "facility": "kindergarten"}, "min_population": 1000,
             "cost": {"fixed_mln": 50}},
        ],
    }
    data.update(over)
    return Catalogue(**data)


def lat_offset(km: float) -> float:
    """Degrees of latitude spanning `km` along a meridian."""
    return math.degrees(km / EARTH_RADIUS_KM)


@pytest.fixture
def cat():
    return mini_catalogue()


def settlements_frame(rows):
    return pl.DataFrame(rows, schema={"kato": pl.Utf8, "name_ru": pl.Utf8, "kind": pl.Utf8, "lat": pl.Float64,
                                      "lon": pl.Float64, "population": pl.Int64, "region_kato": pl.Utf8,
                                      "district_kato": pl.Utf8}, orient="row")


def facilities_frame(rows):
    return pl.DataFrame(rows, schema={"kato": pl.Utf8, "facility": pl.Utf8, "lat": pl.Float64, "lon": pl.Float64,
                                      "condition": pl.Utf8}, orient="row")


def levels_frame(rows):
    return pl.DataFrame(rows, schema={"kato": pl.Utf8, "indicator": pl.Utf8, "value": pl.Float64}, orient="row")

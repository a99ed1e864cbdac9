"""Synthetic facility inventory and service levels, calibrated to the review's regional coverage means.

Design: for settlement s and item j, U[s, j] ~ Uniform(0, 1) drawn once from the seed (the same for every year),
and the item is provided by design when U < p, with
    logit p = item_offset[j] + category_offset[c(s)] + city_offset·is_city(s) + theta[region(s)] + sigma·z[s].
Facilities (present / within-km items) are placed in the settlements where the item is provided; service levels
are drawn above the threshold there and below it elsewhere. Because a within-km item can also be met by a
neighbour's facility, realised coverage is computed with the real evaluation and theta is found by bisection
per region so that the realised unweighted mean equals the target. Using the same U for every year makes the
inventories of successive years nested (a facility present in 2022 is still there in 2023)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from aimaq.errors import ComputationError, SpecError
from aimaq.standards.coverage import CITY_KINDS, evaluate
from aimaq.standards.geo import EARTH_RADIUS_KM
from aimaq.standards.spec import Catalogue


def load_synthetic_spec(version: str = "1") -> dict:
    path = Path(str(resources.files("aimaq.specs") / "standards" / f"synthetic_v{version}.yaml"))
    if not path.exists():
        raise SpecError(f"no synthetic inventory spec v{version}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _stable_normal(codes: list[str], salt: str) -> np.ndarray:
    """A standard normal per code, fixed by the code itself (not by list order)."""
    seeds = [int.from_bytes(hashlib.sha256(f"{salt}:{c}".encode()).digest()[:8], "little") for c in codes]
    return np.array([np.random.default_rng(s).standard_normal() for s in seeds])


def _logit(p):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


@dataclass
class SyntheticInventory:
    facilities: pl.DataFrame      # kato, facility, lat, lon, capacity, wear_pct, condition, year_built, synthetic
    levels: pl.DataFrame          # kato, indicator, value
    theta: dict[str, float]       # region_kato -> calibrated offset
    city_offset: float
    calibration: pl.DataFrame     # region_kato, target_pct, achieved_pct, residual_pp, n_settlements
    notes: list[str] = field(default_factory=list)


class _Design:
    def __init__(self, settlements: pl.DataFrame, catalogue: Catalogue, spec: dict, seed: int):
        from aimaq.standards.coverage import assign_categories

        self.s = settlements
        self.cat = catalogue
        self.spec = spec
        n, m = settlements.height, len(catalogue.items)
        rng = np.random.default_rng(seed)
        self.U = rng.random((n, m), dtype=np.float64)
        self.z = rng.standard_normal(n)
        self.u_aux = rng.random((n, m), dtype=np.float64)        # for attributes (wear, capacity, jitter)
        self.angle = rng.random((n, m), dtype=np.float64) * 2 * np.pi
        codes = [i.code for i in catalogue.items]
        self.item_offset = spec["item_offset_sd"] * _stable_normal(codes, "srs-item")
        category = assign_categories(settlements, catalogue)
        off = spec.get("category_offset", {})
        self.cat_offset = np.array([off.get(c, 0.0) for c in category])
        self.is_city = settlements["kind"].is_in(CITY_KINDS).to_numpy()
        regions = settlements["region_kato"].to_numpy()
        self.region_codes, self.region_idx = np.unique(regions, return_inverse=True)

    def provided(self, theta: np.ndarray, city_offset: float) -> np.ndarray:
        lin = (self.item_offset[None, :] + (self.cat_offset + city_offset * self.is_city + theta[self.region_idx]
                                            + self.spec["sigma_settlement"] * self.z)[:, None])
        self.lin = lin
        return self.U < 1.0 / (1.0 + np.exp(-lin))

    def materialise(self, provided: np.ndarray, year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        s, cat, spec = self.s, self.cat, self.spec
        lat = s["lat"].to_numpy()
        lon = s["lon"].to_numpy()
        pop = s["population"].to_numpy().astype(float)
        kato = s["kato"].to_numpy()
        fac_parts, lv_parts = [], []
        jitter = spec["facility_jitter_km"]
        lo, hi = spec["year_built_range"]
        for j, item in enumerate(cat.items):
            rule = item.rule
            if rule.kind == "service_level":
                # value >= threshold exactly where provided; monotone in (logit p - logit U)
                margin = self.lin[:, j] - _logit(self.U[:, j])
                thr = min(max(rule.threshold, 0.5), 99.5) / 100.0
                value = 100.0 / (1.0 + np.exp(-(_logit(thr) + margin)))
                value = np.where(provided[:, j], np.maximum(value, rule.threshold),
                                 np.minimum(value, np.nextafter(rule.threshold, -np.inf)))
                lv_parts.append(pl.DataFrame({"kato": kato, "indicator": rule.indicator, "value": np.round(value, 6)}))
                continue
            emergency = (~provided[:, j]) & (self.u_aux[:, j] < spec["emergency_share"])
            rows = np.flatnonzero(provided[:, j] | emergency)
            if not len(rows):
                continue
            r_km = jitter * np.sqrt(self.u_aux[rows, j])
            dlat = np.degrees(r_km / EARTH_RADIUS_KM) * np.sin(self.angle[rows, j])
            dlon = np.degrees(r_km / EARTH_RADIUS_KM) * np.cos(self.angle[rows, j]) / np.cos(np.radians(lat[rows]))
            wear = np.where(emergency[rows], 85 + 15 * self.u_aux[rows, j], 75 * self.u_aux[rows, j])
            per_1000 = spec.get("capacity_per_1000", {}).get(rule.facility)
            capacity = (np.maximum(1, np.round(pop[rows] * per_1000 / 1000)) if per_1000 else np.full(len(rows), np.nan))
            fac_parts.append(pl.DataFrame({
                "kato": kato[rows], "facility": rule.facility, "item": item.code,
                "lat": lat[rows] + dlat, "lon": lon[rows] + dlon,
                "capacity": capacity, "wear_pct": np.round(wear, 1),
                "condition": np.where(emergency[rows], "emergency", np.where(wear > 50, "satisfactory", "good")),
                "year_built": (lo + (hi - lo) * (1 - self.u_aux[rows, j])).astype(np.int32),
            }))
        facilities = pl.concat(fac_parts).with_columns(
            capacity=pl.col("capacity").fill_nan(None), synthetic=pl.lit(True))
        # several items may share a facility type (one facility per settlement and type is enough)
        facilities = facilities.unique(subset=["kato", "facility"], keep="first", maintain_order=True)
        levels = pl.concat(lv_parts).unique(subset=["kato", "indicator"], keep="first", maintain_order=True)
        return facilities, levels


def generate_inventory(
    settlements: pl.DataFrame,
    catalogue: Catalogue,
    targets: dict[str, float],
    year: int,
    seed: int = 2023,
    spec: dict | None = None,
    city_target_pct: float | None = None,
    city_offset: float | None = None,
) -> SyntheticInventory:
    """A synthetic inventory whose realised mean coverage per region equals `targets` (region_kato -> %).

    settlements: kato, kind, lat, lon, population, region_kato (sorted order does not matter: rows are sorted by
    kato so that the same seed gives the same draws). Regions without a target keep theta = 0 unless given."""
    spec = spec or load_synthetic_spec()
    s = settlements.sort("kato")
    design = _Design(s, catalogue, spec, seed)
    cal = spec["calibration"]
    lo_b, hi_b = cal["theta_bounds"]
    R = len(design.region_codes)
    has_target = np.array([rc in targets for rc in design.region_codes])
    target = np.array([targets.get(rc, np.nan) for rc in design.region_codes])
    theta = np.zeros(R)
    city_offset = 1.5 if city_offset is None else float(city_offset)
    notes: list[str] = []
    missing = [rc for rc in design.region_codes if rc not in targets]
    if missing:
        notes.append(f"no target for regions {missing}: theta 0 (uncalibrated)")

    def realised(theta_vec, c_off):
        prov = design.provided(theta_vec, c_off)
        fac, lv = design.materialise(prov, year)
        cm = evaluate(s, fac, lv, catalogue)
        cov = cm.coverage_pct
        reg = np.bincount(design.region_idx, weights=cov, minlength=R) / np.bincount(design.region_idx, minlength=R)
        city = cov[design.is_city].mean() if design.is_city.any() else np.nan
        return reg, city, fac, lv, cm

    # phase 1: joint damped updates in logit space (regions and the cities' offset together)
    theta = np.zeros(R)
    tgt_logit = _logit(np.nan_to_num(target, nan=50.0) / 100.0)
    for _ in range(cal["joint_steps"]):
        reg, city, _, _, _ = realised(theta, city_offset)
        step = np.where(has_target, tgt_logit - _logit(reg / 100.0), 0.0)
        theta = np.clip(theta + step, lo_b, hi_b)
        if city_target_pct is not None and np.isfinite(city):
            city_offset += float(_logit(city_target_pct / 100.0) - _logit(city / 100.0))
        if np.nanmax(np.abs(np.where(has_target, reg - target, 0.0))) <= cal["tolerance_pp"] and (
                city_target_pct is None or abs(city - city_target_pct) <= cal["tolerance_pp"]):
            break
    # phase 2: bisection per region with the cities' offset fixed (coverage is monotone in theta for fixed draws)
    lo = np.where(has_target, np.maximum(theta - cal["bracket"], lo_b), 0.0)
    hi = np.where(has_target, np.minimum(theta + cal["bracket"], hi_b), 0.0)
    reg_lo, _, _, _, _ = realised(lo, city_offset)
    reg_hi, _, _, _, _ = realised(hi, city_offset)
    lo = np.where(reg_lo > target, lo_b, lo)      # widen a bracket that misses the target
    hi = np.where(reg_hi < target, hi_b, hi)
    for _ in range(cal["bisection_steps"]):
        mid = np.where(has_target, (lo + hi) / 2, 0.0)
        reg, _, _, _, _ = realised(mid, city_offset)
        up = reg < target
        lo = np.where(has_target & up, mid, lo)
        hi = np.where(has_target & ~up, mid, hi)
    # coverage is a step function of theta: take the bracket end nearer the target
    reg_lo, _, _, _, _ = realised(lo, city_offset)
    reg_hi, _, _, _, _ = realised(hi, city_offset)
    theta = np.where(np.abs(reg_lo - target) <= np.abs(reg_hi - target), lo, hi)
    theta = np.where(has_target, theta, 0.0)
    reg, city, fac, lv, cm = realised(theta, city_offset)
    counts = np.bincount(design.region_idx, minlength=R)
    calibration = pl.DataFrame({
        "region_kato": design.region_codes, "n_settlements": counts, "target_pct": target,
        "achieved_pct": reg, "residual_pp": reg - target, "theta": theta,
    }).with_columns(pl.col("target_pct", "residual_pp").fill_nan(None))
    if city_target_pct is not None:
        notes.append(f"cities: target {city_target_pct:.1f}%, achieved {city:.2f}% (offset {city_offset:.3f})")
    return SyntheticInventory(fac, lv, dict(zip(design.region_codes, theta)), city_offset, calibration, notes)


def published_targets(year: int) -> tuple[dict[str, float], dict[str, float]]:
    """The review's published coverage for `year`: ({region_kato: %}, {'country'|'cities'|'villages': %}).

    Read from the review transcription src/aimaq/data/review/standards_coverage.csv (section 1.8) and its
    territory map territories.csv."""
    folder = Path(str(resources.files("aimaq.data") / "review"))
    try:
        cov = pl.read_csv(folder / "standards_coverage.csv", infer_schema_length=0)
        terr = pl.read_csv(folder / "territories.csv", infer_schema_length=0)
    except OSError as exc:
        raise ComputationError(f"review transcription missing: {exc}") from exc
    rows = cov.filter((pl.col("indicator") == "srs_coverage_pct") & (pl.col("period") == str(year)))
    regional = rows.filter(pl.col("territory") != "Казахстан").join(
        terr.select("territory", "region_kato"), on="territory", how="left")
    if regional["region_kato"].null_count():
        raise ComputationError(f"review territories not mapped: {regional.filter(pl.col('region_kato').is_null())['territory'].to_list()}")
    regions = {r["region_kato"]: float(r["value"]) for r in regional.to_dicts()}
    group_names = {"aggregate=все населенные пункты": "country", "aggregate=города": "cities", "aggregate=сёла": "villages"}
    national = {group_names[r["breakdown"]]: float(r["value"])
                for r in rows.filter(pl.col("territory") == "Казахстан").to_dicts() if r["breakdown"] in group_names}
    return regions, national

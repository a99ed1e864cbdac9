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
from aimaq.standards.geo import BOUNDARY_TOLERANCE_KM, EARTH_RADIUS_KM, chord_from_km, km_from_chord, to_unit_xyz
from aimaq.standards.spec import Catalogue
from aimaq.i18n import _


def load_synthetic_spec(version: str = "1") -> dict:
    path = Path(str(resources.files("aimaq.specs") / "standards" / f"synthetic_v{version}.yaml"))
    if not path.exists():
        raise SpecError(_("no synthetic inventory spec v{version}", version=version))
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
    """The draws and everything that does not change while theta and the cities' offset are calibrated."""

    def __init__(self, settlements: pl.DataFrame, catalogue: Catalogue, spec: dict, seed: int):
        from aimaq.standards.coverage import assign_categories

        self.s = settlements
        self.cat = catalogue
        self.spec = spec
        n, m = settlements.height, len(catalogue.items)
        # a republican city assessed over k units draws as one settlement did (so every other settlement keeps
        # its draws), its units from a stream of their own
        kato = settlements["kato"].to_numpy()
        owner = settlements["settlement_kato"].to_numpy() if "settlement_kato" in settlements.columns else kato
        self.weight = (settlements["weight"].to_numpy() if "weight" in settlements.columns else np.ones(n))
        is_unit = owner != kato
        virtual = np.unique(np.concatenate([kato[~is_unit], owner[is_unit]]))    # the settlements, sorted
        base_rows = np.searchsorted(virtual, kato[~is_unit])
        nv = len(virtual)
        rng = np.random.default_rng(seed)
        rng_units = np.random.default_rng([seed, 71])
        draws = {}
        for name, (v_make, u_make) in {
                "U": (lambda: rng.random((nv, m)), lambda k: rng_units.random((k, m))),
                "z": (lambda: rng.standard_normal(nv), lambda k: rng_units.standard_normal(k)),
                "u_aux": (lambda: rng.random((nv, m)), lambda k: rng_units.random((k, m))),
                "angle": (lambda: rng.random((nv, m)) * 2 * np.pi, lambda k: rng_units.random((k, m)) * 2 * np.pi),
        }.items():
            v = v_make()
            out = np.empty((n,) + v.shape[1:])
            out[~is_unit] = v[base_rows]
            out[is_unit] = u_make(int(is_unit.sum()))
            draws[name] = out
        self.U, self.z, self.u_aux, self.angle = draws["U"], draws["z"], draws["u_aux"], draws["angle"]
        codes = [i.code for i in catalogue.items]
        self.item_offset = spec["item_offset_sd"] * _stable_normal(codes, "srs-item")
        category = assign_categories(settlements, catalogue)
        off = spec.get("category_offset", {})
        self.cat_offset = np.array([off.get(c, 0.0) for c in category])
        self.is_city = settlements["kind"].is_in(CITY_KINDS).to_numpy()
        regions = settlements["region_kato"].to_numpy()
        self.region_codes, self.region_idx = np.unique(regions, return_inverse=True)
        self.lat = settlements["lat"].to_numpy()
        self.lon = settlements["lon"].to_numpy()
        self.pop = settlements["population"].to_numpy().astype(float)
        self.kato = settlements["kato"].to_numpy()
        self.logit_U = _logit(self.U)
        # where each item's facility would stand (materialise keeps the rows where it is provided or emergency)
        self.fac_lat = np.full((n, m), np.nan)
        self.fac_lon = np.full((n, m), np.nan)
        jitter = spec["facility_jitter_km"]
        for j, item in enumerate(catalogue.items):
            if item.rule.kind == "service_level":
                continue
            r_km = jitter * np.sqrt(self.u_aux[:, j])
            dlat = np.degrees(r_km / EARTH_RADIUS_KM) * np.sin(self.angle[:, j])
            dlon = np.degrees(r_km / EARTH_RADIUS_KM) * np.cos(self.angle[:, j]) / np.cos(np.radians(self.lat))
            self.fac_lat[:, j] = self.lat + dlat
            self.fac_lon[:, j] = self.lon + dlon
        self.emergency_draw = self.u_aux < spec["emergency_share"]

    def provided(self, theta: np.ndarray, city_offset: float) -> np.ndarray:
        lin = (self.item_offset[None, :] + (self.cat_offset + city_offset * self.is_city + theta[self.region_idx]
                                            + self.spec["sigma_settlement"] * self.z)[:, None])
        self.lin = lin
        return self.U < 1.0 / (1.0 + np.exp(-lin))

    def level_value(self, j: int, provided_j: np.ndarray) -> np.ndarray:
        """Service level of item j (as stored): ≥ threshold exactly where provided; monotone in
        (logit p − logit U)."""
        rule = self.cat.items[j].rule
        margin = self.lin[:, j] - self.logit_U[:, j]
        thr = min(max(rule.threshold, 0.5), 99.5) / 100.0
        value = 100.0 / (1.0 + np.exp(-(_logit(thr) + margin)))
        value = np.where(provided_j, np.maximum(value, rule.threshold),
                         np.minimum(value, np.nextafter(rule.threshold, -np.inf)))
        return np.round(value, 6)

    def materialise(self, provided: np.ndarray, year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        cat, spec = self.cat, self.spec
        kato, pop = self.kato, self.pop
        lo, hi = spec["year_built_range"]
        cols: dict[str, list] = {k: [] for k in ("kato", "facility", "item", "lat", "lon", "capacity", "wear_pct",
                                                 "emergency", "year_built")}
        lv_kato, lv_ind, lv_val = [], [], []
        for j, item in enumerate(cat.items):
            rule = item.rule
            if rule.kind == "service_level":
                lv_kato.append(kato)
                lv_ind.append(np.full(len(kato), rule.indicator, dtype=object))
                lv_val.append(self.level_value(j, provided[:, j]))
                continue
            emergency = (~provided[:, j]) & self.emergency_draw[:, j]
            rows = np.flatnonzero(provided[:, j] | emergency)
            if not len(rows):
                continue
            u = self.u_aux[rows, j]
            per_1000 = spec.get("capacity_per_1000", {}).get(rule.facility)
            cols["kato"].append(kato[rows])
            cols["facility"].append(np.full(len(rows), rule.facility, dtype=object))
            cols["item"].append(np.full(len(rows), item.code, dtype=object))
            cols["lat"].append(self.fac_lat[rows, j])
            cols["lon"].append(self.fac_lon[rows, j])
            cols["capacity"].append(np.maximum(1, np.round(pop[rows] * per_1000 / 1000)) if per_1000
                                    else np.full(len(rows), np.nan))
            cols["wear_pct"].append(np.where(emergency[rows], 85 + 15 * u, 75 * u))
            cols["emergency"].append(emergency[rows])
            cols["year_built"].append((lo + (hi - lo) * (1 - u)).astype(np.int32))
        arr = {k: np.concatenate(v) for k, v in cols.items()}
        wear = arr.pop("wear_pct")
        emergency = arr.pop("emergency")
        facilities = pl.DataFrame({
            "kato": pl.Series(arr["kato"], dtype=pl.Utf8), "facility": pl.Series(arr["facility"], dtype=pl.Utf8),
            "item": pl.Series(arr["item"], dtype=pl.Utf8), "lat": arr["lat"], "lon": arr["lon"],
            "capacity": arr["capacity"], "wear_pct": np.round(wear, 1),
            "condition": pl.Series(np.where(emergency, "emergency", np.where(wear > 50, "satisfactory", "good")),
                                   dtype=pl.Utf8),
            "year_built": arr["year_built"],
        }).with_columns(capacity=pl.col("capacity").fill_nan(None), synthetic=pl.lit(True))
        # several items may share a facility type (one facility per settlement and type is enough)
        facilities = facilities.unique(subset=["kato", "facility"], keep="first", maintain_order=True)
        levels = pl.DataFrame({"kato": pl.Series(np.concatenate(lv_kato), dtype=pl.Utf8),
                               "indicator": pl.Series(np.concatenate(lv_ind), dtype=pl.Utf8),
                               "value": np.concatenate(lv_val)})
        levels = levels.unique(subset=["kato", "indicator"], keep="first", maintain_order=True)
        return facilities, levels


class _FastCoverage:
    """Coverage of the design's inventory for given `provided` draws without building frames: the same result as
    materialise + coverage.evaluate (straight-line rules), computed from arrays fixed once per design.

    Within-km items: every (settlement, possible facility) pair within the item's bound is found once with a
    KD-tree over all possible facility sites (one per settlement and item); an iteration only checks which of
    those facilities exist and count. Facility types shared by several items follow materialise: the first item
    (catalogue order) that places a facility in a settlement decides it (an emergency one does not count)."""

    def __init__(self, design: _Design):
        from scipy.spatial import cKDTree

        from aimaq.standards.coverage import _Prepared

        d, cat = design, design.cat
        self.d = d
        empty_fac = pl.DataFrame(schema={"kato": pl.Utf8, "facility": pl.Utf8, "lat": pl.Float64, "lon": pl.Float64})
        empty_lv = pl.DataFrame(schema={"kato": pl.Utf8, "indicator": pl.Utf8, "value": pl.Float64})
        self.applies = _Prepared(d.s, empty_fac, empty_lv, cat).applies()
        self.n_app = self.applies.sum(axis=1)
        if (self.n_app == 0).any():
            raise ComputationError(_("settlements with no applicable items: {n}", n=int((self.n_app == 0).sum())))
        items = cat.items
        self.type_items: dict[str, list[int]] = {}
        for j, it in enumerate(items):
            if it.rule.facility:
                self.type_items.setdefault(it.rule.facility, []).append(j)
        self.first_level_item: dict[str, int] = {}
        for j, it in enumerate(items):
            if it.rule.kind == "service_level":
                self.first_level_item.setdefault(it.rule.indicator, j)
        xyz = to_unit_xyz(d.lat, d.lon)
        trees = {j: cKDTree(to_unit_xyz(d.fac_lat[:, j], d.fac_lon[:, j]))
                 for js in self.type_items.values() for j in js}
        self.pairs: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for j, it in enumerate(items):
            rule = it.rule
            if rule.kind != "within_km":
                continue
            bound = rule.km / (rule.detour or cat.detour_factor) + BOUNDARY_TOLERANCE_KM
            targets = np.flatnonzero(self.applies[:, j])
            t_tree = cKDTree(xyz[targets])
            tgt, src, jsrc = [], [], []
            for js in self.type_items[rule.facility]:
                sdm = t_tree.sparse_distance_matrix(trees[js], float(chord_from_km(bound)) * (1 + 1e-9),
                                                    output_type="ndarray")
                keep = km_from_chord(sdm["v"]) <= bound
                tgt.append(targets[sdm["i"][keep]])
                src.append(sdm["j"][keep].astype(np.int64))
                jsrc.append(np.full(int(keep.sum()), js, dtype=np.int64))
            self.pairs[j] = (np.concatenate(tgt), np.concatenate(src), np.concatenate(jsrc))

    def coverage_pct(self, provided: np.ndarray) -> np.ndarray:
        """Per settlement coverage (%) of the inventory materialise(provided) would give. Call right after
        design.provided() (the service levels use its linear predictor)."""
        d, items, applies = self.d, self.d.cat.items, self.applies
        n = provided.shape[0]
        counted = np.zeros_like(provided)        # counted[s, j]: item j's facility exists in s and counts
        present: dict[str, np.ndarray] = {}
        for ftype, js in self.type_items.items():
            taken = np.zeros(n, dtype=bool)
            for j in js:
                counted[:, j] = provided[:, j] & ~taken
                taken |= provided[:, j] | d.emergency_draw[:, j]
            present[ftype] = counted[:, js].any(axis=1)
        levels = {ind: d.level_value(j, provided[:, j]) for ind, j in self.first_level_item.items()}
        met = np.zeros_like(applies)
        for j, it in enumerate(items):
            rule = it.rule
            if rule.kind == "present":
                met[:, j] = applies[:, j] & present[rule.facility]
            elif rule.kind == "within_km":
                tgt, src, jsrc = self.pairs[j]
                hit = present[rule.facility].copy()
                hit[tgt[counted[src, jsrc]]] = True
                met[:, j] = applies[:, j] & hit
            else:
                met[:, j] = applies[:, j] & (levels[rule.indicator] >= rule.threshold)
        return 100.0 * met.sum(axis=1) / self.n_app


def _calibrate_joint(design: _Design, fast: _FastCoverage, target: np.ndarray, has_target: np.ndarray, cal: dict,
                     city_offset: float, city_target_pct: float | None) -> tuple[np.ndarray, float]:
    """Phase 1: joint damped updates in logit space (regions and the cities' offset together)."""
    R = len(design.region_codes)
    lo_b, hi_b = cal["theta_bounds"]
    theta = np.zeros(R)
    tgt_logit = _logit(np.nan_to_num(target, nan=50.0) / 100.0)
    for _ in range(cal["joint_steps"]):
        reg, city = _realised_fast(design, fast, theta, city_offset)
        step = np.where(has_target, tgt_logit - _logit(reg / 100.0), 0.0)
        theta = np.clip(theta + step, lo_b, hi_b)
        if city_target_pct is not None and np.isfinite(city):
            city_offset += float(_logit(city_target_pct / 100.0) - _logit(city / 100.0))
        if np.nanmax(np.abs(np.where(has_target, reg - target, 0.0))) <= cal["tolerance_pp"] and (
                city_target_pct is None or abs(city - city_target_pct) <= cal["tolerance_pp"]):
            break
    return theta, city_offset


def _region_means(design: _Design, cov: np.ndarray) -> tuple[np.ndarray, float]:
    R = len(design.region_codes)
    w = design.weight
    reg = np.bincount(design.region_idx, weights=cov * w, minlength=R) / np.bincount(design.region_idx, weights=w,
                                                                                     minlength=R)
    city = (cov * w)[design.is_city].sum() / w[design.is_city].sum() if design.is_city.any() else np.nan
    return reg, city


def _realised_fast(design: _Design, fast: _FastCoverage, theta_vec: np.ndarray, c_off: float):
    return _region_means(design, fast.coverage_pct(design.provided(theta_vec, c_off)))


def _setup(settlements, catalogue, targets, seed, spec):
    spec = spec or load_synthetic_spec()
    s = settlements.sort("kato")
    design = _Design(s, catalogue, spec, seed)
    fast = _FastCoverage(design)
    has_target = np.array([rc in targets for rc in design.region_codes])
    target = np.array([targets.get(rc, np.nan) for rc in design.region_codes])
    return spec, s, design, fast, has_target, target


def calibrate_city_offset(
    settlements: pl.DataFrame,
    catalogue: Catalogue,
    targets: dict[str, float],
    seed: int = 2023,
    spec: dict | None = None,
    city_target_pct: float | None = None,
) -> float:
    """The cities' offset generate_inventory(..., city_target_pct=...) would calibrate (its phase 1 only)."""
    spec, _, design, fast, has_target, target = _setup(settlements, catalogue, targets, seed, spec)
    _, city_offset = _calibrate_joint(design, fast, target, has_target, spec["calibration"], 1.5, city_target_pct)
    return city_offset


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
    kato so that the same seed gives the same draws). Regions without a target keep theta = 0 unless given.
    The search evaluates coverage with _FastCoverage (arrays, no frames); the final inventory is materialised and
    evaluated with coverage.evaluate, and that is what the calibration table reports."""
    spec, s, design, fast, has_target, target = _setup(settlements, catalogue, targets, seed, spec)
    cal = spec["calibration"]
    lo_b, hi_b = cal["theta_bounds"]
    R = len(design.region_codes)
    city_offset = 1.5 if city_offset is None else float(city_offset)
    notes: list[str] = []
    missing = [rc for rc in design.region_codes if rc not in targets]
    if missing:
        notes.append(f"no target for regions {missing}: theta 0 (uncalibrated)")

    def realised(theta_vec, c_off):
        return _realised_fast(design, fast, theta_vec, c_off)[0]

    theta, city_offset = _calibrate_joint(design, fast, target, has_target, cal, city_offset, city_target_pct)
    # phase 2: bisection per region with the cities' offset fixed (coverage is monotone in theta for fixed draws)
    lo = np.where(has_target, np.maximum(theta - cal["bracket"], lo_b), 0.0)
    hi = np.where(has_target, np.minimum(theta + cal["bracket"], hi_b), 0.0)
    reg_lo = realised(lo, city_offset)
    reg_hi = realised(hi, city_offset)
    lo = np.where(reg_lo > target, lo_b, lo)      # widen a bracket that misses the target
    hi = np.where(reg_hi < target, hi_b, hi)
    for _ in range(cal["bisection_steps"]):
        mid = np.where(has_target, (lo + hi) / 2, 0.0)
        reg = realised(mid, city_offset)
        up = reg < target
        lo = np.where(has_target & up, mid, lo)
        hi = np.where(has_target & ~up, mid, hi)
    # coverage is a step function of theta: take the bracket end nearer the target
    reg_lo = realised(lo, city_offset)
    reg_hi = realised(hi, city_offset)
    theta = np.where(np.abs(reg_lo - target) <= np.abs(reg_hi - target), lo, hi)
    theta = np.where(has_target, theta, 0.0)
    prov = design.provided(theta, city_offset)
    fast_cov = fast.coverage_pct(prov)
    fac, lv = design.materialise(prov, year)
    cov = evaluate(s, fac, lv, catalogue).coverage_pct
    differ = int(np.sum(cov != fast_cov))
    if differ:
        notes.append(f"fast evaluation differed from the full evaluation in {differ} settlement(s); "
                     f"the full evaluation is reported")
    reg, city = _region_means(design, cov)
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

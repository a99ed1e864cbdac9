"""Seeded synthetic settlements of Kazakhstan, calibrated to published totals (issue 2, part 6).

Pure functions, no database. ``generate_settlements(seed, params)`` returns two polars frames:

- ``okrugs``: rural okrugs (сельские округа) grouping the villages of each district;
- ``settlements``: ~6,300 rural settlements and ~97 towns, real GeoNames places kept as they are.

Method (details and the reasons in docs/synthetic_settlements.md; every parameter in
src/aimaq/specs/synth/settlements_v2.yaml, the default; version 1 differs only in population_2019):

1. Real places (GeoNames) are located in the district polygons; the spec says which are towns. A town inside
   a city of oblast significance is that unit's ``city_oblast`` (named as the unit); a unit without one gets a
   synthetic town of that name. The republican cities carry their region's total.
2. Urban population per region = spec share x published population; what the GeoNames towns do not cover
   (their figures are older) goes to towns of unknown population and to a few synthetic towns.
3. Rural population per region = published population - urban. The published 3,300 villages under 500
   (638.4 thousand people) are shared among regions with a lognormal model of village size whose common
   dispersion is solved so the expected count is 3,300; small villages get Beta-shaped sizes scaled so their
   sum is exactly 638,400; larger villages get 500 + lognormal excess scaled so each region's rural total
   is exact. All roundings are largest-remainder roundings, so every total is an exact integer.
4. Villages are spread over districts (weights area ** 0.5), placed by bulk rejection sampling inside the
   district polygon, grouped into okrugs around the largest villages, and numbered with KATO-like codes.
5. population_2019 (synthetic): log-change = group constant + size term + noise, the group constants solved so
   that groups hit their totals exactly. Version 2 calibrates the "core" villages (a stand-in, computed here,
   for the villages the criteria will see as having potential) to the review's published change 2019-2023.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl
import yaml
from scipy.spatial import cKDTree
from scipy.special import ndtr

from aimaq.errors import ComputationError, SpecError
from aimaq.i18n import _
from aimaq.synth import geodata
from aimaq.synth.geodata import REPUBLICAN
from aimaq.synth.names import catalogue, sample_name_indices, unique_within_groups

SPEC_FILES = {1: "settlements_v1.yaml", 2: "settlements_v2.yaml"}
DEFAULT_SPEC_VERSION = 2
SPEC_NAME = SPEC_FILES[DEFAULT_SPEC_VERSION]
EARTH_RADIUS_KM = 6371.0088
REPUBLICAN_NAMES = {"71": ("Астана", "Астана"), "75": ("Алматы", "Алматы"), "79": ("Шымкент", "Шымкент")}
KINDS = ("city_republican", "city_oblast", "city_district", "rural_district_centre", "village")
RURAL_KINDS = ("rural_district_centre", "village")
SETTLEMENT_COLUMNS = [
    "kato", "name_ru", "name_kk", "name_en", "level", "kind", "region_kato", "district_kato", "okrug_kato",
    "lat", "lon", "population", "population_2019", "synthetic", "source", "population_source",
]


# --- spec -----------------------------------------------------------------------------------------------
def _deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _spec_file(version: int | None) -> str:
    v = DEFAULT_SPEC_VERSION if version is None else int(version)
    if v not in SPEC_FILES:
        raise SpecError(_("no settlements spec version «{version}» (known: {known})", version=version,
                          known=", ".join(map(str, sorted(SPEC_FILES)))))
    return SPEC_FILES[v]


def default_spec_text(version: int | None = None) -> str:
    """Text of a shipped spec (default: the current version, 2)."""
    return resources.files("aimaq").joinpath("specs", "synth", _spec_file(version)).read_text(encoding="utf-8")


def load_spec(params: dict | str | Path | None = None, version: int | None = None) -> dict:
    """A shipped spec (``version``: 1 or 2, default 2), overridden by ``params``: a dict (deep-merged) or the
    path of a whole YAML spec (then ``version`` is not used)."""
    try:
        if isinstance(params, (str, Path)):
            spec = yaml.safe_load(Path(params).read_text(encoding="utf-8"))
        else:
            spec = yaml.safe_load(default_spec_text(version))
            if params:
                spec = _deep_merge(spec, params)
    except (OSError, yaml.YAMLError) as e:
        raise SpecError(_("cannot read settlements spec: {error}", error=e)) from e
    _validate(spec)
    return spec


def _validate(spec: dict) -> None:
    for key in ("regions", "targets", "real_places", "distributions", "change_2019_2023"):
        if key not in spec:
            raise SpecError(_("settlements spec: missing section «{key}»", key=key))
    regs = {str(k) for k in spec["regions"]}
    known = set(geodata.regions().region.tolist())
    if regs != known:
        raise SpecError(_("settlements spec: regions {codes} do not match the 20 regions",
                          codes=", ".join(sorted(map(str, regs ^ known)))))
    for k, r in spec["regions"].items():
        if int(r["population"]) <= 0:
            raise SpecError(_("settlements spec: region {code} population must be positive", code=k))
        s = r.get("urban_share_pct")
        if s is not None and not 0 <= float(s) <= 100:
            raise SpecError(_("settlements spec: region {code} urban_share_pct out of [0, 100]", code=k))
        if int(r.get("extra_towns", 0)) < 0 or float(r.get("rural_weight", 0)) < 0:
            raise SpecError(_("settlements spec: region {code} extra_towns / rural_weight must be >= 0", code=k))
    t = spec["targets"]
    if not 0 < t["small_villages"] < t["rural_settlements"]:
        raise SpecError(_("settlements spec: small_villages must be between 0 and rural_settlements"))
    ch = spec["change_2019_2023"]
    for group in ("villages", "towns"):
        if group not in ch or float(ch[group]["total_change"]) <= -1 or float(ch[group]["sigma"]) < 0:
            raise SpecError(_("settlements spec: change_2019_2023.{group} needs total_change > -1 and sigma >= 0",
                              group=group))
    core = ch.get("core")
    if core is not None:
        need = ("min_population_any", "centre_min_population", "near_min_population", "near_km", "total_change")
        miss = [k for k in need if k not in core]
        if miss:
            raise SpecError(_("settlements spec: change_2019_2023.core lacks {keys}", keys=", ".join(map(str, miss))))
        if float(core["near_km"]) < 0:
            raise SpecError(_("settlements spec: change_2019_2023.core.near_km must be >= 0"))
        changes = [float(core["total_change"]), *map(float, (core.get("regions") or {}).values())]
        if min(changes) <= -1:
            raise SpecError(_("settlements spec: change_2019_2023.core changes must be > -1"))
        bad = sorted({str(k) for k in (core.get("regions") or {})} - regs)
        if bad:
            raise SpecError(_("settlements spec: change_2019_2023.core.regions: unknown regions {codes}",
                              codes=", ".join(bad)))


# --- helpers --------------------------------------------------------------------------------------------
def lr_round(x: np.ndarray, total: int) -> np.ndarray:
    """Largest-remainder rounding of non-negative ``x`` to integers summing exactly to ``total``."""
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        if total != 0:
            raise ComputationError(f"cannot share {total} among no items")
        return np.zeros(0, dtype=np.int64)
    x = x * (total / x.sum()) if x.sum() > 0 else np.full(x.size, total / x.size)
    base = np.floor(x).astype(np.int64)
    rest = int(total - base.sum())
    if rest:
        order = np.argsort(-(x - base), kind="stable")
        base[order[:rest]] += 1
    return base


def _solve_small_sigma(n: np.ndarray, mean: np.ndarray, k: float, thr: float, bounds) -> tuple[float, np.ndarray]:
    """Common lognormal sigma with sum_r n_r P(X_r < thr) = k, where E[X_r] = mean_r (grid + refinement)."""
    lo, hi = bounds

    def frac(sig: np.ndarray) -> np.ndarray:  # (len(sig), regions)
        mu = np.log(mean)[None, :] - sig[:, None] ** 2 / 2
        return ndtr((np.log(thr) - mu) / sig[:, None])

    for _ in range(3):
        grid = np.linspace(lo, hi, 401)
        f = frac(grid) @ n
        i = int(np.argmin(np.abs(f - k)))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    sig = float(grid[i])
    return sig, frac(np.array([sig]))[0]


def _km_dist2(lon1, lat1, lon2, lat2):
    c = np.cos(np.radians((lat1 + lat2) / 2))
    return ((lon1 - lon2) * c) ** 2 + (lat1 - lat2) ** 2


class _Codes:
    """KATO-like code allocation per 4-digit district prefix (shared by units with the same prefix)."""

    def __init__(self, taken: set[str]):
        self.taken = set(taken)
        self.next_okrug: dict[str, int] = defaultdict(lambda: 1)
        self.next_town: dict[str, int] = defaultdict(lambda: 1)

    def okrug(self, prefix: str) -> str:
        while True:
            n = self.next_okrug[prefix]
            self.next_okrug[prefix] += 1
            if n > 99:
                raise ComputationError(f"more than 99 okrugs under district prefix {prefix}")
            code = f"{prefix}{n:02d}000"
            if code not in self.taken:
                self.taken.add(code)
                return code

    def town(self, prefix: str) -> str:
        n = self.next_town[prefix]
        self.next_town[prefix] += 1
        if n > 999:
            raise ComputationError(f"more than 999 towns under district prefix {prefix}")
        return f"{prefix}00{n:03d}"


def _change_2019(rng: np.random.Generator, pop: np.ndarray, cfg: dict) -> np.ndarray:
    """population_2019 with exact aggregate change: log(p23/p19) = a + b ln(p23/1000) + s z."""
    if pop.size == 0:
        return np.zeros(0, dtype=np.int64)
    p = pop.astype(float)
    rest = cfg["beta"] * np.log(np.maximum(p, 1.0) / 1000.0) + cfg["sigma"] * rng.standard_normal(p.size)
    target = p.sum() / (1.0 + cfg["total_change"])
    alpha = np.log((p * np.exp(-rest)).sum() / target)
    p19 = p * np.exp(-(alpha + rest))
    return np.maximum(lr_round(p19, int(round(target))), 1)


def _unit_xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def core_villages(kind: np.ndarray, pop: np.ndarray, lat: np.ndarray, lon: np.ndarray, cfg: dict) -> np.ndarray:
    """Boolean mask of the "core" villages of spec section change_2019_2023.core (all rows, towns False).

    Support-like: a village of ``min_population_any``+ people, or an okrug centre of ``centre_min_population``+;
    satellite-like: another village of ``near_min_population``+ within ``near_km`` (great circle, inclusive) of
    a support-like village or a town. Uses only what the generator knows (no classification, no service level)."""
    kind = np.asarray(kind).astype(str)
    pop = np.asarray(pop, dtype=float)
    rural = np.isin(kind, RURAL_KINDS)
    sup = rural & ((pop >= float(cfg["min_population_any"]))
                   | ((kind == "rural_district_centre") & (pop >= float(cfg["centre_min_population"]))))
    anchors = sup | ~rural
    cand = np.flatnonzero(rural & ~sup & (pop >= float(cfg["near_min_population"])))
    near = np.zeros(pop.size, dtype=bool)
    if cand.size and anchors.any():
        xyz = _unit_xyz(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
        # inclusive bound (1 mm of slack for floating-point noise), as the village criteria's distances
        angle = min((float(cfg["near_km"]) + 1e-6) / EARTH_RADIUS_KM, np.pi)
        chord, _ = cKDTree(xyz[anchors]).query(xyz[cand], k=1, distance_upper_bound=2.0 * np.sin(angle / 2.0) * (1 + 1e-12))
        near[cand] = np.isfinite(chord)
    return sup | near


def _change_2019_core(z: np.ndarray, pop: np.ndarray, region: np.ndarray, core: np.ndarray, ch: dict) -> np.ndarray:
    """Villages' population_2019 in groups with exact totals (spec version 2; z: standard normal draws):
    core villages of each region named in core.regions hit that region's change, the other core villages make
    the core's total change core.total_change, the other villages make all villages' change villages.total_change.
    Within a group log(p23/p19) = alpha_group + beta ln(p23/1000) + sigma z."""
    vcfg, ccfg = ch["villages"], ch["core"]
    p = pop.astype(float)
    rest = float(vcfg["beta"]) * np.log(np.maximum(p, 1.0) / 1000.0) + float(vcfg["sigma"]) * z
    named = {str(k): float(v) for k, v in (ccfg.get("regions") or {}).items()}
    group = np.where(core, 0, -1)                       # 0: other core villages, -1: periphery, 1..: named regions
    targets = {}
    for g, (r, change) in enumerate(sorted(named.items()), start=1):
        cell = core & (region == r)
        if not cell.any():
            raise ComputationError(f"region {r}: no core village to carry the published change {change:+.1%}")
        group[cell] = g
        targets[g] = int(round(p[cell].sum() / (1.0 + change)))
    core_total = int(round(p[core].sum() / (1.0 + float(ccfg["total_change"]))))
    targets[0] = core_total - sum(targets.values())
    targets[-1] = int(round(p.sum() / (1.0 + float(vcfg["total_change"])))) - core_total
    p19 = np.zeros(p.size, dtype=np.int64)
    for g, target in targets.items():
        idx = np.flatnonzero(group == g)
        label = {0: "core villages outside the named regions", -1: "villages outside the core"}.get(g, "core")
        if idx.size == 0:
            if target != 0:
                raise ComputationError(f"no {label} to carry a 2019 population of {target}")
            continue
        if target <= 0:
            raise ComputationError(
                f"{label}: the published changes leave them a 2019 population of {target} "
                f"(2023: {int(p[idx].sum())}); change_2019_2023 targets are inconsistent")
        alpha = np.log((p[idx] * np.exp(-rest[idx])).sum() / target)
        p19[idx] = np.maximum(lr_round(p[idx] * np.exp(-(alpha + rest[idx])), target), 1)
    return p19


# --- main generator -------------------------------------------------------------------------------------
def generate_settlements(seed: int = 2023, params: dict | str | Path | None = None,
                         version: int | None = None) -> dict[str, pl.DataFrame]:
    """Okrugs and settlements of Kazakhstan (synthetic where no real data exist), deterministic in ``seed``.

    ``version``: shipped spec version (default 2; 1 = the uncalibrated population_2019 of spec version 1),
    overridden by ``params`` as in :func:`load_spec`."""
    spec = load_spec(params, version)
    d = geodata.districts()
    ss = np.random.SeedSequence(int(seed))
    rng_towns, rng_small, rng_large, rng_place, rng_names, rng_change, rng_district = (
        np.random.default_rng(s) for s in ss.spawn(7)
    )
    regs = {str(k): v for k, v in spec["regions"].items()}
    rp = spec["real_places"]
    dist = spec["distributions"]
    tg = spec["targets"]
    region_codes = sorted(regs)
    popr = {r: int(regs[r]["population"]) for r in region_codes}

    # 1. real places -------------------------------------------------------------------------------------
    g = geodata.geonames_places()
    excluded = {int(k) for k in (rp.get("excluded") or {})}
    keep = ~np.isin(g["geonameid"], list(excluded))
    real = {k: v[keep] for k, v in g.items()}
    n_real = real["geonameid"].size
    rdist, _outside = geodata.locate(real["lon"], real["lat"], float(rp["max_outside_km"]))
    rreg = d.region[rdist]
    is_town = np.isin(real["geonameid"], [int(x) for x in rp["towns"]])
    rkind = np.where(is_town, "city_district", "village").astype(object)
    rkind[is_town & d.is_city_unit[rdist]] = "city_oblast"
    rkind[is_town & np.isin(rreg, REPUBLICAN)] = "city_republican"
    rname_ru, rname_kk = real["name_ru"].copy(), real["name_kk"].copy()
    rpop = real["population"].copy()
    rpop_src = np.where(rpop > 0, "geonames", "imputed").astype(object)
    for r in REPUBLICAN:
        inside = np.flatnonzero(rreg == r)
        if inside.size != 1 or rkind[inside[0]] != "city_republican":
            raise SpecError(_("region {code}: a republican city must be its region's only real place", code=r))
        if rp.get("republican_city_population_from_region_total", True):
            rpop[inside[0]] = popr[r]
            rpop_src[inside[0]] = "bns_region_total"
        rname_ru[inside[0]], rname_kk[inside[0]] = REPUBLICAN_NAMES[r]
    oblast_idx = np.flatnonzero(rkind == "city_oblast")
    per_unit = np.bincount(rdist[oblast_idx], minlength=d.kato.size)
    if (per_unit > 1).any():
        raise SpecError(_("several towns in city units {codes}", codes=", ".join(d.kato[per_unit > 1].tolist())))
    rname_ru[oblast_idx] = d.name_ru[rdist[oblast_idx]]
    rname_kk[oblast_idx] = d.name_kk[rdist[oblast_idx]]
    synth_units = np.flatnonzero(d.is_city_unit & (per_unit == 0))

    # 2. urban population: towns of unknown size, synthetic city units and extra towns share the remainder
    t_dist: list[int] = []  # synthetic towns: district, kind, population, name source
    t_kind: list[str] = []
    t_pop: list[int] = []
    t_unit: list[int] = []  # district index if named as a city unit, else -1
    urban_r: dict[str, int] = {}
    for r in region_codes:
        if r in REPUBLICAN:
            urban_r[r] = popr[r]
            continue
        reg_real_towns = np.flatnonzero(is_town & (rreg == r))
        known = int(rpop[reg_real_towns][rpop[reg_real_towns] > 0].sum())
        zero = reg_real_towns[rpop[reg_real_towns] == 0]
        units = synth_units[d.region[synth_units] == r]
        n_extra = int(regs[r].get("extra_towns", 0))
        share = regs[r].get("urban_share_pct")
        urban = known if share is None else int(round(float(share) / 100.0 * popr[r]))
        remainder = urban - known
        n_abs = zero.size + units.size + n_extra
        if n_abs == 0:
            if remainder != 0:
                raise SpecError(_("region {code}: urban remainder {remainder} but no town to carry it (extra_towns)",
                                  code=r, remainder=remainder))
            urban_r[r] = urban
            continue
        if share is None:
            raise SpecError(_("region {code}: towns of unknown population need an urban_share_pct", code=r))
        tw = np.concatenate([
            np.full(zero.size, float(rp["imputed_town_weight"])), np.ones(units.size + n_extra)
        ]) * rng_towns.gamma(float(dist["town_weight_shape"]), size=n_abs)
        pops = lr_round(tw, remainder) if remainder > 0 else np.zeros(n_abs, dtype=np.int64)
        if (pops < int(dist["min_synthetic_town"])).any():
            raise ComputationError(
                f"region {r}: urban remainder {remainder} too small for {n_abs} town(s) of at least "
                f"{dist['min_synthetic_town']}; lower extra_towns or raise urban_share_pct"
            )
        rpop[zero] = pops[: zero.size]
        cand = np.flatnonzero((d.region == r) & ~d.is_city_unit)
        w = d.area_km2[cand] ** float(dist["district_weight_area_power"])
        extra_d = rng_towns.choice(cand, size=n_extra, replace=False, p=w / w.sum()) if n_extra else []
        new_dist = [int(k) for k in units] + [int(k) for k in extra_d]
        t_dist += new_dist
        t_kind += ["city_oblast"] * units.size + ["city_district"] * n_extra
        t_pop += [int(p) for p in pops[zero.size:]]
        t_unit += [int(k) for k in units] + [-1] * n_extra
        urban_r[r] = urban

    # 3. rural settlements: counts and sizes per region ---------------------------------------------------
    rural_regions = [r for r in region_codes if r not in REPUBLICAN]
    wts = np.array([float(regs[r]["rural_weight"]) for r in rural_regions])
    n_rural = dict(zip(rural_regions, lr_round(wts, int(tg["rural_settlements"]))))
    thr = int(tg["small_village_threshold"])
    real_rural = ~is_town
    n_syn, pool_sum, n_zero = {}, {}, {}
    for r in rural_regions:
        mine = real_rural & (rreg == r)
        n_syn[r] = int(n_rural[r] - mine.sum())
        if n_syn[r] < 0:
            raise SpecError(_("region {code}: fewer rural settlements ({rural}) than real villages ({real})", code=r,
                              rural=n_rural[r], real=mine.sum()))
        rural_total = popr[r] - urban_r[r]
        pool_sum[r] = rural_total - int(rpop[mine & (rpop > 0)].sum())
        n_zero[r] = int((mine & (rpop == 0)).sum())
    real_small = real_rural & (rpop > 0) & (rpop < thr)
    k_small = int(tg["small_villages"]) - int(real_small.sum())
    t_small = int(tg["small_village_population"]) - int(rpop[real_small].sum())
    nn = np.array([n_syn[r] for r in rural_regions], dtype=float)
    mm = nn + np.array([n_zero[r] for r in rural_regions])
    mean = np.array([pool_sum[r] for r in rural_regions]) / np.maximum(mm, 1)
    _sigma, p_small = _solve_small_sigma(nn, mean, k_small, thr, dist["lognormal_sigma_bounds"])
    # feasibility: a region must have enough small villages that its villages of 500+ keep a mean of at
    # least min_large_village_mean (margin 10 %); regions at that bound are fixed, the rest re-shared.
    big_mean = 1.1 * float(dist["min_large_village_mean"])
    small_mean = t_small / k_small
    pool = np.array([pool_sum[r] for r in rural_regions], dtype=float)
    s_min = np.clip(np.ceil((big_mean * mm - pool) / (big_mean - small_mean)), 0, np.minimum(nn, mm - 1))
    want = nn * p_small
    fixed = np.zeros(nn.size, dtype=bool)
    for _step in range(nn.size):
        free_total = k_small - s_min[fixed].sum()
        alloc = np.where(fixed, s_min, want * free_total / max(want[~fixed].sum(), 1e-12))
        newly = ~fixed & (alloc < s_min)
        if not newly.any():
            break
        fixed |= newly
    if s_min.sum() > k_small:
        raise ComputationError("the regions' rural totals need more small villages than the published count")
    s_r = np.where(fixed, s_min.astype(np.int64), 0)
    s_r[~fixed] = lr_round(alloc[~fixed], int(k_small - s_r[fixed].sum()))
    if (s_r > nn).any():
        raise ComputationError("small-village allocation exceeds a region's synthetic villages")
    # small sizes (national, exact sum)
    lo = int(dist["small_village_min"])
    a, b = dist["small_village_beta"]
    x = lo + (thr - 1 - lo) * rng_small.beta(float(a), float(b), k_small)
    cap = thr - 1 - 1e-6
    for _attempt in range(50):
        c = (t_small - lo * k_small) / (x.sum() - lo * k_small)
        x = np.minimum(lo + (x - lo) * c, cap)
        if abs(x.sum() - t_small) < 0.5:
            break
    small = lr_round(x, t_small)
    if small.max() >= thr or small.min() < 1:
        raise ComputationError("small-village sizes fell outside [1, threshold)")
    rng_small.shuffle(small)
    small_split = np.split(small, np.cumsum(s_r)[:-1])

    v_region: list[np.ndarray] = []
    v_pop: list[np.ndarray] = []
    for i, r in enumerate(rural_regions):
        n_l = int(mm[i] - s_r[i])
        large_total = pool_sum[r] - int(small_split[i].sum())
        if n_l < n_zero[r] or large_total < float(dist["min_large_village_mean"]) * n_l:
            raise ComputationError(
                f"region {r}: {n_l} villages of {thr}+ cannot hold {large_total} people "
                f"(mean below {dist['min_large_village_mean']}); adjust rural_weight or urban share"
            )
        e = rng_large.lognormal(0.0, float(dist["large_village_excess_sigma"]), n_l)
        large = thr + lr_round(e, large_total - thr * n_l)
        # real villages of unknown size are mostly district centres: they take sizes drawn from the upper
        # quarter of the region's villages of 500+
        large = np.sort(large)[::-1]
        zero_idx = np.flatnonzero(real_rural & (rreg == r) & (rpop == 0))
        top = max(zero_idx.size, int(np.ceil(0.25 * n_l)))
        pick = rng_large.choice(top, size=zero_idx.size, replace=False)
        rpop[zero_idx] = large[pick]
        pops = np.concatenate([small_split[i], np.delete(large, pick)])
        rng_large.shuffle(pops)
        v_region.append(np.full(pops.size, r))
        v_pop.append(pops)
    v_region_a = np.concatenate(v_region)
    v_pop_a = np.concatenate(v_pop).astype(np.int64)

    # 4. villages to districts (weights area ** p; city units down-weighted) -------------------------------
    v_dist = np.empty(v_region_a.size, dtype=np.int64)
    start = 0
    p_area = float(dist["district_weight_area_power"])
    for r, pops in zip(rural_regions, v_pop):
        cand = np.flatnonzero(d.region == r)
        w = d.area_km2[cand] ** p_area * np.where(d.is_city_unit[cand], float(dist["city_unit_weight"]), 1.0)
        counts = lr_round(w, pops.size)
        v_dist[start:start + pops.size] = np.repeat(cand, counts)
        start += pops.size

    # 5. all rows: real places, synthetic towns, synthetic villages ----------------------------------------
    t_dist_a = np.array(t_dist, dtype=np.int64)
    n_t, n_v = t_dist_a.size, v_dist.size
    dist_all = np.concatenate([rdist, t_dist_a, v_dist])
    kind = np.concatenate([rkind, np.array(t_kind, dtype=object), np.full(n_v, "village", dtype=object)])
    pop = np.concatenate([rpop, np.array(t_pop, dtype=np.int64), v_pop_a])
    synthetic = np.concatenate([np.zeros(n_real, bool), np.ones(n_t + n_v, bool)])
    pop_src = np.concatenate([rpop_src, np.full(n_t + n_v, "synthetic", dtype=object)])
    lon = np.concatenate([real["lon"], np.zeros(n_t + n_v)])
    lat = np.concatenate([real["lat"], np.zeros(n_t + n_v)])
    n_all = dist_all.size
    syn_rows = np.arange(n_real, n_all)
    # positions: one bulk rejection sample per district
    order = syn_rows[np.argsort(dist_all[syn_rows], kind="stable")]
    ks, first = np.unique(dist_all[order], return_index=True)
    for k, rows in zip(ks, np.split(order, first[1:])):
        lon[rows], lat[rows] = geodata.sample_in_polygon(rng_place, int(k), rows.size)

    # names of synthetic rows
    region_all = d.region[dist_all]
    rus_share = np.array([float(regs[r]["russian_names"]) for r in region_all])
    cat = catalogue()
    real_names = set(rname_kk.tolist()) | set(rname_ru.tolist()) | set(d.name_ru.tolist()) | set(d.name_kk.tolist())
    forbidden = np.isin(cat.kk, list(real_names)) | np.isin(cat.ru, list(real_names))
    ni = sample_name_indices(rng_names, syn_rows.size, rus_share[syn_rows])
    ni = unique_within_groups(rng_names, ni, dist_all[syn_rows], rus_share[syn_rows], forbidden)
    name_ru = np.concatenate([rname_ru, cat.ru[ni]]).astype(object)
    name_kk = np.concatenate([rname_kk, cat.kk[ni]]).astype(object)
    name_en = np.concatenate([real["name_en"], cat.en[ni]]).astype(object)
    unit_rows = n_real + np.flatnonzero(np.array(t_unit, dtype=np.int64) >= 0)
    for row in unit_rows:
        k = dist_all[row]
        name_ru[row], name_kk[row], name_en[row] = d.name_ru[k], d.name_kk[k], d.name_en[k]

    # 6. okrugs and codes (loop over districts) -----------------------------------------------------------
    codes = _Codes(geodata.admin_codes())
    kato = np.empty(n_all, dtype=object)
    okrug_of = np.full(n_all, None, dtype=object)
    rural = np.isin(kind, RURAL_KINDS)
    per_okrug = float(dist["villages_per_okrug"])
    ok_rows: list[tuple] = []
    by_dist = np.argsort(d.kato)  # KATO order: shared prefixes are numbered deterministically
    rows_of = defaultdict(list)
    for i in np.argsort(dist_all, kind="stable"):
        rows_of[int(dist_all[i])].append(int(i))
    for k in by_dist:
        rows = np.array(rows_of.get(int(k), []), dtype=np.int64)
        if rows.size == 0:
            continue
        prefix = d.kato[k][:4]
        towns = rows[~rural[rows]]
        for i in towns[np.argsort(-pop[towns], kind="stable")]:
            kato[i] = codes.town(prefix)
        vil = rows[rural[rows]]
        if vil.size == 0:
            continue
        m = max(1, int(round(vil.size / per_okrug)))
        by_pop = vil[np.argsort(-pop[vil], kind="stable")]
        centres = by_pop[:m]
        d2 = _km_dist2(lon[vil][:, None], lat[vil][:, None], lon[centres][None, :], lat[centres][None, :])
        d2[np.searchsorted(vil, centres), np.arange(m)] = -1.0  # a centre belongs to its own okrug
        which = np.argmin(d2, axis=1)
        for j, c in enumerate(centres):
            code = codes.okrug(prefix)
            members = vil[which == j]
            members = members[np.argsort(-pop[members], kind="stable")]
            members = np.concatenate([[c], members[members != c]])
            if members.size > 999:
                raise ComputationError(f"okrug {code} would hold more than 999 settlements")
            kato[members] = [f"{code[:6]}{n:03d}" for n in range(1, members.size + 1)]
            okrug_of[members] = code
            kind[c] = "rural_district_centre"
            ok_rows.append((code, d.kato[k], d.region[k] + "0000000", c))

    # 7. population in 2019 (synthetic for every row) -----------------------------------------------------
    pop19 = np.empty(n_all, dtype=np.int64)
    ch = spec["change_2019_2023"]
    rural = np.isin(kind, RURAL_KINDS)
    if ch.get("core") is None:      # spec version 1: one group of villages
        pop19[rural] = _change_2019(rng_change, pop[rural], ch["villages"])
    else:                           # version 2: same draws, groups calibrated to the published changes
        z = rng_change.standard_normal(int(rural.sum()))
        core = core_villages(kind, pop, lat, lon, ch["core"])
        pop19[rural] = _change_2019_core(z, pop[rural], region_all[rural].astype(str), core[rural], ch)
    pop19[~rural] = _change_2019(rng_change, pop[~rural], ch["towns"])

    settlements = pl.DataFrame(
        {
            "kato": kato.astype(str),
            "name_ru": name_ru.astype(str),
            "name_kk": name_kk.astype(str),
            "name_en": name_en.astype(str),
            "level": np.full(n_all, "settlement"),
            "kind": kind.astype(str),
            "region_kato": np.char.add(region_all.astype(str), "0000000"),
            "district_kato": d.kato[dist_all],
            "okrug_kato": pl.Series(okrug_of.tolist(), dtype=pl.Utf8),
            "lat": lat,
            "lon": lon,
            "population": pop.astype(np.int64),
            "population_2019": pop19,
            "synthetic": synthetic,
            "source": np.where(synthetic, "synthetic", "geonames"),
            "population_source": pop_src.astype(str),
        }
    ).sort("kato")
    okr = np.array(ok_rows, dtype=object).reshape(-1, 4)
    centre_rows = okr[:, 3].astype(np.int64)
    okrugs = pl.DataFrame(
        {
            "kato": okr[:, 0].astype(str),
            "district_kato": okr[:, 1].astype(str),
            "region_kato": okr[:, 2].astype(str),
            "name_ru": [f"{n} сельский округ" for n in name_ru[centre_rows]],
            "name_kk": [f"{n} ауылдық округі" for n in name_kk[centre_rows]],
            "name_en": [f"{n} rural district" for n in name_en[centre_rows]],
            "centre_kato": kato[centre_rows].astype(str),
            "synthetic": np.ones(len(ok_rows), dtype=bool),
        }
    ).sort("kato")
    return {"okrugs": okrugs, "settlements": settlements}


# --- scaled generator (benchmarks) ----------------------------------------------------------------------
def generate_scaled_settlements(n: int, seed: int = 2023, mean_okrug_size: int = 3) -> pl.DataFrame:
    """``n`` synthetic rural settlements with the columns of ``generate_settlements()['settlements']``.

    For scale tests: not calibrated to any published total. Settlements are spread over the districts of
    the 17 oblasts in proportion to area, placed inside the district polygons (bulk rejection sampling),
    grouped into okrugs of ``mean_okrug_size`` (larger when a district would need more than its free okrug
    numbers), the first settlement of each okrug being its centre. Names come from the same catalogue
    (not unique). Populations: lognormal (median 300); population_2019 with a small random change.
    Codes are unique KATO-like 9-digit strings that avoid every first- and second-level code.
    """
    n = int(n)
    if n <= 0:
        raise ComputationError("n must be positive")
    d = geodata.districts()
    ss = np.random.SeedSequence([int(seed), 1])
    rng_pos, rng_pop, rng_names = (np.random.default_rng(s) for s in ss.spawn(3))
    cand = np.flatnonzero(~np.isin(d.region, REPUBLICAN))
    cand = cand[np.argsort(d.kato[cand])]
    counts = lr_round(d.area_km2[cand], n)
    admin = geodata.admin_codes()
    prefixes = np.array([k[:4] for k in d.kato[cand]])
    share_prefix = {p: int((prefixes == p).sum()) for p in set(prefixes.tolist())}
    free = {p: [j for j in range(1, 100) if f"{p}{j:02d}000" not in admin] for p in share_prefix}
    used = defaultdict(int)
    okrug_no = np.empty(n, dtype=np.int64)
    sett_no = np.empty(n, dtype=np.int64)
    dist_idx = np.repeat(cand, counts)
    lon = np.empty(n)
    lat = np.empty(n)
    start = 0
    for k, c, p in zip(cand, counts, prefixes):
        c = int(c)
        if c == 0:
            continue
        avail = free[p][used[p]:]
        quota = len(free[p]) // share_prefix[p]
        size = max(int(mean_okrug_size), int(np.ceil(c / quota)))
        if size > 999:
            raise ComputationError(f"district {d.kato[k]} cannot code {c} settlements (999 x {quota} okrugs)")
        local = np.arange(c)
        n_ok = int(np.ceil(c / size))
        okrug_no[start:start + c] = np.array(avail[:n_ok])[local // size]
        used[p] += n_ok
        sett_no[start:start + c] = local % size + 1
        lon[start:start + c], lat[start:start + c] = geodata.sample_in_polygon(rng_pos, int(k), c)
        start += c
    prefix_int = np.array([int(x) for x in prefixes])
    pre = np.repeat(prefix_int, counts)
    okrug_code = pre * 100000 + okrug_no * 1000
    pop = np.maximum(np.round(rng_pop.lognormal(np.log(300.0), 1.2, n)), 1).astype(np.int64)
    pop19 = np.maximum(np.round(pop * np.exp(-rng_pop.normal(-0.005, 0.06, n))), 1).astype(np.int64)
    rus = np.array([0.3])
    ni = sample_name_indices(rng_names, n, np.broadcast_to(rus, (n,)))
    cat = catalogue()
    ni_s = pl.Series(ni.astype(np.uint32))
    di_s = pl.Series(dist_idx.astype(np.uint32))
    const = lambda v: pl.repeat(v, n, eager=True)  # noqa: E731
    return pl.DataFrame(
        {
            "kato": pl.Series(okrug_code + sett_no).cast(pl.Utf8),
            "name_ru": pl.Series(cat.ru.tolist(), dtype=pl.Utf8).gather(ni_s),
            "name_kk": pl.Series(cat.kk.tolist(), dtype=pl.Utf8).gather(ni_s),
            "name_en": pl.Series(cat.en.tolist(), dtype=pl.Utf8).gather(ni_s),
            "level": const("settlement"),
            "kind": pl.Series(["village", "rural_district_centre"]).gather(pl.Series((sett_no == 1).astype(np.uint32))),
            "region_kato": pl.Series(pre // 100 * 10_000_000).cast(pl.Utf8),
            "district_kato": pl.Series(d.kato.tolist(), dtype=pl.Utf8).gather(di_s),
            "okrug_kato": pl.Series(okrug_code).cast(pl.Utf8),
            "lat": lat,
            "lon": lon,
            "population": pop,
            "population_2019": pop19,
            "synthetic": pl.repeat(True, n, eager=True),
            "source": const("synthetic"),
            "population_source": const("synthetic"),
        }
    )

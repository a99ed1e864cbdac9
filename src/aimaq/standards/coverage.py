"""Per-settlement evaluation of the standards catalogue: which items apply, which are met, coverage in %.

Pure functions over polars frames and a Catalogue; no files, no database.

Inputs
  settlements: kato, kind, lat, lon, population [, is_district_centre (bool), role (support|satellite|other)]
  facilities:  kato (settlement where registered, may be null), facility (type), lat, lon [, condition]
  levels:      kato, indicator, value     (settlement service levels, e.g. water_central_pct)
  network:     optional road network, edges from_kato, to_kato, km (undirected, settlements as nodes)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from aimaq.errors import ComputationError, ValidationFailed
from aimaq.standards.geo import BOUNDARY_TOLERANCE_KM, nearest_km, to_unit_xyz
from aimaq.standards.spec import Catalogue
from aimaq.i18n import _

CITY_KINDS = ("city_republican", "city_oblast", "city_district")
SETTLEMENT_COLUMNS = ("kato", "kind", "lat", "lon", "population")
FACILITY_COLUMNS = ("kato", "facility", "lat", "lon")
LEVEL_COLUMNS = ("kato", "indicator", "value")


def _check_columns(frame: pl.DataFrame, needed: tuple[str, ...], what: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValidationFailed([f"{what}: missing column {c!r}" for c in missing])


def assign_categories(settlements: pl.DataFrame, catalogue: Catalogue) -> np.ndarray:
    """Category code of each settlement (first matching category of the spec); error if one matches none."""
    n = settlements.height
    kind = settlements["kind"].to_numpy()
    centre = (
        settlements["is_district_centre"].fill_null(False).to_numpy().astype(bool)
        if "is_district_centre" in settlements.columns else np.zeros(n, bool)
    )
    role = settlements["role"].fill_null("").to_numpy() if "role" in settlements.columns else np.full(n, "")
    out = np.full(n, "", dtype=object)
    for cat in catalogue.categories:
        hit = np.isin(kind, cat.kinds)
        if cat.district_centre:
            hit |= centre
        if cat.roles:
            hit |= np.isin(role, cat.roles)
        out[(out == "") & hit] = cat.code
    bad = out == ""
    if bad.any():
        sample = settlements.filter(pl.Series(bad))["kato"].head(5).to_list()
        raise ComputationError(_("settlements that fit no catalogue category: {n} (kinds {kinds}), e.g. {sample}",
                                 n=int(bad.sum()), kinds=", ".join(sorted(set(kind[bad]))),
                                 sample=", ".join(sample)))
    return out.astype(str)


@dataclass
class CoverageMatrix:
    """Settlements × items: which items apply and which are met."""

    kato: np.ndarray
    category: np.ndarray
    items: list[str]
    applies: np.ndarray          # bool (n, m)
    met: np.ndarray              # bool (n, m), False where not applicable
    catalogue_label: str
    catalogue_sha256: str
    notes: list[str] = field(default_factory=list)

    @property
    def n_applicable(self) -> np.ndarray:
        return self.applies.sum(axis=1)

    @property
    def n_met(self) -> np.ndarray:
        return self.met.sum(axis=1)

    @property
    def coverage_pct(self) -> np.ndarray:
        n_app = self.n_applicable
        if (n_app == 0).any():
            raise ComputationError(_("settlements with no applicable items: {n}", n=int((n_app == 0).sum())))
        return 100.0 * self.n_met / n_app


def _settlement_index(settlement_kato: pl.Series, kato: pl.Series) -> np.ndarray:
    """Row index in `settlement_kato` of each code in `kato` (-1 if absent or null); a hash join."""
    lookup = pl.DataFrame({"k": settlement_kato.cast(pl.Utf8)}).with_row_index("i")
    joined = pl.DataFrame({"k": kato.cast(pl.Utf8)}).join(lookup, on="k", how="left", maintain_order="left")
    return joined["i"].cast(pl.Int64).fill_null(-1).to_numpy()


def road_graph(settlement_kato: pl.Series, network: pl.DataFrame) -> tuple[csr_matrix, int, int]:
    """Sparse road graph over the settlements (row order of settlement_kato; km, undirected: one entry per pair,
    the shortest if an edge is given twice, since csr would add duplicates), the number of edges ignored (an end
    not among the settlements) and the number of settlements without an edge."""
    n = len(settlement_kato)
    kato = settlement_kato.cast(pl.Utf8)
    a = _settlement_index(kato, network["from_kato"])
    b = _settlement_index(kato, network["to_kato"])
    ok = (a >= 0) & (b >= 0)
    km = network["km"].to_numpy().astype(np.float64)[ok]
    lo, hi = np.minimum(a[ok], b[ok]), np.maximum(a[ok], b[ok])
    order = np.lexsort((km, hi, lo))
    lo, hi, km = lo[order], hi[order], km[order]
    first = np.ones(len(km), dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    graph = csr_matrix((km[first], (lo[first], hi[first])), shape=(n, n))
    degree = np.bincount(np.concatenate([lo, hi]), minlength=n)
    return graph, int((~ok).sum()), int((degree == 0).sum())


class _Prepared:
    """Arrays shared by evaluation and gap search, built once from the frames."""

    def __init__(self, settlements, facilities, levels, catalogue, network=None):
        _check_columns(settlements, SETTLEMENT_COLUMNS, "settlements")
        _check_columns(facilities, FACILITY_COLUMNS, "facilities")
        _check_columns(levels, LEVEL_COLUMNS, "service levels")
        if settlements["kato"].is_duplicated().any():
            raise ValidationFailed(["settlements: duplicate kato codes"])
        for col in ("lat", "lon", "population"):
            if settlements[col].null_count():
                raise ValidationFailed([f"settlements: {settlements[col].null_count()} null value(s) in {col!r}"])
        self.catalogue = catalogue
        self.settlements = settlements
        self.kato_series = settlements["kato"].cast(pl.Utf8)
        self.kato = self.kato_series.to_numpy()
        self.n = len(self.kato)
        self.population = settlements["population"].to_numpy().astype(np.float64)
        self.xyz = to_unit_xyz(settlements["lat"].to_numpy(), settlements["lon"].to_numpy())
        self.category = assign_categories(settlements, catalogue)
        self.notes: list[str] = []

        fac = facilities
        if "condition" in fac.columns and catalogue.exclude_conditions:
            excluded = fac["condition"].is_in(catalogue.exclude_conditions).fill_null(False)
            if excluded.any():
                self.notes.append(f"{int(excluded.sum())} facilities in excluded condition "
                                  f"{catalogue.exclude_conditions} not counted")
            fac = fac.filter(~excluded)
        types = sorted({i.rule.facility for i in catalogue.items if i.rule.facility})
        self.type_index = {t: k for k, t in enumerate(types)}
        fac = fac.filter(pl.col("facility").is_in(types))
        self.fac_type = fac["facility"].replace_strict(self.type_index, return_dtype=pl.Int32).to_numpy()
        self.fac_settlement = _settlement_index(self.kato_series, fac["kato"])
        self.fac_xyz = to_unit_xyz(fac["lat"].to_numpy(), fac["lon"].to_numpy())
        self.fac_kato_series = fac["kato"].cast(pl.Utf8)
        # present[s, t]: a counted facility of type t is registered in settlement s
        self.present = np.zeros((self.n, len(types)), dtype=bool)
        local = self.fac_settlement >= 0
        self.present[self.fac_settlement[local], self.fac_type[local]] = True
        # facility rows grouped by type (one sort, then slices)
        self.fac_order = np.argsort(self.fac_type, kind="stable")
        bounds = np.searchsorted(self.fac_type[self.fac_order], np.arange(len(types) + 1))
        self.fac_slices = {t: self.fac_order[bounds[k]:bounds[k + 1]] for t, k in self.type_index.items()}

        indicators = sorted({i.rule.indicator for i in catalogue.items if i.rule.indicator})
        self.level_index = {ind: k for k, ind in enumerate(indicators)}
        self.levels = np.full((self.n, len(indicators)), np.nan)
        lv = levels.filter(pl.col("indicator").is_in(indicators) & pl.col("value").is_not_null())
        if lv.height:
            rows = _settlement_index(self.kato_series, lv["kato"])
            cols = lv["indicator"].replace_strict(self.level_index, return_dtype=pl.Int32).to_numpy()
            ok = rows >= 0
            self.levels[rows[ok], cols[ok]] = lv["value"].to_numpy()[ok]

        self.graph = None
        if network is not None and network.height:
            self.graph, ignored, isolated = road_graph(self.kato_series, network)
            if ignored:
                self.notes.append(f"{ignored} road edges join unknown settlements and were ignored")
            if isolated:
                self.notes.append(f"{isolated} settlements have no road edge: for within-km items they count only "
                                  f"facilities registered in them")
            off_network = int((self.fac_settlement < 0).sum())
            if off_network:
                self.notes.append(f"{off_network} facilities are registered in no settlement and are not reachable "
                                  f"by road")

    def applies(self) -> np.ndarray:
        items = self.catalogue.items
        cat_of_item = np.array([[c in it.categories for c in self._cat_codes] for it in items]).T  # (ncat, m)
        cat_idx = np.searchsorted(self._cat_codes, self.category)
        out = cat_of_item[cat_idx]
        min_pop = np.array([it.min_population if it.min_population is not None else -np.inf for it in items])
        return out & (self.population[:, None] >= min_pop[None, :])

    @property
    def _cat_codes(self) -> np.ndarray:
        return np.array(sorted(c.code for c in self.catalogue.categories))

    def distance_to_type(self, ftype: str, rows: np.ndarray, upper_km: float | None):
        """Distance (km) from settlements `rows` to the nearest counted facility of `ftype`, and its row index
        in the filtered facility arrays (-1: none within bound). A facility in the settlement itself is at 0 km.
        Road-network distance when a network is loaded, else great-circle distance."""
        t = self.type_index[ftype]
        fac_rows = self.fac_slices[ftype]
        km = np.full(len(rows), np.inf)
        which = np.full(len(rows), -1, dtype=np.int64)
        if self.graph is not None:
            nodes = np.unique(self.fac_settlement[fac_rows])
            nodes = nodes[nodes >= 0]
            if len(nodes):
                limit = np.inf if upper_km is None else upper_km + BOUNDARY_TOLERANCE_KM
                dist, _, src = dijkstra(self.graph, directed=False, indices=nodes, min_only=True,
                                        limit=limit, return_predecessors=True)
                km = dist[rows]
                # representative facility of the source settlement: its first facility of the type
                fac_nodes = self.fac_settlement[fac_rows]
                uniq, first = np.unique(fac_nodes, return_index=True)
                src_rows = src[rows]
                pos = np.clip(np.searchsorted(uniq, src_rows), 0, len(uniq) - 1)
                which = np.where((src_rows >= 0) & (uniq[pos] == src_rows), fac_rows[first[pos]], -1)
            return km, which
        if len(fac_rows):
            d, j = nearest_km(self.fac_xyz[fac_rows], self.xyz[rows], upper_km)
            km, which = d, np.where(j >= 0, fac_rows[np.maximum(j, 0)], -1)
        local = self.present[rows, t]
        km[local] = 0.0
        return km, which


def road_pairs_within(graph: csr_matrix, nodes: np.ndarray, km: float,
                      chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, k) of positions in `nodes` (distinct settlement rows of `graph`, see road_graph) whose road
    distance is ≤ km (1 mm tolerance), i ≠ k, both orders. Dijkstra from the nodes in chunks, pruned at km
    (memory: chunk × settlements)."""
    n = graph.shape[0]
    pos = np.full(n, -1, dtype=np.int64)
    pos[nodes] = np.arange(len(nodes))
    out_i, out_k = [], []
    for start in range(0, len(nodes), chunk):
        block = nodes[start:start + chunk]
        dist = dijkstra(graph, directed=False, indices=block, limit=km + BOUNDARY_TOLERANCE_KM)
        r, c = np.nonzero(dist <= km + BOUNDARY_TOLERANCE_KM)
        k = pos[c]
        keep = (k >= 0) & (k != start + r)
        out_i.append(start + r[keep])
        out_k.append(k[keep])
    if not out_i:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_i), np.concatenate(out_k)


def evaluate(
    settlements: pl.DataFrame,
    facilities: pl.DataFrame,
    levels: pl.DataFrame,
    catalogue: Catalogue,
    network: pl.DataFrame | None = None,
) -> CoverageMatrix:
    """Which catalogue items apply to and are met in each settlement."""
    prep = _Prepared(settlements, facilities, levels, catalogue, network)
    return _evaluate_prepared(prep)


def _evaluate_prepared(prep: _Prepared) -> CoverageMatrix:
    catalogue = prep.catalogue
    applies = prep.applies()
    met = np.zeros_like(applies)
    missing_levels = 0
    for j, item in enumerate(catalogue.items):
        rule = item.rule
        col = applies[:, j]
        if rule.kind == "present":
            met[:, j] = col & prep.present[:, prep.type_index[rule.facility]]
        elif rule.kind == "within_km":
            t = prep.type_index[rule.facility]
            met[:, j] = col & prep.present[:, t] if prep.graph is None else False
            todo = np.flatnonzero(col & ~met[:, j]) if prep.graph is None else np.flatnonzero(col)
            if len(todo):
                detour = 1.0 if prep.graph is not None else (rule.detour or catalogue.detour_factor)
                bound = rule.km / detour
                km, _ = prep.distance_to_type(rule.facility, todo, bound)
                met[todo, j] = km <= bound + BOUNDARY_TOLERANCE_KM
        else:
            value = prep.levels[:, prep.level_index[rule.indicator]]
            missing_levels += int((col & np.isnan(value)).sum())
            with np.errstate(invalid="ignore"):
                met[:, j] = col & (value >= rule.threshold)
    notes = list(prep.notes)
    if missing_levels:
        notes.append(f"{missing_levels} applicable service-level values are missing and counted as not met")
    return CoverageMatrix(prep.kato, prep.category, [i.code for i in catalogue.items], applies, met,
                          catalogue.label, catalogue.sha256, notes)


def settlement_coverage(cm: CoverageMatrix, settlements: pl.DataFrame) -> pl.DataFrame:
    """One row per settlement: category, items applicable and met, coverage_pct."""
    return settlements.with_columns(
        category=pl.Series(cm.category),
        n_applicable=pl.Series(cm.n_applicable.astype(np.int32)),
        n_met=pl.Series(cm.n_met.astype(np.int32)),
        coverage_pct=pl.Series(cm.coverage_pct),
        is_city=pl.col("kind").is_in(CITY_KINDS),
    )


def direction_coverage(cm: CoverageMatrix, catalogue: Catalogue) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(direction codes, applicable counts (n, d), met counts (n, d)) per settlement and direction."""
    dirs = [d.code for d in catalogue.directions]
    onehot = np.zeros((len(cm.items), len(dirs)), dtype=np.int32)
    for j, code in enumerate(cm.items):
        onehot[j, dirs.index(catalogue.item(code).direction)] = 1
    return dirs, cm.applies.astype(np.int32) @ onehot, cm.met.astype(np.int32) @ onehot


def gap_list(
    settlements: pl.DataFrame,
    facilities: pl.DataFrame,
    levels: pl.DataFrame,
    catalogue: Catalogue,
    kato: list[str] | None = None,
    network: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Missing items per settlement with the nearest place that has each.

    For facility items: the nearest counted facility of the type (its settlement code, name and distance, km;
    straight-line, or road-network when loaded). For service-level items: the nearest settlement whose level
    meets the threshold. Rows: kato, item, direction, name_ru, rule, nearest_kato, nearest_name_ru, nearest_km."""
    prep = _Prepared(settlements, facilities, levels, catalogue, network)
    cm = _evaluate_prepared(prep)
    if kato is None:
        rows_all = np.arange(prep.n)
    else:
        rows_all = _settlement_index(prep.kato_series, pl.Series(kato, dtype=pl.Utf8))
        if (rows_all < 0).any():
            unknown = [k for k, r in zip(kato, rows_all) if r < 0]
            raise ComputationError(_("settlements not found: {codes}", codes=", ".join(map(str, unknown))))
    names = settlements["name_ru"].to_numpy() if "name_ru" in settlements.columns else prep.kato
    parts = []
    for j, item in enumerate(catalogue.items):
        missing = rows_all[cm.applies[rows_all, j] & ~cm.met[rows_all, j]]
        if not len(missing):
            continue
        rule = item.rule
        if rule.kind == "service_level":
            value = prep.levels[:, prep.level_index[rule.indicator]]
            with np.errstate(invalid="ignore"):
                good = np.flatnonzero(value >= rule.threshold)
            d, idx = nearest_km(prep.xyz[good], prep.xyz[missing])
            near = np.where(idx >= 0, good[np.maximum(idx, 0)], -1)
            near_kato = np.where(near >= 0, prep.kato[np.maximum(near, 0)], None)
            near_name = np.where(near >= 0, names[np.maximum(near, 0)], None)
        else:
            d, fidx = prep.distance_to_type(rule.facility, missing, None)
            fset = np.where(fidx >= 0, prep.fac_settlement[np.maximum(fidx, 0)], -1)
            fac_kato = prep.fac_kato_series.gather(np.maximum(fidx, 0)).to_numpy() if len(prep.fac_kato_series) else None
            near_kato = np.where(fidx >= 0, fac_kato, None)
            near_name = np.where(fset >= 0, names[np.maximum(fset, 0)], None)
        parts.append(pl.DataFrame({
            "kato": prep.kato[missing],
            "item": item.code,
            "direction": item.direction,
            "name_ru": item.name_ru,
            "rule": rule.kind,
            "nearest_kato": pl.Series(near_kato.tolist(), dtype=pl.Utf8),
            "nearest_name_ru": pl.Series(near_name.tolist(), dtype=pl.Utf8),
            "nearest_km": pl.Series(np.where(np.isfinite(d), d, np.nan), dtype=pl.Float64).fill_nan(None),
        }))
    schema = {"kato": pl.Utf8, "item": pl.Utf8, "direction": pl.Utf8, "name_ru": pl.Utf8, "rule": pl.Utf8,
              "nearest_kato": pl.Utf8, "nearest_name_ru": pl.Utf8, "nearest_km": pl.Float64}
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts).sort(["kato", "item"])

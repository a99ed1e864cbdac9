"""Distances on the sphere for nearest-facility queries: a KD-tree on 3-D unit vectors (chord ↔ great circle)."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
BOUNDARY_TOLERANCE_KM = 1e-6  # distances within 1 mm of a bound count as on it (floating-point noise)


def to_unit_xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """(n, 3) unit vectors of points given in degrees."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    cos_phi = np.cos(phi)
    return np.column_stack([cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)])


def chord_from_km(km: np.ndarray | float) -> np.ndarray | float:
    """Chord length on the unit sphere of a great-circle distance in km (capped at the antipode)."""
    angle = np.minimum(np.asarray(km, dtype=np.float64) / EARTH_RADIUS_KM, np.pi)
    return 2.0 * np.sin(angle / 2.0)


def km_from_chord(chord: np.ndarray | float) -> np.ndarray | float:
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord, dtype=np.float64) / 2.0, 0.0, 1.0))


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlam = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def nearest_km(
    tree_xyz: np.ndarray | cKDTree, query_xyz: np.ndarray, upper_km: float | None = None, workers: int = -1
) -> tuple[np.ndarray, np.ndarray]:
    """Great-circle distance (km) from each query point to its nearest tree point, and that point's index.

    With `upper_km`, points farther than the bound get distance inf and index -1 (the search is pruned there)."""
    tree = tree_xyz if isinstance(tree_xyz, cKDTree) else cKDTree(tree_xyz)
    n = len(query_xyz)
    if tree.n == 0 or n == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    bound = np.inf if upper_km is None else float(chord_from_km(upper_km + BOUNDARY_TOLERANCE_KM)) * (1 + 1e-12)
    chord, idx = tree.query(query_xyz, k=1, distance_upper_bound=bound, workers=workers)
    found = np.isfinite(chord)
    km = np.full(n, np.inf)
    km[found] = km_from_chord(chord[found])
    idx = np.where(found, idx, -1).astype(np.int64)
    return km, idx

"""Age schedules: 5-year → single-year splitting (Sprague), mx graduation, fertility splitting, Rogers–Castro.

All functions are vectorised over leading axes; the age axis is last.
"""

from __future__ import annotations

import numpy as np

from aimaq.errors import ComputationError

# Sprague (1880) fifth-difference osculatory multipliers, as tabulated in Shryock & Siegel (1976) and used by
# DemoTools::graduate_sprague. Rows: the 5 single ages of the group being split; columns: groups G1..G5.
_SPRAGUE_FIRST = np.array([
    [0.3616, -0.2768, 0.1488, -0.0336, 0.0],
    [0.2640, -0.0960, 0.0400, -0.0080, 0.0],
    [0.1840, 0.0400, -0.0320, 0.0080, 0.0],
    [0.1200, 0.1360, -0.0720, 0.0160, 0.0],
    [0.0704, 0.1968, -0.0848, 0.0176, 0.0],
])
_SPRAGUE_SECOND = np.array([
    [0.0336, 0.2272, -0.0752, 0.0144, 0.0],
    [0.0080, 0.2320, -0.0480, 0.0080, 0.0],
    [-0.0080, 0.2160, -0.0080, 0.0000, 0.0],
    [-0.0160, 0.1840, 0.0400, -0.0080, 0.0],
    [-0.0176, 0.1408, 0.0912, -0.0144, 0.0],
])
_SPRAGUE_MIDDLE = np.array([
    [-0.0128, 0.0848, 0.1504, -0.0240, 0.0016],
    [-0.0016, 0.0144, 0.2224, -0.0416, 0.0064],
    [0.0064, -0.0336, 0.2544, -0.0336, 0.0064],
    [0.0064, -0.0416, 0.2224, 0.0144, -0.0016],
    [0.0016, -0.0240, 0.1504, 0.0848, -0.0128],
])


def sprague_matrix(groups: int) -> np.ndarray:
    """(5·groups × groups) matrix splitting `groups` closed 5-year groups into single years (needs ≥ 5)."""
    if groups < 5:
        raise ComputationError("Sprague splitting needs at least five 5-year groups")
    m = np.zeros((5 * groups, groups))
    m[0:5, 0:5] = _SPRAGUE_FIRST
    m[5:10, 0:5] = _SPRAGUE_SECOND
    for g in range(2, groups - 2):
        m[5 * g:5 * g + 5, g - 2:g + 3] = _SPRAGUE_MIDDLE
    # last two panels are the mirror images of the first two
    m[5 * (groups - 2):5 * (groups - 1), groups - 5:] = _SPRAGUE_SECOND[::-1, ::-1]
    m[5 * (groups - 1):, groups - 5:] = _SPRAGUE_FIRST[::-1, ::-1]
    return m


def split_5_to_1(counts5, *, open_group: bool = True, nonnegative: bool = True) -> np.ndarray:
    """Split counts by 5-year groups (…, G) into single years (…, 5·(G−1)+1 with an open group kept whole,
    or 5·G without). Group totals are preserved exactly; a group where Sprague gives a negative single year
    (possible at very uneven ages, e.g. 95-99 before a small open group) is split evenly when `nonnegative`."""
    c = np.asarray(counts5, dtype=float)
    closed = c[..., :-1] if open_group else c
    m = sprague_matrix(closed.shape[-1])
    single = closed @ m.T
    if nonnegative and np.any(single < 0):
        g = closed.shape[-1]
        blocks = single.reshape(single.shape[:-1] + (g, 5))
        bad = (blocks < 0).any(-1, keepdims=True)
        blocks = np.where(bad, closed[..., None] / 5.0, blocks)  # uneven groups: split evenly instead
        single = blocks.reshape(single.shape)
    if open_group:
        single = np.concatenate([single, c[..., -1:]], axis=-1)
    return single


def split_rates_5_to_1(rates5, *, open_group: bool = False) -> np.ndarray:
    """Single-year rates from 5-year rates (…, G) by splitting 5·rate as counts with Sprague: the sum over the
    five single years equals 5 × the group rate (so the TFR is kept)."""
    r = np.asarray(rates5, dtype=float)
    return split_5_to_1(5.0 * r, open_group=open_group) if not open_group else split_5_to_1(
        np.concatenate([5.0 * r[..., :-1], r[..., -1:]], axis=-1), open_group=True)


def graduate_mx_abridged(mx_abr, *, last_age: int = 100) -> np.ndarray:
    """Single-year mx 0..last_age (open) from abridged mx for ages 0, 1-4, 5-9, …, last_age+ (…, G).

    log mx is interpolated linearly between group mid-points; within each closed group the single-year rates
    are then rescaled so their mean equals the group rate (age 0 and the open group are kept as given)."""
    m = np.asarray(mx_abr, dtype=float)
    starts = np.concatenate([[0, 1], np.arange(5, last_age + 1, 5)])
    if m.shape[-1] != starts.size:
        raise ComputationError(f"abridged mx must have {starts.size} groups (0, 1-4, 5-9, …, {last_age}+)")
    if np.any(m <= 0):
        raise ComputationError("death rates must be positive to graduate on the log scale")
    widths = np.diff(np.concatenate([starts, [last_age + 1]]))
    mids = starts + np.where(starts == 0, 0.5, np.where(starts == 1, 2.0, 2.5))
    mids[-1] = last_age + 0.5
    ages = np.arange(last_age + 1) + 0.5
    logm = np.log(m)
    flat = logm.reshape(-1, m.shape[-1])
    out = np.exp(np.stack([np.interp(ages, mids, row) for row in flat]))  # rows = leading cells (few)
    out = out.reshape(m.shape[:-1] + (last_age + 1,))
    group_of_age = np.searchsorted(starts, np.arange(last_age + 1), side="right") - 1
    for g, (s, w) in enumerate(zip(starts, widths)):
        if g == 0 or g == starts.size - 1:
            out[..., s] = m[..., g]
            continue
        sel = group_of_age == g
        out[..., sel] *= (m[..., g] / out[..., sel].mean(axis=-1))[..., None]
    return out


def rogers_castro(ages, params: dict) -> np.ndarray:
    """Rogers–Castro model migration schedule (7 parameters, plus optional retirement peak a3, α3, μ3, λ3):
    m(x) = a1·e^(−α1·x) + a2·e^(−α2(x−μ2) − e^(−λ2(x−μ2))) [+ a3·e^(−α3(x−μ3) − e^(−λ3(x−μ3)))] + c."""
    x = np.asarray(ages, dtype=float)
    p = params
    m = p["a1"] * np.exp(-p["alpha1"] * x)
    m = m + p["a2"] * np.exp(-p["alpha2"] * (x - p["mu2"]) - np.exp(-p["lambda2"] * (x - p["mu2"])))
    if p.get("a3"):
        m = m + p["a3"] * np.exp(-p["alpha3"] * (x - p["mu3"]) - np.exp(-p["lambda3"] * (x - p["mu3"])))
    return m + p.get("c", 0.0)


def rogers_castro_shares(ages, params: dict) -> np.ndarray:
    """The Rogers–Castro schedule normalised to sum 1 over `ages`."""
    m = rogers_castro(ages, params)
    return m / m.sum()

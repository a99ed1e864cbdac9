from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from aimaq.composite.coinr import asem_dir, asem_spec_path
from aimaq.composite.data import read_data
from aimaq.composite.index import CompositeIndex
from aimaq.composite.spec import load_spec


@pytest.fixture(scope="session")
def asem_folder():
    try:
        return asem_dir()
    except Exception:  # pragma: no cover
        pytest.skip("COINr ASEM reference data not available")


@pytest.fixture(scope="session")
def asem_spec():
    return load_spec(asem_spec_path())


@pytest.fixture(scope="session")
def asem_data(asem_folder, asem_spec):
    dens = sorted({n.denominator for n in asem_spec.nodes.values() if n.denominator})
    return read_data(asem_folder / "ASEM_iData.csv", asem_spec.indicators, asem_spec.groups, dens)


@pytest.fixture(scope="session")
def asem_index(asem_spec, asem_data):
    return CompositeIndex.build(asem_spec, asem_data)


@pytest.fixture(scope="session")
def frame_matches():
    return assert_frame_matches


def assert_frame_matches(expected: pl.DataFrame, got: pl.DataFrame, atol: float = 1e-9, key: str = "uCode"):
    """Every expected column matched by key to `atol` (NaN where expected NaN)."""
    assert set(expected[key]) == set(got[key]), "different units"
    missing = [c for c in expected.columns if c not in got.columns]
    assert not missing, f"columns missing: {missing}"
    j = expected.join(got, on=key, suffix="__got")
    for c in expected.columns:
        if c == key:
            continue
        a = j[c].cast(pl.Float64).fill_null(np.nan).to_numpy()
        b = j[c + "__got"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b)), f"{c}: missing values differ"
        ok = ~np.isnan(a)
        if ok.any():
            err = np.max(np.abs(a[ok] - b[ok]))
            assert err <= atol, f"{c}: max abs difference {err}"


@pytest.fixture(autouse=True)
def _english(english_messages):
    """The engine's tests read its messages by their English ids."""

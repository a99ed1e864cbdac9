from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
REFERENCE = SHARED / "reference" / "demography"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE.exists():
        pytest.skip(f"shared reference data not found at {REFERENCE}")
    return REFERENCE

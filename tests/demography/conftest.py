import os
from pathlib import Path

import pytest


def _shared_data() -> Path:
    """`shared/data` beside the checkout: the main repository sits one level below it, a worktree two."""
    if os.environ.get("AIMAQ_SHARED_DATA"):
        return Path(os.environ["AIMAQ_SHARED_DATA"])
    here = Path(__file__).resolve()
    if (here.parents[1] / "shared_data").is_dir():  # the copy in the repository (tests/shared_data)
        return here.parents[1] / "shared_data"
    for parent in here.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return here.parents[3] / "shared" / "data"


SHARED = _shared_data()
REFERENCE = SHARED / "reference" / "demography"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE.exists():
        pytest.skip(f"shared reference data not found at {REFERENCE}")
    return REFERENCE

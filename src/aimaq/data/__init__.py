"""Data shipped in the package (real data with provenance, synthetic generators' parameters)."""

from importlib import resources
from pathlib import Path


def data_path(*parts: str) -> Path:
    """A file or folder of the shipped data, e.g. data_path("review", "indicators.csv")."""
    path = resources.files("aimaq.data")
    for part in parts:
        path = path / part
    return Path(str(path))

"""The monotown classification spec: an aimaq.composite index, class thresholds and the synthetic generator."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from aimaq.composite import IndexSpec
from aimaq.errors import SpecError
from aimaq.i18n import _


@dataclass(frozen=True)
class ClassificationSpec:
    name: str
    version: str
    sha256: str
    year: int
    high: float
    medium: float
    index: IndexSpec
    directions: tuple[str, ...]
    synthetic: dict
    default_spec: bool


def parse_classification(raw: dict, text: str = "") -> ClassificationSpec:
    if not isinstance(raw, dict):
        raise SpecError(_("monotown spec: not a mapping (key: value)"))
    problems = [_("missing key «{key}»", key=k) for k in ("name", "version", "thresholds", "index") if k not in raw]
    if problems:
        raise SpecError.listing(_("invalid monotown spec"), problems)
    th = raw["thresholds"]
    try:
        high, medium = float(th["high"]), float(th["medium"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(_("monotown spec: thresholds need numeric high and medium ({error})", error=exc)) from exc
    if not 0 <= medium < high <= 100:
        raise SpecError(_("monotown spec: thresholds must satisfy 0 ≤ medium < high ≤ 100, got {medium}, {high}",
                          medium=medium, high=high))
    index = IndexSpec.from_dict(raw["index"])
    root = index.root
    directions = tuple(a["code"] for a in raw["index"]["aggregates"] if a.get("parent") == root)
    return ClassificationSpec(str(raw["name"]), str(raw["version"]),
                              hashlib.sha256((text or yaml.safe_dump(raw)).encode()).hexdigest(),
                              int(raw.get("year", 2023)), high, medium, index, directions,
                              raw.get("synthetic") or {}, bool(raw.get("default_spec", False)))


def load_classification(path: str | Path | None = None) -> ClassificationSpec:
    """The shipped default (specs/monotowns/classification_v1.yaml) or a YAML file."""
    if path is None:
        text = (resources.files("aimaq.specs") / "monotowns" / "classification_v1.yaml").read_text(encoding="utf-8")
    else:
        p = Path(path)
        if not p.exists():
            raise SpecError(_("monotown spec {path} does not exist", path=p))
        text = p.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(_("monotown spec is not valid YAML: {error}", error=exc)) from exc
    return parse_classification(raw, text)

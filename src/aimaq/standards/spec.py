"""The standards catalogue: a versioned YAML spec (editions side by side), validated with pydantic."""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aimaq.errors import SpecError
from aimaq.i18n import _
from aimaq.i18n.validation import validation_problems
from aimaq.store.provenance import spec_sha256

SPEC_PACKAGE = "aimaq.specs"
SPEC_FOLDER = "standards"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    kind: Literal["present", "within_km", "service_level"]
    facility: Optional[str] = None
    km: Optional[float] = Field(default=None, gt=0)
    detour: Optional[float] = Field(default=None, ge=1)
    indicator: Optional[str] = None
    threshold: Optional[float] = None

    @model_validator(mode="after")
    def _fields_for_kind(self) -> "Rule":
        if self.kind in ("present", "within_km") and not self.facility:
            raise ValueError(_("rule {kind} needs `facility`", kind=self.kind))
        if self.kind == "within_km" and self.km is None:
            raise ValueError(_("rule within_km needs `km`"))
        if self.kind == "service_level" and (self.indicator is None or self.threshold is None):
            raise ValueError(_("rule service_level needs `indicator` and `threshold`"))
        return self


class Cost(_Strict):
    fixed_mln: float = Field(ge=0)
    per_capita_kzt: float = Field(default=0.0, ge=0)


class Item(_Strict):
    code: str
    direction: str
    categories: list[str]
    mandatory: bool
    name_ru: str
    name_en: Optional[str] = None
    name_kk: Optional[str] = None
    rule: Rule
    min_population: Optional[float] = Field(default=None, ge=0)
    cost: Cost


class Category(_Strict):
    code: str
    name_ru: str
    name_en: Optional[str] = None
    kinds: list[str] = []
    district_centre: bool = False   # a settlement flagged as district centre falls here
    roles: list[str] = []           # a village with one of these rural roles (e.g. support) falls here
    expected_items: Optional[int] = None


class Direction(_Strict):
    code: str
    name_ru: str
    name_en: Optional[str] = None


class Catalogue(_Strict):
    name: str
    edition: str
    version: str
    status: str
    detour_factor: float = Field(ge=1)
    exclude_conditions: list[str] = []
    categories: list[Category]
    directions: list[Direction]
    items: list[Item]
    sha256: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> "Catalogue":
        codes = [i.code for i in self.items]
        dup = {c for c in codes if codes.count(c) > 1}
        if dup:
            raise ValueError(_("duplicate item codes: {codes}", codes=", ".join(sorted(dup))))
        cats = {c.code for c in self.categories}
        dirs = {d.code for d in self.directions}
        for item in self.items:
            if set(item.categories) - cats:
                raise ValueError(_("item {code}: unknown categories {categories}", code=item.code,
                                   categories=", ".join(sorted(set(item.categories) - cats))))
            if item.direction not in dirs:
                raise ValueError(_("item {code}: unknown direction {direction}", code=item.code,
                                   direction=item.direction))
        for cat in self.categories:
            n = sum(cat.code in i.categories for i in self.items)
            if cat.expected_items is not None and n != cat.expected_items:
                raise ValueError(_("category {code}: {n} items, the spec says {expected}", code=cat.code, n=n,
                                   expected=cat.expected_items))
        return self

    def items_for(self, category: str) -> list[Item]:
        return [i for i in self.items if category in i.categories]

    def item(self, code: str) -> Item:
        for i in self.items:
            if i.code == code:
                return i
        raise SpecError(_("item «{code}» is not in catalogue {name} {version}", code=code, name=self.name,
                          version=self.version))

    @property
    def label(self) -> str:
        return f"{self.name}:{self.version}"


def _spec_dir() -> Path:
    return Path(str(resources.files(SPEC_PACKAGE) / SPEC_FOLDER))


def _read_raw(path: Path) -> dict:
    try:
        # libyaml's parser when available (same constructor as safe_load, several times faster)
        return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(_("cannot read catalogue {path}: {error}", path=path, error=exc)) from exc


def _resolve(path: Path) -> dict:
    raw = _read_raw(path)
    if not isinstance(raw, dict):
        raise SpecError(_("catalogue {path} is not a mapping (key: value)", path=path))
    base = raw.pop("base", None)
    if base is None:
        return raw
    merged = copy.deepcopy(_resolve(path.parent / base))
    removed = set(raw.pop("remove_items", []) or [])
    overrides = raw.pop("override_items", {}) or {}
    expected = raw.pop("category_expected_items", {}) or {}
    known = {i["code"] for i in merged["items"]}
    if removed - known or set(overrides) - known:
        raise SpecError(_("catalogue {path}: removes or overrides unknown items {codes}", path=path,
                          codes=", ".join(sorted((removed | set(overrides)) - known))))
    merged["items"] = [{**i, **overrides.get(i["code"], {})} for i in merged["items"] if i["code"] not in removed]
    for cat in merged["categories"]:
        if cat["code"] in expected:
            cat["expected_items"] = expected[cat["code"]]
    merged.update(raw)
    return merged


def load_catalogue(edition: str | Path = "2023") -> Catalogue:
    """Load a catalogue edition ('2019', '2023', ...) shipped in specs/standards, or a YAML file path."""
    path = Path(edition)
    if not path.suffix:
        path = _spec_dir() / f"catalogue_{edition}.yaml"
    if not path.exists():
        shipped = sorted(p.stem.removeprefix("catalogue_") for p in _spec_dir().glob("catalogue_*.yaml"))
        raise SpecError(_("no catalogue edition «{edition}»; shipped editions: {editions}", edition=edition,
                          editions=", ".join(shipped)))
    data = _resolve(path)
    digest = spec_sha256(data)
    try:
        return Catalogue(**data, sha256=digest)
    except ValidationError as exc:
        raise SpecError.listing(_("catalogue {path} does not validate", path=path), validation_problems(exc)) from exc


def shipped_editions() -> list[str]:
    return sorted(p.stem.removeprefix("catalogue_") for p in _spec_dir().glob("catalogue_*.yaml"))

"""Village-potential criteria: a versioned YAML spec validated with pydantic."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aimaq.errors import SpecError
from aimaq.i18n import _
from aimaq.i18n.validation import validation_problems
from aimaq.store.provenance import spec_sha256


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Block(_Strict):
    weight: float = Field(ge=0)
    name_ru: str


class Indicator(_Strict):
    code: str
    block: str
    direction: Literal[1, -1]
    low: float
    high: float
    name_ru: str

    @model_validator(mode="after")
    def _order(self) -> "Indicator":
        if self.low > self.high:
            raise ValueError(_("indicator {code}: low is above high", code=self.code))
        return self


class Potential(_Strict):
    high: float
    medium: float


class Support(_Strict):
    kinds: list[str]
    min_population_any_kind: Optional[float] = None
    min_population_any_potential: Optional[float] = None   # villages this large are support whatever the score
    min_population: float = 0
    potential: list[Literal["high", "medium", "low"]]


class Satellite(_Strict):
    radius_km: float = Field(gt=0)
    min_population: float = 0


class Roles(_Strict):
    rural_kinds: list[str]
    town_kinds: list[str]
    support: Support
    satellite: Satellite


class Criteria(_Strict):
    name: str
    edition: str
    version: str
    status: str
    blocks: dict[str, Block]
    indicators: list[Indicator]
    potential: Potential
    roles: Roles
    with_potential_roles: list[Literal["support", "satellite", "other"]]
    review_reference: dict = {}
    sha256: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> "Criteria":
        for ind in self.indicators:
            if ind.block not in self.blocks:
                raise ValueError(_("indicator {code}: unknown block {block}", code=ind.code, block=ind.block))
        codes = [i.code for i in self.indicators]
        if len(set(codes)) != len(codes):
            raise ValueError(_("duplicate indicator codes"))
        if self.potential.medium > self.potential.high:
            raise ValueError(_("potential: the medium threshold is above the high one"))
        return self

    @property
    def label(self) -> str:
        return f"{self.name}:{self.version}"


def load_criteria(edition: str | Path = "2025") -> Criteria:
    path = Path(edition)
    if not path.suffix:
        path = Path(str(resources.files("aimaq.specs") / "rural" / f"criteria_{edition}.yaml"))
    if not path.exists():
        raise SpecError(_("no village criteria edition «{edition}»", edition=edition))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(_("cannot read {path}: {error}", path=path, error=exc)) from exc
    if not isinstance(data, dict):
        raise SpecError(_("criteria {path} are not a mapping (key: value)", path=path))
    digest = spec_sha256(data)
    try:
        return Criteria(**data, sha256=digest)
    except ValidationError as exc:
        raise SpecError.listing(_("criteria {path} do not validate", path=path), validation_problems(exc)) from exc

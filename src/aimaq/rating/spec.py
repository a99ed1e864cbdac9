"""The rating's methodology spec per year (YAML in specs/rating/) and the composite-engine spec built from it.

A rating spec names the factors, the statistical and survey indicators of each factor (codes of the catalogue),
the weights of factors and of the statistical / survey blocks within a factor, the 0–10 scale, the 5-point
threshold, the risk-map quadrants and the uncertainty inputs. `RatingSpec.index_spec()` turns it into the
composite engine's `IndexSpec` (tree: indicators → «<factor>_stat» / «<factor>_srv» blocks → factors → «qol»).
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from aimaq.composite.spec import IndexSpec
from aimaq.errors import SpecError
from aimaq.i18n import _

ROOT = "qol"
RESPONDENT_WEIGHT = "weight"  # the column of survey weights in the respondent frame of the bootstrap
DEFAULT_PIPELINE = [
    {"step": "normalise", "method": "goalposts", "params": {"scale": 10}},
    {"step": "aggregate", "method": "amean", "weights": "spec"},
]


def _load_yaml(text: str) -> Any:
    """yaml.safe_load with libyaml's C loader where available (same result, several times faster)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def specs_dir() -> Path:
    return Path(str(resources.files("aimaq") / "specs" / "rating"))


@dataclass(frozen=True)
class Factor:
    code: str
    name_ru: str
    weight: float
    statistical: tuple[str, ...]
    survey: tuple[str, ...]
    name_kk: str | None = None
    name_en: str | None = None


@dataclass(frozen=True)
class Quadrant:
    quadrant: int
    lower: float | None  # None: everything below the previous quadrant
    name_ru: str


@dataclass
class RatingSpec:
    name: str
    version: str
    year: int
    factors: list[Factor]
    catalogue: dict[str, dict[str, Any]]  # code -> entry (kind: statistical | survey)
    scale: float = 10.0
    threshold: float = 5.0
    block_weights: dict[str, float] = field(default_factory=lambda: {"statistical": 1.0, "survey": 1.0})
    pipeline: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(DEFAULT_PIPELINE))
    uncertainty: dict[str, Any] | None = None
    quadrants: list[Quadrant] = field(default_factory=list)
    riskmap_items: list[str] = field(default_factory=list)
    title: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    # --- queries ---------------------------------------------------------------------------------------------
    @property
    def statistical(self) -> list[str]:
        return [c for f in self.factors for c in f.statistical]

    @property
    def survey(self) -> list[str]:
        return [c for f in self.factors for c in f.survey]

    @property
    def indicators(self) -> list[str]:
        return self.statistical + self.survey

    def factor_of(self, code: str) -> str:
        for f in self.factors:
            if code in f.statistical or code in f.survey:
                return f.code
        raise SpecError(_("{code} is not an indicator of the spec {name} {version}", code=code, name=self.name,
                          version=self.version))

    @property
    def sha256(self) -> str:
        """Hash of the methodology: the spec as read plus the catalogue entries it uses."""
        used = {c: self.catalogue[c] for c in sorted(set(self.indicators) | set(self.riskmap_items))}
        text = json.dumps({"spec": self.raw, "catalogue": used}, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    # --- the composite engine's spec ---------------------------------------------------------------------------
    def index_spec(self) -> IndexSpec:
        inds, aggs = [], []
        for f in self.factors:
            for block, codes in (("stat", f.statistical), ("srv", f.survey)):
                if not codes:
                    continue
                bcode = f"{f.code}_{block}"
                bweight = self.block_weights["statistical" if block == "stat" else "survey"]
                aggs.append({"code": bcode, "name": f"{f.name_ru}: {'статистика' if block == 'stat' else 'опрос'}",
                             "parent": f.code, "weight": bweight})
                for c in codes:
                    e = self.catalogue[c]
                    inds.append({"code": c, "name": e["name_ru"], "parent": bcode, "weight": float(e.get("weight", 1)),
                                 "direction": int(e.get("direction", 1)), "unit": e.get("unit"),
                                 "goalposts": list(e["goalposts"])})
            aggs.append({"code": f.code, "name": f.name_ru, "parent": ROOT, "weight": f.weight})
        aggs.append({"code": ROOT, "name": self.title or "Индекс качества жизни", "parent": None, "weight": 1.0})
        d = {"name": f"{self.name}_{self.year}", "version": self.version, "title": self.title,
             "indicators": inds, "aggregates": aggs, "pipeline": copy.deepcopy(self.pipeline)}
        if self.uncertainty:
            d["uncertainty"] = copy.deepcopy(self.uncertainty)
        return IndexSpec.from_dict(d)

    def node_levels(self) -> dict[str, str]:
        out = {ROOT: "index"}
        for f in self.factors:
            out[f.code] = "factor"
            out[f"{f.code}_stat"] = "block"
            out[f"{f.code}_srv"] = "block"
        return out

    def node_names(self) -> dict[str, str]:
        out = {ROOT: "Итоговый балл"}
        for f in self.factors:
            out[f.code] = f.name_ru
            out[f"{f.code}_stat"] = f"{f.name_ru}: статистика"
            out[f"{f.code}_srv"] = f"{f.name_ru}: опрос"
        return out

    # --- reading -----------------------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, d: dict[str, Any], catalogue: dict[str, dict[str, Any]]) -> RatingSpec:
        problems: list[str] = []
        if not isinstance(d, dict):
            raise SpecError(_("rating spec must be a mapping (key: value)"))
        raw = copy.deepcopy(d)
        try:
            year = int(d["year"])
        except (KeyError, TypeError, ValueError):
            problems.append(_("year: a whole number is required"))
            year = 0
        factors, seen = [], {}
        for i, f in enumerate(d.get("factors") or []):
            if not isinstance(f, dict) or not f.get("code"):
                problems.append(_("factors[{i}]: needs a code", i=i))
                continue
            stat = tuple(str(c) for c in f.get("statistical") or [])
            srv = tuple(str(c) for c in f.get("survey") or [])
            if not stat and not srv:
                problems.append(_("factor {code}: has no indicators", code=f["code"]))
            for c in stat + srv:
                if c in seen:
                    problems.append(_("{code}: in factors {first} and {second}", code=c, first=seen[c], second=f["code"]))
                seen[c] = f["code"]
                if c not in catalogue:
                    problems.append(_("{code} (factor {factor}): not in the catalogue", code=c, factor=f["code"]))
            for c in stat:
                if c in catalogue and catalogue[c]["kind"] != "statistical":
                    problems.append(_("{code}: listed as statistical but is a survey item", code=c))
            for c in srv:
                if c in catalogue and catalogue[c]["kind"] != "survey":
                    problems.append(_("{code}: listed as survey but is a statistical indicator", code=c))
            w = f.get("weight", 1)
            if not isinstance(w, (int, float)) or w < 0:
                problems.append(_("factor {code}: weight must be a number >= 0", code=f["code"]))
            factors.append(Factor(str(f["code"]), str(f.get("name_ru") or f["code"]), float(w), stat, srv,
                                  f.get("name_kk"), f.get("name_en")))
        if not factors:
            problems.append(_("factors: at least one factor is needed"))
        for c, e in catalogue.items():
            if c in seen and e["kind"] == "statistical" and not e.get("goalposts"):
                problems.append(_("{code}: goalposts missing in the catalogue", code=c))
        blocks = {"statistical": 1.0, "survey": 1.0, **(d.get("blocks") or {})}
        rm = d.get("riskmap") or {}
        quadrants = []
        last = None
        for q in rm.get("quadrants") or []:
            lo = q.get("lower")
            if lo is not None and last is not None and lo >= last:
                problems.append(_("riskmap.quadrants: lower bounds must decrease"))
            quadrants.append(Quadrant(int(q["quadrant"]), None if lo is None else float(lo), str(q.get("name_ru", ""))))
            last = lo if lo is not None else last
        if quadrants and quadrants[-1].lower is not None:
            problems.append(_("riskmap.quadrants: the last quadrant must have lower: null"))
        items = rm.get("items", "all")
        if items == "all":
            items = [c for c, e in catalogue.items() if e["kind"] == "survey"]
        bad = [c for c in items if c not in catalogue or catalogue[c]["kind"] != "survey"]
        if bad:
            problems.append(_("riskmap.items: not survey items of the catalogue: {codes}", codes=", ".join(map(str, bad))))
        for inp in (d.get("uncertainty") or {}).get("inputs") or []:
            if isinstance(inp, dict) and inp.get("type") == "bootstrap" and \
                    inp.get("weight", RESPONDENT_WEIGHT) != RESPONDENT_WEIGHT:
                problems.append(_("uncertainty input «{name}»: the survey bootstrap is weighted by the respondents' "
                                  "survey weights, weight: {wanted} (got {got})", name=inp.get("name"),
                                  wanted=RESPONDENT_WEIGHT, got=inp["weight"]))
        if problems:
            raise SpecError.listing(_("invalid rating spec"), problems)
        spec = cls(name=str(d.get("name", "qol")), version=str(d.get("version", year)), year=year, factors=factors,
                   catalogue=catalogue, scale=float(d.get("scale", 10)), threshold=float(d.get("threshold", 5)),
                   block_weights={k: float(v) for k, v in blocks.items()},
                   pipeline=copy.deepcopy(d.get("pipeline") or DEFAULT_PIPELINE), uncertainty=d.get("uncertainty"),
                   quadrants=quadrants, riskmap_items=list(items), title=d.get("title"), raw=raw)
        spec.index_spec()  # validates the tree through the engine
        return spec


def read_catalogue(path: str | Path) -> dict[str, dict[str, Any]]:
    """code -> entry with kind statistical | survey; survey items get goalposts [0, 10] and unit «балл»."""
    path = Path(path)
    if not path.exists():
        raise SpecError(_("rating catalogue not found: {path}", path=path))
    d = _load_yaml(path.read_text(encoding="utf-8")) or {}
    out: dict[str, dict[str, Any]] = {}
    problems = []
    for kind in ("statistical", "survey"):
        for e in d.get(kind) or []:
            c = str(e.get("code", ""))
            if not c or c in out:
                problems.append(_("{kind}: missing or duplicate code «{code}»", kind=kind, code=c))
                continue
            e = dict(e, kind=kind)
            if kind == "survey":
                e.setdefault("goalposts", [0, 10])
                e.setdefault("unit", "балл (0–10)")
                e.setdefault("direction", 1)
            gp = e.get("goalposts")
            if not gp or len(gp) != 2 or gp[1] <= gp[0]:
                problems.append(_("{code}: goalposts must be [lower, upper] with upper > lower", code=c))
            if e.get("direction", 1) not in (1, -1):
                problems.append(_("{code}: direction must be 1 or -1", code=c))
            out[c] = e
    if problems:
        raise SpecError.listing(_("invalid rating catalogue"), problems)
    return out


def load_rating_spec(year_or_path: int | str | Path) -> RatingSpec:
    """The shipped spec of a year (specs/rating/qol_<year>.yaml) or a spec file."""
    if isinstance(year_or_path, int) or (isinstance(year_or_path, str) and year_or_path.isdigit()):
        path = specs_dir() / f"qol_{int(year_or_path)}.yaml"
        if not path.exists():
            have = ", ".join(str(y) for y in available_years())
            raise SpecError(_("no rating spec for {year} (specs for: {years})", year=year_or_path, years=have))
    else:
        path = Path(year_or_path)
        if not path.exists():
            raise SpecError(_("rating spec not found: {path}", path=path))
    try:
        d = _load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(_("{path}: not valid YAML: {error}", path=path, error=exc)) from exc
    catalogue = read_catalogue(path.parent / (d or {}).get("catalogue", "catalogue.yaml"))
    return RatingSpec.from_dict(d, catalogue)


def available_years() -> list[int]:
    return sorted(int(p.stem.split("_")[1]) for p in specs_dir().glob("qol_*.yaml") if p.stem.split("_")[1].isdigit())

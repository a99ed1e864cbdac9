"""The programme KPI spec (YAML): programme → indicator codes, polarity overrides, how rows are matched."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from aimaq.errors import SpecError
from aimaq.errors import UnknownNameError
from aimaq.i18n import _


@dataclass(frozen=True)
class Programme:
    code: str
    name_ru: str
    name_en: str
    match: tuple[dict, ...]
    indicators: dict[str, int | None]          # code -> polarity override (None: the catalogue's)
    roles: dict[str, str]
    extra_roles: dict[str, dict[str, str]]


@dataclass(frozen=True)
class KpiSpec:
    name: str
    version: str
    sha256: str
    drop_keys: tuple[str, ...]
    programmes: tuple[Programme, ...] = field(default_factory=tuple)

    def programme(self, key: str) -> Programme:
        for p in self.programmes:
            if key in (p.code, p.name_ru, p.name_en):
                return p
        raise UnknownNameError("programme", key, [p.code for p in self.programmes])


_ROLES = {"plan", "fact", "target"}


def parse_spec(text: str) -> KpiSpec:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(_("programme spec is not valid YAML: {error}", error=exc)) from exc
    problems = []
    if not isinstance(raw, dict):
        raise SpecError(_("programme spec must be a mapping (key: value)"))
    for key in ("name", "version", "programmes"):
        if key not in raw:
            problems.append(_("missing key «{key}»", key=key))
    default_roles = raw.get("roles") or {"plan": "plan", "fact": "fact", "target": "target"}
    programmes, codes = [], set()
    for i, p in enumerate(raw.get("programmes") or []):
        where = f"programmes[{i}]"
        for key in ("code", "name_ru", "match", "indicators"):
            if key not in p:
                problems.append(_("{where}: missing key «{key}»", where=where, key=key))
        if p.get("code") in codes:
            problems.append(_("{where}: duplicate code «{code}»", where=where, code=p.get("code")))
        codes.add(p.get("code"))
        roles = {str(k): str(v) for k, v in (p.get("roles") or default_roles).items()}
        extra = {str(k): {str(a): str(b) for a, b in v.items()} for k, v in (p.get("extra_roles") or {}).items()}
        for role in list(roles.values()) + [r for v in extra.values() for r in v.values()]:
            if role not in _ROLES:
                problems.append(_("{where}: role «{role}» is not one of {roles}", where=where, role=role,
                                   roles=", ".join(sorted(_ROLES))))
        indicators = {}
        for ind in p.get("indicators") or []:
            pol = ind.get("polarity")
            if pol is not None and pol not in (-1, 1):
                problems.append(_("{where}: polarity of «{code}» must be 1 or -1", where=where, code=ind.get("code")))
            indicators[ind["code"]] = pol
        match = p.get("match") or []
        if not match or not all(isinstance(m, dict) and m for m in match):
            problems.append(_("{where}: match must be a non-empty list of key: value mappings", where=where))
        programmes.append(Programme(str(p.get("code")), str(p.get("name_ru")), str(p.get("name_en", "")),
                                    tuple({str(k): str(v) for k, v in m.items()} for m in match if isinstance(m, dict)),
                                    indicators, roles, extra))
    if problems:
        raise SpecError.listing(_("invalid programme spec"), problems)
    return KpiSpec(str(raw["name"]), str(raw["version"]), hashlib.sha256(text.encode()).hexdigest(),
                   tuple(raw.get("drop_keys") or ()), tuple(programmes))


def load_kpi_spec(path: str | Path | None = None) -> KpiSpec:
    """The shipped spec (specs/programmes/kpi_v1.yaml) or a YAML file."""
    if path is None:
        text = (resources.files("aimaq.specs") / "programmes" / "kpi_v1.yaml").read_text(encoding="utf-8")
    else:
        p = Path(path)
        if not p.exists():
            raise SpecError(_("programme spec {path} does not exist", path=p))
        text = p.read_text(encoding="utf-8")
    return parse_spec(text)

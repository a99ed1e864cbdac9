"""The index spec: an indicator tree of any depth plus the pipeline, read from and written to YAML.

A spec is plain data. `IndexSpec.from_dict` validates it lazily (every problem is reported at once, as one
SpecError) and `to_dict` gives back a dict that `from_dict` accepts, so a spec survives the YAML round trip.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aimaq.errors import SpecError
from aimaq.i18n import _

STEP_NAMES = ("denominate", "impute", "screen", "treat", "transform", "normalise", "aggregate")


@dataclass
class Node:
    """One node of the tree: an indicator (leaf) or an aggregate (factor, sub-index, index)."""

    code: str
    kind: str  # "indicator" | "aggregate"
    parent: str | None = None
    weight: float = 1.0
    name: str | None = None
    # indicators
    direction: int = 1
    unit: str | None = None
    target: float | None = None
    goalposts: list[float] | None = None
    denominator: str | None = None
    scale_factor: float = 1.0
    # per-node overrides of pipeline steps: {"normalise": {...}, "treat": "none" | {...}, "impute": {...}}
    overrides: dict[str, Any] = field(default_factory=dict)
    # aggregates
    aggregation: str | None = None
    aggregation_params: dict[str, Any] = field(default_factory=dict)
    # AHP: pairwise comparisons of the children, {order: [child codes], upper: [[a12, a13, ...], [a23, ...], ...]}
    ahp: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code}
        if self.name is not None:
            d["name"] = self.name
        d["parent"] = self.parent
        d["weight"] = self.weight
        if self.kind == "indicator":
            d["direction"] = self.direction
            for key in ("unit", "target", "goalposts", "denominator"):
                if getattr(self, key) is not None:
                    d[key] = getattr(self, key)
            if self.scale_factor != 1.0:
                d["scale_factor"] = self.scale_factor
        else:
            if self.aggregation is not None:
                d["aggregation"] = self.aggregation
            if self.aggregation_params:
                d["aggregation_params"] = dict(self.aggregation_params)
            if self.ahp is not None:
                d["ahp"] = copy.deepcopy(self.ahp)
        d.update(copy.deepcopy(self.overrides))
        return d


@dataclass
class IndexSpec:
    """An index: the tree (indicators -> aggregates -> ... -> one root) and the ordered pipeline of steps."""

    name: str
    version: int | str
    nodes: dict[str, Node]
    pipeline: list[dict[str, Any]]
    title: str | None = None
    groups: list[str] = field(default_factory=list)
    uncertainty: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # --- tree queries -------------------------------------------------------------------------------------------
    @property
    def indicators(self) -> list[str]:
        return [c for c, n in self.nodes.items() if n.kind == "indicator"]

    @property
    def aggregates(self) -> list[str]:
        """Aggregates ordered bottom-up: by level, then by code (COINr's column order)."""
        lv = self.levels
        return sorted((c for c, n in self.nodes.items() if n.kind == "aggregate"), key=lambda c: (lv[c], c))

    @property
    def root(self) -> str:
        return next(c for c, n in self.nodes.items() if n.parent is None)

    def children(self, code: str) -> list[str]:
        return [c for c, n in self.nodes.items() if n.parent == code]

    @property
    def levels(self) -> dict[str, int]:
        """Indicators are level 1; an aggregate is 1 + the highest level among its children."""
        memo: dict[str, int] = {}

        def level(c: str) -> int:
            if c not in memo:
                kids = self.children(c)
                memo[c] = 1 if not kids else 1 + max(level(k) for k in kids)
            return memo[c]

        for c in self.nodes:
            level(c)
        return memo

    def effective_weights(self, weights: dict[str, float] | None = None) -> dict[str, float]:
        """Each indicator's share of the root: product of its and its ancestors' weights renormalised among siblings."""
        w = {c: n.weight for c, n in self.nodes.items()}
        if weights:
            w.update(weights)
        out = {}
        for ind in self.indicators:
            share, c = 1.0, ind
            while self.nodes[c].parent is not None:
                p = self.nodes[c].parent
                total = sum(w[k] for k in self.children(p))
                share *= w[c] / total if total > 0 else 0.0
                c = p
            out[ind] = share
        return out

    # --- (de)serialisation --------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "version": self.version}
        if self.title is not None:
            d["title"] = self.title
        if self.groups:
            d["groups"] = list(self.groups)
        d["indicators"] = [n.to_dict() for n in self.nodes.values() if n.kind == "indicator"]
        d["aggregates"] = [n.to_dict() for n in self.nodes.values() if n.kind == "aggregate"]
        d["pipeline"] = copy.deepcopy(self.pipeline)
        if self.uncertainty is not None:
            d["uncertainty"] = copy.deepcopy(self.uncertainty)
        d.update(copy.deepcopy(self.extra))
        return d

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=120)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IndexSpec:
        problems: list[str] = []
        if not isinstance(d, dict):
            raise SpecError(_("spec must be a mapping (key: value)"))
        d = copy.deepcopy(d)
        nodes: dict[str, Node] = {}
        known = {"name", "version", "title", "groups", "indicators", "aggregates", "pipeline", "uncertainty"}
        for kind, key in (("indicator", "indicators"), ("aggregate", "aggregates")):
            for i, raw in enumerate(d.get(key) or []):
                where = f"{key}[{i}]"
                if not isinstance(raw, dict) or not raw.get("code"):
                    problems.append(_("{where}: needs a code", where=where))
                    continue
                code = str(raw.pop("code"))
                if code in nodes:
                    problems.append(_("{where}: duplicate code «{code}»", where=where, code=code))
                    continue
                node = Node(code=code, kind=kind)
                node.name = raw.pop("name", None)
                node.parent = raw.pop("parent", None)
                try:
                    node.weight = float(raw.pop("weight", 1.0))
                except (TypeError, ValueError):
                    problems.append(_("{code}: weight must be a number", code=code))
                if not node.weight >= 0:
                    problems.append(_("{code}: weight must be >= 0 (got {weight})", code=code, weight=node.weight))
                for ov in STEP_NAMES:
                    if ov in raw:
                        node.overrides[ov] = raw.pop(ov)
                if kind == "indicator":
                    node.direction = raw.pop("direction", 1)
                    if node.direction not in (1, -1):
                        problems.append(_("{code}: direction must be 1 or -1 (got {direction})", code=code,
                                                   direction=node.direction))
                    node.unit = raw.pop("unit", None)
                    node.target = raw.pop("target", None)
                    node.goalposts = raw.pop("goalposts", None)
                    problem = _goalposts_problem(node.goalposts)
                    if problem:
                        problems.append(f"{code}: {problem}")
                    node.denominator = raw.pop("denominator", None)
                    node.scale_factor = float(raw.pop("scale_factor", 1.0))
                else:
                    node.aggregation = raw.pop("aggregation", None)
                    node.aggregation_params = raw.pop("aggregation_params", {}) or {}
                    node.ahp = raw.pop("ahp", None)
                if raw:
                    problems.append(_("{code}: unknown keys {keys}", code=code, keys=", ".join(sorted(map(str, raw)))))
                nodes[code] = node
        if not nodes:
            problems.append(_("spec has no indicators"))
        roots = [c for c, n in nodes.items() if n.parent is None]
        if len(roots) != 1:
            problems.append(_("the tree needs exactly one root (a node without parent), found: {roots}",
                               roots=", ".join(roots) or "—"))
        for c, n in nodes.items():
            if n.parent is not None:
                if n.parent not in nodes:
                    problems.append(_("{code}: parent «{parent}» is not a node", code=c, parent=n.parent))
                elif nodes[n.parent].kind != "aggregate":
                    problems.append(_("{code}: parent «{parent}» is an indicator", code=c, parent=n.parent))
        for c, n in nodes.items():
            if n.kind == "aggregate" and n.ahp is not None:
                problems += [f"{c}: ahp: {p}" for p in ahp_problems(n.ahp, [k for k, m in nodes.items()
                                                                               if m.parent == c])]
        has_child = {n.parent for n in nodes.values()}
        for c, n in nodes.items():
            if n.kind == "aggregate" and c not in has_child:
                problems.append(_("aggregate {code} has no children", code=c))
        # cycles
        for c in nodes:
            seen, p = {c}, nodes[c].parent
            while p is not None and p in nodes:
                if p in seen:
                    problems.append(_("cycle in the tree through {code}", code=c))
                    break
                seen.add(p)
                p = nodes[p].parent
        pipeline = d.get("pipeline") or []
        for i, st in enumerate(pipeline):
            if not isinstance(st, dict) or st.get("step") not in STEP_NAMES:
                problems.append(_("pipeline[{i}]: step must be one of {steps}", i=i, steps=", ".join(STEP_NAMES)))
        if problems:
            raise SpecError.listing(_("invalid index spec"), problems)
        return cls(
            name=str(d.get("name", "index")),
            version=d.get("version", 1),
            title=d.get("title"),
            groups=list(d.get("groups") or []),
            nodes=nodes,
            pipeline=pipeline,
            uncertainty=d.get("uncertainty"),
            extra={k: v for k, v in d.items() if k not in known},
        )

    @classmethod
    def from_yaml(cls, text_or_path: str | Path) -> IndexSpec:
        """A spec from YAML text or a path (str or Path) to a YAML file."""
        text = read_yaml_source(text_or_path, what="spec")
        try:
            d = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpecError(_("spec is not valid YAML: {error}", error=exc)) from exc
        return cls.from_dict(d)


def _goalposts_problem(gp) -> str | None:
    """None if `gp` is [lower, upper] with upper > lower; either end may be "min" / "max" (fitted on the data)."""
    if gp is None:
        return None
    if not isinstance(gp, (list, tuple)) or len(gp) != 2:
        return _("goalposts must be [lower, upper]")
    lo, hi = gp
    if lo == "max" or hi == "min":
        return _("goalposts: the lower end may be a number or min, the upper a number or max")
    for v in gp:
        if not (v in ("min", "max") or isinstance(v, (int, float)) and not isinstance(v, bool)):
            return _("goalposts: {value} is neither a number nor min/max", value=repr(v))
    if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and hi <= lo:
        return _("goalposts must be [lower, upper] with upper > lower")
    return None


def parse_ratio(v) -> float:
    """A pairwise comparison as YAML writes it: 3, 0.5, "1/3"."""
    if isinstance(v, str) and "/" in v:
        a, b = v.split("/", 1)
        return float(a) / float(b)
    return float(v)


def ahp_problems(ahp, children: list[str]) -> list[str]:
    """What is wrong with an aggregate's `ahp:` section (order = exactly its children; a full upper triangle of
    positive numbers)."""
    if not isinstance(ahp, dict) or set(ahp) - {"order", "upper"} or "upper" not in ahp:
        return [_("needs the keys order (the children) and upper (rows of pairwise comparisons)")]
    order = list(ahp.get("order") or children)
    out = []
    if sorted(order) != sorted(children):
        out.append(_("order {order} must list exactly the children {children}", order=", ".join(map(str, order)),
                     children=", ".join(children)))
    upper = ahp["upper"]
    n = len(order)
    if not isinstance(upper, list) or len(upper) != n - 1:
        return out + [_("upper needs {rows} rows for {n} children", rows=n - 1, n=n)]
    for i, row in enumerate(upper):
        if not isinstance(row, list) or len(row) != n - 1 - i:
            out.append(_("upper row {row} needs {entries} entries", row=i + 1, entries=n - 1 - i))
            continue
        for v in row:
            try:
                ok = parse_ratio(v) > 0
            except (TypeError, ValueError, ZeroDivisionError):
                ok = False
            if not ok:
                out.append(_("upper row {row}: {value} is not a positive number", row=i + 1, value=repr(v)))
    return out


def read_yaml_source(src: str | Path, what: str = "file") -> str:
    """The text of `src`: a Path is read (it must exist); a str is read as a file if it names an existing one, else
    taken as YAML text. Long or multi-line strings never reach the file system ("file name too long")."""
    if isinstance(src, Path):
        if not src.exists():
            raise SpecError(_("file not found: {path}", path=src))
        return src.read_text(encoding="utf-8")
    if not isinstance(src, str):
        raise SpecError(_("{what}: expected a mapping, YAML text or a path, got {kind}", what=what,
                          kind=type(src).__name__))
    looks_like_path = "\n" not in src and len(src) < 4096 and not src.lstrip().startswith(("{", "["))
    if looks_like_path:
        try:
            p = Path(src)
            if p.is_file():
                return p.read_text(encoding="utf-8")
        except (OSError, ValueError):  # too long a name, NUL bytes...
            pass
        if src.strip().lower().endswith((".yaml", ".yml", ".json")):
            raise SpecError(_("file not found: {path}", path=src))
    return src


def load_spec(path: str | Path) -> IndexSpec:
    """Read and validate a YAML spec file."""
    path = Path(path)
    if not path.exists():
        raise SpecError(_("spec file not found: {path}", path=path))
    return IndexSpec.from_yaml(path)

"""CompositeIndex: data frames by stage, the tree and weights, and the ordered log of steps that made them."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from aimaq.composite.data import Data
from aimaq.composite.spec import IndexSpec, read_yaml_source
from aimaq.composite.steps import Step, make_step
from aimaq.errors import ComputationError, SpecError
from aimaq.i18n import _

STAGE_OF_STEP = {"denominate": "Denominated", "impute": "Imputed", "screen": "Screened", "treat": "Treated",
                 "transform": "Transformed", "normalise": "Normalised", "aggregate": "Aggregated"}
LOG_FORMAT = "aimaq.composite.log/1"


@dataclass
class StepRecord:
    """One logged step: its name, its parameters as given, what it fitted, and the stage it wrote."""

    name: str
    params: dict[str, Any]
    fitted: dict[str, Any] = field(default_factory=dict)
    stage: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "stage": self.stage, "params": self.params, "fitted": self.fitted}


class CompositeIndex:
    """A built index. `frames` maps stage name (Raw, Denominated, ..., Aggregated) -> Data; `log` lists the
    StepRecords in order; `steps` the fitted Step objects. Build with `CompositeIndex.build(spec, data)`."""

    def __init__(self, spec: IndexSpec, raw: Data):
        self.spec = spec
        self.frames: dict[str, Data] = {"Raw": raw}
        self.log: list[StepRecord] = []
        self.steps: list[Step] = []
        self.data_source: dict[str, Any] = {}

    # --- building ---------------------------------------------------------------------------------------------
    @classmethod
    def build(cls, spec: IndexSpec, data: Data, pipeline: list[dict] | None = None) -> CompositeIndex:
        """Run the spec's pipeline (or `pipeline`) on `data` (the Raw stage)."""
        ix = cls(spec, data)
        ix.data_source = {"sha256": fingerprint(data)}
        for entry in pipeline if pipeline is not None else spec.pipeline:
            ix.apply(make_step(entry))
        return ix

    def apply(self, step: Step, stage: str | None = None) -> CompositeIndex:
        """Fit `step` on the latest stage, transform, store the new stage and log the step (steps may repeat)."""
        current = self.latest
        out = step.fit_transform(current, self.spec)
        name = stage or STAGE_OF_STEP[step.name]
        if name in self.frames and any(r.stage == name for r in self.log):
            name = f"{name}{sum(r.stage.startswith(name) for r in self.log) + 1}"
        self.frames[name] = out
        self.steps.append(step)
        self.log.append(StepRecord(step.name, step.get_params(), step.get_fitted(), name))
        return self

    @property
    def latest(self) -> Data:
        return self.frames[self.log[-1].stage] if self.log else self.frames["Raw"]

    def stage(self, name: str) -> pl.DataFrame:
        if name not in self.frames:
            raise SpecError(_("no stage «{name}»; stages: {stages}", name=name, stages=", ".join(self.frames)))
        return self.frames[name].to_frame()

    # --- results ----------------------------------------------------------------------------------------------
    def scores(self, code: str | None = None) -> np.ndarray:
        """Values of one node (default: the root) in the last stage holding it."""
        code = code or self.spec.root
        for rec in reversed(self.log):
            d = self.frames[rec.stage]
            if code in d.icodes:
                return d.column(code)
        raise SpecError(_("«{code}» has not been computed; run an aggregate step", code=code))

    def results(self) -> pl.DataFrame:
        """uCode, [Time], Index, Rank (1 = best; ties share the best rank); per year for a panel."""
        from aimaq.composite.kernels import rank_min

        root = self.spec.root
        d = self.latest
        s = self.scores(root)
        if np.isnan(s).any():
            bad = list(d.units[np.isnan(s)])
            raise ComputationError(_("{root} is missing for units {units}: too little data to aggregate; impute or "
                                     "screen them out", root=root, units=", ".join(map(str, bad))))
        ranks = np.empty(len(s))
        for rows in d.year_blocks():
            ranks[rows] = rank_min(s[rows], descending=True)
        cols: dict[str, Any] = {"uCode": [str(u) for u in d.units]}
        if d.is_panel:
            cols["Time"] = [int(y) for y in d.years]
        cols[root] = s
        cols["Rank"] = ranks.astype(int)
        frame = pl.DataFrame(cols)
        return frame.sort((["Time"] if d.is_panel else []) + ["Rank", "uCode"])

    # --- regeneration ------------------------------------------------------------------------------------------
    def regenerate(self, from_step: int | str | None = None, edits: dict[int | str, dict[str, Any]] | None = None,
                   data: Data | None = None, spec: IndexSpec | None = None, refit: bool = True) -> CompositeIndex:
        """Replay the log from `from_step` (index or step name; earlier stages are reused) with optional parameter
        `edits` {step index or name: {param: value}}. By default replays from the first edited step (everything if
        there are no edits); new `data` or `spec` replay everything. Replayed steps refit; with `refit=False` the
        steps that were not edited keep their logged normalisation bounds and aggregation weights (e.g. new data
        normalised with the old base-year bounds). Returns a new index."""
        entries = [dict(step=r.name, **copy.deepcopy(r.params)) for r in self.log]
        for key, change in (edits or {}).items():
            i = self._step_index(key)
            entries[i].update(change)
        if from_step is None:
            start = min(self._step_index(k) for k in edits) if edits else 0
        else:
            start = min([self._step_index(from_step)] + [self._step_index(k) for k in edits or {}])
        if data is not None or spec is not None:
            start = 0
        new = CompositeIndex(spec or self.spec, data if data is not None else self.frames["Raw"])
        new.data_source = dict(self.data_source) if data is None else {"sha256": fingerprint(data)}
        for rec, step in zip(self.log[:start], self.steps[:start]):
            new.frames[rec.stage] = self.frames[rec.stage]
            new.log.append(copy.deepcopy(rec))
            new.steps.append(step)
        edited = {self._step_index(k) for k in edits or {}}
        for i, entry in enumerate(entries[start:], start):
            step = make_step(entry)
            if not refit and i not in edited:
                step.load_fitted(self.log[i].fitted)
            new.apply(step)
        return new

    def _step_index(self, key: int | str) -> int:
        if isinstance(key, int):
            if not 0 <= key < len(self.log):
                raise SpecError(_("no step «{key}»", key=key))
            return key
        for i, r in enumerate(self.log):
            if r.name == key or r.stage == key:
                return i
        raise SpecError(_("no step «{key}» in the log ({steps})", key=key, steps=", ".join(r.name for r in self.log)))

    def with_weights(self, weights: dict[str, float] | str) -> CompositeIndex:
        """The same index re-aggregated with a user's weights (mapping code -> weight, or "equal" / "pca")."""
        return self.regenerate(edits={"aggregate": {"weights": weights}})

    # --- log ------------------------------------------------------------------------------------------------------
    def to_log(self) -> dict[str, Any]:
        """The methodology log: spec, data fingerprint, and every step with parameters and fitted values."""
        return {
            "format": LOG_FORMAT,
            "spec": self.spec.to_dict(),
            "data": dict(self.data_source),
            "steps": [r.to_dict() for r in self.log],
        }

    def log_yaml(self) -> str:
        return yaml.safe_dump(self.to_log(), sort_keys=False, allow_unicode=True, width=120)

    @classmethod
    def from_log(cls, log: dict[str, Any] | str | Path, data: Data, *, refit: bool = False,
                 check_data: bool = True) -> CompositeIndex:
        """Rebuild an index from its log (a dict, YAML text, or a path to a YAML file) and the raw data.

        The data are checked against the logged fingerprint unless `check_data=False` (then the logged bounds and
        weights are applied to other data, e.g. a new year normalised with the published base-year bounds). Unless
        `refit`, the logged normalisation bounds (`bounds_`) and aggregation weights (`weights_`) are replayed as
        they are; the other steps are re-run from their parameters."""
        log = read_log(log)
        if log.get("format") != LOG_FORMAT:
            raise SpecError(_("not an Aimaq composite log (format {format})", format=LOG_FORMAT))
        spec = IndexSpec.from_dict(log["spec"])
        want = (log.get("data") or {}).get("sha256")
        if check_data and want and fingerprint(data) != want:
            raise SpecError(_("the data differ from those the log was made from (fingerprint mismatch)"))
        ix = cls(spec, data)
        for s in log.get("steps") or []:
            step = make_step(dict(step=s["name"], **(s.get("params") or {})))
            if not refit:
                step.load_fitted(s.get("fitted") or {})
            ix.apply(step)
        ix.data_source = dict(log.get("data") or {})
        if want and not check_data and fingerprint(data) != want:
            ix.data_source = {"sha256": fingerprint(data), "fitted_on_sha256": want}
        return ix

    def equals(self, other: CompositeIndex, atol: float = 0.0) -> bool:
        """Same stages, labels and values (NaN equal to NaN), within `atol`."""
        if list(self.frames) != list(other.frames):
            return False
        for k, a in self.frames.items():
            b = other.frames[k]
            if a.icodes != b.icodes or not np.array_equal(a.units, b.units):
                return False
            if not np.allclose(a.X, b.X, atol=atol, rtol=0, equal_nan=True):
                return False
        return [r.to_dict() for r in self.log] == [r.to_dict() for r in other.log]


def read_log(log: dict[str, Any] | str | Path) -> dict[str, Any]:
    """A methodology log as a dict, from a dict, a YAML (or JSON) string, or a path (str or Path) to a YAML file."""
    if isinstance(log, dict):
        return log
    text = read_yaml_source(log, what="log")
    try:
        out = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(_("the log is not valid YAML: {error}", error=exc)) from exc
    if not isinstance(out, dict):
        raise SpecError(_("not an Aimaq composite log (format {format}): neither an existing file nor YAML text",
                          format=LOG_FORMAT))
    return out


def fingerprint(data: Data) -> str:
    """sha256 over the raw data's labels and values (stable across CSV formatting)."""
    h = hashlib.sha256()
    h.update("|".join(map(str, data.units)).encode())
    h.update("|".join(data.icodes).encode())
    if data.years is not None:
        h.update(np.ascontiguousarray(data.years, dtype=np.int64).tobytes())
    h.update(np.ascontiguousarray(np.nan_to_num(data.X, nan=-1.2345e300)).tobytes())
    for k in sorted(data.groups):
        h.update(k.encode() + "|".join(map(str, data.groups[k])).encode())
    for k in sorted(data.denoms):
        h.update(k.encode() + np.ascontiguousarray(np.nan_to_num(data.denoms[k], nan=-1.2345e300)).tobytes())
    return h.hexdigest()

"""Bridges to COINr's formats: an iMeta table -> IndexSpec, and the reference ASEM example."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from aimaq.composite.spec import IndexSpec
from aimaq.errors import SpecError
from aimaq.i18n import _

ASEM_DIR_ENV = "AIMAQ_COINR_ASEM_DIR"


def asem_dir() -> Path:
    """The reference folder: $AIMAQ_COINR_ASEM_DIR, else the copy shipped in aimaq/data/composite/coinr_asem."""
    env = os.environ.get(ASEM_DIR_ENV)
    cands = [Path(env)] if env else []
    here = Path(__file__).resolve()
    cands.append(here.parents[1] / "data" / "composite" / "coinr_asem")  # the copy shipped with the package
    cands += [p / "shared" / "data" / "reference" / "coinr-asem" for p in here.parents]
    cands += [Path.cwd() / ".." / "shared" / "data" / "reference" / "coinr-asem"]
    for c in cands:
        if (c / "ASEM_iMeta.csv").exists():
            return c
    raise SpecError(_("COINr ASEM reference data not found; set $AIMAQ_COINR_ASEM_DIR"))


def spec_from_imeta(imeta: pl.DataFrame, name: str, pipeline: list[dict], title: str | None = None) -> IndexSpec:
    """An IndexSpec from a COINr iMeta table (Level, iCode, iName, Direction, Weight, Unit, Target, Denominator,
    Parent, Type). Group rows become `groups`; denominator rows are only referenced by indicators."""

    def val(row, k):
        v = row.get(k)
        return None if v is None or v == "NA" else v

    inds, aggs, groups = [], [], []
    for row in imeta.iter_rows(named=True):
        typ = row["Type"]
        if typ == "Group":
            groups.append(row["iCode"])
        elif typ == "Indicator":
            d = {"code": row["iCode"], "name": val(row, "iName"), "parent": val(row, "Parent"),
                 "weight": float(row["Weight"]), "direction": int(row["Direction"])}
            for k_src, k_dst in (("Unit", "unit"), ("Target", "target"), ("Denominator", "denominator")):
                v = val(row, k_src)
                if v is not None:
                    d[k_dst] = float(v) if k_dst == "target" else v
            inds.append(d)
        elif typ == "Aggregate":
            aggs.append({"code": row["iCode"], "name": val(row, "iName"), "parent": val(row, "Parent"),
                         "weight": float(row["Weight"])})
    return IndexSpec.from_dict({"name": name, "version": 1, "title": title, "groups": groups,
                                "indicators": inds, "aggregates": aggs, "pipeline": pipeline})


ASEM_PIPELINE = [
    {"step": "denominate"},
    {"step": "impute", "method": "group_mean", "group": "EurAsia_group"},
    {"step": "screen", "by": "na", "threshold": 0.9},
    {"step": "treat", "winmax": 5, "skew_thresh": 2.0, "kurt_thresh": 3.5},
    {"step": "normalise", "method": "minmax", "params": {"range": [0, 100]}},
    {"step": "aggregate", "method": "amean", "weights": "spec"},
]

# COINr vignette's uncertainty analysis on the ASEM example
ASEM_UNCERTAINTY = {
    "n": 1000,
    "seed": 1,
    "sampling": "random",
    "inputs": [
        {"name": "Winmax", "type": "winmax", "values": [1, 2, 3, 4, 5]},
        {"name": "Normalisation", "type": "normalisation", "values": [
            {"method": "minmax", "params": {"range": [1, 100]}},
            {"method": "zscore", "params": {"mean": 10, "sd": 2}}]},
        {"name": "Weights", "type": "weights", "noise": {"2": 0.25, "3": 0.25}},
        {"name": "Aggregation", "type": "aggregation", "values": ["amean", "gmean"]},
    ],
}


def asem_spec_from_reference(folder: Path | None = None) -> IndexSpec:
    folder = folder or asem_dir()
    imeta = pl.read_csv(folder / "ASEM_iMeta.csv", null_values=["NA"], infer_schema_length=1000)
    spec = spec_from_imeta(imeta, "asem", ASEM_PIPELINE,
                           title="ASEM Sustainable Connectivity (COINr example, v1.1.14)")
    spec.uncertainty = ASEM_UNCERTAINTY
    return spec


def asem_spec_path() -> Path:
    return Path(__file__).resolve().parent.parent / "specs" / "composite" / "asem" / "v1.yaml"

"""Classification of monotowns by development potential (pure): the composite engine scores 0–100, the spec's
thresholds give high / medium / low."""

from __future__ import annotations

import polars as pl

from aimaq.composite import CompositeIndex, data_from_frame
from aimaq.errors import ComputationError
from aimaq.monotowns.spec import ClassificationSpec
from aimaq.i18n import _


def classify(values: pl.DataFrame, spec: ClassificationSpec) -> tuple[pl.DataFrame, pl.DataFrame]:
    """values: long (kato, indicator, value) or wide (kato + one column per indicator).
    Returns (classes: kato, score, rank, potential; directions: kato, direction, score)."""
    if "indicator" in values.columns:
        wide = values.pivot(on="indicator", index="kato", values="value", aggregate_function="first")
    else:
        wide = values
    codes = list(spec.index.indicators)
    missing = [c for c in codes if c not in wide.columns]
    if missing:
        raise ComputationError(_("monotown data lack indicators of spec {name} v{version}: {codes}", name=spec.name,
                                 version=spec.version, codes=", ".join(map(str, missing))))
    if wide.height == 0:
        raise ComputationError(_("no monotowns to classify"))
    frame = wide.select(pl.col("kato").alias("uCode"), *codes)
    ix = CompositeIndex.build(spec.index, data_from_frame(frame, codes))
    res = ix.results()
    root = spec.index.root
    classes = res.select(pl.col("uCode").alias("kato"), pl.col(root).alias("score"),
                         pl.col("Rank").cast(pl.Int32).alias("rank")).with_columns(
        potential=pl.when(pl.col("score") >= spec.high).then(pl.lit("high"))
        .when(pl.col("score") >= spec.medium).then(pl.lit("medium")).otherwise(pl.lit("low")))
    units = [str(u) for u in ix.latest.units]     # the order of ix.scores(); results() is sorted by rank
    directions = pl.concat([pl.DataFrame({"kato": units, "direction": d, "score": ix.scores(d)})
                            for d in spec.directions])
    return classes.sort("rank"), directions

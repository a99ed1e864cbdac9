"""Saying so where a figure agrees with the review only because the synthetic inputs were fitted to it (the
rating scores, the risk-map quadrants, coverage by region, the villages' counts and growth): such rows carry
`agreement_note` in words, so nobody reads the agreement as a check of the method."""

from __future__ import annotations

import polars as pl

from aimaq.i18n import N_, _

FITTED_TO_REVIEW = N_("matches by construction: the synthetic data were fitted to the review")


def fitted_note() -> str:
    return _(FITTED_TO_REVIEW)


def with_fitted_note(frame: pl.DataFrame, where: pl.Expr | bool) -> pl.DataFrame:
    """`agreement_note` = the note on the rows where `where` holds and the row is synthetic, else null."""
    condition = pl.lit(where) if isinstance(where, bool) else where
    if "synthetic" in frame.columns:
        condition = condition & pl.col("synthetic")
    return frame.with_columns(pl.when(condition).then(pl.lit(fitted_note())).otherwise(pl.lit(None, pl.String))
                              .alias("agreement_note"))

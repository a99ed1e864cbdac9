"""Text that a spreadsheet would run as a formula (`=HYPERLINK(…)`, `+1+1`, `-2+3`, `@SUM(…)`) is stored as the
text it is, and every export that a spreadsheet may open writes it with a leading apostrophe, so it shows as text."""

from __future__ import annotations

import polars as pl

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(text: str | None) -> str | None:
    """'=1+1' → "'=1+1"; anything else as it is."""
    if text and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def escape_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of a frame, escaped as `escape_formula` does (vectorised)."""
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.Utf8]
    if not texts:
        return frame
    starts = "^[" + "".join("\\" + c if c in "-+" else c for c in "=+-@") + "\t\r]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(starts)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in texts)

"""Problems found in an input file: one row per (file, sheet, row, column, value, reason), built as frames by the
vectorised checks and turned into `Problem` objects only for the few that are shown."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from aimaq.i18n import _, translations, get_language

# How many problems a refusal lists; the rest are counted ("… and N more").
SHOWN_PROBLEMS = 1000

PROBLEM_SCHEMA = {"sheet": pl.Utf8, "row": pl.Int64, "column": pl.Utf8, "value": pl.Utf8, "reason": pl.Utf8,
                  "order": pl.Int64}


@dataclass
class Problem:
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file + (f" [{self.sheet}]" if self.sheet else "")
        if self.row is not None:
            where += ", " + _("row {row}", row=self.row)
        if self.column:
            where += ", " + _("column {column}", column=self.column)
        value = self.value if self.value is None or len(self.value) <= 80 else self.value[:77] + "…"
        shown = " (" + _("value {value!r}", value=value) + ")" if value not in (None, "") else ""
        return f"{where}: {self.reason}{shown}"


_FIELD = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)\}")


def reason_expr(msgid: str, **fields: pl.Expr | str) -> pl.Expr:
    """A translated message as a polars expression: `{field}` placeholders filled from expressions, row by row.
    Mark the msgid with N_() where it is written so that it reaches the catalogue."""
    text = translations(get_language()).gettext(msgid)
    parts: list[pl.Expr] = []
    pos = 0
    for match in _FIELD.finditer(text):
        if match.start() > pos:
            parts.append(pl.lit(text[pos:match.start()]))
        value = fields[match.group(1)]
        parts.append(value.cast(pl.Utf8).fill_null("") if isinstance(value, pl.Expr) else pl.lit(str(value)))
        pos = match.end()
    if pos < len(text):
        parts.append(pl.lit(text[pos:]))
    return pl.concat_str(parts) if parts else pl.lit("")


def problem_frame(frame: pl.DataFrame, mask: pl.Expr, column: pl.Expr, value: pl.Expr, reason: pl.Expr,
                  order: int) -> pl.DataFrame:
    """The rows of `frame` where `mask` holds, as problems; `order` sorts the checks of one row."""
    return frame.filter(mask).select(
        pl.col("sheet").cast(pl.Utf8), pl.col("row").cast(pl.Int64), column.cast(pl.Utf8).alias("column"),
        value.cast(pl.Utf8).alias("value"), reason.cast(pl.Utf8).alias("reason"),
        pl.lit(order, dtype=pl.Int64).alias("order"))


def empty_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


def one_problem(file: str, sheet: str | None, row: int | None, column: str | None, value, reason: str) -> Problem:
    return Problem(file, sheet, row, column, None if value is None else str(value), reason)


def to_problems(file: str, frame: pl.DataFrame, sheet_order: dict | None = None,
                limit: int = SHOWN_PROBLEMS) -> list[Problem]:
    """The first `limit` problems in file order (sheet, row, check)."""
    if frame.is_empty():
        return []
    order = sheet_order or {}
    frame = frame.with_columns(
        pl.col("sheet").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_sheet_order")
    ).sort("_sheet_order", "row", "order", nulls_last=False).head(limit)
    return [Problem(file, s, r, c, v, reason) for s, r, c, v, reason in
            frame.select("sheet", "row", "column", "value", "reason").iter_rows()]

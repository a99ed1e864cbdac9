"""A survey file (the `survey` collection template): one row per respondent — year, respondent_id, city, weight
and one column per survey item with an answer 0–10 (empty: «hard to say») — checked as a whole and turned into
the long answers `repository.replace_survey` stores. Pure apart from reading the file."""

from __future__ import annotations

import polars as pl

from aimaq.i18n import _

BASE_COLUMNS = ("year", "respondent_id", "city", "weight")


def _text(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).str.strip_chars().replace("", None)


def read_survey(path, items: set[str], city_kato) -> tuple[pl.DataFrame, list]:
    """(answers: year, kato, respondent_id, weight, item, answer; problems). `items`: known item codes;
    `city_kato(text) -> KATO or None` resolves a city."""
    from aimaq.ingest.readers import read_sheets
    from aimaq.ingest.validate import Problem, column_letter

    problems: list = []
    parts: list[pl.DataFrame] = []
    for sheet in read_sheets(path):
        header = [h.strip() for h in sheet.header]
        missing = [c for c in BASE_COLUMNS if c not in header]
        if missing:
            problems.append(Problem(str(path), sheet.name, 1, None, ", ".join(header[:6]),
                                    _("missing columns {columns}", columns=", ".join(missing))))
            continue
        unknown = [h for h in header if h and h not in BASE_COLUMNS and h not in items]
        for h in unknown:
            problems.append(Problem(str(path), sheet.name, 1, column_letter(header.index(h)), h,
                                    _("unknown survey item; the items are those of the rating catalogue")))
        answered = [h for h in header if h in items]
        rows = [[rownum, *(cells + [None] * (len(header) - len(cells)))[:len(header)]] for rownum, cells in sheet.rows]
        if not rows:
            continue
        frame = pl.DataFrame(rows, schema=["_row", *[f"c{i}" for i in range(len(header))]], orient="row",
                             infer_schema_length=None)
        col = {h: f"c{i}" for i, h in enumerate(header)}
        frame = frame.with_columns(
            _text(col["year"]).str.replace(r"\.0$", "").cast(pl.Int32, strict=False).alias("year"),
            _text(col["respondent_id"]).str.replace(r"\.0$", "").cast(pl.Int64, strict=False).alias("respondent_id"),
            _text(col["city"]).alias("city"),
            _text(col["weight"]).str.replace(",", ".").cast(pl.Float64, strict=False).alias("weight"),
            *[_text(col[h]).str.replace(r"\.0$", "").alias(h) for h in answered])
        cities = {c: city_kato(c) for c in frame["city"].drop_nulls().unique().to_list()}  # once per city
        frame = frame.with_columns(pl.col("city").replace_strict(cities, default=None, return_dtype=pl.String)
                                   .alias("kato"))

        def check(bad: pl.Expr, header_name: str, reason: str) -> None:
            source = col[header_name]
            for row, value in frame.filter(bad).select("_row", source).iter_rows():
                problems.append(Problem(str(path), sheet.name, row, column_letter(header.index(header_name)),
                                        None if value is None else str(value), reason))

        check(pl.col("year").is_null() | ~pl.col("year").is_between(1990, 2100), "year", _("not a year"))
        check(pl.col("respondent_id").is_null(), "respondent_id", _("not a whole number"))
        check(pl.col("kato").is_null(), "city", _("unknown city"))
        check(pl.col("weight").is_null() | (pl.col("weight") <= 0), "weight", _("not a number greater than 0"))
        check(pl.struct("year", "respondent_id").is_duplicated() & pl.col("respondent_id").is_not_null(),
              "respondent_id", _("the respondent appears twice in the year"))
        long = frame.unpivot(answered, index=["_row", "year", "kato", "respondent_id", "weight"],
                             variable_name="item", value_name="text")
        long = long.with_columns(pl.col("text").cast(pl.Int8, strict=False).alias("answer"))
        wrong = pl.col("text").is_not_null() & (pl.col("answer").is_null() | ~pl.col("answer").is_between(0, 10))
        for row, item, value in long.filter(wrong).select("_row", "item", "text").iter_rows():
            problems.append(Problem(str(path), sheet.name, row, column_letter(header.index(item)), value,
                                    _("an answer is a whole number from 0 to 10, or empty")))
        parts.append(long.select("year", "kato", "respondent_id", "weight", "item", "answer"))
    answers = pl.concat(parts) if parts else pl.DataFrame(schema={"year": pl.Int32, "kato": pl.String,
                                                                 "respondent_id": pl.Int64, "weight": pl.Float64,
                                                                 "item": pl.String, "answer": pl.Int8})
    return answers, problems

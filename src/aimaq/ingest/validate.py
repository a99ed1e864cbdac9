"""Validating a whole file before anything is written: every problem with file, sheet, row, column and reason.

Vectorised: each sheet becomes one frame of candidate observations (one row per value cell), and every check is a
polars expression over the whole frame. Territory names are resolved once per distinct (name, period) and joined
back. Pure: takes read sheets and the catalogue context, returns a frame of records and a frame of problems."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from aimaq.errors import AmbiguousNameError, UnknownNameError
from aimaq.i18n import N_, _
from aimaq.ingest import units
from aimaq.ingest.problems import (Problem, empty_problems, one_problem, problem_frame, reason_expr,
                                   to_problems)
from aimaq.ingest.readers import Sheet, column_letter
from aimaq.territory.names import NameIndex

LONG_COLUMNS = {
    "territory": ["territory", "территория", "регион", "region", "kato", "като", "регион/город", "наименование"],
    "indicator": ["indicator", "показатель", "indicator_code", "код показателя"],
    "period": ["period", "период", "year", "год"],
    "value": ["value", "значение"],
    "unit": ["unit", "единица", "ед. изм.", "единица измерения"],
    "source": ["source", "источник"],
    "breakdown": ["breakdown", "разрез"],
}
# How tables mark a value that is not available: kept as a missing value with its marker as the note, never an error
# and never a number.
MISSING_MARKERS = ["н/д", "нд", "-", "—", "–", "…", "...", "x", "х", "n/a", "na"]

# Periods: a year, a span of years, a quarter, a month, a day. ASCII digits only ([0-9], not \d: a full-width or
# Arabic-Indic digit is refused, not read).
_YEAR = r"^([0-9]{4})$"
_SPAN = r"^([0-9]{4})\s*[-–]\s*([0-9]{4})$"
_QUARTER = r"^([0-9]{4})-?[QqКк]([1-4])$"
_MONTH = r"^([0-9]{4})-([0-9]{2})$"
_DATE = r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$"

# Numbers: only the documented notations 1234, 1 234, 1 234,5, 1234.5, 1234,5 (a leading minus allowed; spaces may
# be ordinary, no-break or narrow no-break). No exponent, no underscore, no other digits.
_GROUP = "[ \u00a0\u202f\u2009]"
_NUMBER = rf"^-?(?:[0-9]+|[0-9]{{1,3}}(?:{_GROUP}[0-9]{{3}})+)(?:[.,][0-9]+)?$"
# `1,234` or `1.234`: thousands or a fraction? For a count it cannot be told apart.
_AMBIGUOUS = r"^-?[0-9]{1,3}[.,][0-9]{3}$"

PROBLEMS_PER_CHECK = 100_000  # a check that fails on more rows keeps this many (the rest is only counted)
SUGGEST_NAMES = 50  # nearest known names are looked up for the first this many distinct unknown names


@dataclass
class Context:
    names: NameIndex
    indicators: pl.DataFrame  # code, unit, min_value, max_value, granularity, kind
    current_year: int = field(default_factory=lambda: dt.date.today().year)

    def indicator_codes(self) -> list[str]:
        return self.indicators["code"].to_list()


@dataclass
class Parsed:
    frame: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=RECORD_SCHEMA))
    problems: list[Problem] = field(default_factory=list)
    layout: str = ""
    total_problems: int = 0

    @property
    def records(self) -> list[dict]:
        """The records as dicts (for small files): kato, indicator, period, value, …, sheet, row, columns."""
        return [{**r, "columns": {"territory": r.pop("territory_col"), "period": r.pop("period_col")}}
                for r in self.frame.to_dicts()]


RECORD_SCHEMA = {"kato": pl.Utf8, "indicator": pl.Utf8, "period": pl.Utf8, "breakdown": pl.Utf8,
                 "value": pl.Float64, "flag": pl.Utf8, "note": pl.Utf8, "source_title": pl.Utf8,
                 "source_id": pl.Int64, "sheet": pl.Utf8, "row": pl.Int64, "territory_col": pl.Utf8,
                 "period_col": pl.Utf8}

# The columns of a frame of candidate observations (what `check_observations` takes). Optional: kato (already
# known), within (a region's KATO to resolve the name in), retro_flag (turns a validity problem into this flag),
# flag, note, source_id.
OBSERVATION_SCHEMA = {"sheet": pl.Utf8, "row": pl.Int64, "territory": pl.Utf8, "indicator": pl.Utf8,
                      "period": pl.Utf8, "value": pl.Utf8, "value_num": pl.Float64, "unit": pl.Utf8,
                      "breakdown": pl.Utf8, "source": pl.Utf8, "territory_col": pl.Utf8, "indicator_col": pl.Utf8,
                      "period_col": pl.Utf8, "value_col": pl.Utf8, "unit_col": pl.Utf8}


def indicator_spec_frame(rows) -> pl.DataFrame:
    """The catalogue's checks per indicator, the unit's default range filling a missing min/max."""
    frame = pl.DataFrame(rows, schema={"code": pl.Utf8, "unit": pl.Utf8, "min_value": pl.Float64,
                                       "max_value": pl.Float64, "granularity": pl.Utf8, "kind": pl.Utf8},
                         orient="row")
    defaults = pl.DataFrame(
        [(u, None if lo is None else float(lo), None if hi is None else float(hi))
         for u, (lo, hi) in units.DEFAULT_RANGE.items()],
        schema={"unit": pl.Utf8, "_lo": pl.Float64, "_hi": pl.Float64}, orient="row")
    return frame.join(defaults, on="unit", how="left").select(
        "code", "unit",
        pl.coalesce(pl.col("min_value"), pl.col("_lo")).alias("min_value"),
        pl.coalesce(pl.col("max_value"), pl.col("_hi")).alias("max_value"),
        pl.col("granularity").fill_null("year").str.split("|").alias("granularity"),
        pl.col("kind").fill_null("observed"),
    )


def parse_number(cell) -> float | None:
    """One cell in a documented notation, or None: the scalar twin of the vectorised value check (for the few
    cells of small tables such as facility inventories)."""
    import math
    import re

    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, (int, float)):
        return float(cell) if math.isfinite(cell) else None
    text = str(cell).strip()
    if not re.match(_NUMBER, text):
        return None
    return float(re.sub(_GROUP, "", text).replace(",", "."))


def _match_columns(header: list[str]) -> dict[str, int]:
    found = {}
    lowered = [h.strip().lower() for h in header]
    for role, names in LONG_COLUMNS.items():
        for i, h in enumerate(lowered):
            if h in names and role not in found:
                found[role] = i
    return found


def is_period(text) -> bool:
    import re

    text = str(text).strip()
    return any(re.match(p, text) for p in (_YEAR, _SPAN, _QUARTER, _MONTH, _DATE))


def detect_layout(sheet: Sheet) -> str:
    cols = _match_columns(sheet.header)
    if {"territory", "indicator", "period", "value"} <= cols.keys():
        return "long"
    if any(is_period(h) for h in sheet.header[1:]):
        return "wide"
    return "unknown"


def _label(sheet: Sheet, i: int | None) -> str | None:
    return None if i is None else f"{column_letter(i)} ({sheet.header[i]})"


def _text(sheet: Sheet, i: int | None) -> pl.Expr:
    return pl.col(f"c{i}") if i is not None else pl.lit(None, dtype=pl.Utf8)


def long_observations(sheet: Sheet) -> pl.DataFrame:
    cols = _match_columns(sheet.header)
    f = sheet.frame
    number = f"n{cols['value']}"
    return f.select(
        pl.lit(sheet.name, dtype=pl.Utf8).alias("sheet"), pl.col("_row").alias("row"),
        _text(sheet, cols["territory"]).alias("territory"), _text(sheet, cols["indicator"]).alias("indicator"),
        _text(sheet, cols["period"]).alias("period"), _text(sheet, cols["value"]).alias("value"),
        (pl.col(number) if number in f.columns else pl.lit(None, dtype=pl.Float64)).alias("value_num"),
        _text(sheet, cols.get("unit")).alias("unit"),
        _text(sheet, cols.get("breakdown")).fill_null("").alias("breakdown"),
        _text(sheet, cols.get("source")).alias("source"),
        *[pl.lit(_label(sheet, cols.get(role)), dtype=pl.Utf8).alias(f"{role}_col")
          for role in ("territory", "indicator", "period", "value", "unit")],
    )


def wide_observations(sheet: Sheet, code: str) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    """One row per non-empty period cell; also the header cells that are neither a period nor the unit."""
    unit_col = next((i for i, h in enumerate(sheet.header) if h.strip().lower() in LONG_COLUMNS["unit"]), None)
    period_cols = [(i, h.strip()) for i, h in enumerate(sheet.header) if i > 0 and is_period(h)]
    stray = [(i, h) for i, h in enumerate(sheet.header) if i > 0 and i != unit_col and h and not is_period(h)]
    f = sheet.frame
    parts = []
    for i, header in period_cols:
        number = f"n{i}"
        parts.append(f.select(
            pl.col("_row").alias("row"), pl.col("c0").alias("territory"),
            pl.lit(header).alias("period"), pl.col(f"c{i}").alias("value"),
            (pl.col(number) if number in f.columns else pl.lit(None, dtype=pl.Float64)).alias("value_num"),
            _text(sheet, unit_col).alias("unit"),
            pl.lit(_label(sheet, i)).alias("period_col"),
        ).filter(pl.col("value").is_not_null() & (pl.col("value").str.strip_chars() != "")))
    if not parts:
        return pl.DataFrame(schema=OBSERVATION_SCHEMA), stray
    frame = pl.concat(parts).with_columns(
        pl.lit(sheet.name, dtype=pl.Utf8).alias("sheet"), pl.lit(code).alias("indicator"),
        pl.lit("").alias("breakdown"), pl.lit(None, dtype=pl.Utf8).alias("source"),
        pl.lit(_label(sheet, 0)).alias("territory_col"), pl.lit(None, dtype=pl.Utf8).alias("indicator_col"),
        pl.col("period_col").alias("value_col"), pl.lit(_label(sheet, unit_col), dtype=pl.Utf8).alias("unit_col"),
    ).sort("row", "period_col")
    return frame.select(list(OBSERVATION_SCHEMA)), stray


def validate_sheets(sheets: list[Sheet], ctx: Context, *, file: str, indicator: str | None = None) -> Parsed:
    """Every sheet's observations checked together (a key repeated across sheets is a duplicate too)."""
    out = Parsed()
    extra: list[Problem] = []
    frames = []
    for sheet in sheets:
        layout = detect_layout(sheet)
        out.layout = layout if not out.layout or out.layout == layout else "mixed"
        if layout == "long":
            frames.append(long_observations(sheet))
        elif layout == "wide":
            code = indicator or (sheet.name if sheet.name and sheet.name in ctx.indicator_codes() else None)
            code = code or _stem_indicator(file, ctx)
            if code is None:
                extra.append(one_problem(file, sheet.name, None, None, sheet.name, _(
                    "wide layout needs its indicator: name the sheet (or file) with the indicator code, "
                    "or pass --indicator CODE")))
                continue
            frame, stray = wide_observations(sheet, code)
            for i, h in stray:
                extra.append(one_problem(file, sheet.name, sheet.header_row, _label(sheet, i), h, _(
                    "column header is not a period (expected e.g. 2023, 2019-2023, 2024-Q1, 2024-06, 2024-06-01)")))
            frames.append(frame)
        else:
            extra.append(one_problem(file, sheet.name, sheet.header_row, None, ", ".join(sheet.header), _(
                "unknown layout: need columns territory, indicator, period, value (long) or territory + period "
                "columns such as 2022, 2023 (wide)")))
    obs = pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame(schema=OBSERVATION_SCHEMA)
    if obs.is_empty() and not extra:
        extra.append(one_problem(file, None, None, None, None, _("no data: the file has a header but no rows")))
    records, problems, total = check_observations(obs, ctx)
    order = {s.name: i for i, s in enumerate(sheets)}
    out.frame = records
    out.total_problems = total + len(extra)
    out.problems = extra + to_problems(file, problems, order)
    return out


def _stem_indicator(file: str, ctx: Context) -> str | None:
    stem = Path(file).stem
    return stem if stem in ctx.indicator_codes() else None


def _period_columns() -> list[pl.Expr]:
    """period text → granularity, start and end dates, canonical text (null where not understood)."""
    p = pl.col("period_text")
    year = p.str.extract(_YEAR, 1).cast(pl.Int32, strict=False)
    span_a = p.str.extract(_SPAN, 1).cast(pl.Int32, strict=False)
    span_b = p.str.extract(_SPAN, 2).cast(pl.Int32, strict=False)
    q_year = p.str.extract(_QUARTER, 1).cast(pl.Int32, strict=False)
    q = p.str.extract(_QUARTER, 2).cast(pl.Int32, strict=False)
    month_start = p.str.extract(_MONTH, 0).str.to_date("%Y-%m", strict=False)
    day = p.str.extract(_DATE, 0).str.to_date("%Y-%m-%d", strict=False)
    q_start = pl.date(q_year, q * 3 - 2, 1)
    start = (pl.when(year.is_not_null()).then(pl.date(year, 1, 1))
             .when(span_a.is_not_null() & (span_b >= span_a)).then(pl.date(span_a, 1, 1))
             .when(q_year.is_not_null()).then(q_start)
             .when(month_start.is_not_null()).then(month_start)
             .otherwise(day))
    end = (pl.when(year.is_not_null()).then(pl.date(year, 12, 31))
           .when(span_a.is_not_null() & (span_b >= span_a)).then(pl.date(span_b, 12, 31))
           .when(q_year.is_not_null()).then(pl.date(q_year, q * 3, 1).dt.month_end())
           .when(month_start.is_not_null()).then(month_start.dt.month_end())
           .otherwise(day))
    gran = (pl.when(year.is_not_null() | (span_a.is_not_null() & (span_b >= span_a))).then(pl.lit("year"))
            .when(q_year.is_not_null()).then(pl.lit("quarter"))
            .when(month_start.is_not_null()).then(pl.lit("month"))
            .when(day.is_not_null()).then(pl.lit("date")))
    canonical = (pl.when(span_a.is_not_null())
                 .then(pl.concat_str(span_a.cast(pl.Utf8), pl.lit("-"), span_b.cast(pl.Utf8)))
                 .when(q_year.is_not_null())
                 .then(pl.concat_str(q_year.cast(pl.Utf8), pl.lit("-Q"), q.cast(pl.Utf8)))
                 .otherwise(p))
    return [gran.alias("p_gran"), start.alias("p_start"), end.alias("p_end"), canonical.alias("p_canon")]


def _resolve_territories(obs: pl.DataFrame, names: NameIndex) -> pl.DataFrame:
    """Each distinct (name, within, period) resolved once: kato, valid_from, valid_to, territory name or error."""
    keys = obs.select("territory_text", "within", "p_start", "p_end").unique()
    keys = keys.filter(pl.col("territory_text").is_not_null() & (pl.col("territory_text") != ""))
    out = {"kato_found": [], "valid_from": [], "valid_to": [], "found_name": [], "territory_error": []}
    suggested = 0
    for name, within, start, end in keys.iter_rows():  # one per distinct name and period, not per row
        at = (start, end) if start is not None else None
        try:
            c = names.resolve(name, at=at, within=within)
            found = (c.kato, c.valid_from, c.valid_to, c.name, None)
        except UnknownNameError as exc:
            hint = ""
            if suggested < SUGGEST_NAMES:
                suggested += 1
                hint = ", ".join(exc.suggestions)
            error = (_("unknown territory; nearest known: {names}", names=hint) if hint
                     else _("unknown territory"))
            found = (None, None, None, None, error)
        except AmbiguousNameError as exc:
            found = (None, None, None, None,
                     _("ambiguous territory: could be {candidates}", candidates=", ".join(exc.candidates)))
        for k, v in zip(out, found):
            out[k].append(v)
    resolved = pl.DataFrame(out, schema={"kato_found": pl.Utf8, "valid_from": pl.Date, "valid_to": pl.Date,
                                         "found_name": pl.Utf8, "territory_error": pl.Utf8})
    return pl.concat([keys, resolved], how="horizontal")


def _suggest_indicators(codes: list[str], ctx: Context) -> pl.DataFrame:
    if codes:  # (rapidfuzz only when there is something to suggest for)
        from rapidfuzz import process

    known = ctx.indicator_codes()
    hints = []
    for i, code in enumerate(codes):
        hits = process.extract(str(code), known, limit=3) if i < SUGGEST_NAMES and code else []
        hints.append(_("unknown indicator; nearest known: {codes}", codes=", ".join(h[0] for h in hits)) if hits
                     else _("unknown indicator"))
    return pl.DataFrame({"indicator_text": codes, "indicator_error": hints},
                        schema={"indicator_text": pl.Utf8, "indicator_error": pl.Utf8})


def _canonical_units(values: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame({"unit_text": values, "unit_canon": [units.canonical(v) for v in values]},
                        schema={"unit_text": pl.Utf8, "unit_canon": pl.Utf8})


def check_observations(obs: pl.DataFrame, ctx: Context) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """(records, problems, number of problems): the rows that pass every check, as records to write; the failures
    as problems (each check keeps at most PROBLEMS_PER_CHECK of them; the number counts all)."""
    if obs.is_empty():
        return pl.DataFrame(schema=RECORD_SCHEMA), empty_problems(), 0
    for name, dtype in {"kato": pl.Utf8, "within": pl.Utf8, "retro_flag": pl.Utf8, "flag": pl.Utf8,
                        "note": pl.Utf8, "source_id": pl.Int64}.items():
        if name not in obs.columns:
            obs = obs.with_columns(pl.lit(None, dtype=dtype).alias(name))
    strip = lambda c: pl.col(c).cast(pl.Utf8).str.strip_chars()  # noqa: E731
    df = obs.with_row_index("_i").with_columns(
        strip("territory").alias("territory_text"), strip("indicator").alias("indicator_text"),
        strip("period").alias("period_text"), strip("value").alias("value_text"), strip("unit").alias("unit_text"),
    ).with_columns(_period_columns())

    # the indicator's spec
    spec = ctx.indicators.rename({"code": "indicator_text"}).rename(
        {c: f"ind_{c}" for c in ctx.indicators.columns if c != "code"})
    df = df.join(spec, on="indicator_text", how="left")
    unknown = df.filter(pl.col("ind_unit").is_null())["indicator_text"].unique(maintain_order=True).to_list()
    df = df.join(_suggest_indicators(unknown, ctx), on="indicator_text", how="left")

    # territories: a KATO given by the caller (shipped files) or a name, resolved once per distinct (name, period)
    df = df.with_columns(pl.coalesce("kato", "territory_text").alias("territory_text"))
    resolved = _resolve_territories(df, ctx.names)
    df = df.join(resolved, on=["territory_text", "within", "p_start", "p_end"], how="left", nulls_equal=True)

    # values
    v = pl.col("value_text")
    marker = v.str.to_lowercase().is_in(MISSING_MARKERS) & pl.col("value_num").is_null()
    notation = v.str.contains(_NUMBER)
    digits = v.str.replace_all(_GROUP, "").str.replace(",", ".", literal=True)
    parsed = pl.when(pl.col("value_num").is_not_null()).then(pl.col("value_num")) \
        .when(notation).then(digits.cast(pl.Float64, strict=False))
    whole_unit = pl.col("ind_unit").is_in(list(units.WHOLE_UNITS))
    df = df.with_columns(marker.alias("is_marker"), parsed.alias("number"),
                         (v.str.contains(_AMBIGUOUS) & pl.col("value_num").is_null()).alias("ambiguous"))
    distinct_units = df["unit_text"].unique().to_list()
    df = df.join(_canonical_units(distinct_units), on="unit_text", how="left", nulls_equal=True)

    period_where, value_where = pl.col("period_col"), pl.col("value_col")
    checks = [
        # (mask, column, value shown, reason, order)
        (pl.col("indicator_error").is_not_null(), pl.col("indicator_col"), pl.col("indicator_text"),
         pl.col("indicator_error"), 1),
        (pl.col("territory_text").is_null() | (pl.col("territory_text") == ""),
         pl.col("territory_col"), pl.col("territory_text"), reason_expr(N_("territory is empty")), 2),
        (pl.col("territory_error").is_not_null(), pl.col("territory_col"), pl.col("territory_text"),
         pl.col("territory_error"), 3),
        (pl.col("p_gran").is_null(), period_where, pl.col("period_text"), reason_expr(N_(
            "period is not a year, a span of years (2019-2023), a quarter (2024-Q1), a month (2024-06) or a date "
            "(2024-06-01)")), 4),
        (pl.col("p_gran").is_not_null() & pl.col("ind_granularity").is_not_null()
         & ~pl.col("ind_granularity").list.contains(pl.col("p_gran")), period_where, pl.col("period_text"),
         reason_expr(N_("indicator {indicator} is given by {allowed}, not by {granularity}"),
                     indicator=pl.col("indicator_text"), allowed=pl.col("ind_granularity").list.join(", "),
                     granularity=pl.col("p_gran")), 5),
        ((pl.col("p_end").dt.year() > ctx.current_year) & pl.col("ind_kind").is_not_null()
         & ~pl.col("ind_kind").is_in(["target", "forecast"]), period_where, pl.col("period_text"),
        reason_expr(N_("period after the current year {year}: only a target or forecast indicator may have one"),
                    year=ctx.current_year), 6),
        (pl.col("kato_found").is_not_null() & pl.col("p_start").is_not_null() & pl.col("retro_flag").is_null()
         & ((pl.col("valid_from") > pl.col("p_end"))
            | (pl.col("valid_to").is_not_null() & (pl.col("valid_to") < pl.col("p_start")))),
         period_where, pl.col("period_text"),
         reason_expr(N_("period outside the validity of {name} ({kato}): valid from {valid_from}{until}"),
                     name=pl.col("found_name"), kato=pl.col("kato_found"), valid_from=pl.col("valid_from"),
                     until=pl.when(pl.col("valid_to").is_not_null())
                     .then(pl.concat_str(pl.lit(" — "), pl.col("valid_to").cast(pl.Utf8))).otherwise(pl.lit(""))),
         7),
        ((v.is_null() | (v == "")) & pl.col("value_num").is_null(), value_where, v,
         reason_expr(N_("value is empty")), 8),
        (pl.col("ambiguous") & whole_unit, value_where, v,
         reason_expr(N_("ambiguous number for a count: write 1234 or 1 234 for thousands, 1234,5 for a fraction")),
         9),
        (v.is_not_null() & (v != "") & ~pl.col("is_marker") & pl.col("number").is_null()
         & pl.col("value_num").is_null(), value_where, v,
         reason_expr(N_("value is not a number in a documented notation (1234, 1 234, 1 234,5, 1234.5, 1234,5)")),
         10),
        (pl.col("number").is_not_null() & ~pl.col("number").is_finite(), value_where, v,
         reason_expr(N_("value is not a finite number")), 11),
        (pl.col("number").is_not_null() & (pl.col("number") == 0) & v.str.starts_with("-")
         & pl.col("value_num").is_null(), value_where, v, reason_expr(N_("negative zero: write 0")), 12),
        (pl.col("number").is_not_null() & pl.col("number").is_finite() & whole_unit & ~pl.col("ambiguous")
         & (pl.col("number") != pl.col("number").round(0)), value_where, v,
         reason_expr(N_("a count must be a whole number ({unit})"), unit=pl.col("ind_unit")), 13),
        (pl.col("number").is_not_null() & pl.col("number").is_finite() & ~pl.col("ambiguous")
         & ((pl.col("number") < pl.col("ind_min_value")) | (pl.col("number") > pl.col("ind_max_value"))
            | (pl.col("number").abs() > units.ANY_MAX)), value_where, v,
         reason_expr(N_("value outside the plausible range {low} … {high} of indicator {indicator} ({unit})"),
                     low=_num("ind_min_value"), high=_num("ind_max_value"),
                     indicator=pl.col("indicator_text"), unit=pl.col("ind_unit")), 14),
        (pl.col("unit_canon").is_not_null() & pl.col("ind_unit").is_not_null()
         & (pl.col("unit_canon") != pl.col("ind_unit")), pl.col("unit_col"), pl.col("unit_text"),
         reason_expr(N_("unit mismatch: indicator {indicator} is in {unit}"), indicator=pl.col("indicator_text"),
                     unit=pl.col("ind_unit")), 15),
    ]
    df = df.with_columns([mask.fill_null(False).alias(f"_m{k}") for k, (mask, *_) in enumerate(checks)])
    problems = [problem_frame(df, pl.col(f"_m{k}"), column, value, reason, order).head(PROBLEMS_PER_CHECK)
                for k, (_mask, column, value, reason, order) in enumerate(checks)]
    counts = df.select([pl.col(f"_m{k}").sum() for k in range(len(checks))]).row(0)
    total = sum(counts)
    # rows that passed every check; a key given twice is a problem of the second row
    any_bad = pl.any_horizontal([pl.col(f"_m{k}") for k in range(len(checks))])
    good = df.filter(~any_bad).with_columns(
        pl.coalesce("kato_found", "kato").alias("kato_final"))
    key = ["kato_final", "indicator_text", "p_canon", "breakdown"]
    good = good.with_columns(pl.col("_i").min().over(key).alias("_first"))
    firsts = good.select(pl.col("_i").alias("_first"), pl.col("row").alias("first_row"),
                         pl.col("sheet").alias("first_sheet"))
    dups = good.filter(pl.col("_i") != pl.col("_first")).join(firsts, on="_first", how="left")
    if dups.height:
        problems.append(problem_frame(
            dups, pl.lit(True), period_where, pl.col("p_canon"),
            reason_expr(N_("duplicate key (territory {kato}, indicator {indicator}, period {period}) already given "
                           "in row {first_row}{of_sheet}"), kato=pl.col("kato_final"),
                        indicator=pl.col("indicator_text"), period=pl.col("p_canon"), first_row=pl.col("first_row"),
                        of_sheet=pl.when(pl.col("first_sheet").is_not_null())
                        .then(pl.concat_str(pl.lit(" "), pl.col("first_sheet"))).otherwise(pl.lit(""))), 16))
        total += dups.height
    all_problems = pl.concat(problems) if problems else empty_problems()
    records = good.filter(pl.col("_i") == pl.col("_first")).select(
        pl.col("kato_final").alias("kato"), pl.col("indicator_text").alias("indicator"),
        pl.col("p_canon").alias("period"), pl.col("breakdown").fill_null(""),
        pl.when(pl.col("is_marker")).then(None).otherwise(pl.col("number").fill_nan(None)).cast(pl.Float64)
        .alias("value"),
        pl.coalesce(pl.when(pl.col("retro_flag").is_not_null()
                            & ((pl.col("valid_from") > pl.col("p_end"))
                               | (pl.col("valid_to").is_not_null() & (pl.col("valid_to") < pl.col("p_start")))))
                    .then(pl.col("retro_flag")), pl.col("flag")).alias("flag"),
        pl.coalesce(pl.col("note"), pl.when(pl.col("is_marker")).then(
            pl.concat_str(pl.lit("published as «"), pl.col("value_text"), pl.lit("» (not available)")))).alias("note"),
        pl.col("source").alias("source_title"), pl.col("source_id"), pl.col("sheet"), pl.col("row"),
        pl.col("territory_col"), pl.col("period_col"),
    ).with_columns(pl.when(pl.col("value") == 0).then(0.0).otherwise(pl.col("value")).alias("value"))  # no -0.0
    return records.cast(RECORD_SCHEMA), all_problems, total


def _num(column: str) -> pl.Expr:
    """A range bound as people write it: 100, not 100.0; «…» for none."""
    x = pl.col(column)
    return (pl.when(x.is_null()).then(pl.lit("…"))
            .when((x == x.round(0)) & (x.abs() < 1e15)).then(x.cast(pl.Int64).cast(pl.Utf8))
            .otherwise(x.cast(pl.Utf8)))

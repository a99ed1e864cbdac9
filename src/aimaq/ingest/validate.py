"""Validating a whole file before anything is written: every problem with file, sheet, row, column and reason.
Pure: takes parsed sheets and the catalogue context, returns records and problems."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from aimaq.errors import AmbiguousNameError, UnknownNameError
from aimaq.ingest import units
from aimaq.ingest.readers import Sheet
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
MISSING_MARKERS = {"н/д", "нд", "-", "—", "–", "…", "...", "x", "х", "n/a", "na"}
_PERIOD = re.compile(r"^(\d{4})(?:\s*[-–]\s*(\d{4}))?$|^(\d{4})-(\d{2})(?:-(\d{2}))?$")


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
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        shown = f" (value {self.value!r})" if self.value not in (None, "") else ""
        return f"{where}: {self.reason}{shown}"


@dataclass
class Context:
    names: NameIndex
    indicators: dict[str, dict]  # code -> row of the indicator table


@dataclass
class Parsed:
    records: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    layout: str = ""


def parse_period(text) -> tuple[dt.date, dt.date] | None:
    """'2023' → the year; '2019-2023' → the span; '2024-06' → the month; '2024-06-01' → the day."""
    text = str(text).strip()
    if isinstance(text, str) and text.endswith(".0"):
        text = text[:-2]
    m = _PERIOD.match(text)
    if not m:
        return None
    try:
        if m.group(1):
            first, last = int(m.group(1)), int(m.group(2) or m.group(1))
            if last < first:
                return None
            return dt.date(first, 1, 1), dt.date(last, 12, 31)
        year, month = int(m.group(3)), int(m.group(4))
        if m.group(5):
            day = dt.date(year, month, int(m.group(5)))
            return day, day
        start = dt.date(year, month, 1)
        end = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
        return start, end
    except ValueError:
        return None


def canonical_period(text) -> str:
    text = str(text).strip()
    text = text[:-2] if text.endswith(".0") else text
    return re.sub(r"\s*[-–]\s*", "-", text) if re.match(r"^\d{4}\s*[-–]\s*\d{4}$", text) else text


def parse_number(cell) -> float | None:
    """Numbers as tables write them: 1 234,5 / 1234.5 / 1 234 (non-breaking spaces too)."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float)):
        return float(cell)
    text = str(cell).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _match_columns(header: list[str]) -> dict[str, int]:
    found = {}
    lowered = [h.strip().lower() for h in header]
    for role, names in LONG_COLUMNS.items():
        for i, h in enumerate(lowered):
            if h in names and role not in found:
                found[role] = i
    return found


def detect_layout(sheet: Sheet) -> str:
    cols = _match_columns(sheet.header)
    if {"territory", "indicator", "period", "value"} <= cols.keys():
        return "long"
    period_cols = [h for h in sheet.header[1:] if parse_period(h)]
    if period_cols:
        return "wide"
    return "unknown"


def validate_sheets(sheets: list[Sheet], ctx: Context, *, file: str, indicator: str | None = None) -> Parsed:
    out = Parsed()
    for sheet in sheets:
        layout = detect_layout(sheet)
        out.layout = layout if not out.layout or out.layout == layout else "mixed"
        if layout == "long":
            _long(sheet, ctx, file, out)
        elif layout == "wide":
            code = indicator or (sheet.name if sheet.name and sheet.name in ctx.indicators else None)
            if code is None:
                code = _stem_indicator(file, ctx)
            if code is None:
                out.problems.append(Problem(file, sheet.name, None, None, sheet.name,
                                            "wide layout needs its indicator: name the sheet (or file) with the "
                                            "indicator code, or pass --indicator CODE"))
                continue
            _wide(sheet, ctx, file, code, out)
        else:
            out.problems.append(Problem(
                file, sheet.name, 1, None, ", ".join(sheet.header),
                "unknown layout: need columns territory, indicator, period, value (long) or territory + period "
                "columns such as 2022, 2023 (wide)"))
    _duplicates(out)
    return out


def _stem_indicator(file: str, ctx: Context) -> str | None:
    from pathlib import Path

    stem = Path(file).stem
    return stem if stem in ctx.indicators else None


def _cell(cells: list, i: int | None):
    if i is None or i >= len(cells):
        return None
    value = cells[i]
    return value.strip() if isinstance(value, str) else value


def _long(sheet: Sheet, ctx: Context, file: str, out: Parsed) -> None:
    cols = _match_columns(sheet.header)

    def col(role):
        i = cols.get(role)
        return None if i is None else f"{column_letter(i)} ({sheet.header[i]})"

    for rownum, cells in sheet.rows:
        problems_before = len(out.problems)
        add = lambda role, value, reason: out.problems.append(  # noqa: E731
            Problem(file, sheet.name, rownum, col(role), None if value is None else str(value), reason))
        code = _cell(cells, cols["indicator"])
        ind = ctx.indicators.get(str(code)) if code not in (None, "") else None
        if ind is None:
            add("indicator", code, "unknown indicator" + _suggest_indicator(code, ctx))
        record = _common(ctx, add, _cell(cells, cols["territory"]), _cell(cells, cols["period"]),
                         _cell(cells, cols["value"]), _cell(cells, cols.get("unit")), ind)
        if record is not None and len(out.problems) == problems_before:
            record.update(file=file, indicator=str(code), breakdown=str(_cell(cells, cols.get("breakdown")) or ""),
                          source=_cell(cells, cols.get("source")), sheet=sheet.name, row=rownum,
                          columns={"territory": col("territory"), "period": col("period")})
            out.records.append(record)


def _wide(sheet: Sheet, ctx: Context, file: str, code: str, out: Parsed) -> None:
    ind = ctx.indicators.get(code)
    if ind is None:
        out.problems.append(Problem(file, sheet.name, None, None, code, "unknown indicator" + _suggest_indicator(code, ctx)))
        return
    unit_col = next((i for i, h in enumerate(sheet.header) if h.strip().lower() in LONG_COLUMNS["unit"]), None)
    period_cols = [(i, h) for i, h in enumerate(sheet.header) if i > 0 and parse_period(h)]
    for i, h in enumerate(sheet.header):
        if i > 0 and i != unit_col and not parse_period(h) and h:
            out.problems.append(Problem(file, sheet.name, 1, f"{column_letter(i)} ({h})", h,
                                        "column header is not a period (expected e.g. 2023, 2019-2023, 2024-06-01)"))
    for rownum, cells in sheet.rows:
        name = _cell(cells, 0)
        unit = _cell(cells, unit_col)
        for i, header in period_cols:
            raw = _cell(cells, i)
            if raw in (None, ""):
                continue  # an empty cell of a wide table is no observation
            before = len(out.problems)
            col = f"{column_letter(i)} ({header})"
            add = lambda role, value, reason, col=col: out.problems.append(  # noqa: E731
                Problem(file, sheet.name, rownum,
                        f"{column_letter(0)} ({sheet.header[0]})" if role == "territory" else
                        (f"{column_letter(unit_col)} (unit)" if role == "unit" else col),
                        None if value is None else str(value), reason))
            record = _common(ctx, add, name, header, raw, unit, ind)
            if record is not None and len(out.problems) == before:
                record.update(file=file, indicator=code, breakdown="", source=None, sheet=sheet.name, row=rownum,
                              columns={"territory": f"{column_letter(0)} ({sheet.header[0]})", "period": col})
                out.records.append(record)


def _common(ctx: Context, add, name, period_text, raw_value, unit, ind, within: str | None = None) -> dict | None:
    """Checks shared by both layouts; reports through `add(role, value, reason)`."""
    period = parse_period(period_text) if period_text not in (None, "") else None
    if period is None:
        add("period", period_text, "period is not a year, a span of years (2019-2023) or a date (2024-06-01)")
    kato = None
    if name in (None, ""):
        add("territory", name, "territory is empty")
    else:
        try:
            cand = ctx.names.resolve(str(name), at=period, within=within)
            kato = cand.kato
            if period and not (cand.valid_from <= period[1] and (cand.valid_to is None or period[0] <= cand.valid_to)):
                until = f" to {cand.valid_to}" if cand.valid_to else ""
                add("period", period_text, f"period outside the validity of {cand.name} ({cand.kato}): "
                                           f"valid from {cand.valid_from}{until}")
        except (UnknownNameError, AmbiguousNameError) as exc:
            add("territory", name, str(exc))
    missing = is_missing_marker(raw_value)
    value = parse_number(raw_value) if raw_value not in (None, "") and not missing else None
    if value is None and not missing:
        add("value", raw_value, "value is empty" if raw_value in (None, "") else "value is not a number")
    if ind is not None:
        given = units.canonical(unit)
        if given is not None and given != ind["unit"]:
            add("unit", unit, f"unit mismatch: indicator {ind['code']} is in {ind['unit']}")
        if value is not None and ind["unit"] in units.PERCENT_UNITS and not 0 <= value <= 100:
            add("value", raw_value, "percentage outside 0–100")
        if value is not None and ind["unit"] in units.COUNT_UNITS and value < 0:
            add("value", raw_value, f"negative count ({ind['unit']})")
    if kato is None or period is None or (value is None and not missing):
        return None
    record = {"kato": kato, "period": canonical_period(period_text), "value": value}
    if missing:
        record["note"] = f"published as «{str(raw_value).strip()}» (not available)"
    return record


def is_missing_marker(cell) -> bool:
    return isinstance(cell, str) and cell.strip().lower() in MISSING_MARKERS


def _suggest_indicator(code, ctx: Context) -> str:
    from rapidfuzz import process

    hits = process.extract(str(code), list(ctx.indicators), limit=3)
    return f"; nearest known: {', '.join(h[0] for h in hits)}" if hits else ""


def _duplicates(out: Parsed) -> None:
    seen: dict[tuple, dict] = {}
    for rec in out.records:
        key = (rec["kato"], rec["indicator"], rec["period"], rec["breakdown"])
        if key in seen:
            first = seen[key]
            where = f"row {first['row']}" + (f" of sheet {first['sheet']}" if first["sheet"] else "")
            out.problems.append(Problem(
                rec.get("file", ""), rec["sheet"], rec["row"], rec["columns"]["period"], rec["period"],
                f"duplicate key (territory {rec['kato']}, indicator {rec['indicator']}, period {rec['period']}) "
                f"already given in {where}"))
        else:
            seen[key] = rec

"""Writers of result tables: CSV, JSON and XLSX (polars `write_excel`, i.e. xlsxwriter).

CSV and JSON keep the stable English column codes (a contract for other tools); XLSX is for people: headings in
the user's language, numbers as numbers with a number format, dates as dates, «да/нет», a frozen header, fitted
columns, and a second sheet that says where the figures come from."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re

import polars as pl

from aimaq.export.headings import heading, is_code_like
from aimaq.export.values import label_values, number_kind
from aimaq.i18n import _, format_bool, get_language
from aimaq.ingest.escape import escape_formulas  # the importer's: one rule for text that looks like a formula

SHEET_NAME_MAX = 31  # Excel's limit


def _tidy_floats(frame: pl.DataFrame) -> pl.DataFrame:
    # 12 significant digits: binary noise (1.2399999999999993) goes, every meaningful digit stays
    floats = [name for name, dtype in frame.schema.items() if dtype in (pl.Float32, pl.Float64)]
    if not floats:
        return frame
    return frame.with_columns(pl.when(pl.col(floats).is_finite()).then(pl.col(floats).round_sig_figs(12))
                              .otherwise(pl.col(floats)).name.keep())


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists and structs become text: CSV and XLSX cells hold one value."""
    nested = [name for name, dtype in frame.schema.items() if isinstance(dtype, (pl.List, pl.Array, pl.Struct))]
    if not nested:
        return frame
    return frame.with_columns(
        pl.col(name).cast(pl.List(pl.String)).list.join("|") if isinstance(frame.schema[name], (pl.List, pl.Array))
        else pl.col(name).struct.json_encode() for name in nested)


def csv_text(frame: pl.DataFrame, *, excel: bool = False) -> str:
    """One header row of column codes. Plain: UTF-8, `,`, decimal point. excel=True: what a Russian-locale Excel
    opens in columns — a byte-order mark, `;` between fields and decimal commas."""
    frame = escape_formulas(_flat(_tidy_floats(frame)))
    if excel:
        return "\ufeff" + frame.write_csv(separator=";", decimal_comma=True)
    return frame.write_csv()


def _plain(value):
    if isinstance(value, float):
        return float(f"{value:.12g}") if math.isfinite(value) else None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def json_text(frame: pl.DataFrame) -> str:
    """A list of records with the column codes; NaN/inf become null (never a silent number)."""
    rows = [{k: _plain(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]
    return json.dumps(rows, ensure_ascii=False, default=str, indent=1) + "\n"


def localise_headings(frame: pl.DataFrame) -> pl.DataFrame:
    """Column codes → headings in the current language; two codes with one heading keep the code beside it."""
    names = [heading(code) for code in frame.columns]
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    unique = [f"{name} ({code})" if seen[name] > 1 else name for name, code in zip(names, frame.columns)]
    return frame.rename(dict(zip(frame.columns, unique)))


def _yes_no(frame: pl.DataFrame) -> pl.DataFrame:
    flags = [name for name, dtype in frame.schema.items() if dtype == pl.Boolean]
    if not flags:
        return frame
    yes, no = format_bool(True), format_bool(False)
    return frame.with_columns(pl.when(pl.col(name)).then(pl.lit(yes)).when(pl.col(name).not_()).then(pl.lit(no))
                              .otherwise(None).alias(name) for name in flags)


def _sheet_name(title: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\']", " ", title).strip()[:SHEET_NAME_MAX] or _("Data")
    base, n = name, 2
    while name.casefold() in {t.casefold() for t in taken}:
        suffix = f" {n}"
        name = base[:SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    taken.add(name)
    return name


def _number_formats(frame: pl.DataFrame) -> dict[str, str]:
    """Per column: a code-like integer (year, rank, id) without thousands separators; other integers grouped;
    decimals shown as far as the column needs them (up to 3)."""
    formats = {}
    for name, dtype in frame.schema.items():
        kind = number_kind(name)
        if dtype.is_integer():
            formats[name] = "0" if is_code_like(name) else "#,##0"
        elif dtype.is_float() and kind == "fraction":
            formats[name] = "0.0%"  # 0.622 stays a number, shown as 62.2%
        elif dtype.is_float() and kind in ("percent", "count"):
            formats[name] = "#,##0.0" if kind == "percent" else "#,##0"
        elif dtype.is_float():
            formats[name] = "#,##0." + "0" * _decimals(frame[name]) if _decimals(frame[name]) else "#,##0"
    return formats


def _decimals(column: pl.Series, most: int = 3) -> int:
    """The fewest decimals (≤ most) that show every value of the column as it is rounded to `most`."""
    values = column.drop_nulls().filter(column.drop_nulls().is_finite()) if column.dtype.is_float() else column
    if values.is_empty():
        return 0
    target = values.round(most)
    for d in range(most):
        if (values.round(d) - target).abs().max() < 10 ** -(most + 1):
            return d
    return most


def _plain_decimals(frame: pl.DataFrame) -> pl.DataFrame:
    """SQL sums come back as decimals: whole ones as integers, others as floats, so they get a number format."""
    decimals = {name: dtype for name, dtype in frame.schema.items() if isinstance(dtype, pl.Decimal)}
    return frame.with_columns(pl.col(name).cast(pl.Int64 if dtype.scale == 0 else pl.Float64)
                              for name, dtype in decimals.items()) if decimals else frame


def _write_sheet(workbook, name: str, frame: pl.DataFrame) -> None:
    frame = _plain_decimals(frame)
    formats = _number_formats(frame)
    shown = localise_headings(escape_formulas(label_values(_yes_no(_flat(_tidy_floats(frame))))))
    renamed = dict(zip(frame.columns, shown.columns))
    shown.write_excel(
        workbook=workbook, worksheet=name, autofit=True, freeze_panes=(1, 0), table_style="Table Style Light 1",
        header_format={"bold": True, "text_wrap": True, "valign": "top"},
        column_formats={renamed[code]: fmt for code, fmt in formats.items()},
        dtype_formats={pl.Date: "dd.mm.yyyy", pl.Datetime: "dd.mm.yyyy hh:mm"})


def provenance_rows(meta: dict | None, frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The sheet «Источники и методика» as two columns (what, value): title, command, when, language, whether
    the data are synthetic, run id, methodology versions, sources, notes."""
    import aimaq

    meta = dict(meta or {})
    synthetic = meta.get("synthetic")
    if synthetic is None:
        synthetic = any(f.schema.get("synthetic") == pl.Boolean and bool(f["synthetic"].any()) for f in frames)
    run_ids = meta.get("run_id")
    if run_ids is None:
        found = sorted({str(v) for f in frames if "run_id" in f.columns for v in f["run_id"].drop_nulls().unique()})
        run_ids = ", ".join(found) or None
    rows: list[tuple[str, str]] = []

    def add(what: str, value) -> None:
        if value not in (None, "", []):
            rows.append((what, str(value)))

    add(_("Table"), meta.get("title"))
    add(_("Command"), meta.get("command"))
    add(_("Created"), dt.datetime.now().strftime("%d.%m.%Y %H:%M"))
    add(_("Language"), get_language())
    add(_("Synthetic data"), format_bool(bool(synthetic)) + (
        " — " + _("figures rest on data generated by a seeded generator, not on official statistics")
        if synthetic else ""))
    add(_("Run"), run_ids)
    for line in meta.get("methodology") or []:
        add(_("Methodology"), line)
    for line in meta.get("sources") or []:
        add(_("Source"), line)
    for line in meta.get("notes") or []:
        add(_("Note"), line)
    add(_("Program"), f"Aimaq {aimaq.__version__}" if hasattr(aimaq, "__version__") else "Aimaq")
    return pl.DataFrame(rows, schema=[_("What"), _("Value")], orient="row")


def xlsx_bytes(sheets: list[tuple[str | None, pl.DataFrame]], meta: dict | None = None) -> bytes:
    """An XLSX workbook: one sheet per (title, frame), then «Источники и методика» from `meta` (title,
    command, methodology, sources, run_id, synthetic, notes; synthetic and run ids default to the frames')."""
    import xlsxwriter

    buffer = io.BytesIO()
    # strings stay strings: never turned into formulas, numbers or links by the writer
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})
    taken: set[str] = set()
    frames = [frame for _title, frame in sheets]
    for i, (title, frame) in enumerate(sheets):
        name = _sheet_name(_("Data") if len(sheets) == 1 or not title else title, taken)
        _write_sheet(workbook, name, frame)
    about = provenance_rows(meta, frames)
    sheet = _sheet_name(_("Sources and methodology"), taken)
    about.write_excel(workbook=workbook, worksheet=sheet, autofit=True, table_style=None, autofilter=False,
                      header_format={"bold": True})
    workbook.get_worksheet_by_name(sheet).set_column(1, 1, 100, workbook.add_format({"text_wrap": True}))
    workbook.close()
    return buffer.getvalue()

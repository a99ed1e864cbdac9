"""Reading CSV and XLSX files into plain sheets: header + rows, each row with its number in the file."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from aimaq.errors import AimaqError


@dataclass
class Sheet:
    name: str | None  # None for a CSV file
    header: list[str]
    rows: list[tuple[int, list]]  # (row number as a spreadsheet shows it, cells)


def read_sheets(path: Path) -> list[Sheet]:
    suffix = path.suffix.lower()
    if not path.exists():
        raise AimaqError(f"{path}: no such file")
    if suffix in (".csv", ".txt", ".tsv"):
        return [_read_csv(path)]
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise AimaqError(f"{path}: unsupported file type {suffix!r}; use CSV or XLSX")


def _read_csv(path: Path) -> Sheet:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AimaqError(f"{path}: not UTF-8 (byte {exc.start}); save the file as UTF-8 CSV") from exc
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    sample = "\n".join(lines[:5])
    delimiter = ";" if sample.count(";") > sample.count(",") else ("\t" if "\t" in sample else ",")
    # row numbers count every physical line, comments included, so they match what an editor shows
    numbered = [(i, line) for i, line in enumerate(text.splitlines(), start=1) if not line.startswith("#")]
    reader = csv.reader(io.StringIO("\n".join(line for _, line in numbered)), delimiter=delimiter)
    records = list(reader)
    if not records:
        raise AimaqError(f"{path}: empty file")
    header = [h.strip() for h in records[0]]
    rows = [(numbered[i][0], cells) for i, cells in enumerate(records[1:], start=1) if any(c.strip() for c in cells)]
    return Sheet(None, header, rows)


def _read_xlsx(path: Path) -> list[Sheet]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds
        raise AimaqError(f"{path}: cannot read as XLSX: {exc}") from exc
    sheets = []
    for ws in book.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            continue
        start = next((i for i, r in enumerate(rows) if any(c is not None and str(c).strip() for c in r)), None)
        if start is None:
            continue
        header = ["" if c is None else str(c).strip() for c in rows[start]]
        if header[0].startswith("#"):  # a sheet that starts with a comment holds notes (a template's instructions)
            continue
        body = [(start + 1 + i, list(r)) for i, r in enumerate(rows[start + 1:], start=1)
                if any(c is not None and str(c).strip() for c in r)]
        sheets.append(Sheet(ws.title, header, body))
    book.close()
    return sheets

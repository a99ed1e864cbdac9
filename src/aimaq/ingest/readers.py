"""Reading CSV and XLSX files into sheets: a header and a frame of cells, each row with its number in the file.

Whatever cannot be read for sure is refused with file, sheet, row, column and reason (ValidationFailed, exit 2):
an encoding other than UTF-8 (naming the one it looks like), a broken or non-XLSX zip, an unterminated quote, a
duplicated or empty header name, a row longer than its header, a field over MAX_FIELD characters, a file over
MAX_FILE_BYTES. Every cell of every sheet is read, whatever the sheet's `<dimension>` tag says (python-calamine)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from aimaq.errors import ValidationFailed
from aimaq.i18n import _

MAX_FIELD = 131_072  # characters in one cell
MAX_FILE_BYTES = int(os.environ.get("AIMAQ_IMPORT_MAX_BYTES", 512 * 1024 * 1024))
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class Sheet:
    name: str | None  # None for a CSV file
    header: list[str]
    frame: pl.DataFrame  # _row (row number as a spreadsheet shows it), c0…cN (cell text), nI (a cell's own number)
    header_row: int = 1

    @property
    def rows(self) -> list[tuple[int, list]]:
        """(row number, cells as text) — for small files such as an indicator catalogue."""
        cols = [f"c{i}" for i in range(len(self.header))]
        return [(r[0], list(r[1:])) for r in self.frame.select("_row", *cols).iter_rows()]


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def refuse(file: str, reason: str, *, sheet: str | None = None, row: int | None = None,
           column: str | None = None, value=None) -> ValidationFailed:
    from aimaq.ingest.problems import one_problem

    return ValidationFailed([one_problem(file, sheet, row, column, value, reason)])


def read_sheets(path: Path, *, shown_name: str | None = None) -> list[Sheet]:
    """Every non-empty sheet of a CSV or XLSX file. `shown_name` is how messages name the file (an upload's own
    name, never a temporary path)."""
    path = Path(path)
    file = shown_name or str(path)
    try:
        return _read_any(path, file)
    except ValidationFailed:
        raise
    except (MemoryError, RecursionError, ValueError, OSError, UnicodeError, csv.Error, pl.exceptions.PolarsError) \
            as exc:  # whatever a file can do to a parser ends as a refusal naming the file, never a traceback
        raise refuse(file, _("cannot read the file ({kind})", kind=type(exc).__name__)) from None


def _read_any(path: Path, file: str) -> list[Sheet]:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise refuse(file, _("no such file"))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise refuse(file, _("file too large: {size} MB, at most {limit} MB", size=size // 2**20,
                             limit=MAX_FILE_BYTES // 2**20))
    if suffix in CSV_SUFFIXES:
        return [_read_csv(path, file)]
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(path, file)
    raise refuse(file, _("unsupported file type {suffix!r}; use CSV or XLSX", suffix=suffix))


def _decode(raw: bytes, file: str) -> str:
    if raw.startswith(b"PK\x03\x04"):
        raise refuse(file, _("this is a zip (an XLSX workbook?), not a CSV file: save it with the .xlsx extension "
                             "or as CSV UTF-8"))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        raise refuse(file, _("the file is in UTF-16 (or another two-byte encoding): save it as CSV UTF-8"))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[:exc.start].count(b"\n") + 1
        try:
            guess = raw.decode("cp1251")
        except UnicodeDecodeError:
            guess = ""
        if any("а" <= ch.lower() <= "я" for ch in guess[:100_000]):
            raise refuse(file, _("the file is in Windows-1251 (cp1251), not UTF-8: save it as CSV UTF-8"),
                         row=row) from None
        raise refuse(file, _("the file is not UTF-8 (byte {offset}): save it as CSV UTF-8", offset=exc.start),
                     row=row) from None


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _read_csv(path: Path, file: str) -> Sheet:
    text = _decode(path.read_bytes(), file)
    if "\x00" in text:
        raise refuse(file, _("the file holds NUL characters: it is not a text table"))
    lines = text.splitlines()
    numbers = [i for i, line in enumerate(lines, start=1) if line.strip() and not line.startswith("#")]
    if not numbers:
        raise refuse(file, _("empty file"))
    kept = [lines[i - 1] for i in numbers]
    delimiter = _delimiter(kept[0])
    csv.field_size_limit(2**31 - 1)  # long fields are read, then refused by name below
    reader = csv.reader(kept, delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        at = numbers[_failing_record_start(kept, delimiter)]
        reason = str(exc)
        if "end of data" in reason or "EOF" in reason or "newline inside string" in reason:
            reason = _("a quote opened here is never closed")
        else:
            reason = _("malformed CSV: {error}", error=reason)
        raise refuse(file, reason, row=at) from None
    if len(records) == len(numbers):  # no field spans lines: each record is one physical line
        rownums = numbers
    else:
        rownums = _record_lines(kept, numbers, delimiter)
    header = [h.strip() for h in records[0]]
    return _sheet(file, None, header, records[1:], rownums[1:], None, header_row=rownums[0])


def _failing_record_start(kept: list[str], delimiter: str) -> int:
    """Index (in `kept`) of the line where the record that fails to parse starts (read once more, on error only)."""
    reader = csv.reader(kept, delimiter=delimiter, strict=True)
    start = 0
    try:
        for _record in reader:
            start = reader.line_num
    except csv.Error:
        pass
    return min(start, len(kept) - 1)


def _record_lines(kept: list[str], numbers: list[int], delimiter: str) -> list[int]:
    """The physical line each record starts on, when some quoted field spans lines (rare: read once more)."""
    out, reader = [], csv.reader(kept, delimiter=delimiter, strict=True)
    start = 0
    for _record in reader:
        out.append(numbers[start])
        start = reader.line_num
    return out


def _sheet(file: str, name: str | None, header: list[str], body: list[list], rownums: list[int],
           numbers: list[list] | None, header_row: int) -> Sheet:
    """Checks shared by CSV and XLSX: header names, row lengths, field sizes; then the cells as a frame."""
    width = len(header)
    columns = list(itertools.zip_longest(*body, fillvalue=None)) if body else [()] * width
    columns += [(None,) * len(body)] * (width - len(columns))
    # an unnamed column is dropped only when it holds nothing (an editor's trailing separators)
    used = [any(c not in (None, "") for c in col) for col in columns]
    while len(header) > 1 and header[-1] == "" and not used[len(header) - 1]:
        header = header[:-1]
    width = len(header)
    for i, h in enumerate(header):
        if h == "":
            raise refuse(file, _("empty column name above data"), sheet=name, row=header_row,
                         column=column_letter(i))
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        key = h.lower()
        if key in seen:
            raise refuse(file, _("column name {name!r} repeated (first in column {first})", name=h,
                                 first=column_letter(seen[key])), sheet=name, row=header_row,
                         column=column_letter(i))
        seen[key] = i
    for i in range(width, len(columns)):  # cells to the right of the last named column
        hit = next((k for k, c in enumerate(columns[i]) if c not in (None, "")), None)
        if hit is not None:
            raise refuse(file, _("a cell beyond the last named column (the row has more cells than the header)"),
                         sheet=name, row=rownums[hit], column=column_letter(i), value=columns[i][hit])
    data = {"_row": pl.Series("_row", rownums, dtype=pl.Int64)}
    for i in range(width):
        series = pl.Series(f"c{i}", columns[i], dtype=pl.Utf8)
        data[f"c{i}"] = series
    frame = pl.DataFrame(data)
    lengths = frame.select([pl.col(f"c{i}").str.len_chars().max().alias(f"c{i}") for i in range(width)]).row(0)
    for i, longest in enumerate(lengths):
        if longest is not None and longest > MAX_FIELD:
            at = frame.filter(pl.col(f"c{i}").str.len_chars() > MAX_FIELD)["_row"][0]
            raise refuse(file, _("cell too long: {length} characters, at most {limit}", length=longest,
                                 limit=MAX_FIELD), sheet=name, row=at, column=f"{column_letter(i)} ({header[i]})")
    if numbers is not None:
        for i in range(width):
            nums = [r[i] if i < len(r) else None for r in numbers]
            if any(n is not None for n in nums):
                frame = frame.with_columns(pl.Series(f"n{i}", nums, dtype=pl.Float64))
    # a row with nothing in it is no row
    frame = frame.with_columns(pl.col(f"c{i}").str.strip_chars().replace("", None).alias(f"_e{i}")
                               for i in range(width))
    frame = frame.filter(pl.any_horizontal(pl.col(f"_e{i}").is_not_null() for i in range(width))) \
        .drop([f"_e{i}" for i in range(width)])
    return Sheet(name, header, frame, header_row)


def _cell_text(value) -> tuple[str | None, float | None]:
    """A spreadsheet cell as text, and its number when the cell holds one (never re-read from text)."""
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    if isinstance(value, (int, float)):
        number = float(value)
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number)), number
        return repr(number), number
    if isinstance(value, dt.datetime):
        return (value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")), None
    if isinstance(value, dt.date):
        return value.isoformat(), None
    return str(value), None


def _read_xlsx(path: Path, file: str) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    raw_head = path.open("rb").read(4)
    if raw_head != b"PK\x03\x04":
        raise refuse(file, _("not an XLSX workbook (an XLSX file is a zip archive): save it as .xlsx or as CSV UTF-8"))
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
    except Exception as exc:  # calamine reports a broken zip or XML in its own words, naming no server path here
        raise refuse(file, _("cannot read the workbook (a damaged or not an XLSX file): {error}",
                             error=_scrub(str(exc), path))) from None
    sheets = []
    for name in names:
        try:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise refuse(file, _("cannot read the sheet: {error}", error=_scrub(str(exc), path)),
                         sheet=name) from None
        start = next((i for i, r in enumerate(rows) if any(c not in (None, "") and str(c).strip() for c in r)), None)
        if start is None:
            continue
        header = [(_cell_text(c)[0] or "").strip() for c in rows[start]]
        if header and header[0].startswith("#"):  # a sheet that starts with a comment holds notes (a template's)
            continue
        body, nums, rownums = [], [], []
        for i, r in enumerate(rows[start + 1:], start=start + 2):
            cells = [_cell_text(c) for c in r]
            body.append([t for t, _n in cells])
            nums.append([n for _t, n in cells])
            rownums.append(i)
        sheets.append(_sheet(file, name, header, body, rownums, nums, header_row=start + 1))
    if not sheets:
        raise refuse(file, _("empty workbook: no sheet holds a table"))
    return sheets


def _scrub(message: str, path: Path) -> str:
    """A library's message without the server's path of the file."""
    for text in (str(path), str(path.parent), path.name):
        message = message.replace(text, "…")
    return message[:300]

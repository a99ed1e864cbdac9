"""Reading CSV and XLSX files into sheets: a header and a frame of cells, each row with its number in the file.

Whatever cannot be read for sure is refused with file, sheet, row, column and reason (ValidationFailed, exit 2):
an encoding other than UTF-8 (naming the one it looks like), a broken or non-XLSX zip, an unterminated quote, a
duplicated or empty header name, a row longer than its header, a field over MAX_FIELD characters, a file over
MAX_FILE_BYTES. Every cell of every sheet is read, whatever the sheet's `<dimension>` tag says (python-calamine)."""

from __future__ import annotations

import csv
import datetime as dt
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
    raw = path.read_bytes()
    text = _decode(raw, file)
    if "\x00" in text:
        raise refuse(file, _("the file holds NUL characters: it is not a text table"))
    first = next((line for line in text.splitlines() if line.strip() and not line.startswith("#")), None)
    if first is None:
        raise refuse(file, _("empty file"))
    delimiter = _delimiter(first)
    fast = _fast_csv(text, delimiter)
    if fast is not None:
        cells, rownums = fast
    else:
        cells, rownums = _strict_csv(text, delimiter, file)
    first_row = list(cells.row(0))
    while first_row and first_row[-1] is None:  # padding of the strict reader: fields the header does not have
        first_row.pop()
    header = [("" if h is None else h).strip() for h in first_row]
    return _sheet(file, None, header, cells.slice(1), rownums[1:], None, header_row=rownums[0])


def _fast_csv(text: str, delimiter: str) -> tuple[pl.DataFrame, list[int]] | None:
    """polars' parser, when the file is plain: it refuses malformed quoting and ragged rows itself, and a field
    spanning lines (where its row numbers would drift) sends the file to the strict reader instead."""
    data = text.encode("utf-8")
    try:
        cells = pl.read_csv(data, has_header=False, infer_schema=False, separator=delimiter, quote_char='"',
                            comment_prefix="#", truncate_ragged_lines=False, raise_if_empty=True)
    except (pl.exceptions.PolarsError, ValueError, OverflowError):
        return None
    if cells.select(pl.any_horizontal(pl.all().str.contains("[\r\n]").any())).item():
        return None
    # physical line numbers of the records: every line but comments (a blank line is an empty record, dropped later)
    if len(data) < 1 << 20:  # a small file: not worth importing numpy for
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        numbers = [i for i, line in enumerate(lines, start=1) if not line.startswith("#")]
    else:
        import numpy as np

        buffer = np.frombuffer(data, dtype=np.uint8)
        starts = np.concatenate(([0], np.flatnonzero(buffer == 10) + 1))
        starts = starts[starts < len(buffer)]
        numbers = (np.flatnonzero(buffer[starts] != ord("#")) + 1).tolist()
    if len(numbers) != cells.height:
        return None
    return cells.rename({c: f"f{i}" for i, c in enumerate(cells.columns)}), numbers


def _strict_csv(text: str, delimiter: str, file: str) -> tuple[pl.DataFrame, list[int]]:
    """Python's csv module in strict mode: exact errors (an unclosed quote, a stray one) and the line each record
    starts on, fields spanning lines included."""
    lines = text.splitlines()
    numbers = [i for i, line in enumerate(lines, start=1) if not line.startswith("#")]
    kept = [lines[i - 1] for i in numbers]
    csv.field_size_limit(2**31 - 1)  # long fields are read, then refused by name
    reader = csv.reader(kept, delimiter=delimiter, strict=True)
    records, starts = [], []
    try:
        start = 0
        for record in reader:
            records.append(record)
            starts.append(numbers[start])
            start = reader.line_num
    except csv.Error as exc:
        at = numbers[min(start, len(numbers) - 1)]
        reason = str(exc)
        if "end of data" in reason or "EOF" in reason or "newline inside string" in reason:
            reason = _("a quote opened here is never closed")
        else:
            reason = _("malformed CSV: {error}", error=reason)
        raise refuse(file, reason, row=at) from None
    columns = list(itertools.zip_longest(*records, fillvalue=None))
    cells = pl.DataFrame({f"f{i}": pl.Series(col, dtype=pl.Utf8) for i, col in enumerate(columns)})
    return cells, starts


def _sheet(file: str, name: str | None, header: list[str], cells: pl.DataFrame, rownums: list[int],
           numbers: pl.DataFrame | None, header_row: int) -> Sheet:
    """Checks shared by CSV and XLSX: header names, row lengths, field sizes. `cells` has a text column f0…fK per
    position (beyond the header too); `numbers` n0…nK holds a spreadsheet cell's own number."""
    filled = cells.select(pl.col(c).str.strip_chars().replace("", None).is_not_null().any() for c in cells.columns).row(0) \
        if cells.height else (False,) * cells.width
    # an unnamed column is dropped only when it holds nothing (an editor's trailing separators)
    while len(header) > 1 and header[-1] == "" and not filled[len(header) - 1]:
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
    rows = pl.Series("_row", rownums, dtype=pl.Int64)
    for i in range(width, cells.width):  # cells to the right of the last named column
        if filled[i]:
            at = cells.with_columns(rows).filter(pl.col(f"f{i}").str.strip_chars() != "").row(0, named=True)
            raise refuse(file, _("a cell beyond the last named column (the row has more cells than the header)"),
                         sheet=name, row=at["_row"], column=column_letter(i), value=at[f"f{i}"])
    frame = cells.select([pl.col(f"f{i}").alias(f"c{i}") if i < cells.width else
                          pl.lit(None, dtype=pl.Utf8).alias(f"c{i}") for i in range(width)]).with_columns(rows)
    if width and frame.height:
        lengths = frame.select(pl.col(f"c{i}").str.len_chars().max() for i in range(width)).row(0)
        for i, longest in enumerate(lengths):
            if longest is not None and longest > MAX_FIELD:
                at = frame.filter(pl.col(f"c{i}").str.len_chars() > MAX_FIELD)["_row"][0]
                raise refuse(file, _("cell too long: {length} characters, at most {limit}", length=longest,
                                     limit=MAX_FIELD), sheet=name, row=at, column=f"{column_letter(i)} ({header[i]})")
    if numbers is not None:
        frame = frame.with_columns(numbers.select(f"n{i}" for i in range(min(width, numbers.width))
                                                  if numbers[f"n{i}"].is_not_null().any()))
    # a row with nothing in it is no row
    empty = pl.all_horizontal(pl.col(f"c{i}").str.strip_chars().replace("", None).is_null() for i in range(width))
    return Sheet(name, header, frame.filter(~empty), header_row)


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
        body = rows[start + 1:]
        width = max((len(r) for r in body), default=len(header))
        texts: list[list] = [[] for _ in range(width)]
        nums: list[list] = [[] for _ in range(width)]
        for r in body:
            for i in range(width):
                t, n = _cell_text(r[i] if i < len(r) else None)
                texts[i].append(t)
                nums[i].append(n)
        cells = pl.DataFrame({f"f{i}": pl.Series(col, dtype=pl.Utf8) for i, col in enumerate(texts)})
        numbers = pl.DataFrame({f"n{i}": pl.Series(col, dtype=pl.Float64) for i, col in enumerate(nums)})
        rownums = list(range(start + 2, start + 2 + len(body)))
        sheets.append(_sheet(file, name, header, cells, rownums, numbers, header_row=start + 1))
    if not sheets:
        raise refuse(file, _("empty workbook: no sheet holds a table"))
    return sheets


def _scrub(message: str, path: Path) -> str:
    """A library's message without the server's path of the file."""
    for text in (str(path), str(path.parent), path.name):
        message = message.replace(text, "…")
    return message[:300]

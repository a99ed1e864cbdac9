"""An upload through the web: the importer's own validation, then the user's region check, then the importer's
own write — all-or-nothing, as `aimaq import`. The batch records who loaded it (table import_user)."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import duckdb

from aimaq.errors import AimaqError, ValidationFailed
from aimaq.ingest.readers import read_sheets
from aimaq.ingest.service import ImportResult, load_context, write_frame
from aimaq.ingest.validate import Parsed, Problem, validate_sheets
from aimaq.web.users import User

OUTSIDE = "за пределами вашего региона / outside your region"


def outside_region(parsed: Parsed, user: User, file: str) -> list[Problem]:
    """One problem per (sheet, row, column) whose territory lies outside the akimat's region (KATO prefix)."""
    prefix = user.region_prefix
    if prefix is None:
        return []
    problems, seen = [], set()
    for rec in parsed.records:
        if rec["kato"].startswith(prefix):
            continue
        column = rec.get("columns", {}).get("territory")
        key = (rec.get("sheet"), rec.get("row"), column)
        if key in seen:
            continue
        seen.add(key)
        problems.append(Problem(file, rec.get("sheet"), rec.get("row"), column, rec["kato"], OUTSIDE))
    return problems


def import_upload(con: duckdb.DuckDBPyConnection, user: User, filename: str, data: bytes, *,
                  dry_run: bool = False) -> ImportResult:
    """Validate the uploaded file in full, check every row's territory against the user's region, then write (unless
    `dry_run`). Raises ValidationFailed with every problem; then nothing is written."""
    name = Path(filename or "upload.csv").name  # never a client's directory
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        raise AimaqError(f"{name}: unsupported file type {suffix!r}; use CSV or XLSX")
    with tempfile.TemporaryDirectory(prefix="aimaq-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"  # the client's name may be too long for the file system
        path.write_bytes(data)
        sheets = read_sheets(path, shown_name=name)  # messages name the user's file, never the temporary path
    # the problems name the file as the user knows it; a wide table's indicator may still come from its stem
    parsed = validate_sheets(sheets, load_context(con), file=name)
    problems = [*parsed.problems, *outside_region(parsed, user, name)]
    if problems:
        problems.sort(key=lambda p: (p.sheet or "", p.row if p.row is not None else -1))
        raise ValidationFailed(problems, parsed.total_problems + len(problems) - len(parsed.problems))
    result = write_frame(con, parsed.frame, file=name, layout=parsed.layout, dry_run=dry_run,
                           source={"publisher": user.name, "title": f"Загрузка через веб: {name}"},
                           sha256=hashlib.sha256(data).hexdigest(),
                           also=lambda con, import_id: con.execute(
                               "INSERT INTO import_user (import_id, user_name) VALUES (?, ?)", [import_id, user.name]))
    return result

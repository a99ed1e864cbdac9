"""An upload through the web: the importer's own validation, then the user's region check, then — all-or-nothing,
as `aimaq import` — a pending batch for an akimat (the ministry approves it) or the importer's own write for the
ministry. The batch records who loaded it (table import_user) and the audit log says so."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from aimaq.errors import AimaqError, ValidationFailed
from aimaq.ingest.readers import read_sheets
from aimaq.ingest.service import load_context, write_frame
from aimaq.ingest.validate import Parsed, Problem, validate_sheets
from aimaq.web.users import User
from aimaq.i18n import _

OUTSIDE = "за пределами вашего региона / outside your region"


def outside_region(parsed: Parsed, user: User, file: str) -> list[Problem]:
    """One problem per (sheet, row, column) whose territory lies outside the akimat's region (KATO prefix)."""
    import polars as pl

    prefix = user.region_prefix
    if prefix is None or parsed.frame.is_empty():
        return []
    outside = (parsed.frame.filter(~pl.col("kato").str.starts_with(prefix))
               .unique(["sheet", "row", "territory_col"], keep="first", maintain_order=True))
    return [Problem(file, r["sheet"], r["row"], r["territory_col"], r["kato"], OUTSIDE)
            for r in outside.select("sheet", "row", "territory_col", "kato").iter_rows(named=True)]


def import_upload(con, user: User, filename: str, data: bytes, *, dry_run: bool = False,
                  ip: str | None = None) -> dict:
    """Validate the uploaded file in full, check every row's territory against the user's region, then store it
    (unless `dry_run`): an akimat's as a pending batch, the ministry's at once. Raises ValidationFailed with every
    problem; then nothing is written."""
    from aimaq.store import audit
    from aimaq.store.batches import stage_batch

    name = Path(filename or "upload.csv").name  # never a client's directory
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        raise AimaqError(_("{name}: unsupported file type «{suffix}»; use CSV or XLSX", name=name, suffix=suffix))
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
    sha256 = hashlib.sha256(data).hexdigest()
    source = {"publisher": user.name, "title": f"Загрузка через веб: {name}"}
    common = {"dry_run": dry_run, "file": name, "layout": parsed.layout, "user": user.name}
    if user.role == "akimat" and not dry_run:
        staged = stage_batch(con, parsed.frame, file=name, layout=parsed.layout, sha256=sha256, user=user,
                             source=source, ip=ip)
        return {**staged, "import_id": None, **common}

    def record_user(con, import_id):
        con.execute("INSERT INTO import_user (import_id, user_name) VALUES (?, ?)", [import_id, user.name])
        audit.record(con, "upload", user=user, obj=f"batch:{import_id}", ip=ip,
                     new={"file": name, "rows": parsed.frame.height, "status": "approved"})

    result = write_frame(con, parsed.frame, file=name, layout=parsed.layout, dry_run=dry_run, source=source,
                         sha256=sha256, also=record_user)
    return {"status": "checked" if dry_run else "approved", "batch": result.import_id, "added": result.added,
            "revised": result.revised, "unchanged": result.unchanged, "import_id": result.import_id, **common}

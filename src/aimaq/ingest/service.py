"""`aimaq import`: read → validate the whole file → write all of it in one transaction, or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from aimaq.errors import ValidationFailed
from aimaq.ingest.readers import read_sheets
from aimaq.ingest.validate import Context, Parsed, validate_sheets
from aimaq.territory.repository import load_name_index
from aimaq.store.db import transaction


@dataclass
class ImportResult:
    file: str
    layout: str
    added: int
    revised: int
    unchanged: int
    dry_run: bool
    import_id: int | None
    changes: pl.DataFrame  # kato, indicator, period, breakdown, old_value, new_value, revision, action


def load_context(con: duckdb.DuckDBPyConnection) -> Context:
    indicators = {r[0]: {"code": r[0], "unit": r[1]} for r in con.execute("SELECT code, unit FROM indicator").fetchall()}
    return Context(names=load_name_index(con), indicators=indicators)


def validate_file(con: duckdb.DuckDBPyConnection, path: Path, *, indicator: str | None = None,
                  context: Context | None = None) -> Parsed:
    sheets = read_sheets(path)
    return validate_sheets(sheets, context or load_context(con), file=str(path), indicator=indicator)


def import_file(con: duckdb.DuckDBPyConnection, path: str | Path, *, dry_run: bool = False,
                indicator: str | None = None, source: dict | None = None, synthetic: bool = False,
                context: Context | None = None) -> ImportResult:
    """Import a CSV/XLSX file. Raises ValidationFailed (listing every problem) and writes nothing if any row fails."""
    path = Path(path)
    parsed = validate_file(con, path, indicator=indicator, context=context)
    if parsed.problems:
        raise ValidationFailed(parsed.problems)
    return write_records(con, parsed.records, file=str(path), layout=parsed.layout, dry_run=dry_run,
                         source=source, synthetic=synthetic, sha256=hashlib.sha256(path.read_bytes()).hexdigest())


def write_records(con: duckdb.DuckDBPyConnection, records: list[dict], *, file: str, layout: str,
                  dry_run: bool = False, source: dict | None = None, synthetic: bool = False,
                  sha256: str | None = None, also=None) -> ImportResult:
    """Append records as new observations or revisions; an unchanged value adds nothing. `also(con, import_id)`
    runs inside the same transaction (e.g. to record who imported), so the batch and it land together or not."""
    frame = pl.DataFrame(
        {"kato": [r["kato"] for r in records], "indicator": [r["indicator"] for r in records],
         "period": [r["period"] for r in records], "breakdown": [r.get("breakdown") or "" for r in records],
         "value": [r["value"] for r in records], "flag": [r.get("flag") for r in records],
         "note": [r.get("note") for r in records], "source_title": [r.get("source") for r in records],
         "source_id": [r.get("source_id") for r in records]},
        schema={"kato": pl.Utf8, "indicator": pl.Utf8, "period": pl.Utf8, "breakdown": pl.Utf8, "value": pl.Float64,
                "flag": pl.Utf8, "note": pl.Utf8, "source_title": pl.Utf8, "source_id": pl.Int64})
    con.register("_incoming", frame.to_arrow())
    try:
        changes = con.execute("""
            SELECT i.*, l.value AS old_value, l.flag AS old_flag, coalesce(l.revision, 0) AS old_revision,
                   CASE WHEN l.revision IS NULL THEN 'added'
                        WHEN l.value IS NOT DISTINCT FROM i.value AND l.flag IS NOT DISTINCT FROM i.flag
                             THEN 'unchanged' ELSE 'revised' END AS action
            FROM _incoming i LEFT JOIN observation_latest l
              ON l.kato = i.kato AND l.indicator = i.indicator AND l.period = i.period AND l.breakdown = i.breakdown
        """).pl()
        counts = {a: int((changes["action"] == a).sum()) for a in ("added", "revised", "unchanged")}
        import_id = None
        if not dry_run:
            with transaction(con):
                source_id = _source_id(con, source) if source else None
                import_id = con.execute(
                    "INSERT INTO import_batch (file, sha256, layout, loaded_at, rows_added, rows_revised, rows_unchanged)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING import_id",
                    [file, sha256, layout, dt.datetime.now(), counts["added"], counts["revised"], counts["unchanged"]],
                ).fetchone()[0]
                con.register("_changes", changes.filter(pl.col("action") != "unchanged").to_arrow())
                con.execute("""
                    INSERT INTO observation (kato, indicator, period, breakdown, value, revision, source_id, import_id,
                                             loaded_at, synthetic, flag, note)
                    SELECT kato, indicator, period, breakdown, value, old_revision + 1,
                           coalesce(c.source_id,
                                    (SELECT min(source_id) FROM source s WHERE s.title = c.source_title), ?),
                           ?, now(), ?, flag, note
                    FROM _changes c""", [source_id, import_id, synthetic])
                con.unregister("_changes")
                if also is not None:
                    also(con, import_id)
    finally:
        con.unregister("_incoming")
    return ImportResult(file, layout, counts["added"], counts["revised"], counts["unchanged"], dry_run, import_id,
                        changes.select("kato", "indicator", "period", "breakdown", "old_value", "value", "action"))


def _source_id(con: duckdb.DuckDBPyConnection, source: dict) -> int:
    publisher, title, place = source.get("publisher", "пользователь"), source["title"], source.get("place")
    row = con.execute("SELECT source_id FROM source WHERE publisher = ? AND title = ? AND place IS NOT DISTINCT FROM ?",
                      [publisher, title, place]).fetchone()
    if row:
        return row[0]
    return con.execute(
        "INSERT INTO source (publisher, title, date, place, licence, url) VALUES (?, ?, ?, ?, ?, ?) RETURNING source_id",
        [publisher, title, source.get("date"), place, source.get("licence"), source.get("url")]).fetchone()[0]

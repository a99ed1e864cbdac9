"""`aimaq import`: read → validate the whole file → write all of it in one transaction, or nothing.

The file is read and validated before the database is opened for writing (the catalogue comes from a read-only
connection closed at once), so the write lock is held only for the write. Revision numbers and the added / revised /
unchanged counts are computed inside the write transaction, and writers of one process take turns, so two imports
at once both land, in order."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from aimaq.errors import ValidationFailed
from aimaq.ingest.readers import read_sheets
from aimaq.ingest.validate import RECORD_SCHEMA, Context, Parsed, indicator_spec_frame, validate_sheets
from aimaq.store.db import transaction
from aimaq.i18n import _

SPEC_COLUMNS = ("min_value", "max_value", "granularity", "kind")
CONFLICT_RETRIES = 5


@dataclass
class ImportResult:
    file: str
    layout: str
    added: int
    revised: int
    unchanged: int
    dry_run: bool
    import_id: int | None
    changes: pl.DataFrame  # kato, indicator, period, breakdown, old_value, value, action


def load_context(con: duckdb.DuckDBPyConnection) -> Context:
    """The territory names and the indicator catalogue with its checks (defaults where an older database lacks
    the spec columns: a read-only connection does not migrate)."""
    from aimaq.territory.repository import load_name_index

    have = {d[0] for d in con.execute("SELECT * FROM indicator LIMIT 0").description}  # (information_schema: slower)
    select = ", ".join(["code", "unit", *(c if c in have else f"NULL AS {c}" for c in SPEC_COLUMNS)])
    rows = con.execute(f"SELECT {select} FROM indicator").fetchall()
    return Context(names=load_name_index(con), indicators=indicator_spec_frame(rows))


def read_context(db_path: str | Path) -> Context:
    """The validation context from a read-only connection, closed at once (waits while another process writes)."""
    from aimaq.store.locking import connect_when_free

    con = connect_when_free(db_path, read_only=True)  # a missing database is an error: `aimaq init` makes one
    try:
        return load_context(con)
    finally:
        con.close()


def validate_file(con: duckdb.DuckDBPyConnection | None, path: Path, *, indicator: str | None = None,
                  context: Context | None = None, shown_name: str | None = None) -> Parsed:
    sheets = read_sheets(path, shown_name=shown_name)
    return validate_sheets(sheets, context or load_context(con), file=shown_name or str(path), indicator=indicator)


def _checked(parsed: Parsed) -> Parsed:
    if parsed.problems:
        raise ValidationFailed(parsed.problems, parsed.total_problems)
    return parsed


def import_file(con: duckdb.DuckDBPyConnection, path: str | Path, *, dry_run: bool = False,
                indicator: str | None = None, source: dict | None = None, synthetic: bool = False,
                context: Context | None = None) -> ImportResult:
    """Import a CSV/XLSX file over an open connection. Raises ValidationFailed (listing the problems) and writes
    nothing if any row fails."""
    path = Path(path)
    parsed = _checked(validate_file(con, path, indicator=indicator, context=context))
    return write_frame(con, parsed.frame, file=str(path), layout=parsed.layout, dry_run=dry_run, source=source,
                       synthetic=synthetic, sha256=_sha256(path))


def import_path(db_path: str | Path, path: str | Path, *, dry_run: bool = False, indicator: str | None = None,
                source: dict | None = None, context: Context | None = None,
                lock_timeout: float | None = None) -> ImportResult:
    """The CLI's import: read and validate with no write lock; open the database for writing only to write (never
    for a dry run)."""
    from aimaq.store.locking import connect_when_free

    path = Path(path)
    sheets = read_sheets(path)
    ctx = context or read_context(db_path)
    parsed = _checked(validate_sheets(sheets, ctx, file=str(path), indicator=indicator))
    con = connect_when_free(db_path, read_only=dry_run, timeout=lock_timeout)
    try:
        return write_frame(con, parsed.frame, file=str(path), layout=parsed.layout, dry_run=dry_run, source=source,
                           sha256=_sha256(path))
    finally:
        con.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def records_frame(records: list[dict]) -> pl.DataFrame:
    """Records as dicts (generators of other jobs, small uploads) → the frame `write_frame` takes."""
    columns = {name: [r.get(key) for r in records] for name, key in
               (("kato", "kato"), ("indicator", "indicator"), ("period", "period"), ("breakdown", "breakdown"),
                ("value", "value"), ("flag", "flag"), ("note", "note"), ("source_title", "source"),
                ("source_id", "source_id"))}
    columns["breakdown"] = [b or "" for b in columns["breakdown"]]
    schema = {k: RECORD_SCHEMA[k] for k in columns}
    return pl.DataFrame(columns, schema=schema)


def write_records(con: duckdb.DuckDBPyConnection, records: list[dict], *, file: str, layout: str,
                  dry_run: bool = False, source: dict | None = None, synthetic: bool = False,
                  sha256: str | None = None, also=None) -> ImportResult:
    """`write_frame` for records given as dicts (kato, indicator, period, value[, breakdown, flag, note, source,
    source_id])."""
    return write_frame(con, records_frame(records), file=file, layout=layout, dry_run=dry_run, source=source,
                       synthetic=synthetic, sha256=sha256, also=also)


_WRITERS: dict[str, threading.Lock] = {}
_WRITERS_GUARD = threading.Lock()


@contextlib.contextmanager
def _one_writer(con: duckdb.DuckDBPyConnection):
    """Writers of one database in one process take turns (threads of a server, two imports at once)."""
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    key = (path[0] if path and path[0] else f"memory:{id(con)}")
    with _WRITERS_GUARD:
        lock = _WRITERS.setdefault(key, threading.Lock())
    with lock:
        yield


@contextlib.contextmanager
def _parquet(frame: pl.DataFrame):
    """The frame as SQL text that reads it: `read_parquet('…')` of a temporary file. (Registering Arrow data makes
    DuckDB import pandas — half a second of a one-row import; Parquet is as fast and imports nothing.)"""
    with tempfile.TemporaryDirectory(prefix="aimaq-import-") as folder:
        path = Path(folder) / "incoming.parquet"
        frame.write_parquet(path, statistics=False)
        yield "read_parquet('" + str(path).replace("'", "''") + "')"


_CHANGES_SQL = """
    SELECT i.kato, i.indicator, i.period, i.breakdown, l.value AS old_value, i.value, i.flag, i.note,
           i.source_title, i.source_id, coalesce(l.revision, 0) AS old_revision,
           CASE WHEN l.revision IS NULL THEN 'added'
                WHEN l.value IS NOT DISTINCT FROM i.value AND l.flag IS NOT DISTINCT FROM i.flag
                     THEN 'unchanged' ELSE 'revised' END AS action
    FROM {incoming} i LEFT JOIN (
        SELECT o.kato, o.indicator, o.period, o.breakdown, o.value, o.flag, o.revision
        FROM observation o SEMI JOIN {incoming} k
          ON k.kato = o.kato AND k.indicator = o.indicator AND k.period = o.period AND k.breakdown = o.breakdown
        QUALIFY row_number() OVER (PARTITION BY o.kato, o.indicator, o.period, o.breakdown
                                   ORDER BY o.revision DESC) = 1) l
      ON l.kato = i.kato AND l.indicator = i.indicator AND l.period = i.period AND l.breakdown = i.breakdown"""


def write_frame(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, *, file: str, layout: str,
                dry_run: bool = False, source: dict | None = None, synthetic: bool = False,
                sha256: str | None = None, also=None) -> ImportResult:
    """Append records as new observations or revisions; an unchanged value adds nothing. Revisions and counts are
    computed inside the transaction that writes them. `also(con, import_id)` runs inside the same transaction (e.g.
    to record who imported), so the batch and it land together or not at all."""
    incoming = frame.select(
        "kato", "indicator", "period", pl.col("breakdown").fill_null(""), "value", "flag", "note", "source_title",
        "source_id").cast({"value": pl.Float64, "source_id": pl.Int64})
    repeated = incoming.filter(pl.struct("kato", "indicator", "period", "breakdown").is_duplicated())
    if repeated.height:  # a key twice in one batch would get one revision twice (a caller's bug, never written)
        from aimaq.errors import AimaqError

        first = repeated.row(0, named=True)
        raise AimaqError(_("{file}: a key is given twice in one batch: {key}", file=file,
                           key=f"{first['kato']}, {first['indicator']}, {first['period']}, {first['breakdown']!r}"))
    with _parquet(incoming) as source_sql:
        changes_sql = _CHANGES_SQL.format(incoming=source_sql)
        if dry_run:
            return _result(file, layout, query_frame(con, changes_sql), True, None)
        with _one_writer(con):
            for attempt in range(CONFLICT_RETRIES):
                try:
                    with transaction(con):
                        _writers_take_turns(con)
                        con.execute(f"CREATE OR REPLACE TEMP TABLE _changes AS {changes_sql}")
                        changes = query_frame(con, "SELECT * FROM _changes")
                        import_id = _write(con, changes, file=file, layout=layout, source=source,
                                           synthetic=synthetic, sha256=sha256)
                        if also is not None:
                            also(con, import_id)
                        con.execute("DROP TABLE _changes")
                    break
                except duckdb.TransactionException:  # another writer got there first: recount and retry
                    if attempt == CONFLICT_RETRIES - 1:
                        raise
    return _result(file, layout, changes, False, import_id)


def _writers_take_turns(con) -> None:
    """PostgreSQL: an import of another process waits here until this transaction ends (a table lock that conflicts
    with itself, never with readers), so the latest revisions read next are final until COMMIT. DuckDB needs
    nothing: one process writes a file, and its writers take turns (`_one_writer`)."""
    from aimaq.store.db import ServerConnection

    if isinstance(con, ServerConnection):
        con.run_on_server("LOCK TABLE observation IN SHARE ROW EXCLUSIVE MODE")


def query_frame(con, sql: str) -> pl.DataFrame:
    """A query's result as a polars frame through the Arrow C stream (`.pl()` imports pyarrow: 0.4 s of a
    one-row import)."""
    return pl.DataFrame(con.sql(sql))


def sql_literal(value) -> str:
    """A value written into SQL text. (Binding any parameter makes DuckDB import pandas, half a second of a
    one-row import; the few values of a batch row are written as literals instead.)"""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    return "'" + str(value).replace("'", "''") + "'"


def _write(con, changes: pl.DataFrame, *, file, layout, source, synthetic, sha256) -> int:
    """The batch and its new rows; `_changes` (a temporary table of this transaction) holds every key's action."""
    counts = _counts(changes)
    source_id = _source_id(con, source) if source else None
    values = ", ".join(sql_literal(v) for v in (file, sha256, layout, dt.datetime.now(), counts["added"],
                                                  counts["revised"], counts["unchanged"]))
    import_id = con.execute(
        "INSERT INTO import_batch (file, sha256, layout, loaded_at, rows_added, rows_revised, rows_unchanged)"
        f" VALUES ({values}) RETURNING import_id").fetchone()[0]
    con.execute(f"""
        INSERT INTO observation (kato, indicator, period, breakdown, value, revision, source_id, import_id,
                                 loaded_at, synthetic, flag, note)
        SELECT c.kato, c.indicator, c.period, c.breakdown, c.value, c.old_revision + 1,
               coalesce(c.source_id, s.source_id, {sql_literal(source_id)}), {sql_literal(import_id)}, now(),
               {sql_literal(bool(synthetic))}, c.flag, c.note
        FROM _changes c
        LEFT JOIN (SELECT title, min(source_id) AS source_id FROM source GROUP BY title) s
          ON s.title = c.source_title
        WHERE c.action <> 'unchanged'""")
    return import_id


def _counts(changes: pl.DataFrame) -> dict[str, int]:
    got = dict(changes.group_by("action").len().iter_rows())
    return {a: int(got.get(a, 0)) for a in ("added", "revised", "unchanged")}


def _result(file, layout, changes: pl.DataFrame, dry_run: bool, import_id) -> ImportResult:
    counts = _counts(changes)
    return ImportResult(file, layout, counts["added"], counts["revised"], counts["unchanged"], dry_run, import_id,
                        changes.select("kato", "indicator", "period", "breakdown", "old_value", "value", "action"))


def _source_id(con: duckdb.DuckDBPyConnection, source: dict) -> int:
    publisher, title, place = source.get("publisher", "пользователь"), source["title"], source.get("place")
    row = con.execute(f"SELECT source_id FROM source WHERE publisher = {sql_literal(publisher)} AND "
                      f"title = {sql_literal(title)} AND place IS NOT DISTINCT FROM {sql_literal(place)}").fetchone()
    if row:
        return row[0]
    values = ", ".join(sql_literal(v) for v in (publisher, title, source.get("date"), place, source.get("licence"),
                                                  source.get("url")))
    return con.execute(f"INSERT INTO source (publisher, title, date, place, licence, url) VALUES ({values}) "
                       "RETURNING source_id").fetchone()[0]

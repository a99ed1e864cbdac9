"""Approval of uploaded batches, as in DHIS2: an akimat's upload is stored as a pending batch (its rows in
pending_observation, invisible to every read of observation/observation_latest); the ministry approves it — its
rows become new revisions, numbered against the values current at approval — or rejects it with a reason. An
analyst's correction of one value is a batch of one row, approved at once. Every step writes its audit entry in
the same transaction."""

from __future__ import annotations

import datetime as dt

import polars as pl

from aimaq.errors import AimaqError
from aimaq.store import audit
from aimaq.i18n import _
from aimaq.store.db import transaction, where_clause

STATUSES = ("pending", "approved", "rejected")


class BatchNotFound(AimaqError):
    exit_code = 3


class BatchStateError(AimaqError):
    """The batch is not pending (already approved or rejected)."""


def _frame(records) -> pl.DataFrame:
    """The rows to stage: a validated frame (the importer's `Parsed.frame`) or a list of record dicts."""
    columns = ["kato", "indicator", "period", "breakdown", "value", "flag", "note"]
    if isinstance(records, pl.DataFrame):
        frame = records
        for name in columns:
            if name not in frame.columns:
                frame = frame.with_columns(pl.lit(None, dtype=pl.Float64 if name == "value" else pl.Utf8).alias(name))
        return frame.select(columns).with_columns(pl.col("breakdown").fill_null(""))
    return pl.DataFrame(
        {"kato": [r["kato"] for r in records], "indicator": [r["indicator"] for r in records],
         "period": [r["period"] for r in records], "breakdown": [r.get("breakdown") or "" for r in records],
         "value": [r["value"] for r in records], "flag": [r.get("flag") for r in records],
         "note": [r.get("note") for r in records]},
        schema={"kato": pl.Utf8, "indicator": pl.Utf8, "period": pl.Utf8, "breakdown": pl.Utf8, "value": pl.Float64,
                "flag": pl.Utf8, "note": pl.Utf8})


# the difference of a batch's rows against the values current now: one SQL for counting, showing and approving
_DIFF = """
    SELECT p.kato, p.indicator, p.period, p.breakdown, l.value AS old_value, p.value AS new_value,
           coalesce(l.revision, 0) AS old_revision, p.flag, p.note, p.source_id,
           CASE WHEN l.revision IS NULL THEN 'added'
                WHEN l.value IS NOT DISTINCT FROM p.value AND l.flag IS NOT DISTINCT FROM p.flag THEN 'unchanged'
                ELSE 'revised' END AS action
    FROM pending_observation p LEFT JOIN observation_latest l
      ON l.kato = p.kato AND l.indicator = p.indicator AND l.period = p.period AND l.breakdown = p.breakdown
    WHERE p.import_id = ?"""


def _counts(con, batch: int) -> dict:
    rows = con.execute(f"SELECT action, count(*) FROM ({_DIFF}) GROUP BY action", [batch]).fetchall()
    found = dict(rows)
    return {a: int(found.get(a, 0)) for a in ("added", "revised", "unchanged")}


def stage_batch(con, records, *, file: str, layout: str, sha256: str | None, user,
                source: dict | None = None, ip: str | None = None) -> dict:
    """Store validated records as a pending batch; returns {"batch", "status", "added", "revised", "unchanged"}
    counted against the current values."""
    from aimaq.ingest.service import _source_id

    frame = _frame(records)
    with transaction(con):
        source_id = _source_id(con, source) if source else None
        batch = con.execute(
            "INSERT INTO import_batch (file, sha256, layout, loaded_at, rows_added, rows_revised, rows_unchanged, "
            "status) VALUES (?, ?, ?, ?, 0, 0, 0, 'pending') RETURNING import_id",
            [file, sha256, layout, dt.datetime.now()]).fetchone()[0]
        con.register("_pending", frame.to_arrow())
        try:
            con.execute("INSERT INTO pending_observation (import_id, kato, indicator, period, breakdown, value, "
                        "source_id, flag, note) SELECT ?, kato, indicator, period, breakdown, value, ?, flag, note "
                        "FROM _pending", [batch, source_id])
        finally:
            con.unregister("_pending")
        counts = _counts(con, batch)
        con.execute("UPDATE import_batch SET rows_added = ?, rows_revised = ?, rows_unchanged = ? WHERE import_id = ?",
                    [counts["added"], counts["revised"], counts["unchanged"], batch])
        con.execute("INSERT INTO import_user (import_id, user_name) VALUES (?, ?)", [batch, user.name])
        audit.record(con, "upload", user=user, obj=f"batch:{batch}", ip=ip,
                     new={"file": file, "rows": frame.height, "status": "pending", **counts})
    return {"batch": batch, "status": "pending", **counts}


def list_batches(con, status: str | None = None, region_prefix: str | None = None) -> pl.DataFrame:
    """Batches with who loaded them and their counts; `region_prefix` keeps an akimat's own (by its user's region)."""
    if status is not None and status not in STATUSES:
        from aimaq.i18n import _

        raise AimaqError(_("Batch status must be one of {choices}, not {status!r}", choices=", ".join(STATUSES),
                           status=status))
    clause, params = where_clause([
        ("coalesce(b.status, 'approved') = ?", status),
        ("u.user_name IN (SELECT name FROM web_account WHERE starts_with(region_kato, ?))", region_prefix)])
    return con.execute(f"""
        SELECT b.import_id AS batch, coalesce(b.status, 'approved') AS status, b.file, u.user_name AS loaded_by,
               b.loaded_at, b.rows_added, b.rows_revised, b.rows_unchanged,
               (SELECT count(*) FROM pending_observation p WHERE p.import_id = b.import_id) AS rows_pending,
               b.decided_by, b.decided_at, b.reason
        FROM import_batch b LEFT JOIN import_user u USING (import_id) {clause}
        ORDER BY b.import_id""", params).pl()


def get_batch(con, batch: int) -> dict:
    frame = list_batches(con).filter(pl.col("batch") == batch)
    if frame.is_empty():
        raise BatchNotFound(_("No batch {batch}", batch=batch))
    return frame.row(0, named=True)


def batch_diff(con, batch: int) -> pl.DataFrame:
    """A pending batch's rows beside the current values (old_value NULL: a new key)."""
    get_batch(con, batch)
    return con.execute(f"""
        SELECT d.kato, (SELECT any_value(t.name_ru ORDER BY t.valid_from DESC) FROM territory t WHERE t.kato = d.kato)
                   AS territory,
               d.indicator, d.period, d.breakdown, d.old_value, d.new_value, d.action
        FROM ({_DIFF}) d ORDER BY d.kato, d.indicator, d.period, d.breakdown""", [batch]).pl()


def _pending(con, batch: int) -> dict:
    found = get_batch(con, batch)
    if found["status"] != "pending":
        raise BatchStateError(_("batch {batch} is {status}, not pending", batch=batch, status=_(found["status"])))
    return found


def approve_batch(con, batch: int, *, user=None, ip: str | None = None) -> dict:
    """The batch's rows become the latest revisions (unchanged values add nothing); one transaction. Writers of one
    process take turns with the importer's (its lock), so revisions are numbered against committed values."""
    from aimaq.ingest.service import _one_writer

    with _one_writer(con), transaction(con):
        _pending(con, batch)
        counts = _counts(con, batch)
        con.execute(f"""
            INSERT INTO observation (kato, indicator, period, breakdown, value, revision, source_id, import_id,
                                     loaded_at, synthetic, flag, note)
            SELECT kato, indicator, period, breakdown, new_value, old_revision + 1, source_id, ?, ?, FALSE, flag, note
            FROM ({_DIFF}) WHERE action <> 'unchanged'""", [batch, dt.datetime.now(), batch])
        who = user.name if user is not None else "cli"
        con.execute("UPDATE import_batch SET status = 'approved', decided_by = ?, decided_at = ?, rows_added = ?, "
                    "rows_revised = ?, rows_unchanged = ? WHERE import_id = ?",
                    [who, dt.datetime.now(), counts["added"], counts["revised"], counts["unchanged"], batch])
        audit.record(con, "approve", user=user, obj=f"batch:{batch}", ip=ip, old={"status": "pending"},
                     new={"status": "approved", **counts})
    return {"batch": batch, "status": "approved", **counts}


def reject_batch(con, batch: int, reason: str, *, user=None, ip: str | None = None) -> dict:
    reason = (reason or "").strip()
    if not reason:
        raise AimaqError(_("a rejection needs a reason"))
    with transaction(con):
        _pending(con, batch)
        who = user.name if user is not None else "cli"
        con.execute("UPDATE import_batch SET status = 'rejected', decided_by = ?, decided_at = ?, reason = ? "
                    "WHERE import_id = ?", [who, dt.datetime.now(), reason, batch])
        audit.record(con, "reject", user=user, obj=f"batch:{batch}", ip=ip, old={"status": "pending"},
                     new={"status": "rejected"}, reason=reason)
    return {"batch": batch, "status": "rejected", "reason": reason}


def correct_value(con, *, kato: str, indicator: str, period: str, breakdown: str = "", value: float | None,
                  reason: str, user=None, ip: str | None = None) -> dict:
    """An analyst's correction of one current value: a new revision with the reason, approved at once."""
    from aimaq.ingest.service import write_records

    reason = (reason or "").strip()
    if not reason:
        raise AimaqError(_("a correction needs a reason"))
    old = con.execute("SELECT value, revision FROM observation_latest WHERE kato = ? AND indicator = ? AND period = ? "
                      "AND breakdown = ?", [kato, indicator, period, breakdown or ""]).fetchone()
    if old is None:
        raise AimaqError(_("no current value for {key}: nothing to correct (new data comes through an import)",
                           key=f"{kato}/{indicator}/{period}/{breakdown or '-'}"))
    key = f"observation:{kato}/{indicator}/{period}/{breakdown or ''}"
    who = user.name if user is not None else "cli"
    result = write_records(
        con, [{"kato": kato, "indicator": indicator, "period": period, "breakdown": breakdown or "", "value": value,
               "note": f"исправление: {reason}"}],
        file="correction", layout="correction", source={"publisher": who, "title": "Исправление значения"},
        also=lambda c, import_id: (
            c.execute("INSERT INTO import_user (import_id, user_name) VALUES (?, ?)", [import_id, who]),
            c.execute("UPDATE import_batch SET decided_by = ?, decided_at = ?, reason = ? WHERE import_id = ?",
                      [who, dt.datetime.now(), reason, import_id]),
            audit.record(c, "correct", user=user, obj=key, ip=ip, old=old[0], new=value, reason=reason)))
    return {"batch": result.import_id, "old_value": old[0], "new_value": value, "revision": old[1] + 1
            if result.revised else old[1], "changed": bool(result.revised)}

"""Indicators and sources: the catalogue every observation refers to."""

from __future__ import annotations

import duckdb
import polars as pl

from aimaq.i18n import _

INDICATOR_COLUMNS = ["code", "name_ru", "name_kk", "name_en", "unit", "polarity", "domain", "description"]
# The importer's checks per indicator (migration 0002): plausible range, period granularity, kind.
SPEC_COLUMNS = ["min_value", "max_value", "granularity", "kind"]


def save_indicators(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> int:
    """Insert indicators whose code is new; an existing code must keep its unit (else the data would change meaning)."""
    for column in INDICATOR_COLUMNS + SPEC_COLUMNS:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(column))
    frame = frame.select(INDICATOR_COLUMNS + SPEC_COLUMNS).with_columns(
        pl.col("polarity").cast(pl.Int32).fill_null(0),
        pl.col("min_value", "max_value").cast(pl.Utf8).replace("", None).cast(pl.Float64),
        pl.col("granularity").cast(pl.Utf8).replace("", None).fill_null("year"),
        pl.col("kind").cast(pl.Utf8).replace("", None).fill_null("observed"))
    existing = dict(con.execute("SELECT code, unit FROM indicator").fetchall())
    clash = [(c, u, existing[c]) for c, u in zip(frame["code"], frame["unit"]) if c in existing and existing[c] != u]
    if clash:
        from aimaq.errors import AimaqError

        raise AimaqError(_("an indicator's unit cannot change: {changes}",
                           changes="; ".join(f"{c}: {old} → {new}" for c, new, old in clash)))
    new = frame.filter(~pl.col("code").is_in(list(existing))).unique("code", keep="first")
    con.register("_indicators", new.to_arrow())
    columns = ", ".join(INDICATOR_COLUMNS + SPEC_COLUMNS)
    con.execute(f"INSERT INTO indicator ({columns}) SELECT {columns} FROM _indicators")
    con.unregister("_indicators")
    return new.height


def summary(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """What `aimaq info` and `aimaq demo` print."""
    territories = con.execute("""
        SELECT level, kind, count(*) AS territories, sum(CASE WHEN synthetic THEN 1 ELSE 0 END) AS synthetic
        FROM territory WHERE valid_to IS NULL GROUP BY level, kind
        ORDER BY CASE level WHEN 'country' THEN 0 WHEN 'region' THEN 1 WHEN 'district' THEN 2 WHEN 'okrug' THEN 3
                 ELSE 4 END, kind""").pl()
    totals = con.execute("""
        SELECT 'territories (valid today)' AS what, count(*) AS count FROM territory WHERE valid_to IS NULL
        UNION ALL SELECT 'territories (all versions)', count(*) FROM territory
        UNION ALL SELECT 'reform events', count(*) FROM territory_event
        UNION ALL SELECT 'indicators', count(*) FROM indicator
        UNION ALL SELECT 'sources', count(*) FROM source
        UNION ALL SELECT 'observations (latest revisions)', count(*) FROM observation_latest
        UNION ALL SELECT 'observations (all revisions)', count(*) FROM observation
        UNION ALL SELECT 'observations flagged as inconsistent', count(*) FROM observation_latest WHERE flag IS NOT NULL
        UNION ALL SELECT 'imports', count(*) FROM import_batch""").pl()
    share = con.execute("""
        SELECT 'observations' AS what, count(*) AS total, sum(CASE WHEN synthetic THEN 1 ELSE 0 END) AS synthetic
        FROM observation_latest
        UNION ALL SELECT 'territories', count(*), sum(CASE WHEN synthetic THEN 1 ELSE 0 END) FROM territory
        WHERE valid_to IS NULL""").pl().with_columns(
        (pl.col("synthetic").fill_null(0).cast(pl.Float64) / pl.col("total").cast(pl.Float64) * 100).round(1).alias("share_synthetic_pct"))
    return {"territories by level and kind": territories, "totals": totals, "share synthetic": share}


def import_indicators(con: duckdb.DuckDBPyConnection, path, *, dry_run: bool = False) -> tuple[int, int]:
    """Add indicators from a CSV/XLSX catalogue (columns code, name_ru, unit; optional name_kk, name_en, polarity,
    domain, description, and the importer's checks min_value, max_value, granularity (year, quarter, month, date,
    several joined with |), kind (observed, target, forecast)). Every row is checked first; nothing is written if
    one fails. Returns (new, known)."""
    import re
    from pathlib import Path

    from aimaq.errors import ValidationFailed
    from aimaq.ingest.readers import read_sheets
    from aimaq.ingest.units import GRANULARITIES, KINDS
    from aimaq.ingest.validate import Problem, column_letter, parse_number

    path = Path(path)
    existing = dict(con.execute("SELECT code, unit FROM indicator").fetchall())
    problems, rows, seen = [], [], {}
    for sheet in read_sheets(path):
        header = [h.strip().lower() for h in sheet.header]
        missing = [c for c in ("code", "name_ru", "unit") if c not in header]
        if missing:
            problems.append(Problem(str(path), sheet.name, 1, None, ", ".join(sheet.header),
                                    _("missing columns {columns}", columns=", ".join(missing))))
            continue
        at = {c: header.index(c) for c in INDICATOR_COLUMNS + SPEC_COLUMNS if c in header}
        for rownum, cells in sheet.rows:
            row = {c: (None if i >= len(cells) or cells[i] is None else str(cells[i]).strip()) for c, i in at.items()}

            def bad(column, reason, row=row, rownum=rownum):
                problems.append(Problem(str(path), sheet.name, rownum, f"{column_letter(at[column])} ({column})",
                                        row.get(column), reason))

            if not row.get("code") or not re.fullmatch(r"[a-z][a-z0-9_]*", row["code"]):
                bad("code", _("code must be lower-case ASCII letters, digits and _ (e.g. water_access_pct)"))
            if not row.get("name_ru"):
                bad("name_ru", _("a Russian name is required"))
            if not row.get("unit"):
                bad("unit", _("a unit is required"))
            if row.get("polarity") not in (None, "", "-1", "0", "1"):
                bad("polarity", _("polarity is -1, 0 or 1"))
            bounds = {c: parse_number(row[c]) for c in ("min_value", "max_value") if row.get(c)}
            for c in ("min_value", "max_value"):
                if row.get(c) and bounds[c] is None:
                    bad(c, _("not a number (write 0, 100, 1234,5)"))
            if None not in bounds.values() and len(bounds) == 2 and bounds["min_value"] > bounds["max_value"]:
                bad("max_value", _("max_value is below min_value"))
            if row.get("granularity") and not set(row["granularity"].split("|")) <= set(GRANULARITIES):
                bad("granularity", _("granularity is one or more of {values}, joined with |",
                                       values=", ".join(GRANULARITIES)))
            if row.get("kind") and row["kind"] not in KINDS:
                bad("kind", _("kind is one of {values}", values=", ".join(KINDS)))
            code = row.get("code")
            if code in existing and row.get("unit") and existing[code] != row["unit"]:
                bad("unit", _("indicator {code} exists in {unit}: a unit never changes meaning silently", code=code,
                                 unit=existing[code]))
            if code in seen:
                bad("code", _("code repeated (first in row {row})", row=seen[code]))
            seen.setdefault(code, rownum)
            rows.append(row)
    if problems:
        raise ValidationFailed(problems)
    frame = pl.DataFrame(rows, schema={c: pl.Utf8 for c in INDICATOR_COLUMNS + SPEC_COLUMNS}).with_columns(
        pl.col("polarity").replace("", None),
        pl.col("min_value", "max_value").str.replace_all("[ \u00a0\u202f]", "").str.replace(",", ".", literal=True))
    new = frame.filter(~pl.col("code").is_in(list(existing)))
    if not dry_run:
        save_indicators(con, new)
    return new.height, frame.height - new.height


def indicators(con: duckdb.DuckDBPyConnection, domain: str | None = None) -> pl.DataFrame:
    sql = "SELECT i.*, (SELECT count(*) FROM observation_latest o WHERE o.indicator = i.code) AS observations " \
          "FROM indicator i"
    params = []
    if domain:
        sql += " WHERE domain = ?"
        params.append(domain)
    return con.execute(sql + " ORDER BY domain, code", params).pl()


# Every job records its runs with the methodology spec (name, version, SHA-256) and the code version.
_RUN_TABLES = {
    "rating": ("rating_run", "'data ' || data_year || ', spec ' || spec_year", "computed_at"),
    "standards": ("srs_run", "kind || ' ' || year", "computed_at"),
    "villages": ("rural_run", "''", "computed_at"),
    "forecast": ("forecast_run", "kind || ' ' || scenario || ' ' || base_year || '→' || to_year", "created_at"),
    "monotowns": ("monotown_run", "'year ' || year", "computed_at"),
}


def runs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """All computed runs of every job, newest first: what methodology and code produced each stored result."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    parts = [f"""SELECT '{job}' AS job, run_id, {what} AS what, spec_name, spec_version, spec_sha256,
                        code_version, synthetic, {when} AS computed_at FROM {table}"""
             for job, (table, what, when) in _RUN_TABLES.items() if table in tables]
    if not parts:
        return pl.DataFrame()
    return con.execute(" UNION ALL ".join(parts) + " ORDER BY computed_at DESC, job, run_id DESC").pl()


def resolve_indicator(con: duckdb.DuckDBPyConnection, text: str) -> str:
    """The indicator code that `text` means: a code, or a name in Russian, Kazakh or English (any case).
    An unknown one is an error suggesting the nearest codes and names, as unknown territories are."""
    from aimaq.errors import UnknownNameError

    rows = con.execute("SELECT code, name_ru, name_kk, name_en FROM indicator").fetchall()
    wanted = str(text).strip().casefold()
    for row in rows:
        if wanted in {str(v).strip().casefold() for v in row if v}:
            return row[0]
    from rapidfuzz import fuzz, process, utils

    labels = {}
    for code, *names in rows:
        for label in [code, *names]:
            if label:
                labels.setdefault(str(label), code)
    hits = process.extract(str(text), list(labels), scorer=fuzz.WRatio, processor=utils.default_process, limit=8)
    seen, suggestions = set(), []
    for label, _score, _index in hits:
        code = labels[label]
        if code not in seen:
            seen.add(code)
            name = next(n for c, n, *_rest in rows if c == code)
            suggestions.append(f"{code} ({name})" if name and name != code else code)
    raise UnknownNameError("indicator", str(text), suggestions[:3])

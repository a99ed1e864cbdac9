"""Loading the data shipped in the package (national statistics, the review's figures) through the same
checks as `aimaq import`. A shipped file that fails a check stops the build: it is a bug, never skipped."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import duckdb
import polars as pl
import yaml

from aimaq.errors import ValidationFailed
from aimaq.ingest.service import ImportResult, load_context, write_records
from aimaq.ingest.validate import Context, Parsed, Problem, _common, _duplicates
from aimaq.store.catalogue import save_indicators

MONTHS = {m: i for i, m in enumerate(["January", "February", "March", "April", "May", "June", "July", "August",
                                      "September", "October", "November", "December"], start=1)}


def data_path(*parts: str) -> Path:
    path = resources.files("aimaq.data")
    for part in parts:
        path = path / part
    return Path(str(path))


def _rows(path: Path) -> list[tuple[int, dict]]:
    """Rows with their physical line numbers (comment lines counted, as an editor shows them)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [(i, line) for i, line in enumerate(lines, start=1) if not line.startswith("#")]
    reader = csv.DictReader(line for _, line in kept)
    return [(kept[n][0], row) for n, row in enumerate(reader, start=1)]


def check_row(ctx: Context, file: str, rownum: int, name, indicator: str, period, value, *, unit=None,
              breakdown: str = "", retro_flag: str | None = None, kato: str | None = None) -> tuple[dict | None, list]:
    """One shipped row through the importer's checks. `retro_flag` turns a validity problem into a flag."""
    problems: list[Problem] = []

    def add(role, val, reason):
        problems.append(Problem(file, None, rownum, role, None if val is None else str(val), reason))

    ind = ctx.indicators.get(indicator)
    if ind is None:
        add("indicator", indicator, "unknown indicator")
    record = _common(ctx, add, kato or name, period, value, unit, ind)
    flag = None
    if retro_flag and problems and all("outside the validity" in p.reason for p in problems):
        problems, flag = [], retro_flag
    if record is not None:
        record.update(indicator=indicator, breakdown=breakdown, flag=flag)
    return (None if problems else record), problems


def load_stats(con: duckdb.DuckDBPyConnection) -> list[ImportResult]:
    folder = data_path("stats")
    save_indicators(con, pl.read_csv(folder / "indicators.csv"))
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))
    ctx = load_context(con)
    results = []
    for spec in manifest["files"]:
        records, problems = [], []
        file = f"stats/{spec['file']}"
        retro = {(r["name"], r["period"]): r["flag"] for r in spec.get("retro", [])}
        mapped = spec.get("map_names", [])
        for rownum, row in _rows(folder / spec["file"]):
            name = spec.get("territory") or row[spec["territory_column"]].strip()
            if name in spec.get("skip_names", []):
                continue
            if "month_column" in spec:
                month = row[spec["month_column"]]
                period = str(spec["year"]) if month == "Total" else f"{spec['year']}-{MONTHS[month]:02d}"
            else:
                period = spec.get("period") or row[spec["period_column"]]
            kato = next((m["kato"] for m in mapped if m["name"] == name and int(period[:4]) <= m["until"]), None)
            if "values" in spec:  # several value columns in one row
                pairs = [(spec.get("indicator") or target, column,
                          target if spec.get("indicator") else "") for column, target in spec["values"].items()]
            else:
                breakdown = ";".join(f"{k}={row[c]}" for k, c in spec.get("breakdown_columns", {}).items())
                pairs = [(spec["indicator"], spec["value_column"], breakdown)]
            for indicator, column, breakdown in pairs:
                rec, probs = check_row(ctx, file, rownum, name, indicator, period, row[column], breakdown=breakdown,
                                       retro_flag=retro.get((name, period)), kato=kato)
                problems += probs
                if rec:
                    rec["flag"] = rec["flag"] or spec.get("flag")
                    if spec.get("projection_after") and int(period) > spec["projection_after"]:
                        rec["note"] = "projection"
                    else:
                        rec["note"] = spec.get("note")
                    records.append(rec)
        dup = Parsed(records=[{**r, "file": file, "sheet": None, "row": None, "columns": {"period": None}}
                              for r in records])
        _duplicates(dup)
        problems += dup.problems
        if problems:
            raise ValidationFailed(problems)
        results.append(write_records(con, records, file=file, layout="shipped", source=spec["source"]))
    return results

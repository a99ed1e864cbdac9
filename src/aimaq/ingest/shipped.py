"""Loading the data shipped in the package (national statistics, the review's figures) through the same
checks as `aimaq import`. A shipped file that fails a check stops the build: it is a bug, never skipped."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import polars as pl
import yaml

from aimaq.data import data_path
from aimaq.errors import ValidationFailed
from aimaq.ingest.problems import to_problems
from aimaq.ingest.service import ImportResult, load_context, write_frame
from aimaq.ingest.validate import OBSERVATION_SCHEMA, Context, check_observations
from aimaq.store.catalogue import save_indicators

MONTHS = {m: i for i, m in enumerate(["January", "February", "March", "April", "May", "June", "July", "August",
                                      "September", "October", "November", "December"], start=1)}

# Columns of a shipped row beyond the observation's own (see validate.check_observations).
_EXTRA = {"kato": pl.Utf8, "within": pl.Utf8, "retro_flag": pl.Utf8, "flag": pl.Utf8, "note": pl.Utf8,
          "source_id": pl.Int64}


def _rows(path: Path) -> list[tuple[int, dict]]:
    """Rows with their physical line numbers (comment lines counted, as an editor shows them)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [(i, line) for i, line in enumerate(lines, start=1) if not line.startswith("#")]
    reader = csv.DictReader(line for _, line in kept)
    return [(kept[n][0], row) for n, row in enumerate(reader, start=1)]


def observation(rownum: int, name, indicator: str, period, value, *, unit=None, breakdown: str = "",
                kato: str | None = None, within: str | None = None, retro_flag: str | None = None,
                flag: str | None = None, note: str | None = None, source_id: int | None = None) -> dict:
    """One shipped row as a candidate observation for the importer's checks. `retro_flag` turns a validity
    problem into that flag (a figure republished in a reform's new boundaries)."""
    return {"sheet": None, "row": rownum, "territory": None if name is None else str(name), "indicator": indicator,
            "period": str(period), "value": None if value is None else str(value), "value_num": None,
            "unit": unit, "breakdown": breakdown or "", "source": None, "territory_col": "territory",
            "indicator_col": "indicator", "period_col": "period", "value_col": "value", "unit_col": "unit",
            "kato": kato, "within": within, "retro_flag": retro_flag, "flag": flag, "note": note,
            "source_id": source_id}


def _write_checked(con: duckdb.DuckDBPyConnection, ctx: Context, file: str, rows: list[dict],
                   source: dict | None = None, extra_problems: pl.DataFrame | None = None) -> ImportResult:
    """The importer's checks over a shipped file; any problem stops the build before anything of it is written."""
    frame = pl.DataFrame(rows, schema={**OBSERVATION_SCHEMA, **_EXTRA})
    records, problems, total = check_observations(frame, ctx)
    if extra_problems is not None and extra_problems.height:
        problems, total = pl.concat([problems, extra_problems]), total + extra_problems.height
    if total:
        raise ValidationFailed(to_problems(file, problems), total)
    return write_frame(con, records, file=file, layout="shipped", source=source)


def load_stats(con: duckdb.DuckDBPyConnection) -> list[ImportResult]:
    folder = data_path("stats")
    save_indicators(con, pl.read_csv(folder / "indicators.csv"))
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))
    ctx = load_context(con)
    results = []
    for spec in manifest["files"]:
        rows = []
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
            projection = spec.get("projection_after") and int(period) > spec["projection_after"]
            for indicator, column, breakdown in pairs:
                rows.append(observation(rownum, name, indicator, period, row[column], breakdown=breakdown,
                                        kato=kato, retro_flag=retro.get((name, period)), flag=spec.get("flag"),
                                        note="projection" if projection else spec.get("note")))
        results.append(_write_checked(con, ctx, file, rows, source=spec["source"]))
    return results


REVIEW_SOURCE = {"publisher": "АО «Институт экономических исследований»",
                 "title": "Региональный прогресс: ключевые успехи за три года (аналитический обзор)", "date": "2024",
                 "licence": "published figures (facts)"}
REVIEW_FILES = ["table1_kosshy.csv", "table2_qol.csv", "table3_riskmap.csv", "table4_diploma_spheres.csv",
                "table5_diploma_regions.csv", "standards_coverage.csv", "new_regions.csv", "monotowns.csv",
                "rural_programmes.csv", "demography.csv", "text_figures.csv"]


def review_territory_names(folder: Path) -> dict[str, tuple[str, str | None]]:
    """How the review's names are asked of the registry: a city as «г. <name>» within its region, a region as
    written (the review's «Атырау» is the city, «Атырауская» the region)."""
    asked = {}
    for _, row in _rows(folder / "territories.csv"):
        name, kind = row["territory"], row["kind"]
        asked[name] = (f"г. {name}", row["region_kato"] or None) if kind == "city" else (name, None)
    return asked


def load_review(con: duckdb.DuckDBPyConnection) -> list[ImportResult]:
    """Every number the review publishes, each with its place in the review as its source."""
    folder = data_path("review")
    save_indicators(con, pl.read_csv(folder / "indicators.csv", infer_schema_length=None))
    ctx = load_context(con)
    asked = review_territory_names(folder)
    results = []
    for name in REVIEW_FILES:
        file = f"review/{name}"
        rows = _rows(folder / name)
        places = sorted({row["place"] for _, row in rows})
        source_ids = _review_sources(con, places)
        candidates, unexplained = [], []
        for rownum, row in rows:
            missing = row["value"].strip() == ""  # a published «н/д»: kept as a missing value with its note
            territory, within = asked.get(row["territory"], (row["territory"], None))
            if missing and not row["note"]:
                unexplained.append({"sheet": None, "row": rownum, "column": "value", "value": "",
                                    "reason": "empty value without a note saying why", "order": 20})
            candidates.append(observation(rownum, territory, row["indicator"], row["period"],
                                          "н/д" if missing else row["value"], unit=row["unit"] or None,
                                          breakdown=row["breakdown"], within=within, flag=row["flag"] or None,
                                          note=row["note"] or None, source_id=source_ids[row["place"]]))
        extra = pl.DataFrame(unexplained, schema={"sheet": pl.Utf8, "row": pl.Int64, "column": pl.Utf8,
                                                  "value": pl.Utf8, "reason": pl.Utf8, "order": pl.Int64})
        results.append(_write_checked(con, ctx, file, candidates, extra_problems=extra))
    return results


def _review_sources(con: duckdb.DuckDBPyConnection, places: list[str]) -> dict[str, int]:
    frame = pl.DataFrame({"place": places})
    con.register("_places", frame.to_arrow())
    con.execute("""
        INSERT INTO source (publisher, title, date, place, licence)
        SELECT ?, ?, ?, p.place, ? FROM _places p
        WHERE NOT EXISTS (SELECT 1 FROM source s WHERE s.publisher = ? AND s.title = ? AND s.place = p.place)""",
                [REVIEW_SOURCE["publisher"], REVIEW_SOURCE["title"], REVIEW_SOURCE["date"], REVIEW_SOURCE["licence"],
                 REVIEW_SOURCE["publisher"], REVIEW_SOURCE["title"]])
    con.unregister("_places")
    return dict(con.execute("SELECT place, source_id FROM source WHERE publisher = ? AND title = ?",
                            [REVIEW_SOURCE["publisher"], REVIEW_SOURCE["title"]]).fetchall())

"""Import town-level indicator values for the monotown classification (the `monotowns` collection template):
the importer's long layout — territory, indicator, period, value — for the towns of the list and the indicators
of the classification spec. The whole file is checked first; the values are stored as real (not synthetic)."""

from __future__ import annotations

import duckdb
import polars as pl

from aimaq.i18n import _


def import_monotown_values(con: duckdb.DuckDBPyConnection, path, *, dry_run: bool = False, spec=None) -> dict:
    """Check every row (a town of the 2023 list, an indicator of the spec, a year, a number), then replace those
    (town, indicator, year) values. Returns {values, towns, years}."""
    from pathlib import Path

    from aimaq.errors import AimaqError, ValidationFailed
    from aimaq.ingest.readers import read_sheets
    from aimaq.ingest.validate import LONG_COLUMNS, Problem, column_letter, parse_number
    from aimaq.monotowns.spec import load_classification
    from aimaq.store.db import transaction
    from aimaq.territory.repository import load_name_index

    path = Path(path)
    spec = spec or load_classification()
    indicators = set(spec.index.indicators)
    towns = dict(con.execute("SELECT kato, name_ru FROM monotown WHERE in_list_2023").fetchall())
    by_name = {name.casefold(): kato for kato, name in towns.items()}
    index = load_name_index(con)

    def town(text: str) -> str | None:
        if text in towns:
            return text
        if text.casefold() in by_name:
            return by_name[text.casefold()]
        try:
            kato = index.resolve(text).kato
        except AimaqError:
            return None
        return kato if kato in towns else None

    problems, records = [], []
    for sheet in read_sheets(path):
        lowered = [h.strip().lower() for h in sheet.header]
        pos = {role: next((i for i, h in enumerate(lowered) if h in names), None)
               for role, names in LONG_COLUMNS.items() if role in ("territory", "indicator", "period", "value")}
        missing = [role for role, i in pos.items() if i is None]
        if missing:
            problems.append(Problem(str(path), sheet.name, 1, None, ", ".join(sheet.header[:6]),
                                    _("missing columns {columns}", columns=", ".join(missing))))
            continue
        for rownum, cells in sheet.rows:
            cells = list(cells) + [None] * (len(sheet.header) - len(cells))

            def bad(role, reason, rownum=rownum, cells=cells):
                value = cells[pos[role]]
                problems.append(Problem(str(path), sheet.name, rownum, column_letter(pos[role]),
                                        None if value is None else str(value), reason))

            text = str(cells[pos["territory"]] or "").strip()
            kato = town(text) if text else None
            if kato is None:
                bad("territory", _("not a monotown of the 2023 list"))
            code = str(cells[pos["indicator"]] or "").strip()
            if code not in indicators:
                bad("indicator", _("not an indicator of the monotown classification spec"))
            year_text = str(cells[pos["period"]] or "").strip().removesuffix(".0")
            year = int(year_text) if year_text.isdigit() and 1990 <= int(year_text) <= 2100 else None
            if year is None:
                bad("period", _("not a year"))
            value = parse_number(cells[pos["value"]])
            if value is None:
                bad("value", _("not a number"))
            records.append({"kato": kato, "indicator": code, "year": year, "value": value, "row": rownum,
                            "sheet": sheet.name})
    frame = pl.DataFrame(records, schema={"kato": pl.String, "indicator": pl.String, "year": pl.Int32,
                                          "value": pl.Float64, "row": pl.Int64, "sheet": pl.String})
    for sheet, row in frame.filter(pl.struct("kato", "indicator", "year").is_duplicated()
                                   & pl.col("kato").is_not_null()).select("sheet", "row").iter_rows():
        problems.append(Problem(str(path), sheet, row, None, None, _("the same town, indicator and year twice")))
    if problems:
        raise ValidationFailed(problems)
    if not dry_run and frame.height:
        rows = frame.select("kato", "indicator", "year", "value", published=pl.lit(False), synthetic=pl.lit(False),
                            seed=pl.lit(None, pl.Int32), spec_name=pl.lit(spec.name),
                            spec_version=pl.lit(spec.version))
        with transaction(con):
            con.register("_mv", rows.to_arrow())
            con.execute("""DELETE FROM monotown_value v USING _mv n
                           WHERE v.kato = n.kato AND v.indicator = n.indicator AND v.year = n.year""")
            con.execute("INSERT INTO monotown_value SELECT * FROM _mv")
            con.unregister("_mv")
    return {"values": frame.height, "towns": frame["kato"].n_unique(), "years": sorted(frame["year"].unique())}




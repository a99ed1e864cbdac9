"""The lists a template offers, read from the database and the specs, and the workbook itself (xlsxwriter)."""

from __future__ import annotations

import datetime as dt
import io

import duckdb
import polars as pl

from aimaq.errors import AimaqError
from aimaq.i18n import N_, _
from aimaq.templates.spec import TEMPLATES, Column, Template

FILL_ROWS = 20000  # rows of the data sheet that carry the drop-downs and checks
SHEET_MAX = 31


def template_for(name: str, con: duckdb.DuckDBPyConnection | None = None, year: int | None = None) -> Template:
    """The template `name`; the survey's columns grow by one per survey item of the year's rating spec."""
    key = name.strip().lower()
    if key not in TEMPLATES:
        from aimaq.errors import UnknownNameError

        raise UnknownNameError("template", name, sorted(TEMPLATES))
    template = TEMPLATES[key]
    if key == "survey":
        items = survey_items(year or default_year())
        template = Template(template.name, template.title, template.purpose, template.command,
                            template.columns + tuple(Column(code, text, kind="answer", required=False)
                                                     for code, text in items.iter_rows()))
    return template


def default_year() -> int:
    """Data are collected for the year that has ended."""
    return dt.date.today().year - 1


def survey_items(year: int) -> pl.DataFrame:
    """code, name_ru of the survey items of the rating spec of `year` (or the latest spec before it)."""
    from aimaq.rating.spec import available_years, load_rating_spec

    years = [y for y in available_years() if y <= year] or available_years()
    spec = load_rating_spec(max(years))
    return pl.DataFrame({"code": spec.survey, "name_ru": [spec.catalogue[c]["name_ru"] for c in spec.survey]})


def _territories(con, level: str, year: int) -> pl.DataFrame:
    from aimaq.territory.repository import territories

    frame = territories(con, level, dt.date(year, 12, 31))
    return frame.select(pl.col("kato").alias("value"), "name_ru", "kind").unique("value", keep="last",
                                                                                 maintain_order=True)


def _indicators(con, codes: list[str] | None = None, like: str | None = None) -> pl.DataFrame:
    """code, name, unit from the indicator catalogue: only what `aimaq import` accepts."""
    sql = "SELECT code AS value, name_ru, unit FROM indicator WHERE 1=1"
    params: list = []
    if codes is not None:
        sql += " AND code IN (SELECT unnest(?))"
        params.append(codes)
    if like is not None:
        sql += " AND code LIKE ?"
        params.append(like)
    return con.execute(sql + " ORDER BY code", params).pl()


def template_lists(con: duckdb.DuckDBPyConnection, template: Template, year: int) -> dict[str, pl.DataFrame]:
    """Each list a column's drop-down offers: the first column `value` is what goes into the cell."""
    name = template.name
    lists: dict[str, pl.DataFrame] = {}
    wanted = {c.choices for c in template.columns if c.choices}
    if "cities" in wanted:
        cities = con.execute("""SELECT DISTINCT kato FROM observation_latest
                                WHERE indicator = 'qol_score' OR indicator LIKE 'qol_stat_%'""").pl()
        lists["cities"] = (_territories(con, "district", year).vstack(_territories(con, "region", year))
                           .join(cities, left_on="value", right_on="kato", how="semi").sort("name_ru"))
    if "settlements" in wanted:
        lists["settlements"] = _territories(con, "settlement", year)
    if "territories" in wanted:
        lists["territories"] = _territories(con, "country", year).vstack(_territories(con, "region", year))
    if "towns" in wanted:
        lists["towns"] = con.execute("""SELECT kato AS value, name_ru, region FROM monotown WHERE in_list_2023
                                        ORDER BY name_ru""").pl()
    if "facilities" in wanted:
        from aimaq.standards.spec import load_catalogue

        items = load_catalogue("2023").items
        types = sorted({i.rule.facility for i in items if i.rule.facility})
        names = {i.rule.facility: i.name_ru for i in items if i.rule.facility}
        lists["facilities"] = pl.DataFrame({"value": types, "name_ru": [names[t] for t in types]})
    if "conditions" in wanted:
        from aimaq.standards.service import CONDITIONS

        lists["conditions"] = pl.DataFrame({"value": list(CONDITIONS)})
    if "indicators" in wanted:
        if name == "rating":
            lists["indicators"] = _indicators(con, like="qol_stat_%")
        elif name == "villages":
            from aimaq.rural.spec import load_criteria

            lists["indicators"] = _indicators(con, ["population"] + [i.code for i in load_criteria().indicators])
        elif name == "programmes":
            from aimaq.programmes.spec import load_kpi_spec

            lists["indicators"] = _indicators(con, [c for p in load_kpi_spec().programmes for c in p.indicators])
        elif name == "monotowns":
            from aimaq.monotowns.spec import load_classification

            nodes = load_classification().index.nodes
            lists["indicators"] = pl.DataFrame(
                [{"value": c, "name_ru": n.name, "unit": n.unit} for c, n in nodes.items() if n.kind == "indicator"])
    for key, frame in lists.items():
        if frame.is_empty():
            raise AimaqError(_("The template «{name}» has no {what} to offer in this database: load them first "
                               "(e.g. aimaq init or aimaq import)", name=template.name, what=key))
    return lists


LIST_TITLES = {"cities": N_("Cities of the rating"), "settlements": N_("Settlements"), "territories": N_("Territories"),
               "towns": N_("Monotowns of the 2023 list"), "facilities": N_("Facility types"),
               "conditions": N_("Conditions"), "indicators": N_("Indicators")}
LIST_COLUMNS = {"name_ru": N_("Name"), "unit": N_("Unit"), "kind": N_("Kind"), "region": N_("Region")}


def _example(column: Column, lists: dict[str, pl.DataFrame], year: int):
    if column.choices:
        return lists[column.choices]["value"][0]
    return {"year": year, "answer": 7, "whole": 1}.get(column.kind) or EXAMPLES.get(column.header, 12.5)


EXAMPLES = {"lat": 43.25, "lon": 76.95, "name": "Школа № 1", "capacity": 320, "wear_pct": 35, "km": 12.4,
            "weight": 1.0, "значение": 12.5, "разрез": "programme=С дипломом в село;kind=fact"}


def build_workbook(template: Template, lists: dict[str, pl.DataFrame], year: int) -> bytes:
    """Instruction sheet («#» in A1: the importer skips it), the data sheet with drop-downs and checks, the lists."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    guide = book.add_worksheet(_("Instructions")[:SHEET_MAX])
    data = book.add_worksheet(_("Data")[:SHEET_MAX])
    sheet = book.add_worksheet(_("Lists")[:SHEET_MAX])

    # the lists: one block of columns each, values from row 3
    ranges: dict[str, str] = {}
    sheet.write(0, 0, "# " + _("Lists for the drop-downs of the sheet «{sheet}»; do not edit", sheet=data.name), bold)
    col = 0
    for key, frame in lists.items():
        sheet.write(1, col, _(LIST_TITLES[key]), header)
        for j, name in enumerate(frame.columns):
            sheet.write(2, col + j, _("Code") if j == 0 else _(LIST_COLUMNS.get(name, name)), header)
            sheet.write_column(3, col + j, [v if v is not None else "" for v in frame[name].to_list()])
            sheet.set_column(col + j, col + j, 14 if j == 0 else 36)
        letter = xlsxwriter.utility.xl_col_to_name(col)
        ranges[key] = f"='{sheet.name}'!${letter}$4:${letter}${3 + frame.height}"
        col += frame.width + 1
    sheet.freeze_panes(3, 0)

    # the data sheet: the header the import reads, checks on FILL_ROWS rows
    data.freeze_panes(1, 0)
    for j, column in enumerate(template.columns):
        data.write(0, j, column.header, header)
        data.set_column(j, j, max(14, len(column.header) + 4))
        message = {"input_title": column.header[:32], "input_message": _(column.what)[:255]}
        if column.choices:
            rule = {"validate": "list", "source": ranges[column.choices],
                    "error_message": _("Choose a value from the list (sheet «{sheet}»)", sheet=sheet.name)[:255]}
        elif column.kind == "year":
            rule = {"validate": "integer", "criteria": "between", "minimum": 1990, "maximum": 2100}
        elif column.kind == "whole":
            rule = {"validate": "integer", "criteria": ">=", "value": 0}
        elif column.kind == "answer":
            rule = {"validate": "integer", "criteria": "between", "minimum": 0, "maximum": 10}
        else:
            rule = {"validate": "any"}
        data.data_validation(1, j, FILL_ROWS, j, {**rule, **message, "ignore_blank": True})

    # the instructions
    guide.set_column(0, 0, 28)
    guide.set_column(1, 1, 90)
    guide.set_column(2, 3, 16)
    guide.write(0, 0, "# " + _(template.title), title)
    guide.write(2, 0, _("What"), bold)
    guide.write(2, 1, _(template.purpose), wrap)
    guide.write(3, 0, _("Period"), bold)
    guide.write(3, 1, _("Territories in the lists are those valid on 31 December {year}.", year=year), wrap)
    guide.write(4, 0, _("How to fill"), bold)
    guide.write(4, 1, _("Fill the sheet «{data}» from row 2, one record a row; keep its header row as it is. "
                        "Choose codes from the drop-downs (sheet «{lists}»). Numbers as numbers: 1234,5 or 1 234,5. "
                        "Sheets whose first cell starts with # are notes and are not imported.",
                        data=data.name, lists=sheet.name), wrap)
    guide.write(5, 0, _("How to import"), bold)
    guide.write(5, 1, template.command.format(file="FILE.xlsx", year=year) + "   — " + _(
        "the whole file is checked first; nothing is written if a row has a problem"), wrap)
    row = 7
    guide.write_row(row, 0, [_("Column"), _("What to write"), _("Required"), _("List")], header)
    for column in template.columns:
        row += 1
        guide.write_row(row, 0, [column.header, _(column.what), _("yes") if column.required else _("no"),
                                 _(LIST_TITLES[column.choices]) if column.choices else ""], wrap)
    row += 2
    guide.write(row, 0, _("Example row"), bold)
    guide.write_row(row + 1, 0, [c.header for c in template.columns], header)
    guide.write_row(row + 2, 0, [_example(c, lists, year) for c in template.columns])
    guide.activate()
    book.close()
    return buffer.getvalue()


def write_template(con: duckdb.DuckDBPyConnection, name: str, path, year: int | None = None) -> dict:
    """Write the template `name` for `year` (default: last year) to `path` (.xlsx); returns what it offers."""
    from pathlib import Path

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise AimaqError(_("--out {name}: a template is an XLSX file (.xlsx)", name=path.name))
    year = year or default_year()
    template = template_for(name, con, year)
    lists = template_lists(con, template, year)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_workbook(template, lists, year))
    return {"template": template.name, "year": year, "columns": [c.header for c in template.columns],
            "lists": {k: v.height for k, v in lists.items()}, "command": template.command.format(file=path, year=year)}

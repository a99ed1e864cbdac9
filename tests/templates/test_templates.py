"""Every collection template: written, opened, filled in with generated values through its own drop-down lists
as a person would, saved, and imported with no edits by the command its instruction sheet names."""

from __future__ import annotations

import re
import shutil

import openpyxl
import pytest
from typer.testing import CliRunner

from aimaq import i18n
from aimaq.cli.main import app
from aimaq.store.db import connect

YEAR = 2023
ROWS = 6


@pytest.fixture()
def db(built_demo, tmp_path):
    path = tmp_path / "t.duckdb"
    shutil.copy(built_demo, path)
    return path


def _run(db, *args):
    result = CliRunner().invoke(app, ["--db", str(db), *[str(a) for a in args]])
    i18n.set_language(None)
    return result


def _lists(book, sheet) -> dict[str, list]:
    """Column header → the values its drop-down offers (read through the validation's own range)."""
    header = [c.value for c in sheet[1]]
    offered = {}
    for rule in sheet.data_validations.dataValidation:
        if rule.type != "list":
            continue
        m = re.match(r"'?([^'!]+)'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", rule.formula1)
        source = book[m.group(1)]
        values = [row[0] for row in source[f"{m.group(2)}{m.group(3)}:{m.group(4)}{m.group(5)}"]]
        column = openpyxl.utils.column_index_from_string(str(rule.sqref).split(":")[0].rstrip("0123456789"))
        offered[header[column - 1]] = [c.value for c in values]
    return offered


def _fill(name: str, header: list[str], offered: dict[str, list]) -> list[list]:
    rows = []
    for i in range(ROWS):
        row = []
        for h in header:
            if h == "территория":
                row.append(offered[h][i % 3])
            elif h in ("city", "kato", "from_kato"):
                row.append(offered[h][i % len(offered[h])])
            elif h == "to_kato":
                row.append(offered[h][(i + 1) % len(offered[h])])
            elif h == "показатель":
                row.append(offered[h][i // 3])
            elif h in ("период", "year", "year_built"):
                row.append(YEAR if h != "year_built" else 1990 + i)
            elif h == "значение":
                row.append(5 + i)
            elif h == "разрез":
                row.append("kind=fact")
            elif h == "respondent_id":
                row.append(i + 1)
            elif h == "weight":
                row.append(1.0 + i / 10)
            elif h in ("facility", "condition"):
                row.append(offered[h][i % len(offered[h])])
            elif h in ("lat", "lon"):
                row.append((43.2 if h == "lat" else 76.9) + i / 100)
            elif h in ("capacity", "wear_pct", "km"):
                row.append(10 + i)
            elif h == "name":
                row.append(f"Объект {i + 1} — Қонаев")
            else:  # a survey item: an answer 0–10
                row.append((i + len(h)) % 11)
        rows.append(row)
    return rows


@pytest.mark.parametrize("name", ["rating", "survey", "facilities", "roads", "villages", "monotowns", "programmes"])
def test_a_filled_template_imports_with_no_edits(name, db, tmp_path):
    path = tmp_path / f"{name}.xlsx"
    made = _run(db, "template", name, "--out", path, "--year", YEAR)
    assert made.exit_code == 0, made.output

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Инструкция", "Данные", "Списки"]
    guide, data = book["Инструкция"], book["Данные"]
    assert guide["A1"].value.startswith("# ")  # a notes sheet: the importer skips it
    assert book["Списки"]["A1"].value.startswith("# ")
    assert data.freeze_panes == "A2" and data.max_row == 1  # the header only: nothing to delete before importing
    texts = [c for row in guide.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    command = next(t for t in texts if t.startswith("aimaq "))
    assert "Пример строки" in texts
    header = [c.value for c in data[1]]
    offered = _lists(book, data)
    choices = {"rating": {"территория", "показатель"}, "survey": {"city"},
               "facilities": {"kato", "facility", "condition"},
               "roads": {"from_kato", "to_kato"}, "villages": {"территория", "показатель"},
               "monotowns": {"территория", "показатель"}, "programmes": {"территория", "показатель"}}[name]
    assert choices <= set(offered) and all(offered[c] for c in choices)

    for row in _fill(name, header, offered):
        data.append(row)
    book.save(path)

    args = command.split("   —")[0].replace("FILE.xlsx", str(path)).split()[1:]
    result = _run(db, *args)
    assert result.exit_code == 0, (args, result.output, result.exception)

    con = connect(db, read_only=True)
    try:
        if name in ("rating", "villages", "programmes"):
            got = con.execute("""SELECT count(*), sum(value) FROM observation_latest o JOIN import_batch b
                                 USING (import_id) WHERE b.file LIKE ? AND NOT o.synthetic""",
                              [f"%{name}.xlsx"]).fetchone()
            assert got == (ROWS, sum(5 + i for i in range(ROWS)))
        elif name == "survey":
            got = con.execute("SELECT count(*), bool_or(synthetic) FROM rating_survey_respondent WHERE survey_year = ?",
                              [YEAR]).fetchone()
            assert got == (ROWS, False)
        elif name == "facilities":
            got = con.execute("SELECT count(*) FROM srs_facility WHERE inventory_year = ? AND NOT synthetic", [YEAR])
            assert got.fetchone()[0] == ROWS
        elif name == "roads":
            assert con.execute("SELECT count(*) FROM srs_road_edge").fetchone()[0] == ROWS
        elif name == "monotowns":
            got = con.execute("SELECT count(*), sum(value) FROM monotown_value WHERE NOT synthetic AND NOT published")
            assert got.fetchone() == (ROWS, sum(5 + i for i in range(ROWS)))
    finally:
        con.close()


def test_kazakh_template_and_unknown_name(db, tmp_path):
    path = tmp_path / "kk.xlsx"
    assert _run(db, "--lang", "kk", "template", "rating", "--out", path).exit_code == 0
    names = openpyxl.load_workbook(path).sheetnames
    assert names[0] == "Нұсқаулық" and names[2] == "Тізімдер"
    bad = _run(db, "template", "budget", "--out", tmp_path / "x.xlsx")
    assert bad.exit_code != 0 and not (tmp_path / "x.xlsx").exists()


def test_a_wrong_survey_or_monotown_file_is_refused_with_row_and_column_and_writes_nothing(db, tmp_path):
    from aimaq.errors import ValidationFailed

    survey = tmp_path / "survey.xlsx"
    assert _run(db, "template", "survey", "--out", survey, "--year", YEAR).exit_code == 0
    book = openpyxl.load_workbook(survey)
    data = book["Данные"]
    header = [c.value for c in data[1]]
    city = _lists(book, data)["city"][0]
    good = [YEAR, 1, city, 1.0] + [5] * (len(header) - 4)
    bad = [YEAR, 2, "Атлантида", 0] + [11] + [5] * (len(header) - 5)
    data.append(good)
    data.append(bad)
    book.save(survey)
    con = connect(db, read_only=True)
    before = con.execute("SELECT count(*) FROM rating_survey_respondent").fetchone()[0]
    con.close()
    result = _run(db, "rating", "import-survey", survey)
    assert isinstance(result.exception, ValidationFailed)
    problems = {(p.row, p.column.split()[0] if p.column else None) for p in result.exception.problems}
    assert {(3, "C"), (3, "D"), (3, "E")} <= problems  # unknown city, weight 0, answer 11 — all on row 3
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM rating_survey_respondent").fetchone()[0] == before
    con.close()

    towns = tmp_path / "towns.xlsx"
    assert _run(db, "template", "monotowns", "--out", towns, "--year", YEAR).exit_code == 0
    book = openpyxl.load_workbook(towns)
    offered = _lists(book, book["Данные"])
    book["Данные"].append(["Алматы", offered["показатель"][0], YEAR, 5])
    book["Данные"].append([offered["территория"][0], "no_such_indicator", "2023 год", "много"])
    book.save(towns)
    result = _run(db, "monotowns", "import", towns)
    assert isinstance(result.exception, ValidationFailed)
    columns = sorted((p.row, p.column.split()[0]) for p in result.exception.problems)
    assert columns == [(2, "A"), (3, "B"), (3, "C"), (3, "D")]
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM monotown_value WHERE NOT synthetic AND NOT published").fetchone()[0] == 0
    con.close()

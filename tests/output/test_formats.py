"""-f table|csv|json|xlsx and --out FILE on real commands: files written, opened and checked cell by cell."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import polars as pl
import pytest

from aimaq.cli.output import emit
from aimaq.errors import AimaqError

NBSP = "\u00a0"


def _plain_spaces(text: str) -> str:
    return text.replace(NBSP, " ").replace("\u202f", " ")


def test_rating_as_xlsx_has_russian_headings_numbers_frozen_header_and_a_sources_sheet(run_cli, tmp_path):
    out = tmp_path / "rating.xlsx"
    result = run_cli("rating", "show", "--year", 2024, "--source", "computed", "-f", "xlsx", "--out", out)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Данные", "Источники и методика"]
    sheet = book["Данные"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Место", "Город", "Код КАТО", "Балл"]
    assert sheet.freeze_panes == "A2"
    first = {h: c for h, c in zip(header, sheet[2])}
    assert first["Место"].value == 1 and first["Место"].number_format == "0"
    assert isinstance(first["Балл"].value, float) and first["Балл"].number_format.startswith("#,##0.")
    assert first["Код КАТО"].data_type == "s" and len(first["Код КАТО"].value) == 9  # a code stays text
    assert first["Синтетические данные"].value == "да"
    assert first["Совпадение с обзором"].value == "совпадает по построению: синтетические данные подогнаны к обзору"
    assert sheet.max_row == 27  # header + 26 cities
    assert sheet.column_dimensions["B"].width > 10  # fitted to «Петропавловск», not Excel's default 8.43
    about = dict(book["Источники и методика"].iter_rows(min_row=2, values_only=True))
    assert about["Синтетические данные"].startswith("да")
    assert "rating show" in about["Команда"] and "2024" in about["Команда"]
    assert "qol" in about["Методика"].lower() or "рейтинг" in about["Методика"].lower()
    assert about["Расчёт"].isdigit()


def test_dates_are_dates_and_counts_are_grouped_in_xlsx(run_cli, tmp_path):
    out = tmp_path / "regions.xlsx"
    result = run_cli("territory", "list", "--level", "region", "--out", out)  # the suffix says xlsx
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).worksheets[0]
    header = [c.value for c in sheet[1]]
    col = {h: i for i, h in enumerate(header)}
    rows = list(sheet.iter_rows(min_row=2))
    valid_from = rows[0][col["Действует с"]]
    assert isinstance(valid_from.value, dt.datetime) and valid_from.number_format == "dd.mm.yyyy"
    assert rows[0][col["Синтетические данные"]].value == "нет"
    out = tmp_path / "coverage.xlsx"
    assert run_cli("standards", "coverage", "--year", 2023, "--level", "region", "--out", out).exit_code == 0
    sheet = openpyxl.load_workbook(out).worksheets[0]
    header = [c.value for c in sheet[1]]
    population = [r[header.index("Численность населения")] for r in sheet.iter_rows(min_row=2)]
    assert len(population) == 20 and all(isinstance(c.value, int) and c.value > 0 for c in population)
    assert population[0].number_format == "#,##0"
    year = [r[header.index("Год")] for r in sheet.iter_rows(min_row=2)]
    assert year[0].value == 2023 and year[0].number_format == "0"


def test_csv_for_excel_has_bom_semicolons_and_decimal_commas(run_cli, tmp_path):
    out = tmp_path / "coverage.csv"
    result = run_cli("standards", "coverage", "--year", 2023, "--level", "region", "-f", "CSV", "--excel",
                     "--out", out)
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    header = text.splitlines()[0].split(";")
    assert header[:2] == ["territory_code", "name"] and "coverage_pct" in header  # codes stay (a contract)
    frame = pl.read_csv(io.StringIO(text), separator=";", decimal_comma=True,
                        schema_overrides={"territory_code": pl.String, "kato": pl.String})
    assert frame.height == 20 and frame["coverage_pct"].dtype == pl.Float64
    assert "," in text.splitlines()[1].split(";")[header.index("coverage_pct")]


def test_plain_csv_and_json_keep_codes_and_the_synthetic_flag(run_cli):
    csv = run_cli("villages", "show", "-f", "csv")
    assert csv.exit_code == 0, csv.output
    frame = pl.read_csv(io.StringIO(csv.stdout), schema_overrides={"kato": pl.String})
    assert {"kato", "villages", "synthetic", "agreement_note"} <= set(frame.columns)
    assert frame["synthetic"].all()
    rows = json.loads(run_cli("villages", "show", "-f", "JSON").stdout)
    assert rows[0]["synthetic"] is True and rows[0]["agreement_note"].startswith("совпадает по построению")


def test_table_has_russian_headings_yes_no_and_russian_numbers():
    stream = io.StringIO()
    emit(pl.DataFrame({"population": [19765004], "coverage_pct": [64.7], "synthetic": [True], "year": [2024]}),
         "table", stream=stream)
    text = _plain_spaces(stream.getvalue())
    assert "Численность населения" in text and "Обеспеченность, %" in text and "Год" in text
    assert "19 765 004" in text and "64,7" in text and "да" in text and "2024" in text and "2 024" not in text


def test_table_fits_the_terminal(run_cli):
    result = run_cli("rating", "show", "--year", 2024, env={"COLUMNS": "72"})
    assert result.exit_code == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 72
    assert "6,43" in result.stdout and "Туркест" in result.stdout  # numbers whole, names folded if need be


def test_kazakh_headings_through_the_same_catalogue(run_cli, tmp_path):
    out = tmp_path / "kk.xlsx"
    assert run_cli("--lang", "kk", "rating", "show", "--year", 2024, "--out", out).exit_code == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[1] == "Дереккөздер мен әдістеме"
    assert [c.value for c in book.worksheets[0][1]][:3] == ["Орны", "Қала", "ӘАОЖ коды"]


def test_text_that_looks_like_a_formula_is_written_escaped(tmp_path):
    from aimaq.cli.output import Format, write_file

    frame = pl.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "+7 777", "-", "@x", "Қонаев"],
                          "value": [1, 2, 3, 4, 5]})
    csv = write_file(tmp_path / "f.csv", Format.csv, [(None, frame, {})])
    assert csv.read_text(encoding="utf-8").splitlines()[1].startswith("\"'=HYPERLINK")
    book = openpyxl.load_workbook(write_file(tmp_path / "f.xlsx", Format.xlsx, [(None, frame, {})]))
    cells = [c.value for c in book.worksheets[0]["A"]][1:]
    assert cells == ["'=HYPERLINK(\"http://x\")", "'+7 777", "'-", "'@x", "Қонаев"]
    assert all(c.data_type == "s" for c in book.worksheets[0]["A"])


def test_xlsx_needs_a_file_and_the_name_must_fit(run_cli, tmp_path):
    with pytest.raises(AimaqError, match="--out"):
        emit(pl.DataFrame({"a": [1]}), "xlsx")
    refused = run_cli("rating", "show", "--year", 2024, "-f", "XLSX")
    assert isinstance(refused.exception, AimaqError) and "--out" in str(refused.exception)
    result = run_cli("rating", "show", "--year", 2024, "-f", "csv", "--out", tmp_path / "x.xlsx")
    assert result.exit_code != 0 and isinstance(result.exception, AimaqError)
    assert not (tmp_path / "x.xlsx").exists()


def test_several_tables_become_several_sheets(run_cli, tmp_path):
    out = tmp_path / "info.xlsx"
    assert run_cli("info", "--out", out).exit_code == 0
    names = openpyxl.load_workbook(out).sheetnames
    assert len(names) >= 3 and names[-1] == "Источники и методика"


def test_forecast_pyramid_writes_its_numbers_as_xlsx_and_refuses_other_names(run_cli, tmp_path):
    out = tmp_path / "pyramid.xlsx"
    result = run_cli("forecast", "pyramid", "--year", 2030, "--region", "ВКО", "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:2] == b"PK"  # a zip (XLSX), not a PNG under an .xlsx name
    sheet = openpyxl.load_workbook(out).worksheets[0]
    assert [c.value for c in sheet[1]] == ["Возраст", "Мужчины", "Женщины"]
    assert sheet.max_row == 102 and sheet["A2"].value == 0 and sheet["B2"].value > 1000
    bad = run_cli("forecast", "pyramid", "--out", tmp_path / "pyramid.pdf")
    assert isinstance(bad.exception, AimaqError) and ".xlsx" in str(bad.exception)
    assert not (tmp_path / "pyramid.pdf").exists()


def test_numbers_are_written_as_each_language_writes_them():
    from aimaq.cli.output import number_texts
    from aimaq.i18n import use_language

    values = pl.Series("x", [19765004.0, -1234.5, 64.7, -0.004, 999.999, None])
    assert number_texts(values, 1, " ", ",").to_list() == ["19 765 004,0", "-1 234,5", "64,7", "0,0", "1 000,0",
                                                           None]
    for lang, expected in (("ru", "19 765 004"), ("kk", "19 765 004"), ("en", "19,765,004")):
        with use_language(lang):
            stream = io.StringIO()
            emit(pl.DataFrame({"population": [19765004]}), "table", stream=stream)
            assert expected in _plain_spaces(stream.getvalue())

"""What a user reads on the screen and in XLSX: code values as words of the language, numbers by the kind of column,
tables that fit the terminal; CSV and JSON keep the codes. Run on the session's demo database."""

from __future__ import annotations

import io
import re

import openpyxl
import polars as pl
import pytest

from aimaq.cli.output import column_widths, fitting_columns
from aimaq.export.values import VALUE_COLUMNS, known_codes, label_values
from aimaq.i18n import use_language

NBSP, NNBSP = "\u00a0", "\u202f"
BOX = "│┃"


def _plain(text: str) -> str:
    return text.replace(NBSP, " ").replace(NNBSP, " ")


def _cells(text: str) -> set[str]:
    """The cells of every table row printed (box-drawing columns), stripped."""
    cells = set()
    for line in _plain(text).splitlines():
        if line[:1] in BOX:
            cells |= {c.strip() for c in re.split(f"[{BOX}]", line)[1:-1] if c.strip()}
    return cells


def test_a_code_value_is_a_russian_word_on_screen_and_a_code_in_csv(run_cli):
    screen = run_cli("territory", "list", "--level", "region", env={"COLUMNS": "200"})
    assert screen.exit_code == 0, screen.output
    cells = _cells(screen.stdout)
    assert {"область", "регион"} <= cells and not {"oblast", "region"} & cells
    csv = pl.read_csv(io.StringIO(run_cli("territory", "list", "--level", "region", "-f", "csv").stdout))
    assert set(csv["kind"]) == {"oblast", "city_republican"} and set(csv["level"]) == {"region"}


def test_kazakh_and_english_use_the_same_maps(run_cli):
    kk = _cells(run_cli("--lang", "kk", "monotowns", "show", env={"COLUMNS": "200"}).stdout)
    en = _cells(run_cli("--lang", "en", "monotowns", "show", env={"COLUMNS": "200"}).stdout)
    assert {"жоғары", "орташа"} <= kk and "high" not in kk
    assert {"high", "medium", "mining"} <= en  # a specialisation stored in Russian, through the report's map


def test_a_population_is_whole_and_a_fractional_share_is_a_percentage(run_cli):
    text = _plain(run_cli("forecast", "show", env={"COLUMNS": "250"}).stdout)
    assert "19 765 004 " in text or "19 765 004│" in text
    assert "19 765 004,00" not in text and "19765004" not in text
    cells = _cells(text)
    assert "62,2" in cells and "0,62" not in cells and "%" in text.split("62,2")[0]  # heading: «…населения, %»
    assert "средний" in cells and "medium" not in text  # also in the title
    csv = pl.read_csv(io.StringIO(run_cli("forecast", "show", "-f", "csv").stdout))
    assert csv["urban_share"][0] == pytest.approx(0.622) and csv["scenario"][0] == "medium"  # files keep the data


def test_info_rows_and_counts_are_russian_with_separators(run_cli):
    text = _plain(run_cli("info", env={"COLUMNS": "120"}).stdout)
    cells = _cells(text)
    assert {"территории (действующие)", "значения (последние редакции)", "значения", "село"} <= cells
    synthetic_counts = [c for c in cells if re.fullmatch(r"\d{1,3}( \d{3})+", c)]
    assert synthetic_counts and not [c for c in cells if re.fullmatch(r"\d{5,}", c)]  # 184 642, never 184642


def test_runs_show_a_hash_prefix_minutes_and_words(run_cli):
    text = _plain(run_cli("runs", env={"COLUMNS": "250"}).stdout)
    csv = pl.read_csv(io.StringIO(run_cli("runs", "-f", "csv").stdout))
    full = csv["spec_sha256"][0]
    assert len(full) == 64 and full not in text and full[:12] + "…" in text
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", text)  # no microseconds
    assert "обеспеченность 2023" in _cells(text) and "coverage 2023" in set(csv["what"])


def test_every_flag_has_a_russian_text_and_keeps_its_code_in_files(run_cli, demo_db):
    import duckdb

    con = duckdb.connect(str(demo_db), read_only=True)
    notes = [r[0] for r in con.execute("SELECT DISTINCT flag FROM observation WHERE flag IS NOT NULL").fetchall()]
    con.close()
    assert len(notes) > 30
    frame = pl.DataFrame({"flag": notes})
    for lang in ("ru", "kk"):
        with use_language(lang):
            shown = label_values(frame)["flag"].to_list()
        for stored, text in zip(notes, shown):
            assert text != stored and re.search("[а-яё]", text), (lang, stored)
            # no English words left: Latin letters only in the codes the review itself prints (none here)
            assert not re.search(r"\b[A-Za-z]{3,}\b", text), (lang, text)
    screen = _plain(run_cli("flags", env={"COLUMNS": "200"}).stdout)
    assert "урбанизация падает" in screen and "urbanisation falls" not in screen
    assert "urbanisation_pct" not in screen and "Уровень урбанизации" in " ".join(screen.split())  # its name
    csv = run_cli("flags", "-f", "csv").stdout
    assert "urbanisation falls" in csv and ",urbanisation_pct," in csv  # files keep the codes


def test_a_wide_table_at_80_columns_fits_and_names_what_it_left_out(run_cli):
    result = run_cli("standards", "coverage", "--year", 2023, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    text = " ".join(_plain(result.stdout).split())
    assert "Не поместились в ширину терминала:" in text and "Аномалия" in text and "-f csv" in text
    assert "Синтетические" in text.split("Не поместились")[0]  # the synthetic flag is kept on screen


def test_columns_are_chosen_and_sized_to_the_width():
    assert fitting_columns([10, 50, 5], 40) == [0, 2]  # the wide one is left out, the next still shown
    assert fitting_columns([10, 10, 10], 30, keep=(2,)) == [0, 2]
    assert column_widths([5, 5], [5, 20], 40) == [5, 20]  # room enough: natural widths
    widths = column_widths([5, 5], [25, 25], 25)  # 25 - 1 - 16 = 8 left: shared by need
    assert widths == [9, 9] and sum(w + 3 for w in widths) + 1 <= 25


RESULTS_COMMANDS = [
    ("info",), ("runs",), ("flags",), ("territory", "list"), ("territory", "events"), ("indicator", "list"),
    ("rating", "show", "--year", "2024"), ("rating", "factors", "--year", "2024"),
    ("rating", "riskmap", "--year", "2024"),
    ("standards", "coverage", "--year", "2023"), ("standards", "catalogue"), ("villages", "show"),
    ("monotowns", "list"), ("monotowns", "show"), ("programmes", "kpi"), ("programmes", "auyl"),
    ("forecast", "show"), ("batch", "list"),
]


def test_no_code_value_reaches_a_russian_screen(run_cli):
    """Each results command, in Russian: no cell of its table is a code that has a label."""
    codes = known_codes() - {"qol"}  # «qol» is also the rating methodology's name, shown as such in `runs`
    for args in RESULTS_COMMANDS:
        result = run_cli("--lang", "ru", *args, env={"COLUMNS": "1000"})  # wide: no text folded
        assert result.exit_code == 0, (args, result.output)
        leaked = _cells(result.stdout) & codes
        assert not leaked, (args, leaked)


def test_xlsx_shows_labels_and_typed_numbers_csv_keeps_codes(run_cli, tmp_path):
    out = tmp_path / "forecast.xlsx"
    assert run_cli("forecast", "show", "--out", out).exit_code == 0
    sheet = openpyxl.load_workbook(out)["Данные"]
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2])}
    assert row["Сценарий"].value == "средний"
    population, urban = row["Численность населения"], row["Доля городского населения"]
    assert population.value == pytest.approx(19765004) and population.number_format == "#,##0"
    assert urban.value == pytest.approx(0.622) and urban.number_format == "0.0%"  # a number, shown as 62.2%


def test_every_label_map_is_translated_in_every_language():
    for lang in ("ru", "kk"):
        with use_language(lang):
            for column, mapping in VALUE_COLUMNS.items():
                frame = label_values(pl.DataFrame({column: list(mapping)}))
                untranslated = [c for c, shown in zip(mapping, frame[column]) if shown == mapping[c]
                                and re.fullmatch(r"[a-z_ ()]+", shown)]
                assert not untranslated, (lang, column, untranslated)


def test_info_as_xlsx_has_a_titled_sheet_per_table_with_words_and_number_formats(run_cli, tmp_path):
    out = tmp_path / "info.xlsx"
    assert run_cli("info", "--out", out).exit_code == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Территории по уровням и типам", "Итоги", "Доля синтетических данных",
                               "Источники и методика"]
    rows = list(book["Доля синтетических данных"].iter_rows())
    assert [c.value for c in rows[0]] == ["Что", "Итого", "Синтетические данные", "Синтетических, %"]
    assert rows[1][0].value == "значения" and isinstance(rows[1][2].value, int)  # a SQL sum, written as a number
    assert rows[1][2].number_format == "#,##0" and rows[1][3].number_format == "#,##0.0"
    csv = run_cli("info", "-f", "csv").stdout
    assert "observations (latest revisions)" in csv and "share synthetic" in csv  # files keep the codes

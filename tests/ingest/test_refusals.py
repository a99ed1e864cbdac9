"""Nothing silently lost or misread: every refusal is fed a real file and checked to name the cell and to write
nothing; what must be read (every row of a sheet with a stale <dimension> tag) is read."""

import datetime as dt
import re
import zipfile

import openpyxl
import polars as pl
import pytest

from aimaq.errors import ValidationFailed
from aimaq.ingest import readers
from aimaq.ingest.service import import_file
from aimaq.store.catalogue import save_indicators

INDICATORS = pl.DataFrame({
    "code": ["population", "water_access_pct", "arrivals", "roads_target_pct", "gdp_bn"],
    "name_ru": ["Население", "Доступ к воде", "Прибывшие", "Дороги (цель)", "ВРП"],
    "unit": ["persons", "pct", "persons", "pct", "bn_kzt"],
    "granularity": ["year", "year", "year|month", "year", "year"],
    "kind": ["observed", "observed", "observed", "target", "observed"],
    "min_value": [0, None, None, None, None],
    "max_value": [30_000_000, None, None, None, None],
})
HEADER = "territory,indicator,period,value,source"
GOOD = "Акмолинская,population,2023,787971,БНС"


@pytest.fixture()
def con(db):
    save_indicators(db, INDICATORS)
    return db


def written(con):
    return (con.execute("SELECT count(*) FROM observation").fetchone()[0],
            con.execute("SELECT count(*) FROM import_batch").fetchone()[0])


def refused(con, path):
    with pytest.raises(ValidationFailed) as err:
        import_file(con, path)
    assert written(con) == (0, 0)
    return err.value.problems


def csv_file(tmp_path, *rows, name="data.csv", header=HEADER, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path


BAD_VALUES = [
    ("1,234", "population", "ambiguous number for a count"),
    ("1.234", "population", "ambiguous number for a count"),
    ("12,5", "population", "a count must be a whole number"),
    ("1_000", "population", "not a number in a documented notation"),
    ("１２３", "population", "not a number in a documented notation"),  # full-width digits
    ("1e308", "gdp_bn", "not a number in a documented notation"),
    ("-0", "gdp_bn", "negative zero"),
    ("inf", "gdp_bn", "not a number in a documented notation"),
    ("nan", "gdp_bn", "not a number in a documented notation"),
    ("1.234.567", "population", "not a number in a documented notation"),
    ("=HYPERLINK(\"\"http://x\"\")", "population", "not a number in a documented notation"),
    ("40000000", "population", "outside the plausible range 0 … 30000000"),
    ("100,5", "water_access_pct", "outside the plausible range 0 … 100"),
]


@pytest.mark.parametrize("value, indicator, reason", BAD_VALUES, ids=[b[0] for b in BAD_VALUES])
def test_a_value_outside_the_documented_notations_is_refused_naming_the_cell(con, tmp_path, value, indicator,
                                                                              reason):
    cell = f'"{value}"' if "," in value or '"' in value else value
    path = csv_file(tmp_path, GOOD, f"ВКО,{indicator},2023,{cell},")
    (p,) = refused(con, path)
    assert (p.row, p.column) == (3, "D (value)") and reason in p.reason, str(p)


@pytest.mark.parametrize("value, expected", [("1 234", 1234), ("1\u00a0234,5", 1234.5), ("1234.5", 1234.5),
                                             ("1234,5", 1234.5), ("1\u202f234", 1234), ("-12,5", -12.5)])
def test_documented_notations_are_read(con, tmp_path, value, expected):
    path = csv_file(tmp_path, f'ВКО,gdp_bn,2023,"{value}",')
    assert import_file(con, path).added == 1
    assert con.execute("SELECT value FROM observation").fetchone()[0] == expected


def test_one_decimal_comma_value_of_a_non_count_is_a_fraction(con, tmp_path):
    import_file(con, csv_file(tmp_path, 'ВКО,water_access_pct,2023,"96,500",'))
    assert con.execute("SELECT value FROM observation").fetchone()[0] == 96.5


def test_periods_of_the_wrong_granularity_or_in_the_future_are_refused(con, tmp_path):
    future = dt.date.today().year + 1
    path = csv_file(tmp_path, "ВКО,population,2023-06,1000,", f"ВКО,population,{future},1000,",
                    "ВКО,population,2999,1000,", "ВКО,population,2023-Q2,1000,", "ВКО,arrivals,2023-06,10,",
                    f"ВКО,roads_target_pct,{future + 3},80,")
    problems = refused(con, path)
    got = {(p.row, p.reason.split(":")[0].split(" is given")[0]) for p in problems}
    assert got == {(2, "indicator population"), (3, f"period after the current year {dt.date.today().year}"),
                   (4, f"period after the current year {dt.date.today().year}"), (5, "indicator population")}
    assert all(p.column == "C (period)" for p in problems)
    # the monthly indicator and the target are fine on their own
    result = import_file(con, csv_file(tmp_path, "ВКО,arrivals,2023-06,10,", f"ВКО,roads_target_pct,{future + 3},80,",
                                       name="ok.csv"))
    assert result.added == 2


MALFORMED = [
    ("open quote", f'{HEADER}\n{GOOD}\n"ВКО,population,2023,5,\nАкмолинская,population,2022,5,\n', 3,
     "a quote opened here is never closed"),
    ("duplicated header", "territory,indicator,period,value,value\nВКО,population,2023,5,6\n", 1,
     "column name 'value' repeated"),
    ("empty header name", "territory,indicator,,period,value\nВКО,population,x,2023,5\n", 1,
     "empty column name above data"),
    ("header only", f"{HEADER}\n", None, "no data: the file has a header but no rows"),
    ("row longer than header", f"{HEADER}\n{GOOD}\nВКО,population,2022,5,БНС,extra\n", 3,
     "a cell beyond the last named column"),
    ("empty file", "", None, "empty file"),
]


@pytest.mark.parametrize("text, row, reason", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_csv_is_refused(con, tmp_path, text, row, reason):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    (p,) = refused(con, path)
    assert p.row == row and reason in p.reason, str(p)


def test_trailing_empty_columns_of_an_editor_are_not_an_error(con, tmp_path):
    path = csv_file(tmp_path, GOOD + ",,", header=HEADER + ",,")
    assert import_file(con, path).added == 1


def test_formula_text_is_stored_as_text_and_exported_escaped(con, tmp_path):
    from aimaq.cli.output import emit

    path = csv_file(tmp_path, 'Акмолинская,population,2023,787971,"=HYPERLINK(""http://evil"",""x"")"')
    import_file(con, path)
    title = con.execute("SELECT s.title FROM observation o JOIN source s USING (source_id)").fetchone()
    note = con.execute("SELECT note FROM observation").fetchone()[0]
    assert title is None or title[0] != "x"  # nothing was evaluated
    frame = pl.DataFrame({"source": ['=HYPERLINK("http://evil","x")', "+7 701", "-1+2", "@SUM(A1)", "БНС"],
                          "value": [1.0, 2.0, -3.0, 4.0, 5.0]})
    import io

    out = io.StringIO()
    emit(frame, "csv", stream=out)
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("\"'=HYPERLINK(") and lines[2].startswith("'+7 701")
    assert lines[3].startswith("'-1+2") and lines[4].startswith("'@SUM") and lines[5] == "БНС,5.0"
    assert lines[3].endswith(",-3.0")  # a negative number stays a number
    assert note is None


def test_the_source_column_keeps_formula_text_as_text(con, tmp_path):
    from aimaq.ingest.service import validate_file

    path = csv_file(tmp_path, 'Акмолинская,population,2023,787971,"=1+1"')
    parsed = validate_file(con, path)
    assert parsed.frame["source_title"].to_list() == ["=1+1"]


def _stale_dimension(path, ref):
    """Rewrite the sheet's <dimension> tag as other tools leave it: claiming fewer cells than it holds."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), data)
                assert f'<dimension ref="{ref}"/>'.encode() in data
            dst.writestr(item, data)
    tmp.replace(path)


def test_every_row_of_a_sheet_is_read_whatever_its_dimension_tag_says(con, tmp_path):
    path = tmp_path / "stale.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "data"
    ws.append(["territory", "indicator", "period", "value"])
    for year in (2021, 2022, 2023):
        ws.append(["Акмолинская", "population", year, 780000 + year])
    ws["F9"] = None
    book.save(path)
    _stale_dimension(path, "A1:D2")
    result = import_file(con, path)
    assert result.added == 3
    assert sorted(r[0] for r in con.execute("SELECT period FROM observation").fetchall()) == ["2021", "2022", "2023"]


def test_xlsx_numbers_are_the_cells_own_numbers_and_typed_text_is_checked(con, tmp_path):
    path = tmp_path / "typed.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["territory", "indicator", "period", "value"])
    ws.append(["Акмолинская", "population", 2023, 787971])
    ws.append(["ВКО", "water_access_pct", 2023, 96.25])
    ws.append(["СКО", "population", 2023, "1,234"])  # typed as text: ambiguous
    ws.append(["Абай", "population", 2023, 1.5])  # a number, but not a whole count
    book.save(path)
    problems = refused(con, path)
    assert [(p.row, p.reason.split(" (")[0].split(":")[0]) for p in problems] == [
        (4, "ambiguous number for a count"), (5, "a count must be a whole number")]


def test_an_oversized_field_is_refused_by_row_and_column(con, tmp_path):
    path = csv_file(tmp_path, GOOD, "ВКО,population,2023,5," + "x" * 131_073)
    (p,) = refused(con, path)
    assert (p.row, p.column) == (3, "E (source)") and "cell too long: 131073 characters" in p.reason


def test_an_oversized_file_is_refused(con, tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 100)
    path = csv_file(tmp_path, *[GOOD] * 5)
    (p,) = refused(con, path)
    assert "file too large" in p.reason


@pytest.mark.parametrize("encoding, says", [("cp1251", "Windows-1251"), ("utf-16", "UTF-16")])
def test_an_unreadable_encoding_says_which_it_is_and_how_to_save(con, tmp_path, encoding, says):
    path = csv_file(tmp_path, GOOD, encoding=encoding)
    (p,) = refused(con, path)
    assert says in p.reason and "CSV UTF-8" in p.reason


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04broken"], ids=["not a zip", "broken zip"])
def test_a_broken_workbook_is_refused_without_a_server_path(con, tmp_path, content):
    path = tmp_path / "book.xlsx"
    path.write_bytes(content)
    (p,) = refused(con, path)
    assert "XLSX" in p.reason and str(tmp_path) not in p.reason


def test_an_xlsx_renamed_to_csv_is_refused(con, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["territory"])
    book.save(tmp_path / "x.xlsx")
    path = tmp_path / "x.csv"
    path.write_bytes((tmp_path / "x.xlsx").read_bytes())
    (p,) = refused(con, path)
    assert "zip" in p.reason


def test_messages_are_russian_by_default(con, tmp_path):
    from aimaq import i18n

    path = csv_file(tmp_path, "Атлантида,population,2023,1,")
    with i18n.use_language("ru"):
        with pytest.raises(ValidationFailed) as err:
            import_file(con, path)
        (p,) = err.value.problems
        assert p.reason.startswith("неизвестная территория") and "строка 2" in str(p)
        assert "ничего не записано" in str(err.value)


def test_many_problems_are_listed_up_to_a_cap_and_counted(con, tmp_path, monkeypatch):
    from aimaq.ingest import problems as problems_module
    from aimaq.ingest import validate

    monkeypatch.setattr(problems_module, "SHOWN_PROBLEMS", 10)
    monkeypatch.setattr(validate, "to_problems",
                        lambda file, frame, order=None: problems_module.to_problems(file, frame, order, limit=10))
    path = csv_file(tmp_path, *[f"Атлантида{i},population,2023,1," for i in range(25)])
    with pytest.raises(ValidationFailed) as err:
        import_file(con, path)
    assert len(err.value.problems) == 10 and err.value.total == 25
    assert "and 15 more problems" in err.value.details()
    assert written(con) == (0, 0)


def test_cli_every_bad_input_exits_2_with_the_cell_and_no_traceback(con, tmp_path):
    import os
    import subprocess
    import sys

    db_path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    con.close()
    files = {
        "cp1251.csv": (GOOD + "\n").encode("cp1251"),
        "utf16.csv": (HEADER + "\n" + GOOD + "\n").encode("utf-16"),
        "broken.xlsx": b"PK\x03\x04 broken",
        "long.csv": (HEADER + "\n" + GOOD + "," + "x" * 131_073 + "\n").encode(),
        "quote.csv": (HEADER + '\n"' + GOOD + "\n").encode(),
        "ambiguous.csv": (HEADER + '\nВКО,population,2023,"1,234",\n').encode(),
    }
    env = {**os.environ, "AIMAQ_DB": db_path, "AIMAQ_LANG": "en"}
    for name, content in files.items():
        path = tmp_path / name
        path.write_bytes(content)
        run = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "import", str(path)], capture_output=True,
                             text=True, env=env)
        assert run.returncode == 2, (name, run.stderr)
        assert name in run.stderr and "Traceback" not in run.stderr and "unexpected" not in run.stderr
        assert "nothing was written" in run.stderr

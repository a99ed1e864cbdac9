"""Every import error reason, in CSV and in XLSX; all-or-nothing writes; revisions; the CLI contract."""

import os
import subprocess
import sys

import openpyxl
import polars as pl
import pytest

from aimaq.errors import ValidationFailed
from aimaq.ingest.service import import_file
from aimaq.store.catalogue import save_indicators

INDICATORS = pl.DataFrame({
    "code": ["population", "water_access_pct", "gdp_bn"],
    "name_ru": ["Численность населения", "Доступ к водоснабжению", "ВРП"],
    "unit": ["persons", "pct", "bn_kzt"],
    "polarity": [0, 1, 1],
})
HEADER = ["territory", "indicator", "period", "value", "unit"]


@pytest.fixture()
def con(db):
    save_indicators(db, INDICATORS)
    return db


def write(tmp_path, rows, fmt, header=HEADER, name="data", sheets=None):
    """The same table as a CSV file or as an XLSX workbook."""
    if fmt == "csv":
        path = tmp_path / f"{name}.csv"
        path.write_text("\n".join(",".join(str(c) for c in r) for r in [header, *rows]) + "\n", encoding="utf-8")
        return path
    path = tmp_path / f"{name}.xlsx"
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, (head, body) in (sheets or {"data": (header, rows)}).items():
        ws = book.create_sheet(title)
        ws.append(head)
        for r in body:
            ws.append(list(r))
    book.save(path)
    return path


def count(con):
    return con.execute("SELECT count(*) FROM observation").fetchone()[0]


GOOD = [("Акмолинская", "population", 2023, 787971, "чел."), ("ВКО", "water_access_pct", 2023, 96.5, "%")]

BAD_ROWS = [
    (("Атлантида", "population", 2023, 1, ""), "territory", "unknown territory"),
    (("Алатау", "population", 2024, 1, ""), "territory", "ambiguous territory"),  # town (2024) or city district
    (("Акмолинская", "happiness", 2023, 1, ""), "indicator", "unknown indicator"),
    (("Акмолинская", "population", 2023, "много", ""), "value", "value is not a number"),
    (("Акмолинская", "population", 2023, 5, "%"), "unit", "unit mismatch"),
    (("Акмолинская", "water_access_pct", 2023, 101.5, ""), "value", "outside the plausible range 0 … 100"),
    (("Акмолинская", "population", 2023, -3, ""), "value", "outside the plausible range 0 … 100000000"),
    (("Абай", "population", 2019, 600000, ""), "period", "period outside the validity"),
    (("Акмолинская", "population", "весна", 1, ""), "period", "period is not a year"),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("bad, column, reason", BAD_ROWS, ids=[b[2] for b in BAD_ROWS])
def test_each_error_reason_names_file_row_column_and_writes_nothing(con, tmp_path, fmt, bad, column, reason):
    path = write(tmp_path, [*GOOD, bad], fmt)
    with pytest.raises(ValidationFailed) as err:
        import_file(con, path)
    problems = err.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    p = problems[0]
    assert p.file == str(path) and p.row == 4 and reason in p.reason
    assert column in p.column
    assert p.sheet == (None if fmt == "csv" else "data")
    assert count(con) == 0  # the good rows before it were not written either


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_duplicate_keys_within_the_file(con, tmp_path, fmt):
    path = write(tmp_path, [*GOOD, ("Акмолинская область", "population", 2023, 787972, "")], fmt)
    with pytest.raises(ValidationFailed) as err:
        import_file(con, path)
    (p,) = err.value.problems
    assert p.row == 4 and "duplicate key" in p.reason and "row 2" in p.reason
    assert count(con) == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_problem_is_reported_at_once(con, tmp_path, fmt):
    path = write(tmp_path, [*GOOD, *(b for b, _, _ in BAD_ROWS)], fmt)
    with pytest.raises(ValidationFailed) as err:
        import_file(con, path)
    assert sorted({p.row for p in err.value.problems}) == list(range(4, 4 + len(BAD_ROWS)))


def test_last_row_bad_writes_nothing_even_in_a_long_file(con, tmp_path):
    rows = [("Акмолинская", "population", year, 700000 + year, "") for year in range(1995, 2024)]
    rows.append(("Акмолинская", "population", 2024, "н/д?", ""))
    with pytest.raises(ValidationFailed):
        import_file(con, write(tmp_path, rows, "csv"))
    assert count(con) == 0 and con.execute("SELECT count(*) FROM import_batch").fetchone()[0] == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_revisions_are_appended_and_reads_take_the_latest(con, tmp_path, fmt):
    first = import_file(con, write(tmp_path, GOOD, fmt, name="first"))
    assert (first.added, first.revised, first.unchanged) == (2, 0, 0)
    changed = [("Акмолинская", "population", 2023, 788000, ""), ("ВКО", "water_access_pct", 2023, 96.5, "")]
    second = import_file(con, write(tmp_path, changed, fmt, name="second"))
    assert (second.added, second.revised, second.unchanged) == (0, 1, 1)
    rows = con.execute("SELECT revision, value FROM observation WHERE kato = '110000000' ORDER BY revision").fetchall()
    assert rows == [(1, 787971.0), (2, 788000.0)]  # the earlier value is kept
    latest = con.execute("SELECT value FROM observation_latest WHERE kato = '110000000'").fetchone()[0]
    assert latest == 788000.0


def test_dry_run_reports_and_writes_nothing(con, tmp_path):
    result = import_file(con, write(tmp_path, GOOD, "csv"), dry_run=True)
    assert (result.added, result.dry_run) == (2, True) and count(con) == 0


def test_wide_layout_csv_named_by_indicator_and_xlsx_one_indicator_per_sheet(con, tmp_path):
    path = tmp_path / "population.csv"
    path.write_text("Регион,2021,2022,2023\nАкмолинская,738587,785 000,787971\nг. Алматы,2000900,,2161695\n",
                    encoding="utf-8")
    result = import_file(con, path)
    assert result.layout == "wide" and result.added == 5  # the empty cell is no observation
    value = con.execute("SELECT value FROM observation WHERE kato='110000000' AND period='2022'").fetchone()[0]
    assert value == 785000.0  # «785 000» as tables write it
    book = write(tmp_path, [], "xlsx", name="wide", sheets={
        "population": (["territory", "2024"], [("Акмолинская", 790000)]),
        "water_access_pct": (["territory", "2023", "2024"], [("СКО", 97.0, 120)]),
    })
    with pytest.raises(ValidationFailed) as err:
        import_file(con, book)
    (p,) = err.value.problems
    assert (p.sheet, p.row, p.column) == ("water_access_pct", 2, "C (2024)")
    assert "outside the plausible range 0 … 100 " in p.reason


def test_cli_import_errors_go_to_stderr_with_nonzero_status(con, tmp_path):
    db_path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    con.close()
    bad = write(tmp_path, [*GOOD, ("Атлантида", "population", 2023, 1, "")], "csv")
    env = {**os.environ, "AIMAQ_DB": db_path}
    run = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "import", str(bad)], capture_output=True,
                         text=True, env=env)
    assert run.returncode == 2
    assert "Атлантида" in run.stderr and "unknown territory" in run.stderr and run.stdout == ""
    good = write(tmp_path, GOOD, "csv", name="good")
    run = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "--db", db_path, "import", str(good)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "added 2, revised 0, unchanged 0" in run.stdout


def test_an_earlier_revision_can_be_read_back(con, tmp_path):
    from aimaq.territory.boundaries import series_on_boundaries

    import_file(con, write(tmp_path, GOOD, "csv", name="first"))
    import_file(con, write(tmp_path, [("Акмолинская", "population", 2023, 788000, "")], "csv", name="second"))
    latest, _ = series_on_boundaries(con, "population", None)
    first, _ = series_on_boundaries(con, "population", None, max_revision=1)
    by_import, _ = series_on_boundaries(con, "population", None, as_of_import=1)
    assert latest.filter(latest["kato"] == "110000000")["value"].to_list() == [788000.0]
    assert first.filter(first["kato"] == "110000000")["value"].to_list() == [787971.0]
    assert by_import["value"].to_list() == first["value"].to_list()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_not_available_marker_is_a_missing_value_with_a_note_not_an_error(con, tmp_path, fmt):
    rows = [*GOOD, ("Конаев", "population", 2022, "н/д", ""), ("Абай", "population", 2023, "-", "")]
    result = import_file(con, write(tmp_path, rows, fmt))
    assert result.added == 4
    value, note = con.execute("SELECT value, note FROM observation WHERE kato = '191000000'").fetchone()
    assert value is None and "н/д" in note
    # a marker does not excuse an unknown territory
    with pytest.raises(ValidationFailed) as err:
        import_file(con, write(tmp_path, [("Атлантида", "population", 2023, "н/д", "")], fmt, name="bad"))
    assert "unknown territory" in err.value.problems[0].reason


def test_work_done_with_a_batch_lands_with_it_or_not_at_all(con):
    from aimaq.ingest.service import write_records

    records = [{"kato": "110000000", "indicator": "population", "period": "2023", "value": 1.0}]

    def fails(con, import_id):
        raise RuntimeError("recording the user failed")

    with pytest.raises(RuntimeError):
        write_records(con, records, file="x.csv", layout="long", also=fails)
    assert count(con) == 0 and con.execute("SELECT count(*) FROM import_batch").fetchone()[0] == 0
    seen = []
    write_records(con, records, file="x.csv", layout="long", also=lambda con, import_id: seen.append(import_id))
    batch = con.execute("SELECT import_id FROM import_batch").fetchall()
    assert seen == [batch[0][0]] and len(batch) == 1 and count(con) == 1

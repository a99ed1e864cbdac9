"""`aimaq --db postgresql://… import FILE` (and --dry-run) on a throwaway PostgreSQL cluster gives the same counts,
revisions and stored rows as on a DuckDB file, file after file; a refused file writes nothing on either."""

import os
import subprocess
import sys

import openpyxl
import polars as pl
import pytest

from aimaq.store.catalogue import save_indicators
from aimaq.store.db import connect
from aimaq.territory.repository import save_registry

INDICATORS = pl.DataFrame({"code": ["population", "arrivals"], "name_ru": ["Население", "Прибывшие"],
                           "unit": ["persons", "persons"], "granularity": ["year", "year|month"]})
HEADER = "territory,indicator,period,value,breakdown\n"


def _cli(db, *args):
    env = {**os.environ, "AIMAQ_LANG": "en"}
    return subprocess.run([sys.executable, "-m", "aimaq.cli.main", "--db", str(db), *args], capture_output=True,
                          text=True, env=env, timeout=300)


def _xlsx(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "data"
    sheet.append(["territory", "indicator", "period", "value"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture()
def both(db, registry, pg_url):
    """The same registry and indicators in a DuckDB file and in a PostgreSQL database."""
    save_indicators(db, INDICATORS)
    duck = db.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    db.close()
    con = connect(pg_url)
    save_registry(con, registry)
    save_indicators(con, INDICATORS)
    con.close()
    return duck, pg_url


def _stored(target):
    con = connect(target, read_only=True)
    try:
        rows = con.execute("SELECT kato, indicator, period, breakdown, value, revision, import_id FROM observation "
                           "ORDER BY ALL").fetchall()
        batches = con.execute("SELECT import_id, layout, rows_added, rows_revised, rows_unchanged FROM import_batch "
                              "ORDER BY import_id").fetchall()
        return rows, batches
    finally:
        con.close()


def test_the_cli_imports_into_postgresql_as_into_duckdb(both, tmp_path):
    duck, pg = both
    first = tmp_path / "first.csv"
    first.write_text(HEADER + "Акмолинская,population,2022,787000,\nАкмолинская,population,2023,787971,\n"
                     "ВКО,arrivals,2023-05,120,sex=female\n", encoding="utf-8")
    second = tmp_path / "second.csv"
    second.write_text(HEADER + "Акмолинская,population,2023,788000,\nВКО,arrivals,2023-05,120,sex=female\n"
                      "ВКО,arrivals,2023-06,95,sex=female\n", encoding="utf-8")
    third = _xlsx(tmp_path / "third.xlsx", [("Акмолинская", "population", 2023, 789000)])
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "Акмолинская,population,2023,1\nАтлантида,population,2023,5\n", encoding="utf-8")
    steps = [(["import", str(first)], 0, "added 3, revised 0, unchanged 0"),
             (["import", str(first)], 0, "added 0, revised 0, unchanged 3"),
             (["import", "--dry-run", str(second)], 0, "would add 1, would revise 1, unchanged 1"),
             (["import", str(second)], 0, "added 1, revised 1, unchanged 1"),
             (["import", str(bad)], 2, "unknown territory"),
             (["import", str(third)], 0, "added 0, revised 1, unchanged 0")]
    for args, status, said in steps:
        for target in (duck, pg):
            run = _cli(target, *args)
            assert run.returncode == status, (target, args, run.stderr)
            assert said in (run.stdout if status == 0 else run.stderr), (target, args, run.stdout, run.stderr)
            assert "Traceback" not in run.stderr
    duck_rows, duck_batches = _stored(duck)
    pg_rows, pg_batches = _stored(pg)
    assert pg_rows == duck_rows and pg_batches == duck_batches
    # three revisions of one key, in the order of the files; the refused file left nothing
    assert [r[4:6] for r in pg_rows if r[1] == "population" and r[2] == "2023"] == \
        [(787971.0, 1), (788000.0, 2), (789000.0, 3)]
    assert [b[2:] for b in pg_batches] == [(3, 0, 0), (0, 0, 3), (1, 1, 1), (0, 1, 0)]

"""The real-data path from nothing: a missing database is never created by a command; `init` fills a new or empty
file; `info` on an empty database says what to do next."""

import duckdb
import pytest

from aimaq.store.db import connect, holds_no_data


@pytest.mark.parametrize("args", [["info"], ["import", "data.csv"], ["series", "population"],
                                  ["rating", "show", "--year", "2024"], ["standards", "coverage", "--year", "2023"],
                                  ["forecast", "run", "--draws", "0"], ["monotowns", "list"], ["territory", "list"]])
def test_a_command_on_a_missing_database_says_so_and_creates_nothing(aimaq, tmp_path, args):
    (tmp_path / "data.csv").write_text("territory,indicator,period,value\nг. Астана,population,2023,1\n",
                                       encoding="utf-8")
    target = tmp_path / "new.duckdb"
    code, out, err = aimaq("--db", target, *[str(tmp_path / a) if a.endswith(".csv") else a for a in args])
    assert code == 1 and out == ""
    assert err.startswith(f"Ошибка: базы данных {target} нет") and f"aimaq --db {target} init" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]  # no database, no .wal


def test_what_counts_as_empty(tmp_path):
    assert holds_no_data(tmp_path / "missing.duckdb")
    (tmp_path / "zero.duckdb").write_bytes(b"")
    assert holds_no_data(tmp_path / "zero.duckdb")
    connect(tmp_path / "migrated.duckdb").close()  # every table made, none filled
    assert holds_no_data(tmp_path / "migrated.duckdb")
    con = duckdb.connect(str(tmp_path / "mine.duckdb"))
    con.execute("CREATE TABLE precious AS SELECT 42 AS answer")
    con.close()
    assert not holds_no_data(tmp_path / "mine.duckdb")
    (tmp_path / "text.duckdb").write_text("not a database")
    assert not holds_no_data(tmp_path / "text.duckdb")


@pytest.mark.parametrize("make", ["migrated", "no tables", "zero bytes"])
def test_info_on_an_empty_database_says_what_to_do_next(aimaq, tmp_path, make):
    path = tmp_path / "empty.duckdb"
    if make == "migrated":
        connect(path).close()
    elif make == "no tables":
        duckdb.connect(str(path)).close()
    else:
        path.write_bytes(b"")
    code, out, err = aimaq("--db", path, "info")
    assert code == 0, err
    assert f"В базе {path} пока нет данных" in out and f"aimaq --db {path} init" in out and "import" in out
    code, out, _ = aimaq("--lang", "en", "--db", path, "info")
    assert "holds no data yet" in out


def test_init_fills_an_empty_file(aimaq, tmp_path):
    path = tmp_path / "new.duckdb"
    path.write_bytes(b"")  # e.g. left by an older version that created files on any command
    code, out, err = aimaq("--db", path, "init", "-f", "csv")
    assert code == 0, err
    assert f"база данных: {path}" in out
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM territory WHERE level = 'region'").fetchone()[0] >= 20
    assert con.execute("SELECT count(*) FROM observation WHERE indicator = 'qol_score'").fetchone()[0] > 0
    con.close()
    code, _, err = aimaq("--db", path, "init")  # now it holds data: refused, nothing lost
    assert code == 1 and "уже содержит данные" in err

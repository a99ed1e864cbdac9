"""`aimaq init`: a database for real work, nothing synthetic; builds never leave a half-made file."""

import subprocess
import sys

import duckdb
import pytest

from aimaq import i18n
from aimaq.demo import _build, init_database
from aimaq.errors import AimaqError


def test_init_has_the_real_data_and_nothing_synthetic(tmp_path):
    con = init_database(tmp_path / "real.duckdb")
    assert con.execute("SELECT count(*) FROM observation WHERE synthetic").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM territory WHERE level = 'region' AND valid_to IS NULL").fetchone()[0] == 20
    # the review's figures are there, monotowns included (real towns such as Хромтау)
    value = con.execute("""SELECT value FROM observation_latest o JOIN territory t USING (kato)
                           WHERE o.indicator = 'qol_score' AND o.period = '2024' AND t.name_ru = 'Туркестан'
                           LIMIT 1""").fetchone()[0]
    assert value == 6.43
    synthetic = con.execute("SELECT name_ru FROM territory WHERE synthetic").fetchall()
    assert synthetic == [("Алатау",)]  # the 2024 town has no real record yet: its figures are marked synthetic
    con.close()


def test_init_refuses_an_existing_file(tmp_path):
    path = tmp_path / "mine.duckdb"
    keep = duckdb.connect(str(path))
    keep.execute("CREATE TABLE precious AS SELECT 42 AS answer")
    keep.close()
    with pytest.raises(AimaqError, match="already holds data"), i18n.use_language("en"):
        init_database(path)
    run = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "--db", str(path), "init"], capture_output=True,
                         text=True)
    assert run.returncode != 0 and "уже содержит данные" in run.stderr
    assert duckdb.connect(str(path)).execute("SELECT answer FROM precious").fetchone()[0] == 42


def test_a_failed_build_leaves_the_old_database_as_it_was(tmp_path):
    path = tmp_path / "aimaq.duckdb"
    old = duckdb.connect(str(path))
    old.execute("CREATE TABLE precious AS SELECT 42 AS answer")
    old.close()

    def broken(con):
        raise RuntimeError("a step failed")

    with pytest.raises(RuntimeError):
        _build(path, [("ok", lambda con: None), ("broken", broken)], replace=True)
    assert duckdb.connect(str(path)).execute("SELECT answer FROM precious").fetchone()[0] == 42

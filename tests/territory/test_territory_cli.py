"""The registry's commands, run as a user would, on a real database file."""

import csv
import io
import subprocess
import sys

import pytest

from aimaq.ingest.shipped import load_stats
from aimaq.store.db import connect
from aimaq.territory.registry import build_registry
from aimaq.territory.repository import save_registry


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "aimaq.duckdb"
    con = connect(path)
    save_registry(con, build_registry())
    load_stats(con)
    con.close()
    return str(path)


def aimaq(db_path, *args):
    run = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "--db", db_path, *args], capture_output=True,
                         text=True)
    return run


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_resolve_prints_the_territory_and_kazakh_letters_survive(db_path):
    run = aimaq(db_path, "territory", "resolve", "Шығыс Қазақстан облысы", "--format", "csv")
    assert run.returncode == 0, run.stderr
    (row,) = rows(run.stdout)
    assert row["kato"] == "630000000" and row["level"] == "region"
    run = aimaq(db_path, "territory", "resolve", "Алатау", "--format", "csv")
    assert run.returncode == 3 and "неоднозначное название" in run.stderr and run.stdout == ""


def test_list_regions_of_a_year_and_events(db_path):
    run = aimaq(db_path, "territory", "list", "--level", "region", "--at", "2021-01-01", "--format", "json")
    assert run.returncode == 0 and run.stdout.count('"kato"') == 17
    run = aimaq(db_path, "territory", "events", "--format", "csv")
    events = rows(run.stdout)
    assert any(e["kind"] == "split" and e["codes_after"] == "630000000|100000000" for e in events)
    assert "Ұлытау" in run.stdout


def test_series_on_older_boundaries_sums_new_regions_and_says_what_it_cannot(db_path):
    run = aimaq(db_path, "series", "population", "--boundaries", "2021", "--format", "csv")
    assert run.returncode == 0, run.stderr
    table = {(r["kato"], r["period"]): r for r in rows(run.stdout)}
    east = table[("630000000", "2023")]
    assert float(east["value"]) == 730172 + 610189  # 1 Jan 2023 release (revision 2): East Kazakhstan + Abai
    assert east["how"].startswith("сумма: ")  # in the user's language, like the note below
    assert table[("610000000", "2010")]["how"].startswith("нельзя")  # South Kazakhstan cannot be split
    assert "нельзя показать в границах 2021 года" in run.stderr


def test_flags_lists_kept_but_flagged_figures(db_path):
    run = aimaq(db_path, "flags", "--format", "csv")
    assert run.returncode == 0, run.stderr
    flagged = rows(run.stdout)
    # the BNS figures republished in the 2018 boundaries one year early
    assert {r["territory"] for r in flagged if r["period"] == "2017"} == {"город Шымкент", "Туркестанская область"}
    assert all(r["flag"] and r["source"] for r in flagged)


def test_unexpected_errors_are_one_line_with_a_debug_switch(db_path, tmp_path):
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"this is not a database")
    run = aimaq(str(broken), "info")
    assert run.returncode != 0 and run.stderr.startswith("Ошибка:") and "Traceback" not in run.stderr

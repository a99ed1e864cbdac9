"""Two imports at once with overlapping keys (two threads, two processes): both land, revisions in the order of
the batches, nothing lost. The CLI holds the write lock only to write; --dry-run never opens the file for writing;
a writer that cannot get the lock in time says so (exit 75)."""

import os
import subprocess
import sys
import threading

import duckdb
import polars as pl
import pytest

from aimaq.ingest.service import import_path
from aimaq.store.catalogue import save_indicators

KEYS = 120


ARRIVALS = pl.DataFrame({"code": ["arrivals"], "name_ru": ["Прибывшие"], "unit": ["persons"],
                         "granularity": ["year|month"]})


@pytest.fixture()
def db_path(db):
    save_indicators(db, ARRIVALS)
    path = db.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    db.close()
    return path


@pytest.fixture(params=["duckdb", "postgresql"])
def any_db(request, registry):
    """A database with the registry and the indicator: a DuckDB file, or a database of a throwaway PostgreSQL
    cluster (skipped where PostgreSQL is not installed)."""
    if request.param == "duckdb":
        return request.getfixturevalue("db_path")
    from aimaq.store.db import connect
    from aimaq.territory.repository import save_registry

    url = request.getfixturevalue("pg_url")
    con = connect(url)
    save_registry(con, registry)
    save_indicators(con, ARRIVALS)
    con.close()
    return url


def month_file(tmp_path, name, months, value):
    """One region, one indicator, a run of months: keys overlap where two files share months."""
    path = tmp_path / name
    rows = [f"Акмолинская,arrivals,{2000 + m // 12}-{m % 12 + 1:02d},{value}" for m in months]
    path.write_text("territory,indicator,period,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def assert_no_key_twice(con) -> None:
    """Migration 0003 dropped observation's primary key: a key's revisions are unique by construction (revisions
    are numbered inside the write transaction, writers take turns). This proves it held."""
    twice = con.execute("SELECT kato, indicator, period, breakdown, revision, count(*) FROM observation "
                        "GROUP BY kato, indicator, period, breakdown, revision HAVING count(*) > 1").fetchall()
    assert twice == []


def check_both_landed_in_order(path):
    from aimaq.store.db import connect

    con = connect(path, read_only=True)
    try:
        batches = con.execute("SELECT import_id, rows_added, rows_revised, rows_unchanged FROM import_batch "
                              "ORDER BY import_id").fetchall()
        assert len(batches) == 2
        (first, a1, r1, u1), (second, a2, r2, u2) = batches
        assert a1 + r1 + u1 == KEYS and a2 + r2 + u2 == KEYS
        assert (a1, r1) == (KEYS, 0) and (a2, r2) == (KEYS // 2, KEYS // 2)  # the second revises the overlap
        overlap = con.execute("""
            SELECT period, list(revision ORDER BY revision), list(import_id ORDER BY revision)
            FROM observation GROUP BY period HAVING count(*) > 1""").fetchall()
        assert len(overlap) == KEYS // 2
        assert all(revs == [1, 2] and ids == [first, second] for _, revs, ids in overlap)
        assert_no_key_twice(con)  # and every key of both files is there
        assert con.execute("SELECT count(*) FROM observation_latest").fetchone()[0] == KEYS * 3 // 2
        latest = dict(con.execute("SELECT import_id, count(*) FROM observation_latest GROUP BY 1").fetchall())
        assert latest == {first: KEYS // 2, second: KEYS}
    finally:
        con.close()


def test_two_threads_import_overlapping_keys_at_once(any_db, tmp_path):
    db_path = any_db
    a = month_file(tmp_path, "a.csv", range(0, KEYS), 10)
    b = month_file(tmp_path, "b.csv", range(KEYS // 2, KEYS * 3 // 2), 20)
    start = threading.Barrier(2)
    errors = []

    def run(path):
        try:
            start.wait()
            import_path(db_path, path, lock_timeout=60)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    check_both_landed_in_order(db_path)


def _cli(db_path, *args, timeout="60"):
    env = {**os.environ, "AIMAQ_DB": db_path, "AIMAQ_LANG": "en", "AIMAQ_LOCK_TIMEOUT": timeout}
    return subprocess.Popen([sys.executable, "-m", "aimaq.cli.main", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_two_processes_import_overlapping_keys_at_once(any_db, tmp_path):
    db_path = any_db
    a = month_file(tmp_path, "a.csv", range(0, KEYS), 10)
    b = month_file(tmp_path, "b.csv", range(KEYS // 2, KEYS * 3 // 2), 20)
    runs = [_cli(db_path, "import", str(p)) for p in (a, b)]
    outs = [r.communicate(timeout=180) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outs
    check_both_landed_in_order(db_path)


def test_the_write_lock_is_held_only_to_write_and_a_dry_run_never_takes_it(db_path, tmp_path):
    path = month_file(tmp_path, "a.csv", range(0, 3), 10)
    reader = duckdb.connect(db_path, read_only=True)  # as a web server's request would: no writer may open now
    try:
        dry = _cli(db_path, "import", "--dry-run", str(path))
        out, err = dry.communicate(timeout=120)
        assert dry.returncode == 0, err
        assert "would add 3" in out
        busy = _cli(db_path, "import", str(path), timeout="1")
        out, err = busy.communicate(timeout=120)
        assert busy.returncode == 75, err
        assert "in use by another process" in err and "Traceback" not in err
    finally:
        reader.close()
    con = duckdb.connect(db_path, read_only=True)
    assert con.execute("SELECT count(*) FROM observation").fetchone()[0] == 0
    con.close()
    done = _cli(db_path, "import", str(path))
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0 and "added 3" in out, err


def test_the_file_is_read_and_checked_before_the_database_is_opened_for_writing(db_path, tmp_path, monkeypatch):
    """A bad file is refused while another process holds the database: validation needs no write lock."""
    from aimaq.errors import ValidationFailed
    from aimaq.ingest import service

    opened = []
    real = service.read_context

    def spy(path):
        opened.append("read-only")
        return real(path)

    monkeypatch.setattr(service, "read_context", spy)
    bad = tmp_path / "bad.csv"
    bad.write_text("territory,indicator,period,value\nАтлантида,arrivals,2023,1\n", encoding="utf-8")
    with pytest.raises(ValidationFailed):
        import_path(db_path, bad, lock_timeout=0)
    assert opened == ["read-only"]

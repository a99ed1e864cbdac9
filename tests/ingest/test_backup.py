"""`aimaq demo` / `aimaq init` never replace users' imports unasked (--force keeps FILE.bak); `aimaq backup FILE`
writes a consistent copy, also while `aimaq web serve` reads the database."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import duckdb
import pytest

from aimaq import demo
from aimaq.errors import AimaqError
from aimaq.ingest.service import import_path


@pytest.fixture()
def user_db(population_db, tmp_path):
    """A database with the registry and one import of a user's file."""
    path = population_db
    data = tmp_path / "mine.csv"
    data.write_text("territory,indicator,period,value\nАкмолинская,population,2023,787971\n", encoding="utf-8")
    import_path(path, data)
    return path


@pytest.fixture()
def tiny_build(monkeypatch, registry):
    """The build's steps cut to the registry: the replacing and keeping is what is tested, not the content."""
    from aimaq.territory.repository import save_registry

    monkeypatch.setattr(demo, "_steps", lambda seed, synthetic=True: [("registry", lambda con: save_registry(
        con, registry))])


def imports_in(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM import_batch WHERE layout NOT IN ('shipped', 'generated')"
                           ).fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("build", [demo.build_demo, demo.init_database], ids=["demo", "init"])
def test_a_database_with_users_imports_is_replaced_only_with_force_and_kept_as_bak(user_db, tiny_build, build):
    with pytest.raises(AimaqError) as err:
        build(user_db)
    assert "--force" in str(err.value) and "1" in str(err.value)
    assert imports_in(user_db) == 1  # untouched
    build(user_db, force=True).close()
    assert imports_in(user_db) == 0 and imports_in(user_db + ".bak") == 1


def test_demo_still_rebuilds_a_database_without_users_imports(tmp_path, tiny_build):
    path = tmp_path / "built.duckdb"
    demo.build_demo(path).close()
    demo.build_demo(path).close()  # nothing of a user's: rebuilt, no .bak
    assert not (tmp_path / "built.duckdb.bak").exists()
    with pytest.raises(AimaqError):
        demo.init_database(path)  # init never replaces a file unasked


def test_cli_demo_refuses_with_exit_1_and_a_clear_message(user_db):
    env = {k: v for k, v in os.environ.items() if k != "AIMAQ_LANG"}
    run = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "--db", user_db, "demo"], capture_output=True,
                         text=True, env=env)
    assert run.returncode == 1 and "--force" in run.stderr and "Traceback" not in run.stderr
    assert "загрузки пользователей" in run.stderr  # Russian by default
    assert imports_in(user_db) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_backup_while_another_process_reads_the_database(user_db, tmp_path):
    reader = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], "
                               "read_only=True); c.execute('SELECT count(*) FROM observation').fetchall(); "
                               "print('open', flush=True); time.sleep(60)", user_db], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        copy = tmp_path / "copy.duckdb"
        run = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "--db", user_db, "backup", str(copy)],
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
    finally:
        reader.kill()
        reader.wait(30)
    target = duckdb.connect(str(copy), read_only=True)
    assert target.execute("SELECT value FROM observation_latest").fetchall() == [(787971.0,)]
    target.close()


def _serve(db_path, env):
    """`aimaq web serve` on a free loopback port, answering; (process, base URL)."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "aimaq.cli.main", "--db", str(db_path), "web", "serve",
                               "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(base + "/api/territories?level=region", timeout=10) as answer:
                assert answer.status == 200
                return server, base
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise AssertionError(f"the server did not start: {server.stderr.read() if server.poll() else ''}")
            time.sleep(0.3)


def _stop(server):
    server.terminate()
    server.wait(30)


def _backup(copy, env, *extra):
    return subprocess.run([sys.executable, "-m", "aimaq.cli.main", "backup", str(copy), *extra], env=env,
                          capture_output=True, text=True, timeout=300)


def test_backup_while_the_web_server_runs(user_db, tmp_path):
    env = {**os.environ, "AIMAQ_DB": user_db, "AIMAQ_LOCK_TIMEOUT": "3"}
    server, base = _serve(user_db, env)
    note = user_db + ".server.json"
    try:
        assert os.stat(note).st_mode & 0o777 == 0o600  # the secret is its owner's only
        copy = tmp_path / "copy.duckdb"
        run = _backup(copy, env)
        assert run.returncode == 0, run.stderr
        assert "web server" in run.stderr and str(server.pid) in run.stderr  # who wrote it
        assert "observation: 1, import_batch: 1" in run.stdout
        with urllib.request.urlopen(base + "/api/territories?level=region", timeout=10) as answer:
            assert answer.status == 200  # the server still answers
        again = _backup(copy, env)
        assert again.returncode == 1 and "--force" in again.stderr  # never overwrites unasked
        forged = urllib.request.Request(base + "/api/backup", method="POST", data=json.dumps(
            {"target": str(tmp_path / "forged.duckdb")}).encode(), headers={"Content-Type": "application/json",
                                                                              "X-Aimaq-Backup-Secret": "guess"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=10)
        assert refused.value.code == 403 and not (tmp_path / "forged.duckdb").exists()
    finally:
        _stop(server)
    assert not os.path.exists(note)  # removed when the server stopped
    source, target = duckdb.connect(user_db, read_only=True), duckdb.connect(str(copy), read_only=True)
    try:
        for table in ("observation", "import_batch", "territory", "territory_alias", "indicator", "source"):
            assert source.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall() == \
                target.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall(), table
        assert target.execute("SELECT value FROM observation_latest").fetchall() == [(787971.0,)]
    finally:
        source.close()
        target.close()
    # the copy is a working database: the next import continues its sequences
    data = tmp_path / "next.csv"
    data.write_text("territory,indicator,period,value\nАкмолинская,population,2023,788000\n", encoding="utf-8")
    result = import_path(str(copy), data)
    assert (result.revised, result.import_id) == (1, 2)


def test_a_stale_server_note_is_ignored_with_a_message(user_db, tmp_path):
    from aimaq.store.backup import sidecar_path

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    sidecar_path(user_db).write_text(json.dumps({"pid": int(dead.stdout), "port": _free_port(), "secret": "x"}))
    copy = tmp_path / "copy.duckdb"
    run = _backup(copy, {**os.environ, "AIMAQ_DB": user_db})
    assert run.returncode == 0, run.stderr
    assert "no longer running; ignored" in run.stderr and dead.stdout.strip() in run.stderr
    target = duckdb.connect(str(copy), read_only=True)
    assert target.execute("SELECT value FROM observation_latest").fetchall() == [(787971.0,)]
    target.close()


def _upload(base, token, name, text):
    """POST /api/import as a form with one file, by hand (the standard library has no multipart encoder)."""
    boundary = "aimaq-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/csv\r\n\r\n{text}\r\n--{boundary}--\r\n").encode()
    request = urllib.request.Request(base + "/api/import", data=body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=300) as answer:
        return json.loads(answer.read())


def test_a_backup_taken_while_uploads_land_holds_whole_batches_only(user_db, tmp_path, registry):
    """Uploads and backups at once: each copy opens, and every batch in it is there with all of its rows (the copy
    is one snapshot), whatever the timing."""
    import threading

    from aimaq.store.db import connect
    from aimaq.web.users import add_user

    con = connect(user_db)
    regions = [r[0] for r in con.execute("SELECT name_ru FROM territory WHERE level = 'region' AND valid_to IS NULL "
                                         "AND valid_from <= DATE '2000-01-01' ORDER BY kato").fetchall()][:10]
    _, token = add_user(con, "Министерство", "ministry")
    con.close()
    env = {**os.environ, "AIMAQ_DB": user_db}
    server, base = _serve(user_db, env)
    answers = []
    try:
        def uploads():
            for k in range(4):  # 10 regions × 20 years × 10 groups: 2,000 rows a batch, each revising the last
                rows = [f"{name},population,{y},{1000 + k},group={g}" for name in regions for y in range(2000, 2020)
                        for g in range(10)]
                answers.append(_upload(base, token, f"batch{k}.csv",
                                       "territory,indicator,period,value,breakdown\n" + "\n".join(rows)))

        writer = threading.Thread(target=uploads)
        writer.start()
        copies = []
        while writer.is_alive() or not copies:
            copy = tmp_path / f"copy{len(copies)}.duckdb"
            run = _backup(copy, env)
            assert run.returncode == 0, run.stderr
            copies.append(copy)
        writer.join()
    finally:
        _stop(server)
    assert len(answers) == 4 and all(a["status"] == "approved" for a in answers)
    for copy in copies:
        target = duckdb.connect(str(copy), read_only=True)
        try:
            per_batch = dict(target.execute("SELECT import_id, rows_added + rows_revised FROM import_batch").fetchall())
            stored = dict(target.execute("SELECT import_id, count(*) FROM observation GROUP BY 1").fetchall())
            assert {k: v for k, v in per_batch.items() if v} == stored, copy
        finally:
            target.close()

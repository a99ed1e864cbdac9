"""Faults, on both backends, against a real server process (`aimaq web serve`) on 127.0.0.1:
- SIGKILL during an upload and during an approval, restart: each batch is whole or absent, and the audit log agrees;
- 20 akimats upload at once while 50 clients read: nothing is lost (every count checked), readers never fail."""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from aimaq.store.db import connect
from aimaq.store.throwaway import free_port
from aimaq.web.users import add_user

ROWS = 3000  # rows of the big batch killed half-way


@pytest.fixture(scope="module")
def duck_template(tmp_path_factory):
    from aimaq.demo import init_database

    path = tmp_path_factory.mktemp("faults") / "t.duckdb"
    init_database(path).close()
    return path


@pytest.fixture(params=["duckdb", "postgresql"])
def database(request, tmp_path, duck_template):
    """A fresh database with the real registry and statistics (`aimaq init`), on each backend."""
    if request.param == "duckdb":
        import shutil

        path = tmp_path / "t.duckdb"
        shutil.copy(duck_template, path)
        return str(path)
    cluster = request.getfixturevalue("pg_cluster")
    from aimaq.demo import init_database

    url = cluster.create_database(f"faults_{request.node.name.split('[')[0][-20:]}_{os.getpid()}_{time.time_ns()}")
    init_database(url).close()
    return url


class Server:
    """`aimaq web serve` in its own process; killed with SIGKILL on request."""

    def __init__(self, db: str):
        self.db, self.port = db, free_port()
        self.workers = 2 if db.startswith("postgresql://") else 1
        self.proc = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        aimaq = str(Path(sys.executable).with_name("aimaq"))
        self.proc = subprocess.Popen([aimaq, "--db", self.db, "web", "serve", "--port", str(self.port),
                                      "--workers", str(self.workers)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/api/territories?level=region", timeout=60).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.kill()
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the server and its workers, at once, nothing flushed
            self.proc.wait(timeout=30)


@pytest.fixture()
def server(database):
    s = Server(database)
    yield s
    s.kill()


def _users(db: str, regions: list[tuple[str, str]]) -> dict:
    con = connect(db)
    try:
        tokens = {"ministry": add_user(con, "Министерство", "ministry")[1]}
        for kato, _name in regions:
            tokens[kato] = add_user(con, f"Акимат {kato}", "akimat", kato)[1]
        return tokens
    finally:
        con.close()


def _regions(db: str, count: int) -> list[tuple[str, str]]:
    con = connect(db)
    try:
        return con.execute("SELECT kato, name_ru FROM territory WHERE level = 'region' AND valid_to IS NULL "
                           "ORDER BY kato LIMIT ?", [count]).fetchall()
    finally:
        con.close()


def _csv(kato: str, rows: int, base: float) -> bytes:
    """`rows` distinct keys of one region: periods 2023–2025 (every region of today exists then), a breakdown each."""
    lines = ["territory,indicator,period,value,breakdown"]
    lines += [f"{kato},schools_count,{2023 + i % 3},{base + i},part={i}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _post(base: str, token: str, data: bytes, name: str = "d.csv", retries: int = 50) -> httpx.Response:
    """An upload as a client should make it: a 503 is retried after its Retry-After."""
    for _ in range(retries):
        r = httpx.post(base + "/api/import", files={"file": (name, data, "text/csv")},
                       headers={"Authorization": f"Bearer {token}"}, timeout=300)
        if r.status_code != 503:
            return r
        time.sleep(float(r.headers.get("retry-after", "1")))
    return r


def _state(db: str, batch: int) -> dict:
    con = connect(db)
    try:
        row = con.execute("SELECT status FROM import_batch WHERE import_id = ?", [batch]).fetchone()
        return {
            "status": row[0] if row else None,
            "pending": con.execute("SELECT count(*) FROM pending_observation WHERE import_id = ?", [batch]
                                   ).fetchone()[0],
            "observations": con.execute("SELECT count(*) FROM observation WHERE import_id = ?", [batch]).fetchone()[0],
            "audit": [r[0] for r in con.execute("SELECT action FROM audit_log WHERE object = ? ORDER BY audit_id",
                                                [f"batch:{batch}"]).fetchall()]}
    finally:
        con.close()


def _batches(db: str) -> list[int]:
    con = connect(db)
    try:
        return [r[0] for r in con.execute("SELECT import_id FROM import_batch WHERE file = 'big.csv' ORDER BY 1").fetchall()]
    finally:
        con.close()


@pytest.mark.timeout(1200)
def test_sigkill_during_upload_and_during_approval(server, database):
    (kato, _), = _regions(database, 1)
    tokens = _users(database, [(kato, "")])
    big = _csv(kato, ROWS, 1)
    server.start()
    # an undisturbed upload and approval measure how long each takes here
    started = time.perf_counter()
    first = _post(server.base, tokens[kato], big, "big.csv").json()["batch"]
    upload_s = time.perf_counter() - started
    # the upload killed half-way
    killer = threading.Timer(upload_s / 2, server.kill)
    killer.start()
    try:
        _post(server.base, tokens[kato], _csv(kato, ROWS, 100_000), "big.csv", retries=1)
    except httpx.HTTPError:
        pass  # the connection died with the server: expected
    killer.join()
    server.kill()
    for batch in _batches(database)[1:]:  # whole (every row, its audit entry) or absent
        state = _state(database, batch)
        assert (state["status"], state["pending"], state["audit"]) == ("pending", ROWS, ["upload"]), state
    server.port = free_port()
    server.start()
    # the approval killed half-way
    started = time.perf_counter()
    assert httpx.post(f"{server.base}/api/batches/{first}/approve", timeout=300,
                      headers={"Authorization": f"Bearer {tokens['ministry']}"}).status_code == 200
    approve_s = time.perf_counter() - started
    second = _post(server.base, tokens[kato], _csv(kato, ROWS, 200_000), "big.csv").json()["batch"]
    killer = threading.Timer(approve_s / 2, server.kill)
    killer.start()
    try:
        httpx.post(f"{server.base}/api/batches/{second}/approve", timeout=300,
                   headers={"Authorization": f"Bearer {tokens['ministry']}"})
    except httpx.HTTPError:
        pass
    killer.join()
    server.kill()
    state = _state(database, second)
    assert state["status"] in ("pending", "approved"), state
    if state["status"] == "approved":  # all its rows became revisions and the log says who approved
        assert (state["observations"], state["audit"]) == (ROWS, ["upload", "approve"]), state
    else:  # nothing of it reached the data, and the log has no approval
        assert (state["observations"], state["audit"]) == (0, ["upload"]), state
    assert _state(database, first)["observations"] == ROWS


@pytest.mark.timeout(1200)
def test_twenty_akimats_upload_while_fifty_clients_read(server, database):
    regions = _regions(database, 20)
    assert len(regions) == 20
    tokens = _users(database, regions)
    rows = 40
    before = _count(database)
    server.start()
    stop = threading.Event()
    reads = {"ok": 0, "bad": []}
    lock = threading.Lock()

    def reader(i):
        paths = ["/api/territories?level=region", "/api/series/schools_count", f"/api/territories/{regions[0][0]}"]
        with httpx.Client(base_url=server.base, timeout=120) as c:
            while not stop.is_set():
                r = c.get(paths[i % len(paths)])
                with lock:
                    if r.status_code == 200:
                        reads["ok"] += 1
                    else:
                        reads["bad"].append(r.status_code)

    with cf.ThreadPoolExecutor(70) as pool:
        readers = [pool.submit(reader, i) for i in range(50)]
        uploads = [pool.submit(_post, server.base, tokens[kato], _csv(kato, rows, 10.0 * n))
                   for n, (kato, _) in enumerate(regions)]
        results = [u.result() for u in uploads]
        stop.set()
        for r in readers:
            r.result()
    assert [r.status_code for r in results] == [200] * len(regions), [r.text for r in results if r.status_code != 200]
    assert {r.json()["status"] for r in results} == {"pending"}
    assert reads["ok"] > 0 and reads["bad"] == []
    batches = [r.json()["batch"] for r in results]
    assert len(set(batches)) == len(regions)
    series = lambda: len(httpx.get(server.base + "/api/series/schools_count", timeout=120).json()["rows"])  # noqa
    visible = series()
    with httpx.Client(base_url=server.base, timeout=300,
                      headers={"Authorization": f"Bearer {tokens['ministry']}"}) as c:
        pending = c.get("/api/batches", params={"status": "pending"}).json()["rows"]
        assert sorted(b["batch"] for b in pending) == sorted(batches)
        assert sum(b["rows_pending"] for b in pending) == rows * len(regions)
        for batch in batches:
            assert c.post(f"/api/batches/{batch}/approve").status_code == 200
    assert series() >= visible
    server.kill()
    con = connect(database)
    try:
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'upload'").fetchone()[0] == len(regions)
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'approve'").fetchone()[0] == len(regions)
    finally:
        con.close()
    assert _count(database) == before + rows * len(regions)  # every row of every akimat, none twice


def _count(db: str) -> int:
    con = connect(db)
    try:
        return con.execute("SELECT count(*) FROM observation_latest WHERE indicator = 'schools_count'").fetchone()[0]
    finally:
        con.close()

"""Data entry through the web: tokens, roles (an akimat only for its own region, its upload pending until the ministry
approves it), all-or-nothing, who imported."""


import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from aimaq.store.db import connect
from aimaq.web.upload import OUTSIDE
from aimaq.web.users import authenticate, token_hash

pytest.importorskip("python_multipart")


@pytest.fixture()
def client(db_client):
    """These tests write: each gets its own copy of the real-data database (conftest), not the shared demo."""
    return db_client

HEADER = "territory,indicator,period,value,unit\n"


def post(client, text, token=None, name="data.csv", dry_run=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = {} if dry_run is None else {"dry_run": "true" if dry_run else "false"}
    return client.post("/api/import", files={"file": (name, text.encode("utf-8"), "text/csv")}, data=data,
                       headers=headers)


def query(db, sql, params=()):
    con = connect(db)  # the app holds the file read-write in this process: the same configuration shares it
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def schools(db, kato="100000000", period="2025"):
    return query(db, "SELECT value, revision FROM observation WHERE kato = ? AND indicator = 'schools_count' "
                     "AND period = ? ORDER BY revision", [kato, period])


def test_akimat_imports_its_own_region_and_is_recorded(client, tokens, db):
    r = post(client, HEADER + "Абайская область,schools_count,2025,512,ед.\nСемей,schools_count,2025,97,\n",
             tokens["akimat"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["added"], body["revised"], body["unchanged"], body["dry_run"]) == (
        "pending", 2, 0, 0, False)
    assert schools(db) == []  # pending: invisible until the ministry approves
    body["import_id"] = body["batch"]
    done = client.post(f"/api/batches/{body['batch']}/approve", headers={"Authorization": f"Bearer {tokens['ministry']}"})
    assert done.status_code == 200 and done.json()["added"] == 2
    assert schools(db) == [(512.0, 1)]
    assert schools(db, "101000000") == [(97.0, 1)]
    assert query(db, "SELECT user_name FROM import_user WHERE import_id = ?", [body["import_id"]]) == [
        ("Акимат Абайской области",)]
    assert query(db, "SELECT file, rows_added FROM import_batch WHERE import_id = ?", [body["import_id"]]) == [
        ("data.csv", 2)]
    # the source names the uploader
    assert query(db, "SELECT s.publisher FROM observation o JOIN source s USING (source_id) "
                     "WHERE o.import_id = ? LIMIT 1", [body["import_id"]]) == [("Акимат Абайской области",)]


def test_akimat_row_outside_its_region_fails_the_whole_file(client, tokens, db):
    before = query(db, "SELECT count(*), (SELECT count(*) FROM import_batch) FROM observation")
    r = post(client, HEADER + "Абайская область,schools_count,2025,512,\nАлматы,schools_count,2025,300,\n",
             tokens["akimat"])
    assert r.status_code == 422, r.text
    problems = r.json()["problems"]
    assert problems == [{"file": "data.csv", "sheet": None, "row": 3, "column": "A (territory)",
                         "value": "750000000", "reason": OUTSIDE}]
    assert query(db, "SELECT count(*), (SELECT count(*) FROM import_batch) FROM observation") == before
    assert schools(db) == []


def test_every_problem_is_listed_validation_and_region_together(client, tokens):
    r = post(client, HEADER + "Атлантида,schools_count,2025,1,\nАлматы,schools_count,2025,300,\n"
                              "Семей,schools_count,2025,много,\n", tokens["akimat"])
    assert r.status_code == 422
    got = [(p["row"], p["column"], p["reason"][:20]) for p in r.json()["problems"]]
    assert [(row, column) for row, column, _ in got] == [(2, "A (territory)"), (3, "A (territory)"),
                                                         (4, "D (value)")]
    assert got[0][2].startswith("неизвестная территор") and got[1][2] == OUTSIDE[:20] and "не число" in got[2][2]


def test_ministry_may_import_any_region(client, tokens, db):
    r = post(client, HEADER + "Алматы,schools_count,2025,300,\nАбайская область,schools_count,2025,512,\n",
             tokens["ministry"])
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["added"]) == ("approved", 2)
    assert schools(db, "750000000") == [(300.0, 1)]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic abc"},
                                     {"Authorization": "Bearer "}])
def test_no_token_or_a_wrong_one_is_refused(client, tokens, db, headers):
    r = client.post("/api/import", files={"file": ("d.csv", (HEADER + "Алматы,schools_count,2025,1,\n").encode())},
                    headers=headers)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert schools(db, "750000000") == []


def test_a_disabled_user_is_refused(client, tokens, db):
    from aimaq.web.users import set_active

    con = connect(db)
    set_active(con, "Министерство", False)
    con.close()
    assert post(client, HEADER + "Алматы,schools_count,2025,1,\n", tokens["ministry"]).status_code == 401


def test_dry_run_reports_and_writes_nothing(client, tokens, db):
    before = query(db, "SELECT count(*), (SELECT count(*) FROM import_batch) FROM observation")
    r = post(client, HEADER + "Абайская область,schools_count,2025,512,\n"
                              "Абайская область,budget_revenue_mln_kzt,2023,406297,\n", tokens["akimat"], dry_run=True)
    assert r.status_code == 200
    assert r.json() == {"status": "checked", "batch": None, "added": 1, "revised": 0, "unchanged": 1,
                        "import_id": None, "dry_run": True, "file": "data.csv", "layout": "long",
                        "user": "Акимат Абайской области"}
    assert query(db, "SELECT count(*), (SELECT count(*) FROM import_batch) FROM observation") == before
    assert query(db, "SELECT count(*) FROM import_user") == [(0,)]


def test_a_revision_by_upload_keeps_the_old_value(client, tokens, db):
    r = post(client, HEADER + "Абайская область,budget_revenue_mln_kzt,2023,406300,\n", tokens["akimat"])
    assert r.status_code == 200 and (r.json()["added"], r.json()["revised"]) == (0, 1)
    assert client.post(f"/api/batches/{r.json()['batch']}/approve",
                       headers={"Authorization": f"Bearer {tokens['ministry']}"}).status_code == 200
    assert query(db, "SELECT value, revision FROM observation WHERE kato = '100000000' AND "
                     "indicator = 'budget_revenue_mln_kzt' AND period = '2023' ORDER BY revision") == [
        (406297.0, 1), (406300.0, 2)]
    assert query(db, "SELECT value FROM observation_latest WHERE kato = '100000000' AND "
                     "indicator = 'budget_revenue_mln_kzt' AND period = '2023'") == [(406300.0,)]


def test_wide_xlsx_outside_the_region_names_each_row_once(client, tokens, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "schools_count"
    for row in (["Территория", "2024", "2025"], ["Семей", 90, 97], ["Алматы", 280, 300]):
        ws.append(row)
    path = tmp_path / "wide.xlsx"
    book.save(path)
    r = client.post("/api/import", files={"file": ("wide.xlsx", path.read_bytes())},
                    headers={"Authorization": f"Bearer {tokens['akimat']}"})
    assert r.status_code == 422
    assert [(p["sheet"], p["row"], p["column"], p["reason"]) for p in r.json()["problems"]] == [
        ("schools_count", 3, "A (Территория)", OUTSIDE)]


def test_unsupported_file_type(client, tokens):
    r = post(client, "whatever", tokens["akimat"], name="data.pdf")
    assert r.status_code == 422 and "неподдерживаемый тип файла" in r.json()["detail"]  # Russian by default


def test_the_import_page(client):
    page = client.get("/import")
    assert page.status_code == 200
    for text in ('id="token"', 'id="file"', 'id="dry_run"', "/api/import", "Только проверить"):
        assert text in page.text
    assert 'href="/import"' in client.get("/").text


def test_tokens_are_stored_only_as_hashes(tokens, db):
    stored = {r[0] for r in query(db, "SELECT token_sha256 FROM api_token")}
    assert stored == {token_hash(token) for token in tokens.values()}
    assert not stored & set(tokens.values())
    con = connect(db)
    try:
        assert authenticate(con, tokens["akimat"]).region_prefix == "10"
        assert authenticate(con, tokens["ministry"]).region_prefix is None
        assert authenticate(con, tokens["akimat"] + "x") is None
    finally:
        con.close()


def _cli():
    from aimaq.cli.web import register

    app = typer.Typer()
    register(app)

    @app.callback()
    def main():
        pass

    return app


def test_cli_user_add_and_list(db):
    import json

    from aimaq import settings

    settings.configure(db)
    try:
        runner = CliRunner()
        added = runner.invoke(_cli(), ["web", "user", "add", "Акимат Абая", "--role", "akimat",
                                       "--region", "Абайская область"])
        assert added.exit_code == 0, added.output
        token = added.stdout.strip().splitlines()[-1]
        assert len(token) >= 40
        ministry = runner.invoke(_cli(), ["web", "user", "add", "МНЭ", "--role", "ministry"])
        assert ministry.exit_code == 0, ministry.output
        listed = runner.invoke(_cli(), ["web", "user", "list", "--format", "json"])
        assert listed.exit_code == 0, listed.output
        rows = json.loads(listed.stdout)
        assert [(r["name"], r["role"], r["region_kato"], r["region"], r["active"]) for r in rows] == [
            ("Акимат Абая", "akimat", "100000000", "Абайская область", True), ("МНЭ", "ministry", None, None, True)]
        assert token not in listed.stdout and token_hash(token) not in listed.stdout
        assert runner.invoke(_cli(), ["web", "user", "disable", "МНЭ"]).exit_code == 0
        again = runner.invoke(_cli(), ["web", "user", "add", "Акимат Абая", "--role", "akimat", "--region", "Абай"])
        assert again.exit_code != 0 and "уже существует" in str(again.exception)
        no_region = runner.invoke(_cli(), ["web", "user", "add", "X", "--role", "akimat"])
        assert no_region.exit_code != 0 and "нужен --region" in str(no_region.exception)
        bad_role = runner.invoke(_cli(), ["web", "user", "add", "Y", "--role", "tsar"])
        assert bad_role.exit_code != 0
    finally:
        settings.configure(None)
    con = connect(db)
    try:
        assert authenticate(con, token).name == "Акимат Абая"
        assert con.execute("SELECT active FROM web_account WHERE name = 'МНЭ'").fetchone() == (False,)
    finally:
        con.close()


def test_without_python_multipart_the_rest_of_the_app_still_serves(db, monkeypatch):
    from aimaq.web import app as web_app

    monkeypatch.setattr(web_app, "_multipart_available", lambda: False)
    with TestClient(web_app.create_app(db)) as c:
        assert c.post("/api/import").status_code == 501
        assert c.get("/api/territories", params={"level": "region"}).status_code == 200

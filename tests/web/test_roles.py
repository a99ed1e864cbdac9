"""Users and approval over HTTP on a real database file: every write endpoint against every role, token expiry and
revocation, log-in with a session cookie and CSRF, the rate limit, the upload cap (413), a busy database (503),
pending batches invisible until approved, rejection with a reason, an analyst's correction, the audit log."""

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient

from aimaq.store.db import connect
from aimaq.web import create_app
from aimaq.web.users import issue_token, revoke_tokens

pytest.importorskip("python_multipart")


@pytest.fixture()
def client(db_client):
    """These tests write: each gets its own copy of the real-data database (conftest), not the shared demo."""
    return db_client

HEADER = "territory,indicator,period,value,unit\n"
ROLES = ("viewer", "akimat", "analyst", "ministry", "admin")


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def upload(client, text, token, name="d.csv", **kw):
    return client.post("/api/import", files={"file": (name, text.encode("utf-8"), "text/csv")},
                       headers=bearer(token) if token else {}, **kw)


def query(db, sql, params=()):
    con = connect(db)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


ABAI_ROW = HEADER + "Абайская область,schools_count,2025,512,\n"
CORRECTION = {"kato": "100000000", "indicator": "budget_revenue_mln_kzt", "period": "2023", "value": 406300,
              "reason": "опечатка в отчёте акимата"}

# (method, path, body) → the roles allowed; everybody else gets 403, nobody gets in without credentials (401)
WRITE_ENDPOINTS = [
    ("upload", {"akimat", "ministry", "admin"}),
    ("approve", {"ministry", "admin"}),
    ("reject", {"ministry", "admin"}),
    ("correct", {"analyst", "ministry", "admin"}),
    ("audit", {"ministry", "admin"}),
    ("batches", {"akimat", "ministry", "admin"}),
]


def call(client, what, token):
    headers = bearer(token) if token else {}
    if what == "upload":
        return upload(client, ABAI_ROW, token, data={"dry_run": "true"})
    if what == "approve":
        return client.post("/api/batches/999/approve", headers=headers)
    if what == "reject":
        return client.post("/api/batches/999/reject", headers=headers, json={"reason": "нет"})
    if what == "correct":
        return client.post("/api/observations/correct", headers=headers, json=CORRECTION)
    if what == "audit":
        return client.get("/api/audit", headers=headers)
    return client.get("/api/batches", headers=headers)


@pytest.mark.parametrize("what,allowed", WRITE_ENDPOINTS, ids=[w for w, _ in WRITE_ENDPOINTS])
def test_every_endpoint_against_every_role(client, tokens, what, allowed):
    assert call(client, what, None).status_code == 401
    for role in ROLES:
        status = call(client, what, tokens[role]).status_code
        if role in allowed:
            assert status in (200, 404), (what, role, status)  # 404: batch 999 does not exist, the role passed
        else:
            assert status == 403, (what, role, status)


def test_pending_batch_is_invisible_until_approved_and_then_audited(client, tokens, db):
    def series():
        rows = client.get("/api/series/schools_count").json()["rows"]
        return [(r["kato"], r["period"], r["value"]) for r in rows if r["kato"] == "100000000"]

    assert series() == []
    r = upload(client, ABAI_ROW + "Семей,schools_count,2025,97,\n", tokens["akimat"])
    assert r.status_code == 200 and r.json()["status"] == "pending"
    batch = r.json()["batch"]
    assert series() == []  # no read sees it …
    assert query(db, "SELECT count(*) FROM observation WHERE import_id = ?", [batch]) == [(0,)]
    # … except its own preview: the akimat and the ministry see the difference against current values
    preview = client.get(f"/api/batches/{batch}", headers=bearer(tokens["akimat"])).json()
    assert [(c["kato"], c["old_value"], c["new_value"], c["action"]) for c in preview["changes"]] == [
        ("100000000", None, 512.0, "added"), ("101000000", None, 97.0, "added")]
    listed = client.get("/api/batches", params={"status": "pending"}, headers=bearer(tokens["ministry"])).json()
    assert [b["batch"] for b in listed["rows"]] == [batch] and len(listed["rows"][0]["changes"]) == 2
    done = client.post(f"/api/batches/{batch}/approve", headers=bearer(tokens["ministry"]))
    assert done.status_code == 200 and done.json() == {"batch": batch, "status": "approved", "added": 2,
                                                       "revised": 0, "unchanged": 0}
    assert series() == [("100000000", "2025", 512.0)]
    assert client.post(f"/api/batches/{batch}/approve", headers=bearer(tokens["ministry"])).status_code == 409
    log = client.get("/api/audit", params={"object": f"batch:{batch}"}, headers=bearer(tokens["admin"])).json()
    assert [(e["action"], e["user_name"], e["role"], e["ip"]) for e in log["rows"]] == [
        ("approve", "Министерство", "ministry", "testclient"), ("upload", "Акимат Абайской области", "akimat", "testclient")]
    assert json.loads(log["rows"][0]["new_value"])["added"] == 2
    assert json.loads(log["rows"][0]["old_value"]) == {"status": "pending"}


def test_reject_needs_a_reason_and_keeps_the_data_out(client, tokens, db):
    batch = upload(client, ABAI_ROW, tokens["akimat"]).json()["batch"]
    minister = bearer(tokens["ministry"])
    assert client.post(f"/api/batches/{batch}/reject", headers=minister, json={"reason": ""}).status_code == 422
    r = client.post(f"/api/batches/{batch}/reject", headers=minister, json={"reason": "цифры не сходятся"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert query(db, "SELECT status, reason, decided_by FROM import_batch WHERE import_id = ?", [batch]) == [
        ("rejected", "цифры не сходятся", "Министерство")]
    assert query(db, "SELECT count(*) FROM observation WHERE kato = '100000000' AND indicator = 'schools_count'"
                 ) == [(0,)]
    assert client.post(f"/api/batches/{batch}/approve", headers=minister).status_code == 409


def test_two_pending_batches_for_one_key_get_consecutive_revisions(client, tokens, db):
    first = upload(client, ABAI_ROW, tokens["akimat"]).json()["batch"]
    second = upload(client, ABAI_ROW.replace("512", "515"), tokens["akimat"]).json()["batch"]
    minister = bearer(tokens["ministry"])
    assert client.post(f"/api/batches/{second}/approve", headers=minister).json()["added"] == 1
    assert client.post(f"/api/batches/{first}/approve", headers=minister).json()["revised"] == 1
    assert query(db, "SELECT value, revision, import_id FROM observation WHERE kato = '100000000' AND "
                     "indicator = 'schools_count' ORDER BY revision") == [(515.0, 1, second), (512.0, 2, first)]


def test_analyst_corrects_one_value_with_a_reason(client, tokens, db):
    r = client.post("/api/observations/correct", headers=bearer(tokens["analyst"]), json=CORRECTION)
    assert r.status_code == 200, r.text
    assert (r.json()["old_value"], r.json()["new_value"], r.json()["changed"]) == (406297.0, 406300.0, True)
    assert query(db, "SELECT value, revision FROM observation_latest WHERE kato = '100000000' AND "
                     "indicator = 'budget_revenue_mln_kzt' AND period = '2023'") == [(406300.0, 2)]
    entry = query(db, "SELECT user_name, action, object, old_value, new_value, reason FROM audit_log "
                      "WHERE action = 'correct'")
    assert entry == [("Аналитик", "correct", "observation:100000000/budget_revenue_mln_kzt/2023/", "406297.0",
                      "406300.0", "опечатка в отчёте акимата")]
    missing = client.post("/api/observations/correct", headers=bearer(tokens["analyst"]),
                          json={**CORRECTION, "period": "1990"})
    assert missing.status_code == 422 and "исправлять нечего" in missing.json()["detail"]  # Russian by default


def test_expired_and_revoked_tokens_are_refused(client, tokens, db):
    assert client.get("/api/me", headers=bearer(tokens["viewer"])).status_code == 200
    con = connect(db)
    try:
        con.execute("UPDATE api_token SET expires_at = ? WHERE user_id = (SELECT user_id FROM web_account "
                    "WHERE name = 'Наблюдатель')", [dt.datetime.now() - dt.timedelta(seconds=1)])
        fresh = issue_token(con, "Аналитик", days=1)
        assert revoke_tokens(con, "Аналитик") == 2
    finally:
        con.close()
    for token in (tokens["viewer"], tokens["analyst"], fresh):
        r = client.get("/api/me", headers=bearer(token))
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_log_in_sets_a_safe_cookie_and_writes_need_the_csrf_token(client, tokens, db):
    r = client.post("/api/login", data={"name": "Министерство", "password": "secret-ministry-1"})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert "aimaq_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Max-Age=28800" in cookie
    csrf = r.json()["csrf_token"]
    assert client.get("/api/me").json()["user"] == "Министерство"
    batch = upload(client, ABAI_ROW, tokens["akimat"]).json()["batch"]
    refused = client.post(f"/api/batches/{batch}/approve")  # the cookie alone: what a foreign site could send
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert client.post(f"/api/batches/{batch}/approve", headers={"X-CSRF-Token": "x" + csrf}).status_code == 403
    assert client.post(f"/api/batches/{batch}/approve", headers={"X-CSRF-Token": csrf}).status_code == 200
    # an upload form sends the token as a field
    form = client.post("/api/import", files={"file": ("d.csv", ABAI_ROW.encode())},
                       data={"dry_run": "true", "csrf_token": csrf})
    assert form.status_code == 200 and form.json()["status"] == "checked"
    assert client.post("/api/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    client.cookies.clear()
    assert client.get("/api/me").status_code == 401
    stored = query(db, "SELECT password_hash FROM web_account WHERE name = 'Министерство'")[0][0]
    assert stored.startswith("$argon2id$") and "secret" not in stored


def test_log_in_attempts_are_rate_limited(client, tokens):
    for _ in range(5):
        assert client.post("/api/login", data={"name": "Наблюдатель", "password": "wrong"}).status_code == 401
    r = client.post("/api/login", data={"name": "Наблюдатель", "password": "secret-viewer-1"})
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 15 * 60


def test_upload_over_the_cap_is_413(db, tokens):
    with TestClient(create_app(db, max_upload_mb=0.01)) as c:  # 10 kB
        big = HEADER + "Абайская область,schools_count,2025,512,\n" * 400
        r = upload(c, big, tokens["ministry"])
        assert r.status_code == 413 and "0.01 МБ" in r.json()["detail"]
        assert upload(c, ABAI_ROW, tokens["ministry"]).status_code == 200


def test_a_busy_database_is_503_with_retry_after_not_422(client, tokens, db):
    batch = upload(client, ABAI_ROW, tokens["akimat"]).json()["batch"]
    with client.app.state.pool.cursor() as other:  # another writer holds the batch's row in its transaction
        other.execute("BEGIN TRANSACTION")
        other.execute("UPDATE import_batch SET status = 'rejected' WHERE import_id = ?", [batch])
        r = client.post(f"/api/batches/{batch}/approve", headers=bearer(tokens["ministry"]))
        other.execute("ROLLBACK")
    assert r.status_code == 503 and r.headers["retry-after"] == "2", r.text
    assert client.post(f"/api/batches/{batch}/approve", headers=bearer(tokens["ministry"])).status_code == 200

"""POST /api/import with bad files: never an HTTP 500, never a server path in the answer; the problems name the
user's own file. Also a 300-character file name."""

import io

import openpyxl
import polars as pl
import pytest
from fastapi.testclient import TestClient

from aimaq.store.catalogue import save_indicators
from aimaq.web import create_app
from aimaq.web.users import add_user

pytest.importorskip("python_multipart")

GOOD = "territory,indicator,period,value\nАкмолинская,population,2023,787971\n"


@pytest.fixture()
def client_and_token(db):
    save_indicators(db, pl.DataFrame({"code": ["population"], "name_ru": ["Население"], "unit": ["persons"]}))
    _, token = add_user(db, "Министерство", "ministry")
    path = db.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    db.close()
    with TestClient(create_app(path), raise_server_exceptions=False) as client:
        yield client, token


def xlsx_bytes():
    book = openpyxl.Workbook()
    book.active.append(["territory", "indicator", "period", "value"])
    book.active.append(["Акмолинская", "population", 2023, 787971])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BAD = [
    ("cp1251.csv", GOOD.encode("cp1251"), "Windows-1251"),
    ("utf16.csv", GOOD.encode("utf-16"), "UTF-16"),
    ("broken.xlsx", xlsx_bytes()[:300], "XLSX"),
    ("notzip.xlsx", b"hello", "XLSX"),
    ("long.csv", (GOOD + "ВКО,population,2023,5" + "0" * 131_073 + "\n").encode(), "too long"),
    ("quote.csv", (GOOD + '"ВКО,population,2023,5\n').encode(), "quote"),
    ("header.csv", b"territory,indicator,period,value\n", "no data"),
    ("dup.csv", b"territory,value,value\n1,2,3\n", "repeated"),
    ("x" * 300 + ".csv", GOOD.replace("787971", '"1,234"').encode(), "ambiguous"),
    ("binary.csv", bytes(range(256)) * 10, "UTF-16"),
    ("empty.xlsx", b"", "XLSX"),
]


@pytest.mark.parametrize("name, content, says", BAD, ids=[b[0][:20] for b in BAD])
def test_a_bad_upload_is_a_422_naming_the_users_file_never_a_500_or_a_server_path(client_and_token, name, content,
                                                                                  says):
    client, token = client_and_token
    r = client.post("/api/import", files={"file": (name, content, "application/octet-stream")},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422, r.text
    body = r.text
    assert "/tmp" not in body and "aimaq-upload" not in body and "Traceback" not in body
    problems = r.json()["problems"]
    assert problems and all(p["file"] == name for p in problems)
    assert any(says in p["reason"] or says in (p["value"] or "") for p in problems), problems


def test_a_300_character_file_name_imports(client_and_token):
    client, token = client_and_token
    name = "данные_" * 42 + ".csv"
    r = client.post("/api/import", files={"file": (name, GOOD.encode(), "text/csv")},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 1 and r.json()["file"] == name

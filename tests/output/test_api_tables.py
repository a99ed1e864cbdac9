"""Every table of the API answers `?format=json|csv|xlsx`: the upload batches, a batch and its difference, the audit
log (Russian headings in XLSX, the sources sheet, the right content types), and — enumerated from the app itself —
every other GET /api route, so that a new table endpoint without `?format` fails here."""

from __future__ import annotations

import io
import shutil

import openpyxl
import polars as pl
import pytest

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# GET /api routes that are not tables, on purpose
NOT_TABLES = {
    "/api/settlements.geojson": "GeoJSON map layer (a FeatureCollection, not rows)",
    "/api/regions.geojson": "GeoJSON map layer (a FeatureCollection, not rows)",
    "/api/me": "who the caller is: one record",
}
# the query a route needs to answer with data (required parameters)
QUERIES = {"/api/standards/coverage": "year=2023&level=region", "/api/standards/gaps/{kato}": "year=2023",
           "/api/forecast": "region=ВКО&year=2030"}


@pytest.fixture(scope="module")
def served(demo_db, tmp_path_factory):
    """A copy of the demo database with a ministry user and one pending batch (two new values), and a client."""
    from fastapi.testclient import TestClient

    from aimaq.store.batches import stage_batch
    from aimaq.store.db import connect
    from aimaq.web import create_app
    from aimaq.web.users import add_user

    path = tmp_path_factory.mktemp("tables") / "d.duckdb"
    shutil.copy(demo_db, path)
    con = connect(path)
    try:
        user, token = add_user(con, "Министерство", "ministry")
        kato = con.execute("SELECT min(kato) FROM territory WHERE level = 'region'").fetchone()[0]
        settlement = con.execute("SELECT min(kato) FROM territory WHERE level = 'settlement'").fetchone()[0]
        staged = stage_batch(con, [{"kato": kato, "indicator": "population", "period": "2031", "value": 1234.5},
                                   {"kato": kato, "indicator": "population", "period": "2032", "value": 1240.0}],
                             file="akimat.csv", layout="long", sha256=None, user=user)
    finally:
        con.close()
    with TestClient(create_app(path)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield {"client": client, "batch": staged["batch"], "kato": kato, "settlement": settlement}


def _xlsx(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Данные", "Источники и методика"]
    return book


def _csv(response) -> pl.DataFrame:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].endswith('.csv"')
    return pl.read_csv(io.BytesIO(response.content), infer_schema_length=0)


def test_batches_as_csv_and_xlsx(served):
    client, batch = served["client"], served["batch"]
    listed = _csv(client.get("/api/batches?status=pending&format=csv"))
    assert listed.columns[:4] == ["batch", "status", "file", "loaded_by"]  # codes stay in CSV
    assert listed.filter(pl.col("batch") == str(batch))["rows_pending"].to_list() == ["2"]
    sheet = _xlsx(client.get("/api/batches?format=XLSX"))["Данные"]
    assert [c.value for c in sheet[1]][:4] == ["Пакет", "Статус", "Файл", "Загрузил"]
    assert client.get("/api/batches?status=pending").json()["rows"][0]["changes"]  # JSON as before


def test_a_batch_and_its_difference_as_tables(served):
    client, batch = served["client"], served["batch"]
    for url in (f"/api/batches/{batch}", f"/api/batches/{batch}/diff"):
        diff = _csv(client.get(f"{url}?format=csv"))
        assert diff.height == 2 and set(diff["action"]) == {"added"} and set(diff["new_value"]) == {"1234.5", "1240.0"}
        book = _xlsx(client.get(f"{url}?format=xlsx"))
        headings = [c.value for c in book["Данные"][1]]
        assert headings[:3] == ["Код КАТО", "Территория", "Показатель"] and "Новое значение" in headings
        sources = " ".join(str(c.value) for row in book["Источники и методика"].iter_rows() for c in row if c.value)
        assert "akimat.csv" in sources  # the batch's file, in the sources sheet
    assert client.get(f"/api/batches/{batch}/diff").json()["count"] == 2


def test_the_audit_log_as_csv_and_xlsx(served):
    client, batch = served["client"], served["batch"]
    log = _csv(client.get("/api/audit?format=csv"))
    assert f"batch:{batch}" in log["object"].to_list() and "upload" in log["action"].to_list()
    sheet = _xlsx(client.get("/api/audit?format=xlsx&action=upload"))["Данные"]
    assert [c.value for c in sheet[1]][:5] == ["Запись", "Когда", "Пользователь", "Роль", "Действие"]
    assert sheet.freeze_panes == "A2" and sheet.max_row >= 2


def _api_get_routes(app) -> dict[str, list[str]]:
    """path → its query parameters, for every GET route under /api (from the app's OpenAPI description)."""
    return {path: [p["name"] for p in item["get"].get("parameters", []) if p["in"] == "query"]
            for path, item in app.openapi()["paths"].items() if path.startswith("/api/") and "get" in item}


def test_every_table_route_of_the_api_answers_csv_and_xlsx(served):
    client = served["client"]
    routes = _api_get_routes(client.app)
    assert {"/api/batches", "/api/batches/{batch}", "/api/batches/{batch}/diff", "/api/audit",
            "/api/rating/{year}"} <= set(routes)
    without = sorted(p for p, query in routes.items() if "format" not in query and p not in NOT_TABLES)
    assert not without, f"GET table routes without ?format: {without}"
    values = {"kato": served["settlement"], "indicator": "population", "year": "2024", "batch": str(served["batch"])}
    for path in sorted(set(routes) - set(NOT_TABLES)):
        url = path.format(**values)
        query = QUERIES.get(path, "")
        for fmt, check in (("csv", _csv), ("xlsx", _xlsx)):
            response = client.get(f"{url}?{query}&format={fmt}" if query else f"{url}?format={fmt}")
            check(response)

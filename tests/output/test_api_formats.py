"""?format=json|csv|xlsx on the API's table endpoints: content type, file name, the file itself."""

from __future__ import annotations

import io

import openpyxl
import polars as pl
import pytest

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def client(demo_db):
    from fastapi.testclient import TestClient

    from aimaq.web import create_app

    with TestClient(create_app(demo_db)) as c:
        yield c


def test_rating_as_csv_is_csv(client):
    response = client.get("/api/rating/2024?format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="rating_2024_published.csv"' in response.headers["content-disposition"]
    frame = pl.read_csv(io.BytesIO(response.content), schema_overrides={"kato": pl.String})
    assert frame.height == 26 and frame.columns[:4] == ["rank", "city", "kato", "score"]
    assert frame.filter(pl.col("rank") == 1)["city"][0] == "Туркестан"


def test_json_stays_the_default_and_format_is_case_insensitive(client):
    assert client.get("/api/rating/2024").json()["count"] == 26
    assert client.get("/api/rating/2024?format=CSV").headers["content-type"].startswith("text/csv")
    assert client.get("/api/rating/2024?format=pdf").status_code == 422


@pytest.mark.parametrize("url, rows", [
    ("/api/standards/coverage?year=2023&level=region&format=xlsx", 20),
    ("/api/villages?format=xlsx", 18),  # the country and 17 oblasts
    ("/api/territories?level=region&format=xlsx", None),
    ("/api/forecast?region=ВКО&year=2030&format=xlsx", 1),
])
def test_table_endpoints_answer_xlsx(client, url, rows):
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Данные", "Источники и методика"]
    sheet = book["Данные"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value in ("Код КАТО", "Код региона")  # headings for people, codes stay in CSV/JSON
    if rows is not None:
        assert sheet.max_row == rows + 1


def test_gaps_csv_carries_the_synthetic_flag_of_the_payload(client):
    settlements = pl.read_csv(io.BytesIO(client.get("/api/standards/coverage?year=2023&level=settlement&format=csv")
                                         .content), schema_overrides={"kato": pl.String})
    kato = settlements.filter(pl.col("coverage_pct") < 100).sort("kato")["kato"][0]
    payload = client.get(f"/api/standards/gaps/{kato}?year=2023").json()
    assert payload["synthetic"] is True
    frame = pl.read_csv(io.BytesIO(client.get(f"/api/standards/gaps/{kato}?year=2023&format=csv").content))
    assert frame.height == payload["count"] and frame["synthetic"].all()

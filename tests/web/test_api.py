"""The REST API over the demo database: values, synthetic flags, 404 with suggestions, 422 for bad parameters."""

import json

import pytest


def test_rating_2024_published_first_row(client):
    body = client.get("/api/rating/2024").json()
    first = body["rows"][0]
    assert (first["rank"], first["city"], first["score"], first["source"]) == (1, "Туркестан", 6.43, "published")
    assert first["previous"] == 5.19 and first["change_points"] == 1.24   # 12 significant digits, no binary noise
    assert body["synthetic"] is False and body["count"] == 26


def test_rating_bad_source_is_422(client):
    r = client.get("/api/rating/2024", params={"source": "guessed"})
    assert r.status_code == 422


def test_coverage_country_2023_is_synthetic(client):
    body = client.get("/api/standards/coverage", params={"year": 2023}).json()
    assert body["synthetic"] is True
    all_ = next(r for r in body["rows"] if r["group"] == "all")
    assert all_["coverage_pct"] == pytest.approx(64.7, abs=0.05)
    assert all_["name_ru"] == "Республика Казахстан"
    assert {r["group"] for r in body["rows"]} == {"all", "cities", "villages"}


def test_coverage_needs_a_year_and_a_known_level(client):
    assert client.get("/api/standards/coverage").status_code == 422
    assert client.get("/api/standards/coverage", params={"year": 2023, "level": "planet"}).status_code == 422


def test_territory_by_code_and_kazakh_letters_round_trip(client):
    r = client.get("/api/territories/100000000")
    assert r.status_code == 200
    assert "Абай облысы".encode() in r.content          # UTF-8 in the body, not \u escapes
    row = json.loads(r.content.decode("utf-8"))["rows"][0]
    assert (row["name_ru"], row["name_kk"], row["valid_from"]) == ("Абайская область", "Абай облысы", "2022-06-08")
    row = client.get("/api/territories/620000000").json()["rows"][0]
    assert row["name_kk"] == "Ұлытау облысы"


def test_territory_by_name(client):
    body = client.get("/api/territories/Ұлытау облысы").json()
    assert body["kato"] == "620000000"


def test_unknown_territory_is_404_with_suggestions(client):
    r = client.get("/api/territories/999999999")
    assert r.status_code == 404
    assert r.json()["suggestions"] and all("(" in s for s in r.json()["suggestions"])
    r = client.get("/api/territories/Абайск")
    assert r.status_code == 404
    assert "Абайская область (100000000)" in r.json()["suggestions"]
    assert len({s.rsplit("(", 1)[1] for s in r.json()["suggestions"]}) == len(r.json()["suggestions"])  # once each
    r = client.get("/api/territories/999")                 # too short for a code: the nearest codes, not names
    assert r.status_code == 404 and all(s.endswith(")") for s in r.json()["suggestions"])
    r = client.get("/api/territories/101999999")      # inside Абайская область: the nearest codes share 10199…/101…
    assert r.status_code == 404 and all(s.endswith(")") and "(101" in s for s in r.json()["suggestions"])


def test_territories_list_by_level_and_date(client):
    body = client.get("/api/territories", params={"level": "region", "at": "2020-01-01"}).json()
    names = {r["name_ru"] for r in body["rows"]}
    assert "Абайская область" not in names and "Восточно-Казахстанская область" in names
    assert body["count"] == 17
    body = client.get("/api/territories", params={"level": "region", "at": "2023-01-01"}).json()
    assert body["count"] == 20
    assert client.get("/api/territories", params={"level": "galaxy"}).status_code == 422
    assert client.get("/api/territories", params={"at": "not-a-date"}).status_code == 422


def test_series_on_boundaries(client):
    body = client.get("/api/series/population", params={"boundaries": 2019}).json()
    assert body["boundaries"] == 2019 and body["notes"]
    katos = {r["kato"] for r in body["rows"]}
    assert "100000000" not in katos                       # Абайская область did not exist in 2019
    unknown = client.get("/api/series/no_such_indicator")  # an unknown name, as for territories: 404 with the nearest
    assert unknown.status_code == 404 and unknown.json()["kind"] == "indicator"


def test_gaps_with_nearest_place(client, demo_db):
    from aimaq.standards.service import gaps
    from aimaq.store.db import connect

    body = client.get("/api/standards/gaps/101001001", params={"year": 2023}).json()
    con = connect(demo_db)  # the app holds the file in this process: the same configuration shares it
    expected = gaps(con, "101001001", 2023)
    con.close()
    assert body["synthetic"] is True and body["count"] == expected.height > 0
    assert [r["item"] for r in body["rows"]] == expected["item"].to_list()
    assert all(r["nearest_name_ru"] and r["nearest_km"] > 0 for r in body["rows"])
    r = client.get("/api/standards/gaps/101999999", params={"year": 2023})
    assert r.status_code == 404 and r.json()["suggestions"]


def test_villages_of_a_region(client):
    body = client.get("/api/villages", params={"region": "Абайская область"}).json()
    total = body["rows"][0]
    assert total["name_ru"] == "Итого" and body["synthetic"] is True
    assert total["support"] + total["satellite"] + total["other"] == total["villages"]
    assert total["villages"] == sum(r["villages"] for r in body["rows"][1:])
    assert client.get("/api/villages", params={"region": "Атлантида"}).status_code == 404


def test_forecast(client):
    body = client.get("/api/forecast", params={"region": "100000000", "year": 2030}).json()
    (row,) = body["rows"]
    assert row["region"] == "Абайская область" and row["year"] == 2030
    assert row["lower80"] < row["population"] < row["upper80"]
    assert body["scenario"] == "medium"


def test_settlements_geojson_of_abai(client):
    region = client.get("/api/territories/100000000").json()["rows"][0]
    fc = client.get("/api/settlements.geojson", params={"region": "100000000", "year": 2023}).json()
    assert fc["type"] == "FeatureCollection" and fc["synthetic"] is True
    assert 330 <= len(fc["features"]) <= 360
    boundary = next(f for f in client.get("/api/regions.geojson").json()["features"]
                    if f["properties"]["kato"] == "100000000")
    from shapely.geometry import shape

    minx, miny, maxx, maxy = shape(boundary["geometry"]).bounds
    for f in fc["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert minx - 0.05 <= lon <= maxx + 0.05 and miny - 0.05 <= lat <= maxy + 0.05, f["properties"]["name_ru"]
        assert f["properties"]["kato"].startswith("10")
    p = next(f["properties"] for f in fc["features"] if f["properties"]["kato"] == "101001001")
    # the map shows what the standards run stored for the village (a synthetic inventory: 30 of 37 since
    # cities are assessed by their districts and their facilities reach nearby villages)
    rows = client.get("/api/standards/coverage", params={"year": 2023, "level": "settlement"}).json()["rows"]
    stored = next(r for r in rows if r.get("kato", r.get("territory_code")) == "101001001")
    met, applicable = stored["n_met"], stored["n_applicable"]
    assert p["name_ru"] == "Байжол" and (p["n_met"], p["n_applicable"]) == (met, applicable) == (30, 37)
    assert p["coverage_pct"] == round(100 * met / applicable, 1)
    assert p["role"] in {"support", "satellite", "other"} and p["synthetic"] is True
    assert region["name_ru"] == "Абайская область"
    # a region by name gives the same layer
    by_name = client.get("/api/settlements.geojson", params={"region": "Абай облысы"}).json()
    assert len(by_name["features"]) == len(fc["features"])


def test_settlements_geojson_unknown_region(client):
    r = client.get("/api/settlements.geojson", params={"region": "990000000"})
    assert r.status_code == 404 and r.json()["suggestions"]
    assert client.get("/api/settlements.geojson").status_code == 422


def test_regions_geojson_with_published_coverage(client):
    fc = client.get("/api/regions.geojson").json()
    props = {f["properties"]["kato"]: f["properties"] for f in fc["features"]}
    assert len(props) == 20 and fc["synthetic"] is False
    assert props["100000000"]["coverage_pct"] == 56.9 and props["100000000"]["coverage_period"] == "2023"
    assert props["750000000"]["coverage_pct"] == 88.6
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in fc["features"])


def test_openapi_lists_the_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/territories", "/api/territories/{kato}", "/api/series/{indicator}", "/api/rating/{year}",
              "/api/standards/coverage", "/api/standards/gaps/{kato}", "/api/villages", "/api/forecast",
              "/api/settlements.geojson", "/api/regions.geojson"):
        assert p in paths
    assert client.get("/docs").status_code == 200


def test_page_and_vendored_leaflet(client):
    page = client.get("/map")
    assert page.status_code == 200 and "Цифровая карта села" in page.text
    assert "http://" not in page.text and "https://" not in page.text   # nothing is fetched from the internet
    js = client.get("/static/vendor/leaflet/leaflet.js")
    assert js.status_code == 200 and "Leaflet 1.9.4" in js.text
    assert client.get("/static/vendor/leaflet/leaflet.css").status_code == 200
    assert client.get("/static/js/map.js").status_code == 200


def test_a_result_not_computed_yet_is_409_not_a_write(demo_db, tmp_path):
    """The server is read-only: where a service would compute and store a missing coverage run, the API says
    which CLI command computes it instead of failing with a database error."""
    import shutil

    from fastapi.testclient import TestClient

    from aimaq.store.db import connect
    from aimaq.web import create_app

    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)
    con = connect(copy)
    con.execute("DELETE FROM srs_run WHERE kind = 'coverage' AND year = 2022")
    con.close()
    with TestClient(create_app(copy)) as c:
        r = c.get("/api/standards/coverage", params={"year": 2022})
        assert r.status_code == 409 and "aimaq standards compute" in r.json()["detail"]
        assert c.get("/api/standards/coverage", params={"year": 2023}).status_code == 200

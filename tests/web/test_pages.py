"""The HTML pages over the demo database: the figures they show, their downloads, the language switch, the search
and the offline API docs (the same pages in a real browser: test_browser.py)."""

import io
import json
import re
from pathlib import Path

import polars as pl
import pytest

from aimaq.i18n import use_language


def text_of(html: str) -> str:
    """Visible text with Russian number spaces (no-break, narrow no-break) as plain spaces, without the soft
    hyphens of table headings."""
    plain = re.sub(r"<script.*?</script>|<[^>]+>", " ", html, flags=re.S).replace("\xad", "")
    return re.sub(r"\s+", " ", plain.replace("\xa0", " ").replace("\u202f", " "))


def section(html: str, ident: str) -> str:
    start = html.index(f'id="{ident}"')
    end = html.find("</section>", start)
    end = html.find("</article>", start) if end < 0 or "tile-" in ident else end
    return text_of(html[start:end])


@pytest.fixture(scope="module")
def dashboard(client):
    page = client.get("/")
    assert page.status_code == 200
    return page.text


def test_dashboard_headline_figures(dashboard):
    assert "5,56" in section(dashboard, "tile-rating") and "+0,96" in section(dashboard, "tile-rating")
    coverage = section(dashboard, "tile-coverage")
    assert "64,7" in coverage and "+2,2 п. п." in coverage and "раздел 1.8" in coverage
    population = section(dashboard, "tile-population")
    assert "19 766 807" in population and "Бюро национальной статистики" in population
    villages = section(dashboard, "tile-villages")
    assert "3,5" in villages and "синтетические данные" in villages   # the Aimaq count beside it is synthetic
    assert "синтетические данные" not in section(dashboard, "tile-rating")   # Table 2 is published
    assert re.search(r"\d+ / \d+", section(dashboard, "tile-kpi"))


def test_dashboard_tables_and_charts(dashboard):
    rating = section(dashboard, "table-rating")
    assert dashboard.count('data-table="rating"') == 1 and 'class="data sortable"' in dashboard
    assert "Туркестан" in rating and "Петропавловск" in rating
    assert "Место, 90% интервал" in rating and "синтетические данные" in rating   # the band rests on synthetic data
    coverage = section(dashboard, "table-coverage_by_region")
    assert coverage.count("/region/") == 0 and dashboard.count('href="/region/') >= 20
    assert "нет данных" in dashboard              # the no-data class of the legend
    assert 'id="chart-coverage-bar"' in dashboard and 'id="chart-coverage-map"' in dashboard
    assert 'id="chart-forecast"' in dashboard and "vendor/echarts/echarts.min.js" in dashboard
    assert "https://" not in dashboard and "http://" not in dashboard


def test_downloads_equal_the_page(client):
    csv = client.get("/tables/rating.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert 'filename="dashboard_2024_rating.csv"' in csv.headers["content-disposition"]
    frame = pl.read_csv(io.BytesIO(csv.content))
    assert frame.height == 26 and frame["synthetic"].all()
    assert frame.filter(pl.col("city") == "Туркестан")["score"][0] == pytest.approx(6.5, abs=0.6)
    assert round(frame["score"].mean(), 2) == 5.56

    from openpyxl import load_workbook

    xlsx = client.get("/region/100000000/tables/villages.xlsx")
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.headers["content-type"]
    book = load_workbook(io.BytesIO(xlsx.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    # headings as the page shows them (Russian), the synthetic flag in words, the sources on a sheet of their own
    assert rows[0][:2] == ("Район", "Сёл") and rows[0][-1] == "Синтетические данные" and rows[1][0] == "Итого"
    assert {r[-1] for r in rows[1:]} == {"да"}
    assert sum(r[1] for r in rows[2:]) == rows[1][1] > 100    # districts add up to the region's total
    about = {r[0]: r[1] for r in book.worksheets[1].iter_rows(values_only=True)}
    assert about["Таблица"] == "Сёла по районам" and "синтетических" in about["Источник"]
    kk = load_workbook(io.BytesIO(client.get("/region/100000000/tables/villages.xlsx?lang=kk").content))
    assert next(kk.worksheets[0].iter_rows(values_only=True))[0] == "Аудан"
    assert pl.read_csv(io.BytesIO(client.get("/region/100000000/tables/villages.csv?lang=kk").content)).columns[:2] \
        == ["name_ru", "villages"]                          # CSV: stable column codes in every language
    gaps = pl.read_csv(io.BytesIO(client.get("/settlement/101001001/tables/gaps.csv").content))
    assert "Сарытомар" in gaps["nearest_name_ru"].to_list()
    missing = client.get("/tables/nonsense.csv")
    assert missing.status_code == 404 and "rating.csv" in missing.json()["detail"]


def test_region_page(client):
    page = client.get("/region/100000000")
    assert page.status_code == 200
    html = page.text
    assert "<h1" in html and "Абайская область" in text_of(html)
    assert "Абай облысы" in html                                  # the Kazakh name from the registry
    for table in ("indicators", "coverage_by_direction", "villages", "forecast", "rating"):
        assert f'id="table-{table}"' in html, table
    assert "Семей" in section(html, "table-rating")
    indicators = section(html, "table-indicators")
    assert "2022" in indicators and "2023" in indicators and "2021" not in indicators
    # Abai exists from 2022: earlier values were published for East Kazakhstan, and the page says so
    assert "Численность населения: 22 знач. нельзя показать в границах" in text_of(html)
    akmola = section(client.get("/region/110000000").text, "table-indicators")
    assert "2000" in akmola and "2023" in akmola                 # an unchanged region: the whole series
    by_name = client.get("/region/Абай облысы")
    assert by_name.status_code == 200 and "Абайская область" in by_name.text
    unknown = client.get("/region/999999999")
    assert unknown.status_code == 404 and 'id="error-message"' in unknown.text


def baizhol(client) -> dict:
    """Байжол as the map's layer (the standards service) gives it: what its page must show."""
    layer = client.get("/api/settlements.geojson", params={"region": "100000000"}).json()
    return next(f["properties"] for f in layer["features"] if f["properties"]["kato"] == "101001001")


def test_settlement_page(client):
    from aimaq.i18n import format_number

    expected = baizhol(client)
    html = client.get("/settlement/101001001").text
    text = text_of(html)
    assert "Байжол" in text and "113" in text
    assert f"{format_number(expected['coverage_pct'], 1, lang='ru')} %" in text
    assert f"{expected['n_met']} из {expected['n_applicable']}" in text and 25 <= expected["n_met"] <= 37
    assert "Сарытомар" in section(html, "table-gaps")
    assert "Образование" in section(html, "table-coverage_by_direction")
    by_direction = pl.read_csv(io.BytesIO(client.get("/settlement/101001001/tables/coverage_by_direction.csv").content))
    assert (by_direction["n_met"].sum(), by_direction["n_applicable"].sum()) == (expected["n_met"],
                                                                                expected["n_applicable"])
    gaps = pl.read_csv(io.BytesIO(client.get("/settlement/101001001/tables/gaps.csv").content))
    assert gaps.height == expected["n_applicable"] - expected["n_met"]   # one row per missing item


def test_monotown_and_programmes(client):
    town = client.get("/monotown/353200001")
    assert town.status_code == 200 and "Абай" in text_of(town.text) and 'id="table-registry"' in town.text
    assert client.get("/monotown/Абай (город)").status_code == 200
    programmes = client.get("/programmes").text
    kpi = section(programmes, "table-kpi")
    assert "92,7" in kpi and "93,2" in kpi                         # internet users: plan and fact 2023
    assert 'id="table-diploma"' in programmes and 'id="table-auyl"' in programmes


def test_language_switch_keeps_the_page(client):
    kk = client.get("/region/100000000?lang=kk")
    assert kk.status_code == 200 and '<html lang="kk">' in kk.text
    assert "Абай облысы" in text_of(kk.text) and "Бағыттар бойынша қамтамасыз етілу" in kk.text
    assert kk.cookies.get("aimaq_lang") == "kk"
    assert 'href="/region/100000000?lang=en"' in kk.text   # the switch stays on this page
    en = client.get("/?lang=en").text
    assert "5.56" in section(en, "tile-rating") and "64.7" in section(en, "tile-coverage")
    client.cookies.clear()


def test_search_resolves_any_spelling(client):
    for spelling in ("Қонаев", "Konaev", "Капшагай", "Конаев"):
        body = client.get("/api/pages/search", params={"q": spelling}).json()
        assert body["count"] >= 1 and body["rows"][0]["kato"] == "191000000", spelling
        assert body["rows"][0]["region_kato"] == "190000000"
    several = client.get("/api/pages/search", params={"q": "Байжол"}).json()
    assert several["count"] > 1 and "101001001" in [r["kato"] for r in several["rows"]]
    assert client.get("/api/pages/search", params={"q": "Qwzxv"}).json()["count"] >= 0


def test_settlement_values_layer(client):
    body = client.get("/api/pages/settlement-values",
                      params={"region": "100000000", "indicator": "gas_pct", "year": 2023}).json()
    assert body["synthetic"] is True and 300 < len(body["values"]) < 400
    assert all(0 <= v <= 100 for v in body["values"].values())
    assert client.get("/api/pages/settlement-values",
                      params={"region": "100000000", "indicator": "nope"}).status_code == 404


def test_offline_api_docs(client):
    docs = client.get("/docs").text
    assert "/vendor/swagger-ui/swagger-ui-bundle.js" in docs and "cdn" not in docs
    redoc = client.get("/redoc").text
    assert "/vendor/redoc/redoc.standalone.js" in redoc and "https://" not in redoc
    for path in ("swagger-ui/swagger-ui-bundle.js", "swagger-ui/swagger-ui.css", "redoc/redoc.standalone.js",
                 "echarts/echarts.min.js"):
        assert client.get(f"/static/vendor/{path}").status_code == 200, path


def test_every_map_text_is_in_the_catalogue():
    from aimaq.web.pages import MAP_MESSAGES

    js = (Path(__file__).resolve().parents[2] / "src/aimaq/web/static/js/map.js").read_text(encoding="utf-8")
    used = set(re.findall(r'\bT\("([^"]+)"', js))
    assert used and used <= set(MAP_MESSAGES), used - set(MAP_MESSAGES)


def test_scripts_under_their_content_hash(client):
    """Pages name their scripts and styles by content hash: cached for good by the browser, compressed once."""
    import gzip
    import hashlib

    from aimaq.web.assets import asset_response

    page = client.get("/map").text
    urls = re.findall(r'(?:src|href)="(/assets/[0-9a-f]{12}/[^"]+)"', page)
    assert {u.split("/", 3)[3] for u in urls} == {"css/pages.css", "vendor/leaflet/leaflet.css", "css/map.css",
                                                    "vendor/leaflet/leaflet.js", "js/map.js"}
    static = Path(__file__).resolve().parents[2] / "src/aimaq/web/static"
    for url in urls:
        path = url.split("/", 3)[3]
        raw = (static / path).read_bytes()
        assert url.split("/")[2] == hashlib.sha256(raw).hexdigest()[:12]
        got = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert got.status_code == 200 and got.content == raw      # httpx undoes the gzip
        assert got.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert got.headers["content-encoding"] == "gzip"
        sent = asset_response(url.split("/")[2], path, "gzip, deflate")
        assert len(sent.body) < len(raw) and gzip.decompress(sent.body) == raw
    plain = client.get(urls[0].replace(urls[0].split("/")[2], "000000000000"), headers={"Accept-Encoding": ""})
    assert plain.status_code == 200 and plain.headers["cache-control"] == "no-cache"   # an old page's link
    assert "content-encoding" not in plain.headers
    assert client.get("/assets/000000000000/../../pages.py").status_code == 404
    assert client.get("/assets/000000000000/js/nothing.js").status_code == 404


def test_region_boundaries_are_light_but_faithful(client):
    """The map's boundaries are simplified to about 500 m: far fewer points, the same regions (area within 1 %,
    no point of one further than 0.02° from the other) and the same properties as the API's layer."""
    import shapely
    from shapely.geometry import shape

    layer = client.get("/api/pages/regions.geojson")
    assert len(layer.content) < 150_000
    light = {f["properties"]["kato"]: shape(f["geometry"]) for f in layer.json()["features"]}
    api = client.get("/api/regions.geojson").json()["features"]
    full = {f["properties"]["kato"]: shape(f["geometry"]) for f in api}
    assert [f["properties"] for f in layer.json()["features"]] == [f["properties"] for f in api]
    assert set(light) == set(full) and len(light) == 20
    points_full = sum(shapely.get_num_coordinates(g) for g in full.values())
    points_light = sum(shapely.get_num_coordinates(g) for g in light.values())
    assert points_light < points_full / 3
    for kato, g in full.items():
        assert abs(light[kato].area - g.area) / g.area < 0.01, kato
        assert light[kato].hausdorff_distance(g) < 0.02, kato


def test_the_approval_page_in_three_languages(client):
    """/batches has the pages' header and language switch, and its texts (in the page and in its script) come
    from the message catalogue."""
    ru = client.get("/batches").text
    assert "Утверждение загрузок" in ru and "Пароль" in ru and 'href="/batches?lang=kk"' in ru
    kk = client.get("/batches?lang=kk").text
    assert "Жүктеулерді бекіту" in kk and "Құпиясөз" in kk and '<html lang="kk">' in kk
    en = client.get("/batches?lang=en").text
    assert "Approval of uploads" in en and "Password" in en
    data = json.loads(re.search(r'id="batch-data">(.*?)</script>', kk, re.S).group(1))
    assert data["messages"]["Approve"] == "Бекіту" and data["lang"] == "kk"

    from aimaq.web.pages import BATCH_MESSAGES

    js = (Path(__file__).resolve().parents[2] / "src/aimaq/web/static/js/batches.js").read_text(encoding="utf-8")
    used = set(re.findall(r'\bT\("([^"]+)"', js))
    assert used and used <= set(BATCH_MESSAGES), used - set(BATCH_MESSAGES)


def test_the_map_years_come_from_the_data(client):
    """The year list holds the years with a coverage run, newest first (the demo has runs for 2023 and 2022)."""
    page = client.get("/map").text
    select = re.search(r'<select id="year"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="(\d{4})">', select) == ["2023", "2022"]
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', page, re.S).group(1))
    assert data["years"] == [2023, 2022]


def test_long_headings_break_at_syllables():
    """Table headings get soft hyphens in their long words (the page looks the same where they fit)."""
    from aimaq.web.pages import soft_hyphens

    with use_language("ru"):
        assert soft_hyphens("Обеспеченность, %") == "Обес\xadпе\xadчен\xadность, %"
        assert soft_hyphens("Балл") == "Балл" and soft_hyphens("2023") == "2023"
    with use_language("kk"):
        assert soft_hyphens("Орындалды").replace("\xad", "") == "Орындалды" and "\xad" in soft_hyphens("Орындалды")

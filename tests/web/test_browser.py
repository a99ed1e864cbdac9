"""Every page in a real browser: Debian chromium driven by Playwright (never `playwright install`). Each page renders
with its data, logs no console error and requests nothing outside localhost; screenshots at 1366×768 and 390×844
are kept in tests/artifacts/ (ignored by git) to look at. Timings are measured in benchmarks/bench_pages.py."""

import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_path):
    """uvicorn on a free loopback port in a thread; returns (base URL, stop function)."""
    import uvicorn

    from aimaq.web import create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(db_path), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(400):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"

    def stop():
        srv.should_exit = True
        thread.join(timeout=10)

    return f"http://127.0.0.1:{port}", stop


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


@pytest.fixture(scope="module")
def server(demo_db):
    base, stop = start_server(demo_db)
    yield base
    stop()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing")
    with sync_api.sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


class Watched:
    """A page with its console errors, uncaught exceptions and requests that leave the server."""

    def __init__(self, browser, server, viewport):
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.errors, self.outside = [], []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:"))
                     else self.outside.append(r.url))

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
        return path

    def close(self):
        self.context.close()
        assert not self.errors, self.errors
        assert not self.outside, self.outside          # nothing leaves localhost


# What a ministry user would see as broken, found in the page: an element sticking out of the viewport (outside a
# box that scrolls on its own), a header link cut off, a short table whose last columns hide behind a scroll bar,
# a legend entry without text, a decimal point in a Russian number.
LAYOUT_PROBLEMS = r"""() => {
  const W = document.documentElement.clientWidth, out = [];
  const scrolls = (el) => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== "visible") return true; } return false; };
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || (r.left >= -1 && r.right <= W + 1)) continue;
    if (!scrolls(el)) out.push("outside the viewport: " + el.tagName + " " + (el.textContent || "").trim().slice(0, 40));
  }
  const header = document.querySelector("header.top");
  if (header) { const h = header.getBoundingClientRect();
    for (const a of header.querySelectorAll("a")) { const r = a.getBoundingClientRect();
      if (r.left < h.left - 1 || r.right > Math.min(h.right, W) + 1 || r.bottom > h.bottom + 1 || !r.width)
        out.push("header link cut off: " + a.textContent); } }
  for (const t of document.querySelectorAll(".scroll > table")) {
    if (t.tHead && t.tHead.rows[0].cells.length <= 4 && t.parentElement.scrollWidth > t.parentElement.clientWidth + 1)
      out.push("short table wider than the screen: " + t.dataset.table); }
  for (const item of document.querySelectorAll(".legend span, .legend [role=listitem]"))
    if (!item.textContent.trim()) out.push("legend entry without text");
  if (document.documentElement.lang !== "en")
    for (const td of document.querySelectorAll("td.num, .tile .value, #panel td"))
      if (/\d\.\d/.test(td.textContent)) out.push("decimal point in a Russian/Kazakh number: " + td.textContent);
  return out;
}"""

PAGES = {  # path → (what to wait for, texts the page must show)
    "dashboard": ("/", "body[data-map-ready]", ["5,56", "64,7", "Туркестан", "нет данных"]),
    "region": ("/region/100000000", "body[data-charts-ready]", ["Абайская область", "Семей", "Сёла по районам"]),
    "settlement": ("/settlement/101001001", "#settlement-facts", ["Байжол", "из 37", "Сарытомар"]),
    "monotown": ("/monotown/353200001", "#table-registry", ["Абай", "Реестр"]),
    "programmes": ("/programmes", "#table-kpi", ["92,7", "С дипломом"]),
    "batches": ("/batches", "#login", ["Утверждение загрузок", "Пароль", "Войти"]),
    "docs": ("/docs", ".opblock", ["Aimaq"]),
    "redoc": ("/redoc", "[data-section-id]", ["Aimaq"]),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_with_its_data(browser, server, name):
    path, ready, texts = PAGES[name]
    for label, viewport in (("1366x768", DESKTOP), ("390x844", PHONE)):
        w = Watched(browser, server, viewport)
        try:
            w.page.goto(server + path)
            w.page.wait_for_selector(ready, state="attached")
            body = w.page.inner_text("body").replace("\xa0", " ").replace("\u202f", " ")
            for text in texts:
                assert text in body, (name, text)
            if name == "docs":   # every operation of the API is listed
                import json
                import urllib.request

                spec = json.load(urllib.request.urlopen(server + "/openapi.json"))
                operations = sum(len(v) for v in spec["paths"].values())
                w.page.wait_for_function(f"document.querySelectorAll('.opblock').length >= {operations}")
                assert w.page.locator(".opblock").count() == operations
            if name == "dashboard":
                assert w.page.locator("#chart-coverage-map svg path").count() >= 20   # the choropleth is drawn
                assert w.page.locator("#chart-forecast svg path").count() >= 3        # line and its band
            width = w.page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"] + 1, (name, label, width)             # no sideways scrolling
            if name not in ("docs", "redoc"):                                     # our own pages
                assert w.page.evaluate(LAYOUT_PROBLEMS) == [], (name, label)
            w.shot(f"{name}-{label}")
        finally:
            w.close()


def test_dashboard_rating_table_sorts(browser, server):
    w = Watched(browser, server, DESKTOP)
    try:
        w.page.goto(server + "/")
        table = w.page.locator('table[data-table="rating"]')
        scores = lambda: [float(x) for x in table.locator("tbody td:nth-child(3)").evaluate_all(  # noqa: E731
            "cells => cells.map(c => c.getAttribute('data-sort'))")]
        assert table.locator("tbody tr").first.locator("td").nth(1).inner_text() == "Туркестан"
        table.locator("th").nth(2).click()              # score, ascending
        assert scores() == sorted(scores()) and scores()[0] < scores()[-1]
        table.locator("th").nth(2).click()              # and descending
        assert scores() == sorted(scores(), reverse=True)
        assert table.locator("th").nth(2).get_attribute("aria-sort") == "descending"
    finally:
        w.close()


def test_map_search_layers_panel_and_url(browser, server):
    w = Watched(browser, server, DESKTOP)
    page = w.page
    try:
        page.goto(server + "/map")
        page.wait_for_selector("body[data-ready]")
        assert page.locator("#synthetic-banner").is_hidden()          # regions alone are real data
        toolbar = page.locator(".toolbar").bounding_box()["height"]
        country_zoom = page.evaluate("window.aimaqMap.getZoom()")

        page.select_option("#region", "100000000")
        page.wait_for_selector("body[data-settlements]")
        n = int(page.get_attribute("body", "data-settlements"))
        assert 330 <= n <= 360
        assert page.evaluate("window.aimaqMap.getZoom()") >= country_zoom + 1
        assert page.locator("#synthetic-banner").is_visible()
        assert page.locator(".toolbar").bounding_box()["height"] == toolbar   # status text does not wrap the bar

        page.evaluate("() => { window.aimaqMap.setView([50.396, 80.188], 10, {animate: false}); }")
        point = page.evaluate("window.aimaqMarkerPoint('101001001')")
        page.mouse.click(point["x"], point["y"])          # a real click on the marker (drawn on a canvas)
        page.wait_for_selector("#settlement-name")
        assert page.inner_text("#settlement-name") == "Байжол"
        assert page.locator("#panel .kk").count() == 0                  # the Kazakh name equals the Russian one
        facts = page.inner_text("#settlement-facts").replace("\xa0", " ")
        import json
        import urllib.request

        layer = json.load(urllib.request.urlopen(server + "/api/settlements.geojson?region=100000000"))
        p = next(f["properties"] for f in layer["features"] if f["properties"]["kato"] == "101001001")
        coverage = f"{p['coverage_pct']:.1f}".replace(".", ",")
        assert f"{coverage} %" in facts and f"{p['n_met']} из {p['n_applicable']}" in facts and "113" in facts
        page.wait_for_selector("#gaps table")
        assert "Сарытомар" in page.inner_text("#gaps")
        assert "region=100000000" in page.url and "settlement=101001001" in page.url and "zoom=" in page.url

        # a click on the map leaves no black focus rectangle (boundaries are drawn on a canvas, not as paths)
        assert page.locator("#map path.leaflet-interactive").count() == 0
        assert page.evaluate("document.activeElement.closest('#map') === null || "
                             "getComputedStyle(document.activeElement).outlineStyle === 'none'")

        # another region: the panel follows at once (never the previous settlement)
        page.select_option("#region", "110000000")
        page.wait_for_function("document.body.getAttribute('data-selected') === '110000000'")
        assert page.locator("#settlement-name").count() == 0
        assert "Акмолинская" in page.inner_text("#selection-name")
        page.wait_for_selector("body[data-settlements]")

        # colour by village class, with its legend
        page.select_option("#layer", "role")
        assert "Класс села" in page.inner_text(".legend") and "опорное село" in page.inner_text(".legend")
        assert "layer=role" in page.url
        page.select_option("#layer", "indicator:gas_pct")
        page.wait_for_function("document.querySelector('.legend').innerText.indexOf('–') > 0")

        # search: a Kazakh spelling of a renamed town
        page.fill("#search", "Қонаев")
        page.press("#search", "Enter")
        page.wait_for_function("document.body.getAttribute('data-selected') === '190000000'")
        page.wait_for_selector("body[data-settlements]")
        page.wait_for_function("window.aimaqMap.getZoom() >= 9")           # zoomed to the town
        w.shot("map-search-1366x768")

        # a link reopens the same view: region, settlement, layer
        page.goto(server + "/map?region=100000000&settlement=101001001&layer=role&zoom=9&lat=50.4&lon=80.2")
        page.wait_for_selector("#settlement-name")
        assert page.inner_text("#settlement-name") == "Байжол"
        assert page.input_value("#layer") == "role" and page.input_value("#region") == "100000000"
        assert abs(page.evaluate("window.aimaqMap.getZoom()") - 9) < 0.01
        w.shot("map-1366x768")

        # the year control: the same selection with that year's figures, kept in the URL
        assert page.eval_on_selector_all("#year option", "os => os.map(o => o.value)") == ["2023", "2022"]
        page.select_option("#year", "2022")
        page.wait_for_selector("body[data-settlements]")
        page.wait_for_selector("#settlement-name")
        assert "year=2022" in page.url and "settlement=101001001" in page.url
        assert "(2022)" in page.inner_text("#settlement-facts")
        page.goto(page.url)
        page.wait_for_selector("#settlement-name")
        assert page.input_value("#year") == "2022"

        # the language switch keeps the view
        page.click(".langs a[data-lang='kk']")
        page.wait_for_selector("#settlement-name")
        assert "lang=kk" in page.url and "settlement=101001001" in page.url and "year=2022" in page.url
        assert "Ауылдың цифрлық картасы" in page.title()
    finally:
        w.close()


def test_map_on_a_phone(browser, server):
    w = Watched(browser, server, PHONE)
    page = w.page
    try:
        page.goto(server + "/map?region=100000000&settlement=101001001")
        page.wait_for_selector("#settlement-name")
        map_box, panel_box = page.locator("#map").bounding_box(), page.locator("#panel").bounding_box()
        assert map_box["width"] <= 390 and map_box["height"] > 300
        assert panel_box["y"] >= map_box["y"] + map_box["height"] - 1      # the panel sits below the map
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        assert page.evaluate(LAYOUT_PROBLEMS) == []
        w.shot("map-390x844")
    finally:
        w.close()


def test_kazakh_pages_on_a_phone(browser, server):
    """The Kazakh dashboard and settlement page: Kazakh letters in the text and in a font that has them, the same
    layout checks as the Russian pages."""
    for name, path in (("dashboard", "/?lang=kk"), ("settlement", "/settlement/101001001?lang=kk"),
                       ("map", "/map?lang=kk&region=100000000")):
        w = Watched(browser, server, PHONE)
        try:
            w.page.goto(server + path)
            w.page.wait_for_selector("body[data-charts-ready], body[data-settlements], #settlement-facts",
                                     state="attached")
            text = w.page.inner_text("body")
            assert set("әғқңөұүі") & set(text.lower()), name
            assert w.page.evaluate("document.fonts.check('14px \"DejaVu Sans\"', 'әғқңөұүһі ӘҒҚҢӨҰҮҺІ')")
            assert w.page.evaluate(LAYOUT_PROBLEMS) == [], name
            w.shot(f"{name}-kk-390x844")
        finally:
            w.close()


def test_the_ministry_approves_a_batch_in_the_browser(browser, db, tokens):
    """A real pending batch (an akimat's upload) on /batches: the ministry logs in with its password, sees the
    new value beside the current one in Russian, approves it, and the value becomes readable."""
    pytest.importorskip("python_multipart")
    import httpx

    base, stop = start_server(db)
    w = Watched(browser, base, DESKTOP)
    try:
        csv = "territory,indicator,period,value,unit\nАбайская область,schools_count,2025,1512,\n"
        sent = httpx.post(base + "/api/import", files={"file": ("d.csv", csv.encode(), "text/csv")},
                          headers={"Authorization": f"Bearer {tokens['akimat']}"})
        assert sent.status_code == 200 and sent.json()["status"] == "pending"
        batch = sent.json()["batch"]
        page = w.page
        page.goto(base + "/batches")
        page.fill("#name", "Министерство")
        page.fill("#password", "secret-ministry-1")
        page.click("#login button[type=submit]")
        page.wait_for_selector(f"#batch-{batch}")
        text = page.inner_text(f"#batch-{batch}").replace("\xa0", " ")
        assert f"Пакет {batch}" in text and "Абайская область" in text and "1 512" in text and "новое" in text
        assert "Число школ" in text and not re.search(r"\d{4}-\d\d-\d\dT", text)
        assert re.search(r"\d\d\.\d\d\.\d{4}", text)                     # the upload's date as people write it
        assert "Министерство" in page.inner_text("#who")
        w.shot("batches-pending-1366x768")
        page.click(f"button[data-approve='{batch}']")
        page.wait_for_function("document.body.getAttribute('data-loaded') === '0'")
        assert "Нет пакетов, ожидающих утверждения." in page.inner_text("#pending")
        rows = httpx.get(base + "/api/series/schools_count").json()["rows"]
        assert [(r["kato"], r["value"]) for r in rows if r["period"] == "2025"] == [("100000000", 1512.0)]
    finally:
        w.close()
        stop()

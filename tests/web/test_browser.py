"""The digital village map in a real browser: Debian chromium driven by Playwright (never `playwright install`)."""

import os
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_db):
    import uvicorn

    from aimaq.web import create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(demo_db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def test_map_region_markers_and_panel(server, tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing")

    requests_outside = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("request", lambda r: None if r.url.startswith(server) else requests_outside.append(r.url))
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server + "/map")
            page.wait_for_selector("#region option[value='100000000']", state="attached")
            assert page.locator("#synthetic-banner").is_hidden()   # regions alone are real data
            country_zoom = page.evaluate("window.aimaqMap.getZoom()")
            page.select_option("#region", "100000000")
            page.wait_for_selector("body[data-settlements]", timeout=20000)
            n = int(page.get_attribute("body", "data-settlements"))
            assert 330 <= n <= 360
            assert page.evaluate("window.aimaqMap.getZoom()") >= country_zoom + 1   # zoomed to the region
            assert page.locator("path.settlement").count() == n
            assert page.locator("#synthetic-banner").is_visible()
            assert "Синтетические данные" in page.inner_text("#synthetic-banner")
            page.locator("path.settlement-101001001").dispatch_event("click")
            page.wait_for_selector("#settlement-name")
            assert page.inner_text("#settlement-name") == "Байжол"
            facts = page.inner_text("#settlement-facts")
            assert "78,4 %" in facts and "29 из 37" in facts and "113" in facts
            page.wait_for_selector("#gaps table")
            gaps_text = page.inner_text("#gaps")
            assert "Продовольственный магазин" in gaps_text and "Сарытомар" in gaps_text
            assert "Обеспеченность по системе региональных стандартов" in page.inner_text(".legend")
            shot = tmp_path / "map.png"
            page.screenshot(path=str(shot))
            assert not errors, errors
        finally:
            browser.close()
    assert not requests_outside, requests_outside            # nothing leaves localhost
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 30_000
    keep = os.environ.get("AIMAQ_WEB_SCREENSHOT")
    if keep:
        Path(keep).write_bytes(data)

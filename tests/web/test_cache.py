"""The response cache keyed by data version (`web.cache`): ETag and 304, gzip kept once, static files from memory,
a commit changes the answer at once, and a burst of concurrent misses computes once."""

import asyncio
import gzip
import json

import pytest

from aimaq.web.cache import VersionedCache

RATING = "/api/rating/2024?source=computed"


def test_etag_304_and_gzip_on_the_demo(client):
    first = client.get(RATING, headers={"Accept-Encoding": "identity"})
    assert first.status_code == 200 and "content-encoding" not in first.headers
    etag = first.headers["etag"]
    again = client.get(RATING, headers={"Accept-Encoding": "gzip"})
    assert again.headers["etag"] == etag and again.headers["content-encoding"] == "gzip"
    assert again.json() == first.json() and first.json()["count"] == 26
    unchanged = client.get(RATING, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == etag
    # another language is another answer (the key holds Accept-Language)
    assert client.get(RATING, headers={"Accept-Language": "kk"}).headers["etag"] != etag


def test_static_files_come_from_the_cache_compressed(client):
    css = client.get("/static/css/map.css", headers={"Accept-Encoding": "identity"})
    packed = client.get("/static/css/map.css", headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert packed.headers.get("content-encoding") == ("gzip" if len(css.content) >= 1000 else None)
    assert packed.content == css.content  # the client decodes the kept gzip back to the same bytes
    assert client.get("/static/css/map.css", headers={"If-None-Match": css.headers["etag"]}).status_code == 304
    assert client.get("/static/no-such-file.css").status_code == 404


def test_a_commit_changes_the_etag_and_the_answer(db_client, tokens):
    path = "/api/series/schools_count"
    before = db_client.get(path)
    assert [r for r in before.json()["rows"] if r["kato"] == "100000000"] == []
    row = "territory,indicator,period,value,unit\nАбайская область,schools_count,2025,512,\n"
    done = db_client.post("/api/import", files={"file": ("d.csv", row.encode(), "text/csv")},
                          headers={"Authorization": f"Bearer {tokens['ministry']}"})
    assert done.status_code == 200, done.text
    after = db_client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert [(r["period"], r["value"]) for r in after.json()["rows"] if r["kato"] == "100000000"] == [("2025", 512)]


# --- the middleware alone, with a counting app below it --------------------------------------------------------
def _scope(path="/api/x", headers=()):
    return {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": list(headers)}


async def _get(cache, path="/api/x", headers=()):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await cache(_scope(path, headers), receive, send)
    return sent[0]["status"], dict(sent[0]["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def _counting_app(calls, delay=0.05):
    async def app(scope, receive, send):
        calls.append(scope["path"])
        await asyncio.sleep(delay)  # a slow query: every request of the burst arrives meanwhile
        body = json.dumps({"n": len(calls), "text": "ә ғ қ ң ө ұ ү һ і" * 100}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
    return app


def test_a_burst_of_misses_computes_once():
    calls = []
    cache = VersionedCache(_counting_app(calls), version=lambda: "v1")

    async def burst():
        return await asyncio.gather(*[_get(cache, headers=[(b"accept-encoding", b"gzip")]) for _ in range(50)])

    answers = asyncio.run(burst())
    assert calls == ["/api/x"]
    assert {status for status, _, _ in answers} == {200}
    bodies = {gzip.decompress(body) for _, _, body in answers}
    assert len(bodies) == 1 and json.loads(bodies.pop())["n"] == 1


@pytest.mark.parametrize("in_thread", [False, True])
def test_a_new_version_is_seen_by_the_next_request(in_thread):
    calls, versions, looked_up = [], ["v1"], []

    def version():
        looked_up.append(versions[0])
        return versions[0]

    cache = VersionedCache(_counting_app(calls, delay=0), version=version, version_in_thread=in_thread)

    async def scenario():
        first = await asyncio.gather(*[_get(cache) for _ in range(30)])
        versions[0] = "v2"  # a commit: every request that starts after it must see it
        second = await _get(cache)
        return first, second

    first, second = asyncio.run(scenario())
    assert {json.loads(body)["n"] for _, _, body in first} == {1}
    assert json.loads(second[2])["n"] == 2 and second[1][b"etag"] != first[0][1][b"etag"]
    if in_thread:  # PostgreSQL: the 30 concurrent requests shared look-ups instead of 30 queries
        assert len(looked_up) <= 3, looked_up


def test_errors_are_not_kept():
    async def failing(scope, receive, send):
        failing.calls += 1
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
    failing.calls = 0
    cache = VersionedCache(failing, version=lambda: "v1")
    assert [asyncio.run(_get(cache))[0] for _ in range(3)] == [404, 404, 404]
    assert failing.calls == 3


def test_a_head_first_does_not_leave_an_empty_body_for_get():
    calls = []
    cache = VersionedCache(_counting_app(calls, delay=0), version=lambda: "v1")

    async def head_then_get():
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        await cache({**_scope(), "method": "HEAD"}, receive, send)
        return sent, await _get(cache)

    head, (status, headers, body) = asyncio.run(head_then_get())
    assert head[1]["body"] == b"" and int(dict(head[0]["headers"])[b"content-length"]) == len(body)
    assert status == 200 and json.loads(body)["n"] == 1 and calls == ["/api/x"]


def test_an_unreachable_database_is_503_with_retry_after(monkeypatch):
    """PostgreSQL down: the data version cannot be read, so the answer is 503 with Retry-After (a real connection
    attempt to a closed port of 127.0.0.1), never a traceback."""
    from fastapi.testclient import TestClient

    from aimaq.store.throwaway import free_port
    from aimaq.web import create_app

    url = f"postgresql://aimaq@127.0.0.1:{free_port()}/nothing"
    with TestClient(create_app(url), raise_server_exceptions=False) as c:
        r = c.get("/api/territories?level=region", headers={"Accept-Language": "kk"})
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert r.json()["detail"] == _kk("The database is busy; retry in {seconds} s", seconds=2)
    assert "Traceback" not in r.text


def _kk(message, **fields):
    from aimaq.i18n import _, use_language

    with use_language("kk"):
        return _(message, **fields)

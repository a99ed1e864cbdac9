"""Responses of the public read endpoints cached by data version: the ETag is a hash of the data version and the
request (path, query, language), so a client holding a current copy gets 304 without any query, and a repeated
request is answered from memory until something is committed. Bodies are kept gzip-compressed as well, so a
large GeoJSON is compressed once, not per request."""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict

from starlette.concurrency import run_in_threadpool

MIN_GZIP = 1000  # bytes: smaller bodies are sent as they are


class VersionedCache:
    def __init__(self, app, *, version, prefixes=("/api/",), exclude=(), max_entries: int = 512):
        self.app, self.version = app, version
        self.prefixes, self.exclude = tuple(prefixes), tuple(exclude)
        self.max_entries = max_entries
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def _cacheable(self, scope) -> bool:
        if scope["type"] != "http":
            return False
        path = scope["path"]
        return ( scope["method"] in ("GET", "HEAD") and path.startswith(self.prefixes)
                and not path.startswith(self.exclude))

    async def __call__(self, scope, receive, send):
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        version = await run_in_threadpool(self.version)
        key = (scope["path"], scope.get("query_string", b"").decode("latin-1"), headers.get("accept-language", ""))
        etag = '"' + hashlib.sha256(repr((version, key)).encode()).hexdigest()[:32] + '"'
        gzip_ok = "gzip" in headers.get("accept-encoding", "")
        if etag in [t.strip() for t in headers.get("if-none-match", "").split(",")]:
            await _send(send, 304, [(b"etag", etag.encode())], b"")
            return
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry["etag"] == etag:
                self._entries.move_to_end(key)
            else:
                entry = None
        if entry is None:
            entry = await self._compute(scope, receive, headers)
            if entry["status"] != 200:
                await _send(send, entry["status"], entry["headers"], entry["body"])
                return
            entry["etag"] = etag
            with self._lock:
                self._entries[key] = entry
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        body, extra = entry["body"], [(b"etag", etag.encode()), (b"vary", b"Accept-Encoding, Accept-Language"),
                                      (b"cache-control", b"no-cache")]
        if gzip_ok and entry["gzip"] is not None:
            body, extra = entry["gzip"], [*extra, (b"content-encoding", b"gzip")]
        await _send(send, 200, [*entry["headers"], *extra], b"" if scope["method"] == "HEAD" else body,
                    length=len(body))

    async def _compute(self, scope, receive, headers) -> dict:
        # the app below must not compress: the cache keeps both forms itself
        inner = dict(scope)
        inner["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
        got = {"status": 500, "headers": [], "chunks": []}

        async def capture(message):
            if message["type"] == "http.response.start":
                got["status"] = message["status"]
                got["headers"] = [(k, v) for k, v in message.get("headers", [])
                                  if k.lower() not in (b"content-length", b"etag", b"vary", b"content-encoding")]
            elif message["type"] == "http.response.body":
                got["chunks"].append(message.get("body", b""))

        await self.app(inner, receive, capture)
        body = b"".join(got["chunks"])
        packed = gzip.compress(body, compresslevel=5) if len(body) >= MIN_GZIP else None
        return {"status": got["status"], "headers": got["headers"], "body": body, "gzip": packed}

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


async def _send(send, status: int, headers: list, body: bytes, length: int | None = None) -> None:
    headers = [h for h in headers if h[0].lower() != b"content-length"]
    if status != 304:  # a 304 has no body and says nothing of its length
        headers.append((b"content-length", str(len(body) if length is None else length).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

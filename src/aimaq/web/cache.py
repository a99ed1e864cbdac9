"""Responses of the public read endpoints cached by data version (and the static files, which do not change while
the process runs): the ETag is a hash of the data version and the request (path, query, language), so a client
holding a current copy gets 304 without any query, and a repeated request is answered from memory until something is committed. Bodies are kept
gzip-compressed as well, so a large GeoJSON is compressed once, not per request.

This middleware sits outermost: a hit costs a dictionary look-up and two `send` calls — no thread, no language
context, no routing. Concurrent misses of one key compute it once (the others wait for that answer), so the first
burst after an approval does not run the same query fifty times."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections import OrderedDict

from starlette.concurrency import run_in_threadpool

MIN_GZIP = 1000  # bytes: smaller bodies are sent as they are
# headers the cache sets itself, or that would be wrong on a body it re-encodes
_OWN_HEADERS = (b"content-length", b"etag", b"vary", b"content-encoding", b"cache-control", b"last-modified")


class VersionedCache:
    """`version()` names the committed state of the data. `version_in_thread`: it queries a database (PostgreSQL),
    so it runs in a thread, and concurrent requests share one look-up begun after they arrived; otherwise it is a
    cheap call (a DuckDB file's size and time) made inline."""

    def __init__(self, app, *, version, version_in_thread: bool = False, prefixes=("/api/",),
                 fixed_prefixes=("/static/",), exclude=(), max_entries: int = 512, unavailable=None):
        self.app, self.version, self.version_in_thread = app, version, version_in_thread
        self.unavailable = unavailable  # scope → the response when the version cannot be read (database down)
        # fixed: files of the installed package, unchanged while the process runs (no data version to ask)
        self.fixed_prefixes = tuple(fixed_prefixes)
        self.prefixes, self.exclude = (*prefixes, *self.fixed_prefixes), tuple(exclude)
        self.max_entries = max_entries
        self._entries: OrderedDict = OrderedDict()
        self._computing: dict = {}          # key → future of the entry being computed
        self._version_next = None           # the shared version look-up that begins after the running one
        self._version_running = None

    def _cacheable(self, scope) -> bool:
        if scope["type"] != "http":
            return False
        path = scope["path"]
        return scope["method"] in ("GET", "HEAD") and path.startswith(self.prefixes) and not path.startswith(
            self.exclude)

    async def __call__(self, scope, receive, send):
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope["headers"]}
        try:
            version = "fixed" if scope["path"].startswith(self.fixed_prefixes) else await self._current_version()
        except Exception:
            if self.unavailable is None:
                raise
            await self.unavailable(scope)(scope, receive, send)
            return
        key = (scope["path"], scope.get("query_string", b""), headers.get(b"accept-language", b""))
        etag = ('"' + hashlib.blake2b(repr((version, key)).encode(), digest_size=16).hexdigest() + '"').encode()
        if etag in [t.strip() for t in headers.get(b"if-none-match", b"").split(b",")]:
            await _send(send, 304, [(b"etag", etag)], b"")
            return
        entry = self._entries.get(key)
        if entry is None or entry["etag"] != etag:
            entry = await self._compute_once(scope, receive, key, etag)
            if entry["status"] != 200:
                await _send(send, entry["status"], entry["headers"], entry["body"])
                return
        else:
            self._entries.move_to_end(key)
        body, extra = entry["body"], [(b"etag", etag), (b"vary", b"Accept-Encoding, Accept-Language"),
                                      (b"cache-control", b"no-cache")]
        if entry["gzip"] is not None and b"gzip" in headers.get(b"accept-encoding", b""):
            body, extra = entry["gzip"], [*extra, (b"content-encoding", b"gzip")]
        await _send(send, 200, [*entry["headers"], *extra], b"" if scope["method"] == "HEAD" else body,
                    length=len(body))

    async def _current_version(self):
        if not self.version_in_thread:
            return self.version()
        # every request needs a look-up that began after it arrived (a commit it has seen must count): join the
        # next one, which starts when the running one ends, so a burst of requests costs two queries, not fifty
        if self._version_next is None:
            self._version_next = asyncio.ensure_future(self._look_up_after(self._version_running))
        return await asyncio.shield(self._version_next)

    async def _look_up_after(self, running):
        if running is not None:
            await asyncio.gather(running, return_exceptions=True)
        self._version_running, self._version_next = self._version_next, None
        return await run_in_threadpool(self.version)

    async def _compute_once(self, scope, receive, key, etag) -> dict:
        waiting = self._computing.get((key, etag))
        if waiting is not None:
            return await asyncio.shield(waiting)
        future = asyncio.get_running_loop().create_future()
        self._computing[(key, etag)] = future
        try:
            entry = await self._compute(scope, receive)
            entry["etag"] = etag
            if entry["status"] == 200:
                self._entries[key] = entry
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            future.set_result(entry)
            return entry
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here: waiters re-raise it, nobody logs it as lost
            raise
        finally:
            del self._computing[(key, etag)]

    async def _compute(self, scope, receive) -> dict:
        # the app below must not compress: the cache keeps both forms itself
        inner = dict(scope, method="GET")  # a HEAD is answered from the GET's entry (its body left out)
        inner["headers"] = [(k, v) for k, v in scope["headers"]
                            if k.lower() not in (b"accept-encoding", b"if-none-match", b"if-modified-since")]
        got = {"status": 500, "headers": [], "chunks": []}

        async def capture(message):
            if message["type"] == "http.response.start":
                got["status"] = message["status"]
                got["headers"] = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OWN_HEADERS]
            elif message["type"] == "http.response.body":
                got["chunks"].append(message.get("body", b""))

        await self.app(inner, receive, capture)
        body = b"".join(got["chunks"])
        packed = None
        if len(body) >= MIN_GZIP:  # compressed once per version, in a thread: a large GeoJSON takes milliseconds
            packed = await run_in_threadpool(gzip.compress, body, 5)
        return {"status": got["status"], "headers": got["headers"], "body": body, "gzip": packed}

    def clear(self) -> None:
        self._entries.clear()


async def _send(send, status: int, headers: list, body: bytes, length: int | None = None) -> None:
    headers = [h for h in headers if h[0].lower() != b"content-length"]
    if status != 304:  # a 304 has no body and says nothing of its length
        headers.append((b"content-length", str(len(body) if length is None else length).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

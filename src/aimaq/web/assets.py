"""The pages' scripts and styles under fingerprinted URLs: `/assets/<hash>/<path under static/>`.

The hash is that of the file's content, so a browser may keep the file for a year without asking again
(`Cache-Control: immutable`): a new release changes the hash and with it the URL. Each file is read and
gzip-compressed once per process rather than compressed again for every request (leaflet.js: 148 kB → 42 kB,
which cost 0.1–0.2 s of a loaded server's time per page view)."""

from __future__ import annotations

import functools
import gzip
import hashlib
import mimetypes
from importlib import resources
from pathlib import Path

from fastapi.responses import Response

IMMUTABLE = "public, max-age=31536000, immutable"


def _static_root() -> Path:
    return Path(str(resources.files("aimaq.web") / "static"))


@functools.lru_cache(maxsize=256)
def _load(path: str) -> tuple[str, bytes, bytes | None] | None:
    """(content hash, raw bytes, gzip bytes or None) of a file under static/, None when it is not one."""
    root = _static_root().resolve()
    file = (root / path).resolve()
    if root not in file.parents or not file.is_file():
        return None
    raw = file.read_bytes()
    packed = gzip.compress(raw, compresslevel=9, mtime=0) if len(raw) >= 1000 else None
    return hashlib.sha256(raw).hexdigest()[:12], raw, packed


def asset_url(path: str) -> str:
    """The fingerprinted URL of static/`path` (the plain /static/ URL when the file is missing)."""
    found = _load(path)
    return f"/assets/{found[0]}/{path}" if found else f"/static/{path}"


def asset_response(digest: str, path: str, accept_encoding: str) -> Response:
    found = _load(path)
    if found is None:
        return Response(status_code=404)
    current, raw, packed = found
    # an old hash still gets the current file, but only for this visit (the page it came from is out of date)
    headers = {"Cache-Control": IMMUTABLE if digest == current else "no-cache", "Vary": "Accept-Encoding"}
    media = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if media.startswith("text/") or media in ("application/javascript", "application/json", "image/svg+xml"):
        media += "; charset=utf-8"
    if packed is not None and "gzip" in accept_encoding:
        return Response(packed, media_type=media, headers={**headers, "Content-Encoding": "gzip"})
    return Response(raw, media_type=media, headers=headers)

"""What every stored result says about where it came from."""

from __future__ import annotations

import hashlib
import json


def spec_sha256(spec: dict) -> str:
    """SHA-256 of a methodology spec's content (canonical JSON: key order, comments and layout do not count)."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()

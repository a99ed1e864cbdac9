"""Web: the REST API (FastAPI, OpenAPI at /docs) and the digital village map page («Цифровая карта села»)."""

from aimaq.web.app import create_app

__all__ = ["create_app"]

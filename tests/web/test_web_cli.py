"""`aimaq web serve` builds the app over --db and hands it to uvicorn with the host and port asked for."""

import typer
from typer.testing import CliRunner

from aimaq.cli.web import register


def _app():
    app = typer.Typer()
    register(app)

    @app.callback()
    def main():  # a callback keeps `web` a sub-command group, as in the real CLI
        pass

    return app


def test_serve_hands_the_app_to_uvicorn(demo_db, monkeypatch):
    import uvicorn

    from aimaq import settings

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    settings.configure(demo_db)
    try:
        result = CliRunner().invoke(_app(), ["web", "serve", "--port", "8123", "--host", "0.0.0.0"])
    finally:
        settings.configure(None)
    assert result.exit_code == 0, result.output
    assert (seen["host"], seen["port"]) == ("0.0.0.0", 8123)
    assert seen["app"].state.db_path == str(demo_db)


def test_serve_defaults(demo_db, monkeypatch):
    import uvicorn

    from aimaq import settings

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    settings.configure(demo_db)
    try:
        result = CliRunner().invoke(_app(), ["web", "serve"])
    finally:
        settings.configure(None)
    assert result.exit_code == 0 and (seen["host"], seen["port"]) == ("127.0.0.1", 8000)


def test_serve_refuses_a_missing_database(tmp_path):
    from aimaq import settings
    from aimaq.errors import AimaqError

    settings.configure(tmp_path / "none.duckdb")
    try:
        result = CliRunner().invoke(_app(), ["web", "serve"])
    finally:
        settings.configure(None)
    assert result.exit_code != 0 and isinstance(result.exception, AimaqError)
    assert "нет; сначала выполните `aimaq demo` или `aimaq init`" in str(result.exception)  # Russian by default
    assert CliRunner().invoke(_app(), ["web", "serve", "--port", "0"]).exit_code == 2

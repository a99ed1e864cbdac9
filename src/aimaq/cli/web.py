"""`aimaq web serve`: the REST API (OpenAPI at /docs) and the digital village map at /."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    web = typer.Typer(help="REST API and the digital village map («Цифровая карта села»).", no_args_is_help=True)
    app.add_typer(web, name="web")

    @web.command("serve")
    def serve(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
              port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
              ) -> None:
        """Serve the API and the map over the database (--db), read-only, until interrupted."""
        from pathlib import Path

        from aimaq.errors import AimaqError
        from aimaq.settings import get_settings
        from aimaq.web import create_app

        db_path = get_settings().db_path
        if str(db_path) != ":memory:" and not Path(db_path).exists():
            raise AimaqError(f"database {db_path} does not exist; run `aimaq demo` or `aimaq init` first")
        application = create_app(db_path)
        typer.echo(f"Aimaq web: http://{host}:{port}/ (API docs at /docs) over {db_path}", err=True)
        import uvicorn

        uvicorn.run(application, host=host, port=port, log_level="info")

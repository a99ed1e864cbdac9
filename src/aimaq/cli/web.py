"""`aimaq web serve`: the REST API (OpenAPI at /docs) and the digital village map at /.
`aimaq web user add|list|disable|enable`: the users who may upload data (ministry: any region; akimat: its own)."""

from __future__ import annotations

import typer

from aimaq.cli.output import Format, format_option

_FORMAT = format_option()


def register(app: typer.Typer) -> None:
    web = typer.Typer(help="REST API and the digital village map («Цифровая карта села»).", no_args_is_help=True)
    app.add_typer(web, name="web")

    @web.command("serve")
    def serve(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
              port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
              ) -> None:
        """Serve the API and the map over the database (--db), read-only except uploads, until interrupted."""
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

    users = typer.Typer(help="Users who upload data through the web (tokens are shown once).", no_args_is_help=True)
    web.add_typer(users, name="user")

    @users.command("add")
    def user_add(name: str = typer.Argument(..., help="User name (e.g. «Акимат Абайской области»)."),
                 role: str = typer.Option(..., "--role", help="ministry (every region) or akimat (its own region)."),
                 region: str = typer.Option(None, "--region", help="The akimat's region: name or KATO code."),
                 ) -> None:
        """Add a user and print its token once (only its SHA-256 is stored)."""
        from aimaq.store.db import connect
        from aimaq.web.users import add_user

        con = connect()
        try:
            user, token = add_user(con, name, role, region)
        finally:
            con.close()
        where = f", region {user.region_kato}" if user.region_kato else ""
        typer.echo(f"user {user.name!r} ({user.role}{where}) added; token (shown once, keep it secret):", err=True)
        typer.echo(token)

    @users.command("list")
    def user_list(fmt: Format = _FORMAT) -> None:
        """Users, roles and regions (never tokens)."""
        from aimaq.cli.output import emit
        from aimaq.store.db import connect
        from aimaq.web.users import list_users

        con = connect()
        try:
            frame = list_users(con)
        finally:
            con.close()
        emit(frame, fmt, title="Пользователи")

    def _toggle(active: bool):
        def toggle(name: str = typer.Argument(..., help="User name.")) -> None:
            from aimaq.store.db import connect
            from aimaq.web.users import set_active

            con = connect()
            try:
                set_active(con, name, active)
            finally:
                con.close()
            typer.echo(f"user {name!r} {'enabled' if active else 'disabled'}", err=True)

        toggle.__doc__ = "Allow the user's token again." if active else "Refuse the user's token (kept for the record)."
        return toggle

    users.command("disable")(_toggle(False))
    users.command("enable")(_toggle(True))

"""`aimaq web serve`: the REST API (OpenAPI at /docs) and the digital village map at /.
`aimaq web user add|list|disable|enable`: the users who may upload data (ministry: any region; akimat: its own)."""

from __future__ import annotations

import typer

from aimaq.cli.output import Format, format_option
from aimaq.i18n import N_, _

_FORMAT = format_option()


def register(app: typer.Typer) -> None:
    web = typer.Typer(help=N_("The REST API and the digital village map («Цифровая карта села»)."),
                      no_args_is_help=True)
    app.add_typer(web, name="web")

    @web.command("serve", help=N_("Serve the API and the map over the database (--db), read-only except uploads, "
                                  "until interrupted."))
    def serve(host: str = typer.Option("127.0.0.1", "--host", help=N_("Address to listen on.")),
              port: int = typer.Option(8000, "--port", min=1, max=65535, help=N_("TCP port.")),
              ) -> None:
        from pathlib import Path

        from aimaq.errors import AimaqError
        from aimaq.settings import get_settings
        from aimaq.web import create_app

        db_path = get_settings().db_path
        if str(db_path) != ":memory:" and not Path(db_path).exists():
            from aimaq.store.db import missing_database_message

            raise AimaqError(missing_database_message(db_path))
        application = create_app(db_path)
        typer.echo(_("Aimaq web: http://{host}:{port}/ (API docs at /docs) over {path}", host=host, port=port,
                     path=db_path), err=True)
        import uvicorn

        uvicorn.run(application, host=host, port=port, log_level="info")

    users = typer.Typer(help=N_("Users who upload data through the web (tokens are shown once)."), no_args_is_help=True)
    web.add_typer(users, name="user")

    @users.command("add", help=N_("Add a user and print its token once (only its SHA-256 is stored)."))
    def user_add(name: str = typer.Argument(..., help=N_("User name (e.g. «Акимат Абайской области»).")),
                 role: str = typer.Option(..., "--role",
                                          help=N_("ministry (every region) or akimat (its own region).")),
                 region: str = typer.Option(None, "--region", help=N_("The akimat's region: name or KATO code.")),
                 ) -> None:
        from aimaq.store.db import connect
        from aimaq.web.users import add_user

        con = connect()
        try:
            user, token = add_user(con, name, role.lower(), region)
        finally:
            con.close()
        where = ", " + _("region {kato}", kato=user.region_kato) if user.region_kato else ""
        typer.echo(_("user «{name}» ({role}{where}) added; token (shown once, keep it secret):", name=user.name,
                     role=user.role, where=where), err=True)
        typer.echo(token)

    @users.command("list", help=N_("Users, roles and regions (never tokens)."))
    def user_list(fmt: Format = _FORMAT) -> None:
        from aimaq.cli.output import emit
        from aimaq.store.db import connect
        from aimaq.web.users import list_users

        con = connect()
        try:
            frame = list_users(con)
        finally:
            con.close()
        emit(frame, fmt, title=_("Users"))

    def _toggle(active: bool):
        def toggle(name: str = typer.Argument(..., help=N_("User name."))) -> None:
            from aimaq.store.db import connect
            from aimaq.web.users import set_active

            con = connect()
            try:
                set_active(con, name, active)
            finally:
                con.close()
            typer.echo(_("user «{name}» enabled", name=name) if active else _("user «{name}» disabled", name=name),
                       err=True)

        return toggle

    users.command("disable", help=N_("Refuse the user's token (kept for the record)."))(_toggle(False))
    users.command("enable", help=N_("Allow the user's token again."))(_toggle(True))

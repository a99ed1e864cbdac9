"""`aimaq web serve`: the REST API (OpenAPI at /docs) and the digital village map at /.
`aimaq web user add|list|disable|enable|token|revoke|password`: the server's users and their roles, tokens and
passwords."""

from __future__ import annotations

import typer

from aimaq.cli.output import Format, format_option
from aimaq.i18n import N_, _

_FORMAT = format_option()
KEEP_ALIVE_S = 30  # idle keep-alive connections stay open this long (uvicorn's 5 s races busy clients and proxies)
# no access log: py-spy showed its formatting and writing on every request of a cached answer (the audit log
# records every write; the reverse proxy logs requests); uvloop and httptools (dependencies) are uvicorn's fast event
# loop and HTTP parser, which "auto" takes when installed
SERVER_OPTIONS = {"timeout_keep_alive": KEEP_ALIVE_S, "access_log": False, "loop": "auto", "http": "auto"}


def register(app: typer.Typer) -> None:
    web = typer.Typer(help=N_("REST API and the digital village map («Цифровая карта села»)."), no_args_is_help=True)
    app.add_typer(web, name="web")

    @web.command("serve", help=N_("Serve the API and the map over the database (--db) until interrupted."))
    def serve(host: str = typer.Option("127.0.0.1", "--host", help=N_("Address to listen on.")),
              port: int = typer.Option(8000, "--port", min=1, max=65535, help=N_("TCP port.")),
              workers: int = typer.Option(1, "--workers", min=1, max=64,
                                          help=N_("Server processes (more than one needs PostgreSQL).")),
              max_upload_mb: float = typer.Option(None, "--max-upload-mb", min=0.001,
                                                  help=N_("Largest upload, MB (default 50, or AIMAQ_MAX_UPLOAD_MB).")),
              ) -> None:
        import os
        from pathlib import Path

        import uvicorn

        from aimaq.errors import AimaqError
        from aimaq.settings import get_settings
        from aimaq.store.db import is_server, redact
        from aimaq.web import create_app

        db_path = get_settings().db_path
        server = is_server(db_path)
        if not server and str(db_path) != ":memory:" and not Path(db_path).exists():
            raise AimaqError(_("database {path} does not exist; run `aimaq demo` or `aimaq init` first", path=db_path))
        if max_upload_mb is not None:
            os.environ["AIMAQ_MAX_UPLOAD_MB"] = str(max_upload_mb)
        typer.echo(_("Aimaq web: http://{host}:{port}/ (API docs at /docs) over {db}, worker processes: {workers}",
                     host=host, port=port, db=redact(db_path), workers=workers), err=True)
        if workers > 1:
            if not server:
                raise AimaqError(_("several workers need PostgreSQL (--db postgresql://…): a DuckDB file has one "
                                   "writing process; one worker serves it with a thread per request"))
            os.environ["AIMAQ_DB"] = str(db_path)  # each worker process builds its app from the environment
            uvicorn.run("aimaq.web.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                        log_level="warning", **SERVER_OPTIONS)
            return
        application = create_app(db_path, max_upload_mb=max_upload_mb)
        from aimaq.web.backup import announced

        with announced(application, db_path, port):  # `aimaq backup` asks this server while it holds the file
            uvicorn.run(application, host=host, port=port, log_level="info", **SERVER_OPTIONS)

    users = typer.Typer(help=N_("Users who upload data through the web (tokens are shown once)."), no_args_is_help=True)
    web.add_typer(users, name="user")

    @users.command("add", help=N_("Add a user and print its token once, on the last line (only its SHA-256 is "
                                    "stored)."))
    def user_add(name: str = typer.Argument(..., help=N_("User name (e.g. «Акимат Абайской области»).")),
                 role: str = typer.Option(..., "--role", help=N_("viewer, akimat (its own region), analyst, ministry "
                                             "or admin.")),
                 region: str = typer.Option(None, "--region", help=N_("The akimat's region: name or KATO code.")),
                 password: bool = typer.Option(False, "--password", help=N_("Also ask for a log-in password.")),
                 days: int = typer.Option(90, "--token-days", min=1, help=N_("The token's lifetime in days.")),
                 ) -> None:
        from aimaq.store import audit
        from aimaq.store.db import connect, transaction
        from aimaq.web.users import add_user

        secret = typer.prompt(_("password"), hide_input=True, confirmation_prompt=True) if password else None
        con = connect()
        try:
            with transaction(con):
                user, token = add_user(con, name, role, region, password=secret, token_days=days)
                audit.record(con, "user_add", obj=f"user:{user.name}",
                             new={"role": user.role, "region_kato": user.region_kato})
        finally:
            con.close()
        where = _(", region {kato}", kato=user.region_kato) if user.region_kato else ""
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

    @users.command("token", help=N_("Issue a new token for the user and print it once, on the last line."))
    def user_token(name: str = typer.Argument(..., help=N_("User name.")),
                   days: int = typer.Option(90, "--days", min=1, help=N_("Lifetime in days."))) -> None:
        from aimaq.store import audit
        from aimaq.store.db import connect, transaction
        from aimaq.web.users import issue_token

        con = connect()
        try:
            with transaction(con):
                token = issue_token(con, name, days=days)
                audit.record(con, "token_issue", obj=f"user:{name}", new={"days": days})
        finally:
            con.close()
        typer.echo(_("new token for «{name}», valid {days} days (shown once):", name=name, days=days), err=True)
        typer.echo(token)

    @users.command("revoke", help=N_("Revoke every live token of the user at once."))
    def user_revoke(name: str = typer.Argument(..., help=N_("User name."))) -> None:
        from aimaq.store import audit
        from aimaq.store.db import connect, transaction
        from aimaq.web.users import revoke_tokens

        con = connect()
        try:
            with transaction(con):
                count = revoke_tokens(con, name)
                audit.record(con, "token_revoke", obj=f"user:{name}", new={"revoked": count})
        finally:
            con.close()
        typer.echo(_("tokens of «{name}» revoked: {count}", name=name, count=count), err=True)

    @users.command("password", help=N_("Set the user's log-in password (asked twice, never echoed; stored as an "
                                         "argon2id hash)."))
    def user_password(name: str = typer.Argument(..., help=N_("User name."))) -> None:
        from aimaq.store import audit
        from aimaq.store.db import connect, transaction
        from aimaq.web.users import set_password

        secret = typer.prompt(_("password"), hide_input=True, confirmation_prompt=True)
        con = connect()
        try:
            with transaction(con):
                set_password(con, name, secret)
                audit.record(con, "password_set", obj=f"user:{name}")
        finally:
            con.close()
        typer.echo(_("password of «{name}» set", name=name), err=True)

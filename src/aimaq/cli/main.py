"""The `aimaq` command line: one app, one sub-app per job. Commands parse, call a service, print."""

from __future__ import annotations

import importlib
import sys
from typing import Optional

import typer

from aimaq import i18n, settings
from aimaq.cli.output import add_output_options
from aimaq.errors import AimaqError, ValidationFailed

app = typer.Typer(
    name="aimaq",
    help="Aimaq — мониторинг и анализ регионального развития / Aimaq — аймақтық дамуды бақылау және талдау / "
         "monitoring and analysis of regional development.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _global(
    db: Optional[str] = typer.Option(None, "--db", envvar="AIMAQ_DB",
                                     help="Database file (default ./aimaq.duckdb) or postgresql://user:password@host:port/db."),
    lang: Optional[str] = typer.Option(None, "--lang", envvar="AIMAQ_LANG", help="ru, kk or en (default ru)."),
) -> None:
    settings.configure(db)
    i18n.set_language(lang)


# Each job adds its commands in its own module `aimaq.cli.<name>` exposing `register(app)`.
_JOB_MODULES = ["core", "composite", "rating", "standards", "villages", "forecast", "programmes", "monotowns", "report", "web", "batch", "audit", "templates"]
for _name in _JOB_MODULES:
    try:
        _module = importlib.import_module(f"aimaq.cli.{_name}")
    except ModuleNotFoundError as exc:  # a job not built yet
        if exc.name != f"aimaq.cli.{_name}":
            raise
        continue
    _module.register(app)
add_output_options(app)  # --out FILE and --excel beside every --format


def main() -> None:
    """Entry point: an AimaqError becomes a message on stderr and its exit status; usage errors exit 2."""
    try:
        app()
    except ValidationFailed as exc:  # every problem, one per line, then the verdict
        typer.echo(exc.details(), err=True)
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except AimaqError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug or a damaged database: say so briefly; AIMAQ_DEBUG=1 shows the traceback
        import os

        if os.environ.get("AIMAQ_DEBUG"):
            raise
        typer.echo(f"error: unexpected {type(exc).__name__}: {exc}\n(set AIMAQ_DEBUG=1 for the traceback)", err=True)
        sys.exit(70)


if __name__ == "__main__":
    main()

"""The `aimaq` command line: one app, one sub-app per job. Commands parse, call a service, print.

Every text a user sees goes through the message catalogue (`aimaq.i18n`): help texts are marked with `N_()` where
they are written and translated when the command tree is built (`build_command`), after `--lang`/`AIMAQ_LANG` has
been read from the command line; errors are built with `_()` when raised."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Optional

import typer

from aimaq import i18n, progress, settings
from aimaq.cli.output import add_output_options
from aimaq.errors import AimaqError, ValidationFailed
from aimaq.i18n import N_, _


def _new_app() -> typer.Typer:
    app = typer.Typer(
        name="aimaq",
        help=N_("Aimaq: monitoring and analysis of regional development."),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback()(_global)
    return app


def _global(
    ctx: typer.Context,
    db: Optional[str] = typer.Option(None, "--db", envvar="AIMAQ_DB",
                                     help=N_("Database file (default ./aimaq.duckdb) or "
                                             "postgresql://user:password@host:port/db.")),
    lang: Optional[str] = typer.Option(None, "--lang", envvar="AIMAQ_LANG",
                                       help=N_("Language of messages: ru, kk or en (default ru).")),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=N_("No progress display, even on a terminal.")),
) -> None:
    settings.configure(db, quiet=quiet)
    i18n.set_language(lang)
    # steps and bars on a terminal only; closed (and the display stopped) when the command ends
    ctx.with_resource(progress.reporting(progress.wanted(quiet)))


# Each job adds its commands in its own module `aimaq.cli.<name>` exposing `register(app)`.
_JOB_MODULES = ["core", "composite", "rating", "standards", "villages", "forecast", "programmes", "monotowns", "report", "web", "batch", "audit", "templates"]
# The module of each top-level command: a command loads only its own module (a 1-row `aimaq import` need not import
# every job). A name missing here still works: then every module is loaded, as for `aimaq --help`.
_COMMAND_MODULE = {"import": "core", "info": "core", "demo": "core", "init": "core", "backup": "core", "runs": "core",
                   "flags": "core", "series": "core", "indicator": "core", "territory": "core",
                   "composite": "composite", "rating": "rating", "standards": "standards", "villages": "villages",
                   "forecast": "forecast", "programmes": "programmes", "monotowns": "monotowns", "report": "report",
                   "web": "web", "batch": "batch", "audit": "audit", "template": "templates"}
_GLOBAL_OPTIONS_WITH_VALUE = ("--db", "--lang")


def command_name(argv: list[str]) -> str | None:
    """The top-level command of a command line (after the global options); None for none or `--help` first."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in _GLOBAL_OPTIONS_WITH_VALUE:
            i += 2
        elif arg.startswith("-"):
            if arg in ("--help", "--"):
                return None
            i += 1
        else:
            return arg
    return None


def build_app(argv: list[str] | None = None) -> typer.Typer:
    """The app with the job modules the command line needs: the one of its command, or all of them (no command,
    `--help`, an unknown name, or no command line)."""
    name = command_name(argv) if argv is not None else None
    modules = [_COMMAND_MODULE[name]] if name in _COMMAND_MODULE else _JOB_MODULES
    app = _new_app()
    for module_name in modules:
        try:
            module = importlib.import_module(f"aimaq.cli.{module_name}")
        except ModuleNotFoundError as exc:  # a job not built yet
            if exc.name != f"aimaq.cli.{module_name}":
                raise
            continue
        module.register(app)
    add_output_options(app)  # --out FILE and --excel beside every --format
    return app


_full_app: list[typer.Typer] = []


def __getattr__(name: str):
    """`aimaq.cli.main.app`: the app with every command (tests invoke it through typer's CliRunner)."""
    if name == "app":
        if not _full_app:
            _full_app.append(build_app())
        return _full_app[0]
    raise AttributeError(name)


def early_language(argv: list[str]) -> str | None:
    """The value of --lang on the command line (`--lang kk` or `--lang=kk`), read before the app is built so that
    help texts come in that language; None when absent (then AIMAQ_LANG, then Russian)."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def build_command(argv: list[str] | None = None):
    """The click command tree of `app` with every help text in the language of `argv` (or AIMAQ_LANG) and option
    values case-insensitive (`-f CSV`)."""
    from aimaq.cli import coercion, texts

    i18n.set_language(None)  # an unknown --lang is reported in the default language (AIMAQ_LANG, else Russian)
    i18n.set_language(early_language(sys.argv[1:] if argv is None else argv))
    texts.translate_library_messages()
    command = typer.main.get_command(build_app(sys.argv[1:] if argv is None else argv))
    texts.translate_tree(command)
    coercion.install(command)  # text, paths and choices converted without importing pydantic
    return command


# Commands that close every connection and file they open themselves: as a process of their own (not called from
# Python) they end without the interpreter's teardown, whose polars runtime shutdown alone costs a small import a
# tenth of a second of CPU (and more on a busy machine).
_EXIT_AT_ONCE = {"import"}


def main(argv: list[str] | None = None) -> None:
    """Entry point: an AimaqError becomes a message on stderr and its exit status; usage errors exit 2."""
    if argv is None and command_name(sys.argv[1:]) in _EXIT_AT_ONCE:
        try:
            _main(sys.argv[1:])
        except SystemExit as exc:
            _exit_at_once(exc.code)
        _exit_at_once(0)
    _main(sys.argv[1:] if argv is None else list(argv))


def _exit_at_once(code) -> None:
    if code is not None and not isinstance(code, int):  # sys.exit("text"): the text on stderr, status 1
        print(code, file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


def _main(args: list[str]) -> None:
    try:
        command = build_command(args)
        command.main(args=args, prog_name="aimaq", standalone_mode=True)
    except ValidationFailed as exc:  # every problem, one per line, then the verdict
        typer.echo(exc.details(), err=True)
        typer.echo(_("Error: {message}", message=exc), err=True)
        sys.exit(exc.exit_code)
    except AimaqError as exc:
        typer.echo(_("Error: {message}", message=exc), err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug or a damaged database: say so briefly; AIMAQ_DEBUG=1 shows the traceback
        if os.environ.get("AIMAQ_DEBUG"):
            raise
        typer.echo(_("Error: unexpected {kind}: {message}\n(set AIMAQ_DEBUG=1 for the traceback)",
                     kind=type(exc).__name__, message=exc), err=True)
        sys.exit(70)


if __name__ == "__main__":
    main()

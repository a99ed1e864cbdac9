"""A small `aimaq import` does only the work it needs: its own job module, no pyarrow, no progress display off a
terminal, the message catalogue from its compiled cache; `aimaq --help` still lists every command."""

import json
import os
import subprocess
import sys

import typer

from aimaq.cli import main as cli_main

# what a 1-row import must not load: other jobs' commands, pandas/pyarrow (DuckDB's `.pl()` and parameter binding
# pull them in), rich (progress only on a terminal), Babel's .po parser (the compiled catalogue is cached), rapidfuzz
# (suggestions only for unknown names), pydantic (typer's conversion of plain values is done by aimaq.cli.coercion)
NOT_NEEDED = ["aimaq.cli.forecast", "aimaq.cli.rating", "aimaq.cli.web", "aimaq.cli.report", "pyarrow", "pandas",
              "numpy", "rich.console", "babel.messages.pofile", "rapidfuzz", "fastapi", "scipy", "shapely",
              "pydantic"]

_PROBE = """
import json, sys
from aimaq.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _probe(args, env):
    run = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env, timeout=120)
    report = json.loads(run.stdout.strip().splitlines()[-1])
    return report, run


def test_a_one_row_import_loads_only_what_it_needs(population_db, tmp_path):
    path = population_db
    one = tmp_path / "one.csv"
    one.write_text("territory,indicator,period,value\nАкмолинская,population,2023,787971\n", encoding="utf-8")
    env = {**os.environ, "AIMAQ_LANG": "ru", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    first, run = _probe(["--db", path, "import", str(one)], env)
    assert first["code"] == 0, run.stderr
    assert "добавлено 1" in run.stdout  # the catalogue compiled on the first run, Russian by default
    second, run = _probe(["--db", path, "import", str(one)], env)
    assert second["code"] == 0, run.stderr
    assert "без изменений 1" in run.stdout  # the same figures from the cached catalogue
    loaded = set(second["modules"])
    assert "aimaq.cli.core" in loaded and "polars" in loaded and "duckdb" in loaded
    assert sorted(loaded & set(NOT_NEEDED)) == []


def test_every_mapped_command_is_registered_by_its_module():
    for name, module_name in cli_main._COMMAND_MODULE.items():
        app = typer.Typer()
        __import__(f"aimaq.cli.{module_name}", fromlist=["register"]).register(app)
        names = {c.name or c.callback.__name__ for c in app.registered_commands} | \
                {g.name for g in app.registered_groups}
        assert name in names, (name, module_name, names)


def test_the_command_name_is_found_after_the_global_options():
    assert cli_main.command_name(["--db", "x.duckdb", "--lang=en", "-q", "import", "f.csv"]) == "import"
    assert cli_main.command_name(["--lang", "kk", "--db=x", "rating", "show"]) == "rating"
    assert cli_main.command_name(["--help"]) is None
    assert cli_main.command_name(["--db", "x"]) is None


def test_help_still_lists_every_command(capsys):
    try:
        cli_main.main(["--lang", "en", "--help"])
    except SystemExit as exc:
        assert exc.code == 0
    shown = capsys.readouterr().out
    for name in cli_main._COMMAND_MODULE:
        assert f" {name} " in shown, name


def test_plain_values_are_converted_as_typer_converts_them(tmp_path, monkeypatch):
    """The same command line through typer's own conversion and through aimaq.cli.coercion: the same values, and
    the same refusals in the same words."""
    import enum
    from pathlib import Path
    from typing import Optional

    import typer.testing
    from typer.testing import CliRunner

    from aimaq.cli import coercion

    monkeypatch.setattr(typer.testing, "_get_command", lambda command: command)  # invoke a prepared command

    class Colour(str, enum.Enum):
        red = "red"
        blue = "blue"

    def command(name: str = typer.Argument(...), where: Path = typer.Option(..., "--where", exists=True),
                out: Optional[Path] = typer.Option(None, "--out"), colour: Colour = typer.Option(Colour.red, "-c",
                                                                                                  case_sensitive=False),
                note: Optional[str] = typer.Option(None, "--note"), flag: bool = typer.Option(False, "--flag"),
                times: int = typer.Option(1, "--times", min=1)) -> None:
        print(repr((name, where, out, colour, note, flag, times)))

    existing = tmp_path / "here.txt"
    existing.write_text("x")
    lines = [["a", "--where", str(existing)],
             ["ä ә", "--where", str(existing), "--out", "x/y.csv", "-c", "BLUE", "--note", "", "--flag", "--times", "3"],
             ["a", "--where", str(tmp_path / "missing")], ["a", "--where", str(existing), "-c", "green"],
             ["a", "--where", str(existing), "--times", "0"], ["a", "--where", str(existing), "--times", "x"]]
    for args in lines:
        said = []
        for direct in (False, True):
            app = typer.Typer()
            app.command()(command)
            click_command = typer.main.get_command(app)
            if direct:
                coercion.install(click_command)
            result = CliRunner().invoke(click_command, args)
            said.append((result.exit_code, result.output))
        assert said[0] == said[1], args
        assert said[0][0] == (0 if args in lines[:2] else 2), said[0]

"""Every results command's XLSX has a complete second sheet «Источники и методика»: the table's title, the command,
whether the data are synthetic, and where the figures come from (a source or a methodology). The CLI's commands
that take --format are enumerated: a new one must be listed here, as a results command or as an exception."""

from __future__ import annotations

import openpyxl
import pytest

from aimaq.cli.main import build_command

RESULTS = {
    "series": ["series", "population"],
    "territory list": ["territory", "list", "--level", "region"],
    "territory events": ["territory", "events"],
    "flags": ["flags"],
    "rating show": ["rating", "show", "--year", "2024"],
    "rating summary": ["rating", "summary", "--year", "2024"],
    "rating factors": ["rating", "factors", "--year", "2024"],
    "rating change": ["rating", "change", "--year", "2024"],
    "rating uncertainty": ["rating", "uncertainty", "--year", "2024"],
    "rating riskmap": ["rating", "riskmap", "--year", "2024"],
    "standards coverage": ["standards", "coverage", "--year", "2023", "--level", "region"],
    "standards gaps": ["standards", "gaps", "{settlement}", "--year", "2023"],
    "standards catalogue": ["standards", "catalogue"],
    "villages show": ["villages", "show"],
    "villages classify": ["villages", "classify"],
    "forecast show": ["forecast", "show"],
    "programmes kpi": ["programmes", "kpi"],
    "programmes diploma": ["programmes", "diploma"],
    "programmes auyl": ["programmes", "auyl"],
    "monotowns list": ["monotowns", "list"],
    "monotowns show": ["monotowns", "show"],
    "monotowns classify": ["monotowns", "classify"],
}
# commands with --format that are not results tables, or whose sheet is tested with the command itself
NOT_HERE = {
    "import": "an import's report", "info": "the database's own summary", "demo": "builds a database",
    "init": "builds a database", "runs": "the list of runs is itself the methodology record",
    "audit": "the audit log", "indicator list": "the indicator catalogue", "territory resolve": "a name lookup",
    "composite run": "writes methodology.yaml beside its results", "composite regenerate": "as composite run",
    "composite example asem": "as composite run", "composite example odk-regions": "as composite run",
    "rating compute": "the rating computed: rating show/factors read it",
    "standards plan": "tests/output/test_synthetic_flags.py (a long solve)",
    "standards compute": "standards coverage reads the run", "standards synth": "generates the inventory",
    "forecast run": "forecast show reads the run", "forecast backtest": "a long computation (tests/demography)",
    "report build": "writes the review's files", "web user list": "users", "batch list": "upload batches",
    "batch show": "an upload batch",
}


def _commands_with_format():
    def walk(command, path=()):
        yield path, command
        if hasattr(command, "list_commands"):
            ctx = command.context_class(command)
            for name in command.list_commands(ctx):
                yield from walk(command.get_command(ctx, name), path + (name,))

    return {" ".join(p) for p, c in walk(build_command(["--lang", "ru"]))
            if any("--format" in getattr(param, "opts", []) for param in c.params)}


def test_every_command_with_a_format_is_listed():
    found = _commands_with_format()
    assert found == set(RESULTS) | set(NOT_HERE), (found - set(RESULTS) - set(NOT_HERE), set(RESULTS) - found)


@pytest.fixture(scope="module")
def settlement(demo_db):
    import duckdb

    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        return con.execute("SELECT min(kato) FROM territory WHERE level = 'settlement' AND synthetic").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_the_sources_sheet_is_complete(run_cli, tmp_path, settlement, name):
    out = tmp_path / "t.xlsx"
    args = [a.format(settlement=settlement) for a in RESULTS[name]]
    result = run_cli(*args, "-f", "xlsx", "--out", out)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[-1] == "Источники и методика"
    about: dict[str, list[str]] = {}
    for what, value in book["Источники и методика"].iter_rows(min_row=2, values_only=True):
        about.setdefault(what, []).append(value)
    assert {"Таблица", "Команда", "Синтетические данные"} <= set(about), about
    assert about["Синтетические данные"][0].split(" ")[0] in ("да", "нет")
    assert about.get("Источник") or about.get("Методика"), f"{name}: neither a source nor a methodology: {about}"
    assert args[0] in about["Команда"][0]

import shutil

import pytest


@pytest.fixture(scope="package")
def demo_db(built_demo, tmp_path_factory):
    """A copy of the session's demo database for the output, format and flag tests (they add runs to it)."""
    path = tmp_path_factory.mktemp("outdemo") / "d.duckdb"
    shutil.copy(built_demo, path)
    return path


@pytest.fixture()
def run_cli(demo_db):
    """Run `aimaq --db DEMO ARGS…` in-process; returns typer's Result (stdout, exit code, exception)."""
    from typer.testing import CliRunner

    from aimaq import i18n
    from aimaq.cli.main import app

    def run(*args, db=demo_db, env=None):
        result = CliRunner().invoke(app, ["--db", str(db), *[str(a) for a in args]], env=env or {})
        i18n.set_language(None)
        return result

    return run

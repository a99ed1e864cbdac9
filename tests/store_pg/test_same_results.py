"""PostgreSQL gives the same results as DuckDB: the demo's jobs on both backends, every table compared."""

import pytest

from aimaq.demo import build_demo
from aimaq.store.db import connect, user_tables

TIME_COLUMNS = {"loaded_at", "applied_at", "computed_at", "created_at", "decided_at", "happened_at", "tried_at"}


def _columns(con, table):
    return [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_catalog = current_database()"
        " AND table_schema = current_schema() ORDER BY ordinal_position", [table]).fetchall()]


def _shown(rows):
    # floats as every output prints them (12 significant digits): a parallel sum may differ in its last binary digit
    # between two runs on the same backend
    return [tuple(float(f"{v:.12g}") if isinstance(v, float) else v for v in r) for r in rows]


@pytest.fixture(scope="module")
def both(tmp_path_factory, pg_cluster):
    url = pg_cluster.create_database("demo_both")
    duck = build_demo(tmp_path_factory.mktemp("both") / "d.duckdb")
    pg = build_demo(url)
    yield duck, pg
    duck.close()
    pg.close()


@pytest.mark.timeout(1800)  # two demo builds: about a minute on an idle 2-core machine, far more when it is shared
def test_demo_on_postgres_equals_duckdb_table_by_table(both):
    duck, pg = both
    tables = user_tables(duck)
    assert tables == user_tables(pg)
    assert {"observation", "territory", "rating_result", "forecast_result", "srs_coverage_settlement"} <= set(tables)
    exact_tables = 0
    for table in tables:
        cols = [c for c in _columns(duck, table) if c not in TIME_COLUMNS]
        assert cols == [c for c in _columns(pg, table) if c not in TIME_COLUMNS], table
        query = f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL"
        a, b = duck.execute(query).fetchall(), pg.execute(query).fetchall()
        assert len(a) == len(b), table
        exact_tables += a == b
        assert _shown(a) == _shown(b), table
    assert exact_tables >= len(tables) - 2  # all but parallel-sum tables are equal to the last binary digit
    # the views (DuckDB SQL over PostgreSQL tables) agree too
    query = "SELECT count(*), sum(value) FROM observation_latest"
    assert _shown(duck.execute(query).fetchall()) == _shown(pg.execute(query).fetchall())
    assert pg.execute("SELECT count(*) FROM observation_latest").fetchone()[0] > 180_000


def test_cli_commands_run_on_postgres(both, pg_cluster, tmp_path):
    from typer.testing import CliRunner

    from aimaq.cli.main import app

    url = pg_cluster.database_url("demo_both")
    runner = CliRunner()
    out = runner.invoke(app, ["--db", url, "rating", "show", "--year", "2024", "--source", "computed",
                              "--format", "csv"])
    assert out.exit_code == 0, out.output
    duck_path = both[0].execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
                                ).fetchone()[0]
    both[0].close()
    ref = runner.invoke(app, ["--db", duck_path, "rating", "show", "--year", "2024", "--source", "computed",
                              "--format", "csv"])
    assert out.output == ref.output
    # an import through DuckDB into PostgreSQL: a new revision, read back through the view
    csv = tmp_path / "pop.csv"
    csv.write_text("territory,indicator,period,value\nАбайская,population,2024,611111\n", encoding="utf-8")
    done = runner.invoke(app, ["--db", url, "import", str(csv)])
    assert done.exit_code == 0, done.output
    con = connect(url, read_only=True)
    try:
        assert con.execute("SELECT value FROM observation_latest WHERE kato = '100000000' AND indicator = "
                           "'population' AND period = '2024'").fetchone()[0] == 611111
    finally:
        con.close()

import pytest

from aimaq.store.db import connect
from aimaq.territory.registry import build_registry
from aimaq.territory.repository import save_registry


@pytest.fixture(scope="session")
def registry():
    return build_registry()


@pytest.fixture()
def db(tmp_path, registry):
    """A real database file with the territorial registry loaded (no settlements)."""
    con = connect(tmp_path / "test.duckdb")
    save_registry(con, registry)
    yield con
    con.close()


@pytest.fixture(scope="session")
def stats_db_path(tmp_path_factory, registry):
    """Path of a real database with the registry and the shipped national statistics (`load_stats`); shared by
    the session: copy it before writing."""
    from aimaq.ingest.shipped import load_stats

    path = tmp_path_factory.mktemp("stats") / "stats.duckdb"
    con = connect(path)
    save_registry(con, registry)
    load_stats(con)
    con.close()
    return path

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

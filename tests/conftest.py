import itertools

import pytest

from aimaq import i18n

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
def built_demo(tmp_path_factory):
    """The demo database, built once per session for the tests that need every job's results; copy it before
    writing to it. AIMAQ_TEST_DEMO_DB=FILE uses a demo database built before (local reruns on a busy machine)."""
    import os
    import shutil

    from aimaq.demo import build_demo

    path = tmp_path_factory.mktemp("built_demo") / "demo.duckdb"
    if os.environ.get("AIMAQ_TEST_DEMO_DB"):
        shutil.copy(os.environ["AIMAQ_TEST_DEMO_DB"], path)
    else:
        build_demo(path).close()
    return path


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

_pg_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL cluster for the session (a real server, never a mock); skipped when PostgreSQL is
    not installed (.ci/run installs it)."""
    from aimaq.store.throwaway import start_cluster

    try:
        cluster = start_cluster()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    yield cluster
    cluster.remove()


@pytest.fixture()
def pg_url(pg_cluster):
    """A new, empty database of its own."""
    return pg_cluster.create_database(f"t{next(_pg_names)}")


@pytest.fixture()
def english_messages(monkeypatch):
    """Messages in English, for tests that read them by their English ids (tests/cli checks the Russian ones); a
    folder's conftest makes it autouse."""
    monkeypatch.setenv("AIMAQ_LANG", "en")
    with i18n.use_language("en"):
        yield
    i18n.set_language(None)  # a CLI run inside the test set the process language from AIMAQ_LANG

"""One throwaway PostgreSQL cluster for the whole session (a real server, never a mock); each test makes its own
database in it. Skipped when PostgreSQL is not installed (.ci/run installs it)."""

import itertools

import pytest

_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster():
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
    return pg_cluster.create_database(f"t{next(_names)}")

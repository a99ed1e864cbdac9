import pytest

from aimaq import i18n


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """The tests read messages by their English ids; a few tests check the Russian default on purpose."""
    monkeypatch.setenv("AIMAQ_LANG", "en")
    with i18n.use_language("en"):
        yield
    i18n.set_language(None)  # a CLI run inside the test set the process language from AIMAQ_LANG


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL cluster for the session's PostgreSQL cases (skipped without PostgreSQL)."""
    from aimaq.store.throwaway import start_cluster

    try:
        cluster = start_cluster()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    yield cluster
    cluster.remove()


@pytest.fixture()
def pg_url(pg_cluster, request):
    """A new, empty database of its own in the cluster."""
    import re

    return pg_cluster.create_database("t_" + re.sub(r"\W", "_", request.node.name)[-50:].lower())

import pytest

from aimaq import i18n


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """The tests read messages by their English ids; a few tests check the Russian default on purpose."""
    monkeypatch.setenv("AIMAQ_LANG", "en")
    with i18n.use_language("en"):
        yield
    i18n.set_language(None)  # a CLI run inside the test set the process language from AIMAQ_LANG


@pytest.fixture()
def population_db(db):
    """Path of a database file with the registry and one indicator, population (persons); closed."""
    import polars as pl

    from aimaq.store.catalogue import save_indicators

    save_indicators(db, pl.DataFrame({"code": ["population"], "name_ru": ["Население"], "unit": ["persons"]}))
    path = db.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    db.close()
    return path

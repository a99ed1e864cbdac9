import pytest


@pytest.fixture(autouse=True)
def _english(english_messages):
    """The tests read messages by their English ids; a few check the Russian default on purpose."""


@pytest.fixture()
def population_db(db):
    """Path of a database file with the registry and one indicator, population (persons); closed."""
    import polars as pl

    from aimaq.store.catalogue import save_indicators

    save_indicators(db, pl.DataFrame({"code": ["population"], "name_ru": ["Население"], "unit": ["persons"]}))
    path = db.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    db.close()
    return path

import pytest


@pytest.fixture(scope="package")
def demo_db(tmp_path_factory):
    """The demo database (registry, review figures, synthetic settlements, coverage, villages, forecast), built
    once for the web tests (~16 s)."""
    from aimaq.demo import build_demo

    path = tmp_path_factory.mktemp("webdemo") / "d.duckdb"
    build_demo(path).close()
    return path


@pytest.fixture(scope="package")
def client(demo_db):
    from fastapi.testclient import TestClient

    from aimaq.web import create_app

    with TestClient(create_app(demo_db)) as c:
        yield c


# --- the tests that write: a fresh copy of the real-data database per test, one user of each role ---------------
ROLE_USERS = {"viewer": "Наблюдатель", "akimat": "Акимат Абайской области", "analyst": "Аналитик",
              "ministry": "Министерство", "admin": "Администратор"}


@pytest.fixture(scope="package")
def init_template(tmp_path_factory):
    """The real-data database (`aimaq init`), built once; each writing test works on its own copy (`db`)."""
    from aimaq.demo import init_database

    path = tmp_path_factory.mktemp("init") / "t.duckdb"
    init_database(path).close()
    return path


@pytest.fixture()
def db(init_template, tmp_path):
    import shutil

    path = tmp_path / "t.duckdb"
    shutil.copy(init_template, path)
    return path


@pytest.fixture()
def tokens(db):
    """Role → API token of a user of that role (names in ROLE_USERS; the akimat's region is Abai, KATO 10…;
    passwords secret-ROLE-1)."""
    from aimaq.store.db import connect
    from aimaq.web.users import add_user

    con = connect(db)
    try:
        found = {}
        for role, name in ROLE_USERS.items():
            region = "Абайская область" if role == "akimat" else None
            _, found[role] = add_user(con, name, role, region, password=f"secret-{role}-1")
        return found
    finally:
        con.close()


@pytest.fixture()
def db_client(db):
    """A client of the app over this test's own database copy."""
    from fastapi.testclient import TestClient

    from aimaq.web import create_app

    with TestClient(create_app(db)) as c:
        yield c

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

"""The web cache's data version on PostgreSQL: the log position asked over the pool's own driver connection — the
same until something is committed, different after any commit, equal to what `data_version` reads through DuckDB,
and back after the server drops the connection."""

from aimaq.store import audit
from aimaq.store.db import connect, data_version
from aimaq.web.pool import Pool


def test_the_version_moves_with_each_commit_only(pg_url, pg_cluster):
    pool = Pool(pg_url)
    con = connect(pg_url)
    try:
        first = pool.version()
        assert first == pool.version() == data_version(con)
        audit.record(con, "note", obj="test", new={"текст": "қазақша"})  # one committed row
        second = pool.version()
        assert second != first and second == data_version(con)
        # the server ends the driver's connection (as a restart would): the next look-up connects again
        driver_pid = pool._version_con.info.backend_pid
        assert pg_cluster.psql(f"SELECT pg_terminate_backend({driver_pid})").strip() == "t"
        assert pool.version() == second and pool._version_con.info.backend_pid != driver_pid
    finally:
        con.close()
        pool.close()

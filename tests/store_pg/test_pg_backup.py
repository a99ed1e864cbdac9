"""A PostgreSQL backup restores to the same data: pg_dump of a database with users, an upload and its audit entry,
pg_restore into a new database, every table compared."""

import pytest

from aimaq.store import audit
from aimaq.store.db import connect, user_tables
from aimaq.store.pgbackup import dump, restore


def _content(url):
    con = connect(url, read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in user_tables(con)}
    finally:
        con.close()


def test_dump_and_restore_give_the_same_tables(pg_cluster, pg_url, tmp_path):
    from aimaq.territory.registry import build_registry
    from aimaq.territory.repository import save_registry
    from aimaq.web.users import add_user

    con = connect(pg_url)
    try:
        save_registry(con, build_registry())
        user, _ = add_user(con, "Акимат области Абай", "akimat", "Абайская область", password="пароль-құпия")
        audit.record(con, "user_add", user=user, obj="user:Акимат области Абай", new={"role": "akimat"})
    finally:
        con.close()
    path = dump(pg_url, tmp_path / "aimaq.dump")
    assert path.stat().st_size > 10_000
    target = pg_cluster.create_database("restored")
    restore(path, target)
    before, after = _content(pg_url), _content(target)
    assert set(before) == set(after) and before == after
    assert len(after["territory"]) > 200 and after["audit_log"][0][2] == "Акимат области Абай"
    # the restored database is a working Aimaq database: sequences continue where they were
    con = connect(target)
    try:
        add_user(con, "Министерство", "ministry")
        assert con.execute("SELECT count(*) FROM web_account").fetchone()[0] == 2
    finally:
        con.close()


def test_restore_of_a_missing_file_says_so(pg_url, tmp_path):
    from aimaq.errors import AimaqError

    with pytest.raises(AimaqError, match="не существует"):
        restore(tmp_path / "none.dump", pg_url)

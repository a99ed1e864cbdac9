"""The one WHERE-clause builder of the store's filtered listings (audit entries, batches), on a real DuckDB table."""

import duckdb

from aimaq.store.db import where_clause


def test_only_the_given_filters_count_and_keep_their_order():
    assert where_clause([("a = ?", None), ("b = ?", "")]) == ("", [])
    assert where_clause([("a = ?", 1), ("b = ?", None), ("starts_with(c, ?)", "ба")]) == (
        "WHERE a = ? AND starts_with(c, ?)", [1, "ба"])


def test_the_clause_filters_a_real_table():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'қала'), (2, 'ауыл'), (3, 'қыстақ')) v(n, name)")
    for conditions, expected in [([("n >= ?", 2), ("starts_with(name, ?)", "қ")], [3]),
                                 ([("n >= ?", None), ("starts_with(name, ?)", "қ")], [1, 3]),
                                 ([("n >= ?", None)], [1, 2, 3])]:
        clause, params = where_clause(conditions)
        assert [r[0] for r in con.execute(f"SELECT n FROM t {clause} ORDER BY n", params).fetchall()] == expected

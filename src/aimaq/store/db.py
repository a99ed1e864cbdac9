"""Opening the database: a DuckDB file (the embedded default) or a PostgreSQL server, with the schema brought up to
date by numbered migrations on open.

One SQL path for both: every query is DuckDB SQL. For PostgreSQL (`postgresql://user:password@host:port/db` as
--db or AIMAQ_DB) DuckDB runs in memory with the PostgreSQL database attached through the postgres_scanner
extension (LOADed by path from the `duckdb-extension-postgres-scanner` wheel, never INSTALLed at run time) and
made the default catalog, so the jobs' queries read and write PostgreSQL tables unchanged. Only three things
differ, all here: migrations' tables and sequences are created in PostgreSQL itself (`postgres_execute`, after a
type rename), their views live in DuckDB's in-memory catalog (they are DuckDB SQL), and `INSERT … RETURNING id`
— which the extension does not support — draws the id from the column's PostgreSQL sequence first."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from importlib import resources
from pathlib import Path

import duckdb

from aimaq.errors import AimaqError
from aimaq.i18n import _

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
SERVER_SCHEMES = ("postgresql://", "postgres://")
_SHARED = ":memory:aimaq_server"  # one in-memory DuckDB per process holds every attached PostgreSQL database
_ATTACH_LOCK = __import__("threading").Lock()
_VIEWS_MADE: set = set()
_ANCHOR: list = []  # one connection held for the life of the process: the shared instance (and its views) stays


def is_server(target) -> bool:
    """True for a PostgreSQL URL, False for a DuckDB file path."""
    return str(target).startswith(SERVER_SCHEMES)


def redact(target) -> str:
    """The database as shown to a user: a URL's password replaced by ***."""
    return re.sub(r"^(postgres(?:ql)?://[^:/@]+):[^@]*@", r"\1:***@", str(target))


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every shipped migration, in order. Jobs own number ranges (see README)."""
    folder = resources.files("aimaq.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise AimaqError(_("two migrations share a number: {versions}", versions=versions))
    return found


def connect(path=None, *, read_only: bool = False, schema: str | None = None, create: bool | None = None):
    """Open the database at `path` (a file, ":memory:" or a PostgreSQL URL) and apply pending migrations.
    `schema` (PostgreSQL only) works in that schema instead of `public` (a build's side schema).

    A missing file is created only when `create` is true; by default only when the caller names its own `path`.
    The database of the settings (--db, what commands open) must exist: only `aimaq init` and `aimaq demo` make it,
    so a mistyped --db never leaves an empty file behind."""
    configured = path is None
    if path is None:
        from aimaq.settings import get_settings

        path = get_settings().db_path
    if is_server(path):
        return ServerConnection.open(str(path), read_only=read_only, schema=schema or "public")
    path = str(path)
    if create is None:
        create = not configured
    if path != ":memory:" and not Path(path).exists() and (read_only or not create):
        raise AimaqError(missing_database_message(path))
    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    try:
        con = duckdb.connect(path, read_only=read_only, config=config)
    except duckdb.Error as exc:
        raise AimaqError(_("cannot open database {path}: {reason}", path=path, reason=exc)) from exc
    if not read_only:
        apply_migrations(con)
    return con


def missing_database_message(path: str | Path) -> str:
    return _("there is no database {path}; `aimaq --db {path} init` creates one for your data "
             "(`aimaq --db {path} demo`: one with synthetic example data)", path=path)


def holds_no_data(path: str | Path) -> bool:
    """A file `aimaq init` may fill: empty (0 bytes), or a database whose tables, if any, hold no rows."""
    path = Path(path)
    if not path.exists():
        return True
    if path.stat().st_size == 0:
        return True
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return False  # not a database we can read: not ours to overwrite
    try:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                             "WHERE table_name <> 'schema_migration'").fetchall()
        return not any(con.execute(f'SELECT 1 FROM "{schema}"."{table}" LIMIT 1').fetchone()
                       for schema, table in tables)
    finally:
        con.close()


def apply_migrations(con) -> list[int]:
    server = isinstance(con, ServerConnection)
    if server:
        con.run_on_server("CREATE TABLE IF NOT EXISTS schema_migration "
                          "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    else:
        con.execute("CREATE TABLE IF NOT EXISTS schema_migration "
                    "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    done = {row[0] for row in con.execute("SELECT version FROM schema_migration").fetchall()}
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        with transaction(con):
            if server:
                con.run_migration(sql)
            else:
                con.execute(sql)
            con.execute("INSERT INTO schema_migration VALUES (?, ?, ?)", [version, name, dt.datetime.now()])
        applied.append(version)
    if server:
        con.create_views()
    return applied


@contextlib.contextmanager
def transaction(con):
    """All of the block's writes or none of them."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def user_tables(con) -> list[str]:
    """The database's own base tables (not PostgreSQL's catalogues, not DuckDB's), sorted."""
    catalog, schema = con.execute("SELECT current_database(), current_schema()").fetchone()
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_catalog = ? "
        "AND table_schema = ? ORDER BY 1", [catalog, schema]).fetchall()]


def where_clause(conditions: list[tuple[str, object]]) -> tuple[str, list]:
    """`WHERE a AND b …` of the conditions whose parameter is given, and those parameters in order: a filter left
    empty (None or "") drops its condition; no condition at all gives an empty clause."""
    kept = [(sql, value) for sql, value in conditions if value is not None and value != ""]
    clause = f"WHERE {' AND '.join(sql for sql, _value in kept)}" if kept else ""
    return clause, [value for _sql, value in kept]


# PostgreSQL's write-ahead log position: it moves with every commit (a replica: the position replayed so far)
WAL_POSITION_SQL = ("SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
                    "ELSE pg_current_wal_lsn() END)::text")


def data_version(con) -> str:
    """A text that changes whenever any committed data changes: the key of the web's response cache. PostgreSQL:
    the write-ahead log position; a DuckDB file: the file's and its WAL's size and modification time."""
    if isinstance(con, ServerConnection):
        return con.query_server(WAL_POSITION_SQL)[0][0]
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    path = row[0] if row else None
    if not path:
        return "memory"
    parts = []
    for name in (path, path + ".wal"):
        try:
            st = Path(name).stat()
            parts.append(f"{st.st_size}:{st.st_mtime_ns}")
        except FileNotFoundError:
            parts.append("-")
    return "|".join(parts)


# --- PostgreSQL through DuckDB ----------------------------------------------------------------------------------
_VIEW = re.compile(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?VIEW\s+(\w+)", re.IGNORECASE)
_DROP_VIEW = re.compile(r"^\s*DROP\s+VIEW\s+", re.IGNORECASE)
_INSERT_RETURNING = re.compile(
    r"^\s*INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)\s*VALUES\s*\((.*)\)\s*RETURNING\s+(\w+)\s*$", re.IGNORECASE | re.DOTALL)
_INSERT_IGNORE = re.compile(
    r"^\s*INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)\s*VALUES\s*\((.*)\)\s*ON\s+CONFLICT\s+DO\s+NOTHING\s*$",
    re.IGNORECASE | re.DOTALL)
# DuckDB type names PostgreSQL spells differently (the rest — VARCHAR, INTEGER, BIGINT, DATE, TIMESTAMP, BOOLEAN,
# VARCHAR[] — are the same words)
_PG_TYPES = [(re.compile(r"\bDOUBLE\b(?!\s+PRECISION)", re.IGNORECASE), "DOUBLE PRECISION"),
             (re.compile(r"\bTINYINT\b", re.IGNORECASE), "SMALLINT"),
             (re.compile(r"\bBLOB\b", re.IGNORECASE), "BYTEA")]


def split_statements(sql: str) -> list[str]:
    """A migration's statements (comments dropped; migrations put no ';' inside a string)."""
    text = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [s.strip() for s in text.split(";") if s.strip()]


def postgres_ddl(statement: str) -> str:
    for pattern, name in _PG_TYPES:
        statement = pattern.sub(name, statement)
    return statement


def _pg_extension() -> str:
    try:
        import duckdb_extension_postgres_scanner as wheel
    except ImportError as exc:
        raise AimaqError(_("a PostgreSQL database needs the package duckdb-extension-postgres-scanner=={version} "
                           "(pip install it; nothing is downloaded at run time)", version=duckdb.__version__)) from exc
    path = Path(wheel.__file__).parent / "extensions" / f"v{duckdb.__version__}" / "postgres_scanner.duckdb_extension"
    if not path.exists():
        raise AimaqError(_("{path} is missing: install duckdb-extension-postgres-scanner=={version}, the version of "
                           "duckdb itself", path=path, version=duckdb.__version__))
    return str(path)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class ServerConnection:
    """A DuckDB connection whose default catalog is an attached PostgreSQL database. It behaves as a DuckDB
    connection (`execute` returns itself; `fetchall`, `pl`, `register` … pass through)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, url: str, schema: str, read_only: bool, alias: str,
                 sequences: dict | None = None):
        self._con, self.url, self.schema, self.read_only, self.alias = con, url, schema, read_only, alias
        self._sequences = sequences if sequences is not None else {}

    @classmethod
    def open(cls, url: str, *, read_only: bool = False, schema: str = "public") -> "ServerConnection":
        """A connection of the process's shared in-memory DuckDB, where the extension is loaded once and each
        database (URL and mode) attached once, under an alias of its own."""
        import hashlib

        alias = "pg_" + hashlib.sha256(f"{url}|{read_only}".encode()).hexdigest()[:12]
        config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
        with _ATTACH_LOCK:
            if not _ANCHOR:
                _ANCHOR.append(duckdb.connect(_SHARED, config=config))
        con = duckdb.connect(_SHARED, config=config)
        try:
            with _ATTACH_LOCK:
                if not con.execute("SELECT count(*) FROM duckdb_extensions() WHERE extension_name = 'postgres_scanner'"
                                   " AND loaded").fetchone()[0]:
                    con.execute(f"LOAD {_quote(_pg_extension())}")
                if not con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [alias]
                                   ).fetchone()[0]:
                    mode = ", READ_ONLY" if read_only else ""
                    con.execute(f"ATTACH {_quote(url)} AS {alias} (TYPE postgres{mode})")
        except duckdb.Error as exc:
            con.close()
            raise AimaqError(_("cannot open database {url}: {error}", url=redact(url),
                                   error=str(exc).splitlines()[0])) from exc
        self = cls(con, url, schema, read_only, alias)
        if schema != "public":
            self.run_on_server(f'CREATE SCHEMA IF NOT EXISTS "{schema}"', schema_first=False)
        con.execute("CALL pg_clear_cache()")  # another process (or a build's schema swap) may have changed tables
        self._use()
        if read_only:
            self.create_views()
        else:
            apply_migrations(self)
        return self

    def _use(self) -> None:
        self._con.execute(f'USE {self.alias}."{self.schema}"')
        self._con.execute(f"SET search_path = {_quote(f'{self.alias}.{self.schema},memory.main')}")

    def cursor(self) -> "ServerConnection":
        """A connection of its own over the same attached database (one per thread or request)."""
        other = ServerConnection(self._con.cursor(), self.url, self.schema, self.read_only, self.alias,
                                 self._sequences)
        other._use()
        return other

    # -- pass-through --
    def execute(self, query: str, parameters=None) -> "ServerConnection":
        match = _INSERT_RETURNING.match(query)
        if match:
            return self._insert_returning(match, parameters)
        match = _INSERT_IGNORE.match(query)
        if match:  # the extension's ON CONFLICT path would send NULL for the columns left to their defaults
            return self._insert_ignore(match, parameters)
        if parameters is None:
            self._con.execute(query)
        else:
            self._con.execute(query, parameters)
        return self

    def __getattr__(self, name):
        return getattr(self._con, name)

    def close(self) -> None:
        self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- what PostgreSQL does itself --
    def run_on_server(self, sql: str, *, schema_first: bool = True) -> None:
        prefix = f'SET search_path TO "{self.schema}"; ' if schema_first else ""
        self._con.execute(f"CALL postgres_execute('{self.alias}', {_quote(prefix + sql)})")

    def query_server(self, sql: str) -> list[tuple]:
        return self._con.execute(f"SELECT * FROM postgres_query('{self.alias}', {_quote(sql)})").fetchall()

    def run_migration(self, sql: str) -> None:
        """Tables, sequences and indexes go to PostgreSQL; views stay DuckDB SQL (made by `create_views`)."""
        ddl = [postgres_ddl(s) for s in split_statements(sql) if not (_VIEW.match(s) or _DROP_VIEW.match(s))]
        if ddl:
            self.run_on_server(";\n".join(ddl))
            self._con.execute("CALL pg_clear_cache()")

    def create_views(self) -> None:
        """Every migration's views, in order, in DuckDB's in-memory catalog, reading the PostgreSQL tables (by the
        search path of the connection that queries them, so one set serves every attached database)."""
        with _ATTACH_LOCK:
            if _SHARED in _VIEWS_MADE:
                return
            self._create_views()
            _VIEWS_MADE.add(_SHARED)

    def _create_views(self) -> None:
        for _, _, sql in migrations():
            for statement in split_statements(sql):
                view = _VIEW.match(statement)
                if view:
                    body = statement[view.end():]
                    self._con.execute(f"CREATE OR REPLACE VIEW memory.main.{view.group(2)}{body}")
                elif _DROP_VIEW.match(statement):
                    self._con.execute(re.sub(r"(?i)^\s*DROP\s+VIEW\s+(IF\s+EXISTS\s+)?(\w+)",
                                             r"DROP VIEW IF EXISTS memory.main.\2", statement))

    def _sequence(self, table: str, column: str) -> str:
        key = (self.schema, table, column)
        if key not in self._sequences:
            rows = self.query_server(
                "SELECT column_default FROM information_schema.columns WHERE table_schema = "
                f"{_quote(self.schema)} AND table_name = {_quote(table.lower())} AND column_name = {_quote(column.lower())}")
            found = re.search(r"nextval\('([^']+)'", (rows[0][0] or "") if rows else "")
            if not found:
                raise AimaqError(f"{table}.{column} has no sequence default: cannot insert … RETURNING {column}")
            self._sequences[key] = found.group(1)
        return self._sequences[key]

    def _insert_ignore(self, match: re.Match, parameters) -> "ServerConnection":
        table, columns, values = match.groups()
        names = [c.strip() for c in columns.split(",")]
        keys = [r[0] for r in self.query_server(
            "SELECT k.column_name FROM information_schema.table_constraints c JOIN information_schema.key_column_usage k "
            "USING (constraint_schema, constraint_name) WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = "
            f"{_quote(self.schema)} AND c.table_name = {_quote(table.lower())} ORDER BY k.ordinal_position")]
        if not keys or not set(keys) <= set(names):
            raise AimaqError(f"INSERT … ON CONFLICT DO NOTHING into {table} needs its primary key among the columns")
        alias = ", ".join(names)
        same = " AND ".join(f"t.{k} = v.{k}" for k in keys)
        self._con.execute(f"INSERT INTO {table} ({alias}) SELECT * FROM (VALUES ({values})) AS v({alias}) "
                          f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {same})", parameters or [])
        return self

    def _insert_returning(self, match: re.Match, parameters) -> "ServerConnection":
        table, columns, values, returned = match.groups()
        sequence = self._sequence(table, returned)
        qualified = sequence if "." in sequence else f"{self.schema}.{sequence}"
        new_id = self.query_server(f"SELECT nextval({_quote(qualified)})")[0][0]
        self._con.execute(f"INSERT INTO {table} ({returned}, {columns}) VALUES (?, {values})",
                          [new_id, *(parameters or [])])
        self._con.execute(f"SELECT ?::BIGINT AS {returned}", [new_id])
        return self

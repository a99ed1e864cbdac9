"""One long-lived database connection per server process, and a pool of its cursors (one per request in flight).

Opening a connection per request cost about 60 ms (and, for PostgreSQL, loading the extension costs a second); a
cursor of the open connection costs microseconds. DuckDB: the process holds the file read-write, so an upload
never waits for readers to close it and readers see the last committed state (MVCC). PostgreSQL: every worker
process has its own connection; the server handles concurrency."""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from pathlib import Path

from aimaq.store.db import connect, data_version, is_server


class Pool:
    def __init__(self, target):
        self.target = target
        self._root = None
        self._lock = threading.Lock()
        self._free: queue.SimpleQueue = queue.SimpleQueue()
        self._version_lock = threading.Lock()
        self._version_con = None  # PostgreSQL: a driver connection only for the data version

    def _open(self):
        with self._lock:
            if self._root is None:
                self._root = connect(self.target)
        return self._root

    @contextlib.contextmanager
    def cursor(self, *, read_only: bool = False):
        """A cursor for one request. `read_only`: inside a read-only transaction (a consistent snapshot that can
        never write), rolled back afterwards."""
        try:
            cur = self._free.get_nowait()
        except queue.Empty:
            cur = self._open().cursor()
        healthy = True
        try:
            if read_only:
                cur.execute("BEGIN TRANSACTION READ ONLY")
            try:
                yield cur
            finally:
                if read_only:
                    cur.execute("ROLLBACK")
        except BaseException:
            healthy = False
            raise
        finally:
            if healthy:
                self._free.put(cur)
            else:
                with contextlib.suppress(Exception):
                    cur.close()

    def version(self) -> str:
        """The data version (see store.db.data_version); for a file, read from the file system without a query; for
        PostgreSQL, the log position asked over a plain driver connection of its own (0.16 ms, measured; through
        DuckDB's postgres_query it took 10 ms, and every cached answer needs it)."""
        if is_server(self.target):
            return self._server_version()
        if str(self.target) != ":memory:":
            parts = []
            for name in (str(self.target), str(self.target) + ".wal"):
                try:
                    st = os.stat(name)
                    parts.append(f"{st.st_size}:{st.st_mtime_ns}")
                except FileNotFoundError:
                    parts.append("-")
            return "|".join(parts)
        with self.cursor() as cur:
            return data_version(cur)

    def _server_version(self) -> str:
        import psycopg

        from aimaq.store.db import WAL_POSITION_SQL

        with self._version_lock:
            for attempt in (1, 2):  # a connection the server closed (a restart) is opened again once
                try:
                    if self._version_con is None or self._version_con.closed:
                        self._version_con = psycopg.connect(str(self.target), autocommit=True, connect_timeout=10)
                    return self._version_con.execute(WAL_POSITION_SQL).fetchone()[0]
                except psycopg.OperationalError:
                    if self._version_con is not None:
                        with contextlib.suppress(Exception):
                            self._version_con.close()
                    self._version_con = None
                    if attempt == 2:
                        raise

    def close(self) -> None:
        with self._version_lock:
            if self._version_con is not None:
                with contextlib.suppress(Exception):
                    self._version_con.close()
                self._version_con = None
        with self._lock:
            while True:
                try:
                    self._free.get_nowait().close()
                except queue.Empty:
                    break
                except Exception:
                    pass
            if self._root is not None:
                self._root.close()
                self._root = None


def describe(target) -> str:
    from aimaq.store.db import redact

    return redact(target) if is_server(target) else str(Path(target))

"""A throwaway PostgreSQL cluster in a temporary folder (tests, benchmarks): initdb, a server on 127.0.0.1 at a
free port, trust authentication for its own user, removed on stop. Run as root it runs the server as the
`postgres` system user (initdb refuses root)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "aimaq"


def postgres_bindir() -> Path | None:
    """Where initdb/pg_ctl/psql/pg_dump live (Debian keeps them out of PATH), newest version first."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    folder: Path
    port: int
    bindir: Path
    as_user: list[str]

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        return subprocess.run([str(self.bindir / "psql"), "-X", "-q", "-At", "-h", "127.0.0.1", "-p", str(self.port),
                               "-U", USER, "-d", database, "-c", sql], check=True, capture_output=True,
                              text=True).stdout

    def create_database(self, name: str) -> str:
        self.psql(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), *args],
                       check=True, capture_output=True)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=200")
        self._ctl("-o", options, "-l", str(self.folder / "server.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster() -> Cluster:
    """initdb in a new temporary folder and start the server; raises FileNotFoundError when PostgreSQL is missing."""
    bindir = postgres_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL's initdb was not found (Debian: apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="aimaq-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        import pwd

        shutil.chown(folder, user="postgres")
        pwd.getpwnam("postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", USER,
                    "-E", "UTF8", "--locale", "C", "--no-sync"], check=True, capture_output=True)
    cluster = Cluster(folder, free_port(), bindir, as_user)
    cluster.start()
    return cluster

"""A throwaway PostgreSQL server for the tests, started from the PostgreSQL binaries on this machine.

`throwaway_server()` runs ``initdb`` in a fresh temporary folder, starts the server on a free port on
127.0.0.1 (fsync off: the data are thrown away), waits until it accepts connections and yields a
`PgServer`; at the end the server is stopped and the folder removed, also when the tests fail.
`PgServer.create_database` makes a fresh, empty database per test.

The binaries are taken from ``PORTFOLIO_PG_BIN`` (a directory), else ``initdb`` on ``PATH``, else
the newest ``/usr/lib/postgresql/*/bin`` (Debian's ``postgresql`` package). PostgreSQL refuses to
run as root, so as root the server runs as the ``postgres`` system user, which owns the folder.

Nothing here skips: a missing binary or a server that does not start raises `PgError` (with the
server log), so a test that needs the server fails instead of silently not running.
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from tests.browser import free_port

SERVER_USER = "postgres"  # the system account the server runs as when we are root
DB_USER = "portfolio"  # the database superuser initdb creates (trust authentication)
HOST = "127.0.0.1"
START_TIMEOUT_S = 30.0
START_ATTEMPTS = 3  # a free port can be taken by someone else before the server binds it


class PgError(RuntimeError):
    """The throwaway PostgreSQL server could not be found, started or used."""


def find_bin_dir() -> Path:
    """The directory with ``initdb``, ``pg_ctl`` and ``postgres``."""
    env = os.environ.get("PORTFOLIO_PG_BIN")
    if env:
        candidates = [Path(env)]
    else:
        on_path = shutil.which("initdb")
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                          key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)] or [0])
        # Debian puts symlinks on PATH; pg_ctl finds postgres next to its real location.
        candidates = [Path(on_path).resolve().parent] if on_path else []
        candidates += reversed(versions)
    for d in candidates:
        if all((d / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres")):
            return d
    where = env or "PATH and /usr/lib/postgresql/*/bin"
    raise PgError(f"PostgreSQL binaries (initdb, pg_ctl, postgres) not found in {where}; install Debian's "
                  "postgresql package or set PORTFOLIO_PG_BIN to the directory that holds them.")


@dataclass
class PgServer:
    """A running throwaway server; `url` gives SQLAlchemy URLs for its databases."""

    bin_dir: Path
    root: Path  # the temporary folder: data directory, log file and Unix socket
    port: int

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL (psycopg 3) of `database` on this server."""
        return URL.create("postgresql+psycopg", username=DB_USER, host=HOST, port=self.port,
                          database=database).render_as_string(hide_password=False)

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        """An autocommit psycopg connection (for CREATE/DROP DATABASE, which cannot run in a transaction)."""
        return psycopg.connect(host=HOST, port=self.port, user=DB_USER, dbname=database, autocommit=True,
                               connect_timeout=10)

    def create_database(self, prefix: str = "test") -> str:
        """A new, empty UTF-8 database with a unique name starting with `prefix`; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        while len(name.encode()) > 63:  # PostgreSQL's identifier limit
            prefix = prefix[:-1]
            name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0")
                         .format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop the database of `url`, disconnecting whoever is still connected to it."""
        name = make_url(url).database
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return "(no server log)"


def _run(cmd: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL binary, as the ``postgres`` user when we are root."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", SERVER_USER, "--", *cmd]
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"},
                         timeout=START_TIMEOUT_S + 30)
    if check and res.returncode != 0:
        raise PgError(f"{shlex.join(cmd)} failed (exit {res.returncode}):\n{res.stdout}{res.stderr}")
    return res


def _make_root() -> Path:
    """A fresh temporary folder the server user owns (mode 0700, as PostgreSQL wants)."""
    root = Path(tempfile.mkdtemp(prefix="portfolio-pg-"))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(SERVER_USER)
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            raise PgError(f"PostgreSQL refuses to run as root and there is no '{SERVER_USER}' user "
                          "to run it as; install Debian's postgresql package.") from None
        os.chown(root, account.pw_uid, account.pw_gid)
    return root


def _start(server: PgServer, deadline: float) -> None:
    """Start the server and wait until it accepts connections, or raise `PgError` with its log."""
    options = {"listen_addresses": HOST, "port": str(server.port), "unix_socket_directories": str(server.root),
               "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
               "max_connections": "100"}
    opts = " ".join(f"-c {shlex.quote(f'{k}={v}')}" for k, v in options.items())
    wait = max(1, int(deadline - time.monotonic()))
    server.log_file.unlink(missing_ok=True)  # only this attempt's log
    res = _run([str(server.bin_dir / "pg_ctl"), "start", "-D", str(server.data_dir), "-l", str(server.log_file),
                "-w", "-t", str(wait), "-o", opts], cwd=server.root, check=False)
    if res.returncode != 0:
        raise PgError(f"PostgreSQL did not start on port {server.port} (pg_ctl exit {res.returncode}):\n"
                      f"{res.stdout}{res.stderr}\n--- server log ---\n{server.log()}")
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with server.connect():
                return
        except psycopg.OperationalError as e:
            last = e
            time.sleep(0.1)
    raise PgError(f"PostgreSQL on port {server.port} did not accept connections within "
                  f"{START_TIMEOUT_S:.0f} s: {last}\n--- server log ---\n{server.log()}")


def _stop(server: PgServer) -> None:
    if (server.data_dir / "postmaster.pid").exists():
        _run([str(server.bin_dir / "pg_ctl"), "stop", "-D", str(server.data_dir), "-m", "immediate", "-w"],
             cwd=server.root, check=False)


@contextmanager
def throwaway_server() -> Iterator[PgServer]:
    """A throwaway PostgreSQL server for the duration of the ``with`` block (see the module docstring)."""
    bin_dir = find_bin_dir()
    root = _make_root()
    server = PgServer(bin_dir, root, port=0)
    try:
        _run([str(bin_dir / "initdb"), "-D", str(server.data_dir), "-A", "trust", "-U", DB_USER,
              "--encoding", "UTF8", "--locale", "C", "--no-sync"], cwd=root)
        deadline = time.monotonic() + START_TIMEOUT_S
        for attempt in range(START_ATTEMPTS):
            server.port = free_port()
            try:
                _start(server, deadline)
                break
            except PgError:
                _stop(server)
                port_taken = "could not bind" in server.log() or "already in use" in server.log()
                if not port_taken or attempt == START_ATTEMPTS - 1 or time.monotonic() >= deadline:
                    raise
        yield server
    finally:
        _stop(server)
        shutil.rmtree(root, ignore_errors=True)

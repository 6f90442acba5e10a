"""A real PostgreSQL server for the tests: Debian's `initdb` and `postgres` (`make services` installs them),
on an ephemeral loopback port, its data directory and unix socket in a temporary directory.

PostgreSQL refuses to run as root: when we are root, the server runs as an unprivileged user (`nobody`,
or $GOVAUDIT_PG_USER). The server is our child, armed to die with us (PR_SET_PDEATHSIG), and is stopped
and its directory removed on exit: no process outlives the tests. Durability is off (fsync,
synchronous_commit): a test database is thrown away.

    with PgServer() as server:
        url = server.create_database()   # postgresql://govaudit@127.0.0.1:PORT/test_1, empty
        copy = server.create_database(template=url)   # a copy of test_1 (nobody may be connected to it)
        server.drop_database(copy)
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from govaudit import procs

SUPERUSER = "govaudit"


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/postgres): run `make services`")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _name(url: str) -> str:
    """The database name of one of our URLs (…/test_N), checked: it goes into SQL as an identifier."""
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a test database URL: {url}")
    return name


class PgServer:
    def __init__(self) -> None:
        self.bin = _binaries()
        self.user = os.environ.get("GOVAUDIT_PG_USER", "nobody") if os.geteuid() == 0 else None
        self.dir = Path(tempfile.mkdtemp(prefix="govaudit-pg-"))
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)

    @property
    def url(self) -> str:
        """The maintenance database (create databases from here)."""
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{name}"

    def _as_user(self) -> dict[str, Any]:
        return {"user": self.user, "group": pwd.getpwnam(self.user).pw_gid} if self.user else {}

    def __enter__(self) -> PgServer:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start(self) -> None:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        data = self.dir / "data"
        subprocess.run([self.bin / "initdb", "-D", data, "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
                        "--no-locale", "--no-sync"], cwd=self.dir, check=True, capture_output=True,
                       **self._as_user())
        for _attempt in range(5):  # the free port may be taken between our probe and the server's bind
            self.port = _free_port()
            log = open(self.dir / "server.log", "ab")  # noqa: SIM115  (the child writes it; closed below)
            self.proc = subprocess.Popen(
                [self.bin / "postgres", "-D", data, "-h", "127.0.0.1", "-p", str(self.port), "-k", self.dir,
                 "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                 "-c", "max_connections=200", "-c", "shared_buffers=32MB"],
                cwd=self.dir, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                preexec_fn=procs.preexec(signal.SIGKILL), **self._as_user())
            log.close()
            if self._ready():
                return
            self.stop_server()
        raise RuntimeError(f"PostgreSQL did not start: {(self.dir / 'server.log').read_text(errors='replace')[-2000:]}")

    def _ready(self, limit: float = 60) -> bool:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                return False
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return True
            except psycopg.OperationalError:
                time.sleep(0.1)
        return False

    def create_database(self, template: str | None = None) -> str:
        """A new database, empty or a copy of the database at URL `template`; its URL."""
        name = f"test_{next(self._names)}"
        copy = f" TEMPLATE {_name(template)}" if template else ""
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}{copy}")
        return self.database_url(name)

    def drop_database(self, url: str) -> None:
        """Drop the database at `url`, ending any session still connected to it."""
        if self.proc is None:
            return
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {_name(url)} WITH (FORCE)")

    def stop_server(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown: sessions are ended, no waiting for clients
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        self.stop_server()
        shutil.rmtree(self.dir, ignore_errors=True)

"""The store backend the suite runs on: SQLite files (the default) or, with GOVAUDIT_TEST_STORE=postgres,
fresh databases on the session's PostgreSQL server (tests/pgserver.py, one per pytest-xdist worker).

Tests name their databases through the `db_url` fixture (tests/conftest.py) instead of spelling
`tmp_path / "a.sqlite"`: `db_url()` or `db_url("name")` is the same database for the whole test, a path
under tmp_path on SQLite, a `postgresql://` URL of a new database (dropped after the test) on PostgreSQL.
Helpers and shared fixtures that put the database beside their outputs use `db_at(tmp / "a.sqlite")`:
that path on SQLite, a new PostgreSQL database on PostgreSQL (dropped after the test, or at the end of the
session for a module- or session-scoped fixture's). Tests that look at the SQLite file itself are marked
`@pytest.mark.sqlite_only(reason=…)` and skipped on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg

from govaudit.store.dialect import postgres_ddl
from govaudit.store.sqlite_schema import MIGRATIONS
from tests.pgserver import PgServer

BACKENDS = ("sqlite", "postgres")
BACKEND = os.environ.get("GOVAUDIT_TEST_STORE", "sqlite")
if BACKEND not in BACKENDS:
    raise RuntimeError(f"GOVAUDIT_TEST_STORE={BACKEND!r}: use one of {', '.join(BACKENDS)}")
POSTGRES = BACKEND == "postgres"

Db = Path | str  # what `--db` and runner.audit(db=…) take: a SQLite path or a store URL

_server: PgServer | None = None


def pg_server() -> PgServer:
    """This process's PostgreSQL server (one per pytest-xdist worker), started on first use."""
    global _server
    if _server is None:
        _server = PgServer().__enter__()
    return _server


def stop_pg_server() -> None:
    """Stop the server, if one was started (conftest.py: at the end of the session)."""
    global _server
    if _server is not None:
        _server.stop()
        _server = None


class Databases:
    """The databases of one test (or one session fixture), by name, on one backend."""

    def __init__(self, base: Path, backend: str = BACKEND):
        self._base, self._server, self._backend = base, pg_server, backend
        self._made: dict[str, Db] = {}

    def __call__(self, name: str = "a") -> Db:
        return self.at(self._base / f"{name}.sqlite")

    def at(self, path: Path) -> Db:
        """The database that is the SQLite file `path` on SQLite (for fixtures that put it beside their
        outputs)."""
        key = str(path)
        if key not in self._made:
            self._made[key] = self._server().create_database() if self._backend == "postgres" else path
        return self._made[key]

    def copy(self, source: Db, path: Path) -> Db:
        """A new database at `path` holding what `source` holds (nothing may be connected to `source`)."""
        if str(path) in self._made:
            raise ValueError(f"a database at {path} exists already")
        if isinstance(source, str):
            self._made[str(path)] = self._server().create_database(template=source)
        else:
            self._made[str(path)] = Path(shutil.copy(source, path))
        return self._made[str(path)]

    def close(self) -> None:
        for db in self._made.values():
            if isinstance(db, str):
                self._server().drop_database(db)
        self._made.clear()


def store_exists(db: Db) -> bool:
    """Whether a store was created at `db`: the SQLite file exists, the PostgreSQL database has the schema."""
    if isinstance(db, Path):
        return db.exists()
    with psycopg.connect(db, autocommit=True) as conn:
        row = conn.execute("SELECT to_regclass('govaudit_schema')").fetchone()
    return row is not None and row[0] is not None


_session = Databases(Path("/nonexistent"))
current: Databases | None = None  # the running test's (conftest.py sets it around each test)


def db_at(path: Path) -> Db:
    """The database of a helper or shared fixture: the SQLite file `path`, or a new PostgreSQL database
    (the same one for the same path; dropped after the test that made it, or at the end of the session
    when a module- or session-scoped fixture made it)."""
    if str(path) in _session._made:  # a shared fixture's, seen from a test
        return _session._made[str(path)]
    return (current or _session).at(path)


def db_copy(source: Db, path: Path) -> Db:
    """A copy of the database `source`, as db_at(path) from now on (PostgreSQL: CREATE DATABASE … TEMPLATE)."""
    return (current or _session).copy(source, path)


def query(db: Db, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one statement without parameters, committed, on either backend (for tests that look
    inside, or write what an older govaudit wrote)."""
    if isinstance(db, Path):
        with closing(sqlite3.connect(db)) as lite, lite:
            return lite.execute(sql).fetchall()
    with psycopg.connect(db, autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else []


def table_rows(db: Db) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in a stable order."""
    names = ("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1" if isinstance(db, Path) else
             "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    return {t: sorted(query(db, f"SELECT * FROM {t}"), key=repr) for (t,) in query(db, names)}


def contents(db: Db) -> bytes | dict[str, list[tuple[Any, ...]]]:
    """Everything `db` holds, to compare before and after: the file's bytes, or every table's rows."""
    return db.read_bytes() if isinstance(db, Path) else table_rows(db)


def schema_at(db: Db, version: int) -> None:
    """Create the schema as govaudit's migration `version` left it (an older govaudit's database)."""
    for number, script in enumerate(MIGRATIONS[:version], start=1):
        if isinstance(db, Path):
            with closing(sqlite3.connect(db)) as conn:
                conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
        else:
            if number == 1:
                query(db, "CREATE TABLE govaudit_schema (version INTEGER NOT NULL); INSERT INTO govaudit_schema VALUES (0)")
            query(db, f"{postgres_ddl(script)}; UPDATE govaudit_schema SET version = {number}")

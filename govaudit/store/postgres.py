"""The PostgreSQL backend of the store interface: the central store of a fleet, written by audits on many
machines at once (`open_store("postgresql://user@host/db")`).

It runs SQLiteStore's statements (one copy of every query) through a connection that translates them
(govaudit.store.dialect) and overrides only what the engines do differently: migrations, the run lock
(advisory locks instead of flock), URL interning, the schema read of an older database, VACUUM. Same
schema, same migrations, same behaviour (tests/test_store.py runs against both).

Concurrency: one connection per process, in autocommit except inside transaction() (nested ones are
savepoints). Audits of different sites write rows keyed by their own run, so they never wait for each
other, except on the rows all runs share: URLs and page bodies (content-addressed, written once). Those
are inserted on a second autocommit connection, committed at once and in sorted order, so no audit
holds a lock on them while its transaction goes on (an uncommitted duplicate would make the other wait,
or deadlock in the opposite order). A rolled-back transaction may leave such a row unreferenced: harmless,
and prune deletes unreferenced bodies. The external-result cache (link_cache, one row per URL for every
site) is written in its transaction but in key order, like every upsert: two audits refreshing the same
URL wait a moment for each other at most, and never deadlock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import RowMaker

from govaudit.profile import ConfigError
from govaudit.store.dialect import copy_statement, multirow, postgres_ddl, to_postgres, upsert_key
from govaudit.store.interface import LOCK_PATIENCE, StoreError, retry, site_lock_name
from govaudit.store.sqlite import SQLiteStore
from govaudit.store.sqlite_schema import MIGRATIONS


def _key(name: str) -> int:
    """A bigint advisory-lock key of govaudit's own (one namespace for store, sites and migrations)."""
    return int.from_bytes(hashlib.sha256(f"govaudit:{name}".encode()).digest()[:8], "big", signed=True)


_MIGRATE_KEY, _STORE_KEY = _key("migrate"), _key("store")


def redacted(url: str) -> str:
    """The URL without its password (for messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class Row:
    """sqlite3.Row's interface (by index, by name, keys(), dict(row)), minus the hidden `rowid` column."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: tuple[Any, ...], index: dict[str, int]):
        self._values, self._index = values, index

    def __getitem__(self, key: int | str) -> Any:
        return self._values[key if isinstance(key, int) else self._index[key]]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _row_maker(named: bool) -> Any:
    def factory(cursor: psycopg.Cursor[Any]) -> RowMaker[Any]:
        names = [c.name for c in cursor.description or ()]
        keep = [i for i, n in enumerate(names) if n != "rowid"]
        if len(keep) == len(names):
            if not named:
                return tuple
            index = {n: i for i, n in enumerate(names)}
            return lambda values: Row(tuple(values), index)
        index = {names[i]: j for j, i in enumerate(keep)}
        if not named:
            return lambda values: tuple(values[i] for i in keep)
        return lambda values: Row(tuple(values[i] for i in keep), index)

    return factory


def _clean(params: Sequence[Any]) -> Sequence[Any]:
    # PostgreSQL text cannot hold NUL (SQLite's can): a crawled title with one must not fail the run
    for v in params:
        if type(v) is str and "\x00" in v:
            return tuple(v.replace("\x00", "\ufffd") if type(v) is str else v for v in params)
    return params


CHUNK = 250  # rows per multi-row upsert statement


class _Cursor:
    """The part of sqlite3.Cursor the store uses."""

    def __init__(self, conn: _Connection):
        self._conn = conn
        self.row_factory: Any = True  # anything but None: rows by name too (sqlite3.Row)
        self._cur: psycopg.Cursor[Any] | None = None
        self.lastrowid: int | None = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        cur = self._conn.raw.cursor(row_factory=_row_maker(self.row_factory is not None))
        statement = to_postgres(sql, params=bool(params))
        returning = statement.startswith("INSERT INTO runs ")
        if returning:  # sqlite3's lastrowid
            statement += " RETURNING id"
        cur.execute(statement, _clean(params) if params else None)
        if returning:
            row = cur.fetchone()
            self.lastrowid = row[0] if row else None
        self._cur = cur
        return self

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount if self._cur else -1

    def fetchone(self) -> Any:
        assert self._cur is not None
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        assert self._cur is not None
        return self._cur.fetchall()

    def __iter__(self) -> Iterator[Any]:
        assert self._cur is not None
        return iter(self._cur)


class _Connection:
    """The part of sqlite3.Connection the store uses, over psycopg: execute, executemany, cursor, and
    `with conn:` as a transaction (a savepoint when nested)."""

    def __init__(self, url: str, *, readonly: bool):
        self.url = url
        self.raw = _connect(url)
        if readonly:
            self.raw.execute("SET default_transaction_read_only = on")
        self._shared: psycopg.Connection[Any] | None = None
        self._transactions: list[AbstractContextManager[Any]] = []

    @property
    def shared(self) -> psycopg.Connection[Any]:
        """The connection for rows every run shares (autocommit: committed at once, see the module doc)."""
        if self._shared is None:
            self._shared = _connect(self.url)
        return self._shared

    def cursor(self) -> _Cursor:
        return _Cursor(self)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        return _Cursor(self).execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [_clean(r) for r in rows]
        if not rows:
            return
        copy = copy_statement(sql)
        if copy:  # a plain INSERT: COPY is several times faster than row-by-row statements
            with self.raw.cursor() as cur, cur.copy(copy) as out:
                for row in rows:
                    out.write_row(row)
            return
        conn = self.raw
        upsert = upsert_key(sql)
        if upsert is None:
            with conn.cursor() as cur:
                cur.executemany(to_postgres(sql), rows)
            return
        table, key = upsert
        # One row per key, as SQLite leaves it (OR IGNORE: the first, OR REPLACE: the last; PostgreSQL
        # refuses a key twice in one statement), in key order: every writer locks rows in one order.
        ignore = sql.lstrip().startswith("INSERT OR IGNORE")
        unique: dict[tuple[Any, ...], Sequence[Any]] = {}
        for row in rows:
            k = tuple(row[i] for i in key)
            if not (ignore and k in unique):
                unique[k] = row
        rows = [unique[k] for k in sorted(unique)]
        if ignore and table in ("urls", "bodies"):
            conn = self.shared
        with conn.cursor() as cur:
            for start in range(0, len(rows), CHUNK):  # multi-row statements: far fewer round trips
                chunk = rows[start:start + CHUNK]
                cur.execute(multirow(to_postgres(sql), len(chunk)), [v for row in chunk for v in row])

    def __enter__(self) -> None:
        transaction = self.raw.transaction()
        transaction.__enter__()
        self._transactions.append(transaction)

    def __exit__(self, *exc: Any) -> None:
        self._transactions.pop().__exit__(*exc)

    def close(self) -> None:
        if self._shared is not None:
            self._shared.close()
        self.raw.close()


def _connect(url: str) -> psycopg.Connection[Any]:
    # TCP keepalives both ways: a worker that loses power sends no FIN, and the server would keep its
    # session, and with it the site's run lock, for the system default of two hours; with these, ~90 s.
    try:
        conn = psycopg.connect(url, autocommit=True, application_name="govaudit", keepalives=1,
                               keepalives_idle=60, keepalives_interval=10, keepalives_count=3)
    except psycopg.Error as exc:
        raise StoreError(f"cannot open the PostgreSQL store {redacted(url)}: {str(exc).strip()}") from None
    conn.execute("SET tcp_keepalives_idle = 60; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3")
    return conn


class PostgresStore(SQLiteStore):
    """A connection to one PostgreSQL database holding a govaudit store (implements the Store interface).
    Open one per process."""

    def __init__(self, url: str, *, readonly: bool = False):  # not super().__init__: that one opens a file
        self._url = url
        self.readonly = readonly
        self._pg = _Connection(url, readonly=readonly)
        self._db = self._pg  # type: ignore[assignment]  # the statements SQLiteStore runs: sqlite3's interface
        self._url_ids: dict[str, int] = {}
        try:
            if readonly:
                self._check_version()
            else:
                self._migrate()
        except BaseException:
            self._pg.close()
            raise

    @property
    def url(self) -> str:
        return self._url

    @property
    def where(self) -> str:
        return redacted(self._url)

    def __enter__(self) -> PostgresStore:
        return self

    # -- schema --------------------------------------------------------------------------------
    def _version(self) -> int | None:
        """The schema version; None when the database holds no govaudit store."""
        raw = self._pg.raw
        if raw.execute("SELECT to_regclass('govaudit_schema')").fetchone() == (None,):
            return None
        row = raw.execute("SELECT version FROM govaudit_schema").fetchone()
        return row[0] if row else 0

    def _check_version(self) -> int:
        version = self._version()
        if version is None:
            raise StoreError(f"no database at {self.where} (no govaudit store in it yet)")
        if version > len(MIGRATIONS):
            raise StoreError(f"{self.where} was written by a newer govaudit (schema {version}, this one knows"
                             f" {len(MIGRATIONS)})")
        return version

    def _migrate(self) -> None:
        """Apply the missing migrations with the new version in one transaction (DDL is transactional in
        PostgreSQL); an advisory lock makes two processes opening a fresh database at once take turns."""
        raw = self._pg.raw
        with raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_KEY,))
            if self._version() is None:
                raw.execute("CREATE TABLE govaudit_schema (version INTEGER NOT NULL)")
                raw.execute("INSERT INTO govaudit_schema VALUES (0)")
            version = self._check_version()
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                raw.execute(postgres_ddl(script))
                raw.execute("UPDATE govaudit_schema SET version = %s", (number,))

    @property
    def schema_version(self) -> int:
        return self._check_version()

    def _run_columns(self, wanted: tuple[str, ...]) -> str:
        have = {r[0] for r in self._pg.raw.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'runs'"
            " AND table_schema = current_schema()")}
        return ", ".join(c for c in wanted if c in have)

    # -- locks -----------------------------------------------------------------------------------
    @contextmanager
    def run_lock(self, site: str | None) -> Iterator[None]:
        """As SQLiteStore.run_lock, with session advisory locks: shared on the store's key plus exclusive
        on the site's, or exclusive on the store's. A holder whose connection dies loses them."""
        how = "" if site is None else "_shared"
        if not self._advisory(f"pg_try_advisory_lock{how}", _STORE_KEY):
            raise ConfigError(f"another govaudit run is using {self.where}")
        try:
            with self._site_lock(site, patience=LOCK_PATIENCE) if site is not None else nullcontext(True) as mine:
                if not mine:
                    raise ConfigError(f"another govaudit run is using {self.where} for {site}")
                yield
        finally:
            self._advisory(f"pg_advisory_unlock{how}", _STORE_KEY)

    @contextmanager
    def _site_lock(self, site: str, *, patience: float) -> Iterator[bool]:
        key = _key(f"site:{site_lock_name(site)}")
        held = retry(lambda: self._advisory("pg_try_advisory_lock", key), patience)
        try:
            yield held
        finally:
            if held:
                self._advisory("pg_advisory_unlock", key)

    def _advisory(self, function: str, key: int) -> bool:
        if self._pg.raw.closed:  # the locks went with the connection
            return False
        row = self._pg.raw.execute(f"SELECT {function}(%s)", (key,)).fetchone()
        return bool(row and row[0])

    # -- what the engines do differently -----------------------------------------------------------
    def url_ids(self, urls: Iterable[str]) -> dict[str, int]:
        """Intern URLs: one statement each way, on the shared-rows connection, in sorted order."""
        missing = sorted(set(urls) - self._url_ids.keys())
        if missing:
            shared, stored = self._pg.shared, [u.replace("\x00", "\ufffd") for u in missing]  # as _clean
            shared.execute("INSERT INTO urls (url) SELECT u FROM unnest(%s::text[]) AS u ORDER BY u"
                           " ON CONFLICT DO NOTHING", (stored,))
            ids = dict(shared.execute("SELECT url, id FROM urls WHERE url = ANY(%s)", (stored,)).fetchall())
            self._url_ids.update((u, ids[s]) for u, s in zip(missing, stored, strict=True))
        return self._url_ids

    # SQLite's line, in this database's functions
    _LINK_LINE = ("source_id || ',' || target_id || ',' || quote_literal(fragment) || ',' || quote_literal(text)"
                  " || ',' || tag || ',' || attr || ',' || quote_literal(rel) || ',' || line || ',' || position")

    def links_digest(self, run_id: int) -> str:
        """As SQLite's (the same lines, in this database's collation: a digest is compared within one store)."""
        line = self._LINK_LINE
        (joined,) = self._db.execute(f"SELECT string_agg(x, chr(10) ORDER BY s, p, x) FROM (SELECT {line} AS x,"
                                     " source_id AS s, position AS p FROM links WHERE run_id=?) l", (run_id,)).fetchone()
        return hashlib.sha256((joined or "").encode("utf-8")).hexdigest()

    def vacuum(self) -> None:
        """VACUUM FULL gives the space back (plain VACUUM only marks it reusable), under run_lock(None)."""
        self._pg.raw.execute("VACUUM FULL")

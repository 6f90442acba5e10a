"""The store: every run's pages, links, results and history. `open_store(url)` is the one way in."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from govaudit.store.interface import CrawlSink, RunLedger, RunReader, Store, StoreError, now_iso
from govaudit.store.sqlite import PRUNED_BODIES, PRUNED_DETAIL, PRUNED_NONE, SQLiteStore

__all__ = ["PRUNED_BODIES", "PRUNED_DETAIL", "PRUNED_NONE", "CrawlSink", "RunLedger", "RunReader", "Store",
           "StoreError", "now_iso", "open_store", "sqlite_path"]


def sqlite_path(url: str | Path) -> Path | None:
    """The database file of a `sqlite:///path` URL or a plain path; None for another kind of store."""
    if isinstance(url, Path):
        return url
    if "://" not in url:
        return Path(url)
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):])  # as SQLAlchemy: sqlite:///relative, sqlite:////absolute
    return None


def open_store(url: str | Path, *, readonly: bool = False) -> Store:
    """Open the store at `url`: `sqlite:///relative.sqlite`, `sqlite:////absolute.sqlite`, a plain file path,
    or `postgresql://user@host:port/database` (libpq's URL; PG* environment variables and ~/.pgpass apply)."""
    path = sqlite_path(url)
    if path is not None:
        return SQLiteStore(path, readonly=readonly)
    scheme = urlsplit(str(url)).scheme
    if scheme in ("postgresql", "postgres"):
        from govaudit.store.postgres import PostgresStore  # noqa: PLC0415  (psycopg only when used)

        return PostgresStore(str(url), readonly=readonly)
    raise StoreError(f"store URL {url!r}: no {scheme}:// store (use a path, sqlite:///… or postgresql://…)")

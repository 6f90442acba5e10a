"""The SQLite backend of the store interface (govaudit.store.interface): the only module that speaks SQL.

One file holds every run. Schema changes go through MIGRATIONS (PRAGMA user_version), so a database
written by an older govaudit opens in a newer one. WAL lets the crawler process write while the
runner reads; page bodies are stored once per content hash, zlib-compressed, so checks can re-run
without re-crawling.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from govaudit.models import (
    CheckResult,
    IndicatorScore,
    Link,
    LinkResult,
    LinkStatus,
    Page,
    PageHead,
    Run,
    RunStatus,
)
from govaudit.profile import ConfigError
from govaudit.store.interface import LOCK_PATIENCE, StoreError, now_iso, retry, site_lock_name
from govaudit.store.sqlite_schema import MIGRATIONS

# runs.pruned: what retention removed from a run (findings, scores, link results and the run are always kept)
PRUNED_NONE, PRUNED_BODIES, PRUNED_DETAIL = 0, 1, 2


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_RUN_FIELDS = frozenset(f.name for f in fields(Run))
# What the external-result cache keeps of a LinkResult (link_cache.result, JSON, besides the url).
_CACHED_FIELDS = ("status", "http_status", "final_url", "redirect_chain", "error_kind", "error", "method",
                  "checked_at", "internal", "details")
_PAGE_COLUMNS = ("SELECT u.url, p.requested_url, p.http_status, p.content_type, p.charset, p.lang, p.title, p.meta,"
                 " p.headers, p.anchors, p.depth, p.referrer, p.body_hash, p.size, p.elapsed, p.fetched_at, p.facts"
                 " FROM pages p JOIN urls u ON u.id = p.url_id")


def _statements(script: str) -> Iterator[str]:
    """The statements of a migration script, one at a time."""
    pending = ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending
            pending = ""


def _page(row: Any) -> Page:
    loads = json.loads
    return Page(row[0], row[1], row[2], row[3], row[4], row[5], row[6], loads(row[7]), loads(row[8]),
                loads(row[9]), row[10], row[11], row[12], row[13], row[14], row[15], loads(row[16]))


_LINK_COLUMNS = ("SELECT s.url AS source, t.url AS target, l.fragment, l.text, l.tag, l.attr, l.rel, l.line,"
                 " l.position FROM links l JOIN urls s ON s.id = l.source_id JOIN urls t ON t.id = l.target_id")


def _flock(fh: Any, how: int) -> bool:
    try:
        fcntl.flock(fh, how | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _link_result(row: sqlite3.Row) -> LinkResult:
    return LinkResult(
        url=row["url"], status=LinkStatus(row["status"]), http_status=row["http_status"], final_url=row["final_url"],
        redirect_chain=json.loads(row["redirect_chain"]), error_kind=row["error_kind"], error=row["error"],
        method=row["method"], elapsed=row["elapsed"], checked_at=row["checked_at"], internal=bool(row["internal"]),
        first_seen=row["first_seen"], nights=row["nights"], cached=bool(row["cached"]),
        details=json.loads(row["details"]))


class SQLiteStore:
    """A connection to one audit database (implements govaudit.store.interface.Store). Not shared across
    threads or processes: open one per process."""

    def __init__(self, path: str | Path, *, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        if readonly:
            if not self.path.exists():
                raise StoreError(f"no database at {self.path}")
            self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        self._url_ids: dict[str, int] = {}

    def close(self) -> None:
        self._db.close()

    @property
    def url(self) -> str:
        """The URL open_store takes to open this database again (child processes get it in their job)."""
        return f"sqlite:///{self.path.resolve()}"

    @property
    def where(self) -> str:
        """The store in messages."""
        return str(self.path)

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path} was written by a newer govaudit (schema {version}, this one knows {len(MIGRATIONS)})"
            )
        if version == len(MIGRATIONS):
            return
        # Processes opening a new store at once (a fleet's first audits) all find it unmigrated: each step
        # is applied under the write lock (BEGIN IMMEDIATE) by whichever takes it first, and the others find
        # it done. (executescript would commit the open transaction first: the statements go one by one.)
        level, self._db.isolation_level = self._db.isolation_level, None
        try:
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    if self._db.execute("PRAGMA user_version").fetchone()[0] < number:
                        for statement in _statements(script):
                            self._db.execute(statement)
                        self._db.execute(f"PRAGMA user_version = {number}")
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
        finally:
            self._db.isolation_level = level

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._db:
            yield

    @contextmanager
    def run_lock(self, site: str | None) -> Iterator[None]:
        """The lock of one site's audit (audits of other sites run at the same time), or with site=None of
        the whole store (prune, vacuum: no audit runs meanwhile). flock: a shared lock on `<db>.lock` plus an
        exclusive one on the site's own file under `<db>.lock.d/`, or an exclusive lock on `<db>.lock`; a
        crashed holder's locks die with its process. The files are named from the real path, so a symlink to
        the database takes the same locks (flock on Linux is independent of SQLite's own POSIX locks)."""
        with open(f"{os.path.realpath(self.path)}.lock", "w") as store_lock:
            if not _flock(store_lock, fcntl.LOCK_EX if site is None else fcntl.LOCK_SH):
                raise ConfigError(f"another govaudit run is using {self.where}")
            with self._site_lock(site, patience=LOCK_PATIENCE) if site is not None else nullcontext(True) as mine:
                if not mine:
                    raise ConfigError(f"another govaudit run is using {self.where} for {site}")
                yield

    @contextmanager
    def _site_lock(self, site: str, *, patience: float) -> Iterator[bool]:
        """Try the exclusive lock of `site`'s audits for up to `patience` seconds; yields whether it is held."""
        real = os.path.realpath(self.path)
        os.makedirs(f"{real}.lock.d", exist_ok=True)
        with open(f"{real}.lock.d/{site_lock_name(site)}", "w") as fh:
            yield retry(lambda: _flock(fh, fcntl.LOCK_EX), patience)

    # -- urls -------------------------------------------------------------------------------
    def url_ids(self, urls: Iterable[str]) -> dict[str, int]:
        """Intern URLs (a link table of millions of rows stores integers, not strings)."""
        missing = [u for u in set(urls) if u not in self._url_ids]
        if missing:
            self._db.executemany("INSERT OR IGNORE INTO urls (url) VALUES (?)", ((u,) for u in missing))
            for chunk in range(0, len(missing), 500):
                part = missing[chunk : chunk + 500]
                marks = ",".join("?" * len(part))
                for row in self._db.execute(f"SELECT id, url FROM urls WHERE url IN ({marks})", part):
                    self._url_ids[row["url"]] = row["id"]
        return self._url_ids

    # -- runs -------------------------------------------------------------------------------
    def create_run(
        self, *, site: str, start_url: str, tool_version: str, profile_hash: str, profile: dict, rubric: str
    ) -> int:
        with self._db:
            prev = self.last_completed_run(site)
            cur = self._db.execute(
                "INSERT INTO runs (site, start_url, status, started_at, tool_version, profile_hash, profile,"
                " rubric, previous_run) VALUES (?,?,?,?,?,?,?,?,?)",
                (site, start_url, RunStatus.RUNNING, now_iso(), tool_version, profile_hash, _dumps(profile),
                 rubric, prev),
            )
        assert cur.lastrowid is not None  # set by every INSERT
        return cur.lastrowid

    def finish_run(
        self, run_id: int, status: RunStatus, *, stats: dict | None = None, health: list | None = None,
        error: str = "",
    ) -> None:
        with self._db:
            self._db.execute(
                "UPDATE runs SET status=?, finished_at=?, stats=COALESCE(?, stats), health=COALESCE(?, health),"
                " error=? WHERE id=?",
                (status, now_iso(), _dumps(stats) if stats is not None else None,
                 _dumps(health) if health is not None else None, error, run_id),
            )

    def save_stats(self, run_id: int, stats: dict) -> None:
        with self._db:
            self._db.execute("UPDATE runs SET stats=? WHERE id=?", (_dumps(stats), run_id))

    def fail_stale_runs(self, site: str | None) -> list[int]:
        """Runs left `running` by a process that died (SIGKILL, power loss), marked `interrupted`: those of
        `site` (call it holding run_lock(site)) and of every other site whose lock is free, i.e. no audit of
        it is alive (held while they are marked, so none starts meanwhile). site=None (under run_lock(None)):
        every running run."""
        running = [r[0] for r in self._db.execute("SELECT DISTINCT site FROM runs WHERE status=?",
                                                 (RunStatus.RUNNING,))]
        stale: list[int] = []
        for other in running:
            if site is None or other == site:
                stale += self._interrupt_running(other)
                continue
            with self._site_lock(other, patience=0) as free:
                if free:
                    stale += self._interrupt_running(other)
        return sorted(stale)

    def _interrupt_running(self, site: str) -> list[int]:
        with self._db:
            ids = [r[0] for r in self._db.execute("SELECT id FROM runs WHERE status=? AND site=?",
                                                 (RunStatus.RUNNING, site))]
            self._db.execute(
                "UPDATE runs SET status=?, finished_at=?, error='interrupted before it finished'"
                " WHERE status=? AND site=?", (RunStatus.INTERRUPTED, now_iso(), RunStatus.RUNNING, site))
        return ids

    def run(self, run_id: int) -> Run:
        row = self._db.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        if row is None:
            raise StoreError(f"no run {run_id} in {self.where}")
        out = {k: row[k] for k in row.keys() if k in _RUN_FIELDS}  # an older schema lacks the newer columns
        for key in ("stats", "health", "profile"):
            out[key] = json.loads(out[key])
        out["status"], out["pinned"] = RunStatus(out["status"]), bool(out["pinned"])
        return Run(**out)

    def _run_columns(self, wanted: tuple[str, ...]) -> str:
        """The wanted columns of runs that exist (a read-only store of an older schema lacks the newer ones)."""
        have = {r[1] for r in self._db.execute("PRAGMA table_info(runs)")}
        return ", ".join(c for c in wanted if c in have)

    def runs(self) -> list[dict]:
        cols = self._run_columns(("id", "site", "start_url", "status", "started_at", "finished_at", "pinned",
                                  "pin_note", "pruned"))
        return [{"pin_note": "", "pruned": 0, **dict(r)} for r in self._db.execute(f"SELECT {cols} FROM runs ORDER BY id")]

    def run_overview(self) -> list[dict]:
        """Every run with its page count and indicator scores (for `govaudit runs`)."""
        scores: dict[int, dict] = {}
        for row in self._db.execute("SELECT run_id, indicator_id, score FROM scores ORDER BY rowid"):
            scores.setdefault(row["run_id"], {})[row["indicator_id"]] = row["score"]
        cols = self._run_columns(("id", "site", "start_url", "status", "started_at", "finished_at", "pinned",
                                  "pin_note", "pinned_at", "pruned", "pruned_at"))
        out = []
        for row in self._db.execute(
                f"SELECT {cols}, json_extract(stats, '$.pages_fetched') AS pages FROM runs ORDER BY id"):
            run = {"pin_note": "", "pinned_at": None, "pruned": 0, "pruned_at": None, **dict(row)}
            out.append({**run, "pinned": bool(run["pinned"]), "scores": scores.get(run["id"], {})})
        return out

    def set_pinned(self, run_id: int, pinned: bool, note: str = "") -> Run:
        """Pin (keep whole, never pruned) or unpin a run; returns the run as it was before."""
        before = self.run(run_id)
        with self._db:
            self._db.execute("UPDATE runs SET pinned=?, pin_note=?, pinned_at=? WHERE id=?",
                            (int(pinned), note if pinned else "", now_iso() if pinned else None, run_id))
        return before

    # -- retention ---------------------------------------------------------------------------------
    def prune(self, bodies: Iterable[int], detail: Iterable[int], *, dry_run: bool = False) -> dict[str, int]:
        """Prune in ONE transaction (a crash leaves the store as it was): runs in `detail` lose their per-page
        and per-link rows (pages, links, axe_pages, host_probes), runs in `bodies` only their page bodies;
        then every body that no unpruned run references is deleted. Pinned runs are never touched, whatever
        the caller passes. The run, its link results, check results, findings and scores always stay.
        dry_run: the same work, rolled back; the counts say what it would remove."""
        counts: dict[str, int] = {}
        bodies, detail = list(bodies), list(detail)
        if not bodies and not detail:  # the usual night: nothing old enough, no scan of the bodies
            return dict.fromkeys(("runs_detail", "runs_bodies", "pages", "links", "axe_pages", "host_probes",
                                  "bodies", "body_bytes"), 0)

        class _DryRun(Exception):
            pass

        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")  # the pinned set read below stays true until the commit
                pinned = {r[0] for r in self._db.execute("SELECT id FROM runs WHERE pinned=1")}
                detail = sorted(set(detail) - pinned)
                bodies = sorted(set(bodies) - pinned - set(detail))
                stamp = now_iso()
                counts["runs_detail"] = counts["runs_bodies"] = 0
                for level, ids in ((PRUNED_DETAIL, detail), (PRUNED_BODIES, bodies)):
                    for run_id in ids:
                        cur = self._db.execute("UPDATE runs SET pruned=?, pruned_at=? WHERE id=? AND pruned<?",
                                              (level, stamp, run_id, level))
                        counts["runs_detail" if level == PRUNED_DETAIL else "runs_bodies"] += cur.rowcount
                for table in ("pages", "links", "axe_pages", "host_probes"):
                    counts[table] = sum(self._db.execute(f"DELETE FROM {table} WHERE run_id=?", (run_id,)).rowcount
                                        for run_id in detail)
                orphans = ("FROM bodies WHERE hash NOT IN (SELECT p.body_hash FROM pages p JOIN runs r"
                           " ON r.id = p.run_id WHERE r.pruned = 0 AND p.body_hash IS NOT NULL)")
                n, size = self._db.execute(f"SELECT count(*), coalesce(sum(length(data)), 0) {orphans}").fetchone()
                self._db.execute(f"DELETE {orphans}")
                counts["bodies"], counts["body_bytes"] = n, size
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return counts

    def vacuum(self) -> None:
        self._db.execute("VACUUM")

    def latest_run_id(self) -> int | None:
        row = self._db.execute("SELECT max(id) FROM runs").fetchone()
        return row[0]

    def last_completed_run(self, site: str, before: int | None = None) -> int | None:
        """The baseline of a new run of `site` (the profile's name, else the host: ports may change)."""
        row = self._db.execute(
            "SELECT max(id) FROM runs WHERE site=? AND status=? AND id < ?",
            (site, RunStatus.COMPLETED, before if before is not None else 2**62),
        ).fetchone()
        return row[0]

    # -- crawl data (written by the crawler process) ---------------------------------------------
    def add_pages(self, run_id: int, pages: list[tuple[Page, bytes | None]]) -> None:
        """Pages with their bodies (stored once per page.body_hash; None or b"": no body kept)."""
        ids = self.url_ids(p.url for p, _ in pages)
        bodies = [(p.body_hash, zlib.compress(body, 1)) for p, body in pages if body]
        self._db.executemany("INSERT OR IGNORE INTO bodies (hash, data) VALUES (?, ?)", bodies)
        self._db.executemany(
            "INSERT OR REPLACE INTO pages (run_id, url_id, requested_url, http_status, content_type, charset,"
            " lang, title, meta, headers, anchors, depth, referrer, body_hash, size, elapsed, fetched_at, facts)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (run_id, ids[p.url], p.requested_url, p.http_status, p.content_type, p.charset,
                 p.lang, p.title, _dumps(p.meta), _dumps(p.headers), _dumps(p.anchors),
                 p.depth, p.referrer, p.body_hash, p.size, p.elapsed, p.fetched_at, _dumps(p.facts))
                for p, _ in pages
            ],
        )

    def set_depths(self, run_id: int, depths: dict[str, int]) -> None:
        """Pages' depths corrected once every page is parsed (crawler/spider.py: clicks from the start page)."""
        ids = self.url_ids(depths)
        self._db.executemany("UPDATE pages SET depth=? WHERE run_id=? AND url_id=?",
                             [(depth, run_id, ids[url]) for url, depth in depths.items()])

    def add_links(self, run_id: int, links: list[Link]) -> None:
        ids = self.url_ids([lk[0] for lk in links] + [lk[1] for lk in links])
        self._db.executemany(
            "INSERT INTO links (run_id, source_id, target_id, fragment, text, tag, attr, rel, line, position)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(run_id, ids[s], ids[t], f, tx, tg, a, r, ln, pos) for s, t, f, tx, tg, a, r, ln, pos in links],
        )

    def copy_links(self, run_id: int, from_run: int, sources: list[str]) -> None:
        """The links of pages unchanged since `from_run` (a 304 each), copied row for row within the database:
        a menu on every page is most of a site's link rows, and they need not pass through Python again."""
        self._db.execute(
            "INSERT INTO links (run_id, source_id, target_id, fragment, text, tag, attr, rel, line, position)"
            " SELECT ?, source_id, target_id, fragment, text, tag, attr, rel, line, position FROM links"
            " WHERE run_id=? AND source_id IN (SELECT id FROM urls WHERE url IN (SELECT value FROM json_each(?)))",
            (run_id, from_run, json.dumps(sources)))

    def add_link_results(self, run_id: int, results: list[LinkResult]) -> None:
        ids = self.url_ids(r.url for r in results)
        self._db.executemany(
            "INSERT OR REPLACE INTO link_results (run_id, url_id, status, http_status, final_url,"
            " redirect_chain, error_kind, error, method, elapsed, checked_at, internal, first_seen, nights,"
            " cached, details) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (run_id, ids[r.url], r.status, r.http_status, r.final_url, _dumps(r.redirect_chain or []),
                 r.error_kind, r.error or "", r.method or "", r.elapsed or 0.0, r.checked_at or now_iso(),
                 int(r.internal), r.first_seen, r.nights or 0, int(r.cached), _dumps(r.details or {}))
                for r in results
            ],
        )

    def add_probes(self, run_id: int, probes: list[dict]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO host_probes (run_id, host, url, http_status, redirected, title, text)"
            " VALUES (?,?,?,?,?,?,?)",
            [(run_id, p["host"], p["url"], p.get("http_status"), int(bool(p.get("redirected"))),
              p.get("title") or "", p.get("text") or "") for p in probes])

    def probes(self, run_id: int) -> dict[str, dict]:
        return {r["host"]: dict(r) for r in self._db.execute("SELECT * FROM host_probes WHERE run_id=?", (run_id,))}

    # -- across nights: history, cache, acks ---------------------------------------------------
    def previous_run_of_site(self, site: str, run_id: int) -> int | None:
        """The run of `site` just before run_id that got through its crawl (completed or incomplete)."""
        row = self._db.execute("SELECT max(id) FROM runs WHERE site=? AND id<? AND status IN (?,?)",
                              (site, run_id, RunStatus.COMPLETED, RunStatus.INCOMPLETE)).fetchone()
        return row[0]

    def link_history(self, site: str) -> dict[str, dict]:
        return {r["url"]: dict(r) for r in self._db.execute("SELECT * FROM link_history WHERE site=?", (site,))}

    def save_link_history(self, site: str, rows: list[dict], cleared: list[str]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO link_history (site, url, first_seen, first_run, last_run, nights, last_status)"
            " VALUES (?,?,?,?,?,?,?)",
            [(site, r["url"], r["first_seen"], r["first_run"], r["last_run"], r["nights"], r["last_status"])
             for r in rows])
        self._db.executemany("DELETE FROM link_history WHERE site=? AND url=?", [(site, u) for u in cleared])

    def cached_results(self, max_age_s: float) -> dict[str, LinkResult]:
        """External results younger than max_age_s; only successes are ever cached."""
        if max_age_s <= 0:
            return {}
        cutoff = datetime.now(UTC).timestamp() - max_age_s
        out = {}
        for url, raw in self._db.execute("SELECT url, result FROM link_cache WHERE checked_epoch >= ?", (cutoff,)):
            cached = json.loads(raw)
            kept = {k: cached[k] for k in _CACHED_FIELDS if cached.get(k) is not None}
            out[url] = LinkResult(url=url, **{**kept, "status": LinkStatus(cached["status"])})
        return out

    def update_cache(self, fresh: list[LinkResult], failed: list[str]) -> None:
        """Cache the external successes in `fresh` (their title and text details only), forget `failed`."""
        now = datetime.now(UTC).timestamp()
        rows = []
        for r in fresh:
            kept = {k: getattr(r, k) for k in _CACHED_FIELDS}
            kept["details"] = {k: v for k, v in r.details.items() if k in ("title", "text")}
            rows.append((r.url, _dumps({**kept, "url": r.url}), now))
        self._db.executemany("INSERT OR REPLACE INTO link_cache (url, result, checked_epoch) VALUES (?,?,?)", rows)
        self._db.executemany("DELETE FROM link_cache WHERE url=?", [(u,) for u in failed])

    def add_ack(self, fingerprint: str, note: str, until: str | None) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO acks (fingerprint, note, until, created_at) VALUES (?,?,?,?)",
                            (fingerprint, note, until, now_iso()))

    def remove_ack(self, fingerprint: str) -> bool:
        with self._db:
            return self._db.execute("DELETE FROM acks WHERE fingerprint=?", (fingerprint,)).rowcount > 0

    def acks(self) -> dict[str, dict]:
        return {r["fingerprint"]: dict(r) for r in self._db.execute("SELECT * FROM acks")}

    def has_fingerprint(self, fingerprint: str) -> bool:
        return self._db.execute("SELECT 1 FROM findings WHERE fingerprint=? LIMIT 1", (fingerprint,)).fetchone() \
            is not None

    # -- reads for checks and reports -----------------------------------------------------------
    def pages(self, run_id: int) -> Iterator[Page]:
        for row in self._db.execute(_PAGE_COLUMNS + " WHERE p.run_id=? ORDER BY p.depth, u.url", (run_id,)):
            yield _page(row)

    def page(self, run_id: int, url: str) -> Page | None:
        """One page of the run, by its URL (None: the run has no page there)."""
        row = self._db.execute(_PAGE_COLUMNS + " WHERE p.run_id=? AND u.url=?", (run_id, url)).fetchone()
        return None if row is None else _page(row)

    def page_heads(self, run_id: int) -> Iterator[PageHead]:
        """The run's pages whose body is still stored, without their parse: one query for a whole night's
        conditional requests, where `page` per request cost the crawl process a tenth of an unchanged night."""
        cur = self._db.cursor()
        cur.row_factory = None
        loads = json.loads
        for url, status, headers, body_hash, size, facts in cur.execute(
                "SELECT u.url, p.http_status, p.headers, p.body_hash, p.size, p.facts FROM pages p"
                " JOIN urls u ON u.id = p.url_id JOIN bodies b ON b.hash = p.body_hash WHERE p.run_id=?", (run_id,)):
            yield PageHead(url, status, loads(headers), body_hash, size, loads(facts))

    def page_titles(self, run_id: int, urls: Iterable[str] | None = None) -> dict[str, str]:
        """url → <title> of the run's pages (those in `urls` when given); pages without a title left out."""
        wanted = None if urls is None else set(urls)
        rows = self._db.execute(
            "SELECT u.url, p.title FROM pages p JOIN urls u ON u.id = p.url_id WHERE p.run_id=? AND p.title != ''",
            (run_id,),
        )
        return {url: title for url, title in rows if wanted is None or url in wanted}

    def body(self, body_hash: str) -> bytes | None:
        row = self._db.execute("SELECT data FROM bodies WHERE hash=?", (body_hash,)).fetchone()
        return zlib.decompress(row[0]) if row else None

    def links(self, run_id: int) -> Iterator[Link]:
        cur = self._db.cursor()
        cur.row_factory = None
        return map(Link._make, cur.execute(_LINK_COLUMNS + " WHERE l.run_id=? ORDER BY s.url, l.position", (run_id,)))

    def links_by_id(self, run_id: int) -> Iterator[tuple[int, int, str, str, str, str, int]]:
        """links() in its order, with URL ids for its URLs and without rel and position: (source id, target id,
        fragment, text, tag, attr, line). A pass over a whole link table need not make two URL strings a row
        (url_names names the few it keeps)."""
        cur = self._db.cursor()
        cur.row_factory = None
        return iter(cur.execute("SELECT l.source_id, l.target_id, l.fragment, l.text, l.tag, l.attr, l.line FROM links l"
                                " JOIN urls s ON s.id = l.source_id WHERE l.run_id=? ORDER BY s.url, l.position",
                                (run_id,)))

    def url_names(self, ids: Iterable[int]) -> dict[int, str]:
        """The URLs of interned URL ids (links_by_id's)."""
        wanted = sorted(set(ids))
        names: dict[int, str] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            names.update(self._db.execute(f"SELECT id, url FROM urls WHERE id IN ({','.join('?' * len(part))})",
                                          part).fetchall())
        return names

    # one line per link row, URL ids for URLs (no join), texts quoted: a digest compared within this store only
    # (an id names one URL for as long as the store keeps it). One printf a row: half the time of a chain of
    # concatenations with quote() (0.6-0.9 s against 1.7-1.8 s over the bench's 358,645 rows), the same line.
    _LINK_LINE = "printf('%d,%d,%Q,%Q,%s,%s,%Q,%d,%d', source_id, target_id, fragment, text, tag, attr, rel, line, position)"

    def links_digest(self, run_id: int) -> str:
        """sha256 of every link row of the run, sorted (the rows are joined and sorted here, in the database:
        a site's menu on every page makes hundreds of thousands of rows, too many to bring into Python)."""
        line = self._LINK_LINE
        # group_concat keeps the subquery's order (SQLite 3.40 has no ORDER BY within an aggregate); were it
        # ever not to, the digest would differ and the checks run again: never a wrong copy
        (joined,) = self._db.execute(f"SELECT group_concat(x, char(10)) FROM (SELECT {line} AS x FROM links"
                                     " WHERE run_id=? ORDER BY source_id, position, x)", (run_id,)).fetchone()
        return hashlib.sha256((joined or "").encode("utf-8", "surrogatepass")).hexdigest()

    def link_read(self, site: str, digest: str) -> bytes | None:
        row = self._db.execute("SELECT data FROM link_reads WHERE site=? AND digest=?", (site, digest)).fetchone()
        return bytes(row[0]) if row else None

    def keep_link_read(self, site: str, digest: str, data: bytes) -> None:
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO link_reads (site, digest, data) VALUES (?, ?, ?)",
                             (site, digest, data))
            self._db.execute("DELETE FROM link_reads WHERE site=? AND digest != ?", (site, digest))

    def page_links(self, run_id: int, source: str) -> list[Link]:
        """The links of one page of the run, in document order (an unchanged page's links, reused)."""
        cur = self._db.cursor()
        cur.row_factory = None
        return list(map(Link._make, cur.execute(
            _LINK_COLUMNS + " WHERE l.run_id=? AND l.source_id=(SELECT id FROM urls WHERE url=?) ORDER BY l.position",
            (run_id, source))))

    def navigation(self, run_id: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The site's click graph, cheaply: distinct (source, target) edges and distinct (target, text)
        labels of <a>/<area> links between crawled pages (ids joined to URLs once, not per row)."""
        cur = self._db.cursor()
        cur.row_factory = None
        page_urls = dict(cur.execute("SELECT p.url_id, u.url FROM pages p JOIN urls u ON u.id = p.url_id"
                                     " WHERE p.run_id=?", (run_id,)).fetchall())
        pairs, named = set(), set()
        for source, target, text in cur.execute(
                "SELECT source_id, target_id, text FROM links WHERE run_id=? AND tag IN ('a', 'area')", (run_id,)):
            if target in page_urls:
                pairs.add((source, target))
                named.add((target, text))
        edges = [(page_urls[s], page_urls[t]) for s, t in pairs if s in page_urls]
        labels = sorted((page_urls[t], text) for t, text in named)
        return edges, labels

    # -- narrow link reads (a link table has hundreds of thousands of rows: read only what is needed) --
    def link_texts(self, run_id: int) -> set[str]:
        """The distinct texts of the run's links (a menu repeated on every page: far fewer than its rows)."""
        return {row[0] for row in self._db.execute("SELECT DISTINCT text FROM links WHERE run_id=?", (run_id,))}

    def links_with_text(self, run_id: int, texts: Iterable[str]) -> Iterator[Link]:
        """links() restricted to links whose text is one of `texts`, in the same order."""
        wanted = json.dumps(sorted(set(texts)), ensure_ascii=False)
        cur = self._db.cursor()
        cur.row_factory = None
        return map(Link._make, cur.execute(
            _LINK_COLUMNS + " WHERE l.run_id=? AND l.text IN (SELECT value FROM json_each(?)) ORDER BY s.url, l.position",
            (run_id, wanted),
        ))

    def links_to(self, run_id: int, targets: Iterable[str]) -> Iterator[Link]:
        """links() restricted to links whose target URL is one of `targets`, in the same order."""
        wanted = json.dumps(sorted(set(targets)))
        cur = self._db.cursor()
        cur.row_factory = None
        return map(Link._make, cur.execute(
            _LINK_COLUMNS + " WHERE l.run_id=? AND l.target_id IN (SELECT u.id FROM urls u WHERE u.url IN"
            " (SELECT value FROM json_each(?))) ORDER BY s.url, l.position",
            (run_id, wanted),
        ))

    def link_results(self, run_id: int) -> Iterator[LinkResult]:
        for row in self._db.execute(
            "SELECT u.url, r.* FROM link_results r JOIN urls u ON u.id = r.url_id WHERE r.run_id=? ORDER BY u.url",
            (run_id,),
        ):
            yield _link_result(row)

    def fragment_targets(self, run_id: int) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self._db.execute(
            "SELECT DISTINCT t.url, l.fragment FROM links l JOIN urls t ON t.id = l.target_id"
            " WHERE l.run_id=? AND l.fragment != ''", (run_id,))]

    def parsed_page_anchors(self, run_id: int) -> dict[str, set[str]]:
        """Anchors of the HTML pages that answered 2xx and were parsed (attachments have none)."""
        return {r["url"]: set(json.loads(r["anchors"])) for r in self._db.execute(
            "SELECT u.url, p.anchors FROM pages p JOIN urls u ON u.id = p.url_id WHERE p.run_id=?"
            " AND p.http_status BETWEEN 200 AND 299 AND p.body_hash IS NOT NULL"
            " AND (p.content_type = '' OR p.content_type LIKE '%html%')", (run_id,))}

    def link_status(self, run_id: int, url: str) -> str | None:
        row = self._db.execute(
            "SELECT r.status FROM link_results r JOIN urls u ON u.id = r.url_id WHERE r.run_id=? AND u.url=?",
            (run_id, url)).fetchone()
        return row[0] if row else None

    def count(self, table: str, run_id: int) -> int:
        if table not in {"pages", "links", "link_results", "findings"}:
            raise ValueError(table)
        return self._db.execute(f"SELECT count(*) FROM {table} WHERE run_id=?", (run_id,)).fetchone()[0]

    # -- browser stage (axe-core results per sampled page) -------------------------------------------
    def add_axe_pages(self, run_id: int, rows: list[dict]) -> None:
        """rows: url, template, reason, error ('' when axe ran), attempts, result (dict), elapsed."""
        ids = self.url_ids(r["url"] for r in rows)
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO axe_pages (run_id, url_id, template, reason, error, attempts, result,"
                " elapsed, tested_at) VALUES (?,?,?,?,?,?,?,?,?)",
                [(run_id, ids[r["url"]], r.get("template") or "", r.get("reason") or "", r.get("error") or "",
                  r.get("attempts") or 1, _dumps(r.get("result") or {}), r.get("elapsed") or 0.0, now_iso())
                 for r in rows],
            )

    def axe_pages(self, run_id: int) -> Iterator[dict]:
        for row in self._db.execute(
            "SELECT u.url, a.template, a.reason, a.error, a.attempts, a.result, a.elapsed, a.tested_at"
            " FROM axe_pages a JOIN urls u ON u.id = a.url_id WHERE a.run_id=? ORDER BY a.rowid", (run_id,),
        ):
            page = dict(row)
            page["result"] = json.loads(page["result"])
            yield page

    # -- results of the later stages ------------------------------------------------------------
    def save_check_results(self, run_id: int, results: list[CheckResult]) -> None:
        with self._db:
            self._db.execute("DELETE FROM check_results WHERE run_id=?", (run_id,))
            self._db.execute("DELETE FROM findings WHERE run_id=?", (run_id,))
            self._db.executemany(
                "INSERT INTO check_results (run_id, check_id, version, status, metrics, duration, error, data)"
                " VALUES (?,?,?,?,?,?,?,?)",
                [(run_id, r.check_id, r.version, r.status, _dumps(r.metrics), r.duration, r.error, _dumps(r.data))
                 for r in results],
            )
            self._db.executemany(
                "INSERT INTO findings (run_id, check_id, code, severity, page, target, message, evidence, tags,"
                " fingerprint) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(run_id, f.check_id, f.code, f.severity, f.page, f.target, f.message, _dumps(f.evidence),
                  _dumps(list(f.tags)), f.fingerprint) for r in results for f in r.findings],
            )

    def check_results(self, run_id: int) -> list[dict]:
        checks = []
        for row in self._db.execute("SELECT * FROM check_results WHERE run_id=? ORDER BY check_id", (run_id,)):
            check = dict(row)
            check["metrics"] = json.loads(check["metrics"])
            check["data"] = json.loads(check["data"])
            check["findings"] = [
                {**dict(f), "evidence": json.loads(f["evidence"]), "tags": json.loads(f["tags"])}
                for f in self._db.execute(
                    "SELECT code, severity, page, target, message, evidence, tags, fingerprint FROM findings"
                    " WHERE run_id=? AND check_id=? ORDER BY rowid", (run_id, check["check_id"]))
            ]
            checks.append(check)
        return checks

    def save_scores(self, run_id: int, scores: list[IndicatorScore]) -> None:
        with self._db:
            self._db.execute("DELETE FROM scores WHERE run_id=?", (run_id,))
            self._db.executemany(
                "INSERT INTO scores (run_id, indicator_id, label, score, max, status, coverage, components, rubric)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                [(run_id, s.id, s.label, s.score, s.max, s.status, s.coverage,
                  _dumps([asdict(c) for c in s.components]), s.rubric) for s in scores],
            )

    def scores(self, run_id: int) -> list[dict]:
        out = []
        for row in self._db.execute("SELECT * FROM scores WHERE run_id=? ORDER BY rowid", (run_id,)):
            score = dict(row)
            score["components"] = json.loads(score["components"])
            out.append(score)
        return out

    # -- across runs: what changed, the trend (results.build) ------------------------------------------
    def link_statuses(self, run_id: int, status: str | None = None) -> dict[str, str]:
        """url → status of the link results of a run (all, or those with `status`): the light read a
        comparison needs."""
        sql = "SELECT u.url, r.status FROM link_results r JOIN urls u ON u.id = r.url_id WHERE r.run_id=?"
        if status is not None:
            return dict(self._db.execute(sql + " AND r.status=?", (run_id, status)).fetchall())
        return dict(self._db.execute(sql, (run_id,)).fetchall())

    def finding_fingerprints(self, run_id: int) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT DISTINCT fingerprint FROM findings WHERE run_id=?", (run_id,))}

    def finding_marks(self, run_id: int) -> list[tuple[str, str, str, bool]]:
        """(check, fingerprint, target, accepted by a profile rule) of every finding of a run."""
        return [(r[0], r[1], r[2], bool(r[3])) for r in self._db.execute(
            "SELECT check_id, fingerprint, target, json_extract(evidence, '$.accepted') IS NOT NULL"
            " FROM findings WHERE run_id=?", (run_id,))]

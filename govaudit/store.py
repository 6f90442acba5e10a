"""The SQLite store: the only module that speaks SQL.

One file holds every run. Schema changes go through MIGRATIONS (PRAGMA user_version), so a database
written by an older govaudit opens in a newer one. WAL lets the crawler process write while the
runner reads; page bodies are stored once per content hash, zlib-compressed, so checks can re-run
without re-crawling.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from govaudit.models import CheckResult, IndicatorScore, RunStatus

MIGRATIONS: list[str] = [
    # 1: initial schema
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        start_url TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        tool_version TEXT NOT NULL,
        profile_hash TEXT NOT NULL,
        profile TEXT NOT NULL,
        rubric TEXT NOT NULL,
        stats TEXT NOT NULL DEFAULT '{}',
        health TEXT NOT NULL DEFAULT '[]',
        previous_run INTEGER REFERENCES runs(id),
        error TEXT NOT NULL DEFAULT '',
        pinned INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE urls (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE);
    CREATE TABLE bodies (hash TEXT PRIMARY KEY, data BLOB NOT NULL);
    CREATE TABLE pages (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        url_id INTEGER NOT NULL REFERENCES urls(id),
        requested_url TEXT NOT NULL,
        http_status INTEGER,
        content_type TEXT NOT NULL DEFAULT '',
        charset TEXT NOT NULL DEFAULT '',
        lang TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        meta TEXT NOT NULL DEFAULT '{}',
        headers TEXT NOT NULL DEFAULT '{}',
        anchors TEXT NOT NULL DEFAULT '[]',
        depth INTEGER NOT NULL,
        referrer TEXT NOT NULL DEFAULT '',
        body_hash TEXT,
        size INTEGER NOT NULL DEFAULT 0,
        elapsed REAL NOT NULL DEFAULT 0,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (run_id, url_id)
    );
    CREATE TABLE links (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        source_id INTEGER NOT NULL REFERENCES urls(id),
        target_id INTEGER NOT NULL REFERENCES urls(id),
        fragment TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL DEFAULT '',
        tag TEXT NOT NULL DEFAULT '',
        attr TEXT NOT NULL DEFAULT '',
        rel TEXT NOT NULL DEFAULT '',
        line INTEGER NOT NULL DEFAULT 0,
        position INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX links_by_target ON links (run_id, target_id);
    CREATE TABLE link_results (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        url_id INTEGER NOT NULL REFERENCES urls(id),
        status TEXT NOT NULL,
        http_status INTEGER,
        final_url TEXT,
        redirect_chain TEXT NOT NULL DEFAULT '[]',
        error_kind TEXT,
        error TEXT NOT NULL DEFAULT '',
        method TEXT NOT NULL DEFAULT '',
        elapsed REAL NOT NULL DEFAULT 0,
        checked_at TEXT NOT NULL,
        internal INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, url_id)
    );
    CREATE TABLE check_results (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        check_id TEXT NOT NULL,
        version TEXT NOT NULL,
        status TEXT NOT NULL,
        metrics TEXT NOT NULL DEFAULT '{}',
        duration REAL NOT NULL DEFAULT 0,
        error TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (run_id, check_id)
    );
    CREATE TABLE findings (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        check_id TEXT NOT NULL,
        code TEXT NOT NULL,
        severity TEXT NOT NULL,
        page TEXT NOT NULL DEFAULT '',
        target TEXT NOT NULL DEFAULT '',
        message TEXT NOT NULL,
        evidence TEXT NOT NULL DEFAULT '{}',
        tags TEXT NOT NULL DEFAULT '[]',
        fingerprint TEXT NOT NULL
    );
    CREATE INDEX findings_by_run ON findings (run_id, check_id);
    CREATE INDEX findings_by_fingerprint ON findings (fingerprint);
    CREATE TABLE scores (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        indicator_id TEXT NOT NULL,
        label TEXT NOT NULL,
        score REAL,
        max REAL NOT NULL,
        status TEXT NOT NULL,
        coverage REAL NOT NULL,
        components TEXT NOT NULL,
        rubric TEXT NOT NULL,
        PRIMARY KEY (run_id, indicator_id)
    );
    """,
    # 2: per-page facts from checks' page analyzers (parse once, in the crawler); check data sections
    """
    ALTER TABLE pages ADD COLUMN facts TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE check_results ADD COLUMN data TEXT NOT NULL DEFAULT '{}';
    """,
    # 3: link semantics across nights: history (confirmation of transient failures), external result
    # cache, soft-404 probes, accepted findings; per-result first-seen / nights / details
    """
    ALTER TABLE link_results ADD COLUMN first_seen TEXT;
    ALTER TABLE link_results ADD COLUMN nights INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE link_results ADD COLUMN cached INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE link_results ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
    CREATE TABLE link_history (
        site TEXT NOT NULL,
        url TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        first_run INTEGER NOT NULL,
        last_run INTEGER NOT NULL,
        nights INTEGER NOT NULL,
        last_status TEXT NOT NULL,
        PRIMARY KEY (site, url)
    );
    CREATE TABLE link_cache (
        url TEXT PRIMARY KEY,
        result TEXT NOT NULL,
        checked_epoch REAL NOT NULL
    );
    CREATE TABLE host_probes (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        host TEXT NOT NULL,
        url TEXT NOT NULL,
        http_status INTEGER,
        redirected INTEGER NOT NULL DEFAULT 0,
        title TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (run_id, host)
    );
    CREATE TABLE acks (
        fingerprint TEXT PRIMARY KEY,
        note TEXT NOT NULL,
        until TEXT,
        created_at TEXT NOT NULL
    );
    """,
    # 4: axe-core results per sampled page (the browser stage after the crawl; checks read them back)
    """
    CREATE TABLE axe_pages (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        url_id INTEGER NOT NULL REFERENCES urls(id),
        template TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 1,
        result TEXT NOT NULL DEFAULT '{}',
        elapsed REAL NOT NULL DEFAULT 0,
        tested_at TEXT NOT NULL,
        PRIMARY KEY (run_id, url_id)
    );
    """,
    # 5: pinned runs (kept whole for an assessment, with a note) and retention (what was pruned, when)
    """
    ALTER TABLE runs ADD COLUMN pin_note TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN pinned_at TEXT;
    ALTER TABLE runs ADD COLUMN pruned INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN pruned_at TEXT;
    """,
]

# runs.pruned: what retention removed from a run (findings, scores, link results and the run are always kept)
PRUNED_NONE, PRUNED_BODIES, PRUNED_DETAIL = 0, 1, 2


class StoreError(RuntimeError):
    pass


def now_iso() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Store:
    """A connection to one audit database. Not shared across threads or processes: open one per process."""

    def __init__(self, path: str | Path, *, readonly: bool = False):
        self.path = Path(path)
        if readonly:
            if not self.path.exists():
                raise StoreError(f"no database at {self.path}")
            self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        self._url_ids: dict[str, int] = {}

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path} was written by a newer govaudit (schema {version}, this one knows {len(MIGRATIONS)})"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.db:
                self.db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.db:
            yield self.db

    # -- urls -------------------------------------------------------------------------------
    def url_ids(self, urls: Iterable[str]) -> dict[str, int]:
        """Intern URLs (a link table of millions of rows stores integers, not strings)."""
        missing = [u for u in set(urls) if u not in self._url_ids]
        if missing:
            self.db.executemany("INSERT OR IGNORE INTO urls (url) VALUES (?)", ((u,) for u in missing))
            for chunk in range(0, len(missing), 500):
                part = missing[chunk : chunk + 500]
                marks = ",".join("?" * len(part))
                for row in self.db.execute(f"SELECT id, url FROM urls WHERE url IN ({marks})", part):
                    self._url_ids[row["url"]] = row["id"]
        return self._url_ids

    # -- runs -------------------------------------------------------------------------------
    def create_run(
        self, *, site: str, start_url: str, tool_version: str, profile_hash: str, profile: dict, rubric: str
    ) -> int:
        with self.db:
            prev = self.last_completed_run(site)
            cur = self.db.execute(
                "INSERT INTO runs (site, start_url, status, started_at, tool_version, profile_hash, profile,"
                " rubric, previous_run) VALUES (?,?,?,?,?,?,?,?,?)",
                (site, start_url, RunStatus.RUNNING, now_iso(), tool_version, profile_hash, _dumps(profile),
                 rubric, prev),
            )
        return int(cur.lastrowid)

    def finish_run(
        self, run_id: int, status: RunStatus, *, stats: dict | None = None, health: list | None = None,
        error: str = "",
    ) -> None:
        with self.db:
            self.db.execute(
                "UPDATE runs SET status=?, finished_at=?, stats=COALESCE(?, stats), health=COALESCE(?, health),"
                " error=? WHERE id=?",
                (status, now_iso(), _dumps(stats) if stats is not None else None,
                 _dumps(health) if health is not None else None, error, run_id),
            )

    def fail_stale_runs(self) -> list[int]:
        """Runs left `running` by a crash. Only call while holding the database lock."""
        with self.db:
            ids = [r[0] for r in self.db.execute("SELECT id FROM runs WHERE status=?", (RunStatus.RUNNING,))]
            self.db.execute(
                "UPDATE runs SET status=?, finished_at=?, error='interrupted before it finished' WHERE status=?",
                (RunStatus.FAILED, now_iso(), RunStatus.RUNNING),
            )
        return ids

    def run(self, run_id: int) -> dict:
        row = self.db.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        if row is None:
            raise StoreError(f"no run {run_id} in {self.path}")
        out = dict(row)
        for key in ("stats", "health", "profile"):
            out[key] = json.loads(out[key])
        return out

    def _run_columns(self, wanted: tuple[str, ...]) -> str:
        """The wanted columns of runs that exist (a read-only store of an older schema lacks the newer ones)."""
        have = {r[1] for r in self.db.execute("PRAGMA table_info(runs)")}
        return ", ".join(c for c in wanted if c in have)

    def runs(self) -> list[dict]:
        cols = self._run_columns(("id", "site", "start_url", "status", "started_at", "finished_at", "pinned",
                                  "pin_note", "pruned"))
        return [{"pin_note": "", "pruned": 0, **dict(r)} for r in self.db.execute(f"SELECT {cols} FROM runs ORDER BY id")]

    def run_overview(self) -> list[dict]:
        """Every run with its page count and indicator scores (for `govaudit runs`)."""
        scores: dict[int, dict] = {}
        for row in self.db.execute("SELECT run_id, indicator_id, score FROM scores ORDER BY rowid"):
            scores.setdefault(row["run_id"], {})[row["indicator_id"]] = row["score"]
        cols = self._run_columns(("id", "site", "start_url", "status", "started_at", "finished_at", "pinned",
                                  "pin_note", "pinned_at", "pruned", "pruned_at"))
        out = []
        for row in self.db.execute(
                f"SELECT {cols}, json_extract(stats, '$.pages_fetched') AS pages FROM runs ORDER BY id"):
            run = {"pin_note": "", "pinned_at": None, "pruned": 0, "pruned_at": None, **dict(row)}
            out.append({**run, "pinned": bool(run["pinned"]), "scores": scores.get(run["id"], {})})
        return out

    def set_pinned(self, run_id: int, pinned: bool, note: str = "") -> dict:
        """Pin (keep whole, never pruned) or unpin a run; returns the run as it was before."""
        before = self.run(run_id)
        with self.db:
            self.db.execute("UPDATE runs SET pinned=?, pin_note=?, pinned_at=? WHERE id=?",
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
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")  # the pinned set read below stays true until the commit
                pinned = {r[0] for r in self.db.execute("SELECT id FROM runs WHERE pinned=1")}
                detail = sorted(set(detail) - pinned)
                bodies = sorted(set(bodies) - pinned - set(detail))
                stamp = now_iso()
                counts["runs_detail"] = counts["runs_bodies"] = 0
                for level, ids in ((PRUNED_DETAIL, detail), (PRUNED_BODIES, bodies)):
                    for run_id in ids:
                        cur = self.db.execute("UPDATE runs SET pruned=?, pruned_at=? WHERE id=? AND pruned<?",
                                              (level, stamp, run_id, level))
                        counts["runs_detail" if level == PRUNED_DETAIL else "runs_bodies"] += cur.rowcount
                for table in ("pages", "links", "axe_pages", "host_probes"):
                    counts[table] = sum(self.db.execute(f"DELETE FROM {table} WHERE run_id=?", (run_id,)).rowcount
                                        for run_id in detail)
                orphans = ("FROM bodies WHERE hash NOT IN (SELECT p.body_hash FROM pages p JOIN runs r"
                           " ON r.id = p.run_id WHERE r.pruned = 0 AND p.body_hash IS NOT NULL)")
                n, size = self.db.execute(f"SELECT count(*), coalesce(sum(length(data)), 0) {orphans}").fetchone()
                self.db.execute(f"DELETE {orphans}")
                counts["bodies"], counts["body_bytes"] = n, size
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return counts

    def vacuum(self) -> None:
        self.db.execute("VACUUM")

    def latest_run_id(self) -> int | None:
        row = self.db.execute("SELECT max(id) FROM runs").fetchone()
        return row[0]

    def last_completed_run(self, site: str, before: int | None = None) -> int | None:
        """The baseline of a new run of `site` (the profile's name, else the host: ports may change)."""
        row = self.db.execute(
            "SELECT max(id) FROM runs WHERE site=? AND status=? AND id < ?",
            (site, RunStatus.COMPLETED, before if before is not None else 2**62),
        ).fetchone()
        return row[0]

    # -- crawl data (written by the crawler process) ---------------------------------------------
    def add_pages(self, run_id: int, pages: list[dict]) -> None:
        ids = self.url_ids(p["url"] for p in pages)
        bodies = [(p["body_hash"], zlib.compress(p["body"], 1)) for p in pages if p.get("body")]
        self.db.executemany("INSERT OR IGNORE INTO bodies (hash, data) VALUES (?, ?)", bodies)
        self.db.executemany(
            "INSERT OR REPLACE INTO pages (run_id, url_id, requested_url, http_status, content_type, charset,"
            " lang, title, meta, headers, anchors, depth, referrer, body_hash, size, elapsed, fetched_at, facts)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (run_id, ids[p["url"]], p["requested_url"], p["http_status"], p["content_type"], p["charset"],
                 p["lang"], p["title"], _dumps(p["meta"]), _dumps(p["headers"]), _dumps(p["anchors"]),
                 p["depth"], p["referrer"], p.get("body_hash"), p["size"], p["elapsed"], p["fetched_at"],
                 _dumps(p.get("facts") or {}))
                for p in pages
            ],
        )

    def add_links(self, run_id: int, links: list[tuple]) -> None:
        """links: (source, target, fragment, text, tag, attr, rel, line, position)."""
        ids = self.url_ids([lk[0] for lk in links] + [lk[1] for lk in links])
        self.db.executemany(
            "INSERT INTO links (run_id, source_id, target_id, fragment, text, tag, attr, rel, line, position)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(run_id, ids[s], ids[t], f, tx, tg, a, r, ln, pos) for s, t, f, tx, tg, a, r, ln, pos in links],
        )

    def add_link_results(self, run_id: int, results: list[dict]) -> None:
        ids = self.url_ids(r["url"] for r in results)
        self.db.executemany(
            "INSERT OR REPLACE INTO link_results (run_id, url_id, status, http_status, final_url,"
            " redirect_chain, error_kind, error, method, elapsed, checked_at, internal, first_seen, nights,"
            " cached, details) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (run_id, ids[r["url"]], r["status"], r.get("http_status"), r.get("final_url"),
                 _dumps(r.get("redirect_chain") or []), r.get("error_kind"), r.get("error") or "",
                 r.get("method") or "", r.get("elapsed") or 0.0, r.get("checked_at") or now_iso(),
                 int(bool(r.get("internal"))), r.get("first_seen"), r.get("nights") or 0,
                 int(bool(r.get("cached"))), _dumps(r.get("details") or {}))
                for r in results
            ],
        )

    def add_probes(self, run_id: int, probes: list[dict]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO host_probes (run_id, host, url, http_status, redirected, title, text)"
            " VALUES (?,?,?,?,?,?,?)",
            [(run_id, p["host"], p["url"], p.get("http_status"), int(bool(p.get("redirected"))),
              p.get("title") or "", p.get("text") or "") for p in probes])

    def probes(self, run_id: int) -> dict[str, dict]:
        return {r["host"]: dict(r) for r in self.db.execute("SELECT * FROM host_probes WHERE run_id=?", (run_id,))}

    # -- across nights: history, cache, acks ---------------------------------------------------
    def previous_run_of_site(self, site: str, run_id: int) -> int | None:
        """The run of `site` just before run_id that got through its crawl (completed or incomplete)."""
        row = self.db.execute("SELECT max(id) FROM runs WHERE site=? AND id<? AND status IN (?,?)",
                              (site, run_id, RunStatus.COMPLETED, RunStatus.INCOMPLETE)).fetchone()
        return row[0]

    def link_history(self, site: str) -> dict[str, dict]:
        return {r["url"]: dict(r) for r in self.db.execute("SELECT * FROM link_history WHERE site=?", (site,))}

    def save_link_history(self, site: str, rows: list[dict], cleared: list[str]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO link_history (site, url, first_seen, first_run, last_run, nights, last_status)"
            " VALUES (?,?,?,?,?,?,?)",
            [(site, r["url"], r["first_seen"], r["first_run"], r["last_run"], r["nights"], r["last_status"])
             for r in rows])
        self.db.executemany("DELETE FROM link_history WHERE site=? AND url=?", [(site, u) for u in cleared])

    def cached_results(self, max_age_s: float) -> dict[str, dict]:
        """External results younger than max_age_s; only successes are ever cached."""
        if max_age_s <= 0:
            return {}
        cutoff = datetime.now(UTC).timestamp() - max_age_s
        return {r["url"]: json.loads(r["result"]) for r in self.db.execute(
            "SELECT url, result FROM link_cache WHERE checked_epoch >= ?", (cutoff,))}

    def update_cache(self, fresh: list[dict], failed: list[str]) -> None:
        now = datetime.now(UTC).timestamp()
        self.db.executemany("INSERT OR REPLACE INTO link_cache (url, result, checked_epoch) VALUES (?,?,?)",
                            [(r["url"], _dumps(r), now) for r in fresh])
        self.db.executemany("DELETE FROM link_cache WHERE url=?", [(u,) for u in failed])

    def add_ack(self, fingerprint: str, note: str, until: str | None) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO acks (fingerprint, note, until, created_at) VALUES (?,?,?,?)",
                            (fingerprint, note, until, now_iso()))

    def acks(self) -> dict[str, dict]:
        return {r["fingerprint"]: dict(r) for r in self.db.execute("SELECT * FROM acks")}

    def has_fingerprint(self, fingerprint: str) -> bool:
        return self.db.execute("SELECT 1 FROM findings WHERE fingerprint=? LIMIT 1", (fingerprint,)).fetchone() \
            is not None

    # -- reads for checks and reports -----------------------------------------------------------
    def pages(self, run_id: int) -> Iterator[dict]:
        for row in self.db.execute(
            "SELECT u.url, p.* FROM pages p JOIN urls u ON u.id = p.url_id WHERE p.run_id=? ORDER BY p.depth, u.url",
            (run_id,),
        ):
            page = dict(row)
            for key in ("meta", "headers", "anchors", "facts"):
                page[key] = json.loads(page[key])
            yield page

    def page_titles(self, run_id: int, urls: Iterable[str] | None = None) -> dict[str, str]:
        """url → <title> of the run's pages (those in `urls` when given); pages without a title left out."""
        wanted = None if urls is None else set(urls)
        rows = self.db.execute(
            "SELECT u.url, p.title FROM pages p JOIN urls u ON u.id = p.url_id WHERE p.run_id=? AND p.title != ''",
            (run_id,),
        )
        return {url: title for url, title in rows if wanted is None or url in wanted}

    def body(self, body_hash: str) -> bytes | None:
        row = self.db.execute("SELECT data FROM bodies WHERE hash=?", (body_hash,)).fetchone()
        return zlib.decompress(row[0]) if row else None

    LINK_KEYS = ("source", "target", "fragment", "text", "tag", "attr", "rel", "line", "position")

    def link_rows(self, run_id: int) -> Iterator[tuple]:
        """links() as plain tuples in LINK_KEYS order: a link table has hundreds of thousands of rows."""
        cur = self.db.cursor()
        cur.row_factory = None
        return cur.execute(
            "SELECT s.url AS source, t.url AS target, l.fragment, l.text, l.tag, l.attr, l.rel, l.line, l.position"
            " FROM links l JOIN urls s ON s.id = l.source_id JOIN urls t ON t.id = l.target_id"
            " WHERE l.run_id=? ORDER BY s.url, l.position",
            (run_id,),
        )

    def links(self, run_id: int) -> Iterator[dict]:
        keys = self.LINK_KEYS
        for row in self.link_rows(run_id):
            yield dict(zip(keys, row, strict=True))

    def navigation(self, run_id: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The site's click graph, cheaply: distinct (source, target) edges and distinct (target, text)
        labels of <a>/<area> links between crawled pages (ids joined to URLs once, not per row)."""
        cur = self.db.cursor()
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
    def links_to(self, run_id: int, targets: Iterable[str]) -> Iterator[dict]:
        """links() restricted to links whose target URL is one of `targets`, in the same order."""
        wanted = json.dumps(sorted(set(targets)))
        cur = self.db.cursor()
        cur.row_factory = None
        cur.execute(
            "SELECT s.url AS source, t.url AS target, l.fragment, l.text, l.tag, l.attr, l.rel, l.line, l.position"
            " FROM links l JOIN urls s ON s.id = l.source_id JOIN urls t ON t.id = l.target_id"
            " WHERE l.run_id=? AND l.target_id IN (SELECT u.id FROM urls u WHERE u.url IN (SELECT value FROM"
            " json_each(?))) ORDER BY s.url, l.position",
            (run_id, wanted),
        )
        keys = self.LINK_KEYS
        for row in cur:
            yield dict(zip(keys, row, strict=True))

    def link_results(self, run_id: int) -> Iterator[dict]:
        for row in self.db.execute(
            "SELECT u.url, r.* FROM link_results r JOIN urls u ON u.id = r.url_id WHERE r.run_id=? ORDER BY u.url",
            (run_id,),
        ):
            result = dict(row)
            result["redirect_chain"] = json.loads(result["redirect_chain"])
            result["internal"] = bool(result["internal"])
            result["cached"] = bool(result["cached"])
            result["details"] = json.loads(result["details"])
            del result["url_id"], result["run_id"]
            yield result

    def fragment_targets(self, run_id: int) -> list[tuple[str, str]]:
        return [tuple(r) for r in self.db.execute(
            "SELECT DISTINCT t.url, l.fragment FROM links l JOIN urls t ON t.id = l.target_id"
            " WHERE l.run_id=? AND l.fragment != ''", (run_id,))]

    def parsed_page_anchors(self, run_id: int) -> dict[str, set[str]]:
        """Anchors of the HTML pages that answered 2xx and were parsed (attachments have none)."""
        return {r["url"]: set(json.loads(r["anchors"])) for r in self.db.execute(
            "SELECT u.url, p.anchors FROM pages p JOIN urls u ON u.id = p.url_id WHERE p.run_id=?"
            " AND p.http_status BETWEEN 200 AND 299 AND p.body_hash IS NOT NULL"
            " AND (p.content_type = '' OR p.content_type LIKE '%html%')", (run_id,))}

    def link_status(self, run_id: int, url: str) -> str | None:
        row = self.db.execute(
            "SELECT r.status FROM link_results r JOIN urls u ON u.id = r.url_id WHERE r.run_id=? AND u.url=?",
            (run_id, url)).fetchone()
        return row[0] if row else None

    def count(self, table: str, run_id: int) -> int:
        if table not in {"pages", "links", "link_results", "findings"}:
            raise ValueError(table)
        return self.db.execute(f"SELECT count(*) FROM {table} WHERE run_id=?", (run_id,)).fetchone()[0]

    # -- browser stage (axe-core results per sampled page) -------------------------------------------
    def add_axe_pages(self, run_id: int, rows: list[dict]) -> None:
        """rows: url, template, reason, error ('' when axe ran), attempts, result (dict), elapsed."""
        ids = self.url_ids(r["url"] for r in rows)
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO axe_pages (run_id, url_id, template, reason, error, attempts, result,"
                " elapsed, tested_at) VALUES (?,?,?,?,?,?,?,?,?)",
                [(run_id, ids[r["url"]], r.get("template") or "", r.get("reason") or "", r.get("error") or "",
                  r.get("attempts") or 1, _dumps(r.get("result") or {}), r.get("elapsed") or 0.0, now_iso())
                 for r in rows],
            )

    def axe_pages(self, run_id: int) -> Iterator[dict]:
        for row in self.db.execute(
            "SELECT u.url, a.template, a.reason, a.error, a.attempts, a.result, a.elapsed, a.tested_at"
            " FROM axe_pages a JOIN urls u ON u.id = a.url_id WHERE a.run_id=? ORDER BY a.rowid", (run_id,),
        ):
            page = dict(row)
            page["result"] = json.loads(page["result"])
            yield page

    # -- results of the later stages ------------------------------------------------------------
    def save_check_results(self, run_id: int, results: list[CheckResult]) -> None:
        with self.db:
            self.db.execute("DELETE FROM check_results WHERE run_id=?", (run_id,))
            self.db.execute("DELETE FROM findings WHERE run_id=?", (run_id,))
            self.db.executemany(
                "INSERT INTO check_results (run_id, check_id, version, status, metrics, duration, error, data)"
                " VALUES (?,?,?,?,?,?,?,?)",
                [(run_id, r.check_id, r.version, r.status, _dumps(r.metrics), r.duration, r.error, _dumps(r.data))
                 for r in results],
            )
            self.db.executemany(
                "INSERT INTO findings (run_id, check_id, code, severity, page, target, message, evidence, tags,"
                " fingerprint) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(run_id, f.check_id, f.code, f.severity, f.page, f.target, f.message, _dumps(f.evidence),
                  _dumps(list(f.tags)), f.fingerprint) for r in results for f in r.findings],
            )

    def check_results(self, run_id: int) -> list[dict]:
        checks = []
        for row in self.db.execute("SELECT * FROM check_results WHERE run_id=? ORDER BY check_id", (run_id,)):
            check = dict(row)
            check["metrics"] = json.loads(check["metrics"])
            check["data"] = json.loads(check["data"])
            check["findings"] = [
                {**dict(f), "evidence": json.loads(f["evidence"]), "tags": json.loads(f["tags"])}
                for f in self.db.execute(
                    "SELECT code, severity, page, target, message, evidence, tags, fingerprint FROM findings"
                    " WHERE run_id=? AND check_id=? ORDER BY rowid", (run_id, check["check_id"]))
            ]
            checks.append(check)
        return checks

    def save_scores(self, run_id: int, scores: list[IndicatorScore]) -> None:
        with self.db:
            self.db.execute("DELETE FROM scores WHERE run_id=?", (run_id,))
            self.db.executemany(
                "INSERT INTO scores (run_id, indicator_id, label, score, max, status, coverage, components, rubric)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                [(run_id, s.id, s.label, s.score, s.max, s.status, s.coverage,
                  _dumps([asdict(c) for c in s.components]), s.rubric) for s in scores],
            )

    def scores(self, run_id: int) -> list[dict]:
        out = []
        for row in self.db.execute("SELECT * FROM scores WHERE run_id=? ORDER BY rowid", (run_id,)):
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
            return dict(self.db.execute(sql + " AND r.status=?", (run_id, status)).fetchall())
        return dict(self.db.execute(sql, (run_id,)).fetchall())

    def finding_fingerprints(self, run_id: int) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT fingerprint FROM findings WHERE run_id=?", (run_id,))}

    def finding_marks(self, run_id: int) -> list[tuple[str, str, str, bool]]:
        """(check, fingerprint, target, accepted by a profile rule) of every finding of a run."""
        return [(r[0], r[1], r[2], bool(r[3])) for r in self.db.execute(
            "SELECT check_id, fingerprint, target, json_extract(evidence, '$.accepted') IS NOT NULL"
            " FROM findings WHERE run_id=?", (run_id,))]

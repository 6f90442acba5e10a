"""The SQLite schema as its migrations: database version N is MIGRATIONS[:N] applied in order
(PRAGMA user_version). Append a migration, never edit one that has shipped: databases written by an
older govaudit are migrated forward on open."""

from __future__ import annotations

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
    # 6: incremental nights read a page's links of the last run back by their source (crawler/revalidate.py)
    """
    CREATE INDEX links_by_source ON links (run_id, source_id);
    """,
    # 7: the report's read of a site's link table, kept under the table's digest for the next night's run
    # (govaudit/runner.py): the site's latest only
    """
    CREATE TABLE link_reads (
        site TEXT NOT NULL,
        digest TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (site, digest)
    );
    """,
]

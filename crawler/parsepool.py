"""Parse, extract and store pages in worker processes, so that both cores work during a crawl.

The Scrapy process downloads and schedules; for every HTML page it answers with 2xx the spider hands
the page to this pool (`offload`) instead of parsing it itself. A worker decodes the body, parses it
once with lxml, runs the checks' page analyzers, resolves the links, and writes the page row, its body
and its links into SQLite in short batched transactions of its own (WAL: the writers take turns; a
worker writes what it holds when it exits, at the end of the crawl). Back to
the Scrapy process come only the page's distinct link targets, in document order; the spider's
`collect` decides on those it has not seen, exactly as it does for a page parsed in-process.

The pool is forked at the start of the crawler process (`start`), before the reactor runs, so workers
cost no start-up imports. `GOVAUDIT_PARSE_WORKERS=0` parses in the Scrapy process instead (the path
`extract_page` serves for both).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.pool  # noqa: F401  (imported by the first Pool(): here, before a crawl's job comes)
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.util import Finalize
from typing import Any, NamedTuple, cast

from govaudit import procs
from govaudit.analyzers import page_analyzers
from govaudit.crawler import linkroles
from govaudit.crawler.charset import decode
from govaudit.crawler.extract import POST, parse, resolve
from govaudit.jobs import CrawlJob
from govaudit.models import Link, Page, PageHead

BATCH = 16  # pages a worker stores per transaction
MAX_AGE = 0.5  # seconds a parsed page may wait in a worker before it is written
POOL: Any = None  # multiprocessing.pool.Pool while the crawl runs with workers
_WORKERS = 0
_BARRIER: Any = None  # one flush task per worker (flush_all): each waits here until all have one
FLUSH_WAIT = 60  # seconds flush_all waits for a worker busy with a page
# The workers run at a lower priority than the crawl process. Its reactor sends the next request the moment
# an answer arrives; when a worker held the core it needed, the connection stood idle meanwhile. On the
# bench's unchanged nights, the median gap between an answer and the next request on its connection fell
# from 6.5-8.5 ms to 2-5 ms, the crawl from 22.1 s to 19.6 s. The workers still get every cycle it leaves.
WORKER_NICE = 10
_worker: dict[str, Any] = {}  # per worker process: the store, the analyzers


def workers_wanted() -> int:
    raw = os.environ.get("GOVAUDIT_PARSE_WORKERS")
    if raw is not None and raw.strip():
        return max(0, int(raw))
    return min(2, os.cpu_count() or 1)


def start(job: CrawlJob) -> None:
    """Fork the workers (call before the reactor starts: fork and threads do not mix)."""
    global POOL
    n = workers_wanted()
    if n <= 0 or sys.platform == "win32":
        return
    ctx = multiprocessing.get_context("fork")
    global _BARRIER, _WORKERS
    _BARRIER, _WORKERS = ctx.Barrier(n), n  # before the fork: the workers share it
    POOL = ctx.Pool(n, initializer=_init, initargs=(job.store, job.run_id, job.analyzers, os.getpid(),
                                                    job.crawl.max_links_per_page))


def retire() -> None:
    """No more pages will come: the workers exit once idle (stop() still joins them)."""
    if POOL is not None:
        POOL.close()


def stop(*, clean: bool = True) -> None:
    """Wait for the workers to write what they hold and exit; `clean=False` (the crawl failed or was
    stopped): end them now, so that the pool forks no replacement for a worker that died."""
    global POOL
    if POOL is not None:
        if clean:
            POOL.close()
        else:
            POOL.terminate()
        POOL.join()
        POOL = None


def _init(store_url: str, run_id: int, check_ids: tuple[str, ...], crawler: int, max_links: int) -> None:
    # A worker ends with the crawl process however it ends (SIGKILL included), and SIGTERM ends it:
    # the handler Twisted installs in the crawl process would be inherited by a worker the pool forks
    # again later, and would swallow the signal there.
    procs.default_signals()
    procs.die_with_parent(crawler)
    with contextlib.suppress(OSError):  # (lowering one's own priority needs no privilege; best effort)
        os.nice(WORKER_NICE)
    _worker["store_url"], _worker["run_id"], _worker["max_links"] = store_url, run_id, max_links
    _worker["analyzers"] = page_analyzers(check_ids)
    # Run when the worker exits (the pool's close and join at the end of the crawl): what waits is written.
    Finalize(None, _flush, exitpriority=10)


class Parsed(NamedTuple):
    page: Page  # with what parsing found: charset, lang, title, meta, anchors, facts
    links: list[Link]
    targets: list[str]  # distinct, in document order
    anchored: list[str]  # distinct targets linked with a #fragment: external ones are read for anchors if asked


class Found(NamedTuple):
    """What the spider needs of a parsed page to schedule what it links to."""

    targets: list[str]  # distinct, in document order (a POST form's action is recorded, not requested)
    anchored: list[str]
    hubs: list[str]  # targets linked as the 政府資訊公開 hub (crawler/linkroles.py)
    same_depth: list[str]  # pagers and meta refresh: they do not cost a level of depth
    dropped: int  # links past crawl.max_links_per_page, neither stored nor checked


def found(parsed: Parsed, max_links: int) -> tuple[Parsed, Found]:
    """Cap the page's links at max_links and name the role of each target for the scheduler."""
    rows = parsed.links
    dropped = max(0, len(rows) - max_links)
    if dropped:
        rows = rows[:max_links]
        parsed = parsed._replace(links=rows, targets=list(dict.fromkeys(r.target for r in rows)),
                                 anchored=list(dict.fromkeys(r.target for r in rows if r.fragment)))
    hubs, same_depth, posted = set(), set(), set()
    for row in rows:
        if row.attribute in ("action", "formaction") and row.rel == POST:
            posted.add(row.target)
        elif row.tag == "meta" or (row.tag == "a" and linkroles.is_pager(row.target, row.text)):
            same_depth.add(row.target)
        if row.tag in ("a", "area") and linkroles.is_hub(row.target, row.text):
            hubs.add(row.target)
    requested = {r.target for r in rows if not (r.attribute in ("action", "formaction") and r.rel == POST)}
    targets = [t for t in parsed.targets if t not in posted or t in requested]
    return parsed, Found(targets, parsed.anchored, [t for t in targets if t in hubs],
                         [t for t in targets if t in same_depth], dropped)


def extract_page(page: Page, body: bytes, content_type: str, analyzers: dict[str, Any]) -> Parsed:
    """Parse a fetched page's body once: the page with what it says about itself, and its links."""
    url = page.url
    text, encoding, replaced = decode(body, content_type)
    extracted = parse(text, url, analyzers)
    if replaced:
        extracted.meta["govaudit:replaced-bytes"] = str(replaced)
    page = replace(page, charset=encoding, lang=extracted.lang, title=extracted.title, meta=extracted.meta,
                   anchors=extracted.anchors, facts={**page.facts, **extracted.facts})
    rows = [Link(url, target, fragment, raw.text, raw.tag, raw.attr, raw.rel, raw.line, position)
            for position, (target, fragment, raw) in enumerate(resolve(extracted, url))]
    return Parsed(page, rows, list(dict.fromkeys(row.target for row in rows)),
                  list(dict.fromkeys(row.target for row in rows if row.fragment)))


def reparsed(stored: Page, page: Page, links: list[Link]) -> Parsed:
    """The stored parse of a page unchanged since the baseline run (a 304), as tonight's page: tonight's
    depth, referrer and time, the stored links."""
    kept = replace(stored, requested_url=page.requested_url, headers=page.headers, depth=page.depth,
                   referrer=page.referrer, elapsed=page.elapsed, fetched_at=page.fetched_at,
                   facts={**stored.facts, **page.facts})  # (tonight's: the crawl's own, its content key)
    return Parsed(kept, links, list(dict.fromkeys(link.target for link in links)),
                  list(dict.fromkeys(link.target for link in links if link.fragment)))


def _work(page: Page, body: bytes, content_type: str, stored: PageHead | None = None,
          baseline_run: int | None = None) -> Found:
    """In a worker: extract and store one page; what the spider schedules from it. With `stored` (the
    baseline run's head of a page that answered 304), its stored parse and links stand, read here rather
    than in the Scrapy process: an unchanged night's pages cost that process only their requests. A page
    cut at max_links_per_page is parsed again, so that tonight's crawl cuts name it too."""
    parsed = None
    if stored is not None and baseline_run is not None and (full := _store().page(baseline_run, stored.url)):
        links = _store().page_links(baseline_run, stored.url)
        if len(links) < _worker["max_links"]:
            parsed = reparsed(full, page, links)
    copied = parsed is not None  # its link rows are copied from the baseline's at the flush (store.copy_links)
    if parsed is None:
        if stored is not None and not body:  # a 304 cut at max_links_per_page: parsed again from its stored body
            body = _store().body(stored.body_hash) or b""
        parsed = extract_page(page, body, content_type, _worker["analyzers"])
    parsed, out = found(parsed, _worker["max_links"])
    pending = _worker.setdefault("pending", ([], [], {}))
    pending[0].append((parsed.page, None if stored is not None else body))  # a 304's body is stored already
    if copied:
        pending[2].setdefault(baseline_run, []).append(parsed.page.url)
    else:
        pending[1].extend(parsed.links)
    now = time.monotonic()
    if len(pending[0]) >= BATCH or now - _worker.get("flushed", 0.0) > MAX_AGE:
        _flush()
    return out


def _store() -> Any:
    """This worker's store, opened on first use."""
    from govaudit.store import open_store  # noqa: PLC0415

    if _worker.get("store") is None:
        _worker["store"] = open_store(_worker["store_url"])
    return _worker["store"]


def _flush() -> None:
    """Write the pages waiting in this worker in one transaction (fewer commits, fewer lock hand-overs)."""
    pages, rows, copies = _worker.get("pending", ([], [], {}))
    _worker["flushed"] = time.monotonic()
    if not pages:
        return
    store = _store()
    with store.transaction():
        store.add_pages(_worker["run_id"], pages)
        store.add_links(_worker["run_id"], rows)
        for baseline_run, sources in copies.items():
            store.copy_links(_worker["run_id"], baseline_run, sources)
    _worker["pending"] = ([], [], {})


def _flush_at_barrier() -> bool:
    _flush()
    _BARRIER.wait(FLUSH_WAIT)  # holds this worker, so that every worker takes exactly one flush task
    return True


def flush_all(done: Callable[[bool], None]) -> None:
    """Every worker writes the pages it holds now; then done(True) is called in the reactor thread
    (done(False) if a worker did not answer in time). Without workers, done(True) at once."""
    if POOL is None:
        done(True)
        return
    from twisted.internet import reactor  # noqa: PLC0415  (the crawl's reactor)
    from twisted.internet.interfaces import IReactorThreads  # noqa: PLC0415

    n = _WORKERS
    answers: list[bool] = []

    def answered(ok: bool) -> None:  # in the pool's result thread
        answers.append(ok)
        if len(answers) == n:
            # (Twisted types the installed reactor as a module; the object provides IReactorThreads.)
            cast(IReactorThreads, reactor).callFromThread(done, all(answers))

    for _ in range(n):
        POOL.apply_async(_flush_at_barrier, callback=answered, error_callback=lambda _exc: answered(False))


@dataclass(frozen=True, slots=True)
class ParseItem:
    """The item the spider yields for a page the pool parses (handled by crawler.pipelines)."""

    page: Page  # as fetched: parsing fills in the rest
    body: bytes
    content_type: str
    depth: int  # of the pages it links to
    pager: int = 0  # pager links followed to reach the page (crawl.max_pagination)
    hub: bool = False  # the page is the 政府資訊公開 hub or one of its children: its links go first
    stored: PageHead | None = None  # the baseline run's head of a page that answered 304 (its parse is reused)
    baseline_run: int | None = None


def submit(item: ParseItem, done: Callable[[Found], None],
           failed: Callable[[BaseException], None]) -> None:
    """Parse in a worker; `done(found)` / `failed(exc)` are called from the pool's result thread."""
    POOL.apply_async(_work, (item.page, item.body, item.content_type, item.stored, item.baseline_run),
                     callback=done, error_callback=failed)

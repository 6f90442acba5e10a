"""Run one crawl in its own process: `python -m govaudit.crawler --job JOB.json`.

Twisted's reactor starts once per process, and a crawl that crashes or is killed must not take the
runner with it: the runner starts this process, reads progress lines from its stdout and its final
stats from the file named by --stats.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple, cast

from scrapy.utils.reactor import install_reactor

from govaudit.crawler.settings import REACTOR

# Before anything imports twisted.internet.reactor and installs the default one.
install_reactor(REACTOR)

from scrapy.crawler import CrawlerProcess  # noqa: E402
from twisted.internet import reactor, task  # noqa: E402
from twisted.internet.interfaces import IReactorCore  # noqa: E402

from govaudit.crawler import certificate, markart, nights, parsepool, sitesearch  # noqa: E402
from govaudit.crawler.fragments import check_fragments  # noqa: E402
from govaudit.crawler.progress import emit  # noqa: E402
from govaudit.crawler.settings import LOG_LEVEL, preload, scrapy_settings  # noqa: E402
from govaudit.crawler.spider import SiteSpider  # noqa: E402
from govaudit.health import BUDGET_REASONS  # noqa: E402
from govaudit.jobs import CrawlJob  # noqa: E402
from govaudit.store import open_store  # noqa: E402

EXIT_ORPHANED = 5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govaudit.crawler")
    parser.add_argument("--job", required=True, type=Path)
    parser.add_argument("--stats", required=True, type=Path, help="where the crawl's summary is written")
    parser.add_argument("--wait", action="store_true",
                        help="started ahead of its job (the imports are done meanwhile): read the job file once a"
                             " line comes on stdin; none (stdin closed): exit")
    args = parser.parse_args(argv)
    if args.wait:
        preload()  # what Scrapy imports when a crawl starts, while the runner checks the start page
        if not sys.stdin.readline():
            return 0
    job = CrawlJob.from_json(args.job.read_bytes())
    started = time.monotonic()
    stats, spider = _crawl(job)
    if spider is not None and not spider.depths_set:
        # The crawl ended before the pages_stored event was delivered (its last answers were pages): the
        # parse workers have written every page now, so their depths are corrected here instead.
        try:
            with open_store(job.store) as store, store.transaction():
                store.set_depths(job.run_id, spider.shortest_depths())
        except Exception as exc:  # the depths stay as crawled; the run goes on to its link stage
            logging.getLogger(__name__).error("page depths not corrected: %s: %s", type(exc).__name__, exc)
    counts = dict(spider.counts) if spider else {}
    crawled = time.monotonic()
    after = _link_stage(job)
    summary = {
        "finish_reason": stats.get("finish_reason", "unknown"),
        "pages_fetched": counts.get("pages", 0),
        "page_errors": counts.get("page_errors", 0),
        "targets": len(spider.seen) if spider else 0,
        "results": counts.get("results", 0) + after.fragments,
        "soft404": after.soft404,
        "tls_problems": after.tls,
        "search_queries": after.searches,
        "requests": stats.get("downloader/request_count", 0),
        "responses": stats.get("downloader/response_count", 0),
        "bytes": stats.get("downloader/response_bytes", 0),
        "retries": stats.get("retry/count", 0),
        "spider_exceptions": sum(v for k, v in stats.items() if k.startswith("spider_exceptions/")),
        # requests the scope gate dropped (crawler/scopegate.py)
        "scope_refused": sum(v for k, v in stats.items() if k.startswith("scope/refused/")),
        # what the crawl left out: depth, max_pages, traps, budgets (govaudit/cuts.py)
        "cuts": spider.cuts.as_stats() if spider else [],
        "pages_folded": counts.get("pages_folded", 0),
        # an incremental night (crawler/revalidate.py): 304 answers, stored parses taken, cached externals
        "reused": {"pages_not_modified": stats.get("httpcache/revalidate", 0),
                   "pages_reused": counts.get("pages_reused", 0), "targets_cached": counts.get("targets_cached", 0)},
        "elapsed_s": round(time.monotonic() - started, 2),
        "link_stage_s": round(time.monotonic() - crawled, 2),
        # this process's CPU time, and its parse workers' (joined by now): what a crawl costs the machine
        "cpu_s": round(_cpu(resource.RUSAGE_SELF), 2),
        "workers_cpu_s": round(_cpu(resource.RUSAGE_CHILDREN), 2),
    }
    args.stats.write_text(json.dumps(summary), encoding="utf-8")
    emit({"event": "finished", **summary})
    # A crawl that never started (or whose engine died) must not look like a quiet site.
    return 0 if summary["finish_reason"] in ("finished", "closespider_pagecount", *BUDGET_REASONS) else 4


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _crawl(job: CrawlJob) -> tuple[dict[str, Any], SiteSpider | None]:
    """The Scrapy crawl (pages, links, their results into the store): (Scrapy's stats, the spider)."""
    parsepool.start(job)  # fork the parse workers before the reactor runs
    process = CrawlerProcess({**scrapy_settings(job), "LOG_INSTALL_ROOT_HANDLER": True})
    # A retry that gives up is a link result we record, not an error of the crawl: keep cron quiet.
    logging.getLogger("scrapy.downloadermiddlewares.retry").setLevel(logging.CRITICAL)
    # Scrapy's log level filters at its handler; at the loggers, its per-request debug lines are not
    # even built (thousands of LogRecords a crawl).
    logging.getLogger("scrapy").setLevel(LOG_LEVEL)
    crawler = process.create_crawler(SiteSpider)
    holder: dict[str, SiteSpider] = {}

    def spider_of() -> SiteSpider | None:
        spider = holder.get("spider") or getattr(crawler, "spider", None)
        if spider is not None:
            holder["spider"] = spider
        return spider

    def progress() -> None:
        spider = spider_of()
        if spider is None:
            return
        if not emit({"event": "progress", **spider.counts, "seen": len(spider.seen)}):
            # The runner was killed, so nobody will finish this run: stop now rather than crawl on.
            # What was written is committed; SQLite's WAL makes an exit mid-transaction safe.
            os._exit(EXIT_ORPHANED)

    loop = task.LoopingCall(progress)
    # Started with the reactor rather than on spider_opened: progress() waits for the spider itself. (Twisted
    # types the installed reactor as a module; the object provides IReactorCore.)
    cast(IReactorCore, reactor).callWhenRunning(loop.start, 0.5, False)
    process.crawl(crawler, job=job)
    clean = False
    try:
        # No shutdown handlers: only the runner signals this process (it runs in a session of its own),
        # and then the run is over: SIGTERM ends it at once (what is committed stays; SQLite's WAL makes
        # an exit mid-transaction safe) rather than after a graceful drain the runner would wait for.
        process.start(install_signal_handlers=False)
        clean = True
    finally:
        parsepool.stop(clean=clean)
    return (dict(crawler.stats.get_stats()) if crawler.stats else {}), spider_of()


class LinkStage(NamedTuple):
    fragments: int  # fragment results added
    soft404: int  # results found to be soft 404s
    tls: int  # results with a certificate problem
    searches: int  # site-search queries submitted (crawler/sitesearch.py)
    certificates: int = 0  # 無障礙標章 certificate pages read (crawler/certificate.py)


def _link_stage(job: CrawlJob) -> LinkStage:
    """After the crawl: fragments, soft 404s, TLS, the site-search query, then the decisions across nights."""
    links, run_id = job.links, job.run_id
    with open_store(job.store) as store:
        fragments = (check_fragments(store, run_id, external=links.check_external_fragments)
                     if links.check_fragments else 0)
        soft404 = nights.soft404(store, run_id) if links.soft404 else 0
        tls = nights.tls(store, run_id, offline=job.offline, timeout=links.connect_timeout) if links.tls_verify else 0
        # the pages are final now: read once, for the steps that look them up
        pages = list(store.pages(run_id)) if {sitesearch.FACTS, certificate.FACTS} & set(job.analyzers) else []
        searches = sitesearch.search(store, run_id, job, pages)
        # The search's link is the last link row (the steps below write link results only): the runner may
        # read the whole link table now, while the rest of this stage runs (runner._Meanwhile)
        emit({"event": "links_stored"})
        certificates = certificate.read(store, run_id, job, pages)
        markart.hash_images(store, run_id, job)
        nights.history(store, run_id, site=job.site, confirm_runs=links.confirm_runs,
                       cache=links.cache_max_age > 0)
    return LinkStage(fragments, soft404, tls, searches, certificates)


if __name__ == "__main__":
    code = main()
    # Everything is written and closed: skip tearing down the interpreter (Scrapy's and Twisted's modules,
    # tenths of a second the runner would wait for).
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

"""After the crawl: read the certificate page the home page's 無障礙標章 links to, so the check can give
the level and dates the authority records rather than an estimate (checks never make requests).

The marks come from the check's page analyzer (page facts "accessibility_mark"). Only a link to a
certificate host (`links.certificate_hosts`) is read, with a GET through the run's one scope decision
(govaudit/scope.py, Kind.CERTIFICATE: offline only loopback, and only those hosts, every redirect hop
asked again), the crawl's User-Agent, and no proxy offline. What the page says
(govaudit.certificate.CertificatePage) is stored on the mark link's result, details["certificate"];
that result replaces the crawl's own check of the link (a real GET answer says more than a HEAD or an
`excluded: check_external` row). A refused request records nothing: the check then says 推估.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import lxml.html

from govaudit import urls
from govaudit.certificate import CertificatePage, page_text, read_page
from govaudit.crawler import classify, gatedget
from govaudit.crawler.charset import decode
from govaudit.jobs import CrawlJob
from govaudit.models import ErrorKind, LinkResult, LinkStatus, Page
from govaudit.scope import Kind, Scope
from govaudit.store import CrawlSink

FACTS = "accessibility_mark"  # the check whose page analyzer records the marks
MAX_PAGES = 3  # distinct certificate pages read: the home page's marks first
MAX_BYTES = 1 << 20
log = logging.getLogger(__name__)


def read(store: CrawlSink, run_id: int, job: CrawlJob, pages: Sequence[Page]) -> int:
    """Read the certificate pages of the site's marks (`pages`: the run's, as stored); how many answers were
    recorded. A fault here never costs the night's crawl: it is logged, and the check keeps its estimate."""
    if FACTS not in job.analyzers:
        return 0
    try:
        return _read(store, run_id, job, pages)
    except Exception:  # noqa: BLE001
        log.warning("reading the certificate page failed", exc_info=True)
        return 0


def certificate_urls(pages_facts: list[tuple[str, Any]], start_url: str, hosts: set[str]) -> list[str]:
    """The certificate links of the marks on the pages, the home page's first, at most MAX_PAGES."""
    ordered = sorted(pages_facts, key=lambda pf: pf[0] != start_url)
    found: list[str] = []
    for _, facts in ordered:
        marks = facts.get("marks") if isinstance(facts, dict) else None
        for mark in marks if isinstance(marks, list) else []:
            href = mark.get("href") if isinstance(mark, dict) else None
            if href and urls.host_of(href) in hosts and href not in found:
                found.append(href)
    return found[:MAX_PAGES]


def _read(store: CrawlSink, run_id: int, job: CrawlJob, pages: Sequence[Page]) -> int:
    gate = Scope.from_job(job)
    facts = [(job.start_url if job.start_url in (p.url, p.requested_url) else p.url, p.facts.get(FACTS))
             for p in pages if p.facts.get(FACTS)]
    targets = [u for u in certificate_urls(facts, job.start_url, set(gate.certificate_hosts))
               if gate.allows(u, Kind.CERTIFICATE)]
    if not targets:
        return 0
    earlier = {r.url: r for r in store.link_results(run_id) if r.url in targets}
    results = [r for r in (_fetch(url, earlier.get(url), gate, job) for url in targets) if r is not None]
    if results:
        with store.transaction():
            store.add_link_results(run_id, results)
    return len(results)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _fetch(url: str, earlier: LinkResult | None, gate: Scope, job: CrawlJob) -> LinkResult | None:
    """The certificate page's answer as the link's result, or None when the gate refused it."""
    fetched_at = _now()

    def record(page: CertificatePage, status: LinkStatus, kind: ErrorKind | None, message: str, *,
               http_status: int | None = None, final_url: str | None = None,
               chain: list[list[Any]] | None = None) -> LinkResult:
        base = earlier or LinkResult(url=url, status=status, internal=gate.is_site(url))
        return replace(base, status=status, http_status=http_status, final_url=final_url,
                       redirect_chain=chain or [], error_kind=kind and kind.value, error=message, method="GET",
                       checked_at=fetched_at, cached=False,
                       details={**(base.details or {}), "certificate": page.as_dict()})

    with gatedget.session(offline=job.offline, user_agent=job.user_agent) as http:
        got = gatedget.gated_get(http, url, gate, Kind.CERTIFICATE, timeout=job.links.timeout,
                                 max_redirects=job.links.max_redirects, max_bytes=MAX_BYTES)
    if got.refused is not None:  # every hop asks the gate: a redirect may leave the certificate host
        if not got.chain or earlier is None:
            return None
        # the link's own check stands; the certificate was not shown on the certificate host
        page = CertificatePage(url, fetched_at, error=f"redirected off the certificate host to {got.url}")
        return replace(earlier, details={**(earlier.details or {}), "certificate": page.as_dict()})
    if got.error_kind is not None:
        failed_status, failed_kind, message = classify.from_error(got.error_kind, got.error)
        return record(CertificatePage(url, fetched_at, error=message), failed_status, failed_kind, message)
    code = got.status or 0
    status, kind, message = classify.from_http(code, got.hops, frozenset(job.links.accepted_status))
    hops = [list(h) for h in got.chain]
    if not 200 <= code < 300:
        page = CertificatePage(url, fetched_at, http_status=code, error=message or f"HTTP {code}")
        return record(page, status, kind, message, http_status=code, final_url=got.url, chain=hops)
    try:
        text = page_text(lxml.html.fromstring(decode(got.body, got.content_type)[0] or "<html></html>"))
    except (ValueError, lxml.etree.ParserError) as exc:
        page = CertificatePage(url, fetched_at, http_status=code, error=f"unreadable page: {exc}"[:300])
    else:
        page = read_page(text, url, fetched_at=fetched_at, http_status=code)
    return record(page, status, kind, message, http_status=code, final_url=got.url, chain=hops)

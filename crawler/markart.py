"""After the crawl: hash the home page's images, so the 無障礙標章 check can tell the official artwork from
whatever else a site shows (a mark image not linked to its certificate page is still the mark; an image
linked there but not the artwork is not).

Every <img> of the stored home page (at most MAX_IMAGES) that the crawl's link check reached (status ok
or redirected: its exclusions and request budgets stand) is fetched again with a GET through the run's
one scope decision (Kind.CHECK: offline only loopback; every redirect hop asked again), at most
MAX_BYTES, within MAX_SECONDS for all, and hashed (govaudit.markart.image_hash). The hash, or why there
is none, is stored on the image's link result as details["art"], with the answer's validators; the
crawl's own verdict on the link is kept. A refused request records nothing. On an incremental night the
GET is conditional on the baseline's validators, and a 304 keeps the baseline's hash (or reason).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import lxml.html

from govaudit import urls
from govaudit.crawler import gatedget
from govaudit.crawler.charset import decode
from govaudit.jobs import CrawlJob
from govaudit.markart import image_hash
from govaudit.models import LinkStatus
from govaudit.scope import Kind, Scope
from govaudit.store import CrawlSink

FACTS = "accessibility_mark"  # only when the mark check runs
MAX_IMAGES = 40
MAX_BYTES = 512 * 1024
MAX_SECONDS = 60.0  # for all the images: a slow image host never holds the night's run for long
TIMEOUT = 10.0  # per image (or links.timeout when shorter)
log = logging.getLogger(__name__)
VALIDATORS = {"ETag": "etag", "Last-Modified": "last_modified"}  # an answer's header → its key in details["art"]
CONDITIONAL = {"etag": "If-None-Match", "last_modified": "If-Modified-Since"}


def hash_images(store: CrawlSink, run_id: int, job: CrawlJob) -> int:
    """Hash the home page's images; how many hashes (or reasons) were recorded. A fault here never costs
    the night's crawl: it is logged, and the check says the artwork was not compared."""
    if FACTS not in job.analyzers:
        return 0
    try:
        return _hash_images(store, run_id, job)
    except Exception:  # noqa: BLE001
        log.warning("hashing the home page's images failed", exc_info=True)
        return 0


def image_urls(html: str, page_url: str) -> list[str]:
    """The distinct <img src> of a page, resolved, in document order, at most MAX_IMAGES."""
    found: list[str] = []
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return found
    for img in doc.iter("img"):
        try:
            url = urls.normalize_url((img.get("src") or "").strip(), page_url)
        except urls.InvalidURL:
            continue
        if url not in found and urls.scheme_of(url) in urls.HTTP_SCHEMES:
            found.append(url)
    return found[:MAX_IMAGES]


def _hash_images(store: CrawlSink, run_id: int, job: CrawlJob) -> int:
    gate = Scope.from_job(job)
    home = next((p for p in store.pages(run_id) if job.start_url in (p.url, p.requested_url) and p.is_html
                 and p.body_hash), None)
    body = store.body(home.body_hash) if home and home.body_hash else None
    if home is None or not body:
        return 0
    found = image_urls(decode(body, home.content_type)[0], home.url)
    # Only images the crawl itself fetched and got an answer from: its exclusions (offline, robots.txt,
    # check_external, host rules) and request budgets stand.
    earlier = {r.url: r for r in store.link_results(run_id)
               if r.url in found and r.status in (LinkStatus.OK, LinkStatus.REDIRECTED)}
    targets = [u for u in found if u in earlier and gate.allows(u, Kind.CHECK) and _checked(u, gate, job)]
    if not targets:
        return 0
    before = _baseline_art(store, job, targets)
    results = []
    deadline = time.monotonic() + MAX_SECONDS
    with gatedget.session(offline=job.offline, user_agent=job.user_agent) as http:
        for url in targets:
            if time.monotonic() > deadline:
                break
            art = _art(http, url, gate, job, before.get(url))
            if art is None:
                continue
            base = earlier[url]
            results.append(replace(base, details={**(base.details or {}), "art": art}))
    if results:
        with store.transaction():
            store.add_link_results(run_id, results)
    return len(results)


def _checked(url: str, gate: Scope, job: CrawlJob) -> bool:
    """The profile lets the crawl check this image (links.check_external, a host rule's `check`)."""
    rule = job.links.hosts.get(urls.host_of(url))
    if rule is not None and not rule.check:
        return False
    return gate.is_site(url) or job.links.check_external


def _baseline_art(store: CrawlSink, job: CrawlJob, targets: list[str]) -> dict[str, dict[str, str]]:
    """An incremental night (the baseline parsed by this version and profile): the baseline's hash of each
    image (or why its bytes have none) that came with a validator, by URL. Each is asked for conditionally;
    a 304 keeps it."""
    if job.revalidate_from is None or not job.reuse_parsed:
        return {}
    wanted = set(targets)
    return {r.url: art for r in store.link_results(job.revalidate_from)
            if r.url in wanted and isinstance(art := (r.details or {}).get("art"), dict)
            and any(art.get(k) for k in VALIDATORS.values())}


def _art(http: Any, url: str, gate: Scope, job: CrawlJob, before: dict[str, str] | None = None) -> dict[str, str] | None:
    """{"phash": …} for a raster image (with the answer's validators), {"error": …} for anything else; None
    when the gate refused. `before`: the baseline's, asked for conditionally: unchanged (304), it stands
    (and neither the image nor numpy is loaded)."""
    conditional = {header: before[key] for key, header in CONDITIONAL.items() if before and before.get(key)}
    got = gatedget.gated_get(http, url, gate, Kind.CHECK, timeout=min(job.links.timeout, TIMEOUT),
                             max_redirects=job.links.max_redirects, max_bytes=MAX_BYTES, headers=conditional or None)
    if got.refused is not None:  # every hop asks the gate
        return None
    if got.status == 304 and before is not None:
        return before
    if got.error_kind is not None:
        return {"error": got.error[:200]}
    if not 200 <= (got.status or 0) < 300:
        return {"error": f"HTTP {got.status}"}
    if got.truncated:
        return {"error": f"larger than {MAX_BYTES} bytes: not the mark"}
    # what the answer's bytes came to, hash or not, with its validators: unchanged tomorrow (304), it stands
    validators = {VALIDATORS[name]: value for name, value in got.validators}
    try:
        return {"phash": image_hash(got.body), **validators}
    except ValueError as exc:
        return {"error": str(exc), **validators}

"""The link stage after the crawl: soft-404 comparison, TLS certificate verification, and the decisions
that need more than one night (confirmation of transient failures, first seen, the external cache).

Each stage reads the run's link results from the store, changes some, and writes them back. Order:
soft-404 and TLS refine single answers; history then decides what counts across nights; the cache
keeps only what is finally a success.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from urllib.parse import urlsplit

from govaudit import urls
from govaudit.crawler import pageprobe
from govaudit.models import FAILING_LINK_STATUSES, ErrorKind, LinkResult, LinkStatus
from govaudit.store import CrawlSink, now_iso

SIMILAR = 0.8  # shingle overlap with the probe's text above which a 200 answer is the site's not-found page


# -- soft 404 ----------------------------------------------------------------------------------------

def soft404(store: CrawlSink, run_id: int) -> int:
    """Targets whose 200 answer is the same page as the host's answer to a path that cannot exist."""
    probes = {h: p for h, p in store.probes(run_id).items()
              if p["http_status"] == 200 and not p["redirected"] and p["text"]
              and pageprobe.reads_as_not_found(p["title"], p["text"])}
    if not probes:
        return 0
    pages = None
    changed = []
    for result in store.link_results(run_id):
        if result.status != LinkStatus.OK or result.redirect_chain or "#" in result.url:
            continue
        probe = probes.get(urls.host_of(result.url))
        if probe is None or result.url == probe["url"] or urlsplit(result.url).path in ("", "/"):
            continue  # a site's home page is never its own not-found page
        title, text = result.details.get("title"), result.details.get("text")
        if text is None and result.internal:
            if pages is None:
                pages = {p.url: p for p in store.pages(run_id) if p.title == probe["title"]}
            page = pages.get(result.url)
            if page is None:
                continue
            body = store.body(page.body_hash) if page.body_hash else b""
            title, text = pageprobe.summarize(body or b"", page.content_type)
        if not text or pageprobe.similar(text, probe["text"]) < SIMILAR:
            continue
        changed.append(replace(result, status=LinkStatus.BROKEN, error_kind=ErrorKind.SOFT_404.value,
                               error=f"answers {result.http_status} with the page a missing address gets"
                                     f" (soft 404: “{(title or '')[:80]}”)"))
    with store.transaction():
        store.add_link_results(run_id, changed)
    return len(changed)


# -- TLS ---------------------------------------------------------------------------------------------

def _verify(host: str, port: int, timeout: float) -> str | None:
    """None when the certificate chain and name verify with the system's trust store, else the reason."""
    context = ssl.create_default_context()
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock, \
                context.wrap_socket(sock, server_hostname=host):
            return None
    except ssl.SSLCertVerificationError as exc:
        return exc.verify_message or str(exc)
    except ssl.SSLError as exc:
        return f"TLS error: {exc.reason or exc}"
    except OSError:
        return None  # not reachable now: the HTTP answer already said what it could


def tls(store: CrawlSink, run_id: int, *, offline: bool, timeout: float,
        verify: Callable[[str, int, float], str | None] = _verify) -> int:
    """HTTPS targets that answered are checked once per host for a certificate a browser would refuse
    (Scrapy itself does not verify): unverified, error_kind tls, with the reason."""
    targets: dict[tuple[str, int], list[LinkResult]] = {}
    for result in store.link_results(run_id):
        if result.status not in (LinkStatus.OK, LinkStatus.REDIRECTED) or result.internal:
            continue
        final = result.final_url or result.url
        parts = urlsplit(final)
        if parts.scheme != "https" or (offline and not urls.is_loopback(final)):
            continue
        targets.setdefault((parts.hostname or "", parts.port or 443), []).append(result)
    if not targets:
        return 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        reasons = dict(zip(targets, pool.map(lambda hp: verify(hp[0], hp[1], timeout), targets), strict=True))
    changed = []
    for key, results in targets.items():
        if reasons[key]:
            changed += [replace(result, status=LinkStatus.UNVERIFIED, error_kind=ErrorKind.TLS.value,
                                error=f"TLS certificate problem: {reasons[key]}") for result in results]
    with store.transaction():
        store.add_link_results(run_id, changed)
    return len(changed)


# -- across nights -----------------------------------------------------------------------------------

def history(store: CrawlSink, run_id: int, *, site: str, confirm_runs: int, cache: bool) -> int:
    """First seen and consecutive failing nights for every failing target; a transient failure is
    broken only once it has failed `confirm_runs` consecutive runs, unverified ("1 of 2 nights") before.
    Successes of external targets go to the cache; failures leave it."""
    previous = store.previous_run_of_site(site, run_id)
    known = store.link_history(site)
    now = now_iso()
    rows: list[dict] = []
    cleared: list[str] = []
    changed: list[LinkResult] = []
    fresh: list[LinkResult] = []
    failed: list[str] = []
    for result in store.link_results(run_id):
        url, status = result.url, result.status
        if status not in FAILING_LINK_STATUSES:
            if url in known:
                cleared.append(url)
            if not result.internal and status == LinkStatus.OK and not result.cached and "#" not in url:
                fresh.append(result)
            continue
        if status == LinkStatus.REDIRECTED and not result.internal and not result.cached:
            fresh.append(result)
        elif not result.internal:
            failed.append(url)
        before = known.get(url)
        if before is not None and previous is not None and before["last_run"] == previous:
            nights, first_seen, first_run = before["nights"] + 1, before["first_seen"], before["first_run"]
        else:
            nights, first_seen, first_run = 1, now, run_id
        if result.transient and status in (LinkStatus.UNVERIFIED, LinkStatus.BROKEN):
            # the count of nights goes in `nights`, not the error text (LinkResult.nights_note shows it):
            # a verdict that stands reads the same every night, so the checks that show it are copied forward
            result = replace(result, status=LinkStatus.BROKEN if nights >= confirm_runs else LinkStatus.UNVERIFIED)
        result = replace(result, first_seen=first_seen, nights=nights)
        changed.append(result)
        rows.append({"url": url, "first_seen": first_seen, "first_run": first_run, "last_run": run_id,
                     "nights": nights, "last_status": result.status})
    with store.transaction():
        store.add_link_results(run_id, changed)
        store.save_link_history(site, rows, cleared)
        if cache:
            store.update_cache(fresh, failed)
    return len(changed)

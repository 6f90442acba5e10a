"""After the crawl: submit the site's search form once, with a word the site really has, and record what
the answer shows, for the site_search check (checks never make requests of their own).

The forms come from the check's page analyzer (page facts "site_search"); the word from the crawled
pages' titles (govaudit.sitesearch.pick_term). The query is a GET through the run's one scope decision
(govaudit/scope.py: offline, only loopback; robots.txt obeyed as the crawl obeys it; every redirect hop
asked again), with the crawl's User-Agent and Accept-Language, and no proxy offline. The outcome is
stored as what it is: a link the form makes (element form, attribute action) to the query URL, with its
link result, whose details["search"] hold the outcome (govaudit.sitesearch.SearchOutcome).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.robotparser import RobotFileParser

import lxml.html

from govaudit import urls
from govaudit.crawler import classify, gatedget
from govaudit.crawler.charset import decode
from govaudit.jobs import CrawlJob
from govaudit.models import ErrorKind, Link, LinkResult, LinkStatus, Page
from govaudit.scope import Kind, Scope
from govaudit.sitesearch import PageSearch, SearchForm, SearchOutcome, pick_term, read_answer
from govaudit.store import CrawlSink

FACTS = "site_search"  # the check whose page analyzer records the search forms
MAX_BYTES = 2 << 20  # of the answer read
ROBOTS_MAX_BYTES = 512 * 1024  # what Google reads of a robots.txt
log = logging.getLogger(__name__)


def search(store: CrawlSink, run_id: int, job: CrawlJob, pages: Sequence[Page]) -> int:
    """Submit the best search form of the site once (`pages`: the run's, as stored); 1 when a query was
    recorded, else 0. A fault here never costs the night's crawl: it is logged, and the check says the
    search was not tried."""
    if FACTS not in job.analyzers:
        return 0
    try:
        return _search(store, run_id, job, pages)
    except Exception:  # noqa: BLE001
        log.warning("site search query failed", exc_info=True)
        return 0


def _search(store: CrawlSink, run_id: int, job: CrawlJob, stored: Sequence[Page]) -> int:
    pages = [p for p in stored if p.is_html and p.body_hash and 200 <= (p.http_status or 0) < 300]
    offered = {p.url: PageSearch.from_dict(f) for p in pages if isinstance(f := p.facts.get(FACTS), dict)}
    form = choose_form(offered, job.start_url)
    if form is None:
        return 0
    home = next((p for p in pages if job.start_url in (p.url, p.requested_url)), None)
    term = pick_term(((p.url, p.title or "") for p in pages if p is not home), home.title or "" if home else "")
    if term is None:
        return 0
    outcome = SearchOutcome(term=term, url=form.query_url(term), form_page=form.page, action=form.action)
    result = _submit(store, form, outcome, pages, offered, job)
    with store.transaction():
        store.add_links(run_id, [Link(form.page, outcome.url, "", f"站內搜尋「{term}」", "form", "action", "", 0, -1)])
        store.add_link_results(run_id, [result])
    return 1


def choose_form(offered: dict[str, PageSearch], start_url: str) -> SearchForm | None:
    """The search form to submit: a GET form, the home page's first, else the one most pages carry."""
    forms = [f for ps in offered.values() for f in ps.forms if f.method == "get"]
    if not forms:
        return None
    on_home = [f for f in offered.get(start_url, PageSearch()).forms if f.method == "get"]
    if on_home:
        return on_home[0]
    common = Counter((f.action, f.field) for f in forms).most_common(1)[0][0]
    return next(f for f in forms if (f.action, f.field) == common)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _submit(store: CrawlSink, form: SearchForm, outcome: SearchOutcome, pages: list[Page],
            offered: dict[str, PageSearch], job: CrawlJob) -> LinkResult:
    gate = Scope.from_job(job)
    internal = gate.is_site(outcome.url)

    def record(said: SearchOutcome, status: LinkStatus, kind: ErrorKind | None, message: str, *,
               http_status: int | None = None, final_url: str | None = None,
               chain: list[list[Any]] | None = None) -> LinkResult:
        return LinkResult(url=outcome.url, status=status, http_status=http_status, final_url=final_url,
                          redirect_chain=chain or [], error_kind=kind and kind.value, error=message, method="GET",
                          checked_at=_now(), internal=internal, details={"search": said.as_dict()})

    def refused(kind: ErrorKind, message: str) -> LinkResult:
        status, found_kind, found_message = classify.from_error(kind, message)
        return record(replace(outcome, error=found_message), status, found_kind, found_message)

    agent = job.crawl.user_agent.format(version=job.tool_version)
    with gatedget.session(offline=job.offline, user_agent=agent) as http:
        if job.crawl.obey_robots and internal and not _robots_allow(http, gate, outcome.url, agent,
                                                                     job.links.timeout):
            return refused(ErrorKind.ROBOTS, "disallowed by robots.txt")
        got = gatedget.gated_get(http, outcome.url, gate, Kind.SEARCH, timeout=job.links.timeout,
                                 max_redirects=job.links.max_redirects, max_bytes=MAX_BYTES)
    if got.refused is not None:  # every hop asks the gate: a redirect may leave loopback
        return refused(ErrorKind.OFFLINE if got.refused.offline else ErrorKind.PROFILE_RULE, got.refused.reason)
    if got.error_kind is not None:
        return refused(got.error_kind, got.error)
    status_code, url, chain = got.status or 0, got.url, got.hops
    status, kind, message = classify.from_http(status_code, chain, frozenset(job.links.accepted_status))
    answered = replace(outcome, http_status=status_code)
    if 200 <= status_code < 300:
        titles = {p.url: p.title or "" for p in pages}
        frame = _frame(store, form, pages, offered)
        answered = read_answer(decode(got.body, got.content_type)[0], answered, frame, titles)
    else:
        answered = replace(answered, error=message or f"HTTP {status_code}")
    return record(answered, status, kind, message, http_status=status_code, final_url=url,
                  chain=[list(hop) for hop in chain])


def _robots_allow(http: Any, gate: Scope, url: str, agent: str, timeout: float) -> bool:
    """robots.txt of the site lets the crawl's user agent fetch url (no robots.txt: yes)."""
    robots = urls.normalize_url("/robots.txt", url)
    got = gatedget.gated_get(http, robots, gate, Kind.ROBOTS, timeout=timeout, max_redirects=5,
                             max_bytes=ROBOTS_MAX_BYTES)
    if got.status != 200:
        return True
    parser = RobotFileParser()
    parser.parse(decode(got.body, got.content_type)[0].splitlines())
    return parser.can_fetch(agent, url)


def _links_of(store: CrawlSink, page: Page) -> set[str]:
    body = store.body(page.body_hash) if page.body_hash else None
    if not body:
        return set()
    try:
        doc = lxml.html.fromstring(decode(body, page.content_type)[0])
    except (ValueError, lxml.etree.ParserError):
        return set()
    found = set()
    for a in doc.iter("a"):
        try:
            found.add(urls.normalize_url((a.get("href") or "").strip(), page.url))
        except urls.InvalidURL:
            continue
    return found


def _frame(store: CrawlSink, form: SearchForm, pages: list[Page], offered: dict[str, PageSearch]) -> set[str]:
    """The targets the site's frame links (menus, header, footer), which a results page repeats: the
    links of the empty search page if it was crawled, else those two pages with the same form share."""
    by_url = {p.url: p for p in pages}
    if form.action in by_url:
        return _links_of(store, by_url[form.action])
    same = [u for u, ps in offered.items() if u in by_url and any(f.action == form.action for f in ps.forms)]
    if len(same) < 2:
        return _links_of(store, by_url[form.page]) if form.page in by_url else set()
    first, second = sorted(same, key=lambda u: (u != form.page, -len(u), u))[:2]
    return _links_of(store, by_url[first]) & _links_of(store, by_url[second])

"""What a check is given: a read-only view of one run in the store (the plug-in API's core half)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from govaudit import asof
from govaudit.models import CheckResult, Link, LinkResult, Page
from govaudit.store import RunReader


class NotApplicable(Exception):
    """Raised by a check when the site gives it nothing to do."""


@dataclass
class CheckContext:
    store: RunReader
    run_id: int
    profile: Any
    options: dict[str, Any] = field(default_factory=dict)
    browser: Any = None
    # Shared by the checks of one run (runner.run_checks): reads several checks need are done once.
    shared: dict[str, Any] = field(default_factory=dict)
    # Set while the crawl is still checking links (Check.reads_link_results = False): every page and
    # its links are stored, link results are not all in yet.
    pages_only: bool = False
    # The results of the checks this one declares in Check.depends_on (the runner ran them first).
    results: dict[str, CheckResult] = field(default_factory=dict)
    # The targets whose results this check asked for one by one (link_result): what a check declaring
    # govaudit.reuse.LINK_LOOKUPS is a function of, so the runner keeps them for the next night.
    looked_up: set[str] = field(default_factory=set)
    # Set for a check that declares LINK_LOOKUPS: a read of every result would escape that record.
    lookups_only: bool = False

    def audit_date(self) -> dt.date:
        """The date the run judges the site as of ("today" for freshness, expiry, stale items): govaudit.asof."""
        return asof.audit_date(self.store.run(self.run_id))

    def pages(self) -> Iterator[Page]:
        return self.store.pages(self.run_id)

    def html(self, page: Page) -> bytes | None:
        """The body of an HTML page; None for attachments (PDF, ODF, OOXML rows of pages: see body())."""
        if not page.is_html:
            return None
        return self.body(page)

    def body(self, page: Page) -> bytes | None:
        """The stored body of any page row, HTML or attachment."""
        return self.store.body(page.body_hash) if page.body_hash else None

    def facts(self, check_id: str) -> Iterator[tuple[Page, Any]]:
        """(page, facts) for every parsed page whose analyzer for check_id returned something."""
        for page in self.store.pages(self.run_id):
            value = page.facts.get(check_id)
            if value is not None:
                yield page, value

    def navigation(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(distinct (source, target) <a> edges, distinct (target, text) labels) between crawled pages."""
        if "navigation" not in self.shared:
            self.shared["navigation"] = self.store.navigation(self.run_id)
        return self.shared["navigation"]

    def links(self) -> Iterator[Link]:
        return self.store.links(self.run_id)

    def links_to(self, targets: Any) -> Iterator[Link]:
        """links() of only the given target URLs (same order): cheap when few targets matter."""
        return self.store.links_to(self.run_id, targets)

    def link_texts(self) -> set[str]:
        """The distinct texts of the run's links: a check that looks for words in them judges each once."""
        return self.store.link_texts(self.run_id)

    def links_with_text(self, texts: Any) -> Iterator[Link]:
        """links() of only the given texts (same order): cheap when few texts matter."""
        return self.store.links_with_text(self.run_id, texts)

    def links_from(self, source: str) -> list[Link]:
        """The links of one page, in document order: cheap beside links() on a site with a big menu."""
        return self.store.page_links(self.run_id, source)

    def link_results(self) -> Iterator[LinkResult]:
        self._after_crawl()
        if self.lookups_only:
            raise RuntimeError("the check declares the input link_lookups: it must read link results one by one "
                               "(ctx.link_result), or declare link_results instead")
        return self.store.link_results(self.run_id)

    def link_result(self, url: str) -> LinkResult | None:
        """The result of one target (None: none was recorded), noted in looked_up: a check that reads link
        results only this way declares reuse.LINK_LOOKUPS, and its result is copied forward on a night
        where the targets it looked up answer as before, whatever happened to the others."""
        self._after_crawl()
        if "link_results" not in self.shared:  # read once for the checks of this process
            self.shared["link_results"] = {r.url: r for r in self.store.link_results(self.run_id)}
        self.looked_up.add(url)
        return self.shared["link_results"].get(url)

    def _after_crawl(self) -> None:
        if self.pages_only:
            raise RuntimeError("link results are read before the crawl finished: the check must not declare "
                               "reads_link_results = False")

    def axe_pages(self) -> Iterator[dict]:
        """Pages the browser stage tested with axe-core: url, template, reason, error, attempts, result."""
        return self.store.axe_pages(self.run_id)

    def result_of(self, check_id: str) -> CheckResult:
        """The result of a check this one depends on (Check.depends_on), whatever its status."""
        try:
            return self.results[check_id]
        except KeyError:
            raise LookupError(f"no result of check {check_id!r}: a check reads only the results of the "
                              "checks it names in depends_on") from None

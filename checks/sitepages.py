"""Small helpers shared by the page-level checks: which pages count, which one is the home page."""

from __future__ import annotations

from govaudit.models import Page
from govaudit.plugins import CheckContext


def is_html_page(page: Page) -> bool:
    """A page that answered 2xx with HTML and was parsed (not an attachment row: PDF, ODF, OOXML)."""
    return (200 <= (page.http_status or 0) < 300 and bool(page.body_hash)
            and page.is_html)


def home_page(ctx: CheckContext, pages: list[Page]) -> Page | None:
    """The start page as crawled (after redirects), else the shallowest page."""
    start = ctx.store.run(ctx.run_id).start_url
    for page in pages:
        if start in (page.url, page.requested_url):
            return page
    shallow = [p for p in pages if p.depth == 0]
    return shallow[0] if shallow else None

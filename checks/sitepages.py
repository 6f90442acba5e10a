"""Small helpers shared by the page-level checks: which pages count, which one is the home page."""

from __future__ import annotations

from govaudit.context import is_html
from govaudit.plugins import CheckContext


def is_html_page(page: dict) -> bool:
    """A page that answered 2xx with HTML and was parsed (not an attachment row: PDF, ODF, OOXML)."""
    return (200 <= (page.get("http_status") or 0) < 300 and bool(page.get("body_hash"))
            and is_html(page.get("content_type", "")))


def home_page(ctx: CheckContext, pages: list[dict]) -> dict | None:
    """The start page as crawled (after redirects), else the shallowest page."""
    start = ctx.store.run(ctx.run_id)["start_url"]
    for page in pages:
        if start in (page["url"], page.get("requested_url")):
            return page
    shallow = [p for p in pages if p.get("depth") == 0]
    return shallow[0] if shallow else None

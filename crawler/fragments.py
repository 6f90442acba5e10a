"""Fragment stage, after the crawl: a link to `page#anchor` is broken when we parsed `page` and it has no
element with that id (or <a name>). Results are stored under the URL with its fragment.
"""

from __future__ import annotations

from urllib.parse import unquote

from govaudit.models import ErrorKind, LinkResult, LinkStatus
from govaudit.store import CrawlSink, now_iso


# Fragments that are not anchors: the HTML spec's #top, SPA routes, text fragments.
def is_anchor_fragment(fragment: str) -> bool:
    return bool(fragment) and fragment.lower() != "top" and fragment[0] not in "!/" and not fragment.startswith(":~:")


def check_fragments(store: CrawlSink, run_id: int, *, external: bool = False) -> int:
    anchors = store.parsed_page_anchors(run_id)
    outcomes = {r.url: r for r in store.link_results(run_id)}
    results = []
    for target, fragment in store.fragment_targets(run_id):
        outcome = outcomes.get(target)
        if not is_anchor_fragment(fragment) or outcome is None:
            continue
        if not outcome.internal and not external:
            continue
        if outcome.status not in (LinkStatus.OK, LinkStatus.REDIRECTED):
            continue  # the page itself failed: that result already says so
        if outcome.internal:
            page_anchors = anchors.get(outcome.final_url or target)
        else:  # an external page read for its anchors (links.check_external_fragments)
            found_anchors = outcome.details.get("anchors")
            page_anchors = set(found_anchors) if found_anchors is not None else None
        if page_anchors is None:
            continue  # not a page we parsed (a PDF, an over-depth page)
        found = fragment in page_anchors or unquote(fragment) in page_anchors
        results.append(LinkResult(
            url=f"{target}#{fragment}", status=LinkStatus.OK if found else LinkStatus.BROKEN,
            http_status=outcome.http_status, final_url=outcome.final_url, redirect_chain=outcome.redirect_chain,
            error_kind=None if found else ErrorKind.MISSING_FRAGMENT.value,
            error="" if found else f"no element with id or name {unquote(fragment)!r} on the page",
            method="fragment", checked_at=now_iso(), internal=outcome.internal,
        ))
    with store.transaction():
        store.add_link_results(run_id, results)
    return len(results)

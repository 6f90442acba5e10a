"""檢索服務便捷度 (機關網站資訊提供檢索服務情形): does the site offer a site search, and does it work?

Per page (in the crawler's single parse): the search boxes (a form with a text or search field named
or labelled as a search, or in a role=search region), links to a search page (站內搜尋 / 全文檢索) and
to an advanced or categorised search (進階檢索 / 分類檢索). After the crawl, the crawler submits the
home page's search form once (else the form most pages carry) with a word taken from a crawled page's
title (crawler/sitesearch.py: same scope gate, robots.txt and --offline rules as the crawl), and stores
what the answer showed as the link result of the query. run() judges: a search offered on the home
page, and a query for a word the site has answering with results that lead to a page with it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from govaudit.checks.sitepages import home_page, is_html_page
from govaudit.models import CheckResult, CheckStatus, LinkStatus, Severity
from govaudit.plugins import Check, CheckContext, Code, NotApplicable
from govaudit.reuse import LINK_RESULTS, PAGES, START_URL
from govaudit.sitesearch import PageSearch, SearchOutcome, page_search

_ANSWERED = (LinkStatus.OK, LinkStatus.REDIRECTED)


class SiteSearch(Check):
    id = "site_search"
    inputs = frozenset({PAGES, LINK_RESULTS, START_URL})
    title = "Site search offered and working"
    title_zh = "檢索服務便捷度（站內搜尋）"
    version = "1"
    cost = 0.5
    sections = ("site_search",)
    indicator_tags = ("indicator:retrieval_convenience", "component:site_search")
    default_options = {}
    codes = {
        "site_search.missing": Code(
            Severity.MEDIUM, "No site search: no search form, role=search region or link to a search page "
            "(站內搜尋, 全文檢索) on any crawled page.",
            "未提供站內搜尋：各頁均無搜尋表單、搜尋區塊或站內搜尋／全文檢索頁面連結。"),
        "site_search.not-on-home": Code(
            Severity.LOW, "The home page offers no search box; the search is only on other pages.",
            "首頁未提供搜尋框，僅其他頁面可搜尋。"),
        "site_search.broken": Code(
            Severity.HIGH, "Submitting the search form fails: the answer is an error (HTTP status, refused, "
            "timeout).", "送出站內搜尋失敗：回應錯誤（HTTP 狀態、連線失敗或逾時）。"),
        "site_search.no-results": Code(
            Severity.MEDIUM, "A search for a word the site has (taken from a crawled page title) answers "
            "with no result that leads to a page with it.",
            "以網站頁面標題中的詞查詢，搜尋結果未列出含該詞的頁面。"),
        "site_search.not-verified": Code(
            Severity.INFO, "The search could not be tried: it is hosted on another host and the run is "
            "offline, robots.txt disallows it, it only takes POST, or it runs by script.",
            "無法實測站內搜尋：搜尋服務位於其他主機而本次為離線稽核、robots.txt 禁止、僅接受 POST，或以程式碼執行。"),
    }

    @staticmethod
    def page_facts(doc: Any, url: str) -> Any:
        found = page_search(doc, url)
        return None if found.empty() else found.as_dict()

    def run(self, ctx: CheckContext) -> CheckResult:
        pages = [p for p in ctx.pages() if is_html_page(p)]
        if not pages:
            raise NotApplicable("no HTML page was parsed")
        home = home_page(ctx, pages)
        offered = {p.url: PageSearch.from_dict(f) for p in pages if isinstance(f := p.facts.get(self.id), dict)}
        tried = next((r for r in ctx.link_results() if isinstance(r.details.get("search"), dict)), None)
        home_url = home.url if home else ctx.store.run(ctx.run_id).start_url
        on_home = offered.get(home_url, PageSearch())
        with_forms = sorted(u for u, ps in offered.items() if ps.forms)
        search_pages = sorted({t for ps in offered.values() for t in ps.search_pages})
        advanced = sorted({t for ps in offered.values() for t in ps.advanced})
        categories = any(f.categories for ps in offered.values() for f in ps.forms)
        findings = []
        offers = bool(with_forms or search_pages or any(ps.scripted for ps in offered.values()))
        if not offers:
            findings.append(self.finding("site_search.missing", "no search form or search page was found",
                                         page=home_url))
            presence = 0.0
        elif on_home.forms or on_home.search_pages or on_home.scripted:
            presence = 1.0
        else:
            presence = 0.5
            findings.append(self.finding(
                "site_search.not-on-home", f"search offered on {len(with_forms)} other page(s), not the home page",
                page=home_url, evidence={"pages_with_form": with_forms[:5], "search_pages": search_pages[:5]}))
        outcome = SearchOutcome.from_dict(tried.details["search"]) if tried else None
        works: float | None = None
        if offers:
            works = self._judge(tried, outcome, offered, findings)
        advanced_offered = bool(advanced or categories or (outcome and outcome.advanced))
        score = round(presence * 0.5 + (0.5 if works is None else works) * 0.5 * (presence > 0), 4)
        codes = {f.code for f in findings}
        if codes & {"site_search.missing", "site_search.broken", "site_search.no-results"}:
            status = CheckStatus.FAILED
        elif codes:
            status = CheckStatus.NEEDS_REVIEW
        else:
            status = CheckStatus.PASSED
        metrics = {"score": score, "on_home": presence == 1.0, "pages_with_form": len(with_forms),
                   "works": None if works is None else works == 1.0, "advanced": advanced_offered,
                   "term": outcome.term if outcome else "", "results": outcome.results if outcome else None,
                   "hits": len(outcome.hits) if outcome else None}
        section = {
            "offered": offers, "on_home": presence == 1.0, "pages_with_form": with_forms[:20],
            "forms": [f.as_dict() for f in (on_home.forms or next(
                (offered[u].forms for u in with_forms), ()))][:3],
            "search_pages": search_pages[:10], "advanced": advanced[:10], "categories": categories,
            "query": outcome.as_dict() if outcome else None,
            "query_status": tried.status.value if tried else None,
        }
        return replace(self.result(status, metrics, findings), data={"site_search": section})

    def _judge(self, tried: Any, outcome: SearchOutcome | None, offered: dict[str, PageSearch],
               findings: list) -> float | None:
        """How well the submitted query worked: 1 (results lead to a page with the word), 0 (an error, or
        no such result), None (not tried: nothing to submit, or the request was not made)."""
        if tried is None or outcome is None:
            forms = [f for ps in offered.values() for f in ps.forms]
            why = ("the search was not submitted (no word of the site to search for)" if any(
                f.method == "get" for f in forms) else "the search forms submit with POST only" if forms
                else "the search runs by script or sits on a page that was not crawled")
            findings.append(self.finding("site_search.not-verified", why,
                                         page=forms[0].page if forms else next(iter(offered), ""),
                                         evidence={"forms": [f.as_dict() for f in forms[:3]]}))
            return None
        evidence = {"page": outcome.form_page, "action": outcome.action, "query": outcome.url,
                    "term": outcome.term, "http_status": outcome.http_status, "results": outcome.results,
                    "hits": list(outcome.hits[:5]), "announced": outcome.announced}
        if tried.status == LinkStatus.BROKEN or (outcome.http_status or 0) >= 500:  # a search that errors
            findings.append(self.finding("site_search.broken", f"the search answers {outcome.error or tried.error}",
                                         page=outcome.form_page, target=outcome.url, evidence=evidence))
            return 0.0
        if tried.status not in _ANSWERED:
            external = " (a search on another host, not contacted offline)" if tried.error_kind == "offline" else ""
            findings.append(self.finding("site_search.not-verified", f"{tried.error or tried.status}{external}",
                                         page=outcome.form_page, target=outcome.url, evidence=evidence))
            return None
        if not outcome.works:
            said = "says nothing was found" if outcome.says_none else f"lists {outcome.results} link(s), none to a page with it"
            findings.append(self.finding("site_search.no-results", f"a search for 「{outcome.term}」 {said}",
                                         page=outcome.form_page, target=outcome.url, evidence=evidence))
            return 0.0
        return 1.0

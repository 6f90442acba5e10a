"""Art. 7 detection over the stored page facts: the hub, then each category's pages, confirmed by what
the page shows, then each time-bound category's freshness. Pure: the same facts, taxonomy and audit
date give the same answer (the audit date is the run's start, never the wall clock).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from govaudit.checks.art7 import dates
from govaudit.checks.art7.taxonomy import Category, Taxonomy, label_match, title_parts

FOUND, STALE, WEAK, MISSING, NOT_APPLICABLE = "found", "stale", "weak", "missing", "not_applicable"
MAX_EVIDENCE = 5
MIN_DATED_ENTRIES = 3  # a list of documents shows a date per entry; an article shows two (建立/更新)
MIN_DATED_LINKS = 2  # links that carry their own date are list entries: two make a list
SITEMAP_LABELS = ("網站導覽", "網站地圖", "Sitemap", "Site map")


class T(tuple):
    """A phrase in Traditional Chinese and English (the report is zh-TW first, with an English option)."""

    def __new__(cls, zh: str, en: str | None = None) -> T:
        return super().__new__(cls, (zh, zh if en is None else en))

    def __add__(self, other: object) -> T:
        if isinstance(other, T):
            return T(self[0] + other[0], self[1] + other[1])
        return T(self[0] + str(other), self[1] + str(other))

    def __radd__(self, other: object) -> T:
        return T(str(other) + self[0], str(other) + self[1])


@dataclass
class Page:
    url: str
    title: str
    depth: int
    facts: dict[str, Any]


@dataclass
class Candidate:
    url: str
    signals: dict[str, T] = field(default_factory=dict)  # signal → what matched (for the reason)
    external: bool = False

    @property
    def labelled(self) -> bool:
        return any(k in self.signals for k in ("link", "title", "crumb", "official_link", "docs", "content"))


def _text_labels(page: Page) -> list[str]:
    parts = title_parts(page.title)[:2]
    if page.facts.get("h"):
        parts.append(page.facts["h"])
    if page.facts.get("bc"):
        parts.append(page.facts["bc"][-1])
    return parts


def find_hub(pages: dict[str, Page], start_url: str, taxonomy: Taxonomy) -> dict[str, Any] | None:
    hub = taxonomy.hub
    votes: dict[str, list[str]] = defaultdict(list)
    for page in pages.values():
        sitemap = any(label_match(p, SITEMAP_LABELS, 2) for p in _text_labels(page))
        for text, href, region, title in page.facts.get("l", ()):
            if href not in pages or href == page.url:
                continue
            if label_match(text, hub.labels, hub.max_extra_chars) or label_match(title, hub.labels,
                                                                                  hub.max_extra_chars):
                where = ("home page" if page.url == start_url else "sitemap page" if sitemap
                         else "header/footer menu" if region == "n" else "page")
                votes[href].append(where)
    for page in pages.values():
        if any(label_match(p, hub.labels, hub.max_extra_chars) for p in _text_labels(page)[:2]):
            votes[page.url].append("title")
    if not votes:
        return None
    rank = {"home page": 4, "header/footer menu": 3, "sitemap page": 2, "title": 1, "page": 0}
    url = max(votes, key=lambda u: (max(rank[w] for w in votes[u]), len(votes[u]), -pages[u].depth, u))
    return {"url": url, "found_from": sorted(set(votes[url]), key=lambda w: -rank[w])}


def news_pages(pages: dict[str, Page], taxonomy: Taxonomy) -> frozenset[str]:
    """Pages filed under a news section in their breadcrumb: never a category's page."""
    return frozenset(u for u, p in pages.items() if taxonomy.is_news(p.facts.get("bc", [])[:-1]))


MIN_SECTION_DOCUMENTS = 2  # documents of one category a page must list to be that category's section
MIN_SECTION_SHARE = 0.6  # …and their share of the page's category-named documents (an index mixes them)
MIN_CONTENT_SECTION = 4  # content keywords that make a page the category's page without a label (art7-3)


def section_documents(pages: dict[str, Page], taxonomy: Taxonomy, hub_url: str | None,
                      news: frozenset[str]) -> dict[str, tuple[str, int, str]]:
    """Pages that are a category's section by what they list, whatever their own title: page → (category,
    documents of it, one of their titles). Only the main content's links to documents or to item pages
    count (never news items, never the hub, never a sitemap); a page listing several categories is an
    index, not a section."""
    out: dict[str, tuple[str, int, str]] = {}
    for page in pages.values():
        if page.url in news or page.url == hub_url or any(
                label_match(p, SITEMAP_LABELS, 2) for p in _text_labels(page)):
            continue
        per: dict[str, list[str]] = defaultdict(list)
        total = 0
        for text, href, region, title in page.facts.get("l", ()):
            if region != "c" or href == page.url or href in news:
                continue
            cats = taxonomy.document_categories(text) | taxonomy.document_categories(title)
            if cats:
                total += 1
                for cid in cats:
                    per[cid].append(title or text)
        if not per:
            continue
        cid, titles = max(per.items(), key=lambda kv: (len(kv[1]), kv[0]))
        if len(titles) >= MIN_SECTION_DOCUMENTS and len(titles) >= MIN_SECTION_SHARE * total:
            out[page.url] = (cid, len(titles), titles[0])
    return out


def _candidates(cat: Category, pages: dict[str, Page], taxonomy: Taxonomy, hub_url: str | None,
                news: frozenset[str] = frozenset(),
                sections: dict[str, tuple[str, int, str]] | None = None) -> dict[str, Candidate]:
    found: dict[str, Candidate] = {}
    for url, (cid, count, example) in (sections or {}).items():
        if cid == cat.id:
            found.setdefault(url, Candidate(url)).signals["docs"] = T(
                f"頁面所列 {count} 份文件屬此項（如「{example}」）", f"the {count} documents it lists belong to this "
                f"category (e.g. 「{example}」)")

    def names(text: str) -> str | None:
        return taxonomy.names(text, cat) if text else None

    def names_item(text: str) -> str | None:
        return taxonomy.names(text, cat, items=True) if text else None

    def add(url: str, signal: str, why: T) -> Candidate:
        cand = found.setdefault(url, Candidate(url))
        cand.signals.setdefault(signal, why)
        return cand

    for page in pages.values():
        for text, href, region, title in page.facts.get("l", ()):
            if href == page.url or href in news:
                continue
            label = names(text) or names(title)
            if label:
                if href in pages:
                    on_hub = page.url == hub_url and region == "c"  # the hub's own list, not its menus
                    add(href, "link", T(("專區" if on_hub else "") + f"連結名稱「{text or title}」",
                                        f"linked as 「{text or title}」" + (" from the hub" if on_hub else "")))
                    if on_hub:
                        found[href].signals.setdefault("hub", T("列於政府資訊公開專區", "listed on the disclosure hub"))
                else:
                    system = taxonomy.system_of(urlsplit(href).hostname or "")
                    if system and system in cat.strong_evidence.official_systems:
                        name = taxonomy.official_systems[system].label
                        cand = add(href, "official_link", T(f"選單「{text or title}」連結至{name}",
                                                            f"menu 「{text or title}」 links to {name}"))
                        cand.external = True
                continue
            if "item_keywords" in cat.weak_evidence and href in pages:
                item = names_item(text) or names_item(title)
                if item:
                    add(href, "link_item", T(f"連結名稱「{text or title}」", f"linked as 「{text or title}」"))
    for page in pages.values():
        if page.url in news:
            continue
        parts = _text_labels(page)
        for part in parts:
            label = names(part)
            if label:
                add(page.url, "title", T(f"頁面標題「{part}」", f"titled 「{part}」"))
                break
        else:
            crumbs = page.facts.get("bc", [])[1:-1]
            for crumb in crumbs:
                if names(crumb):
                    add(page.url, "crumb", T(f"導覽路徑位於「{crumb}」之下", f"under 「{crumb}」 in its breadcrumb"))
                    break
            if "item_keywords" in cat.weak_evidence:
                for part in parts[:2]:
                    if names_item(part):
                        add(page.url, "title_item", T(f"頁面標題「{part}」", f"titled 「{part}」"))
                        break
        if "url_hints" in cat.weak_evidence and page.url not in found:
            path = urlsplit(page.url).path.lower()
            hint = next((h for h in cat.url_hints if f"/{h}" in path), None)
            if hint:
                add(page.url, "url_hint", T(f"網址含「{hint}」", f"its address contains 「{hint}」"))
    strong = cat.strong_evidence
    if strong.content_keywords and strong.min_content_keywords >= 2 and not any(
            c.labelled for c in found.values()):
        # No page is named for it: a page whose content is the category's (address, phone, fax, duties …)
        for page in pages.values():
            hits = [k for k in page.facts.get("ck", ()) if k in strong.content_keywords]
            if len(hits) >= MIN_CONTENT_SECTION and page.url not in news:
                add(page.url, "content", T("頁面內容載有" + "、".join(hits), "its content shows " + "、".join(hits)))
    return found


def confirm(cat: Category, facts: dict[str, Any], taxonomy: Taxonomy) -> T | None:
    """What on the page itself shows the category's documents, in words; None if nothing does."""
    strong = cat.strong_evidence
    systems = [s for s in facts.get("o", ()) if s in strong.official_systems]
    if systems:
        names = "、".join(taxonomy.official_systems[s].label for s in systems)
        return T(f"頁面連結至{names}", f"links to {names}")
    attachments = facts.get("a", 0)
    if strong.min_documents and attachments >= strong.min_documents:
        return T(f"頁面列有 {attachments} 個附件", f"lists {attachments} attached document(s)")
    entries = facts.get("dl", 0)
    if strong.min_documents and entries >= max(MIN_DATED_LINKS, strong.min_documents):
        return T(f"頁面列有 {entries} 筆附日期之項目", f"lists {entries} dated entries")
    dated = facts.get("nd", 0)
    if strong.min_documents and dated >= max(MIN_DATED_ENTRIES, strong.min_documents):
        return T(f"頁面列有 {dated} 筆附日期之資料", f"lists {dated} dated entries")
    hits = [k for k in facts.get("ck", ()) if k in strong.content_keywords]
    if strong.content_keywords and len(hits) >= strong.min_content_keywords:
        return T("頁面載有" + "、".join(hits), "shows " + "、".join(hits))
    return None


_WEIGHT = {"official_link": 5, "link": 4, "title": 4, "docs": 3, "content": 3, "hub": 2, "crumb": 2, "link_item": 1,
           "title_item": 1,
           "url_hint": 0.5}


def _freshness(cat: Category, evidence: list[Page], audit: dt.date) -> dict[str, Any] | None:
    rule = cat.freshness
    if rule.rule == "none":
        return None
    current = dates.roc_year(audit)
    years: dict[str, int] = {}
    for page in evidence:
        for key, year in page.facts.get("yk", {}).items():
            years[key] = max(year, years.get(key, 0))
    if rule.rule == "period":
        return _period_freshness(cat, evidence, audit)
    if rule.rule == "current_year":
        latest = max((years.get(k, 0) for k in rule.year_keywords), default=0)
        ok = latest >= current
        words = "、".join(rule.year_keywords)
        reason = (T(f"最新為{latest}年度，稽核年度為{current}年", f"the latest year named is {latest} (ROC), the "
                    f"audit year is {current}") if latest
                  else T(f"未標示{words}之年度；稽核年度為{current}年", f"no year is named with {words}; the audit year "
                         f"is {current}"))
        return {"rule": rule.rule, "current": ok, "latest_year": latest or None, "reason": reason}
    if rule.rule == "budget":
        budget = max((y for k, y in years.items() if "預算" in k), default=0)
        final = max((y for k, y in years.items() if "決算" in k), default=0)
        oldest_final = current - rule.final_lag
        ok = budget >= current and (not final or final >= oldest_final)
        reason = T(f"最新預算為{budget or '—'}年度、決算為{final or '—'}年度；應有{current}年度預算"
                   f"（決算不早於{oldest_final}年度）",
                   f"latest 預算 {budget or '—'}, latest 決算 {final or '—'} (ROC years); expected 預算 {current} "
                   f"(決算 {oldest_final} or later)")
        return {"rule": rule.rule, "current": ok, "latest_year": budget or None, "latest_final_year": final or None,
                "reason": reason}
    return _months_freshness(rule.rule, rule.months, evidence, audit)


def _months_freshness(rule: str, months: int, evidence: list[Page], audit: dt.date) -> dict[str, Any]:
    newest = None
    for page in evidence:
        for iso in [page.facts.get("u"), *page.facts.get("d", ())]:
            if iso:
                day = dt.date.fromisoformat(iso)
                if day <= audit and (newest is None or day > newest):
                    newest = day
    ok = newest is not None and dates.months_between(newest, audit) <= months
    reason = (T(f"最新日期{newest.isoformat()}，應在{audit.isoformat()}前{months}個月內",
                f"newest date {newest.isoformat()}, limit {months} months before {audit.isoformat()}") if newest
              else T("頁面未見日期", "no date found on the page"))
    return {"rule": rule, "current": ok, "latest_date": newest.isoformat() if newest else None,
            "reason": reason}


_PERIOD_ZH = {"monthly": "月", "quarterly": "季", "yearly": "年"}


def _period_freshness(cat: Category, evidence: list[Page], audit: dt.date) -> dict[str, Any]:
    """Statistics by their own period: current when the newest month, quarter or year named ended within
    that period's allowance (config periods); a page naming no period falls back to its newest date."""
    rule = cat.freshness
    allowance = {"monthly": rule.periods.monthly, "quarterly": rule.periods.quarterly, "yearly": rule.periods.yearly}
    best: tuple[str, dt.date] | None = None
    for page in evidence:
        for kind, iso in page.facts.get("sp", {}).items():
            end = dt.date.fromisoformat(iso)
            if kind in allowance and end <= audit + dt.timedelta(days=31) and (
                    best is None or _due(end, allowance[kind]) > _due(best[1], allowance[best[0]])):
                best = (kind, end)
    if best is None:
        return _months_freshness("period", rule.months, evidence, audit)
    kind, end = best
    months = allowance[kind]
    ok = _due(end, months) >= audit
    reason = T(f"最新統計期間至{end.isoformat()}（{_PERIOD_ZH[kind]}資料），應於期間結束後{months}個月內更新",
               f"newest {kind} period ends {end.isoformat()}; due within {months} months of a period's end")
    return {"rule": "period", "current": ok, "period": kind, "latest_period_end": end.isoformat(), "reason": reason}


def _due(end: dt.date, months: int) -> dt.date:
    total = end.year * 12 + end.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1) - dt.timedelta(days=1) if end.day > 27 else dt.date(
        total // 12, total % 12 + 1, end.day)


def _updated(page: Page | None, audit: dt.date) -> str | None:
    if page is None:
        return None
    if page.facts.get("u"):
        return page.facts["u"]
    past = [d for d in page.facts.get("d", ()) if dt.date.fromisoformat(d) <= audit]
    return past[0] if past else None


def detect(pages: dict[str, Page], start_url: str, taxonomy: Taxonomy, audit: dt.date,
           not_applicable: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    hub = find_hub(pages, start_url, taxonomy)
    hub_url = hub["url"] if hub else None
    news = news_pages(pages, taxonomy)
    sections = section_documents(pages, taxonomy, hub_url, news)
    out: list[dict[str, Any]] = []
    for cat in taxonomy.categories:
        base = {"id": cat.id, "label": cat.label, "short": cat.short}
        if cat.id in not_applicable:
            out.append({**base, "status": NOT_APPLICABLE, "evidence": [], "updated": None, "stale": False,
                        "freshness": None, "reason": "網站設定檔標示為不適用",
                        "reason_en": "marked not applicable in the site profile"})
            continue
        cands = _candidates(cat, pages, taxonomy, hub_url, news, sections)
        confirmed: list[tuple[float, Candidate, T]] = []
        unconfirmed: list[tuple[float, Candidate]] = []
        for cand in cands.values():
            score = sum(_WEIGHT[s] for s in cand.signals)
            section = sections.get(cand.url)
            proof = (T("為官方系統", "it is the official system") if cand.external
                     else confirm(cat, pages[cand.url].facts, taxonomy)
                     or (T(f"頁面列有 {section[1]} 份此項文件", f"lists {section[1]} document(s) of it")
                         if section and section[0] == cat.id else None))
            if proof:
                confirmed.append((score, cand, proof))
            else:
                unconfirmed.append((score, cand))

        def order(item: tuple) -> tuple:
            cand = item[1]
            return (-item[0], pages[cand.url].depth if cand.url in pages else 99, cand.url)

        confirmed.sort(key=order)
        unconfirmed.sort(key=order)
        strong = [c for c in confirmed if c[1].labelled]
        if strong:
            status, chosen = FOUND, strong
            top = strong[0]
            reason = _describe(top[1]) + "；" + top[2]
        elif confirmed:
            status, chosen = WEAK, confirmed
            top = confirmed[0]
            reason = T("僅有間接證據：", "only indirect evidence: ") + _describe(top[1]) + "；" + top[2]
        elif unconfirmed and (unconfirmed[0][1].labelled and "label_only" in cat.weak_evidence
                              or not unconfirmed[0][1].labelled):
            status, chosen = WEAK, [(s, c, T("")) for s, c in unconfirmed]
            reason = _describe(unconfirmed[0][1]) + T("，但頁面未列出任何文件", ", but the page lists no documents")
        else:
            status, chosen = MISSING, []
            reason = T("選單、頁面標題、標題或導覽路徑均未見此項，亦無列出其文件之頁面",
                       "no page names this category (menus, titles, headings, breadcrumbs) or lists its documents")
        evidence = [c[1].url for c in chosen[:MAX_EVIDENCE]]
        evidence_pages = [pages[u] for u in evidence if u in pages]
        fresh = _freshness(cat, evidence_pages, audit) if status != MISSING else None
        if status == MISSING and cat.freshness.rule != "none":
            fresh = {"rule": cat.freshness.rule, "current": False, "reason": T("未公開", "missing")}
        # A category shown with documents that are out of date is stale: present, but not current.
        stale = bool(fresh and status == FOUND and not fresh["current"])
        if stale and fresh:
            status = STALE
            reason = reason + T("；未更新：", "; not current: ") + fresh["reason"]
        elif fresh and status == WEAK and not fresh["current"]:
            reason = reason + T("；", "; ") + fresh["reason"]
        out.append({**base, "status": status, "evidence": evidence,
                    "updated": _updated(evidence_pages[0] if evidence_pages else None, audit),
                    "stale": stale, "freshness": _plain(fresh), "reason": reason[0], "reason_en": reason[1]})
    return {"hub": hub, "categories": out}


def _describe(cand: Candidate) -> T:
    order = sorted(cand.signals, key=lambda s: -_WEIGHT[s])
    out = cand.signals[order[0]]
    for signal in order[1:2]:
        out = out + T("、", ", ") + cand.signals[signal]
    return out


def _plain(fresh: dict[str, Any] | None) -> dict[str, Any] | None:
    if fresh is None:
        return None
    reason = fresh["reason"]
    return {**fresh, "reason": reason[0], "reason_en": reason[1]}


def metrics(categories: list[dict[str, Any]]) -> dict[str, Any]:
    """coverage: found = 1, stale = 1 (published; its age costs in freshness), weak = 0.5, not applicable
    out of the denominator (domain §6). freshness: share of the applicable time-bound categories that are
    present and current."""
    applicable = [c for c in categories if c["status"] != NOT_APPLICABLE]
    value = {FOUND: 1.0, STALE: 1.0, WEAK: 0.5}
    coverage = (round(sum(value.get(c["status"], 0.0) for c in applicable) / len(applicable), 4)
                if applicable else None)
    timed = [c for c in applicable if c["freshness"] is not None]
    current = [c for c in timed if c["status"] in (FOUND, WEAK) and c["freshness"]["current"]]
    counts = {s: sum(c["status"] == s for c in categories) for s in (FOUND, WEAK, MISSING, NOT_APPLICABLE)}
    return {"coverage": coverage, "freshness": round(len(current) / len(timed), 4) if timed else None,
            "time_bound": len(timed), "time_bound_current": len(current),
            "stale": sum(c["stale"] for c in categories), **counts}

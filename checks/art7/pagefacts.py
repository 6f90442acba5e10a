"""The page analyzer run in the crawler's single parse: what Art. 7 detection needs from one page, kept
compact because it is stored for every page.

    {"h":  first heading of the main content,
     "bc": breadcrumb items,
     "l":  [[text, absolute href, region, title], ...] links whose text or title carries a taxonomy
           label or keyword (region "n" = header/nav/footer, "c" = elsewhere; title "" if none or same),
     "u":  the page's labelled date (更新日期 / 發布日期 / 最後異動時間 …), ISO,
     "d":  the three newest dates in the main content, ISO, newest first,
     "nd": number of dates in the main content (a dated list of documents has one per entry),
     "a":  attachment links in the main content (PDF, ODF, Office, archives, download handlers),
     "dl": links in the main content that are entries of a dated list (a date in the link or its row),
     "o":  official systems linked from the main content (keys of the taxonomy's official_systems),
     "ck": content keywords of the taxonomy found in the main content,
     "yk": {year keyword: latest ROC year named with it (a range's end year)}, e.g. {"預算": 113},
     "sp": {monthly|quarterly|yearly: ISO end of the newest such period named (統計 periods)}}
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from govaudit import urls
from govaudit.checks.anchors import anchors
from govaudit.checks.art7 import dates
from govaudit.checks.art7.labels import normalize
from govaudit.checks.art7.taxonomy import Taxonomy, clean
from govaudit.checks.art7.taxonomy import default as default_taxonomy

_MAIN = etree.XPath("(//main | //*[@role='main'])[1]")
_MAIN_ID = etree.XPath("(//*[@id='C' or @id='main' or @id='content'])[1]")
_TEXT = etree.XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]")
_NAV_LINKS = etree.XPath("//header//a[@href] | //nav//a[@href] | //footer//a[@href]")
_CRUMB = etree.XPath("(//*[contains(@class,'breadcrumb') or @aria-label='導覽路徑' or @aria-label='breadcrumb'"
                     " or @aria-label='Breadcrumb'])[1]")
_HEADING = etree.XPath("(.//h1 | .//h2)[1]")
# The cheap test first: few text nodes name a label, and only those have their ancestors looked at.
_LABEL_NODES = etree.XPath(
    "//text()[contains(., '更新') or contains(., '發布') or contains(., '發佈') or contains(., '異動')"
    " or contains(., '公告日期') or contains(., '上版') or contains(., 'pdated')]"
    "[not(ancestor::script or ancestor::style)]")
_ATTACHMENT = re.compile(
    r"\.(?:pdf|odt|ods|odp|doc|docx|xls|xlsx|ppt|pptx|zip|7z|rar|csv)(?:$|[?#])|/file/get/|download", re.I)
_SKIP_HREF = ("javascript:", "mailto:", "tel:", "#")
_HOST = re.compile(r"(?i)^(?:https?:)?//([^/:?#@]+)")
_MAX = 40


_COMPILED: dict[int, tuple] = {}


def _matchers(taxonomy: Taxonomy) -> tuple[re.Pattern, re.Pattern | None, tuple[re.Pattern, ...] | None]:
    if id(taxonomy) in _COMPILED:
        return _COMPILED[id(taxonomy)][1]
    terms = re.compile("|".join(re.escape(t) for t in taxonomy.all_terms()))
    content = taxonomy.content_terms()
    years = taxonomy.year_keywords()
    compiled = (terms, re.compile("|".join(re.escape(t) for t in content)) if content else None,
                (dates.year_keyword_pattern(years), dates.year_range_pattern(years)) if years else None)
    _COMPILED[id(taxonomy)] = (taxonomy, compiled)  # keeps the taxonomy alive, so its id stays unique
    return compiled


_NAMED: dict[re.Pattern, dict[str, tuple[str, bool]]] = {}


def _named(terms: re.Pattern) -> dict[str, tuple[str, bool]]:
    """Link text → (cleaned text, names a term), per term pattern; bounded (a crawl sees many texts)."""
    known = _NAMED.setdefault(terms, {})
    if len(known) > 10_000:
        known.clear()
    return known


_ENTRY_TAGS = frozenset({"li", "tr", "dd", "dt", "article"})
_MAX_DATED = 50


def _dated_entry(a: Any, seen: dict[Any, bool | None]) -> bool:
    """A link that is an entry of a dated list: a date in the link itself or in its list item / table
    row / card (「<li><a>公務預算 2023-04-21</a></li>」): a list of documents, unlike an article's two dates.

    `seen` holds each element's verdict for the page (None: look further up): the links of one parent
    share it, and reading a large parent's text once per link made a page of 50,000 links take minutes."""
    element, hops = a, 0
    while element is not None and hops < 3:
        verdict = seen[element] if element in seen else _entry_verdict(element)
        seen[element] = verdict
        if verdict is not None:
            return verdict
        element, hops = element.getparent(), hops + 1
    return False


def _entry_verdict(element: Any) -> bool | None:
    text = element.text_content()
    if len(text) > 400:
        return False
    if dates.find_dates(text):
        return True
    if element.tag in _ENTRY_TAGS:
        return False
    return None


def _main(doc: Any) -> Any:
    found = _MAIN(doc) or _MAIN_ID(doc)
    if found:
        return found[0]
    body = doc.find(".//body")
    return body if body is not None else doc


def _labelled(nodes: list) -> str | None:
    found = []
    for node in nodes:
        # 「<b>更新日期：</b><span>2022-10-13</span>」: the date may sit in the label's sibling.
        element, tries = node.getparent(), 2
        while element is not None and tries:
            day = dates.labelled_date(clean(element.text_content())[:160])
            if day:
                found.append(day)
                break
            element, tries = element.getparent(), tries - 1
    return max(found).isoformat() if found else None


def analyze(doc: Any, url: str, taxonomy: Taxonomy | None = None) -> dict[str, Any]:
    taxonomy = taxonomy or default_taxonomy()
    terms, content_terms, year_kw = _matchers(taxonomy)
    named = _named(terms)
    main = _main(doc)
    facts: dict[str, Any] = {}
    heading = _HEADING(main)
    if heading:
        facts["h"] = clean(heading[0].text_content())[:_MAX]
    crumb = _CRUMB(doc)
    if crumb:
        items = crumb[0].findall(".//li") or crumb[0].findall(".//a")
        facts["bc"] = [clean(i.text_content())[:_MAX] for i in items][:8]
    in_nav = set(_NAV_LINKS(doc))
    in_main = set(main.iter("a"))
    links, seen = [], set()
    attachments, systems, dated_links = 0, set(), 0
    entries: dict[Any, bool | None] = {}  # _dated_entry's verdicts on this page's elements
    hosts: dict[str, str | None] = {}
    for a, href, content in anchors(doc):
        if not href or href.lower().startswith(_SKIP_HREF):
            continue
        if a in in_main and a not in in_nav:
            if _ATTACHMENT.search(href):
                attachments += 1
            if dated_links < _MAX_DATED and _dated_entry(a, entries):
                dated_links += 1
            absolute = _HOST.match(href)  # a relative link stays on the site: never an official system
            if absolute:
                host = absolute[1].lower()
                if host not in hosts:
                    hosts[host] = taxonomy.system_of(host)
                if hosts[host]:
                    systems.add(hosts[host])
        # Menus repeat on every page: the cleaned text and whether it names a term, once per distinct text.
        raw, title = content[:160], a.get("title") or ""
        known = named.get(raw)
        if known is None:
            text = clean(raw)[:_MAX]
            known = named[raw] = (text, bool(text and terms.search(normalize(text))))
        text, hit = known
        if not text:
            text = clean(" ".join(img.get("alt") or "" for img in a.iter("img")))[:_MAX]
            hit = bool(terms.search(normalize(text)))
        if not (hit or (title and terms.search(normalize(title)))):
            continue
        try:
            target, _ = urls.normalize(href, url)
        except urls.InvalidURL:
            continue
        title = clean(title)[:_MAX]
        if (text, target) not in seen:
            seen.add((text, target))
            links.append([text, target, "n" if a in in_nav else "c", title if title != text else ""])
    if links:
        facts["l"] = links
    text = clean(" ".join(_TEXT(main)))
    found = dates.find_dates(text)
    if found:
        facts["nd"] = len(found)
        facts["d"] = [d.isoformat() for d in sorted(set(found), reverse=True)[:3]]
    updated = updated_date(doc)
    if updated:
        facts["u"] = updated
    if attachments:
        facts["a"] = attachments
    if dated_links:
        facts["dl"] = dated_links
    if systems:
        facts["o"] = sorted(systems)
    if content_terms is not None:
        hits = sorted(set(content_terms.findall(text)))
        if hits:
            facts["ck"] = hits
    if year_kw is not None:
        years: dict[str, int] = {}
        for pattern in year_kw:
            for match in pattern.finditer(text):
                year = dates.year_of(match["y"])
                if 1 <= year <= 200:
                    years[match["k"]] = max(year, years.get(match["k"], 0))
        if years:
            facts["yk"] = years
    periods = dates.statistic_periods(text) if "年" in text else {}
    if periods:
        facts["sp"] = periods
    return facts


def _inside(el: Any, container: Any) -> bool:
    if container is None:
        return True
    for ancestor in el.iterancestors():
        if ancestor is container:
            return True
    return False


def _inside_node(node: Any, container: Any) -> bool:
    parent = node.getparent()
    return parent is not None and (parent is container or _inside(parent, container))


def updated_date(doc: Any) -> str | None:
    """The page's labelled last-updated date (the disclosure and freshness analyzers both want it: the
    last document's answer is kept, so the crawler's one parse computes it once)."""
    if _LAST_UPDATED[0] is doc:
        return _LAST_UPDATED[1]
    main = _main(doc)
    nodes = _LABEL_NODES(doc)
    found = _labelled([n for n in nodes if _inside_node(n, main)]) or _labelled(nodes)
    _LAST_UPDATED[:] = [doc, found]
    return found


_LAST_UPDATED: list[Any] = [None, None]  # (document, its updated_date)

"""設置英文網站 / 雙語化網站連結功能: an English site linked from the Chinese home page, English pages
that really are English, key pages paired.

Per page (in the crawler's single parse): the declared `lang`, how much of the visible text is CJK,
the first <h1>, hreflang alternates and language-switch links (text English / EN / 中文, hreflang,
lang, or a link into the other language's section such as /en/). run() finds the English entry point
on the home page, classifies every page as Chinese or English, pairs them (hreflang, switch links,
path mapping /en/x ↔ /x), looks for the English About / Contact / Privacy / Open-data pages and flags
wrong lang attributes, Chinese text on English pages and language switches that lead nowhere.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import chain
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

from govaudit import urls
from govaudit.checks.anchors import anchors
from govaudit.checks.sitepages import home_page, is_html_page
from govaudit.models import CheckResult, CheckStatus, Finding, LinkResult, LinkStatus, Page, Severity
from govaudit.plugins import Check, CheckContext, Code, NotApplicable
from govaudit.reuse import LINK_LOOKUPS, LINKS, PAGES, START_URL

# Visible text: script and style content is always a direct child text node (parent:: is far cheaper
# than ancestor:: over every text node).
_TEXT = etree.XPath("//body//text()[not(parent::script or parent::style or parent::noscript or parent::template)]",
                    smart_strings=False)
_ALTERNATES = etree.XPath("//link[@hreflang][@href][contains(translate(@rel, 'ALTERNATE', 'alternate'), 'alternate')]")
_H1 = etree.XPath("(//h1)[position() <= 3]")
_NON_CJK = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+")
_LATIN = re.compile(r"[A-Za-z]")
_SPACE = re.compile(r"\s+")
# Text (or title / image alt) of a link that switches language.
EN_WORDS = frozenset({"english", "en", "eng", "english version", "english site", "english website", "英文",
                      "英文版", "英文網", "英文網站", "english(英文)", "in english"})
ZH_WORDS = frozenset({"中文", "中文版", "中文網", "中文網站", "繁體中文", "正體中文", "華文", "chinese",
                      "traditional chinese", "中文(chinese)", "zh", "tw", "zh-tw", "回中文版"})
EN_SEGMENTS = frozenset({"en", "eng", "english", "en-us", "en_us", "en-gb", "en_gb"})
LANG_PARAMS = frozenset({"lang", "language", "locale", "culture", "l"})
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WORDS = "|" + "|".join(sorted(EN_WORDS | ZH_WORDS)) + "|"


def _word(expr: str) -> str:
    """XPath: the normalised, lower-cased value of expr is one of the switch words."""
    return (f"contains('{_WORDS}', concat('|', translate(normalize-space({expr}), '{_UPPER}', "
            f"'{_UPPER.lower()}'), '|'))")


# Candidate switch links, chosen in C (pages have hundreds of links; only a handful are candidates):
# hreflang, lang, a switch word as text / title / aria-label / image alt, or (on a Chinese page) an
# href that may lead into an English section.
_CANDIDATES = "//a[@href][@hreflang or @lang or {} or {} or {} or .//img[{}]{}]"
_SWITCH_WORDS = (_word("."), _word("@title"), _word("@aria-label"), _word("@alt"))
_SWITCHES_EN_PAGE = etree.XPath(_CANDIDATES.format(*_SWITCH_WORDS, ""))
_SWITCHES_ZH_PAGE = etree.XPath(_CANDIDATES.format(
    *_SWITCH_WORDS, " or contains(translate(@href, 'ENGLISH', 'english'), 'en')"))
MAX_SWITCHES = 8
MIN_LETTERS = 20  # below this, a page has too little text to judge its language
# Key English pages (domain notes §8) by title, <h1> or the text of links to them.
KEY_PAGES = {
    "about": re.compile(r"\babout\b|organi[sz]ation|\bwho we are\b", re.IGNORECASE),
    "contact": re.compile(r"\bcontact|\bconnect us\b|\bget in touch\b", re.IGNORECASE),
    "privacy": re.compile(r"privacy", re.IGNORECASE),
    "open_data": re.compile(r"open[\s-]*data", re.IGNORECASE),
}


@functools.lru_cache(maxsize=1 << 13)  # called for the candidate links of every page: menus repeat
def url_section(url: str) -> str:
    """"en" when the URL sits in an English section (/en/…, /english/…, ?lang=en…), else "zh"."""
    parts = urlsplit(url)
    if any(seg.lower() in EN_SEGMENTS for seg in parts.path.split("/")):
        return "en"
    for key, value in parse_qsl(parts.query):
        if key.lower() in LANG_PARAMS and value.lower().startswith("en"):
            return "en"
    return "zh"


def chinese_counterpart(url: str) -> str | None:
    """The URL an English-section page would have in Chinese: /en/a/b.html → /a/b.html, ?lang=en dropped."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    kept = [s for s in segments if s.lower() not in EN_SEGMENTS]
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not (k.lower() in LANG_PARAMS and v.lower().startswith("en"))]
    if len(kept) == len(segments) and len(query) == len(parse_qsl(parts.query, keep_blank_values=True)):
        return None
    path = "/".join(kept) or "/"
    if not path.startswith("/"):
        path = "/" + path
    path = re.sub(r"/{2,}", "/", path)
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def _clean(text: str | None, limit: int = 200) -> str:
    return _SPACE.sub(" ", text or "").strip()[:limit]


def _switch_language(a: Any, page_section: str, href: str) -> tuple[str, str] | None:
    """(language the link switches to, how it was recognised) or None. Runs on every link of every page:
    cheap tests first, no URL normalisation (the caller normalises the few links that match)."""
    hreflang = (a.get("hreflang") or "").strip().lower()
    if hreflang.startswith("en"):
        return "en", "hreflang"
    if hreflang.startswith("zh"):
        return "zh", "hreflang"
    text = a.text_content()
    names = {_clean(text).lower()} if len(text) < 200 else set()
    for attr in ("title", "aria-label"):
        if a.get(attr):
            names.add(_clean(a.get(attr)).lower())
    names |= {_clean(img.get("alt")).lower() for img in a.iter("img")}
    names.discard("")
    if names & EN_WORDS:
        return "en", "text"
    if names & ZH_WORDS:
        return "zh", "text"
    lang = (a.get("lang") or "").strip().lower()
    if lang.startswith("en") and names and len(min(names, key=len)) <= 20:
        return "en", "lang"
    if page_section == "zh" and "en" in href.lower() and url_section(href) == "en":
        return "en", "path"
    return None


_XML_SPACE = re.compile("[ \t\r\n]+")
_ASCII_LOWER = str.maketrans(_UPPER, _UPPER.lower())
_ENGLISH_LOWER = str.maketrans("ENGLISH", "english")
_IS_WORD: dict[str, bool] = {}


def _is_word(value: str | None) -> bool:
    """Python for the XPath _word(): normalize-space (XML white space only), ASCII lower case, one of the
    switch words. Memoised: menus repeat on every page."""
    if value is None:
        return False
    found = _IS_WORD.get(value)
    if found is None:
        if len(_IS_WORD) > 10_000:
            _IS_WORD.clear()
        norm = _XML_SPACE.sub(" ", value).strip(" \t\r\n").translate(_ASCII_LOWER)
        found = _IS_WORD[value] = f"|{norm}|" in _WORDS
    return found


def _candidates(doc: Any, section: str) -> list[tuple[Any, str]]:
    """(element, stripped href) of the candidate switch links, in document order: exactly what the
    _SWITCHES_* XPaths select, tested on the page's shared link list (cheaper than the XPath)."""
    out = []
    for a, href, content in anchors(doc):
        get = a.get
        if get("href") is None:
            continue
        if (get("hreflang") is not None or get("lang") is not None or _is_word(content)
                or _is_word(get("title")) or _is_word(get("aria-label"))
                or (len(a) and any(_is_word(img.get("alt")) for img in a.iter("img")))
                or (section == "zh" and "en" in href.translate(_ENGLISH_LOWER))):
            out.append((a, href))
    return out


def analyze(doc: Any, url: str) -> dict[str, Any]:
    text = "".join(_TEXT(doc))
    cjk, latin = len(_NON_CJK.sub("", text)), len(_LATIN.findall(text))
    section = url_section(url)
    switches, seen = [], set()
    for a, href in _candidates(doc, section):
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        found = _switch_language(a, section, href)
        if found is None:
            continue
        try:
            target = urls.normalize_url(href, url)
        except urls.InvalidURL:
            continue
        if (found[0], target) in seen:
            continue
        seen.add((found[0], target))
        switches.append({"href": target, "to": found[0], "via": found[1], "text": _clean(a.text_content(), 60)})
        if len(switches) >= MAX_SWITCHES:
            break
    alternates = []
    for link in _ALTERNATES(doc)[:MAX_SWITCHES]:
        try:
            alternates.append({"hreflang": link.get("hreflang").strip().lower(),
                               "href": urls.normalize_url(link.get("href"), url)})
        except urls.InvalidURL:
            continue
    h1 = _H1(doc)
    return {"cjk": cjk, "latin": latin, "h1": " | ".join(_clean(h.text_content(), 100) for h in h1),
            "switches": switches, "alternates": alternates}


def cjk_share(facts: dict) -> float | None:
    letters = facts.get("cjk", 0) + facts.get("latin", 0)
    return round(facts["cjk"] / letters, 4) if letters >= MIN_LETTERS else None


class Bilingual(Check):
    id = "bilingual"
    inputs = frozenset({PAGES, LINKS, LINK_LOOKUPS, START_URL})
    title = "Bilingual website (English pages)"
    title_zh = "雙語化網站（英文網頁）"
    version = "1"
    cost = 1.0
    indicator_tags = ("indicator:retrieval_convenience", "component:bilingual")
    default_options = {
        "max_cjk_share": 0.3,  # an English page with more CJK among its letters is a Chinese copy or stub
        "key_pages": ["about", "contact", "privacy", "open_data"],
        "max_listed": 500,  # pages and pairs listed in results.json
    }
    codes = {
        "bilingual.english-missing": Code(
            Severity.HIGH, "The Chinese home page has no link to an English site (text English/EN, hreflang, "
            "/en/, lang switch).",
            "中文首頁沒有連至英文網站的連結（English／EN 文字、hreflang、/en/、語言切換）。"),
        "bilingual.switch-dead": Code(
            Severity.HIGH, "A language switch or hreflang alternate leads to a page that does not answer.",
            "語言切換連結或 hreflang 對應頁面無法開啟。"),
        "bilingual.not-english": Code(
            Severity.MEDIUM, "A page of the English site is mostly Chinese text (CJK share above the limit): "
            "a copy of the Chinese page or an untranslated stub.",
            "英文網站頁面內容多為中文（中日韓文字比例超過上限），疑為中文頁面複製或未翻譯。"),
        "bilingual.lang-wrong": Code(
            Severity.MEDIUM, "The page's <html lang> is missing or does not match its text (an English page "
            "declared Chinese, or a Chinese page declared English).",
            "網頁 <html lang> 未宣告或與內容語言不符（英文頁宣告為中文，或中文頁宣告為英文）。"),
        "bilingual.key-page-missing": Code(
            Severity.MEDIUM, "A key page (About, Contact, Privacy policy, Open-data declaration) was not found "
            "in English.",
            "英文網站缺少重要頁面（機關簡介、聯絡資訊、隱私權政策、政府網站資料開放宣告）。"),
    }

    def __init__(self, options: dict[str, Any] | None = None):
        super().__init__(options)
        share = self.options["max_cjk_share"]
        if not isinstance(share, int | float) or not 0 < share < 1:
            raise ValueError("max_cjk_share must be between 0 and 1")
        unknown = set(self.options["key_pages"]) - set(KEY_PAGES)
        if unknown:
            raise ValueError(f"key_pages: unknown {', '.join(sorted(unknown))}; known: {', '.join(KEY_PAGES)}")
        if not isinstance(self.options["max_listed"], int) or self.options["max_listed"] < 1:
            raise ValueError("max_listed must be a positive integer")

    page_facts = staticmethod(analyze)

    def run(self, ctx: CheckContext) -> CheckResult:
        site = _Site.read(ctx, self.id)
        english_home = site.english_home()
        findings: list[Finding] = []
        if english_home is None and url_section(site.home.url) != "en":
            findings.append(self.finding("bilingual.english-missing", "no link to an English site on the home page",
                                         page=site.home.url))
        en_home_url = english_home["url"] if english_home and english_home["crawled"] else None
        english_urls, checked = self._classify(site, en_home_url, findings)
        pairs, dead = _pairs(site, english_urls, en_home_url)
        findings += self._dead_findings(site, dead, english_home)
        key_pages = self._key_pages(ctx, site, english_urls, en_home_url, findings)
        parts = _parts(site, english_home, key_pages, checked, dead)
        metrics, section = self._report(site, english_home, english_urls, checked, pairs, key_pages, parts,
                                        findings)
        serious = any(f.severity in (Severity.HIGH, Severity.CRITICAL, Severity.MEDIUM) for f in findings)
        status = CheckStatus.FAILED if serious else CheckStatus.NEEDS_REVIEW if findings else CheckStatus.PASSED
        return replace(self.result(status, metrics, findings), data={"bilingual": section})

    def _classify(self, site: _Site, en_home_url: str | None,
                  findings: list[Finding]) -> tuple[set[str], list[dict[str, Any]]]:
        """Which pages are English (their URLs, and a row for each), adding the findings on their language."""
        limit = self.options["max_cjk_share"]
        english_urls: set[str] = set()
        checked: list[dict[str, Any]] = []
        for page in site.pages:
            url = page.url
            declared = (page.lang or "").strip().lower()
            share = cjk_share(site.facts[url])
            detected = _detected(share, limit)
            if _is_english(url, declared, detected, en_home_url):
                english_urls.add(url)
                checked.append({"url": url, "lang": declared, "cjk_share": share, "english": detected != "zh"})
                if detected == "zh":
                    findings.append(self.finding(
                        "bilingual.not-english", f"{share:.0%} of the letters are CJK (limit {limit:.0%})",
                        page=url, evidence={"cjk_share": share, "lang": declared, "title": page.title}))
                elif not declared.startswith("en"):
                    findings.append(self.finding(
                        "bilingual.lang-wrong", f"English page declares {_declares(declared)}",
                        page=url, evidence={"lang": declared, "cjk_share": share}))
            elif detected == "zh" and not declared.startswith("zh"):
                findings.append(self.finding(
                    "bilingual.lang-wrong", f"Chinese page declares {_declares(declared)}",
                    page=url, evidence={"lang": declared, "cjk_share": share}))
        return english_urls, checked

    def _dead_findings(self, site: _Site, dead: dict[tuple[str, str], dict[str, str]],
                       english_home: dict[str, Any] | None) -> list[Finding]:
        """A finding for every language link that leads nowhere, and for a dead English-site link."""
        findings = []
        for (page, target), info in dead.items():
            result = site.result(target)
            error, http_status = (result.error, result.http_status) if result else ("", None)
            findings.append(self.finding(
                "bilingual.switch-dead",
                f"language link ({info['via']}) answers {error or http_status}",
                page=page, target=target, evidence={**info, "http_status": http_status, "error": error}))
        zh_home = site.home.url
        if english_home and english_home["status"] == LinkStatus.BROKEN and (zh_home, english_home["link"]) not in dead:
            findings.append(self.finding("bilingual.switch-dead", "the English site link does not answer",
                                         page=zh_home, target=english_home["link"]))
        return findings

    def _key_pages(self, ctx: CheckContext, site: _Site, english_urls: set[str], en_home_url: str | None,
                   findings: list[Finding]) -> dict[str, str | None]:
        """Key page kind → the English page found for it (None: not found, with a finding); {} without
        English pages."""
        if not english_urls:
            return {}
        kinds = self.options["key_pages"]
        key_pages = _key_pages_by_title(site, english_urls - {en_home_url}, kinds)
        wanted = {k for k, v in key_pages.items() if v is None}
        if wanted:
            key_pages.update(_key_pages_by_link_text(ctx, english_urls, wanted))
        for kind, url in key_pages.items():
            if url is None:
                findings.append(self.finding(
                    "bilingual.key-page-missing", f"no English {kind.replace('_', '-')} page found",
                    page=en_home_url or site.home.url, target=kind))
        return key_pages

    def _report(self, site: _Site, english_home: dict[str, Any] | None, english_urls: set[str],
                checked: list[dict[str, Any]], pairs: dict[tuple[str, str], set[str]],
                key_pages: dict[str, str | None], parts: dict[str, float],
                findings: list[Finding]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The metrics and the results.json section."""
        paired_en = {en for _, en in pairs}
        paired_zh = {zh for zh, _ in pairs}
        chinese_urls = [p.url for p in site.pages if p.url not in english_urls]
        score = round(sum(parts.values()) / len(parts), 4) if parts["entry"] else 0.0
        limit_n = self.options["max_listed"]
        coverage = {
            "zh_pages": len(chinese_urls), "en_pages": len(english_urls), "pairs": len(pairs),
            "en_paired": len(paired_en), "zh_paired": len(paired_zh),
            "en_paired_share": round(len(paired_en) / len(english_urls), 4) if english_urls else None,
            "zh_paired_share": round(len(paired_zh) / len(chinese_urls), 4) if chinese_urls else None,
            "key_pages": key_pages,
            "unpaired_en": sorted(set(english_urls) - paired_en)[:limit_n],
        }
        metrics = {"score": score, **{f"part_{k}": round(v, 4) for k, v in parts.items()},
                   "en_pages": len(english_urls), "pairs": len(pairs),
                   "en_paired_share": coverage["en_paired_share"]}
        section = {
            "english_home": english_home,
            "pairs": [{"zh": zh, "en": en, "via": sorted(via)} for (zh, en), via in sorted(pairs.items())][:limit_n],
            "coverage": coverage,
            "english_pages": sorted(checked, key=lambda r: r["url"])[:limit_n],
            "findings": [{"code": f.code, "severity": f.severity.value, "page": f.page, "target": f.target,
                          "message": f.message} for f in findings][:limit_n],
        }
        return metrics, section


# -- the steps of run() that need no options -----------------------------------------------------------
_LIVE = ("ok", LinkStatus.OK, LinkStatus.REDIRECTED)
# How an English entry point on the home page was found, best first.
_RANK = {"hreflang": 0, "text": 1, "lang": 2, "path": 3}


@dataclass(frozen=True)
class _Site:
    """What run() reads once: the parsed HTML pages with their facts, the home page, the link results."""

    pages: list[Page]
    facts: dict[str, dict[str, Any]]  # url → this check's page facts
    home: Page
    by_url: dict[str, Page]
    result: Callable[[str], LinkResult | None]  # a target's link result (ctx.link_result: noted as read)

    @classmethod
    def read(cls, ctx: CheckContext, check_id: str) -> _Site:
        html = [p for p in ctx.pages() if is_html_page(p)]
        facts = {p.url: f for p in html if isinstance(f := p.facts.get(check_id), dict) and "_error" not in f}
        pages = [p for p in html if p.url in facts]
        if not pages:
            raise NotApplicable("no HTML page was parsed")
        home = home_page(ctx, pages)
        if home is None:
            raise NotApplicable("the home page was not crawled")
        return cls(pages, facts, home, {p.url: p for p in pages}, ctx.link_result)

    def status_of(self, url: str) -> str:
        """"ok" for a crawled page, else its link status, else "not_checked"."""
        if url in self.by_url:
            return "ok"
        result = self.result(url)
        return result.status if result else "not_checked"

    def english_home(self) -> dict[str, Any] | None:
        """The English entry point on the Chinese home page: the best-ranked live switch or alternate."""
        home_facts = self.facts[self.home.url]
        candidates = sorted((s for s in home_facts["switches"] if s["to"] == "en"), key=lambda s: _RANK[s["via"]])
        candidates += [{"href": a["href"], "to": "en", "via": "alternate", "text": ""}
                       for a in home_facts["alternates"] if a["hreflang"].startswith("en")]
        if not candidates:
            return None
        live = [c for c in candidates if self.status_of(c["href"]) in _LIVE]
        chosen = (live or candidates)[0]
        chosen_result = self.result(chosen["href"])
        target = (chosen_result.final_url if chosen_result else None) or chosen["href"]
        target = target if target in self.by_url else chosen["href"]
        return {"url": target, "link": chosen["href"], "found_by": chosen["via"], "text": chosen["text"],
                "status": self.status_of(chosen["href"]), "crawled": target in self.by_url}


def _detected(share: float | None, limit: float) -> str | None:
    """The language the text is in: "zh" above the CJK limit, "en" below, None with too little text."""
    return None if share is None else "zh" if share > limit else "en"


def _is_english(url: str, declared: str, detected: str | None, en_home_url: str | None) -> bool:
    """An English page: in the English section, or declared English and not Chinese text, or English text
    not declared Chinese."""
    in_en_section = url_section(url) == "en" or url == en_home_url
    return in_en_section or (declared.startswith("en") and detected != "zh") or (
        detected == "en" and not declared.startswith("zh"))


def _declares(declared: str) -> str:
    return "lang=" + declared if declared else "no lang"


_Pair = tuple[str, str, str]  # (zh page, en page, how they are paired)
_LanguageLink = tuple[_Pair | None, str, dict[str, str]]  # (the pair it makes, its target, how recognised)


def _alternate_links(url: str, alternates: list[dict[str, str]], is_en: bool) -> Iterator[_LanguageLink]:
    """A page's hreflang alternates into the other language."""
    for alt in alternates:
        if alt["hreflang"].startswith("en") and not is_en:
            pair = (url, alt["href"], "hreflang")
        elif alt["hreflang"].startswith("zh") and is_en:
            pair = (alt["href"], url, "hreflang")
        else:
            continue
        yield pair, alt["href"], {"via": "hreflang", "text": alt["hreflang"]}


def _switch_links(url: str, switches: list[dict[str, str]], is_en: bool, zh_home: str,
                  en_home_url: str | None) -> Iterator[_LanguageLink]:
    """A page's language switches (links to either home page pair only the two home pages)."""
    for switch in switches:
        if switch["via"] == "path":
            continue  # an ordinary link into the English section, not a switch
        pair = None
        if switch["to"] == "en" and not is_en and (switch["href"] != en_home_url or url == zh_home):
            pair = (url, switch["href"], "switch")
        elif switch["to"] == "zh" and is_en and (switch["href"] != zh_home or url == en_home_url):
            pair = (switch["href"], url, "switch")
        yield pair, switch["href"], {"via": switch["via"], "text": switch["text"]}


def _pairs(site: _Site, english_urls: set[str], en_home_url: str | None
           ) -> tuple[dict[tuple[str, str], set[str]], dict[tuple[str, str], dict[str, str]]]:
    """(zh, en) page pairs → how they are paired (hreflang alternates, language switches, path mapping),
    and the language links that are broken: (page, target) → how the link was recognised, its text."""
    pairs: dict[tuple[str, str], set[str]] = {}

    def pair(zh: str, en: str, via: str) -> None:
        if zh in site.by_url and en in site.by_url and zh not in english_urls and en in english_urls:
            pairs.setdefault((zh, en), set()).add(via)

    dead: dict[tuple[str, str], dict[str, str]] = {}
    for page in site.pages:
        url, f = page.url, site.facts[page.url]
        is_en = url in english_urls
        for found, target, info in chain(_alternate_links(url, f["alternates"], is_en),
                                         _switch_links(url, f["switches"], is_en, site.home.url, en_home_url)):
            if found:
                pair(*found)
            if site.status_of(target) == LinkStatus.BROKEN:
                dead[(url, target)] = info
    for url in english_urls:
        counterpart = chinese_counterpart(url)
        if counterpart:
            pair(counterpart, url, "path")
    return pairs, dead


def _key_pages_by_title(site: _Site, candidates: set[str], kinds: list[str]) -> dict[str, str | None]:
    """Key page kind → the English page whose title (else <h1>) names it, or None."""
    # A page is a candidate for the kind its title (else <h1>) names first: "Contact-About Us" is the
    # contact page of the About section, not the About page.
    kind_of: dict[str, str] = {}
    for u in candidates:
        for text in (site.by_url[u].title or "", site.facts[u]["h1"]):
            hits = [(m.start(), k) for k in kinds if (m := KEY_PAGES[k].search(text))]
            if hits:
                kind_of[u] = min(hits)[1]
                break
    key_pages: dict[str, str | None] = {}
    for kind in kinds:
        pattern = KEY_PAGES[kind]
        found = [u for u, k in kind_of.items() if k == kind]
        # /en/open-data.html before a news item that mentions open data in its title
        found.sort(key=lambda u: (not pattern.search(urlsplit(u).path), site.by_url[u].depth or 0,
                                  len(site.by_url[u].title or ""), u))
        key_pages[kind] = found[0] if found else None
    return key_pages


def _key_pages_by_link_text(ctx: CheckContext, english_urls: set[str], wanted: set[str]) -> dict[str, str]:
    """Wanted key page kind → the first English page an English page links to with text naming it."""
    found: dict[str, str] = {}
    wanted = set(wanted)
    for link in ctx.links():
        if link.source in english_urls and link.target in english_urls and link.tag == "a":
            for kind in list(wanted):
                if KEY_PAGES[kind].search(link.text):
                    found[kind] = link.target
                    wanted.discard(kind)
        if not wanted:
            break
    return found


def _parts(site: _Site, english_home: dict[str, Any] | None, key_pages: dict[str, str | None],
           checked: list[dict[str, Any]], dead: dict[tuple[str, str], dict[str, str]]) -> dict[str, float]:
    """The four parts of the score, each 0..1: a live English entry point, the key pages found, English
    pages whose text and lang are English, language switches that answer."""
    really = [row for row in checked if row["english"] and row["lang"].startswith("en")]
    dead_targets = {t for _, t in dead}
    switch_targets = {s["href"] for f in site.facts.values() for s in f["switches"] if s["via"] != "path"}
    judged_switches = {t for t in switch_targets if site.status_of(t) in (*_LIVE, LinkStatus.BROKEN)}
    entry = 1.0 if english_home and english_home["status"] in _LIVE else 0.0
    return {
        "entry": entry,
        "key_pages": (sum(v is not None for v in key_pages.values()) / len(key_pages)) if key_pages else 0.0,
        "english_text": len(really) / len(checked) if checked else 0.0,
        "switches": 1 - len(dead_targets & judged_switches) / len(judged_switches) if judged_switches else 1.0,
    }

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
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from govaudit.checks.anchors import anchors
from govaudit.checks.sitepages import home_page, is_html_page
from lxml import etree

from govaudit import urls
from govaudit.models import CheckResult, CheckStatus, LinkStatus, Severity
from govaudit.plugins import Check, CheckContext, Code, NotApplicable

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
        pages = [p for p in ctx.pages() if is_html_page(p)]
        facts = {p.url: p.facts.get(self.id) for p in pages}
        pages = [p for p in pages if isinstance(facts[p.url], dict) and "_error" not in facts[p.url]]
        if not pages:
            raise NotApplicable("no HTML page was parsed")
        home = home_page(ctx, pages)
        if home is None:
            raise NotApplicable("the home page was not crawled")
        by_url = {p.url: p for p in pages}
        results = {r.url: r for r in ctx.link_results()}
        limit = self.options["max_cjk_share"]
        findings = []

        def status_of(url: str) -> str:
            if url in by_url:
                return "ok"
            result = results.get(url)
            return result.status if result else "not_checked"

        # 1. The English entry point on the Chinese home page.
        home_facts = facts[home.url]
        rank = {"hreflang": 0, "text": 1, "lang": 2, "path": 3}
        candidates = sorted((s for s in home_facts["switches"] if s["to"] == "en"), key=lambda s: rank[s["via"]])
        candidates += [{"href": a["href"], "to": "en", "via": "alternate", "text": ""}
                       for a in home_facts["alternates"] if a["hreflang"].startswith("en")]
        english_home = None
        if candidates:
            live = [c for c in candidates if status_of(c["href"]) in ("ok", LinkStatus.OK, LinkStatus.REDIRECTED)]
            chosen = (live or candidates)[0]
            chosen_result = results.get(chosen["href"])
            target = (chosen_result.final_url if chosen_result else None) or chosen["href"]
            target = target if target in by_url else chosen["href"]
            english_home = {"url": target, "link": chosen["href"], "found_by": chosen["via"],
                            "text": chosen["text"], "status": status_of(chosen["href"]),
                            "crawled": target in by_url}
        elif url_section(home.url) != "en":
            findings.append(self.finding("bilingual.english-missing", "no link to an English site on the home page",
                                         page=home.url))

        # 2. Which pages are English, and is their language right?
        english_urls, checked = set(), []
        en_home_url = english_home["url"] if english_home and english_home["crawled"] else None
        for page in pages:
            f, url = facts[page.url], page.url
            declared = (page.lang or "").strip().lower()
            share = cjk_share(f)
            detected = None if share is None else "zh" if share > limit else "en"
            in_en_section = url_section(url) == "en" or url == en_home_url
            english = in_en_section or (declared.startswith("en") and detected != "zh") or (
                detected == "en" and not declared.startswith("zh"))
            if english:
                english_urls.add(url)
                row = {"url": url, "lang": declared, "cjk_share": share, "english": detected != "zh"}
                checked.append(row)
                if detected == "zh":
                    findings.append(self.finding(
                        "bilingual.not-english", f"{share:.0%} of the letters are CJK (limit {limit:.0%})",
                        page=url, evidence={"cjk_share": share, "lang": declared, "title": page.title}))
                elif not declared.startswith("en"):
                    findings.append(self.finding(
                        "bilingual.lang-wrong", f"English page declares {'lang=' + declared if declared else 'no lang'}",
                        page=url, evidence={"lang": declared, "cjk_share": share}))
            elif detected == "zh" and not declared.startswith("zh"):
                findings.append(self.finding(
                    "bilingual.lang-wrong", f"Chinese page declares {'lang=' + declared if declared else 'no lang'}",
                    page=url, evidence={"lang": declared, "cjk_share": share}))
        chinese_urls = [p.url for p in pages if p.url not in english_urls]

        # 3. Pairs: hreflang alternates, language switches, path mapping.
        pairs: dict[tuple[str, str], set[str]] = {}
        zh_home = home.url

        def pair(zh: str, en: str, via: str) -> None:
            if zh in by_url and en in by_url and zh not in english_urls and en in english_urls:
                pairs.setdefault((zh, en), set()).add(via)

        dead: dict[tuple[str, str], dict] = {}
        for page in pages:
            url, f = page.url, facts[page.url]
            is_en = url in english_urls
            for alt in f["alternates"]:
                if alt["hreflang"].startswith("en") and not is_en:
                    pair(url, alt["href"], "hreflang")
                elif alt["hreflang"].startswith("zh") and is_en:
                    pair(alt["href"], url, "hreflang")
                else:
                    continue
                if status_of(alt["href"]) == LinkStatus.BROKEN:
                    dead[(url, alt["href"])] = {"via": "hreflang", "text": alt["hreflang"]}
            for switch in f["switches"]:
                if switch["via"] == "path":
                    continue  # an ordinary link into the English section, not a switch
                if switch["to"] == "en" and not is_en and (switch["href"] != en_home_url or url == zh_home):
                    pair(url, switch["href"], "switch")
                elif switch["to"] == "zh" and is_en and (switch["href"] != zh_home or url == en_home_url):
                    pair(switch["href"], url, "switch")
                if status_of(switch["href"]) == LinkStatus.BROKEN:
                    dead[(url, switch["href"])] = {"via": switch["via"], "text": switch["text"]}
        for url in english_urls:
            counterpart = chinese_counterpart(url)
            if counterpart:
                pair(counterpart, url, "path")
        for (page, target), info in dead.items():
            result = results.get(target)
            error, http_status = (result.error, result.http_status) if result else ("", None)
            findings.append(self.finding(
                "bilingual.switch-dead",
                f"language link ({info['via']}) answers {error or http_status}",
                page=page, target=target, evidence={**info, "http_status": http_status, "error": error}))
        if english_home and english_home["status"] == LinkStatus.BROKEN and (zh_home, english_home["link"]) not in dead:
            findings.append(self.finding("bilingual.switch-dead", "the English site link does not answer",
                                         page=zh_home, target=english_home["link"]))

        # 4. Key pages in English: by title / <h1>, or by the text of links between English pages.
        key_pages: dict[str, str | None] = {}
        if english_urls:
            # A page is a candidate for the kind its title (else <h1>) names first: "Contact-About Us"
            # is the contact page of the About section, not the About page.
            kind_of: dict[str, str] = {}
            for u in english_urls - {en_home_url}:
                for text in (by_url[u].title or "", facts[u]["h1"]):
                    hits = [(m.start(), k) for k in self.options["key_pages"] if (m := KEY_PAGES[k].search(text))]
                    if hits:
                        kind_of[u] = min(hits)[1]
                        break
            for kind in self.options["key_pages"]:
                pattern = KEY_PAGES[kind]
                found = [u for u, k in kind_of.items() if k == kind]
                # /en/open-data.html before a news item that mentions open data in its title
                found.sort(key=lambda u: (not pattern.search(urlsplit(u).path), by_url[u].depth or 0,
                                          len(by_url[u].title or ""), u))
                key_pages[kind] = found[0] if found else None
            wanted = {k for k, v in key_pages.items() if v is None}
            if wanted:
                for link in ctx.links():
                    if link.source in english_urls and link.target in english_urls and link.tag == "a":
                        for kind in list(wanted):
                            if KEY_PAGES[kind].search(link.text):
                                key_pages[kind] = link.target
                                wanted.discard(kind)
                    if not wanted:
                        break
            for kind, url in key_pages.items():
                if url is None:
                    findings.append(self.finding(
                        "bilingual.key-page-missing", f"no English {kind.replace('_', '-')} page found",
                        page=en_home_url or zh_home, target=kind))

        # 5. Figures and the results.json section.
        paired_en = {en for _, en in pairs}
        paired_zh = {zh for zh, _ in pairs}
        really = [row for row in checked if row["english"] and row["lang"].startswith("en")]
        dead_targets = {t for _, t in dead}
        switch_targets = {s["href"] for f in facts.values() for s in f["switches"] if s["via"] != "path"}
        judged_switches = {t for t in switch_targets if status_of(t) in ("ok", LinkStatus.OK, LinkStatus.REDIRECTED,
                                                                            LinkStatus.BROKEN)}
        entry = 1.0 if english_home and english_home["status"] in ("ok", LinkStatus.OK, LinkStatus.REDIRECTED) else 0.0
        parts = {
            "entry": entry,
            "key_pages": (sum(v is not None for v in key_pages.values()) / len(key_pages)) if key_pages else 0.0,
            "english_text": len(really) / len(checked) if checked else 0.0,
            "switches": 1 - len(dead_targets & judged_switches) / len(judged_switches) if judged_switches else 1.0,
        }
        score = round(sum(parts.values()) / len(parts), 4) if entry else 0.0
        coverage = {
            "zh_pages": len(chinese_urls), "en_pages": len(english_urls), "pairs": len(pairs),
            "en_paired": len(paired_en), "zh_paired": len(paired_zh),
            "en_paired_share": round(len(paired_en) / len(english_urls), 4) if english_urls else None,
            "zh_paired_share": round(len(paired_zh) / len(chinese_urls), 4) if chinese_urls else None,
            "key_pages": key_pages,
            "unpaired_en": sorted(set(english_urls) - paired_en)[: self.options["max_listed"]],
        }
        metrics = {"score": score, **{f"part_{k}": round(v, 4) for k, v in parts.items()},
                   "en_pages": len(english_urls), "pairs": len(pairs),
                   "en_paired_share": coverage["en_paired_share"]}
        limit_n = self.options["max_listed"]
        section = {
            "english_home": english_home,
            "pairs": [{"zh": zh, "en": en, "via": sorted(via)} for (zh, en), via in sorted(pairs.items())][:limit_n],
            "coverage": coverage,
            "english_pages": sorted(checked, key=lambda r: r["url"])[:limit_n],
            "findings": [{"code": f.code, "severity": f.severity.value, "page": f.page, "target": f.target,
                          "message": f.message} for f in findings][:limit_n],
        }
        serious = any(f.severity in (Severity.HIGH, Severity.CRITICAL, Severity.MEDIUM) for f in findings)
        status = CheckStatus.FAILED if serious else CheckStatus.NEEDS_REVIEW if findings else CheckStatus.PASSED
        plain = self.result(status, metrics, findings)
        return CheckResult(plain.check_id, plain.version, plain.status, plain.metrics, plain.findings,
                           data={"bilingual": section})

"""Site search (站內搜尋 / 全文檢索): the search forms a page offers, the query the audit submits and what
its answer shows. Pure functions of parsed pages and text, shared by the three places that need them:
the page analyzer of checks/site_search.py finds the forms while the crawl parses each page, the
crawler (crawler/sitesearch.py) submits one query after the crawl, and the check judges the outcome.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import lxml.etree
import lxml.html

from govaudit import urls

# Words that name a search box or its button (label, placeholder, title, aria-label, button text).
SEARCH_WORDS = ("搜尋", "檢索", "查詢", "關鍵字", "關鍵詞", "search", "keyword")
# The names search engines and CMSs give the query field.
QUERY_NAMES = frozenset({"q", "query", "keyword", "keywords", "kw", "key", "search", "s", "searchword",
                         "search_text", "searchtext", "qt", "wd", "term", "text", "txtkeyword"})
# Link texts of an advanced or categorised search.
ADVANCED_WORDS = ("進階檢索", "進階搜尋", "進階查詢", "分類檢索", "分類查詢", "主題檢索", "advanced search")
# Link texts of a search page (a site whose header has no box links one).
PAGE_WORDS = ("站內搜尋", "網站搜尋", "全文檢索", "站內檢索", "網站檢索", "站內查詢")
# Hosted search services an agency embeds (Google custom search and the like).
EXTERNAL_SEARCH = ("cse.google.", "google.com/cse", "google.com.tw/cse", "google.com/search", "bing.com/search",
                   "duckduckgo.com")
# A results page that says it found nothing.
NO_RESULTS = re.compile(r"查無(相關)?(資料|結果)|沒有(找到)?符合|找不到(符合|相關)|搜尋結果[:：]?\s*0\s*筆|共\s*0\s*筆"
                        r"|no (results|matches|documents) (were )?found|did not match any", re.IGNORECASE)
ANNOUNCED = re.compile(r"共\s*([\d,]+)\s*筆|([\d,]+)\s*筆(相關)?(資料|結果)|([\d,]+)\s+results?\b", re.IGNORECASE)
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{4,}")
_TITLE_SPLIT = re.compile(r"\s*[｜|–—_]\s*|\s+-\s+")
MAX_TEXT_INPUTS = 3  # a form with more text fields is a contact or application form, not a search box
MAX_TERM = 8  # characters of the query term


@dataclass(frozen=True)
class SearchForm:
    """A search box on a page: where it submits, which field takes the query, what else it sends."""

    page: str
    action: str  # absolute, without query string (a GET submission replaces it)
    method: str  # "get" or "post"
    field: str  # the query field's name
    params: tuple[tuple[str, str], ...] = ()  # hidden fields and selects' chosen values, sent as they are
    via: str = ""  # what made it a search box: role, type, name, label, action
    categories: bool = False  # it offers a category or field choice (分類檢索)

    def external(self) -> bool:
        """It submits to another host (a hosted search such as Google's custom search)."""
        return urls.host_of(self.action) != urls.host_of(self.page)

    def hosted(self) -> bool:
        """It submits to a known hosted search service."""
        lowered = self.action.lower()
        return any(mark in lowered for mark in EXTERNAL_SEARCH)

    def query_url(self, term: str) -> str:
        """The URL a browser requests when the form is submitted with `term` (GET: the action's own query
        string is replaced by the form's fields)."""
        parts = urlsplit(self.action)
        query = urlencode([*self.params, (self.field, term)])
        return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "params": [list(p) for p in self.params]}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SearchForm:
        return cls(page=raw["page"], action=raw["action"], method=raw["method"], field=raw["field"],
                   params=tuple((str(k), str(v)) for k, v in raw.get("params", ())), via=raw.get("via", ""),
                   categories=bool(raw.get("categories")))


@dataclass(frozen=True)
class PageSearch:
    """What one page offers for searching the site (a check's page facts)."""

    forms: tuple[SearchForm, ...] = ()
    advanced: tuple[str, ...] = ()  # links named 進階檢索 / 分類檢索 ...
    search_pages: tuple[str, ...] = ()  # links named 站內搜尋 / 全文檢索 ...
    scripted: int = 0  # role=search regions without a form (a box run by script: not submitted here)

    def empty(self) -> bool:
        return not (self.forms or self.advanced or self.search_pages or self.scripted)

    def as_dict(self) -> dict[str, Any]:
        return {"forms": [f.as_dict() for f in self.forms], "advanced": list(self.advanced),
                "search_pages": list(self.search_pages), "scripted": self.scripted}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> PageSearch:
        return cls(tuple(SearchForm.from_dict(f) for f in raw.get("forms", ())), tuple(raw.get("advanced", ())),
                   tuple(raw.get("search_pages", ())), int(raw.get("scripted", 0)))


def _text(el: Any) -> str:
    return " ".join((el.text_content() or "").split())


def _names_search(value: str | None) -> bool:
    lowered = (value or "").lower()
    return any(word in lowered for word in SEARCH_WORDS)


def _labels(form: Any) -> str:
    """Everything a form says about itself: labels, placeholders, titles, button texts."""
    said = [_text(el) for el in form.iter("label", "button", "legend")]
    for el in form.iter("input", "form"):
        said += [el.get(a) or "" for a in ("placeholder", "title", "aria-label", "value", "alt")
                 if el.tag == "form" or (el.get("type") or "").lower() in ("submit", "image", "button", "text",
                                                                           "search", "")]
    return " ".join(said)


def _search_form(form: Any, page: str) -> SearchForm | None:
    inputs = list(form.iter("input"))
    types = [(i.get("type") or "text").strip().lower() for i in inputs]
    if "password" in types or "file" in types:
        return None  # a login or upload form
    text_inputs = [i for i, t in zip(inputs, types, strict=True) if t in ("text", "search") and i.get("name")]
    if not text_inputs or len(text_inputs) > MAX_TEXT_INPUTS and form.get("role") != "search":
        return None
    in_search_region = form.get("role") == "search" or any(
        a.get("role") == "search" for a in form.iterancestors())
    action = form.get("action") or ""
    marks = [
        ("role", in_search_region),
        ("type", any(t == "search" for t in types)),
        ("name", any((i.get("name") or "").lower() in QUERY_NAMES for i in text_inputs)),
        ("label", _names_search(_labels(form))),
        ("action", any(w in action.lower() for w in ("search", "query", "cse"))),
    ]
    via = [name for name, hit in marks if hit]
    if not via:
        return None
    field = next((i for i in text_inputs if (i.get("type") or "").lower() == "search"
                  or (i.get("name") or "").lower() in QUERY_NAMES), text_inputs[0])
    try:
        target = urls.normalize_url(action or page, page)
    except urls.InvalidURL:
        return None
    parts = urlsplit(target)
    target = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
    params = [(i.get("name"), i.get("value") or "") for i, t in zip(inputs, types, strict=True)
              if t == "hidden" and i.get("name")]
    selects = [s for s in form.iter("select") if s.get("name")]
    for select in selects:
        options = list(select.iter("option"))
        chosen = next((o for o in options if o.get("selected") is not None), options[0] if options else None)
        if chosen is not None:
            params.append((select.get("name"), chosen.get("value", _text(chosen))))
    radios = [i for i, t in zip(inputs, types, strict=True) if t in ("radio", "checkbox") and i.get("name")]
    params += [(i.get("name"), i.get("value") or "on") for i in radios if i.get("checked") is not None]
    return SearchForm(page=page, action=target, method=(form.get("method") or "get").strip().lower(),
                      field=field.get("name"), params=tuple(params), via=",".join(via),
                      categories=bool(selects or radios) or len(text_inputs) > 1)


def page_search(doc: Any, url: str) -> PageSearch:
    """The search boxes and search links of a parsed page."""
    forms = tuple(f for form in doc.iter("form") if (f := _search_form(form, url)) is not None)
    advanced: list[str] = []
    pages: list[str] = []
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        said = (_text(a) + " " + (a.get("title") or "")).lower()
        if len(said) > 30:
            continue  # a sentence, not a link's name
        bucket = advanced if any(w in said for w in ADVANCED_WORDS) else pages if any(
            w in said for w in PAGE_WORDS) else None
        if bucket is not None:
            try:
                target = urls.normalize_url(href, url)
            except urls.InvalidURL:
                continue
            if target not in bucket:
                bucket.append(target)
    scripted = sum(1 for el in doc.iter() if isinstance(el.tag, str) and el.get("role") == "search"
                   and el.tag != "form" and not any(True for _ in el.iter("form"))
                   and not any(p.tag == "form" for p in el.iterancestors()))
    return PageSearch(forms, tuple(advanced[:5]), tuple(pages[:5]), scripted)


# -- the query ---------------------------------------------------------------------------------------

def page_name(title: str) -> str:
    """The part of a page title that names the page: 「書表下載｜數位產業署」 → 書表下載."""
    parts = [p.strip() for p in _TITLE_SPLIT.split(title or "") if p.strip()]
    return parts[0] if parts else ""


def pick_term(titles: Iterable[tuple[str, str]], home_title: str = "") -> str | None:
    """A distinctive word of the site to search for: from the crawled pages' titles (url, title), a run of
    Chinese characters (else a Latin word) that names few pages and is not part of the site's name."""
    names = {url: page_name(title) for url, title in titles if page_name(title)}
    home = home_title or ""
    counts: dict[str, int] = {}
    for name in names.values():
        for run in set(_candidates(name)):
            counts[run] = counts.get(run, 0) + 1
    choices = []
    for url, name in sorted(names.items()):
        for run in _candidates(name):
            if run in home or counts[run] > 3:
                continue
            # Chinese first (an agency's search serves its Chinese pages; English pages may be apart), whole
            # runs before cut ones, longer before shorter.
            choices.append((not _CJK_RUN.match(run), counts[run], len(run) > MAX_TERM, -min(len(run), MAX_TERM),
                            url, run[:MAX_TERM]))
    return min(choices)[-1] if choices else None


def _candidates(name: str) -> list[str]:
    runs = [run for run in _CJK_RUN.findall(name) if len(run) >= 3]
    return runs or [w for w in _LATIN_WORD.findall(name)]


# -- the answer ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SearchOutcome:
    """What the answer to the submitted query shows."""

    term: str
    url: str  # the query URL submitted
    form_page: str
    action: str
    http_status: int | None = None
    error: str = ""  # why there is no answer to read ("" when there is one)
    results: int = 0  # distinct links of the answer that are not the page's frame (menus, footer)
    hits: tuple[str, ...] = ()  # result links that name the term, or lead to a page whose title has it
    announced: int | None = None  # the count the page states (共 N 筆), when it states one
    says_none: bool = False  # the page says nothing was found
    title: str = ""
    advanced: bool = False  # the answer offers an advanced / categorised search
    samples: tuple[str, ...] = ()  # a few result links, as evidence

    @property
    def works(self) -> bool:
        return not self.error and bool(self.hits)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "hits": list(self.hits), "samples": list(self.samples)}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SearchOutcome:
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(**{**known, "hits": tuple(raw.get("hits", ())), "samples": tuple(raw.get("samples", ()))})


def read_answer(body: str, outcome: SearchOutcome, frame: set[str], titles: dict[str, str]) -> SearchOutcome:
    """Read a results page: `frame` holds the targets every page of the site links (menus, footer: not
    results); `titles` the crawled pages' titles, by URL."""
    try:
        doc = lxml.html.fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return SearchOutcome(**{**_fields(outcome), "error": "the answer is not readable HTML"})
    term = outcome.term.lower()
    action = urlsplit(outcome.action)
    results: dict[str, str] = {}
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        try:
            target = urls.normalize_url(href, outcome.url)
        except urls.InvalidURL:
            continue
        parts = urlsplit(target)
        if target in frame or (parts.netloc, parts.path) == (action.netloc, action.path):
            continue  # the page's frame, or the search itself (pager, sort order, new search)
        results.setdefault(target, _text(a))
    hits = tuple(t for t, text in results.items() if term in text.lower() or term in titles.get(t, "").lower())
    text = _text(doc)
    announced = ANNOUNCED.search(text)
    number = next((g for g in announced.groups() if g and g[0].isdigit()), None) if announced else None
    title = doc.findtext(".//title") or ""
    advanced = any(w in text.lower() for w in ADVANCED_WORDS)
    return SearchOutcome(**{**_fields(outcome), "results": len(results), "hits": hits[:20],
                            "announced": int(number.replace(",", "")) if number else None,
                            "says_none": bool(NO_RESULTS.search(text)), "title": " ".join(title.split())[:200],
                            "advanced": advanced, "samples": tuple(list(results)[:5])})


def _fields(outcome: SearchOutcome) -> dict[str, Any]:
    return {k: getattr(outcome, k) for k in outcome.__dataclass_fields__}

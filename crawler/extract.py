"""Parse a page once with lxml and take out everything later stages need: links with provenance,
title, language, meta elements, fragment anchors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from govaudit import urls
from govaudit.analyzers import Analyzers
from govaudit.crawler.css import css_refs
from govaudit.rawlink import RawLink

# Elements whose attribute names a resource the page depends on or sends the reader to. Attributes
# beyond the first one per element (srcset, poster, style, background) are read by _refs.
_LINK_XPATH = etree.XPath(
    "//a[@href] | //area[@href] | //link[@href] | //img[@src or @srcset] | //script[@src] | //iframe[@src]"
    " | //frame[@src] | //embed[@src] | //source[@src or @srcset] | //video[@src or @poster] | //audio[@src]"
    " | //track[@src] | //object[@data] | //input[@src] | //form[@action] | //style | //meta[@http-equiv]"
    " | //*[@style] | //*[@background] | //applet[@src or @archive] | //object[@archive] | //button[@formaction]"
    " | //input[@formaction] | //html[@manifest]"
)
# The elements whose own reference attribute (_ATTR, else src) is read; any element's style and background are.
_PRIMARY = frozenset("a area link img script iframe frame embed source video audio track object input form applet"
                     " button html".split())
_ATTR = {"a": "href", "area": "href", "link": "href", "object": "data", "form": "action", "button": "formaction",
         "html": "manifest"}
# <link rel> values that name no resource worth checking.
_SKIP_REL = frozenset({"preconnect", "dns-prefetch"})
# A POST form is recorded, never requested: a GET without the form's fields is not what it submits, and
# a POST may change state on the server. A GET form's action is requested like a link (what a search
# box submits to must exist).
POST = "post"
_SPACE = re.compile(r"\s+")
_MAX_TEXT = 200


# lxml.html's parser picks each element's Python class through a Python callback, once for every element
# object an analyzer touches (hundreds per page); this one gives every element lxml.html's HtmlElement
# (text_content() and the rest) from C. No analyzer uses the form-element classes it no longer gives.
_PARSER = etree.HTMLParser()
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity))


@dataclass(slots=True)
class Extracted:
    title: str = ""
    lang: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    anchors: list[str] = field(default_factory=list)
    base: str | None = None
    links: list[RawLink] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def _text(el: etree._Element) -> str:
    if el.tag in ("img", "input"):
        return _SPACE.sub(" ", el.get("alt") or "").strip()[:_MAX_TEXT]
    text = _SPACE.sub(" ", el.text_content()).strip()
    if not text:  # an image link: its alt is the link's name
        alts = [img.get("alt") or "" for img in el.iter("img")]
        text = _SPACE.sub(" ", " ".join(alts)).strip() or (el.get("title") or "").strip()
    return text[:_MAX_TEXT]


def srcset_urls(value: str) -> list[str]:
    """The image URLs of a srcset (HTML's "parse a srcset attribute": URL, then descriptors to a comma)."""
    found, i, n = [], 0, len(value)
    while i < n:
        while i < n and (value[i].isspace() or value[i] == ","):
            i += 1
        start = i
        while i < n and not value[i].isspace():
            i += 1
        url = value[start:i]
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # descriptors ("2x", "480w") up to the next comma outside parentheses
            depth = 0
            while i < n and (value[i] != "," or depth):
                depth += {"(": 1, ")": -1}.get(value[i], 0)
                i += 1
        if url:
            found.append(url)
    return found


def refresh_url(content: str) -> str:
    """The target of <meta http-equiv=refresh content="5; url=…"> ("" when it only reloads the page)."""
    _, sep, rest = content.partition(";")
    if not sep:
        _, sep, rest = content.partition(",")
    rest = rest.strip()
    if rest[:3].lower() == "url":
        rest = rest[3:].lstrip()
        if rest.startswith("="):
            rest = rest[1:].lstrip()
    if rest[:1] in ("'", '"'):
        rest = rest[1:].split(rest[0], 1)[0]
    return rest.strip()


def _css(text: str, line: int, tag: str, attr: str) -> list[RawLink]:
    return [RawLink(ref.url.strip(), "", tag, "import" if ref.kind == "import" else attr, "", line + ref.line - 1)
            for ref in css_refs(text)]


def _refs(el: etree._Element) -> list[RawLink]:
    """The references one element makes, each with its element and attribute."""
    tag = el.tag if isinstance(el.tag, str) else ""
    line = el.sourceline or 0
    out: list[RawLink] = []
    if tag == "style":
        return _css(el.text or "", line, "style", "css")
    if tag == "meta":
        if (el.get("http-equiv") or "").strip().lower() == "refresh":
            target = refresh_url(el.get("content") or "")
            if target:
                out.append(RawLink(target, "", "meta", "content", "refresh", line))
        return out
    attr = _ATTR.get(tag, "src")
    value = (el.get(attr) or "").strip() if tag in _PRIMARY else ""
    rel = (el.get("rel") or "").lower()
    if tag == "form":
        rel = POST if (el.get("method") or "get").strip().lower() == "post" else ""
    elif tag in ("button", "input") and el.get("formaction"):  # overrides its form's action
        attr, value = "formaction", el.get("formaction").strip()
        rel = POST if (el.get("formmethod") or "get").strip().lower() == "post" else ""
    elif tag == "input" and (el.get("type") or "").strip().lower() != "image":
        value = ""
    if value and not (tag == "link" and _SKIP_REL.intersection(rel.split())):
        out.append(RawLink(value, _text(el) if tag in ("a", "area", "img", "input") else "", tag, attr, rel, line))
    if tag in ("img", "source") and el.get("srcset"):
        text = _text(el) if tag == "img" else ""
        out.extend(RawLink(url, text, tag, "srcset", "", line) for url in srcset_urls(el.get("srcset")))
    if tag in ("applet", "object") and el.get("archive"):  # old agency pages: a list of files, relative to codebase
        codebase = (el.get("codebase") or "").strip()
        out.extend(RawLink(urljoin(codebase, a.strip()) if codebase else a.strip(), "", tag, "archive", "", line)
                   for a in re.split(r"[,\s]+", el.get("archive")) if a.strip())
    if tag == "video" and (poster := (el.get("poster") or "").strip()):
        out.append(RawLink(poster, "", tag, "poster", "", line))
    if (background := (el.get("background") or "").strip()) and tag not in ("style", "meta"):
        out.append(RawLink(background, "", tag, "background", "", line))
    if style := el.get("style"):
        out.extend(_css(style, line, tag, "style"))
    return out


def parse(text: str, url: str = "", analyzers: Analyzers | None = None) -> Extracted:
    out = Extracted()
    if not text.strip():
        return out
    try:
        doc = lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return out
    root = doc.getroottree().getroot()
    out.lang = (root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip()
    title = doc.find(".//title")
    if title is not None:
        out.title = _SPACE.sub(" ", title.text_content()).strip()[:500]
    for meta in doc.iter("meta"):
        name = meta.get("name") or meta.get("property") or meta.get("http-equiv")
        if name and meta.get("content") is not None:
            out.meta.setdefault(name.strip(), meta.get("content").strip()[:1000])
    base = doc.find(".//base[@href]")
    if base is not None:
        out.base = base.get("href")
    anchors: set[str] = set()
    for el in doc.xpath("//*[@id] | //a[@name]"):
        for key in ("id", "name"):
            if el.get(key) and (key == "id" or el.tag == "a"):
                anchors.add(el.get(key))
    out.anchors = sorted(anchors)
    for el in _LINK_XPATH(doc):
        out.links.extend(_refs(el))
    for check_id, analyze in (analyzers or {}).items():
        try:
            value = analyze(doc, url)
        except Exception as exc:  # one check's analyzer must not lose the page for the others
            value = {"_error": f"{type(exc).__name__}: {exc}"[:300]}
        if value is not None:
            out.facts[check_id] = value
    return out


def resolve(extracted: Extracted, page_url: str) -> list[tuple[str, str, RawLink]]:
    """Absolute (target, fragment, raw link) for every link of the page; unparsable URLs keep their text."""
    base = page_url
    if extracted.base:
        try:
            base = urls.normalize_url(extracted.base, page_url)
        except urls.InvalidURL:
            pass
    # Menus repeat the same hrefs on every page: memoise normalisation on what the result depends on
    # (the origin for "/path", the directory for "path", the whole base for "?q" / "#f" / "").
    plain = base.split("#", 1)[0]
    no_query = plain.split("?", 1)[0]
    scheme_end = no_query.find("//")
    slash = no_query.find("/", scheme_end + 2) if scheme_end >= 0 else -1
    origin = no_query[:slash] if slash >= 0 else no_query
    directory = no_query[: no_query.rfind("/") + 1] if slash >= 0 else no_query + "/"
    cache = _NORMALIZED
    if len(cache) > _CACHE_MAX:
        cache.clear()
    out = []
    for raw in extracted.links:
        href = raw.url
        first = href[:1]
        if first == "/":
            key = (origin, href)
        elif not href or first in "?#" or _STRIP.search(href):
            key = (base, href)
        elif _HAS_SCHEME.match(href) and ("://" in href[:8] or not href[:6].lower().startswith(("http:", "https:"))):
            key = ("", href)  # absolute (but "http:page", relative to the base, is not)
        else:
            key = (directory, href)
        found = cache.get(key)
        if found is None:
            try:
                found = urls.normalize(href, base)
            except (urls.InvalidURL, ValueError):  # urljoin raises ValueError on e.g. "http://[::1"
                found = ("invalid:" + href[:500], "")
            cache[key] = found
        out.append((found[0], found[1], raw))
    return out


_NORMALIZED: dict[tuple[str, str], tuple[str, str]] = {}
_CACHE_MAX = 200_000
_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_STRIP = re.compile(r"^[\x00-\x20]|[\t\n\r]|\.\.?(/|$)|[\x00-\x20]$")  # odd hrefs: no shortcut, resolve in full

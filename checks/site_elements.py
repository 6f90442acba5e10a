"""Site elements of the government website guidelines (domain §2) and the contact data of GIPA Art. 7-3.

Per page (in the crawler's single parse) the analyzer notes: links to the policy pages (隱私權及安全政策,
政府網站資料開放宣告, 網站導覽, the 網站資料更新 rule page, contact page, 民意信箱) by link text or title;
whether the page itself is one of them (title / h1); the `:::` accesskey anchors; the contact data
in the footer (address, telephone, fax, e-mail; telephone numbers normalised so that (02)2345-6789
and +886-2-2345-6789 are one number); and whether it is a directory listing ("Index of /", IIS
"[To Parent Directory]"), which 「禁止開放網站瀏覽目錄權限」 forbids.

run() decides per site: an element is found when a link to it reaches a page that is not broken (or a
crawled page names itself so); contact data is complete when the site publishes each of the four
Art. 7-3 fields somewhere (footer or contact page), and consistent when every footer shows the same
values (pages differing from the majority are grouped by the value they show).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from lxml import etree

from govaudit import urls
from govaudit.checks._contact import SAMPLE_PAGES, inconsistent, normalize_phone
from govaudit.checks.anchors import anchors
from govaudit.models import CheckResult, CheckStatus, LinkResult, LinkStatus, Page, Severity
from govaudit.plugins import Check, CheckContext, Code, NotApplicable
from govaudit.reuse import LINK_LOOKUPS, PAGES

# Element → pattern matched against link text/title and a page's own title / h1.
ELEMENTS: dict[str, re.Pattern] = {
    "privacy_policy": re.compile(r"隱私權|隱私政策|個人資料保護政策|privacy", re.I),
    "open_data_declaration": re.compile(r"資料開放宣告|開放資料宣告|open\s*(?:data|information)\s*(?:declaration|announcement)", re.I),
    "sitemap_page": re.compile(r"網站導覽|網站地圖|site\s*map", re.I),
    "update_rules": re.compile(
        r"網站資料(?:定期)?更新|資料(?:定期)?更新(?:規定|原則|作業|管理|要點|機制)|"
        r"網站(?:資料)?(?:維護|營運)?管理(?:規定|規範|要點|原則|作業)|維護管理規定|更新維護(?:規定|原則)", re.I),
    "contact": re.compile(r"聯絡(?:我們|資訊|方式|本署|本部|本局|本處|本府)|^聯絡|contact", re.I),
    "mailbox": re.compile(r"民意信箱|首長信箱|意見信箱|局長信箱|署長信箱|部長信箱|市長信箱"),
}
_ANY = re.compile("|".join(f"(?:{p.pattern})" for p in ELEMENTS.values()), re.I)
# The site elements a site must have (their "-missing" code); contact and mailbox are reported as data.
REQUIRED = {
    "privacy_policy": "site.privacy-missing",
    "open_data_declaration": "site.open-data-missing",
    "sitemap_page": "site.sitemap-missing",
    "update_rules": "site.update-rule-missing",
}
CONTACT_FIELDS = ("address", "phone", "fax", "email")
_LABELS = {
    "address": r"地\s*址|住\s*址|(?<![a-z])add(?:ress)?",
    "phone": r"電\s*話|總\s*機|服務專線|聯絡電話|(?<![a-z])(?:telephone|tel|phone)",
    "fax": r"傳\s*真|(?<![a-z])fax",
    "email": r"電子郵件|電子信箱|(?<![a-z])e-?mail",
    # labels that end a value without being contact data
    "other": r"服務時間|上班時間|辦公時間|更新日期|瀏覽人次|統一編號|民意信箱|(?<![a-z])(?:office hours|last updated)",
}
_LABEL = re.compile(
    "(?P<label>" + "|".join(f"(?P<{k}>{v})" for k, v in _LABELS.items()) + r")\s*[:：]\s*", re.I)
_PHONE = re.compile(r"(?:\+?886[-\s]?|\(0\d{1,2}\)|0)[\d\-\s()]{6,16}\d")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_BLOCKS = frozenset("p div li ul ol br tr td th dd dt dl address section article footer header nav h1 h2 h3 h4 h5 h6 "
                    "table tbody span".split()) - {"span"}
_FOOTER = etree.XPath("//footer | //*[@role='contentinfo'] | //*[@id='footer'] | //*[@id='Footer']"
                      " | //*[contains(concat(' ', normalize-space(@class), ' '), ' footer ')]")
_LISTING = etree.XPath("//a[contains(., 'To Parent Directory')] | //a[normalize-space(.)='Parent Directory']")
_DIR_TITLE = re.compile(r"^(?:Index of /|Directory listing for /|Directory Listing)", re.I)
MAX_FIELD = 120


def block_text(el: Any) -> str:
    """Text of an element with a line break at block boundaries (inline markup keeps label and value
    together: 「地址：<a>100057 臺北市…</a>」)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("script", "style", "template", "noscript"):
            return
        block = tag in _BLOCKS
        if block:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(el)
    return "".join(parts)


def contact_of(text: str, hrefs: list[str] | None = None) -> dict[str, list[str]]:
    """Labelled contact values in block text, plus tel:/mailto: links: {field: [values as shown]}."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not _LABEL.search(line):  # most footer lines (menus) carry no contact label
            continue
        line = unicodedata.normalize("NFKC", line).strip()
        marks = list(_LABEL.finditer(line))
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(line)
            value = line[m.end():end].strip(" |｜/,，;；")
            field = next(k for k in _LABELS if m.group(k))
            if field == "other":
                continue
            if field in ("phone", "fax"):
                found = _PHONE.search(value)
                value = found.group(0).strip() if found else ""
            elif field == "email":
                found = _EMAIL.search(value)
                value = found.group(0) if found else ""
            if value:
                out.setdefault(field, []).append(value[:MAX_FIELD])
    for href in hrefs or ():
        scheme, _, rest = href.partition(":")
        if scheme.lower() == "tel" and rest.strip():
            known = {normalize_phone(v) for v in out.get("phone", []) + out.get("fax", [])}
            if normalize_phone(rest) not in known:
                out.setdefault("phone", []).append(rest.strip()[:MAX_FIELD])
        elif scheme.lower() == "mailto":
            address = rest.split("?", 1)[0].strip()
            if address and address.lower() not in {v.lower() for v in out.get("email", [])}:
                out.setdefault("email", []).append(address[:MAX_FIELD])
    return {k: list(dict.fromkeys(v)) for k, v in out.items()}


def _name(a: Any) -> str:
    text = " ".join((a.text_content() or "").split())
    parts = [text]
    for extra in (a.get("title") or "", *(img.get("alt") or "" for img in a.iter("img"))):
        extra = " ".join(extra.split())
        if extra and extra not in parts and extra not in text:
            parts.append(extra)
    return " ".join(p for p in parts if p)[:200]


_NAMES: dict[tuple, tuple[str, bool]] = {}


def _named(a: Any, content: str) -> tuple[str, bool]:
    """(_name(a), whether it names any element), once per distinct text, title and image alts (menus
    repeat on every page); content is a.text_content()."""
    key = (content, a.get("title"), tuple(img.get("alt") for img in a.iter("img")) if len(a) else ())
    found = _NAMES.get(key)
    if found is None:
        if len(_NAMES) > 10_000:
            _NAMES.clear()
        name = _name(a)
        found = _NAMES[key] = (name, bool(_ANY.search(name)))
    return found


class SiteElements(Check):
    id = "site_elements"
    inputs = frozenset({PAGES, LINK_LOOKUPS})
    title = "Site elements and contact data (guidelines, GIPA Art. 7-3)"
    title_zh = "網站基本元素與聯絡資訊（版型規範、政府資訊公開法第7條第1項第3款）"
    version = "1"
    report_anchor = "site_quality"
    indicator_tags = ("indicator:content_validity", "component:content_correctness")
    default_options = {"accesskeys": ["U", "C", "Z"], "contact_fields": list(CONTACT_FIELDS)}
    codes = {
        "site.contact-missing": Code(Severity.HIGH, "The site does not publish every Art. 7-3 contact field "
                                     "(address, telephone, fax, e-mail) in a footer or on a contact page.",
                                     "網站未完整公開第7條第1項第3款之聯絡資料（地址、電話、傳真、電子郵件）。"),
        "site.contact-inconsistent": Code(Severity.MEDIUM, "Pages whose footer shows a different address, "
                                          "telephone, fax or e-mail than most pages.",
                                          "部分網頁頁尾之地址、電話、傳真或電子郵件與多數網頁不一致。"),
        "site.privacy-missing": Code(Severity.MEDIUM, "No reachable 隱私權及安全政策 (privacy and security policy) page.",
                                     "找不到可連線的「隱私權及安全政策」頁面。"),
        "site.open-data-missing": Code(Severity.MEDIUM, "No reachable 政府網站資料開放宣告 (open data declaration) page.",
                                       "找不到可連線的「政府網站資料開放宣告」頁面。"),
        "site.sitemap-missing": Code(Severity.MEDIUM, "No reachable 網站導覽 (site map) page.",
                                     "找不到可連線的「網站導覽」頁面。"),
        "site.update-rule-missing": Code(Severity.MEDIUM, "No published 網站資料更新 rule page (網站資料定期更新規定 / "
                                         "維護管理規定).", "找不到公開之網站資料定期更新（維護管理）規定頁面。"),
        "site.accesskey-missing": Code(Severity.LOW, "Pages without a required ::: accesskey anchor (U top, C "
                                       "content, Z footer by default).",
                                       "網頁缺少必要之 ::: 定位點（預設 U 上方、C 中央、Z 下方）。"),
        "site.directory-listing": Code(Severity.HIGH, "A directory listing is open to browsing (Index of /), "
                                       "which the guidelines forbid.", "網站開放瀏覽目錄（Index of /），違反禁止開放目錄瀏覽之規定。"),
    }

    def __init__(self, options: dict[str, Any] | None = None):
        super().__init__(options)
        bad = [f for f in self.options["contact_fields"] if f not in CONTACT_FIELDS]
        if bad:
            raise ValueError(f"check site_elements: contact_fields: unknown {', '.join(bad)}")
        self.options["accesskeys"] = [str(k).upper() for k in self.options["accesskeys"]]

    @staticmethod
    def page_facts(doc: Any, url: str) -> Any:
        title_el = doc.find(".//title")
        title = " ".join((title_el.text_content() if title_el is not None else "").split())
        h1 = doc.find(".//h1")
        heading = " ".join((h1.text_content() if h1 is not None else "").split())
        is_listing = bool(_DIR_TITLE.match(title) or _DIR_TITLE.match(heading) or _LISTING(doc))
        facts: dict[str, Any] = {"lang": (doc.get("lang") or "").strip()}
        if is_listing:
            facts["directory_listing"] = True
        own = [name for name, pattern in ELEMENTS.items() if pattern.search(title) or pattern.search(heading)]
        if own:
            facts["is"] = own
        links: dict[str, list[str]] = {}
        keys = []
        for a, href, content in anchors(doc):
            key = a.get("accesskey")
            if key:
                keys.append([key.strip().upper()[:3], (a.get("href") or "")[:100], ":::" in content])
            if not href or href.startswith(("#", "javascript:")):
                continue
            if len(links) == len(ELEMENTS):
                continue
            name, hit = _named(a, content)
            if not hit:  # one combined pattern first: most links name no element
                continue
            for element, pattern in ELEMENTS.items():
                if element in links:
                    continue
                if pattern.search(name):
                    try:
                        target = urls.normalize_url(href, url)
                    except urls.InvalidURL:
                        continue
                    links[element] = [target, name[:80]]
        facts["links"] = links
        facts["accesskeys"] = keys
        footers = [f for f in _FOOTER(doc)]
        inside = set(footers)
        outer = [f for f in footers if not any(a in inside for a in f.iterancestors())]
        if outer:
            text = "\n".join(block_text(f) for f in outer)
            hrefs = [a.get("href") or "" for f in outer for a in f.iter("a")]
            facts["footer"] = contact_of(text, hrefs)
        if "contact" in own:  # the contact page: its whole content counts for completeness
            body = doc.find("body")
            if body is not None:
                facts["contact"] = contact_of(block_text(body), [a.get("href") or "" for a in body.iter("a")])
        return facts

    def run(self, ctx: CheckContext) -> CheckResult:
        crawled: dict[str, int] = {}
        pages: list[tuple[Page, dict[str, Any]]] = []
        for page in ctx.pages():
            crawled[page.url] = page.http_status or 0
            facts = page.facts.get(self.id)
            if facts is not None and "_error" not in facts:
                pages.append((page, facts))
        if not pages:
            raise NotApplicable("no HTML page was parsed")
        start = pages[0][0].url
        elements = self._elements(pages, ctx.link_result, crawled)
        contact = self._contact([(page.url, facts) for page, facts in pages])
        access = self._accesskeys(pages)
        listings = sorted(p.url for p, f in pages if f.get("directory_listing"))

        findings = []
        for element, code in REQUIRED.items():
            info = elements[element]
            if info["status"] != "found":
                message = ("linked but the page is broken: " + info["url"]) if info["status"] == "broken" \
                    else "no link or page found"
                findings.append(self.finding(code, message, page=info.get("source") or start,
                                             target=info.get("url") or "", evidence=info))
        if contact["missing"]:
            findings.append(self.finding(
                "site.contact-missing", "not published: " + ", ".join(contact["missing"]), page=start,
                target="", evidence={"missing": contact["missing"], "found": contact["fields"]}))
        for row in contact["inconsistent"]:
            findings.append(self.finding(
                "site.contact-inconsistent",
                f"{row['field']} {row['value']!r} on {row['pages']} page(s); most pages show {row['majority']!r}",
                page=row["sample"][0], target=f"{row['field']}:{row['key']}", evidence=row))
        for key, row in access["missing"].items():
            findings.append(self.finding(
                "site.accesskey-missing", f"no accesskey {key} anchor on {row['pages']} of {access['pages']} page(s)",
                page=row["sample"][0], target=f"accesskey:{key}", evidence={"key": key, **row}))
        for url in listings:
            findings.append(self.finding("site.directory-listing", "directory listing open to browsing", page=url))

        required = list(REQUIRED)
        found = sum(elements[e]["status"] == "found" for e in required)
        fields = self.options["contact_fields"]
        metrics = {
            "elements_found": found, "elements_required": len(required),
            "elements_share": round(found / len(required), 4),
            "contact_complete": round((len(fields) - len(contact["missing"])) / len(fields), 4) if fields else None,
            "contact_inconsistent_pages": sum(r["pages"] for r in contact["inconsistent"]),
            "accesskey_coverage": access["coverage"], "directory_listings": len(listings), "pages": len(pages),
        }
        data = {"disclosure": {"site_elements": {
            "elements": elements, "contact": contact, "accesskeys": access, "directory_listings": listings,
        }}}
        status = CheckStatus.FAILED if findings else CheckStatus.PASSED
        return replace(self.result(status, metrics, findings), data=data)

    # -- the parts -------------------------------------------------------------------------------
    @staticmethod
    def _elements(pages: list[tuple[Page, dict[str, Any]]], result: Callable[[str], LinkResult | None],
                  crawled: dict[str, int]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for element in ELEMENTS:
            own = [p.url for p, f in pages if element in f.get("is", ()) and not f.get("directory_listing")]
            linked: dict[str, tuple[str, str]] = {}
            for page, facts in pages:
                hit = facts.get("links", {}).get(element)
                if hit and hit[0] not in linked:
                    linked[hit[0]] = (page.url, hit[1])
            best = None
            for target, (source, text) in linked.items():
                # a page fetched must have answered 2xx; another target must not be broken (unchecked,
                # excluded or unverified targets are given the benefit of the doubt)
                checked = result(target)
                ok = (200 <= crawled[target] < 300 if target in crawled
                      else checked is None or checked.status != LinkStatus.BROKEN)
                row = {"status": "found" if ok else "broken", "url": target, "source": source, "text": text,
                       "link_status": checked.status if checked is not None else ""}
                if ok:
                    best = row
                    break
                best = best or row
            if (best is None or best["status"] != "found") and own:
                best = {"status": "found", "url": own[0], "source": own[0], "text": "", "link_status": ""}
            out[element] = best or {"status": "missing", "url": "", "source": "", "text": "", "link_status": ""}
            out[element]["linking_pages"] = sum(1 for _, f in pages if element in f.get("links", {}))
        return out

    def _contact(self, pages: list[tuple[str, dict]]) -> dict:
        """pages: (url, site_elements facts) of every analysed page."""
        fields: dict[str, dict] = {}
        for url, facts in pages:
            for origin in ("footer", "contact"):
                for field, values in (facts.get(origin) or {}).items():
                    if values and field not in fields:
                        fields[field] = {"value": values[0], "page": url, "where": origin}
        rows = inconsistent((url, facts.get("footer") or {}) for url, facts in pages)
        missing = [f for f in self.options["contact_fields"] if f not in fields]
        return {"fields": fields, "missing": missing, "inconsistent": rows,
                "footer_pages": sum(1 for _, f in pages if f.get("footer"))}

    def _accesskeys(self, pages: list[tuple[Page, dict[str, Any]]]) -> dict[str, Any]:
        required = self.options["accesskeys"]
        lacking: dict[str, list[str]] = defaultdict(list)
        complete = 0
        seen: Counter = Counter()
        considered = 0
        for page, facts in pages:
            if facts.get("directory_listing"):
                continue
            considered += 1
            keys = {k for k, _, _ in facts.get("accesskeys", [])}
            seen.update(keys)
            gaps = [k for k in required if k not in keys]
            for k in gaps:
                lacking[k].append(page.url)
            complete += not gaps
        return {
            "required": required, "pages": considered, "pages_complete": complete,
            "coverage": round(complete / considered, 4) if considered else None,
            "seen": dict(sorted(seen.items())),
            "missing": {k: {"pages": len(v), "sample": sorted(v)[:SAMPLE_PAGES]} for k, v in sorted(lacking.items())},
        }

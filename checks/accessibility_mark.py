"""機關網站通過無障礙檢測並取得認證標章: is the 無障礙標章 on the home page real, current and linked?

The mark is found in the crawler's single parse (page_facts): a link to the certificate page of the
issuing authority (accessibility.moda.gov.tw today; accessibility.ncc.gov.tw and handicap-free.nat.gov.tw
in earlier eras) at /Applications/Detail?category=<14-digit certificate number>, the image inside it,
and the `Accessible_website` meta element. run() judges the home page's mark (the law asks for it at the
bottom of the home page, 88×31, linked to the certificate page) and counts the pages that carry one.

Online, the crawler reads the certificate page after the crawl (crawler/certificate.py) and stores what
it says on the mark link's result: the level, issue and expiry dates come from there, and a page that
says the mark was revoked (廢止/註銷) or has expired gives a finding. Offline (or when the page could not
be read) the certificate number, read as a timestamp (YYYYMMDDhhmmss, the application's creation time),
is all there is: a mark whose number is more than `validity_years` (+ `grace_days` for the issuing
delay) before the audit date is flagged as likely expired, and the dates say 推估 and from what.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from govaudit import urls
from govaudit.certificate import CERTIFICATE_HOSTS, CURRENT_ERA, DETAIL_PATH, CertificatePage
from govaudit.checks.sitepages import home_page, is_html_page
from govaudit.markart import art_view
from govaudit.models import CheckResult, CheckStatus, Finding, LinkResult, LinkStatus, Page, Severity
from govaudit.plugins import Check, CheckContext, Code, NotApplicable

SIZE = (88, 31)
_LOWER = "translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
# Plain contains() (no translate() over every href: 20× faster); the tails match Accessibility.… and
# Handicap-free… as well, and any …/Applications/Detail link (a certificate host the profile adds, such
# as a test's loopback stand-in); run() keeps the links to a certificate host (links.certificate_hosts).
_MARK_LINKS = etree.XPath("//a[contains(@href, 'ccessibility.') or contains(@href, 'andicap-free.')"
                          " or contains(@href, 'pplications/')]")
# Images whose alt text might be the mark's (zh and en variants seen on agency sites, domain notes §3.2);
# alt text alone never makes a mark: see _MARK_WORDING.
_MARK_IMAGES = etree.XPath(
    "//img[contains(@alt, '無障礙') or contains({0}, 'conformance level') or contains({0}, 'accessib')"
    " or contains({0}, 'level a')]".format(_LOWER.format("@alt"))
)
# The mark's own wording, naming its level: 「通過AA檢測等級無障礙網頁檢測」, 「無障礙A+」, 「無障礙標章…」,
# "conformance level AA". The W3C/WAI conformance logo ("Level AA Conformance"), a 無障礙專區 banner or
# any image that merely mentions accessibility is not a mark.
_MARK_WORDING = re.compile(r"通過\s*A{1,3}\+?.{0,10}檢測|無障礙\s*(?:A{1,3}\+?|標章)|conformance\s+level\s+A{1,3}",
                           re.IGNORECASE)
_META = etree.XPath("//meta[{} = 'accessible_website']/@content".format(_LOWER.format("@name")))
_IN_FOOTER = etree.XPath(
    "boolean(ancestor-or-self::*[self::footer or @role = 'contentinfo' or @id = 'Z'"
    " or contains({}, 'footer') or contains({}, 'footer')])".format(_LOWER.format("@id"), _LOWER.format("@class"))
)
_BEFORE = etree.XPath("count(preceding::*) + count(ancestor::*)")
_ALL = etree.XPath("count(//*)")
_CERT = re.compile(r"^\d{14}$")
_LEVEL_PATTERNS = (
    re.compile(r"level\s+(AAA|AA\+?|A\+?)(?![A-Za-z])", re.IGNORECASE),
    re.compile(r"(?<![A-Za-z])(AAA|AA\+?|A\+?)(?=檢測|無障礙|優先|等級|標章)"),
    re.compile(r"(?<![A-Za-z])(AAA|AA\+?|A\+?)(?![A-Za-z])"),
)
_SPACE = re.compile(r"\s+")
LEVELS = ("A", "AA", "AAA")


def parse_level(*texts: str) -> str:
    """A, AA, AAA, or A+ / AA+ (the WCAG 1.0-era scheme); "" when no text names a level."""
    for pattern in _LEVEL_PATTERNS:
        for text in texts:
            match = pattern.search(text or "")
            if match:
                return match[1].upper()
    return ""


def certificate_date(certificate_id: str) -> dt.datetime | None:
    if not _CERT.match(certificate_id or ""):
        return None
    try:
        return dt.datetime.strptime(certificate_id, "%Y%m%d%H%M%S")
    except ValueError:
        return None


def _clean(text: str | None, limit: int = 300) -> str:
    return _SPACE.sub(" ", text or "").strip()[:limit]


def _int(value: str | None) -> int | None:
    match = re.match(r"\s*(\d+)\s*(px)?\s*$", value or "")
    return int(match[1]) if match else None


def _img(img: Any) -> dict[str, Any]:
    return {"alt": _clean(img.get("alt")), "src": _clean(img.get("src"), 500), "title": _clean(img.get("title")),
            "width": _int(img.get("width")), "height": _int(img.get("height"))}


def _placement(el: Any, total: float) -> dict[str, Any]:
    return {"in_footer": bool(_IN_FOOTER(el)), "position": round(float(_BEFORE(el)) / total, 3) if total else 0.0}


def analyze(doc: Any, url: str) -> dict[str, Any] | None:
    """The marks on one page: linked marks, mark images not linked to a certificate page, the meta."""
    meta = [_clean(m) for m in _META(doc)]
    anchors = _MARK_LINKS(doc)
    images = _MARK_IMAGES(doc)
    if not (meta or anchors or images):
        return None
    total = float(_ALL(doc))
    marks, linked_images = [], set()
    for a in anchors:
        href = _clean(a.get("href"), 1000)
        try:
            target = urls.normalize_url(href, url)
        except urls.InvalidURL:
            continue
        parts = urlsplit(target)
        host = urls.host_of(target)
        detail_path = parts.path.rstrip("/").lower() == DETAIL_PATH
        era = CERTIFICATE_HOSTS.get(host, "")
        if not (era or detail_path):
            continue
        query = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
        imgs = a.findall(".//img")
        linked_images.update(imgs)
        if not imgs:  # a text link to the authority ("無障礙", "Level AA") is not the mark
            continue
        mark = {"href": target, "host": host, "era": era, "detail_path": detail_path,
                "certificate_id": query.get("category", "").strip(), "title": _clean(a.get("title")),
                "text": _clean(a.text_content()), **_placement(a, total)}
        mark["image"] = _img(imgs[0]) if imgs else None
        marks.append(mark)
    unlinked = []
    for img in images:
        if img in linked_images or not _MARK_WORDING.search(img.get("alt") or ""):
            continue
        parent = next(img.iterancestors("a"), None)
        unlinked.append({**_img(img), "link": _clean(parent.get("href"), 1000) if parent is not None else "",
                         **_placement(img, total)})
    if not (marks or unlinked or meta):
        return None
    return {"marks": marks, "unlinked": unlinked[:5], "meta": meta[:3]}


class AccessibilityMark(Check):
    id = "accessibility_mark"
    title = "Accessibility mark (無障礙標章)"
    title_zh = "無障礙標章"
    version = "1"
    indicator_tags = ("indicator:content_validity", "component:accessibility_mark")
    default_options = {
        "validity_years": 3,  # 核發辦法 §5
        "grace_days": 90,  # the certificate number is the application time; issuing takes a while
        "audit_date": "",  # YYYY-MM-DD the expiry is judged at; empty = the run's start
        "bottom_share": 0.7,  # outside a footer, the mark must come after this share of the home page
    }
    codes = {
        "a11y.mark-missing": Code(
            Severity.HIGH, "No accessibility mark linked to its certificate page on the home page.",
            "首頁未張貼連結至認證頁面的無障礙標章。"),
        "a11y.mark-legacy": Code(
            Severity.HIGH, "The mark is from an earlier scheme (handicap-free / NCC host, A+ / AA+ priority "
            "levels): it no longer counts as a current mark.",
            "標章屬舊制（研考會／國家通訊傳播委員會網域、A+／AA+ 優先等級），已不屬現行有效標章。"),
        "a11y.mark-expired": Code(
            Severity.HIGH, "The certificate page says the mark has expired, or (offline) the certificate number "
            "dates it more than 3 years (plus grace) before the audit: the mark has likely expired.",
            "認證頁面所載有效期限已過；或（離線時）依認證編號日期推算，標章已逾三年有效期間（含寬限期），可能已失效。"),
        "a11y.mark-not-linked": Code(
            Severity.HIGH, "A mark image is shown but not linked to the certificate page "
            "(/Applications/Detail?category=…).",
            "標章圖片未連結至認證頁面（/Applications/Detail?category=…）。"),
        "a11y.mark-bad-certificate": Code(
            Severity.MEDIUM, "The mark's link has no valid 14-digit certificate number "
            "(category=YYYYMMDDhhmmss) or does not point to /Applications/Detail.",
            "標章連結缺少有效的 14 位數認證編號（category=YYYYMMDDhhmmss）或未指向 /Applications/Detail。"),
        "a11y.mark-revoked": Code(
            Severity.HIGH, "The certificate page says the mark was revoked (廢止 / 註銷): it no longer counts.",
            "認證頁面顯示標章已廢止或註銷，已非有效標章。"),
        "a11y.mark-link-dead": Code(
            Severity.HIGH, "The certificate page the mark links to does not answer (broken link).",
            "標章連結的認證頁面無法開啟（失效連結）。"),
        "a11y.mark-level-unknown": Code(
            Severity.LOW, "The conformance level (A / AA / AAA) cannot be read from the mark's alt text, "
            "title or the Accessible_website meta.",
            "無法由標章替代文字、標題或 Accessible_website 中繼資料判讀檢測等級（A／AA／AAA）。"),
        "a11y.mark-inconsistent": Code(
            Severity.MEDIUM, "Pages show different levels or certificate numbers (mark, alt text or "
            "Accessible_website meta disagree).",
            "各頁標章等級或認證編號不一致（標章、替代文字或 Accessible_website 中繼資料互相矛盾）。"),
        "a11y.mark-not-artwork": Code(
            Severity.LOW, "The image linked to the certificate page does not look like the official mark artwork "
            "(perceptual hash far from every reference in config/mark_art.yaml).",
            "連結至認證頁面之圖片與官方標章圖樣不符（感知雜湊與 config/mark_art.yaml 所列圖樣差異過大）。"),
        "a11y.mark-size": Code(
            Severity.LOW, "The mark image is not 88×31 pixels (the mark must not be resized).",
            "標章圖片尺寸非 88×31 像素（標章不得縮放變形）。"),
        "a11y.mark-not-bottom": Code(
            Severity.LOW, "The mark is not at the bottom of the home page (footer).",
            "標章未張貼於首頁下方（頁尾）。"),
    }

    def __init__(self, options: dict[str, Any] | None = None):
        super().__init__(options)
        o = self.options
        if not isinstance(o["validity_years"], int) or o["validity_years"] < 1:
            raise ValueError("validity_years must be a positive integer")
        if not isinstance(o["grace_days"], int) or o["grace_days"] < 0:
            raise ValueError("grace_days must be a non-negative integer")
        if not isinstance(o["bottom_share"], int | float) or not 0 <= o["bottom_share"] <= 1:
            raise ValueError("bottom_share must be between 0 and 1")
        if o["audit_date"]:
            try:
                dt.date.fromisoformat(str(o["audit_date"]))
            except ValueError:
                raise ValueError(f"audit_date must be YYYY-MM-DD, not {o['audit_date']!r}") from None

    page_facts = staticmethod(analyze)

    def _audit_date(self, ctx: CheckContext) -> dt.date:
        if self.options["audit_date"]:
            return dt.date.fromisoformat(str(self.options["audit_date"]))
        return ctx.audit_date()

    def _expiry(self, certificate_id: str) -> dt.date | None:
        issued = certificate_date(certificate_id)
        if issued is None:
            return None
        years = self.options["validity_years"]
        try:
            end = issued.date().replace(year=issued.year + years)
        except ValueError:  # 29 February
            end = issued.date().replace(year=issued.year + years, day=28)
        return end + dt.timedelta(days=self.options["grace_days"])

    def run(self, ctx: CheckContext) -> CheckResult:
        pages, home = _pages(ctx)
        results = {r.url: r for r in ctx.link_results()}
        audit_date = self._audit_date(ctx)
        hosts = _certificate_hosts(ctx)
        facts = {p.url: _on_hosts(f, hosts) for p in pages
                 if isinstance(f := p.facts.get(self.id), dict) and "_error" not in f}
        home_facts = facts.get(home.url) or {"marks": [], "unlinked": [], "meta": []}
        mark = _first_mark(home_facts["marks"])
        art = _artwork(results, home.url, home_facts)
        unlinked = home_facts["unlinked"]
        if mark is None and not unlinked:  # no mark by its link or words: an image that looks like it is one
            unlinked = art["lookalikes"][:1]
        badge = _badge(home.url, mark, unlinked, home_facts["meta"], audit_date)
        findings = self._home_mark(mark, unlinked, home.url, home_facts["meta"], badge, results, audit_date)
        findings += self._artwork(mark, art, badge, home.url)
        findings += self._size(badge, home.url)
        findings += self._placement(mark or (unlinked[0] if unlinked else None), badge, home.url)
        # Every page: which carry a mark, and do they agree on level and certificate?
        with_badge = [u for u, f in facts.items() if f["marks"] or f["unlinked"]]
        certificates, levels = _seen(facts.values())
        findings += self._inconsistent(certificates, levels, home.url)
        badge.update(pages_with_badge=len(with_badge), pages_checked=len(pages),
                     certificates_seen=dict(certificates), levels_seen=dict(levels))
        badge["valid"] = _valid(mark, badge)
        metrics = {"valid": 1.0 if badge["valid"] else 0.0, "present": 1.0 if badge["present"] else 0.0,
                   "pages_with_badge": len(with_badge), "pages_checked": len(pages),
                   "badge_share": round(len(with_badge) / len(pages), 4)}
        status = (CheckStatus.FAILED if not badge["valid"] else CheckStatus.NEEDS_REVIEW if findings
                  else CheckStatus.PASSED)
        return replace(self.result(status, metrics, findings), data={"accessibility": {"badge": badge}})

    def _home_mark(self, mark: dict[str, Any] | None, unlinked: list[dict[str, Any]], home_url: str,
                   meta: list[str], badge: dict[str, Any], results: dict[str, LinkResult],
                   audit_date: dt.date) -> list[Finding]:
        """The findings on the home page's mark (missing, not linked, or judged), filling in the badge."""
        meta_level = parse_level(*meta)
        if mark is None and not unlinked:
            return [self.finding("a11y.mark-missing", "no accessibility mark on the home page",
                                 page=home_url, evidence={"meta": meta})]
        if mark is None:
            img = unlinked[0]
            badge.update(alt=img["alt"], width=img["width"], height=img["height"],
                         level=parse_level(img["alt"], img["title"]) or meta_level)
            looks = img.get("artwork")
            what = (f"an image that looks like the official mark ({looks['reference']}, {looks['distance']} of 64 "
                    f"bits off)" if looks else f"mark image {img['alt']!r}")
            return [self.finding(
                "a11y.mark-not-linked", f"{what} is not linked to a certificate page (核發辦法 §6)",
                page=home_url, target=img["link"] or (img["src"] if looks else ""), evidence=img)]
        badge.update(_judged(mark, meta_level, badge["meta"], results, audit_date, self._expiry))
        return self._judge(mark, home_url, meta_level, badge, results.get(mark["href"]), audit_date)

    def _artwork(self, mark: dict[str, Any] | None, art: dict[str, Any], badge: dict[str, Any],
                 home_url: str) -> list[Finding]:
        """Is the linked mark's image the official artwork? (Only said when its image could be compared.)"""
        badge["artwork"] = art["mark"] or (art["lookalikes"][0]["artwork"] if mark is None and art["lookalikes"]
                                           else None)
        view = art["mark"]
        if mark is None or not view or not view.get("checked") or view.get("matches"):
            return []
        return [self.finding(
            "a11y.mark-not-artwork",
            f"the image linked to the certificate page does not look like the official mark artwork (nearest "
            f"reference {view['reference']}: {view['distance']} of 64 bits off)",
            page=home_url, target=view["image"], evidence=view)]

    def _size(self, badge: dict[str, Any], home_url: str) -> list[Finding]:
        """The mark image must be 88×31 (when its size is declared)."""
        img_size = (badge["width"], badge["height"])
        if not badge["present"] or None in img_size:
            return []
        badge["size_ok"] = img_size == SIZE
        if badge["size_ok"]:
            return []
        return [self.finding(
            "a11y.mark-size", f"mark image is {img_size[0]}×{img_size[1]}, not 88×31",
            page=home_url, target=badge["certificate_url"], evidence={"width": img_size[0], "height": img_size[1]})]

    def _placement(self, placed: dict[str, Any] | None, badge: dict[str, Any], home_url: str) -> list[Finding]:
        """The mark must be in the footer or near the bottom of the home page."""
        if placed is None or placed.get("position") is None:  # an image found by its artwork: place unknown
            return []
        at_bottom = placed["in_footer"] or placed["position"] >= self.options["bottom_share"]
        badge.update(in_footer=placed["in_footer"], position=placed["position"], at_bottom=at_bottom)
        if at_bottom:
            return []
        return [self.finding(
            "a11y.mark-not-bottom",
            f"mark is not in the footer and comes at {placed['position']:.0%} of the home page",
            page=home_url, target=badge["certificate_url"],
            evidence={"in_footer": placed["in_footer"], "position": placed["position"]})]

    def _inconsistent(self, certificates: Counter[str], levels: Counter[str], home_url: str) -> list[Finding]:
        """Pages that disagree on the certificate number or the level."""
        if len(certificates) <= 1 and len(levels) <= 1:
            return []
        return [self.finding(
            "a11y.mark-inconsistent",
            "pages disagree: " + "; ".join(filter(None, (
                f"certificates {', '.join(sorted(certificates))}" if len(certificates) > 1 else "",
                f"levels {', '.join(sorted(levels))}" if len(levels) > 1 else ""))),
            page=home_url, evidence={"certificates": dict(certificates), "levels": dict(levels)})]

    def _judge(self, mark: dict[str, Any], home_url: str, meta_level: str, badge: dict[str, Any],
               result: LinkResult | None, audit_date: dt.date) -> list[Finding]:
        """The findings on a linked mark, from what _judged() put in the badge."""
        findings = []
        target, cert, level = mark["href"], badge["certificate_id"], badge["level"]
        if badge["legacy"]:
            findings.append(self.finding(
                "a11y.mark-legacy", f"mark from the {mark['era']} era" + (f", level {level}" if level else ""),
                page=home_url, target=target, evidence={"host": mark["host"], "level": level, "alt": badge["alt"]}))
        if certificate_date(cert) is None or not mark["detail_path"]:
            findings.append(self.finding(
                "a11y.mark-bad-certificate",
                f"certificate number {cert!r} is not a 14-digit date" if certificate_date(cert) is None
                else "the link does not point to /Applications/Detail",
                page=home_url, target=target, evidence={"certificate_id": cert}))
        elif badge["likely_expired"] and not badge["dates_estimated"]:
            certificate = badge["certificate_page"] or {}
            findings.append(self.finding(
                "a11y.mark-expired",
                f"the certificate page says the mark expired on {badge['expires']} (audit date "
                f"{audit_date.isoformat()})" + (f": {certificate.get('evidence')}" if certificate.get("evidence")
                                                else ""),
                page=home_url, target=target,
                evidence={"certificate_id": cert, "issued": badge["issued"], "expires": badge["expires"],
                          "audit_date": audit_date.isoformat(), "basis": "認證頁面所載",
                          "said": certificate.get("evidence", "")}))
        elif badge["likely_expired"] and badge["expires"] is not None:
            findings.append(self.finding(
                "a11y.mark-expired",
                f"推估 (estimated from certificate number {cert}, read as the application date {badge['issued']}): "
                f"likely expired since {badge['expires']} (audit date {audit_date.isoformat()})",
                page=home_url, target=target,
                evidence={"certificate_id": cert, "issued": badge["issued"], "expires": badge["expires"],
                          "audit_date": audit_date.isoformat(), "basis": f"推估，依認證編號 {cert} 推算"}))
        if badge["revoked"]:
            said = (badge["certificate_page"] or {}).get("evidence", "")
            findings.append(self.finding(
                "a11y.mark-revoked", f"the certificate page says the mark was revoked: {said}",
                page=home_url, target=target, evidence={"certificate_id": cert, "said": said}))
        certified = (badge["certificate_page"] or {}).get("level") or ""
        if badge["link_status"] == "broken":
            error, http_status = (result.error, result.http_status) if result else (None, None)
            findings.append(self.finding(
                "a11y.mark-link-dead", f"the certificate page does not answer: "
                f"{error or 'HTTP ' + str(http_status)}",
                page=home_url, target=target, evidence={"http_status": http_status, "error": error}))
        if not level:
            findings.append(self.finding("a11y.mark-level-unknown", "no level in the mark's alt text or title",
                                         page=home_url, target=target, evidence={"alt": badge["alt"],
                                                                                 "title": mark["title"]}))
        elif meta_level and meta_level != level:
            findings.append(self.finding(
                "a11y.mark-inconsistent", f"the mark says {level}, the Accessible_website meta says {meta_level}",
                page=home_url, target=target, evidence={"mark": level, "meta": meta_level}))
        if level and certified and certified != level:
            findings.append(self.finding(
                "a11y.mark-inconsistent", f"the mark says {level}, the certificate page says {certified}",
                page=home_url, target=target, evidence={"mark": level, "certificate_page": certified}))
        return findings


def _artwork(results: dict[str, LinkResult], home_url: str, home_facts: dict[str, Any]) -> dict[str, Any]:
    """The home page's images the crawler hashed (crawler/markart.py), judged against the official artwork:
    the first mark's image, and the images that look like the mark but are in no certificate link."""
    def resolve(src: str) -> str:
        try:
            return urls.normalize_url(src, home_url)
        except urls.InvalidURL:
            return src

    views = {url: view for url, r in results.items()
             if (view := art_view((r.details or {}).get("art"))) is not None}
    marks = [m for m in home_facts["marks"] if m.get("image")]
    first = _first_mark(marks)
    in_links = {resolve(m["image"]["src"]) for m in marks}
    mark_view = None
    if first is not None and (src := resolve(first["image"]["src"])) in views:
        mark_view = {"image": src, **views[src]}
    lookalikes = [{"alt": "", "src": url, "title": "", "width": None, "height": None, "link": "",
                   "in_footer": None, "position": None, "artwork": {"image": url, **view}}
                  for url, view in views.items() if view.get("matches") and url not in in_links]
    return {"mark": mark_view, "lookalikes": lookalikes}


def _certificate_hosts(ctx: CheckContext) -> dict[str, str]:
    """host[:port] → era of the certificate pages (profile links.certificate_hosts)."""
    links = getattr(ctx.profile, "links", None)
    hosts = getattr(links, "certificate_hosts", None)
    return {h.lower(): e for h, e in (hosts if isinstance(hosts, dict) else CERTIFICATE_HOSTS).items()}


def _on_hosts(facts: dict[str, Any], hosts: dict[str, str]) -> dict[str, Any]:
    """The page's facts with only the marks linked to a certificate host, each with that host's era."""
    marks = [{**m, "era": hosts[m["host"]]} for m in facts.get("marks") or [] if m.get("host") in hosts]
    # a mark image linked to some other host's …/Applications/Detail is still an unlinked mark
    elsewhere = [{**m["image"], "link": m["href"], "in_footer": m["in_footer"], "position": m["position"]}
                 for m in facts.get("marks") or [] if m.get("host") not in hosts and m.get("image")
                 and _MARK_WORDING.search(m["image"].get("alt") or "")]
    return {**facts, "marks": marks, "unlinked": [*facts.get("unlinked", []), *elsewhere][:5]}


def _pages(ctx: CheckContext) -> tuple[list[Page], Page]:
    """The HTML pages crawled, and the home page among them."""
    pages = [p for p in ctx.pages() if is_html_page(p)]
    if not pages:
        raise NotApplicable("no HTML page was crawled")
    home = home_page(ctx, pages)
    if home is None:
        raise NotApplicable("the home page was not crawled")
    return pages, home


def _first_mark(marks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The home page's mark: the first linked one (a current-era one, with a certificate number, first)."""
    ranked = sorted(marks, key=lambda m: (m["era"] != CURRENT_ERA, not m["certificate_id"]))
    return ranked[0] if ranked else None


def _valid(mark: dict[str, Any] | None, badge: dict[str, Any]) -> bool:
    """A current mark: linked, of today's era, not legacy, not expired, to a certificate page that answers."""
    return bool(
        mark is not None and badge["era"] == CURRENT_ERA and not badge["legacy"] and not badge["revoked"]
        and badge["likely_expired"] is False and mark["detail_path"]
        and badge["link_status"] not in ("broken",))


def _badge(home_url: str, mark: dict[str, Any] | None, unlinked: list[dict[str, Any]], meta: list[str],
           audit_date: dt.date) -> dict[str, Any]:
    """The badge section before the home page's mark is judged: every field, most still unknown."""
    return {
        "present": bool(mark or unlinked), "linked": mark is not None, "home_page": home_url,
        "level": "", "host": "", "era": "", "certificate_id": "", "certificate_url": "",
        "issued": None, "expires": None, "likely_expired": None, "legacy": None,
        "width": None, "height": None, "size_ok": None, "in_footer": None, "position": None, "at_bottom": None,
        "link_status": "", "meta": meta, "alt": "", "audit_date": audit_date.isoformat(),
        "dates_estimated": False, "dates_basis": "", "revoked": None, "certificate_page": None, "artwork": None,
        "valid": False,
    }


def _judged(mark: dict[str, Any], meta_level: str, meta: list[str], results: dict[str, LinkResult],
            audit_date: dt.date, expiry: Callable[[str], dt.date | None]) -> dict[str, Any]:
    """The badge fields a linked mark gives: level, certificate dates, era, the certificate link's status."""
    img = mark["image"] or {}
    alt, title = img.get("alt", ""), mark["title"]
    level = parse_level(alt, img.get("title", ""), title, mark["text"]) or meta_level
    cert = mark["certificate_id"]
    estimated_expiry = expiry(cert)
    number_date = certificate_date(cert)
    result = results.get(mark["href"])
    status = result.status if result else ""
    link_status = ("ok" if status in (LinkStatus.OK, LinkStatus.REDIRECTED) else
                   "broken" if status == LinkStatus.BROKEN else "not_verified")
    page = CertificatePage.from_dict((result.details or {}).get("certificate")) if result else None
    legacy = (mark["era"] != CURRENT_ERA or level.endswith("+") or (page is not None and page.level.endswith("+"))
              or any("優先等級" in t for t in (alt, title, *meta)))
    read = page is not None and page.read
    if read and page is not None and page.expires:
        # the authority's record: its dates, and its word on expiry
        expires: dt.date | None = dt.date.fromisoformat(page.expires)
        issued = page.issued
        estimated = False
        basis = f"認證頁面所載（{page.url}，{page.fetched_at} 讀取）"
    else:
        # Offline (or a page that gave no dates) nothing but the certificate number dates the mark: the
        # dates are estimates (推估), and say so and from what.
        issued = number_date.date().isoformat() if number_date else None
        expires, estimated = estimated_expiry, bool(number_date)
        why = ("" if page is None else f"；認證頁面未能讀取（{page.error}）" if page.error
               else "；認證頁面未載明日期")
        basis = (f"推估：認證編號 {cert} 視為申請時間（YYYYMMDDhhmmss），加有效期間與核發寬限期推算{why}；"
                 "以認證頁面所載日期為準" if number_date else "")
    expired = (expires < audit_date) if expires else None
    if read and page is not None and page.says_expired:
        expired = True
    return {"level": level, "host": mark["host"], "era": mark["era"], "certificate_id": cert,
            "dates_estimated": estimated, "dates_basis": basis,
            "certificate_url": mark["href"], "alt": alt, "width": img.get("width"), "height": img.get("height"),
            "issued": issued, "expires": expires.isoformat() if expires else None,
            "likely_expired": expired, "legacy": legacy,
            "revoked": page.revoked if read and page is not None else None,
            "certificate_page": {k: v for k, v in page.as_dict().items() if k != "url"} if page else None,
            "link_status": link_status, "link_result": status or "not_checked"}


def _seen(facts: Iterable[dict[str, Any]]) -> tuple[Counter[str], Counter[str]]:
    """How many marks name each certificate number, and how many marks and metas name each level."""
    certificates = Counter(m["certificate_id"] for f in facts for m in f["marks"] if m["certificate_id"])
    levels: Counter[str] = Counter()
    for f in facts:
        for m in f["marks"]:
            level = parse_level(m["image"]["alt"] if m["image"] else "", m["title"], m["text"])
            if level:
                levels[level] += 1
        for level in filter(None, (parse_level(text) for text in f["meta"])):
            levels[level] += 1
    return certificates, levels

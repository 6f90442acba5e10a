"""The 無障礙標章 check: fixture sites on a real server, audited by the real CLI offline; the certificate
link's answer through a real store; the analyzer on the alt-text variants agencies use."""

import datetime as dt
import json
import subprocess
import sys

import lxml.html
import pytest

from govaudit.checks.accessibility_mark import AccessibilityMark, analyze, certificate_date, parse_level
from govaudit.context import CheckContext
from govaudit.models import CheckStatus, LinkResult, LinkStatus, Page
from govaudit.store import open_store
from tests.siteserver import SiteServer, html
from tests.testdb import db_at

MODA = "https://accessibility.moda.gov.tw/Applications/Detail?category={}"
AUDIT_DATE = "2026-01-15"
# Six whole audits in the module fixture below, whose setup counts against the first test's timeout.
pytestmark = pytest.mark.timeout(2400)
FILLER = "".join(f"<p>第{i}段：本署業務說明與公告事項。</p>" for i in range(30))


def _mark(cert="20250102103000", alt="通過AA檢測等級無障礙網頁檢測", width=88, height=31, host=None):
    href = host.format(cert) if host else MODA.format(cert)
    return (f'<a href="{href}" title="無障礙網站"><img src="/aa.png" width="{width}" height="{height}"'
            f' alt="{alt}"></a>')


def _page(footer="", header="", meta=""):
    return html(f"{meta}<header>{header}<nav><a href='./'>首頁</a></nav></header><main>{FILLER}</main>"
                f"<footer><address>臺北市中正區延平南路143號</address>{footer}</footer>")


ROUTES = {
    "/valid/": _page(_mark()),
    "/legacy/": _page(_mark("20160913093318", "通過A+優先等級無障礙網頁檢測",
                            host="http://www.handicap-free.nat.gov.tw/Applications/Detail?category={}")),
    "/expired/": _page(_mark("20220106151048")),
    "/none/": _page(),
    "/unlinked/": _page('<img src="/aa.png" width="88" height="31" alt="通過AA檢測等級無障礙網頁檢測">'),
    # at the top of the page, resized, and a second page shows another certificate and level
    "/top/": _page(header=_mark(width=120, height=45) + '<a href="other.html">其他</a>'),
    "/top/other.html": _page(_mark("20240101000000", "通過A檢測等級無障礙網頁檢測")),
}


def _audit(server, path, tmp_path, options=None):
    profile = tmp_path / "profile.yaml"
    profile.write_text(json.dumps({"checks": {"accessibility_mark": {"audit_date": AUDIT_DATE, **(options or {})}}}))
    out = tmp_path / path.strip("/").replace("/", "_")
    proc = subprocess.run([sys.executable, "-m", "govaudit", "run", server.url + path.lstrip("/"), "--offline",
                           "--profile", str(profile), "--db", str(db_at(out.with_name(out.name + ".sqlite"))), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    (check,) = [c for c in doc["checks"] if c["id"] == "accessibility_mark"]
    return doc, check, {f["code"] for f in check["findings"]}


@pytest.fixture(scope="module")
def audits(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mark")
    with SiteServer(ROUTES) as server:
        yield {path.strip("/").split("/")[0]: _audit(server, path, tmp)
               for path in ("/valid/", "/legacy/", "/expired/", "/none/", "/unlinked/", "/top/")}


def test_a_current_aa_mark_in_the_footer_is_valid(audits):
    doc, check, codes = audits["valid"]
    badge = doc["accessibility"]["badge"]
    assert check["status"] == "passed" and check["metrics"]["valid"] == 1.0 and codes == set()
    assert badge["present"] and badge["level"] == "AA" and badge["host"] == "accessibility.moda.gov.tw"
    assert badge["certificate_id"] == "20250102103000" and badge["likely_expired"] is False
    assert badge["size_ok"] and badge["in_footer"] and badge["at_bottom"]
    assert badge["link_status"] == "not_verified"  # --offline: the certificate host is never contacted
    assert badge["pages_with_badge"] == 1
    component = next(c for i in doc["indicators"] for c in i["components"] if c["id"] == "accessibility_mark")
    assert component["score"] == 1.0


def test_a_legacy_mark_no_longer_counts(audits):
    doc, check, codes = audits["legacy"]
    badge = doc["accessibility"]["badge"]
    assert badge["era"] == "handicap-free" and badge["level"] == "A+" and badge["legacy"] is True
    assert {"a11y.mark-legacy", "a11y.mark-expired"} <= codes
    assert check["status"] == "failed" and check["metrics"]["valid"] == 0.0


def test_an_expired_certificate_is_flagged(audits):
    doc, check, codes = audits["expired"]
    badge = doc["accessibility"]["badge"]
    assert badge["issued"] == "2022-01-06" and badge["expires"] == "2025-04-06" and badge["likely_expired"] is True
    assert codes == {"a11y.mark-expired"} and check["metrics"]["valid"] == 0.0


def test_no_mark_is_missing_and_scores_zero(audits):
    doc, check, codes = audits["none"]
    assert codes == {"a11y.mark-missing"} and check["status"] == "failed"
    assert doc["accessibility"]["badge"]["present"] is False and check["metrics"]["valid"] == 0.0


def test_a_mark_image_without_the_certificate_link(audits):
    doc, check, codes = audits["unlinked"]
    assert codes == {"a11y.mark-not-linked"}
    badge = doc["accessibility"]["badge"]
    assert badge["present"] and not badge["linked"] and badge["level"] == "AA" and check["metrics"]["valid"] == 0.0


def test_a_resized_mark_at_the_top_and_pages_that_disagree(audits):
    doc, check, codes = audits["top"]
    badge = doc["accessibility"]["badge"]
    assert codes == {"a11y.mark-not-bottom", "a11y.mark-size", "a11y.mark-inconsistent"}
    assert (badge["width"], badge["height"], badge["at_bottom"]) == (120, 45, False)
    assert badge["pages_with_badge"] == 2 and set(badge["certificates_seen"]) == {"20250102103000", "20240101000000"}
    # presentation problems are findings to review; the mark itself is current
    assert check["metrics"]["valid"] == 1.0 and check["status"] == "needs_review"


def _doc(body: str, url="http://127.0.0.1/"):
    return analyze(lxml.html.document_fromstring(f"<html><head></head><body>{body}</body></html>"), url)


def test_alt_text_variants_and_levels():
    assert parse_level("通過AA檢測等級無障礙網頁檢測") == "AA"
    assert parse_level("通過A檢測等級無障礙網頁檢測") == "A"
    assert parse_level("通過AAA檢測等級無障礙網頁檢測") == "AAA"
    assert parse_level("通過A+優先等級無障礙網頁檢測") == "A+"
    assert parse_level("無障礙A+") == "A+"
    assert parse_level("conformance level AA") == "AA"
    assert parse_level("Level AA passed") == "AA"
    assert parse_level("無障礙標章2.0「另開新視窗」", "無障礙網站") == ""
    assert certificate_date("20220830155044") == dt.datetime(2022, 8, 30, 15, 50, 44)
    assert certificate_date("20221330155044") is None and certificate_date("2022083015504") is None
    facts = _doc('<a href="https://accessibility.ncc.gov.tw/Applications/Detail?Category=20220106151048">'
                 '<img src="/AA.png" width="88" height="31" alt="通過AA無障礙網頁檢測"></a>'
                 '<img alt="conformance level AA" src="aplus.png" width="120">')
    (mark,) = facts["marks"]
    assert (mark["era"], mark["certificate_id"], mark["detail_path"]) == ("ncc", "20220106151048", True)
    assert facts["unlinked"][0]["alt"] == "conformance level AA" and facts["unlinked"][0]["width"] == 120
    assert _doc("<p>沒有標章</p>") is None
    meta = analyze(lxml.html.document_fromstring(
        '<html><head><meta name="Accessible_website" content="本網站通過AA檢測等級無障礙網頁檢測"></head><body></body></html>'),
        "http://127.0.0.1/")
    assert meta == {"marks": [], "unlinked": [], "meta": ["本網站通過AA檢測等級無障礙網頁檢測"]}


def _store_with_mark(tmp_path, link_status, http_status):
    page_html = "<html><body><footer>" + _mark() + "</footer></body></html>"
    facts = analyze(lxml.html.document_fromstring(page_html), "http://127.0.0.1/")
    store = open_store(db_at(tmp_path / f"{link_status}.sqlite"))
    run = store.create_run(site="s", start_url="http://127.0.0.1/", tool_version="t", profile_hash="h", profile={},
                           rubric="r@1")
    page = Page(url="http://127.0.0.1/", requested_url="http://127.0.0.1/", http_status=200,
                content_type="text/html", charset="utf-8", lang="zh-Hant", title="t", size=1,
                fetched_at="2026-01-01T00:00:00+00:00", body_hash="b" * 64, facts={"accessibility_mark": facts})
    with store.transaction():
        store.add_pages(run, [(page, None)])
        store.add_link_results(run, [LinkResult(
            url=MODA.format("20250102103000"), status=LinkStatus(link_status), http_status=http_status,
            error_kind="http_status" if http_status >= 400 else None,
            error=f"HTTP {http_status}" if http_status >= 400 else "", method="GET", elapsed=0.1,
            checked_at="2026-01-01T00:00:00+00:00", internal=False)])
    return store, run


@pytest.mark.parametrize(("status", "http", "expected", "valid"), [
    ("broken", 404, "broken", False), ("ok", 200, "ok", True), ("unverified", 503, "not_verified", True)])
def test_the_certificate_link_answer_comes_from_the_crawl(tmp_path, status, http, expected, valid):
    store, run = _store_with_mark(tmp_path, status, http)
    with store:
        check = AccessibilityMark({"audit_date": AUDIT_DATE})
        result = check.run(CheckContext(store=store, run_id=run, profile=None, options=check.options))
    badge = result.data["accessibility"]["badge"]
    assert badge["link_status"] == expected and badge["valid"] is valid
    assert ("a11y.mark-link-dead" in {f.code for f in result.findings}) is (expected == "broken")
    assert result.status == (CheckStatus.PASSED if valid else CheckStatus.FAILED)


def test_grace_days_and_audit_date_decide_expiry(tmp_path):
    store, run = _store_with_mark(tmp_path, "ok", 200)  # certificate 2025-01-02: expires 2028-01-02 + grace
    with store:
        for options, expired in (({"audit_date": "2028-02-01"}, False), ({"audit_date": "2028-04-02"}, True),
                                 ({"audit_date": "2028-02-01", "grace_days": 0}, True)):
            check = AccessibilityMark(options)
            result = check.run(CheckContext(store=store, run_id=run, profile=None, options=check.options))
            assert result.data["accessibility"]["badge"]["likely_expired"] is expired, options
    with pytest.raises(ValueError):
        AccessibilityMark({"audit_date": "15/01/2026"})
    with pytest.raises(ValueError):
        AccessibilityMark({"grace_days": -1})


# Look-alikes seen on agency sites (issue 17): none of them is the mark, however its alt text reads.
LOOKALIKES = {
    "wai_logo": '<a href="https://www.w3.org/WAI/"><img src="/wai.png" width="88" height="31"'
                ' alt="Web Accessibility Initiative (WAI)"></a>',
    "wcag_logo": '<a href="https://www.w3.org/WAI/WCAG2AA-Conformance"><img src="/wcag2AA.png" width="88"'
                 ' height="31" alt="Level AA conformance, W3C WAI Web Content Accessibility Guidelines 2.1"></a>',
    "zone_banner": '<a href="/accessibility.html"><img src="/banner.png" alt="無障礙專區"></a>',
    "zone_banner_moda": '<a href="https://accessibility.moda.gov.tw/"><span>無障礙專區</span></a>',
    "text_link": '<a href="https://accessibility.moda.gov.tw/Applications/Detail?category=20250102103000">'
                 '無障礙 Level AA</a>',
    "level_text": '<a href="/a11y.html">Level AA</a>',
}


@pytest.mark.parametrize("kind", sorted(LOOKALIKES))
def test_a_lookalike_is_not_a_mark(tmp_path, kind):
    facts = _doc(f"<footer>{LOOKALIKES[kind]}</footer>")
    assert facts is None or (facts["marks"], facts["unlinked"]) == ([], []), facts
    store, run = _store_with_page(tmp_path, f"<html><body><footer>{LOOKALIKES[kind]}</footer></body></html>")
    with store:
        check = AccessibilityMark({"audit_date": AUDIT_DATE})
        result = check.run(CheckContext(store=store, run_id=run, profile=None, options=check.options))
    assert {f.code for f in result.findings} == {"a11y.mark-missing"}
    assert result.metrics["present"] == 0.0 and result.data["accessibility"]["badge"]["present"] is False


def test_expiry_is_an_estimate_and_says_from_what(tmp_path):
    store, run = _store_with_mark(tmp_path, "ok", 200)
    with store:
        check = AccessibilityMark({"audit_date": "2028-06-01"})
        result = check.run(CheckContext(store=store, run_id=run, profile=None, options=check.options))
    badge = result.data["accessibility"]["badge"]
    assert badge["dates_estimated"] is True and "推估" in badge["dates_basis"] and "20250102103000" in badge["dates_basis"]
    (expired,) = [f for f in result.findings if f.code == "a11y.mark-expired"]
    assert expired.message.startswith("推估")


def _store_with_page(tmp_path, page_html):
    facts = analyze(lxml.html.document_fromstring(page_html), "http://127.0.0.1/")
    store = open_store(db_at(tmp_path / "page.sqlite"))
    run = store.create_run(site="s", start_url="http://127.0.0.1/", tool_version="t", profile_hash="h", profile={},
                           rubric="r@1")
    page = Page(url="http://127.0.0.1/", requested_url="http://127.0.0.1/", http_status=200,
                content_type="text/html", charset="utf-8", lang="zh-Hant", title="t", size=1,
                fetched_at="2026-01-01T00:00:00+00:00", body_hash="b" * 64,
                facts={"accessibility_mark": facts} if facts else {})
    with store.transaction():
        store.add_pages(run, [(page, None)])
    return store, run

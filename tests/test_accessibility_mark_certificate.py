"""The 無障礙標章's certificate page, read after the crawl: a loopback stand-in for the certificate host
(profile links.certificate_hosts points there), the one scope gate, a real SQLite store, the check's
verdict from what the page says — dates from the page, not 推估; revoked and expired pages found; the
parser tolerant of the unverified markup (labels, ROC and Gregorian dates)."""

import datetime as dt
import json
import subprocess
import sys

import lxml.html
import pytest

from govaudit.certificate import CertificatePage, page_text, parse_date, read_page
from govaudit.checks.accessibility_mark import AccessibilityMark, analyze
from govaudit.context import CheckContext
from govaudit.crawler import certificate
from govaudit.jobs import CrawlJob
from govaudit.models import Page
from govaudit.profile import Links, Profile
from govaudit.scope import Kind, Scope
from govaudit.store import open_store
from tests.siteserver import SiteServer, html
from tests.testdb import db_at

CERT = "20240305131929"  # the number estimates an expiry of 2027-06-03 (3 years + 90 days)
DETAIL = f"/Applications/Detail?category={CERT}"
AUDIT_DATE = "2026-01-15"
FILLER = "".join(f"<p>第{i}段：本署業務說明。</p>" for i in range(20))


def _record(rows: str, *, nav: str = "<nav><a href='/x'>標章廢止公告</a></nav>") -> tuple:
    """A certificate page as the authority might lay it out (its real markup is unverified): a menu that
    mentions 廢止 on every page, and a table of the record."""
    return html(f"{nav}<main><h1>檢測合格網站</h1><table>{rows}</table></main><footer>數位發展部</footer>")


VALID = _record("<tr><th>網站名稱</th><td>某署</td></tr><tr><th>檢測等級</th><td>AA</td></tr>"
                "<tr><th>核發日期</th><td>113年03月05日</td></tr><tr><th>有效期限</th><td>116/03/04</td></tr>")
REVOKED = _record("<tr><th>檢測等級</th><td>AA</td></tr><tr><th>認證狀態</th><td>已廢止（限期未改善）</td></tr>"
                  "<tr><th>有效期限</th><td>2027-03-04</td></tr>")
EXPIRED = _record("<tr><th>認證等級</th><td>AA</td></tr><tr><th>有效期間</th><td>2022/12/01 ~ 2025/11/30</td></tr>")
LOWER = _record("<tr><th>檢測等級</th><td>A</td></tr><tr><th>有效期限</th><td>2027-03-04</td></tr>")


def _home(cert_url: str) -> str:
    return (f"<html><body><main>{FILLER}</main><footer><a href='{cert_url}' title='無障礙網站'>"
            "<img src='/aa.png' width='88' height='31' alt='通過AA檢測等級無障礙網頁檢測'></a></footer></body></html>")


def _judge(tmp_path, route, *, listed=True, offline=True, name="run"):
    """A stored crawl whose home page carries a mark linking to the stand-in certificate server; the
    crawler's certificate step, then the check."""
    with SiteServer({DETAIL: route}) as cert:
        cert_url = cert.url.rstrip("/") + DETAIL
        host = cert_url.split("/")[2]
        profile = Profile(links=Links(certificate_hosts={host: "moda"} if listed else {}))
        store = open_store(db_at(tmp_path / f"{name}.sqlite"))
        start = "http://127.0.0.1:1/"
        run = store.create_run(site="s", start_url=start, tool_version="t", profile_hash="h", profile={},
                               rubric="r@1")
        page = Page(url=start, requested_url=start, http_status=200, content_type="text/html", charset="utf-8",
                    lang="zh-Hant", title="t", size=1, fetched_at="2026-01-01T00:00:00+00:00", body_hash="b" * 64,
                    facts={"accessibility_mark": analyze(lxml.html.document_fromstring(_home(cert_url)), start)})
        with store.transaction():
            store.add_pages(run, [(page, None)])
        job = CrawlJob.from_profile(profile, store=store.url, run_id=run, site="s", start_url=start,
                                    offline=offline, analyzers=("accessibility_mark",))
        read = certificate.read(store, run, job, list(store.pages(run)))
        hits = list(cert.hits)
    with store:
        check = AccessibilityMark({"audit_date": AUDIT_DATE})
        result = check.run(CheckContext(store=store, run_id=run, profile=profile, options=check.options))
    return read, hits, result, result.data["accessibility"]["badge"]


def test_the_dates_come_from_the_certificate_page(tmp_path):
    read, hits, result, badge = _judge(tmp_path, VALID)
    assert read == 1 and hits == [("GET", DETAIL)]
    assert (badge["issued"], badge["expires"]) == ("2024-03-05", "2027-03-04")  # the page's, not the estimate
    assert badge["dates_estimated"] is False and "推估" not in badge["dates_basis"]
    assert badge["dates_basis"].startswith("認證頁面所載") and badge["certificate_page"]["level"] == "AA"
    assert badge["revoked"] is False and badge["valid"] is True and badge["link_status"] == "ok"
    assert {f.code for f in result.findings} == set()


def test_a_revoked_mark_is_a_finding_and_not_valid(tmp_path):
    _, _, result, badge = _judge(tmp_path, REVOKED)
    (finding,) = [f for f in result.findings if f.code == "a11y.mark-revoked"]
    assert "已廢止" in finding.evidence["said"] and badge["valid"] is False and badge["revoked"] is True


def test_the_menu_mentioning_revocation_revokes_nothing(tmp_path):
    _, _, result, badge = _judge(tmp_path, VALID)
    assert badge["revoked"] is False  # 「標章廢止公告」 in the authority's menu is not this mark's status


def test_an_expired_certificate_page_is_a_finding(tmp_path):
    # the certificate number alone would say valid until 2027-06-03; the page says 2025-11-30
    _, _, result, badge = _judge(tmp_path, EXPIRED)
    (finding,) = [f for f in result.findings if f.code == "a11y.mark-expired"]
    assert finding.evidence["basis"] == "認證頁面所載" and not finding.message.startswith("推估")
    assert (badge["issued"], badge["expires"], badge["likely_expired"]) == ("2022-12-01", "2025-11-30", True)
    assert badge["valid"] is False


def test_a_mark_claiming_more_than_its_certificate(tmp_path):
    _, _, result, _ = _judge(tmp_path, LOWER)
    (finding,) = [f for f in result.findings if f.code == "a11y.mark-inconsistent"]
    assert finding.evidence == {"mark": "AA", "certificate_page": "A"}


def test_an_unlisted_host_is_neither_read_nor_a_certificate(tmp_path):
    read, hits, result, badge = _judge(tmp_path, VALID, listed=False)
    assert read == 0 and hits == []  # the gate lets a certificate request go only to a certificate host
    assert {f.code for f in result.findings} == {"a11y.mark-not-linked"} and badge["linked"] is False


def test_a_dead_certificate_page_keeps_the_estimate_and_says_why(tmp_path):
    _, _, result, badge = _judge(tmp_path, (404, {"Content-Type": "text/html"}, b"<h1>not found</h1>"))
    assert badge["dates_estimated"] is True and badge["dates_basis"].startswith("推估") and CERT in badge["dates_basis"]
    assert "認證頁面未能讀取" in badge["dates_basis"] and badge["link_status"] == "broken"
    assert "a11y.mark-link-dead" in {f.code for f in result.findings}


def test_scope_certificate_requests_only_to_certificate_hosts():
    gate = Scope.of("https://www.example.gov.tw/", certificate_hosts=["accessibility.moda.gov.tw"])
    detail = "https://accessibility.moda.gov.tw" + DETAIL
    assert gate.allows(detail, Kind.CERTIFICATE)
    assert not gate.allows("https://evil.example/" + DETAIL, Kind.CERTIFICATE)
    assert not gate.allows("https://www.example.gov.tw/" + DETAIL, Kind.CERTIFICATE)  # not even the site
    offline = Scope.of("http://127.0.0.1:1/", offline=True, certificate_hosts=["accessibility.moda.gov.tw"])
    verdict = offline.allows(detail, Kind.CERTIFICATE)
    assert not verdict and verdict.offline  # --offline: the real certificate host is never contacted


@pytest.mark.parametrize(("markup", "expected"), [
    ("<dl><dt>認證等級：</dt><dd>A</dd><dt>通過日期</dt><dd>2024/3/5</dd><dt>到期日</dt><dd>2027-03-04</dd></dl>",
     ("A", "2024-03-05", "2027-03-04", False)),
    ("<div><p>等級：AAA　認證日期：民國113年3月5日</p><p>有效期限：2024/03/05 至 2027/03/04</p></div>",
     ("AAA", "2024-03-05", "2027-03-04", False)),
    ("<p>檢測等級 AA</p><p>有效期間 113/03/05～116/03/04</p><p>本標章業經註銷。</p>",
     ("AA", "2024-03-05", "2027-03-04", True)),
    ("<p>查無資料</p>", ("", None, None, False)),
])
def test_the_parser_goes_by_labels(markup, expected):
    page = read_page(page_text(lxml.html.fromstring(markup)), "u")
    assert (page.level, page.issued, page.expires, page.revoked) == expected
    assert page.read is (expected != ("", None, None, False))
    assert CertificatePage.from_dict(page.as_dict()) == page


def test_dates_roc_and_gregorian():
    assert parse_date("民國113年3月5日") == parse_date("113/03/05") == parse_date("2024-03-05") == dt.date(2024, 3, 5)
    assert parse_date("113/02/30") is None and parse_date("無") is None


def test_an_audit_reads_the_certificate_page(tmp_path):
    """End to end: `govaudit run --offline` with the stand-in listed as a certificate host."""
    with SiteServer({DETAIL: VALID}) as cert:
        cert_url = cert.url.rstrip("/") + DETAIL
        with SiteServer({"/": html(_home(cert_url).removeprefix("<html><body>").removesuffix("</body></html>"))}) as site:
            profile = tmp_path / "profile.json"
            profile.write_text(json.dumps({"links": {"certificate_hosts": {cert_url.split("/")[2]: "moda"}},
                                           "checks": {"accessibility_mark": {"audit_date": AUDIT_DATE}}}))
            proc = subprocess.run([sys.executable, "-m", "govaudit", "run", site.url, "--offline", "--profile",
                                   str(profile), "--db", str(db_at(tmp_path / "a.sqlite")), "--out", str(tmp_path / "out")],
                                  capture_output=True, text=True, timeout=240)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    badge = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))["accessibility"]["badge"]
    assert (badge["expires"], badge["dates_estimated"], badge["valid"]) == ("2027-03-04", False, True)
    assert ("GET", DETAIL) in cert.hits

"""Link semantics against real HTTP servers on 127.0.0.1 through the real runner: confirmation across
runs, Retry-After, hijacked domains, soft 404, attachments, TLS, accepted findings, `govaudit links`."""

import io
import json
import ssl
import subprocess
import sys
import threading
import zipfile
from http.server import ThreadingHTTPServer

import pytest

from govaudit import runner
from govaudit.demo import files
from govaudit.models import LinkResult, LinkStatus
from govaudit.profile import load_profile
from govaudit.store import open_store
from tests.siteserver import SiteServer, _Handler, html
from tests.testdb import db_at


def _audit(tmp_path, url, *, out="out", db="a.sqlite", **links):
    profile = load_profile(None).with_overrides(links={"timeout": 5, "retry_backoff": 0, **links})
    # no browser stage: these tests count the requests the link checker makes
    profile = profile.model_copy(update={"checks": {**profile.checks, "accessibility": None}})
    outcome = runner.audit(url, profile, db=db_at(tmp_path / db), out=tmp_path / out, offline=True)
    doc = json.loads((tmp_path / out / "results.json").read_text(encoding="utf-8"))
    return outcome, {lk["url"]: lk for lk in doc["links"]}, doc


def _message(doc: dict, target: str) -> str:
    check = next(c for c in doc["checks"] if c["id"] == "broken_links")
    return next(f["message"] for f in check["findings"] if f["target"] == target)


def test_flaky_503_needs_the_configured_nights_and_fixing_it_resolves(tmp_path):
    routes = {"/": html('<a href="/flaky.html">flaky</a> <a href="/gone.html">gone</a>'),
              "/flaky.html": (503, {"Content-Type": "text/html"}, b"busy")}
    with SiteServer(routes) as site:
        flaky, gone = site.url + "flaky.html", site.url + "gone.html"
        _, links, doc = _audit(tmp_path, site.url, out="o1")
        assert links[flaky]["status"] == "unverified" and links[flaky]["nights"] == 1 and links[flaky]["first_seen"]
        # the count of nights is the finding's, not the cause's: the error text stands from night to night
        error = links[flaky]["error"]
        assert "503" in error and "night" not in error and "(1 of 2 nights)" in _message(doc, flaky)
        assert links[gone]["status"] == "broken"  # definitive: no waiting
        first_seen = links[flaky]["first_seen"]
        outcome, links, doc = _audit(tmp_path, site.url, out="o2")
        assert links[flaky]["status"] == "broken" and links[flaky]["nights"] == 2 and links[flaky]["error"] == error
        assert _message(doc, flaky) == f"{error} (failing 2 consecutive runs)"
        assert links[flaky]["first_seen"] == first_seen
        # nothing changed on the site: nothing new (the 503 was failing before, now confirmed)
        assert doc["changes"]["links"]["new"] == [] and doc["changes"]["links"]["resolved"] == []
        assert doc["changes"]["links"]["transitions"] == [
            {"url": flaky, "from": "unverified", "to": "broken", "kind": "confirmed"}]
        assert outcome.summary["new"] == 0 and outcome.summary["new_broken"] == 0
        assert outcome.summary["confirmed_broken"] == 1  # confirmed tonight, not new
        _, links, doc = _audit(tmp_path, site.url, out="o3")
        assert doc["changes"]["links"]["new"] == [] and doc["changes"]["links"]["transitions"] == []
        routes["/flaky.html"] = html("<p>back</p>")
        routes["/gone.html"] = html("<p>fixed</p>")
        _, links, doc = _audit(tmp_path, site.url, out="o4")
        assert links[flaky]["status"] == "ok"
        assert doc["changes"]["links"]["resolved"] == [flaky, gone]
        assert "已修正" in (tmp_path / "o4" / "report.html").read_text(encoding="utf-8")
        # it starts over if it fails again
        routes["/flaky.html"] = (503, {"Content-Type": "text/html"}, b"busy")
        _, links, _ = _audit(tmp_path, site.url, out="o5")
        assert links[flaky]["status"] == "unverified" and links[flaky]["nights"] == 1


def test_confirm_runs_1_makes_a_transient_failure_broken_at_once(tmp_path):
    routes = {"/": html('<a href="/flaky.html">flaky</a>'), "/flaky.html": (503, {}, b"busy")}
    with SiteServer(routes) as site:
        _, links, _ = _audit(tmp_path, site.url, confirm_runs=1)
        assert links[site.url + "flaky.html"]["status"] == "broken"


def test_retry_after_is_honoured_and_bounded(tmp_path):
    answers = iter([(429, {"Retry-After": "1"}, b"slow down")])

    def limited():
        return next(answers, html("<p>ok now</p>"))

    routes = {"/": html('<a href="/limited.html">l</a> <a href="/stop.html">s</a>'),
              "/limited.html": limited, "/stop.html": (429, {"Retry-After": "3600"}, b"no")}
    with SiteServer(routes) as site:
        _, links, _ = _audit(tmp_path, site.url, retries=2, retry_after_max=5)
        assert links[site.url + "limited.html"]["status"] == "ok"
        assert [h for h in site.hits if h[1] == "/limited.html"] == [("GET", "/limited.html")] * 2
        stop = links[site.url + "stop.html"]
        assert stop["status"] == "unverified" and stop["error_kind"] == "rate_limited"
        assert "asked to wait 3600 s" in stop["error"]
        assert [h for h in site.hits if h[1] == "/stop.html"] == [("GET", "/stop.html")]  # not retried sooner


GAMBLING = html("<p>全台最大線上賭場，真人百家樂、老虎機一次玩到飽！娛樂城首儲送體驗金。</p>", title="金爵娛樂城")
NOT_FOUND = html("<p>很抱歉，您要瀏覽的網頁不存在。</p>", title="找不到網頁")
SHELL = html("<div id=app>載入中</div>", title="App")


def test_hijacked_soft404_and_spa_shell_on_external_hosts(tmp_path):
    with SiteServer({}) as spam, SiteServer({}) as soft, SiteServer({}) as spa, SiteServer({}) as partner:
        for path in ("/", "/x"):
            spam.handler.routes[path] = GAMBLING
        # every path of `soft` and `spa` answers 200: a route table with a default
        soft.handler.routes = _Everything(NOT_FOUND)
        spa.handler.routes = _Everything(SHELL)
        partner.handler.routes["/ok.html"] = html("<p>夥伴網站首頁，推動開放資料。</p>", title="夥伴")
        home = html(f'<a href="{spam.url}x">spam</a> <a href="{soft.url}old/event.html">soft</a>'
                    f' <a href="{spa.url}route/a">spa</a> <a href="{partner.url}ok.html">partner</a>'
                    f' <a href="{partner.url}missing.html">dead</a>')
        with SiteServer({"/": home}) as site:
            _, links, doc = _audit(tmp_path, site.url)
    hijacked = links[spam.url + "x"]
    assert hijacked["status"] == "broken" and hijacked["error_kind"] == "hijacked" and hijacked["http_status"] == 200
    assert links[soft.url + "old/event.html"]["error_kind"] == "soft404"
    assert links[soft.url + "old/event.html"]["status"] == "broken"
    assert links[spa.url + "route/a"]["status"] == "ok"  # one shell for every path is not a dead link
    assert links[partner.url + "ok.html"]["status"] == "ok"
    assert links[partner.url + "missing.html"]["status"] == "broken"
    (check,) = [c for c in doc["checks"] if c["id"] == "broken_links"]
    codes = {f["code"]: f for f in check["findings"]}
    assert codes["link.hijacked"]["severity"] == "critical" and "link.soft-404" in codes


def _odt(paragraphs: str) -> bytes:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content'
               ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
               ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
               ' xmlns:xlink="http://www.w3.org/1999/xlink"><office:body><office:text>'
               f"{paragraphs}</office:text></office:body></office:document-content>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
    return buffer.getvalue()


class _Everything(dict):
    def __init__(self, route):
        super().__init__()
        self.route = route

    def get(self, key, default=None):
        return self.route


def test_links_inside_attachments_have_the_attachment_as_source(tmp_path):
    routes = {"/": html('<a href="/files/report.pdf">PDF</a> <a href="/files/form.odt">ODT</a>'
                        ' <a href="/files/big.pdf">big</a>'),
              "/files/big.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4" + b"0" * 5000)}
    with SiteServer(routes) as site:
        routes["/files/report.pdf"] = (200, {"Content-Type": "application/pdf"},
                                       files.pdf("年報", ["內容"], site.url + "dead-from-pdf.html"))
        odt = _odt(f'<text:p><text:a xlink:href="{site.url}dead-from-odt.html">申請須知</text:a></text:p>')
        routes["/files/form.odt"] = (200, {"Content-Type": "application/vnd.oasis.opendocument.text"}, odt)
        _, links, doc = _audit(tmp_path, site.url, max_attachment_bytes=4096)
        dead = links[site.url + "dead-from-pdf.html"]
        assert dead["status"] == "broken" and dead["sources"][0]["page"] == site.url + "files/report.pdf"
        assert dead["sources"][0]["tag"] == "pdf"
        odt_dead = links[site.url + "dead-from-odt.html"]
        assert odt_dead["sources"][0] == {**odt_dead["sources"][0], "page": site.url + "files/form.odt",
                                          "text": "申請須知"}
        assert links[site.url + "files/big.pdf"]["status"] == "ok"  # too big to read, still checked
        with open_store(db_at(tmp_path / "a.sqlite")) as store:
            pages = {p.url: p for p in store.pages(doc["run"]["id"])}
        assert pages[site.url + "files/report.pdf"].content_type == "application/pdf"
        assert pages[site.url + "files/report.pdf"].body_hash
        assert site.url + "files/big.pdf" not in pages


def test_tls_certificate_problem_is_unverified(tmp_path):
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    handler = type("H", (_Handler,), {"routes": {"/": html("<p>secure</p>")}, "hits": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    target = f"https://127.0.0.1:{httpd.server_port}/"
    try:
        with SiteServer({"/": html(f'<a href="{target}">secure partner</a>')}) as site:
            _, links, doc = _audit(tmp_path, site.url)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert links[target]["status"] == "unverified" and links[target]["error_kind"] == "tls"
    (check,) = [c for c in doc["checks"] if c["id"] == "broken_links"]
    assert "link.tls" in {f["code"] for f in check["findings"]}
    assert LinkResult(url="https://x/", status=LinkStatus.UNVERIFIED, error_kind="tls").transient is False


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "govaudit", *args], capture_output=True, text=True, timeout=120)


def test_ack_ignore_rules_and_links_command(tmp_path):
    routes = {"/": html('<a href="/a.html">a</a> <a href="/b.html">b</a> <a href="/old/c.html">c</a>')}
    with SiteServer(routes) as site:
        outcome, links, doc = _audit(tmp_path, site.url, ignore=[{"url": "/old/", "note": "legacy"}])
        assert outcome.summary["broken"] == 2 and outcome.summary["accepted"] == 1
        assert links[site.url + "old/c.html"]["accepted"] is True
        (check,) = [c for c in doc["checks"] if c["id"] == "broken_links"]
        finding = next(f for f in check["findings"] if f["target"] == site.url + "a.html")
        db = str(db_at(tmp_path / "a.sqlite"))
        assert _cli("ack", "0000000000000000", "--note", "x", "--db", db).returncode == 3
        assert _cli("ack", finding["fingerprint"], "--note", "x", "--until", "tomorrow", "--db", db).returncode == 3
        proc = _cli("ack", finding["fingerprint"], "--note", "moved on purpose", "--until", "2999-01-01", "--db", db)
        assert proc.returncode == 0, proc.stderr
        listing = _cli("links", "--db", db, "--status", "broken")
        assert listing.returncode == 0, listing.stderr
        rows = [line.split("\t") for line in listing.stdout.splitlines()]
        assert rows[0][:3] == ["status", "http", "target"]
        assert {r[2] for r in rows[1:]} == {site.url + "a.html", site.url + "b.html", site.url + "old/c.html"}
        assert _cli("links", "--db", db, "--new").stdout.count("\n") == 1  # first run: no baseline, nothing new
        assert _cli("links", "--db", db, "--status", "bogus").returncode == 3
        outcome, links, doc = _audit(tmp_path, site.url, out="o2", ignore=[{"url": "/old/", "note": "legacy"}],
                                     )
    assert outcome.summary["broken"] == 1 and outcome.summary["accepted"] == 2
    report = (tmp_path / "o2" / "report.html").read_text(encoding="utf-8")
    assert "moved on purpose" in report and "已接受" in report
    csv = (tmp_path / "o2" / "links.csv").read_text(encoding="utf-8-sig")
    assert "suggested_fix" in csv.splitlines()[0] and "頁面已不存在" in csv


@pytest.mark.parametrize("accepted", [True, False])
def test_per_host_rule_accepts_a_code(tmp_path, accepted):
    with SiteServer({"/x": (999, {}, b"bot")}) as other:
        host = other.url.split("/")[2]
        with SiteServer({"/": html(f'<a href="{other.url}x">x</a>')}) as site:
            rules = {host: {"accepted_status": [999]}} if accepted else {}
            _, links, _ = _audit(tmp_path, site.url, hosts=rules)
    assert links[other.url + "x"]["status"] == ("ok" if accepted else "unverified")

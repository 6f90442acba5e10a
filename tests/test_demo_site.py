"""The bundled demo site, tested over real sockets: its ground truth must match what it really serves."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import requests

from govaudit.demo.external import HOSTS
from govaudit.demo.server import DemoServer
from govaudit.demo.site import SiteOptions, build_site
from govaudit.demo.truth import build_truth

TODAY = dt.date(2026, 11, 2)
CLASSES = {
    "healthy",
    "redirect_permanent",
    "redirect_temporary",
    "definitive",
    "transient",
    "rate_limited",
    "head_refused",
    "hijacked",
    "soft404",
    "excluded",
    "robots",
    "unsupported",
}
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo():
    with DemoServer(today=TODAY) as server:
        yield server


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # never route loopback requests through a proxy from the environment
    return session


@pytest.fixture(scope="module")
def http():
    with _session() as session:
        yield session


@pytest.fixture(scope="module")
def truth(demo):
    return demo.ground_truth


def _ext(truth, key: str, path: str = "") -> str:
    return truth["external_hosts"][key] + path.lstrip("/")


def _links_of(truth, klass: str) -> dict:
    return {url: entry for url, entry in truth["links"].items() if entry["class"] == klass}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


# --- ground truth ---------------------------------------------------------------------------------


def test_ground_truth_shape(demo, truth):
    assert truth["schema"] == "govaudit/demo-truth@1"
    assert truth["today"] == TODAY.isoformat()
    assert truth["start_url"] == demo.start_url == demo.base_url
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", demo.base_url)
    assert truth["site_host"] == urlsplit(demo.base_url).netloc
    assert len(truth["html_pages"]) >= 300
    assert not any(p.startswith(truth["calendar_prefix"]) or "/admin/" in p for p in truth["html_pages"])
    for url, entry in truth["links"].items():
        assert entry["class"] in CLASSES, url
        assert entry["sources"], url
        assert "#" not in url
    sources = {s for entry in truth["links"].values() for s in entry["sources"]}
    assert sources == set(truth["html_pages"]) | {truth["sitemap"]["url"]}


def test_every_defect_is_recorded(truth):
    kinds = {entry["kind"] for entry in truth["links"].values()}
    assert {
        "internal-404",
        "server-error-500",
        "redirect-301-chain",
        "redirect-302",
        "redirect-loop",
        "ext-ok",
        "ext-404",
        "ext-410",
        "ext-503",
        "ext-429",
        "head-405",
        "timeout",
        "refused",
        "hijacked-gambling",
        "soft-404",
        "mailto",
        "tel",
        "invalid-mailto",
        "javascript",
        "offline-external",
        "robots-disallowed",
        "large-file",
        "calendar",
    } <= kinds
    assert truth["links"]["mailto:secretariat@@demo.gov.tw"]["class"] == "definitive"
    assert truth["links"]["javascript:void(0)"]["class"] == "unsupported"
    assert truth["links"][truth["robots_disallow"][0]]["class"] == "robots"
    dead = truth["links"][truth["sitemap"]["dead_url"]]
    assert (dead["class"], dead["sources"]) == ("definitive", [truth["sitemap"]["url"]])
    for url in ("https://www.gov.tw/", "https://web.pcc.gov.tw/", "https://www.facebook.com/demo.gov.tw"):
        assert truth["links"][url]["class"] == "excluded"
    assert any(u.startswith("https://law.moj.gov.tw/") for u in _links_of(truth, "excluded"))
    missing = [f["url"] for f in truth["fragments"] if not f["exists"]]
    assert len(missing) >= 2 and all(urlsplit(u).fragment for u in missing)


def test_disclosure_truth(truth, http):
    disclosure = truth["disclosure"]
    keys = {
        "art7-1",
        "art7-2",
        "art7-3",
        "art7-4",
        "art7-5a",
        "art7-5b",
        "art7-5c",
        "art7-6",
        "art7-7",
        "art7-8",
        "art7-9",
        "art7-10",
    }
    assert set(disclosure) == keys
    assert disclosure["art7-6"]["status"] == "stale" and disclosure["art7-6"]["stale"] is True
    assert disclosure["art7-6"]["latest_roc_year"] == TODAY.year - 1911 - 3
    assert disclosure["art7-7"] == {**disclosure["art7-7"], "status": "missing", "evidence": []}
    for key in keys - {"art7-6", "art7-7"}:
        assert disclosure[key]["status"] == "found" and not disclosure[key]["stale"], key
    pages = set(truth["html_pages"])
    for key in keys - {"art7-7"}:
        assert disclosure[key]["evidence"][0] in pages, key
    hub = http.get(truth["site_elements"]["disclosure_hub"]).text
    assert f"{TODAY.year - 1911}年度施政計畫" in http.get(disclosure["art7-5a"]["evidence"][0]).text
    assert 'title="政府資訊公開"' in http.get(truth["start_url"]).text
    assert "https://web.pcc.gov.tw/" in http.get(disclosure["art7-8"]["evidence"][0]).text
    assert "law.moj.gov.tw" in http.get(disclosure["art7-1"]["evidence"][0]).text
    assert all(path in hub for path in ("/gov-info/budget.html", "/gov-info/meeting-minutes.html"))


def test_nothing_on_the_site_mentions_item_7(demo):
    # The category is missing on purpose; any keyword would be false evidence.
    for path, response in demo.site.resources.items():
        if response.content_type.startswith("text/html") and path != "/legacy/notice.html":
            text = response.body.decode("utf-8")
            assert "訴願" not in text and "請願" not in text, path


# --- real behaviour over HTTP ---------------------------------------------------------------------


def test_every_page_answers_html(truth, http):
    for url in truth["html_pages"]:
        response = http.get(url, allow_redirects=False)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"].startswith("text/html"), url
        assert int(response.headers["Content-Length"]) == len(response.content), url


def test_healthy_links_answer(truth, http):
    checked = 0
    for url in _links_of(truth, "healthy"):
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        with http.get(url, stream=True, allow_redirects=False) as response:
            assert response.status_code < 400, url
        checked += 1
    assert checked > 450


def test_recorded_statuses_match_the_servers(truth, http):
    # http_status is what a plain GET answers first, before any redirect.
    for url, entry in truth["links"].items():
        if entry["http_status"] is None or entry["class"] == "excluded":
            continue
        with http.get(url, stream=True, allow_redirects=False, timeout=5) as response:
            assert response.status_code == entry["http_status"], url


def test_fragments_match_the_pages(truth, http):
    pages: dict[str, set[str]] = {}
    for item in truth["fragments"]:
        target, fragment = urldefrag(item["url"])
        if target not in pages:
            tags = _tags(http.get(target).text)
            pages[target] = {a["id"] for _, a in tags if a.get("id")} | {
                a["name"] for tag, a in tags if tag == "a" and a.get("name")
            }
        assert (fragment in pages[target]) == item["exists"], item
    exists = {(f["url"].split("#")[1], f["exists"]) for f in truth["fragments"]}
    assert {
        ("div-planning", True),
        ("collection", True),
        ("div-international", False),
        ("q11", False),
    } <= exists


def test_bursts_of_new_connections_are_all_served(demo, truth):
    # Crawlers open many connections at once; with the stdlib backlog of 5 the kernel drops SYNs and
    # clients stall on retransmits. The listen backlog must hold a crawler's burst, and a burst of 192
    # fresh connections must all be answered (no timing asserted: speed belongs to the benchmark).
    assert demo._servers and all(s.request_queue_size >= 128 for s in demo._servers)

    def fetch(url: str) -> int:
        with _session() as session:
            return session.get(url, timeout=30).status_code

    with ThreadPoolExecutor(48) as pool:
        codes = list(pool.map(fetch, truth["html_pages"][:192]))
    assert codes == [200] * len(codes)


def test_partner_host(truth, http):
    assert http.get(_ext(truth, "partner")).status_code == 200
    assert http.get(_ext(truth, "partner", "/no/such/page.html")).status_code == 404
    assert http.get(_ext(truth, "partner", "/gone/anything.html")).status_code == 410


def test_head_refused_host(truth, http):
    url = _ext(truth, "head_refused", "/tools/")
    assert http.head(url).status_code == 405
    assert http.get(url).status_code == 200


def test_rate_limited_and_unavailable_hosts(truth, http):
    for method in (http.head, http.get):
        limited = method(_ext(truth, "rate_limited", "/api/docs"))
        assert (limited.status_code, limited.headers["Retry-After"]) == (429, "1")
        assert method(_ext(truth, "unavailable", "/anything")).status_code == 503


def test_refused_host(truth, http):
    with pytest.raises(requests.ConnectionError):
        http.get(_ext(truth, "refused"), timeout=2)


def test_hanging_host_times_out(truth, http):
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        http.get(_ext(truth, "hang", "/report/"), timeout=1)
    assert time.monotonic() - started < 3


def test_hijacked_and_soft404_hosts(truth, http):
    spam = http.get(_ext(truth, "hijacked"))
    assert spam.status_code == 200 and "娛樂城" in spam.text and "百家樂" in spam.text
    soft = http.get(_ext(truth, "soft404", "/random-9f2c1a/"))
    assert soft.status_code == 200 and "找不到網頁" in soft.text


def test_redirects(truth, http):
    for url, entry in {
        **_links_of(truth, "redirect_permanent"),
        **_links_of(truth, "redirect_temporary"),
    }.items():
        hops = []
        while True:
            response = http.get(url, allow_redirects=False)
            if not response.is_redirect:
                break
            url = urljoin(url, response.headers["Location"])
            hops.append([response.status_code, url])
        assert hops == entry["redirect_chain"] and response.status_code == 200
        assert entry["final_url"] in truth["html_pages"]
    chain = truth["links"][truth["start_url"] + "old/about.html"]
    assert [status for status, _ in chain["redirect_chain"]] == [301, 301]
    loop = next(u for u, e in truth["links"].items() if e["kind"] == "redirect-loop")
    with pytest.raises(requests.TooManyRedirects):
        http.get(loop)


def test_big5_page(truth, http):
    page = truth["big5_page"]
    response = http.get(page["url"])
    assert response.headers["Content-Type"] == "text/html"
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")
    text = response.content.decode("cp950")
    assert f"<title>{page['title']}</title>" in text and "charset=big5" in text
    assert page["url"] in truth["html_pages"]


def test_malformed_page_and_missing_alt(truth, http):
    malformed = http.get(truth["malformed_page"]).text
    assert "</div></div></span>" in malformed and "<a href=/calendar/" in malformed
    image = truth["image_without_alt"]
    imgs = [attrs for tag, attrs in _tags(http.get(image["page"]).text) if tag == "img"]
    src = urlsplit(image["src"]).path
    assert [a for a in imgs if a["src"] == src and "alt" not in a]
    assert http.get(image["src"]).headers["Content-Type"] == "image/png"


def test_large_file(truth, http):
    started = time.monotonic()
    head = http.head(truth["large_file"])
    assert time.monotonic() - started < 1
    assert head.status_code == 200 and int(head.headers["Content-Length"]) >= 50_000_000
    assert head.headers["Content-Type"] == "application/zip"
    with http.get(truth["large_file"], stream=True) as response:
        assert next(response.iter_content(4096)).startswith(b"PK\x03\x04")


def test_robots_and_sitemap(demo, truth, http):
    robots = http.get(demo.base_url + "robots.txt").text
    assert "Disallow: /admin/" in robots and f"Sitemap: {truth['sitemap']['url']}" in robots
    sitemap = http.get(truth["sitemap"]["url"])
    assert sitemap.headers["Content-Type"].startswith("application/xml")
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap.text)
    assert truth["sitemap"]["dead_url"] in locs and http.get(truth["sitemap"]["dead_url"]).status_code == 404
    assert http.get(truth["robots_disallow"][0]).status_code == 200


def test_calendar_is_endless(truth, http):
    url = next(u for u in truth["links"] if u.startswith(truth["calendar_prefix"]))
    seen = set()
    for _ in range(30):
        seen.add(url)
        page = http.get(url)
        assert page.status_code == 200
        url = urljoin(url, re.search(r'<a href="([^"]+)">下個月</a>', page.text)[1])
        assert url not in seen


def test_page_furniture(truth, http):
    home = http.get(truth["start_url"]).text
    for snippet in (
        '<html lang="zh-Hant-TW">',
        '<a accesskey="U" href="#U" title="上方功能區">:::</a>',
        'href="#C">跳到主要內容區塊</a>',
        '<meta name="Accessible_website" content="本網站通過AA檢測等級無障礙網頁檢測">',
        '<a href="https://accessibility.moda.gov.tw/Applications/Detail?category=20241030155045" title="無障礙網站">'
        '<img src="/assets/img/accessibility-aa.png" width="88" height="31" alt="通過AA檢測等級無障礙網頁檢測"></a>',
        f"更新日期：{TODAY.year - 1911}-",
        '<a href="/en/" lang="en" hreflang="en">English</a>',
        "mailto:service@demo.gov.tw",
        "傳真",
        "服務時間",
        "隱私權及安全政策",
        "政府網站資料開放宣告",
        "網站導覽",
    ):
        assert snippet in home, snippet
    without_metadata = set(truth["pages_without_metadata"])
    for url in truth["html_pages"]:
        if url == truth["big5_page"]["url"]:
            continue
        text = http.get(url).text
        assert "/assets/css/site.css" in text and "/assets/js/site.js" in text and 'rel="icon"' in text, url
        assert ('name="DC.Title"' in text) == (url not in without_metadata), url
        assert ('<html lang="en">' in text) == ("/en/" in url), url
    english = http.get(truth["english"]["home"]).text
    assert 'href="/"' in english and "中文" in english


def test_attachments_are_valid_files(truth, http):
    pair = truth["forms"]["odf_pairs"][0]
    odt = http.get(pair[0])
    assert odt.headers["Content-Type"] == "application/vnd.oasis.opendocument.text"
    archive = zipfile.ZipFile(io.BytesIO(odt.content))
    first = archive.infolist()[0]
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
    assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
    assert "office:document-content" in archive.read("content.xml").decode()
    docx = zipfile.ZipFile(io.BytesIO(http.get(truth["forms"]["docx_without_odf"]).content))
    assert "word/document.xml" in docx.namelist()
    assert truth["forms"]["docx_without_odf"].replace(".docx", ".odt") not in truth["links"]
    pdf_link = truth["pdf_links"][0]
    pdf = http.get(pdf_link["source"])
    assert pdf.headers["Content-Type"] == "application/pdf"
    body = pdf.content
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    xref = int(re.search(rb"startxref\n(\d+)", body)[1])
    assert body[xref : xref + 4] == b"xref" and f"/URI ({pdf_link['url']})".encode() in body
    badge = http.get(truth["start_url"] + "assets/img/accessibility-aa.png").content
    assert badge[:8] == b"\x89PNG\r\n\x1a\n" and badge[16:24] == (88).to_bytes(4, "big") + (31).to_bytes(
        4, "big"
    )


# --- generator properties -------------------------------------------------------------------------


def _options(today: dt.date) -> SiteOptions:
    return SiteOptions("http://127.0.0.1:8000/", today, {h.key: f"http://{h.address}:8000/" for h in HOSTS})


def test_builds_are_deterministic():
    first, second = build_site(_options(TODAY)), build_site(_options(TODAY))
    assert first.resources.keys() == second.resources.keys()
    for path, response in first.resources.items():
        assert response == second.resources[path], path
    assert first.respond("/calendar/?month=2031-07") == second.respond("/calendar/?month=2031-07")
    assert build_truth(first, HOSTS) == build_truth(second, HOSTS)
    later = build_site(_options(TODAY + dt.timedelta(days=400)))
    assert later.resources["/"].body != first.resources["/"].body


def test_served_bytes_are_the_built_bytes(demo, http):
    again = build_site(demo.site.options)
    for path in (
        "/",
        "/legacy/notice.html",
        "/files/forms/f01.odt",
        "/gov-info/budget.html",
        "/assets/img/logo.png",
    ):
        assert http.get(demo.base_url + path.lstrip("/")).content == again.resources[path].body, path


def test_dates_follow_today():
    later = TODAY + dt.timedelta(days=800)
    truth = build_truth(build_site(_options(later)), HOSTS)
    assert truth["disclosure"]["art7-6"]["latest_roc_year"] == later.year - 1911 - 3
    assert truth["disclosure"]["art7-5a"]["latest_roc_year"] == later.year - 1911


def test_unknown_variant_is_refused():
    with pytest.raises(ValueError):
        DemoServer(variant="no-such-variant")


def test_write_ground_truth(demo, tmp_path):
    target = tmp_path / "out" / "truth.json"
    demo.write_ground_truth(target)
    text = target.read_text(encoding="utf-8")
    assert text.startswith('{\n  "schema": "govaudit/demo-truth@1"') and "預算及決算書" in text
    assert json.loads(text) == demo.ground_truth


# --- shutting down --------------------------------------------------------------------------------


def test_stop_is_quick_with_hung_clients():
    server = DemoServer(today=TODAY).start()
    errors = []
    session = _session()

    def hang():
        try:
            session.get(server.ground_truth["external_hosts"]["hang"], timeout=30)
        except requests.RequestException as exc:
            errors.append(exc)

    client = threading.Thread(target=hang, daemon=True)
    client.start()
    base = urlsplit(server.base_url)
    idle = socket.create_connection((base.hostname, base.port))  # an open connection that never sends
    time.sleep(0.2)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2
    client.join(2)
    idle.close()
    assert not client.is_alive() and errors
    with pytest.raises(requests.ConnectionError):
        session.get(server.base_url, timeout=1)
    session.close()


def test_python_m_demo_serves_until_interrupted():
    command = [sys.executable, "-m", "govaudit.demo", "--today", TODAY.isoformat(), "--port", "0"]
    with (
        subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        ) as process,
        _session() as session,
    ):
        try:
            start_url = process.stdout.readline().strip()
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", start_url)
            assert session.get(start_url, timeout=5).status_code == 200
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=5) == 0

"""The official 無障礙標章 artwork: an image that looks like the mark is a mark even unlinked (and must be
linked, 核發辦法 §6); an image linked to the certificate page that is not the artwork is flagged. Real
images on a loopback server, hashed by the crawler's step, judged by the check on a real SQLite store."""

import hashlib
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

import lxml.html
import pytest
from PIL import Image, ImageDraw

from govaudit import markart
from govaudit.checks.accessibility_mark import AccessibilityMark, analyze
from govaudit.context import CheckContext
from govaudit.crawler import markart as crawl_art
from govaudit.jobs import CrawlJob
from govaudit.models import LinkResult, LinkStatus, Page, RunStatus
from govaudit.profile import HostRule, Links, Profile
from govaudit.store import open_store
from tests.siteserver import SiteServer
from tests.testdb import db_at

ART = resources.files("govaudit.config").joinpath("mark_art/moda-aa-2.1.png").read_bytes()
CERT = "https://accessibility.moda.gov.tw/Applications/Detail?category=20250102103000"
FILLER = "".join(f"<p>第{i}段：本署業務說明。</p>" for i in range(20))


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _badge(text: str, colour: str) -> bytes:
    """A badge of the mark's size that is not the mark (a WAI-like logo, a 無障礙專區 banner)."""
    image = Image.new("RGB", (88, 31), colour)
    ImageDraw.Draw(image).text((6, 9), text, fill="white")
    return _encode(image, "PNG")


MARK = Image.open(io.BytesIO(ART)).convert("RGB")
IMAGES = {
    "/art.png": ART,
    "/art.jpg": _encode(MARK, "JPEG", quality=60),
    "/art.gif": _encode(MARK.convert("P", palette=Image.Palette.ADAPTIVE, colors=32), "GIF"),
    "/art-127x45.png": _encode(MARK.resize((127, 45)), "PNG"),
    "/wai.png": _badge("W3C WAI-AA", "#005a9c"),
    "/zone.png": _badge("Accessibility", "#4a8504"),
    "/logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="88" height="31"><rect width="88" height="31"/></svg>',
}


@pytest.mark.parametrize("path", ["/art.png", "/art.jpg", "/art.gif", "/art-127x45.png"])
def test_the_artwork_matches_however_encoded(path):
    found = markart.match(markart.image_hash(IMAGES[path]))
    assert found.matches and found.reference.id == "moda-aa-2.1" and found.distance <= 2


@pytest.mark.parametrize("path", ["/wai.png", "/zone.png"])
def test_other_badges_do_not(path):
    found = markart.match(markart.image_hash(IMAGES[path]))
    assert not found.matches and found.distance > markart.references()[1]


def test_what_pillow_cannot_read_has_no_hash():
    for data in (IMAGES["/logo.svg"], b"<html></html>", ART[:40]):
        with pytest.raises(ValueError):
            markart.image_hash(data)


def test_the_stored_reference_is_the_artwork_file():
    (ref,), _ = markart.references()
    assert markart.image_hash(ART) == ref.phash and "moda-gov-tw/moda-official-website-frontend" in ref.source


def _judge(tmp_path, footer: str, links=None, status=LinkStatus.OK):
    """A stored home page with `footer`, its images on a loopback server, the crawler's hashing, the check."""
    with SiteServer({path: (200, {"Content-Type": "image/png"}, data) for path, data in IMAGES.items()}) as server:
        start = server.url
        body = f"<html><body><main>{FILLER}</main><footer>{footer}</footer></body></html>".encode()
        store = open_store(db_at(tmp_path / f"{hashlib.sha1(body).hexdigest()[:8]}.sqlite"))
        run = store.create_run(site="s", start_url=start, tool_version="t", profile_hash="h", profile={},
                               rubric="r@1")
        facts = analyze(lxml.html.document_fromstring(body), start)
        page = Page(url=start, requested_url=start, http_status=200, content_type="text/html; charset=utf-8",
                    charset="utf-8", lang="zh-Hant", title="t", size=len(body), fetched_at="2026-01-01T00:00:00+00:00",
                    body_hash=hashlib.sha256(body).hexdigest(), facts={"accessibility_mark": facts} if facts else {})
        images = crawl_art.image_urls(body.decode(), start)
        with store.transaction():
            store.add_pages(run, [(page, body)])
            # the crawl's link check of each image (the step re-reads only what the crawl reached)
            store.add_link_results(run, [LinkResult(url=u, status=status, http_status=200, method="GET",
                                                    internal=True) for u in images])
        profile = Profile(links=links(server.url.split("/")[2]) if links else Links())
        job = CrawlJob.from_profile(profile, store=store.url, run_id=run, site="s", start_url=start, offline=True,
                                    analyzers=("accessibility_mark",))
        hashed = crawl_art.hash_images(store, run, job)
    with store:
        check = AccessibilityMark({"audit_date": "2026-01-15"})
        result = check.run(CheckContext(store=store, run_id=run, profile=profile, options=check.options))
    return hashed, result, result.data["accessibility"]["badge"]


def test_an_unlinked_image_of_the_artwork_is_a_mark_placed_wrongly(tmp_path):
    # no alt text, no link: only the artwork says it is the mark
    hashed, result, badge = _judge(tmp_path, '<img src="/art.gif" alt=""> <img src="/wai.png" alt="W3C">')
    assert hashed == 2
    (finding,) = result.findings
    assert finding.code == "a11y.mark-not-linked" and "核發辦法 §6" in finding.message
    assert finding.evidence["artwork"]["reference"] == "moda-aa-2.1" and finding.target.endswith("/art.gif")
    assert badge["present"] is True and badge["linked"] is False and badge["valid"] is False


def test_a_linked_image_that_is_not_the_artwork_is_flagged(tmp_path):
    _, result, badge = _judge(tmp_path, f'<a href="{CERT}"><img src="/zone.png" width="88" height="31"'
                                        ' alt="通過AA檢測等級無障礙網頁檢測"></a>')
    (finding,) = [f for f in result.findings if f.code == "a11y.mark-not-artwork"]
    assert finding.evidence["matches"] is False and finding.evidence["image"].endswith("/zone.png")
    assert badge["artwork"]["matches"] is False and badge["valid"] is True  # a look to take, not a verdict


def test_the_linked_artwork_is_the_mark(tmp_path):
    _, result, badge = _judge(tmp_path, f'<a href="{CERT}"><img src="/art.png" width="88" height="31"'
                                        ' alt="通過AA檢測等級無障礙網頁檢測"></a> <img src="/wai.png" alt="">')
    assert {f.code for f in result.findings} == set()
    assert badge["artwork"]["matches"] is True and badge["artwork"]["reference"] == "moda-aa-2.1"


def test_an_svg_mark_is_not_compared(tmp_path):
    _, result, badge = _judge(tmp_path, f'<a href="{CERT}"><img src="/logo.svg" width="88" height="31"'
                                        ' alt="通過AA檢測等級無障礙網頁檢測"></a>')
    assert badge["artwork"]["checked"] is False and "a11y.mark-not-artwork" not in {f.code for f in result.findings}


def test_a_host_the_profile_does_not_check_is_not_fetched(tmp_path):
    hashed, result, badge = _judge(tmp_path, '<img src="/art.png" alt="">',
                                   links=lambda host: Links(hosts={host: HostRule(check=False)}))
    assert hashed == 0 and badge["artwork"] is None and {f.code for f in result.findings} == {"a11y.mark-missing"}


def test_an_image_the_crawl_did_not_reach_is_not_fetched(tmp_path):
    # excluded by the crawl (a budget, robots.txt, offline): the step does not go around it
    hashed, _, badge = _judge(tmp_path, '<img src="/art.png" alt="">', status=LinkStatus.EXCLUDED)
    assert hashed == 0 and badge["artwork"] is None


class _Validating(BaseHTTPRequestHandler):
    """The artwork with an ETag, a 304 for a request that carries it; what each request asked, in `seen`."""

    seen: list[str] = []
    body = ART

    def do_GET(self) -> None:  # noqa: N802
        etag = '"art-1"'
        asked = self.headers.get("If-None-Match") or ""
        self.seen.append(asked)
        self.send_response(304 if asked == etag else 200)
        self.send_header("ETag", etag)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "0" if asked == etag else str(len(self.body)))
        self.end_headers()
        if asked != etag:
            self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize("body", [ART, b"<svg xmlns='http://www.w3.org/2000/svg'/>"], ids=["png", "svg"])
def test_an_unchanged_image_keeps_its_hash_from_a_conditional_request(tmp_path, body):
    # An incremental night asks for the home page's images with the baseline's validators: a 304 keeps the
    # stored hash, or the reason its bytes have none (the image is neither downloaded nor decoded again).
    handler = type("Handler", (_Validating,), {"seen": [], "body": body})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start = f"http://127.0.0.1:{server.server_address[1]}/"
    image = start + "art.png"
    home = f'<html><body><main>{FILLER}</main><footer><img src="/art.png" alt=""></footer></body></html>'.encode()
    store = open_store(db_at(tmp_path / "a.sqlite"))
    try:
        arts = []
        for night in (1, 2):
            run = store.create_run(site="s", start_url=start, tool_version="t", profile_hash="h", profile={},
                                   rubric="r@1")
            page = Page(url=start, requested_url=start, http_status=200, content_type="text/html; charset=utf-8",
                        size=len(home), fetched_at="2026-01-01T00:00:00+00:00",
                        body_hash=hashlib.sha256(home).hexdigest())
            with store.transaction():
                store.add_pages(run, [(page, home)])
                store.add_link_results(run, [LinkResult(url=image, status=LinkStatus.OK, http_status=200,
                                                        method="GET", internal=True)])
            job = CrawlJob.from_profile(Profile(), store=store.url, run_id=run, site="s", start_url=start,
                                        offline=True, analyzers=("accessibility_mark",))
            if night == 2:
                job = job.model_copy(update={"revalidate_from": run - 1, "reuse_parsed": True})
            assert crawl_art.hash_images(store, run, job) == 1
            (result,) = [r for r in store.link_results(run) if r.url == image]
            arts.append(result.details["art"])
            store.finish_run(run, RunStatus.COMPLETED)
    finally:
        store.close()
        server.shutdown()
        server.server_close()
    assert handler.seen == ["", '"art-1"']  # night 2 asked conditionally, and was answered 304
    if body == ART:
        assert arts[0] == arts[1] == {"phash": markart.image_hash(ART), "etag": '"art-1"'}
    else:
        assert arts[0] == arts[1] and arts[0]["etag"] == '"art-1"' and "cannot identify" in arts[0]["error"]

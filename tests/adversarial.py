"""A hostile website on loopback, for tests/test_adversarial.py and bench/adversarial.py.

Everything issue 14 met in the wild, in one site: spider traps (a calendar paging by month and by year,
session ids, ever-deeper and repeating paths, a query-string explosion), huge, endless and drip-fed
bodies, gzip bombs (a page and a sitemap), connection resets, redirects that grow, a page of 50,000
links, 8,000-character URLs, cookie floods, malformed and mis-encoded HTML, XSS payloads in titles,
link texts, alt texts and URLs, a binary start-page look-alike, and sitemaps that recurse forever or are
listed 20,000 times in robots.txt.

Scope canaries: robots.txt and the sitemap index list sitemaps on a second loopback address (127.0.0.2,
a server of its own that only counts) and on hosts that must never be contacted offline
(10.255.255.1, example.invalid). Every request either server gets is counted, with its Host header:
`out_of_scope()` is what a crawl confined to the site never asks for.
"""

from __future__ import annotations

import hashlib
import os
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

CANARY_HOST = "127.0.0.2"  # another loopback address: not the site, so never a sitemap of it
NOT_LOOPBACK = ("http://10.255.255.1/", "http://example.invalid/")  # offline: never contacted
# What the XSS payloads carry: report.html must hold none of them unescaped.
XSS_MARK = "xss-payload"
XSS = {
    "title": f"<script>alert('{XSS_MARK}-title')</script>",
    "text": f"<img src=x onerror=alert('{XSS_MARK}-text')>",
    "alt": f"\"><script>alert('{XSS_MARK}-alt')</script>",
    "url": f"/search?q=\"><script>alert('{XSS_MARK}-url')</script>",
    "js": f"javascript:alert('{XSS_MARK}-js')",
}
SITEMAP_LINES = 20_000  # Sitemap: lines in robots.txt
BIG_LINKS = 50_000  # links on /links.html, each to a 404
LONG_URL = 8_000  # characters of the long URLs
BOMB_BYTES = 256 * 1024 * 1024  # what the gzip bombs inflate to
HUGE_BYTES = 256 * 1024 * 1024  # a page's declared (and sent) length
FACETS = {"color": 6, "size": 6, "brand": 6, "sort": 3}  # a product filter: 1,371 addresses of one listing


def _page(title: str, body: str, *, charset: str = "utf-8") -> bytes:
    return (f'<!DOCTYPE html><html lang="zh-Hant-TW"><head><meta charset="{charset}"><title>{title}</title>'
            f"</head><body>{body}</body></html>").encode(charset, "xmlcharrefreplace")


def _gzip_bomb(inner_head: bytes, size: int) -> bytes:
    """inner_head followed by spaces, `size` bytes in all, gzip-compressed (about 1/1000 of size): built
    from one compressed block of spaces repeated, so making it costs no gigabyte of memory."""
    import zlib  # noqa: PLC0415

    block = b" " * (1024 * 1024)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = comp.compress(inner_head) + comp.flush(zlib.Z_FULL_FLUSH)
    spaces = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    blocks = max(1, (size - len(inner_head)) // len(block))
    tail = comp.flush(zlib.Z_FINISH)
    crc = zlib.crc32(inner_head)
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    total = len(inner_head) + blocks * len(block)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + head + spaces * blocks + tail + struct.pack("<II", crc & 0xFFFFFFFF, total & 0xFFFFFFFF)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: AdversarialSite

    def log_message(self, *args) -> None:
        pass

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:  # noqa: N802
        self.site.count(self.headers.get("Host", ""), self.command, self.path)
        try:
            self.site.route(self, head)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True

    # -- answers -------------------------------------------------------------------------------------
    def send(self, status: int, body: bytes = b"", *, content_type: str = "text/html; charset=utf-8",
             headers: tuple[tuple[str, str], ...] = (), head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def stream(self, chunk: bytes, *, length: int | None, pause: float = 0.0, head: bool = False) -> None:
        """A body sent piece by piece: `length` bytes in all (None: until the client hangs up, the end
        marked by closing), a pause between pieces. Ends when the site stops."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if head:
            return
        self.wfile.write(b"<!DOCTYPE html><html><head><title>long</title></head><body>")
        sent = 0
        while not self.site.stopping.is_set() and (length is None or sent < length):
            piece = chunk if length is None else chunk[: length - sent]
            self.wfile.write(piece)
            sent += len(piece)
            if pause:
                self.site.stopping.wait(pause)

    def reset(self) -> None:
        """A TCP reset instead of an answer (SO_LINGER 0, then close)."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up on a drip or a bomb is what this site is for


class AdversarialSite:
    """The hostile site on 127.0.0.1 (a free port) and its canary on 127.0.0.2; a context manager."""

    def __init__(self) -> None:
        handler = type("Handler", (_Handler,), {"site": self})
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.canary = _Server((CANARY_HOST, 0), handler)
        self.host = f"127.0.0.1:{self.httpd.server_port}"
        self.canary_host = f"{CANARY_HOST}:{self.canary.server_port}"
        self.url = f"http://{self.host}/"
        self.canary_url = f"http://{self.canary_host}/"
        self.hits: Counter[tuple[str, str]] = Counter()  # (host header, kind of path) -> requests
        self.requests = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.year = date.today().year
        self._page_bomb = _gzip_bomb(b"<!DOCTYPE html><html><head><title>bomb</title></head><body>", BOMB_BYTES)
        self._links = _page("五萬個連結", "".join(f'<a href="/dead/{i}">{i}</a>' for i in range(BIG_LINKS)))
        self._sitemap_bomb = _gzip_bomb(b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                                        b'sitemap/0.9"><url><loc>/sitemap-bomb-page.html</loc></url>', BOMB_BYTES)

    # -- lifecycle -----------------------------------------------------------------------------------
    def __enter__(self) -> AdversarialSite:
        for server in (self.httpd, self.canary):
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()  # endless and drip-fed bodies end
        for server in (self.httpd, self.canary):
            server.shutdown()
            server.server_close()

    # -- counting ------------------------------------------------------------------------------------
    def count(self, host: str, method: str, path: str) -> None:
        kind = path.split("?", 1)[0].strip("/").split("/", 1)[0] or "/"
        with self.lock:
            self.requests += 1
            self.hits[(host.lower(), kind[:40])] += 1

    def out_of_scope(self) -> int:
        """Requests that reached either server under another name than the site's own host:port (the
        canary on 127.0.0.2 is never the site)."""
        with self.lock:
            return sum(n for (host, _), n in self.hits.items() if host != self.host)

    def requests_to(self, kind: str) -> int:
        with self.lock:
            return sum(n for (host, k), n in self.hits.items() if host == self.host and k == kind)

    # -- routes --------------------------------------------------------------------------------------
    def route(self, h: _Handler, head: bool) -> None:
        if h.headers.get("Host", "").lower() != self.host:
            h.send(404, b"not the site", head=head)  # (counted above: a request outside the scope)
            return
        parts = urlsplit(h.path)
        path, query = parts.path, dict(parse_qsl(parts.query, keep_blank_values=True))
        first = path.strip("/").split("/", 1)[0]
        handler = getattr(self, f"_r_{first.replace('-', '_').replace('.', '_')}", None) if first else self._home
        if handler is None:
            h.send(404, _page("找不到網頁", "<h1>404</h1>"), head=head)
            return
        handler(h, head, path, query)

    def _home(self, h: _Handler, head: bool, path: str, query: dict[str, str]) -> None:
        y = self.year
        long_url = "/long/" + "a" * LONG_URL
        links = [
            (f"/calendar?ym={y}12", "行事曆"), (f"/events/{y}/", "活動年曆"),
            ("/list?sid=" + self._token("home"), "列表"), ("/deep/a/a/", "目錄"), ("/deeper/1/", "更深"),
            ("/catalog", "商品型錄"), ("/links.html", "所有連結"), ("/huge.html", "大檔"), ("/endless.html", "無盡"),
            ("/drip.html", "慢速"), ("/reset.html", "重設連線"), ("/bomb.html", "壓縮炸彈"), ("/grow/0", "轉址"),
            ("/cookies.html", "餅乾"), ("/mojibake.html", "亂碼"), ("/malformed.html", "壞標記"),
            ("/nested.html", "深巢狀"), ("/blob.bin", "二進位"), (long_url, "長網址"), (XSS["url"], "搜尋"),
            (XSS["js"], "腳本"), ("/to-outside", "外部轉址"), *((u, "外部") for u in NOT_LOOPBACK),
        ]
        anchors = "".join(f'<a href="{_attr(u)}">{t}</a> ' for u, t in links)
        body = (f"<h1>{_text(XSS['title'])}</h1><nav>{anchors}</nav>"
                f'<a href="/about.html">{XSS["text"]}</a> <img src="/logo.png" alt="{_attr(XSS["alt"])}">')
        h.send(200, _page(XSS["title"], body), head=head)

    @staticmethod
    def _token(seed: str) -> str:
        return hashlib.sha1(f"{seed}{time.monotonic_ns()}".encode()).hexdigest()  # noqa: S324 - a fake session id

    def _r_about_html(self, h, head, path, query) -> None:
        h.send(200, _page("關於本站", "<p>本站為測試用的惡意網站。</p>"), head=head)

    def _r_robots_txt(self, h, head, path, query) -> None:
        lines = ["User-agent: *", "Allow: /", "Sitemap: /sitemap-index-0.xml", "Sitemap: /sitemap-bomb.xml.gz",
                 f"Sitemap: {self.canary_url}sitemap.xml", *(f"Sitemap: {u}sitemap.xml" for u in NOT_LOOPBACK)]
        lines += [f"Sitemap: {self.url}sm/{i}.xml" for i in range(SITEMAP_LINES)]
        h.send(200, "\n".join(lines).encode(), content_type="text/plain", head=head)

    def _r_sitemap_index_0_xml(self, h, head, path, query) -> None:
        self._r_sitemap_index(h, head, "/sitemap-index/0.xml", query)

    def _r_sitemap_index(self, h, head, path, query) -> None:
        """An index listing two fresh indexes one level deeper, forever, and the canary's sitemaps."""
        n = int(path.rsplit("/", 1)[-1].split(".")[0].split("-")[0] or 0)
        locs = [f"{self.url}sitemap-index/{n + 1}-{i}.xml" for i in "ab"]
        locs += [f"{self.canary_url}sitemap-index/{n}.xml", f"{NOT_LOOPBACK[0]}sitemap-index/{n}.xml"]
        body = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in locs)
        h.send(200, f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"{body}</sitemapindex>".encode(), content_type="application/xml", head=head)

    def _r_sm(self, h, head, path, query) -> None:
        n = path.rsplit("/", 1)[-1].split(".")[0]
        h.send(200, f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<url><loc>{self.url}sm-page/{n}.html</loc></url></urlset>".encode(),
               content_type="application/xml", head=head)

    def _r_sitemap_bomb_xml_gz(self, h, head, path, query) -> None:
        h.send(200, self._sitemap_bomb, content_type="application/x-gzip", head=head)

    def _r_bomb_html(self, h, head, path, query) -> None:
        h.send(200, self._page_bomb, headers=(("Content-Encoding", "gzip"),), head=head)

    def _r_huge_html(self, h, head, path, query) -> None:
        h.stream(b"<p>" + b"x" * 65_533, length=HUGE_BYTES, head=head)

    def _r_endless_html(self, h, head, path, query) -> None:
        h.stream(b"<p>" + b"y" * 16_381, length=None, head=head)

    def _r_drip_html(self, h, head, path, query) -> None:
        h.stream(b"<p>drip</p>", length=None, pause=1.0, head=head)

    def _r_reset_html(self, h, head, path, query) -> None:
        h.reset()

    def _r_grow(self, h, head, path, query) -> None:
        """A redirect to an address longer than the last, without end."""
        n = int(path.split("/")[2] or 0) if path.count("/") >= 2 and path.split("/")[2].isdigit() else 0
        h.send(302, headers=(("Location", f"/grow/{n + 1}/{'g' * 200 * (n + 1)}"),), head=head)

    def _r_to_outside(self, h, head, path, query) -> None:
        h.send(301, headers=(("Location", NOT_LOOPBACK[0] + "moved"),), head=head)

    def _r_cookies_html(self, h, head, path, query) -> None:
        cookies = tuple(("Set-Cookie", f"flood{os.urandom(4).hex()}={'c' * 4000}; Path=/") for _ in range(40))
        more = "".join(f'<a href="/cookies.html?n={i}">再一頁 {i}</a>' for i in range(5))
        h.send(200, _page("餅乾", f"<p>餅乾</p>{more}"), headers=cookies, head=head)

    def _r_mojibake_html(self, h, head, path, query) -> None:
        # declared UTF-8 in the header, Big5 in <meta>, written in cp950, with a stray UTF-16 BOM inside
        body = _page("編碼錯亂", "<p>政府網站服務</p><a href='/about.html'>關於</a>", charset="cp950")
        h.send(200, body + b"\xff\xfe\x00<\x80\x81\xfe", head=head)

    def _r_malformed_html(self, h, head, path, query) -> None:
        body = (b"<html><head><title>\x00\x01 broken</title><meta charset='no-such-charset'></head><body>"
                b"<a href='http://[::1'>bad ipv6</a><a href='http://'>empty</a><a href=\"/about.html\x00\">nul</a>"
                b"<a href='//'>slashes</a><div><p><table><tr><td><a href='/about.html'>ok</td></div></b></i>"
                b"<![CDATA[ <a href='/cdata'> ]]><!-- <a href='/comment'> --><svg><a xlink:href='/svg-link'>s</a>"
                b"&#0;&#xD800;&#x110000; <a href='\xe9\xe0'>latin</a><img src=x srcset=',,, 2x, ,'>")
        h.send(200, body, content_type="text/html", head=head)

    def _r_nested_html(self, h, head, path, query) -> None:
        h.send(200, _page("巢狀", "<div>" * 20_000 + "<a href='/about.html'>底</a>" + "</div>" * 20_000), head=head)

    def _r_blob_bin(self, h, head, path, query) -> None:
        h.send(200, os.urandom(512 * 1024), content_type="application/octet-stream", head=head)

    def _r_links_html(self, h, head, path, query) -> None:
        h.send(200, self._links, head=head)

    def _r_long(self, h, head, path, query) -> None:
        more = f'<a href="{path}b{"c" * LONG_URL}">更長</a>'
        h.send(200, _page("長網址", more), head=head)

    def _r_search(self, h, head, path, query) -> None:
        h.send(200, _page(f"搜尋 {_text(query.get('q', ''))}", "<p>沒有結果</p>"), head=head)

    # -- traps ---------------------------------------------------------------------------------------
    def _r_calendar(self, h, head, path, query) -> None:
        ym = query.get("ym", f"{self.year}12")
        y, m = int(ym[:4] or self.year), int(ym[4:6] or 1)
        prev = (y, m - 1) if m > 1 else (y - 1, 12)
        nxt = (y, m + 1) if m < 12 else (y + 1, 1)
        nav = "".join(f'<a href="/calendar?ym={a}{b:02d}">{a} 年 {b} 月</a> ' for a, b in (prev, nxt))
        years = "".join(f'<a href="/calendar?ym={a}01">{a} 年</a> ' for a in (y - 1, y + 1))
        h.send(200, _page(f"行事曆 {y}-{m:02d}", nav + years), head=head)

    def _r_events(self, h, head, path, query) -> None:
        year = int(path.strip("/").split("/")[1]) if path.count("/") >= 2 and path.split("/")[2].isdigit() else self.year
        h.send(200, _page(f"{year} 年活動", f'<a href="/events/{year - 1}/">前一年</a> '
                                            f'<a href="/events/{year + 1}/">下一年</a>'), head=head)

    def _r_list(self, h, head, path, query) -> None:
        page = int(query.get("page", "1") or 1)
        links = "".join(f'<a href="/list?sid={self._token(str(i))}&amp;page={page + i}">第 {page + i} 頁</a> ' for i in (1, 2))
        h.send(200, _page(f"列表 {page}", links), head=head)

    def _r_deep(self, h, head, path, query) -> None:
        h.send(200, _page("目錄", '<a href="a/">子目錄</a> <a href="b/">另一個</a>'), head=head)

    def _r_deeper(self, h, head, path, query) -> None:
        n = path.rstrip("/").rsplit("/", 1)[-1]
        h.send(200, _page("更深", f'<a href="{n}1/">下一層</a> <a href="{n}2/">另一層</a>'), head=head)

    def _r_catalog(self, h, head, path, query) -> None:
        """Every filter link adds or changes one facet: thousands of addresses of one listing."""
        links = []
        for name, values in FACETS.items():
            for value in range(values):
                if query.get(name) != str(value):
                    links.append(f'<a href="/catalog?{_attr(urlencode({**query, name: value}))}">{name} {value}</a>')
        h.send(200, _page("商品型錄", " ".join(links)), head=head)


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- the process tree of a run --------------------------------------------------------------------------
TAG = "GOVAUDIT_TEST_TAG"  # an environment variable every process of a run inherits


def tagged(tag: str) -> dict[int, str]:
    """{pid: command line} of the live processes carrying TAG=tag (zombies are dead: not counted)."""
    marker = f"{TAG}={tag}".encode()
    found = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            env = (proc / "environ").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):  # ended while we looked, or not ours to read
            continue
        if marker in env and state != "Z":
            found[int(proc.name)] = cmd
    return found


def pss_kib(pids: list[int]) -> int:
    """The processes' proportional set size, summed (KiB; /proc/PID/smaps_rollup)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total


if __name__ == "__main__":  # serve it by hand: python -m tests.adversarial
    with AdversarialSite() as served:
        print(served.url, flush=True)
        threading.Event().wait()


@dataclass(frozen=True)
class AuditRun:
    """`timeout -s TERM LIMIT govaudit run … --offline` against a site, as a nightly job runs it."""

    exit_code: int
    seconds: float
    peak_pss_kib: int  # the most the run's process tree held at once (sampled every `sample` seconds)
    left: dict[int, str]  # processes of the run alive after it ended (orphans)
    temp_left: list[str]  # what the run left in its TMPDIR
    out: Path
    db: Path
    stdout: str
    stderr: str


def audit_process(url: str, work: Path, *, limit: float, args: tuple[str, ...] = (), sample: float = 0.5,
                  grace: float = 8.0) -> AuditRun:
    """Run the audit in a process tree of its own under timeout(1) and watch it from outside: peak PSS
    of every process carrying the run's tag, and what is still alive `grace` seconds after it ended."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415
    import uuid  # noqa: PLC0415

    tag = uuid.uuid4().hex
    tmp, out, db = work / "tmp", work / "out", work / "audit.sqlite"
    tmp.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, TAG: tag, "TMPDIR": str(tmp)}
    command = ["timeout", "-s", "TERM", str(int(limit)), sys.executable, "-m", "govaudit", "run", url, "--offline",
               "--db", str(db), "--out", str(out), *args]
    began = time.monotonic()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()
    captured: dict[str, str] = {}

    def read() -> None:
        captured["stdout"], captured["stderr"] = proc.communicate()
        done.set()

    threading.Thread(target=read, daemon=True).start()
    while not done.wait(sample):
        peak = max(peak, pss_kib(list(tagged(tag))))
    seconds = time.monotonic() - began
    deadline = time.monotonic() + grace
    left = tagged(tag)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = tagged(tag)
    return AuditRun(proc.returncode, seconds, peak, left, sorted(p.name for p in tmp.iterdir()), out, db,
                    captured.get("stdout", ""), captured.get("stderr", ""))

"""Smaller hardening items (issue 14.10) on real loopback servers: a cookie flood neither breaks the crawl
nor grows our Cookie header; URLs over the length cap are not requested; CSV cells starting with a
fullwidth formula sign are neutralised; a full disk stops the crawl at its first failed write."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count

import pytest
import yaml

from govaudit.scope import MAX_URL_LENGTH
from govaudit.store import open_store
from tests.testdb import db_at

GOVAUDIT = [sys.executable, "-m", "govaudit"]
LONG_PATH = "/deep/" + "x" * (MAX_URL_LENGTH + 100) + ".html"
PAGES = 20


class _Flood(BaseHTTPRequestHandler):
    """Every answer sets 40 new 4 KB cookies; a request whose Cookie header is over 16 KB gets 400, as
    real servers do. Records what it was sent."""

    protocol_version = "HTTP/1.1"
    serial = count()
    cookie_headers: list[int] = []
    paths: list[str] = []

    def do_GET(self):  # noqa: N802
        self.paths.append(self.path)
        sent = len(self.headers.get("Cookie", ""))
        self.cookie_headers.append(sent)
        if sent > 16384:
            body, status = b"<h1>400 Request Header Or Cookie Too Large</h1>", 400
        elif self.path == "/":
            links = "".join(f'<a href="/p{i}.html">第{i}頁</a>' for i in range(PAGES))
            links += f'<a href="{LONG_PATH}">很長</a><a href="/gone.html">＝HYPERLINK("http://evil.example")</a>'
            body, status = f'<html lang="zh-Hant-TW"><title>首頁</title><body>{links}</body></html>'.encode(), 200
        elif self.path.startswith("/p"):
            # each page its own body: the crawl folds pages with the same body into one
            body, status = (f'<html lang="zh-Hant-TW"><title>p</title><body><p>page {self.path}</p></body></html>'
                            .encode()), 200
        else:
            body, status = b"<h1>404</h1>", 404
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        for _ in range(40):
            self.send_header("Set-Cookie", f"c{next(self.serial)}={'v' * 4000}; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET  # noqa: N815

    def log_message(self, *args):
        pass


def test_cookie_flood_long_urls_and_fullwidth_formulas(tmp_path):
    handler = type("Flood", (_Flood,), {"cookie_headers": [], "paths": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    profile = tmp_path / "p.yaml"
    profile.write_text(yaml.safe_dump({"crawl": {"sitemap": False, "obey_robots": False},
                                       "checks": {"accessibility": None}}), encoding="utf-8")
    try:
        proc = subprocess.run([*GOVAUDIT, "run", url, "--profile", str(profile), "--db", str(db_at(tmp_path / "a.sqlite")),
                               "--out", str(tmp_path / "out"), "--offline"], capture_output=True, text=True,
                              timeout=300)
    finally:
        server.shutdown()
        server.server_close()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"run 1 completed: {PAGES + 1} pages" in proc.stdout
    assert max(handler.cookie_headers) <= 8192  # our header stays under a server's limit
    assert not any(p.startswith("/deep/") for p in handler.paths)  # over the length cap: never requested
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    statuses = {lk["url"]: lk for lk in doc["links"]}
    assert all(statuses[f"{url}p{i}.html"]["status"] == "ok" for i in range(PAGES))
    long = statuses[url + LONG_PATH.lstrip("/")]
    assert long["status"] == "excluded" and f"over {MAX_URL_LENGTH}" in long["error"]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "links.csv").read_text(encoding="utf-8-sig"))))
    (gone,) = [r for r in rows if r["target"] == url + "gone.html"]
    assert gone["anchor_text"] == "'＝HYPERLINK(\"http://evil.example\")"


def _mount_tmpfs(path, size):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    path.mkdir()
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


@pytest.mark.sqlite_only(reason="fills a small tmpfs holding the SQLite file")
def test_a_full_disk_stops_the_crawl_at_the_first_failed_write(tmp_path):
    disk = tmp_path / "small"
    if not _mount_tmpfs(disk, "1m"):
        pytest.skip("needs root and tmpfs to make a small real file system")
    try:
        pages = {f"/p{i}.html": os.urandom(24 * 1024).hex() for i in range(80)}  # ~4 MB of incompressible text

        class Site(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            hits: list[str] = []

            def do_GET(self):  # noqa: N802
                self.hits.append(self.path)
                text = pages.get(self.path, "".join(f'<a href="{p}">{p}</a>' for p in pages))
                body = f"<html><title>t</title><body><p>{text}</p></body></html>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            proc = subprocess.run([*GOVAUDIT, "run", f"http://127.0.0.1:{server.server_port}/", "--db",
                                   str(disk / "audit.sqlite"), "--out", str(tmp_path / "out"), "--offline"],
                                  capture_output=True, text=True, timeout=300)
        finally:
            server.shutdown()
            server.server_close()
        assert proc.returncode == 2, proc.stdout + proc.stderr
        (line,) = proc.stderr.splitlines()  # one clear line, no traceback, no error per page
        assert line.startswith(f"govaudit: error: the disk holding {disk / 'audit.sqlite'} is full: the crawl "
                               "stopped at its first failed write")
        with open_store(disk / "audit.sqlite", readonly=True) as store:
            assert store.run(1).status in ("failed", "running")  # `running` if even that could not be written
    finally:
        subprocess.run(["umount", str(disk)], check=False)

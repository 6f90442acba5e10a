"""A tiny real HTTP server on 127.0.0.1 serving a route table, for targeted crawler tests."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = tuple[int, dict[str, str], bytes]
DELAY = "X-Test-Delay"  # a route header the server consumes: seconds to wait before answering


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    routes: dict[str, Route] = {}
    hits: list[tuple[str, str]] = []

    def _serve(self, with_body: bool) -> None:
        self.hits.append((self.command, self.path))
        route = self.routes.get(self.path, (404, {"Content-Type": "text/html"}, b"<h1>404</h1>"))
        status, headers, body = route() if callable(route) else route  # a callable route may change per request
        time.sleep(float(headers.get(DELAY, 0)))
        self.send_response(status)
        for key, value in headers.items():
            if key == DELAY:
                continue
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(False)

    def log_message(self, *args) -> None:
        pass


class SiteServer:
    def __init__(self, routes: dict[str, Route], host: str = "127.0.0.1"):
        handler: type[_Handler] = type("Handler", (_Handler,), {"routes": routes, "hits": []})
        self.httpd = ThreadingHTTPServer((host, 0), handler)
        self.httpd.daemon_threads = True
        self.handler = handler
        self.url = f"http://{host}:{self.httpd.server_port}/"
        self._thread: threading.Thread | None = None

    @property
    def hits(self) -> list[tuple[str, str]]:
        return self.handler.hits

    def __enter__(self) -> SiteServer:
        # once: a second serve_forever on the same server outlives shutdown() (which stops one of them),
        # and a thread left in the test process keeps the forked check workers from being used
        if self._thread is None:
            self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self._thread.join(10)
            self._thread = None


def html(body: str, *, title: str = "t", charset: str = "utf-8", lang: str = "zh-Hant-TW") -> Route:
    doc = f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="{charset}"><title>{title}</title></head>' \
          f"<body>{body}</body></html>"
    return 200, {"Content-Type": f"text/html; charset={charset}"}, doc.encode(charset)

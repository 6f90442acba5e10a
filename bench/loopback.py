"""The small loopback HTTP server the bench scripts share: 127.0.0.1, an ephemeral port, a daemon thread,
no access log. `bench/server.py` is the other one (asyncio, prebuilt bytes: the generated bench sites).

    with serving(answering(lambda method, path: Answer(200, b"<html>…</html>"))) as httpd:
        url = f"http://127.0.0.1:{httpd.server_port}/"

`answering` turns a function of (method, path) into an HTTP/1.1 keep-alive handler of GET and HEAD (HEAD
answers the same status and headers, without the body); a script that serves a directory passes its own
`SimpleHTTPRequestHandler` to `serving`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)  # sent after Content-Type (e.g. Location)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a crawler or browser closing a kept-alive connection is not worth a traceback


def answering(respond: Callable[[str, str], Answer]) -> type[BaseHTTPRequestHandler]:
    """A handler class answering every GET and HEAD with respond(method, path) (path with its query)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, with_body: bool) -> None:
            answer = respond(self.command, self.path)
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if with_body:
                self.wfile.write(answer.body)

        def do_GET(self) -> None:  # noqa: N802
            self._answer(True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer(False)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serving(handler: Callable[..., BaseHTTPRequestHandler]) -> Iterator[QuietServer]:
    """A QuietServer of `handler` on 127.0.0.1 for the with-block; shut down and closed after it."""
    httpd = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()

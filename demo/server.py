"""DemoServer: the demo site on 127.0.0.1 plus one "external" host per behaviour on 127.0.0.2-9.

Every host listens on the same port (`port`, its own 127.0.0.x address each): a fixed port gives the
same URLs run after run, so two demo audits compare sensibly; 0 (the default here, for tests) takes an
ephemeral one. Every HTTP host is a stdlib ThreadingHTTPServer speaking HTTP/1.1 with
Content-Length on every answer; stop() also cuts open client connections, so a client stuck on a
keep-alive socket, a 50 MB download or the silent host never delays it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import socketserver
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from os import PathLike
from pathlib import Path
from typing import Any

from govaudit.demo.external import HOSTS, Host
from govaudit.demo.response import Response
from govaudit.demo.site import VARIANTS, Site, SiteOptions, build_site
from govaudit.demo.truth import build_truth

App = Callable[[str, str], Response]  # (method, request target) -> response
POLL = 0.05  # serve_forever poll interval: bounds how long shutdown() waits per server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes; don't wait for ACKs
    server: _HTTPServer

    def do_GET(self) -> None:
        self._answer("GET")

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def _answer(self, method: str) -> None:
        app = self.server.app
        if app is None:  # DemoServer.start sets it before any server starts serving
            raise RuntimeError("demo host has no site yet")
        response = app(method, self.path)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(response.length))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if method == "HEAD":
            return
        if response.stream:
            for chunk in response.stream.chunks():
                self.wfile.write(chunk)
        else:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # never wait for clients that keep connections open
    # The stdlib default backlog of 5 overflows when a crawler opens a burst of connections; the
    # kernel then drops SYNs and clients stall 1-3 s on retransmits, which looks like a slow site.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App | None, verbose: bool) -> None:
        self.app = app
        self.verbose = verbose
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup of the address, which can stall for
        # 127.0.0.x addresses that have no hosts entry.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.socket.getsockname()[:2]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hanging up is normal
            super().handle_error(request, client_address)

    def drop_connections(self) -> None:
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Blackhole:
    """Accepts TCP connections and never answers: clients see a read timeout. Holds them until close()."""

    def __init__(self, address: str, port: int = 0) -> None:
        self.sock = socket.create_server((address, port))
        self.sock.settimeout(POLL)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, name=f"demo-blackhole-{address}", daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.held.append(conn)

    def close(self) -> None:
        self._stop.set()
        if self.thread.is_alive():
            self.thread.join()
        self.sock.close()
        for conn in self.held:
            conn.close()


DEFAULT_PORT = 8470  # `govaudit demo` and `python -m govaudit.demo`: the same URLs every run


class PortInUse(OSError):
    """The fixed port is taken on one of the demo's addresses."""


class DemoServer:
    def __init__(
        self, *, today: dt.date | None = None, variant: str = "default", verbose: bool = False, port: int = 0
    ) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"unknown demo variant {variant!r}; known: {', '.join(VARIANTS)}")
        self.today = today or dt.date.today()
        self.variant = variant
        self.verbose = verbose  # log every request to stderr
        self.port = port  # of every host (each on its own address); 0: ephemeral
        self.base_url = ""
        self.start_url = ""
        self.ground_truth: dict[str, Any] = {}
        self.site: Site | None = None
        self._servers: list[_HTTPServer] = []
        self._running: list[_HTTPServer] = []  # those whose serve_forever loop was started
        self._blackholes: list[_Blackhole] = []
        self._reserved: list[socket.socket] = []

    def start(self) -> DemoServer:
        if self._running:
            raise RuntimeError("DemoServer already started")
        try:
            try:
                main = self._http("127.0.0.1", None)
                external = {host.key: f"http://{host.address}:{self._bind(host)}/" for host in HOSTS}
            except OSError as exc:
                if not self.port:
                    raise
                raise PortInUse(f"the demo's port {self.port} is taken on 127.0.0.1-9 ({exc.strerror}): another "
                                "demo running? Choose another port with --port") from None
            self.base_url = self.start_url = f"http://127.0.0.1:{main.server_address[1]}/"
            site = build_site(SiteOptions(self.base_url, self.today, external, self.variant))
            main.app = lambda method, target: site.respond(target)
            self.site = site
            self.ground_truth = build_truth(site, HOSTS)
            for server in self._servers:
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": POLL},
                    daemon=True,
                    name=f"demo-http-{server.server_name}",
                )
                thread.start()
                self._running.append(server)
            for blackhole in self._blackholes:
                blackhole.thread.start()
        except BaseException:
            self.stop()
            raise
        return self

    def _http(self, address: str, app: App | None) -> _HTTPServer:
        server = _HTTPServer((address, self.port), app, self.verbose)
        self._servers.append(server)
        return server

    def _bind(self, host: Host) -> int:
        """Bind the host's socket and return its port."""
        if host.mode == "http":
            return self._http(host.address, host.app).server_address[1]
        if host.mode == "hang":
            blackhole = _Blackhole(host.address, self.port)
            self._blackholes.append(blackhole)
            return blackhole.port
        # Bound but never listening: the port stays ours, and every connection is refused.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.address, self.port))
        self._reserved.append(sock)
        return sock.getsockname()[1]

    def stop(self) -> None:
        for server in self._running:
            server.shutdown()  # returns within POLL seconds
        for server in self._servers:
            server.drop_connections()
            server.server_close()
        for blackhole in self._blackholes:
            blackhole.close()
        for sock in self._reserved:
            sock.close()
        self._servers, self._running, self._blackholes, self._reserved = [], [], [], []

    def __enter__(self) -> DemoServer:
        return self if self._running else self.start()  # `with DemoServer(...).start() as s` too

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def write_ground_truth(self, path: str | PathLike[str]) -> None:
        """Written whole or not at all (a temporary file renamed over the old one)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("w", encoding="utf-8") as out:
                json.dump(self.ground_truth, out, indent=2, ensure_ascii=False)
                out.write("\n")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

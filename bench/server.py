"""Serve a generated bench site on loopback: `python -m bench.server --variant 2k --truth FILE`.

One asyncio process, one listening socket per loopback address, HTTP/1.1 keep-alive, every answer
prebuilt as bytes, so that the server is not what the benchmark measures (`python -m bench.loadtest`
measures it). It runs in its own process: its CPU is not counted against the tool under test.
When ready it prints one JSON line: {"port": P, "pid": PID}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sys
from http import HTTPStatus
from pathlib import Path

from bench import site as bench_site

_REASONS = {s.value: s.phrase for s in HTTPStatus}
_BASE_HEADERS = {"Server": "bench", "LinkChecker": "bench"}  # the header lifts LinkChecker's own throttle


def _head(status: int, headers: dict[str, str], length: int) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    lines += [f"{k}: {v}" for k, v in {**_BASE_HEADERS, **headers}.items()]
    lines += [f"Content-Length: {length}", "", ""]
    return "\r\n".join(lines).encode("latin-1")


def _answer(status: int, headers: dict[str, str], body: bytes) -> tuple[bytes, bytes]:
    """(GET answer, HEAD answer)"""
    head = _head(status, headers, len(body))
    return head + body, head


class Answers:
    """(ip, method, path) -> bytes, with the per-host behaviours of bench.site."""

    def __init__(self, built: bench_site.Site):
        self.get: dict[tuple[str, str], bytes] = {}
        self.head: dict[tuple[str, str], bytes] = {}
        for key, r in built.routes.items():
            self.get[key], self.head[key] = _answer(r.status, r.headers, r.body)
        self.not_found = _answer(404, {"Content-Type": "text/html"}, b"<html><title>404</title>Not Found</html>")
        self.rate_limited = _answer(429, {"Retry-After": "1", "Content-Type": "text/plain"}, b"Too Many Requests")
        self.bot_wall = _answer(403, {"Content-Type": "text/html"},
                                b"<html><title>Just a moment...</title>Checking your browser</html>")
        self.head_refused = _head(405, {"Allow": "GET", "Content-Type": "text/plain"}, 0)
        self.ext_page = _answer(200, {"Content-Type": "text/html; charset=utf-8"}, b"<html><title>ok</title></html>")

    def lookup(self, ip: str, method: str, path: str) -> bytes:
        if ip == bench_site.EXT_429:
            return self.rate_limited[method == "HEAD"]
        if ip == bench_site.EXT_403:
            return self.bot_wall[method == "HEAD"]
        if ip == bench_site.EXT_405:
            return self.head_refused if method == "HEAD" else self.ext_page[0]
        table = self.head if method == "HEAD" else self.get
        found = table.get((ip, path))
        if found is None:
            return self.not_found[method == "HEAD"]
        return found


class _Protocol(asyncio.Protocol):
    def __init__(self, answers: Answers, ip: str):
        self.answers, self.ip, self.buf = answers, ip, b""
        self.requests = 0

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        out = []
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head, self.buf = self.buf[:end], self.buf[end + 4:]
            line, _, rest = head.partition(b"\r\n")
            try:
                method, target, _version = line.decode("latin-1").split(" ", 2)
            except ValueError:
                self.transport.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                self.transport.close()
                return
            if b"content-length:" in rest.lower():  # a body we do not need (no bench client sends one)
                for h in rest.split(b"\r\n"):
                    if h.lower().startswith(b"content-length:"):
                        self.buf = self.buf[int(h.split(b":", 1)[1]):]
            path = target.split("?", 1)[0]
            if path.startswith("http://"):  # absolute-form
                path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
            out.append(self.answers.lookup(self.ip, method, path))
        if out:
            self.transport.write(b"".join(out))


def free_port() -> int:
    """A port free on every listening loopback address."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        try:
            for ip in bench_site.LISTENING[1:] + bench_site.DEAD:
                with socket.socket() as t:
                    t.bind((ip, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no port free on every loopback address")


async def serve(answers: Answers, port: int) -> list[asyncio.base_events.Server]:
    loop = asyncio.get_running_loop()
    servers = []
    for ip in bench_site.LISTENING:
        servers.append(await loop.create_server(lambda ip=ip: _Protocol(answers, ip), ip, port, backlog=1024,
                                                reuse_address=True))
    return servers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.server")
    parser.add_argument("--variant", default="2k", choices=sorted(bench_site.VARIANTS))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--truth", type=Path, help="write the ground truth and page list here (JSON)")
    args = parser.parse_args(argv)
    port = args.port or free_port()
    built = bench_site.build(args.variant, port)
    if args.truth:
        args.truth.write_text(json.dumps({"variant": args.variant, "port": port, "pages": built.pages,
                                          "truth": built.truth, "links": built.links}), encoding="utf-8")
    answers = Answers(built)
    del built

    async def run() -> None:
        servers = await serve(answers, port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        print(json.dumps({"port": port, "pid": os.getpid()}), flush=True)
        await stop.wait()
        for s in servers:
            s.close()

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())

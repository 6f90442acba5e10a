"""A loopback fleet for the fleet tests and bench/fleet.py: many tiny agency sites, each on a 127.0.0.x
address of its own (the politeness lock is per host), some down, with a ground truth to check against."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.siteserver import DELAY, Route, SiteServer, html

# Fast audits: no browser, no sitemap, no retries, one try of the start page (Celery's retries are the
# fleet's), a 10 s timeout (a loaded machine answers slowly).
PROFILE_BROWSER = """\
site:
  start_attempts: 1
crawl:
  concurrency: 2
  sitemap: false
links:
  timeout: 10
  retries: 0
"""
PROFILE = PROFILE_BROWSER + """\
checks:
  accessibility: null
"""


@dataclass(frozen=True)
class Agency:
    name: str
    group: str
    start_url: str
    up: bool
    broken_external: frozenset[str]
    server: SiteServer | None = None
    hits: list[float] | None = None  # time.monotonic() of every request the site answered



def _timed(routes: dict[str, Route], hits: list[float], gate: threading.Event | None) -> dict[str, Route]:
    """The same routes, each request's time recorded; with `gate`, /about waits (up to a minute) until it
    is set: an audit caught mid-crawl."""
    def wrap(path: str, route: Route):
        def answer() -> tuple[int, dict[str, str], bytes]:
            hits.append(time.monotonic())
            if gate is not None and path == "/about":
                gate.wait(60)
            return route
        return answer
    return {path: wrap(path, route) for path, route in routes.items()}


def dead_url(host: str = "127.0.0.1") -> str:
    """An address where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind((host, 0))
        port = s.getsockname()[1]
    return f"http://{host}:{port}/"


def routes(index: int, shared_dead: str, *, delay: float = 0.0) -> dict[str, Route]:
    """Agency `index`: a home page, two pages, `index % 3` broken internal links (so the scores differ)
    and, on even indices, a link to the dead external page several agencies share."""
    links = ['<a href="/about">關於本館</a>', '<a href="/news">最新消息</a>']
    links += [f'<a href="/gone-{k}">舊頁{k}</a>' for k in range(index % 3)]
    if index % 2 == 0:
        links.append(f'<a href="{shared_dead}">文化部舊網站</a>')
    home = html("<nav>" + "".join(links) + "</nav><p>機關首頁</p>", title=f"機關{index}")
    if delay:
        home = (home[0], {**home[1], DELAY: str(delay)}, home[2])
    return {"/": home, "/about": html("<p>關於本館</p>", title="關於本館"),
            "/news": html("<p>最新消息</p>", title="最新消息")}


@contextlib.contextmanager
def loopback_fleet(n: int, *, down: int = 0, groups: tuple[str, ...] = ("文化部", "教育部"),
                   same_host: int = 0, slow: dict[int, float] | None = None,
                   gates: dict[int, threading.Event] | None = None) -> Iterator[list[Agency]]:
    """`n` agencies up (on 127.0.0.2 …; the last `same_host` of them on one shared host, different ports)
    and `down` more whose address refuses connections. `slow`: index → seconds the home page takes;
    `gates`: index → an Event its /about page waits for."""
    agencies, servers = [], []
    with contextlib.ExitStack() as stack:
        # the ministry's old site: its page answers 404 (broken on the first night, as a dead link is)
        ministry = stack.enter_context(SiteServer({"/": html("<p>文化部</p>")}, host="127.0.0.1"))
        shared_dead = ministry.url + "old-site"
        for i in range(n):
            host = "127.0.1.1" if i >= n - same_host else f"127.0.{2 + i // 250}.{2 + i % 250}"
            hits: list[float] = []
            table = _timed(routes(i, shared_dead, delay=(slow or {}).get(i, 0.0)), hits, (gates or {}).get(i))
            server = stack.enter_context(SiteServer(table, host=host))
            servers.append(server)
            agencies.append(Agency(f"測試機關{i:03d}", groups[i % len(groups)], server.url, True,
                                   frozenset({shared_dead}) if i % 2 == 0 else frozenset(), server, hits))
        for j in range(down):
            agencies.append(Agency(f"停機機關{j:03d}", groups[j % len(groups)], dead_url(f"127.0.3.{2 + j}"), False,
                                   frozenset()))
        yield agencies


def write_site_list(agencies: list[Agency], directory: Path, overrides: dict[str, str] | None = None, *,
                    browser: bool = False) -> Path:
    """fleet.yaml with a shared profile (with `browser`, the accessibility check in Chromium too);
    `overrides`: agency name → its overrides (YAML flow mapping)."""
    (directory / "shared.yaml").write_text(PROFILE_BROWSER if browser else PROFILE, encoding="utf-8")
    lines = ["profile: shared.yaml", "sites:"]
    for a in agencies:
        lines += [f"  - name: {a.name}", f"    group: {a.group}", f"    start_url: {a.start_url}"]
        if a.name in (overrides or {}):
            lines.append(f"    overrides: {(overrides or {})[a.name]}")
    path = directory / "fleet.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path

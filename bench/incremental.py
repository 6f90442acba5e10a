"""Incremental nights: `python -m bench.incremental [--variant 2k] [--changed 0.05]`.

Serves bench.site's generated site (2,000 pages by default) from a loopback server that gives every answer
an ETag and a Last-Modified, answers a matching If-None-Match / If-Modified-Since with 304, and counts
the bytes it sends. Three audits of the site into one store (`govaudit run --offline`):
  1 cold (nothing stored), 2 unchanged, 3 with --changed of the pages changed (new text; a third of
  them also link a new broken internal target, a sixth a new broken external one).
For each it prints wall time, bytes and requests the server sent/answered, the 304s and the checks whose
result was copied forward (`reused`; `--phases`: each phase's seconds, bench/phases.py); then checks
run 3: every changed page stored with its new body, every unchanged one with its old, every new broken
link reported broken. Exit 1 when a change was missed. Only loopback addresses are contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import pstats
import random
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import run as bench_run
from bench import server as bench_server
from bench import site as bench_site

LAST_MODIFIED = "Mon, 07 Dec 2026 00:00:00 GMT"


class Site:
    """The answers, with validators; `change()` edits pages between runs (their ETags change with them)."""

    def __init__(self, variant: str, port: int, cost: ServerCost | None = None) -> None:
        self.built = bench_site.build(variant, port)
        self.cost = cost or ServerCost()
        self.etags: dict[tuple[str, str], str] = {}
        self.sent = self.requests = self.not_modified = 0
        self._answer()

    def _answer(self) -> None:
        for key, route in self.built.routes.items():
            if route.status == 200:
                etag = '"' + hashlib.sha256(route.body).hexdigest()[:20] + '"'
                route.headers = {**route.headers, "ETag": etag, "Last-Modified": LAST_MODIFIED}
                self.etags[key] = etag
        self.answers = bench_server.Answers(self.built)

    def change(self, share: float, seed: int = 7) -> tuple[list[str], list[str]]:
        """Change `share` of the article pages: (their URLs, the new broken targets they link)."""
        rng = random.Random(seed)
        articles = [p for p in self.built.pages if p.endswith(".html") and "/list-" not in p]
        picked = sorted(rng.sample(articles, round(share * len(self.built.pages))))
        broken = []
        for i, url in enumerate(picked):
            path = "/" + url.split("/", 3)[3]
            route = self.built.routes[(bench_site.SITE, path)]
            extra = f"<p>更新 {i}</p>"
            if i % 3 == 0:
                target = self.built.url(bench_site.SITE, f"/news/incr-removed-{i}.html")
                extra += f'<a href="{target}">已移除</a>'
                broken.append(target)
            elif i % 6 == 1:
                target = self.built.url(bench_site.EXT_OK, f"/incr-gone/{i}.html")
                extra += f'<a href="{target}">外部</a>'
                broken.append(target)
            route.body = route.body.replace(b"</body>", extra.encode() + b"</body>")
        self._answer()
        return [u for u in picked], broken


@dataclass(frozen=True)
class ServerCost:
    """What an answer costs a real server and its network, as a delay before the answer is written.

    A full answer costs a round trip, the server's time to produce it and its bytes over the link; a 304
    costs a round trip and the server's time to compare the validator. All zero: answered at once, the
    loopback server of the earlier figures, where a request costs only the client's own work. TCP slow start
    and TLS handshakes are left out (both would make full answers dearer, not 304s).
    """

    rtt_ms: float = 0.0
    render_ms: float = 0.0  # producing a full answer (a CMS rendering the page; a static server reading a file)
    revalidate_ms: float = 0.0  # answering a matching If-None-Match (render_ms: a server that renders to compare)
    mbit_s: float = 0.0  # throughput of one connection; 0: unlimited

    @property
    def zero(self) -> bool:
        return not (self.rtt_ms or self.render_ms or self.revalidate_ms or self.mbit_s)

    def describe(self) -> str:
        return (f"round trip {self.rtt_ms:g} ms, full answer {self.render_ms:g} ms, 304 {self.revalidate_ms:g} ms, "
                + (f"{self.mbit_s:g} Mbit/s a connection" if self.mbit_s else "unlimited throughput"))

    def delay(self, answer_bytes: int, not_modified: bool) -> float:
        server = self.revalidate_ms if not_modified else self.render_ms
        wire = answer_bytes * 8 / (self.mbit_s * 1e6) if self.mbit_s else 0.0
        return (self.rtt_ms + server) / 1000 + wire


class _Protocol(asyncio.Protocol):
    def __init__(self, site: Site, ip: str) -> None:
        self.site, self.ip, self.buf = site, ip, b""
        self.ready_at = 0.0  # when this connection's last answer is written (answers go out in order)

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        out = []
        while (end := self.buf.find(b"\r\n\r\n")) >= 0:
            head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4:]
            line, *lines = head.split("\r\n")
            method, target, _ = line.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines)}
            path = target.split("?", 1)[0]
            etag = self.site.etags.get((self.ip, path))
            fresh = etag is not None and (headers.get("if-none-match") == etag or (
                "if-none-match" not in headers and headers.get("if-modified-since") == LAST_MODIFIED))
            if fresh:
                self.site.not_modified += 1
                answer = (f"HTTP/1.1 304 Not Modified\r\nServer: bench\r\nETag: {etag}\r\n"
                          f"Last-Modified: {LAST_MODIFIED}\r\n\r\n").encode("latin-1")
            else:
                answer = self.site.answers.lookup(self.ip, method, path)
            self.site.requests += 1
            self.site.sent += len(answer)
            if self.site.cost.zero:
                out.append(answer)
                continue
            loop = asyncio.get_running_loop()
            self.ready_at = max(loop.time(), self.ready_at) + self.site.cost.delay(len(answer), fresh)
            loop.call_at(self.ready_at, self._write, answer)
        if out:
            self.transport.write(b"".join(out))

    def _write(self, answer: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(answer)


def serve(site: Site, port: int) -> asyncio.AbstractEventLoop:
    """The server in a thread of its own (the audits run in other processes)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    async def start() -> None:
        for ip in bench_site.LISTENING:
            await loop.create_server(lambda ip=ip: _Protocol(site, ip), ip, port, backlog=1024, reuse_address=True)
        ready.set()

    def main() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    threading.Thread(target=main, daemon=True).start()
    ready.wait(30)
    return loop


def audit(site: Site, start: str, work: Path, n: int, concurrency: int, profile: Path, *, phases: bool = False,
          crawl_profile: bool = False) -> dict:
    site.sent = site.requests = site.not_modified = 0
    # --phases: the same command through bench/phases.py, which times the runner's phases (and with
    # --crawl-profile runs the crawl process under cProfile, which slows it down)
    tool = ([sys.executable, "-m", "bench.phases", "--times", str(work / f"phases-{n}.json"),
             *(["--crawl-profile", str(work / f"crawl-{n}.prof")] if crawl_profile else []), "--"] if phases else
            [str(bench_run._tool_bin("govaudit"))])
    cmd = [*tool, "run", start, "--profile", str(profile),
           "--db", str(work / "audit.sqlite"), "--out", str(work / f"report-{n}"), "--offline",
           "--concurrency", str(concurrency)]
    m = bench_run.measure(cmd, cwd=bench_run.ROOT, log=work / f"run-{n}.log", timeout=3600)
    times = json.loads((work / f"phases-{n}.json").read_text(encoding="utf-8")) if phases else {}
    return {**m, "bytes": site.sent, "requests": site.requests, "not_modified": site.not_modified, "phases": times}


def stages(db: Path, run_id: int) -> dict:
    """The run's crawl and browser-stage times (its stats) and the checks' summed time."""
    from govaudit.store import open_store  # noqa: PLC0415

    with open_store(db) as store:
        stats = store.run(run_id).stats
        each = {r["check_id"]: round(r["duration"], 2) for r in store.check_results(run_id)}
    browser = (stats.get("browser") or {}).get("accessibility") or {}
    copied = (stats.get("night") or {}).get("checks_reused") or []
    return {"crawl_s": stats.get("elapsed_s", 0.0), "browser_s": browser.get("elapsed", 0.0),
            "reused_axe": browser.get("reused", 0), "checks_s": sum(each.values()),
            "checks_reused": len(copied), "copied": copied, "check_s": each}


def verify(db: Path, changed: list[str], broken: list[str], run: int = 3) -> list[str]:
    """What the changed night (`run`) missed (empty: every change found)."""
    from govaudit.store import open_store  # noqa: PLC0415

    missed = []
    with open_store(db) as store:
        before = {p.url: p.body_hash for p in store.pages(run - 1)}
        after = {p.url: p.body_hash for p in store.pages(run)}
        statuses = store.link_statuses(run)
    for url in changed:
        if after.get(url) is None or after[url] == before.get(url):
            missed.append(f"changed page not re-read: {url}")
    for url, digest in after.items():
        if url not in changed and url in before and before[url] != digest:
            missed.append(f"unchanged page stored with another body: {url}")
    for url in broken:
        if statuses.get(url) != "broken":
            missed.append(f"new broken link reported {statuses.get(url)!r}: {url}")
    return missed


def print_phases(rows: list[tuple[str, dict]], work: Path) -> None:
    """Each run's phases (bench/phases.py) side by side, then the unchanged night's crawl profile."""
    names = list(dict.fromkeys(name for _, r in rows for name in r["phases"]))
    print(f"\n{'phase (s)':<34}" + "".join(f"{name.split(' ')[0] + ' ' + name.split(' ')[1]:>14}" for name, _ in rows))
    for phase in names:
        print(f"{phase:<34}" + "".join(f"{r['phases'].get(phase, 0.0):>14.2f}" for _, r in rows))
    print(f"{'sum of phases':<34}" + "".join(f"{sum(r['phases'].values()):>14.2f}" for _, r in rows))
    print(f"{'wall (incl. interpreter start)':<34}" + "".join(f"{r['wall_s']:>14.2f}" for _, r in rows))
    prof = work / "crawl-2.prof"
    if prof.exists():
        print("\nrun 2's crawl process, top 30 functions by own time (cProfile, the reactor's thread and others):")
        pstats.Stats(str(prof), stream=sys.stdout).sort_stats("tottime").print_stats(30)
        keep = Path(tempfile.gettempdir(), "govaudit-bench-incr-crawl-2.prof")
        keep.write_bytes(prof.read_bytes())
        print(f"(kept as {keep}: python -m pstats {keep})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.incremental")
    parser.add_argument("--variant", default="2k", choices=sorted(bench_site.VARIANTS))
    parser.add_argument("--changed", type=float, default=0.05, help="share of pages changed before run 3")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--browser", action="store_true",
                        help="also the browser stage (axe-core and QualWeb on up to 30 sampled pages), as a nightly "
                             "profile has it; bench/profile.yaml leaves it out")
    parser.add_argument("--phases", action="store_true",
                        help="time each phase of every run (bench/phases.py) and print the per-phase table")
    parser.add_argument("--crawl-profile", action="store_true",
                        help="with --phases: also run each crawl process under cProfile (slower) and print run 2's "
                             "top functions")
    parser.add_argument("--two", action="store_true", help="runs 1 and 2 only (no changed night)")
    parser.add_argument("--unchanged", type=int, default=1,
                        help="unchanged nights before the changed one (2: the second shows the steady state, "
                             "after the first confirmed the transient failures of night 1)")
    model = parser.add_argument_group(
        "server model", "what each answer costs a real server and its network (default: nothing, i.e. loopback "
        "speed, where a request costs only the client's work); every host of the site, external ones too")
    model.add_argument("--rtt-ms", type=float, default=0.0, help="round trip to the server")
    model.add_argument("--render-ms", type=float, default=0.0, help="server time for a full answer")
    model.add_argument("--revalidate-ms", type=float, default=0.0,
                       help="server time for a 304 (as --render-ms: a server that renders the page to compare)")
    model.add_argument("--mbit", type=float, default=0.0, help="throughput of one connection (0: unlimited)")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    parser.add_argument("--profile", type=Path, default=bench_run.BENCH / "profile.yaml",
                        help="the govaudit profile of every audit (default: bench/profile.yaml)")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (the store, reports, logs)")
    args = parser.parse_args(argv)
    cost = ServerCost(args.rtt_ms, args.render_ms, args.revalidate_ms, args.mbit)
    port = bench_server.free_port()
    site = Site(args.variant, port, cost)
    serve(site, port)
    start = site.built.url(bench_site.SITE, "/")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with (contextlib.nullcontext(str(args.keep)) if args.keep else
          tempfile.TemporaryDirectory(prefix="govaudit-bench-incr-")) as tmp:
        work = Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        profile = args.profile
        if args.browser:  # the bench profile with the accessibility check's defaults
            profile = work / "profile.yaml"
            text = args.profile.read_text(encoding="utf-8")
            profile.write_text(text.replace("  accessibility: null", "  accessibility: {}"), encoding="utf-8")
        how = {"phases": args.phases, "crawl_profile": args.crawl_profile}
        rows = [("1 cold", audit(site, start, work, 1, args.concurrency, profile, **how))]
        for n in range(2, 2 + max(1, args.unchanged)):
            rows.append((f"{n} unchanged", audit(site, start, work, n, args.concurrency, profile, **how)))
        changed, broken, missed = [], [], []
        if not args.two:
            changed, broken = site.change(args.changed)
            n = len(rows) + 1
            rows.append((f"{n} {len(changed)} pages changed",
                         audit(site, start, work, n, args.concurrency, profile, **how)))
            missed = verify(work / "audit.sqlite", changed, broken, run=n)
        if args.phases:
            print_phases(rows, work)
        for n, (_, row) in enumerate(rows, start=1):
            row.update(stages(work / "audit.sqlite", n))
    print(f"\n{args.variant}: {len(site.built.pages)} pages, concurrency {args.concurrency}"
          + (", with the browser stage" if args.browser else "")
          + (", loopback speed" if cost.zero else f", server model: {cost.describe()}"))
    print(f"{'run':<24}{'wall s':>8}{'cpu s':>8}{'crawl s':>9}{'browser s':>11}{'checks s':>10}{'bytes':>12}"
          f"{'requests':>10}{'304':>7}{'reused':>8}{'exit':>6}")
    for name, r in rows:
        print(f"{name:<24}{r['wall_s']:>8.1f}{r['cpu_s']:>8.1f}{r['crawl_s']:>9.1f}{r['browser_s']:>11.1f}"
              f"{r['checks_s']:>10.1f}{r['bytes']:>12,}{r['requests']:>10,}{r['not_modified']:>7,}{r['checks_reused']:>8}{r['exit']:>6}")
    cold = rows[0][1]
    for name, warm in rows[1:1 + max(1, args.unchanged)]:
        print(f"\nrun {name.split()[0]} vs run 1: {cold['wall_s'] / warm['wall_s']:.1f}x faster (whole audit, wall), "
              f"{cold['cpu_s'] / warm['cpu_s']:.1f}x less CPU, crawl {cold['crawl_s'] / warm['crawl_s']:.1f}x faster, "
              f"{100 * (1 - warm['bytes'] / cold['bytes']):.0f} % fewer bytes", end="")
    print()
    print(f"changed night: {len(changed)} pages changed, {len(broken)} new broken links: "
          + ("every change found" if not missed else f"{len(missed)} missed"))
    for line in missed[:20]:
        print(f"  {line}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps({
            "variant": args.variant, "concurrency": args.concurrency, "browser": args.browser,
            "server": asdict(cost), "runs": [{"run": name, **{k: v for k, v in r.items()}} for name, r in rows],
            "missed": missed}, indent=1, default=str), encoding="utf-8")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

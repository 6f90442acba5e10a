"""Requests per internal dead target: one page linking N missing pages of its own site, crawled offline
from a loopback server that counts what reaches it (issue 14 item 4: it was HEAD, GET and often a second
GET per target).

    .venv/bin/python -m bench.requests_per_target [--targets 30] [--ext png] [--max-pages 10] [--repeat 3]

Pages within max_pages were always fetched with one GET; the extra requests were for every other internal
target: images, documents, and pages past max_pages or max_depth.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.loopback import Answer, answering, serving
from govaudit import runner
from govaudit.profile import load_profile


def _site(targets: int, ext: str) -> tuple[Callable[[str, str], Answer], Counter]:
    """The site's answers (a home page linking `targets` missing files) and the count of what reached it."""
    hits: Counter = Counter()
    links = "".join(f'<a href="/dead-{i}.{ext}">{i}</a> ' for i in range(targets))
    home = f'<!DOCTYPE html><html lang="zh-Hant-TW"><head><meta charset="utf-8"><title>首頁</title></head>' \
           f"<body>{links}</body></html>".encode()

    def respond(method: str, path: str) -> Answer:
        hits[(method, path)] += 1
        return Answer(200, home) if path == "/" else Answer(404, b"<h1>404 not found</h1>")

    return respond, hits


def measure(targets: int, ext: str, max_pages: int) -> dict:
    respond, hits = _site(targets, ext)
    with serving(answering(respond)) as httpd:
        url = f"http://127.0.0.1:{httpd.server_port}/"
        profile = load_profile(None).with_overrides(crawl={"sitemap": False, "max_pages": max_pages}, links={"soft404": False},
                                                    checks={"accessibility": None})
        with tempfile.TemporaryDirectory() as tmp:
            runner.audit(url, profile, db=Path(tmp, "a.sqlite"), out=Path(tmp, "out"), offline=True)
    dead = {k: v for k, v in hits.items() if k[1].startswith("/dead-")}
    by_method = Counter()
    for (method, _), n in dead.items():
        by_method[method] += n
    return {"targets": targets, "ext": ext, "max_pages": max_pages, "requests": sum(dead.values()), "per_target": round(sum(dead.values()) / targets, 3),
            "by_method": dict(by_method), "targets_asked_twice": sum(1 for n in dead.values() if n > 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=30)
    parser.add_argument("--ext", default="png", help="the dead targets' extension (html: pages)")
    parser.add_argument("--max-pages", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for _ in range(args.repeat):
        print(json.dumps(measure(args.targets, args.ext, args.max_pages)))


if __name__ == "__main__":
    main()

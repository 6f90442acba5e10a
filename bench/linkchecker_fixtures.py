"""govaudit's verdicts against LinkChecker's own expected results for its HTTP fixtures.

LinkChecker (GPL-2.0) keeps, beside each HTML fixture of `tests/checker/data`, a `.result` file: every
URL the page references and LinkChecker's verdict (valid / error). This script serves that directory on
loopback as LinkChecker's test server does (the query ignored, /status/N answering N, directories a
dummy listing), audits each fixture whose results name the local server with govaudit (offline, the
fixture's page crawled and its links checked: LinkChecker's recursionlevel 1), and compares the
verdicts on every loopback URL. The fixtures are not part of govaudit: fetch LinkChecker's repository
and pass its data directory.

    .venv/bin/python -m bench.linkchecker_fixtures PATH/TO/linkchecker/tests/checker/data [--json OUT]
"""

from __future__ import annotations

import argparse
import html
import json
import mimetypes
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.loopback import Answer, answering, serving
from govaudit import runner, urls
from govaudit.profile import load_profile

DATADIR = "tests/checker/data"  # where LinkChecker's results expect the fixtures under the server root
VALID = frozenset({"ok", "redirected"})  # govaudit statuses LinkChecker calls valid
TYPES = {".xhtml": "application/xhtml+xml", ".html": "text/html", ".css": "text/css", ".txt": "text/plain",
         ".asc": "text/plain", ".xml": "application/xml"}


def _answers(data: Path) -> Callable[[str, str], Answer]:
    """LinkChecker's test server (the query ignored, /status/N answering N, redirects, a dummy listing)."""

    def respond(_method: str, path: str) -> Answer:
        path = path.split("?", 1)[0]  # LinkChecker's NoQueryHttpRequestHandler ignores the query
        if "redirect_newhost" in path:  # LinkChecker's CookieRedirectHttpRequestHandler
            return Answer(302, b"", "text/html", {"Location": "http://www.example.com/"})
        if "redirect" in path:
            return Answer(302, b"", "text/html", {"Location": path.replace("redirect", "newurl")})
        if "status/" in path:
            code = int(path.rsplit("/", 1)[1]) if path.rsplit("/", 1)[1].isdigit() else 500
            return Answer(code, b"testcontent" if code >= 200 and code not in (204, 304) else b"", "text/html")
        rel = path.lstrip("/")
        file = data / rel[len(DATADIR) + 1:] if rel.startswith(DATADIR + "/") else None
        if file is not None and file.is_file():
            ctype = TYPES.get(file.suffix, mimetypes.guess_type(file.name)[0] or "application/octet-stream")
            return Answer(200, file.read_bytes(), ctype)
        if (file is not None and file.is_dir()) or path.endswith("/") or rel in ("", DATADIR):
            items = "".join(f'<li><a href="{html.escape(n)}">{n}</a>' for n in ("example1.txt", "example2.html", "example3"))
            listing = f"<html><title>Dummy directory listing</title><body><ul>{items}</ul></body></html>"
            return Answer(200, listing.encode())  # their dummy directory listing
        return Answer(404, b"<h1>404</h1>", "text/html")

    return respond


def expected(result_file: Path, port: int) -> list[tuple[str, str, str]]:
    """(url as written, cache key, valid|error) for every URL of a LinkChecker .result file."""
    # the file:// fixtures are served by the same loopback server (their verdicts are LinkChecker's on files)
    text = result_file.read_text(encoding="utf-8").replace("file://%(curdir)s/%(datadir)s",
                                                           f"http://localhost:{port}/{DATADIR}")
    text = text.replace("%(port)d", str(port)).replace("%(datadir)s", DATADIR).replace("%%", "%")
    out = []
    for block in text.strip().split("\n\n"):
        lines = block.strip().splitlines()
        fields = {line.split(" ", 1)[0]: line.split(" ", 1)[1] if " " in line else "" for line in lines}
        verdict = lines[-1].strip()
        if "cache" in fields and verdict in ("valid", "error"):
            key = fields["cache"].removeprefix("key ")
            out.append((fields.get("url", key), key, verdict))
    return out


def _key(url: str, base: str | None = None) -> str:
    try:
        return urls.normalize_url(url, base)
    except urls.InvalidURL:
        return url


def compare(data: Path, name: str, port: int, work: Path, max_depth: int) -> list[dict]:
    start = f"http://localhost:{port}/{DATADIR}/{name}"
    # One-shot, as LinkChecker is: a connection refused is broken on this run (confirm_runs 1), not
    # "unverified until it fails again tomorrow" as in a nightly audit.
    profile = load_profile(None).with_overrides(
        crawl={"max_depth": max_depth, "sitemap": False},
        links={"soft404": False, "timeout": 5, "cache_max_age": 0, "confirm_runs": 1},
        checks={"accessibility": None})
    runner.audit(start, profile, db=work / f"{name}.sqlite", out=work / name, offline=True)
    doc = json.loads((work / name / "results.json").read_text(encoding="utf-8"))
    got: dict[str, str] = {}
    for link in doc["links"]:
        got.setdefault(_key(link["url"].split("#", 1)[0]), link["status"])
    rows = []
    for written, key, verdict in expected(data / f"{name}.result", port):
        if urls.scheme_of(key) not in urls.HTTP_SCHEMES or not urls.is_loopback(key):
            continue  # only loopback links: the rest would need the internet
        # matched on the URL as written, resolved as a browser would (LinkChecker's cache key re-quotes
        # some characters: "&" as %26, a Latin-1 %FF as %C3%BF), then on the cache key
        status = got.get(_key(written, start)) or got.get(_key(key))
        if status is None and _key(key) == _key(start):
            status = "ok" if doc["run"]["status"] != "failed" else "broken"
        ours = "valid" if status in VALID else "error" if status == "broken" else status or "absent"
        rows.append({"fixture": name, "url": written, "key": key, "linkchecker": verdict, "govaudit": status,
                     "agree": ours == verdict})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="LinkChecker's tests/checker/data directory")
    parser.add_argument("--json", type=Path, help="write every compared link here")
    parser.add_argument("--file-fixtures", action="store_true",
                        help="also the HTML fixtures LinkChecker checks as file:// URLs, served here over HTTP")
    args = parser.parse_args()
    data = args.data.resolve()
    def wanted(result: Path) -> bool:
        name = result.name.removesuffix(".result")
        text = result.read_text(encoding="utf-8", errors="replace")
        if not (data / name).is_file():
            return False
        if "localhost:%(port)d" in text:
            return True
        return args.file_fixtures and name.endswith((".html", ".xhtml")) and "file://%(curdir)s" in text

    fixtures = sorted(f.name.removesuffix(".result") for f in data.glob("*.result") if wanted(f))
    rows: list[dict] = []
    with serving(answering(_answers(data))) as httpd, tempfile.TemporaryDirectory() as tmp:
        for name in fixtures:
            # LinkChecker's HTTP tests check with recursionlevel 1 (the page and its links: our max_depth
            # 0); its file tests recurse without a limit
            http = "localhost:%(port)d" in (data / f"{name}.result").read_text(encoding="utf-8")
            rows += compare(data, name, httpd.server_port, Path(tmp), 0 if http else 10)
    agree = sum(r["agree"] for r in rows)
    print(f"{'fixture':28} agree/links")
    for name in fixtures:
        mine = [r for r in rows if r["fixture"] == name]
        print(f"{name:28} {sum(r['agree'] for r in mine)}/{len(mine)}")
    print(f"{'total':28} {agree}/{len(rows)} = {100 * agree / max(1, len(rows)):.1f} %")
    for r in rows:
        if not r["agree"]:
            print(f"  disagree: {r['fixture']}: {r['url']!r} LinkChecker {r['linkchecker']}, govaudit {r['govaudit']}")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

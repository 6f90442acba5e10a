"""Run the real audit on generated agency sites and score its 第7條 category statuses.

    .venv/bin/python -m bench.art7.evaluate [--sites 28] [--jobs 2] [--out var/bench/art7]

Each site (bench/art7/sitegen.py) is served on 127.0.0.1, audited with `govaudit run --offline`
(only the disclosure check, no browser), and the status of every category in results.json is
compared with the ground truth. Prints accuracy per category, per layout, a confusion table and
every miss, and writes them to OUT/art7-eval.json. Only loopback is contacted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.art7.sitegen import CATEGORIES, Site, generate
from bench.loopback import Answer, answering, serving

STATUSES = ["found", "stale", "weak", "missing"]
OTHER_CHECKS = ["accessibility", "accessibility_mark", "bilingual", "broken_links", "content", "freshness",
                "metadata", "odf", "pii", "services", "site_elements"]
FILE_TYPES = {"pdf": "application/pdf", "odt": "application/vnd.oasis.opendocument.text",
              "ods": "application/vnd.oasis.opendocument.spreadsheet", "png": "image/png",
              "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def answers(site: Site) -> Callable[[str, str], Answer]:
    """The generated site's pages, its files (a stub PDF whatever the type) and 404 for the rest."""
    pages = site.pages

    def respond(_method: str, path: str) -> Answer:
        ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
        if path in pages and ext in FILE_TYPES or path.startswith("/files/"):
            return Answer(200, b"%PDF-1.4\n%%EOF\n", FILE_TYPES.get(ext, "application/octet-stream"))
        if path in pages:
            return Answer(200, pages[path].encode())
        return Answer(404, "<h1>找不到網頁</h1>".encode())

    return respond


def profile_text(name: str) -> str:
    checks = "\n".join(f"  {c}: null" for c in OTHER_CHECKS)
    return (f"site:\n  name: {name}\ncrawl:\n  max_depth: 10\n  max_pages: 1000\n  sitemap: false\n"
            f"  concurrency: 4\nlinks:\n  timeout: 5\n  retries: 0\n  attachments: false\n  soft404: false\n"
            f"  check_external: false\nchecks:\n{checks}\n")


@dataclass(frozen=True)
class Outcome:
    site: int
    layout: str
    cat: str
    truth: str
    got: str
    why: str
    reason: str


def audit(site: Site, work: Path, govaudit: str) -> list[Outcome]:
    d = work / f"site{site.index:02d}"
    d.mkdir(parents=True, exist_ok=True)
    (d / "profile.yaml").write_text(profile_text(site.agency), encoding="utf-8")
    with serving(answering(answers(site))) as httpd:
        url = f"http://127.0.0.1:{httpd.server_port}/"
        proc = subprocess.run([govaudit, "run", url, "--offline", "--profile", str(d / "profile.yaml"),
                               "--db", str(d / "audit.sqlite"), "--out", str(d / "out"), "--format", "json"],
                              capture_output=True, text=True, timeout=600)
    results = d / "out" / "results.json"
    if not results.exists():
        raise SystemExit(f"site {site.index}: no results.json (exit {proc.returncode}): {proc.stderr[-2000:]}")
    cats = {c["id"]: c for c in json.loads(results.read_text(encoding="utf-8"))["disclosure"]["categories"]}
    out = []
    for cat in CATEGORIES:
        got = cats.get(cat, {})
        t = site.truth[cat]
        out.append(Outcome(site.index, site.layout, cat, t.status, got.get("status", "absent"),
                           f"{t.why}; titled 「{site.labels[cat]}」", got.get("reason", "")))
    return out


def _pct(ok: int, n: int) -> str:
    return f"{100 * ok / n:5.1f} % ({ok}/{n})" if n else "-"


def report(outcomes: list[Outcome]) -> dict:
    total = len(outcomes)
    ok = sum(o.truth == o.got for o in outcomes)
    print(f"\ncategory-status accuracy: {_pct(ok, total)}  over {len({o.site for o in outcomes})} sites\n")
    by: dict[str, dict[str, list[Outcome]]] = {"category": defaultdict(list), "layout": defaultdict(list),
                                               "truth": defaultdict(list)}
    for o in outcomes:
        by["category"][o.cat].append(o)
        by["layout"][o.layout].append(o)
        by["truth"][o.truth].append(o)
    tables: dict[str, dict[str, str]] = {}
    for name, groups in by.items():
        print(f"| {name} | accuracy |\n|---|---|")
        tables[name] = {}
        keys = CATEGORIES if name == "category" else sorted(groups)
        for k in keys:
            g = groups.get(k, [])
            tables[name][k] = _pct(sum(o.truth == o.got for o in g), len(g))
            print(f"| {k} | {tables[name][k]} |")
        print()
    classes = Counter(f"{o.truth} → {o.got}" for o in outcomes if o.truth != o.got)
    print("| error class (truth → reported) | count |\n|---|---|")
    for k, v in classes.most_common():
        print(f"| {k} | {v} |")
    print("\nmisses:")
    for o in outcomes:
        if o.truth != o.got:
            print(f"  site{o.site:02d} {o.layout:6} {o.cat:7} truth={o.truth:7} got={o.got:7} [{o.why}] {o.reason}")
    return {"accuracy": ok / total if total else 0.0, "n": total, "tables": tables, "errors": dict(classes),
            "misses": [o.__dict__ for o in outcomes if o.truth != o.got]}


def evaluate(indices: list[int], work: Path, jobs: int, govaudit: str, heldout: bool = False) -> list[Outcome]:
    today = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Taipei")).date()  # the run's audit date
    sites = [generate(i, today, heldout) for i in indices]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        per_site = list(pool.map(lambda s: audit(s, work, govaudit), sites))
    return [o for outs in per_site for o in outs]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sites", type=int, default=28)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--vocab", choices=["main", "heldout"], default="main",
                    help="heldout: sites titled with labels never used to tune the taxonomy")
    ap.add_argument("--out", type=Path, default=Path("var/bench/art7"))
    ap.add_argument("--govaudit", default=str(Path(sys.executable).with_name("govaudit")))
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="art7-") as tmp:
        outcomes = evaluate(list(range(args.first, args.first + args.sites)), Path(tmp), args.jobs, args.govaudit,
                            args.vocab == "heldout")
    summary = report(outcomes)
    (args.out / f"art7-eval-{args.vocab}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

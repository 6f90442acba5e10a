"""W3C-method consistency of govaudit's accessibility engines on W3C's ACT rules test cases.

    python -m bench.act_consistency --repo GITDIR [--rules 23a2a8,...] [--workers 2] [--json OUT.json]
                                    [--from-json OUT.json] [--write-routing config/a11y_routing.yaml]
                                    [--merge-into FULL.json]

GITDIR is a clone (bare is fine) of github.com/w3c/wcag-act-rules; it is read with `git archive`, never
committed here. The test-case pages and their assets are served on 127.0.0.1 (as W3C serves them:
UTF-8 HTML, XHTML/SVG/XML under their own media types), tested by the browser stage exactly as an audit
tests a page (crawler/browser.py: axe-core, then the added engines on the same page, offline), and every
engine's rule results are compared with the expected outcome of each example.

Consistency per ACT rule, per W3C's method (an engine's rule counts for the ACT rules it declares:
axe-core's actIds, QualWeb's mapping, W3C's
mapping of Alfa's rules):
  complete      every failed example flagged, no passed / inapplicable example flagged;
  partial       no passed / inapplicable example flagged, some but not all failed examples flagged;
  inconsistent  a passed or inapplicable example flagged (a false positive);
  untested      nothing flagged.
"govaudit" is the merged outcome after routing (checks/a11y_routing.py with the routing table), the
figure the audit reports; "axe-core" alone is the baseline. --write-routing writes the routing table
from this measurement: an engine speaks for an ACT rule when it is complete or partial there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import mimetypes
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from functools import partial
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import yaml

from bench.loopback import serving
from govaudit.checks import a11y_routing
from govaudit.chromium import BrowserConfig
from govaudit.crawler.browser import run_axe
from govaudit.plugins import BrowserTarget

AXE = "axe-core"

PREFIX = "/WAI/content-assets/wcag-act-rules/"
TYPES = {".html": "text/html; charset=utf-8", ".xhtml": "application/xhtml+xml; charset=utf-8",
         ".svg": "image/svg+xml", ".xml": "application/xml", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".vtt": "text/vtt; charset=utf-8"}
# axe-tags: axe-core with its WCAG A/AA tags only (no experimental or best-practice rule), the baseline
ENGINES = ("axe-tags", "axe-core", "qualweb", "alfa", "govaudit-rules", "govaudit")
ADDED = ("axe-core", "qualweb", "alfa", "govaudit-rules")  # the engines the routing table chooses among
EXTRA_RULES = frozenset(BrowserConfig().axe_extra_rules)


class _Handler(SimpleHTTPRequestHandler):
    def guess_type(self, path: str | Any) -> str:
        return TYPES.get(Path(str(path)).suffix.lower()) or mimetypes.guess_type(str(path))[0] or "application/octet-stream"

    def translate_path(self, path: str) -> str:
        path = path.split("?")[0].split("#")[0]
        return super().translate_path(path[len(PREFIX) - 1:] if path.startswith(PREFIX) else path)

    def log_message(self, *args: Any) -> None:
        pass


def extract(repo: str, into: Path) -> tuple[dict, str]:
    """content-assets/wcag-act-rules/ of the repo's HEAD into `into`; (testcases.json, commit). Blobs a
    partial clone lacks (large videos) are left out: the pages that use them are tested without them."""
    def git(*args: str, **kw: Any) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", repo, *args], capture_output=True, check=True, **kw)

    commit = git("rev-parse", "HEAD", text=True).stdout.strip()
    listing = git("ls-tree", "-r", "-z", "HEAD", "content-assets/wcag-act-rules").stdout.split(b"\0")
    entries = [(line.split(b"\t", 1)[0].split()[2].decode(), line.split(b"\t", 1)[1].decode())
               for line in listing if b"\t" in line]
    batch = git("cat-file", "--batch", input=b"".join(sha.encode() + b"\n" for sha, _ in entries)).stdout
    pos = 0
    for _sha, rel in entries:
        end = batch.index(b"\n", pos)
        header = batch[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(batch[pos:pos + size])
        pos += size + 1
    root = into / "content-assets/wcag-act-rules"
    return json.loads((root / "testcases.json").read_text(encoding="utf-8")), commit


def outcome(result: dict[str, Any], rule: str, engine: str) -> str:
    """failed / cantTell / passed for one ACT rule on one tested example, by one engine (or govaudit)."""
    if engine == "govaudit":
        routed = a11y_routing.route(result.get("violations") or [], result.get("incomplete") or [])
        violations, incomplete = routed.violations, routed.incomplete
    elif engine == "axe-tags":
        violations = [v for v in result.get("violations") or [] if v.get("engine") == AXE and v["rule"] not in EXTRA_RULES]
        incomplete = [v for v in result.get("incomplete") or [] if v.get("engine") == AXE and v["rule"] not in EXTRA_RULES]
    else:
        violations = [v for v in result.get("violations") or [] if v.get("engine") == engine]
        incomplete = [v for v in result.get("incomplete") or [] if v.get("engine") == engine]
    if any(rule in (v.get("act_rules") or []) for v in violations):
        return "failed"
    if any(rule in (v.get("act_rules") or []) for v in incomplete):
        return "cantTell"
    return "passed"


def consistency(cases: list[dict[str, Any]], rows: dict[str, dict], engine: str) -> dict[str, dict[str, Any]]:
    per_rule: dict[str, dict[str, Any]] = {}
    by_rule: dict[str, list[dict]] = defaultdict(list)
    for case in cases:
        by_rule[case["ruleId"]].append(case)
    for rule, examples in sorted(by_rule.items()):
        failed_total = flagged = false_pos = untested = 0
        for case in examples:
            row = rows.get(case["relativePath"])
            if row is None or row["error"]:  # a failed example that did not load was not flagged
                untested += 1
                failed_total += case["expected"] == "failed"
                continue
            got = outcome(row["result"], rule, engine)
            if case["expected"] == "failed":
                failed_total += 1
                flagged += got == "failed"
            elif got == "failed":
                false_pos += 1
        verdict = ("inconsistent" if false_pos else "untested" if not flagged else
                   "complete" if flagged == failed_total else "partial")
        per_rule[rule] = {"consistency": verdict, "failed_flagged": flagged, "failed_total": failed_total,
                          "false_positives": false_pos, "not_loaded": untested, "name": examples[0]["ruleName"]}
    return per_rule


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.act_consistency", description=__doc__.split("\n")[0])
    parser.add_argument("--repo", help="git directory of w3c/wcag-act-rules")
    parser.add_argument("--rules", default="", help="comma-separated ACT rule ids (default: all)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write the raw results and the per-rule table here")
    parser.add_argument("--from-json", type=Path, help="recompute the table from an earlier --json (no browser)")
    parser.add_argument("--write-routing", type=Path, help="write the routing table chosen by this measurement")
    parser.add_argument("--merge-into", type=Path,
                        help="an earlier full --json: the pages measured now replace theirs there, the table is "
                             "printed for all rules (a test-case page belongs to one ACT rule, so the others keep "
                             "their earlier outcome); with --json the merged measurement is written")
    args = parser.parse_args(argv)
    if args.from_json:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        cases, rows, meta = saved["cases"], saved["rows"], saved["meta"]
    else:
        if not args.repo:
            parser.error("--repo or --from-json is required")
        cases, rows, meta = measure(args.repo, args.rules, args.workers)
        if args.merge_into:
            cases, rows, meta = merged(json.loads(args.merge_into.read_text(encoding="utf-8")), rows, meta)
    tables = {engine: consistency(cases, rows, engine) for engine in ENGINES}
    print_table(tables)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "cases": cases, "rows": rows, "tables": tables},
                                        ensure_ascii=False), encoding="utf-8")
    if args.write_routing:
        write_routing(args.write_routing, tables, meta)
    return 0


def measure(repo: str, only: str, workers: int) -> tuple[list[dict], dict[str, dict], dict[str, Any]]:
    os.environ["GOVAUDIT_ALFA_RULES"] = "all"  # every Alfa rule, not only those the last measurement chose
    with tempfile.TemporaryDirectory(prefix="govaudit-act-") as tmp:
        data, commit = extract(repo, Path(tmp))
        wanted = {r for r in only.split(",") if r}
        cases = [c for c in data["testcases"] if not wanted or c["ruleId"] in wanted]
        root = Path(tmp) / "content-assets/wcag-act-rules"
        with serving(partial(_Handler, directory=str(root))) as httpd:
            base = f"http://127.0.0.1:{httpd.server_port}{PREFIX}"
            config = BrowserConfig(offline=True, allow_hosts=("127.0.0.1", "localhost"), page_timeout=20)
            paths = sorted({c["relativePath"] for c in cases})
            began = time.monotonic()
            stage = run_axe([BrowserTarget(base + p, "act", "") for p in paths], config, workers=workers)
            elapsed = time.monotonic() - began
    if not stage.available:
        raise SystemExit(f"act_consistency: the browser is not available: {stage.reason}")
    rows = {r["url"][len(base):]: {"error": r["error"], "result": r["result"]} for r in stage.rows}
    meta = {"commit": commit, "date": dt.date.today().isoformat(), "engines": stage.engines,
            "axe_version": stage.axe_version, "pages": len(paths), "errors": stage.errors,
            "seconds": round(elapsed, 1)}
    print(f"tested {len(paths)} test-case pages of w3c/wcag-act-rules {commit[:12]} in {elapsed:.0f} s "
          f"({stage.errors} did not load); engines {stage.engines}", file=sys.stderr)
    return cases, rows, meta


def merged(earlier: dict[str, Any], rows: dict[str, dict], meta: dict[str, Any]) -> tuple[list[dict], dict[str, dict], dict[str, Any]]:
    """The earlier full measurement with the pages just measured replacing theirs."""
    if earlier["meta"]["commit"] != meta["commit"]:
        raise SystemExit(f"act_consistency: --merge-into measured {earlier['meta']['commit'][:12]}, "
                         f"this run {meta['commit'][:12]}: measure everything again")
    before = earlier["meta"].get("remeasured") or {}
    rules = sorted(set(before.get("rules") or []) | {p.split("/")[1] for p in rows if p.count("/") >= 2})
    pages = {c["relativePath"] for c in earlier["cases"] if c["ruleId"] in rules}
    return earlier["cases"], {**earlier["rows"], **rows}, {
        **earlier["meta"], "engines": meta["engines"], "date": meta["date"],
        "remeasured": {"pages": len(pages), "date": meta["date"], "rules": rules}}


def print_table(tables: dict[str, dict[str, dict]]) -> None:
    rules = sorted(next(iter(tables.values())))
    print(f"{'ACT rule':8} " + " ".join(f"{e:>14}" for e in ENGINES) + "  name")
    for rule in rules:
        cells = []
        for engine in ENGINES:
            r = tables[engine][rule]
            mark = {"complete": "C", "partial": "P", "inconsistent": "X", "untested": "-"}[r["consistency"]]
            cells.append(f"{mark} {r['failed_flagged']:>2}/{r['failed_total']:<2} fp{r['false_positives']:<2}".rjust(14))
        print(f"{rule:8} " + " ".join(cells) + f"  {tables[ENGINES[0]][rule]['name'][:60]}")
    for engine in ENGINES:
        counts = Counter(r["consistency"] for r in tables[engine].values())
        print(f"{engine:>10}: complete {counts['complete']}, partial {counts['partial']}, "
              f"inconsistent {counts['inconsistent']}, untested {counts['untested']} (of {len(rules)})")
    new_fp = [r for r in rules if tables["govaudit"][r]["false_positives"] > tables["axe-tags"][r]["false_positives"]]
    print(f"rules where govaudit has a false positive axe-core alone has not: {len(new_fp)} {new_fp}")


def write_routing(path: Path, tables: dict[str, dict[str, dict]], meta: dict[str, Any]) -> None:
    rules: dict[str, Any] = {}
    for rule in sorted(tables["axe-core"]):
        measured = {e: tables[e][rule] for e in ADDED if e in tables}
        speaks = [e for e, r in measured.items() if r["false_positives"] == 0]
        rules[rule] = {
            "speaks": speaks, "name": measured["axe-core"]["name"],
            "measured": {e: f"{r['consistency']} {r['failed_flagged']}/{r['failed_total']} failed flagged, "
                            f"{r['false_positives']} false positives" for e, r in measured.items()},
        }
    previous = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    measured = {k: meta[k] for k in ("commit", "date", "engines", "axe_version", "pages", "remeasured") if k in meta}
    doc = {"version": "1", "measured": measured,
           # hand-declared, kept across measurements: engine rule → the ACT rules it implements
           "procedures": (previous or {}).get("procedures") or {}, "rules": rules}
    header = ("# Which engine's outcome counts for each W3C ACT rule (checks/a11y_routing.py), chosen by measurement:\n"
              "# `python -m bench.act_consistency --repo <w3c/wcag-act-rules> --write-routing config/a11y_routing.yaml`.\n"
              "# An engine speaks for a rule when it flagged no passed or inapplicable example there; an engine\n"
              "# with a false positive does not. A result of an engine that does\n"
              "# not speak for any of its ACT rules is shown as needs-review, never counted as a violation.\n"
              "# Engine rules with no ACT rule (most axe-core rules) are not routed.\n")
    path.write_text(header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())

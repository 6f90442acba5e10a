"""The audit of the adversarial site (tests/adversarial.py) with the default profile, as a nightly job runs
it: `timeout -s TERM LIMIT govaudit run URL --offline` (issue 14, "Done when").

    .venv/bin/python -m bench.adversarial [--limit 900] [--stop-after 30] [--json out.json]

Measures wall time (target < 300 s), the peak PSS of the run's process tree (target < 1 GB; every
process carrying the run's environment tag, /proc/PID/smaps_rollup, sampled twice a second), requests
outside the site's scope (0), and, after a second run stopped by `timeout -s TERM STOP` mid-crawl, the
processes and temporary directories left behind (0). Also where the pages and the time went: crawled
pages per address pattern (crawler/traps.py), link results per first path segment, and the seconds from
the run's start to its last page, its last link result, and its end. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path

from govaudit import cuts
from govaudit.crawler import traps
from govaudit.store import open_store
from tests.adversarial import AdversarialSite, audit_process


def _report(run, site: AdversarialSite) -> dict:
    doc: dict = {}
    results = run.out / "results.json"
    if results.exists():
        doc = json.loads(results.read_text(encoding="utf-8"))
    run_doc = doc.get("run") or {}
    return {
        "exit_code": run.exit_code, "seconds": round(run.seconds, 1), "peak_pss_mib": round(run.peak_pss_kib / 1024),
        "status": run_doc.get("status"), "pages": run_doc.get("pages_crawled"), "links": len(doc.get("links") or ()),
        "cuts": {c["kind"]: c["count"] for c in (run_doc.get("stats") or {}).get("cuts") or ()},
        "report_written": (run.out / "report.html").exists(), "unnamed_in_report": _unnamed(run.out, doc), "out_of_scope_requests": site.out_of_scope(),
        "requests": site.requests, "orphans": len(run.left), "temp_left": run.temp_left,
        "where": _where(run.db), "summary": run.stdout.strip()[-300:], "stderr": run.stderr.strip()[-500:],
    }


def _unnamed(out: Path, doc: dict) -> list[str]:
    """The crawl cuts (traps and budgets) the run recorded that report.html does not name in its words."""
    report = out / "report.html"
    text = report.read_text(encoding="utf-8") if report.exists() else ""
    kinds = [c["kind"] for c in ((doc.get("run") or {}).get("stats") or {}).get("cuts") or ()]
    return [k for k in kinds if k in cuts.KINDS and cuts.KINDS[k].zh.split("（")[0] not in text]


def _where(db: Path) -> dict:
    """Crawled pages per address pattern, link results per first path segment, and phase ends (s after start)."""
    if not db.exists():
        return {}
    with open_store(db) as store:
        run_id = store.latest_run_id()
        if run_id is None:
            return {}
        run = store.run(run_id)
        pages = [p for p in store.pages(run_id) if p.http_status == 200]
        results = list(store.link_results(run_id))
        checks = store.check_results(run_id)
        browsed = sorted(store.axe_pages(run_id), key=lambda r: -(r.get("elapsed") or 0))[:3]
    began = datetime.fromisoformat(run.started_at)

    def after(stamps: list[str]) -> float | None:
        return round(max((datetime.fromisoformat(t) - began).total_seconds() for t in stamps), 1) if stamps else None

    def segment(url: str) -> str:
        return "/" + url.split("/", 3)[3].split("?")[0].split("/")[0] if url.count("/") >= 3 else url[:30]

    return {
        "pages_by_pattern": dict(Counter(traps.pattern(p.url) for p in pages).most_common(8)),
        "results_by_segment": dict(Counter(segment(r.url) for r in results).most_common(8)),
        "last_page_s": after([p.fetched_at for p in pages]), "last_result_s": after([r.checked_at for r in results]),
        "finished_s": after([run.finished_at] if run.finished_at else []),
        "crawl_s": (run.stats or {}).get("elapsed_s"),
        "browser_s": ((run.stats or {}).get("browser") or {}).get("accessibility", {}).get("elapsed"),
        "browser_pages": ((run.stats or {}).get("browser") or {}).get("accessibility", {}).get("pages"),
        "checks_s": round(sum(c.get("duration") or 0 for c in checks), 1),
        # the browser stage's slowest pages: seconds each, and why a page was not tested (its budget)
        "browser_slowest": [[r["url"].split("/", 3)[-1], r.get("elapsed"), (r.get("error") or "")[:80]]
                            for r in browsed],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=float, default=900, help="timeout(1) of the full run (s)")
    parser.add_argument("--stop-after", type=float, default=30, help="timeout(1) of the stopped run (s); 0: none")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    figures: dict = {"load_before": round(load, 2)}
    with tempfile.TemporaryDirectory(prefix="bench-adversarial-") as tmp:
        with AdversarialSite() as site:
            full = audit_process(site.url, Path(tmp, "full"), limit=args.limit)
            figures["full"] = _report(full, site)
        if args.stop_after:
            with AdversarialSite() as site:
                stopped = audit_process(site.url, Path(tmp, "stopped"), limit=args.stop_after)
                figures["stopped"] = _report(stopped, site)
    figures["load_after"] = round(os.getloadavg()[0], 2)
    text = json.dumps(figures, ensure_ascii=False, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

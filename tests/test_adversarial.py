"""The audit of a hostile site (tests/adversarial.py), run as a nightly job runs it: `timeout -s TERM …
govaudit run URL --offline` in a process tree of its own, watched from outside.

It finishes with its reports written and an honest status, names every trap in the report, sends no
request outside the site, leaves no XSS payload live in report.html, and leaves no process and no
temporary directory behind, also when timeout(1) stops it mid-crawl. Budgets here are small, so that the
test stays within minutes on a loaded machine; bench/adversarial.py runs the default profile.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import lxml.html
import pytest
import yaml

from tests.adversarial import XSS_MARK, AdversarialSite, audit_process

PROFILE = {
    "site": {"start_attempts": 1},
    "crawl": {"max_pages": 100, "max_depth": 2, "max_links_per_page": 300, "concurrency": 16,
              "sitemap_max_files": 40, "sitemap_max_depth": 1, "sitemap_max_bytes": 4 * 1024 * 1024,
              "max_seconds": 120},
    "links": {"timeout": 15, "connect_timeout": 5, "retries": 0},
    "checks": {"accessibility": None},  # Chromium over these pages belongs to the bench, not the suite
}
# Every trap and budget the site sets off, and the words the zh-TW report names it with (govaudit/cuts.py).
NAMED = {
    "calendar": "行事曆／日期網址超出合理年份", "session_id": "工作階段代碼", "repeating_path": "路徑片段重複",
    "max_depth": "超過最大深度", "links_per_page": "單頁連結上限", "sitemap_files": "網站地圖超過檔案數上限",
    "sitemap_depth": "網站地圖索引層數過深", "sitemap_bytes": "解壓後超過大小上限",
}


def _profile(tmp_path: Path) -> Path:
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(PROFILE, allow_unicode=True), encoding="utf-8")
    return path


def _live_payloads(report: str) -> list[str]:
    """Where an XSS payload would run in the report: a script holding it, an on* handler, a javascript: URL."""
    doc = lxml.html.document_fromstring(report)
    found = [f"<script>{el.text[:80]}" for el in doc.iter("script") if XSS_MARK in (el.text or "")]
    for el in doc.iter():
        for name, value in el.attrib.items():
            if XSS_MARK in value and (name.startswith("on") or value.strip().lower().startswith("javascript:")
                                      and name in ("href", "src", "action", "formaction")):
                found.append(f"<{el.tag} {name}={value[:80]}>")
    return found


@pytest.mark.timeout(600)
def test_a_hostile_site_is_audited_within_its_budgets_and_says_what_it_left_out(tmp_path):
    with AdversarialSite() as site:
        run = audit_process(site.url, tmp_path / "run", limit=280, args=("--profile", str(_profile(tmp_path))))
        outside = site.out_of_scope()
    assert run.exit_code in (0, 2), (run.exit_code, run.stdout, run.stderr[-2000:])  # never timeout's 124
    assert not run.left, f"processes left behind: {run.left}"
    assert run.temp_left == []
    assert outside == 0
    assert "public_suffix" not in run.stderr  # (tldextract fetched its list from GitHub: crawler/cookies.py)
    doc = json.loads((run.out / "results.json").read_text(encoding="utf-8"))
    status = doc["run"]["status"]
    assert status in ("completed", "incomplete")
    assert (run.exit_code == 0) == (status == "completed")
    with sqlite3.connect(run.db) as conn:
        assert conn.execute("SELECT status FROM runs").fetchall() == [(status,)]
    # every trap and budget hit, in the stats, as a finding and in the report's words
    cuts = {c["kind"]: c for c in doc["run"]["stats"]["cuts"]}
    assert set(NAMED) <= set(cuts), sorted(cuts)
    coverage = next(c for c in doc["checks"] if c["id"] == "crawl_coverage")
    assert {f["evidence"]["cut"] for f in coverage["findings"]} == set(cuts)
    assert {f["code"] for f in coverage["findings"] if f["evidence"]["cut"] in ("calendar", "session_id")} == {"crawl.trap"}
    report = (run.out / "report.html").read_text(encoding="utf-8")
    for kind, words in NAMED.items():
        assert words in report, kind
    # the 50,000-link page: capped, the rest counted
    assert cuts["links_per_page"]["count"] == 50_000 - 300
    # nothing outside loopback was contacted: those links are excluded as offline, none has an answer
    links = {lk["url"]: lk for lk in doc["links"]}
    for url in ("http://10.255.255.1/", "http://example.invalid/"):
        assert links[url]["status"] == "excluded" and links[url]["error_kind"] == "offline"
    assert not [u for u, lk in links.items() if "127.0.0.2" in u and lk.get("http_status")]
    # hostile bodies end as results, not as a hung crawl
    for path in ("huge.html", "endless.html", "drip.html", "reset.html", "bomb.html"):
        assert links[site.url + path]["status"] in ("ok", "broken", "unverified"), path
    # the payloads are in the report, inert
    assert XSS_MARK in report
    assert _live_payloads(report) == []


@pytest.mark.timeout(300)
def test_timeout_term_mid_crawl_leaves_no_process_and_no_temp_dir(tmp_path):
    with AdversarialSite() as site:
        run = audit_process(site.url, tmp_path / "run", limit=30)  # the default profile: still crawling at 30 s
        outside = site.out_of_scope()
    assert run.exit_code == 124, (run.exit_code, run.stdout, run.stderr[-2000:])  # timeout(1) stopped it
    assert not run.left, f"processes left behind: {run.left}"
    assert run.temp_left == []
    assert outside == 0
    with sqlite3.connect(run.db) as conn:
        assert conn.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]

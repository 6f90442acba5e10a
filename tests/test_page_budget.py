"""The browser stage's per-page budget: a loopback page that blocks Chromium's main thread after it loads
(every engine's script waits on it; no Selenium timeout answers) is stopped, its browser's process group
ended, the page recorded as not tested and never counted as passed; the next page is tested in a fresh
browser, and no process of the run outlives it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import lxml.html

from govaudit.reports.writers.html import HtmlWriter
from tests.adversarial import TAG, tagged
from tests.siteserver import SiteServer, html

# The page loads, then its script never yields the main thread (ten minutes, past any budget here).
BUSY = html('<h1>忙碌</h1><script>window.addEventListener("load", function () { setTimeout(function () {'
            ' var end = Date.now() + 600000; while (Date.now() < end) {} }, 0); });</script>', title="忙碌")
PAGES = {"/busy.html": BUSY,
         "/img.html": html('<h1>圖片</h1><img src="/a.png" width="10" height="10">', title="圖片")}


def test_a_page_past_its_budget_is_not_tested_and_the_next_page_is(tmp_path):
    tag = uuid.uuid4().hex
    with SiteServer(PAGES) as site:
        proc = subprocess.run(
            [sys.executable, "-m", "govaudit", "a11y", site.url + "busy.html", site.url + "img.html", "--offline",
             "--workers", "1", "--page-budget", "15", "--out", str(tmp_path)],
            capture_output=True, text=True, timeout=600, env={**os.environ, TAG: tag})
    assert tagged(tag) == {}  # no chromedriver, Chromium or Node of the run outlives it
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    pages = {p["url"].removeprefix(site.url): p for p in doc["accessibility"]["pages"]}
    busy, img = pages["busy.html"], pages["img.html"]
    assert busy["budget"]["seconds"] == 15 and busy["attempts"] == 1  # never retried
    assert "page budget of 15 s ran out" in busy["error"] and busy["violations"] == []
    assert not img["error"] and "image-alt" in [v["rule"] for v in img["violations"]]
    metrics = doc["check"]["metrics"]
    assert metrics["pages_tested"] == 1 and metrics["pages_failed"] == 1, proc.stdout + proc.stderr
    assert doc["browser"]["over_budget"] == 1


def test_the_report_says_the_page_was_stopped_in_its_language(tmp_path):
    budget = {"seconds": 15.0, "step": "alfa", "done": ["axe-core", "qualweb"], "elapsed": 20.1}
    results = {
        "schema": "govaudit/results@2",
        "run": {"id": 1, "site": "示範", "start_url": "http://127.0.0.1:1/", "status": "completed",
                "started_at": "2026-11-21T02:00:00+08:00", "finished_at": "2026-11-21T02:01:00+08:00"},
        "links": [], "indicators": [], "codes": {},
        "checks": [{"id": "accessibility", "title": "無障礙檢測", "version": "1", "status": "needs_review",
                    "metrics": {"pages_tested": 0, "pages_failed": 1}, "duration": 1, "error": "", "findings": []}],
        "accessibility": {"pages": [{"url": "http://127.0.0.1:1/busy.html", "template": "", "reason": "home",
                                     "error": "page budget of 15 s ran out during alfa: not tested <b>x</b>",
                                     "attempts": 1, "violations": [], "incomplete": [], "budget": budget}],
                          "templates": []},
    }
    text = {}
    for lang in ("zh-TW", "en"):
        out = tmp_path / lang
        out.mkdir()
        doc = lxml.html.document_fromstring(HtmlWriter().write(results, out, lang=lang).read_text(encoding="utf-8"))
        text[lang] = " ".join(t.text_content() for t in doc.cssselect("table.accessibility-page"))
    assert "每頁檢測時間上限 15 秒" in text["zh-TW"] and "「alfa」" in text["zh-TW"]
    assert "axe-core、qualweb" in text["zh-TW"] and "不視為通過" in text["zh-TW"]
    assert "budget of 15 s" in text["en"] and "axe-core, qualweb" in text["en"]

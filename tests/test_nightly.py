"""The nightly job end to end: three consecutive `govaudit run`s of the demo site, edited between nights
as an agency's editors would, give the right changes, trend, summary line and exit codes; an incomplete
crawl is reported but is never a baseline and claims no fixes."""

import json
import subprocess
import sys

import pytest

from govaudit.demo.edits import SiteEdits
from govaudit.demo.server import DemoServer
from tests.siteserver import SiteServer, html
from tests.testdb import db_at

GOVAUDIT = [sys.executable, "-m", "govaudit"]
SITE = "夜間測試署"
# The demo profile's crawl, no browser stage (its own tests cover it) and transient failures broken on
# the first night, so that only the edits below change anything between nights.
PROFILE = f"""
site: {{name: {SITE}}}
crawl: {{max_depth: 8, max_pages: 2000, concurrency: 8}}
links: {{timeout: 3, retries: 1, external_concurrency: 4, confirm_runs: 1}}
checks: {{accessibility: null}}
"""


def _run(tmp_path, url, night, *args):
    out = tmp_path / f"night{night}"
    proc = subprocess.run([*GOVAUDIT, "run", url, "--profile", str(tmp_path / "profile.yaml"), "--db",
                           str(db_at(tmp_path / "audit.sqlite")), "--out", str(out), "--offline", *args],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1, 2), proc.stdout + proc.stderr
    return proc, json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nightly")
    (tmp / "profile.yaml").write_text(PROFILE, encoding="utf-8")
    with DemoServer() as server:
        base, edits = server.base_url, SiteEdits(server)
        night1 = _run(tmp, server.start_url, 1, "--fail-on", "new_broken>0,score_drop>5")
        # Day 2: an editor links a page that does not exist; the page the sitemap still lists is back.
        edits.add_link("/about/history.html", "/about/old-history.html", "舊版沿革")
        edits.serve("/news/archive-2019.html", "2019 年新聞封存。".encode(), "text/plain; charset=utf-8")
        night2 = _run(tmp, server.start_url, 2, "--fail-on", "new_broken>0")
        # Day 3: that link is fixed, another dead one appears elsewhere.
        edits.restore("/about/history.html")
        edits.add_link("/about/location.html", "/about/old-map.html", "舊版地圖")
        night3 = _run(tmp, server.start_url, 3, "--fail-on", "score_drop>5,resolved_findings>1", "-v")
    return base, tmp, [night1, night2, night3]


def _keys(items):
    return [(i["check"], i["code"], i["page"], i["target"]) for i in items]


def test_exit_codes_and_one_summary_line(nights):
    base, tmp, runs = nights
    assert [proc.returncode for proc, _ in runs] == [0, 1, 0]
    (first, _), (second, _), (third, _) = runs
    assert first.stdout.count("\n") == 1 and first.stdout.startswith("govaudit: run 1 completed: ")
    assert "no baseline (first run of this site)" in first.stdout
    assert "disclosure_adequacy " in first.stdout and "retrieval_convenience 100.0" in first.stdout
    assert "report.html" not in first.stdout + second.stdout  # paths only with -v
    assert second.stdout.count("\n") == 1
    assert "since run 1: 1 new broken, 1 new findings, 1 resolved" in second.stdout
    assert "fail-on: new_broken>0 (is 1)" in second.stdout
    line, *paths = third.stdout.splitlines()
    assert "since run 2: 1 new broken, 1 new findings, 1 resolved" in line
    assert "retrieval_convenience 100.0 (+0.00)" in line and "content_validity " in line
    assert str(tmp / "night3" / "report.html") in [p.strip() for p in paths]


def test_first_night_has_no_baseline(nights):
    _, _, runs = nights
    doc = runs[0][1]
    changes = doc["changes"]
    assert changes["baseline_run"] is None and changes["baseline_reason"] == "first run of this site"
    assert changes["complete"] is True and changes["new"] == [] and changes["resolved"] == []
    findings = [f for c in doc["checks"] for f in c["findings"]]
    assert len(changes["persisting"]) == len(findings) > 10
    assert all(i["nights"] == 1 and i["first_seen"] == doc["run"]["started_at"] for i in changes["persisting"])
    assert changes["links"]["transitions"] == [] and all(s["delta"] is None for s in changes["scores"])
    assert [p["run"] for p in doc["trend"]] == [1]


def test_second_night_new_resolved_persisting(nights):
    base, _, runs = nights
    first, second = runs[0][1], runs[1][1]
    changes = second["changes"]
    assert changes["baseline_run"] == 1 and changes["baseline_reason"] is None and changes["complete"]
    assert _keys(changes["new"]) == [("broken_links", "link.broken", base + "about/history.html",
                                      base + "about/old-history.html")]
    assert _keys(changes["resolved"]) == [("broken_links", "link.broken", base + "sitemap.xml",
                                           base + "news/archive-2019.html")]
    n1 = len(first["changes"]["persisting"])
    assert len(changes["persisting"]) == n1 - 1
    assert changes["new"][0]["nights"] == 1 and changes["resolved"][0]["nights"] == 1
    assert {i["nights"] for i in changes["persisting"]} == {2}
    assert {i["first_seen"] for i in changes["persisting"]} == {first["run"]["started_at"]}
    assert changes["links"]["new"] == [base + "about/old-history.html"]
    assert changes["links"]["resolved"] == [base + "news/archive-2019.html"]
    assert changes["links"]["transitions"] == [
        {"url": base + "about/old-history.html", "from": "", "to": "broken", "kind": "new"},
        {"url": base + "news/archive-2019.html", "from": "broken", "to": "ok", "kind": "resolved"}]
    validity = next(s for s in changes["scores"] if s["indicator"] == "content_validity")
    before = next(i for i in first["indicators"] if i["id"] == "content_validity")
    assert validity["previous"] == before["score"]
    assert validity["delta"] == pytest.approx(validity["score"] - before["score"], abs=0.011)
    links = next(c for c in validity["components"] if c["id"] == "link_correctness")
    assert links["previous"] is not None and links["delta"] == pytest.approx(links["score"] - links["previous"])
    assert next(lk for lk in second["links"] if lk["url"] == base + "about/old-history.html")["new"] is True


def test_third_night_and_the_trend(nights):
    base, tmp, runs = nights
    docs = [doc for _, doc in runs]
    changes = docs[2]["changes"]
    assert changes["baseline_run"] == 2
    assert _keys(changes["new"]) == [("broken_links", "link.broken", base + "about/location.html",
                                      base + "about/old-map.html")]
    assert _keys(changes["resolved"]) == [("broken_links", "link.broken", base + "about/history.html",
                                           base + "about/old-history.html")]
    assert changes["resolved"][0]["nights"] == 1  # it lived one night
    assert len(changes["persisting"]) == len(docs[0]["changes"]["persisting"]) - 1
    assert {i["nights"] for i in changes["persisting"]} == {3}
    assert changes["links"]["transitions"] == [
        {"url": base + "about/old-history.html", "from": "broken", "to": "", "kind": "resolved"},
        {"url": base + "about/old-map.html", "from": "", "to": "broken", "kind": "new"}]
    trend = docs[2]["trend"]
    assert [(p["run"], p["status"]) for p in trend] == [(1, "completed"), (2, "completed"), (3, "completed")]
    for point, doc in zip(trend, docs, strict=True):
        assert point["finished_at"] == doc["run"]["finished_at"]
        assert point["indicators"] == {i["id"]: i["score"] for i in doc["indicators"]}
        assert set(point["indicators"]) >= {"disclosure_adequacy", "content_validity", "retrieval_convenience"}
        findings = sum(1 for c in doc["checks"] for f in c["findings"] if not f["accepted"])
        broken = sum(1 for lk in doc["links"] if lk["status"] == "broken" and not lk["accepted"])
        assert (point["findings"], point["broken"]) == (findings, broken)
    assert trend[1]["broken"] == trend[0]["broken"]  # one dead link more, one less
    assert "已修正" in (tmp / "night2" / "report.html").read_text(encoding="utf-8")


def test_an_incomplete_run_is_never_a_baseline_and_claims_no_fixes(tmp_path):
    (tmp_path / "profile.yaml").write_text("checks: {accessibility: null}\n", encoding="utf-8")
    pages = {f"/p{i}.html": html(f"<p>第 {i} 頁</p>", title=f"p{i}") for i in range(6)}
    home = html("".join(f'<a href="/p{i}.html">p{i}</a>' for i in range(6)) + '<a href="/gone.html">gone</a>')
    routes = {"/": home, **pages}
    with SiteServer(routes) as site:
        gone = site.url + "gone.html"
        _, first = _run(tmp_path, site.url, 1)
        # The next night the crawl gets one page of seven (the site was half down), and /gone.html is
        # back: neither may be read as "fixed".
        routes["/"] = html('<a href="/p0.html">p0</a>')
        routes["/gone.html"] = html("<p>back</p>")
        proc, second = _run(tmp_path, site.url, 2, "--fail-on", "resolved_findings>0")
        routes["/"] = home
        _, third = _run(tmp_path, site.url, 3)
    assert first["run"]["status"] == "completed" and any(
        f["target"] == gone for c in first["checks"] for f in c["findings"])
    assert proc.returncode == 2 and second["run"]["status"] == "incomplete"
    changes = second["changes"]
    assert changes["complete"] is False and changes["baseline_run"] == 1
    assert changes["resolved"] == [] and changes["links"]["resolved"] == []
    assert all(t["to"] in ("broken", "unverified", "redirected") for t in changes["links"]["transitions"])
    assert "incomplete" in changes["baseline_reason"] and "claims no fixes" in changes["baseline_reason"]
    assert "last completed run had 7" in changes["baseline_reason"]
    assert "run 2 incomplete" in proc.stdout and "no fixes claimed" in proc.stdout
    assert "last completed run had 7" in proc.stdout and proc.stdout.count("\n") == 1
    assert [(p["run"], p["status"]) for p in second["trend"]] == [(1, "completed"), (2, "incomplete")]
    # The next complete run compares with run 1, not with the incomplete run 2.
    changes = third["changes"]
    assert third["run"]["status"] == "completed" and changes["baseline_run"] == 1
    assert [(i["code"], i["target"]) for i in changes["resolved"]] == [("link.broken", gone)]
    assert changes["links"]["resolved"] == [gone]
    assert [p["run"] for p in third["trend"]] == [1, 3]

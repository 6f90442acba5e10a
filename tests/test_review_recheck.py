"""`govaudit recheck`: the officer fixes a link and sees it green the same day. The failing links of the
run are checked again by the crawl stage's link checker, the run is amended with a record of the
re-check, and its checks, scores and report are rebuilt; nothing is crawled, no run is added."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml

from govaudit.store import open_store
from tests.siteserver import SiteServer, html
from tests.testdb import db_at

GOVAUDIT = [sys.executable, "-m", "govaudit"]


def _cli(*args):
    return subprocess.run([*GOVAUDIT, *args], capture_output=True, text=True, timeout=180)


def test_recheck_turns_a_fixed_link_green_and_keeps_a_record(tmp_path):
    routes = {"/": html('<a href="/a.html">甲</a><a href="/b.html">乙</a><a href="/c.html">丙</a>', title="首頁"),
              "/c.html": html("<p>丙</p>")}
    profile = tmp_path / "p.yaml"
    profile.write_text(yaml.safe_dump({"site": {"name": "複查測試署"}, "links": {"retries": 0},
                                       "checks": {"accessibility": None}}, allow_unicode=True), encoding="utf-8")
    db, out = str(db_at(tmp_path / "a.sqlite")), tmp_path / "out"
    with SiteServer(routes) as site:
        run = _cli("run", site.url, "--profile", str(profile), "--db", db, "--out", str(out), "--offline")
        assert run.returncode == 0, run.stdout + run.stderr
        doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
        (check,) = [c for c in doc["checks"] if c["id"] == "broken_links"]
        prints = {f["target"]: f["fingerprint"] for f in check["findings"]}
        assert set(prints) == {site.url + "a.html", site.url + "b.html"}
        before_hits = len(site.hits)

        routes["/a.html"] = html("<p>甲，已補上</p>")  # the editor fixes one page
        nothing = _cli("recheck", site.url + "c.html", "--db", db, "--out", str(out), "--offline")
        assert nothing.returncode == 3 and "is not failing in this run (ok)" in nothing.stderr
        one = _cli("recheck", prints[site.url + "a.html"], "--db", db, "--out", str(out), "--offline")
        assert one.returncode == 0, one.stdout + one.stderr
        assert "1 links re-checked, 1 now ok, 0 still failing" in one.stdout
        assert f"broken -> ok (HTTP 200)  {site.url}a.html" in one.stdout
        # that link only (and robots.txt, whose rules a check of the site obeys as the crawl does): no crawl
        assert {path for _, path in site.hits[before_hits:]} - {"/robots.txt"} == {"/a.html"}
        every = _cli("recheck", "--run", "latest", "--db", db, "--out", str(out), "--offline")
        assert every.returncode == 0 and "1 links re-checked, 0 now ok, 1 still failing" in every.stdout
        assert f"broken -> broken (HTTP 404)  {site.url}b.html" in every.stdout

    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    statuses = {lk["url"]: lk["status"] for lk in doc["links"]}
    assert statuses[site.url + "a.html"] == "ok" and statuses[site.url + "b.html"] == "broken"
    (check,) = [c for c in doc["checks"] if c["id"] == "broken_links"]
    assert [f["target"] for f in check["findings"]] == [site.url + "b.html"]
    assert check["findings"][0]["fingerprint"] == prints[site.url + "b.html"]  # the same finding, still open
    listing = _cli("links", "--db", db).stdout
    assert "a.html" not in listing and "b.html" in listing
    with open_store(db_at(tmp_path / "a.sqlite"), readonly=True) as store:
        assert [r["id"] for r in store.runs()] == [1]  # amended, not a new run
        fixed = next(r for r in store.link_results(1) if r.url == site.url + "a.html")
        assert fixed.details["recheck"]["before"]["status"] == "broken"
        assert fixed.details["recheck"]["before"]["http_status"] == 404
    unknown = _cli("recheck", "ffffffffffffffff", "--db", db, "--out", str(out), "--offline")
    assert unknown.returncode == 3 and "ffffffffffffffff" in unknown.stderr

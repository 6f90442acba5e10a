"""Five nights of the nightly job against a real loopback site that changes between nights, with a real
SMTP server and webhook receiver (issue 13's scripted test):

night 1  every page fine, /d.html answers 503 (transient: unverified)           exit 0, no notice
night 2  /a.html and /c.html gone (new broken), /d.html still 503 (confirmed)   exit 1, mail + webhook
   day   the editor restores /a.html; `govaudit recheck` turns it green now
night 3  the site is down (the start page answers 503 on every try)            exit 4, mail + webhook
night 4  /c.html back (resolved); the baseline is night 2, not the down night   exit 0, webhook (a change)
night 5  /c.html gone again: new broken, and flapping (ok, broken, ok, broken)  exit 1, mail + webhook

Email `on: failure`, webhook `on: change`; a run that did not complete is announced on both.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import yaml

from govaudit.store import open_store
from tests.receivers import SMTPReceiver, WebhookReceiver, notify_section
from tests.siteserver import SiteServer, html
from tests.testdb import db_at

GOVAUDIT = [sys.executable, "-m", "govaudit"]
FAIL_ON = "new_broken>0"


def _cli(*args):
    return subprocess.run([*GOVAUDIT, *args], capture_output=True, text=True, timeout=240)


@pytest.fixture(scope="module")
def five_nights(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("five")
    state = {"down": False}
    home = html('<a href="/a.html">甲</a><a href="/b.html">乙</a><a href="/c.html">丙</a><a href="/d.html">丁</a>',
                title="首頁")
    busy = (503, {"Content-Type": "text/html"}, b"<h1>503</h1>")
    routes = {"/": lambda: busy if state["down"] else home, "/a.html": html("<p>甲</p>"),
              "/b.html": html("<p>乙</p>"), "/c.html": html("<p>丙</p>"), "/d.html": busy}
    db, out = str(db_at(tmp / "audit.sqlite")), str(tmp / "report")
    nights, mails, hooks, extra = [], [], [], {}
    with SMTPReceiver() as smtp, WebhookReceiver() as hook, SiteServer(routes) as site:
        profile = tmp / "agency.yaml"
        profile.write_text(yaml.safe_dump({
            "site": {"name": "五夜測試署", "start_attempts": 2, "start_backoff": 0.1},
            "links": {"retries": 0, "timeout": 3},
            "checks": {"accessibility": None},
            "notify": notify_section(smtp, hook, on="change") | {
                "email": notify_section(smtp, hook)["email"] | {"on": "failure"}},
        }, allow_unicode=True), encoding="utf-8")

        def night():
            seen_mail, seen_hook = len(smtp.messages), len(hook.received)
            proc = _cli("run", site.url, "--profile", str(profile), "--db", db, "--out", out, "--offline",
                        "--fail-on", FAIL_ON, "--quiet")
            nights.append(proc)
            mails.append(smtp.messages[seen_mail:])
            hooks.append(hook.received[seen_hook:])

        night()                                                         # 1
        del routes["/a.html"], routes["/c.html"]
        night()                                                         # 2
        routes["/a.html"] = html("<p>甲，已復原</p>")
        listing = [r.split("\t") for r in _cli("links", "--db", db).stdout.splitlines()[1:]]
        extra["fingerprint_a"] = next(r[-1] for r in listing if r[2] == site.url + "a.html")
        extra["recheck"] = _cli("recheck", extra["fingerprint_a"], "--db", db, "--out", out, "--offline")
        extra["links_after_recheck"] = _cli("links", "--db", db).stdout
        state["down"] = True
        hits, report = len(site.hits), (tmp / "report" / "results.json").read_bytes()
        night()                                                         # 3
        extra["start_tries"] = [h for h in site.hits[hits:] if h[1] == "/"]
        extra["report_kept"] = (tmp / "report" / "results.json").read_bytes() == report
        state["down"] = False
        routes["/c.html"] = html("<p>丙</p>")
        night()                                                         # 4
        del routes["/c.html"]
        night()                                                         # 5
        extra["report"] = json.loads((tmp / "report" / "results.json").read_text(encoding="utf-8"))
        with open_store(db_at(tmp / "audit.sqlite"), readonly=True) as store:
            extra["down_scores"] = store.scores(3)
            extra["down_run"] = store.run(3)
    return site.url, nights, mails, hooks, extra


def test_exit_codes_and_summary_lines(five_nights):
    base, nights, _, _, _ = five_nights
    assert [p.returncode for p in nights] == [0, 1, 4, 0, 1], [p.stdout + p.stderr for p in nights]
    assert all(p.stderr == "" for p in nights), [p.stderr for p in nights]
    first, second, third, fourth, fifth = (p.stdout for p in nights)
    assert first == "" and fourth == ""  # --quiet: a healthy night says nothing (cron mails nothing)
    (line2,) = second.splitlines()
    assert line2.startswith("govaudit: run 2 completed: ")
    assert "(broken 3, unverified 0, redirected 0)" in line2
    assert "since run 1: 2 new broken, 1 confirmed broken, " in line2 and line2.endswith("fail-on: new_broken>0 (is 2)")
    (line3,) = third.splitlines()
    assert re.match(r"govaudit: run 3 unreachable: start page answered HTTP 503: http://127\.0\.0\.1:\d+/ "
                    r"\(after 2 tries over 0 s\) · disclosure_adequacy n/a · ", line3), line3
    assert line3.endswith(" · never a baseline")
    (line5,) = fifth.splitlines()
    assert line5.startswith("govaudit: run 5 completed: ") and "(broken 2, unverified 0, redirected 0)" in line5
    assert "since run 4: 1 new broken, 1 new findings, 0 resolved, 1 flapping" in line5
    assert line5.endswith("fail-on: new_broken>0 (is 1)")


def test_the_down_night_is_recorded_tried_and_leaves_the_reports(five_nights):
    _, _, _, _, extra = five_nights
    assert extra["start_tries"] == [("GET", "/"), ("GET", "/")]  # site.start_attempts, no more
    assert extra["report_kept"]  # the report of the last night that had one stays in --out
    assert extra["down_run"].status == "unreachable" and "HTTP 503" in extra["down_run"].error
    assert {(s["score"], s["status"]) for s in extra["down_scores"]} == {(None, "not_assessed")}


def test_recheck_turns_the_fixed_link_green_the_same_day(five_nights):
    base, _, _, _, extra = five_nights
    assert extra["recheck"].returncode == 0, extra["recheck"].stderr
    assert f"broken -> ok (HTTP 200)  {base}a.html" in extra["recheck"].stdout
    assert f"{base}a.html" not in extra["links_after_recheck"] and f"{base}c.html" in extra["links_after_recheck"]


def test_notifications_each_night(five_nights):
    _, _, mails, hooks, _ = five_nights
    assert [len(m) for m in mails] == [0, 1, 1, 0, 1]  # on: failure (and every unfinished run)
    assert [len(h) for h in hooks] == [0, 1, 1, 1, 1]  # on: change (and every unfinished run)
    (night2,) = hooks[1]
    assert night2["status"] == "completed" and night2["exit_code"] == 1
    assert night2["changes"]["counts"]["links_confirmed"] == 1 and night2["changes"]["confirmed"][0].endswith("/d.html")
    (down,) = hooks[2]
    assert (down["run"], down["status"], down["exit_code"]) == (3, "unreachable", 4) and "HTTP 503" in down["error"]
    assert "run unreachable" in mails[2][0]["Subject"]
    (back,) = hooks[3]
    assert back["changes"]["baseline_run"] == 2 and back["changes"]["counts"]["links_resolved"] == 1
    (night5,) = hooks[4]
    assert [f["url"].rsplit("/", 1)[1] for f in night5["changes"]["flapping"]] == ["c.html"]
    assert "Flapping" in mails[4][0].get_content()


def test_the_last_report_counts(five_nights):
    base, _, _, _, extra = five_nights
    doc = extra["report"]
    statuses = {lk["url"].removeprefix(base): lk["status"] for lk in doc["links"]}
    assert {u: s for u, s in statuses.items() if u.endswith(".html")} == {
        "a.html": "ok", "b.html": "ok", "c.html": "broken", "d.html": "broken"}
    assert [p["status"] for p in doc["trend"]][-1] == "completed" and doc["changes"]["baseline_run"] == 4

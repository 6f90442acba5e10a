"""The real `govaudit` command: exit codes, one-line errors, the database left as it was."""

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

from tests.siteserver import SiteServer, html
from tests.testdb import contents, query, store_exists

GOVAUDIT = [sys.executable, "-m", "govaudit"]


def _cli(*args, cwd=None):
    return subprocess.run([*GOVAUDIT, *args], capture_output=True, text=True, timeout=240, cwd=cwd)


def _site(pages: int = 6):
    links = "".join(f'<a href="/p{i}.html">p{i}</a>' for i in range(pages))
    routes = {"/": html(links + '<a href="/gone.html">gone</a>', title="首頁")}
    routes.update({f"/p{i}.html": html(f"<p>{i}</p>", title=f"p{i}") for i in range(pages)})
    return SiteServer(routes), routes


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_writes_the_contract_and_exit_code_0(tmp_path, db_url):
    server, _ = _site()
    with server:
        proc = _cli("run", server.url, "--db", str(db_url()), "--out", str(tmp_path / "out"), "--offline")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("govaudit: run 1 completed: 7 pages")  # quiet one-line summary off a terminal
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert doc["schema"] == "govaudit/results@2"
    assert {"id", "start_url", "status", "started_at", "finished_at", "pages_crawled", "links_checked",
            "tool_version"} <= set(doc["run"])
    for link in doc["links"]:
        assert {"url", "status", "http_status", "final_url", "error", "sources"} <= set(link)
        assert link["status"] in {"ok", "redirected", "broken", "unverified", "excluded", "unsupported"}
        for source in link["sources"]:
            assert {"page", "text", "tag"} <= set(source)
    (check,) = [c for c in doc["checks"] if c["id"] == "broken_links"]
    assert {"id", "status", "metrics", "findings"} <= set(check)
    assert {"code", "severity", "page", "target", "message", "fingerprint"} <= set(check["findings"][0])
    for indicator in doc["indicators"]:
        assert {"id", "label", "score", "max", "status", "components"} <= set(indicator)
    csv = (tmp_path / "out" / "links.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf") and b"gone.html" in csv
    assert (tmp_path / "out" / "report.html").stat().st_size > 1000


def test_fail_on_sets_exit_1(tmp_path, db_url):
    server, _ = _site()
    with server:
        proc = _cli("run", server.url, "--db", str(db_url()), "--out", str(tmp_path / "o"),
                    "--offline", "--fail-on", "broken>0")
    assert proc.returncode == 1 and "fail-on: broken>0 (is 1)" in proc.stdout


def test_runs_accumulate_and_reports_rebuild(tmp_path, db_url):
    db = db_url()
    server, routes = _site()
    with server:
        assert _cli("run", server.url, "--db", str(db), "--out", str(tmp_path / "o1"), "--offline").returncode == 0
        routes["/"] = html('<a href="/p0.html">only one</a>')  # the site shrank: pages far below last run
        second = _cli("run", server.url, "--db", str(db), "--out", str(tmp_path / "o2"), "--offline")
    assert second.returncode == 2 and "run 2 incomplete" in second.stdout
    rebuilt = _cli("report", "--run", "1", "--db", str(db), "--out", str(tmp_path / "r1"))
    assert rebuilt.returncode == 0, rebuilt.stderr
    original = json.loads((tmp_path / "o1" / "results.json").read_text(encoding="utf-8"))
    again = json.loads((tmp_path / "r1" / "results.json").read_text(encoding="utf-8"))
    assert again["links"] == original["links"] and again["indicators"] == original["indicators"]
    assert again["run"]["id"] == 1 and again["run"]["status"] == "completed"
    second_doc = json.loads((tmp_path / "o2" / "results.json").read_text(encoding="utf-8"))
    assert second_doc["run"]["previous_run"] == 1
    assert any(m["monitor"] == "pages_vs_previous" and m["status"] == "fail" for m in second_doc["run"]["health"])


def test_usage_errors_exit_3_and_leave_the_database_as_it_was(tmp_path, db_url):
    db = db_url()
    server, _ = _site(1)
    with server:
        assert _cli("run", server.url, "--db", str(db), "--out", str(tmp_path / "o"), "--offline").returncode == 0
    before = contents(db)
    bad_profile = tmp_path / "p.yaml"
    bad_profile.write_text("crawl: {max_depht: 2}\n", encoding="utf-8")
    cases = [
        (["run", "notaurl"], "start URL must be http"),
        (["run", "https://www.gov.tw/", "--offline"], "not a loopback address"),
        (["run", server.url, "--profile", str(bad_profile)], "crawl.max_depht"),
        (["run", server.url, "--fail-on", "brokn>0"], "unknown name 'brokn'"),
        (["run", server.url, "--max-depth", "-1"], "--max-depth"),
        (["report", "--run", "99"], "no run 99"),
        (["run", server.url, "--as-of", "2026-13-01"], "'--as-of'"),
        (["demo", "--as-of", "tomorrow"], "'--as-of'"),
    ]
    for args, message in cases:
        proc = _cli(*args, "--db", str(db), "--out", str(tmp_path / "o"))
        assert proc.returncode == 3, (args, proc.stderr)
        assert message in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert contents(db) == before


def test_as_of_pins_the_judging_date_and_a_rebuilt_report_keeps_it(tmp_path, db_url):
    # Judged as of 2099: a page updated today is years old then, an ack until next month has lapsed, and a
    # calendar of 2098 is no crawler trap (it would be, seen from now).
    today = dt.date.today()
    db, profile = db_url(), tmp_path / "p.yaml"
    profile.write_text("checks: {accessibility: null}\n", encoding="utf-8")  # no browser: this is about dates
    routes = {"/": html(f'<a href="/gone.html">gone</a><a href="/calendar?ym=209812">行事曆</a>'
                        f"<p>更新日期：{today.isoformat()}</p>", title="首頁"),
              "/calendar?ym=209812": html("<p>活動</p>", title="行事曆")}
    with SiteServer(routes) as server:
        proc = _cli("run", server.url, "--profile", str(profile), "--db", str(db), "--out", str(tmp_path / "o"),
                    "--offline", "--as-of", "2099-01-01")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "o" / "results.json").read_text(encoding="utf-8"))
    assert doc["run"]["as_of"] == "2099-01-01" and doc["run"]["started_at"] < "2099"  # run times stay real
    assert doc["disclosure"]["freshness"]["audit_date"] == "2099-01-01"
    assert [lk["status"] for lk in doc["links"] if lk["url"].endswith("/calendar?ym=209812")] == ["ok"]
    assert not [c for c in doc["run"]["stats"]["cuts"] if c["kind"] == "calendar"]
    freshness = next(c for c in doc["checks"] if c["id"] == "freshness")
    assert [f["code"] for f in freshness["findings"] if f["code"] == "freshness.outdated"] == ["freshness.outdated"]
    broken = next(c for c in doc["checks"] if c["id"] == "broken_links")["findings"][0]
    until = (today + dt.timedelta(days=30)).isoformat()
    assert _cli("ack", broken["fingerprint"], "--note", "改版中", "--until", until, "--db", str(db)).returncode == 0
    assert _cli("report", "--run", "1", "--db", str(db), "--out", str(tmp_path / "r")).returncode == 0
    again = json.loads((tmp_path / "r" / "results.json").read_text(encoding="utf-8"))
    assert again["run"]["as_of"] == "2099-01-01" and again["checks"] == doc["checks"]
    assert next(c for c in again["checks"] if c["id"] == "broken_links")["findings"][0]["accepted"] is None
    acks = _cli("acks", "--db", str(db)).stdout.splitlines()
    assert acks[1].split("\t")[:2] == [broken["fingerprint"], until] and acks[1].split("\t")[3] == ""  # not expired now


def test_bad_start_url_creates_no_database(db_url):
    # (an unreachable start page is a recorded run, exit 4: tests/test_unreachable.py)
    proc = _cli("run", "ftp://127.0.0.1/", "--db", str(db_url("new")))
    assert proc.returncode == 3 and not store_exists(db_url("new"))


def test_checks_lists_codes():
    proc = _cli("checks")
    assert proc.returncode == 0 and "broken_links" in proc.stdout and "link.missing-fragment" in proc.stdout


def _crawlers_running(tag: str) -> bool:
    """A crawler subprocess started by *this* test (tagged through the environment it inherits):
    other crawls on the machine, e.g. a parallel test session, are not ours to count."""
    marker = f"GOVAUDIT_TEST_TAG={tag}".encode()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            env = (proc / "environ").read_bytes().split(b"\0")
        except OSError:  # the process ended while we looked, or is not ours
            continue
        if b"crawler" in args and b"--job" in args and marker in env:
            return True
    return False


def test_a_killed_run_loses_nothing_earlier_and_the_next_run_starts(tmp_path, db_url):
    import signal
    import time

    from tests.siteserver import DELAY

    db = db_url()
    fast, _ = _site(2)
    # 80 pages × 0.5 s at concurrency 1: the crawl would take 40 s if nothing stopped it.
    slow_links = "".join(f'<a href="/s{i}.html">s{i}</a>' for i in range(80))
    slow = SiteServer({"/": html(slow_links), **{f"/s{i}.html": (200, {"Content-Type": "text/html", DELAY: "0.5"},
                                                                    b"<p>slow</p>") for i in range(80)}})
    with fast, slow:
        assert _cli("run", fast.url, "--db", str(db), "--out", str(tmp_path / "o1"), "--offline").returncode == 0
        ((first_links,),) = query(db, "SELECT count(*) FROM link_results WHERE run_id=1")
        tag = uuid.uuid4().hex
        victim = subprocess.Popen([*GOVAUDIT, "run", slow.url, "--db", str(db), "--out", str(tmp_path / "o2"),
                                   "--offline", "--concurrency", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env={**os.environ, "GOVAUDIT_TEST_TAG": tag})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _crawlers_running(tag):
            time.sleep(0.1)
        time.sleep(1.5)  # mid-crawl
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        deadline = time.monotonic() + 12  # the orphan exits within a progress tick; the crawl needs 40 s
        while time.monotonic() < deadline and _crawlers_running(tag):
            time.sleep(0.2)
        assert not _crawlers_running(tag), "the orphaned crawler went on crawling"
        third = _cli("run", fast.url, "--db", str(db), "--out", str(tmp_path / "o3"), "--offline")
    assert third.returncode == 0, third.stderr
    statuses = dict(query(db, "SELECT id, status FROM runs"))
    assert statuses == {1: "completed", 2: "interrupted", 3: "completed"}
    assert query(db, "SELECT count(*) FROM link_results WHERE run_id=1") == [(first_links,)]
    assert query(db, "SELECT previous_run FROM runs WHERE id=3") == [(1,)]

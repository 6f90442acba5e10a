"""A site that is down, or whose start page is not a page: the run is recorded with the reason (exit 4
`unreachable`, exit 2 `failed`), announced on every channel, scored nowhere (n/a, never 100) and never a
baseline. Real servers on 127.0.0.1, a real SQLite file, a real SMTP server and webhook receiver. (A site
down for a night among others, its notices and the baseline after it: tests/test_nightly_five.py.)"""

from __future__ import annotations

import socket
import subprocess
import sys

import yaml

from govaudit.models import RunStatus
from govaudit.store import open_store
from tests.receivers import SMTPReceiver, WebhookReceiver, notify_section
from tests.siteserver import SiteServer, html
from tests.testdb import db_at, store_exists

GOVAUDIT = [sys.executable, "-m", "govaudit"]


def _profile(tmp_path, notify=None, attempts=3, backoff=0.1):
    path = tmp_path / "profile.yaml"
    data = {"site": {"name": "停機測試署", "start_attempts": attempts, "start_backoff": backoff},
            "links": {"timeout": 3, "retries": 0}, "checks": {"accessibility": None}}
    if notify:
        data["notify"] = notify
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _run(tmp_path, url, profile, *args, out="out"):
    return subprocess.run([*GOVAUDIT, "run", url, "--profile", str(profile), "--db", str(db_at(tmp_path / "a.sqlite")),
                           "--out", str(tmp_path / out), "--offline", *args],
                          capture_output=True, text=True, timeout=180)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_connection_and_a_404_are_unreachable_a_404_without_retries(tmp_path):
    profile = _profile(tmp_path, attempts=2, backoff=0)
    refused = _run(tmp_path, f"http://127.0.0.1:{_closed_port()}/", profile)
    assert refused.returncode == 4, refused.stderr
    assert "start page unreachable" in refused.stdout and "connection failed" in refused.stdout
    with SiteServer({}) as site:
        missing = _run(tmp_path, site.url + "nothing-here/", profile)
        assert [h for h in site.hits if h[1] == "/nothing-here/"] == [("GET", "/nothing-here/")]
    assert missing.returncode == 4 and "start page answered HTTP 404" in missing.stdout
    assert "after" not in missing.stdout  # a 404 is an answer: not worth another try


def test_a_transient_failure_retried_into_a_normal_run(tmp_path):
    answers = iter([(503, {"Content-Type": "text/html"}, b"busy")] * 2)

    def home():
        return next(answers, html("<p>首頁</p>", title="首頁"))

    with SiteServer({"/": home}) as site:
        proc = _run(tmp_path, site.url, _profile(tmp_path, attempts=3, backoff=0.1))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("govaudit: run 1 completed: 1 pages")


def test_a_start_page_that_is_not_html_fails_clearly_and_scores_nothing(tmp_path):
    blob = b"\x00\x01binary" * (3 * 1024 * 1024)  # ~27 MB, served as HTML would be, with no Content-Type
    routes = {"/report.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.7\n" + b"0" * 4096),
              "/blob": (200, {}, blob)}
    profile = _profile(tmp_path)
    with SiteServer(routes) as site:
        pdf = _run(tmp_path, site.url + "report.pdf", profile)
        binary = _run(tmp_path, site.url + "blob", profile)
    for proc, kind in ((pdf, "application/pdf"), (binary, "none")):
        assert proc.returncode == 2, proc.stdout + proc.stderr
        (line,) = proc.stdout.splitlines()
        assert f"failed: the start page is not an HTML page (Content-Type: {kind})" in line
        assert "disclosure_adequacy n/a" in line and "100.0" not in line and "Traceback" not in proc.stderr
    with open_store(db_at(tmp_path / "a.sqlite"), readonly=True) as store:
        assert [store.run(i).status for i in (1, 2)] == [RunStatus.FAILED, RunStatus.FAILED]
        assert store.count("pages", 2) == 0


def test_a_run_left_running_by_a_dead_process_is_announced_by_the_next(tmp_path):
    with open_store(db_at(tmp_path / "a.sqlite")) as store:  # what a SIGKILLed audit leaves behind
        store.create_run(site="停機測試署", start_url="http://127.0.0.1/", tool_version="0", profile_hash="",
                         profile={}, rubric="")
    with SMTPReceiver() as smtp, WebhookReceiver() as hook, SiteServer({"/": html("<p>首頁</p>")}) as site:
        proc = _run(tmp_path, site.url, _profile(tmp_path, notify_section(smtp, hook, on="failure")))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert [(p["run"], p["status"]) for p in hook.received] == [(1, "interrupted")]
        assert "interrupted before it finished" in hook.received[0]["error"]
        assert len(smtp.messages) == 1 and "run interrupted" in smtp.messages[0]["Subject"]


def test_report_on_a_missing_database_is_a_usage_error_and_creates_nothing(tmp_path):
    proc = subprocess.run([*GOVAUDIT, "report", "--db", str(db_at(tmp_path / "missing.sqlite")), "--out",
                           str(tmp_path / "o")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3 and "no database at" in proc.stderr and "Traceback" not in proc.stderr
    assert not store_exists(db_at(tmp_path / "missing.sqlite")) and not (tmp_path / "o").exists()

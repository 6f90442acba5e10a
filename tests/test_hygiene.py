"""Process hygiene: a runner stopped by SIGTERM or killed by SIGKILL in the crawl or in the browser stage
leaves no process of its run behind (crawl, parse workers, browser stage, chromedriver, Chromium) and no
temporary directory; SIGTERM marks the run `interrupted` and exits 143, and so does the hang-up of the
terminal it runs on (SIGHUP, exit 129).

Real processes on a real loopback site: every process of the run inherits a unique tag in its
environment, and /proc is read for it (other sessions on the machine are not ours to count).
"""

from __future__ import annotations

import fcntl
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import termios
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from govaudit import procs, stage
from govaudit.chromium import BrowserConfig
from govaudit.jobs import BrowserJob
from tests.adversarial import tagged
from tests.siteserver import DELAY, SiteServer, html
from tests.testdb import db_at, query

GOVAUDIT = [sys.executable, "-m", "govaudit"]
PAGES = 30


def _site() -> tuple[SiteServer, threading.Event]:
    """Pages the crawl gets in 0.3 s and Chromium (its requests carry `sec-ch-ua`, which only a browser
    sends) in 20 s: the browser stage then sits in a page load, where only a signal reaches it."""
    links = "".join(f'<a href="/p{i}.html">第{i}頁</a>' for i in range(PAGES))
    slow = (200, {"Content-Type": "text/html; charset=utf-8", DELAY: "0.3"}, b"")
    pages = {f"/p{i}.html": (*slow[:2], html(f"<h1>第{i}頁</h1>", title=f"p{i}")[2]) for i in range(PAGES)}
    server = SiteServer({"/": html(links, title="首頁"), **pages})
    base, loading = server.handler, threading.Event()

    def serve(self: Any, with_body: bool) -> None:
        if self.headers.get("sec-ch-ua"):
            loading.set()
            time.sleep(20)
        base._serve(self, with_body)

    server.httpd.RequestHandlerClass = type("BrowserSlow", (base,), {"_serve": serve})
    return server, loading


def _gone(tag: str, limit: float = 8) -> dict[int, str]:
    """Poll until no tagged process is left (or `limit` seconds): what is left."""
    deadline = time.monotonic() + limit
    left = tagged(tag)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = tagged(tag)
    return left


def _status(db: Path | str) -> str:
    return query(db, "SELECT status FROM runs ORDER BY id DESC LIMIT 1")[0][0]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("phase", ["crawl", "browser"])
def test_a_stopped_runner_leaves_no_process_and_no_temp_dir(tmp_path, monkeypatch, phase, sig):
    if phase == "browser" and not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("no chromium / chromedriver")
    # A short TMPDIR of the test's own (Chromium's profile holds a Unix socket: its path must stay short)
    tmp = Path(tempfile.mkdtemp(prefix="gah-", dir="/tmp"))
    try:
        _stop_runner(tmp_path, tmp, monkeypatch, phase, sig)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _stop_runner(tmp_path: Path, tmp: Path, monkeypatch: pytest.MonkeyPatch, phase: str, sig: int) -> None:
    db, tag = db_at(tmp_path / "a.sqlite"), uuid.uuid4().hex
    env = {**os.environ, "GOVAUDIT_TEST_TAG": tag, "TMPDIR": str(tmp)}
    site, loading = _site()
    with site:
        # Output to a file, not a pipe: reading a pipe to its end would wait for every process that
        # inherited it, i.e. for the very orphans this test looks for.
        log = tmp_path / "runner.log"
        with log.open("wb") as out:
            runner = subprocess.Popen([*GOVAUDIT, "run", site.url, "--db", str(db), "--out", str(tmp_path / "out"),
                                       "--offline", "--concurrency", "2"], stdout=out, stderr=out, env=env)
        try:
            if phase == "crawl":  # the crawl with its parse workers (forks of it: the same command line)
                _wait_for_count(tag, "govaudit.crawler --job", 3)
            else:  # Chromium is loading a page of the site
                assert loading.wait(90), "the browser stage loaded no page"
            runner.send_signal(sig)
            runner.wait(timeout=60)
            err = log.read_text(errors="replace")
        finally:
            _reap(runner)
        left = _gone(tag)
    assert not left, f"processes of the run survived: {left}"
    if sig == signal.SIGTERM:
        assert runner.returncode == 128 + signal.SIGTERM, err
        assert _status(db) == "interrupted"
        assert sorted(p.name for p in tmp.iterdir()) == []
    else:
        assert runner.returncode == -signal.SIGKILL
        assert _status(db) == "running"  # nobody could record it: the next start does (fail_stale_runs)
        # a SIGKILLed runner cannot remove its own directory: the next audit's sweep does
        monkeypatch.setattr(tempfile, "tempdir", str(tmp))
        procs.sweep_temp()
        assert sorted(p.name for p in tmp.iterdir()) == []


def test_a_run_that_never_crawls_leaves_no_crawl_process(tmp_path):
    # The crawl process is started ahead of its job, while the start page is checked: a site that is down
    # tonight (connection refused) never gives it one, and it goes with the run.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    tag = uuid.uuid4().hex
    profile = tmp_path / "profile.yaml"
    profile.write_text("site: {start_attempts: 1}\n", encoding="utf-8")
    proc = subprocess.run([*GOVAUDIT, "run", f"http://127.0.0.1:{port}/", "--profile", str(profile),
                           "--db", str(db_at(tmp_path / "a.sqlite")), "--out", str(tmp_path / "out"), "--offline"],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "GOVAUDIT_TEST_TAG": tag})
    assert proc.returncode == 4, proc.stderr
    assert not _gone(tag), "a process of the run survived it"


def test_a_run_refused_for_its_profile_leaves_no_crawl_process(tmp_path):
    # `govaudit run` starts its crawl process before it reads the profile (govaudit/launch.py): a profile
    # that does not load is exit 3, and the process started for nothing goes with the command.
    tag = uuid.uuid4().hex
    profile = tmp_path / "profile.yaml"
    profile.write_text("crawl: {concurrency: many}\n", encoding="utf-8")
    proc = subprocess.run([*GOVAUDIT, "run", "http://127.0.0.1:9/", "--profile", str(profile),
                           "--db", str(db_at(tmp_path / "a.sqlite")), "--out", str(tmp_path / "out"), "--offline"],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "GOVAUDIT_TEST_TAG": tag})
    assert proc.returncode == 3 and "concurrency" in proc.stderr, proc.stderr
    assert not _gone(tag), "a process of the command survived it"


def test_the_crawl_process_started_at_launch_is_the_one_the_run_takes():
    stage.start_early()
    early = stage.crawl_ahead()
    later = stage.crawl_ahead()  # nothing left to take: a process of its own
    try:
        assert early is not later and early.proc is not None and later.proc is not None
        assert early.proc.pid != later.proc.pid
    finally:
        early.close()
        later.close()
    assert early.proc.poll() is not None and later.proc.poll() is not None


def test_a_stage_started_ahead_has_its_job_when_started_is_called(monkeypatch):
    """StageProcess.run(started=...): the runner's work that can wait (the report templates) begins once the
    process started ahead has its job (the file written, the go line sent), not before."""
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent.parent))  # (-P: tests.stagestub)
    job = BrowserJob(store="/tmp/none.sqlite", run_id=41, check_id="accessibility", targets=(), workers=1,
                     config=BrowserConfig(offline=True))
    calls: list[tuple[bool, bool, bool]] = []
    with stage.StageProcess("tests.stagestub", signal.SIGKILL, ahead=True) as process:
        proc = process.proc
        assert proc is not None and proc.stdin is not None

        def started() -> None:
            calls.append((proc.stdin.closed, process.job_file.exists(), proc.poll() is None or proc.returncode == 0))

        stats, code = process.run(job, None, grace=5, started=started)
    assert calls == [(True, True, True)]
    assert code == 0 and stats is not None and stats["job"]["run_id"] == 41


def _reap(runner: subprocess.Popen) -> None:
    """The runner killed and waited for if it is still there (a test that failed before it ended)."""
    if runner.poll() is None:
        runner.kill()
        runner.wait()


def _take_terminal() -> None:
    """Popen preexec_fn, after setsid: stdin (a pseudo-terminal) becomes the session's controlling terminal,
    as a login shell's is, so that its hang-up signals the session."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _drain(fd: int, stop: threading.Event, seen: bytearray) -> None:
    """Read the terminal as its window would (a full terminal buffer would block the runner's writes)."""
    while not stop.is_set():
        if select.select([fd], [], [], 0.1)[0]:
            try:
                seen.extend(os.read(fd, 65536))
            except OSError:
                return


def test_closing_the_terminal_stops_the_run_like_sigterm(tmp_path):
    """`govaudit run` on a terminal that is closed mid-crawl: the kernel hangs it up (SIGHUP to the session,
    the runner's forked processes included), and the run ends as under SIGTERM."""
    tmp = Path(tempfile.mkdtemp(prefix="gah-", dir="/tmp"))
    db, tag = db_at(tmp_path / "a.sqlite"), uuid.uuid4().hex
    env = {**os.environ, "GOVAUDIT_TEST_TAG": tag, "TMPDIR": str(tmp), "TERM": "xterm"}
    master, slave = os.openpty()
    stop, seen = threading.Event(), bytearray()
    reader = threading.Thread(target=_drain, args=(master, stop, seen), daemon=True)
    try:
        site, _ = _site()
        with site:
            runner = subprocess.Popen([*GOVAUDIT, "run", site.url, "--db", str(db), "--out", str(tmp_path / "out"),
                                       "--offline", "--concurrency", "2"], stdin=slave, stdout=slave, stderr=slave,
                                      env=env, start_new_session=True, preexec_fn=_take_terminal)
            os.close(slave)
            reader.start()
            try:
                _wait_for_count(tag, "govaudit.crawler --job", 3)
                stop.set()
                reader.join()
                os.close(master)  # the terminal window closes
                runner.wait(timeout=60)
            finally:
                _reap(runner)
            left = _gone(tag)
        assert not left, f"processes of the run survived: {left}"
        assert runner.returncode == 128 + signal.SIGHUP, seen.decode(errors="replace")[-2000:]
        assert _status(db) == "interrupted"
        assert sorted(p.name for p in tmp.iterdir()) == []
    finally:
        stop.set()
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_for_count(tag: str, what: str, n: int, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if sum(what in cmd for cmd in tagged(tag).values()) >= n:
            return
        time.sleep(0.05)
    pytest.fail(f"fewer than {n} {what!r} processes in {limit} s")


def _small_site() -> SiteServer:
    links = "".join(f'<a href="/p{i}.html">第{i}頁</a>' for i in range(3))
    return SiteServer({"/": html(links, title="首頁"),
                       **{f"/p{i}.html": html(f"<h1>第{i}頁</h1>", title=f"p{i}") for i in range(3)}})


def _audit(url: str, db: Path | str, out: Path) -> None:
    from govaudit.profile import Profile
    from govaudit.runner import audit

    profile = Profile.model_validate({"checks": {"accessibility": None}})  # no browser: this is about the reports
    audit(url, profile, db=db, out=out, offline=True)


def test_reports_are_written_as_a_set_before_the_run_is_completed(tmp_path):
    out, db = tmp_path / "out", db_at(tmp_path / "a.sqlite")
    out.mkdir()
    dead = _reaped_pid()
    stale = out / f".govaudit-staging-{dead}-x"  # left by a killed audit
    stale.mkdir()
    (stale / "report.html").write_text("half")
    (out / "notes.txt").write_text("the officer's own file")
    with _small_site() as site:
        _audit(site.url, db, out)
    assert _status(db) == "completed"
    names = sorted(p.name for p in out.iterdir())
    assert names == ["findings.csv", "links.csv", "notes.txt", "report.html", "results.json"], names


def test_reports_that_cannot_be_written_leave_the_run_failed_not_completed(tmp_path):
    out, db = tmp_path / "out", db_at(tmp_path / "a.sqlite")
    out.write_text("not a directory: no report can be written here")
    with _small_site() as site, pytest.raises(OSError):
        _audit(site.url, db, out)
    assert _status(db) == "failed"
    assert "FileExistsError" in query(db, "SELECT error FROM runs")[0][0]


def _reaped_pid() -> int:
    """The pid of a process that has ended and been reaped (nothing runs under it now)."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


_FORKER = """
import sys, time
from govaudit import parallel
from govaudit.store import open_store

def slow(store, run_id, profile, group, browsers, **kw):
    time.sleep(120)
    return []

with open_store(sys.argv[1]) as store:
    run_id = store.create_run(site="s", start_url="http://127.0.0.1/", tool_version="t", profile_hash="",
                              profile={}, rubric="")
    child = parallel.fork(store, run_id, None, [], None, slow)
    print(child.pid, child.out, flush=True)
    time.sleep(120)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_forked_check_process_dies_with_its_parent(tmp_path, sig):
    parent = subprocess.Popen([sys.executable, "-c", _FORKER, str(db_at(tmp_path / "a.sqlite"))], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert parent.stdout is not None
        pid_text, out = parent.stdout.readline().split()
        child = int(pid_text)
        assert _running(child)
        parent.send_signal(sig)
        parent.wait(30)
        deadline = time.monotonic() + 10
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(child), "the check process outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        Path(out).unlink(missing_ok=True)


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan is reaped by init or a subreaper, not by us)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"

"""One I/O stage of an audit in its own process: the crawl (python -m govaudit.crawler) and the browser
stage (python -m govaudit.crawler.browser). Light on imports: `govaudit run` starts the crawl process
from here before it imports the rest of govaudit (govaudit/launch.py)."""

from __future__ import annotations

import atexit
import contextlib
import json
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govaudit import procs
from govaudit.chromium import PROFILE_PREFIX as CHROMIUM_PROFILE
from govaudit.chromium import profile_bases

if TYPE_CHECKING:
    from govaudit.jobs import BrowserJob, CrawlJob

Progress = Callable[[dict[str, Any]], None]
CRAWL = "govaudit.crawler"
_early: list[StageProcess] = []  # the crawl process start_early() started, until crawl_ahead() takes it


class StageProcess:
    """One I/O stage in its own process (`python -m MODULE --job JOB.json --stats STATS.json`): JSON
    progress lines on its stdout, its stats written to STATS.json.

    The stage runs in a session of its own, with a death signal (procs): whatever it starts is one
    process tree that ends with it, and on the way out (an exception, SIGTERM/SIGINT here) the whole
    group gets SIGTERM, `grace` seconds, then SIGKILL. The browser stage's death signal is SIGTERM, so
    that it takes down Chromium (in groups of their own) and removes the profiles before it goes.

    `ahead`: started before its job exists (`--wait`): the crawl process imports Scrapy and Twisted while
    the runner checks the start page and opens the run, then waits for a line on its stdin; closed
    without one (the start page was down, a stop), it exits at once."""

    def __init__(self, module: str, death: signal.Signals, *, ahead: bool = False) -> None:
        self.tmp = tempfile.mkdtemp(prefix=procs.temp_prefix())
        self.job_file, self.stats_file = Path(self.tmp, "job.json"), Path(self.tmp, "stats.json")
        self.module, self.death, self.ahead = module, death, ahead
        self.proc: subprocess.Popen[str] | None = None
        if ahead:
            self._start()

    def _start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-P", "-m", self.module, "--job", str(self.job_file), "--stats", str(self.stats_file),
             *(["--wait"] if self.ahead else [])],
            stdin=subprocess.PIPE if self.ahead else subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
            start_new_session=True, preexec_fn=procs.preexec(self.death))  # noqa: PLW1509

    def run(self, job: CrawlJob | BrowserJob, progress: Progress | None, *,
            grace: float, started: Callable[[], None] | None = None) -> tuple[dict[str, Any] | None, int]:
        """(stats or None if it wrote none, exit code). `started()` is called once the process has its job:
        work of this process that can wait goes there, not before (it would hold the GIL meanwhile)."""
        self.job_file.write_text(job.to_json(), encoding="utf-8")
        if self.proc is None:
            self._start()
        proc = self.proc
        assert proc is not None and proc.stdout is not None  # stdout=PIPE
        try:
            if proc.stdin is not None:  # started ahead: its job is there now
                with contextlib.suppress(BrokenPipeError):
                    proc.stdin.write("go\n")
                    proc.stdin.close()
            if started is not None:
                started()
            for line in proc.stdout:
                if progress and line.startswith("{"):
                    with contextlib.suppress(ValueError):
                        progress(json.loads(line))
            code = proc.wait()
        except BaseException:
            procs.end_group(proc.pid, grace=grace, alive=lambda: proc.poll() is None)
            proc.wait()
            raise
        procs.kill_group(proc.pid)  # what the stage left behind (its group outlives it while one is in it)
        stats = json.loads(self.stats_file.read_text(encoding="utf-8")) if self.stats_file.exists() else None
        return stats, code

    def close(self) -> None:
        """The process gone (one never given its job sees its stdin close and exits), its files removed."""
        proc = self.proc
        if proc is not None:
            if proc.stdin is not None and not proc.stdin.closed:  # never given its job: it has done nothing
                with contextlib.suppress(OSError):
                    proc.stdin.close()
                procs.kill_group(proc.pid)
            if proc.poll() is None:  # (run() waited for it, or ended its group, unless it raised first)
                procs.end_group(proc.pid, grace=2, alive=lambda: proc.poll() is None)
            proc.wait()
            procs.kill_group(proc.pid)
            if proc.stdout is not None:
                proc.stdout.close()
            # Chromium profiles of the stage (named by its session, i.e. its pid) that it could not remove:
            # the adversarial bench found some left in TMPDIR after completed runs on a loaded machine
            for base in profile_bases():
                for left in Path(base).glob(f"{CHROMIUM_PROFILE}{proc.pid}-*"):
                    procs.remove_tree(left)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> StageProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def crawl_ahead() -> StageProcess:
    """The crawl process, started before its job: it imports while the start page is checked. The one
    start_early() started for this command when there is one (taken once), else a new one."""
    return _early.pop() if _early else StageProcess(CRAWL, signal.SIGKILL, ahead=True)


def start_early() -> None:
    """`govaudit run`: start the crawl process first, so that it imports Scrapy and Twisted while this
    process imports the rest of govaudit and loads the profile. Untaken (a usage error, a bad profile),
    it is ended at exit, and it would exit on its own once its stdin closes with this process."""
    if not _early:
        _early.append(StageProcess(CRAWL, signal.SIGKILL, ahead=True))
        atexit.register(_close_early)


def _close_early() -> None:
    while _early:
        _early.pop().close()

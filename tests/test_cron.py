"""The README's cron line, run as written: only HOME (the installation directory cron starts in) and the
installation it documents (the venv, config/agency.yaml, var/log) are set up by the test."""

import fcntl
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from govaudit.profile import _validate
from tests.siteserver import SiteServer, html

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def cron_command() -> str:
    match = re.search(r"```cron\n(.*?)```", README, re.S)
    assert match, "README has no cron block"
    block = match.group(1)
    (line,) = [ln for ln in block.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
               and not re.match(r"^[A-Z_]+=", ln)]  # MAILTO=… and other variables are cron's, not the job's
    return line.split(None, 5)[5]  # minute hour day month weekday, then the command


def _install(home: Path, start_url: str) -> None:
    """What the README's install step leaves in the home directory."""
    venv = Path(sys.prefix)
    assert (venv / "bin" / "govaudit").exists(), "run the tests from the project's venv (make test)"
    (home / ".venv").symlink_to(venv)
    (home / "config").mkdir()
    (home / "var" / "log").mkdir(parents=True)
    # Only loopback hosts: the nightly line has no --offline, so nothing else may be linked or fetched.
    (home / "config" / "agency.yaml").write_text(yaml.safe_dump({
        "site": {"name": "夜間測試機關", "start_url": start_url},
        "links": {"check_external": False},
        "checks": {"accessibility": None},
    }, allow_unicode=True), encoding="utf-8")


def _cron(home: Path) -> subprocess.CompletedProcess:
    # cron's environment: nothing but HOME, a bare PATH (and SHELL, LOGNAME), started in /
    return subprocess.run(["/usr/bin/env", "-i", f"HOME={home}", "PATH=/usr/bin:/bin", "SHELL=/bin/sh",
                           "LOGNAME=govaudit", "/bin/sh", "-c", cron_command()], cwd="/", capture_output=True,
                          text=True, timeout=300)


@pytest.mark.sqlite_only(reason="the README's one-agency cron line: its SQLite file and lock by design")
def test_the_readme_cron_line_runs_as_written(tmp_path):
    home = tmp_path / "srv-govaudit"
    home.mkdir()
    routes = {"/": html('<a href="/news.html">最新消息</a><a href="/about.html">關於本會</a>', title="首頁"),
              "/news.html": html("<p>消息</p>"), "/about.html": html("<p>關於</p>")}
    with SiteServer(routes) as site:
        _install(home, site.url)
        first = _cron(home)
        assert first.returncode == 0, (first.stdout, first.stderr, (home / "var/log/govaudit.log").read_text())
        assert first.stdout == first.stderr == ""  # a healthy night: nothing for cron to mail
        log = (home / "var" / "log" / "govaudit.log").read_text(encoding="utf-8")
        assert re.search(r"^\S+ govaudit: run 1 completed: 3 pages", log, re.M), log
        assert (home / "var" / "report" / "report.html").exists() and (home / "var" / "audit.sqlite").exists()

        routes["/"] = html('<a href="/news.html">最新消息</a><a href="/gone.html">失效</a>', title="首頁")
        second = _cron(home)
        assert second.returncode == 1  # a newly broken link trips the --fail-on rule
        # one line, which cron mails to MAILTO
        assert re.fullmatch(r"govaudit: run 2 completed: [^\n]*fail-on: new_broken>0 \(is 1\)[^\n]*\n", second.stdout)
        assert second.stderr == ""
        log = (home / "var" / "log" / "govaudit.log").read_text(encoding="utf-8")
        assert re.search(r"^\S+ govaudit: run 2 completed: .*fail-on: new_broken>0", log, re.M), log
        assert log.index("run 1 completed") < log.index("run 2 completed")  # appended, not replaced

        with open(home / "var" / "audit.sqlite.lock", "w") as lock:  # a run still going on
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            third = _cron(home)
        assert third.returncode == 3
        assert third.stdout == "" and third.stderr == "govaudit: error: another govaudit run is using " \
            "var/audit.sqlite\n"  # mailed by cron
        runs = subprocess.run([os.fspath(home / ".venv" / "bin" / "govaudit"), "runs", "--db",
                               os.fspath(home / "var" / "audit.sqlite")], capture_output=True, text=True)
        assert len(runs.stdout.strip().splitlines()) == 3  # header + two runs: the locked-out one wrote nothing


def test_the_readme_notify_example_is_a_valid_profile_section():
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", README, re.S) if b.startswith("notify:")]
    assert blocks
    notify = _validate(yaml.safe_load(blocks[0]), "README.md").notify
    assert notify.email.on == "failure" and notify.email.password_env == "GOVAUDIT_SMTP_PASSWORD"
    assert notify.webhook.headers_env == {"Authorization": "GOVAUDIT_WEBHOOK_AUTH"}


def _junk_checkout(home: Path) -> None:
    """Folders named like the project's own in the directory cron starts the run in (an agency keeping a
    checkout there, say): each package raises on import and config/links/ lacks the data files."""
    for name in ("config", "crawler", "checks", "reports", "demo", "govaudit"):
        (home / name).mkdir(exist_ok=True)
        (home / name / "__init__.py").write_text(f"raise ImportError('junk {name}/ was imported')\n")
    (home / "config" / "links").mkdir()


@pytest.mark.sqlite_only(reason="the README's one-agency cron line: its SQLite file and lock by design")
def test_the_cron_line_from_a_home_with_junk_folders_checks_external_links(tmp_path):
    home = tmp_path / "srv-govaudit"
    home.mkdir()
    external = {"/ok.html": html("<p>合作單位</p>"),
                "/moved.html": (301, {"Location": "/ok.html"}, b""),
                "/slow.html": (200, {"Content-Type": "text/html", "X-Test-Delay": "0.5"}, b"<p>slow</p>")}
    with SiteServer(external, host="127.0.0.2") as partner:  # another host: out of the site's scope
        targets = [partner.url + path for path in ("ok.html", "moved.html", "slow.html", "gone.html")]
        links = "".join(f'<a href="{url}">外部連結</a>' for url in targets)
        routes = {"/": html(f'<a href="/news.html">最新消息</a>{links}', title="首頁"),
                  "/news.html": html(f'<p>消息</p><a href="{targets[0]}">合作單位</a>')}
        with SiteServer(routes) as site:
            _install(home, site.url)
            profile = yaml.safe_load((home / "config" / "agency.yaml").read_text(encoding="utf-8"))
            profile["links"]["check_external"] = True
            (home / "config" / "agency.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), "utf-8")
            _junk_checkout(home)
            proc = _cron(home)
        assert {path for _, path in partner.hits} >= {"/ok.html", "/moved.html", "/slow.html", "/gone.html"}
    log = (home / "var" / "log" / "govaudit.log").read_text(encoding="utf-8") + proc.stdout + proc.stderr
    assert "Traceback" not in log and "junk" not in log, log
    assert proc.returncode == 0, log  # the first night has no baseline: nothing is "new_broken" yet
    doc = json.loads((home / "var" / "report" / "results.json").read_text(encoding="utf-8"))
    assert doc["run"]["status"] == "completed"
    verdicts = {lk["url"]: lk["status"] for lk in doc["links"] if lk["url"].startswith(partner.url)}
    assert verdicts == {targets[0]: "ok", targets[1]: "redirected", targets[2]: "ok", targets[3]: "broken"}, \
        verdicts

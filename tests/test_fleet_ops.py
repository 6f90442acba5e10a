"""Operating a fleet: the systemd units pass `systemd-analyze verify`, the Celery settings the design
relies on hold, the worker's settings from the environment are checked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.testdb import db_at

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "config" / "systemd"
FLEET_UNITS = ("govaudit-worker.service", "govaudit-fleet.service", "govaudit-fleet.timer")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    # The units name the installation's paths: point them at a home holding this venv's govaudit, so that
    # verify also checks that ExecStart is executable.
    home = tmp_path / "srv" / "govaudit"
    (home / ".venv" / "bin").mkdir(parents=True)
    (home / ".venv" / "bin" / "govaudit").symlink_to(Path(sys.prefix) / "bin" / "govaudit")
    for unit in FLEET_UNITS:
        text = (UNITS / unit).read_text(encoding="utf-8").replace("/srv/govaudit", str(home))
        (tmp_path / unit).write_text(text, encoding="utf-8")
    proc = subprocess.run(["systemd-analyze", "verify", *FLEET_UNITS], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr.strip() == "", proc.stderr  # an unknown key only warns


def test_units_run_the_fleet_commands() -> None:
    worker = (UNITS / "govaudit-worker.service").read_text(encoding="utf-8")
    assert "ExecStart=/srv/govaudit/.venv/bin/govaudit worker " in worker and "User=govaudit" in worker
    night = (UNITS / "govaudit-fleet.service").read_text(encoding="utf-8")
    starts = [ln for ln in night.splitlines() if ln.startswith("ExecStart=")]
    assert [s.split()[1:3] for s in starts] == [["fleet", "run"], ["fleet", "report"]]
    assert "--wait" in starts[0] and starts[0].startswith("ExecStart=-")  # the summary follows any night
    assert "Unit=govaudit-fleet.service" in (UNITS / "govaudit-fleet.timer").read_text(encoding="utf-8")


def _conf(**env: str) -> subprocess.CompletedProcess:
    code = ("import json; from govaudit.fleet.worker import app, audit_site; c = app.conf; "
            "print(json.dumps({k: c[k] for k in ('task_acks_late', 'task_reject_on_worker_lost', "
            "'worker_prefetch_multiplier', 'broker_transport_options', 'task_time_limit', "
            "'worker_send_task_events', 'task_send_sent_event', 'broker_url')} | "
            "{'autoretry': [e.__name__ for e in audit_site.autoretry_for], 'max_retries': audit_site.max_retries}))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def test_celery_settings() -> None:
    proc = _conf(GOVAUDIT_BROKER="redis://127.0.0.1:1/3", GOVAUDIT_FLEET_RETRIES="5")
    assert proc.returncode == 0, proc.stderr
    conf = json.loads(proc.stdout)
    assert conf["task_acks_late"] and conf["task_reject_on_worker_lost"]
    assert conf["worker_prefetch_multiplier"] == 1
    assert conf["broker_transport_options"]["visibility_timeout"] > conf["task_time_limit"]
    assert conf["worker_send_task_events"] and conf["task_send_sent_event"]
    assert conf["broker_url"] == "redis://127.0.0.1:1/3"
    assert conf["autoretry"] == ["TryAgain", "ConnectionError"] and conf["max_retries"] == 5


def test_bad_timing_settings_are_refused() -> None:
    proc = _conf(GOVAUDIT_FLEET_RETRIES="three")
    assert proc.returncode != 0 and "GOVAUDIT_FLEET_RETRIES='three' is not a whole number" in proc.stderr
    proc = _conf(GOVAUDIT_FLEET_VISIBILITY_TIMEOUT="100", GOVAUDIT_FLEET_TIME_LIMIT="200")
    assert proc.returncode != 0 and "must be shorter than" in proc.stderr


def test_audits_run_on_one_core_unless_the_operator_says_otherwise() -> None:
    code = "import json; from govaudit.fleet.worker import audit_env; print(json.dumps(audit_env()))"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_WORKERS")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**env, "GOVAUDIT_PARSE_WORKERS": "2"})
    assert proc.returncode == 0, proc.stderr
    audit = json.loads(proc.stdout)
    assert audit["GOVAUDIT_PARSE_WORKERS"] == "2"  # the operator's own value
    assert audit["GOVAUDIT_CHECK_WORKERS"] == "1" and audit["GOVAUDIT_BROWSER_WORKERS"] == "1"


def test_browser_cap_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from govaudit.profile import ConfigError
    from govaudit.runner import browser_cap

    monkeypatch.delenv("GOVAUDIT_BROWSER_WORKERS", raising=False)
    assert browser_cap() > 2  # unset: the check's own `workers` decide
    monkeypatch.setenv("GOVAUDIT_BROWSER_WORKERS", "1")
    assert browser_cap() == 1
    monkeypatch.setenv("GOVAUDIT_BROWSER_WORKERS", "two")
    with pytest.raises(ConfigError, match="GOVAUDIT_BROWSER_WORKERS='two' is not a whole number"):
        browser_cap()


AUDIT_ONE = """
import json, os, sys
from pathlib import Path
from govaudit.fleet.jobs import AuditJob
from govaudit.fleet.sites import load_site_list
from govaudit.fleet.worker import run_audit_process
tmp = Path(sys.argv[1])
sites = load_site_list(tmp / "fleet.yaml")
outcomes = []
for site in sites.sites:  # one after the other, both forked by the same warm forkserver
    job = AuditJob(site=site, profile=sites.profile_of(site).model_dump(mode="json", by_alias=True), night="n",
                   offline=True)
    outcomes.append(run_audit_process(job, db=str(tmp / "fleet.sqlite"), out=tmp / site.key, final=True).model_dump())
servers = []
for p in filter(str.isdigit, os.listdir("/proc")):  # this process's children: the forkserver among them
    try:
        child = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1] == str(os.getpid())
        if child and b"billiard.forkserver" in open(f"/proc/{p}/cmdline", "rb").read():
            servers.append(int(p))
    except OSError:  # gone meanwhile (the stages of the audits)
        continue
print(json.dumps({"outcomes": outcomes, "forkservers": servers}))
"""


def test_audits_forked_warm_and_gone_with_their_parent(tmp_path: Path) -> None:
    """The worker's way to run an audit, outside Celery: forked by one forkserver (started with the first
    audit), each audit's run completed with its reports; when the process that started them ends, so does
    the forkserver (nothing outlives the worker)."""
    from tests.fleetsites import loopback_fleet, write_site_list

    with loopback_fleet(2) as agencies:
        write_site_list(agencies, tmp_path)
        proc = subprocess.run([sys.executable, "-c", AUDIT_ONE, str(tmp_path)], capture_output=True, text=True,
                              timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.splitlines()[-1])
    assert [o["status"] for o in found["outcomes"]] == ["completed", "completed"], found
    assert len(list(tmp_path.glob("*/report.html"))) == 2  # each agency's own report, in its folder
    assert len(found["forkservers"]) == 1
    (server,) = found["forkservers"]
    deadline = time.monotonic() + 30
    while Path(f"/proc/{server}").exists() and b"billiard" in Path(f"/proc/{server}/cmdline").read_bytes():
        assert time.monotonic() < deadline, "the forkserver outlived the process that started it"
        time.sleep(0.1)


def test_an_earlier_try_knocks_once(tmp_path: Path) -> None:
    """A down site's earlier tries look at the start page once (Celery's backoff is the wait between them,
    holding no worker process); the last try records the `unreachable` run after the profile's own tries."""
    from govaudit.fleet.audit import audit
    from govaudit.fleet.jobs import AuditJob
    from govaudit.fleet.sites import FleetSite
    from govaudit.profile import Profile
    from tests.fleetsites import dead_url

    site = FleetSite(name="停機機關", group="文化部", start_url=dead_url())
    profile = Profile.model_validate({"site": {"start_attempts": 3, "start_backoff": 0.05}, "source": "test"})
    job = AuditJob(site=site, profile=profile.model_dump(mode="json", by_alias=True), night="n", offline=True)
    db = db_at(tmp_path / "fleet.sqlite")
    early = audit(job, db=str(db), out=tmp_path / "out", final=False)
    assert early.kind == "unreachable" and early.run_id is None and "tries" not in early.error, early
    last = audit(job, db=str(db), out=tmp_path / "out", final=True)
    assert last.kind == "unreachable" and last.run_id is not None and "after 3 tries" in last.error, last

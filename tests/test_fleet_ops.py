"""Operating a fleet: the systemd units pass `systemd-analyze verify`, the Celery settings the design
relies on hold, the worker's settings from the environment are checked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
    import json

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

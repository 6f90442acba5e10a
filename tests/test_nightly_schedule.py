"""The scheduler files shipped in config/: the systemd units pass `systemd-analyze verify` (where systemd
is installed), and the cron file, the README's cron block and the unit run the same command."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "config" / "systemd"
CRONTAB = ROOT / "config" / "cron" / "govaudit.crontab"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _cron_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def _exec_start(unit: str) -> str:
    (line,) = [ln for ln in unit.splitlines() if ln.startswith("ExecStart=")]
    return line.removeprefix("ExecStart=")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_units_pass_systemd_analyze_verify(tmp_path):
    # The unit names the installation's paths: point them at a home holding this venv's govaudit, as the
    # README's install leaves /srv/govaudit, so that verify also checks ExecStart is executable.
    home = tmp_path / "srv" / "govaudit"
    (home / ".venv" / "bin").mkdir(parents=True)
    (home / ".venv" / "bin" / "govaudit").symlink_to(Path(sys.prefix) / "bin" / "govaudit")
    for unit in ("govaudit-nightly.service", "govaudit-nightly.timer"):
        text = (UNITS / unit).read_text(encoding="utf-8").replace("/srv/govaudit", str(home))
        (tmp_path / unit).write_text(text, encoding="utf-8")
    proc = subprocess.run(["systemd-analyze", "verify", "govaudit-nightly.service", "govaudit-nightly.timer"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    # verify exits 0 on an unknown key (a typo silently ignored): any message at all fails the test
    assert proc.returncode == 0 and proc.stderr.strip() == "", proc.stderr


def test_the_service_is_hardened_and_bounded():
    unit = (UNITS / "govaudit-nightly.service").read_text(encoding="utf-8")
    settings = dict(ln.split("=", 1) for ln in unit.splitlines() if re.match(r"^[A-Z]\w+=", ln))
    assert settings["Type"] == "oneshot" and settings["User"] == "govaudit"
    assert settings["NoNewPrivileges"] == "yes" and settings["ProtectSystem"] == "strict"
    assert settings["PrivateTmp"] == "yes" and settings["ReadWritePaths"] == "/srv/govaudit/var"
    assert settings["TimeoutStartSec"] == "6h"
    timer = (UNITS / "govaudit-nightly.timer").read_text(encoding="utf-8")
    assert "OnCalendar=*-*-* 02:30:00" in timer and "Unit=govaudit-nightly.service" in timer


def test_cron_file_readme_and_unit_run_the_same_command():
    block = re.search(r"```cron\n(.*?)```", README, re.S)
    assert block, "README has no cron block"
    assert _cron_lines(block.group(1)) == _cron_lines(CRONTAB.read_text(encoding="utf-8"))
    mailto, schedule = _cron_lines(CRONTAB.read_text(encoding="utf-8"))
    assert mailto.startswith("MAILTO=")
    command = schedule.split(None, 5)[5]
    cron_args = shlex.split(command.split("&&", 1)[1])
    unit_args = shlex.split(_exec_start((UNITS / "govaudit-nightly.service").read_text(encoding="utf-8")))
    assert cron_args[0] == ".venv/bin/govaudit" and unit_args[0] == "/srv/govaudit/.venv/bin/govaudit"
    assert cron_args[1:] == unit_args[1:] and "--quiet" in cron_args

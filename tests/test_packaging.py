"""The built wheel installs one top-level name, govaudit: the stage folders (crawler/, config/, …) go in
as its subpackages, never as top-level packages that would clash with anything else of that name."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(180)
def test_the_wheel_has_only_the_govaudit_namespace(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "-q", "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=170)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = tmp_path.glob("govaudit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert top == {"govaudit", f"{wheel.name.split('-py3')[0]}.dist-info"}, top
    # The stages and their data are inside it.
    for path in ("govaudit/crawler/spider.py", "govaudit/checks/base.py", "govaudit/reports/model.py",
                 "govaudit/demo/server.py", "govaudit/config/profiles/demo.yaml"):
        assert path in names, path

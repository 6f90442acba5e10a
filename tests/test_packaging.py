"""The built wheel installs one top-level name, govaudit: the stage folders (crawler/, config/, …) go in
as its subpackages, never as top-level packages that would clash with anything else of that name."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(180)
def test_the_wheel_has_only_the_govaudit_namespace(tmp_path: Path) -> None:
    # From a clean copy: an in-tree build would reuse (and leave) a build/ folder whose stale modules hide a
    # package missing from pyproject's list.
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "var", "__pycache__", ".*_cache", "bench"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "-q", "-w", str(tmp_path), str(source)], capture_output=True, text=True, timeout=170)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = tmp_path.glob("govaudit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert top == {"govaudit", f"{wheel.name.split('-py3')[0]}.dist-info"}, top
    # Every module of the source tree is inside it, under the name imports use (a subpackage missing from
    # pyproject's package list would otherwise only show on a real install), and so is the data.
    folders = {"govaudit": "govaudit", "crawler": "govaudit/crawler", "checks": "govaudit/checks",
               "reports": "govaudit/reports", "demo": "govaudit/demo", "config": "govaudit/config"}
    expected = {f"{installed}/{path.relative_to(ROOT / folder).as_posix()}"
                for folder, installed in folders.items() for path in (ROOT / folder).rglob("*.py")
                if "__pycache__" not in path.parts}
    assert expected - set(names) == set()
    for path in ("govaudit/config/profiles/demo.yaml", "govaudit/config/a11y_codes.yaml",
                 "govaudit/reports/templates/report.html.j2"):
        assert path in names, path

"""`govaudit demo` twice on an unchanged site compares sensibly: its hosts keep their port (--port, 8470 by
default), so every URL is the same and nothing is new or resolved; a taken port is a clear usage error;
and the demo keeps its own database (never the real audits' var/audit.sqlite)."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

from govaudit.demo.server import DEFAULT_PORT, DemoServer, PortInUse
from tests.demoaudit import free_port, run_demo
from tests.testdb import db_at, db_copy, store_exists


def test_a_second_demo_on_the_same_port_reports_nothing_new_or_resolved(demo_audit, tmp_path):
    port = urlsplit(demo_audit.results["run"]["start_url"]).port
    db = db_copy(demo_audit.db, tmp_path / "demo.sqlite")  # the shared audit's database stays as it was
    proc, results, _ = run_demo(db, tmp_path / "out", port=port)
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("govaudit: run "))
    first = demo_audit.results["run"]["id"]
    assert f"since run {first}: 0 new broken, " in line and ", 0 new findings, 0 resolved" in line, line
    changes = results["changes"]
    assert changes["new"] == [] and changes["resolved"] == [] and changes["links"]["new"] == []
    assert changes["links"]["resolved"] == []
    assert results["run"]["start_url"] == demo_audit.results["run"]["start_url"]


def test_every_demo_host_takes_the_fixed_port_and_a_taken_one_is_a_clear_error(tmp_path):
    port = free_port()
    with DemoServer(port=port) as server:
        hosts = {urlsplit(u).port for u in [server.start_url, *server.ground_truth["external_hosts"].values()]}
        assert hosts == {port}
        try:
            DemoServer(port=port).start()
        except PortInUse as exc:
            assert f"port {port} is taken" in str(exc) and "--port" in str(exc)
        else:
            raise AssertionError("a second demo on a taken port started")
        proc = subprocess.run([sys.executable, "-m", "govaudit", "demo", "--port", str(port), "--db",
                               str(db_at(tmp_path / "d.sqlite")), "--out", str(tmp_path / "o")],
                              capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3 and f"the demo's port {port} is taken" in proc.stderr, proc.stderr
    assert not store_exists(db_at(tmp_path / "d.sqlite"))
    assert DEFAULT_PORT == 8470


def test_the_demo_has_its_own_default_database(tmp_path):
    # --help shows what `govaudit demo` would use; a run is the tests above (their --db is a tmp file)
    out = subprocess.run([sys.executable, "-m", "govaudit", "demo", "--help"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60).stdout
    assert "var/demo.sqlite" in out

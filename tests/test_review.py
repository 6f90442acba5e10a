"""The review loop closes: what `govaudit links` shows (fingerprints, whole URLs on a 160-column
terminal) can be acked, listed, un-acked; links.csv carries the same fingerprints; `--run latest` and
`--site` choose runs on report and links. A real site on 127.0.0.1, real runs through the CLI."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from datetime import date, timedelta

import pytest
import yaml

from tests.siteserver import SiteServer, html
from tests.testdb import db_at

GOVAUDIT = [sys.executable, "-m", "govaudit"]
LONG = "/archive/" + "/".join(f"section-{i:02d}-公告" for i in range(12)) + "/missing-document.html"


def _cli(*args, cwd=None):
    return subprocess.run([*GOVAUDIT, *args], capture_output=True, text=True, timeout=180, cwd=cwd)


def _on_a_terminal(*args, columns=160) -> str:
    """Run the CLI with stdout on a pseudo-terminal `columns` wide, as an officer's terminal would be."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    proc = subprocess.Popen([*GOVAUDIT, *args], stdout=follower, stderr=subprocess.PIPE, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the follower side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("review")
    routes = {"/": html(f'<a href="{LONG}">舊公告</a><a href="/gone.html">失效</a><a href="/ok.html">好</a>'),
              "/ok.html": html("<p>好</p>")}
    profile = tmp / "p.yaml"
    profile.write_text(yaml.safe_dump({"site": {"name": "審閱測試署"}, "checks": {"accessibility": None}},
                                      allow_unicode=True), encoding="utf-8")
    with SiteServer(routes) as site:
        proc = _cli("run", site.url, "--profile", str(profile), "--db", str(db_at(tmp / "a.sqlite")), "--out",
                    str(tmp / "out"), "--offline")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((tmp / "out" / "results.json").read_text(encoding="utf-8"))
    (check,) = [c for c in doc["checks"] if c["id"] == "broken_links"]
    prints = {f["target"]: f["fingerprint"] for f in check["findings"]}
    return tmp, site.url, prints


def test_links_shows_fingerprints_and_whole_urls_on_a_terminal(audited):
    tmp, base, prints = audited
    (long_url,) = [u for u in prints if u.endswith("/missing-document.html")]  # as stored: percent-encoded
    assert len(long_url) > 160
    shown = _on_a_terminal("links", "--db", str(db_at(tmp / "a.sqlite")))
    lines = shown.splitlines()
    assert f"  target  {long_url}" in lines, shown  # whole, on one line: copy it, fix it
    for target, fingerprint in prints.items():
        block = shown[shown.index(fingerprint):]
        assert block.splitlines()[1] == f"  target  {target}"
    tsv = _cli("links", "--db", str(db_at(tmp / "a.sqlite"))).stdout.splitlines()
    header, *rows = (line.split("\t") for line in tsv)
    assert header[-1] == "fingerprint"
    assert {r[2]: r[-1] for r in rows} == prints


def test_links_csv_carries_the_same_fingerprints(audited):
    tmp, _, prints = audited
    table = list(csv.DictReader(io.StringIO((tmp / "out" / "links.csv").read_text(encoding="utf-8-sig"))))
    assert {row["target"]: row["fingerprint"] for row in table} == prints


def test_ack_acks_unack(audited):
    tmp, base, prints = audited
    db = str(db_at(tmp / "a.sqlite"))
    fingerprint = prints[base + "gone.html"]
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    past = _cli("ack", fingerprint, "--note", "x", "--until", yesterday, "--db", db)
    assert past.returncode == 3 and f"--until: {yesterday} is in the past" in past.stderr
    first = _cli("ack", fingerprint, "--note", "頁面改版中", "--db", db)
    assert first.returncode == 0 and "replaces" not in first.stdout
    until = (date.today() + timedelta(days=30)).isoformat()
    second = _cli("ack", fingerprint, "--note", "延至下月", "--until", until, "--db", db)
    assert second.returncode == 0, second.stderr
    assert f"accepted {fingerprint} until {until}" in second.stdout
    assert "replaces the ack of " in second.stdout and "頁面改版中 (for good)" in second.stdout
    listed = _cli("acks", "--db", db).stdout.splitlines()
    assert listed[0].split("\t") == ["fingerprint", "until", "since", "expired", "note"]
    assert [(r.split("\t")[0], r.split("\t")[1], r.split("\t")[4]) for r in listed[1:]] == \
        [(fingerprint, until, "延至下月")]
    accepted = [r.split("\t") for r in _cli("links", "--db", db).stdout.splitlines()[1:]]
    assert {r[2]: r[8] for r in accepted}[base + "gone.html"] == "accepted"
    assert _cli("unack", fingerprint, "--db", db).returncode == 0
    assert _cli("acks", "--db", db).stdout.splitlines()[1:] == []
    again = _cli("unack", fingerprint, "--db", db)
    assert again.returncode == 3 and "no ack for" in again.stderr


def test_run_latest_and_site_choose_the_run(audited):
    tmp, _, _ = audited
    db = str(db_at(tmp / "a.sqlite"))
    report = _cli("report", "--run", "latest", "--site", "審閱測試署", "--db", db, "--out", str(tmp / "r"),
                  "--format", "json")
    assert report.returncode == 0 and "report for run 1 (completed)" in report.stdout, report.stderr
    other = _cli("report", "--site", "別的機關", "--db", db, "--out", str(tmp / "r"))
    assert other.returncode == 3 and "no runs of site '別的機關'" in other.stderr
    wrong = _cli("links", "--run", "1", "--site", "別的機關", "--db", db)
    assert wrong.returncode == 3 and "run 1 is of site '審閱測試署'" in wrong.stderr
    bad = _cli("links", "--run", "newest", "--db", db)
    assert bad.returncode == 3 and "not a run id or 'latest'" in bad.stderr
    pinned = _cli("pin", "latest", "--site", "審閱測試署", "--note", "114年度評核", "--db", db)
    assert pinned.returncode == 0 and "pinned run 1 (114年度評核)" in pinned.stdout, pinned.stderr
    assert _cli("unpin", "latest", "--db", db).stdout.startswith("govaudit: unpinned run 1")

"""Checks that read no link results start while the crawl's last link checks are still out: the crawl
reports "pages_stored" once every page and its links are in the store, the runner forks those checks
then, and their results are exactly what a serial run after the crawl gives."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govaudit import parallel, runner
from govaudit.context import CheckContext
from govaudit.profile import load_profile
from govaudit.store import open_store
from tests.siteserver import SiteServer, html
from tests.test_parallel_checks import _no_threads
from tests.testdb import db_at

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench_site(tmp_path_factory):
    """The benchmark's 200-page site in its own process (no server thread in this one: forking stays safe),
    with 429 + Retry-After targets that keep the crawl's last link checks waiting."""
    truth = tmp_path_factory.mktemp("tiny") / "truth.json"
    server = subprocess.Popen([sys.executable, "-m", "bench.server", "--variant", "tiny", "--truth", str(truth)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        port = json.loads(server.stdout.readline())["port"]
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.parametrize("parse_workers", ["2", "0"])
def test_pages_stored_comes_once_every_page_is_stored_and_early_checks_match_serial(
        bench_site, tmp_path, monkeypatch, parse_workers):
    monkeypatch.setenv("GOVAUDIT_PARSE_WORKERS", parse_workers)
    db = db_at(tmp_path / "a.sqlite")
    profile = load_profile(ROOT / "bench" / "profile.yaml").with_overrides(crawl={"concurrency": 8})
    events, forks = [], []
    fork = parallel.fork

    def recording_fork(*args, **kwargs):
        forks.append((kwargs.get("pages_only", False), len(events), [c.id for c in args[3]]))
        return fork(*args, **kwargs)

    def progress(event):
        snapshot = None
        if event["event"] == "pages_stored":
            with open_store(db, readonly=True) as store:
                run_id = store.latest_run_id()
                snapshot = (store.count("pages", run_id), store.count("links", run_id),
                            store.count("link_results", run_id))
        events.append((event["event"], snapshot, time.monotonic()))

    monkeypatch.setattr(parallel, "fork", recording_fork)
    assert _no_threads()
    outcome = runner.audit(bench_site, profile, db=db, out=tmp_path / "out", offline=True, progress=progress)

    names = [name for name, _, _ in events if name not in ("phase", "checks_done", "done")]  # the crawl's own
    assert names.count("pages_stored") == 1 and names[-1] == "finished"
    stored_at = [name for name, _, _ in events].index("pages_stored")  # an index into events
    (_, (pages, links, results_then), _), = [e for e in events if e[0] == "pages_stored"]
    with open_store(db, readonly=True) as store:
        assert (pages, links) == (store.count("pages", outcome.run_id), store.count("links", outcome.run_id))
        assert pages >= parallel.MIN_PAGES
        assert results_then < store.count("link_results", outcome.run_id)  # link checks were still out
        stored = {c["check_id"]: c for c in store.check_results(outcome.run_id)}
        checks = runner.build_checks(profile)
        serial = runner.run_checks(store, outcome.run_id, profile, checks, {}, workers=1)

    early = [(when, ids) for pages_only, when, ids in forks if pages_only]
    assert early and all(when == stored_at for when, _ in early)  # forked on the event, before "finished"
    early_ids = {i for _, ids in early for i in ids}
    assert {"disclosure", "freshness", "services"} <= early_ids and "broken_links" not in early_ids
    # What the run stored (early and late checks) is what every check gives on the finished crawl.
    assert sorted(stored) == sorted(r.check_id for r in serial)
    for r in serial:
        row = stored[r.check_id]
        assert (row["status"], row["metrics"], row["error"]) == (r.status.value, r.metrics, r.error), r.check_id
        assert [f["fingerprint"] for f in row["findings"]] == [f.fingerprint for f in r.findings], r.check_id
    assert any(row["findings"] for row in stored.values())


def test_a_pages_only_context_refuses_link_results(tmp_path):
    with open_store(db_at(tmp_path / "a.sqlite")) as store:
        ctx = CheckContext(store=store, run_id=1, profile=None, pages_only=True)
        with pytest.raises(RuntimeError, match="reads_link_results"):
            ctx.link_results()


def test_links_stored_comes_once_the_search_link_is_stored_and_before_the_crawl_ends(tmp_path):
    """The runner starts reading the whole link table on "links_stored" (runner._Meanwhile): by then the
    crawl's last link row, the site-search query its link stage submits, must be in the store."""
    search = ('<form action="/search/" method="get" role="search"><label for="q">搜尋</label>'
              '<input id="q" name="q" type="search"><button type="submit">搜尋</button></form>')
    routes = {"/": html(search + '<a href="/a.html">公告事項</a>', title="首頁"),
              "/a.html": html('<a href="/">首頁</a>', title="公告事項"), "/search/": html("查無資料", title="搜尋")}
    db = db_at(tmp_path / "a.sqlite")
    events = []

    def progress(event):
        taken = None
        if event["event"] == "links_stored":
            with open_store(db, readonly=True) as store:
                run_id = store.latest_run_id()
                taken = (store.count("links", run_id), store.links_digest(run_id))
        events.append((event["event"], taken))

    profile = load_profile(None).with_overrides(links={"timeout": 5, "retry_backoff": 0})
    with SiteServer(routes) as site:
        outcome = runner.audit(site.url, profile, db=db, out=tmp_path / "out", offline=True, progress=progress)
    names = [name for name, _ in events]
    assert names.count("links_stored") == 1 and names.index("links_stored") < names.index("finished")
    (count, digest), = [taken for name, taken in events if name == "links_stored"]
    with open_store(db, readonly=True) as store:
        assert [link for link in store.links(outcome.run_id) if link.tag == "form"]  # the search's query
        assert (count, digest) == (store.count("links", outcome.run_id), store.links_digest(outcome.run_id))

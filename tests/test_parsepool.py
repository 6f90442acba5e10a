"""The parse pool (worker processes) stores exactly what the in-process parse stores, and the memoised link
resolution gives what urls.normalize gives; the workers run below the crawl process's priority."""

import os

import pytest

from govaudit import runner, urls
from govaudit.crawler import parsepool
from govaudit.crawler.extract import parse, resolve
from govaudit.jobs import CrawlJob
from govaudit.profile import Profile, load_profile
from govaudit.store import open_store
from tests.test_crawler import _serve
from tests.testdb import db_at


def _crawl(tmp_path, monkeypatch, workers: str):
    monkeypatch.setenv("GOVAUDIT_PARSE_WORKERS", workers)
    profile = load_profile(None).with_overrides(links={"timeout": 5})
    with _serve() as server:
        runner.audit(server.url, profile, db=db_at(tmp_path / "a.sqlite"), out=tmp_path / "out", offline=True)
        base = server.url
    with open_store(db_at(tmp_path / "a.sqlite"), readonly=True) as store:
        strip = lambda v: v.replace(base, "/") if isinstance(v, str) else v  # noqa: E731  (ports differ)
        links = sorted(tuple(strip(v) for v in lk) for lk in store.links(1))
        pages = sorted((strip(p.url), p.title, p.lang, p.charset, tuple(p.anchors), p.body_hash)
                       for p in store.pages(1))
        results = sorted((strip(r.url), r.status, r.http_status) for r in store.link_results(1))
    return links, pages, results


def test_worker_processes_store_what_the_in_process_parse_stores(tmp_path, monkeypatch):
    in_process = _crawl(tmp_path / "a", monkeypatch, "0")
    pooled = _crawl(tmp_path / "b", monkeypatch, "2")
    assert in_process[0] and in_process[1]
    assert pooled == in_process


HREFS = ["/a/b", "c/d.html", "../up.html", "./same.html", "?q=1", "#frag", "", "//other.example/x",
         "http://Other.Example:80/y", "http:relative.html", "mailto:a@b.tw", "tel:+886-2", "javascript:void(0)",
         "a b/c", "\tinner\nnew.html", "x?y=/z/", "..", "https://x.example/p#f", "http://[::1", "/p?/q#r"]


@pytest.mark.parametrize("base", ["http://127.0.0.1:8000/dir/page.html?x=/a/b", "http://127.0.0.1:8000/",
                                  "http://127.0.0.1:8000/dir/sub/"])
def test_memoised_resolution_matches_normalize(base):
    html = "".join(f'<a href="{h}">x</a>' for h in HREFS)
    for _ in range(2):  # the second pass is served from the cache
        got = [(t, f) for t, f, _raw in resolve(parse(f"<html><body>{html}</body></html>", base), base)]
        expected = []
        for raw in parse(f"<html><body>{html}</body></html>", base).links:
            try:
                expected.append(urls.normalize(raw.url, base))
            except (urls.InvalidURL, ValueError):
                expected.append(("invalid:" + raw.url[:500], ""))
        assert got == expected


# (the pool is forked from pytest's process, which has threads of its own: the workers only report their
# priority, so the fork warning is noise here)
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_parse_workers_run_at_a_lower_priority_than_the_crawl(tmp_path, monkeypatch):
    """The crawl process's reactor answers the network; a worker parsing a page must not hold the core it
    needs (crawler/parsepool.py, WORKER_NICE)."""
    job = CrawlJob.from_profile(Profile(), store=f"sqlite:///{tmp_path / 'a.sqlite'}", run_id=1, site="s",
                                start_url="http://127.0.0.1/", offline=True, analyzers=())
    monkeypatch.setenv("GOVAUDIT_PARSE_WORKERS", "2")
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    parsepool.start(job)
    try:
        assert parsepool.POOL is not None
        theirs = {parsepool.POOL.apply(os.getpriority, (os.PRIO_PROCESS, 0)) for _ in range(4)}
    finally:
        parsepool.stop()
    assert theirs == {min(19, ours + parsepool.WORKER_NICE)}
    assert os.getpriority(os.PRIO_PROCESS, 0) == ours  # the crawl process itself keeps its priority

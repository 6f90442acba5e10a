"""The two extension points every check uses: page facts (computed once in the crawler's parse) and
check data sections (merged into results.json)."""

import sqlite3
from dataclasses import replace

from govaudit.crawler.extract import parse

from govaudit.context import CheckContext
from govaudit.models import CheckResult, CheckStatus, Page
from govaudit.results import build, merge_section
from govaudit.store import open_store
from govaudit.store.sqlite import MIGRATIONS

HTML = "<html><head><title>T</title></head><body><h1>標題</h1><a href='/a'>a</a></body></html>"


def _headings(doc, url):
    return {"h1": [h.text_content() for h in doc.iter("h1")], "url": url}


def _broken(doc, url):
    raise RuntimeError("boom")


def test_page_analyzers_see_the_parsed_document_and_failures_stay_contained():
    out = parse(HTML, "http://127.0.0.1/p", {"headings": _headings, "broken": _broken, "none": lambda d, u: None})
    assert out.facts["headings"] == {"h1": ["標題"], "url": "http://127.0.0.1/p"}
    assert out.facts["broken"]["_error"].startswith("RuntimeError")
    assert "none" not in out.facts
    assert [link.url for link in out.links] == ["/a"]  # link extraction unaffected


def test_merge_section_merges_dicts_and_replaces_the_rest():
    doc = {"disclosure": {"categories": [1], "metadata": {"a": 1}}}
    merge_section(doc, {"disclosure": {"metadata": {"b": 2}, "odf": {"ratio": 0.5}, "categories": [2]}})
    assert doc == {"disclosure": {"categories": [2], "metadata": {"a": 1, "b": 2}, "odf": {"ratio": 0.5}}}


def _page(url):
    return Page(url=url, requested_url=url, http_status=200, content_type="text/html", charset="utf-8",
                lang="zh-Hant", title="t", size=1, fetched_at="2026-01-01T00:00:00+00:00")


def test_facts_and_check_data_round_trip_through_the_store_into_results(tmp_path):
    with open_store(tmp_path / "s.sqlite") as store:
        run = store.create_run(site="s", start_url="http://127.0.0.1/", tool_version="t", profile_hash="h",
                               profile={}, rubric="r@1")
        with store.transaction():
            store.add_pages(run, [(replace(_page("http://127.0.0.1/"), facts={"meta": {"dc": 3}}), None),
                                  (_page("http://127.0.0.1/b"), None)])
        ctx = CheckContext(store=store, run_id=run, profile=None)
        assert [(p.url, f) for p, f in ctx.facts("meta")] == [("http://127.0.0.1/", {"dc": 3})]
        store.save_check_results(run, [
            CheckResult("metadata", "1", CheckStatus.PASSED, data={"disclosure": {"metadata": {"share": 0.5}}}),
            CheckResult("odf", "1", CheckStatus.FAILED, data={"disclosure": {"odf": {"ratio": 0.2}},
                                                              "links": "ignored: reserved key"}),
        ])
        doc = build(store, run)
    assert doc["disclosure"] == {"metadata": {"share": 0.5}, "odf": {"ratio": 0.2}}
    assert doc["links"] == []


def test_a_schema_1_database_is_migrated_with_its_rows_kept(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
        db.execute("INSERT INTO runs (site, start_url, status, started_at, tool_version, profile_hash, profile, rubric)"
                   " VALUES ('s', 'http://127.0.0.1/', 'completed', '2026-01-01', 't', 'h', '{}', 'r@1')")
    with open_store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert [r["site"] for r in store.runs()] == ["s"]

"""Checks that look up link results one by one (CheckContext.link_result, reuse.LINK_LOOKUPS) are copied
forward while the targets they looked up answer as before, whatever happens to the other links: three
nights of the real CLI on a real loopback site, a real SQLite store, no browser.

Night 1: a dead host's link on an article page fails for the first time (unverified). Night 2: it is
confirmed broken, so every link status digests differently, yet participation, bilingual and
site_elements never looked that target up: their night-1 results stand. Night 3: the 首長信箱 they did
look up answers 404: the checks that looked it up run again and say so."""

from __future__ import annotations

import pytest

from govaudit.store import open_store
from tests.siteserver import SiteServer, html
from tests.test_incremental import _run
from tests.testdb import db_at

PROFILE = """
site: {name: 查表測試署}
crawl: {max_depth: 4, max_pages: 50, concurrency: 4, sitemap: false}
links: {timeout: 5, retries: 0, confirm_runs: 2, cache_max_age: 0, soft404: false}
checks: {accessibility: null, accessibility_mark: null}
"""
DEAD = "http://127.0.0.9:1/old-site.html"  # nothing listens: refused, a transient failure until confirmed
LOOKERS = {"participation", "bilingual", "site_elements"}


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lookups")
    (tmp / "profile.yaml").write_text(PROFILE, encoding="utf-8")
    db = db_at(tmp / "audit.sqlite")
    mail_routes = {"/mail.html": html("<form><textarea name=q></textarea></form>", title="首長信箱")}
    with SiteServer(mail_routes, host="127.0.0.2") as mail:
        mailbox = f"{mail.url}mail.html"
        routes = {
            "/": html(f'<a href="{mailbox}">首長信箱</a><a href="/en/" lang="en">English</a>'
                      '<a href="/news/a.html">最新消息</a><a href="/privacy.html">隱私權政策</a>', title="首頁"),
            "/en/": html('<a href="/">中文</a>', title="Home", lang="en"),
            "/news/a.html": html(f'<a href="/">首頁</a><a href="{DEAD}">舊網站</a>', title="新聞"),
            "/privacy.html": html('<a href="/">首頁</a>', title="隱私權政策"),
        }
        with SiteServer(routes) as site:
            docs = [_run(tmp, db, site.url, 1), _run(tmp, db, site.url, 2)]
            del mail_routes["/mail.html"]  # the mailbox now answers 404
            docs.append(_run(tmp, db, site.url, 3))
    return docs, mailbox, db


def _status(doc: dict, url: str) -> str:
    return next(link["status"] for link in doc["links"] if link["url"] == url)


def _results(doc: dict, ids: set[str]) -> dict[str, tuple]:
    return {c["id"]: (c["status"], c["metrics"], sorted((f["code"], f["target"], f["message"]) for f in c["findings"]))
            for c in doc["checks"] if c["id"] in ids}


def test_a_confirmed_dead_link_elsewhere_leaves_the_lookers_copied_forward(nights):
    (first, second, _), mailbox, _ = nights
    assert (_status(first, DEAD), _status(second, DEAD)) == ("unverified", "broken")
    before, after = first["run"]["stats"]["night"], second["run"]["stats"]["night"]
    assert before["inputs"]["link_statuses"] != after["inputs"]["link_statuses"]
    assert LOOKERS <= set(after["checks_reused"])
    assert "content" not in after["checks_reused"]  # it reads every status: run again
    assert _results(second, LOOKERS) == _results(first, LOOKERS)
    assert all(c["duration"] == 0.0 for c in second["checks"] if c["id"] in LOOKERS)


def test_a_looked_up_target_that_changes_runs_its_lookers_again(nights):
    (_, second, third), mailbox, _ = nights
    assert (_status(second, mailbox), _status(third, mailbox)) == ("ok", "broken")
    reused = set(third["run"]["stats"]["night"]["checks_reused"])
    assert not {"participation", "site_elements"} & reused
    mailbox_item = next(i for i in third["participation"]["channels"] if i["id"] == "mailbox")
    assert mailbox_item["status"] == "broken"
    assert "participation.broken" in {f["code"] for c in third["checks"] if c["id"] == "participation"
                                      for f in c["findings"]}


def test_the_targets_looked_up_are_kept_for_the_next_night_and_not_in_the_document(nights):
    (first, _, _), mailbox, db = nights
    assert "lookups" not in first["run"]["stats"]["night"]
    with open_store(db) as store:
        kept = store.run(first["run"]["id"]).stats["night"]["lookups"]
    assert mailbox in kept["participation"] and mailbox in kept["site_elements"]
    assert not any(DEAD in urls for urls in kept.values())  # never looked up: it cannot undo their reuse

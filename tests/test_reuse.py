"""Check results copied forward on an unchanged night (govaudit/reuse.py): the pure decision, the digests
over a real store, and every built-in check's declaration. The end-to-end nights are in test_incremental.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from govaudit import registry, reuse
from govaudit.context import CheckContext
from govaudit.models import CheckResult, CheckStatus, Finding, Link, LinkResult, LinkStatus, Page, Severity
from govaudit.reuse import (
    AUDIT_DAY,
    LINK_HISTORY,
    LINK_LOOKUPS,
    LINK_RESULTS,
    LINK_STATUSES,
    LINKS,
    PAGES,
    reusable,
)

DAY = dt.date(2026, 12, 7)
BEFORE = {PAGES: "p1", LINKS: "l1", LINK_RESULTS: "r1", AUDIT_DAY: "2026-12-07"}
DECLARED = {"metadata": frozenset({PAGES}), "broken_links": frozenset({LINKS, LINK_RESULTS}),
            "freshness": frozenset({PAGES, LINKS, AUDIT_DAY}), "accessibility_mark": None}
USABLE = {"metadata", "broken_links", "freshness", "accessibility_mark"}


def test_unchanged_inputs_reuse_every_declaring_check():
    assert reusable(DECLARED, {}, BEFORE, BEFORE, USABLE) == ["metadata", "broken_links", "freshness"]


def test_a_changed_input_undoes_the_reuse_of_the_checks_that_read_it():
    assert reusable(DECLARED, {}, {**BEFORE, PAGES: "p2"}, BEFORE, USABLE) == ["broken_links"]
    assert reusable(DECLARED, {}, {**BEFORE, LINK_RESULTS: "r2"}, BEFORE, USABLE) == ["metadata", "freshness"]


def test_the_audit_day_crossing_undoes_only_the_date_readers():
    tomorrow = {**BEFORE, AUDIT_DAY: "2026-12-08"}
    assert reusable(DECLARED, {}, tomorrow, BEFORE, USABLE) == ["metadata", "broken_links"]


def test_no_baseline_inputs_or_no_usable_result_reuses_nothing():
    assert reusable(DECLARED, {}, BEFORE, {}, USABLE) == []  # another profile or version: the runner passes {}
    assert reusable(DECLARED, {}, BEFORE, BEFORE, {"metadata"}) == ["metadata"]  # the others erred or changed version


def test_a_check_is_reused_only_with_every_check_it_depends_on():
    declared = {"base": frozenset({PAGES}), "derived": frozenset({LINKS})}
    depends = {"derived": frozenset({"base"})}
    assert reusable(declared, depends, {**BEFORE, PAGES: "p2"}, BEFORE, {"base", "derived"}) == []
    assert reusable(declared, depends, BEFORE, BEFORE, {"base", "derived"}) == ["base", "derived"]


def test_every_declared_input_is_known():
    for cid, cls in registry.checks().items():
        assert cls.inputs is None or cls.inputs <= reuse.INPUTS, cid
        if "browser" in cls.requires:
            assert cls.inputs is None, cid  # the browser stage has its own reuse


def _run(store, pages, links, results) -> int:
    run_id = store.create_run(site="s", start_url="http://127.0.0.1/", tool_version="t", profile_hash="h",
                              profile={}, rubric="")
    store.add_pages(run_id, [(p, b"<html>" + p.url.encode() + b"</html>") for p in pages])
    store.add_links(run_id, links)
    store.add_link_results(run_id, results)
    return run_id


def test_digests_ignore_bookkeeping_and_see_changes(store):
    pages = [Page(url=f"http://127.0.0.1/{i}.html", requested_url=f"http://127.0.0.1/{i}.html", http_status=200,
                  content_type="text/html", title=f"第{i}頁", body_hash=f"{i:064x}", fetched_at="2026-12-06T02:30:00",
                  headers={"etag": f'"{i}"'}, facts={"metadata": {"n": i}}) for i in range(3)]
    links = [Link(pages[0].url, pages[i].url, "", "文字", "a", "href", "", 1, i) for i in (1, 2)]
    results = [LinkResult(url=p.url, status=LinkStatus.OK, http_status=200, checked_at="2026-12-06T02:30:01",
                          internal=True) for p in pages]
    first = _run(store, pages, links, results)
    # the same site a night later: other fetch times, elapsed times and validators, in another order
    again = _run(store, [replace(p, fetched_at="2026-12-07T02:30:00", elapsed=0.5, headers={}) for p in reversed(pages)],
                 list(reversed(links)), [replace(r, checked_at="2026-12-07T02:30:01", elapsed=0.2) for r in results])
    wanted = {PAGES, LINKS, LINK_RESULTS, LINK_HISTORY, AUDIT_DAY}
    assert reuse.digests(store, first, wanted, DAY) == reuse.digests(store, again, wanted, DAY)
    # a page's title, a link's text and a target's status each change their own digest only
    changed = _run(store, [replace(pages[0], title="新標題"), *pages[1:]],
                   [links[0]._replace(text="新文字"), links[1]],
                   [replace(results[2], status=LinkStatus.BROKEN, http_status=404), *results[:2]])
    a, b = reuse.digests(store, first, wanted, DAY), reuse.digests(store, changed, wanted, DAY)
    assert a[PAGES] != b[PAGES] and a[LINKS] != b[LINKS] and a[LINK_RESULTS] != b[LINK_RESULTS]
    # a target failing one more night: its history changes, its verdict does not
    failing = [replace(results[2], status=LinkStatus.BROKEN, http_status=404, first_seen="2026-12-05", nights=n)
               for n in (1, 2)]
    one, two = (reuse.digests(store, _run(store, pages, links, [*results[:2], f]), wanted, DAY) for f in failing)
    assert one[LINK_RESULTS] == two[LINK_RESULTS] and one[LINK_HISTORY] != two[LINK_HISTORY]
    # another error text changes the verdict, not the status alone
    refused = [replace(results[2], status=LinkStatus.BROKEN, error=text, nights=2)
               for text in ("Connection refused", "Connection reset")]
    one, two = (reuse.digests(store, _run(store, pages, links, [*results[:2], f]), {LINK_RESULTS, LINK_STATUSES}, DAY)
                for f in refused)
    assert one[LINK_STATUSES] == two[LINK_STATUSES] and one[LINK_RESULTS] != two[LINK_RESULTS]
    assert reuse.digests(store, first, {AUDIT_DAY}, DAY + dt.timedelta(days=1)) != reuse.digests(
        store, first, {AUDIT_DAY}, DAY)


def test_stored_results_read_back_as_saved(store):
    run_id = _run(store, [], [], [])
    finding = Finding(check_id="metadata", code="meta.missing", severity=Severity.MEDIUM, message="缺少",
                      page="http://127.0.0.1/", evidence={"k": [1, 2]}, tags=("indicator:x",))
    saved = CheckResult("metadata", "3", CheckStatus.FAILED, {"share": 0.5}, (finding,), 1.5, "", {"sec": {"a": 1}})
    store.save_check_results(run_id, [saved])
    back = reuse.stored_results(store, run_id)["metadata"]
    assert back == replace(saved, duration=0.0)
    assert back.findings[0].fingerprint == finding.fingerprint


def test_a_lookup_check_is_compared_on_the_targets_it_looked_up(store):
    assert reuse.compared("p", frozenset({PAGES, LINK_LOOKUPS})) == {PAGES, reuse.lookup_input("p")}
    assert reuse.compared("m", frozenset({PAGES})) == {PAGES} and reuse.compared("a", None) is None
    ran = CheckResult("p", "1", CheckStatus.PASSED, looked_up=frozenset({"b", "a"}))
    erred = CheckResult("q", "1", CheckStatus.ERROR, looked_up=frozenset({"c"}))
    copied = CheckResult("r", "1", CheckStatus.FAILED)  # copied forward: it looked up what it did last night
    assert reuse.looked_up([ran, erred, copied], {"p", "q", "r"}, {"r": ["z"]}) == {"p": ["a", "b"], "r": ["z"]}
    # over a real store: another target's change leaves the digest of the looked-up ones alone
    targets = [LinkResult(url=f"http://127.0.0.1/{i}", status=LinkStatus.OK, http_status=200) for i in range(3)]
    lookups = {"p": [targets[0].url, "http://127.0.0.1/never-checked"]}
    digest = {n: reuse.digests(store, _run(store, [], [], results), set(), DAY, lookups=lookups)
              for n, results in (("before", targets),
                                 ("other", [*targets[:2], replace(targets[2], status=LinkStatus.BROKEN)]),
                                 ("own", [replace(targets[0], status=LinkStatus.BROKEN), *targets[1:]]))}
    key = reuse.lookup_input("p")
    assert digest["before"][key] == digest["other"][key] != digest["own"][key]


def test_a_check_declaring_lookups_may_not_read_every_result(store):
    run_id = _run(store, [], [], [LinkResult(url="http://127.0.0.1/a", status=LinkStatus.OK, http_status=200)])
    ctx = CheckContext(store=store, run_id=run_id, profile=None, lookups_only=True)
    with pytest.raises(RuntimeError, match="link_lookups"):
        ctx.link_results()
    assert ctx.link_result("http://127.0.0.1/a").status == LinkStatus.OK and ctx.looked_up == {"http://127.0.0.1/a"}
    assert ctx.link_result("http://127.0.0.1/none") is None and len(ctx.looked_up) == 2

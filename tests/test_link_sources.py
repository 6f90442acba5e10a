"""Where each target is linked from (results.link_sources), over a real store: the link table may be read
(link_rows) before the results are final, as the runner does once the crawl has stored every link, and
the sources are the same as a pass after them: a sample of a healthy target's, every one of a failing
target's, a checked fragment apart from its page."""

from __future__ import annotations

import zlib

import pytest

from govaudit import runner
from govaudit.models import Link, LinkResult, LinkStatus
from govaudit.results import (
    MAX_SOURCES_HEALTHY,
    decode_rows,
    encode_rows,
    link_rows,
    link_sources,
    result_key,
    rows_key,
)

SITE = "http://127.0.0.1"
MENU, GONE, FEW, DOC, LIST = (f"{SITE}/{name}" for name in ("menu.html", "gone.html", "few.html", "doc.html",
                                                             "list.html"))


def _links() -> list[Link]:
    out: list[Link] = []

    def add(target: str, pages: range, fragment: str = "") -> None:
        out.extend(Link(f"{SITE}/p{i:02d}.html", target, fragment, f"到 {i}", "a", "href", "", i, len(out))
                   for i in pages)

    add(MENU, range(15))  # healthy, on every page: a sample
    add(GONE, range(3, 18))  # failing, more links than the sample: every one
    add(FEW, range(2))  # failing, fewer
    add(DOC, range(12), "sec")  # a checked fragment that is missing: its own key, every source
    add(DOC, range(20, 23))  # the page itself, healthy
    add(LIST, range(9))  # no result for LIST#top: its links count for the page
    add(LIST, range(30, 34), "top")
    return out


def _expected(links: list[Link], results: dict[str, LinkResult]) -> tuple[dict, dict]:
    """The sources by key, straight from the definition: every link in links() order, a healthy key's cut."""
    failing = {url for url, r in results.items() if r.failing}
    ordered = sorted(links, key=lambda link: (link.source, link.position))
    sources: dict[str, list[dict]] = {}
    for link in ordered:
        key = result_key(link.target, link.fragment, results)
        sources.setdefault(key, []).append({"page": link.source, "text": link.text, "tag": link.tag,
                                            "attr": link.attribute, "line": link.line, "fragment": link.fragment})
    totals = {key: len(rows) for key, rows in sources.items()}
    return {key: rows if key in failing else rows[:MAX_SOURCES_HEALTHY] for key, rows in sources.items()}, totals


def test_rows_read_before_the_results_give_the_sources_of_a_pass_after_them(store):
    links = _links()
    run_id = store.create_run(site="s", start_url=f"{SITE}/", tool_version="t", profile_hash="h", profile={},
                              rubric="")
    store.add_links(run_id, links)
    ok = [LinkResult(url=url, status=LinkStatus.OK, http_status=200) for url in (MENU, GONE, FEW, DOC, LIST)]
    store.add_link_results(run_id, ok)
    rows = link_rows(store, run_id)  # as the runner reads them: GONE still answers
    # the decisions after that read: GONE and FEW confirmed broken, DOC#sec checked and missing
    final = [LinkResult(url=GONE, status=LinkStatus.BROKEN, http_status=404),
             LinkResult(url=FEW, status=LinkStatus.BROKEN, http_status=410),
             LinkResult(url=f"{DOC}#sec", status=LinkStatus.BROKEN, error="no anchor sec")]
    store.add_link_results(run_id, final)
    results = {r.url: r for r in store.link_results(run_id)}

    early, after = link_sources(store, run_id, rows), link_sources(store, run_id)
    assert early == after
    sources, totals = _expected(links, results)
    assert after.sources == sources and after.totals == totals
    # what that means, spelt out
    assert len(after.sources[GONE]) == 15 > MAX_SOURCES_HEALTHY and len(after.sources[MENU]) == MAX_SOURCES_HEALTHY
    assert [s["page"] for s in after.sources[MENU]] == [f"{SITE}/p{i:02d}.html" for i in range(MAX_SOURCES_HEALTHY)]
    assert len(after.sources[f"{DOC}#sec"]) == 12 and after.totals[DOC] == 3
    assert after.totals[LIST] == 13 and f"{LIST}#top" not in after.totals


def test_url_names_name_every_id_asked(store):
    """link_rows reads URL ids and names the few it keeps: more than one statement's worth of them."""
    wanted = [f"{SITE}/n{i}.html" for i in range(1203)]
    ids = store.url_ids(wanted)
    names = store.url_names([ids[url] for url in wanted] + [ids[wanted[0]]])
    assert names == {ids[url]: url for url in wanted}
    assert store.url_names([]) == {}


def test_a_kept_read_of_the_link_table_is_the_read_itself(store):
    """encode_rows / decode_rows (what an unchanged night takes from the night before): every key, count and
    source back as read, with quotes, commas and a newline in a text."""
    links = _links() + [Link(f"{SITE}/odd.html", MENU, "", 'say "hi",\n 中文', "a", "href", "", 3, 0)]
    run_id = store.create_run(site="s", start_url=f"{SITE}/", tool_version="t", profile_hash="h", profile={},
                              rubric="")
    store.add_links(run_id, links)
    rows = link_rows(store, run_id)
    assert decode_rows(encode_rows(rows)) == rows
    with pytest.raises(ValueError, match="not a kept read"):
        decode_rows(b"not zlib")
    # a damaged kept read is not taken: the runner reads the table again
    store.keep_link_read("s", rows_key("d"), zlib.compress(b'{"first": 1}'))
    assert runner._kept_rows(store, "s", "d") is None
    store.keep_link_read("s", rows_key("d"), encode_rows(rows))
    kept = runner._kept_rows(store, "s", "d")
    assert kept is not None and kept.kept and kept.rows == rows
    assert runner._kept_rows(store, "s", "other") is None and runner._kept_rows(store, "s", None) is None

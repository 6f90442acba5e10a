"""What an incremental night reads of the baseline run (crawler/revalidate.py): the heads of its pages in one
query, on every backend, and each stored body only if something reads it; and the links digest its checks
are compared on (govaudit/reuse.py)."""

from __future__ import annotations

import hashlib

from scrapy.http import HtmlResponse

from govaudit.crawler import traps
from govaudit.crawler.revalidate import Baseline
from govaudit.models import Page

SITE = "http://127.0.0.1:8000/"
BODY = "<html><head><title>首頁</title></head><body><p>政府資訊公開</p></body></html>".encode()
ODD = b"<html><body>no type said</body></html>"


def _page(url: str, body: bytes | None, **fields) -> Page:
    return Page(url, url, fields.pop("http_status", 200), fetched_at="x",
                body_hash=hashlib.sha256(body).hexdigest() if body else None, size=len(body or b""), **fields)


def _baseline_run(store) -> int:
    run = store.create_run(site="s", start_url=SITE, tool_version="t", profile_hash="h", profile={}, rubric="r")
    etag = {"content-type": "text/html; charset=utf-8", "etag": '"abc"'}
    facts = {traps.FACTS: {"content_key": "k1"}, "disclosure": {"many": "facts of a check"}}
    with store.transaction():
        store.add_pages(run, [
            (_page(SITE, BODY, content_type="text/html", headers=etag, facts=facts), BODY),
            (_page(SITE + "novalidator", BODY, content_type="text/html", headers={"content-type": "text/html"}), BODY),
            (_page(SITE + "gone", None, http_status=404, headers=etag), None),
            # its row names a body the store does not hold (a pruned one): nothing to revalidate against
            (_page(SITE + "pruned", b"<html>x</html>", headers=etag), None),
            (_page(SITE + "untyped", ODD, headers={"etag": '"odd"'}), ODD),
        ])
    return run


def test_page_heads_are_the_pages_whose_body_is_stored(store):
    run = _baseline_run(store)
    heads = {head.url: head for head in store.page_heads(run)}
    assert sorted(heads) == [SITE, SITE + "novalidator", SITE + "untyped"]
    home = heads[SITE]
    assert (home.http_status, home.size, home.body_hash) == (200, len(BODY), hashlib.sha256(BODY).hexdigest())
    assert home.headers["etag"] == '"abc"' and home.facts[traps.FACTS] == {"content_key": "k1"}
    assert list(store.page_heads(run + 1)) == []


def test_baseline_reads_a_stored_body_only_when_it_is_read(store):
    run = _baseline_run(store)
    baseline = Baseline(store.url, run)
    reads: list[str] = []
    real = baseline.store.body
    baseline.store.body = lambda body_hash: reads.append(body_hash) or real(body_hash)
    try:
        assert baseline.page(SITE + "novalidator") is None and baseline.page(SITE + "gone") is None
        head = baseline.page(SITE)
        assert head is not None and head.facts == {traps.FACTS: {"content_key": "k1"}}  # the checks' facts dropped
        response = baseline.response(head)
        assert isinstance(response, HtmlResponse) and response.status == 200 and reads == []
        assert response.headers[b"Etag"] == b'"abc"'
        assert response.body == BODY and "政府資訊公開" in response.text and len(reads) == 1
        assert response.body == BODY and len(reads) == 1  # read once
        # Headers that name no type: the body decides the class, as Scrapy decides it, so it is read at once
        odd = baseline.page(SITE + "untyped")
        assert odd is not None
        answer = baseline.response(odd)
        assert len(reads) == 2 and isinstance(answer, HtmlResponse) and answer.body == ODD
        full = baseline.full(SITE)
        assert full is not None and full.facts["disclosure"] == {"many": "facts of a check"}
    finally:
        baseline.close()


def test_baseline_heads_are_read_from_the_start_and_again_if_that_read_failed(store, monkeypatch):
    """The heads are read in a thread begun with the Baseline (while robots.txt is fetched); page() takes
    them, or reads them itself when that thread could not."""
    run = _baseline_run(store)
    baseline = Baseline(store.url, run)
    try:
        baseline._reading.join()
        assert baseline._read is not None and sorted(baseline._read) == [SITE, SITE + "untyped"]  # before any page()
        assert baseline.page(SITE) is not None and baseline.page(SITE + "gone") is None
    finally:
        baseline.close()
    monkeypatch.setattr(Baseline, "_read_heads", lambda self, url: None)  # a read that failed
    again = Baseline(store.url, run)
    try:
        head = again.page(SITE)
        assert head is not None and head.facts == {traps.FACTS: {"content_key": "k1"}}
        assert again.page(SITE + "untyped") is not None and again.page(SITE + "pruned") is None
    finally:
        again.close()


def test_links_digest_is_the_digest_of_every_row_as_written(store):
    """The links digest (govaudit/reuse.py's LINKS input) is sha256 of the run's rows, one line each in
    (source, position) order, texts quoted: computed here from its definition, on every backend."""
    from govaudit.models import Link  # noqa: PLC0415

    run = store.create_run(site="s", start_url=SITE, tool_version="t", profile_hash="h", profile={}, rubric="r")
    a, b = SITE + "a", SITE + "b"
    rows = [Link(a, b, "", "it's 「公開」\nnext line", "a", "href", "nofollow", 3, 1),
            Link(a, a, "top", "", "a", "href", "", 1, 0),
            Link(b, a, "", "search", "form", "action", "", 0, -1),
            Link(b, SITE, "frag'ment", "%s %d 100%", "area", "href", "", 12, 0)]
    with store.transaction():
        store.add_pages(run, [(_page(a, None), None), (_page(b, None), None)])
        store.add_links(run, rows)
    ids = store.url_ids([a, b, SITE])

    def quoted(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    lines = sorted((ids[r.source], r.position, f"{ids[r.source]},{ids[r.target]},{quoted(r.fragment)},{quoted(r.text)},"
                    f"{r.tag},{r.attribute},{quoted(r.rel)},{r.line},{r.position}") for r in rows)
    assert store.links_digest(run) == hashlib.sha256("\n".join(x for _, _, x in lines).encode()).hexdigest()
    with store.transaction():
        store.add_links(run, [Link(b, b, "", "one more", "a", "href", "", 4, 1)])
    assert store.links_digest(run) != hashlib.sha256("\n".join(x for _, _, x in lines).encode()).hexdigest()

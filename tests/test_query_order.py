"""One page under two query orders is fetched once (urls.identity), and each link keeps the address as
its page wrote it, with the one page's result (real HTTP server on 127.0.0.1, through the runner)."""

import json

from hypothesis import given
from hypothesis import strategies as st

from govaudit import runner, urls
from govaudit.profile import load_profile
from govaudit.store import open_store
from tests.siteserver import SiteServer, html
from tests.testdb import db_at

ROUTES = {
    "/": html('<a href="/list?a=1&amp;b=2">列表</a> <a href="/news.html">新聞</a>'
              ' <a href="/gone?x=1&amp;y=2">舊</a>', title="首頁"),
    # the same two pages linked again later, with their parameters in the other order
    "/news.html": html('<a href="/list?b=2&amp;a=1">列表（另一順序）</a> <a href="/gone?y=2&amp;x=1">舊</a>', title="新聞"),
    "/list?a=1&b=2": html('<a href="/item.html">項目</a>', title="列表"),
    "/list?b=2&a=1": html('<a href="/item.html">項目</a>', title="列表"),
    "/item.html": html("<p>項目</p>", title="項目"),
}


def test_one_page_in_two_query_orders_is_fetched_once(tmp_path):
    with SiteServer(ROUTES) as server:
        profile = load_profile(None).with_overrides(links={"timeout": 5})
        profile = profile.model_copy(update={"checks": {"accessibility": None}})  # Chromium would load the page too
        outcome = runner.audit(server.url, profile, db=db_at(tmp_path / "a.sqlite"), out=tmp_path / "out", offline=True)
        hits = [path for method, path in server.hits if path.startswith(("/list", "/gone"))]
    base = server.url
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    links = {lk["url"]: lk for lk in doc["links"]}
    assert sorted(hits) == ["/gone?x=1&y=2", "/list?a=1&b=2"]  # each page once, in the order first met
    # each link as its page wrote it, with the one page's verdict
    assert links[base + "list?a=1&b=2"]["status"] == links[base + "list?b=2&a=1"]["status"] == "ok"
    assert links[base + "gone?x=1&y=2"]["status"] == links[base + "gone?y=2&x=1"]["status"] == "broken"
    assert links[base + "gone?y=2&x=1"]["http_status"] == 404
    assert [s["page"] for s in links[base + "list?b=2&a=1"]["sources"]] == [base + "news.html"]
    with open_store(db_at(tmp_path / "a.sqlite")) as store:
        crawled = [p.url for p in store.pages(outcome.run_id)]
    assert crawled.count(base + "list?a=1&b=2") == 1 and base + "list?b=2&a=1" not in crawled


_PARAM = st.text("abcxyz%=", min_size=1, max_size=5)


@given(st.lists(st.tuples(_PARAM, _PARAM), min_size=1, max_size=5), st.randoms())
def test_identity_ignores_query_order_and_is_idempotent(pairs, rnd):
    url = urls.normalize_url("http://127.0.0.1/p?" + "&".join(f"{k}={v}" for k, v in pairs))
    shuffled = list(pairs)
    rnd.shuffle(shuffled)
    other = urls.normalize_url("http://127.0.0.1/p?" + "&".join(f"{k}={v}" for k, v in shuffled))
    key = urls.identity(url)
    assert urls.identity(key) == key and urls.identity(other) == key

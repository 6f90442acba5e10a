"""The per-pattern budget (crawl.max_pages_per_pattern, crawler/traps.py): a query-string explosion whose
pages repeat one another is bounded while it is crawled and reported as a trap; a large archive of
distinct pages under one pattern (an agency's news items) is not cut."""

from __future__ import annotations

import itertools
import json
from urllib.parse import urlencode

import yaml

from govaudit import runner
from govaudit.crawler import traps
from govaudit.profile import load_profile
from govaudit.store import open_store
from tests.siteserver import SiteServer, html

FACETS = {"color": 5, "size": 5, "brand": 5}  # 216 addresses of one listing (unset or one of 5 values)
NEWS = 150  # distinct items under /News_Content.aspx?n=&s=, more than the budget
BUDGET = 20
MENU = "".join(f'<a href="/cp.aspx?n={i}">{w}</a>' for i, w in enumerate(
    ["首頁", "機關介紹", "業務資訊", "政府資訊公開", "便民服務", "法令規章", "最新消息", "網站導覽"]))


def _item_text(k: int) -> str:
    """Words of their own for each item (characters drawn by k), as real items have."""
    return "".join(chr(0x4E00 + (k * 37 + j * 101) % 20000) for j in range(12))


def _catalog(query: dict[str, str]) -> str:
    links = [f'<a href="/catalog?{urlencode(sorted({**query, name: str(v)}.items())).replace("&", "&amp;")}">{name} {v}</a>'
             for name, values in FACETS.items() for v in range(values) if query.get(name) != str(v)]
    return " ".join(links)


def _site() -> dict:
    news = "".join(f'<li><a href="/News_Content.aspx?n=7&amp;s={k}">{_item_text(k)}</a></li>' for k in range(NEWS))
    routes: dict = {
        "/": html(f'{MENU}<a href="/catalog">商品型錄</a> <a href="/News.aspx?n=7">最新消息</a>', title="首頁"),
        "/News.aspx?n=7": html(f"{MENU}<ul>{news}</ul>", title="最新消息"),
    }
    for k in range(NEWS):
        routes[f"/News_Content.aspx?n=7&s={k}"] = html(f"{MENU}<h2>{_item_text(k)}</h2><p>發布日期 2026-11-{k % 28 + 1:02d}</p>",
                                                       title="某某部全球資訊網")
    names = list(FACETS)
    for chosen in itertools.product(*[[None, *range(n)] for n in FACETS.values()]):
        query = {name: str(v) for name, v in zip(names, chosen, strict=True) if v is not None}
        path = "/catalog" + ("?" + urlencode(sorted(query.items())) if query else "")
        routes[path] = html(f"{MENU}{_catalog(query)}", title="商品型錄")
    return routes


def test_a_query_explosion_is_bounded_and_reported_and_distinct_items_are_not_cut(tmp_path):
    profile_path = tmp_path / "profile.yaml"
    profile_path.write_text(yaml.safe_dump({
        "crawl": {"sitemap": False, "max_pages_per_pattern": BUDGET, "concurrency": 8},
        "links": {"timeout": 5}, "checks": {"accessibility": None},
    }), encoding="utf-8")
    with SiteServer(_site()) as server:
        base = server.url
        outcome = runner.audit(base, load_profile(profile_path), db=tmp_path / "a.sqlite", out=tmp_path / "out",
                               offline=True)
        catalog_hits = [path for _, path in server.hits if path.startswith("/catalog")]
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    with open_store(tmp_path / "a.sqlite") as store:
        pages = [p.url for p in store.pages(outcome.run_id) if p.http_status == 200]
    # every news item crawled: 150 distinct pages under one pattern, past the budget of 20
    assert sum("News_Content.aspx" in url for url in pages) == NEWS
    # the catalog: each of its patterns crawled to the budget at most (plus what was in flight), the rest
    # excluded without a request
    per_pattern: dict[str, int] = {}
    for url in pages:
        if "/catalog" in url:
            per_pattern[traps.pattern(url)] = per_pattern.get(traps.pattern(url), 0) + 1
    assert max(per_pattern.values()) < BUDGET + 3 * 8, per_pattern  # (requests in flight when it was spent)
    cuts = {c["kind"]: c for c in doc["run"]["stats"]["cuts"]}
    assert "pattern" in cuts and cuts["pattern"]["limit"] == BUDGET
    # of the 125 addresses with all three facets set, at least those past the budget and the window
    assert cuts["pattern"]["count"] >= 125 - (BUDGET + 3 * 8)
    assert len(catalog_hits) == len(set(catalog_hits)) == 6 ** 3 - cuts["pattern"]["count"]
    assert "/catalog?" in cuts["pattern"]["example"]
    links = {lk["url"]: lk for lk in doc["links"]}
    cut = [lk for url, lk in links.items() if "/catalog" in url and lk["error_kind"] == "crawl_limit"]
    assert len(cut) == cuts["pattern"]["count"] and all(lk["status"] == "excluded" for lk in cut)
    assert not [lk for url, lk in links.items() if "News_Content" in url and lk["status"] != "ok"]
    # named where the officer looks: a crawl.trap finding, a crawl-health monitor, the report
    coverage = next(c for c in doc["checks"] if c["id"] == "crawl_coverage")
    assert {f["code"] for f in coverage["findings"] if f["evidence"]["cut"] == "pattern"} == {"crawl.trap"}
    assert {m["monitor"]: m["status"] for m in doc["run"]["health"]}["crawl_cut.pattern"] == "warn"
    assert "內容重複的同一網址樣式" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert doc["run"]["status"] == "completed"


def test_the_pattern_abstracts_values_and_runs_of_numbers():
    assert traps.pattern("http://x/News_Content.aspx?n=7&s=123") == traps.pattern("http://x/News_Content.aspx?s=9&n=8")
    assert traps.pattern("http://x/deeper/1/11/111/") == traps.pattern("http://x/deeper/2/") == "/deeper/N/"
    assert traps.pattern("http://x/catalog?color=1") != traps.pattern("http://x/catalog?color=1&size=2")


def test_content_keys_ignore_numbers_and_markup_but_not_words():
    page = "<html><body><nav>首頁 最新消息</nav><h1>行事曆 {}</h1><p>本月無活動</p></body></html>"
    assert traps.content_key(page.format("2026-05").encode()) == traps.content_key(page.format("2026-06").encode())
    assert traps.content_key(b"<p>a</p>") == traps.content_key(b"<div>a</div>\n")
    assert traps.content_key(page.format("颱風停班").encode()) != traps.content_key(page.format("疫苗接種").encode())
    # a hostile body of unclosed tags is markup, read once (no backtracking: this returned in 1 ms, not hours)
    assert traps.content_key(b"<" * 1_000_000) == traps.content_key(b"<a" * 500_000) == traps.content_key(b"")


def test_the_budget_applies_once_a_pattern_repeats_itself():
    budget = traps.PatternBudget(10)
    for k in range(30):  # distinct items: never spent
        budget.crawled(f"http://x/News_Content.aspx?n=1&s={k}", f"key{k}")
    assert not budget.spent("http://x/News_Content.aspx?n=1&s=99")
    for k in range(9):  # repeats, but fewer pages than the budget
        budget.crawled(f"http://x/cal?ym={k}", "same")
    assert not budget.spent("http://x/cal?ym=99")
    budget.crawled("http://x/cal?ym=10", "same")
    assert budget.spent("http://x/cal?ym=99")
    # half distinct, half repeats: not more than half repeat, not spent
    mixed = traps.PatternBudget(10)
    for k in range(20):
        mixed.crawled(f"http://x/p?id={k}", f"key{k // 2}")
    assert not mixed.spent("http://x/p?id=99")
    assert not traps.PatternBudget(0).spent("http://x/cal?ym=1")

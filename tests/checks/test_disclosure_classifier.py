"""The Art. 7 classifier's rules on real HTML in a seeded store: labels by meaning, headlines and news
items never evidence, sections known by the documents they list, dated list entries, and `stale` as a
status with the freshness rule of each time-bound category."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from govaudit.checks.art7 import taxonomy as tx
from govaudit.checks.disclosure import Disclosure
from tests.checks.seed import SeededSite, codes, html

TODAY = dt.date.today()  # the seeded run starts now: the audit date
ROC = TODAY.year - 1911


def _months_ago(months: int) -> tuple[int, int]:
    total = TODAY.year * 12 + TODAY.month - 1 - months
    return total // 12, total % 12 + 1


@pytest.mark.parametrize("text, cid", [
    ("預算、決算及會計月報一覽", "art7-6"),
    ("本署預決算", "art7-6"),
    ("決算及預算", "art7-6"),
    ("行政規則（解釋性規定及裁量基準）", "art7-2"),
    ("解釋函令", "art7-2"),
    ("補(捐)助經費", "art7-9"),
    ("補（捐）助經費專區", "art7-9"),
    ("中程施政計劃", "art7-5a"),  # 計劃 for 計畫
    ("台灣地區公務統計", "art7-5b"),  # 台 for 臺, a topic of four characters before the label
    ("會議記錄", "art7-10"),  # 記錄 for 紀錄
    ("５-１-３ 委員會議議程及紀錄", "art7-10"),  # full-width 網站導覽 numbering
    ("政府資訊公開-請願之處理結果及訴願之決定", "art7-7"),
])
def test_section_labels_match_by_meaning(text: str, cid: str) -> None:
    taxonomy = tx.default()
    assert taxonomy.names(text, taxonomy.category(cid)), text


@pytest.mark.parametrize("text, cid", [
    ("立法院審議通過本署115年度預算", "art7-6"),
    ("本署舉辦訴願制度與行政救濟說明會", "art7-7"),
    ("本署首長說明明年施政重點", "art7-5a"),
    ("115年度觀光產業補助計畫開始受理申請", "art7-9"),
    ("國家賠償統計", "art7-5b"),  # a statistic of claims against the agency, not its business statistics
    ("法令解釋", "art7-1"),  # interpretive rules are item 2, not item 1
])
def test_headlines_and_neighbours_are_not_section_labels(text: str, cid: str) -> None:
    taxonomy = tx.default()
    assert taxonomy.names(text, taxonomy.category(cid)) is None, text


def _home(site: SeededSite, menu: str, news: str = "") -> None:
    site.page("/", html(f'<header><nav>{menu}</nav></header><main><h2>首頁</h2><ul>{news}</ul></main>'), depth=0)


def _status(site: SeededSite) -> dict[str, dict]:
    result = site.run(Disclosure())
    return {c["id"]: c for c in result.data["disclosure"]["categories"]} | {"_codes": {"codes": codes(result)}}


def test_a_news_item_is_never_evidence(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    headline = f"{ROC}年度偏鄉數位補助計畫即日起受理，歡迎申請"
    event = "本署舉辦訴願制度說明會"
    _home(site, "", f'<li><a href="/news/1.html">{headline}</a></li><li><a href="/news/2.html">{event}</a></li>')
    for n, title in ((1, headline), (2, event)):
        site.page(f"/news/{n}.html", html(
            f'<nav class="breadcrumb"><ol><li><a href="/">首頁</a></li><li><a href="/news/">最新消息</a></li>'
            f'<li>{title}</li></ol></nav><main><h2>{title}</h2><p>發布日期：{TODAY.isoformat()}</p>'
            f'<p>附件：<a href="/files/{n}.pdf">簡章</a> <a href="/files/{n}b.pdf">報名表</a></p></main>',
            title=title), depth=1)
    cats = _status(site)
    assert cats["art7-9"]["status"] == "missing" and cats["art7-7"]["status"] == "missing"


def test_a_section_is_known_by_the_documents_it_lists(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    _home(site, '<a href="/p/1.html">施政藍圖</a><a href="/p/2.html">網站導覽</a>')
    rows = "".join(f'<tr><td>{ROC - i}年度施政計畫</td><td>{ROC - i}-01-0{i + 1}</td>'
                   f'<td><a href="/files/plan{i}.pdf" title="{ROC - i}年度施政計畫">下載</a></td></tr>'
                   for i in range(3))
    site.page("/p/1.html", html(f"<main><h2>施政藍圖</h2><table>{rows}</table></main>", title="施政藍圖"), depth=1)
    # an index naming several categories is not a section of any
    site.page("/p/2.html", html('<main><h2>網站導覽</h2><ul><li><a href="/a.html">預算書</a></li>'
                                '<li><a href="/b.html">施政計畫</a></li><li><a href="/c.html">業務統計</a></li></ul></main>',
                                title="網站導覽"), depth=1)
    cats = _status(site)
    plan = cats["art7-5a"]
    assert plan["status"] == "found" and plan["evidence"] == [site.url("/p/1.html")]
    assert "份文件屬此項" in plan["reason"] and plan["freshness"]["current"]
    assert cats["art7-6"]["status"] == "missing"


def test_dated_list_entries_confirm_a_labelled_page(seeded: Callable[..., SeededSite]) -> None:
    """moda-adi's 支付或接受之補助: two entries, each a link carrying its date, to pages not crawled."""
    site = seeded()
    _home(site, '<a href="/subsidies/1285.html">支付或接受之補助</a><a href="/minutes.html">會議紀錄</a>')
    entries = "".join(f'<li><a href="/subsidies/{n}.html" title="{t}"><div>2023-04-21</div><b>{t}</b></a></li>'
                      for n, t in ((5175, "公務預算"), (5173, "特別預算-前瞻第4期")))
    site.page("/subsidies/1285.html", html(f'<main><h2>支付或接受之補助</h2><ul>{entries}</ul></main>',
                                           title="支付或接受之補助"), depth=1)
    # an article with 建立/更新 dates and no list: labelled, but no documents
    site.page("/minutes.html", html(f"<main><h2>會議紀錄</h2><p>建立日期：{ROC - 1}-03-01</p>"
                                    f"<p>更新日期：{ROC}-01-02</p><p>資料整理中。</p></main>", title="會議紀錄"), depth=1)
    cats = _status(site)
    assert cats["art7-9"]["status"] == "found" and "2 筆附日期之項目" in cats["art7-9"]["reason"]
    assert cats["art7-10"]["status"] == "weak"


def _timed_site(site: SeededSite, plans: list[str], stats: list[str], budget: list[str]) -> dict[str, dict]:
    _home(site, '<a href="/plans.html">施政計畫</a><a href="/stats.html">業務統計</a><a href="/budget.html">預算及決算書</a>')
    for path, title, docs in (("/plans.html", "施政計畫", plans), ("/stats.html", "業務統計", stats),
                              ("/budget.html", "預算及決算書", budget)):
        items = "".join(f'<li><a href="/files{path}-{i}.pdf">{d}</a></li>' for i, d in enumerate(docs))
        site.page(path, html(f"<main><h2>{title}</h2><ul>{items}</ul></main>", title=title), depth=1)
    return _status(site)


def test_current_plans_statistics_and_budgets(seeded: Callable[..., SeededSite]) -> None:
    y, m = _months_ago(5)  # monthly statistics five months old are within their six months
    cats = _timed_site(seeded(), [f"中程施政計畫({ROC}-{ROC + 3}年)", f"{ROC - 1}年度施政計畫"],
                       [f"{y - 1911}年{m}月業務統計月報", "統計表"],
                       [f"{ROC}年度單位預算", f"{ROC - 1}年度單位決算"])
    for cid in ("art7-5a", "art7-5b", "art7-6"):
        assert (cats[cid]["status"], cats[cid]["stale"]) == ("found", False), cats[cid]["reason"]
    assert cats["art7-5b"]["freshness"]["period"] == "monthly"
    assert "disclosure.stale" not in cats["_codes"]["codes"]


def test_stale_is_a_status_with_its_reason(seeded: Callable[..., SeededSite]) -> None:
    cats = _timed_site(seeded(), [f"中程施政計畫({ROC - 7}-{ROC - 4}年)", f"{ROC - 4}年度施政重點"],
                       [f"{ROC - 3}年業務統計年報", f"{ROC - 4}年業務統計年報"],
                       [f"{TODAY.year - 4}年度預算書", f"{ROC - 5}年度單位決算"])
    for cid in ("art7-5a", "art7-5b", "art7-6"):
        assert (cats[cid]["status"], cats[cid]["stale"]) == ("stale", True), cats[cid]["reason"]
        assert "未更新" in cats[cid]["reason"]
    assert cats["art7-5a"]["freshness"]["latest_year"] == ROC - 4  # the range's end
    assert cats["art7-5b"]["freshness"]["period"] == "yearly"
    assert cats["art7-6"]["freshness"]["latest_year"] == ROC - 4  # 西元 read as 民國
    assert cats["_codes"]["codes"].count("disclosure.stale") == 3

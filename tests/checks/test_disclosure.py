"""disclosure on a seeded run: the Art. 7 categories found through the hub, their documents and years."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from govaudit.checks.art7 import taxonomy as tx
from govaudit.checks.disclosure import Disclosure
from govaudit.models import CheckStatus
from tests.checks.seed import SeededSite, codes, html

TODAY = dt.date.today()
ROC = TODAY.year - 1911


def _documents(cid: str) -> str:
    """Two dated document entries that also name the years the time-bound categories want."""
    names = {"art7-5a": f"{ROC}年度施政計畫", "art7-6": f"{ROC}年度預算書", "art7-5b": "業務統計月報"}
    first = names.get(cid, "文件一")
    second = f"{ROC - 1}年度決算書" if cid == "art7-6" else "文件二"
    day = TODAY.isoformat()
    return (f'<ul><li><a href="/doc/{cid}-1.pdf">{first}</a> {day}</li>'
            f'<li><a href="/doc/{cid}-2.pdf">{second}</a> {day}</li></ul><p>更新日期：{day}</p>')


def _disclosing_site(site: SeededSite, *, skip: str = "") -> None:
    categories = [c for c in tx.default().categories if c.id != skip]
    site.page("/", html('<nav><a href="/info/">政府資訊公開</a></nav>'))
    menu = "".join(f'<li><a href="/info/{c.id}.html">{c.section_labels[0]}</a></li>' for c in categories)
    site.page("/info/", html(f"<h1>政府資訊公開</h1><ul>{menu}</ul>", title="政府資訊公開"))
    for c in categories:
        site.page(f"/info/{c.id}.html", html(f"<h1>{c.section_labels[0]}</h1>{_documents(c.id)}"
                                             "<p>地址：臺北市 電話：(02)2345-6789</p>", title=c.section_labels[0]),
                  depth=2)


def test_every_category_is_found_and_current(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    _disclosing_site(site)
    result = site.run(Disclosure())
    assert codes(result) == []
    assert result.status == CheckStatus.PASSED
    assert result.metrics["coverage"] == 1.0 and result.metrics["missing"] == 0
    assert result.data["disclosure"]["hub"]["url"] == site.url("/info/")


def test_a_missing_category(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    _disclosing_site(site, skip="art7-9")
    result = site.run(Disclosure())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["disclosure.missing"]
    assert result.findings[0].target == "art7-9"
    assert result.metrics["missing"] == 1 and result.metrics["coverage"] == round(11 / 12, 4)


def test_a_bare_site_has_no_hub(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html("<p>首頁</p>"))
    result = site.run(Disclosure())
    assert result.status == CheckStatus.FAILED
    assert "disclosure.no-hub" in codes(result) and codes(result).count("disclosure.missing") == 12
    assert result.metrics["coverage"] == 0.0

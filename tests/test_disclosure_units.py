"""Dates, the taxonomy file, detection rules and the check's options, without a crawl."""

import datetime as dt

import lxml.html
import pytest

from govaudit.checks.art7 import dates, detect
from govaudit.checks.art7 import taxonomy as tx
from govaudit.checks.art7.pagefacts import analyze
from govaudit.checks.disclosure import Disclosure


@pytest.mark.parametrize("text, expected", [
    ("民國113年9月10日", dt.date(2024, 9, 10)),
    ("113年9月10日", dt.date(2024, 9, 10)),
    ("113-09-10", dt.date(2024, 9, 10)),
    ("113/9/10", dt.date(2024, 9, 10)),
    ("113.9.10", dt.date(2024, 9, 10)),
    ("2024-09-10", dt.date(2024, 9, 10)),
    ("2024/9/10", dt.date(2024, 9, 10)),
    ("2024年9月10日", dt.date(2024, 9, 10)),
    ("99/1/5", dt.date(2010, 1, 5)),
])
def test_roc_and_gregorian_dates(text, expected):
    assert dates.parse_date(f"xx {text} yy") == expected


@pytest.mark.parametrize("text", ["(02)2345-6789", "113-13-01", "113-02-30", "113-9/10", "電話 2380-8500", "民國113年"])
def test_things_that_are_not_dates(text):
    assert dates.parse_date(text) is None


@pytest.mark.parametrize("text, expected", [
    ("更新日期：113-09-10", dt.date(2024, 9, 10)),
    ("最後更新日期:108-9-10", dt.date(2019, 9, 10)),
    ("發布日期 2016/11/01", dt.date(2016, 11, 1)),
    ("最後異動時間: 2017-12-01 10:00", dt.date(2017, 12, 1)),
    ("建立日期 2022-08-27 電話 02-2380-8500", None),
])
def test_labelled_dates(text, expected):
    assert dates.labelled_date(text) == expected


def test_year_keywords_read_roc_and_gregorian_years():
    pattern = dates.year_keyword_pattern(["預算", "決算", "施政計畫"])
    found = [(dates.year_of(m["y"]), m["k"]) for m in pattern.finditer(
        "資安署113年度單位預算案、111年度單位決算、2024年施政計畫、中程施政計畫（114至117年度）")]
    assert found == [(113, "預算"), (111, "決算"), (113, "施政計畫")]


def test_the_date_inside_a_sibling_element_is_the_pages_date():
    doc = lxml.html.document_fromstring(
        "<html><body><main><h2>組織架構</h2><div><b>更新日期：</b><span>2022-10-13</span></div></main>"
        "<footer><p>更新日期：2024-01-14</p></footer></body></html>")
    assert analyze(doc, "http://127.0.0.1/x")["u"] == "2022-10-13"  # the article's, not the footer's


def test_the_bundled_taxonomy_has_the_fixed_ids_and_a_bad_file_is_one_clear_error(tmp_path):
    taxonomy = tx.default()
    assert [c.id for c in taxonomy.categories] == list(tx.CATEGORY_IDS)
    assert taxonomy.category("art7-10").may_be_na and not taxonomy.category("art7-1").may_be_na
    bad = tmp_path / "art7.yaml"
    bad.write_text(tx.default_path().read_text(encoding="utf-8").replace("rule: budget", "rule: yearly"),
                   encoding="utf-8")
    with pytest.raises(ValueError, match=r"art7.yaml: categories\.7\.freshness\.rule"):
        tx.load(bad)


def test_labels_match_short_menu_texts_not_headlines():
    labels = ("補助",)
    assert tx.label_match("支付或接受之補助", labels, 14)
    assert tx.label_match("5-1-3補助", labels, 14)  # 網站導覽 numbering
    assert not tx.label_match("本署113年度偏鄉數位培力補助計畫即日起開始受理申請，歡迎各界踴躍參加", labels, 14)
    assert not tx.label_match("補助受理申請", labels, 14, negative=("受理申請",))


def test_not_applicable_is_validated():
    assert Disclosure({"not_applicable": ["art7-10"]}).not_applicable == {"art7-10"}
    with pytest.raises(ValueError, match="art7-1 may not be marked"):
        Disclosure({"not_applicable": ["art7-1"]})
    with pytest.raises(ValueError, match="unknown category 'art7-11'"):
        Disclosure({"not_applicable": ["art7-11"]})


def _site(plan_year: int, budget_year: int, final_year: int, stats_day: str) -> dict[str, detect.Page]:
    base = "http://127.0.0.1/"

    def page(path, title, **facts):
        return detect.Page(base + path, title, 1, facts)

    menu = [["政府資訊公開", base + "hub", "n", ""], ["施政計畫", base + "plans", "c", ""],
            ["預算及決算書", base + "budget", "c", ""], ["業務統計", base + "stats", "c", ""]]
    return {
        base: detect.Page(base, "首頁", 0, {"l": menu}),
        base + "hub": page("hub", "政府資訊公開", l=menu),
        base + "plans": page("plans", "施政計畫", a=2, yk={"施政計畫": plan_year}),
        base + "budget": page("budget", "預算及決算書", a=3, yk={"預算": budget_year, "決算": final_year}),
        base + "stats": page("stats", "業務統計", a=4, d=[stats_day]),
    }


def test_freshness_is_judged_as_of_the_audit_date_given():
    pages = _site(113, 113, 112, "2024-08-05")
    taxonomy = tx.default()

    def stale(audit):
        result = detect.detect(pages, "http://127.0.0.1/", taxonomy, audit)
        return {c["id"]: (c["status"], c["stale"]) for c in result["categories"]
                if c["id"] in ("art7-5a", "art7-5b", "art7-6")}

    assert stale(dt.date(2024, 9, 10)) == {k: ("found", False) for k in ("art7-5a", "art7-5b", "art7-6")}
    # a page naming no statistic period: its newest date within 6 months (2024-08-05 → 2025-02-05)
    assert stale(dt.date(2025, 2, 1)) == {"art7-5a": ("stale", True), "art7-5b": ("found", False),
                                          "art7-6": ("stale", True)}
    assert stale(dt.date(2025, 3, 1)) == {k: ("stale", True) for k in ("art7-5a", "art7-5b", "art7-6")}


def test_coverage_counts_weak_as_half_and_leaves_not_applicable_out():
    cats = [{"status": s, "freshness": None, "stale": False}
            for s in ("found", "found", "weak", "missing", "not_applicable")]
    assert detect.metrics(cats)["coverage"] == 0.625


def _pages(**extra_links):
    base = "http://127.0.0.1/"
    menu = [["主管法規", "https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=I0020026", "n", ""],
            ["會議紀錄", base + "minutes", "n", ""],
            ["書表下載", base + "forms", "n", ""]]
    return {
        base: detect.Page(base, "首頁", 0, {"l": menu}),
        # A labelled page that lists nothing: weak. A page of attachments titled with item keywords only
        # (手冊 for 行政指導): weak too.
        base + "minutes": detect.Page(base + "minutes", "會議紀錄", 1, {"nd": 1}),
        base + "forms": detect.Page(base + "forms", "參考手冊｜本署", 1, {"a": 6}),
    }


def test_weak_found_through_an_official_system_and_missing():
    result = detect.detect(_pages(), "http://127.0.0.1/", tx.default(), dt.date(2024, 9, 10))
    cats = {c["id"]: c for c in result["categories"]}
    assert cats["art7-1"]["status"] == "found"  # the menu links straight to the law database
    assert cats["art7-1"]["evidence"] == ["https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=I0020026"]
    assert cats["art7-10"]["status"] == "weak" and "lists no documents" in cats["art7-10"]["reason_en"]
    assert "未列出任何文件" in cats["art7-10"]["reason"]
    assert cats["art7-4"]["status"] == "weak" and cats["art7-4"]["evidence"] == ["http://127.0.0.1/forms"]
    assert cats["art7-7"]["status"] == "missing" and cats["art7-7"]["evidence"] == []
    assert result["hub"] is None
    assert detect.metrics(result["categories"])["freshness"] == 0  # the time-bound items are all missing

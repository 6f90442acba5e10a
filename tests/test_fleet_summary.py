"""The cross-agency summary: pure aggregation over AgencyRecords, and its HTML/CSV (escaped, zh-TW, 民國)."""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
from pathlib import Path

from govaudit.fleet.collect import collect
from govaudit.fleet.sites import FleetSite
from govaudit.fleet.summary import AgencyRecord, Indicator, distribution, ranks, shared_defects, summarise
from govaudit.models import IndicatorScore, IndicatorStatus, RunStatus
from govaudit.reports import fleet as writer

IND = [Indicator("disclosure_adequacy", "資訊公開適切性", "Information disclosure adequacy"),
       Indicator("content_validity", "資訊內容有效性")]
DEAD = "http://old.example.gov.tw/"


def _agency(name: str, group: str, d: float | None, c: float | None, *, status: str = "completed",
            history: tuple[dict, ...] = (), broken: frozenset[str] = frozenset(),
            missing: tuple[tuple[str, str], ...] = (), error: str = "") -> AgencyRecord:
    return AgencyRecord(name=name, group=group, start_url=f"https://{name}.example/", run_id=1, status=status,
                        started_at="2026-12-06T18:30:00+00:00", error=error,
                        scores={"disclosure_adequacy": d, "content_validity": c}, history=history,
                        broken_external=broken, missing_art7=missing)


def test_ranks_share_ties_and_skip_missing() -> None:
    assert ranks({"a": 80.0, "b": 90.0, "c": 80.0, "d": None, "e": 70.0}) == \
        {"a": 2, "b": 1, "c": 2, "d": None, "e": 4}


def test_distribution_bins() -> None:
    assert distribution([0.0, 9.99, 10.0, 55.5, 99.0, 100.0, None]) == (2, 1, 0, 0, 0, 1, 0, 0, 0, 2)


def test_shared_defects_count_agencies_not_pages() -> None:
    art7 = ("art7-6", "預算及決算書")
    agencies = [
        _agency("a", "文化部", 50, 50, broken=frozenset({DEAD, "http://only-a/"}), missing=(art7,)),
        _agency("b", "文化部", 50, 50, broken=frozenset({DEAD}), missing=(art7,)),
        _agency("c", "教育部", 50, 50, broken=frozenset({DEAD})),
        _agency("d", "教育部", None, None, status="failed", broken=frozenset({DEAD})),  # not audited: not counted
    ]
    found = shared_defects(agencies)
    assert [(d.kind, d.key, d.agencies) for d in found] == [
        ("dead_link", DEAD, ("a", "b", "c")), ("missing_art7", "art7-6", ("a", "b"))]
    assert shared_defects(agencies, at_least=3)[0].key == DEAD and len(shared_defects(agencies, at_least=3)) == 1


def test_summary_ranks_within_group_with_trend_and_not_audited() -> None:
    agencies = [
        _agency("甲", "文化部", 60.0, 90.0, history=({"disclosure_adequacy": 50.0, "content_validity": 95.0},)),
        _agency("乙", "文化部", 80.0, 70.0),
        _agency("丙", "教育部", 40.0, 40.0),
        _agency("丁", "教育部", 70.0, None, status="incomplete"),
        AgencyRecord(name="戊", group="教育部", status="failed", error="start page unreachable: x"),
        AgencyRecord(name="己", group="文化部", error="no run recorded"),
    ]
    s = summarise(agencies, IND)
    groups = dict(s.groups)
    assert [r.agency.name for r in groups["文化部"]] == ["乙", "甲", "己"]
    assert [r.agency.name for r in groups["教育部"]] == ["丁", "丙", "戊"]
    jia = next(r for r in groups["文化部"] if r.agency.name == "甲")
    assert jia.ranks == {"disclosure_adequacy": 2, "content_validity": 1}
    assert jia.deltas == {"disclosure_adequacy": 10.0, "content_validity": -5.0}
    assert jia.trend["disclosure_adequacy"] == (50.0, 60.0)
    assert [a.name for a in s.not_audited] == ["己", "戊"]
    assert s.counts == {"agencies": 6, "audited": 4, "completed": 3, "incomplete": 1, "not_audited": 2}
    assert sum(s.distribution["disclosure_adequacy"]) == 4 and sum(s.distribution["content_validity"]) == 3


def test_html_escapes_and_uses_taipei_and_roc(tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script>'
    agencies = [_agency(hostile, "文化部", 60.0, 90.0, broken=frozenset({DEAD + hostile})),
                _agency("乙", "文化部", 80.0, 70.0, broken=frozenset({DEAD + hostile})),
                AgencyRecord(name="戊", group="教育部", status="failed", error=f"start page unreachable: {hostile}")]
    files = writer.write(summarise(agencies, IND), tmp_path, generated="2026-12-06T18:30:00+00:00")
    page = (tmp_path / "fleet.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "115年12月7日" in page  # 18:30 UTC is the next day in Taipei
    assert "首頁無法連線：start page unreachable: &lt;script&gt;" in page
    assert "2026-12-07 02:30:00 UTC+08:00" in page
    assert "資訊公開適切性" in page and "無法稽核之機關" in page and 'lang="zh-Hant-TW"' in page
    # the style applies: the CSP names the hash of the very text inside <style> (an escaped copy would not match)
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
    assert f"style-src 'sha256-{digest}'" in html.unescape(page) and "default-src &#39;none&#39;" in page
    rows = list(csv.DictReader(io.StringIO(files[1].read_bytes().decode("utf-8-sig"))))
    assert [r["agency"] for r in rows] == ["乙", hostile, "戊"]
    assert rows[0]["disclosure_adequacy_rank_in_group"] == "1" and rows[2]["status"] == "failed"
    assert rows[0]["audited_at_roc"] == "115年12月7日"


def test_english_report_from_the_catalogue(tmp_path: Path) -> None:
    """--lang en: every word of the page from the `fleet` texts of config/messages/en.yaml (none of the
    zh-TW ones left), ISO dates in Taipei time, the rubric's English label where it has one; the data
    (agency names, groups, reasons) as recorded and escaped."""
    hostile = '<b>"x"</b>'
    agencies = [_agency(hostile, "文化部", 60.0, 90.0, broken=frozenset({DEAD})),
                _agency("乙", "文化部", 80.0, 70.0, broken=frozenset({DEAD})),
                AgencyRecord(name="戊", group="教育部", status="unreachable", error="start page unreachable: x")]
    summary = summarise(agencies, IND)
    writer.write(summary, tmp_path, generated="2026-12-06T18:30:00+00:00", lang="en")
    page = (tmp_path / "fleet.html").read_text(encoding="utf-8")
    en, zh = writer.texts("en"), writer.texts("zh-TW")
    assert set(en) == set(zh)  # the English catalogue has every text, so nothing falls back to zh-TW
    assert 'lang="en"' in page and "<b>" not in page and "&lt;b&gt;" in page
    assert en["title"] in page and en["not_audited"] in page and en["dead_link"] in page
    assert "3 agencies: 2 audited, 0 audited incompletely, 1 could not be audited" in page
    assert "Generated: 2026-12-07 (2026-12-07 02:30:00 UTC+08:00, Taipei time)" in page
    assert "Information disclosure adequacy" in page and "資訊內容有效性" in page  # no English label: as scored
    assert f"{hostile}, 乙".replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;") in page
    assert ">unreachable<" in page and "start page unreachable: x" in page
    words = {v for k, v in zh.items() if isinstance(v, str) and k != "list_separator"}
    left = sorted(w for w in words if w.split("{")[0] and w.split("{")[0] in page)
    assert left == [], left
    assert "年" not in page.split("<main>")[0]  # no 民國 date
    zh_page = writer.render(summary, generated="2026-12-06T18:30:00+00:00")
    assert zh["title"] in zh_page and "115年12月7日" in zh_page and "Information disclosure" not in zh_page


def _scored_run(store, site: str, scores: dict[str, float], status: RunStatus = RunStatus.COMPLETED) -> int:
    run_id = store.create_run(site=site, start_url=f"http://{site}.example/", tool_version="t", profile_hash="h",
                              profile={}, rubric="default@1")
    store.save_scores(run_id, [IndicatorScore(i.id, i.label, scores[i.id], 100, IndicatorStatus.PARTIAL, 1.0, ())
                               for i in IND if i.id in scores])
    store.finish_run(run_id, status)
    return run_id


def test_collect_reads_latest_runs_trend_and_failures(store) -> None:
    _scored_run(store, "甲", {"disclosure_adequacy": 40.0, "content_validity": 80.0})
    _scored_run(store, "乙", {"disclosure_adequacy": 10.0, "content_validity": 10.0}, RunStatus.INTERRUPTED)
    latest = _scored_run(store, "甲", {"disclosure_adequacy": 55.0, "content_validity": 70.0})
    failed = store.create_run(site="乙", start_url="http://乙.example/", tool_version="t", profile_hash="h",
                              profile={}, rubric="default@1")
    store.finish_run(failed, RunStatus.FAILED, error="start page unreachable: http://乙.example/")
    sites = [FleetSite(name="甲", group="文化部", start_url="http://甲.example/"),
             FleetSite(name="乙", group="文化部", start_url="http://乙.example/"),
             FleetSite(name="丙", group="教育部", start_url="http://丙.example/")]
    agencies, indicators = collect(store, sites, report_link=lambda name, url: f"{name}/report.html")
    assert [i.id for i in indicators] == ["disclosure_adequacy", "content_validity"]
    jia, yi, bing = agencies
    assert (jia.run_id, jia.status, jia.scores["disclosure_adequacy"]) == (latest, "completed", 55.0)
    assert jia.history == ({"disclosure_adequacy": 40.0, "content_validity": 80.0},)  # the interrupted run is not
    assert jia.report == "甲/report.html"
    assert (yi.status, yi.audited, yi.error) == ("failed", False, "start page unreachable: http://乙.example/")
    assert (bing.run_id, bing.status, bing.error) == (None, "", "no run recorded")
    row = dict(summarise(agencies, indicators).groups)["文化部"][0]
    assert row.agency.name == "甲" and row.deltas["disclosure_adequacy"] == 15.0
    everything, _ = collect(store)  # no site list: every site in the store, ungrouped
    assert sorted(a.name for a in everything) == ["乙", "甲"]

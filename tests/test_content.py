"""The content check (資訊內容正確度) and findings.csv: real servers on 127.0.0.1 through the real runner,
the real agency pages in shared/realsite/moda-acs for false positives."""

import csv
import io
import json
from pathlib import Path

import pytest

from govaudit import runner
from govaudit.checks.content import ContentCorrectness, mojibake
from govaudit.crawler.extract import parse
from govaudit.profile import load_profile
from govaudit.reports.writers.findings import COLUMNS, FindingsCsvWriter, rows
from tests.siteserver import SiteServer, html
from tests.test_site_quality import NATIONAL_ID, _page
from tests.testdb import db_at

TEXT = "本署舊版網站已於民國108年12月31日停止更新，舊版網站資料已移轉至新版網站。"


def _shared() -> Path:
    root = Path(__file__).resolve().parents[2] / "shared"
    return root if root.exists() else Path("/work/shared")


# -- the mojibake analyzer ------------------------------------------------------------------------------
def test_mojibake_patterns():
    as_latin = TEXT.encode("utf-8").decode("cp1252", "replace")  # 「æœ¬ç½²èˆŠ…」
    as_big5 = TEXT.encode("utf-8").decode("cp950", "ignore")  # 「祉蔡蝬脩撌…」 with the bad cells dropped
    assert mojibake(as_latin)[0] >= 1 and mojibake(as_big5)[0] >= 1
    assert mojibake("caf\u00c3\u00a9\u00e2\u0080\u0099s")[0] == 1  # one run is one spot
    assert mojibake("caf\u00c3\u00a9 \u00e2\u0080\u0099s")[0] == 2
    assert mojibake("申請書\ufffd\ufffd下載")[0] == 1
    count, samples = mojibake(f"{TEXT} caf\u00c3\u00a9")
    assert count == 1 and "caf\u00c3\u00a9" in samples[0]
    # clean Chinese, English and French text is not mojibake
    assert mojibake(TEXT + " Café, naïve résumé « déjà vu » – 2024 © moda ™")[0] == 0


def test_no_mojibake_on_real_agency_pages():
    pages = sorted((_shared() / "realsite" / "moda-acs").rglob("*.html"))
    assert len(pages) >= 15
    for path in pages:
        facts = parse(path.read_text(encoding="utf-8"), "https://moda.gov.tw/", {"content": ContentCorrectness.page_facts})
        assert facts.facts["content"] == {}, path
    # and a page of theirs mis-decoded is caught
    text = pages[0].read_bytes().decode("cp1252", "replace")
    assert parse(text, "https://moda.gov.tw/", {"content": ContentCorrectness.page_facts}).facts["content"]["m"] > 10


def test_bad_options_are_refused():
    for bad in ({"weights": {"spelling": 1}}, {"weights": {"pii": -1}}, {"item_penalty": {"pii": 0}},
                {"min_matches": 0}, {"colour": 1}):
        with pytest.raises(ValueError):
            ContentCorrectness(bad)


# -- a served site, audited by the real runner -----------------------------------------------------------
GAMBLING = html("<h1>線上娛樂城</h1><p>百家樂、老虎機、體驗金，首儲送好禮</p>", title="娛樂城 官方網站")
DATED = "<p>更新日期：2099-01-01</p>"


def _audit(tmp_path, routes, *, checks=None, name="a"):
    profile = load_profile(None).with_overrides(links={"timeout": 5, "retry_backoff": 0})
    profile = profile.model_copy(update={"checks": {"accessibility": None, **(checks or {})}})
    with SiteServer(routes) as site:
        runner.audit(site.url, profile, db=db_at(tmp_path / f"{name}.sqlite"), out=tmp_path / name, offline=True)
        base = site.url
    doc = json.loads((tmp_path / name / "results.json").read_text(encoding="utf-8"))
    return base, doc, {c["id"]: c for c in doc["checks"]}


def _site(spam_url: str, *, clean: bool) -> dict:
    home = ('<a href="/a.html">a</a> <a href="/b.html">b</a> <a href="/c.html">c</a> <a href="/d.html">d</a>'
            f' <a href="{spam_url}casino">合作夥伴</a>')
    return {
        "/": _page(home),
        "/a.html": _page(f"<p>{TEXT}</p>{DATED}"),
        "/b.html": _page(f"<p>{'王小明 ' + ('A12345678X' if clean else NATIONAL_ID)}</p>{DATED}"),
        "/c.html": _page(f"<p>{TEXT if clean else TEXT.encode().decode('cp1252', 'replace')}</p>{DATED}"),
        "/d.html": _page(f"<p>{TEXT}</p>" + (DATED if clean else ""), phone="(02)2345-6789" if clean else "(02)2345-0000"),
    }


def test_every_signal_can_fail_and_the_score_follows_the_rule(tmp_path):
    with SiteServer({"/casino": GAMBLING, "/": GAMBLING}) as spam:
        base, doc, checks = _audit(tmp_path, _site(spam.url, clean=False))
    check = checks["content"]
    section = doc["content"]
    signals = section["signals"]
    assert check["status"] == "failed"
    assert all(s["status"] == "assessed" for s in signals.values())
    assert signals["pii"]["count"] == 1 and signals["pii"]["sample"] == [base + "b.html"]
    assert signals["pii"]["masked"] == ["A12****789"] and signals["pii"]["score"] == 0.5
    assert signals["hijacked"]["count"] == 1 and signals["hijacked"]["targets"] == [spam.url + "casino"]
    assert signals["hijacked"]["sample"] == [base] and signals["hijacked"]["score"] == 0.5
    assert signals["contact"]["sample"] == [base + "d.html"] and signals["contact"]["fields"] == ["phone"]
    assert signals["mojibake"]["sample"] == [base + "c.html"]
    assert signals["undated"]["sample"] == [base + "d.html"] and signals["undated"]["assessed"] == 4
    for name in ("contact", "mojibake"):
        assert signals[name]["score"] == pytest.approx(1 - 1 / signals[name]["assessed"], abs=1e-4)
    assert signals["undated"]["score"] == 0.75
    expected = sum(s["weight"] * s["score"] for s in signals.values()) / sum(s["weight"] for s in signals.values())
    assert check["metrics"]["correctness"] == pytest.approx(expected, abs=1e-4) == section["correctness"]
    # only the new signal is a finding here; the others stay findings of their own checks
    assert [(f["code"], f["page"]) for f in check["findings"]] == [("content.mojibake", base + "c.html")]
    assert {"pii.national-id"} <= {f["code"] for f in checks["pii"]["findings"]}
    assert "link.hijacked" in {f["code"] for f in checks["broken_links"]["findings"]}
    # the rubric component reads the metric
    validity = next(i for i in doc["indicators"] if i["id"] == "content_validity")
    component = next(c for c in validity["components"] if c["id"] == "content_correctness")
    assert component["score"] == check["metrics"]["correctness"] and component["status"] != "not_assessed"

    # findings.csv: every finding of every check, Excel-ready, masked personal data only
    raw = (tmp_path / "a" / "findings.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert NATIONAL_ID.encode() not in raw and b"A12****789" in raw
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(table[0]) == list(COLUMNS)
    assert len(table) == sum(len(c["findings"]) for c in doc["checks"])
    pii_row = next(r for r in table if r["code"] == "pii.national-id")
    assert pii_row["severity"] == "critical" and pii_row["page"] == base + "b.html" and pii_row["run"] == "1"
    assert pii_row["description_zh"].startswith("網頁或附件公開") and pii_row["fingerprint"]
    assert table[0]["severity"] == "critical"  # most severe first


def test_clean_site_passes_and_disabled_sources_leave_the_denominator(tmp_path):
    with SiteServer({"/casino": html("<p>夥伴網站</p>", title="夥伴")}) as partner:
        _, doc, checks = _audit(tmp_path, _site(partner.url, clean=True))
        _, doc2, checks2 = _audit(tmp_path, _site(partner.url, clean=False), name="b",
                                  checks={"pii": None, "freshness": None, "broken_links": None})
    assert checks["content"]["status"] == "passed" and checks["content"]["metrics"]["correctness"] == 1.0
    assert all(s["score"] == 1.0 for s in doc["content"]["signals"].values())
    assert not (tmp_path / "a" / "findings.csv").read_text(encoding="utf-8-sig").count("content.mojibake")

    signals = doc2["content"]["signals"]
    for name, source in (("pii", "pii"), ("undated", "freshness"), ("hijacked", "broken_links")):
        assert signals[name]["status"] == "not_assessed" and signals[name]["score"] is None, name
        assert source in signals[name]["reason"]
    assessed = {n: s for n, s in signals.items() if s["status"] == "assessed"}
    assert set(assessed) == {"contact", "mojibake"}
    expected = sum(s["weight"] * s["score"] for s in assessed.values()) / sum(s["weight"] for s in assessed.values())
    assert doc2["content"]["correctness"] == pytest.approx(expected, abs=1e-4)
    assert doc2["content"]["weight_assessed"] == 30 and checks2["content"]["metrics"]["pii_score"] is None


def test_hijack_scan_off_is_not_assessed(tmp_path):
    with SiteServer({"/casino": GAMBLING}) as spam:
        profile = load_profile(None).with_overrides(links={"timeout": 5, "hijack_scan_bytes": 0})
        profile = profile.model_copy(update={"checks": {"accessibility": None}})
        with SiteServer(_site(spam.url, clean=True)) as site:
            runner.audit(site.url, profile, db=db_at(tmp_path / "a.sqlite"), out=tmp_path / "o", offline=True)
    signals = json.loads((tmp_path / "o" / "results.json").read_text(encoding="utf-8"))["content"]["signals"]
    assert signals["hijacked"]["status"] == "not_assessed" and "hijack_scan_bytes" in signals["hijacked"]["reason"]


# -- findings.csv on its own ------------------------------------------------------------------------------
def _doc(changes):
    finding = {"code": "pii.national-id", "severity": "critical", "page": "http://h/a", "target": "",
               "message": "=HYPERLINK(\"http://evil\")", "fingerprint": "f1", "evidence": {"masked": ["A12****789"]},
               "accepted": None}
    other = {**finding, "code": "link.broken", "severity": "high", "message": "-2+3", "fingerprint": "f2",
             "target": "@SUM(1)", "evidence": {"first_seen": "2024-01-01", "nights": 3},
             "accepted": {"by": "ack", "note": "known"}}
    return {"run": {"id": 7}, "codes": {"link.broken": {"description": "d", "description_zh": "連結失效"}},
            "checks": [{"id": "broken_links", "findings": [other]}, {"id": "pii", "findings": [finding]}],
            "changes": changes}


def test_findings_csv_guards_formulas_and_reads_changes(tmp_path):
    changes = {"baseline_run": 6, "new": [{"fingerprint": "f1", "nights": 1, "first_seen": "2024-02-01"}],
               "resolved": [], "persisting": [{"fingerprint": "f2", "nights": 5, "first_seen": "2023-12-01"}]}
    path = FindingsCsvWriter().write(_doc(changes), tmp_path)
    table = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    first, second = table
    assert (first["code"], first["change"], first["nights"], first["first_seen"]) == ("pii.national-id", "new", "1",
                                                                                      "2024-02-01")
    assert first["message"] == "'=HYPERLINK(\"http://evil\")" and first["run"] == "7"
    assert (second["change"], second["nights"], second["first_seen"]) == ("persisting", "5", "2023-12-01")
    assert second["message"] == "'-2+3" and second["target"] == "'@SUM(1)"
    assert second["accepted"] == "yes" and second["accepted_note"] == "ack: known"
    assert second["description_zh"] == "連結失效"
    # the shape results.json had before the changes section (link URLs, a count): no change column, evidence used
    old = rows(_doc({"previous_run": None, "new": ["http://h/x"], "resolved": [], "persisting": 0}))
    assert [r[COLUMNS.index("change")] for r in old] == ["", ""]
    assert old[1][COLUMNS.index("nights")] == "3"

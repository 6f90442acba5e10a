"""`govaudit demo` end to end: the real CLI serves the demo site and audits it offline; every result is
held against the demo's ground truth."""

import csv
import datetime
import io
import json
import subprocess
import sys

import pytest

from govaudit.store import open_store
from govaudit.urls import normalize_url
from tests.demoaudit import run_demo
from tests.testdb import db_at, db_copy

# Ground-truth class → the statuses the link stage may give it (first night).
EXPECTED = {
    "healthy": {"ok"}, "redirect_temporary": {"ok"}, "head_refused": {"ok"},
    "redirect_permanent": {"redirected"},
    "definitive": {"broken"},
    "transient": {"unverified"}, "rate_limited": {"unverified"},
    "excluded": {"excluded"}, "robots": {"excluded"},
    "unsupported": {"unsupported"},
    # Answering 200, yet broken: a lapsed domain now serving gambling spam, a host whose every path is 200.
    "hijacked": {"broken"}, "soft404": {"broken"},
}


@pytest.fixture(scope="module")
def demo(demo_audit):
    a = demo_audit
    return a.base, a.proc, a.results, a.truth, {link["url"]: link for link in a.results["links"]}


def _key(url: str) -> str:
    return normalize_url(url) if url.startswith("http") else url


def test_demo_prints_the_report_paths(demo):
    base, proc, results, truth, _ = demo
    assert results["run"]["status"] == "completed"
    for name in ("report.html", "results.json", "links.csv", "demo-ground-truth.json"):
        assert str(base / "out" / name) in proc.stdout


def test_every_ground_truth_link_has_the_expected_status(demo):
    *_, truth, links = demo
    wrong = []
    for url, expected in truth["links"].items():
        got = links.get(_key(url))
        if got is None or got["status"] not in EXPECTED[expected["class"]]:
            wrong.append((expected["class"], expected["kind"], url, got and got["status"]))
    assert not wrong, wrong


def test_definitive_defects_are_broken_and_nothing_healthy_is(demo):
    *_, truth, links = demo
    broken = {u for u, lk in links.items() if lk["status"] == "broken"}
    definitive = {_key(u) for u, t in truth["links"].items() if t["class"] in ("definitive", "hijacked", "soft404")}
    missing_fragments = {f["url"] for f in truth["fragments"] if not f["exists"]}
    assert definitive and missing_fragments
    assert broken == definitive | missing_fragments


def test_fragments(demo):
    *_, truth, links = demo
    for fragment in truth["fragments"]:
        assert links[fragment["url"]]["status"] == ("ok" if fragment["exists"] else "broken"), fragment


def test_pages_crawled_big5_and_bounded_trap(demo, tmp_path_factory):
    base, _, results, truth, _ = demo
    assert len(truth["html_pages"]) >= 300
    with open_store(db_at(base / "demo.sqlite")) as store:
        pages = {p.url: p for p in store.pages(results["run"]["id"])}
    crawled = {u for u, p in pages.items() if p.http_status == 200 and p.title}
    assert {normalize_url(u) for u in truth["html_pages"]} <= crawled
    assert pages[truth["big5_page"]["url"]].title == truth["big5_page"]["title"]
    calendar = [p for u, p in pages.items() if u.startswith(truth["calendar_prefix"])]
    # The spider trap (previous / next month for ever) ends at the demo profile's max_depth of 8.
    assert calendar and max(p.depth for p in calendar) <= 8 and len(calendar) <= 2 * 8 + 1
    assert results["run"]["stats"]["bytes"] < 20_000_000  # the 50 MB file was checked, not downloaded


def test_sources_name_page_text_and_element(demo):
    *_, truth, links = demo
    dead = truth["sitemap"]["dead_url"]
    assert links[dead]["sources"][0]["page"] == truth["sitemap"]["url"]
    for url, expected in truth["links"].items():
        link = links[_key(url)]
        pages = {s["page"] for s in link["sources"]}
        if link["status"] == "broken":
            assert pages == {normalize_url(p) for p in expected["sources"]}, url


def test_scores_and_findings(demo):
    *_, results, _, links = demo
    (check,) = [c for c in results["checks"] if c["id"] == "broken_links"]
    assert check["status"] == "failed"
    assert check["metrics"]["broken"] == sum(lk["status"] == "broken" for lk in links.values())
    codes = {f["code"] for f in check["findings"]}
    assert {"link.broken", "link.missing-fragment", "link.invalid", "link.redirected", "link.unverified"} <= codes
    validity = next(i for i in results["indicators"] if i["id"] == "content_validity")
    component = next(c for c in validity["components"] if c["id"] == "link_correctness")
    assert component["score"] == check["metrics"]["link_correctness"]
    # The score is the weighted mean of the assessed components; the others leave the denominator.
    assessed = [c for c in validity["components"] if c["score"] is not None]
    weight = sum(c["weight"] for c in assessed)
    assert 0 < validity["coverage"] <= 1 and validity["coverage"] == pytest.approx(weight / 100)
    assert validity["score"] == pytest.approx(100 * sum(c["weight"] * c["score"] for c in assessed) / weight, abs=0.01)
    assert validity["status"] == ("not_assessed" if validity["coverage"] < 0.6 else validity["status"])


def test_second_demo_run_keeps_both_and_rebuilds_the_first(demo, tmp_path):
    shared, _, first, _, _ = demo
    base = tmp_path  # a copy: the shared audit's database keeps its one run for the other tests
    db_copy(db_at(shared / "demo.sqlite"), base / "demo.sqlite")
    _, second, _ = run_demo(db_at(base / "demo.sqlite"), base / "out2")
    assert second["run"]["id"] == first["run"]["id"] + 1
    assert second["run"]["previous_run"] == first["run"]["id"]
    proc = subprocess.run([sys.executable, "-m", "govaudit", "report", "--run", str(first["run"]["id"]),
                           "--db", str(db_at(base / "demo.sqlite")), "--out", str(base / "rebuilt")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rebuilt = json.loads((base / "rebuilt" / "results.json").read_text(encoding="utf-8"))
    assert rebuilt["links"] == first["links"] and rebuilt["checks"] == first["checks"]


def test_accessibility_mark_matches_the_truth(demo):
    *_, results, truth, _ = demo
    mark, badge = truth["accessibility_mark"], results["accessibility"]["badge"]
    assert mark["on_home_page"] and badge["present"] and badge["home_page"] == truth["start_url"]
    assert (badge["certificate_id"], badge["host"], badge["level"]) == (mark["certificate_id"], mark["host"],
                                                                         mark["level"])
    issued = datetime.date(int(mark["certificate_id"][:4]), int(mark["certificate_id"][4:6]),
                           int(mark["certificate_id"][6:8]))
    expires = issued.replace(year=issued.year + 3) + datetime.timedelta(days=90)
    assert badge["likely_expired"] is (expires < datetime.date.fromisoformat(truth["today"]))
    without = set(truth["html_pages"]) - set(mark["pages"])
    assert badge["pages_checked"] - badge["pages_with_badge"] == len(without) == 1


def test_bilingual_matches_the_truth(demo):
    *_, results, truth, _ = demo
    section = results["bilingual"]
    assert section["english_home"]["url"] == truth["english"]["home"]
    assert {(p["zh"], p["en"]) for p in section["pairs"]} == {tuple(p) for p in truth["english"]["pairs"]}
    assert all(section["coverage"]["key_pages"].values())
    assert section["coverage"]["key_pages"]["open_data"].endswith("/en/open-data.html")
    # the one defect: the legacy Big5 page has a bare <html>
    assert [(f["code"], f["page"]) for f in section["findings"]] == [("bilingual.lang-wrong", truth["big5_page"]["url"])]
    indicator = next(i for i in results["indicators"] if i["id"] == "retrieval_convenience")
    assert indicator["score"] == 100.0


def test_accessibility_finds_the_missing_alt_image_and_lists_templates(demo):
    base, _, results, truth, _ = demo
    check = next(c for c in results["checks"] if c["id"] == "accessibility")
    assert check["status"] == "failed", check["error"]
    section = results["accessibility"]
    pages = {p["url"]: p for p in section["pages"]}
    page = pages[_key(truth["image_without_alt"]["page"])]
    (image,) = [v for v in page["violations"] if v["rule"] == "image-alt"]
    assert image["codes"] == {"110.07": ["HM1110100C"], "115.11": ["HM1110100C"]} and image["wcag"] == ["1.1.1"]
    src = truth["image_without_alt"]["src"].split("/", 3)[3]
    assert any(src in node["html"] for node in image["nodes"])
    # the legacy Big5 page has no lang attribute: seeded, and reported with its code
    legacy = pages[_key(truth["big5_page"]["url"])]
    assert {"html-has-lang"} <= {v["rule"] for v in legacy["violations"]}
    assert next(v for v in legacy["violations"] if v["rule"] == "html-has-lang")["codes"]["110.07"] == ["HM1310100C"]
    # every crawled HTML page belongs to one listed template; each template has a page tested
    templates = section["templates"]
    with open_store(db_at(base / "demo.sqlite"), readonly=True) as store:
        crawled = [p for p in store.pages(results["run"]["id"])
                   if p.body_hash and 200 <= (p.http_status or 0) < 300 and "html" in p.content_type]
    assert sum(t["pages"] for t in templates) == len(crawled) >= len(truth["html_pages"])
    assert all(t["tested"] >= 1 for t in templates) and max(t["pages"] for t in templates) > 1
    assert pages[results["run"]["start_url"]]["reason"] == "home"


def test_content_signals_match_the_truth(demo):
    base, _, results, truth, _ = demo
    signals = results["content"]["signals"]
    hijacked = {_key(u) for u, t in truth["links"].items() if t["class"] == "hijacked"}
    assert hijacked and set(signals["hijacked"]["targets"]) == hijacked and signals["hijacked"]["score"] < 1
    assert truth["big5_page"]["url"] in signals["undated"]["sample"]  # the legacy page shows no date
    assert signals["pii"]["count"] == 0 and signals["mojibake"]["count"] == 0  # the Big5 page decodes right
    validity = next(i for i in results["indicators"] if i["id"] == "content_validity")
    component = next(c for c in validity["components"] if c["id"] == "content_correctness")
    assert component["score"] == results["content"]["correctness"] < 1
    text = (base / "out" / "findings.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) - 1 == sum(len(c["findings"]) for c in results["checks"])
    # the report's 資訊內容正確度 section shows each signal with its sub-score
    html = (base / "out" / "report.html").read_text(encoding="utf-8")
    section = html[html.index('id="content"'):]
    section = section[:section.index("</section>")]
    assert "連結網域遭劫持" in section and "50.0%" in section and "未標示更新日期" in section

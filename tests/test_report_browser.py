"""report.html in a real browser (issue 6 done-when): a real audit of a small site served on 127.0.0.1,
its report opened from file:// in Debian's headless Chromium with the accessibility stage's offline
flags: no console error, no request but the file itself, filters and sorting work (mouse and keyboard),
a screenshot is taken, a crawled page title holding <script> stays inert text; report.pdf is printed
and its text has the cover and both indicators; --lang en gives English labels."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import pypdf
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from govaudit.chromium import start_chrome
from govaudit.reports.pdf import PdfError, browser_config, print_pdf
from govaudit.reports.writers.html import render
from tests.report_history import with_history
from tests.siteserver import SiteServer, html
from tests.testdb import db_at

XSS = "<script>document.title='pwned';window.__pwned=1</script>"
HTML = {"Content-Type": "text/html; charset=utf-8"}
AGENCY_PAGE = "主管法規"


def _raw(doc: str):
    return 200, HTML, doc.encode("utf-8")


PAGES = {
    "/": html('<h1>首頁</h1><a href="/gov-info/">政府資訊公開</a> <a href="/news/1.html">新聞一</a> '
              '<a href="/news/2.html">新聞二</a> <a href="/moved">舊網址</a> <a href="/missing-a.html">已刪除甲</a>',
              title="首頁"),
    "/news/1.html": _raw('<!DOCTYPE html><html lang="zh-Hant-TW"><head><meta charset="utf-8">'
                         f"<title>新聞{XSS}</title></head><body><h1>新聞一</h1>"
                         '<img src="/a.png" width="10" height="10">'
                         '<a href="/missing-b.html">已刪除乙</a> <a href="/missing-c.html">已刪除丙</a></body></html>'),
    "/news/2.html": html('<h1>新聞二</h1><a href="/missing-a.html">已刪除甲</a> <a href="/moved">舊網址</a>', title="新聞二"),
    "/gov-info/": html(f'<h1>政府資訊公開</h1><a href="/gov-info/regulations.html">{AGENCY_PAGE}</a>',
                       title="政府資訊公開"),
    "/gov-info/regulations.html": html(f"<h1>{AGENCY_PAGE}</h1><p>本署主管法規。</p>", title=AGENCY_PAGE),
    "/moved": (301, {"Location": "/news/2.html"}, b""),
}
ROWS = {"broken": 5, "redirected": 2}  # failure rows (page, target) by status; /a.png is not served either


def _govaudit(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "govaudit", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    work = tmp_path_factory.mktemp("report-browser")
    db, out = db_at(work / "audit.sqlite"), work / "out"
    with SiteServer(PAGES) as site:
        proc = _govaudit("run", site.url, "--offline", "--db", str(db), "--out", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    return {"db": db, "out": out, "work": work, "doc": json.loads((out / "results.json").read_text("utf-8"))}


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="govaudit-test-report-")
    driver = start_chrome(browser_config(), profile, logging=True)
    driver.set_window_size(1280, 1000)
    yield driver
    driver.quit()


def _open(driver, path: Path):
    driver.get(path.as_uri())
    driver.get_log("browser")  # drain: the logs of this page only from here on
    return driver


def _requests(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _visible(driver, selector: str) -> int:
    return sum(1 for el in driver.find_elements(By.CSS_SELECTOR, selector) if el.is_displayed())


def _wait(driver, condition):
    WebDriverWait(driver, 10).until(lambda d: condition())


def test_loads_clean_offline_and_inert(audit, browser):
    report = audit["out"] / "report.html"
    browser.get_log("performance")
    browser.get(report.as_uri())
    # only the file itself: no script, style, font, image or prefetch request of any kind
    assert _requests(browser) == [report.as_uri()]
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    # the crawled title is shown as text in its page group and never runs
    assert browser.execute_script("return window.__pwned === undefined")
    assert "pwned" not in browser.title
    titles = [el.text for el in browser.find_elements(By.CSS_SELECTOR, "#failures .page-title")]
    assert any(XSS in t for t in titles), titles
    shot = audit["work"] / "report.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_failure_filters(audit, browser):
    _open(browser, audit["out"] / "report.html")
    rows = "#failures tbody tr[data-status]"
    assert _visible(browser, rows) == sum(ROWS.values())
    count = browser.find_element(By.CSS_SELECTOR, "#failure-filter output")
    assert str(sum(ROWS.values())) in count.text
    broken = browser.find_element(By.CSS_SELECTOR, '#failure-filter input[name=status][value="broken"]')
    broken.click()
    _wait(browser, lambda: _visible(browser, rows) == ROWS["redirected"])
    assert all(r.get_attribute("data-status") == "redirected"
               for r in browser.find_elements(By.CSS_SELECTOR, rows) if r.is_displayed())
    broken.send_keys(Keys.SPACE)  # the keyboard works too
    _wait(browser, lambda: _visible(browser, rows) == sum(ROWS.values()))
    search = browser.find_element(By.CSS_SELECTOR, "#failure-filter input[type=search]")
    search.send_keys("missing-c")
    _wait(browser, lambda: _visible(browser, rows) == 1)
    # a page group with nothing left is hidden as a whole
    assert _visible(browser, "#failures table.page-group") == 1
    search.clear()
    search.send_keys(XSS[:12])  # matches the hostile page's caption: all its rows
    _wait(browser, lambda: _visible(browser, rows) == 3)


def _column(table, index: int) -> list[str]:
    return [r.find_elements(By.CSS_SELECTOR, "td")[index].text for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")]


def test_sorting_by_mouse_and_keyboard(audit, browser):
    _open(browser, audit["out"] / "report.html")
    table = next(t for t in browser.find_elements(By.CSS_SELECTOR, "#failures table.page-group")
                 if len(t.find_elements(By.CSS_SELECTOR, "tbody tr")) >= 2)
    heads = table.find_elements(By.CSS_SELECTOR, "thead th")
    target = heads[1]  # the target URL column
    button = target.find_element(By.CSS_SELECTOR, "button.sort")
    assert target.get_attribute("aria-sort") is None
    button.click()
    assert target.get_attribute("aria-sort") == "ascending"
    values = _column(table, 1)
    assert values == sorted(values, key=str.lower) and len(set(values)) > 1
    button.send_keys(Keys.ENTER)
    assert target.get_attribute("aria-sort") == "descending"
    assert _column(table, 1) == sorted(values, key=str.lower, reverse=True)
    # sorting by another column clears the first heading's state
    heads[4].find_element(By.CSS_SELECTOR, "button.sort").click()
    assert target.get_attribute("aria-sort") is None and heads[4].get_attribute("aria-sort") == "ascending"
    # the disclosure categories and accessibility rules sort too
    for selector in ("#disclosure table.disclosure-categories", "#accessibility table.accessibility-rules"):
        other = browser.find_element(By.CSS_SELECTOR, selector)
        head = other.find_element(By.CSS_SELECTOR, "thead th")
        head.find_element(By.CSS_SELECTOR, "button.sort").click()
        assert head.get_attribute("aria-sort") == "ascending"


def test_disclosure_and_accessibility_filters(audit, browser):
    _open(browser, audit["out"] / "report.html")
    rows = "#disclosure table.disclosure-categories tbody tr"
    total = _visible(browser, rows)
    missing = len(browser.find_elements(By.CSS_SELECTOR, rows + '[data-status="missing"]'))
    assert total >= 10 and 0 < missing < total  # the Art. 7 categories
    browser.find_element(By.CSS_SELECTOR, '#disclosure form.filters input[value="missing"]').click()
    _wait(browser, lambda: _visible(browser, rows) == total - missing)
    search = browser.find_element(By.CSS_SELECTOR, "#disclosure form.filters input[type=search]")
    search.send_keys(AGENCY_PAGE)
    _wait(browser, lambda: _visible(browser, rows) == 1)
    a11y = "#accessibility table.accessibility-rules tbody tr"
    impacts = [r.get_attribute("data-impact") for r in browser.find_elements(By.CSS_SELECTOR, a11y)]
    assert "critical" in impacts  # image-alt on the hostile news page
    browser.find_element(By.CSS_SELECTOR, '#accessibility form.filters input[value="critical"]').click()
    _wait(browser, lambda: _visible(browser, a11y) == len(impacts) - impacts.count("critical"))


def test_changes_and_trend_in_browser(audit, browser, tmp_path):
    doc = with_history(audit["doc"], runs=6)
    page = tmp_path / "report.html"
    page.write_text(render(doc), encoding="utf-8")
    browser.get_log("performance")
    _open(browser, page)
    assert browser.execute_script("return window.__pwned === undefined") and "pwned" not in browser.title
    lines = browser.find_elements(By.CSS_SELECTOR, "svg.mini polyline")
    assert len(lines) >= 3  # one small chart per indicator, the one with a gap in two pieces
    assert len(browser.find_elements(By.CSS_SELECTOR, "#trend-broken .dot")) == 6
    rows = "#changes table.changes-findings tbody tr"
    total = _visible(browser, rows)
    assert total == 3 + 1 + 6
    high = len(browser.find_elements(By.CSS_SELECTOR, rows + '[data-severity="high"]'))
    browser.find_element(By.CSS_SELECTOR, '#changes form.filters input[value="high"]').click()
    _wait(browser, lambda: _visible(browser, rows) == total - high)
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    shot = tmp_path / "changes.png"
    browser.execute_script("document.getElementById('trend').scrollIntoView()")
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


def _pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(str(path))
    first = reader.pages[0].mediabox
    assert (round(float(first.width)), round(float(first.height))) == (595, 842)  # A4 in points
    # Chromium's CJK glyphs map partly to Kangxi radicals (⽰ for 示): NFKC folds them back
    return unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in reader.pages))


def test_report_pdf_from_the_cli(audit):
    out = audit["work"] / "pdf"
    proc = _govaudit("report", "--db", str(audit["db"]), "--out", str(out), "--pdf", "full")
    assert proc.returncode == 0, proc.stderr
    pdf = out / "report.pdf"
    assert str(pdf) in proc.stdout
    text = _pdf_text(pdf)
    cover = text[: text.index("附錄：完整明細")] if "附錄：完整明細" in text else text
    for label in ("網站資訊公開及內容有效性評估報告", "提升服務品質", "檢測期間", "評分規準", "摘要", "優先改善事項"):
        assert label in cover
    for indicator in ("資訊公開適切性", "資訊內容有效性"):
        assert indicator in cover  # at a glance on the cover
        assert text.count(indicator) >= 2  # and again with its components
    assert "評分方法" in text and XSS in text.replace("\n", "")  # crawled text printed as text


def test_pdf_without_chromium_is_a_clear_error(audit, tmp_path):
    with pytest.raises(PdfError, match="chromium not found"):
        print_pdf(audit["out"] / "report.html", tmp_path / "r.pdf", chromium=str(tmp_path / "no-chromium"))
    assert not (tmp_path / "r.pdf").exists()


def test_english_report(audit):
    out = audit["work"] / "en"
    proc = _govaudit("report", "--db", str(audit["db"]), "--out", str(out), "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    page = (out / "report.html").read_text("utf-8")
    for label in ("Website Audit Report", "How to read", "Method", "Trend over runs", "Indicators at a glance",
                  "Adequacy of information disclosure", "Validity of information content"):
        assert label in page
    for label in ("評分方法", "歷次檢測趨勢", "閱讀方式"):
        assert label not in page

"""The assessment document (issue 15 done-when), on the session's demo audit in real Chromium:
screenshots at 1400 px and 390 px kept as artefacts, the report's own axe-core run (0 violations),
the 390 px layout (no column narrower than 8 characters, the page at most 3× the desktop height),
English words in the visible zh-TW text (at most 10 outside URLs, ids and product names), and
`govaudit report --pdf` read back with pdftotext: at most 12 pages, 第 N 頁，共 M 頁 on every page,
a table of contents whose page numbers are where the sections are; `--pdf full` adds the appendices.

Artefacts (screenshots, PDFs) go to $GOVAUDIT_TEST_ARTEFACTS when set, else to pytest's tmp dir; the
path is printed."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from govaudit.chromium import start_chrome
from govaudit.crawler.browser import axe_script_path
from govaudit.profile import load_rubric
from govaudit.reports.pdf import browser_config

PDF_PAGES_MAX = 12
ENGLISH_WORDS_MAX = 10
# Names that stay as they are in a zh-TW document: products, standards, formats, file and markup names.
ALLOWED = {"axe", "axe-core", "QualWeb", "Alfa", "Chromium", "govaudit", "Freego", "WCAG", "ODF", "SOP", "HTML", "PDF", "UTC", "HTTP",
           "DC", "Category", "Latin", "Big5", "UTF", "Index", "lang", "hreflang", "accesskey", "html", "head",
           "odt", "ods", "odp", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "Asia", "Taipei", "robots", "txt",
           "javascript", "mailto", "ftp", "TLS", "DNS", "GRB", "Options", "Indexes", "Applications", "Detail",
           "Accessible_website", "YYYYMMDDhhmmss", "English", "EN", "en", "zh-Hant-TW"}
# Crawled text is the site's own (English page titles of the English site, anchor texts): not ours to translate.
CRAWLED = "code, .url, .atext, .page-title, #bilingual td, #accessibility ul.accessibility-nodes, #disclosure td.small"

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) missing")


def _artefacts(tmp_path_factory) -> Path:
    base = os.environ.get("GOVAUDIT_TEST_ARTEFACTS")
    path = Path(base) / "report" if base else tmp_path_factory.mktemp("report-artefacts")
    path.mkdir(parents=True, exist_ok=True)
    print(f"report artefacts: {path}")
    return path


@pytest.fixture(scope="module")
def document(demo_audit, tmp_path_factory):
    """report.html and both PDFs of the demo run, through the real CLI (read-only on the demo database)."""
    out = _artefacts(tmp_path_factory)
    pdfs = {}
    for mode, args in (("attachable", ["--pdf"]), ("full", ["--pdf", "full"])):
        target = out / mode
        proc = subprocess.run([sys.executable, "-m", "govaudit", "report", "--db", str(demo_audit.db),
                               "--run", str(demo_audit.results["run"]["id"]), "--out", str(target), *args], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        pdfs[mode] = target / "report.pdf"
    return {"html": out / "attachable" / "report.html", "pdf": pdfs, "artefacts": out}


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="govaudit-test-document-")
    driver = start_chrome(browser_config(), profile)
    driver.set_script_timeout(600)  # axe-core over the whole report on a loaded machine: no time limit asserted
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _load(driver, html: Path, width: int) -> int:
    driver.set_window_size(width, 1000)
    driver.get(html.as_uri())
    return int(driver.execute_script("return document.documentElement.scrollHeight"))


def _axe(driver) -> list:
    """axe-core's violations on the loaded page. Started in the page and polled: one long WebDriver
    call would hit the HTTP client's own timeout on a loaded machine."""
    driver.execute_script(axe_script_path().read_text(encoding="utf-8"))
    driver.execute_script(
        "window.__axe = null;"
        "axe.run(document).then(function (r) { window.__axe = JSON.stringify(r.violations.map(function (v) {"
        "  return [v.id, v.impact, v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); })]; })); })"
        ".catch(function (e) { window.__axe = JSON.stringify([['axe-error', String(e), []]]); });")
    found = WebDriverWait(driver, 1000, poll_frequency=2).until(lambda d: d.execute_script("return window.__axe"))
    return json.loads(found)


def _screenshot(driver, path: Path, width: int, height: int) -> None:
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 6000), "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))


# Columns narrower than 8 characters (of the cell's own font) among the visible cells.
_NARROW = """
var canvas = document.createElement('canvas').getContext('2d'), out = [];
document.querySelectorAll('main td, main th').forEach(function (cell) {
  var box = cell.getBoundingClientRect();
  if (!box.width || !cell.offsetParent || box.right <= 0) { return; }  // hidden, or a visually hidden heading
  var style = getComputedStyle(cell);
  canvas.font = style.fontSize + ' ' + style.fontFamily;
  if (box.width < 8 * canvas.measureText('0').width) { out.push([cell.tagName, Math.round(box.width), cell.textContent.slice(0, 30)]); }
});
return out;
"""


@pytest.mark.timeout(1200)  # axe-core over the whole report twice, on a machine shared with other jobs
def test_screens_and_axe_at_1400_and_390(document, browser):
    heights = {}
    for width in (1400, 390):
        heights[width] = _load(browser, document["html"], width)
        shot = document["artefacts"] / f"report-{width}.png"
        _screenshot(browser, shot, width, heights[width])
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert _axe(browser) == [], width  # an accessibility auditor's report is accessible itself
        if width == 390:
            assert browser.execute_script(_NARROW) == []
            # nothing wider than the screen but the boxes that scroll
            assert browser.execute_script("return document.documentElement.scrollWidth") <= 390 + 1
    assert heights[390] <= 3 * heights[1400], heights


def _english_words(text: str) -> list[str]:
    words = []
    for token in re.findall(r"[A-Za-z][A-Za-z0-9_.\-/@:?=&%#+']*", text):
        if token.endswith("://"):
            continue  # a scheme named in a sentence (http:// 改為 https://)
        token = token.rstrip(".:-/")
        if "://" in token or "@" in token or "/" in token or re.search(r"[\d_.=]", token):
            continue  # a URL, an e-mail address, an id (art7-6, broken_links, link.broken, v1, lang=en)
        if token in ALLOWED or len(token) < 3 or (token.isupper() and len(token) <= 6):
            continue
        words.append(token)
    return words


def test_zh_report_has_at_most_ten_english_words(document, browser):
    _load(browser, document["html"], 1400)
    text = browser.execute_script(
        "var root = document.body.cloneNode(true);"
        f"root.querySelectorAll({CRAWLED!r}).forEach(function (el) {{ el.remove(); }});"
        "document.body.appendChild(root); root.hidden = false;"
        "var t = root.innerText; root.remove(); return t;")
    words = _english_words(text)
    assert len(words) <= ENGLISH_WORDS_MAX, sorted(set(words))
    assert "首次檢測" in text and "優先改善事項" in text and "提升服務品質" in text


def _pdftotext(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert found, info
    return int(found.group(1))


def _toc(text: str) -> dict[str, int]:
    """The contents' entries of page 1 with their page numbers (a line ending in a number)."""
    part = text.split("目錄", 1)[1]
    return {m.group(1).strip(): int(m.group(2)) for m in re.finditer(r"^\s*(\S.*?)\s{2,}(\d+)\s*$", part, re.M)}


def test_pdf_attachable_part_numbered_with_contents(document):
    pdf = document["pdf"]["attachable"]
    total = _pages(pdf)
    assert 2 <= total <= PDF_PAGES_MAX
    texts = [_pdftotext(pdf, n) for n in range(1, total + 1)]
    for n, text in enumerate(texts, 1):
        assert f"第 {n} 頁，共 {total} 頁" in text, n
    toc = _toc(texts[0])
    rubric = load_rubric("default")  # one section per indicator of the rubric the demo is scored by
    assert "摘要" in toc and sum(k.startswith("指標：") for k in toc) == len(rubric.indicators), toc
    for heading, page in toc.items():
        assert 1 < page <= total and heading in texts[page - 1], (heading, page)
    assert "附錄：完整明細" not in "".join(texts[1:])  # the attachable part leaves the appendices out
    summary = texts[toc["摘要"] - 1]
    assert "優先改善事項" in summary and "首次檢測" in summary
    # the whole summary is on its one page: the first indicator starts on the next
    assert min(p for k, p in toc.items() if k.startswith("指標：")) == toc["摘要"] + 1


def test_pdf_full_adds_the_appendices_with_repeated_headings(document):
    pdf = document["pdf"]["full"]
    total = _pages(pdf)
    assert total > _pages(document["pdf"]["attachable"])
    toc = _toc(_pdftotext(pdf, 1))
    appendix = next(p for k, p in toc.items() if k.startswith("附錄"))
    assert "附錄" in _pdftotext(pdf, appendix)
    texts = [_pdftotext(pdf, n) for n in range(appendix, total + 1)]
    # a long table's headings repeat on the pages it continues on, and are never blank
    assert sum(bool(re.search(r"狀態\s+連結目標\s+連結文字", t)) for t in texts) >= 2


def test_english_word_count_counts_words_not_names():
    text = "請 fix the link：http://127.0.0.1/a?b=1 與 broken_links、link.broken、art7-6、WCAG、axe-core、x@y.tw、lang=en"
    assert _english_words(text) == ["fix", "the", "link"]

"""report.pdf: report.html printed to A4 by the headless Chromium the accessibility stage uses.

The file is loaded from file:// with the accessibility stage's offline flags: Chromium resolves no
host name (every name maps to NOTFOUND but loopback) and its background networking, component
updates and sync are off, so printing cannot contact anything. The report's print stylesheet
(@page A4, repeated table headings, page breaks before the summary, indicators and appendices) lays
the pages out; Chromium's footer template numbers them (第 N 頁，共 M 頁).

Two modes: the attachable part (cover, summary, indicator sections; the default of `report --pdf`)
and `full`, which adds the appendices. The table of contents gets its page numbers in two passes:
print, read the page of each anchor from the PDF's named destinations (Chromium writes one per id),
write the numbers into the contents, print again; the numbers take no new line, so they stay true.
"""

from __future__ import annotations

import base64
import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pypdf

from govaudit.chromium import BrowserConfig, loopback_hosts, probe, start_chrome
from govaudit.files import write_atomic
from govaudit.profile import ConfigError

A4_INCHES = (8.27, 11.69)
MODES = ("attachable", "full")
# Chromium fills .pageNumber and .totalPages; the template has its own style (the page's does not apply).
_FOOTER = ('<div style="width:100%;text-align:center;font-size:8pt;color:#4a5360;'
           'font-family:\'Noto Sans CJK TC\',\'Noto Sans TC\',sans-serif">{text}</div>')
_PAGE_OF = {"zh": '第 <span class="pageNumber"></span> 頁，共 <span class="totalPages"></span> 頁',
            "en": 'Page <span class="pageNumber"></span> of <span class="totalPages"></span>'}


class PdfError(ConfigError):
    """The PDF could not be printed (no browser, or the browser failed): a clear message, exit 3."""


def browser_config(chromium: str | None = None, chromedriver: str | None = None) -> BrowserConfig:
    config = BrowserConfig(offline=True, allow_hosts=loopback_hosts([]))
    if chromium or chromedriver:
        config = BrowserConfig(chromium=chromium or config.chromium, chromedriver=chromedriver or config.chromedriver,
                               offline=True, allow_hosts=config.allow_hosts)
    return config


def _print(driver: Any, lang: str) -> bytes:
    footer = _FOOTER.format(text=_PAGE_OF["en" if lang.startswith("en") else "zh"])
    width, height = A4_INCHES
    result = driver.execute_cdp_cmd("Page.printToPDF", {
        "paperWidth": width, "paperHeight": height, "printBackground": True, "preferCSSPageSize": True,
        "displayHeaderFooter": True, "headerTemplate": "<div></div>", "footerTemplate": footer,
    })
    return base64.b64decode(result["data"])


def anchor_pages(data: bytes) -> dict[str, int]:
    """id → 1-based page number of every anchor Chromium wrote as a named destination."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    out = {}
    for name, dest in reader.named_destinations.items():
        try:
            page = reader.get_destination_page_number(dest)
        except Exception:  # noqa: BLE001, S112  (a destination without a page: no number for it)
            continue
        if page is not None:
            out[str(name).lstrip("/")] = page + 1
    return out


# Writes the page numbers into the contents (through CDP, which the page's CSP does not govern).
_NUMBER_TOC = """
var pages = arguments[0];
document.querySelectorAll('nav.toc .pg[data-for]').forEach(function (el) {
  var n = pages[el.getAttribute('data-for')];
  el.textContent = n ? String(n) : '';
});
"""


def print_pdf(html_path: Path, pdf_path: Path | None = None, *, mode: str = "attachable",
              chromium: str | None = None, chromedriver: str | None = None) -> Path:
    """Print html_path (a report.html) to pdf_path (default: report.pdf beside it); returns the path.
    mode "attachable": cover, summary and indicator sections; "full": the appendices too."""
    if mode not in MODES:
        raise PdfError(f"unknown PDF mode {mode!r}: choose one of {', '.join(MODES)}")
    html_path = Path(html_path).resolve()
    if not html_path.is_file():
        raise PdfError(f"no report to print at {html_path}")
    pdf_path = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
    config = browser_config(chromium, chromedriver)
    version, reason = probe(config)
    if not version:
        raise PdfError(f"cannot print the PDF: {reason}")
    profile_dir = tempfile.mkdtemp(prefix="govaudit-pdf-")
    driver = None
    try:
        try:
            driver = start_chrome(config, profile_dir)
            driver.get(html_path.as_uri())
            lang = str(driver.execute_script(
                "if (arguments[0]) { document.documentElement.classList.add('print-attachable'); }"
                "return document.documentElement.lang || '';", mode == "attachable"))
            first = _print(driver, lang)
            driver.execute_script(_NUMBER_TOC, anchor_pages(first))
            data = _print(driver, lang)
        except PdfError:
            raise
        except Exception as exc:  # noqa: BLE001  (selenium / browser failures of every kind)
            raise PdfError(f"Chromium could not print {html_path.name}: {type(exc).__name__}: "
                           f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}") from None
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception:  # noqa: BLE001  (a crashed browser may not answer quit)
                pass
        shutil.rmtree(profile_dir, ignore_errors=True)
    if not data.startswith(b"%PDF"):
        raise PdfError("Chromium returned something that is not a PDF")
    return write_atomic(pdf_path, data)

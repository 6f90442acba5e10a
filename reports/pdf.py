"""report.pdf: report.html printed to A4 by the headless Chromium the accessibility stage uses.

The file is loaded from file:// with the accessibility stage's offline flags: Chromium resolves no
host name (every name maps to NOTFOUND but loopback) and its background networking, component
updates and sync are off, so printing cannot contact anything. The report's print stylesheet
(@page A4, repeated table headings, page breaks before main parts) lays the pages out.
"""

from __future__ import annotations

import base64
import shutil
import tempfile
from pathlib import Path

from govaudit.chromium import BrowserConfig, loopback_hosts, probe, start_chrome
from govaudit.files import write_atomic
from govaudit.profile import ConfigError

A4_INCHES = (8.27, 11.69)


class PdfError(ConfigError):
    """The PDF could not be printed (no browser, or the browser failed): a clear message, exit 3."""


def browser_config(chromium: str | None = None, chromedriver: str | None = None) -> BrowserConfig:
    config = BrowserConfig(offline=True, allow_hosts=loopback_hosts([]))
    if chromium or chromedriver:
        config = BrowserConfig(chromium=chromium or config.chromium, chromedriver=chromedriver or config.chromedriver,
                               offline=True, allow_hosts=config.allow_hosts)
    return config


def print_pdf(html_path: Path, pdf_path: Path | None = None, *, chromium: str | None = None,
              chromedriver: str | None = None) -> Path:
    """Print html_path (a report.html) to pdf_path (default: report.pdf beside it); returns the path."""
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
            width, height = A4_INCHES
            result = driver.execute_cdp_cmd("Page.printToPDF", {
                "paperWidth": width, "paperHeight": height, "printBackground": True,
                "preferCSSPageSize": True, "displayHeaderFooter": False,
            })
            data = base64.b64decode(result["data"])
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

"""Real agency pages (moda-acs, unchanged files of the ACS website) served on 127.0.0.1 and audited
offline: the MODA AA mark on the home page, the zh↔en pairs, the English pages recognised as English."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.siteserver import SiteServer
from tests.testdb import db_at


def _shared() -> Path:
    here = Path(__file__).resolve().parents[2] / "shared"
    return here if (here / "realsite").is_dir() else Path("/work/shared")


ROOT = _shared() / "realsite" / "moda-acs"
pytestmark = pytest.mark.skipif(not ROOT.is_dir(), reason=f"{ROOT} not present")


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("moda")
    routes = {"/" + p.relative_to(ROOT).as_posix(): (200, {"Content-Type": "text/html; charset=utf-8"}, p.read_bytes())
              for p in ROOT.rglob("*.html")}
    profile = tmp / "profile.yaml"
    profile.write_text(json.dumps({"checks": {"accessibility_mark": {"audit_date": "2026-01-01"}}}))
    with SiteServer(routes) as server:
        proc = subprocess.run([sys.executable, "-m", "govaudit", "run", server.url + "ACS/index.html", "--offline",
                               "--profile", str(profile), "--db", str(db_at(tmp / "a.sqlite")), "--out", str(tmp / "out")],
                              capture_output=True, text=True, timeout=240)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    doc = json.loads((tmp / "out" / "results.json").read_text(encoding="utf-8"))
    return server.url, doc, {c["id"]: c for c in doc["checks"]}, (tmp / "out" / "report.html").read_text()


def test_the_moda_aa_mark_is_found_on_the_home_page(audit):
    base, doc, checks, report = audit
    badge = doc["accessibility"]["badge"]
    assert badge["home_page"] == base + "ACS/index.html"
    assert (badge["present"], badge["level"], badge["host"], badge["era"], badge["certificate_id"]) == (
        True, "AA", "accessibility.moda.gov.tw", "moda", "20220830155044")
    assert badge["in_footer"] and badge["link_status"] == "not_verified"  # offline: the certificate host is excluded
    # issued 2022-08-30: 3 years + 90 days of grace end 2025-11-28, before the audit date
    assert badge["expires"] == "2025-11-28" and badge["likely_expired"] is True
    codes = {f["code"] for f in checks["accessibility_mark"]["findings"]}
    assert codes == {"a11y.mark-expired", "a11y.mark-size"}  # the real footer shows it at 127×45
    assert badge["pages_with_badge"] == badge["pages_checked"]  # every page's footer carries it
    assert "20220830155044" in report and 'id="accessibility_mark"' in report


def test_zh_and_en_pages_are_paired_and_english_pages_are_english(audit):
    base, doc, checks, report = audit
    section = doc["bilingual"]
    assert section["english_home"]["url"] == base + "en/ACS/index.html"
    assert section["english_home"]["found_by"] == "text"  # <a title="English"> with a visually hidden label
    pairs = {(p["zh"].removeprefix(base), p["en"].removeprefix(base)) for p in section["pairs"]}
    assert pairs == {("ACS/index.html", "en/ACS/index.html"),
                     ("ACS/aboutus/contact/618.html", "en/ACS/aboutus/contact/618.html"),
                     ("ACS/laws/regulations/624.html", "en/ACS/laws/regulations/624.html")}
    english = {p["url"].removeprefix(base): p for p in section["english_pages"]}
    assert set(english) == {"en/ACS/index.html", "en/ACS/aboutus/contact/618.html", "en/ACS/laws/regulations/624.html"}
    assert all(p["english"] and p["lang"] == "en" and p["cjk_share"] < 0.05 for p in english.values())
    codes = {(f["code"], f["target"]) for f in checks["bilingual"]["findings"]}
    # the set holds no English About, privacy or open-data page (their links answer 404 here); the contact
    # page's title "Contact-About Us" names its section, it is not the About page
    assert codes == {("bilingual.key-page-missing", "about"), ("bilingual.key-page-missing", "privacy"),
                     ("bilingual.key-page-missing", "open_data")}
    assert section["coverage"]["key_pages"]["contact"] == base + "en/ACS/aboutus/contact/618.html"
    assert 'id="bilingual"' in report

"""The Art. 7 audit on real agency pages (資通安全署, moda-acs; CC0): served unchanged from 127.0.0.1 and
crawled offline. The hub, organisation/contact (art7-3), laws (art7-1) and minutes (art7-10) are found."""

import functools
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from govaudit import runner
from govaudit.profile import load_profile
from tests.testdb import db_at


def _shared() -> Path:
    here = Path(__file__).resolve().parents[2] / "shared"
    return here if here.exists() else Path("/work/shared")


ROOT = _shared() / "realsite" / "moda-acs"
pytestmark = pytest.mark.skipif(not (ROOT / "ACS" / "index.html").exists(), reason="moda-acs pages not present")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def acs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("acs")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(ROOT)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    profile = tmp / "profile.yaml"
    profile.write_text(yaml.safe_dump({"site": {"name": "moda-acs"}, "crawl": {"sitemap": False},
                                       "links": {"timeout": 5, "retries": 0}}), encoding="utf-8")
    try:
        runner.audit(f"{base}/ACS/index.html", load_profile(profile), db=db_at(tmp / "db.sqlite"), out=tmp / "out",
                     offline=True)
    finally:
        server.shutdown()
        server.server_close()
    results = json.loads((tmp / "out" / "results.json").read_text(encoding="utf-8"))
    return base, results, {c["id"]: c for c in results["disclosure"]["categories"]}


def test_the_hub_is_found_from_the_home_page(acs):
    base, results, _ = acs
    hub = results["disclosure"]["hub"]
    assert hub["url"] == f"{base}/ACS/press/govinfo/668.html"
    assert "home page" in hub["found_from"]


def test_organisation_and_contact(acs):
    base, _, cats = acs
    assert cats["art7-3"]["status"] == "found"
    assert {f"{base}/ACS/aboutus/contact/618.html", f"{base}/ACS/aboutus/organization/610.html"} <= set(
        cats["art7-3"]["evidence"])


def test_laws_confirmed_by_the_law_database_links(acs):
    base, _, cats = acs
    assert cats["art7-1"]["status"] == "found"
    assert f"{base}/ACS/laws/regulations/624.html" in cats["art7-1"]["evidence"]
    assert "全國法規資料庫" in cats["art7-1"]["reason"]


def test_minutes(acs):
    base, _, cats = acs
    assert cats["art7-10"]["status"] == "found"
    assert cats["art7-10"]["evidence"][0] == f"{base}/ACS/nicst/minutes/866.html"
    assert cats["art7-10"]["updated"]


def test_budget_grants_and_the_absent_procurement(acs):
    base, _, cats = acs
    assert cats["art7-6"]["status"] == "stale"  # the newest budget is 113年度 (the pages date from 2023-24)
    assert "113年度" in cats["art7-6"]["reason"]
    assert cats["art7-9"]["status"] == "found"
    assert cats["art7-8"]["status"] == "missing"  # MANIFEST: the set has no 採購 page

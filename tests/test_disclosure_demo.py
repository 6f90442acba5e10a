"""The Art. 7 audit end to end on the demo site and its variants: every category's status (and
staleness) matches the ground truth derived from the served bytes, whatever the site's arrangement."""

import json

import pytest
import yaml

from govaudit import runner
from govaudit.demo.server import DemoServer
from govaudit.demo.variants import VARIANTS
from govaudit.profile import load_profile
from tests.testdb import db_at


def _audit(tmp_path, variant):
    profile = tmp_path / "profile.yaml"
    profile.write_text(yaml.safe_dump({
        "site": {"name": f"demo-{variant}"},
        "crawl": {"max_depth": 8, "max_pages": 2000, "concurrency": 8},
        "links": {"check_external": False, "timeout": 3, "retries": 0},
        "checks": VARIANTS[variant].profile_checks,
    }, allow_unicode=True), encoding="utf-8")
    with DemoServer(variant=variant) as site:
        outcome = runner.audit(site.start_url, load_profile(profile), db=db_at(tmp_path / "db.sqlite"),
                               out=tmp_path / "out", offline=True)
        truth = site.ground_truth
    assert outcome.status == "completed"
    return json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8")), truth, tmp_path / "out"


@pytest.fixture(scope="module", params=sorted(v for v in VARIANTS if v not in ("no-search", "no-participation")))
def audited(request, tmp_path_factory):
    return request.param, *_audit(tmp_path_factory.mktemp(request.param), request.param)


def test_every_category_matches_the_ground_truth(audited):
    variant, results, truth, _ = audited
    got = {c["id"]: c for c in results["disclosure"]["categories"]}
    assert sorted(got) == sorted(truth["disclosure"])
    wrong = []
    for cid, expected in truth["disclosure"].items():
        c = got[cid]
        if (c["status"], c["stale"]) != (expected["status"], expected["stale"]):
            wrong.append((cid, c["status"], c["stale"], expected["status"], expected["stale"], c["reason"]))
        elif expected["evidence"] and (expected["evidence"][0] not in c["evidence"]
                                       or c["evidence"][0] not in expected["evidence"]):
            wrong.append((cid, "evidence", c["evidence"], expected["evidence"][0]))
        assert c["reason"] and set(c) >= {"id", "label", "status", "evidence", "updated", "reason"}
    assert not wrong, (variant, wrong)


def test_the_hub_is_found_only_where_there_is_one(audited):
    variant, results, truth, _ = audited
    hub = results["disclosure"]["hub"]
    if VARIANTS[variant].hub:
        assert hub["url"] == truth["site_elements"]["disclosure_hub"]
        assert "home page" in hub["found_from"]
    else:
        assert hub is None
        codes = {f["code"] for c in results["checks"] for f in c["findings"]}
        assert "disclosure.no-hub" in codes


def test_scores_and_the_other_two_checks(audited):
    variant, results, truth, _ = audited
    checks = {c["id"]: c for c in results["checks"]}
    metrics = checks["disclosure"]["metrics"]
    applicable = [c for c in truth["disclosure"].values() if c["status"] != "not_applicable"]
    found = sum(c["status"] in ("found", "stale") for c in applicable)  # stale is published: coverage 1
    assert metrics["coverage"] == round(found / len(applicable), 4)
    assert metrics["freshness"] == round(2 / 3, 4)  # 施政計畫 and 業務統計 current, 預決算 stale
    services = results["disclosure"]["services"]
    assert services["presence"] == 1.0
    assert {i["id"]: i["evidence"][0] for i in services["items"]} == {
        "publications": truth["site_elements"]["publications"],
        "services": truth["site_elements"]["services"],
        "forms": truth["site_elements"]["forms"]}
    fresh = checks["freshness"]["metrics"]
    assert 0.5 < fresh["updated_share"] < 1 and fresh["rule_page"] == truth["site_elements"]["update_rules"]
    components = {c["id"]: c for i in results["indicators"] for c in i["components"]}
    assert components["art7_coverage"]["score"] == metrics["coverage"]
    assert components["services_publications"]["score"] == 1.0
    assert components["regular_updates"]["score"] == fresh["updated_share"]


def test_the_report_shows_the_categories_score_and_fixes(audited):
    _, results, truth, out = audited
    html = (out / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="disclosure"'):]
    section = section[:section.index("</section>")]
    for cid, expected in truth["disclosure"].items():
        assert f'data-category="{cid}" data-status="{expected["status"]}"' in section
    assert "請願之處理結果及訴願之決定" in section and "優先改善事項" in section
    assert section.index("補上「請願之處理結果及訴願之決定」") < section.index("更新「預算及決算書」")
    assert truth["disclosure"]["art7-8"]["evidence"][0] in section
    assert "依政府資訊公開法第7條主動公開相關資訊於網站比例" in section and "<td class=\"num\">60</td>" in section

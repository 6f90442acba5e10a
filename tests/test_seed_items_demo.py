"""site_search and participation end to end on the demo site and its no-search / no-participation
variants: the checks' verdicts and evidence match the ground truth derived from the served site."""

import json

import pytest
import yaml

from govaudit import runner
from govaudit.demo.server import DemoServer
from govaudit.profile import load_profile
from tests.testdb import db_at

REQUIRED = ("mailbox", "newsletter", "online_services", "forms")


def _audit(tmp_path, variant):
    # Only what these two checks read: no browser stage, no external hosts (the variants change neither).
    profile = tmp_path / "profile.yaml"
    profile.write_text(yaml.safe_dump({
        "site": {"name": f"demo-{variant}"},
        "crawl": {"max_depth": 8, "max_pages": 2000, "concurrency": 8},
        "links": {"check_external": False, "timeout": 3, "retries": 0},
        "checks": {"accessibility": None},
    }), encoding="utf-8")
    with DemoServer(variant=variant) as site:
        outcome = runner.audit(site.start_url, load_profile(profile), db=db_at(tmp_path / "db.sqlite"),
                               out=tmp_path / "out", offline=True, formats=("json",))
        truth = site.ground_truth
    assert outcome.status == "completed"
    return json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8")), truth


@pytest.fixture(scope="module", params=["default", "no-search", "no-participation"])
def audited(request, tmp_path_factory, demo_audit):
    if request.param == "default":  # the session's demo audit (the golden one) serves
        return request.param, demo_audit.results, demo_audit.truth
    return request.param, *_audit(tmp_path_factory.mktemp(request.param), request.param)


def _check(results, check_id):
    return next(c for c in results["checks"] if c["id"] == check_id)


def test_site_search_matches_the_ground_truth(audited):
    variant, results, truth = audited
    check, section = _check(results, "site_search"), results["site_search"]
    expected = truth["site_search"]
    if expected is None:
        assert check["status"] == "failed" and [f["code"] for f in check["findings"]] == ["site_search.missing"]
        assert check["metrics"]["score"] == 0.0 and section["query"] is None
        return
    assert check["status"] == "passed", check["findings"]
    query = section["query"]
    assert (query["form_page"], query["action"]) == (expected["form_page"], expected["action"])
    # The answer lists pages of the site with the word searched for.
    assert query["hits"] and query["term"] and query["results"] >= len(query["hits"])
    assert set(query["hits"]) <= set(truth["html_pages"])
    assert expected["advanced"] in section["advanced"] and section["categories"]
    assert check["metrics"]["score"] == 1.0


def test_participation_matches_the_ground_truth(audited):
    variant, results, truth = audited
    check, section = _check(results, "participation"), results["participation"]
    channels = {c["id"]: c for c in section["channels"]}
    expected = truth["participation"]
    for key, url in expected.items():
        got = channels[key]
        if url is None:  # no page of the site: missing, or only a link elsewhere that does not answer
            assert got["status"] in ("missing", "not_verified", "broken"), (variant, key, got)
            assert got["url"] is None or got["url"] not in truth["html_pages"], (variant, key, got)
        else:
            assert (got["status"], got["url"], got["clicks"]) == ("found", url, 1), (variant, key, got)
    absent = sorted(k for k in REQUIRED if expected[k] is None)
    flagged = sorted(f["target"] if f["code"] == "participation.missing" else
                     next(c["id"] for c in channels.values() if c["url"] == f["target"])
                     for f in check["findings"])
    assert flagged == absent
    assert check["status"] == ("failed" if absent else "passed")
    downloads = channels["forms"]["downloads"]
    assert downloads["documents"] == downloads["answering"] > 0 and "odt" in downloads["formats"]
    indicator = next(i for i in results["indicators"] if i["id"] == "e_participation")
    metrics = check["metrics"]
    assert indicator["score"] == pytest.approx(50 * metrics["participation"] + 50 * metrics["online_services"], abs=0.01)

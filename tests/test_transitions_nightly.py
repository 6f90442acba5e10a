"""Link transitions end to end: four `govaudit run`s of a real loopback site, edited between nights, with a
real webhook receiver. A link unverified one night and broken the next is *confirmed* (not resolved +
new) in results.json, the summary line, --fail-on, the webhook and the report; a fixed link is
*resolved*; a link that fails, works and fails again is *flapping*."""

import json
import subprocess
import sys

import pytest
import yaml

from tests.receivers import WebhookReceiver
from tests.siteserver import SiteServer, html
from tests.testdb import db_at

GOVAUDIT = [sys.executable, "-m", "govaudit"]
BUSY = (503, {"Content-Type": "text/html"}, b"busy")
GONE = (404, {"Content-Type": "text/html"}, b"not here")


def _run(tmp_path, url, night, fail_on):
    out = tmp_path / f"night{night}"
    proc = subprocess.run([*GOVAUDIT, "run", url, "--profile", str(tmp_path / "p.yaml"), "--db",
                           str(db_at(tmp_path / "a.sqlite")), "--out", str(out), "--offline", "--fail-on", fail_on],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return proc, doc, (out / "report.html").read_text(encoding="utf-8")


def _targets(items):
    return [(i["code"], i["target"]) for i in items]


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("transitions")
    hook = WebhookReceiver()
    (tmp / "p.yaml").write_text(yaml.safe_dump({
        "site": {"name": "轉變測試機關"}, "checks": {"accessibility": None},
        "links": {"timeout": 3, "retry_backoff": 0},  # the default two nights to confirm a transient failure
        "notify": {"webhook": {"url": hook.url, "on": "always"}},
    }, allow_unicode=True), encoding="utf-8")
    routes = {"/": html('<a href="/flaky.html">flaky</a> <a href="/fixme.html">fixme</a> '
                        '<a href="/flap.html">flap</a> <a href="/ok.html">ok</a>'),
              "/flaky.html": BUSY, "/fixme.html": GONE, "/flap.html": html("<p>up</p>"), "/ok.html": html("<p>ok</p>")}
    rule = "new_broken>1,confirmed_broken>0,flapping>0"
    with hook, SiteServer(routes) as site:
        runs = [_run(tmp, site.url, 1, rule)]
        routes["/fixme.html"] = html("<p>fixed</p>")  # day 2: an editor fixes a page; /flap breaks
        routes["/flap.html"] = GONE
        runs.append(_run(tmp, site.url, 2, rule))
        routes["/flap.html"] = html("<p>up again</p>")  # day 3: /flap works again
        runs.append(_run(tmp, site.url, 3, rule))
        routes["/flap.html"] = GONE  # day 4: and fails again: ok, broken, ok, broken
        runs.append(_run(tmp, site.url, 4, rule))
    return site.url, runs, hook.received


def test_night_one_has_no_baseline(nights):
    base, runs, hooks = nights
    proc, doc, _ = runs[0]
    status = {lk["url"]: lk["status"] for lk in doc["links"]}
    assert (status[base + "flaky.html"], status[base + "fixme.html"]) == ("unverified", "broken")
    assert proc.returncode == 0 and "no baseline" in proc.stdout
    assert doc["changes"]["links"]["transitions"] == [] and doc["changes"]["links"]["flapping"] == []


def test_unverified_then_broken_is_confirmed_and_a_fixed_link_resolved(nights):
    base, runs, hooks = nights
    proc, doc, report = runs[1]
    flaky, fixme, flap = base + "flaky.html", base + "fixme.html", base + "flap.html"
    links = doc["changes"]["links"]
    assert links["transitions"] == [
        {"url": fixme, "from": "broken", "to": "ok", "kind": "resolved"},
        {"url": flaky, "from": "unverified", "to": "broken", "kind": "confirmed"},
        {"url": flap, "from": "ok", "to": "broken", "kind": "new"}]
    assert links["confirmed"] == [flaky] and links["resolved"] == [fixme] and links["new"] == [flap]
    # the findings: the confirmed link is one finding that changed its code, not one resolved + one new
    changes = doc["changes"]
    assert _targets(changes["new"]) == [("link.broken", flap)]
    assert _targets(changes["resolved"]) == [("link.broken", fixme)]
    confirmed = [i for i in changes["persisting"] if i["target"] == flaky]
    assert [(i["code"], i["previous_code"], i["nights"]) for i in confirmed] == [("link.broken", "link.unverified", 2)]
    assert "1 new broken, 1 confirmed broken, 1 new findings, 1 resolved" in proc.stdout
    assert proc.returncode == 1 and "fail-on: confirmed_broken>0 (is 1)" in proc.stdout
    assert "new_broken>1" not in proc.stdout.split("fail-on:")[1]
    hook = hooks[1]
    assert hook["run"] == doc["run"]["id"] and hook["summary"]["confirmed_broken"] == 1
    assert hook["summary"]["new_broken"] == 1 and hook["summary"]["resolved_findings"] == 1
    assert hook["changes"]["confirmed"] == [flaky] and hook["changes"]["counts"]["links_confirmed"] == 1
    # the report: counts as above, the confirmed link listed as such, its finding with its previous code
    assert "新增 1、已修正 1、持續" in report
    assert "確認失效（前次無法確認）" in report and "前次為 link.unverified" in report
    assert 'class="transition-confirmed">確認失效' in report


def test_a_link_that_works_again_is_resolved_and_one_that_keeps_changing_flaps(nights):
    base, runs, hooks = nights
    flaky, flap = base + "flaky.html", base + "flap.html"
    proc, doc, _ = runs[2]
    assert doc["changes"]["links"]["transitions"] == [{"url": flap, "from": "broken", "to": "ok", "kind": "resolved"}]
    assert doc["changes"]["links"]["persisting"] == [flaky]  # broken both nights: no transition
    assert proc.returncode == 0 and "0 new broken, 0 new findings, 1 resolved" in proc.stdout
    proc, doc, report = runs[3]
    assert doc["changes"]["links"]["transitions"] == [{"url": flap, "from": "ok", "to": "broken", "kind": "new"}]
    assert doc["changes"]["links"]["flapping"] == [{"url": flap, "changes": 3}]
    assert proc.returncode == 1 and ", 1 flapping" in proc.stdout and "flapping>0 (is 1)" in proc.stdout
    assert hooks[3]["summary"]["flapping"] == 1 and hooks[3]["changes"]["flapping"] == [{"url": flap, "changes": 3}]
    assert "時好時壞" in report and "3 次變換" in report
    assert len(hooks) == 4

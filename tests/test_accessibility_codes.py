"""Every rule of every engine that can fire has a 網站無障礙規範 code, or a stated reason why none exists.

The rules are enumerated from the engines themselves, in a real headless Chromium: axe-core's rules for
the check's tags plus the extra rules the stage enables, and QualWeb's rules at levels A and AA (its
report lists every rule it ran, applicable or not), and the Alfa rules the stage runs (its Node side
lists them with the criteria Alfa's metadata names), and govaudit's own rules."""

import re
import tempfile

import pytest

from govaudit.checks.accessibility import Accessibility, code_gap, codes_for, rule_criteria
from govaudit.chromium import BrowserConfig, start_chrome, stop_chrome
from govaudit.crawler import engines
from govaudit.crawler.browser import axe_script_path

PAGE = "data:text/html;charset=utf-8,<html lang='zh-Hant'><title>t</title><body><p>x</p></body></html>"


@pytest.fixture(scope="module")
def engine_rules():
    config = BrowserConfig(offline=True, allow_hosts=("127.0.0.1",))
    qualweb, alfa = engines.qualweb(), engines.alfa()
    for engine in (qualweb, alfa):
        if isinstance(engine, str):
            pytest.fail(engine)  # `make npm` installs the engines; the tests need them like they need Chromium
    assert not isinstance(qualweb, str) and not isinstance(alfa, str)
    with tempfile.TemporaryDirectory() as profile:
        driver = start_chrome(config, profile)
        try:
            driver.get(PAGE)
            driver.execute_script(axe_script_path().read_text(encoding="utf-8"))
            axe = driver.execute_script(
                "var tags = arguments[0], extra = arguments[1]; return axe.getRules().filter(function (r) {"
                " return extra.indexOf(r.ruleId) >= 0 || r.tags.some(function (t) { return tags.indexOf(t) >= 0; });"
                " }).map(function (r) { return {rule: r.ruleId, tags: r.tags}; });",
                Accessibility.default_options["tags"], list(config.axe_extra_rules))
            driver.execute_script(qualweb.script)
            report = driver.execute_script(engines.QUALWEB_RUN, "")
        finally:
            stop_chrome(driver)
    qw = [{"rule": code, "wcag": [c["name"] for c in a["metadata"].get("success-criteria") or []]}
          for code, a in report["assertions"].items()]
    # every Alfa rule with an ACT rule, not only those the current routing table lets speak
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GOVAUDIT_ALFA_RULES", "all")
        sia = [{"rule": r["rule"], "wcag": r["criteria"]} for r in alfa.rules()]
    # govaudit's own rules name themselves in their script (`rule: "ga-…"`)
    own = [{"rule": rule, "wcag": []} for rule in re.findall(r'rule: "(ga-[a-z-]+)"', engines.own_rules().script)]
    return axe, qw, [*sia, *own]


def test_every_rule_of_every_engine_is_coded_or_says_why(engine_rules):
    axe, qw, sia = engine_rules
    assert len(axe) >= 60 and len(qw) >= 50 and len(sia) >= 40  # the engines really were enumerated
    uncoded = []
    for item in [*axe, *qw, *sia]:
        criteria = rule_criteria(item)
        codes = codes_for(item["rule"], criteria)
        gap = code_gap(codes, criteria)
        if gap == "uncoded":
            uncoded.append((item["rule"], criteria, codes))
        elif gap:
            assert any(codes.values()) or "WCAG" in gap or "代碼" in gap, (item["rule"], gap)
    assert uncoded == [], uncoded

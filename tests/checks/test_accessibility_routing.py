"""Routing engine results by the measured table (checks/a11y_routing.py) and coding every result."""

from govaudit.checks.a11y_routing import Routing, route, routing
from govaudit.checks.accessibility import code_gap, codes_for, manual_review, rule_criteria

TABLE = Routing(
    speaks={"23a2a8": frozenset({"axe-core", "qualweb"}), "b5c3f8": frozenset({"qualweb"}),
            "fd3a94": frozenset({"qualweb"}), "674b10": frozenset()},
    measured={"b5c3f8": {"axe-core": "inconsistent 4/4 failed flagged, 1 false positives"},
              "674b10": {"qualweb": "inconsistent 2/2 failed flagged, 3 false positives"},
              "fd3a94": {"qualweb": "untested 0/8 failed flagged, 0 false positives"},
              "23a2a8": {"qualweb": "complete 5/5 failed flagged, 0 false positives"}})


def _v(rule, engine, acts, **kw):
    return {"rule": rule, "engine": engine, "act_rules": acts, "nodes_total": 1, "nodes": [], **kw}


def test_engines_agreeing_on_an_act_rule_make_one_violation_naming_both():
    routed = route([_v("QW-ACT-R17", "qualweb", ["23a2a8"]), _v("image-alt", "axe-core", ["23a2a8"])], [], TABLE)
    (one,) = routed.violations
    assert one["rule"] == "image-alt" and one["engines"] == ["axe-core", "qualweb"] and one["act_rules"] == ["23a2a8"]
    assert one["also"] == [{"engine": "qualweb", "rule": "QW-ACT-R17", "nodes_total": 1}]


def test_an_engine_with_false_positives_does_not_speak_its_violation_becomes_review():
    routed = route([_v("html-has-lang", "axe-core", ["b5c3f8"]), _v("QW-ACT-R20", "qualweb", ["674b10"])], [], TABLE)
    assert routed.violations == []
    reasons = {r["rule"]: r["routed_out"] for r in routed.incomplete}
    assert "axe-core does not speak for ACT rule b5c3f8" in reasons["html-has-lang"]
    assert "3 false positives" in reasons["QW-ACT-R20"]


def test_unrouted_results_keep_their_engine_say():
    # an axe rule with no ACT rule counts; an ACT rule nobody measured is axe-core's, not an added engine's
    routed = route([_v("region", "axe-core", []), _v("label", "axe-core", ["zzzzzz"]),
                    _v("QW-ACT-R99", "qualweb", ["zzzzzz"]), _v("QW-ACT-R44", "qualweb", ["fd3a94"])],
                   [_v("color-contrast", "axe-core", ["afw4f7"]), _v("QW-ACT-R37", "qualweb", ["afw4f7"]),
                    _v("QW-ACT-R9", "qualweb", ["fd3a94"]), _v("QW-ACT-R17", "qualweb", ["23a2a8"]),
                    _v("css-orientation-lock", "axe-core", ["b33eff"], experimental=True)], TABLE)
    assert [v["rule"] for v in routed.violations] == ["region", "label", "QW-ACT-R44"]
    # QualWeb's "cannot tell" only where it was measured to find failures; axe's experimental ones never
    assert {r["rule"] for r in routed.incomplete} == {"QW-ACT-R99", "color-contrast", "QW-ACT-R17"}


def test_the_shipped_table_was_measured_and_no_engine_with_false_positives_speaks():
    table = routing()
    assert len(table.speaks) >= 80  # every ACT rule W3C publishes test cases for
    for act, engines in table.speaks.items():
        for engine in engines:
            assert " 0 false positives" in table.measured[act][engine], (act, engine)


def test_codes_come_from_the_rule_or_its_criteria_or_a_reason():
    assert codes_for("image-alt") == {"110.07": ["HM1110100C"], "115.11": ["HM1110100C"]}
    assert codes_for("QW-ACT-R7", ["1.3.4"]) == {"110.07": ["FA2130401E"], "115.11": ["FA2130401E"]}
    meta = codes_for("meta-refresh", ["2.2.1"])
    assert meta == {"110.07": [], "115.11": ["FA1220102E"]} and "110.07" in code_gap(meta, ["2.2.1"])
    video = codes_for("QW-ACT-R60", rule_criteria({"rule": "QW-ACT-R60", "wcag": []}))
    assert video == {"110.07": [], "115.11": []} and "1.2.x" in code_gap(video, ["1.2.2"])
    assert code_gap(codes_for("made-up", ["9.9.9"]), ["9.9.9"]) == "uncoded"


def test_manual_review_splits_the_criteria_in_scope():
    review = manual_review({"1.1.1", "4.1.2", "9.9.9"}, {"1.4.3", "1.1.1"})
    assert review["automated"] == ["1.1.1", "4.1.2"] and review["needs_review"] == ["1.4.3"]
    assert len(review["untested"]) == 50 - 3 and "2.1.2" in review["untested"]

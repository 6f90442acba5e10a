"""govaudit.diff: the pure comparison behind results.json "changes" and "trend", and the --fail-on names
it feeds."""

import pytest

from govaudit import diff
from govaudit.failon import FailOn
from govaudit.models import FAILING_LINK_STATUSES
from govaudit.profile import ConfigError


def _check(check_id, *findings, status="failed"):
    return {"id": check_id, "status": status, "findings": [
        {"fingerprint": fp, "code": code, "severity": sev, "message": f"m-{fp}", "page": f"/p/{fp}", "target": "",
         "accepted": acc} for fp, code, sev, acc in findings]}


def _items(*checks):
    return diff.finding_items(list(checks))


def test_finding_items_keep_what_a_reader_needs():
    items = _items(_check("metadata", ("a", "metadata.missing", "medium", None)))
    assert items["a"] == {"fingerprint": "a", "check": "metadata", "code": "metadata.missing", "severity": "medium",
                          "message": "m-a", "target": None, "page": "/p/a", "first_seen": None, "nights": 1,
                          "accepted": None}


def test_new_resolved_persisting_by_fingerprint_sorted_by_severity():
    before = _items(_check("x", ("a", "c.a", "low", None), ("b", "c.b", "high", None)))
    now = _items(_check("x", ("b", "c.b", "high", None), ("c", "c.c", "low", None), ("d", "c.d", "critical", None)))
    got = diff.compare_findings(before, now, complete=True, ran_now={"x"})
    assert [i["fingerprint"] for i in got["new"]] == ["d", "c"]  # critical first
    assert [i["fingerprint"] for i in got["resolved"]] == ["a"]
    assert [i["fingerprint"] for i in got["persisting"]] == ["b"]


def test_no_baseline_nothing_new_nothing_resolved():
    now = _items(_check("x", ("a", "c.a", "low", None)))
    got = diff.compare_findings(None, now, complete=True, ran_now={"x"})
    assert got["new"] == [] and got["resolved"] == [] and [i["fingerprint"] for i in got["persisting"]] == ["a"]


def test_incomplete_run_claims_no_fixes():
    before = _items(_check("x", ("a", "c.a", "low", None), ("b", "c.b", "low", None)))
    now = _items(_check("x", ("b", "c.b", "low", None), ("c", "c.c", "low", None)))
    got = diff.compare_findings(before, now, complete=False, ran_now={"x"})
    assert got["resolved"] == []
    assert [i["fingerprint"] for i in got["new"]] == ["c"] and [i["fingerprint"] for i in got["persisting"]] == ["b"]


def test_a_check_that_did_not_run_resolves_nothing():
    before = _items(_check("x", ("a", "c.a", "low", None)), _check("y", ("b", "c.b", "low", None)))
    now = _items(_check("x"))
    got = diff.compare_findings(before, now, complete=True, ran_now={"x"})  # y errored or was skipped
    assert [i["fingerprint"] for i in got["resolved"]] == ["a"]


def test_streaks_count_consecutive_runs_and_stop_reading_early():
    read = []

    def history():
        for started, fps in [("t3", {"a", "b"}), ("t2", {"a"}), ("t1", {"a", "b"}), ("t0", {"z"}), ("never", {"a"})]:
            read.append(started)
            yield started, fps

    got = diff.streaks({"a", "b", "c"}, history())
    assert got == {"a": (3, "t1"), "b": (1, "t3")}
    assert read == ["t3", "t2", "t1", "t0"]  # nothing alive after t0: the oldest run is never read


def test_with_persistence_nights_and_first_seen():
    items = [{"fingerprint": "a"}, {"fingerprint": "n"}]
    diff.with_persistence(items, {"a": (2, "t1")}, this_run="t9", counting_this_run=True)
    assert items == [{"fingerprint": "a", "nights": 3, "first_seen": "t1"},
                     {"fingerprint": "n", "nights": 1, "first_seen": "t9"}]
    resolved = [{"fingerprint": "a"}]
    diff.with_persistence(resolved, {"a": (2, "t1")}, this_run="t9", counting_this_run=False)
    assert resolved == [{"fingerprint": "a", "nights": 2, "first_seen": "t1"}]


def test_link_transitions():
    before = {"u/gone": "broken", "u/flaky": "unverified", "u/same": "broken", "u/ok": "ok", "u/moved": "redirected"}
    now = {"u/gone": "ok", "u/flaky": "broken", "u/same": "broken", "u/ok": "broken", "u/new": "broken"}
    got = diff.compare_links(before, now, complete=True)
    assert got["new"] == ["u/new", "u/ok"]
    assert got["resolved"] == ["u/gone", "u/moved"]
    assert got["persisting"] == ["u/flaky", "u/same"]
    assert got["transitions"] == [
        {"url": "u/flaky", "from": "unverified", "to": "broken", "kind": "confirmed"},
        {"url": "u/gone", "from": "broken", "to": "ok", "kind": "resolved"},
        {"url": "u/moved", "from": "redirected", "to": "", "kind": "resolved"},
        {"url": "u/new", "from": "", "to": "broken", "kind": "new"},
        {"url": "u/ok", "from": "ok", "to": "broken", "kind": "new"}]
    # a transient failure confirmed tonight is not new: it is confirmed
    assert diff.new_broken(got["transitions"]) == ["u/new", "u/ok"]
    assert diff.confirmed_broken(got["transitions"]) == ["u/flaky"] == got["confirmed"]
    incomplete = diff.compare_links(before, now, complete=False)
    assert incomplete["resolved"] == [] and all(t["to"] in FAILING_LINK_STATUSES for t in incomplete["transitions"])
    first = diff.compare_links(None, now, complete=True, flapping={"u/ok": 3})
    assert first == {"new": [], "resolved": [], "persisting": ["u/flaky", "u/new", "u/ok", "u/same"],
                     "transitions": [], "confirmed": [], "still_failing": [],
                     "flapping": [{"url": "u/ok", "changes": 3}]}


def test_a_link_finding_keeps_its_identity_when_its_code_changes():
    def link(fp, code, page, target):
        return {"fingerprint": fp, "code": code, "severity": "high", "message": "m", "page": page, "target": target,
                "accepted": None}

    before = _items({"id": "broken_links", "status": "needs_review", "findings": [
        link("u1", "link.unverified", "/a", "t1"), link("u2", "link.unverified", "/b", "t1"),
        link("g1", "link.broken", "/a", "gone")]})
    now = _items({"id": "broken_links", "status": "failed", "findings": [
        link("b1", "link.broken", "/a", "t1"), link("n1", "link.broken", "/a", "new")]})
    got = diff.compare_findings(before, now, complete=True, ran_now={"broken_links"}, link_checks={"broken_links"})
    assert [i["fingerprint"] for i in got["new"]] == ["n1"]
    assert [(i["fingerprint"], i["previous_code"], i["previous_fingerprint"]) for i in got["persisting"]] == \
        [("b1", "link.unverified", "u1")]
    assert sorted(i["fingerprint"] for i in got["resolved"]) == ["g1", "u2"]  # /b no longer links t1; gone fixed
    # a check whose findings are not per-link rows: the fingerprint is the identity
    plain = diff.compare_findings(before, now, complete=True, ran_now={"broken_links"}, link_checks=())
    assert sorted(i["fingerprint"] for i in plain["new"]) == ["b1", "n1"]
    # the streak of a confirmed finding continues the one of its previous code
    diff.with_persistence(got["persisting"], {"u1": (2, "2026-12-01")}, this_run="2026-12-03",
                          counting_this_run=True)
    assert (got["persisting"][0]["nights"], got["persisting"][0]["first_seen"]) == (3, "2026-12-01")


def _indicator(iid, score, rubric="default@1", **components):
    return {"id": iid, "score": score, "rubric": rubric,
            "components": [{"id": k, "score": v} for k, v in components.items()]}


def test_score_deltas_and_drop():
    before = [_indicator("a", 80.0, x=0.5, y=None), _indicator("b", 90.0), _indicator("c", 70.0, rubric="old@1")]
    now = [_indicator("a", 74.5, x=0.75, y=0.2), _indicator("b", None), _indicator("c", 60.0), _indicator("d", 1.0)]
    got = diff.compare_scores(before, now)
    assert got[0] == {"indicator": "a", "score": 74.5, "previous": 80.0, "delta": -5.5, "components": [
        {"id": "x", "score": 0.75, "previous": 0.5, "delta": 0.25},
        {"id": "y", "score": 0.2, "previous": None, "delta": None}]}
    assert got[1]["delta"] is None  # not assessed tonight
    assert got[2]["previous"] is None and got[2]["delta"] is None  # another rubric: not comparable
    assert got[3]["previous"] is None
    assert diff.score_drop(got) == 5.5
    assert diff.score_drop(diff.compare_scores(None, now)) == 0
    assert diff.score_drop(diff.compare_scores(now[:1], before[:1])) == 0  # a rise is no drop


def test_tally_leaves_accepted_apart():
    statuses = {"u1": "broken", "u2": "broken", "u3": "broken"}
    marks = [("broken_links", "f1", "u1", False), ("broken_links", "f2", "u2", True),
             ("broken_links", "f3", "u3", False), ("broken_links", "f4", "u3", False),
             ("metadata", "f5", "", False)]
    links = {"broken_links"}  # the check whose findings are link rows
    assert diff.tally(statuses, marks, acked=set(), link_checks=links) == {"broken": 2, "findings": 4}
    assert diff.tally(statuses, marks, acked={"f3"}, link_checks=links) == {"broken": 2, "findings": 3}  # u3 still on another page
    assert diff.tally(statuses, marks, acked={"f3", "f4"}, link_checks=links) == {"broken": 1, "findings": 2}


def test_trend_runs_cap_and_pins():
    runs = [{"id": i, "status": "completed", "pinned": i == 2} for i in range(1, 10)]
    runs[4]["status"] = "incomplete"  # run 5
    runs[8]["status"] = "incomplete"  # run 9, this one
    assert [r["id"] for r in diff.trend_runs(runs, 9, cap=4)] == [2, 6, 7, 8, 9]
    assert [r["id"] for r in diff.trend_runs(runs, 5)] == [1, 2, 3, 4, 5]  # an old run's own trend
    assert [r["id"] for r in diff.trend_runs(runs, 8)] == [1, 2, 3, 4, 6, 7, 8]


def test_fail_on_knows_the_change_names():
    rules = FailOn.parse("new_broken>0,score_drop>5,content_validity_delta<-2", indicators=["content_validity"])
    assert rules.tripped({"new_broken": 0, "score_drop": 5.5, "content_validity_delta": None}) == \
        ["score_drop>5 (is 5.5)"]
    assert rules.tripped({"new_broken": 2, "score_drop": 0, "content_validity_delta": -3.0}) == \
        ["new_broken>0 (is 2)", "content_validity_delta<-2 (is -3)"]
    with pytest.raises(ConfigError, match="unknown name 'disclosure_adequacy_delta'"):
        FailOn.parse("disclosure_adequacy_delta<0", indicators=["content_validity"])


def test_summary_counts_changes_but_not_accepted_ones():
    from govaudit.runner import summarize

    scores = diff.compare_scores([_indicator("content_validity", 90.0)], [_indicator("content_validity", 82.5)])
    doc = {
        "run": {"id": 2, "status": "completed", "pages_crawled": 3},
        "links": [{"url": "u/a", "status": "broken", "new": True, "accepted": False},
                  {"url": "u/b", "status": "broken", "new": True, "accepted": True}],
        "checks": [],
        "indicators": [{"id": "content_validity", "score": 82.5}],
        "changes": {"baseline_run": 1, "baseline_reason": None,
                    "new": [{"accepted": None}, {"accepted": {"by": "ack"}}], "resolved": [{"accepted": None}],
                    "links": {"new": ["u/a", "u/b"], "resolved": [], "transitions": [
                        {"url": "u/a", "from": "", "to": "broken", "kind": "new"},
                        {"url": "u/b", "from": "ok", "to": "broken", "kind": "new"}]},
                    "scores": scores},
    }
    summary = summarize(doc)
    assert (summary["new_broken"], summary["new_findings"], summary["resolved_findings"]) == (1, 1, 1)
    assert (summary["confirmed_broken"], summary["flapping"], summary["still_failing"]) == (0, 0, 0)
    doc["links"] += [{"url": "u/c", "status": "broken"}, {"url": "u/d", "status": "unverified"}]
    doc["changes"]["links"]["transitions"] += [
        {"url": "u/c", "from": "unverified", "to": "broken", "kind": "confirmed"},
        {"url": "u/d", "from": "broken", "to": "unverified", "kind": "still_failing"}]
    doc["changes"]["links"].update(confirmed=["u/c"], still_failing=["u/d"],
                                   flapping=[{"url": "u/c", "changes": 3}, {"url": "u/b", "changes": 4}])
    summary = summarize(doc)
    assert (summary["new_broken"], summary["confirmed_broken"], summary["still_failing"], summary["flapping"]) == \
        (1, 1, 1, 1)  # u/b is accepted: not counted
    assert FailOn.parse("confirmed_broken>0,flapping>=1").tripped(summary) == \
        ["confirmed_broken>0 (is 1)", "flapping>=1 (is 1)"]
    assert summary["score_drop"] == 7.5 and summary["content_validity_delta"] == -7.5
    assert summary["new"] == 1 and summary["baseline_run"] == 1
    assert FailOn.parse("new_broken>0,score_drop>5", indicators=["content_validity"]).tripped(summary) == \
        ["new_broken>0 (is 1)", "score_drop>5 (is 7.5)"]

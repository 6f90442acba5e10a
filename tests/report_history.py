"""Hand-built issue-6 "changes" and "trend" parts (the shared contract's shape) for report tests: the
report renders them whatever builds them; tests of the builder itself are elsewhere."""

from __future__ import annotations

import copy

XSS = "<script>document.title='pwned';window.__pwned=1</script>"


def finding(n: int, *, check="broken_links", code="link.broken", severity="high", nights=1, page=None,
            target=None, message=None) -> dict:
    return {"fingerprint": f"fp{n:04d}", "check": check, "code": code, "severity": severity,
            "message": message if message is not None else f"問題 {n}",
            "target": target, "page": page, "first_seen": "2026-11-01T02:00:00+00:00", "nights": nights}


def with_history(doc: dict, *, runs: int = 5, complete: bool = True) -> dict:
    """doc plus `changes` (baseline = the run before) and `trend` over `runs` runs ending with doc's run."""
    doc = copy.deepcopy(doc)
    run_id = max(doc["run"]["id"] or 0, runs)
    doc["run"]["id"] = run_id
    base = doc["run"]["start_url"]
    ids = [i["id"] for i in doc["indicators"]]
    trend = []
    for k in range(runs):
        rid = run_id - runs + 1 + k
        scores: dict[str, float | None] = {iid: round(60 + 7 * k + 3 * n, 1) for n, iid in enumerate(ids)}
        if k == 1 and ids:
            scores[ids[-1]] = None  # not assessed that night: a gap in the line, never a zero
        trend.append({"run": rid, "finished_at": f"2026-11-{10 + k:02d}T02:30:00+00:00",
                      "status": "completed", "indicators": scores, "broken": 20 - 3 * k, "findings": 40 - k})
    if runs:
        trend[-1]["indicators"] = {i["id"]: i["score"] for i in doc["indicators"]}
        trend[-1]["status"] = doc["run"]["status"]
    doc["trend"] = trend
    new = [finding(1, severity="high", page=base, target=f"{base}gone-{XSS}.html", message=f"失效連結 {XSS}"),
           finding(2, check="pii", code="pii.national_id", severity="critical", page=f"{base}news/1.html",
                   message="身分證字號 A12****789"),
           finding(3, check="metadata", code="metadata.missing", severity="low", page=f"{base}about.html",
                   message="缺少 DC.Title")]
    resolved = [finding(10, severity="high", target=f"{base}fixed.html", page=base, message="已修正的失效連結")]
    persisting = [finding(20 + i, severity="medium" if i % 2 else "low", nights=i + 2, page=f"{base}p{i}.html",
                          message=f"持續問題 {i}") for i in range(6)]
    doc["changes"] = {
        "baseline_run": run_id - 1 if runs > 1 else None,
        "baseline_reason": None if complete else "本次檢測未完整完成",
        "complete": complete,
        "new": new, "resolved": resolved if complete else [], "persisting": persisting,
        "links": {"new": [f"{base}gone-{XSS}.html"], "resolved": [f"{base}fixed.html"] if complete else [],
                  "persisting": [f"{base}old.html"],
                  "transitions": [{"url": f"{base}gone-{XSS}.html", "from": "", "to": "broken"},
                                  {"url": f"{base}fixed.html", "from": "broken", "to": "ok"},
                                  {"url": f"{base}moved.html", "from": "unverified", "to": "broken"}]},
        "scores": [{"indicator": i["id"], "score": i["score"], "previous": (i["score"] or 0) - 2.5,
                    "delta": 2.5 if i["score"] is not None else None,
                    "components": [{"id": c["id"], "score": c["score"],
                                    "previous": None if c["score"] is None else max(0.0, c["score"] - 0.05),
                                    "delta": None if c["score"] is None else min(0.05, c["score"])}
                                   for c in i["components"]]}
                   for i in doc["indicators"]],
    }
    return doc

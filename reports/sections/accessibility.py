"""Report section "accessibility": axe-core violations per rule and per page, with WCAG criteria and the
網站無障礙規範 codes of both editions, and template coverage. The 無障礙標章 (results["accessibility"]["badge"])
has its own section, accessibility_mark."""

from __future__ import annotations

from typing import Any

from govaudit.reports import messages
from govaudit.reports.values import url_view

NAME = "accessibility"
ORDER = 50
IMPACTS = ("critical", "serious", "moderate", "minor")
NODES_SHOWN = 5

LABELS = {
    "zh-TW": {
        "title": "無障礙檢測",
        "intro": "以 axe-core 於無頭 Chromium 實際載入頁面檢測（WCAG 2.1 A/AA），違規項目對應網站無障礙規範 110.07 與 "
                 "115.11 版檢測碼。檢測碼對應為近似（axe 規則不等於 Freego 規則），WCAG 成功準則對應為精確；"
                 "axe 無法判定者列為待人工檢視，不視為通過。",
        "not_run": "未執行無障礙檢測：", "status": "檢測結果", "score": "自動檢測分數",
        "pages_tested": "已檢測頁數", "pages_failed": "無法檢測頁數", "violations": "違規（規則×頁）",
        "needs_review": "待人工檢視（規則×頁）", "templates_tested": "已涵蓋版型",
        "by_rule": "依規則彙整", "by_page": "各頁違規", "templates": "版型涵蓋",
        "rule": "規則", "impact": "影響程度", "wcag": "WCAG 成功準則", "codes_110": "規範 110.07 檢測碼",
        "codes_115": "規範 115.11 檢測碼", "pages": "頁數", "nodes": "元素數", "page": "頁面",
        "template": "版型", "reason": "抽樣原因", "elements": "元素（選擇器與 HTML 片段）", "more": "另有 {n} 個元素",
        "error": "錯誤", "no_violations": "未檢出違規。", "page_error": "無法檢測：{error}（已嘗試 {n} 次）",
        "page_budget": "未檢測：本頁佔用瀏覽器超過每頁檢測時間上限 {seconds} 秒（含載入及全部檢測引擎），於「{step}」"
                       "階段中止（已完成：{done}）；本頁不視為通過。",
        "steps": {"load": "頁面載入"}, "list_sep": "、",
        "template_pages": "頁面數", "sampled": "抽樣數", "tested": "已檢測", "example": "範例頁面", "path": "共同路徑",
        "incomplete": "待人工檢視規則", "none": "—", "yes": "是", "no": "否",
        "impacts": {"critical": "嚴重", "serious": "重大", "moderate": "中度", "minor": "輕微"},
        "criteria": "自動檢測可判定 {scope} {total} 項成功準則中之 {automated} 項；{needs_review} 項須人工檢視；"
                    "{untested} 項無任何檢測引擎可測試。",
        "why_scaled": "自動檢測通過不等於符合全部準則：分數為各頁自動檢測分數 {page_score} × 可判定準則比例 "
                      "{automated}／{total}＝{score}。須人工檢視及未測試之準則由承辦人逐項檢視，不計入分數。",
        "criteria_list": "成功準則清單（WCAG 編號）",
        "criteria_kinds": {"automated": "自動檢測可判定", "needs_review": "須人工檢視（檢測引擎無法判定）",
                           "untested": "未測試（無檢測引擎之規則適用）"},
        "reasons": {"home": "首頁", "disclosure": "政府資訊公開", "contact": "聯絡我們", "sitemap": "網站導覽",
                    "english": "英文首頁", "template": "版型抽樣", "given": "指定頁面"},
    },
    "en": {
        "title": "Accessibility checks",
        "intro": "axe-core run on the real pages in headless Chromium (WCAG 2.1 A/AA); each violation is mapped to "
                 "the codes of the Taiwan Web Accessibility Guidelines editions 110.07 and 115.11. The code mapping is "
                 "approximate (an axe rule is not a Freego rule), the WCAG criterion is exact; what axe could not "
                 "decide needs a person's review and never counts as passed.",
        "not_run": "Accessibility checks did not run: ", "status": "Result",
        "score": "Automated score", "pages_tested": "Pages tested", "pages_failed": "Pages not testable",
        "violations": "Violations (rule × page)", "needs_review": "Needs review (rule × page)", "templates_tested": "Templates covered",
        "by_rule": "By rule", "by_page": "Violations per page", "templates": "Template coverage",
        "rule": "Rule", "impact": "Impact", "wcag": "WCAG criterion", "codes_110": "Codes (110.07)",
        "codes_115": "Codes (115.11)", "pages": "Pages", "nodes": "Elements", "page": "Page",
        "template": "Template", "reason": "Sampled as", "elements": "Elements (selector and HTML)",
        "more": "{n} more elements", "error": "Error", "no_violations": "No violations found.",
        "page_error": "Not tested: {error} ({n} attempts)", "template_pages": "Pages", "sampled": "Sampled",
        "page_budget": "Not tested: the page kept the browser busy past its budget of {seconds} s (its load and "
                       "every engine); stopped during {step} (finished: {done}); never counted as passed.",
        "steps": {"load": "page load"}, "list_sep": ", ",
        "tested": "Tested", "example": "Example page", "path": "Common path", "incomplete": "Rules to review",
        "none": "—", "yes": "yes", "no": "no",
        "impacts": {"critical": "critical", "serious": "serious", "moderate": "moderate", "minor": "minor"},
        "criteria": "Automated checks established {automated} of {total} {scope} criteria; {needs_review} need "
                    "manual review; {untested} are not tested by any engine.",
        "why_scaled": "Passing automated checks is not meeting every criterion: the score is the pages' automated "
                      "score {page_score} × the share of criteria established {automated}/{total} = {score}. The "
                      "criteria for review and the untested ones are for a person to check; they earn nothing here.",
        "criteria_list": "The criteria (WCAG numbers)",
        "criteria_kinds": {"automated": "established by automated checks",
                           "needs_review": "need manual review (an engine could not decide)",
                           "untested": "not tested (no engine has a rule that applied)"},
        "reasons": {"home": "home page", "disclosure": "disclosure hub", "contact": "contact", "sitemap": "sitemap",
                    "english": "English home", "template": "template sample", "given": "given"},
    },
}


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _strs(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _budget(value: Any) -> dict[str, Any] | None:
    """A page stopped by its budget (the check's page entry "budget"): seconds, the step, engines done."""
    if not isinstance(value, dict):
        return None
    seconds = value.get("seconds")
    return {"seconds": f"{seconds:g}" if isinstance(seconds, int | float) else "", "step": str(value.get("step") or ""),
            "done": _strs(value.get("done"))}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _rule(item: dict) -> dict:
    codes = _dict(item.get("codes"))
    impact = str(item.get("impact") or "")
    return {
        "rule": str(item.get("rule") or ""), "impact": impact if impact in IMPACTS else "moderate",
        "impact_rank": IMPACTS.index(impact) if impact in IMPACTS else IMPACTS.index("moderate"),
        "wcag": _strs(item.get("wcag")), "codes_110": _strs(codes.get("110.07")),
        "codes_115": _strs(codes.get("115.11")), "help": str(item.get("help") or ""),
        # axe-core's own zh_TW text of the rule (its locale file of the same version)
        "help_zh": messages.axe_help(str(item.get("rule") or ""), "zh-TW", str(item.get("help") or "")),
        "help_url": url_view(item.get("help_url")),
        "pages": _int(item.get("pages")), "nodes_total": _int(item.get("nodes_total") or item.get("nodes")),
        "node_list": [{"selector": str(n.get("selector") or ""), "html": str(n.get("html") or "")}
                      for n in _dicts(item.get("nodes"))[:NODES_SHOWN]],
    }


CRITERIA_KINDS = ("automated", "needs_review", "untested")


def _pct(value: Any) -> str:
    return f"{value * 100:.1f}%" if isinstance(value, int | float) and not isinstance(value, bool) else "—"


def criteria_view(section: dict, metrics: dict) -> dict | None:
    """How many WCAG 2.1 A/AA criteria automated testing established, and why the score is scaled by it
    (results.json accessibility.criteria; None from a results.json written before it existed)."""
    criteria = _dict(section.get("criteria"))
    if not criteria:
        return None
    lists = {kind: _strs(criteria.get(kind)) for kind in CRITERIA_KINDS}
    return {**{f"n_{kind}": len(items) for kind, items in lists.items()}, "lists": lists,
            "total": sum(len(items) for items in lists.values()),
            "page_score": _pct(metrics.get("page_score")), "score": _pct(metrics.get("score"))}


def build(results: dict) -> dict | None:
    section = _dict(results.get(NAME))
    check = next((c for c in _dicts(results.get("checks")) if c.get("id") == NAME), None)
    if check is None and not section:
        return None
    check = _dict(check)
    metrics = _dict(check.get("metrics"))
    pages: list[dict[str, Any]] = []
    for page in _dicts(section.get("pages")):
        violations = [_rule(v) for v in _dicts(page.get("violations"))]
        violations.sort(key=lambda r: (IMPACTS.index(r["impact"]), r["rule"]))
        pages.append({
            "url": url_view(page.get("url")), "template": str(page.get("template") or ""),
            "reason": str(page.get("reason") or ""), "error": str(page.get("error") or ""),
            "attempts": _int(page.get("attempts")), "violations": violations, "budget": _budget(page.get("budget")),
            "incomplete": sorted({str(i.get("rule") or "") for i in _dicts(page.get("incomplete"))}),
        })
    pages.sort(key=lambda p: (not p["error"] and not p["violations"], p["url"]["raw"]))
    templates = [{"id": str(t.get("id") or ""), "pages": _int(t.get("pages")), "sampled": _int(t.get("sampled")),
                  "tested": _int(t.get("tested")), "example": url_view(t.get("example")),
                  "path": str(t.get("path") or "")} for t in _dicts(section.get("templates"))]
    score = metrics.get("score")
    return {
        "status": str(check.get("status") or ""),
        "error": str(check.get("error") or ""),
        "ran": str(check.get("status") or "") in ("passed", "failed", "needs_review"),
        "score": score if isinstance(score, int | float) and not isinstance(score, bool) else None,
        "metrics": {k: _int(metrics.get(k)) for k in ("pages_tested", "pages_failed", "violations",
                                                      "needs_review", "templates", "templates_tested")},
        "criteria": criteria_view(section, metrics),
        "rules": [_rule(r) for r in _dicts(section.get("rules"))],
        "pages": pages,
        "templates": templates,
    }

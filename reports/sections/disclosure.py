"""政府資訊公開 section: the ten Art. 7 categories (status, evidence links, dates, reason), the
資訊公開適切性 score broken down per component with its weight and evidence, and what to fix first."""

from __future__ import annotations

from typing import Any

from govaudit.reports.values import url_view

NAME = "disclosure"
ORDER = 20
STATUS_ORDER = ("missing", "weak", "stale", "found", "not_applicable")
LABELS = {
    "zh-TW": {
        "title": "政府資訊公開（政府資訊公開法第7條）",
        "audit_date": "稽核基準日",
        "hub": "政府資訊公開專區",
        "no_hub": "未找到「政府資訊公開」專區連結（首頁、選單或網站導覽）。",
        "found_from": "連結位置",
        "found_from_kinds": {"home page": "首頁", "header/footer menu": "頁首／頁尾選單", "sitemap page": "網站導覽頁",
                             "title": "頁面標題", "menu": "選單", "breadcrumb": "導覽路徑", "heading": "標題"},
        "categories": "第7條各款主動公開資訊",
        "id": "款次",
        "category": "項目",
        "status": "狀態",
        "evidence": "證據頁面",
        "updated": "更新日期",
        "reason": "判定理由",
        "stale": "未更新",
        "statuses": {"found": "已公開", "stale": "未更新", "weak": "證據薄弱", "missing": "未公開",
                     "not_applicable": "不適用"},
        "score": "資訊公開適切性評分",
        "component": "評分項目",
        "weight": "權重",
        "value": "得分",
        "basis": "依據",
        "not_assessed": "未評估",
        "services": "服務措施及出版品資訊",
        "clicks": "自首頁點選次數",
        "services_status": {"found": "已提供", "too_deep": "層級過深", "missing": "未提供"},
        "freshness": "網站資料更新",
        "updated_share": "{months} 個月內更新之網頁比例",
        "rule_page": "網站資料更新規定頁面",
        "none": "未找到",
        "fix_first": "優先改善事項",
        "nothing_to_fix": "第7條各款均已公開且為最新。",
        "fix": {"missing": "補上「{label}」並自政府資訊公開專區連結",
                "weak": "「{label}」頁面應列出文件或附件，並以明確名稱列於選單",
                "stale": "更新「{label}」至最新年度或期間"},
    },
    "en": {
        "title": "Government information disclosure (GIPA Art. 7)",
        "audit_date": "Audit date",
        "hub": "Disclosure hub",
        "no_hub": "No 政府資訊公開 hub is linked from the home page, menus or sitemap page.",
        "found_from": "Linked from", "found_from_kinds": {},
        "categories": "Art. 7 categories",
        "id": "Item",
        "category": "Category",
        "status": "Status",
        "evidence": "Evidence",
        "updated": "Updated",
        "reason": "Reason",
        "stale": "stale",
        "statuses": {"found": "Found", "stale": "Stale", "weak": "Weak evidence", "missing": "Missing",
                     "not_applicable": "Not applicable"},
        "score": "Adequacy of information disclosure",
        "component": "Component",
        "weight": "Weight",
        "value": "Score",
        "basis": "Basis",
        "not_assessed": "not assessed",
        "services": "Services and publications",
        "clicks": "Clicks from home",
        "services_status": {"found": "Found", "too_deep": "Too deep", "missing": "Missing"},
        "freshness": "Regular updates",
        "updated_share": "Pages updated within {months} months",
        "rule_page": "Published update rule page",
        "none": "not found",
        "fix_first": "What to fix first",
        "nothing_to_fix": "Every Art. 7 category is published and current.",
        "fix": {"missing": "Publish “{label}” and link it from the disclosure hub",
                "weak": "Make the “{label}” page list its documents and name it clearly in the menu",
                "stale": "Bring “{label}” up to the current year or period"},
    },
}


def _d(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list:
    return value if isinstance(value, list) else []


def _weight(value: Any) -> Any:
    return int(value) if isinstance(value, int | float) and float(value).is_integer() else value


def build(results: dict) -> dict | None:
    section = _d(_d(results).get("disclosure"))
    categories = [c for c in _l(section.get("categories")) if isinstance(c, dict)]
    if not categories:
        return None
    rows = [{
        "id": str(c.get("id", "")), "label": str(c.get("label", "")), "status": str(c.get("status", "")),
        "stale": bool(c.get("stale")), "evidence": [url_view(u) for u in _l(c.get("evidence"))],
        "updated": str(c.get("updated") or ""), "reason": str(c.get("reason", "")),
        "reason_en": str(c.get("reason_en") or c.get("reason", "")),
    } for c in categories]
    fixes = []
    for kind, test in (("missing", lambda r: r["status"] == "missing"), ("stale", lambda r: r["stale"]),
                       ("weak", lambda r: r["status"] == "weak")):
        fixes += [{"kind": kind, "id": r["id"], "label": r["label"], "reason": r["reason"],
                   "reason_en": r["reason_en"]} for r in rows if test(r)]
    indicator = next((i for i in _l(results.get("indicators")) if _d(i).get("id") == "disclosure_adequacy"), None)
    components = []
    by_check = {c.get("id"): c for c in _l(results.get("checks")) if isinstance(c, dict)}
    for comp in _l(_d(indicator).get("components")):
        comp = _d(comp)
        check = _d(by_check.get(comp.get("check")))
        components.append({
            "label": str(comp.get("label", "")), "weight": _weight(comp.get("weight")), "status": str(comp.get("status", "")),
            "score": None if comp.get("score") is None else round(100 * float(comp["score"]), 1),
            "basis": str(comp.get("reason", "")), "check": str(comp.get("check", "")),
            "check_status": str(check.get("status", "")),
        })
    hub = _d(section.get("hub"))
    services = _d(section.get("services"))
    fresh = _d(section.get("freshness"))
    return {
        "audit_date": str(section.get("audit_date") or ""),
        "hub": {"url": url_view(hub["url"]), "found_from": _l(hub.get("found_from"))} if hub.get("url") else None,
        "rows": rows,
        "fixes": fixes,
        "indicator": {"score": _d(indicator).get("score"), "max": _d(indicator).get("max"),
                      "status": _d(indicator).get("status")} if indicator else None,
        "components": components,
        "services": [{"label": str(i.get("label", "")), "status": str(i.get("status", "")),
                      "clicks": i.get("clicks"), "evidence": [url_view(u) for u in _l(i.get("evidence"))[:1]],
                      "reason": str(i.get("reason", ""))}
                     for i in _l(services.get("items")) if isinstance(i, dict)],
        "freshness": {"share": round(100 * float(fresh["updated_share"]), 1), "months": fresh.get("months"),
                      "rule_page": url_view(fresh["rule_page"]) if fresh.get("rule_page") else None}
        if isinstance(fresh.get("updated_share"), int | float) else None,
    }

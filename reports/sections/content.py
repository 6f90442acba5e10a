"""資訊內容正確度: the content check's signals, each with its count, pages affected and sub-score."""

from __future__ import annotations

from typing import Any

from govaudit.reports.values import url_view

NAME = "content"
ORDER = 45
SIGNALS = ("pii", "hijacked", "contact", "mojibake", "undated")
LABELS = {
    "zh-TW": {
        "title": "資訊內容正確度",
        "correctness": "內容正確度", "weight": "已評估權重",
        "signal": "訊號", "status": "評估", "count": "件數", "pages": "受影響頁數", "score": "子分數",
        "rule": "計算方式", "sample": "例", "codes": "對應問題代碼",
        "rules": {"1 − pages affected ÷ pages assessed": "1 − 受影響頁數 ÷ 已檢測頁數", "1 − 0.5 × items": "1 − 0.5 × 問題項數"},
        "assessed": {"assessed": "已評估", "not_assessed": "未評估"},
        "names": {"pii": "個人資料外洩", "hijacked": "連結網域遭劫持", "contact": "聯絡資訊不一致",
                  "mojibake": "亂碼", "undated": "未標示更新日期"},
        "method": "內容正確度為各已評估訊號子分數之加權平均；來源檢查停用或無資料之訊號不列入分母。"
                  "個資與遭劫持連結每件扣 0.5，其餘為未受影響頁面比例。",
        "none": "—",
    },
    "en": {
        "title": "Content correctness (資訊內容正確度)",
        "correctness": "Correctness", "weight": "Weight assessed",
        "signal": "Signal", "status": "Assessed", "count": "Count", "pages": "Pages affected", "score": "Sub-score",
        "rule": "Rule", "sample": "Example", "codes": "Finding codes", "rules": {},
        "assessed": {"assessed": "assessed", "not_assessed": "not assessed"},
        "names": {"pii": "Personal data exposed", "hijacked": "Hijacked outbound links",
                  "contact": "Inconsistent contact data", "mojibake": "Mojibake (mis-decoded text)",
                  "undated": "Pages without a date"},
        "method": "Correctness is the weighted mean of the assessed signals' sub-scores; a signal whose source "
                  "check is disabled or has no data leaves the denominator. Personal data and hijacked links "
                  "cost 0.5 per item; the others are the share of unaffected pages.",
        "none": "—",
    },
}


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _pct(value: Any) -> str:
    return f"{value:.1%}" if isinstance(value, int | float) and not isinstance(value, bool) else ""


def build(results: dict) -> dict | None:
    section = _dict(results.get("content"))
    signals = _dict(section.get("signals"))
    if not signals:
        return None
    rows = []
    for name in SIGNALS:
        s = _dict(signals.get(name))
        if not s:
            continue
        sample = s.get("sample") or []
        rows.append({"name": name, "status": str(s.get("status") or ""), "count": s.get("count"),
                     "pages": s.get("pages_affected"), "score": _pct(s.get("score")), "weight": s.get("weight"),
                     "rule": str(s.get("rule") or s.get("reason") or ""),
                     "sample": url_view(sample[0]) if sample else url_view(""),
                     "codes": [str(c) for c in s.get("codes") or []]})
    total = section.get("weight_total")
    return {"correctness": _pct(section.get("correctness")), "weight": f"{section.get('weight_assessed')} / {total}",
            "rows": rows}

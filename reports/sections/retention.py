"""資料保存: a pinned run's note, and a clear word when retention pruned the run's page-level detail
(the report is rebuilt from what the store kept: findings, scores, link results)."""

from __future__ import annotations

from typing import Any

NAME = "retention"
ORDER = 1  # before the check sections: it says what the rest of the report can and cannot show
LABELS = {
    "zh-TW": {
        "title": "資料保存",
        "pinned": "本次稽核已釘選保存（供年度評核使用），不會被清理。",
        "pin_note": "釘選說明：",
        "pruned": {
            "bodies": "本次稽核的網頁原始內容已依保存期限清除；檢測結果、問題清單、分數與連結檢查結果均保留。",
            "detail": "本次稽核的逐頁與逐連結明細（網頁內容、連結出處、無障礙逐頁結果）已依保存期限清除；"
                      "檢測結果、問題清單、分數與連結檢查結果均保留，故失效連結不列出所在頁面。",
        },
        "pruned_at": "清除時間",
    },
    "en": {
        "title": "Data retention",
        "pinned": "This run is pinned (kept whole for an assessment) and is never pruned.",
        "pin_note": "Note: ",
        "pruned": {
            "bodies": "The page bodies of this run were pruned by retention; check results, findings, scores "
                      "and link results are kept.",
            "detail": "Page-level detail of this run (page bodies, link sources, per-page accessibility results) "
                      "was pruned by retention; check results, findings, scores and link results are kept, so "
                      "failing links are listed without the pages that link to them.",
        },
        "pruned_at": "Pruned at",
    },
}


def build(results: dict) -> dict[str, Any] | None:
    info = (results.get("run") or {}).get("retention")
    if not isinstance(info, dict) or not (info.get("pinned") or info.get("pruned")):
        return None
    return {"pinned": bool(info.get("pinned")), "pin_note": str(info.get("pin_note") or ""),
            "pruned": info.get("pruned") if info.get("pruned") in ("bodies", "detail") else None,
            "pruned_at": str(info.get("pruned_at") or "")}

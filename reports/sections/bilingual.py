"""雙語化網站: the English entry point, zh↔en pairs and coverage, key English pages, language gaps."""

from __future__ import annotations

from typing import Any

from govaudit.reports.values import url_view

NAME = "bilingual"
ORDER = 60
MAX_ROWS = 200
LABELS = {
    "zh-TW": {
        "title": "雙語化網站（英文網頁）",
        "english_home": "英文網站入口", "found_by": "辨識方式",
        "via": {"hreflang": "hreflang", "text": "連結文字", "lang": "lang 屬性", "path": "網址路徑",
                "alternate": "hreflang 對應", "switch": "語言切換連結"},
        "status": {"ok": "可開啟", "broken": "失效", "redirected": "已移轉", "unverified": "無法確認",
                   "excluded": "未檢查", "not_checked": "未檢查"},
        "no_english": "首頁未發現英文網站連結。",
        "coverage": "涵蓋情形", "zh_pages": "中文頁數", "en_pages": "英文頁數", "pairs": "中英對應組數",
        "en_paired_share": "英文頁有中文對應之比例", "zh_paired_share": "中文頁有英文對應之比例",
        "key_pages": "英文重要頁面",
        "kinds": {"about": "機關簡介", "contact": "聯絡資訊",
                  "privacy": "隱私權政策", "open_data": "資料開放宣告"},
        "missing": "未發現", "pair_table": "中英對應頁面", "zh": "中文頁面", "en": "英文頁面",
        "more": "另有 {n} 筆，完整內容請見 results.json。",
        "not_english": "英文網站中內容非英文或 lang 有誤的頁面", "lang": "lang", "cjk_share": "中日韓文字比例",
        "gaps": "問題", "code": "代碼", "message": "說明", "page": "頁面", "target": "目標",
        "unpaired": "無中文對應的英文頁面",
    },
    "en": {
        "title": "Bilingual website (English pages)",
        "english_home": "English entry point", "found_by": "Found by",
        "via": {"hreflang": "hreflang", "text": "link text", "lang": "lang attribute", "path": "URL path",
                "alternate": "hreflang alternate", "switch": "language switch"},
        "status": {"ok": "answers", "broken": "dead", "redirected": "moved", "unverified": "unverified",
                   "excluded": "not checked", "not_checked": "not checked"},
        "no_english": "No link to an English site was found on the home page.",
        "coverage": "Coverage", "zh_pages": "Chinese pages", "en_pages": "English pages", "pairs": "zh↔en pairs",
        "en_paired_share": "English pages with a Chinese counterpart", "zh_paired_share":
        "Chinese pages with an English counterpart",
        "key_pages": "Key English pages",
        "kinds": {"about": "About", "contact": "Contact", "privacy": "Privacy policy",
                  "open_data": "Open-data declaration"},
        "missing": "not found", "pair_table": "Paired pages", "zh": "Chinese page", "en": "English page",
        "more": "{n} more in results.json.",
        "not_english": "English-site pages that are not English or declare a wrong lang", "lang": "lang",
        "cjk_share": "CJK share",
        "gaps": "Findings", "code": "Code", "message": "Message", "page": "Page", "target": "Target",
        "unpaired": "English pages without a Chinese counterpart",
    },
}


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _pct(value: Any) -> str:
    return f"{value:.0%}" if isinstance(value, int | float) and not isinstance(value, bool) else "—"


def build(results: dict) -> dict | None:
    section = _dict(results.get("bilingual"))
    if not section:
        return None
    home = _dict(section.get("english_home"))
    coverage = _dict(section.get("coverage"))
    pairs = _dicts(section.get("pairs"))
    pages = [p for p in _dicts(section.get("english_pages"))
             if not p.get("english") or not str(p.get("lang") or "").lower().startswith("en")]
    findings = _dicts(section.get("findings"))
    unpaired = [u for u in coverage.get("unpaired_en") or [] if isinstance(u, str)]
    return {
        "english_home": {"url": url_view(home.get("url")), "found_by": str(home.get("found_by") or ""),
                         "status": str(home.get("status") or "")} if home else None,
        "numbers": [(key, coverage.get(key)) for key in ("zh_pages", "en_pages", "pairs")],
        "shares": [(key, _pct(coverage.get(key))) for key in ("en_paired_share", "zh_paired_share")],
        "key_pages": [{"kind": k, "url": url_view(v) if v else None}
                      for k, v in _dict(coverage.get("key_pages")).items()],
        "pairs": [{"zh": url_view(p.get("zh")), "en": url_view(p.get("en")),
                   "via": [str(v) for v in p.get("via") or []]} for p in pairs[:MAX_ROWS]],
        "pairs_more": max(0, len(pairs) - MAX_ROWS),
        "bad_pages": [{"url": url_view(p.get("url")), "lang": str(p.get("lang") or ""),
                       "cjk_share": _pct(p.get("cjk_share"))} for p in pages[:MAX_ROWS]],
        "findings": [{"code": str(f.get("code", "")), "severity": str(f.get("severity", "")),
                      "message": str(f.get("message", "")), "page": url_view(f.get("page")),
                      "target": str(f.get("target") or "")} for f in findings[:MAX_ROWS]],
        "findings_more": max(0, len(findings) - MAX_ROWS),
        "unpaired": [url_view(u) for u in unpaired[:MAX_ROWS]],
        "unpaired_more": max(0, len(unpaired) - MAX_ROWS),
    }

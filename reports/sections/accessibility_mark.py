"""無障礙標章: the mark on the home page, its certificate link and why it does or does not count."""

from __future__ import annotations

from typing import Any

from govaudit.reports.values import url_view

NAME = "accessibility_mark"
ORDER = 40  # before the axe-core section (accessibility)
LABELS = {
    "zh-TW": {
        "title": "無障礙標章",
        "verdict": "判定", "valid": {"passed": "有效標章", "failed": "未取得有效標章"},
        "home_page": "首頁", "present": "首頁張貼標章", "level": "檢測等級", "host": "認證網站",
        "era": "標章制度", "eras": {"moda": "數位發展部（現行）", "ncc": "國家通訊傳播委員會（舊制）",
                                   "handicap-free": "研考會／國發會（舊制）"},
        "certificate": "認證編號（連結至認證頁面）", "issued": "編號日期", "expires": "推估到期日（三年＋寬限期）",
        "issued_read": "核發日期（認證頁面）", "expires_read": "有效期限（認證頁面）", "expired": "已逾期",
        "certificate_level": "認證頁面所載等級", "revoked": "認證頁面顯示已廢止／註銷", "dates_basis": "日期依據",
        "artwork": "標章圖樣", "art_match": "符合官方圖樣（{ref}，感知雜湊差 {d}／64 位元）",
        "art_mismatch": "與官方圖樣不符（最接近 {ref}，差 {d}／64 位元）", "art_unchecked": "未比對：{why}",
        "likely_expired": "可能已逾期", "size": "圖片尺寸", "size_ok": "符合 88×31",
        "placement": "位置", "in_footer": "位於頁尾", "at_position": "位於頁面 {p} 處",
        "link": "認證頁面連結",
        "link_status": {"ok": "可開啟", "broken": "失效", "not_verified": "未驗證（離線或無法確認）"},
        "pages": "張貼標章頁數", "pages_fmt": "{n} / {total} 頁", "audit_date": "判定基準日",
        "meta": "Accessible_website 中繼資料", "yes": "是", "no": "否", "none": "—",
        "heuristic": "逾期判定係依認證編號（申請時間 YYYYMMDDhhmmss）推算三年有效期間，屬推估；"
                     "請以認證頁面所載為準。",
        "read": "等級與日期取自認證頁面（連線檢測時於爬取後讀取）。",
        "findings": "問題", "code": "代碼", "message": "說明",
    },
    "en": {
        "title": "Accessibility mark (無障礙標章)",
        "verdict": "Verdict", "valid": {"passed": "Valid mark", "failed": "No valid mark"},
        "home_page": "Home page", "present": "Mark on the home page", "level": "Level", "host": "Certificate site",
        "era": "Scheme", "eras": {"moda": "Ministry of Digital Affairs (current)", "ncc": "NCC (legacy)",
                                  "handicap-free": "RDEC / NDC (legacy)"},
        "certificate": "Certificate number (links to the certificate page)", "issued": "Date of the number",
        "expires": "Estimated expiry (3 years + grace)", "likely_expired": "Likely expired",
        "issued_read": "Issued (certificate page)", "expires_read": "Valid until (certificate page)",
        "expired": "Expired", "certificate_level": "Level on the certificate page",
        "revoked": "Revoked or cancelled (certificate page)", "dates_basis": "Dates from",
        "artwork": "Mark artwork", "art_match": "matches the official artwork ({ref}, {d} of 64 bits off)",
        "art_mismatch": "not the official artwork (nearest {ref}, {d} of 64 bits off)",
        "art_unchecked": "not compared: {why}",
        "size": "Image size", "size_ok": "88×31", "placement": "Placement", "in_footer": "in the footer",
        "at_position": "at {p} of the page", "link": "Certificate link",
        "link_status": {"ok": "answers", "broken": "dead", "not_verified": "not verified (offline or unknown)"},
        "pages": "Pages with the mark", "pages_fmt": "{n} of {total} pages", "audit_date": "Audit date",
        "meta": "Accessible_website meta", "yes": "yes", "no": "no", "none": "—",
        "heuristic": "Expiry is estimated from the certificate number (the application time, YYYYMMDDhhmmss) "
                     "and a 3-year validity; the certificate page is authoritative.",
        "read": "Level and dates are from the certificate page (read after the crawl in an online run).",
        "findings": "Findings", "code": "Code", "message": "Message",
    },
}


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _artwork(value: Any) -> dict | None:
    art = _dict(value)
    if not art:
        return None
    state = "unchecked" if not art.get("checked") else "match" if art.get("matches") else "mismatch"
    return {"state": state, "reference": str(art.get("reference") or ""), "distance": art.get("distance"),
            "error": str(art.get("error") or "")}


def build(results: dict) -> dict | None:
    badge = _dict(_dict(results.get("accessibility")).get("badge"))
    if not badge:
        return None
    check = next((c for c in results.get("checks") or [] if isinstance(c, dict) and c.get("id") == NAME), {})
    findings = [{"code": str(f.get("code", "")), "severity": str(f.get("severity", "")),
                 "message": str(f.get("message", "")), "page": url_view(f.get("page"))}
                for f in check.get("findings") or [] if isinstance(f, dict)]
    position = badge.get("position")
    return {
        "valid": "passed" if badge.get("valid") is True else "failed",
        "present": bool(badge.get("present")),
        "home_page": url_view(badge.get("home_page")),
        "level": str(badge.get("level") or ""),
        "host": str(badge.get("host") or ""),
        "era": str(badge.get("era") or ""),
        "certificate_id": str(badge.get("certificate_id") or ""),
        "certificate": url_view(badge.get("certificate_url")),
        "issued": str(badge.get("issued") or ""),
        "expires": str(badge.get("expires") or ""),
        "likely_expired": badge.get("likely_expired"),
        "dates_estimated": badge.get("dates_estimated") is not False,
        "dates_basis": str(badge.get("dates_basis") or ""),
        "revoked": badge.get("revoked"),
        "certificate_level": str(_dict(badge.get("certificate_page")).get("level") or ""),
        "artwork": _artwork(badge.get("artwork")),
        "width": badge.get("width"), "height": badge.get("height"), "size_ok": badge.get("size_ok"),
        "in_footer": badge.get("in_footer"),
        "position": f"{position:.0%}" if isinstance(position, int | float) else "",
        "link_status": str(badge.get("link_status") or ""),
        "pages_with_badge": badge.get("pages_with_badge"), "pages_checked": badge.get("pages_checked"),
        "audit_date": str(badge.get("audit_date") or ""),
        "meta": [str(m) for m in badge.get("meta") or []],
        "findings": findings,
    }

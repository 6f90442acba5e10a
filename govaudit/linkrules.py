"""Pure link-review helpers shared by the check, results.json and the CLI: profile ignore rules, the
suggested fix for a failure (zh-TW / en), and whether a redirect is only an http→https upgrade."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from govaudit import urls

if TYPE_CHECKING:
    from govaudit.models import LinkResult


def matching_rule(rules: list[dict] | tuple, url: str, status: str) -> dict | None:
    """The first links.ignore rule (as dicts) covering this target and status, else None."""
    for rule in rules or ():
        rule = rule if isinstance(rule, dict) else rule.model_dump()
        if rule.get("status") and status not in rule["status"]:
            continue
        if rule.get("host") and rule["host"].lower() not in (urls.host_of(url), urls.hostname_of(url)):
            continue
        if rule.get("url") and not re.search(rule["url"], url):
            continue
        return rule
    return None


def is_https_upgrade(url: str, final_url: str | None) -> bool:
    """http://X/p permanently moved to https://X/p (same host and path, or the www. variant)."""
    if not final_url:
        return False
    a, b = urlsplit(url), urlsplit(final_url)
    same_host = (a.hostname or "").removeprefix("www.") == (b.hostname or "").removeprefix("www.")
    return a.scheme == "http" and b.scheme == "https" and same_host and (a.path or "/") == (b.path or "/")


_FIX = {
    "hijacked": ("立即移除此連結：該網域已易主，現為賭博、色情或停放頁面。",
                 "Remove this link now: the domain has changed hands and serves gambling, adult or parking content."),
    "soft404": ("目標頁面已不存在（伺服器回應 200 但顯示找不到網頁），請改連正確頁面或移除連結。",
                "The target page is gone (the server answers 200 with a not-found page): link the right page or remove it."),
    "missing_fragment": ("頁面存在但錨點不見了，請修正 # 後的錨點名稱或改連頁面本身。",
                         "The page exists but the anchor does not: fix the name after # or link the page itself."),
    "invalid_url": ("連結格式錯誤，請修正網址、電子郵件或電話號碼。",
                    "The link is malformed: correct the URL, e-mail address or phone number."),
    "dns": ("網域已不存在，請確認對方新網址或移除連結。",
            "The domain no longer exists: find the organisation's new address or remove the link."),
    "redirect_loop": ("重新導向形成迴圈，請通知對方網站管理者或移除連結。",
                      "The redirects loop: tell the target site's webmaster or remove the link."),
    "too_many_redirects": ("重新導向次數過多，請改連最終網址。", "Too many redirects: link the final address."),
    "tls": ("對方網站憑證有問題（瀏覽器會警告），請通知對方或暫時移除連結。",
            "The target's TLS certificate is faulty (browsers warn): tell its webmaster or remove the link for now."),
    "rate_limited": ("對方限制查詢次數，無法確認；下次檢測會再試，不計為失效。",
                     "The host rate-limits checks; it will be retried next run and is not counted as broken."),
    "bot_blocked": ("對方阻擋自動檢測，請人工開啟確認一次；可在設定檔加入接受規則。",
                    "The host blocks automated checks: open it once by hand; accept it with a profile rule."),
    "transient": ("暫時性錯誤（伺服器錯誤、逾時或無法連線）；連續數晚失敗才計為失效，請確認對方網站是否仍在。",
                  "Transient failure (server error, timeout, refused); it counts once it persists over nights: check the site still exists."),
}


def suggest_fix(link: LinkResult) -> dict[str, str]:
    """{"zh-TW": ..., "en": ...}: what the officer should do about one failing link."""
    status, kind = link.status, link.error_kind or ""
    http = link.http_status or 0
    if status == "redirected":
        final = link.final_url or ""
        if is_https_upgrade(link.url, final):
            return {"zh-TW": f"對方已改用 HTTPS，請將連結改為 {final}", "en": f"The site moved to HTTPS: link {final}"}
        return {"zh-TW": f"連結已永久移轉，請改連新網址 {final}", "en": f"Moved permanently: link the new address {final}"}
    if kind in ("timeout", "connection_refused", "connection_reset") or (kind == "http_status" and http >= 500):
        key = "transient"
    elif kind in _FIX:
        key = kind
    elif http in (404, 410):
        text = ("頁面已不存在（{0}），請改連新位置或移除連結。", "The page is gone ({0}): link its new location or remove the link.")
        return {"zh-TW": text[0].format(http), "en": text[1].format(http)}
    else:
        return {"zh-TW": "請開啟連結確認，修正或移除。", "en": "Open the link to confirm, then fix or remove it."}
    zh, en = _FIX[key]
    return {"zh-TW": zh, "en": en}

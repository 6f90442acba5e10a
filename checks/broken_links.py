"""資訊連結正確度: every link failure, with the page it is on, the link as written and the fix."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from govaudit.linkrules import is_https_upgrade, matching_rule
from govaudit.models import CheckResult, CheckStatus, ErrorKind, Finding, LinkResult, LinkStatus, Severity
from govaudit.plugins import Check, CheckContext, Code
from govaudit.results import result_key
from govaudit.reuse import LINK_HISTORY, LINK_RESULTS, LINKS

# The code of a broken target by its error kind (a plain string when read back from the store); any
# other kind is "link.broken".
_BROKEN_CODES: dict[str | None, str] = {
    ErrorKind.MISSING_FRAGMENT: "link.missing-fragment", ErrorKind.INVALID_URL: "link.invalid",
    ErrorKind.HIJACKED: "link.hijacked", ErrorKind.SOFT_404: "link.soft-404"}


class BrokenLinks(Check):
    id = "broken_links"
    inputs = frozenset({LINKS, LINK_RESULTS, LINK_HISTORY})
    title = "Link correctness"
    title_zh = "資訊連結正確度"
    version = "2"
    cost = 1.0
    link_findings = True
    report_anchor = "failures"
    indicator_tags = ("indicator:content_validity", "component:link_correctness")
    default_options = {"report_unverified": True, "report_redirected": True}
    codes = {
        "link.broken": Code(Severity.HIGH, "The target answered a definitive error (4xx, redirect loop, name not found).",
                            "連結目標回應明確錯誤（4xx、重新導向迴圈、網域不存在）。"),
        "link.missing-fragment": Code(Severity.MEDIUM, "The page exists but has no anchor with the linked #fragment.",
                                      "頁面存在，但沒有連結所指的 #錨點。"),
        "link.invalid": Code(Severity.MEDIUM, "The link is malformed (bad URL, e-mail address or phone number).",
                             "連結格式錯誤（網址、電子郵件或電話號碼）。"),
        "link.hijacked": Code(Severity.CRITICAL, "The linked domain now serves gambling or adult spam, or is parked "
                              "for sale: remove the link.", "連結網域已易主，現為賭博、色情內容或停放待售頁面，請立即移除。"),
        "link.soft-404": Code(Severity.HIGH, "The target answers 200 but shows the host's not-found page (soft 404).",
                              "連結目標回應 200，但內容是找不到網頁（軟性 404）。"),
        "link.tls": Code(Severity.MEDIUM, "The target's TLS certificate does not verify (expired, incomplete chain, "
                         "wrong name); not counted as broken.", "連結目標的 TLS 憑證無法驗證（過期、憑證鏈不完整、名稱不符），不計為失效。"),
        "link.https-upgrade": Code(Severity.LOW, "The target moved from http:// to https://: link the https address.",
                                   "連結目標已由 http:// 改為 https://，請更新連結。"),
        "link.redirected": Code(Severity.LOW, "The target moved permanently: link its new address.",
                                "連結目標已永久移轉，請改連新網址。"),
        "link.unverified": Code(Severity.INFO, "Could not be verified (rate limit, bot wall, transient error); "
                                "not counted as broken.", "無法確認（流量限制、阻擋自動程式、暫時性錯誤），不計為失效。"),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        results = {r.url: r for r in ctx.link_results()}
        counts: dict[str, int] = defaultdict(int)
        for r in results.values():
            # A found fragment is its page counted again; a missing one is a defect of its own.
            if "#" not in r.url or r.status == LinkStatus.BROKEN:
                counts[r.status] += 1
        rules = list(ctx.profile.links.ignore) if ctx.profile is not None else []
        confirm = ctx.profile.links.confirm_runs if ctx.profile is not None else 1
        findings: dict[str, Finding] = {}
        # Only links whose result makes a finding are read (a healthy target's links are most rows).
        wanted = {url for url, r in results.items() if self._code(r) is not None}
        for link in ctx.links_to(wanted | {url.split("#", 1)[0] for url in wanted}):
            key = result_key(link.target, link.fragment, results)
            result = results.get(key)
            if result is None:
                continue
            code = self._code(result)
            if code is None:
                continue
            evidence: dict[str, Any] = {
                "status": result.status, "http_status": result.http_status, "error": result.error,
                "error_kind": result.error_kind, "final_url": result.final_url, "text": link.text,
                "tag": link.tag, "attr": link.attribute, "line": link.line,
                "redirect_chain": result.redirect_chain, "first_seen": result.first_seen,
                "nights": result.nights or 0,
            }
            rule = matching_rule(rules, key, result.status)
            if rule is not None:
                evidence["accepted"] = {"by": "profile", "note": rule.get("note") or ""}
            finding = self.finding(code, self._message(result, confirm), page=link.source, target=key, evidence=evidence)
            findings.setdefault(finding.fingerprint, finding)  # one per page and target
        judged = counts[LinkStatus.OK] + counts[LinkStatus.REDIRECTED] + counts[LinkStatus.BROKEN]
        metrics = {
            **{status.value: counts[status] for status in LinkStatus},
            "checked": sum(counts.values()),
            # Unverified, excluded and unsupported targets are neither right nor wrong: out of the ratio.
            "link_correctness": round(1 - counts[LinkStatus.BROKEN] / judged, 4) if judged else None,
            "pages_with_broken_links": len({f.page for f in findings.values() if f.code not in
                                            ("link.unverified", "link.redirected", "link.tls", "link.https-upgrade")}),
        }
        if not judged:
            return self.result(CheckStatus.NOT_APPLICABLE, metrics, [])
        status = (CheckStatus.FAILED if counts[LinkStatus.BROKEN] else
                  CheckStatus.NEEDS_REVIEW if counts[LinkStatus.UNVERIFIED] else CheckStatus.PASSED)
        return self.result(status, metrics, list(findings.values()))

    def _code(self, result: LinkResult) -> str | None:
        status, kind = result.status, result.error_kind
        if status == LinkStatus.BROKEN:
            return _BROKEN_CODES.get(kind, "link.broken")
        if status == LinkStatus.REDIRECTED and self.options["report_redirected"]:
            return "link.https-upgrade" if is_https_upgrade(result.url, result.final_url) else "link.redirected"
        if status == LinkStatus.UNVERIFIED and kind == ErrorKind.TLS:
            return "link.tls"  # reported even when other unverified links are not
        if status == LinkStatus.UNVERIFIED and self.options["report_unverified"]:
            return "link.unverified"
        return None

    @staticmethod
    def _message(result: LinkResult, confirm_runs: int) -> str:
        if result.status == LinkStatus.REDIRECTED:
            return f"moved permanently to {result.final_url}"
        note = result.nights_note(confirm_runs)
        return " ".join(filter(None, (result.error or f"HTTP {result.http_status}", note)))

"""網站資料定期更新規定（含SOP）並據以執行: the share of pages whose labelled 更新日期 (or 發布日期 /
最後異動時間) is within the configured months of the audit date, and whether the site publishes its
update rule (網站資料更新規定 / 網站維護管理規範) as a page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from govaudit.checks.art7 import dates, pagefacts
from govaudit.checks.art7.taxonomy import label_match, title_parts
from govaudit.models import CheckResult, CheckStatus, Severity
from govaudit.plugins import Check, CheckContext, Code, NotApplicable
from govaudit.reuse import AUDIT_DAY, LINKS, PAGES

RULE_LABELS = ["網站資料定期更新規定", "網站資料更新規定", "網站資料檢核作業規定", "網站資料檢核及維護作業規定",
               "網站維護管理規範", "網站維護實施要點", "網站維護作業要點", "網站資料更新維護規定", "網站內容管理規範",
               "資料更新規定", "網站管理作業要點"]
MAX_OUTDATED_FINDINGS = 50


class Freshness(Check):
    id = "freshness"
    inputs = frozenset({PAGES, LINKS, AUDIT_DAY})
    title = "Regular updates"
    title_zh = "網站資料定期更新"
    version = "1"
    reads_link_results = False
    cost = 1.0
    shared_reads = frozenset({"navigation"})
    report_anchor = "disclosure"
    indicator_tags = ("indicator:content_validity", "component:regular_updates")
    default_options = {"months": 12, "rule_labels": RULE_LABELS}
    codes = {
        "freshness.outdated": Code(Severity.LOW, "The page's 更新日期 is older than the configured months.",
                                   "網頁標示之更新日期已超過設定之月數。"),
        "freshness.undated": Code(Severity.INFO, "Share of pages that show no 更新日期 / 發布日期 at all.",
                                  "未標示更新日期或發布日期之網頁比例。"),
        "freshness.no-rule-page": Code(Severity.MEDIUM, "No published 網站資料更新規定 (update rule / SOP) page.",
                                       "網站未公布網站資料定期更新規定（含SOP）。"),
    }

    @staticmethod
    def page_facts(doc: Any, url: str) -> Any:
        updated = pagefacts.updated_date(doc)
        return {"u": updated} if updated else {}

    def __init__(self, options: dict[str, Any] | None = None):
        super().__init__(options)
        months = self.options["months"]
        if not isinstance(months, int) or isinstance(months, bool) or months < 1:
            raise ValueError("months must be a whole number of months ≥ 1")
        if not isinstance(self.options["rule_labels"], list) or not self.options["rule_labels"]:
            raise ValueError("rule_labels must be a non-empty list of page labels")

    def run(self, ctx: CheckContext) -> CheckResult:
        today = ctx.audit_date()
        months = self.options["months"]
        labels = self.options["rule_labels"]
        total, recent, undated, outdated = 0, 0, 0, []
        rule_pages: list[str] = []
        titles: dict[str, str] = {}
        for page, facts in ctx.facts(self.id):
            if "_error" in facts:
                continue
            total += 1
            titles[page.url] = page.title or ""
            if any(label_match(p, labels, 6) for p in title_parts(page.title or "")[:2]):
                rule_pages.append(page.url)
            if not facts.get("u"):
                undated += 1
                continue
            day = dt.date.fromisoformat(facts["u"])
            if day > today or dates.months_between(day, today) <= months:
                recent += 1
            else:
                outdated.append((day, page.url))
        if not total:
            raise NotApplicable("no HTML page was parsed")
        if not rule_pages:
            for target, text in ctx.navigation()[1]:
                if target in titles and label_match(text, labels, 6):
                    rule_pages.append(target)
                    break
        outdated.sort()
        findings = [self.finding("freshness.outdated", f"更新日期 {day.isoformat()} is more than {months} months "
                                 f"before {today.isoformat()}", page=url, evidence={"updated": day.isoformat()})
                    for day, url in outdated[:MAX_OUTDATED_FINDINGS]]
        if undated:
            findings.append(self.finding("freshness.undated", f"{undated} of {total} pages show no 更新日期",
                                         evidence={"undated": undated, "pages": total}))
        if not rule_pages:
            findings.append(self.finding("freshness.no-rule-page", "no page titled or linked as "
                                         "網站資料更新規定 (or the other configured labels) was found"))
        share = round(recent / total, 4)
        metrics = {"updated_share": share, "pages": total, "recent": recent, "outdated": len(outdated),
                   "undated": undated, "months": months, "rule_page": rule_pages[0] if rule_pages else None}
        status = (CheckStatus.PASSED if share >= 0.9 and rule_pages else
                  CheckStatus.NEEDS_REVIEW if share >= 0.6 else CheckStatus.FAILED)
        data = {"disclosure": {"freshness": {
            "audit_date": today.isoformat(), "months": months, "updated_share": share, "pages": total,
            "recent": recent, "outdated": len(outdated), "undated": undated,
            "oldest": [{"url": url, "updated": day.isoformat()} for day, url in outdated[:10]],
            "rule_page": rule_pages[0] if rule_pages else None}}}
        out = self.result(status, metrics, findings)
        return CheckResult(out.check_id, out.version, out.status, out.metrics, out.findings, data=data)

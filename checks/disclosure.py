"""依政府資訊公開法第7條主動公開: each Art. 7 category found, stale, weak, missing or not applicable, with
the pages that prove it and the reason in words (a time-bound one shown but not current is stale).

Categories, labels and freshness rules are data (config/disclosure/art7.yaml). Page facts come from
the crawler's single parse (checks.art7.pagefacts); detection is pure (checks.art7.detect).
"""

from __future__ import annotations

from typing import Any

from govaudit.checks.art7 import detect, pagefacts
from govaudit.checks.art7 import taxonomy as tx
from govaudit.models import CheckResult, CheckStatus, Severity
from govaudit.plugins import Check, CheckContext, Code, NotApplicable
from govaudit.reuse import AUDIT_DAY, PAGES, START_URL


def html_pages(ctx: CheckContext, check_id: str) -> dict[str, detect.Page]:
    return {page.url: detect.Page(page.url, page.title or "", page.depth, facts)
            for page, facts in ctx.facts(check_id) if "_error" not in facts}


class Disclosure(Check):
    id = "disclosure"
    inputs = frozenset({PAGES, START_URL, AUDIT_DAY})
    title = "GIPA Art. 7 proactive disclosure"
    title_zh = "依政府資訊公開法第7條主動公開"
    version = "1"
    reads_link_results = False
    cost = 3.0
    indicator_tags = ("indicator:disclosure_adequacy", "component:art7_coverage")
    default_options = {"not_applicable": []}
    codes = {
        "disclosure.missing": Code(Severity.HIGH, "An Art. 7 category was not found on the site.",
                                   "網站未見此項政府資訊公開法第7條應主動公開之資訊。"),
        "disclosure.weak": Code(Severity.MEDIUM, "An Art. 7 category has only weak evidence (a label without "
                                "documents, or documents without a label).",
                                "此項應主動公開資訊僅有薄弱證據（有標題無文件，或有文件無明確標題）。"),
        "disclosure.stale": Code(Severity.MEDIUM, "A time-bound Art. 7 category is not current (施政計畫, 預算 and "
                                 "決算 years, 業務統計 age).", "時效性資訊未更新至最新年度或期間（施政計畫、預決算、業務統計）。"),
        "disclosure.no-hub": Code(Severity.LOW, "No 政府資訊公開 hub page is linked from the home page, menus or "
                                  "sitemap page.", "首頁、選單或網站導覽未連結「政府資訊公開」專區。"),
    }

    @staticmethod
    def page_facts(doc: Any, url: str) -> Any:
        return pagefacts.analyze(doc, url)

    def __init__(self, options: dict[str, Any] | None = None):
        super().__init__(options)
        self.taxonomy = tx.default()
        marked = self.options["not_applicable"]
        if not isinstance(marked, list | tuple) or not all(isinstance(m, str) for m in marked):
            raise ValueError("not_applicable must be a list of category ids, e.g. [art7-10]")
        for cid in marked:
            if cid not in tx.CATEGORY_IDS:
                raise ValueError(f"not_applicable: unknown category {cid!r}; known: {', '.join(tx.CATEGORY_IDS)}")
            if not self.taxonomy.category(cid).may_be_na:
                allowed = [c.id for c in self.taxonomy.categories if c.may_be_na]
                raise ValueError(f"not_applicable: {cid} may not be marked not applicable "
                                 f"(only {', '.join(allowed)}; see config/disclosure/art7.yaml may_be_na)")
        self.not_applicable = frozenset(marked)

    def run(self, ctx: CheckContext) -> CheckResult:
        pages = html_pages(ctx, self.id)
        if not pages:
            raise NotApplicable("no HTML page was parsed")
        start = ctx.store.run(ctx.run_id).start_url
        result = detect.detect(pages, start, self.taxonomy, ctx.audit_date(), self.not_applicable)
        categories = result["categories"]
        figures = detect.metrics(categories)
        findings = []
        for cat in categories:
            page = cat["evidence"][0] if cat["evidence"] else ""
            evidence = {"category": cat["id"], "label": cat["label"], "evidence": cat["evidence"],
                        "reason": cat["reason"]}
            if cat["status"] == detect.MISSING:
                findings.append(self.finding("disclosure.missing", f"{cat['id']} {cat['label']}: {cat['reason']}",
                                             page=start, target=cat["id"], evidence=evidence))
            elif cat["status"] == detect.WEAK:
                findings.append(self.finding("disclosure.weak", f"{cat['id']} {cat['label']}: {cat['reason']}",
                                             page=page, target=cat["id"], evidence=evidence))
            if cat["status"] == detect.STALE:
                findings.append(self.finding("disclosure.stale", f"{cat['id']} {cat['label']}: "
                                             f"{cat['freshness']['reason']}", page=page, target=cat["id"],
                                             evidence={**evidence, "freshness": cat["freshness"]}))
        if result["hub"] is None:
            findings.append(self.finding("disclosure.no-hub", "no 政府資訊公開 hub page was found", page=start))
        status = (CheckStatus.FAILED if figures["missing"] else
                  CheckStatus.NEEDS_REVIEW if figures["weak"] or figures["stale"] or result["hub"] is None
                  else CheckStatus.PASSED)
        data = {"disclosure": {
            "audit_date": ctx.audit_date().isoformat(),
            "taxonomy_version": self.taxonomy.version,
            "hub": result["hub"],
            "categories": [{k: c[k] for k in ("id", "label", "short", "status", "evidence", "updated", "stale",
                                              "freshness", "reason", "reason_en")} for c in categories],
        }}
        out = self.result(status, figures, findings)
        return CheckResult(out.check_id, out.version, out.status, out.metrics, out.findings, data=data)

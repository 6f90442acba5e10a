"""服務措施及出版品資訊周知度: 出版品資訊, 為民服務 / 申辦須知 and 書表下載 each found on the site and
reachable within the configured clicks from the home page (shortest path over the crawled links)."""

from __future__ import annotations

from typing import Any, NamedTuple

from govaudit.checks._graph import click_distances
from govaudit.checks.art7.taxonomy import label_match, title_parts
from govaudit.models import CheckResult, CheckStatus, Severity
from govaudit.plugins import Check, CheckContext, Code, NotApplicable
from govaudit.reuse import LINKS, PAGES, START_URL

ITEMS = {
    "publications": {"label": "出版品資訊", "labels": ["出版品資訊", "政府出版品", "出版品", "出版資訊", "刊物"]},
    "services": {"label": "為民服務／申辦須知", "labels": ["為民服務", "申辦須知", "申辦服務", "便民服務", "線上申辦",
                                                     "申請須知"]},
    "forms": {"label": "書表下載", "labels": ["書表下載", "表單下載", "申請書表", "書表專區", "下載專區", "表單專區"]},
}
MAX_EXTRA = 6


class _Crawled(NamedTuple):
    """What run() reads of a crawled page."""

    title: str
    depth: int


class Services(Check):
    id = "services"
    inputs = frozenset({PAGES, LINKS, START_URL})
    title = "Services and publications announced"
    title_zh = "服務措施及出版品資訊周知度"
    version = "1"
    reads_link_results = False
    cost = 4.0
    shared_reads = frozenset({"navigation"})
    report_anchor = "disclosure"
    indicator_tags = ("indicator:disclosure_adequacy", "component:services_publications")
    default_options = {"max_clicks": 3, "items": ITEMS}
    codes = {
        "services.missing": Code(Severity.MEDIUM, "A services/publications page (出版品資訊, 為民服務/申辦須知, "
                                 "書表下載) was not found.", "未見服務措施或出版品資訊頁面（出版品資訊、為民服務／申辦須知、書表下載）。"),
        "services.too-deep": Code(Severity.LOW, "The page exists but is more clicks from the home page than "
                                  "configured.", "頁面存在，但自首頁點選次數超過設定值。"),
    }

    def __init__(self, options: dict[str, Any] | None = None):
        super().__init__(options)
        clicks = self.options["max_clicks"]
        if not isinstance(clicks, int) or isinstance(clicks, bool) or clicks < 0:
            raise ValueError("max_clicks must be a whole number ≥ 0")
        items = self.options["items"]
        if not isinstance(items, dict) or not items or not all(
                isinstance(v, dict) and isinstance(v.get("labels"), list) and v["labels"] for v in items.values()):
            raise ValueError("items must map an item id to {label: ..., labels: [...]}")

    def run(self, ctx: CheckContext) -> CheckResult:
        # Only what is read below: a full page row (facts, meta, headers) per page would hold the whole site.
        pages = {p.url: _Crawled(p.title, p.depth) for p in ctx.pages()
                 if p.body_hash and 200 <= (p.http_status or 0) < 300}
        if not pages:
            raise NotApplicable("no HTML page was parsed")
        start = ctx.store.run(ctx.run_id).start_url
        graph: dict[str, set[str]] = {}
        named: dict[str, dict[str, str]] = {key: {} for key in self.options["items"]}
        edges, labels = ctx.navigation()  # distinct edges and labels: menus repeat on every page
        for source, target in edges:
            if target in pages:
                graph.setdefault(source, set()).add(target)
        for target, text in labels:
            if target not in pages:
                continue
            for key, item in self.options["items"].items():
                if target not in named[key] and label_match(text, item["labels"], MAX_EXTRA):
                    named[key][target] = f"linked as 「{text}」"
        for url, page in pages.items():
            for key, item in self.options["items"].items():
                if url not in named[key] and any(label_match(p, item["labels"], MAX_EXTRA)
                                                 for p in title_parts(page.title or "")[:1]):
                    named[key][url] = f"titled 「{title_parts(page.title)[0]}」"
        clicks = click_distances(graph, start if start in pages else min(pages, key=lambda u: pages[u].depth))
        limit = self.options["max_clicks"]
        items, findings, score = [], [], 0.0
        for key, item in self.options["items"].items():
            found = sorted(named[key], key=lambda u: (clicks.get(u, 1 << 30), u))
            best = found[0] if found else None
            depth = clicks.get(best) if best else None
            if best is None:
                status, value = "missing", 0.0
                findings.append(self.finding("services.missing", f"{item['label']}: no page found", page=start,
                                             target=key))
            elif depth is not None and depth <= limit:
                status, value = "found", 1.0
            else:
                status, value = "too_deep", 0.5
                findings.append(self.finding("services.too-deep", f"{item['label']}: {depth if depth is not None else '?'}"
                                             f" clicks from the home page (limit {limit})", page=best, target=key))
            score += value
            items.append({"id": key, "label": item["label"], "status": status, "evidence": found[:3],
                          "clicks": depth, "reason": named[key][best] if best else "no link or title names it"})
        presence = round(score / len(items), 4)
        status = CheckStatus.PASSED if presence == 1 else CheckStatus.FAILED if presence < 0.5 else CheckStatus.NEEDS_REVIEW
        metrics = {"presence": presence, "max_clicks": limit,
                   **{f"{i['id']}_clicks": i["clicks"] for i in items}}
        data = {"disclosure": {"services": {"max_clicks": limit, "presence": presence, "items": items}}}
        out = self.result(status, metrics, findings)
        return CheckResult(out.check_id, out.version, out.status, out.metrics, out.findings, data=data)



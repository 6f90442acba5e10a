"""無障礙檢測: axe-core results from a real browser, mapped to 網站無障礙規範 codes (110.07 and 115.11).

The check does no I/O: the runner's browser stage (crawler/browser.py) tests the pages this check
samples (`sample`) and stores axe-core's results; `run` turns them into findings and a score.

Sampling covers the site's templates: pages are grouped by a structural signature of their DOM
(computed by `page_facts` in the crawler's single parse), and the home page, the key pages
(disclosure hub, contact, sitemap, English home), then pages from each template in turn are tested,
up to a budget. Within a template, pages whose markup already shows a defect (an <img> without alt,
an untitled frame, no lang, no <title>: counted in the same parse) are taken first.

Score (rubric component accessibility.score): each tested page starts at 1 and loses, per violated
rule, 0.4 (critical), 0.25 (serious), 0.1 (moderate) or 0.05 (minor), floored at 0; the check's score
is the mean over the pages that could be tested. Rules count once per page however many elements fail,
so one template defect repeated on every element does not drown the rest. `incomplete` results
(needs review) never count as passes and never lower the score.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter, defaultdict
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import yaml
from lxml import etree

from govaudit.checks.a11y_routing import AXE, route, routing
from govaudit.models import CheckResult, CheckStatus, Finding, Page, Severity
from govaudit.plugins import BrowserTarget, Check, CheckContext, Code, NotApplicable

IMPACTS = ("critical", "serious", "moderate", "minor")
PENALTY = {"critical": 0.4, "serious": 0.25, "moderate": 0.1, "minor": 0.05}
EDITIONS = ("110.07", "115.11")
_MARKED = etree.XPath("//body//*[@id or @class]")
# A static pre-screen (no browser): defects visible in the markup make a page the one worth testing
# among its template's pages.
_RISKS = etree.XPath("count(//img[not(@alt)]) + count(//iframe[not(@title)]) + count(//frame[not(@title)])"
                     " + count(/html[not(@lang)]) + count(/html/head[not(title)])")
_STRUCTURE = ("table", "form", "iframe", "frame", "video", "audio", "dl")
_DIGITS = re.compile(r"\d+")
_WCAG_TAG = re.compile(r"^wcag(\d)(\d)(\d+)$")

# Key pages, found among the home page's links by link text or URL (first match wins).
KEY_PAGES = (
    ("disclosure", re.compile(r"政府資訊公開|資訊公開|information disclosure", re.I),
     re.compile(r"gov-?info|disclosure|information-open", re.I)),
    ("contact", re.compile(r"聯絡我們|聯絡資訊|聯絡方式|contact", re.I), re.compile(r"contact", re.I)),
    ("sitemap", re.compile(r"網站導覽|網站地圖|site ?map", re.I), re.compile(r"sitemap\.(?:html?|aspx?|php)|/sitemap/?$", re.I)),
    ("english", re.compile(r"^\s*(?:english|英文版|英文網站)\s*$", re.I), re.compile(r"/en/?$|/english/?$", re.I)),
)


@functools.cache
def code_table() -> dict:
    text = (resources.files("govaudit.config") / "a11y_codes.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def wcag_criteria(tags: list[str]) -> list[str]:
    """axe's wcag111 / wcag1412 tags → "1.1.1" / "1.4.12" (level tags such as wcag2aa are skipped)."""
    out = []
    for tag in tags:
        m = _WCAG_TAG.match(tag)
        if m:
            out.append(f"{m.group(1)}.{m.group(2)}.{m.group(3)}")
    return out


def rule_criteria(item: dict[str, Any]) -> list[str]:
    """The WCAG criteria of an engine's result: QualWeb names them, axe tags them; the code table's `sc:`
    fills in a rule the engine maps to none."""
    given = item.get("wcag") if "wcag" in item else wcag_criteria(item.get("tags") or [])
    return list(given or (code_table()["rules"].get(item.get("rule", "")) or {}).get("sc") or [])


def codes_for(rule: str, criteria: list[str] | tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The 網站無障礙規範 codes of a rule per edition: the rule's own row, else its criteria's codes."""
    table = code_table()
    entry = table["rules"].get(rule) or {}
    if any(edition in entry for edition in EDITIONS):
        return {edition: list(entry.get(edition) or []) for edition in EDITIONS}
    by_criterion = table.get("criteria") or {}
    return {edition: sorted({c for sc in criteria for c in (by_criterion.get(sc) or {}).get(edition) or []})
            for edition in EDITIONS}


def code_gap(codes: dict[str, list[str]], criteria: list[str] | tuple[str, ...]) -> str:
    """Why an edition has no code for this result ("" when both have one); "uncoded" when the table
    gives no reason (tests/test_accessibility_codes.py fails on that)."""
    if all(codes.get(edition) for edition in EDITIONS):
        return ""
    reasons = (code_table().get("no_code") or {})
    why = [reasons[sc] for sc in criteria if sc in reasons]
    return "；".join(dict.fromkeys(why)) or "uncoded"


def criteria_in_scope() -> list[str]:
    return list(code_table()["scope"]["criteria"])


class Accessibility(Check):
    id = "accessibility"
    title = "Automated accessibility checks (axe-core, QualWeb)"
    title_zh = "無障礙檢測（axe-core、QualWeb）"
    version = "1"
    requires = frozenset({"browser"})
    cost = 2.0
    sections = ("accessibility",)
    indicator_tags = ("indicator:content_validity", "component:accessibility_checks")
    default_options = {
        "chromium": "/usr/bin/chromium",
        "chromedriver": "/usr/bin/chromedriver",
        "workers": 2,
        "tags": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"],
        "pages_per_template": 2,
        "max_pages": 30,
        "page_timeout": 30,
        "page_budget": 120,
        "max_nodes": 20,
    }
    codes = {
        "a11y.critical": Code(Severity.CRITICAL, "axe-core violation of critical impact (WCAG A/AA).",
                              "axe-core 檢出嚴重（critical）等級之無障礙問題（WCAG A/AA）。"),
        "a11y.serious": Code(Severity.HIGH, "axe-core violation of serious impact (WCAG A/AA).",
                             "axe-core 檢出重大（serious）等級之無障礙問題（WCAG A/AA）。"),
        "a11y.moderate": Code(Severity.MEDIUM, "axe-core violation of moderate impact (WCAG A/AA).",
                              "axe-core 檢出中度（moderate）等級之無障礙問題（WCAG A/AA）。"),
        "a11y.minor": Code(Severity.LOW, "axe-core violation of minor impact (WCAG A/AA).",
                           "axe-core 檢出輕微（minor）等級之無障礙問題（WCAG A/AA）。"),
        "a11y.needs-review": Code(Severity.INFO, "axe-core could not decide (incomplete): a person must review it; "
                                  "never counted as passed.", "axe-core 無法自動判定（incomplete），需人工檢視，不視為通過。"),
        "a11y.aaa": Code(Severity.INFO, "A rule for a WCAG AAA criterion failed: advisory (it matters for an AAA "
                         "mark), never scored and never fails the check.",
                         "未符合 WCAG AAA 準則之檢測規則：僅供參考（申請 AAA 標章時適用），不計分亦不判定未通過。"),
        "a11y.page-error": Code(Severity.INFO, "The page could not be tested in the browser (load failure, "
                                "timeout or crash, after one retry).", "頁面無法於瀏覽器中檢測（載入失敗、逾時或當機，已重試一次）。"),
        "a11y.page-budget": Code(Severity.INFO, "The page kept the browser busy past its time budget (page_budget: "
                                 "its load and every engine): stopped, not tested, never counted as passed.",
                                 "頁面佔用瀏覽器超過每頁檢測時間上限（page_budget，含載入及全部檢測引擎）：已中止，"
                                 "本頁未檢測，不視為通過。"),
    }

    def __init__(self, options: dict[str, Any] | None = None):
        super().__init__(options)
        o = self.options
        for key in ("workers", "pages_per_template", "max_pages", "max_nodes"):
            if not isinstance(o[key], int) or isinstance(o[key], bool) or o[key] < 1:
                raise ValueError(f"{key} must be a whole number ≥ 1, got {o[key]!r}")
        for key in ("page_timeout", "page_budget"):
            if not isinstance(o[key], int | float) or isinstance(o[key], bool) or o[key] <= 0:
                raise ValueError(f"{key} must be a number of seconds > 0, got {o[key]!r}")
        if not isinstance(o["tags"], list) or not o["tags"] or not all(isinstance(t, str) for t in o["tags"]):
            raise ValueError("tags must be a non-empty list of axe-core tags, e.g. [wcag2a, wcag2aa]")

    # -- parse once, in the crawler ----------------------------------------------------------------
    @staticmethod
    def page_facts(doc: Any, url: str) -> Any:
        """The page's template: a hash of its layout markers (elements with id / class, digits folded),
        the tags of <body>'s children and which structural elements it has."""
        markers = set()
        for el in _MARKED(doc):
            if not isinstance(el.tag, str):
                continue
            classes = ".".join(sorted(_DIGITS.sub("#", c) for c in (el.get("class") or "").split()))
            markers.add(f"{el.tag}#{_DIGITS.sub('#', el.get('id') or '')}.{classes}")
        body = doc.find("body")
        shape: list[str] = []
        if body is not None:
            for child in body:
                if isinstance(child.tag, str) and (not shape or shape[-1] != child.tag):
                    shape.append(child.tag)
        present = [tag for tag in _STRUCTURE if doc.find(f".//{tag}") is not None]
        key = "|".join(sorted(markers)[:300]) + "/" + ",".join(shape[:50]) + "/" + ",".join(present)
        return {"template": hashlib.sha1(key.encode("utf-8")).hexdigest()[:10], "risk": int(_RISKS(doc))}

    # -- sampling (called by the runner's browser stage) --------------------------------------------
    def sample(self, ctx: CheckContext) -> list[BrowserTarget]:
        """The pages to test: home, key pages, then pages of each template in turn."""
        pages = [p for p in ctx.pages() if _testable(p)]
        if not pages:
            return []
        facts = {p.url: p.facts.get(self.id) or {} for p in pages}
        template = {u: f.get("template", "") for u, f in facts.items()}
        home = min(pages, key=lambda p: (p.depth, len(p.url), p.url)).url
        chosen: dict[str, str] = {home: "home"}
        for kind, url in self.key_pages(ctx, home, set(template)).items():
            chosen.setdefault(url, kind)
        by_template: dict[str, list[str]] = defaultdict(list)
        # Within a template: pages the static pre-screen flags first, then shallow pages (pages() is
        # ordered by depth, then URL).
        for p in sorted(pages, key=lambda p: -int(facts[p.url].get("risk") or 0)):
            by_template[template[p.url]].append(p.url)
        picked = Counter(template[u] for u in chosen)
        budget = self.options["max_pages"]
        per = self.options["pages_per_template"]
        queues = sorted(by_template.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        progress = True
        while progress and len(chosen) < budget:
            progress = False
            for tpl, members in queues:  # round-robin, so every template gets one before any gets two
                if len(chosen) >= budget:
                    break
                if picked[tpl] >= per:
                    continue
                nxt = next((u for u in members if u not in chosen), None)
                if nxt is not None:
                    chosen[nxt] = "template"
                    picked[tpl] += 1
                    progress = True
        return [BrowserTarget(u, why, template[u]) for u, why in list(chosen.items())[:budget]]

    @staticmethod
    def key_pages(ctx: CheckContext, home: str, crawled: set[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for link in ctx.links_from(home):
            if link.tag not in ("a", "area") or link.target not in crawled:
                continue
            for kind, text_re, url_re in KEY_PAGES:
                if kind in found or link.target == home:
                    continue
                if text_re.search(link.text or "") or url_re.search(urlsplit(link.target).path):
                    found[kind] = link.target
                    break
        return found

    # -- results → findings -------------------------------------------------------------------------
    def run(self, ctx: CheckContext) -> CheckResult:
        order = {"home": 0, "disclosure": 1, "contact": 2, "sitemap": 3, "english": 4}
        rows = sorted(ctx.axe_pages(), key=lambda r: (order.get(r["reason"], 9), r["url"]))
        if not rows:
            raise NotApplicable("no HTML page to test")
        templates = self._templates(ctx, rows)
        label = {t["signature"]: t["id"] for t in templates}
        findings, pages, page_scores = [], [], []
        impacts: Counter = Counter()
        rules: dict[str, dict] = {}
        incomplete_total = aaa_total = 0
        tested: set[str] = set()  # criteria some engine established (passed or failed) on some page
        failed: set[str] = set()
        to_review: set[str] = set()
        for row in rows:
            url, result = row["url"], row["result"]
            entry = {"url": url, "template": label.get(row["template"], ""), "reason": row["reason"],
                     "error": row["error"], "attempts": row["attempts"], "violations": [], "incomplete": [],
                     "advisory": []}
            pages.append(entry)
            if row["error"] and isinstance(budget := (result or {}).get("budget"), dict):
                entry["budget"] = budget  # the report says it in its language: seconds, step, engines done
                findings.append(self.finding("a11y.page-budget", row["error"], page=url, target="page",
                                             evidence={"attempts": row["attempts"], **budget}))
                continue
            if row["error"]:
                findings.append(self.finding("a11y.page-error", row["error"], page=url, target="page",
                                             evidence={"attempts": row["attempts"]}))
                continue
            penalty = 0.0
            routed = route(result.get("violations") or [], result.get("incomplete") or [])
            tested.update(result.get("passed_criteria") or [])  # axe-core's passes
            # an added engine's pass establishes its criteria only where that engine was measured to find
            # failures of the ACT rule (a rule that never flags W3C's failed examples proves nothing by passing)
            table = routing()
            tested.update(sc for rule in result.get("passed_rules") or []
                          if table.counts(rule["engine"], rule["act_rules"])
                          and table.detects(rule["engine"], rule["act_rules"]) for sc in rule["wcag"])
            for kind, items in (("violations", routed.violations), ("incomplete", routed.incomplete)):
                for item in items:
                    view = _view(item)
                    if not view.get("aaa"):
                        (failed if kind == "violations" else to_review).update(view["wcag"])
                    entry["advisory" if view.get("aaa") and kind == "violations" else kind].append(view)
                    tags = (*self.indicator_tags, *(f"wcag:{sc}" for sc in view["wcag"]),
                            *(f"act:{a}" for a in view["act_rules"]),
                            *sorted({f"tw-a11y:{c}" for cs in view["codes"].values() for c in cs}))
                    evidence = {k: view[k] for k in ("rule", "engines", "act_rules", "impact", "wcag", "codes",
                                                     "code_note", "help", "help_url", "nodes_total", "nodes")
                                if view.get(k) or k in ("codes", "wcag")}
                    if kind == "incomplete":
                        incomplete_total += 1
                        findings.append(self._finding("a11y.needs-review", view, url, evidence, tags))
                        continue
                    if view.get("aaa"):  # advisory (an AAA mark's criteria): not scored, not failing
                        aaa_total += 1
                        findings.append(self._finding("a11y.aaa", view, url, evidence, tags))
                        continue
                    rule, wcag, codes = view["rule"], view["wcag"], view["codes"]
                    impact = view["impact"] if view["impact"] in IMPACTS else "moderate"
                    impacts[impact] += 1
                    penalty += PENALTY[impact]
                    agg = rules.setdefault(rule, {"rule": rule, "engines": view["engines"], "act_rules": view["act_rules"],
                                                  "impact": impact, "wcag": wcag, "codes": codes,
                                                  "help": view["help"], "help_url": view["help_url"],
                                                  "pages": 0, "nodes": 0, "templates": set()})
                    agg["pages"] += 1
                    agg["nodes"] += view["nodes_total"]
                    agg["templates"].add(entry["template"])
                    findings.append(self._finding(f"a11y.{impact}", view, url, evidence, tags))
            page_scores.append(max(0.0, 1.0 - penalty))
        tested_pages = len(page_scores)
        rule_list = sorted(({**r, "templates": sorted(r["templates"])} for r in rules.values()),
                           key=lambda r: (IMPACTS.index(r["impact"]), -r["pages"], r["rule"]))
        metrics = {
            "pages_sampled": len(rows), "pages_tested": tested_pages, "pages_failed": len(rows) - tested_pages,
            "pages_with_violations": sum(bool(p["violations"]) for p in pages),
            "violations": sum(impacts.values()), **{f"violations_{i}": impacts[i] for i in IMPACTS},
            "rules_violated": len(rules), "needs_review": incomplete_total, "aaa_violations": aaa_total,
            "templates": len(templates), "templates_tested": sum(1 for t in templates if t["tested"]),
            "page_score": round(sum(page_scores) / tested_pages, 4) if tested_pages else None,
        }
        review = manual_review(tested | failed, to_review - failed)
        metrics.update({f"criteria_{k}": len(v) for k, v in review.items()})
        # Honest: full marks need every criterion in scope established; automated testing establishes some
        # (passed or failed by a rule of some engine), the rest stay for a person and earn nothing here.
        share = len(review["automated"]) / len(criteria_in_scope())
        metrics["criteria_automated_share"] = round(share, 4)
        page_score = metrics["page_score"]
        metrics["score"] = round(page_score * share, 4) if page_score is not None else None
        data = {"accessibility": {"pages": pages, "templates": templates, "rules": rule_list,
                                  "editions": list(EDITIONS), "criteria": review,
                                  "score_method": "mean per tested page of 1 − Σ per violated rule (critical 0.4, "
                                  "serious 0.25, moderate 0.1, minor 0.05), times the share of WCAG 2.1 A/AA "
                                  "criteria automated testing established (passed or failed); criteria needing "
                                  "review or untested are listed for manual review"}}
        if not tested_pages:
            result = CheckResult(self.id, self.version, CheckStatus.ERROR, metrics, tuple(findings),
                                 error=f"no sampled page could be tested ({len(rows)} failed to load)", data=data)
            return result
        status = (CheckStatus.FAILED if impacts else
                  CheckStatus.NEEDS_REVIEW if incomplete_total or metrics["pages_failed"] else CheckStatus.PASSED)
        return CheckResult(self.id, self.version, status, metrics, tuple(findings), data=data)

    def _finding(self, code: str, view: dict, url: str, evidence: dict, tags: tuple) -> Finding:
        where = f" ({view['nodes_total']} element{'s' if view['nodes_total'] != 1 else ''})"
        by = "" if view["engines"] == [AXE] else f" [{' + '.join(view['engines'])}]"
        why = f" — {view['routed_out']}" if view.get("routed_out") else ""
        return Finding(check_id=self.id, code=code, severity=self.codes[code].severity,
                       message=f"{view['rule']}: {view['help']}{where}{by}{why}", page=url, target=view["rule"],
                       evidence=evidence, tags=tags)


    def _templates(self, ctx: CheckContext, rows: list[dict]) -> list[dict]:
        members: dict[str, list[str]] = defaultdict(list)
        for page, facts in ctx.facts(self.id):
            if _testable(page) and isinstance(facts, dict) and facts.get("template"):
                members[facts["template"]].append(page.url)
        for row in rows:  # pages tested without a crawl (govaudit a11y) still name their template
            if row["template"] and row["url"] not in members[row["template"]]:
                members[row["template"]].append(row["url"])
        tested = Counter(r["template"] for r in rows if not r["error"])
        sampled = Counter(r["template"] for r in rows)
        ordered = sorted(members.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        return [{"id": f"T{i}", "signature": sig, "pages": len(urls), "sampled": sampled[sig],
                 "tested": tested[sig], "example": urls[0], "path": _common_path(urls)}
                for i, (sig, urls) in enumerate(ordered, start=1)]


def _testable(page: Page) -> bool:
    """A crawled HTML page that answered 2xx (error pages have templates of their own, not the site's)."""
    return bool(page.body_hash) and 200 <= (page.http_status or 0) < 300 and bool(page.content_type) and page.is_html


def _common_path(page_urls: list[str]) -> str:
    paths = [urlsplit(u).path for u in page_urls]
    if len(paths) == 1:
        return paths[0]
    prefix = paths[0]
    for p in paths[1:]:
        while not p.startswith(prefix):
            prefix = prefix[:-1]
    return prefix[: prefix.rfind("/") + 1] if "/" in prefix else "/"


def _view(item: dict[str, Any]) -> dict[str, Any]:
    """One routed engine result as results.json shows it: the engines that found it, the ACT rules, the
    WCAG criteria and the 規範 codes (or why there is none)."""
    wcag = rule_criteria(item)
    codes = codes_for(item["rule"], wcag)
    nodes = [{k: n.get(k, "") for k in ("selector", "html", "summary", "in_frame")} for n in item.get("nodes") or []]
    view = {"rule": item["rule"], "engines": list(item.get("engines") or [item.get("engine") or AXE]),
            "act_rules": sorted(item.get("act_rules") or []), "impact": item.get("impact") or "", "wcag": wcag,
            "codes": codes, "help": item.get("help", ""), "help_url": item.get("help_url", ""),
            "nodes_total": item.get("nodes_total", len(nodes)), "nodes": nodes}
    if gap := code_gap(codes, wcag):
        view["code_note"] = gap
    for key in ("experimental", "aaa", "routed_out", "also"):
        if item.get(key):
            view[key] = item[key]
    return view


def manual_review(established: set[str], undecided: set[str]) -> dict[str, list[str]]:
    """The criteria in scope, split: established by automated testing, needing review (an engine could
    not decide), untested (no engine has a rule that applied). The last two are for a person."""
    scope = criteria_in_scope()
    return {"automated": [sc for sc in scope if sc in established],
            "needs_review": [sc for sc in scope if sc in undecided and sc not in established],
            "untested": [sc for sc in scope if sc not in established and sc not in undecided]}

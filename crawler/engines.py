"""The ACT-rule engines run next to axe-core in the same loaded page: QualWeb's `@qualweb/act-rules`.

axe-core covers about half of W3C's ACT rules; QualWeb implements others (headings, keyboard,
orientation, visible label in name, …). Its npm packages ship browser bundles (webpack, attached to
`window`), pinned by the repository's package-lock.json and installed by `make npm` (`npm ci`). They are
injected with Selenium's execute_script into the page axe has just tested, so both engines see the very
same DOM, and QualWeb's report is reduced to the shape `reduce_results` gives axe's: rule entries with
the engine's name, the ACT rule ids and the WCAG criteria it maps the rule to.

Which engine's outcome counts for an ACT rule is not decided here: the check routes the results by the
measured table in config/a11y_routing.yaml (checks/a11y_routing.py).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

QUALWEB = "qualweb"
AXE = "axe-core"
HTML_MAX = 400


def _snippet(code: str) -> str:
    """The element as axe-core shows one: a long element (QualWeb gives the whole outerHTML, for <html> the
    page's text) is cut to its opening tag, so page text (personal data among it) is never stored."""
    code = code.strip()
    if len(code) <= 200:
        return code
    end = code.find(">")
    return (code[: end + 1] if 0 <= end < HTML_MAX else code[:HTML_MAX]) + "…"
_WCAG_TAG = re.compile(r"^wcag(\d)(\d)(\d+)$")
# The bundles, in load order: the page model sets window.qwPage, the utilities window.DomUtils /
# AccessibilityUtils, the locale LocaleFetcher, the rules ACTRulesRunner.
QUALWEB_BUNDLES = (
    "@qualweb/qw-page/dist/qw-page.bundle.js",
    "@qualweb/util/dist/__webpack/util.bundle.js",
    "@qualweb/locale/dist/locale.bundle.js",
    "@qualweb/act-rules/dist/__webpack/act.bundle.js",
)
# Every rule: QualWeb's own level filter drops the rules it maps to no criterion (ARIA validity: 674b10,
# 5c01ea, 5f99a7, …); AAA-only rules are marked in reduce_qualweb instead (advisory, never scored). The source HTML lets it see
# <meta> elements as served (meta refresh).
QUALWEB_RUN = """
var opts = {};
var en = LocaleFetcher.get('en');
var runner = new ACTRulesRunner(opts, {translate: en, fallback: en}).configure(opts);
return runner.test({sourceHtml: arguments[0]}).getReport();
"""


def node_modules() -> Path:
    """Where `npm ci` put the engines: $GOVAUDIT_NODE_MODULES, else the repository's node_modules."""
    given = os.environ.get("GOVAUDIT_NODE_MODULES")
    return Path(given) if given else Path(__file__).resolve().parent.parent / "node_modules"


@dataclass(frozen=True)
class Engine:
    name: str
    version: str
    script: str  # the bundles, concatenated: one execute_script per page

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


@cache
def qualweb() -> Engine | str:
    """The QualWeb engine, or why it is not available (a string naming the missing file)."""
    root = node_modules()
    parts = []
    for rel in QUALWEB_BUNDLES:
        path = root / rel
        if not path.is_file():
            return f"{path} missing: run `make npm` (npm ci) to install the ACT engines"
        parts.append(path.read_text(encoding="utf-8"))
    manifest = root / "@qualweb/act-rules/package.json"
    version = json.loads(manifest.read_text(encoding="utf-8")).get("version", "") if manifest.is_file() else ""
    return Engine(QUALWEB, version, ";\n".join(parts))


def criteria(tags: list[str] | None) -> list[str]:
    """axe's wcag111 / wcag1412 tags → "1.1.1" / "1.4.12" (level tags such as wcag2aa are skipped)."""
    return [f"{m[1]}.{m[2]}.{m[3]}" for m in map(_WCAG_TAG.match, tags or []) if m]


def reduce_qualweb(report: dict[str, Any], max_nodes: int) -> dict[str, list[Any]]:
    """QualWeb's report → {"violations": [...], "incomplete": [...], "passed_criteria": [...]} in axe's
    reduced shape.

    `failed` assertions are violations, `warning` ones (QualWeb cannot tell) need review. QualWeb has no
    impact levels: a rule for a level-A criterion is serious, otherwise moderate."""
    out: dict[str, list[Any]] = {"violations": [], "incomplete": [], "passed_criteria": []}
    passed: set[str] = set()
    for code, assertion in sorted((report.get("assertions") or {}).items()):
        meta = assertion.get("metadata") or {}
        kind = {"failed": "violations", "warning": "incomplete"}.get(meta.get("outcome", ""))
        if meta.get("outcome") == "passed":
            passed.update(c["name"] for c in meta.get("success-criteria") or [] if c.get("name"))
        if kind is None:
            continue
        verdict = "failed" if kind == "violations" else "warning"
        nodes = [(r, el) for r in assertion.get("results") or [] if r.get("verdict") == verdict
                 for el in (r.get("elements") or [{}])]
        criteria = meta.get("success-criteria") or []
        levels = {c.get("level") for c in criteria}
        aaa = levels == {"AAA"}  # advisory, like axe's AAA rules: never scored
        act = assertion.get("mapping") or ""
        out[kind].append({
            "rule": code, "engine": QUALWEB, "act_rules": [act] if act else [], "aaa": aaa,
            "wcag": sorted({c["name"] for c in criteria if c.get("name")}),
            "impact": "serious" if "A" in levels else "moderate", "tags": [],
            "help": assertion.get("name", ""), "help_url": meta.get("url", ""), "nodes_total": len(nodes),
            "nodes": [{"selector": el.get("pointer") or "", "html": _snippet(el.get("htmlCode") or ""),
                       "impact": "", "summary": (r.get("description") or "")[:600], "in_frame": False}
                      for r, el in nodes[:max_nodes]],
        })
    out["passed_criteria"] = sorted(passed)
    return out

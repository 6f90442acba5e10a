"""The ACT-rule engines run next to axe-core in the same loaded page: QualWeb's `@qualweb/act-rules`,
Siteimprove's Alfa (`@siteimprove/alfa-rules`) and govaudit's own few rules (crawler/js/govaudit_rules.js:
ACT rules no installed engine implements completely, where the failed examples are structural).

axe-core covers about half of W3C's ACT rules; QualWeb implements others (headings, keyboard,
orientation, visible label in name, …). Its npm packages ship browser bundles (webpack, attached to
`window`), pinned by the repository's package-lock.json and installed by `make npm` (`npm ci`). They are
injected with Selenium's execute_script into the page axe has just tested, so both engines see the very
same DOM, and QualWeb's report is reduced to the shape `reduce_results` gives axe's: rule entries with
the engine's name, the ACT rule ids and the WCAG criteria it maps the rule to.

Alfa evaluates its rules in Node, not in the page: the page is serialised in the browser by Alfa's own
`Native.fromNode` (what `@siteimprove/alfa-selenium` runs; a self-contained function read from the
installed alfa-dom), the JSON is handed to one Node process per browser session (crawler/js/alfa.mjs,
`node` from Debian) and its outcomes are reduced to the same shape.

Which engine's outcome counts for an ACT rule is not decided here: the check routes the results by the
measured table in config/a11y_routing.yaml (checks/a11y_routing.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

QUALWEB = "qualweb"
ALFA = "alfa"
OWN = "govaudit-rules"  # govaudit's own ACT rules (crawler/js/govaudit_rules.js)
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


class PageEngine(Protocol):
    """An engine the browser stage runs on the page axe-core has just tested."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def run(self, driver: Chrome, source: str, max_nodes: int) -> dict[str, list[Any]]:
        """The page's results in axe's reduced shape (reduce_qualweb); raises on the engine's failure."""
        ...

    def close(self) -> None: ...

    def kill(self) -> None:
        """End what the engine runs outside the browser now (another thread: the page's budget is gone)."""
        ...


@dataclass(frozen=True)
class Engine:
    name: str
    version: str
    script: str  # the bundles, concatenated: one execute_script per page

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"

    def run(self, driver: Chrome, source: str, max_nodes: int) -> dict[str, list[Any]]:
        driver.execute_script(self.script)
        report = driver.execute_script(QUALWEB_RUN, source)
        return reduce_qualweb(report if isinstance(report, dict) else {}, max_nodes)

    def close(self) -> None:
        pass

    def kill(self) -> None:
        pass


def load(name: str, timeout: float = 60.0) -> PageEngine | str:
    """A fresh engine for one browser session, or why it is not available."""
    if name == QUALWEB:
        return qualweb()
    if name == ALFA:
        return alfa(timeout)
    if name == OWN:
        return own_rules()
    return f"unknown engine {name!r}"


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
    """QualWeb's report → {"violations": [...], "incomplete": [...], "passed_rules": [...]} in axe's
    reduced shape.

    `failed` assertions are violations, `warning` ones (QualWeb cannot tell) need review. QualWeb has no
    impact levels: a rule for a level-A criterion is serious, otherwise moderate."""
    out: dict[str, list[Any]] = {"violations": [], "incomplete": [], "passed_criteria": [], "passed_rules": []}
    for code, assertion in sorted((report.get("assertions") or {}).items()):
        meta = assertion.get("metadata") or {}
        kind = {"failed": "violations", "warning": "incomplete"}.get(meta.get("outcome", ""))
        if meta.get("outcome") == "passed":
            names = sorted({c["name"] for c in meta.get("success-criteria") or [] if c.get("name")})
            act_id = assertion.get("mapping") or ""
            out["passed_rules"].append({"engine": QUALWEB, "rule": code, "act_rules": [act_id] if act_id else [],
                                        "wcag": names})
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
    return out


# Alfa's rule → the ACT rules it implements. Alfa's metadata names only WCAG criteria; this is W3C's
# implementation report for Alfa (w3c/wcag-act-rules, _data/wcag-act-rules/implementations/alfa.json).
ALFA_ACT: dict[str, list[str]] = {
    "sia-r1": ["2779a5"], "sia-r2": ["23a2a8"], "sia-r4": ["b5c3f8"], "sia-r5": ["bf051a"], "sia-r7": ["de46e4"],
    "sia-r8": ["e086e5"], "sia-r9": ["bc659a"], "sia-r10": ["73f2c2"], "sia-r11": ["c487ae"],
    "sia-r12": ["97a4e1"], "sia-r13": ["cae760"], "sia-r14": ["2ee8b8"], "sia-r15": ["4b1c6c"],
    "sia-r16": ["4e8ab6"], "sia-r17": ["6cfa84"], "sia-r18": ["5c01ea", "kb1m8s"], "sia-r19": ["6a7281"],
    "sia-r20": ["5f99a7"], "sia-r28": ["59796f"], "sia-r41": ["b20e66"], "sia-r42": ["ff89c9"],
    "sia-r43": ["7d6734"], "sia-r44": ["b33eff"], "sia-r45": ["a25f45"], "sia-r46": ["d0f69e"],
    "sia-r47": ["b4f0c3"], "sia-r63": ["8fc3b6"], "sia-r64": ["ffd0e9"], "sia-r65": ["oj04fd"],
    "sia-r66": ["09o5cg"], "sia-r68": ["bc4a75"], "sia-r69": ["afw4f7"], "sia-r81": ["fd3a94"],
    "sia-r84": ["0ssw9k"], "sia-r86": ["46ca7f"], "sia-r90": ["307n5z"], "sia-r91": ["24afc2"],
    "sia-r92": ["9e45ec"], "sia-r93": ["78fd32"], "sia-r94": ["m6b1q3"], "sia-r95": ["akn7bn"],
    "sia-r96": ["bisz58"], "sia-r109": ["ucwvc8"], "sia-r110": ["674b10"], "sia-r114": ["c4a8a4"],
    "sia-r115": ["b49b2e"], "sia-r116": ["2t702h"],
}
ALFA_SCRIPT = Path(__file__).resolve().parent / "js" / "alfa.mjs"
# Native.fromNode serialises the page (DOM, computed boxes, style sheets) as Alfa's Node.from reads it;
# the device is the browser's own viewport, so Alfa's layout-dependent rules see what Chromium shows
ALFA_SERIALISE = """
var done = arguments[arguments.length - 1];
Native.fromNode(document).then(function (page) {
  var device = {type: 'screen', viewport: {width: window.innerWidth, height: window.innerHeight,
    orientation: window.innerWidth >= window.innerHeight ? 'landscape' : 'portrait'},
    display: {resolution: window.devicePixelRatio || 1, scan: 'progressive'}, scripting: {enabled: true},
    preferences: []};
  done(JSON.stringify({page: page, device: device}));
}, function (e) { done('error: ' + e); });
"""


class AlfaError(RuntimeError):
    pass


class Alfa:
    """Alfa for one browser session: its serialiser run in the page, its rules in one Node process
    (started on the first page, restarted after a failure, ended by close or when this process ends:
    it exits when its stdin closes)."""

    name = ALFA

    def __init__(self, version: str, serialiser: str, root: Path, timeout: float):
        self.version = version
        self.serialiser = serialiser + "\n" + ALFA_SERIALISE
        self.root = root
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        return [shutil.which("node") or "node", str(ALFA_SCRIPT), str(self.root), ",".join(alfa_rules())]

    def _node(self) -> subprocess.Popen[bytes]:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [*self.command()],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return self.process

    def evaluate(self, request: bytes) -> dict[str, Any]:
        """One serialised page → Alfa's reply; AlfaError (and a fresh process next time) on failure."""
        node = self._node()
        assert node.stdin is not None and node.stdout is not None
        try:
            node.stdin.write(request + b"\n")
            node.stdin.flush()
            ready, _, _ = select.select([node.stdout], [], [], self.timeout)
            line = node.stdout.readline() if ready else b""
        except OSError as exc:
            self.close()
            raise AlfaError(f"alfa: node process failed: {exc}") from exc
        if not line:
            self.close()
            raise AlfaError(f"alfa: no answer within {self.timeout:.0f} s" if not ready else "alfa: node process ended")
        reply = json.loads(line)
        if reply.get("error"):
            raise AlfaError(f"alfa: {reply['error'][:300]}")
        return reply

    def run(self, driver: Chrome, source: str, max_nodes: int) -> dict[str, list[Any]]:
        page = driver.execute_async_script(self.serialiser)
        if not isinstance(page, str) or page.startswith("error"):
            raise AlfaError(f"alfa: the page could not be serialised: {str(page)[:300]}")
        return reduce_alfa(self.evaluate(page.encode("utf-8")), max_nodes)

    def rules(self) -> list[dict[str, Any]]:
        """Every rule this Alfa runs: [{"rule": "sia-r1", "criteria": ["2.4.2"], "levels": ["A"]}, …]."""
        out = subprocess.run([*self.command(), "--list"],
                             capture_output=True, check=True, timeout=self.timeout)
        return list(json.loads(out.stdout))

    def close(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()  # type: ignore[union-attr]
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with contextlib.suppress(OSError):
            process.stdout.close()  # type: ignore[union-attr]

    def kill(self) -> None:
        # Only the signal: the worker thread waiting on Node's answer sees it end and closes it itself.
        process = self.process
        if process is not None:
            with contextlib.suppress(OSError):
                process.kill()


def alfa(timeout: float = 60.0) -> Alfa | str:
    """A fresh Alfa engine (each browser session has its own Node process), or why it is not available."""
    root = node_modules()
    native = root / "@siteimprove/alfa-dom/dist/native.js"
    manifest = root / "@siteimprove/alfa-rules/package.json"
    if not native.is_file() or not manifest.is_file():
        return f"{native if not native.is_file() else manifest} missing: run `make npm` (npm ci) to install the ACT engines"
    if not shutil.which("node"):
        return "node not found: apt-get install nodejs (Alfa's rules run in Node)"
    return Alfa(json.loads(manifest.read_text(encoding="utf-8")).get("version", ""), _serialiser(native),
                root / "", timeout)


def alfa_rules() -> list[str]:
    """The Alfa rules to run: those that speak for an ACT rule in the measured routing table
    (config/a11y_routing.yaml, the table checks/a11y_routing.py applies; read here as data). A rule that
    never speaks would only cost time (Alfa's contrast rules are most of its run time). Every rule with
    an ACT rule when the table has not measured Alfa, or with GOVAUDIT_ALFA_RULES=all (the measurement)."""
    if os.environ.get("GOVAUDIT_ALFA_RULES") == "all":
        return list(ALFA_ACT)
    path = resources.files("govaudit.config") / "a11y_routing.yaml"
    rules = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules") or {} if path.is_file() else {}
    if not any(ALFA in (entry.get("measured") or {}) for entry in rules.values()):
        return list(ALFA_ACT)
    return [rule for rule, acts in ALFA_ACT.items()
            if any(ALFA in ((rules.get(act) or {}).get("speaks") or ()) for act in acts)]


@cache
def _serialiser(native: Path) -> str:
    """alfa-dom's native.js (an ES module exporting one self-contained namespace) as a page script."""
    text = native.read_text(encoding="utf-8")
    return re.sub(r"^//# sourceMappingURL=.*$", "", text.replace("export var Native;", "var Native;", 1), flags=re.M)


def reduce_alfa(reply: dict[str, Any], max_nodes: int) -> dict[str, list[Any]]:
    """Alfa's outcomes (crawler/js/alfa.mjs) → axe's reduced shape: `failed` targets are violations,
    `cantTell` ones need review; a rule's criteria count as passed where it passed and failed nowhere."""
    out: dict[str, list[Any]] = {"violations": [], "incomplete": [], "passed_criteria": [], "passed_rules": []}
    for entry in reply.get("rules") or []:
        rule, criteria, levels = entry.get("rule", ""), entry.get("criteria") or [], set(entry.get("levels") or [])
        if entry.get("passed") and not entry.get("failed"):
            out["passed_rules"].append({"engine": ALFA, "rule": rule, "act_rules": list(ALFA_ACT.get(rule, [])),
                                        "wcag": sorted(set(criteria))})
        for kind, outcome in (("violations", "failed"), ("incomplete", "cantTell")):
            targets = entry.get(outcome) or []
            if not targets:
                continue
            shown = [t for t in targets if t][:max_nodes]
            out[kind].append({
                "rule": rule, "engine": ALFA, "act_rules": list(ALFA_ACT.get(rule, [])),
                "aaa": bool(levels) and levels == {"AAA"}, "wcag": sorted(set(criteria)),
                "impact": "serious" if "A" in levels else "moderate", "tags": [], "help": rule,
                "help_url": f"https://alfa.siteimprove.com/rules/{rule}", "nodes_total": len(targets),
                "nodes": [{"selector": (t["nodes"] or [{}])[0].get("selector", ""),
                           "html": _snippet((t["nodes"] or [{}])[0].get("html", "")), "impact": "",
                           "summary": "; ".join(t.get("messages") or [])[:600], "in_frame": False} for t in shown],
            })
    return out


OWN_SCRIPT = Path(__file__).resolve().parent / "js" / "govaudit_rules.js"
ZOOMED = {"width": 640, "height": 512, "deviceScaleFactor": 1, "mobile": False}


@dataclass(frozen=True)
class OwnRules:
    """govaudit's own rules: one script, evaluated in the page; it returns only failing rules."""
    script: str
    name: str = OWN
    version: str = "2"  # bumped with every change to the rule set (a stage does not reuse older results)

    def run(self, driver: Chrome, source: str, max_nodes: int) -> dict[str, list[Any]]:
        found = driver.execute_script(f"return ({self.script})();")
        # ACT 59br37 judges text at 640 × 512 (1280 × 1024 zoomed to 200 %): the page is laid out again at
        # that size for the one rule, then given its own size back (the engines before this one are done)
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", ZOOMED)
        try:
            found = [*(found or []), *(driver.execute_script(f"return ({self.script})('zoomed');") or [])]
        finally:
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        violations = [{
            "rule": rule["rule"], "engine": OWN, "act_rules": list(rule.get("act") or []), "aaa": bool(rule.get("aaa")),
            "wcag": list(rule.get("wcag") or []), "impact": "serious", "tags": [], "help": rule.get("help", ""),
            "help_url": f"https://www.w3.org/WAI/standards-guidelines/act/rules/{(rule.get('act') or [''])[0]}/",
            "nodes_total": len(rule.get("nodes") or []),
            "nodes": [{"selector": n.get("selector", ""), "html": _snippet(n.get("html", "")), "impact": "",
                       "summary": n.get("summary", "")[:600], "in_frame": False} for n in (rule.get("nodes") or [])[:max_nodes]],
        } for rule in found or []]
        return {"violations": violations, "incomplete": [], "passed_criteria": [], "passed_rules": []}

    def close(self) -> None:
        pass

    def kill(self) -> None:
        pass


@cache
def own_rules() -> OwnRules:
    return OwnRules(OWN_SCRIPT.read_text(encoding="utf-8"))

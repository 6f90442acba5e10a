"""資訊內容正確度 (content correctness): one 0..1 metric, `correctness`, from five content signals.

| signal     | read from                                   | items counted                        | sub-score          |
|------------|---------------------------------------------|--------------------------------------|--------------------|
| `pii`      | the pii check's page facts (+ attachments)  | pages / attachments exposing an ID   | 1 − 0.5 × items    |
| `hijacked` | link results (error_kind `hijacked`)        | distinct hijacked link targets       | 1 − 0.5 × items    |
| `contact`  | site_elements footer facts                  | footer pages differing from majority | 1 − pages ÷ footers|
| `mojibake` | this check's own page analyzer              | pages with mis-decoded text          | 1 − pages ÷ pages  |
| `undated`  | freshness page facts                        | content pages without 更新/發布日期  | 1 − pages ÷ pages  |

Sub-scores are floored at 0. `correctness` is the weighted mean of the sub-scores of the signals that
were assessed (default weights 30 / 25 / 15 / 15 / 15; profile options `weights` and `item_penalty`).
A signal is `not_assessed` and leaves the denominator when its source check is disabled in the profile
(or not installed), when the hijack scan is off (`links.hijack_scan_bytes: 0`) or no external link was
checked, when no footer shows contact data, or when no page was analysed; its sub-score is then null.
Personal data and hijacked links are severe on purpose: two pages with an ID number give that signal 0.

Findings: only the signal this check measures itself, `content.mojibake` (one per page). The other
signals are already findings of their own checks (`pii.*`, `link.hijacked`, `site.contact-inconsistent`,
`freshness.undated`): they are counted here and referenced by code in the check's data, never reported
twice. Status: passed when every assessed sub-score is 1; failed when personal data or a hijacked link
is found or `correctness` < 0.9; else needs_review.

The mojibake analyzer is one precompiled regex over the page text (C-level), with a second, visible-text
pass only on pages where the first one matched. It recognises U+FFFD replacement characters (bytes the
crawler could not decode), UTF-8 read as Latin-1 / cp1252 (「Ã©」, 「â€™」, 「æœ¬ç½²」) and UTF-8 read as
Big5 / cp950 (「銝剜」: the two-byte cells a UTF-8 lead byte E4–E9 and a continuation byte make in
Big5 are rare level-2 characters that real Chinese text almost never puts next to each other).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree

from govaudit import registry
from govaudit.checks import pii as pii_check
from govaudit.checks._contact import contact_key, inconsistent
from govaudit.models import CheckResult, CheckStatus, ErrorKind, LinkStatus, Page, Severity
from govaudit.plugins import Check, CheckContext, Code, NotApplicable
from govaudit.reuse import LINK_STATUSES, LINKS, PAGES

SIGNALS = ("pii", "hijacked", "contact", "mojibake", "undated")
SOURCES = {"pii": "pii", "hijacked": "broken_links", "contact": "site_elements", "mojibake": "content",
           "undated": "freshness"}
REFERENCED_CODES = {"pii": ["pii.national-id", "pii.resident-id"], "hijacked": ["link.hijacked"],
                    "contact": ["site.contact-inconsistent"], "mojibake": ["content.mojibake"],
                    "undated": ["freshness.undated"]}
DEFAULT_WEIGHTS = {"pii": 30, "hijacked": 25, "contact": 15, "mojibake": 15, "undated": 15}
DEFAULT_PENALTY = {"pii": 0.5, "hijacked": 0.5}
SAMPLE = 10
MAX_SAMPLES = 3  # mojibake snippets kept per page
_CONTEXT = 12  # characters kept either side of a mojibake match


def _big5_cells() -> str:
    """Characters a UTF-8 lead byte (E4–E9, most CJK) and a continuation byte (A1–BF) form in cp950."""
    cells = set()
    for lead in range(0xE4, 0xEA):
        for trail in range(0xA1, 0xC0):
            try:
                cells.add(bytes((lead, trail)).decode("cp950"))
            except UnicodeDecodeError:
                pass
    return "".join(sorted(cells))


# UTF-8 continuation bytes 80–BF as Latin-1 (C1 controls, U+00A0–U+00BF) or cp1252 (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹
# Œ Ž ' ' " " • – — ˜ ™ š › œ ž Ÿ).
_CONT = "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e" \
        "\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
_BIG5 = _big5_cells()
MOJIBAKE = re.compile(
    "\ufffd+"  # undecodable bytes
    # UTF-8 read as Latin-1 / cp1252: 3-byte sequences (CJK, €, ’) and 2-byte ones (Â , Ã©, Å¡), a run = one spot
    f"|(?:[\u00e0-\u00ef][{_CONT}]{{2}}|[\u00c2\u00c3\u00c5][{_CONT}])+"
    f"|[{_BIG5}](?:[^\\x00-\\x7f]{{0,2}}[{_BIG5}])+"  # UTF-8 read as Big5 / cp950, a run = one spot
)
_VISIBLE = etree.XPath("//title//text() | //body//text()[not(ancestor::script or ancestor::style or "
                       "ancestor::template or ancestor::noscript)] | //body//@alt | //body//@title")


def mojibake(text: str) -> tuple[int, list[str]]:
    """(number of mis-decoded spots, up to MAX_SAMPLES snippets around them) in text."""
    count = 0
    samples: list[str] = []
    for m in MOJIBAKE.finditer(text):
        count += 1
        if len(samples) < MAX_SAMPLES:
            snippet = " ".join(text[max(0, m.start() - _CONTEXT):m.end() + _CONTEXT].split())
            samples.append(snippet)
    return count, samples


def _enabled(profile: Any, check_id: str, installed: set[str]) -> bool:
    configured = getattr(profile, "checks", None) or {}
    return check_id in installed and not (check_id in configured and configured[check_id] is None)


def _ok(page: Page) -> bool:
    return bool(page.body_hash) and 200 <= (page.http_status or 0) < 300


@dataclass
class _Tally:
    """What the HTML pages' facts add up to: one pass over the pages feeds every signal."""

    min_matches: int  # mis-decoded spots that make a page count as showing mojibake
    pages_ok: int = 0
    pii_items: list[dict[str, Any]] = field(default_factory=list)
    moji: list[dict[str, Any]] = field(default_factory=list)
    moji_pages: int = 0
    dated: int = 0
    undated: int = 0
    undated_sample: list[str] = field(default_factory=list)
    footers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def add(self, page: Page, own_id: str) -> None:
        """Count one parsed HTML page (2xx, with facts)."""
        facts = page.facts
        self.pages_ok += 1
        hit = facts.get("pii")
        if hit and "_error" not in hit:
            self.pii_items.append({"url": page.url, "source": "page", **hit})
        own = facts.get(own_id)
        if own is not None and "_error" not in own:
            self.moji_pages += 1
            if own.get("m", 0) >= self.min_matches:
                self.moji.append({"url": page.url, "matches": own["m"], "samples": own.get("s", [])})
        site = facts.get("site_elements")
        listing = bool(site and site.get("directory_listing"))
        if site and "_error" not in site and site.get("footer") and not listing:
            self.footers.append((page.url, site["footer"]))
        fresh = facts.get("freshness")
        if fresh is not None and "_error" not in fresh and not listing and page.depth > 0:
            self._add_date(page.url, bool(fresh.get("u")))

    def _add_date(self, url: str, dated: bool) -> None:
        if dated:
            self.dated += 1
        else:
            self.undated += 1
            if len(self.undated_sample) < SAMPLE:
                self.undated_sample.append(url)


def _status(signals: dict[str, dict[str, Any]], assessed: dict[str, dict[str, Any]],
            correctness: float | None) -> CheckStatus:
    """Passed when every assessed sub-score is 1; failed on personal data, a hijacked link or correctness
    below 0.9; not applicable when nothing was assessed."""
    if correctness is None:
        return CheckStatus.NOT_APPLICABLE
    if all(s["score"] == 1 for s in assessed.values()):
        return CheckStatus.PASSED
    if (signals["pii"]["count"] or signals["hijacked"]["count"]) or correctness < 0.9:
        return CheckStatus.FAILED
    return CheckStatus.NEEDS_REVIEW


class ContentCorrectness(Check):
    id = "content"
    inputs = frozenset({PAGES, LINKS, LINK_STATUSES})
    title = "Content correctness"
    title_zh = "資訊內容正確度"
    version = "1"
    indicator_tags = ("indicator:content_validity", "component:content_correctness")
    default_options = {"weights": DEFAULT_WEIGHTS, "item_penalty": DEFAULT_PENALTY, "min_matches": 1,
                       "max_findings": 50}
    codes = {
        "content.mojibake": Code(Severity.MEDIUM, "The page shows mis-decoded text (mojibake): replacement "
                                 "characters, UTF-8 read as Latin-1 (Ã©, â€™) or as Big5 (銝剜).",
                                 "網頁出現亂碼：無法解碼之替代字元、UTF-8 被當成 Latin-1（Ã©、â€™）或 Big5（銝剜）顯示之文字。"),
    }

    def __init__(self, options: dict[str, Any] | None = None):
        super().__init__(options)
        weights = self.options["weights"]
        if not isinstance(weights, dict) or set(weights) - set(SIGNALS):
            raise ValueError(f"weights: a mapping of {', '.join(SIGNALS)} to numbers ≥ 0")
        weights = {**DEFAULT_WEIGHTS, **weights}
        if any(not isinstance(w, int | float) or isinstance(w, bool) or w < 0 for w in weights.values()) \
                or not sum(weights.values()):
            raise ValueError("weights: numbers ≥ 0, not all 0")
        penalty = self.options["item_penalty"]
        if not isinstance(penalty, dict) or set(penalty) - set(DEFAULT_PENALTY):
            raise ValueError("item_penalty: a mapping of pii, hijacked to numbers in (0, 1]")
        penalty = {**DEFAULT_PENALTY, **penalty}
        if any(not isinstance(p, int | float) or isinstance(p, bool) or not 0 < p <= 1 for p in penalty.values()):
            raise ValueError("item_penalty: numbers in (0, 1]")
        for key in ("min_matches", "max_findings"):
            value = self.options[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < (1 if key == "min_matches" else 0):
                raise ValueError(f"{key} must be a whole number ≥ {1 if key == 'min_matches' else 0}")
        self.options["weights"], self.options["item_penalty"] = weights, penalty

    @staticmethod
    def page_facts(doc: Any, url: str) -> Any:
        # One C-level regex over all text; the visible-text pass (no scripts, no styles) only on a hit.
        if not MOJIBAKE.search(etree.tostring(doc, method="text", encoding="unicode")):
            return {}
        count, samples = mojibake(" ".join(_VISIBLE(doc)))
        return {"m": count, "s": samples} if count else {}

    def run(self, ctx: CheckContext) -> CheckResult:
        installed = set(registry.checks())
        enabled = {s: _enabled(ctx.profile, SOURCES[s], installed) for s in SIGNALS}
        enabled["mojibake"] = True
        tally = _Tally(self.options["min_matches"])
        for page in ctx.pages():
            if not page.is_html:
                if enabled["pii"] and _ok(page):
                    tally.pii_items.extend(self._attachment_pii(ctx, page))
                continue
            if _ok(page) and page.facts:
                tally.add(page, self.id)
        if not tally.pages_ok:
            raise NotApplicable("no HTML page was parsed")
        signals = self._signals(ctx, enabled, tally)
        assessed = {n: s for n, s in signals.items() if s["status"] == "assessed" and s["weight"] > 0}
        weight = sum(s["weight"] for s in assessed.values())
        correctness = round(sum(s["weight"] * s["score"] for s in assessed.values()) / weight, 4) if weight else None
        by_matches = sorted(tally.moji, key=lambda m: (-m["matches"], m["url"]))
        findings = [self.finding(
            "content.mojibake", f"{row['matches']} mis-decoded spot(s): {' … '.join(row['samples'])}"[:500],
            page=row["url"], evidence={"matches": row["matches"], "samples": row["samples"]})
            for row in by_matches[:self.options["max_findings"]]]
        metrics: dict[str, Any] = {"correctness": correctness, "pages": tally.pages_ok,
                                   "signals_assessed": len(assessed)}
        for name, signal in signals.items():
            metrics[f"{name}_score"] = signal["score"]
            metrics[f"{name}_count"] = signal["count"]
        data = {"content": {"correctness": correctness, "weight_assessed": weight,
                            "weight_total": sum(self.options["weights"].values()), "signals": signals,
                            "mojibake_pages": by_matches[:SAMPLE]}}
        return replace(self.result(_status(signals, assessed, correctness), metrics, findings), data=data)

    def _signals(self, ctx: CheckContext, enabled: dict[str, bool], tally: _Tally) -> dict[str, dict[str, Any]]:
        """Every signal's sub-score and evidence, with its weight, source check and referenced codes."""
        penalty = self.options["item_penalty"]
        pii_items = tally.pii_items
        signals: dict[str, dict[str, Any]] = {
            "pii": self._counted(
                enabled["pii"], len(pii_items), penalty["pii"], assessed=tally.pages_ok,
                affected=[h["url"] for h in pii_items],
                extra={"ids": sum(sum(h["counts"].values()) for h in pii_items),
                       "masked": sorted({m for h in pii_items for m in h["masked"]})[:SAMPLE]}),
            "hijacked": self._hijacked(ctx, enabled["hijacked"], penalty["hijacked"]),
            "contact": self._contact(enabled["contact"], tally.footers),
            "mojibake": self._share(
                tally.moji_pages > 0, len(tally.moji), tally.moji_pages, [m["url"] for m in tally.moji],
                "no page was analysed", extra={"matches": sum(m["matches"] for m in tally.moji)}),
            "undated": self._share(
                enabled["undated"] and tally.dated + tally.undated > 0, tally.undated, tally.dated + tally.undated,
                tally.undated_sample,
                "the freshness check is disabled" if not enabled["undated"] else "no content page was analysed",
                extra={"dated": tally.dated}),
        }
        for name, signal in signals.items():
            signal["weight"] = self.options["weights"][name]
            signal["source"] = SOURCES[name]
            signal["codes"] = REFERENCED_CODES[name]
            if not enabled[name] and signal["status"] == "not_assessed" and not signal.get("reason"):
                signal["reason"] = f"the {SOURCES[name]} check is disabled"
        return signals

    # -- the signals ---------------------------------------------------------------------------------
    @staticmethod
    def _counted(enabled: bool, count: int, penalty: float, *, assessed: int, affected: list[str],
                 extra: dict | None = None, reason: str = "") -> dict[str, Any]:
        """A severe signal: every item costs `penalty` of the sub-score."""
        if not enabled:
            return {"status": "not_assessed", "score": None, "count": None, "pages_affected": None,
                    "assessed": None, "sample": [], "reason": reason, **{k: None for k in extra or {}}}
        pages = list(dict.fromkeys(affected))
        return {"status": "assessed", "score": round(max(0.0, 1 - penalty * count), 4), "count": count,
                "pages_affected": len(pages), "assessed": assessed, "sample": pages[:SAMPLE],
                "rule": f"1 − {penalty} × items", **(extra or {})}

    @staticmethod
    def _share(enabled: bool, affected: int, assessed: int, sample: list[str], reason: str,
               extra: dict | None = None) -> dict[str, Any]:
        """A proportional signal: the share of assessed pages that are clean."""
        if not enabled:
            return {"status": "not_assessed", "score": None, "count": None, "pages_affected": None,
                    "assessed": None, "sample": [], "reason": reason, **{k: None for k in extra or {}}}
        return {"status": "assessed", "score": round(1 - affected / assessed, 4), "count": affected,
                "pages_affected": affected, "assessed": assessed, "sample": sample[:SAMPLE],
                "rule": "1 − pages affected ÷ pages assessed", **(extra or {})}

    def _attachment_pii(self, ctx: CheckContext, page: Page) -> list[dict[str, Any]]:
        """Attachments are scanned like the pii check does (when its scan_attachments option is on)."""
        configured = (getattr(ctx.profile, "checks", None) or {}).get("pii") or {}
        if not configured.get("scan_attachments", pii_check.PersonalData.default_options["scan_attachments"]):
            return []
        found = pii_check.attachment_summary(ctx, page)
        if not found or isinstance(found, str):  # UNREADABLE
            return []
        return [{"url": page.url, "source": "attachment", **found}]

    def _hijacked(self, ctx: CheckContext, enabled: bool, penalty: float) -> dict[str, Any]:
        scan = ctx.profile.links.hijack_scan_bytes if ctx.profile is not None else 1
        if not enabled:
            return self._counted(False, 0, penalty, assessed=0, affected=[])
        hijacked, external = [], 0
        for r in ctx.link_results():
            if r.internal or r.status not in (LinkStatus.OK, LinkStatus.REDIRECTED, LinkStatus.BROKEN):
                continue
            external += 1
            if r.status == LinkStatus.BROKEN and r.error_kind == ErrorKind.HIJACKED:
                hijacked.append(r.url)
        if not scan or not external:
            why = "the hijack scan is off (links.hijack_scan_bytes: 0)" if not scan else "no external link was checked"
            return self._counted(False, 0, penalty, assessed=0, affected=[], reason=why)
        pages: list[str] = []
        if hijacked:
            wanted = set(hijacked)
            pages = [link.source for link in ctx.links() if link.target in wanted]
        out = self._counted(True, len(hijacked), penalty, assessed=external, affected=pages)
        out["targets"] = sorted(hijacked)[:SAMPLE]
        return out

    def _contact(self, enabled: bool, footers: list[tuple[str, dict]]) -> dict[str, Any]:
        if not enabled or not footers:
            return self._share(False, 0, 0, [], "" if not enabled else "no footer shows contact data")
        # the site_elements majority rule, on this check's own pages: pages whose footer differs from most
        rows = inconsistent(footers)
        odd = {(r["field"], r["key"]) for r in rows}
        affected = [url for url, footer in footers
                    if any(values and (field, contact_key(field, values[0])) in odd for field, values in footer.items())]
        out = self._share(True, len(affected), len(footers), affected, "")
        out["fields"] = sorted({r["field"] for r in rows})
        return out

"""線上服務及電子參與: a 首長信箱 / 民意信箱 / 意見反映 channel, 電子報 subscription, 民意調查 or a
discussion where offered, 線上服務 / 申辦 and 書表下載 with downloadable forms, each reachable from the
home page within the configured clicks, and answering.

A channel is named by a link's text or a crawled page's title, matched against the vocabulary of
config/participation/channels.yaml (a label, at most `max_extra` characters more: a news headline that
mentions 信箱 is not a mailbox). Clicks are counted over the crawled pages' links from the home page;
whether a channel answers is the link result the crawl recorded for it (a mailto: is checked for its
syntax, a channel on another host is not contacted offline: not verified). The forms page's own
downloads (ODF, PDF, DOC, XLS...) must answer too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import yaml

from govaudit.checks._graph import click_distances
from govaudit.checks.art7.taxonomy import label_match, title_parts
from govaudit.checks.sitepages import home_page, is_html_page
from govaudit.models import CheckResult, CheckStatus, Finding, LinkStatus, Severity
from govaudit.plugins import Check, CheckContext, Code, NotApplicable
from govaudit.reuse import LINK_LOOKUPS, LINKS, PAGES, START_URL

DOCUMENTS = frozenset("odt ods odp odg pdf doc docx xls xlsx ppt pptx rtf csv zip".split())
_ANSWERED = frozenset({"ok", LinkStatus.OK, LinkStatus.REDIRECTED})
_UNKNOWN = frozenset({LinkStatus.UNVERIFIED, LinkStatus.EXCLUDED, LinkStatus.UNSUPPORTED, "not_checked"})
VALUES = {"found": 1.0, "too_deep": 0.5, "not_verified": 0.5, "broken": 0.0, "missing": 0.0}
E_PARTICIPATION = ("mailbox", "newsletter", "consultation")
ONLINE_SERVICES = ("online_services", "forms")


@cache
def vocabulary() -> dict[str, Any]:
    """The channels and their labels (config/participation/channels.yaml)."""
    text = (resources.files("govaudit.config") / "participation" / "channels.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class Candidate:
    """A link or page that names a channel."""

    url: str
    clicks: int | None  # from the home page (None: not reachable over the crawled links)
    status: str  # "ok" for a crawled page, else its link result's status
    reason: str  # how it was found: linked as 「…」 on PAGE, titled 「…」
    error: str = ""
    source: str | None = None  # the page that links it (None: found by its title)

    extra: int = 0  # characters of its name beyond the label: 「民意信箱」 names the channel better than 「民意信箱說明」

    def rank(self, limit: int) -> tuple[int, int, int, int, str]:
        usable = 0 if self.status in _ANSWERED else 1 if self.status in _UNKNOWN else 2
        near = 0 if self.clicks is not None and self.clicks <= limit else 1
        return (usable, near, self.extra, self.clicks if self.clicks is not None else 1 << 30, self.url)


class Participation(Check):
    id = "participation"
    inputs = frozenset({PAGES, LINKS, LINK_LOOKUPS, START_URL})
    title = "E-participation and online services"
    title_zh = "線上服務及電子參與"
    version = "1"
    cost = 1.0
    sections = ("participation",)
    shared_reads = frozenset({"navigation"})
    indicator_tags = ("indicator:e_participation",)
    default_options = {"max_clicks": 3, "max_extra": None, "channels": None}
    codes = {
        "participation.missing": Code(
            Severity.MEDIUM, "A required e-participation or online-service channel (首長信箱/民意信箱, 電子報, "
            "線上服務/申辦, 書表下載) was not found on the crawled pages.",
            "未見必要之電子參與或線上服務管道（首長信箱／民意信箱、電子報、線上服務／申辦、書表下載）。"),
        "participation.broken": Code(
            Severity.HIGH, "The channel's link does not answer (broken).", "電子參與或線上服務管道之連結無法開啟。"),
        "participation.too-deep": Code(
            Severity.LOW, "The channel exists but is more clicks from the home page than configured.",
            "管道存在，但自首頁點選次數超過設定值。"),
        "participation.not-verified": Code(
            Severity.INFO, "The channel's link could not be checked (another host while offline, robots.txt, "
                           "a transient failure).", "無法確認管道連結是否可用（離線稽核之外部主機、robots.txt 或暫時性錯誤）。"),
        "participation.form-broken": Code(
            Severity.MEDIUM, "A downloadable form on the forms page (書表下載) does not answer.",
            "書表下載頁之表單檔案無法下載。"),
        "participation.no-downloads": Code(
            Severity.MEDIUM, "The forms page (書表下載) links no downloadable document (ODF, PDF, DOC, XLS...).",
            "書表下載頁未提供可下載之表單檔案（ODF、PDF、DOC、XLS 等）。"),
    }

    def __init__(self, options: dict[str, Any] | None = None):
        super().__init__(options)
        clicks = self.options["max_clicks"]
        if not isinstance(clicks, int) or isinstance(clicks, bool) or clicks < 0:
            raise ValueError("max_clicks must be a whole number ≥ 0")
        channels = self.options["channels"] or vocabulary()["channels"]
        if not isinstance(channels, dict) or not channels or not all(
                isinstance(v, dict) and isinstance(v.get("labels"), list) and v["labels"] for v in channels.values()):
            raise ValueError("channels must map a channel id to {label: ..., labels: [...], required: true|false}")
        self.channels: dict[str, dict[str, Any]] = channels
        self.max_extra = int(self.options["max_extra"] or vocabulary()["max_extra"])
        self.labels = {key: tuple(ch["labels"]) for key, ch in channels.items()}
        self.any_label = re.compile("|".join(re.escape(label) for labels in self.labels.values() for label in labels))

    def _names(self, text: str) -> list[tuple[str, int]]:
        """The channels a link text or title names, with how many characters it has beyond the label. A
        question (「民意信箱多久會回覆？」 in an FAQ) names none."""
        text = " ".join(text.split())
        if text.endswith(("？", "?")) or not self.any_label.search(text):
            return []  # (a text names a channel only if it holds one of the labels: most link texts do not)
        return [(key, len(text) - len(label)) for key, labels in self.labels.items()
                if (label := label_match(text, labels, self.max_extra))]

    def run(self, ctx: CheckContext) -> CheckResult:
        pages = {p.url: p for p in ctx.pages() if is_html_page(p)}
        if not pages:
            raise NotApplicable("no HTML page was parsed")
        home = home_page(ctx, list(pages.values()))
        start = home.url if home else min(pages, key=lambda u: pages[u].depth or 0)
        edges, _ = ctx.navigation()
        graph: dict[str, set[str]] = {}
        for source, target in edges:
            graph.setdefault(source, set()).add(target)
        clicks = click_distances(graph, start)
        limit = self.options["max_clicks"]
        found: dict[str, dict[str, Candidate]] = {key: {} for key in self.channels}
        # a site's menu repeats on every page: each distinct text is judged once, and only the links whose
        # text names a channel are read (a few hundred of the heavy bench site's 358,645)
        names = {text: named for text in ctx.link_texts() if text and (named := self._names(text))}

        def status_of(url: str) -> tuple[str, str]:
            if url in pages:
                return "ok", ""
            result = ctx.link_result(url)
            return (result.status, result.error) if result else ("not_checked", "")

        for link in ctx.links_with_text(names):
            if link.tag != "a" or link.source not in pages or (link.fragment and link.target == link.source):
                continue  # not a link, or one within its page (a question index, a table of contents)
            for key, extra in names[link.text]:
                before = clicks.get(link.source)
                status, error = status_of(link.target)
                candidate = Candidate(link.target, None if before is None else before + 1, status,
                                      f"linked as 「{' '.join(link.text.split())}」 on {link.source}", error, link.source, extra)
                known = found[key].get(link.target)
                if known is None or candidate.rank(limit) < known.rank(limit):
                    found[key][link.target] = candidate
        for url, page in pages.items():
            name = title_parts(page.title or "")[:1]
            for key, extra in self._names(name[0]) if name else ():
                if url not in found[key]:
                    found[key][url] = Candidate(url, clicks.get(url), "ok", f"titled 「{name[0]}」", extra=extra)
        findings: list[Finding] = []
        items = []
        for key, channel in self.channels.items():
            item, value = self._item(key, channel, found[key], limit, start, findings)
            if key == "forms" and item["status"] in ("found", "too_deep"):
                value *= self._downloads(item, ctx, findings)
            item["value"] = round(value, 4)
            items.append(item)
        scored = {i["id"]: i["value"] for i in items if i["required"] or i["status"] != "missing"}
        participation = _mean([v for k, v in scored.items() if k in E_PARTICIPATION])
        online = _mean([v for k, v in scored.items() if k in ONLINE_SERVICES])
        score = _mean(list(scored.values()))
        codes = {f.code for f in findings}
        if codes & {"participation.missing", "participation.broken"}:
            status = CheckStatus.FAILED
        elif codes - {"participation.not-verified"} or any(i["status"] != "found" for i in items if i["id"] in scored):
            status = CheckStatus.NEEDS_REVIEW
        else:
            status = CheckStatus.PASSED
        metrics = {"score": score, "participation": participation, "online_services": online, "max_clicks": limit,
                   **{f"{i['id']}_clicks": i["clicks"] for i in items}}
        section = {"max_clicks": limit, "score": score, "channels": items}
        return replace(self.result(status, metrics, findings), data={"participation": section})

    def _item(self, key: str, channel: dict[str, Any], candidates: dict[str, Candidate], limit: int, start: str,
              findings: list) -> tuple[dict[str, Any], float]:
        """One channel's status, value and evidence (adding its finding)."""
        ranked = sorted(candidates.values(), key=lambda c: c.rank(limit))
        best = ranked[0] if ranked else None
        label, required = channel.get("label", key), bool(channel.get("required", True))
        if best is None:
            status = "missing"
            if required:
                findings.append(self.finding("participation.missing", f"{label}: no link or page names it",
                                             page=start, target=key, evidence={"label": label}))
        elif best.status in _ANSWERED:
            status = "found" if best.clicks is not None and best.clicks <= limit else "too_deep"
            if status == "too_deep":
                clicks = "not reachable over the crawled links" if best.clicks is None else f"{best.clicks} clicks"
                findings.append(self.finding("participation.too-deep", f"{label}: {clicks} from the home page "
                                             f"(limit {limit})", page=best.url, target=key,
                                             evidence={"label": label, "clicks": best.clicks}))
        elif best.status == LinkStatus.BROKEN:
            status = "broken"
            findings.append(self.finding("participation.broken", f"{label}: {best.error or 'does not answer'}",
                                         page=_source(best), target=best.url,
                                         evidence={"channel": key, "label": label, "reason": best.reason}))
        else:
            status = "not_verified"
            findings.append(self.finding("participation.not-verified", f"{label}: {best.error or best.status}",
                                         page=_source(best), target=best.url,
                                         evidence={"channel": key, "label": label, "reason": best.reason}))
        item = {"id": key, "label": label, "required": required, "status": status,
                "url": best.url if best else None, "clicks": best.clicks if best else None,
                "reason": best.reason if best else "no link or title names it",
                "evidence": [c.url for c in ranked[:3]]}
        return item, VALUES[status]

    def _downloads(self, item: dict[str, Any], ctx: CheckContext, findings: list) -> float:
        """The share of the forms page's documents that answer (adding findings); 0 without any."""
        page = item["url"]
        documents = sorted({link.target for link in ctx.links_from(page) if _is_document(link.target)})
        results = {d: r for d in documents if (r := ctx.link_result(d)) is not None}
        answering = [d for d in documents if d in results and results[d].status in _ANSWERED]
        broken = [d for d in documents if d in results and results[d].status == LinkStatus.BROKEN]
        item["downloads"] = {"documents": len(documents), "answering": len(answering), "broken": broken[:10],
                             "formats": sorted({_extension(d) for d in documents})}
        if not documents:
            findings.append(self.finding("participation.no-downloads", "the forms page links no document",
                                         page=page, target="forms"))
            return 0.0
        for url in broken[:10]:
            result = results[url]
            findings.append(self.finding("participation.form-broken", f"answers {result.http_status or result.error}",
                                         page=page, target=url))
        judged = len(answering) + len(broken)
        return len(answering) / judged if judged else 1.0


def _extension(url: str) -> str:
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def _is_document(url: str) -> bool:
    return _extension(url) in DOCUMENTS


def _source(candidate: Candidate) -> str:
    """The page a finding on the candidate is about: the page that links it, else itself."""
    return candidate.source or candidate.url


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0



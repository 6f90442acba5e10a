"""Crawl cuts: every place the crawl stopped short of the site (a depth or page budget, a trap, a request
or time budget, a page's link cap), counted where it happens and reported in one form.

The crawler records them (`CutLog`), the crawl's stats carry them (`stats["cuts"]`), crawl health turns
each into a monitor (govaudit/health.py) that the report and results.json show. A cut of the whole run's
request or time budget leaves the run `incomplete`; the others are warnings: the audit is over what was
crawled, and says what was not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# kind → (profile setting, zh-TW what was left out, stops the run short)
KINDS: dict[str, tuple[str, str, bool]] = {
    "max_depth": ("crawl.max_depth", "頁超過最大深度，未爬取（仍檢查連結）", False),
    "max_pages": ("crawl.max_pages", "頁超過頁數上限，未爬取（仍檢查連結）", False),
    "pagination": ("crawl.max_pagination", "頁分頁超過上限，未爬取", False),
    "session_id": ("", "個僅工作階段代碼（session id）不同的網址，未重複爬取", False),
    "calendar": ("", "個行事曆／日期網址超出合理年份，未爬取", False),
    "repeating_path": ("", "個路徑片段重複出現的網址（無限深入的路徑），未爬取", False),
    "links_per_page": ("crawl.max_links_per_page", "個連結超過單頁連結上限，未檢查", False),
    "host_requests": ("crawl.max_requests_per_host", "個請求超過單一主機請求上限，未送出", False),
    "requests": ("crawl.max_requests", "已達整次稽核請求上限，爬取提前結束", True),
    "time": ("crawl.max_seconds", "已達整次稽核時間上限，爬取提前結束", True),
}


@dataclass(frozen=True, slots=True)
class Cut:
    kind: str
    count: int  # what was left out (pages, links or requests)
    limit: int | None  # the setting's value, where one applies
    example: str  # the first URL left out (or the page whose links were capped)

    @property
    def stops_run(self) -> bool:
        return KINDS[self.kind][2]

    @property
    def message(self) -> str:
        setting, what, stops = KINDS[self.kind]
        limit = f"（{setting} = {self.limit}）" if setting and self.limit is not None else ""
        count = "" if stops else f"{self.count:,} "
        example = f"，例：{self.example}" if self.example else ""
        return f"{count}{what}{limit}{example}"


class CutLog:
    """What the crawl left out, counted per kind, with one example: the smallest URL, so that two crawls of
    the same site name the same one whatever order their concurrent requests finished in."""

    def __init__(self) -> None:
        self._cuts: dict[str, Cut] = {}

    def add(self, kind: str, example: str = "", *, limit: int | None = None, count: int = 1) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown crawl cut {kind!r}")
        cut = self._cuts.get(kind)
        if cut is None:
            self._cuts[kind] = Cut(kind, count, limit, example[:300])
        else:
            examples = [e for e in (cut.example, example[:300]) if e]
            self._cuts[kind] = Cut(kind, cut.count + count, cut.limit, min(examples) if examples else "")

    def __contains__(self, kind: str) -> bool:
        return kind in self._cuts

    def count(self, kind: str) -> int:
        cut = self._cuts.get(kind)
        return cut.count if cut else 0

    def as_stats(self) -> list[dict[str, Any]]:
        return [asdict(cut) for cut in self._cuts.values()]


def from_stats(stats: dict[str, Any]) -> list[Cut]:
    """The cuts a crawl's stats record (unknown kinds, from a newer version, are left out)."""
    out = []
    for row in stats.get("cuts") or ():
        if isinstance(row, dict) and row.get("kind") in KINDS:
            out.append(Cut(row["kind"], int(row.get("count") or 0), row.get("limit"), str(row.get("example") or "")))
    return out

"""Crawl cuts: every place the crawl stopped short of the site (a depth or page budget, a trap, a request
or time budget, a page's link cap, a sitemap budget), counted where it happens and reported in one form.

The crawler records them (`CutLog`), the crawl's stats carry them (`stats["cuts"]`), crawl health turns
each into a monitor (govaudit/health.py) and the crawl_coverage check into a finding the officer sees
(`crawl.trap` for what the site does, `crawl.cut` for what our budgets left out). A cut of the whole
run's request or time budget leaves the run `incomplete`; the others are warnings: the audit is over
what was crawled, and says what was not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Kind:
    setting: str  # the profile setting that bounds it ("" for a trap: nothing to raise)
    zh: str  # what was left out, after the count
    en: str
    stops_run: bool = False  # the crawl ended early: the run is `incomplete`
    trap: bool = False  # the site's own doing (a spider trap), not only our budget


KINDS: dict[str, Kind] = {
    "max_depth": Kind("crawl.max_depth", "頁超過最大深度，未爬取（仍檢查連結）",
                      "pages deeper than max_depth not crawled (their links still checked)"),
    "max_pages": Kind("crawl.max_pages", "頁超過頁數上限，未爬取（仍檢查連結）",
                      "pages past max_pages not crawled (their links still checked)"),
    "pagination": Kind("crawl.max_pagination", "頁分頁超過上限，未爬取", "pager pages past max_pagination not crawled"),
    "session_id": Kind("", "個僅工作階段代碼（session id）不同的網址，未重複爬取",
                       "URLs differing only by a session id not crawled again", trap=True),
    "calendar": Kind("", "個行事曆／日期網址超出合理年份，未爬取", "calendar / date URLs beyond plausible years not crawled",
                     trap=True),
    "repeating_path": Kind("", "個路徑片段重複出現的網址（無限深入的路徑），未爬取",
                           "URLs repeating a path segment (ever-deeper paths) not crawled", trap=True),
    # max_pages spent mostly on one address pattern: a query-string explosion, a trap the URL rules missed,
    # or only a large news archive; either way the rest of the site got what was left
    "crowded": Kind("crawl.max_pages", "頁數上限多耗於同一網址樣式（可能為查詢參數組合爆增或無限網址）",
                    "pages spent under one URL pattern (a query-string explosion, endless URLs, or a large archive)"),
    # a pattern whose pages repeat one another's text (numbers aside): a trap no URL rule named
    "pattern": Kind("crawl.max_pages_per_pattern", "個網址屬於內容重複的同一網址樣式（查詢參數組合爆增或無限網址），超過單一樣式頁數上限，未爬取",
                    "URLs under an address pattern whose pages repeat one another (a query-string explosion or"
                    " endless URLs) not crawled past the pattern's budget", trap=True),
    "links_per_page": Kind("crawl.max_links_per_page", "個連結超過單頁連結上限，未檢查",
                           "links past a page's link cap not checked"),
    "host_requests": Kind("crawl.max_requests_per_host", "個請求超過單一主機請求上限，未送出",
                          "requests past the per-host budget not sent"),
    "sitemap_files": Kind("crawl.sitemap_max_files", "個網站地圖超過檔案數上限，未讀取（僅列於其中之頁面可能未檢測）",
                          "sitemaps past sitemap_max_files not read (pages listed only there may be missing)"),
    "sitemap_entries": Kind("crawl.sitemap_max_entries", "個網站地圖超過項目數上限，其餘項目未讀取",
                            "sitemaps cut at sitemap_max_entries entries"),
    "sitemap_bytes": Kind("crawl.sitemap_max_bytes", "個網站地圖解壓後超過大小上限，其餘內容未讀取",
                          "sitemaps larger than sitemap_max_bytes decompressed, the rest not read"),
    "sitemap_depth": Kind("crawl.sitemap_max_depth", "個網站地圖索引層數過深，未讀取",
                          "sitemap indexes nested deeper than sitemap_max_depth not read"),
    "requests": Kind("crawl.max_requests", "已達整次稽核請求上限，爬取提前結束",
                     "the crawl's request budget is spent: the crawl ended early", stops_run=True),
    "time": Kind("crawl.max_seconds", "已達整次稽核時間上限，爬取提前結束",
                 "the crawl's time budget is spent: the crawl ended early", stops_run=True),
}


@dataclass(frozen=True, slots=True)
class Cut:
    kind: str
    count: int  # what was left out (pages, links, requests or sitemaps)
    limit: int | None  # the setting's value, where one applies
    example: str  # the smallest URL left out (or the page whose links were capped, or the crowded pattern)
    total: int | None = None  # "crowded": the pages crawled in all

    @property
    def stops_run(self) -> bool:
        return KINDS[self.kind].stops_run

    @property
    def trap(self) -> bool:
        return KINDS[self.kind].trap

    @property
    def message(self) -> str:
        """In zh-TW, e.g. 「118 頁超過最大深度，未爬取（仍檢查連結）（crawl.max_depth = 10），例：…」."""
        kind = KINDS[self.kind]
        limit = f"（{kind.setting} = {self.limit}）" if kind.setting and self.limit is not None else ""
        if self.total is not None:  # 「5,000 頁中 4,982 頁位於 /list?sid=」
            return f"{self.total:,} 頁中 {self.count:,} 頁位於 {self.example}{limit}：{kind.zh}"
        count = "" if kind.stops_run else f"{self.count:,} "
        example = f"，例：{self.example}" if self.example else ""
        return f"{count}{kind.zh}{limit}{example}"

    @property
    def message_en(self) -> str:
        kind = KINDS[self.kind]
        limit = f" ({kind.setting} = {self.limit})" if kind.setting and self.limit is not None else ""
        if self.total is not None:
            return f"{self.count:,} of {self.total:,} pages spent under {self.example}{limit}"
        count = "" if kind.stops_run else f"{self.count:,} "
        example = f", e.g. {self.example}" if self.example else ""
        return f"{count}{kind.en}{limit}{example}"


class CutLog:
    """What the crawl left out, counted per kind, with one example: the smallest URL, so that two crawls of
    the same site name the same one whatever order their concurrent requests finished in."""

    def __init__(self) -> None:
        self._cuts: dict[str, Cut] = {}

    def add(self, kind: str, example: str = "", *, limit: int | None = None, count: int = 1,
            total: int | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown crawl cut {kind!r}")
        cut = self._cuts.get(kind)
        if cut is None:
            self._cuts[kind] = Cut(kind, count, limit, example[:300], total)
        else:
            examples = [e for e in (cut.example, example[:300]) if e]
            self._cuts[kind] = Cut(kind, cut.count + count, cut.limit, min(examples) if examples else "", cut.total)

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
            total = row.get("total")
            out.append(Cut(row["kind"], int(row.get("count") or 0), row.get("limit"), str(row.get("example") or ""),
                           int(total) if total is not None else None))
    return out

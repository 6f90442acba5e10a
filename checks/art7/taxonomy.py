"""The Art. 7 category taxonomy: config/disclosure/art7.yaml, validated, with its matchers compiled.

The file is data an agency edits; a mistake in it is one clear error naming the file and the key.
"""

from __future__ import annotations

import functools
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from govaudit.checks.art7.labels import normalize, section_match

CATEGORY_IDS = ("art7-1", "art7-2", "art7-3", "art7-4", "art7-5a", "art7-5b", "art7-5c", "art7-6", "art7-7",
                "art7-8", "art7-9", "art7-10")
_SPACE = re.compile(r"\s+")
_NUMBERING = re.compile(r"^[\d][\d\-.、]*\s*")  # 網站導覽 trees number their entries: 「5-1-2預算…」


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Strong(_Strict):
    min_documents: Annotated[int, Field(ge=0)] = 1
    official_systems: tuple[str, ...] = ()
    content_keywords: tuple[str, ...] = ()
    min_content_keywords: Annotated[int, Field(ge=1)] = 1


class Periods(_Strict):
    """How long after its period ends a statistic is still the latest one may expect (months)."""
    monthly: Annotated[int, Field(ge=1)] = 6
    quarterly: Annotated[int, Field(ge=1)] = 9
    yearly: Annotated[int, Field(ge=1)] = 18


class Freshness(_Strict):
    rule: Literal["none", "current_year", "budget", "months", "period"] = "none"
    year_keywords: tuple[str, ...] = ()
    months: Annotated[int, Field(ge=1)] = 12
    periods: Periods = Periods()
    final_lag: Annotated[int, Field(ge=0)] = 2  # budget: 決算 of at least the audit year minus this


class Category(_Strict):
    id: str
    label: str
    short: str
    section_labels: tuple[str, ...]
    item_keywords: tuple[str, ...] = ()
    negative_keywords: tuple[str, ...] = ()
    url_hints: tuple[str, ...] = ()
    strong_evidence: Strong = Strong()
    weak_evidence: tuple[Literal["label_only", "item_keywords", "url_hints"], ...] = (
        "label_only", "item_keywords", "url_hints")
    freshness: Freshness = Freshness()
    may_be_na: bool = False


class Hub(_Strict):
    labels: tuple[str, ...]
    max_extra_chars: Annotated[int, Field(ge=0)] = 4


class System(_Strict):
    hosts: tuple[str, ...]
    label: str
    host_patterns: tuple[str, ...] = ()  # regexes matched against the whole host name


class Taxonomy(_Strict):
    version: str
    hub: Hub
    official_systems: dict[str, System]
    max_other_chars: Annotated[int, Field(ge=0)] = 4
    label_decorations: tuple[str, ...] = ()
    news_labels: tuple[str, ...] = ()
    categories: tuple[Category, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Taxonomy:
        ids = [c.id for c in self.categories]
        if sorted(ids) != sorted(CATEGORY_IDS):
            raise ValueError(f"categories must be exactly {', '.join(CATEGORY_IDS)} (got {', '.join(ids)})")
        for cat in self.categories:
            unknown = set(cat.strong_evidence.official_systems) - set(self.official_systems)
            if unknown:
                raise ValueError(f"{cat.id}: unknown official system(s) {', '.join(sorted(unknown))}")
            if cat.freshness.rule in ("current_year", "budget") and not cat.freshness.year_keywords:
                raise ValueError(f"{cat.id}: freshness rule {cat.freshness.rule} needs year_keywords")
        return self

    def names(self, text: str, cat: Category, *, items: bool = False) -> str | None:
        """The section label (or, with items, the item keyword) of `cat` that a short text names."""
        labels, negative = self._vocab(cat.id, items)
        return section_match(text, labels, self._decorations(), self.max_other_chars, negative)

    def document_categories(self, text: str) -> set[str]:
        """The categories a document's title belongs to: it names one of their section labels or item
        keywords anywhere (a document title is long; 「115年度單位預算」, 「XX案件作業要點」), and none of
        their negative keywords."""
        norm = normalize(text)
        out = set()
        if norm:
            for cat in self.categories:
                labels, negative = self._vocab(cat.id, False)
                items, _ = self._vocab(cat.id, True)
                if any(t in norm for t in labels + items) and not any(n in norm for n in negative):
                    out.add(cat.id)
        return out

    def is_news(self, crumbs: list[str]) -> bool:
        """A page filed under 最新消息 / 新聞稿 … is a news item: never a category's page."""
        news = tuple(normalize(n) for n in self.news_labels)
        return any(n and n in normalize(c) for c in crumbs for n in news)

    def _vocab(self, cid: str, items: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
        memo = _memo(self)
        if (cid, items) not in memo:
            cat = self.category(cid)
            memo[cid, items] = (_norm_terms(cat.item_keywords if items else cat.section_labels),
                                _norm_terms(cat.negative_keywords))
        return memo[cid, items]

    def _decorations(self) -> tuple[str, ...]:
        memo = _memo(self)
        if "decorations" not in memo:
            memo["decorations"] = _norm_terms(self.label_decorations)
        return memo["decorations"]

    def category(self, cid: str) -> Category:
        return next(c for c in self.categories if c.id == cid)

    def system_of(self, host: str) -> str | None:
        host = host.lower()
        for key, system in self.official_systems.items():
            if any(host == h or host.endswith("." + h) for h in system.hosts) or any(
                    re.fullmatch(p, host) for p in system.host_patterns):
                return key
        return None

    def all_terms(self) -> list[str]:
        """Every label and keyword a link text or title may carry (the page analyzer keeps those links),
        normalised as labels.normalize leaves a text."""
        terms = set(self.hub.labels)
        for cat in self.categories:
            terms.update(cat.section_labels, cat.item_keywords)
        return sorted({normalize(t) for t in terms} - {""}, key=len, reverse=True)

    def content_terms(self) -> list[str]:
        terms: set[str] = set()
        for cat in self.categories:
            terms.update(cat.strong_evidence.content_keywords)
        return sorted(terms, key=len, reverse=True)

    def year_keywords(self) -> list[str]:
        return sorted({k for c in self.categories for k in c.freshness.year_keywords}, key=len, reverse=True)


DEFAULT = "art7.yaml"


def default_path() -> Path:
    return Path(str(resources.files("govaudit.config") / "disclosure" / DEFAULT))


def load(path: str | Path | None = None) -> Taxonomy:
    path = Path(path) if path else default_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read the Art. 7 taxonomy {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
    try:
        return Taxonomy.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ValueError(f"{path}: {where}: {err['msg']}") from None


@cache
def default() -> Taxonomy:
    return load()


_MEMO: dict[int, tuple[Taxonomy, dict]] = {}


def _memo(taxonomy: Taxonomy) -> dict:
    """Normalised vocabularies per taxonomy (a frozen model holding a dict is not hashable)."""
    entry = _MEMO.get(id(taxonomy))
    if entry is None or entry[0] is not taxonomy:
        entry = _MEMO[id(taxonomy)] = (taxonomy, {})  # keeps the taxonomy alive, so its id stays unique
    return entry[1]


def _norm_terms(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({normalize(w) for w in words} - {""}, key=len, reverse=True))


def clean(text: str) -> str:
    return _SPACE.sub(" ", text or "").strip()


def label_match(text: str, labels: tuple[str, ...] | list[str], max_extra: int,
                negative: tuple[str, ...] = ()) -> str | None:
    """The label a short text (menu entry, title part, heading) names: it contains the label and is at
    most max_extra characters longer, and has none of the negative keywords."""
    if type(labels) is tuple and type(negative) is tuple:  # hashable: menus repeat on every page
        return _label_match_memo(text, labels, max_extra, negative)
    return _label_match(text, labels, max_extra, negative)


def _label_match(text: str, labels: tuple[str, ...] | list[str], max_extra: int,
                 negative: tuple[str, ...] | list[str]) -> str | None:
    text = _NUMBERING.sub("", clean(text))
    if not text or any(n in text for n in negative):
        return None
    for label in labels:
        if label in text and len(text) - len(label) <= max_extra:
            return label
    return None


_label_match_memo = functools.lru_cache(maxsize=1 << 15)(_label_match)

_TITLE_SPLIT = re.compile(r"\s*[｜|–—_]\s*|\s+-\s+|-(?=[^\d])")


def title_parts(title: str) -> list[str]:
    """「政府資訊公開-訊息公告｜資通安全署」 → its parts: a page title names the page first, then its section
    and the site."""
    return [p for p in (clean(x) for x in _TITLE_SPLIT.split(title or "")) if p]

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


class Freshness(_Strict):
    rule: Literal["none", "current_year", "budget", "months"] = "none"
    year_keywords: tuple[str, ...] = ()
    months: Annotated[int, Field(ge=1)] = 12


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


class Taxonomy(_Strict):
    version: str
    hub: Hub
    official_systems: dict[str, System]
    max_extra_chars: Annotated[int, Field(ge=0)] = 14
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

    def category(self, cid: str) -> Category:
        return next(c for c in self.categories if c.id == cid)

    def system_of(self, host: str) -> str | None:
        host = host.lower()
        for key, system in self.official_systems.items():
            if any(host == h or host.endswith("." + h) for h in system.hosts):
                return key
        return None

    def all_terms(self) -> list[str]:
        """Every label and keyword a link text or title may carry (the page analyzer keeps those links)."""
        terms = set(self.hub.labels)
        for cat in self.categories:
            terms.update(cat.section_labels, cat.item_keywords)
        return sorted(terms, key=len, reverse=True)

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

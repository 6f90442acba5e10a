"""Whether tonight's audit is incremental (pages revalidated against the last completed run, see
crawler/revalidate.py) or a full one, decided by a pure function from what the store says of the runs
before it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

FULL: Final = "full"
INCREMENTAL: Final = "incremental"


@dataclass(frozen=True)
class Night:
    kind: Literal["full", "incremental"]
    reason: str  # why a full night ("" for an incremental one)
    baseline_run: int | None = None  # the completed run the pages are revalidated against
    reuse_parsed: bool = False  # the baseline was parsed by the same tool version and profile
    # a forced full night (--full, every N nights) also checks again the external targets the cache holds
    forced: bool = False

    def stats(self, crawl: dict[str, Any]) -> dict[str, Any]:
        """The run's `night` stats block: this decision and what the crawl reused (its counts)."""
        return {**asdict(self), "pages_not_modified": crawl.get("pages_not_modified", 0),
                "pages_reused": crawl.get("pages_reused", 0), "targets_cached": crawl.get("targets_cached", 0)}


def plan(*, full: bool, every: int, baseline: int | None, nights_since_full: int,
         same_parser: bool) -> Night:
    """Tonight's kind. `nights_since_full`: the completed runs since (and including) the last full one,
    i.e. 1 when the last completed run was full; every `every`-th night is full again."""
    if full:
        return Night(FULL, "--full", forced=True)
    if every <= 1:
        return Night(FULL, "crawl.full_every is 1")
    if baseline is None:
        return Night(FULL, "no completed run of the site before")
    if nights_since_full >= every:
        return Night(FULL, f"every {every} nights (crawl.full_every)", forced=True)
    return Night(INCREMENTAL, "", baseline, same_parser)


def nights_since_full(kinds: Sequence[str]) -> int:
    """kinds: the completed runs' night kinds, newest first (a run from before incremental nights counts
    as full). How many of them back the last full one is (len(kinds) + 1 when none is)."""
    for count, kind in enumerate(kinds, start=1):
        if kind != INCREMENTAL:
            return count
    return len(kinds) + 1

"""What changed since the previous completed run of the same site: pure functions over the two runs'
failing links (issue 6 extends this to findings of other checks).

A link is keyed by its result URL (with #fragment where one was checked). `new`: failing now, not
before; `resolved`: failing before, not now; `changed`: failing in both with another status (e.g. a
transient failure confirmed on its second night); `persisting`: the same status both times.
"""

from __future__ import annotations

from collections.abc import Mapping

FAILING = ("broken", "unverified", "redirected")


def failing(links: list[dict]) -> dict[str, str]:
    """url → status of the failing links of a results document's `links` (or link_results rows)."""
    return {lk["url"]: lk["status"] for lk in links if lk["status"] in FAILING}


def compare(previous: Mapping[str, str] | None, current: Mapping[str, str]) -> dict:
    """previous / current: url → status of failing links. previous None: no baseline, nothing is new."""
    if previous is None:
        return {"baseline": False, "new": [], "resolved": [], "changed": [], "persisting": sorted(current)}
    return {
        "baseline": True,
        "new": sorted(u for u in current if u not in previous),
        "resolved": sorted(u for u in previous if u not in current),
        "changed": sorted(u for u in current if u in previous and previous[u] != current[u]),
        "persisting": sorted(u for u in current if previous.get(u) == current[u]),
    }

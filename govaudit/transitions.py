"""How a link moved between two nights, which links flap, and what makes two nights' findings the same
finding: the pure state machine the diff, the summary line, the report, the notifications and
`--fail-on` all read.

A link's status on a night is one of models.LinkStatus, or ABSENT ("") when no page of that run linked
it. It is *failing* when the status is in FAILING_LINK_STATUSES (broken, unverified, redirected).
From the baseline night to tonight a link is:

  not failing → failing                    NEW            (ok or absent → broken / unverified / redirected)
  unverified  → broken                     CONFIRMED      (a transient failure now definitive: not new)
  redirected  → broken                     NEW            (it answered last night; it is broken now)
  failing     → the same failing status    PERSISTING
  failing     → another failing status     STILL_FAILING  (broken → unverified, broken ↔ redirected, …)
  failing     → not failing                RESOLVED       (ok, excluded, unsupported or no longer linked;
                                                           never claimed by an incomplete run)
  not failing → not failing                no transition

Flapping: over a window of the last FLAP_WINDOW nights (tonight and the completed runs before it), a
link *flaps* when its status changed between failing and not failing at least FLAP_CHANGES times
(nights on which it was not linked are skipped). ok, broken, ok, broken is three changes: flapping.

A finding's identity: for a check whose findings are per-link rows (Check.link_findings) it is the
check, the page and the target, so the same link on the same page is one finding whatever its code
(`link.unverified` tonight, `link.broken` tomorrow); for any other check it is the fingerprint.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from enum import StrEnum

from govaudit.models import FAILING_LINK_STATUSES, LinkStatus

ABSENT = ""  # the link was not in that run
FLAP_WINDOW = 7  # nights looked at: tonight and the 6 completed runs before it
FLAP_CHANGES = 3  # failing ↔ not failing changes within the window that make a link flapping


class Transition(StrEnum):
    NEW = "new"
    CONFIRMED = "confirmed"
    PERSISTING = "persisting"
    STILL_FAILING = "still_failing"
    RESOLVED = "resolved"


def failing(status: str) -> bool:
    return status in FAILING_LINK_STATUSES


def link_transition(before: str, after: str, *, complete: bool = True) -> Transition | None:
    """The transition of one link from the baseline night (`before`) to tonight (`after`); ABSENT for a
    link not in that run. None: healthy both nights, or a fix an incomplete run does not claim."""
    was, now = failing(before), failing(after)
    if not was and not now:
        return None
    if not was:
        return Transition.NEW
    if not now:
        return Transition.RESOLVED if complete else None
    if before == after:
        return Transition.PERSISTING
    if after == LinkStatus.BROKEN:
        return Transition.CONFIRMED if before == LinkStatus.UNVERIFIED else Transition.NEW
    return Transition.STILL_FAILING


def link_transitions(previous: Mapping[str, str], current: Mapping[str, str], *,
                     complete: bool = True) -> dict[str, Transition]:
    """url → transition for every link failing on either night (previous / current: url → status)."""
    out: dict[str, Transition] = {}
    for url in sorted({u for u, s in previous.items() if failing(s)} | {u for u, s in current.items() if failing(s)}):
        kind = link_transition(previous.get(url, ABSENT), current.get(url, ABSENT), complete=complete)
        if kind is not None:
            out[url] = kind
    return out


def flips(statuses: Sequence[str]) -> int:
    """How many times a link changed between failing and not failing over `statuses` (one per night, in
    order; ABSENT nights skipped)."""
    states = [failing(s) for s in statuses if s != ABSENT]
    return sum(a != b for a, b in zip(states, states[1:], strict=False))


def flapping(histories: Mapping[str, Sequence[str]], *, changes: int = FLAP_CHANGES,
             window: int = FLAP_WINDOW) -> dict[str, int]:
    """url → number of changes, for the links that flap. histories: url → its status on each night,
    oldest first, ending tonight; only the last `window` nights count."""
    out = {}
    for url, statuses in histories.items():
        n = flips(list(statuses)[-window:])
        if n >= changes:
            out[url] = n
    return out


def histories(nights: Iterable[Mapping[str, str]], urls: Iterable[str]) -> dict[str, list[str]]:
    """url → status per night (ABSENT where not linked), from each night's url → status, oldest first."""
    nights = list(nights)
    return {url: [night.get(url, ABSENT) for night in nights] for url in urls}


# -- findings -------------------------------------------------------------------------------------------

def finding_identity(item: Mapping[str, object], link_checks: Collection[str]) -> str:
    """What makes findings of two nights the same finding (see the module doc); item: a change item
    (check, fingerprint, page, target)."""
    if item["check"] in link_checks:
        return "\x1f".join(str(item.get(k) or "") for k in ("check", "page", "target"))
    return str(item["fingerprint"])

"""govaudit.transitions: the state machine of a link across two nights (every pair of statuses), flapping
over several nights, and a finding's identity across a change of its code."""

import pytest

from govaudit import transitions as tr
from govaudit.models import LinkStatus
from govaudit.transitions import ABSENT, Transition

N, C, P, S, R = (Transition.NEW, Transition.CONFIRMED, Transition.PERSISTING, Transition.STILL_FAILING,
                 Transition.RESOLVED)
ORDER = ("ok", "broken", "unverified", "redirected", "excluded", "unsupported", ABSENT)
# rows: last night; columns: tonight, in ORDER. None: nothing to report.
TABLE = {
    #             ok    broken unverified redirected excluded unsupported absent
    "ok":          (None, N,     N,         N,         None,    None,       None),
    "broken":      (R,    P,     S,         S,         R,       R,          R),
    "unverified":  (R,    C,     P,         S,         R,       R,          R),
    "redirected":  (R,    N,     S,         P,         R,       R,          R),
    "excluded":    (None, N,     N,         N,         None,    None,       None),
    "unsupported": (None, N,     N,         N,         None,    None,       None),
    ABSENT:        (None, N,     N,         N,         None,    None,       None),
}
PAIRS = [(before, after, TABLE[before][i]) for before in ORDER for i, after in enumerate(ORDER)]


def test_the_table_covers_every_status():
    assert set(ORDER) == {s.value for s in LinkStatus} | {ABSENT}
    assert len(PAIRS) == len(ORDER) ** 2


@pytest.mark.parametrize(("before", "after", "expected"), PAIRS, ids=[f"{b or 'absent'}->{a or 'absent'}" for b, a, _ in PAIRS])
def test_every_pair_of_statuses(before, after, expected):
    assert tr.link_transition(before, after) == expected
    # an incomplete run claims no fix; everything else is the same
    assert tr.link_transition(before, after, complete=False) == (None if expected == R else expected)


def test_the_issue_case_is_confirmed_not_resolved_and_new():
    before = {"/a": "unverified", "/b": "unverified", "/c": "broken", "/d": "ok", "/e": "broken"}
    now = {"/a": "broken", "/b": "broken", "/c": "unverified", "/d": "ok", "/e": "ok", "/f": "broken"}
    assert tr.link_transitions(before, now) == {"/a": C, "/b": C, "/c": S, "/e": R, "/f": N}
    assert tr.link_transitions(before, now, complete=False) == {"/a": C, "/b": C, "/c": S, "/f": N}


@pytest.mark.parametrize(("nights", "changes"), [
    ([], 0),
    (["broken"], 0),
    (["ok", "broken", "broken", "broken"], 1),
    (["ok", "broken", "ok"], 2),
    (["ok", "broken", "ok", "broken"], 3),
    (["ok", ABSENT, "broken", ABSENT, "ok", "unverified"], 3),  # nights without the link are skipped
    (["broken", "unverified", "redirected", "broken"], 0),  # failing all along: no flip
    (["ok", "excluded", "ok"], 0),  # never failing
    (["unverified", "ok", "unverified", "ok", "broken", "ok", "broken"], 6),
])
def test_flips(nights, changes):
    assert tr.flips(nights) == changes


def test_flapping_over_the_window():
    histories = {
        "/flaps": ["ok", "broken", "ok", "broken"],  # 3 changes
        "/twice": ["ok", "broken", "ok"],  # 2: not yet
        "/old": ["ok", "broken", "ok", "broken", "broken", "broken", "broken", "broken", "broken", "broken"],
        "/steady": ["broken"] * 7,
    }
    assert tr.flapping(histories) == {"/flaps": 3}
    assert tr.flapping(histories, window=10) == {"/flaps": 3, "/old": 3}  # its flips are older than 7 nights
    assert tr.flapping(histories, changes=2) == {"/flaps": 3, "/twice": 2}


def test_histories_from_nights():
    nights = [{"/a": "ok"}, {"/a": "broken", "/b": "broken"}, {"/b": "ok"}]
    assert tr.histories(nights, ["/a", "/b"]) == {"/a": ["ok", "broken", ABSENT], "/b": [ABSENT, "broken", "ok"]}


def test_finding_identity():
    link = {"check": "broken_links", "fingerprint": "f1", "code": "link.unverified", "page": "/p", "target": "/t"}
    confirmed = {**link, "fingerprint": "f2", "code": "link.broken"}
    other_page = {**link, "fingerprint": "f3", "page": "/q"}
    links = {"broken_links"}
    assert tr.finding_identity(link, links) == tr.finding_identity(confirmed, links)
    assert tr.finding_identity(link, links) != tr.finding_identity(other_page, links)
    assert tr.finding_identity(link, ()) == "f1" != tr.finding_identity(confirmed, ())

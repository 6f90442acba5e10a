"""The cross-agency summary as pure functions: agencies' latest runs in, rankings, distributions and the
defects many agencies share out. Reading the store is govaudit.fleet.collect's; writing is reports.fleet's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

AUDITED = frozenset({"completed", "incomplete"})  # a run with scores (an incomplete one says so)
BINS = tuple(range(0, 100, 10))  # score distribution: [0,10) … [90,100]


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    label_en: str = ""  # the rubric's English label, when it has one (`fleet report --lang en`)


@dataclass(frozen=True)
class AgencyRecord:
    """One agency as the store knows it: its latest run, the scores of its earlier audited runs, and the
    defects of the latest run that other agencies may share."""

    name: str
    group: str
    start_url: str = ""
    run_id: int | None = None  # None: never audited
    status: str = ""
    started_at: str = ""
    error: str = ""
    scores: dict[str, float | None] = field(default_factory=dict)  # indicator id → score
    history: tuple[dict[str, float | None], ...] = ()  # earlier audited runs' scores, oldest first
    broken_external: frozenset[str] = frozenset()
    missing_art7: tuple[tuple[str, str], ...] = ()  # (category id, label)
    report: str = ""  # link to the agency's own report, "" when there is none

    @property
    def audited(self) -> bool:
        return self.status in AUDITED


@dataclass(frozen=True)
class AgencyRow:
    agency: AgencyRecord
    deltas: dict[str, float | None]  # since the previous audited run
    ranks: dict[str, int | None]  # within its group, per indicator (1 = best; ties share a rank)
    trend: dict[str, tuple[float, ...]]  # scores over the audited runs, oldest first (the latest last)


@dataclass(frozen=True)
class SharedDefect:
    kind: str  # "dead_link" | "missing_art7"
    key: str  # the URL, or the 第7條 category id
    label: str
    agencies: tuple[str, ...]


@dataclass(frozen=True)
class FleetSummary:
    indicators: tuple[Indicator, ...]
    groups: tuple[tuple[str, tuple[AgencyRow, ...]], ...]  # 主管機關 (list order) → its agencies, best first
    distribution: dict[str, tuple[int, ...]]  # indicator → count per BINS bin
    shared: tuple[SharedDefect, ...]
    not_audited: tuple[AgencyRecord, ...]
    counts: dict[str, int]  # agencies, audited, completed, incomplete, not_audited


def ranks(values: dict[str, float | None]) -> dict[str, int | None]:
    """Competition ranking ("1224"), highest first; no score, no rank."""
    scored = sorted((v for v in values.values() if v is not None), reverse=True)
    return {k: (None if v is None else scored.index(v) + 1) for k, v in values.items()}


def bin_of(score: float) -> int:
    return min(int(score // 10), len(BINS) - 1) if score > 0 else 0


def distribution(scores: Iterable[float | None]) -> tuple[int, ...]:
    counts = [0] * len(BINS)
    for score in scores:
        if score is not None:
            counts[bin_of(score)] += 1
    return tuple(counts)


def shared_defects(agencies: Sequence[AgencyRecord], *, at_least: int = 2) -> tuple[SharedDefect, ...]:
    """Dead external links and missing 第7條 categories found at `at_least` agencies or more, most shared
    first: one fix (a ministry-wide link, a template) helps all of them."""
    links: dict[str, set[str]] = defaultdict(set)
    art7: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    for agency in agencies:
        if not agency.audited:
            continue
        for url in agency.broken_external:
            links[url].add(agency.name)
        for cid, label in agency.missing_art7:
            art7[cid].add(agency.name)
            labels.setdefault(cid, label)
    found = [SharedDefect("dead_link", url, url, tuple(sorted(names))) for url, names in links.items()
             if len(names) >= at_least]
    found += [SharedDefect("missing_art7", cid, labels[cid], tuple(sorted(names))) for cid, names in art7.items()
              if len(names) >= at_least]
    return tuple(sorted(found, key=lambda d: (-len(d.agencies), d.kind, d.key)))


def summarise(agencies: Sequence[AgencyRecord], indicators: Sequence[Indicator], *,
              at_least: int = 2) -> FleetSummary:
    by_group: dict[str, list[AgencyRecord]] = defaultdict(list)
    for agency in agencies:
        by_group[agency.group].append(agency)
    first = indicators[0].id if indicators else ""
    groups = []
    for group in by_group:  # in the order of the site list
        members = by_group[group]
        group_ranks = {i.id: ranks({a.name: a.scores.get(i.id) if a.audited else None for a in members})
                       for i in indicators}
        rows = [AgencyRow(a, deltas=_deltas(a, indicators), ranks={i: group_ranks[i][a.name] for i in group_ranks},
                          trend=_trend(a, indicators)) for a in members]
        rows.sort(key=lambda r: (r.ranks.get(first) is None, r.ranks.get(first) or 0, r.agency.name))
        groups.append((group, tuple(rows)))
    audited = [a for a in agencies if a.audited]
    return FleetSummary(
        indicators=tuple(indicators),
        groups=tuple(groups),
        distribution={i.id: distribution(a.scores.get(i.id) for a in audited) for i in indicators},
        shared=shared_defects(agencies, at_least=at_least),
        not_audited=tuple(a for _, rows in groups for a in (r.agency for r in rows) if not a.audited),
        counts={"agencies": len(agencies), "audited": len(audited),
                "completed": sum(a.status == "completed" for a in agencies),
                "incomplete": sum(a.status == "incomplete" for a in agencies),
                "not_audited": len(agencies) - len(audited)},
    )


def _deltas(agency: AgencyRecord, indicators: Sequence[Indicator]) -> dict[str, float | None]:
    previous = agency.history[-1] if agency.history else {}
    out: dict[str, float | None] = {}
    for i in indicators:
        now, before = agency.scores.get(i.id), previous.get(i.id)
        out[i.id] = round(now - before, 2) if agency.audited and now is not None and before is not None else None
    return out


def _trend(agency: AgencyRecord, indicators: Sequence[Indicator]) -> dict[str, tuple[float, ...]]:
    runs = [*agency.history, agency.scores] if agency.audited else list(agency.history)
    return {i.id: tuple(s for s in (r.get(i.id) for r in runs) if s is not None) for i in indicators}

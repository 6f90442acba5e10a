"""Which engine speaks for which ACT rule: the measured routing table (config/a11y_routing.yaml) applied
to one page's engine results, then results of different engines for the same ACT rule merged.

Pure: no I/O beyond reading the packaged table once. The table is written by bench/act_consistency.py
from W3C's ACT test cases; an engine speaks for an ACT rule when it flagged no passed or inapplicable
example there (an engine with a false positive does not). So:
- an engine rule with no ACT rule (most axe-core rules) counts as its engine says (axe-core's rules are
  not routed; an added engine's rule always names its ACT rule);
- an ACT rule the table does not list (not measured) is axe-core's, as before any routing;
- a violation from an engine that speaks for none of its ACT rules is not counted: it becomes a
  needs-review item that says why (`routed_out`), so a person still sees it;
- a needs-review item of an added engine is kept only where that engine speaks and was measured to
  find failures, and one of an axe-core experimental rule not at all (css-orientation-lock is
  undecided on nearly every page);
- violations of different engines sharing an ACT rule become one violation naming every engine;
- `procedures:` in the table adds the ACT rule an engine's rule implements where the engine's own
  metadata names none (axe-core 4.10's summary-name has no actIds; it is W3C's 2t702h), measured like
  every other mapping.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

AXE = "axe-core"


@dataclass(frozen=True)
class Routing:
    speaks: dict[str, frozenset[str]]  # ACT rule id → engines whose outcome counts
    measured: dict[str, dict[str, str]] = field(default_factory=dict)  # ACT rule id → engine → measurement
    # engine rule id → ACT rules it implements, declared here where the engine's metadata names none
    procedures: dict[str, list[str]] = field(default_factory=dict)

    def detects(self, engine: str, act_rules: list[str]) -> bool:
        """The engine flagged failed examples of one of these ACT rules (complete or partial there)."""
        return any(self.measured.get(act, {}).get(engine, "").startswith(("complete", "partial")) for act in act_rules)

    def counts(self, engine: str, act_rules: list[str]) -> bool:
        if not act_rules:
            return engine == AXE
        return any(engine in self.speaks.get(act, frozenset({AXE})) for act in act_rules)


@dataclass(frozen=True)
class Routed:
    violations: list[dict[str, Any]]
    incomplete: list[dict[str, Any]]


@functools.cache
def routing() -> Routing:
    path = resources.files("govaudit.config") / "a11y_routing.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    rules = (doc or {}).get("rules") or {}
    return Routing({act: frozenset(entry.get("speaks") or ()) for act, entry in rules.items()},
                   {act: dict(entry.get("measured") or {}) for act, entry in rules.items()},
                   {rule: list(acts) for rule, acts in ((doc or {}).get("procedures") or {}).items()})


def route(violations: list[dict[str, Any]], incomplete: list[dict[str, Any]],
          table: Routing | None = None) -> Routed:
    """One page's results of every engine → the violations that count and the items to review."""
    table = table or routing()
    kept: list[dict[str, Any]] = []
    review: list[dict[str, Any]] = []
    violations = [_declared(item, table) for item in violations]
    incomplete = [_declared(item, table) for item in incomplete]
    for item in violations:
        engine, acts = item.get("engine") or AXE, list(item.get("act_rules") or [])
        if table.counts(engine, acts):
            # it counts for the ACT rules its engine speaks for, not for the others it also maps to
            spoken = [act for act in acts if table.counts(engine, [act])]
            kept.append({**item, "engines": [engine], "act_rules": spoken})
        else:
            measured = "; ".join(f"{act}: {table.measured.get(act, {}).get(engine, 'not measured')}" for act in acts)
            review.append({**item, "engines": [engine],
                           "routed_out": f"{engine} does not speak for ACT rule {', '.join(acts)} ({measured})"})
    for item in incomplete:
        engine, acts = item.get("engine") or AXE, list(item.get("act_rules") or [])
        if item.get("experimental"):
            continue  # axe's experimental rules cannot read most stylesheets and say so on every page
        # an added engine's "cannot tell" is kept where it is measured to find failures, not where it
        # only ever says "cannot tell" (QualWeb's focus-visible and bypass-block rules, on every page)
        if engine == AXE or (table.counts(engine, acts) and table.detects(engine, acts)):
            review.append({**item, "engines": [engine]})
    return Routed(_merge(kept), review)


def _declared(item: dict[str, Any], table: Routing) -> dict[str, Any]:
    extra = [act for act in table.procedures.get(item.get("rule", ""), []) if act not in (item.get("act_rules") or [])]
    return {**item, "act_rules": [*(item.get("act_rules") or []), *extra]} if extra else item


def _merge(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fold an added engine's violation into an earlier one (axe-core's first) sharing an ACT rule."""
    ordered = sorted(violations, key=lambda v: v.get("engine", AXE) != AXE)
    merged: list[dict[str, Any]] = []
    for item in ordered:
        acts = set(item.get("act_rules") or [])
        into = next((m for m in merged if acts & set(m.get("act_rules") or [])), None) if acts else None
        if into is None or item["engines"][0] in into["engines"]:
            merged.append(item)
            continue
        into["engines"] = [*into["engines"], *item["engines"]]
        into["act_rules"] = sorted(set(into.get("act_rules") or []) | acts)
        into["also"] = [*into.get("also", []), {"engine": item["engines"][0], "rule": item["rule"],
                                                 "nodes_total": item.get("nodes_total", 0)}]
    return merged

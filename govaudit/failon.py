"""`--fail-on` rules for the nightly job: "broken>0,high>=5,content_validity<80" → exit code 1.

Names are the keys of the run summary (link status counts, finding counts, indicator scores, changes
since the last completed run: new_broken, confirmed_broken, still_failing, flapping (govaudit.transitions),
new_findings, resolved_findings, score_drop and
<indicator>_delta). A rule on an indicator that could not be assessed, or on a delta without a
comparable baseline, does not trip: no score is not a low score.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass

from govaudit.profile import ConfigError

SUMMARY_KEYS = ("pages", "links", "ok", "redirected", "broken", "unverified", "excluded", "unsupported",
                "accepted", "new", "resolved", "findings", "critical", "high", "check_errors",
                "new_broken", "confirmed_broken", "still_failing", "flapping", "new_findings", "resolved_findings",
                "score_drop")
_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq,
        "!=": operator.ne}
_RULE = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Rule:
    name: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value:g}"


@dataclass(frozen=True)
class FailOn:
    rules: tuple[Rule, ...]

    @classmethod
    def parse(cls, text: str, *, indicators: Sequence[str] = ()) -> FailOn:
        known = set(SUMMARY_KEYS) | set(indicators) | {f"{i}_delta" for i in indicators}
        rules = []
        for part in filter(None, (p.strip() for p in (text or "").split(","))):
            match = _RULE.match(part)
            if not match:
                raise ConfigError(f"--fail-on: cannot read {part!r}; write NAME>NUMBER, e.g. broken>0")
            name, op, value = match.groups()
            if name not in known:
                raise ConfigError(f"--fail-on: unknown name {name!r}; known: {', '.join(sorted(known))}")
            rules.append(Rule(name, op, float(value)))
        return cls(tuple(rules))

    def tripped(self, summary: dict) -> list[str]:
        out = []
        for rule in self.rules:
            value = summary.get(rule.name)
            if isinstance(value, int | float) and _OPS[rule.op](value, rule.value):
                out.append(f"{rule} (is {value:g})")
        return out

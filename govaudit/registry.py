"""Plug-in registry: checks and writers are found through entry points, built-ins included,
so an outside package adds a check or a writer exactly the way govaudit's own are added. The core
asks the registry, never a check or writer by id.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from govaudit.plugins import Check, Writer

CHECKS = "govaudit.checks"
WRITERS = "govaudit.writers"


class PluginError(RuntimeError):
    pass


@cache
def plugins(group: str) -> dict[str, Any]:
    found = {}
    for ep in entry_points(group=group):
        try:
            found[ep.name] = ep.load()
        except Exception as exc:  # a broken plug-in must not sink the others
            raise PluginError(f"plug-in {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
        # results, dependencies and --format name a plug-in by its id: the entry point must agree
        if getattr(found[ep.name], "id", None) != ep.name:
            raise PluginError(f"plug-in {ep.name!r} ({ep.value}) declares id {getattr(found[ep.name], 'id', None)!r}")
    if not found:
        raise PluginError(f"no {group} plug-ins are installed: is govaudit installed (pip install -e .)?")
    return dict(sorted(found.items()))


def checks() -> dict[str, type[Check]]:
    return plugins(CHECKS)


def writers() -> dict[str, type[Writer]]:
    return plugins(WRITERS)


def link_finding_checks() -> frozenset[str]:
    """Ids of the checks whose findings are per-link rows (Check.link_findings)."""
    return frozenset(cid for cid, cls in checks().items() if cls.link_findings)


def formats(spec: str | None) -> tuple[str, ...] | None:
    """The writer ids of a `--format` value ("html,json"); None (every writer) for no value.
    ValueError names the unknown ones and the available ones."""
    if spec is None:
        return None
    chosen = tuple(dict.fromkeys(f.strip() for f in spec.split(",") if f.strip()))
    available = writers()
    unknown = [f for f in chosen if f not in available]
    if unknown or not chosen:
        raise ValueError(f"unknown format(s) {', '.join(unknown) or repr(spec)}; available: {', '.join(available)}")
    return chosen


def chosen_writers(ids: Collection[str] | None) -> list[type[Writer]]:
    """The writers to run, in registry order: every one for None."""
    return [cls for wid, cls in writers().items() if ids is None or wid in ids]

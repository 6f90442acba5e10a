"""Plug-in registry: checks and writers are found through entry points, built-ins included,
so an outside package adds a check exactly the way govaudit's own are added.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import Any

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
    if not found:
        raise PluginError(f"no {group} plug-ins are installed: is govaudit installed (pip install -e .)?")
    return dict(sorted(found.items()))


def checks() -> dict[str, Any]:
    return plugins(CHECKS)


def writers() -> dict[str, Any]:
    return plugins(WRITERS)

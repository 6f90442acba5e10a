"""The click graph's one question asked by several checks: how many clicks from the home page."""

from __future__ import annotations

from collections import deque


def click_distances(graph: dict[str, set[str]], start: str) -> dict[str, int]:
    """Breadth-first clicks from `start` to every page reachable over `graph` (page → linked pages)."""
    seen = {start: 0}
    queue = deque([start])
    while queue:
        url = queue.popleft()
        for target in graph.get(url, ()):
            if target not in seen:
                seen[target] = seen[url] + 1
                queue.append(target)
    return seen

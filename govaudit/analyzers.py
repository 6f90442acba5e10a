"""Page analyzers: the enabled checks' `page_facts`, run on every parsed page by the crawl (in the spider
or its parse workers) and on the rendered DOM by the browser stage.

In the core so that both stages reach them without Scrapy and without importing the checks themselves:
the checks are found through the plug-in registry (entry points), as the runner finds them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from govaudit import registry
from govaudit.plugins import Check

# (parsed lxml document, page url) -> JSON-able facts or None (Check.page_facts)
Analyzer = Callable[[Any, str], Any]
# check id -> its page analyzer
Analyzers = Mapping[str, Analyzer]


def page_analyzers(check_ids: Collection[str]) -> dict[str, Analyzer]:
    """The enabled checks' page analyzers (Check.page_facts), found through the same registry as the checks."""
    found: dict[str, Analyzer] = {}
    available = registry.checks() if check_ids else {}
    for check_id in check_ids:
        cls = available.get(check_id)
        if cls is not None and cls.page_facts is not Check.page_facts:
            found[check_id] = cls.page_facts
    return found

"""The <a> elements of a parsed page, listed once for all page analyzers (Check.page_facts).

Several analyzers look at every link of a page (mega menus: hundreds per page); each asking lxml for
the elements, their href and their text again costs more than their own work. `anchors(doc)` keeps
the last document's list: the crawler runs every analyzer on one document before parsing the next.
"""

from __future__ import annotations

from typing import Any

Anchor = tuple[Any, str, str]  # (element, href stripped ("" if none), text_content())
_LAST: list[Any] = [None, []]


def anchors(doc: Any) -> list[Anchor]:
    """Every <a> of the document in document order, with its stripped href and its text."""
    if _LAST[0] is not doc:
        _LAST[:] = [doc, [(a, (a.get("href") or "").strip(), a.text_content()) for a in doc.iter("a")]]
    return _LAST[1]

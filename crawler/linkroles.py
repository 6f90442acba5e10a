"""What a link is for the crawl's scheduling (pure): the 政府資訊公開 hub, which the disclosure check
needs whole and so is crawled first, and a pager (news lists' next pages), which does not cost a level
of depth the way content does. Scheduling hints, not checks."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

_HUB_TEXT = re.compile(r"政府資訊公開|主動公開|資訊公開專區|Government Information (?:Disclosure|Open)", re.IGNORECASE)
_HUB_URL = re.compile(r"(?:gov|open|public)[_\-]?info|information[_\-]?disclosure|資訊公開", re.IGNORECASE)
_PAGER_TEXT = re.compile(r"^(?:下一?頁|上一?頁|下頁|上頁|次頁|前頁|末頁|最末頁|最後一?頁|第\s*\d+\s*頁|\d{1,4}|"
                         r"next|prev(?:ious)?|last|older|newer|[»«›‹>]{1,2})$", re.IGNORECASE)
_PAGER_PARAM = re.compile(r"(?:^|&)(?:page|pageno|page_no|pagenum|pagenumber|pageindex|page_index|currentpage|"
                          r"curpage|pg|p|pi|start|offset)=\d+(?:&|$)", re.IGNORECASE)
_PAGER_PATH = re.compile(r"/(?:page|list|p)/\d+/?$", re.IGNORECASE)


# Both are asked of every link of every page, and a site's menus repeat the same (url, text) pairs on
# each page (a 2,000-page site with a mega menu: 354,645 links, a few thousand pairs): remembered.
@lru_cache(maxsize=1 << 16)
def is_hub(url: str, text: str) -> bool:
    return bool(_HUB_TEXT.search(text) or _HUB_URL.search(url))


@lru_cache(maxsize=1 << 16)
def is_pager(url: str, text: str) -> bool:
    """A link to another page of the same list: its URL numbers the page, or its text reads like a pager's."""
    parts = urlsplit(url)
    if _PAGER_PARAM.search(parts.query) or _PAGER_PATH.search(parts.path):
        return True
    return bool(_PAGER_TEXT.match(text.strip())) and bool(parts.query or re.search(r"\d", parts.path))

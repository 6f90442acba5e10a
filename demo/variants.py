"""Demo variants for the disclosure audit: the same agency with its Art. 7 pages arranged differently.

    default    the 政府資訊公開 hub lists every category (item 7 is missing, item 6 is stale)
    no-hub     no hub page: the categories are reachable only from the 網站導覽 page
    spread     no hub: the categories sit in submenus of 關於本署, 業務專區 and 財務公開 in the main menu
    synonyms   hub and categories labelled with other words agencies use (domain §1.1)
    na-minutes the agency is not 合議制: no 會議紀錄 page, and its profile marks art7-10 not applicable
    no-search  no site search: no search box in the header, no search page
    no-participation  no 民意信箱, 電子報, 民意調查 or 線上服務 page (書表下載 stays: other checks read it)

Labels and paths are data here; the section builders read `b.variant`, and the ground truth follows
by itself because it is crawled from the served bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govaudit.demo import content as c
from govaudit.demo import layout

NavEntry = tuple  # (href, label, title) or (href, label, title, [(href, label), ...]) for a submenu


@dataclass(frozen=True)
class Variant:
    name: str
    gov_info: list[tuple[str, str, str]] = field(default_factory=lambda: list(c.GOV_INFO))
    nav: list[NavEntry] = field(default_factory=lambda: list(layout.ZH_NAV))
    hub: bool = True
    hub_label: str = "政府資訊公開"
    minutes: bool = True
    search: bool = True  # the header's search box and the search page (demo/search.py)
    participation: bool = True  # 民意信箱, 電子報, 民意調查, 線上服務 (demo/pages_participation.py)
    # Profile options the variant's agency would set (tests pass them to the audit).
    profile_checks: dict = field(default_factory=dict)


def _relabel(labels: dict[str, str]) -> list[tuple[str, str, str]]:
    return [(key, path, labels.get(key, title)) for key, path, title in c.GOV_INFO]


_NO_HUB_NAV = [entry for entry in layout.ZH_NAV if entry[0] != "/gov-info/"]
_PATHS = {key: path for key, path, _ in c.GOV_INFO}
_TITLES = {key: title for key, _, title in c.GOV_INFO}


def _menu(*keys: str) -> list[tuple[str, str]]:
    return [(_PATHS[k], _TITLES[k]) for k in keys]


_SPREAD_NAV = [
    ("/about/", "關於本署", "", _menu("art7-3", "art7-1", "art7-2", "art7-5a")),
    ("/news/", "最新消息", ""),
    ("/business/", "業務專區", "", _menu("art7-4", "art7-5b", "art7-5c", "art7-10")),
    ("/services/", "為民服務", ""),
    ("", "財務公開", "", _menu("art7-6", "art7-8", "art7-9")),
    ("/publications/", "出版品資訊", ""),
    ("/links.html", "相關連結", ""),
]
# Labels agencies use besides the statutory words (domain §1.1), none of them the default's.
SYNONYMS = {
    "art7-1": "法令規章",
    "art7-2": "函釋及裁量基準",
    "art7-3": "機關簡介",
    "art7-4": "白皮書",
    "art7-5a": "重大政策",
    "art7-5b": "統計資訊",
    "art7-5c": "委託研究及出國報告",
    "art7-6": "主計資訊",
    "art7-8": "政府採購",
    "art7-9": "獎補助",
    "art7-10": "會議紀錄",
}

VARIANTS = {
    "default": Variant("default"),
    "no-hub": Variant("no-hub", nav=_NO_HUB_NAV, hub=False),
    "spread": Variant("spread", nav=_SPREAD_NAV, hub=False),
    "synonyms": Variant(
        "synonyms",
        gov_info=_relabel(SYNONYMS),
        nav=[(h, "主動公開資訊", "主動公開資訊") if h == "/gov-info/" else (h, label, t) for h, label, t in layout.ZH_NAV],
        hub_label="主動公開資訊",
    ),
    "na-minutes": Variant(
        "na-minutes",
        gov_info=[entry for entry in c.GOV_INFO if entry[0] != "art7-10"],
        minutes=False,
        profile_checks={"disclosure": {"not_applicable": ["art7-10"]}},
    ),
    "no-search": Variant("no-search", search=False),
    "no-participation": Variant("no-participation", participation=False),
}

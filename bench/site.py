"""The benchmark's synthetic agency site, with injected link defects and its ground truth.

Separate from demo/ on purpose: the demo is a small, hand-written site for showing every finding; this is
a large, generated one for measuring speed and recall. Everything is deterministic (seeded), so the
server process and the harness build the same site.

Hosts, all on one port of different loopback addresses (so that each is its own host for politeness):
  127.0.0.1  the agency site
  127.0.0.2  a healthy external site (also holds external 404/410 targets and a permanent redirect)
  127.0.0.3  rate-limited: 429 with Retry-After to everything
  127.0.0.4  bot wall: 403 with a challenge page to everything
  127.0.0.5  refuses HEAD (405), answers GET with 200
  127.0.0.6, 127.0.0.7  dead: nothing listens (connection refused)

Ground truth classes of link targets (URL, with #fragment for fragment links):
  broken       definitive defects every tool must report: 404, 410 (internal and external), redirect
               loops, missing #fragments on pages of the site
  dead         connection refused: transient by issue 3's rule (broken only once confirmed on a later
               night); scored apart, "flagged" when a tool reports it as broken or unverified
  ok, redirected, fragment_ok, rate_limited, bot_blocked, head_refused
               healthy targets that must never be reported broken
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SITE, EXT_OK, EXT_429, EXT_403, EXT_405 = "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"
DEAD = ("127.0.0.6", "127.0.0.7")
LISTENING = (SITE, EXT_OK, EXT_429, EXT_403, EXT_405)
HEALTHY = frozenset({"ok", "redirected", "fragment_ok", "rate_limited", "bot_blocked", "head_refused"})

VARIANTS = {
    # name: pages, realistic weight (mega menu, ~30 KB, ~180 links)
    "2k": (2000, False),
    "10k": (10000, False),
    "heavy": (2000, True),
    "tiny": (200, False),  # for the bench's own smoke test
}

_WORDS = ("機關 公告 施政 計畫 預算 決算 業務 統計 法規 政策 服務 申辦 表單 下載 新聞 稿 活動 訊息 "
          "資訊 公開 採購 人事 會計 組織 職掌 首長 介紹 聯絡 地址 電話 交通 位置 開放 資料 民眾 意見 信箱 "
          "常見 問答 補助 獎勵 研究 報告 出版 品 影音 專區 性別 平等 無障礙 隱私 權 政策 安全").split()
_SECTIONS = ("about", "news", "policy", "services", "laws", "budget", "stats", "open-data", "procurement",
             "publications", "faq", "contact")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Site:
    variant: str
    port: int
    routes: dict[tuple[str, str], Response] = field(default_factory=dict)  # (ip, path) -> answer
    pages: list[str] = field(default_factory=list)  # every HTML page URL of the site
    truth: dict[str, str] = field(default_factory=dict)  # target URL (#fragment) -> class
    links: int = 0  # links written into the pages

    def url(self, ip: str, path: str) -> str:
        return f"http://{ip}:{self.port}{path}"


def _text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_WORDS) for _ in range(n))


def build(variant: str, port: int, seed: int = 3) -> Site:
    n_pages, heavy = VARIANTS[variant]
    rng = random.Random(seed)
    site = Site(variant, port)
    u = site.url

    # -- the page tree: home -> 12 sections -> lists of <= 40 articles -------------------------------
    n_articles = n_pages - 1 - len(_SECTIONS)
    per_list = 40
    n_lists = -(-n_articles // per_list)
    lists_per_section = -(-n_lists // len(_SECTIONS))
    tree: dict[str, list[str]] = {"/": [f"/{s}/" for s in _SECTIONS]}
    paths = ["/", *tree["/"]]
    article_paths: list[str] = []
    made = 0
    for si, section in enumerate(_SECTIONS):
        tree[f"/{section}/"] = []
        for li in range(lists_per_section):
            lst = f"/{section}/list-{li}.html"
            if made >= n_articles:
                break
            tree[f"/{section}/"].append(lst)
            tree[lst] = []
            paths.append(lst)
            for ai in range(per_list):
                if made >= n_articles:
                    break
                art = f"/{section}/{si * 10000 + li * 100 + ai}.html"
                tree[lst].append(art)
                article_paths.append(art)
                made += 1
    # lists are pages too: drop articles so that the total is n_pages
    while len(paths) + len(article_paths) > n_pages:
        drop = article_paths.pop()
        for children in tree.values():
            if drop in children:
                children.remove(drop)
    paths += article_paths
    for p in paths:
        site.truth[u(SITE, p)] = "ok"
    site.pages = [u(SITE, p) for p in paths]

    # -- injected targets (scaled with the site) ------------------------------------------------------
    scale = max(1, n_pages // 200)
    targets: list[tuple[str, str]] = []  # (href as written, class)

    def add(url: str, cls: str, count: int = 1) -> None:
        for _ in range(count):
            targets.append((url, cls))
        site.truth[url] = cls

    for i in range(4 * scale):
        add(u(SITE, f"/news/removed-{i}.html"), "broken")  # internal 404 (unrouted)
    for i in range(2 * scale):
        path = f"/laws/repealed-{i}.html"
        site.routes[(SITE, path)] = Response(410, {"Content-Type": "text/html"}, b"<h1>410 Gone</h1>")
        add(u(SITE, path), "broken")
    for i in range(scale):
        a, b = f"/loop/{i}/a", f"/loop/{i}/b"
        site.routes[(SITE, a)] = Response(302, {"Location": u(SITE, b)})
        site.routes[(SITE, b)] = Response(302, {"Location": u(SITE, a)})
        add(u(SITE, a), "broken")
    for i in range(3 * scale):
        page = rng.choice(article_paths)
        add(u(SITE, page) + f"#no-such-part-{i}", "broken")  # missing fragment
    for _i in range(3 * scale):
        page = rng.choice(article_paths)
        add(u(SITE, page) + "#content", "fragment_ok")
    for i in range(2 * scale):
        old = f"/old/{i}"
        site.routes[(SITE, old)] = Response(301, {"Location": u(SITE, rng.choice(article_paths))})
        add(u(SITE, old), "redirected")
    for i in range(2 * scale):
        path = f"/files/report-{i}.pdf"
        site.routes[(SITE, path)] = Response(200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n%%EOF\n")
        add(u(SITE, path), "ok")
    for i in range(3 * scale):
        add(u(EXT_OK, f"/gone/{i}.html"), "broken")  # external 404
    for i in range(scale):
        path = f"/retired/{i}.html"
        site.routes[(EXT_OK, path)] = Response(410, {"Content-Type": "text/html"}, b"<h1>410</h1>")
        add(u(EXT_OK, path), "broken")
    for i in range(4 * scale):
        path = f"/portal/{i}.html"
        site.routes[(EXT_OK, path)] = Response(200, {"Content-Type": "text/html; charset=utf-8"},
                                               f"<html><title>portal {i}</title></html>".encode())
        add(u(EXT_OK, path), "ok")
    site.routes[(EXT_OK, "/moved")] = Response(301, {"Location": u(EXT_OK, "/portal/0.html")})
    add(u(EXT_OK, "/moved"), "redirected")
    for i in range(2 * scale):
        add(u(EXT_429, f"/api/{i}"), "rate_limited")
        add(u(EXT_403, f"/news/{i}.html"), "bot_blocked")
        add(u(EXT_405, f"/doc/{i}.html"), "head_refused")
    for i in range(scale):
        add(u(DEAD[i % 2], f"/old-site/{i}.html"), "dead")
    for ip, path in ((EXT_OK, "/"), (EXT_405, "/")):
        site.routes.setdefault((ip, path), Response(200, {"Content-Type": "text/html"}, b"<html>ok</html>"))

    # each injected target is linked from 1-3 random article pages
    extra: dict[str, list[str]] = {}
    for href, _cls in targets:
        for page in rng.sample(article_paths, rng.randint(1, 3)):
            extra.setdefault(page, []).append(href)

    # -- render ----------------------------------------------------------------------------------------
    for path, ctype in (("/static/site.css", "text/css"), ("/static/logo.png", "image/png")):
        site.routes[(SITE, path)] = Response(200, {"Content-Type": ctype}, b"x" * 64)
        site.truth[u(SITE, path)] = "ok"
    menu = _menu(tree, heavy)
    for p in paths:
        body = _page(rng, p, tree.get(p, []), extra.get(p, []), article_paths, menu, heavy)
        site.links += body.count(b"<a ")
        site.routes[(SITE, p)] = Response(200, {"Content-Type": "text/html; charset=utf-8"}, body)
    site.routes[(SITE, "/robots.txt")] = Response(200, {"Content-Type": "text/plain"},
                                                  b"User-agent: *\nDisallow:\n")
    return site


def _menu(tree: dict[str, list[str]], heavy: bool) -> str:
    items = []
    for section in _SECTIONS:
        if heavy:  # a mega menu: every section with a dozen sub-pages, as on real agency sites
            pages = [a for lst in tree[f"/{section}/"] for a in tree[lst]][:12]
            subs = "".join(f'<li><a href="{a}">{section} 分類 {k}</a></li>' for k, a in enumerate(pages))
            items.append(f'<li><a href="/{section}/">{section}</a><ul class="sub">{subs}</ul></li>')
        else:
            items.append(f'<li><a href="/{section}/">{section}</a></li>')
    return '<nav id="menu"><ul>' + "".join(items) + "</ul></nav>"


def _page(rng: random.Random, path: str, children: list[str], extra: list[str], articles: list[str],
          menu: str, heavy: bool) -> bytes:
    title = _text(rng, 4)
    cross = rng.sample(articles, 20 if heavy else 5)
    paras = 50 if heavy else 4
    body = [f'<!DOCTYPE html><html lang="zh-Hant-TW"><head><meta charset="utf-8"><title>{title}</title>'
            '<meta name="description" content="bench page"><link rel="stylesheet" href="/static/site.css">'
            '</head><body><a href="#content" class="skip">跳到主要內容</a>',
            f'<header><a href="/"><img src="/static/logo.png" alt="首頁"></a>{menu}</header>',
            '<main id="content"><h1>' + title + '</h1><nav class="breadcrumb"><a href="/">首頁</a></nav>']
    for i in range(paras):
        body.append(f'<p id="p{i}">{_text(rng, 60 if heavy else 30)}</p>')
    body.append("<ul>" + "".join(f'<li><a href="{c}">{_text(rng, 3)}</a></li>' for c in children) + "</ul>")
    body.append("<aside><ul>" + "".join(f'<li><a href="{c}">{_text(rng, 3)}</a></li>' for c in cross)
                + "</ul></aside>")
    if extra:
        body.append("<section class=\"related\">" + "".join(f'<a href="{h}">相關連結 {i}</a> '
                                                           for i, h in enumerate(extra)) + "</section>")
    body.append('<a href="mailto:service@agency.example.gov.tw">聯絡我們</a>')
    footer_links = 20 if heavy else 4
    body.append("</main><footer>" + "".join(f'<a href="/{_SECTIONS[k % len(_SECTIONS)]}/">{_text(rng, 2)}</a> '
                                            for k in range(footer_links)) + "</footer></body></html>")
    return "".join(body).encode("utf-8")

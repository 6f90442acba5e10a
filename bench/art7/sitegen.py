"""Generated agency sites with known 第7條 category statuses (the Art. 7 evaluation's ground truth).

`generate(index, today)` returns a `Site`: its pages (path → body) and, per category, the status a
careful human auditor would give (found / stale / weak / missing) and why. Deterministic for a given
index and date. Four layouts: `hub` (a 政府資訊公開 hub with one page per category), `spread` (no hub:
the categories sit in the header menus under other headings), `lists` (the hub's categories are list
pages whose documents each have their own page), `cms` (opaque cp.aspx URLs, a sidebar tree and a news
box on every page). News items that mention a category (an event on 訴願, a subsidy the agency gave,
a statistics press release) are never a category.

Freshness truth (the audit date is `today`, Asia/Taipei; Y = its 民國 year):
- 施政計畫: current when a plan covers Y (a 年度 plan for Y or later, or a range such as 115-118年
  containing Y). Basis: 預算法 §34 — 施政計畫 are made per fiscal year, so the year in force must be shown.
- 預算及決算書: current when a 預算 of Y or later is shown (決算 lag a year or two: 決算法 §21/§26 give
  four months to compile and 審計部 three more to audit). Stale sites show no budget after Y-2.
- 業務統計: judged by the publication's own period (統計法 — each series has its release calendar):
  monthly current when the newest month ended within 6 months, quarterly within 9 months, yearly when
  the newest year is Y-1 or later. Stale cases are far outside those margins (a year or more).
"""

from __future__ import annotations

import datetime as dt
import html
import random
from dataclasses import dataclass, field

from bench.art7 import vocab

CATEGORIES = ["art7-1", "art7-2", "art7-3", "art7-4", "art7-5a", "art7-5b", "art7-5c", "art7-6", "art7-7",
              "art7-8", "art7-9", "art7-10"]
TIME_BOUND = {"art7-5a", "art7-5b", "art7-6"}
LAYOUTS = ["hub", "spread", "lists", "cms"]


@dataclass(frozen=True)
class Doc:
    title: str
    date: dt.date
    file: str  # attachment path on the site, or an absolute URL of an official system


@dataclass(frozen=True)
class Truth:
    status: str  # found | stale | weak | missing
    why: str


@dataclass
class Site:
    index: int
    layout: str
    agency: str
    pages: dict[str, str] = field(default_factory=dict)
    truth: dict[str, Truth] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # the title each category was given


def roc(year: int) -> int:
    return year - 1911


def _months_back(today: dt.date, months: int) -> tuple[int, int]:
    total = today.year * 12 + (today.month - 1) - months
    return total // 12, total % 12 + 1


class _Fmt:
    """One site's date style (agencies pick one and keep it)."""

    def __init__(self, style: int):
        self.style = style

    def date(self, d: dt.date) -> str:
        y = roc(d.year)
        return [f"{y}-{d.month:02d}-{d.day:02d}", f"{y}/{d.month:02d}/{d.day:02d}", f"{d:%Y-%m-%d}",
                f"民國{y}年{d.month}月{d.day}日", f"{d:%Y/%m/%d}"][self.style]


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    span = max((end - start).days, 0)
    return start + dt.timedelta(days=rng.randint(0, span))


def _docs(cat: str, state: str, rng: random.Random, today: dt.date, topic: str, short: str,
          greg: bool) -> list[Doc]:
    """The documents a category page lists; `state` is current or stale (time-bound) or found."""
    y = roc(today.year)
    recent = (today - dt.timedelta(days=330), today - dt.timedelta(days=3))
    old = (dt.date(today.year - 5, 1, 10), dt.date(today.year - 3, 6, 1))
    ext = rng.choice(["pdf", "pdf", "odt", "docx", "ods"])
    n = rng.randint(3, 7)

    def f(i: int, e: str = ext) -> str:
        return f"/files/{cat}-{i}.{e}"

    def yr(v: int) -> str:
        return f"{v + 1911}" if greg else f"{v}"

    docs: list[Doc] = []
    if cat == "art7-1":
        names = [f"{topic}法", f"{topic}法施行細則", f"{topic}管理辦法", f"{topic}許可辦法", f"{topic}收費標準",
                 f"{topic}獎勵條例", f"{topic}資料安全維護辦法"]
        law_db = rng.random() < 0.5
        for i, name in enumerate(names[:n]):
            url = f"https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=K{rng.randint(10000, 99999):07d}" \
                if law_db else f(i)
            docs.append(Doc(name, _day(rng, *recent) if i < 2 else _day(rng, *old), url))
    elif cat == "art7-2":
        names = [f"{short}{topic}案件作業要點", f"{topic}裁罰基準", f"{topic}申請審查注意事項",
                 f"{short}{y}年{rng.randint(1, 9)}月{rng.randint(1, 28)}日函釋（{topic}之認定）",
                 f"{topic}違規案件裁量基準", f"{topic}作業原則", f"{topic}補正期限之解釋令"]
        docs = [Doc(t, _day(rng, *recent) if i < 3 else _day(rng, *old), f(i)) for i, t in enumerate(names[:n])]
    elif cat == "art7-3":
        docs = [Doc("組織架構圖", _day(rng, *recent), f(0, "pdf")), Doc(f"{short}處務規程", _day(rng, *old), f(1))]
    elif cat == "art7-4":
        names = [f"{topic}作業參考指引", f"{topic}業者自主管理手冊", f"{topic}申請須知", f"{topic}宣導摺頁",
                 f"{topic}常見問題釋疑", f"{topic}資訊安全參考指引", f"{topic}服務契約範本"]
        docs = [Doc(t, _day(rng, *recent), f(i)) for i, t in enumerate(names[:n])]
    elif cat == "art7-5a":
        if state == "current":
            form = rng.randrange(5)
            if form == 0:
                titles = [f"{yr(y)}年度施政計畫", f"{yr(y - 1)}年度施政計畫", f"{yr(y - 2)}年度施政計畫"]
            elif form == 1:
                titles = [f"中程施政計畫({y}-{y + 3}年)", f"中程施政計畫({y - 4}-{y - 1}年)", f"{y - 1}年度施政績效報告"]
            elif form == 2:
                titles = [f"{yr(y)}年度施政重點", f"{yr(y - 1)}年度施政重點", f"{yr(y - 1)}年度施政績效報告"]
            elif form == 3:
                titles = [f"{y + 1}年度施政計畫（草案）", f"{y}年度施政計畫", f"{y - 1}年度施政計畫"]
            else:
                titles = [f"中程施政計畫（{y - 2}至{y + 1}年）", f"{y}年度施政計畫", f"{y - 1}年度施政計畫"]
            docs = [Doc(t, _day(rng, *recent), f(i)) for i, t in enumerate(titles)]
        else:
            form = rng.randrange(3)
            if form == 0:
                titles = [f"{yr(y - 2)}年度施政計畫", f"{yr(y - 3)}年度施政計畫", f"{yr(y - 4)}年度施政計畫"]
            elif form == 1:
                titles = [f"中程施政計畫({y - 6}-{y - 3}年)", f"{y - 3}年度施政計畫"]
            else:
                titles = [f"{y - 1}年度施政計畫", f"{y - 2}年度施政計畫", f"{y - 3}年度施政計畫"]
            docs = [Doc(t, _day(rng, *old), f(i)) for i, t in enumerate(titles)]
    elif cat == "art7-5b":
        period = rng.choice(["monthly", "quarterly", "yearly"])
        if period == "monthly":
            lag = rng.randint(1, 5) if state == "current" else rng.randint(13, 30)
            for i in range(n):
                yy, mm = _months_back(today, lag + i)
                pub = dt.date(yy, mm, 1) + dt.timedelta(days=40)
                ylab = f"{yy}年" if greg else f"{roc(yy)}年"
                docs.append(Doc(f"{ylab}{mm}月{topic}業務統計月報", min(pub, today), f(i, "ods")))
        elif period == "quarterly":
            back = rng.randint(1, 2) if state == "current" else rng.randint(5, 9)  # quarters before the current one
            q_total = today.year * 4 + (today.month - 1) // 3 - back
            for i in range(n):
                qy, qq = divmod(q_total - i, 4)
                end = dt.date(qy, qq * 3 + 3, 28)
                docs.append(Doc(f"{roc(qy)}年第{qq + 1}季{topic}統計表", min(end + dt.timedelta(days=45), today),
                                f(i, "ods")))
        else:
            newest = y - 1 if state == "current" else y - rng.randint(3, 5)
            for i in range(min(n, 4)):
                v = newest - i
                docs.append(Doc(f"{yr(v)}年{topic}統計年報", dt.date(v + 1911 + 1, 6, 30), f(i)))
    elif cat == "art7-5c":
        names = [f"{topic}發展策略委託研究報告", f"{topic}國際趨勢研究", f"赴德國考察{topic}出國報告",
                 f"{topic}使用者需求調查委託研究", f"出席{topic}國際研討會出國報告", f"{topic}政策評估研究"]
        docs = [Doc(t, _day(rng, *recent) if i < 2 else _day(rng, *old), f(i)) for i, t in enumerate(names[:n])]
    elif cat == "art7-6":
        if state == "current":
            b = y + rng.choice([0, 0, 1])
            titles = [f"{yr(b)}年度單位預算", f"{yr(b - 1)}年度單位預算", f"{yr(y - 1)}年度單位決算",
                      f"{yr(y - 2)}年度單位決算", f"{y}年{max(today.month - 2, 1)}月會計月報"]
            if b > y:
                titles[0] = f"{yr(b)}年度單位預算案"
        else:
            b = y - rng.randint(2, 5)
            titles = [f"{yr(b)}年度單位預算", f"{yr(b - 1)}年度單位預算", f"{yr(b - 1)}年度單位決算",
                      f"{yr(b - 2)}年度單位決算"]
        docs = [Doc(t, _day(rng, *(recent if state == "current" else old)), f(i)) for i, t in enumerate(titles)]
    elif cat == "art7-7":
        for i in range(n):
            docs.append(Doc(f"{y - (i // 3)}年{short[1:]}訴字第{1150000 + rng.randint(100, 9999)}號"
                            f"{rng.choice(['陳○明', '林○華', '○○股份有限公司'])}因{topic}事件訴願決定書",
                            _day(rng, *recent), f(i)))
    elif cat == "art7-8":
        for i in range(n):
            docs.append(Doc(f"{topic}{rng.choice(['委外服務案', '設備採購案', '維護工程', '系統建置案'])}契約書"
                            f"（案號{roc(today.year)}{rng.randint(100, 999)}）", _day(rng, *recent), f(i)))
    elif cat == "art7-9":
        for i in range(min(n, 4)):
            qy, qq = divmod(today.year * 4 + (today.month - 1) // 3 - 1 - i, 4)
            docs.append(Doc(f"{roc(qy)}年第{qq + 1}季對民間團體及個人補(捐)助經費明細表",
                            dt.date(qy, qq * 3 + 3, 28) + dt.timedelta(days=30), f(i, "ods")))
    elif cat == "art7-10":
        for i in range(n):
            docs.append(Doc(f"第{60 - i}次委員會議紀錄", _day(rng, *recent), f(i)))
    return docs


def _decorate(label: str, rng: random.Random, short: str) -> str:
    prefix = rng.choice(vocab.PREFIXES)
    if prefix in ("本署", "本會"):
        prefix = short
    suffix = rng.choice(vocab.SUFFIXES)
    if label.endswith(("專區", "資訊", "查詢")) or (suffix == "資訊" and label.endswith("資料")):
        suffix = ""
    out = f"{prefix}{label}{suffix}"
    if rng.random() < 0.2:  # half-width brackets, 台 for 臺, as some CMSs store them
        out = out.replace("（", "(").replace("）", ")").replace("臺", "台")
    return out


class _Builder:
    def __init__(self, index: int, today: dt.date, heldout: bool = False):
        self.heldout = heldout
        self.rng = random.Random(f"art7-{index}")
        self.today = today
        self.layout = LAYOUTS[index % len(LAYOUTS)]
        self.agency, self.short = vocab.AGENCIES[index % len(vocab.AGENCIES)]
        self.topic = vocab.TOPICS[index % len(vocab.TOPICS)]
        self.fmt = _Fmt(self.rng.randrange(5))
        self.greg = self.fmt.style in (2, 4) and self.rng.random() < 0.5
        self.site = Site(index, self.layout, self.agency)
        self.menu: list[tuple[str, list[tuple[str, str]]]] = []  # header menu: (group, [(label, href)])
        self.news: list[tuple[str, str, dt.date]] = []  # (headline, href, date)
        self.ids = iter(range(1000 + index * 37, 100000, 7))

    # -- page frame -------------------------------------------------------------------------------
    def frame(self, title: str, main: str, crumbs: list[tuple[str, str]] | None = None,
              updated: dt.date | None = None) -> str:
        e = html.escape
        nav = "".join(f'<li><a href="#">{e(g)}</a><ul>'
                      + "".join(f'<li><a href="{e(h)}">{e(t)}</a></li>' for t, h in items) + "</ul></li>"
                      for g, items in self.menu)
        crumb = ""
        if crumbs:
            crumb = '<nav class="breadcrumb"><a href="/">首頁</a>' + "".join(
                f' &gt; <a href="{e(h)}">{e(t)}</a>' for t, h in crumbs) + "</nav>"
        side = ""
        if self.layout == "cms":
            side = ('<aside class="sidebar"><h3>最新消息</h3><ul>'
                    + "".join(f'<li><a href="{e(h)}">{e(t)}</a></li>' for t, h, _ in self.news[:5])
                    + "</ul></aside>")
        upd = f'<p class="update">更新日期：{self.fmt.date(updated)}</p>' if updated else ""
        full_title = f"{title}-{self.agency}" if title != self.agency else title
        return (f'<!DOCTYPE html><html lang="zh-Hant"><head><meta charset="utf-8"><title>{e(full_title)}</title>'
                f'</head><body><header><a href="/"><img src="/logo.png" alt="{e(self.agency)}"></a>'
                f'<nav class="menu"><ul>{nav}</ul></nav></header>{crumb}<div class="wrap">{side}'
                f'<main id="content"><h2>{e(title)}</h2>{main}{upd}</main></div>'
                f'<footer><p>{e(self.agency)} 地址：100臺北市中正區示範路{self.site.index + 1}號 '
                f'電話：(02)2345-{6000 + self.site.index} 傳真：(02)2345-{7000 + self.site.index} '
                f'電子郵件：service{self.site.index}@agency.example.gov.tw</p>'
                f'<a href="/sitemap.html">網站導覽</a> <a href="/privacy.html">隱私權政策</a></footer></body></html>')

    def href(self, slug: str) -> str:
        if self.layout == "hub":
            return f"/gov-info/{slug}.html"
        if self.layout == "spread":
            return f"/p/{next(self.ids)}.html"
        if self.layout == "lists":
            return f"/News.aspx?n={next(self.ids)}&sms={self.rng.randint(9000, 9999)}"
        return f"/cp.aspx?n={next(self.ids)}"

    # -- content blocks ----------------------------------------------------------------------------
    def doc_list(self, docs: list[Doc]) -> str:
        e = html.escape
        style = self.rng.randrange(3)
        if style == 0:
            rows = "".join(f"<tr><td>{i + 1}</td><td>{e(d.title)}</td><td>{self.fmt.date(d.date)}</td>"
                           f'<td><a href="{e(d.file)}" title="{e(d.title)}">下載</a></td></tr>'
                           for i, d in enumerate(docs))
            return f"<table><tr><th>序號</th><th>標題</th><th>發布日期</th><th>檔案下載</th></tr>{rows}</table>"
        if style == 1:
            return "<ul class='list'>" + "".join(
                f'<li><a href="{e(d.file)}">{e(d.title)}</a> <span>{self.fmt.date(d.date)}</span></li>'
                for d in docs) + "</ul>"
        return "".join(f'<div class="card"><h3>{e(d.title)}</h3><p>發布日期：{self.fmt.date(d.date)}</p>'
                       f'<a href="{e(d.file)}">{e(d.title)}.{d.file.rsplit(".", 1)[-1]}</a></div>' for d in docs)

    def category_page(self, cat: str, label: str, state: str, crumbs: list[tuple[str, str]]) -> str:
        """The page for a present category; returns its href."""
        href = self.href(cat)
        e = html.escape
        if state == "weak":
            body = self.rng.choice(["<p>本項資料建置中，敬請期待。</p>", "<p>目前尚無資料。</p>",
                                    f"<p>{e(self.short)}依政府資訊公開法主動公開{e(label)}，相關資料整理中。</p>"])
            self.site.pages[href] = self.frame(label, body, crumbs + [(label, href)],
                                               updated=self.today - dt.timedelta(days=self.rng.randint(5, 200)))
            return href
        docs = _docs(cat, state, self.rng, self.today, self.topic, self.short, self.greg)
        for d in docs:
            if d.file.startswith("/"):
                self.site.pages[d.file] = ""
        newest = max(d.date for d in docs)
        extra = ""
        if cat in vocab.OFFICIAL_SYSTEMS and self.rng.random() < 0.5:
            name, url = vocab.OFFICIAL_SYSTEMS[cat]
            extra = f'<p>更多資料請至<a href="{url}">{name}</a>查詢。</p>'
        if self.layout == "lists" and cat not in ("art7-3",):
            rows = []
            for d in docs:
                dhref = f"/News_Content.aspx?n={next(self.ids)}&s={self.rng.randint(100000, 999999)}"
                rows.append((d, dhref))
                self.site.pages[dhref] = self.frame(
                    d.title, f'<p>發布日期：{self.fmt.date(d.date)}</p><p>{e(d.title)}，詳如附件。</p>'
                    f'<p>附件：<a href="{e(d.file)}">{e(d.title)}</a></p>',
                    crumbs + [(label, href), (d.title, dhref)], updated=d.date)
            per = 5
            pages = [rows[i:i + per] for i in range(0, len(rows), per)]
            for p, chunk in enumerate(pages):
                phref = href if p == 0 else f"{href}&page={p + 1}"
                pager = "".join(f'<a href="{href if q == 0 else f"{href}&page={q + 1}"}">{q + 1}</a> '
                                for q in range(len(pages))) if len(pages) > 1 else ""
                table = "".join(f'<tr><td>{self.fmt.date(d.date)}</td><td><a href="{e(h)}">{e(d.title)}</a></td></tr>'
                                for d, h in chunk)
                self.site.pages[phref] = self.frame(
                    label, f"<table><tr><th>日期</th><th>標題</th></tr>{table}</table>"
                    f'<div class="pager">{pager}共{len(rows)}筆</div>{extra}', crumbs + [(label, href)],
                    updated=newest)
            return href
        body = ""
        if cat == "art7-3":
            body = (f"<h3>組織架構</h3><p>{e(self.short)}置署長1人，副署長2人，下設5組4室。</p>"
                    f"<h3>職掌</h3><ul><li>綜合規劃組：{e(self.topic)}政策規劃。</li><li>業務組：{e(self.topic)}業務推動。</li></ul>"
                    f"<h3>聯絡資訊</h3><p>地址：100臺北市中正區示範路{self.site.index + 1}號<br>電話：(02)2345-{6000 + self.site.index}"
                    f"<br>傳真：(02)2345-{7000 + self.site.index}<br>電子郵件：service{self.site.index}@agency.example.gov.tw</p>")
        self.site.pages[href] = self.frame(label, body + self.doc_list(docs) + extra, crumbs + [(label, href)],
                                           updated=newest)
        return href

    def add_news(self, headline: str, with_file: bool) -> None:
        href = (f"/news/{len(self.news) + 1}.html" if self.layout in ("hub", "spread")
                else f"/News_Content.aspx?n=77&s={500000 + len(self.news)}")
        d = self.today - dt.timedelta(days=self.rng.randint(1, 120))
        e = html.escape
        att = ""
        if with_file:
            att = f'<p>附件：<a href="/files/news-{len(self.news)}.pdf">活動簡章</a></p>'
            self.site.pages[f"/files/news-{len(self.news)}.pdf"] = ""
        body = (f'<p class="date">發布日期：{self.fmt.date(d)}</p><p>{e(headline)}。{e(self.short)}表示，'
                f'本次活動將邀請各界共同參與，詳細內容請參閱附件或洽承辦人員。</p>{att}')
        self.news.append((headline, href, d))
        self._news_pages.append((href, headline, body, d))

    # -- the site -----------------------------------------------------------------------------------
    def build(self) -> Site:
        rng, y = self.rng, roc(self.today.year)
        self._news_pages: list[tuple[str, str, str, dt.date]] = []
        committee = self.short == "本會"
        states: dict[str, str] = {}
        for cat in CATEGORIES:
            r = rng.random()
            if cat == "art7-3":
                states[cat] = "found"
            elif cat == "art7-10" and not committee:
                states[cat] = "missing" if r < 0.85 else "found"
            elif cat in TIME_BOUND:
                states[cat] = "current" if r < 0.5 else "stale" if r < 0.78 else "weak" if r < 0.86 else "missing"
            else:
                states[cat] = "found" if r < 0.62 else "weak" if r < 0.74 else "missing"
        words = vocab.HELDOUT_LABELS if self.heldout else vocab.SECTION_LABELS
        labels = {cat: _decorate(rng.choice(words[cat]), rng, self.short) for cat in CATEGORIES}
        self.site.labels = labels

        # news: distractors for categories the site lacks first, then a few for present ones
        lacking = [c for c, s in states.items() if s in ("missing", "weak") and c in vocab.NEWS_DISTRACTORS]
        present = [c for c, s in states.items() if s not in ("missing", "weak") and c in vocab.NEWS_DISTRACTORS]
        picks = rng.sample(lacking, min(len(lacking), 4)) + rng.sample(present, min(len(present), 2))
        fill = {"topic": self.topic, "short": self.short, "year": y, "n": rng.randint(20, 60)}
        for c in picks:
            self.add_news(rng.choice(vocab.NEWS_DISTRACTORS[c]).format(**fill), with_file=rng.random() < 0.4)
        for t in rng.sample(vocab.GENERIC_NEWS, 3):
            self.add_news(t.format(**fill), with_file=False)
        rng.shuffle(self.news)

        hub_label = rng.choice(vocab.HUB_LABELS)
        hub_href = {"hub": "/gov-info/index.html", "spread": "", "lists": "/News.aspx?n=100&sms=1",
                    "cms": "/cp.aspx?n=100"}[self.layout]
        news_href = "/news/index.html" if self.layout in ("hub", "spread") else "/News.aspx?n=77&sms=2"
        self.menu = [("最新消息", [("最新消息", news_href)])]
        crumbs = [(hub_label, hub_href)] if hub_href else []
        truth = self.site.truth

        def why(cat: str) -> str:
            return {"current": "listed with current documents", "stale": "listed, documents out of date",
                    "found": "listed with documents", "weak": "labelled page without documents",
                    "missing": "absent (distractor news only)" if cat in picks else "absent"}[states[cat]]

        entries: list[tuple[str, str]] = []  # (label, href) of the categories, in hub order
        for cat in CATEGORIES:
            st = states[cat]
            status = {"current": "found", "found": "found", "stale": "stale", "weak": "weak",
                      "missing": "missing"}[st]
            truth[cat] = Truth(status, why(cat))
            if st == "missing":
                continue
            label = labels[cat]
            if (self.layout == "hub" and cat in ("art7-1", "art7-8") and st == "found" and rng.random() < 0.3):
                name, url = vocab.OFFICIAL_SYSTEMS[cat]
                entries.append((label, url if cat == "art7-8" else "https://law.moj.gov.tw/"))
                truth[cat] = Truth("found", f"hub links {label} to {name}")
                continue
            entries.append((label, ""))
        # pages are built after the menu exists so that every page carries it
        if self.layout == "spread":
            groups = {"art7-1": "法令規章", "art7-2": "法令規章", "art7-3": f"關於{self.short}",
                      "art7-4": "業務資訊", "art7-5a": "業務資訊", "art7-5b": "業務資訊", "art7-5c": "業務資訊",
                      "art7-6": "主計及採購", "art7-8": "主計及採購", "art7-9": "主計及採購", "art7-7": "其他資訊",
                      "art7-10": "其他資訊"}
        hrefs: dict[str, str] = {}
        for cat in CATEGORIES:
            if states[cat] != "missing":
                hrefs[cat] = self.href(cat)
        # menu for spread, hub link for the others
        if self.layout == "spread":
            grouped: dict[str, list[tuple[str, str]]] = {}
            for (label, url), cat in zip(entries, [c for c in CATEGORIES if states[c] != "missing"], strict=True):
                grouped.setdefault(groups[cat], []).append((label, url or hrefs[cat]))
            self.menu = [(g, items) for g, items in grouped.items()] + [("最新消息", [("最新消息", news_href)])]
        else:
            self.menu.insert(0, (f"關於{self.short}", [(labels["art7-3"], hrefs["art7-3"])]))
            self.menu.append((hub_label, [(hub_label, hub_href)]))
        self.menu.append(("便民服務", [("書表下載", "/forms.html"), ("常見問答", "/faq.html")]))

        present_cats = [c for c in CATEGORIES if states[c] != "missing"]
        for (label, url), cat in zip(entries, present_cats, strict=True):
            if url:
                hrefs[cat] = url
                continue
            st = states[cat]
            state = "stale" if st == "stale" else "weak" if st == "weak" else "current"
            # build at the href reserved above, so that the menus point at this page
            hrefs[cat] = self._build_at(hrefs[cat], cat, label, state, crumbs)

        e = html.escape
        if hub_href:
            cards = [(label, hrefs[cat]) for (label, _), cat in zip(entries, present_cats, strict=True)]
            extras = rng.sample(vocab.HUB_EXTRAS, rng.randint(2, 4))
            for k, x in enumerate(extras):
                xh = self.href("extra")
                cards.append((x, xh))
                self.site.pages[xh] = self.frame(x, f"<p>{e(x)}相關資料。</p>"
                                                 + (self.doc_list([Doc(f"{y}年{x}彙整表", self.today - dt.timedelta(days=30),
                                                                       f"/files/extra-{k}.pdf")])
                                                    if "國家賠償" in x else ""), crumbs + [(x, xh)])
            rng.shuffle(cards)
            self.site.pages[hub_href] = self.frame(hub_label, "<ul class='cards'>" + "".join(
                f'<li><a href="{e(h)}">{e(t)}</a></li>' for t, h in cards) + "</ul>", crumbs)

        # news list and news pages
        for href, headline, body, d in self._news_pages:
            self.site.pages[href] = self.frame(headline, body, [("最新消息", news_href), (headline, href)], updated=d)
        self.site.pages[news_href] = self.frame("最新消息", "<ul>" + "".join(
            f'<li><span>{self.fmt.date(d)}</span> <a href="{e(h)}">{e(t)}</a></li>'
            for t, h, d in sorted(self.news, key=lambda n: n[2], reverse=True)) + "</ul>", [("最新消息", news_href)])
        self.site.pages["/forms.html"] = self.frame("書表下載", self.doc_list(
            [Doc(f"{self.topic}申請書", self.today - dt.timedelta(days=40), "/files/form-1.odt")]), [])
        self.site.pages["/files/form-1.odt"] = ""
        self.site.pages["/faq.html"] = self.frame("常見問答", f"<p>問：如何申請{e(self.topic)}服務？答：請洽{e(self.short)}。</p>", [])
        self.site.pages["/privacy.html"] = self.frame("隱私權政策", "<p>本網站尊重您的隱私權。</p>", [])
        tree = "".join(f"<li>{e(g)}<ul>" + "".join(f'<li><a href="{e(h)}">{e(t)}</a></li>' for t, h in items)
                       + "</ul></li>" for g, items in self.menu)
        self.site.pages["/sitemap.html"] = self.frame("網站導覽", f"<ul>{tree}</ul>", [])
        home_news = "".join(f'<li><a href="{e(h)}">{e(t)}</a> {self.fmt.date(d)}</li>' for t, h, d in self.news[:8])
        hub_link = (f'<p><a href="{e(hub_href)}" title="{e(hub_label)}">{e(hub_label)}</a></p>' if hub_href else "")
        self.site.pages["/"] = self.frame(self.agency, f'<section><h3>最新消息</h3><ul>{home_news}</ul></section>'
                                          f"{hub_link}", None, updated=self.today - dt.timedelta(days=2))
        self.site.pages["/logo.png"] = ""
        return self.site

    def _build_at(self, href: str, cat: str, label: str, state: str, crumbs: list[tuple[str, str]]) -> str:
        saved = self.href
        self.href = lambda slug: href  # type: ignore[method-assign]
        try:
            return self.category_page(cat, label, state, crumbs)
        finally:
            self.href = saved  # type: ignore[method-assign]


def generate(index: int, today: dt.date, heldout: bool = False) -> Site:
    """Site number `index` as of `today`; heldout: titled with vocab.HELDOUT_LABELS."""
    return _Builder(index, today, heldout).build()

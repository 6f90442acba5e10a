"""The page analyzers' shortcuts give exactly what the slower forms they replace gave."""

from pathlib import Path

import lxml.html
import pytest

import govaudit.checks.bilingual as bilingual
from govaudit.checks.anchors import anchors
from govaudit.checks.art7 import pagefacts
from govaudit.checks.odf import OpenFormats
from govaudit.crawler.charset import decode
from govaudit.crawler.extract import _PARSER, parse

SWITCHY = """<html lang="zh-Hant"><body>
<a href="/en/">English</a> <a href="/x">  ENGLISH\n version </a> <a href="/y">English\u3000Version</a>
<a href="/z" title=" Eng ">x</a> <a href="/w" aria-label="中文版">x</a> <a href="/v"><img alt="EN"> </a>
<a href="/u" hreflang="">x</a> <a href="/t" lang="en">x</a> <a href="/Events/EN.html">活動</a>
<a href="/s">en glish</a> <a>English</a> <a href="">English</a> <a href="/r"><span><img alt="TW"></span></a>
<a href="/q">最新消息</a> <a href="/p">english|中文</a>
</body></html>"""


def _real_pages() -> list[Path]:
    shared = Path(__file__).resolve().parents[2] / "shared"
    if not shared.exists():
        shared = Path("/work/shared")
    return sorted((shared / "realsite").rglob("*.html"))


def _docs():
    yield lxml.html.document_fromstring(SWITCHY, parser=_PARSER)
    for path in _real_pages():
        yield lxml.html.document_fromstring(decode(path.read_bytes(), "text/html")[0], parser=_PARSER)


@pytest.mark.parametrize("section", ["zh", "en"])
def test_switch_candidates_are_what_the_xpath_selects(section):
    xpath = bilingual._SWITCHES_ZH_PAGE if section == "zh" else bilingual._SWITCHES_EN_PAGE
    for n, doc in enumerate(_docs()):
        selected = xpath(doc)  # held: the same elements must come back as the same objects
        expected = [(a, (a.get("href") or "").strip()) for a in selected]
        assert bilingual._candidates(doc, section) == expected, n
    assert n > 0  # the real agency pages were found


def test_anchors_are_listed_once_per_document():
    doc = lxml.html.document_fromstring('<p><a href=" /a ">A <b>b</b></a><a name="x">n</a></p>')
    first = anchors(doc)
    assert [(href, text) for _, href, text in first] == [("/a", "A b"), ("", "n")]
    assert anchors(doc) is first
    other = lxml.html.document_fromstring('<a href="/c">c</a>')
    assert [href for _, href, _ in anchors(other)] == ["/c"]


def test_update_date_is_shared_by_disclosure_and_freshness():
    doc = lxml.html.document_fromstring("<main><h1>t</h1><p>更新日期：2024-05-06</p></main>")
    assert pagefacts.analyze(doc, "http://h/a")["u"] == "2024-05-06"
    assert pagefacts.updated_date(doc) == "2024-05-06"
    other = lxml.html.document_fromstring("<main><p>發布日期：113-02-03</p></main>")
    assert pagefacts.updated_date(other) == "2024-02-03"


def test_odf_documents_in_separate_list_items_are_separate_containers():
    # Each <li> is its own container; keyed by id() of a temporary element, freed ids were reused and
    # every item of a list could share one container.
    items = "".join(f'<li><a href="/f/f{i}.odt">ODT</a> <a href="/f/f{i}.docx">DOCX</a></li>' for i in range(8))
    doc = lxml.html.document_fromstring(f"<ul>{items}<li><a href='/f/last.docx'>DOCX</a></li></ul>")
    facts = OpenFormats.page_facts(doc, "http://h/forms.html")
    assert [box for _, _, box in facts] == [i // 2 for i in range(16)] + [8]


def test_odf_plain_links_are_typed_by_their_text_only():
    doc = lxml.html.document_fromstring('<a href="/dl/12">申請書（DOCX）</a> <a href="/news/3">新聞</a>'
                                        ' <a href="/dl/13">表單 odt 與 docx</a> <a href="/dl/f.docx">x</a>')
    assert OpenFormats.page_facts(doc, "http://h/p") == [["http://h/dl/12", "docx", -1],
                                                          ["http://h/dl/f.docx", "docx", -1]]


def test_parse_keeps_html_element_methods():
    extracted = parse('<html lang="zh"><title> T </title><a href="/a">x</a><form><input name="q"></form></html>',
                      "http://h/", {"disclosure": pagefacts.analyze})
    assert extracted.title == "T" and extracted.links[0].text == "x" and "disclosure" in extracted.facts
